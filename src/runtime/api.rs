//! The engine seam: small and shaped by what ark does, not by any engine's API. It speaks
//! of environments, their apps and one opaque `Handle` per app instance; what differs
//! between backends is declared in `Capabilities`, never asked with an `if docker`.
//! Backends live in private folders (`docker/`); `connect` is the only code that names one.

pub use super::capabilities::{
    Capabilities, ChangeStyle, CheckRunner, ImageDelivery, PortPublishing, PortReach,
};
pub use super::endpoint::{Endpoint, TlsFiles};
pub use super::labels::{CheckLabel, ExposeLabel};
pub use super::usage::Usage;
use crate::core::fingerprint_key::FingerprintKey;
pub use crate::core::revision::{NewRevision, Revision};
use crate::core::spec::AppSpec;
pub use crate::logs::line::{LogLine, LogOptions, Output};
use futures_util::stream::LocalBoxStream;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The first request found no engine (exit 4).
    #[error("cannot reach the container engine at {endpoint}: {detail}")]
    Unreachable { endpoint: Endpoint, detail: String },
    /// The engine answered once, then the connection to it failed mid-command (refused,
    /// reset, closed, timed out, the ssh login gone): exit 4, whatever the command.
    /// `doing` is what ark was asking for, in a user's words ("starting a container").
    #[error("lost the container engine at {endpoint} while {doing}")]
    Lost { endpoint: Endpoint, doing: String },
    /// A name is taken (another ark made it first, or something else owns it).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// The engine has the instance but cannot start it any more: an earlier start of it was
    /// cut short (the engine crashed or restarted mid-start) and left half of it behind.
    /// Making the instance again is what helps; what to do is the plan's decision
    /// (`core::plan::Action::if_start_refused`). Holds what the engine said.
    #[error("the engine can no longer start it (an earlier start was cut short): {0}")]
    CannotStartAnyMore(String),
    /// The engine answers, but cannot run the environment the way its file asks (`engine:
    /// swarm` on an engine that is not a Swarm manager): exit 4, saying what it is.
    #[error("{0}")]
    NotSuitable(String),
    /// What the engine cannot do at all (a second revision beside the serving one on Swarm).
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Failed(String),
}

impl EngineError {
    /// Whether no engine answered (at first, or any more), as opposed to the engine
    /// answering with an error: the command cannot go on, and running it again once the
    /// engine is back is what helps. The one place that tells them apart; backends say it
    /// with `Lost` or `Unreachable`.
    pub fn is_connection_lost(&self) -> bool {
        matches!(
            self,
            EngineError::Lost { .. } | EngineError::Unreachable { .. }
        )
    }
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
    /// The engine gave up on it and says why (a Swarm task that failed, or cannot be
    /// placed): the words name the node and the engine's error.
    Failed(String),
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
            State::Failed(why) => format!("failed: {why}"),
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

/// How a backend finds one app instance again (a container id on Docker): opaque to
/// everything above the seam, which only hands it back.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(String);

impl Handle {
    /// Only backends make handles, from their own ids.
    pub(crate) fn new(id: impl Into<String>) -> Handle {
        Handle(id.into())
    }

    /// The backend's own id, for the backend that made it.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the engine has for one app of an environment, read from ark's labels and its state.
#[derive(Debug, Clone)]
pub struct Instance {
    pub handle: Handle,
    /// The engine's name for it (`ark_<env>_<app>`), for people and `status`.
    pub name: String,
    pub environment: String,
    pub app: String,
    pub fingerprint: BTreeMap<String, String>,
    pub image: String,
    pub image_id: String,
    pub state: State,
    /// The engine's own verdict on the instance's health, when the image declares a check
    /// of its own ("starting", "healthy", "unhealthy").
    pub health: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// RFC 3339, when running.
    pub started_at: Option<String>,
    pub ip: Option<String>,
    pub ports: Vec<Published>,
    /// Running, but not on its environment's network: the engine lost that in a crash
    /// mid-start, and nothing can reach the instance.
    pub detached: bool,
    pub depends_on: Vec<String>,
    pub checks: Vec<CheckLabel>,
    pub exposes: Vec<ExposeLabel>,
    /// On an engine that runs an app as several replicas (Swarm): how many run of how
    /// many wanted, and on which nodes. `None` where an instance is one container.
    pub replicas: Option<Replicas>,
    /// Its revision as its labels record it (`None`: made before revisions).
    pub revision: Option<Revision>,
    /// The revisions before it, newest first.
    pub lineage: Vec<Revision>,
    /// Holds the app's name: the current revision. Retired revisions (and a new one not yet
    /// switched to) do not, and only `Runtime::revisions` lists them.
    pub serving: bool,
}

/// How many of an app's replicas run its current config (ready, where the engine runs its
/// checks), of how many wanted, and the nodes they run on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replicas {
    pub ready: u32,
    pub wanted: u32,
    pub nodes: Vec<String>,
}

impl Instance {
    pub fn is_running(&self) -> bool {
        self.state == State::Running
    }

    /// Its revision's number: 1 for an instance made before revisions.
    pub fn revision_number(&self) -> u32 {
        self.revision.as_ref().map_or(1, |r| r.number)
    }
}

/// An environment's space on the engine (its network), as the engine has it.
#[derive(Debug, Clone)]
pub struct EnvironmentInfo {
    pub id: String,
    pub name: String,
    pub environment: String,
    pub created: String,
    /// Where the environment was meant to run, as its labels record it.
    pub placement: Placement,
    /// The key of the fingerprints of the environment's instances (see `labels`).
    pub fingerprint_key: FingerprintKey,
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

/// Usage of one instance, about once a second, until it stops or the stream is dropped.
pub type UsageStream = LocalBoxStream<'static, Result<Usage, EngineError>>;
/// A container's lines, in the order it wrote them.
pub type LogLines<'a> = LocalBoxStream<'a, Result<LogLine, EngineError>>;

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

/// Where a new instance goes (`Runtime::create`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placing {
    /// It is the app's instance: it holds the app's name from the start.
    Serving,
    /// Beside the one serving, without the app's name (a rollover's new revision).
    Beside,
}

/// Where a promote takes a revision: another environment on the same engine, as that
/// environment has the app — its own ports (pinned where it pins them), whether it
/// publishes unpinned ones, how many replicas it runs.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub environment: &'a str,
    pub app: &'a str,
    pub ports: &'a [crate::core::spec::PortSpec],
    pub publish: bool,
    pub replicas: u32,
}

/// What `Runtime::create` found: a new instance, or the app's name already taken.
#[derive(Debug, Clone)]
pub enum Created {
    New(Handle),
    /// The name is held: by what (read back from the engine), or why that could not be read.
    /// Whether to use it is the caller's decision (`core::plan::adoption`).
    Taken(Result<Box<Instance>, String>),
}

/// The engine, as ark uses it: an object (`&dyn Runtime`), so commands and the executor
/// never know which backend they drive.
///
/// The executor drives every app's future in one task (structured concurrency), so these
/// futures need not be `Send`.
#[async_trait::async_trait(?Send)]
pub trait Runtime {
    fn endpoint(&self) -> &Endpoint;

    /// What this engine can do; fixed for the connection.
    fn capabilities(&self) -> Capabilities;

    /// How a user on this machine reaches a port bound to `ip` (a loopback address) on the
    /// engine host: `None` when that host is this machine.
    fn forward_hint(&self, ip: &str, port: u16) -> Option<String>;

    /// A stream to `ip:port` as seen from the engine host, carried by the engine connection
    /// (only for `PortReach::Tunnel`).
    async fn open_port(&self, ip: &str, port: u16) -> Result<PortStream, EngineError>;

    /// Every instance ark made, for one environment or all.
    async fn list(&self, environment: Option<&str>) -> Result<Vec<Instance>, EngineError>;

    /// One instance as it is now.
    async fn inspect(&self, handle: &Handle) -> Result<Instance, EngineError>;

    /// The environments ark made here, one or all.
    async fn environments(
        &self,
        environment: Option<&str>,
    ) -> Result<Vec<EnvironmentInfo>, EngineError>;

    /// Makes the environment's space (its network) unless it exists (safe against a
    /// concurrent ark), recording `placement` and `key` on it. Returns the key in use: `key`,
    /// or the one an existing (or a concurrent ark's) environment holds.
    async fn prepare_environment(
        &self,
        environment: &str,
        placement: &Placement,
        key: &FingerprintKey,
    ) -> Result<FingerprintKey, EngineError>;

    async fn remove_environment(&self, environment: &str) -> Result<(), EngineError>;

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

    /// Creates the app's instance as revision `made` (labelled, in the environment), not
    /// started: holding the app's name (`Placing::Serving`), or beside the instance that
    /// holds it, reachable only by its own address until `take_name` (`Placing::Beside`,
    /// `ChangeStyle::Rollover` engines).
    async fn create(
        &self,
        environment: &str,
        spec: &AppSpec,
        image: &str,
        made: &NewRevision,
        placing: Placing,
    ) -> Result<Created, EngineError>;

    async fn start(&self, handle: &Handle) -> Result<(), EngineError>;

    async fn stop(&self, handle: &Handle, grace: Duration) -> Result<(), EngineError>;

    /// Removes an instance (and its anonymous volumes).
    async fn remove(&self, handle: &Handle) -> Result<(), EngineError>;

    /// Runs `command` in the instance; its exit code.
    async fn exec(&self, handle: &Handle, command: &[String]) -> Result<i64, EngineError>;

    /// Runs `command` in the instance attached to this process's stdin, stdout and stderr
    /// (one stream with a TTY, sized `tty_size`); its exit code.
    async fn exec_attached(
        &self,
        handle: &Handle,
        command: &[String],
        tty_size: Option<(u16, u16)>,
    ) -> Result<i64, EngineError>;

    /// The secret values the instance holds (by the names it records), for masking its
    /// output. None on an engine that cannot say.
    async fn secret_values(&self, _handle: &Handle) -> Result<Vec<String>, EngineError> {
        Ok(Vec::new())
    }

    /// The last `lines` lines of the instance's output (both streams, in order).
    async fn logs_tail(&self, handle: &Handle, lines: usize) -> Result<Vec<String>, EngineError>;

    /// The instance's resource usage, computed by the backend, as a stream (one long
    /// request, not one per reading). Owns what it needs, so callers can hold many and
    /// drop any.
    fn usage(&self, handle: &Handle) -> UsageStream;

    /// The instance's output, both streams, line by line (a long line arrives whole).
    fn logs(&self, handle: &Handle, options: LogOptions) -> LogLines<'_>;

    /// Removes the named volumes labelled with the environment; how many.
    async fn remove_volumes(&self, environment: &str) -> Result<usize, EngineError>;

    /// Changes a running app to `spec` in place, new instance first (`ChangeStyle::Rolling`
    /// engines only). Returns once the engine has taken the change; readiness tells when
    /// the new instances are serving.
    async fn update(
        &self,
        handle: &Handle,
        environment: &str,
        spec: &AppSpec,
        image: &str,
        made: &NewRevision,
    ) -> Result<(), EngineError> {
        let _ = (handle, environment, spec, image, made);
        Err(EngineError::Unsupported(format!(
            "{} replaces a changed app; it cannot update one in place",
            self.endpoint().url
        )))
    }

    /// Every instance of the environment's apps (of one app, or all), retired revisions
    /// included: `list` has only the ones that hold their app's name.
    async fn revisions(
        &self,
        environment: &str,
        app: Option<&str>,
    ) -> Result<Vec<Instance>, EngineError> {
        let mut all = self.list(Some(environment)).await?;
        all.retain(|i| app.is_none_or(|a| i.app == a));
        Ok(all)
    }

    /// Makes a new instance beside the serving one from a kept (retired) instance's config
    /// — its image, environment, command and checks, as it ran — as revision `made`: a
    /// rollback or a promote, with no definition, build or pull. `environment` is where it
    /// goes (a promote takes it to another, with that one's `ports`; `None` keeps the kept
    /// instance's). Not started.
    async fn revive(
        &self,
        kept: &Handle,
        environment: &str,
        made: &NewRevision,
        ports: Option<&[crate::core::spec::PortSpec]>,
    ) -> Result<Created, EngineError> {
        let _ = (kept, environment, made, ports);
        Err(EngineError::Unsupported(format!(
            "{} keeps no retired revisions to bring back",
            self.endpoint().url
        )))
    }

    /// Changes the running app `handle` in place to a kept (retired) revision's spec — its
    /// image, environment, command, checks and ports, as it ran — as revision `made`, new
    /// instance first (`ChangeStyle::Rolling` engines): a rollback, with no definition,
    /// build or pull. The revision it leaves is kept. Returns once the engine has taken the
    /// change; readiness tells when the new instances are serving.
    async fn restore(
        &self,
        handle: &Handle,
        kept: &Handle,
        made: &NewRevision,
    ) -> Result<(), EngineError> {
        let _ = (handle, kept, made);
        Err(EngineError::Unsupported(format!(
            "{} changes no app in place to a kept revision",
            self.endpoint().url
        )))
    }

    /// Why another environment's instance `source` cannot be promoted on this engine, in a
    /// user's words (`None`: it can): asked of every app before a promote changes anything.
    async fn promotion_refused(&self, source: &Handle) -> Result<Option<String>, EngineError> {
        let _ = source;
        Ok(None)
    }

    /// Runs another environment's instance `source` — its image as it runs, environment,
    /// command and checks — as revision `made` of its app in `into.environment`, with that
    /// environment's network, labels, ports and replicas (`ChangeStyle::Rolling` engines): a
    /// promote, with no definition, build or pull. `current` (the app there now) is updated
    /// in place, new instances first, the revision it leaves kept; with none, the app is
    /// made there and started. Returns the app's instance; readiness tells when it serves.
    async fn promote(
        &self,
        source: &Handle,
        current: Option<&Handle>,
        into: &Destination<'_>,
        made: &NewRevision,
    ) -> Result<Handle, EngineError> {
        let _ = (source, current, into, made);
        Err(EngineError::Unsupported(format!(
            "{} changes no app in place to another environment's revision",
            self.endpoint().url
        )))
    }

    /// Gives the app's name on the network to `new`, an instance made `Placing::Beside`:
    /// from now on the name answers with it (and with the old one, until `retire`).
    async fn take_name(&self, new: &Handle) -> Result<(), EngineError> {
        let _ = new;
        Err(EngineError::Unsupported(format!(
            "{} cannot run two revisions of an app side by side",
            self.endpoint().url
        )))
    }

    /// Retires `old`: off the app's name, stopped (within `grace`) and kept for a rollback,
    /// with `successor` (if any) now the app's instance. An engine that keeps no retired
    /// revisions removes it.
    async fn retire(
        &self,
        old: &Handle,
        successor: Option<&Handle>,
        grace: Duration,
    ) -> Result<(), EngineError> {
        let _ = successor;
        self.stop(old, grace).await?;
        self.remove(old).await
    }

    /// The registry digest of `image` (`name@sha256:…`) when it came from or was pushed to
    /// a registry: a reference every node can pull. `None`: the image lives only here.
    async fn registry_digest(&self, image: &str) -> Result<Option<String>, EngineError> {
        let _ = image;
        Ok(None)
    }

    /// Pushes the local `image` to `registry` (HOST:PORT) and returns the pinned reference
    /// every node can pull (`HOST:PORT/name@sha256:…`).
    async fn push_to(
        &self,
        image: &str,
        registry: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<String, EngineError> {
        let _ = (image, registry, progress);
        Err(EngineError::Unsupported(
            "this engine starts instances from its own images; it pushes nowhere".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_connection_is_told_apart_from_an_engine_that_answered() {
        let lost = [
            EngineError::Unreachable {
                endpoint: Endpoint::plain("unix:///run/x.sock", "a test"),
                detail: "no answer within 3s".into(),
            },
            EngineError::Lost {
                endpoint: Endpoint::plain("unix:///run/x.sock", "a test"),
                doing: "listing the environment's containers".into(),
            },
        ];
        for error in &lost {
            assert!(error.is_connection_lost(), "{error}");
        }
        let answered = [
            EngineError::Failed("start container: port is already allocated".into()),
            EngineError::CannotStartAnyMore("start container: task abc: already exists".into()),
            EngineError::NotFound("no such container: abc".into()),
            EngineError::Conflict("the name is already in use".into()),
        ];
        for error in &answered {
            assert!(!error.is_connection_lost(), "{error}");
        }
    }
}
