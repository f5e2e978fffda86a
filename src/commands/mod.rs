//! One file per command: the only code that knows a command's whole sequence.

pub mod complete;
pub mod complete_names;
pub mod complete_shells;
pub mod completions;
pub mod config;
pub mod deps;
pub mod down;
pub mod engine;
pub mod engines;
pub mod envs;
pub mod exec;
pub mod images;
pub mod load;
pub mod logs;
pub mod logs_follow;
pub mod logs_history;
pub mod metrics;
pub mod needed_images;
pub mod on_engine;
pub mod pick;
pub mod plan;
pub mod restart;
pub mod start;
pub mod status;
pub mod stop;
pub mod validate;
