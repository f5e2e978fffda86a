//! The pure core: definitions → environment → graph → plan. Knows nothing about
//! containers, engines or terminals, so all of it is tested without either.

pub mod catalog;
pub mod command_line;
pub mod definition;
pub mod diagnostic;
pub mod discovery;
pub mod duration;
pub mod engine_kind;
pub mod environment;
pub mod environment_check;
pub mod fingerprint_key;
pub mod graph;
pub mod input_file;
pub mod interpolate;
pub mod line_index;
pub mod locate;
pub mod needed_image;
pub mod plan;
pub mod port_preflight;
pub mod registry_address;
pub mod resolved_env;
pub mod revision;
#[cfg(test)]
mod robustness_tests;
pub mod scalar;
pub mod secret;
pub mod spec;
pub mod start_set;
pub mod suggest;
pub mod unique_map;
pub mod variable_name;
pub mod yaml;
