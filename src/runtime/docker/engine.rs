//! `Runtime` on a Docker engine (API ≥ 1.41), through bollard. Pinned to API 1.41 so
//! nothing newer is ever used; an older engine is refused with a clear message.

use super::log_lines::LineAssembler;
use super::ssh::{SshTarget, SshTunnel};
use super::tls;
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::spec::AppSpec;
use crate::runtime::api::{
    is_loopback_host, AppContainer, CheckLabel, Endpoint, EngineError, ExposeLabel, ImageProgress,
    LogLine, LogLines, LogOptions, NetworkInfo, Output, Placement, PortReach, PortStream,
    Published, Runtime, SampleStream, SeedError, Seeded, State, TlsFiles,
};
use crate::runtime::labels;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, NetworkCreateRequest, NetworkingConfig,
    PortBinding,
};
use bollard::query_parameters as q;
use bollard::{ClientVersion, Docker};
use futures_util::StreamExt;
use hyper_util::client::legacy::connect::HttpConnector;
use std::collections::HashMap;
use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

/// The newest API ark uses, and the oldest engine it supports.
pub const API_VERSION: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// Build contexts go to the engine in pieces of this size (progress counts them).
const CONTEXT_CHUNK: usize = 256 * 1024;

/// How long the first answer over ssh may take, once logged in.
const SSH_FIRST_ANSWER_SECS: u64 = 15;

/// How long the first request may take before the engine counts as unreachable.
const CONNECT_TIMEOUT_SECS: u64 = 3;
/// How long an ordinary operation may take: a busy engine on a small machine can take
/// seconds to create or start a container. Pulls and builds get longer still.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

pub struct DockerRuntime {
    docker: Docker,
    /// The environment network containers attach to, by id (see `ensure_network`).
    network_id: std::cell::RefCell<Option<String>>,
    endpoint: Endpoint,
    reach: PortReach,
    /// The login an `ssh://` engine is reached through; it ends with the runtime.
    ssh: Option<SshTunnel>,
}

fn unreachable(endpoint: &Endpoint, error: impl std::fmt::Display) -> EngineError {
    EngineError::Unreachable {
        endpoint: endpoint.clone(),
        detail: error.to_string(),
    }
}

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
                PortReach::ContainerIp
            }
            None => PortReach::Published {
                host: tcp_host(&url).unwrap_or("127.0.0.1").to_owned(),
            },
        };
        Ok(DockerRuntime {
            docker,
            network_id: std::cell::RefCell::default(),
            endpoint,
            reach,
            ssh,
        })
    }

    fn filters(environment: Option<&str>) -> HashMap<String, Vec<String>> {
        let label = match environment {
            Some(env) => format!("{}={env}", labels::ENVIRONMENT),
            None => labels::ENVIRONMENT.to_owned(),
        };
        HashMap::from([("label".to_owned(), vec![label])])
    }

    /// Sets up `command` to run in container `id`, its output attached (and stdin, with a
    /// terminal of `tty_size`, when `interactive`); the exec's id.
    async fn create_exec(
        &self,
        id: &str,
        command: &[String],
        tty_size: Option<(u16, u16)>,
        interactive: bool,
    ) -> Result<String, EngineError> {
        let config = bollard::exec::CreateExecOptions::<String> {
            cmd: Some(command.to_vec()),
            attach_stdin: Some(interactive),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(tty_size.is_some()),
            ..Default::default()
        };
        let created = self
            .docker
            .create_exec(id, config)
            .await
            .map_err(|e| failed("exec", e))?;
        Ok(created.id)
    }

    /// How a finished exec exited (-1 when the engine does not say).
    async fn exit_code_of(&self, exec_id: &str) -> Result<i64, EngineError> {
        let inspect = self
            .docker
            .inspect_exec(exec_id)
            .await
            .map_err(|e| failed("exec", e))?;
        Ok(inspect.exit_code.unwrap_or(-1))
    }

    /// A long operation gets a client without the short request timeout.
    fn patient(&self) -> Docker {
        self.docker.clone().with_timeout(Duration::from_secs(3600))
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

fn failed(context: &str, error: BollardError) -> EngineError {
    match &error {
        BollardError::DockerResponseServerError {
            status_code: 404,
            message,
        } => EngineError::NotFound(message.clone()),
        BollardError::DockerResponseServerError {
            status_code: 409,
            message,
        } => EngineError::Conflict(message.clone()),
        BollardError::DockerResponseServerError { message, .. } => {
            EngineError::Failed(format!("{context}: {message}"))
        }
        _ => EngineError::Failed(format!("{context}: {error}")),
    }
}

/// An error in a pull's or build's progress stream: the engine's own words, without
/// bollard's "Docker stream error" wrapper.
fn stream_failed(context: &str, error: BollardError) -> EngineError {
    match error {
        BollardError::DockerStreamError { error } => {
            EngineError::Failed(format!("{context}: {}", error.trim()))
        }
        error => failed(context, error),
    }
}

fn parse_json<T: serde::de::DeserializeOwned + Default>(
    labels: &HashMap<String, String>,
    key: &str,
) -> T {
    labels
        .get(key)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

fn from_labels(id: String, name: String, labels_map: &HashMap<String, String>) -> AppContainer {
    AppContainer {
        id,
        name: name.trim_start_matches('/').to_owned(),
        environment: labels_map
            .get(labels::ENVIRONMENT)
            .cloned()
            .unwrap_or_default(),
        app: labels_map.get(labels::APP).cloned().unwrap_or_default(),
        fingerprint: parse_json(labels_map, labels::FINGERPRINT),
        image: labels_map.get(labels::IMAGE).cloned().unwrap_or_default(),
        image_id: String::new(),
        state: State::Other("unknown".into()),
        health: None,
        created: 0,
        started_at: None,
        ip: None,
        ports: Vec::new(),
        depends_on: labels_map
            .get(labels::DEPENDS_ON)
            .map(|d| {
                d.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        checks: parse_json::<Vec<CheckLabel>>(labels_map, labels::CHECKS),
        exposes: parse_json::<Vec<ExposeLabel>>(labels_map, labels::EXPOSES),
    }
}

fn state_of(status: &str, exit_code: i64) -> State {
    match status {
        "created" => State::Created,
        "running" => State::Running,
        "restarting" => State::Restarting,
        "paused" => State::Paused,
        "exited" => State::Exited(exit_code),
        "dead" => State::Dead,
        other => State::Other(other.to_owned()),
    }
}

/// `2024-05-01T10:00:00.123Z` → unix seconds (0 when unparseable): enough for ages.
pub fn rfc3339_to_unix(text: &str) -> i64 {
    crate::logs::timestamp::Timestamp::parse_prefix(text.as_bytes()).map_or(0, |(ts, _)| ts.secs)
}

impl Runtime for DockerRuntime {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn port_reach(&self) -> PortReach {
        self.reach.clone()
    }

    fn forward_hint(&self, ip: &str, port: u16) -> Option<String> {
        match (&self.ssh, &self.reach) {
            (Some(tunnel), _) => Some(tunnel.target().forward_hint(port, ip, port)),
            (None, PortReach::Published { host }) if !is_loopback_host(host) => Some(format!(
                "{} (or give the environment `bind: 0.0.0.0`)",
                super::ssh::forward_command(port, ip, port, None, host)
            )),
            _ => None,
        }
    }

    async fn open_port(&self, ip: &str, port: u16) -> Result<PortStream, EngineError> {
        let tunnel = self.ssh.as_ref().ok_or_else(|| {
            EngineError::Failed(format!("{} carries no port forwards", self.endpoint.url))
        })?;
        let stream = tunnel
            .open_port(ip, port)
            .await
            .map_err(EngineError::Failed)?;
        Ok(Box::new(stream))
    }

    async fn list(&self, environment: Option<&str>) -> Result<Vec<AppContainer>, EngineError> {
        let options = q::ListContainersOptions {
            all: true,
            filters: Some(Self::filters(environment)),
            ..Default::default()
        };
        let summaries = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|e| failed("list containers", e))?;
        Ok(summaries
            .into_iter()
            .map(|s| {
                let labels_map = s.labels.clone().unwrap_or_default();
                let name = s
                    .names
                    .as_ref()
                    .and_then(|n| n.first().cloned())
                    .unwrap_or_default();
                let mut app = from_labels(s.id.clone().unwrap_or_default(), name, &labels_map);
                app.image_id = s.image_id.clone().unwrap_or_default();
                let status = s.state.map(|st| st.to_string()).unwrap_or_default();
                let exit_code = s
                    .status
                    .as_deref()
                    .and_then(exit_code_from_status)
                    .unwrap_or(0);
                app.state = state_of(&status, exit_code);
                app.created = s.created.unwrap_or(0);
                app.ports = s
                    .ports
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| {
                        Some(Published {
                            container_port: p.private_port,
                            host_ip: p.ip.unwrap_or_default(),
                            host_port: p.public_port?,
                        })
                    })
                    .collect();
                app.ip = s
                    .network_settings
                    .and_then(|n| n.networks)
                    .and_then(|n| {
                        n.get(&labels::network_name(&app.environment))
                            .and_then(|e| e.ip_address.clone())
                    })
                    .filter(|ip| !ip.is_empty());
                app
            })
            .collect())
    }

    async fn inspect(&self, id: &str) -> Result<AppContainer, EngineError> {
        let c = self
            .docker
            .inspect_container(id, None::<q::InspectContainerOptions>)
            .await
            .map_err(|e| failed("inspect container", e))?;
        let labels_map = c
            .config
            .as_ref()
            .and_then(|cfg| cfg.labels.clone())
            .unwrap_or_default();
        let mut app = from_labels(
            c.id.clone().unwrap_or_default(),
            c.name.clone().unwrap_or_default(),
            &labels_map,
        );
        app.image_id = c.image.clone().unwrap_or_default();
        app.created = c.created.as_deref().map(rfc3339_to_unix).unwrap_or(0);
        if let Some(state) = &c.state {
            let status = state.status.map(|s| s.to_string()).unwrap_or_default();
            app.state = state_of(&status, state.exit_code.unwrap_or(0));
            app.health = state
                .health
                .as_ref()
                .and_then(|h| h.status)
                .map(|s| s.to_string())
                .filter(|s| !s.is_empty() && s != "none");
            app.started_at = state
                .started_at
                .clone()
                .filter(|_| app.state == State::Running);
        }
        if let Some(settings) = &c.network_settings {
            app.ip = settings
                .networks
                .as_ref()
                .and_then(|n| n.get(&labels::network_name(&app.environment)))
                .and_then(|e| e.ip_address.clone())
                .filter(|ip| !ip.is_empty());
            for (port, bindings) in settings.ports.clone().unwrap_or_default() {
                let container_port = port
                    .split('/')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                for binding in bindings.unwrap_or_default() {
                    if let Some(host_port) = binding.host_port.and_then(|p| p.parse().ok()) {
                        app.ports.push(Published {
                            container_port,
                            host_ip: binding.host_ip.unwrap_or_default(),
                            host_port,
                        });
                    }
                }
            }
            app.ports
                .sort_by_key(|p| (p.container_port, p.host_ip.clone()));
        }
        Ok(app)
    }

    async fn networks(&self, environment: Option<&str>) -> Result<Vec<NetworkInfo>, EngineError> {
        let options = q::ListNetworksOptions {
            filters: Some(Self::filters(environment)),
        };
        let networks = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|e| failed("list networks", e))?;
        let mut found: Vec<NetworkInfo> = networks
            .into_iter()
            .map(|n| {
                let labels_map = n.labels.unwrap_or_default();
                let id = n.id.unwrap_or_default();
                NetworkInfo {
                    fingerprint_key: labels::fingerprint_key_of(&labels_map, &id),
                    id,
                    name: n.name.unwrap_or_default(),
                    environment: labels_map
                        .get(labels::ENVIRONMENT)
                        .cloned()
                        .unwrap_or_default(),
                    created: n.created.unwrap_or_default(),
                    placement: labels::placement_of(&labels_map),
                }
            })
            .collect();
        found.sort_by(|a, b| a.created.cmp(&b.created));
        Ok(found)
    }

    async fn ensure_network(
        &self,
        environment: &str,
        placement: &Placement,
        key: &FingerprintKey,
    ) -> Result<FingerprintKey, EngineError> {
        let name = labels::network_name(environment);
        let named = |all: Vec<NetworkInfo>| -> Vec<NetworkInfo> {
            all.into_iter().filter(|n| n.name == name).collect()
        };
        let mut existing = named(self.networks(Some(environment)).await?);
        let mut created = None;
        if existing.is_empty() {
            let request = NetworkCreateRequest {
                name: name.clone(),
                driver: Some("bridge".into()),
                labels: Some(
                    [
                        (labels::ENVIRONMENT.to_owned(), environment.to_owned()),
                        (
                            labels::VERSION.to_owned(),
                            env!("CARGO_PKG_VERSION").to_owned(),
                        ),
                    ]
                    .into_iter()
                    .chain(labels::placement_labels(placement))
                    .chain([(labels::FINGERPRINT_KEY.to_owned(), key.to_hex())])
                    .collect(),
                ),
                ..Default::default()
            };
            let response = self
                .docker
                .create_network(request)
                .await
                .map_err(|e| failed("create network", e))?;
            created = Some(response.id);
            existing = named(self.networks(Some(environment)).await?);
        }
        // Docker allows two networks with one name. When two ark runs raced, each picks the
        // same one (the first by creation time, then id) and attaches by id, so the name is
        // never ambiguous for them; the loser removes the network it made.
        // By time, not text: the engine trims trailing zeros from nanoseconds, so `.12Z`
        // sorts before `.1Z` as text, and two racers could each think they won.
        let created_at = |n: &NetworkInfo| {
            crate::logs::timestamp::Timestamp::parse_prefix(n.created.as_bytes())
                .map(|(ts, _)| (ts.secs, ts.nanos))
        };
        existing.sort_by(|a, b| (created_at(a), &a.id).cmp(&(created_at(b), &b.id)));
        let (winner, winner_key) = existing
            .first()
            .map(|n| (n.id.clone(), n.fingerprint_key.clone()))
            .ok_or_else(|| EngineError::Failed(format!("network {name} vanished")))?;
        if let Some(mine) = created.filter(|mine| *mine != winner) {
            // The engine may still be settling the network it just made: try a few times.
            for _ in 0..20 {
                match self.docker.remove_network(&mine).await {
                    Ok(())
                    | Err(BollardError::DockerResponseServerError {
                        status_code: 404, ..
                    }) => break,
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
        *self.network_id.borrow_mut() = Some(winner);
        Ok(winner_key)
    }

    async fn remove_network(&self, environment: &str) -> Result<(), EngineError> {
        let name = labels::network_name(environment);
        for network in self
            .networks(Some(environment))
            .await?
            .into_iter()
            .filter(|n| n.name == name)
        {
            match self.docker.remove_network(&network.id).await {
                Ok(())
                | Err(BollardError::DockerResponseServerError {
                    status_code: 404, ..
                }) => {}
                Err(e) => return Err(failed("remove network", e)),
            }
        }
        Ok(())
    }

    async fn image_id(&self, image: &str) -> Result<Option<String>, EngineError> {
        match self.docker.inspect_image(image).await {
            Ok(inspect) => Ok(inspect.id),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(failed("inspect image", e)),
        }
    }

    async fn pull(&self, image: &str, progress: &dyn Fn(ImageProgress)) -> Result<(), EngineError> {
        let (name, tag) = split_tag(image);
        let options = q::CreateImageOptions {
            from_image: Some(name.to_owned()),
            tag: Some(tag.to_owned()),
            ..Default::default()
        };
        let docker = self.patient();
        let mut stream = docker.create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| stream_failed(&format!("pull {image}"), e))?;
            if let Some(error) = info.error_detail.and_then(|d| d.message) {
                return Err(EngineError::Failed(format!("pull {image}: {error}")));
            }
            let amount = info
                .progress_detail
                .and_then(|d| {
                    Some(format!(
                        "{}/{} MB",
                        d.current? / 1_000_000,
                        d.total? / 1_000_000
                    ))
                })
                .unwrap_or_default();
            let status = format!("{} {amount}", info.status.unwrap_or_default())
                .trim()
                .to_owned();
            progress(ImageProgress::Layer {
                id: info.id.unwrap_or_default(),
                status,
            });
        }
        Ok(())
    }

    async fn seed_busybox(&self, image: &str, busybox: &Path) -> Result<Seeded, SeedError> {
        super::busybox_seed::import(&self.patient(), image, busybox).await
    }

    async fn build(
        &self,
        context: &crate::runtime::build_context::BuildContext,
        tag: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<(), EngineError> {
        let options = q::BuildImageOptions {
            dockerfile: context.dockerfile.clone(),
            t: Some(tag.to_owned()),
            rm: true,
            forcerm: true,
            labels: Some(HashMap::from([(
                labels::VERSION.to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            )])),
            ..Default::default()
        };
        // The context is read from the checkout as the connection takes it, in chunks
        // counted as they go, so a slow link (a remote engine) shows how far the upload is.
        let total = context.size;
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = sent.clone();
        let crate::runtime::build_context::ContextStream { chunks, failure } =
            crate::runtime::build_context::stream(context, CONTEXT_CHUNK);
        let body = futures_util::stream::unfold(chunks, |mut chunks| async move {
            chunks.recv().await.map(|chunk| (chunk, chunks))
        })
        .map(move |chunk| {
            if let Ok(chunk) = &chunk {
                counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
            chunk
        });
        // What went wrong reading the checkout, said instead of the engine's view of a body
        // cut short.
        let reading_failed = || {
            failure
                .lock()
                .ok()
                .and_then(|slot| slot.clone())
                .map(|why| EngineError::Failed(format!("build {tag}: {why}")))
        };
        let docker = self.patient();
        let mut stream = docker.build_image(options, None, Some(bollard::body_try_stream(body)));
        let mut ticks = tokio::time::interval(Duration::from_millis(250));
        let mut reported = None;
        loop {
            let item = tokio::select! {
                item = stream.next() => item,
                _ = ticks.tick(), if reported != Some(total) => {
                    let now = sent.load(std::sync::atomic::Ordering::Relaxed);
                    if reported != Some(now) {
                        progress(ImageProgress::ContextSent { sent: now, total });
                        reported = Some(now);
                    }
                    continue;
                }
            };
            let Some(item) = item else { break };
            if reported != Some(total) {
                progress(ImageProgress::ContextSent { sent: total, total });
                reported = Some(total);
            }
            let info = match item {
                Ok(info) => info,
                Err(e) => {
                    return Err(reading_failed()
                        .unwrap_or_else(|| stream_failed(&format!("build {tag}"), e)))
                }
            };
            if let Some(error) = info.error_detail.and_then(|d| d.message) {
                return Err(reading_failed().unwrap_or_else(|| {
                    EngineError::Failed(format!("build {tag}: {}", error.trim()))
                }));
            }
            if let Some(line) = info
                .stream
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
            {
                progress(ImageProgress::Build(line));
            }
        }
        reading_failed().map_or(Ok(()), Err)
    }

    async fn create(
        &self,
        environment: &str,
        spec: &AppSpec,
        image: &str,
    ) -> Result<String, EngineError> {
        if spec.fingerprint_key.is_placeholder() {
            // A label hashed without the environment's key could be checked against guesses.
            return Err(EngineError::Failed(format!(
                "`{}` has no fingerprint key yet: it must be planned against the engine first",
                spec.name
            )));
        }
        let name = labels::container_name(environment, &spec.name);
        let mut port_bindings = HashMap::new();
        for port in &spec.ports {
            let binding = PortBinding {
                host_ip: Some(port.bind.clone()),
                host_port: Some(port.host_port.map(|p| p.to_string()).unwrap_or_default()),
            };
            port_bindings.insert(format!("{}/tcp", port.container_port), Some(vec![binding]));
        }
        let env: Vec<String> = spec
            .env
            .vars
            .iter()
            .filter_map(|v| v.value.as_ref().map(|value| format!("{}={value}", v.name)))
            .collect();
        let checks: Vec<CheckLabel> = spec.checks.iter().map(check_label).collect();
        let exposes: Vec<ExposeLabel> = spec
            .ports
            .iter()
            .map(|p| {
                let http = spec
                    .checks
                    .iter()
                    .any(|c| c.expose == p.expose && c.check.probe.kind() == "http");
                ExposeLabel {
                    name: p.expose.clone(),
                    port: p.container_port,
                    proto: if http { "http" } else { "tcp" }.into(),
                }
            })
            .collect();
        let mut labels_map = HashMap::from([
            (labels::ENVIRONMENT.to_owned(), environment.to_owned()),
            (labels::APP.to_owned(), spec.name.clone()),
            (
                labels::VERSION.to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            ),
            (labels::CONFIG_HASH.to_owned(), spec.config_hash()),
            (
                labels::FINGERPRINT.to_owned(),
                serde_json::to_string(&spec.fingerprint()).unwrap_or_default(),
            ),
            (labels::IMAGE.to_owned(), image.to_owned()),
            (labels::DEPENDS_ON.to_owned(), spec.waits_for.join(",")),
            (
                labels::CHECKS.to_owned(),
                serde_json::to_string(&checks).unwrap_or_default(),
            ),
            (
                labels::EXPOSES.to_owned(),
                serde_json::to_string(&exposes).unwrap_or_default(),
            ),
        ]);
        labels_map.retain(|_, v| !v.is_empty());
        let body = ContainerCreateBody {
            image: Some(image.to_owned()),
            cmd: spec.command.as_ref().map(|c| c.0.clone()),
            env: Some(env),
            labels: Some(labels_map),
            exposed_ports: Some(
                spec.ports
                    .iter()
                    .map(|p| format!("{}/tcp", p.container_port))
                    .collect(),
            ),
            host_config: Some(HostConfig {
                port_bindings: Some(port_bindings),
                init: Some(spec.init),
                nano_cpus: spec.nano_cpus(),
                memory: spec.memory_bytes(),
                memory_reservation: spec.memory_reservation_bytes(),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    self.network_id
                        .borrow()
                        .clone()
                        .unwrap_or_else(|| labels::network_name(environment)),
                    EndpointSettings {
                        aliases: Some(vec![spec.name.clone()]),
                        ..Default::default()
                    },
                )])),
            }),
            ..Default::default()
        };
        let options = q::CreateContainerOptions {
            name: Some(name),
            ..Default::default()
        };
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(|e| failed("create container", e))?;
        Ok(created.id)
    }

    async fn start(&self, id: &str) -> Result<(), EngineError> {
        match self
            .docker
            .start_container(id, None::<q::StartContainerOptions>)
            .await
        {
            Ok(()) => Ok(()),
            // 304: already running — another ark started it.
            Err(BollardError::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(e) => Err(failed("start container", e)),
        }
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<(), EngineError> {
        let options = q::StopContainerOptions {
            t: Some(grace.as_secs() as i32),
            ..Default::default()
        };
        let docker = self.docker.clone().with_timeout(grace + OPERATION_TIMEOUT);
        match docker.stop_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 304 | 404,
                ..
            }) => Ok(()),
            Err(e) => Err(failed("stop container", e)),
        }
    }

    async fn remove(&self, id: &str) -> Result<(), EngineError> {
        let options = q::RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self.docker.remove_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(failed("remove container", e)),
        }
    }

    async fn exec(&self, id: &str, command: &[String]) -> Result<i64, EngineError> {
        let exec_id = self.create_exec(id, command, None, false).await?;
        if let bollard::exec::StartExecResults::Attached { mut output, .. } = self
            .docker
            .start_exec(&exec_id, None)
            .await
            .map_err(|e| failed("exec", e))?
        {
            while output.next().await.is_some() {}
        }
        self.exit_code_of(&exec_id).await
    }

    async fn exec_attached(
        &self,
        id: &str,
        command: &[String],
        tty_size: Option<(u16, u16)>,
    ) -> Result<i64, EngineError> {
        use tokio::io::AsyncWriteExt;
        let exec_id = self.create_exec(id, command, tty_size, true).await?;
        let options = bollard::exec::StartExecOptions {
            detach: false,
            tty: tty_size.is_some(),
            output_capacity: None,
        };
        // An interactive session may last hours: no request timeout.
        let docker = self.patient();
        let started = docker
            .start_exec(&exec_id, Some(options))
            .await
            .map_err(|e| failed("exec", e))?;
        if let Some((width, height)) = tty_size {
            let resize = bollard::exec::ResizeExecOptions { width, height };
            let _ = docker.resize_exec(&exec_id, resize).await;
        }
        if let bollard::exec::StartExecResults::Attached {
            mut output,
            mut input,
        } = started
        {
            let forward_stdin = tokio::spawn(async move {
                let mut stdin = tokio::io::stdin();
                let _ = tokio::io::copy(&mut stdin, &mut input).await;
                let _ = input.shutdown().await;
            });
            let (mut stdout, mut stderr) = (tokio::io::stdout(), tokio::io::stderr());
            while let Some(chunk) = output.next().await {
                let written = match chunk.map_err(|e| failed("exec", e))? {
                    bollard::container::LogOutput::StdErr { message } => {
                        stderr.write_all(&message).await.and(stderr.flush().await)
                    }
                    other => stdout
                        .write_all(&other.into_bytes())
                        .await
                        .and(stdout.flush().await),
                };
                if written.is_err() {
                    break;
                }
            }
            forward_stdin.abort();
        }
        self.exit_code_of(&exec_id).await
    }

    async fn logs_tail(&self, id: &str, lines: usize) -> Result<Vec<String>, EngineError> {
        let options = q::LogsOptions {
            stdout: true,
            stderr: true,
            tail: lines.to_string(),
            ..Default::default()
        };
        let mut stream = self.docker.logs(id, Some(options));
        let mut text = Vec::new();
        while let Some(item) = stream.next().await {
            let chunk = item.map_err(|e| failed("logs", e))?;
            text.extend_from_slice(&chunk.into_bytes());
        }
        Ok(String::from_utf8_lossy(&text)
            .lines()
            .map(str::to_owned)
            .collect())
    }

    fn stats(&self, id: &str) -> SampleStream {
        let options = q::StatsOptions {
            stream: true,
            one_shot: false,
        };
        // A watch lasts as long as the user likes: no short request timeout. When the long
        // one ends the stream, the caller's next look at the containers opens a new one.
        self.patient()
            .stats(id, Some(options))
            .map(|item| {
                item.map(|stats| super::stats::sample_from(&stats))
                    .map_err(|e| failed("stats", e))
            })
            .boxed_local()
    }

    fn logs(&self, id: &str, options: LogOptions) -> LogLines<'_> {
        // The engine takes whole seconds: ask from the second before and until the second
        // after; the caller drops what lies outside the exact times.
        let seconds = |ts: Option<crate::logs::timestamp::Timestamp>, round_up: bool| {
            ts.map_or(0, |t| {
                let secs = if round_up && t.nanos > 0 {
                    t.secs + 1
                } else {
                    t.secs
                };
                i32::try_from(secs.max(1)).unwrap_or(i32::MAX)
            })
        };
        let query = q::LogsOptions {
            follow: options.follow,
            stdout: true,
            stderr: true,
            since: seconds(options.since, false),
            until: seconds(options.until, true),
            timestamps: true,
            tail: options
                .tail
                .map_or_else(|| "all".to_owned(), |n| n.to_string()),
        };
        // A follow stream stays open for as long as the container runs.
        let frames = self.patient().logs(id, Some(query));
        let state = (frames, LineAssembler::default(), VecDeque::new(), false);
        futures_util::stream::unfold(
            state,
            |(mut frames, mut lines, mut ready, mut ended)| async move {
                loop {
                    if let Some(line) = ready.pop_front() {
                        return Some((Ok(line), (frames, lines, ready, ended)));
                    }
                    if ended {
                        return None;
                    }
                    let mut emit = |line: LogLine| ready.push_back(line);
                    match frames.next().await {
                        Some(Ok(
                            LogOutput::StdOut { message } | LogOutput::Console { message },
                        )) => {
                            lines.push(Output::Stdout, &message, &mut emit);
                        }
                        Some(Ok(LogOutput::StdErr { message })) => {
                            lines.push(Output::Stderr, &message, &mut emit);
                        }
                        Some(Ok(LogOutput::StdIn { .. })) => {}
                        Some(Err(error)) => {
                            ended = true;
                            return Some((
                                Err(failed("read logs", error)),
                                (frames, lines, ready, ended),
                            ));
                        }
                        None => {
                            lines.finish(&mut emit);
                            ended = true;
                        }
                    }
                }
            },
        )
        .boxed_local()
    }

    async fn remove_volumes(&self, environment: &str) -> Result<usize, EngineError> {
        let options = q::ListVolumesOptions {
            filters: Some(Self::filters(Some(environment))),
        };
        let listed = self
            .docker
            .list_volumes(Some(options))
            .await
            .map_err(|e| failed("list volumes", e))?;
        let mut removed = 0;
        for volume in listed.volumes.unwrap_or_default() {
            self.docker
                .remove_volume(&volume.name, None::<q::RemoveVolumeOptions>)
                .await
                .map_err(|e| failed("remove volume", e))?;
            removed += 1;
        }
        Ok(removed)
    }
}

fn check_label(check: &crate::core::spec::ReadinessCheck) -> CheckLabel {
    use crate::core::definition::Probe;
    let (path, command) = match &check.check.probe {
        Probe::Http { path } => (Some(path.clone()), None),
        Probe::Exec { command } => (None, Some(command.0.clone())),
        _ => (None, None),
    };
    CheckLabel {
        expose: check.expose.clone(),
        port: check.port,
        kind: check.check.probe.kind().into(),
        path,
        command,
    }
}

/// `Exited (3) 2 minutes ago` → 3.
fn exit_code_from_status(status: &str) -> Option<i64> {
    let start = status.find('(')? + 1;
    let end = status[start..].find(')')? + start;
    status[start..end].parse().ok()
}

/// `registry:5000/app:tag` → (`registry:5000/app`, `tag`); no tag → `latest`.
pub(super) fn split_tag(image: &str) -> (&str, &str) {
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) if !image.contains('@') => (
            &image[..last_slash + colon],
            &image[last_slash + colon + 1..],
        ),
        _ => (image, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_without_confusing_registry_ports() {
        assert_eq!(split_tag("busybox"), ("busybox", "latest"));
        assert_eq!(split_tag("postgres:16"), ("postgres", "16"));
        assert_eq!(
            split_tag("registry:5000/team/app"),
            ("registry:5000/team/app", "latest")
        );
        assert_eq!(
            split_tag("registry:5000/app:v2"),
            ("registry:5000/app", "v2")
        );
    }

    #[test]
    fn exit_codes_and_times_parse() {
        assert_eq!(exit_code_from_status("Exited (3) 2 minutes ago"), Some(3));
        assert_eq!(exit_code_from_status("Up 5 seconds"), None);
        assert_eq!(rfc3339_to_unix("1970-01-02T00:00:01.5Z"), 86_401);
        assert_eq!(rfc3339_to_unix("2024-03-01T00:00:00Z"), 1_709_251_200);
        assert_eq!(rfc3339_to_unix("garbage"), 0);
        assert!(version_below("1.40", 1, 41));
        assert!(!version_below("1.41", 1, 41));
        assert!(!version_below("1.43", 1, 41));
    }

    #[test]
    fn tcp_hosts_are_read_from_urls() {
        assert_eq!(tcp_host("tcp://10.0.0.5:2376"), Some("10.0.0.5"));
        assert_eq!(tcp_host("tcp://box.example"), Some("box.example"));
        assert_eq!(tcp_host("tcp://[::1]:2375"), Some("::1"));
        assert_eq!(tcp_host("unix:///var/run/docker.sock"), None);
    }
}
