//! Just enough of OpenSSH's control-socket protocol (PROTOCOL.mux, version 4) to ask a
//! running master for a local forward, without starting an `ssh -O forward` process for each
//! one: readiness probes ask for one per published port, and twenty process starts cost a
//! no-op `start` about a tenth of a second.

use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

const MUX_MSG_HELLO: u32 = 0x0000_0001;
const MUX_C_OPEN_FWD: u32 = 0x1000_0006;
const MUX_S_OK: u32 = 0x8000_0001;
const MUX_S_PERMISSION_DENIED: u32 = 0x8000_0002;
const MUX_S_FAILURE: u32 = 0x8000_0003;
const MUX_FWD_LOCAL: u32 = 1;
const PROTOCOL_VERSION: u32 = 4;
/// A "port" that says the host field is a unix socket path.
const PORT_STREAMLOCAL: u32 = -2i32 as u32;

/// Where a forward leads, on the far side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FarEnd {
    Socket(String),
    Tcp(String, u16),
}

impl std::fmt::Display for FarEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FarEnd::Socket(path) => write!(f, "{path}"),
            FarEnd::Tcp(ip, port) if ip.contains(':') => write!(f, "[{ip}]:{port}"),
            FarEnd::Tcp(ip, port) => write!(f, "{ip}:{port}"),
        }
    }
}

/// Asks the master behind `control` to listen on the unix socket `local` and forward each
/// connection to `far`. `Err` carries the master's reason.
pub async fn open_local_forward(control: &Path, local: &Path, far: &FarEnd) -> Result<(), String> {
    let mut socket = UnixStream::connect(control)
        .await
        .map_err(|e| format!("control socket {}: {e}", control.display()))?;
    let mut hello = Vec::new();
    put_u32(&mut hello, MUX_MSG_HELLO);
    put_u32(&mut hello, PROTOCOL_VERSION);
    send(&mut socket, &hello).await?;
    let theirs = receive(&mut socket).await?;
    if read_u32(&theirs, 0) != Some(MUX_MSG_HELLO) {
        return Err("the ssh master did not greet as expected".into());
    }
    send(&mut socket, &open_forward_request(1, local, far)).await?;
    let reply = receive(&mut socket).await?;
    match read_u32(&reply, 0) {
        Some(MUX_S_OK) => Ok(()),
        Some(MUX_S_PERMISSION_DENIED | MUX_S_FAILURE) => {
            Err(read_string(&reply, 8).unwrap_or_else(|| "refused".into()))
        }
        other => Err(format!("unexpected answer from the ssh master: {other:?}")),
    }
}

fn open_forward_request(id: u32, local: &Path, far: &FarEnd) -> Vec<u8> {
    let mut message = Vec::new();
    put_u32(&mut message, MUX_C_OPEN_FWD);
    put_u32(&mut message, id);
    put_u32(&mut message, MUX_FWD_LOCAL);
    put_string(&mut message, local.to_string_lossy().as_bytes());
    put_u32(&mut message, PORT_STREAMLOCAL);
    match far {
        FarEnd::Socket(path) => {
            put_string(&mut message, path.as_bytes());
            put_u32(&mut message, PORT_STREAMLOCAL);
        }
        FarEnd::Tcp(ip, port) => {
            put_string(&mut message, ip.as_bytes());
            put_u32(&mut message, u32::from(*port));
        }
    }
    message
}

fn put_u32(buffer: &mut Vec<u8>, value: u32) {
    buffer.extend_from_slice(&value.to_be_bytes());
}

fn put_string(buffer: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(buffer, bytes.len() as u32);
    buffer.extend_from_slice(bytes);
}

fn read_u32(buffer: &[u8], at: usize) -> Option<u32> {
    let bytes = buffer.get(at..at + 4)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

fn read_string(buffer: &[u8], at: usize) -> Option<String> {
    let length = read_u32(buffer, at)? as usize;
    let bytes = buffer.get(at + 4..(at + 4).checked_add(length)?)?;
    Some(String::from_utf8_lossy(bytes).into_owned())
}

async fn send(socket: &mut UnixStream, message: &[u8]) -> Result<(), String> {
    let mut framed = Vec::with_capacity(message.len() + 4);
    put_string(&mut framed, message);
    socket
        .write_all(&framed)
        .await
        .map_err(|e| format!("ssh master: {e}"))
}

async fn receive(socket: &mut UnixStream) -> Result<Vec<u8>, String> {
    let length = socket
        .read_u32()
        .await
        .map_err(|e| format!("ssh master: {e}"))? as usize;
    if length > 256 * 1024 {
        return Err("ssh master: oversized message".into());
    }
    let mut message = vec![0; length];
    socket
        .read_exact(&mut message)
        .await
        .map_err(|e| format!("ssh master: {e}"))?;
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forward_request_is_laid_out_as_protocol_mux_says() {
        let request = open_forward_request(
            7,
            Path::new("/t/p.sock"),
            &FarEnd::Tcp("127.0.0.1".into(), 8080),
        );
        let mut expected = Vec::new();
        expected.extend_from_slice(&0x1000_0006u32.to_be_bytes());
        expected.extend_from_slice(&7u32.to_be_bytes());
        expected.extend_from_slice(&1u32.to_be_bytes());
        expected.extend_from_slice(&9u32.to_be_bytes());
        expected.extend_from_slice(b"/t/p.sock");
        expected.extend_from_slice(&0xFFFF_FFFEu32.to_be_bytes());
        expected.extend_from_slice(&9u32.to_be_bytes());
        expected.extend_from_slice(b"127.0.0.1");
        expected.extend_from_slice(&8080u32.to_be_bytes());
        assert_eq!(request, expected);
    }

    #[test]
    fn failures_carry_the_masters_reason() {
        let mut reply = Vec::new();
        put_u32(&mut reply, MUX_S_FAILURE);
        put_u32(&mut reply, 1);
        put_string(&mut reply, b"Port forwarding failed");
        assert_eq!(
            read_string(&reply, 8).as_deref(),
            Some("Port forwarding failed")
        );
        assert_eq!(
            read_string(&reply[..10], 8),
            None,
            "a short reply is not read past"
        );
    }

    #[test]
    fn far_ends_print_as_ssh_writes_them() {
        assert_eq!(FarEnd::Tcp("::1".into(), 80).to_string(), "[::1]:80");
        assert_eq!(
            FarEnd::Socket("/var/run/docker.sock".into()).to_string(),
            "/var/run/docker.sock"
        );
    }
}
