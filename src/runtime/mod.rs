//! Container engines behind one seam (`api::Runtime`). Backends are private folders;
//! `connect` is the only code that names one.

pub mod api;
pub mod build_context;
pub mod capabilities;
pub mod connect;
mod docker;
pub mod endpoint;
#[cfg(test)]
pub(crate) mod fake;
pub mod labels;
mod swarm;
pub mod usage;
