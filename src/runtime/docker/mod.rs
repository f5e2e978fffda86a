//! The Docker backend: the only code that knows about Docker (bollard, its API and
//! contexts). Private: `runtime::connect` is the one door in. What it builds from is
//! `runtime::build_context`, which no backend owns.

mod busybox_seed;
pub(in crate::runtime) mod connect;
pub(in crate::runtime) mod containers;
pub(super) mod endpoint;
pub(super) mod engine;
pub(in crate::runtime) mod images;
mod log_lines;
pub(in crate::runtime) mod networks;
mod pooled;
pub(in crate::runtime) mod request;
mod revisions;
mod secret_files;
mod ssh;
mod ssh_mux;
mod stats;
pub(in crate::runtime) mod streams;
mod subnet;
mod tls;
pub(in crate::runtime) mod watchdog;
