//! What the executor reports while it works; the UI decides how to show it.

use crate::core::secret::Mask;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Pulling(String),
    Building(String),
    /// Pushing an image to the environment's registry (for other nodes).
    Pushing(String),
    /// Waiting for these dependencies to be ready.
    Waiting(Vec<String>),
    Creating,
    /// Replacing the container; why.
    Recreating(String),
    /// Updating the app in place, new instance first; why.
    Updating(String),
    Starting,
    /// A rollover: the new revision starts beside the one serving; what changed.
    StartingNew(String),
    /// A rollover: the new revision is ready and takes the app's name.
    Switching(String),
    /// A rollover: the old revision leaves the name, stops and is kept.
    Retiring(String),
    /// Waiting for readiness; the last probe's result.
    Probing(String),
    Ready,
    /// Running and unchanged: nothing to do.
    Unchanged,
    Stopping,
    Stopped,
    Removing,
    Removed,
    Failed(String),
    /// Not started because a dependency failed.
    NotStarted(String),
}

impl Phase {
    /// The phase with every secret value in the text it carries from elsewhere (build
    /// output, a probe's answer, an engine's or app's words) masked.
    pub fn masked(self, mask: &Mask) -> Phase {
        if mask.is_empty() {
            return self;
        }
        let m = |text: String| mask.apply(&text).into_owned();
        match self {
            Phase::Pulling(text) => Phase::Pulling(m(text)),
            Phase::Building(text) => Phase::Building(m(text)),
            Phase::Probing(text) => Phase::Probing(m(text)),
            Phase::Failed(text) => Phase::Failed(m(text)),
            other => other,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Phase::Pulling(_) => "pulling",
            Phase::Building(_) => "building",
            Phase::Pushing(_) => "pushing",
            Phase::Waiting(_) => "waiting",
            Phase::Creating => "creating",
            Phase::Recreating(_) => "recreating",
            Phase::Updating(_) => "updating",
            Phase::Starting => "starting",
            Phase::StartingNew(_) => "starting new",
            Phase::Switching(_) => "switching",
            Phase::Retiring(_) => "retiring old",
            Phase::Probing(_) => "probing",
            Phase::Ready => "ready",
            Phase::Unchanged => "unchanged",
            Phase::Stopping => "stopping",
            Phase::Stopped => "stopped",
            Phase::Removing => "removing",
            Phase::Removed => "removed",
            Phase::Failed(_) => "failed",
            Phase::NotStarted(_) => "not-started",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Phase::Pulling(d)
            | Phase::Building(d)
            | Phase::Pushing(d)
            | Phase::Recreating(d)
            | Phase::Updating(d)
            | Phase::StartingNew(d)
            | Phase::Switching(d)
            | Phase::Retiring(d)
            | Phase::Probing(d)
            | Phase::Failed(d) => d.clone(),
            Phase::Waiting(apps) => format!("on {}", apps.join(", ")),
            Phase::NotStarted(why) => why.clone(),
            _ => String::new(),
        }
    }

    /// Whether this ends the app's part of the operation.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Phase::Ready
                | Phase::Unchanged
                | Phase::Failed(_)
                | Phase::NotStarted(_)
                | Phase::Stopped
                | Phase::Removed
        )
    }
}

#[derive(Debug, Clone)]
pub struct Event {
    pub app: String,
    pub phase: Phase,
    /// Since the operation began.
    pub elapsed: Duration,
}
