//! Readiness, probed by ark from the client — never through frequent in-container execs,
//! which saturate small machines. http: GET the path, 2xx/3xx is ready; tcp: a connection is
//! accepted; exec: the command exits 0 in the container; no check: the image's own
//! HEALTHCHECK, else running. Probes start fast (20 ms) and back off (to 200 ms; 500 ms for exec probes).

use crate::runtime::api::{
    is_loopback_host, is_unspecified_ip, CheckLabel, Handle, Instance, PortReach, PortStream,
    Runtime, State,
};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why an app is not ready (yet), for messages: the probe's last result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// Still waiting; the last probe's result.
    Pending(String),
    /// The container stopped; its exit code.
    Exited(i64),
    /// The engine says the container is gone or broken.
    Gone(String),
}

/// Why waiting ended without the app being ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitFailure {
    Exited {
        code: i64,
        last_probe: Option<String>,
    },
    Timeout {
        last_probe: String,
    },
    Gone(String),
}

/// How readiness reaches a container's ports: the runtime's `PortReach`.
pub type Route = PortReach;

/// Where one probe connects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dial {
    /// A TCP connection from here.
    Direct(String, u16),
    /// Through the engine connection, to this address as the engine host sees it.
    Tunnel(String, u16),
    /// Only reachable from inside: the port is bound to the loopback of a remote host.
    InContainer(u16),
}

fn dial(route: &Route, container: &Instance, port: u16) -> Result<Dial, String> {
    if *route == Route::InstanceIp {
        return container
            .ip
            .clone()
            .map(|ip| Dial::Direct(ip, port))
            .ok_or_else(|| "no IP on the environment's network yet".into());
    }
    let published = container
        .ports
        .iter()
        .find(|p| p.container_port == port)
        .ok_or_else(|| format!("port {port} is not published"))?;
    let bound = published.host_ip.as_str();
    Ok(match route {
        Route::Tunnel { .. } if is_unspecified_ip(bound) => {
            Dial::Tunnel("127.0.0.1".into(), published.host_port)
        }
        Route::Tunnel { .. } => Dial::Tunnel(bound.to_owned(), published.host_port),
        Route::Published { host } if is_unspecified_ip(bound) => {
            Dial::Direct(host.clone(), published.host_port)
        }
        Route::Published { host } if is_loopback_host(bound) && !is_loopback_host(host) => {
            Dial::InContainer(port)
        }
        Route::Published { host } if is_loopback_host(bound) => {
            Dial::Direct(host.clone(), published.host_port)
        }
        _ => Dial::Direct(bound.to_owned(), published.host_port),
    })
}

/// The shell command that probes `check` from inside the container (busybox or coreutils).
fn in_container_probe(check: &CheckLabel, port: u16) -> Vec<String> {
    let script = if check.kind == "http" {
        let path = check.path.as_deref().unwrap_or("/");
        format!("timeout 2 wget -q -O /dev/null http://127.0.0.1:{port}{path}")
    } else {
        // `-z` where nc has it; busybox's nc has not, but connects and ends at once on an
        // empty stdin.
        format!("nc -z 127.0.0.1 {port} 2>/dev/null || nc -w 2 127.0.0.1 {port} </dev/null >/dev/null 2>&1")
    };
    vec!["sh".into(), "-c".into(), script]
}

/// One probe of one check.
pub async fn probe(
    runtime: &dyn Runtime,
    container: &Instance,
    check: &CheckLabel,
    route: &Route,
    timeout: Duration,
) -> Result<(), String> {
    let command = match check.kind.as_str() {
        "exec" if !runtime.capabilities().exec => {
            return Err("an exec check needs an engine that runs commands in instances".into())
        }
        "exec" => check.command.clone().unwrap_or_default(),
        kind => match dial(route, container, check.port)? {
            Dial::InContainer(port) if !runtime.capabilities().exec => {
                return Err(format!(
                "port {port} is only reachable from inside, and this engine runs no commands there"
            ))
            }
            Dial::InContainer(port) => in_container_probe(check, port),
            Dial::Direct(host, port) => {
                return probe_port(runtime, kind, route, (host, port, false), check, timeout).await
            }
            Dial::Tunnel(host, port) => {
                return probe_port(runtime, kind, route, (host, port, true), check, timeout).await
            }
        },
    };
    match tokio::time::timeout(
        timeout.max(Duration::from_secs(2)),
        runtime.exec(&container.handle, &command),
    )
    .await
    {
        Ok(Ok(0)) => Ok(()),
        Ok(Ok(code)) => Err(format!("`{}` exited {code}", shell_words::join(&command))),
        Ok(Err(e)) => Err(format!("exec failed: {e}")),
        Err(_) => Err("exec timed out".into()),
    }
}

/// An http or tcp probe over a connection from here (direct or tunnelled).
async fn probe_port(
    runtime: &dyn Runtime,
    kind: &str,
    route: &Route,
    (host, port, tunnelled): (String, u16, bool),
    check: &CheckLabel,
    timeout: Duration,
) -> Result<(), String> {
    let connect = async {
        if tunnelled {
            runtime
                .open_port(&host, port)
                .await
                .map_err(|e| e.to_string())
        } else {
            TcpStream::connect((host.as_str(), port))
                .await
                .map(|s| Box::new(s) as PortStream)
                .map_err(|e| e.to_string())
        }
    };
    let mut stream = match tokio::time::timeout(timeout, connect).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(format!("{kind} {host}:{port}: {e}")),
        Err(_) => return Err(format!("{kind} {host}:{port}: timed out")),
    };
    if kind == "http" {
        http_get(
            &mut stream,
            &host,
            check.path.as_deref().unwrap_or("/"),
            timeout,
        )
        .await
    } else if *route != Route::InstanceIp {
        // Docker's port proxy (and an ssh forward) accepts even when nothing listens in
        // the container, then hangs up: an immediate end of stream is not "ready".
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(50), stream.read(&mut byte)).await {
            Ok(Ok(0)) => Err(format!(
                "tcp {host}:{port}: closed at once (nothing listening behind the published port)"
            )),
            _ => Ok(()),
        }
    } else {
        Ok(())
    }
}

async fn http_get(
    stream: &mut PortStream,
    host: &str,
    path: &str,
    timeout: Duration,
) -> Result<(), String> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ark\r\nConnection: close\r\n\r\n"
    );
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        let mut head = Vec::with_capacity(64);
        let mut buffer = [0u8; 256];
        while !head.contains(&b'\n') && head.len() < 4096 {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buffer[..n]);
        }
        Ok::<_, std::io::Error>(head)
    };
    let head = match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(head)) => head,
        Ok(Err(e)) => return Err(format!("GET {path}: {e}")),
        Err(_) => {
            return Err(format!(
                "GET {path}: no answer within {}ms",
                timeout.as_millis()
            ))
        }
    };
    let line = String::from_utf8_lossy(&head);
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok());
    match status {
        Some(code) if (200..400).contains(&code) => Ok(()),
        Some(code) => Err(format!("GET {path} → {code}")),
        None if head.is_empty() => Err(format!("GET {path}: connection closed without an answer")),
        None => Err(format!("GET {path}: not an HTTP answer")),
    }
}

/// One look at whether the container is ready now.
pub async fn check_now(
    runtime: &dyn Runtime,
    container: &Instance,
    route: &Route,
    timeout: Duration,
) -> Result<(), NotReady> {
    match container.state {
        State::Running => {}
        State::Exited(code) => return Err(NotReady::Exited(code)),
        State::Dead => return Err(NotReady::Gone("the container is dead".into())),
        ref other => return Err(NotReady::Pending(other.text())),
    }
    if container.checks.is_empty() {
        return match container.health.as_deref() {
            None | Some("healthy") => Ok(()),
            Some(status) => Err(NotReady::Pending(format!(
                "the image's HEALTHCHECK says {status}"
            ))),
        };
    }
    for check in &container.checks {
        probe(runtime, container, check, route, timeout)
            .await
            .map_err(NotReady::Pending)?;
    }
    Ok(())
}

/// Waits until the container is ready, it exits, or `timeout` passes. `on_probe` hears each
/// new probe result (for progress).
pub async fn wait_ready(
    runtime: &dyn Runtime,
    handle: &Handle,
    route: &Route,
    timeout: Duration,
    on_probe: &dyn Fn(&str),
) -> Result<(), WaitFailure> {
    let started = Instant::now();
    let has_exec = |c: &Instance| c.checks.iter().any(|k| k.kind == "exec");
    let mut delay = Duration::from_millis(20);
    let mut last: Option<String> = None;
    loop {
        let container = runtime
            .inspect(handle)
            .await
            .map_err(|e| WaitFailure::Gone(e.to_string()))?;
        let probe_timeout = Duration::from_millis(500).max(delay);
        match check_now(runtime, &container, route, probe_timeout).await {
            Ok(()) => return Ok(()),
            Err(NotReady::Exited(code)) => {
                return Err(WaitFailure::Exited {
                    code,
                    last_probe: last,
                })
            }
            Err(NotReady::Gone(why)) => return Err(WaitFailure::Gone(why)),
            Err(NotReady::Pending(why)) => {
                if last.as_deref() != Some(why.as_str()) {
                    on_probe(&why);
                }
                last = Some(why);
            }
        }
        if started.elapsed() >= timeout {
            return Err(WaitFailure::Timeout {
                last_probe: last.unwrap_or_default(),
            });
        }
        // An exec probe starts a process in the container: probe those less eagerly.
        let floor = if has_exec(&container) {
            Duration::from_millis(100)
        } else {
            Duration::ZERO
        };
        tokio::time::sleep(
            delay
                .max(floor)
                .min(timeout.saturating_sub(started.elapsed())),
        )
        .await;
        // A connect or a GET costs next to nothing: back off only to 200 ms, so a ready app
        // is noticed quickly; an exec probe starts a process, so it backs off further.
        let ceiling = if has_exec(&container) {
            Duration::from_millis(500)
        } else {
            Duration::from_millis(200)
        };
        delay = (delay * 2).min(ceiling);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::api::Published;

    fn container(bound: &str) -> Instance {
        Instance {
            handle: Handle::new("c1"),
            name: "ark_e_web".into(),
            environment: "e".into(),
            app: "web".into(),
            fingerprint: Default::default(),
            image: "web".into(),
            image_id: String::new(),
            state: State::Running,
            health: None,
            created: 0,
            started_at: None,
            ip: Some("172.18.0.5".into()),
            ports: vec![Published {
                container_port: 8080,
                host_ip: bound.into(),
                host_port: 32768,
            }],
            detached: false,
            depends_on: Vec::new(),
            checks: Vec::new(),
            exposes: Vec::new(),
        }
    }

    fn published(host: &str) -> Route {
        Route::Published { host: host.into() }
    }

    #[test]
    fn each_engine_is_probed_the_way_it_can_be_reached() {
        let local = container("127.0.0.1");
        assert_eq!(
            dial(&Route::InstanceIp, &local, 8080),
            Ok(Dial::Direct("172.18.0.5".into(), 8080)),
            "a local engine: the container itself"
        );
        assert_eq!(
            dial(&published("127.0.0.1"), &local, 8080),
            Ok(Dial::Direct("127.0.0.1".into(), 32768)),
            "Desktop or tcp:// on this machine: the published port here"
        );
        assert_eq!(
            dial(&Route::Tunnel { host: "box".into() }, &local, 8080),
            Ok(Dial::Tunnel("127.0.0.1".into(), 32768)),
            "ssh: the engine host's loopback, through the login"
        );
        assert_eq!(
            dial(&published("10.0.0.9"), &local, 8080),
            Ok(Dial::InContainer(8080)),
            "tcp:// elsewhere, bound to its loopback: only reachable from inside"
        );
        assert_eq!(
            dial(&published("10.0.0.9"), &container("0.0.0.0"), 8080),
            Ok(Dial::Direct("10.0.0.9".into(), 32768)),
            "bound to every address: the engine host's name"
        );
        assert_eq!(
            dial(&published("10.0.0.9"), &container("10.0.0.9"), 8080),
            Ok(Dial::Direct("10.0.0.9".into(), 32768))
        );
        assert_eq!(
            dial(&published("10.0.0.9"), &local, 9090),
            Err("port 9090 is not published".into())
        );
    }

    #[test]
    fn in_container_probes_use_busybox_tools_with_a_time_limit() {
        let http = CheckLabel {
            expose: "http".into(),
            port: 8080,
            kind: "http".into(),
            path: Some("/_health".into()),
            command: None,
        };
        assert_eq!(
            in_container_probe(&http, 8080)[2],
            "timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/_health"
        );
        let tcp = CheckLabel {
            kind: "tcp".into(),
            path: None,
            ..http
        };
        assert_eq!(
            in_container_probe(&tcp, 7000)[2],
            "nc -z 127.0.0.1 7000 2>/dev/null || nc -w 2 127.0.0.1 7000 </dev/null >/dev/null 2>&1"
        );
    }
}
