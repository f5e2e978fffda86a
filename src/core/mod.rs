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
pub mod locate;
pub mod plan;
pub mod resolved_env;
#[cfg(test)]
mod robustness_tests;
pub mod scalar;
pub mod spec;
pub mod start_set;
pub mod suggest;
pub mod yaml;

/// The 1-based line of the first mention of `needle` as a whole word (`- db`, `[db, x]`,
/// `db@v2`, `DB_HOST:`), for pointing at a reference inside a definition.
pub(crate) fn yaml_line_of(path: &std::path::Path, needle: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    text.lines()
        .position(|line| {
            let code = line.split(" #").next().unwrap_or(line);
            code.match_indices(needle).any(|(at, _)| {
                let before = code[..at].chars().next_back();
                let after = code[at + needle.len()..].chars().next();
                !before.is_some_and(is_word) && !after.is_some_and(is_word)
            })
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_name_in_block_and_flow_lists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api.yml");
        std::fs::write(
            &path,
            "env: [DB]\ndependencies: [db-two, db]\nx:\n- cache@v2\n",
        )
        .unwrap();
        assert_eq!(super::yaml_line_of(&path, "db"), Some(2));
        assert_eq!(super::yaml_line_of(&path, "cache"), Some(4));
        assert_eq!(super::yaml_line_of(&path, "DB"), Some(1));
        assert_eq!(super::yaml_line_of(&path, "d"), None);
    }
}
