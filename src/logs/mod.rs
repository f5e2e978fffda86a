//! The pure parts of `ark logs`: timestamps, the merge across apps, `--since` values.

pub mod filter;
pub mod line;
pub mod merge;
pub mod time_arg;
pub mod timestamp;
