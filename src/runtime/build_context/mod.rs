//! The build context: what a backend that builds images from a folder is sent, a tar of
//! the app's checkout with its `.dockerignore` applied, and what its Dockerfile builds on.
//!
//! The archive is deterministic (sorted entries, no timestamps, no owners) so that its
//! hash names the image: an unchanged checkout gives the same tag and is not rebuilt.
//!
//! It never lives in memory: `BuildContext::prepare` hashes it as it is written (to
//! nowhere), and `stream` writes it again, chunk by chunk, into the request body that
//! sends it to the engine. A context of any size costs ark a few chunks of memory.

mod archive;
mod context;
pub mod dockerfile;
mod dockerignore;
mod pattern;
#[cfg(test)]
mod test_support;
mod walk;

pub use archive::{stream, ContextStream};
pub use context::{BuildContext, BuildContextError};
