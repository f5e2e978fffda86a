//! The Docker backend: the only code that knows about Docker (bollard, its API and
//! contexts). Private: `runtime::connect` is the one door in. What it builds from is
//! `runtime::build_context`, which no backend owns.

mod busybox_seed;
mod connect;
mod containers;
pub(super) mod endpoint;
pub(super) mod engine;
mod images;
mod log_lines;
mod networks;
mod pooled;
mod request;
mod ssh;
mod ssh_mux;
mod stats;
mod streams;
mod tls;
mod watchdog;
