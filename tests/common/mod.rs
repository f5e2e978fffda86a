//! Helpers for running the real `ark` binary in tests, isolated from the user's own config.
#![allow(dead_code)]

pub mod corpus_location;
pub mod engine;
pub mod own_engine;
pub mod port_driver;
pub mod relay;
pub mod running;
pub mod ssh;
pub mod swarm;
pub mod tls;
pub mod transcript;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The variables of this machine's user that would change what ark does in a test.
pub const USER_VARS: &[&str] = &[
    "ARK_APPS",
    "ARK_ENVIRONMENTS",
    "ARK_ENVIRONMENT",
    "ARK_BUSYBOX",
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_TLS_VERIFY",
    "DOCKER_TLS",
    "DOCKER_CERT_PATH",
    "ARK_SSH_CONFIG",
];

/// `ark` with no user config, no default environment and no colour.
pub fn ark() -> Command {
    let mut command = Command::cargo_bin("ark").expect("the ark binary is built");
    ark_isolated(&mut command);
    command
}

/// Makes a command that runs `ark` (directly or through a wrapper) ignore the user's own
/// config, environment variables and engine choice.
pub fn ark_isolated(command: &mut Command) {
    for var in USER_VARS {
        command.env_remove(var);
    }
    command
        .env("ARK_CONFIG", "/nonexistent/ark-config.yml")
        .env("NO_COLOR", "1");
}

/// The repository's root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The production corpus, when it is here (see `corpus_location`): `None` means skip.
pub fn corpus() -> Option<PathBuf> {
    corpus_location::production_corpus(&repo())
}

/// ark's own fixtures with every shape the production corpus has (laid out the same way).
pub fn launch_shapes() -> PathBuf {
    repo().join("tests/fixtures/launch-shapes")
}

/// A scratch folder with the given files (paths relative to it).
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (path, text) in files {
        write(&dir.path().join(path), text);
    }
    dir
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// stdout and stderr of a finished command, as text.
pub fn output(command: &mut Command) -> (i32, String, String) {
    let out = command.output().expect("ark runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `ark ARGS…` run inside `dir`, with no engine reachable (so what runs on this machine
/// cannot change the result): exit code, stdout, stderr.
pub fn run(dir: &tempfile::TempDir, args: &[&str]) -> (i32, String, String) {
    output(
        ark()
            .current_dir(dir.path())
            .env("DOCKER_HOST", "unix:///nonexistent/ark-tests-offline.sock")
            .args(args),
    )
}
