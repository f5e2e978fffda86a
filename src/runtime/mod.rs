//! Container engines behind one seam (`api::Runtime`). Backends are private folders;
//! `connect` is the only code that names one.

pub mod api;
pub mod capabilities;
pub mod connect;
mod docker;
/// Until the build context has its own backend-neutral folder.
pub use docker::{build_context, dockerfile};
pub mod endpoint;
pub mod labels;
pub mod usage;
