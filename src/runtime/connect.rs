//! The one door to an engine: settings (`-H`, contexts, an environment's `target:`) are
//! resolved into an endpoint, and an endpoint into a connected backend. The only code that
//! names a backend; everything else holds a `&dyn Runtime`.

use super::api::{Endpoint, EngineError, Runtime};
use super::docker;
use crate::core::engine_kind::{EngineChoice, EngineKind};

/// Which engine a command talks to, decided as the docker CLI decides it, the
/// environment's `target:` first when it has one (`resolve`); the docker contexts on this
/// machine, for completions (`context_names`).
pub use docker::endpoint::{context_names, resolve, EndpointError, Resolved, Target};

/// The kinds of engine address ark can connect to, as URL schemes.
pub const KNOWN_SCHEMES: [&str; 5] = ["unix://", "tcp://", "ssh://", "http://", "https://"];

/// Whether ark knows how to reach an engine at `url`.
pub fn is_known_address(url: &str) -> bool {
    KNOWN_SCHEMES.iter().any(|scheme| url.starts_with(scheme))
}

/// Whether reaching `endpoint` costs a login first (an ssh engine): callers that must
/// answer at once (completions) do not ask such an engine.
pub fn needs_login(endpoint: &Endpoint) -> bool {
    endpoint.url.starts_with("ssh://")
}

/// Connects to the engine at `endpoint` and checks that it answers.
pub async fn connect(endpoint: Endpoint) -> Result<Box<dyn Runtime>, EngineError> {
    let engine = docker::engine::DockerRuntime::connect(endpoint).await?;
    Ok(Box::new(engine))
}

/// Connects to the engine at `endpoint` as the backend of `choice`'s kind.
pub async fn connect_as(
    endpoint: Endpoint,
    choice: &EngineChoice,
) -> Result<Box<dyn Runtime>, EngineError> {
    match choice.kind {
        EngineKind::Docker => connect(endpoint).await,
        EngineKind::Swarm => {
            let engine =
                super::swarm::engine::SwarmRuntime::connect(endpoint, choice.nodes.clone()).await?;
            Ok(Box::new(engine))
        }
    }
}
