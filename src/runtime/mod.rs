//! Container engines behind one narrow interface (`api::Runtime`).

pub mod api;
pub mod build_context;
pub mod docker;
pub mod labels;
