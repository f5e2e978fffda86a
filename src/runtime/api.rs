//! The engine interface: small and shaped by what ark does, not by any engine's API.
//! Docker implements it (`docker/`); a cluster engine is meant to be a second backend, so
//! nothing Docker-specific appears here.

use crate::core::spec::AppSpec;
use crate::logs::timestamp::Timestamp;
use futures_util::stream::LocalBoxStream;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the engine is, and what said so (for messages: "tried X (from DOCKER_HOST)").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub source: String,
    /// The files to reach it over TLS with; `None` means no TLS. Boxed: errors carry endpoints.
    pub tls: Option<Box<TlsFiles>>,
}

impl Endpoint {
    /// Whether the engine is elsewhere: anything but a local `unix://` socket (a `tcp://`
    /// to 127.0.0.1 counts as remote: ark cannot tell what is behind it). Removing an
    /// environment there asks first.
    pub fn is_remote(&self) -> bool {
        !self.url.starts_with("unix://")
    }

    /// An endpoint without TLS.
    pub fn plain(url: impl Into<String>, source: impl Into<String>) -> Endpoint {
        Endpoint {
            url: url.into(),
            source: source.into(),
            tls: None,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (from {})", self.url, self.source)?;
        match &self.tls {
            Some(tls) => write!(f, ", TLS with {tls}"),
            None => Ok(()),
        }
    }
}

/// The TLS material for an endpoint: the CA the engine's certificate must verify against,
/// and the client certificate and key shown to the engine (these two may be absent on disk:
/// then none is shown, as the docker CLI does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// What asked for TLS and chose the files ("DOCKER_TLS_VERIFY, DOCKER_CERT_PATH").
    pub source: String,
}

impl std::fmt::Display for TlsFiles {
    /// `ca.pem, cert.pem, key.pem in /certs (from …)` when they share a folder.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files = [&self.ca, &self.cert, &self.key];
        let shared = (self.ca.parent())
            .filter(|folder| files.iter().all(|file| file.parent() == Some(*folder)));
        match shared {
            Some(folder) => {
                let names: Vec<_> = files
                    .iter()
                    .map(|file| file.file_name().unwrap_or_default().to_string_lossy())
                    .collect();
                write!(f, "{} in {}", names.join(", "), folder.display())?;
            }
            None => {
                let paths: Vec<_> = files
                    .iter()
                    .map(|file| file.display().to_string())
                    .collect();
                write!(f, "{}", paths.join(", "))?;
            }
        }
        write!(f, " (from {})", self.source)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot reach the container engine at {endpoint}: {detail}")]
    Unreachable { endpoint: Endpoint, detail: String },
    /// A name is taken (another ark made it first, or something else owns it).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Failed(String),
}

/// An image made from a local binary (`Runtime::seed_busybox`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub id: String,
    /// What it was made from, for messages: "/bin/busybox (static busybox v1.35.0, 398 applets)".
    pub from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The binary on this machine cannot be used (missing, not static): installing it helps.
    #[error("{0}")]
    NoBusybox(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Created,
    Running,
    Restarting,
    Paused,
    Exited(i64),
    Dead,
    Other(String),
}

impl State {
    pub fn text(&self) -> String {
        match self {
            State::Created => "created".into(),
            State::Running => "running".into(),
            State::Restarting => "restarting".into(),
            State::Paused => "paused".into(),
            State::Exited(code) => format!("exited ({code})"),
            State::Dead => "dead".into(),
            State::Other(other) => other.clone(),
        }
    }
}

/// A port as the engine published it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub container_port: u16,
    pub host_ip: String,
    pub host_port: u16,
}

/// One expose as recorded on the container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExposeLabel {
    pub name: String,
    pub port: u16,
    pub proto: String,
}

/// One readiness check as recorded on the container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckLabel {
    pub expose: String,
    pub port: u16,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
}

/// What the engine has for one app of an environment, read from ark's labels and its state.
#[derive(Debug, Clone)]
pub struct AppContainer {
    pub id: String,
    pub name: String,
    pub environment: String,
    pub app: String,
    pub fingerprint: BTreeMap<String, String>,
    pub image: String,
    pub image_id: String,
    pub state: State,
    /// The engine's own health status, when the image has a HEALTHCHECK.
    pub health: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// RFC 3339, when running.
    pub started_at: Option<String>,
    pub ip: Option<String>,
    pub ports: Vec<Published>,
    pub depends_on: Vec<String>,
    pub checks: Vec<CheckLabel>,
    pub exposes: Vec<ExposeLabel>,
}

impl AppContainer {
    pub fn is_running(&self) -> bool {
        self.state == State::Running
    }
}

/// An environment's network as the engine has it.
#[derive(Debug, Clone)]
pub struct NetworkInfo {
    pub id: String,
    pub name: String,
    pub environment: String,
    pub created: String,
    /// Where the environment was meant to run, as its labels record it.
    pub placement: Placement,
    /// The key of the fingerprints of the environment's containers (see `labels`).
    pub fingerprint_key: crate::core::fingerprint_key::FingerprintKey,
}

/// Where an environment runs, recorded on its network when it is created: the target its
/// file named (if any) and the engine URL ark used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub target: Option<String>,
    pub engine: Option<String>,
}

/// Progress of getting an image, for the progress display.
#[derive(Debug, Clone)]
pub enum ImageProgress {
    /// Pull: one layer's status ("Downloading 12.3MB/40MB").
    Layer { id: String, status: String },
    /// Build: one line of build output.
    Build(String),
    /// Build: how much of the context has gone to the engine so far.
    ContextSent { sent: u64, total: u64 },
}

/// One resource-usage reading of a container: the engine's raw counters, no arithmetic.
/// CPU % and memory without page cache are computed from these in `ui::usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sample {
    /// Nanoseconds of CPU the container used, now and at the engine's previous reading.
    pub cpu_total: u64,
    pub precpu_total: u64,
    /// Nanoseconds of CPU the whole host used, now and at the previous reading (0 when the
    /// engine had no previous reading yet: the first sample of a stream).
    pub system: u64,
    pub presystem: u64,
    pub online_cpus: u32,
    pub mem_usage: u64,
    /// Inactive page cache as a cgroup v1 engine reports it (`total_inactive_file`).
    pub mem_v1_inactive_file: Option<u64>,
    /// Inactive page cache as a cgroup v2 engine reports it (`inactive_file`).
    pub mem_inactive_file: Option<u64>,
    pub mem_limit: u64,
    /// Summed over the container's interfaces.
    pub net_rx: u64,
    pub net_tx: u64,
    /// Summed over devices.
    pub blk_read: u64,
    pub blk_write: u64,
    pub pids: u64,
}

/// Samples of one container, about one a second, until it stops or the stream is dropped.
pub type SampleStream = futures_util::stream::LocalBoxStream<'static, Result<Sample, EngineError>>;
/// Which of a container's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Stdout,
    Stderr,
}

/// One whole line of a container's output (without its newline), as the engine stamped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub ts: Timestamp,
    pub output: Output,
    /// Raw bytes: a container may print anything; the view decides how to show it.
    pub text: Vec<u8>,
}

/// Which lines to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogOptions {
    /// Keep the stream open and deliver lines as they are written, until the container stops.
    pub follow: bool,
    /// Only lines stamped at or after this time (the engine may deliver a little more).
    pub since: Option<Timestamp>,
    /// Only lines stamped before this time (the engine may deliver a little more).
    pub until: Option<Timestamp>,
    /// Only the last N lines (of both streams together).
    pub tail: Option<usize>,
}

/// A container's lines, in the order it wrote them.
pub type LogLines<'a> = LocalBoxStream<'a, Result<LogLine, EngineError>>;

/// How this machine reaches the ports of the engine's containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortReach {
    /// The containers' own IPs are routable from here (a local engine on Linux): exact, no
    /// proxy in between.
    ContainerIp,
    /// Through ports published on `host` (Docker Desktop, an engine over TCP). A port bound
    /// to the loopback of a host that is not this one cannot be reached this way.
    Published { host: String },
    /// Through the engine connection itself (`Runtime::open_port`), to ports published on
    /// the engine host `host` (an engine over ssh: forwards on the one login).
    Tunnel { host: String },
}

impl PortReach {
    /// The engine host's name, for URLs.
    pub fn host(&self) -> &str {
        match self {
            PortReach::ContainerIp => "127.0.0.1",
            PortReach::Published { host } | PortReach::Tunnel { host } => host,
        }
    }
}

impl std::fmt::Display for PortReach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortReach::ContainerIp => write!(f, "container IPs (local engine)"),
            PortReach::Published { host } => write!(f, "published ports on {host}"),
            PortReach::Tunnel { host } => {
                write!(
                    f,
                    "published ports on {host}, through the engine connection"
                )
            }
        }
    }
}

/// `localhost`, `127.0.0.1`, `::1`: names of this machine, whoever resolves them.
pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `0.0.0.0`, `::` or nothing: a port bound to every address of its host.
pub fn is_unspecified_ip(ip: &str) -> bool {
    ip.is_empty()
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_unspecified())
}

/// Any byte stream a probe can talk over.
pub trait PortIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin> PortIo for T {}
pub type PortStream = Box<dyn PortIo>;

/// The engine, as ark uses it.
///
/// The executor drives every app's future in one task (structured concurrency), so these
/// futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Runtime {
    fn endpoint(&self) -> &Endpoint;

    /// How this machine reaches the ports of the engine's containers (for probes and URLs).
    fn port_reach(&self) -> PortReach;

    /// How a user on this machine reaches a port bound to `ip` (a loopback address) on the
    /// engine host: `None` when that host is this machine.
    fn forward_hint(&self, ip: &str, port: u16) -> Option<String>;

    /// A stream to `ip:port` as seen from the engine host, carried by the engine connection
    /// (only for `PortReach::Tunnel`).
    async fn open_port(&self, ip: &str, port: u16) -> Result<PortStream, EngineError>;

    /// Every container ark made, for one environment or all.
    async fn list(&self, environment: Option<&str>) -> Result<Vec<AppContainer>, EngineError>;

    async fn inspect(&self, id: &str) -> Result<AppContainer, EngineError>;

    async fn networks(&self, environment: Option<&str>) -> Result<Vec<NetworkInfo>, EngineError>;

    /// Creates the environment's network unless it exists (safe against a concurrent ark),
    /// recording `placement` and `key` on it. Returns the key of the network in use: `key`,
    /// or the one an existing (or a concurrent ark's) network holds.
    async fn ensure_network(
        &self,
        environment: &str,
        placement: &Placement,
        key: &crate::core::fingerprint_key::FingerprintKey,
    ) -> Result<crate::core::fingerprint_key::FingerprintKey, EngineError>;

    async fn remove_network(&self, environment: &str) -> Result<(), EngineError>;

    /// The image's id, or `None` when the engine does not have it.
    async fn image_id(&self, image: &str) -> Result<Option<String>, EngineError>;

    async fn pull(&self, image: &str, progress: &dyn Fn(ImageProgress)) -> Result<(), EngineError>;

    /// Makes `image` on the engine from the static busybox binary at `busybox` on this
    /// machine, with no registry: for `busybox:latest` when it is missing and cannot be
    /// pulled.
    async fn seed_busybox(&self, image: &str, busybox: &Path) -> Result<Seeded, SeedError>;

    /// Builds the folder `context` names (with its Dockerfile), tagged `tag`: the context
    /// is read again and streamed, never held in memory.
    async fn build(
        &self,
        context: &crate::runtime::build_context::BuildContext,
        tag: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<(), EngineError>;

    /// Creates the app's container (labelled, on the environment's network, reachable by the
    /// app's name). `Conflict` when the name is taken.
    async fn create(
        &self,
        environment: &str,
        spec: &AppSpec,
        image: &str,
    ) -> Result<String, EngineError>;

    async fn start(&self, id: &str) -> Result<(), EngineError>;

    async fn stop(&self, id: &str, grace: Duration) -> Result<(), EngineError>;

    /// Removes a container (and its anonymous volumes).
    async fn remove(&self, id: &str) -> Result<(), EngineError>;

    /// Runs `command` in the container; its exit code.
    async fn exec(&self, id: &str, command: &[String]) -> Result<i64, EngineError>;

    /// Runs `command` in the container attached to this process's stdin, stdout and stderr
    /// (one stream with a TTY, sized `tty_size`); its exit code.
    async fn exec_attached(
        &self,
        id: &str,
        command: &[String],
        tty_size: Option<(u16, u16)>,
    ) -> Result<i64, EngineError>;

    /// The last `lines` lines of the container's output (both streams, in order).
    async fn logs_tail(&self, id: &str, lines: usize) -> Result<Vec<String>, EngineError>;

    /// The container's resource usage as a stream (one long request, not one per sample).
    /// Owns what it needs, so callers can hold many and drop any.
    fn stats(&self, id: &str) -> SampleStream;
    /// The container's output, both streams, line by line (a long line arrives whole).
    fn logs(&self, id: &str, options: LogOptions) -> LogLines<'_>;

    /// Removes the named volumes labelled with the environment; how many.
    async fn remove_volumes(&self, environment: &str) -> Result<usize, EngineError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_unix_socket_is_local() {
        let at = |url: &str| Endpoint::plain(url, "test");
        assert!(!at("unix:///var/run/docker.sock").is_remote());
        assert!(!at("unix:///home/me/.docker/run/docker.sock").is_remote());
        assert!(at("tcp://127.0.0.1:2375").is_remote());
        assert!(at("tcp://build-box:2376").is_remote());
        assert!(at("ssh://me@build-box").is_remote());
        assert!(at("http://10.0.0.5:2375").is_remote());
    }
}
