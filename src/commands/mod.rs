//! One file per command: the only code that knows a command's whole sequence.

pub mod completions;
pub mod config;
pub mod deps;
pub mod envs;
pub mod load;
pub mod plan;
pub mod validate;
