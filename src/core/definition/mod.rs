//! One app definition: production's `launch/<app>.yml`, as ark reads it.
//!
//! The format is production's, learned from real files (see the corpus tests): ark reads the
//! fields it needs to run the app locally, accepts production-only fields without reading them,
//! and adds a few optional fields of its own (`run.image`, `run.command`, `run.init`, env
//! defaults as a map) that production ignores.

mod launch_file;
mod model;
mod raw;

pub use launch_file::{app_name, check_name, is_resource, parse_file};
pub use model::{
    AppDefinition, Build, EnvDeclaration, Expose, HealthCheck, LaunchFile, ParsedFile, Probe,
    Resources, Run, RunKind, DEFAULT_DOCKERFILE,
};
