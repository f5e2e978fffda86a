//! Process exit codes: a user-facing contract (scripts branch on them), asserted by tests.

/// Everything worked.
pub const OK: i32 = 0;
/// The operation was attempted and failed (an app crashed, a check never passed, …).
pub const FAILED: i32 = 1;
/// The command line was wrong (clap's own code for usage errors).
pub const USAGE: i32 = 2;
/// A definition or an environment is invalid, or names something that does not exist.
pub const INVALID: i32 = 3;
/// The container engine did not answer, or stopped answering mid-command.
pub const ENGINE_UNREACHABLE: i32 = 4;
/// The user pressed Ctrl-C (or left a picker with Esc or Ctrl-C).
pub const INTERRUPTED: i32 = 130;
/// ark was sent SIGTERM (128 + 15, as a shell reports a process ended by it).
pub const TERMINATED: i32 = 143;
