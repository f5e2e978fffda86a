//! What a backend can do, declared once when it connects: callers ask these, never which
//! backend they talk to (as Nomad's task drivers answer `Capabilities()`).

/// What one connected engine can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// How this machine reaches the ports of the engine's instances (probes and URLs).
    pub reach: PortReach,
    /// Commands can run inside an instance (`ark exec`, exec readiness checks).
    pub exec: bool,
    /// The engine reports each instance's resource usage (`ark metrics`).
    pub usage: bool,
    /// How an image gets to where instances run.
    pub images: ImageDelivery,
    /// Who runs an app's readiness checks.
    pub checks: CheckRunner,
    /// How a changed app is changed.
    pub changes: ChangeStyle,
    /// Where published ports listen and how far `ark` may trust the 127.0.0.1 default.
    pub ports: PortPublishing,
}

/// Who runs an app's readiness checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckRunner {
    /// ark probes from this machine over `reach`.
    Ark,
    /// The engine runs them inside each instance, on whichever node it landed, and holds
    /// the instance back (out of its name on the network) until they pass: an instance it
    /// reports running is ready (Swarm's HEALTHCHECK).
    Engine,
}

/// How a changed app is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeStyle {
    /// The old instance goes, then the new one is made.
    Replace,
    /// Updated in place by the engine, new instance first, old one retired once the new is
    /// ready (Swarm's start-first update). The spec it leaves is kept, a rollback is an
    /// update to a kept one (`Runtime::restore`), and a promote one to another
    /// environment's (`Runtime::promote`).
    Rolling,
    /// ark rolls it over: the new revision is made beside the old one (`Placing::Beside`),
    /// probed, given the app's name (`take_name`), and the old one retired (`retire`),
    /// kept for a rollback.
    Rollover,
}

/// Which ports are published, and where they listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortPublishing {
    /// Every port, on the environment's `bind` (127.0.0.1 by default).
    Every,
    /// Only ports the environment asks for (pinned, or `publish: true`), on every
    /// interface of the node the instance runs on: the engine cannot bind one address.
    AskedOnEveryInterface,
}

/// How an image gets to where the engine runs instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageDelivery {
    /// Pulled and built by the engine itself, into the store its instances start from.
    EngineStore,
    /// Instances run on several nodes: an image made here reaches the others only
    /// through a registry (the environment's `registry:`), pinned by digest.
    Registry { nodes: usize },
}

impl std::fmt::Display for ImageDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageDelivery::EngineStore => write!(f, "pulled and built by the engine"),
            ImageDelivery::Registry { nodes } => write!(
                f,
                "pulled by each of {nodes} nodes; local builds go through the environment's registry"
            ),
        }
    }
}

/// How this machine reaches the ports of the engine's containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortReach {
    /// The instances' own IPs are routable from here (a local engine on Linux): exact, no
    /// proxy in between.
    InstanceIp,
    /// Through ports published on `host` (Docker Desktop, an engine over TCP). A port bound
    /// to the loopback of a host that is not this one cannot be reached this way.
    Published { host: String },
    /// Through the engine connection itself (`Runtime::open_port`), to ports published on
    /// the engine host `host` (an engine over ssh: forwards on the one login).
    Tunnel { host: String },
}

impl PortReach {
    /// Where readiness turns when this route proves to lead nowhere from here (learned once
    /// per run, see `exec::readiness::Route`). A local engine's instances may live in
    /// another network namespace — rootless Docker, a daemon in its own netns — where their
    /// IPs are not routable from here, while their published ports are forwarded to this
    /// machine's loopback.
    pub fn fallback(&self) -> Option<PortReach> {
        match self {
            PortReach::InstanceIp => Some(PortReach::Published {
                host: "127.0.0.1".into(),
            }),
            PortReach::Published { .. } | PortReach::Tunnel { .. } => None,
        }
    }

    /// The engine host's name, for URLs.
    pub fn host(&self) -> &str {
        match self {
            PortReach::InstanceIp => "127.0.0.1",
            PortReach::Published { host } | PortReach::Tunnel { host } => host,
        }
    }
}

impl std::fmt::Display for PortReach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortReach::InstanceIp => write!(f, "container IPs (local engine)"),
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
