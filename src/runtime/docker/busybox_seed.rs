//! A `busybox:latest` root filesystem made on this machine from Debian's static busybox
//! (package `busybox-static`, `/bin/busybox`), for an engine that has no busybox and no
//! registry to pull it from: the binary, one symlink per applet in /bin, /tmp, /root and
//! the few /etc files a shell and `nc`/`wget` expect. Written as a tar to any writer, so it
//! streams to the engine's image import without a copy in memory or on disk. The same
//! layout as `scripts/seed-busybox.sh`.

use super::request::{failed, Request};
use super::watchdog::Watchdog;
use crate::runtime::api::{Endpoint, SeedError, Seeded};
use bollard::query_parameters as q;
use bollard::Docker;
use bytes::Bytes;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Applets the demo and ark's own probes use; a busybox without one is not usable.
const REQUIRED_APPLETS: &[&str] = &[
    "sh", "httpd", "nc", "sleep", "timeout", "wget", "cat", "echo", "env", "head", "seq", "printf",
    "ls",
];

/// What the image is set up with, as `docker import --change` would.
pub const CHANGES: &[&str] = &[
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "CMD [\"sh\"]",
];

/// A static busybox on this machine, checked and asked for its applets.
#[derive(Debug, Clone)]
pub struct Busybox {
    pub path: PathBuf,
    pub applets: Vec<String>,
    /// `v1.35.0`, or empty when it does not say.
    pub version: String,
}

impl Busybox {
    /// Checks that `path` is a statically linked executable with the applets ark needs.
    /// The error is a fragment: "`/bin/busybox` is not statically linked".
    pub fn inspect(path: &Path) -> Result<Busybox, String> {
        let shown = path.display();
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
        match is_static_elf(&bytes) {
            Some(true) => {}
            Some(false) => return Err(format!("`{shown}` is not statically linked")),
            None => return Err(format!("`{shown}` is not an ELF executable")),
        }
        let list = Command::new(path)
            .arg("--list")
            .output()
            .map_err(|e| format!("cannot run `{shown} --list`: {e}"))?;
        let applets: Vec<String> = String::from_utf8_lossy(&list.stdout)
            .lines()
            .map(str::trim)
            .filter(|a| !a.is_empty() && *a != "busybox" && !a.contains('/'))
            .map(str::to_owned)
            .collect();
        let lacking: Vec<&str> = REQUIRED_APPLETS
            .iter()
            .copied()
            .filter(|a| !applets.iter().any(|have| have == a))
            .collect();
        if !lacking.is_empty() {
            return Err(format!(
                "`{shown}` lacks the applets {} (not a full busybox)",
                lacking.join(", ")
            ));
        }
        // `busybox` alone prints "BusyBox v1.35.0 (Debian …) multi-call binary." first.
        let version = Command::new(path)
            .output()
            .ok()
            .and_then(|out| {
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                text.split_whitespace()
                    .find(|w| w.starts_with('v'))
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        Ok(Busybox {
            path: path.to_owned(),
            applets,
            version,
        })
    }

    /// Writes the root filesystem as a tar to `out`.
    pub fn write_rootfs(&self, out: impl Write) -> io::Result<()> {
        let mut binary = std::fs::File::open(&self.path)?;
        let size = binary.metadata()?.len();
        let mut tar = tar::Builder::new(out);
        for (dir, mode) in [
            ("bin", 0o755),
            ("etc", 0o755),
            ("root", 0o700),
            ("tmp", 0o1777),
            ("var", 0o755),
            ("var/tmp", 0o1777),
            ("proc", 0o755),
            ("sys", 0o755),
            ("dev", 0o755),
            ("www", 0o755),
        ] {
            let mut entry = tar_header(tar::EntryType::Directory, mode, 0);
            tar.append_data(&mut entry, format!("{dir}/"), io::empty())?;
        }
        let mut entry = tar_header(tar::EntryType::Regular, 0o755, size);
        tar.append_data(&mut entry, "bin/busybox", &mut binary)?;
        for applet in &self.applets {
            let mut entry = tar_header(tar::EntryType::Symlink, 0o777, 0);
            tar.append_link(&mut entry, format!("bin/{applet}"), "busybox")?;
        }
        for (path, text) in ETC_FILES {
            let mut entry = tar_header(tar::EntryType::Regular, 0o644, text.len() as u64);
            tar.append_data(&mut entry, path, text.as_bytes())?;
        }
        tar.into_inner()?.flush()
    }
}

/// Imports the root filesystem of `busybox` as `image` (`name:tag`) into the engine at
/// `endpoint`.
pub async fn import(
    docker: &Docker,
    watchdog: &Watchdog,
    endpoint: &Endpoint,
    image: &str,
    busybox: &Path,
) -> Result<Seeded, SeedError> {
    let busybox = Busybox::inspect(busybox).map_err(SeedError::NoBusybox)?;
    let (repo, tag) = super::images::split_tag(image);
    let options = q::CreateImageOptions {
        from_src: Some("-".to_owned()),
        repo: Some(repo.to_owned()),
        tag: Some(tag.to_owned()),
        message: Some(format!(
            "made offline by ark from {} (static busybox {})",
            busybox.path.display(),
            busybox.version
        )),
        changes: CHANGES.iter().map(|c| (*c).to_owned()).collect(),
        ..Default::default()
    };
    // The tar is written on a blocking thread into a small channel the request body reads.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    let writer = busybox.clone();
    let writing = tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter {
            sender: sender.clone(),
            buffer: Vec::with_capacity(CHUNK),
        };
        if let Err(error) = writer.write_rootfs(&mut out) {
            let _ = sender.blocking_send(Err(error));
        }
    });
    let body = futures_util::stream::poll_fn(move |context| receiver.poll_recv(context));
    let mut stream = docker.create_image(Some(options), Some(bollard::body_try_stream(body)), None);
    let mut outcome = Ok(());
    while let Some(item) = watchdog.next_watched(&mut stream).await {
        if let Err(error) = item {
            outcome = Err(failed(endpoint, Request::Import(image), error));
            break;
        }
    }
    drop(stream);
    let _ = writing.await;
    outcome?;
    let id = match watchdog.watched(docker.inspect_image(image)).await {
        Ok(inspect) => inspect.id.unwrap_or_default(),
        Err(error) => return Err(failed(endpoint, Request::InspectNamed(image), error).into()),
    };
    Ok(Seeded {
        id,
        from: format!(
            "{} (static busybox {}, {} applets)",
            busybox.path.display(),
            busybox.version,
            busybox.applets.len()
        ),
    })
}

/// Bytes per chunk of the request body.
const CHUNK: usize = 64 * 1024;

/// Collects written bytes into chunks and hands each to the request body.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the engine stopped reading"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

const ETC_FILES: &[(&str, &str)] = &[
    (
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    ),
    ("etc/group", "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n"),
    ("etc/nsswitch.conf", "hosts: files dns\n"),
];

/// A header owned by root, stamped with a fixed time so the same binary makes the same tar.
pub(super) fn tar_header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header
}

/// Whether an ELF file is statically linked (it has no `PT_INTERP` program header, the
/// dynamic loader it would need); `None` when it is not an ELF executable.
fn is_static_elf(bytes: &[u8]) -> Option<bool> {
    const PT_INTERP: u32 = 3;
    if bytes.get(..4)? != b"\x7fELF" {
        return None;
    }
    let wide = match bytes.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let little = match bytes.get(5)? {
        1 => true,
        2 => false,
        _ => return None,
    };
    let read = |at: usize, len: usize| -> Option<u64> {
        let raw = bytes.get(at..at + len)?;
        let mut value = 0u64;
        for i in 0..len {
            let byte = if little { raw[len - 1 - i] } else { raw[i] };
            value = (value << 8) | u64::from(byte);
        }
        Some(value)
    };
    let (phoff, phentsize, phnum) = if wide {
        (read(0x20, 8)?, read(0x36, 2)?, read(0x38, 2)?)
    } else {
        (read(0x1C, 4)?, read(0x2A, 2)?, read(0x2C, 2)?)
    };
    if phnum == 0 {
        return None;
    }
    for index in 0..phnum {
        let at = usize::try_from(phoff.checked_add(index.checked_mul(phentsize)?)?).ok()?;
        if read(at, 4)? == u64::from(PT_INTERP) {
            return Some(false);
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal 64-bit little-endian ELF header with program headers of the given types.
    fn elf64(types: &[u32]) -> Vec<u8> {
        let mut bytes = vec![0u8; 64 + 56 * types.len()];
        bytes[..4].copy_from_slice(b"\x7fELF");
        bytes[4] = 2;
        bytes[5] = 1;
        bytes[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        bytes[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        bytes[0x38..0x3A].copy_from_slice(&(types.len() as u16).to_le_bytes());
        for (i, kind) in types.iter().enumerate() {
            let at = 64 + 56 * i;
            bytes[at..at + 4].copy_from_slice(&kind.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn static_and_dynamic_executables_are_told_apart() {
        assert_eq!(is_static_elf(&elf64(&[1, 1, 4])), Some(true));
        assert_eq!(is_static_elf(&elf64(&[6, 3, 1])), Some(false));
        assert_eq!(is_static_elf(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(is_static_elf(b""), None);
        // Truncated program headers are not read past the end.
        let mut cut = elf64(&[1, 1]);
        cut.truncate(80);
        assert_eq!(is_static_elf(&cut), None);
    }

    #[test]
    fn this_machines_shell_is_dynamic_and_a_script_is_no_busybox() {
        if let Ok(bytes) = std::fs::read("/bin/ls") {
            assert_eq!(is_static_elf(&bytes), Some(false), "/bin/ls links to libc");
        }
        let dir = tempfile::tempdir().expect("a temp dir");
        let script = dir.path().join("busybox");
        std::fs::write(&script, "#!/bin/sh\n").expect("written");
        let error = Busybox::inspect(&script).expect_err("a script is not a static busybox");
        assert!(error.contains("is not an ELF executable"), "{error}");
    }

    #[test]
    fn the_rootfs_has_the_binary_its_applets_and_etc() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let binary = dir.path().join("busybox");
        std::fs::write(&binary, b"not really busybox").expect("written");
        let busybox = Busybox {
            path: binary,
            applets: vec!["sh".into(), "httpd".into()],
            version: "v1".into(),
        };
        let mut tar_bytes = Vec::new();
        busybox
            .write_rootfs(&mut tar_bytes)
            .expect("the tar is written");
        let mut archive = tar::Archive::new(tar_bytes.as_slice());
        let entries: Vec<(String, Option<String>, u32)> = archive
            .entries()
            .expect("entries")
            .map(|e| {
                let e = e.expect("an entry");
                let path = e.path().expect("a path").display().to_string();
                let link = e
                    .link_name()
                    .expect("a link name")
                    .map(|l| l.display().to_string());
                (path, link, e.header().mode().expect("a mode"))
            })
            .collect();
        let find = |name: &str| entries.iter().find(|(p, _, _)| p == name);
        assert_eq!(find("bin/busybox").map(|e| e.2), Some(0o755));
        assert_eq!(
            find("bin/sh").and_then(|e| e.1.clone()).as_deref(),
            Some("busybox")
        );
        assert_eq!(find("tmp/").map(|e| e.2), Some(0o1777));
        assert!(find("etc/passwd").is_some() && find("etc/nsswitch.conf").is_some());
    }
}
