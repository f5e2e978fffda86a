//! The pure core: definitions → environment → graph → plan. Knows nothing about
//! containers, engines or terminals, so all of it is tested without either.

pub mod catalog;
pub mod command_line;
pub mod definition;
pub mod diagnostic;
pub mod discovery;
pub mod duration;
pub mod environment;
pub mod graph;
pub mod interpolate;
pub mod plan;
pub mod resolved_env;
pub mod scalar;
pub mod spec;
pub mod start_set;
pub mod suggest;
pub mod yaml;

/// The line of the first `- name` / `name:` mention in a file, for pointing at a reference.
pub(crate) fn yaml_line_of(path: &std::path::Path, needle: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .position(|line| {
            let trimmed = line.trim_start().trim_start_matches("- ").trim();
            trimmed == needle
                || trimmed.starts_with(&format!("{needle}@"))
                || trimmed.starts_with(&format!("{needle}:"))
        })
        .map(|i| i + 1)
}
