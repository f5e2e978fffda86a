//! Where the production corpus is, if anywhere. It is an *extra* check: tests over ark's own
//! fixtures (`tests/fixtures/launch-shapes`) always run; the real corpus runs when it is beside
//! the repository or `ARK_CORPUS` names it, and is required under `CI=true`.
//!
//! Shared by the integration tests (`tests/common`) and the loader's unit tests
//! (`src/core/robustness_tests.rs`, through `#[path]`), so both decide the same way.

use std::path::{Path, PathBuf};

/// The default place: beside the repository, as the project's machines lay it out.
pub const BESIDE_THE_REPOSITORY: &str = "../shared/corpus/clever-launch";

/// The production corpus, or `None` when the test should skip (it has said why on stderr).
/// Panics — a failing test — when `ARK_CORPUS` names no corpus, or under `CI=true` when the
/// corpus is not beside the repository either.
#[allow(clippy::print_stderr)] // a skipped test says why
pub fn production_corpus(manifest_dir: &Path) -> Option<PathBuf> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(named) = env("ARK_CORPUS") {
        let path = PathBuf::from(&named);
        assert!(
            path.join("repos").is_dir(),
            "ARK_CORPUS={named} is not the production corpus (it has no `repos/` folder)"
        );
        return Some(path);
    }
    let beside = manifest_dir.join(BESIDE_THE_REPOSITORY);
    if beside.join("repos").is_dir() {
        return Some(beside);
    }
    assert!(
        env("CI").as_deref() != Some("true"),
        "CI=true requires the production corpus, and it is not at {}: put it there or set ARK_CORPUS=/path/to/clever-launch",
        beside.display()
    );
    eprintln!(
        "skipped: the production corpus is not at {}; set ARK_CORPUS=/path/to/clever-launch to run it (CI=true requires it)",
        beside.display()
    );
    None
}
