//! The executor: walks a plan against a runtime and reports events. Async, because waiting
//! on many apps fans out; every decision was made before, in `core::plan`.

pub mod event;
pub mod readiness;
pub mod revisions;
pub mod rollover;
pub mod start;
pub mod walk;
