//! Transcript snapshots: run the real `ark`, and keep what a user would see — the command
//! line, the exit code, stdout and stderr — as one text that insta compares with the
//! `.snap` file committed beside the test (`tests/snapshots/`). What changes from run to run
//! (temp folders, the repository's path, ports, times, ids and hashes, the test's unique
//! environment name) is replaced by a placeholder such as `[TEMP]`, `[PORT]` or `[ENV]`.
//!
//! ```ignore
//! ark_snapshot!("plan_demo", Transcript::run(env.ark().args(["plan", "web"])).environment(&env.name));
//! ```
//!
//! Modelled on astral-sh/uv's `uv_snapshot!` (`crates/uv/tests/it/common/mod.rs`).

use assert_cmd::Command;
use std::path::Path;
use std::process::Command as Process;

/// One finished run of `ark`, ready to be compared with its snapshot.
pub struct Transcript {
    command_line: String,
    code: i32,
    stdout: String,
    stderr: String,
    filters: Vec<(String, String)>,
}

impl Transcript {
    /// Runs `command` (stdin closed, as in a script) and records what it printed. Help is
    /// wrapped at the same width wherever the test runs.
    pub fn run(command: &mut Command) -> Transcript {
        command.env("COLUMNS", "100");
        let (code, stdout, stderr) = super::output(command);
        Transcript::of(command_line(command), code, stdout, stderr)
    }

    /// A run recorded by the test itself (e.g. one it interrupted).
    pub fn of(command_line: String, code: i32, stdout: String, stderr: String) -> Transcript {
        assert!(
            !(stdout.contains('\u{1b}') || stderr.contains('\u{1b}')),
            "`{command_line}` wrote terminal escapes with NO_COLOR set and no terminal:\n{stdout}{stderr}"
        );
        let mut transcript = Transcript {
            command_line,
            code,
            stdout,
            stderr,
            filters: Vec::new(),
        };
        transcript = transcript.literal(&super::repo().display().to_string(), "[REPO]");
        transcript.filter(r"/tmp/\.tmp[A-Za-z0-9]+", "[TEMP]")
    }

    /// Replaces what `pattern` (a regex) matches; `$1` in `replacement` is its first group.
    pub fn filter(mut self, pattern: &str, replacement: &str) -> Transcript {
        self.filters
            .push((pattern.to_owned(), replacement.to_owned()));
        self
    }

    /// Replaces `text` exactly.
    pub fn literal(self, text: &str, replacement: &str) -> Transcript {
        self.filter(&regex::escape(text), replacement)
    }

    /// The test's unique environment name becomes `[ENV]` (also inside a longer name).
    pub fn environment(self, name: &str) -> Transcript {
        self.literal(name, "[ENV]")
    }

    /// What differs between two runs against an engine: elapsed times, published ports,
    /// container addresses, image content hashes and ids.
    pub fn engine(self) -> Transcript {
        self.filter(r"\b\d+(?:\.\d+)?(?:ms|s)\b", "[TIME]")
            .filter(r"\b127\.0\.0\.1:\d+\b", "127.0.0.1:[PORT]")
            .filter(r"\b(?:\d{1,3}\.){3}\d{1,3}:\d+\b", "[IP]:[PORT]")
            .filter(
                r"\bark-local/([a-z0-9._-]+):[0-9a-f]{12}\b",
                "ark-local/$1:[HASH]",
            )
            .filter(r"\b(?:[0-9a-f]{64}|[0-9a-f]{12})\b", "[ID]")
    }

    /// The filters, in the order insta applies them.
    pub fn filters(&self) -> &[(String, String)] {
        &self.filters
    }

    /// The snapshot's text: `$ ark …`, the exit code, then stdout and stderr.
    pub fn text(&self) -> String {
        format!(
            "$ {}\nexit code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.command_line, self.code, self.stdout, self.stderr
        )
    }
}

/// Compares a [`Transcript`] with `tests/snapshots/<test file>__<name>.snap`, its filters
/// applied. A macro, so insta names the snapshot after the calling test file.
#[macro_export]
macro_rules! ark_snapshot {
    ($name:expr, $transcript:expr) => {{
        let transcript: $crate::common::transcript::Transcript = $transcript;
        let mut settings = insta::Settings::clone_current();
        settings.set_omit_expression(true);
        for (pattern, replacement) in transcript.filters() {
            settings.add_filter(pattern, replacement.as_str());
        }
        settings.bind(|| insta::assert_snapshot!($name, transcript.text()));
    }};
}

/// `ark ARGS…` as a shell would read it, whatever the command's program path.
pub fn command_line(command: &Command) -> String {
    let args: Vec<String> = command
        .get_args()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    format!("ark {}", shell_words::join(args))
        .trim_end()
        .to_owned()
}

/// The same command as a `std::process::Command`, to spawn it and act while it runs.
pub fn spawnable(command: &Command) -> Process {
    let mut process = Process::new(command.get_program());
    process.args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => process.env(name, value),
            None => process.env_remove(name),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        process.current_dir(dir);
    }
    process
}

/// Copies a folder, recursively (a fixture catalog into a test's own folder).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
