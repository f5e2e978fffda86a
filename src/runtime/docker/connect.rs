//! Reaching a Docker engine: unix socket, tcp (plain or TLS) or one ssh login, and checking
//! that it answers and is new enough (API 1.41, never anything newer).

use super::engine::{unreachable, DockerRuntime, API_VERSION};
use super::ssh::{SshTarget, SshTunnel};
use super::tls;
use super::watchdog::{Watchdog, PING_PATIENCE};
use crate::runtime::api::{Endpoint, EngineError, PortReach, TlsFiles};
use bollard::errors::Error as BollardError;
use bollard::Docker;
use hyper_util::client::legacy::connect::HttpConnector;
use std::time::Duration;

/// How long the first answer over ssh may take, once logged in.
const SSH_FIRST_ANSWER_SECS: u64 = 15;

/// How long the first request may take before the engine counts as unreachable.
const CONNECT_TIMEOUT_SECS: u64 = 3;
/// How long an ordinary operation may take: a busy engine on a small machine can take
/// seconds to create or start a container. Pulls and builds get longer still. An engine that
/// stopped answering altogether is found out well before (`watchdog`).
pub(in crate::runtime) const OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

impl DockerRuntime {
    /// Connects and checks the engine answers (within 3 s) and is new enough.
    pub async fn connect(endpoint: Endpoint) -> Result<DockerRuntime, EngineError> {
        let url = endpoint.url.clone();
        if url.starts_with("ssh://") {
            return Self::connect_over_ssh(endpoint).await;
        }
        // TLS material always means TLS: never a quiet fallback to plain TCP.
        let docker = if let Some(files) = &endpoint.tls {
            tls::connect(&url, files, CONNECT_TIMEOUT_SECS, &API_VERSION)
                .map_err(|e| unreachable(&endpoint, e))?
        } else if let Some(path) = url.strip_prefix("unix://") {
            Docker::connect_with_unix(path, CONNECT_TIMEOUT_SECS, &API_VERSION)
                .map_err(|e| unreachable(&endpoint, e))?
        } else if url.starts_with("tcp://") || url.starts_with("http://") {
            let address = format!("http://{}", super::pooled::authority(&url).unwrap_or(&url));
            super::pooled::client(
                HttpConnector::new(),
                address,
                CONNECT_TIMEOUT_SECS,
                &API_VERSION,
            )
            .map_err(|e| unreachable(&endpoint, e))?
        } else {
            return Err(unreachable(
                &endpoint,
                "unknown kind of endpoint (unix://, tcp:// and ssh:// are supported)",
            ));
        };
        let version = first_answer(
            &docker,
            Duration::from_secs(CONNECT_TIMEOUT_SECS),
            endpoint.tls.as_deref(),
        )
        .await
        .map_err(|e| unreachable(&endpoint, e))?;
        Self::checked(docker, version, endpoint, None)
    }

    /// One ssh login; API connections go through a forward to the engine's socket, or, when
    /// the server does not allow that, through `docker system dial-stdio` sessions.
    async fn connect_over_ssh(endpoint: Endpoint) -> Result<DockerRuntime, EngineError> {
        let target = SshTarget::parse(&endpoint.url).map_err(|e| unreachable(&endpoint, e))?;
        let mut tunnel = SshTunnel::open(target)
            .await
            .map_err(|e| unreachable(&endpoint, e))?;
        // Over ssh the first answer may wait for a shell on the far side (the user's rc
        // files run for every session there, and dial-stdio starts one per connection).
        let patience = Duration::from_secs(SSH_FIRST_ANSWER_SECS);
        let forwarded = match tunnel.forward_engine().await {
            Ok(socket) => {
                let docker =
                    unix_client(&socket, patience).map_err(|e| unreachable(&endpoint, e))?;
                first_answer(&docker, patience, None)
                    .await
                    .map(|v| (docker, v))
            }
            Err(refused) => Err(refused),
        };
        let (docker, version) = match forwarded {
            Ok(answer) => answer,
            Err(_) => {
                let socket = tunnel
                    .serve_dial_stdio()
                    .map_err(|e| unreachable(&endpoint, e))?;
                let docker =
                    unix_client(&socket, patience).map_err(|e| unreachable(&endpoint, e))?;
                match first_answer(&docker, patience, None).await {
                    Ok(version) => (docker, version),
                    Err(_) => {
                        let target = tunnel.target();
                        let said = tunnel
                            .remote_complaint()
                            .map(|s| format!(" (it said: {s})"))
                            .unwrap_or_default();
                        return Err(unreachable(
                            &endpoint,
                            format!(
                                "logged in to {}, but neither its engine socket {} nor docker system dial-stdio there answered{said}; check that this user may use docker on that host",
                                target.host(),
                                target.socket
                            ),
                        ));
                    }
                }
            }
        };
        Self::checked(docker, version, endpoint, Some(tunnel))
    }

    /// The runtime, once the engine proved new enough.
    fn checked(
        docker: Docker,
        version: bollard::models::SystemVersion,
        endpoint: Endpoint,
        ssh: Option<SshTunnel>,
    ) -> Result<DockerRuntime, EngineError> {
        let url = endpoint.url.clone();
        let api = version.api_version.unwrap_or_default();
        if version_below(&api, 1, 41) {
            return Err(EngineError::Failed(format!(
                "the engine at {endpoint} speaks API {api}; ark needs 1.41 or newer (Docker Engine 20.10+)"
            )));
        }
        let docker = docker.with_timeout(OPERATION_TIMEOUT);
        let desktop = version
            .platform
            .map(|p| p.name)
            .unwrap_or_default()
            .contains("Desktop");
        let reach = match &ssh {
            Some(tunnel) => PortReach::Tunnel {
                host: tunnel.target().host().to_owned(),
            },
            None if url.starts_with("unix://") && cfg!(target_os = "linux") && !desktop => {
                PortReach::InstanceIp
            }
            None => PortReach::Published {
                host: tcp_host(&url).unwrap_or("127.0.0.1").to_owned(),
            },
        };
        // Over ssh a ping's new connection may wait for a shell on the far side.
        let ping_patience = match ssh {
            Some(_) => Duration::from_secs(SSH_FIRST_ANSWER_SECS),
            None => PING_PATIENCE,
        };
        Ok(DockerRuntime {
            watchdog: Watchdog::new(docker.clone(), ping_patience),
            docker,
            network_id: std::cell::RefCell::default(),
            endpoint,
            reach,
            ssh,
        })
    }
}

/// A client of the local socket an ssh tunnel serves; `patience` bounds its first request
/// (the runtime's usual timeout replaces it once the engine has answered).
fn unix_client(socket: &std::path::Path, patience: Duration) -> Result<Docker, BollardError> {
    Docker::connect_with_unix(
        &socket.display().to_string(),
        patience.as_secs(),
        &API_VERSION,
    )
}

/// The engine's version: the first request, which proves it answers within `patience`.
/// A refused TLS handshake shows here, on the first request: `tls` explains it.
async fn first_answer(
    docker: &Docker,
    patience: Duration,
    tls: Option<&TlsFiles>,
) -> Result<bollard::models::SystemVersion, String> {
    match tokio::time::timeout(patience, docker.version()).await {
        Ok(Ok(version)) => Ok(version),
        Ok(Err(e)) => Err(tls
            .and_then(|files| tls::explain(&e, files).map(|why| why.to_string()))
            .unwrap_or_else(|| e.to_string())),
        Err(_) => Err(format!("no answer within {}s", patience.as_secs())),
    }
}

/// `tcp://host:2376` → `host` (also `[::1]` → `::1`).
fn tcp_host(url: &str) -> Option<&str> {
    let authority = super::pooled::authority(url)?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

fn version_below(api: &str, major: u32, minor: u32) -> bool {
    let mut parts = api.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (a, b) < (major, minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_hosts_are_read_from_urls() {
        assert_eq!(tcp_host("tcp://10.0.0.5:2376"), Some("10.0.0.5"));
        assert_eq!(tcp_host("tcp://box.example"), Some("box.example"));
        assert_eq!(tcp_host("tcp://[::1]:2375"), Some("::1"));
        assert_eq!(tcp_host("unix:///var/run/docker.sock"), None);
    }

    #[test]
    fn engines_older_than_api_1_41_are_refused() {
        assert!(version_below("1.40", 1, 41));
        assert!(!version_below("1.41", 1, 41));
        assert!(!version_below("1.43", 1, 41));
    }
}
