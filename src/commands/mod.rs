//! One file per command (a verb, with its own parts beside it: `logs_*`, `complete_*`): the
//! only code that knows a command's whole sequence. What several verbs share (loading,
//! connecting, images, picking) is in `shared/`.

pub mod complete;
pub mod complete_names;
pub mod complete_shells;
pub mod completions;
pub mod config;
pub mod config_engine;
pub mod deps;
pub mod down;
pub mod envs;
pub mod exec;
pub mod history;
pub mod logs;
pub mod logs_follow;
pub mod logs_history;
pub mod metrics;
pub mod plan;
pub mod promote;
pub mod restart;
pub mod rollback;
pub mod shared;
pub mod start;
pub mod status;
pub mod stop;
pub mod validate;
