//! One line of an app's output and which lines to read: what every backend's log stream
//! delivers and every log view shows.

use super::timestamp::Timestamp;

/// Which of an app instance's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Stdout,
    Stderr,
}

/// One whole line of an instance's output (without its newline), as the engine stamped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub ts: Timestamp,
    pub output: Output,
    /// Raw bytes: a container may print anything; the view decides how to show it.
    pub text: Vec<u8>,
}

/// Which lines to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogOptions {
    /// Keep the stream open and deliver lines as they are written, until the instance stops.
    pub follow: bool,
    /// Only lines stamped at or after this time (the engine may deliver a little more).
    pub since: Option<Timestamp>,
    /// Only lines stamped before this time (the engine may deliver a little more).
    pub until: Option<Timestamp>,
    /// Only the last N lines (of both streams together).
    pub tail: Option<usize>,
}
