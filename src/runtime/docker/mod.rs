//! The Docker backend: the only code that knows about Docker (bollard, its API and
//! contexts). What it builds from is `runtime::build_context`, which no backend owns.

mod busybox_seed;
pub mod endpoint;
pub mod engine;
pub mod log_lines;
mod pooled;
pub mod ssh;
mod ssh_mux;
pub mod stats;
pub mod tls;
