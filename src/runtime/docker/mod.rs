//! The Docker backend: the only code that knows about Docker (bollard, tar, contexts).

pub mod build_context;
mod busybox_seed;
pub mod dockerfile;
pub mod endpoint;
pub mod engine;
pub mod log_lines;
mod pooled;
pub mod ssh;
mod ssh_mux;
pub mod stats;
pub mod tls;
