//! An image a start needs from elsewhere, and one that could not be had: what the check
//! before a start finds (`commands::shared::needed_images`) and the report shows.

use std::collections::BTreeSet;

/// The one image ark can make itself (the demo's base).
pub const SEEDABLE: &str = "busybox:latest";

/// An image the start needs, and who needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needed {
    pub image: String,
    pub apps: BTreeSet<String>,
    /// Needed as a Dockerfile's base (by some of `apps`).
    pub for_builds: bool,
    /// Needed as an app's prebuilt image (by some of `apps`).
    pub to_run: bool,
}

/// An image that is not on the engine and could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub needed: Needed,
    /// What the engine said when asked to pull it.
    pub engine_said: String,
    /// Why ark could not make it itself (`busybox:latest` only): the static busybox is
    /// missing or unusable.
    pub no_busybox: Option<String>,
}
