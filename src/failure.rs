//! Failures a command ends with, each mapped to its exit code in one place.

use crate::core::diagnostic::Diagnostics;
use crate::exit_code;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The command line is wrong in a way clap cannot see (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Definitions or the environment are invalid (exit 3); the diagnostics say why.
    #[error("invalid definitions or environment")]
    Invalid(Diagnostics),
    /// The operation ran and failed (exit 1); already reported.
    #[error("{0}")]
    Failed(String),
    /// The container engine did not answer (exit 4).
    #[error("{0}")]
    Unreachable(String),
    /// Ctrl-C (SIGINT, exit 130) or SIGTERM (exit 143) stopped the command; `left` says
    /// what it left on the engine, when it knows.
    #[error("interrupted")]
    Interrupted { by: Signal, left: Option<String> },
    /// The user left a picker (Esc, Ctrl-C) before anything was done (exit 130).
    #[error("cancelled")]
    Cancelled,
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage(_) => exit_code::USAGE,
            Failure::Invalid(_) => exit_code::INVALID,
            Failure::Failed(_) => exit_code::FAILED,
            Failure::Unreachable(_) => exit_code::ENGINE_UNREACHABLE,
            Failure::Interrupted { by, .. } => by.exit_code(),
            Failure::Cancelled => exit_code::INTERRUPTED,
        }
    }
}

/// A signal that ends a command early: what ark was doing stops, what it made stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: a service manager, `kill`, a CI job cancelled.
    Terminate,
}

impl Signal {
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => exit_code::INTERRUPTED,
            Signal::Terminate => exit_code::TERMINATED,
        }
    }

    /// The word a report begins with.
    pub fn word(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted",
            Signal::Terminate => "terminated",
        }
    }
}
