//! The Docker backend: the only code that knows about Docker (bollard, contexts, the
//! daemon's API). Private: `runtime::connect` is the one door in.

pub mod build_context;
mod busybox_seed;
mod connect;
mod containers;
pub mod dockerfile;
pub(super) mod endpoint;
pub(super) mod engine;
mod images;
mod log_lines;
mod networks;
mod pooled;
mod ssh;
mod ssh_mux;
mod stats;
mod streams;
mod tls;
