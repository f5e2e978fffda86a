//! The Swarm backend: an environment as Swarm services on one overlay network, driven
//! through a manager's Engine API. It stands on the Docker backend (the same connection,
//! images and builds, and each node's containers for exec, logs and usage) and differs in
//! what `Capabilities` declares: the engine runs the checks, changes roll, ports are
//! published only when asked. Private: `runtime::connect` is the one door in.

mod cluster;
pub(super) mod engine;
mod health;
mod images;
mod kept_specs;
mod promotion;
mod secrets;
mod service_spec;
mod services;
mod streams;
mod tasks;
