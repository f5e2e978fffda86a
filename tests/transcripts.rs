//! What a user sees, kept as transcripts: `--help` of every command, plans, every shape of
//! error report, and the plain progress of a real start and down. Each is compared with its
//! snapshot in `tests/snapshots/` (see `common::transcript`); a change to any output shows up
//! as a diff to review. Tests that need the engine skip without one, and fail under `CI=true`.

mod common;
use common::engine::{engine_available, http_app, TestEnv};
use common::running::Running;
use common::transcript::{copy_dir, Transcript};
use common::{ark, repo, tree};

/// An engine that is certainly not there.
const NO_ENGINE: &str = "unix:///nonexistent/docker.sock";

/// Progress lines about a probe that got no answer yet (refused, no address yet, closed):
/// how many there are before an app answers depends on how fast it starts. A probe that got
/// an answer (`probing GET /_health → 404`) stays.
const UNANSWERED_PROBES: &str = r"(?m)^\S+ +\| probing [^→\n]*\n";

/// `ark ARGS…` run in the repository, which holds the demo catalog (`environments/`).
fn in_repo(args: &[&str]) -> Transcript {
    Transcript::run(ark().current_dir(repo()).args(args))
}

/// The commands `ark --help` lists (without `help` itself).
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn help_of_ark_and_of_each_command() {
    let top = in_repo(&["--help"]);
    let listed = commands(&top.text());
    assert!(listed.len() > 10, "commands in `ark --help`: {listed:?}");
    ark_snapshot!("help", top);
    for command in listed {
        ark_snapshot!(format!("help_{command}"), in_repo(&[&command, "--help"]));
    }
}

#[test]
fn plan_of_the_demo_without_an_engine() {
    ark_snapshot!(
        "plan_demo_engine_not_consulted",
        in_repo(&["-H", NO_ENGINE, "plan", "-e", "demo", "web"])
    );
}

/// The demo catalog (`environments/apps`) in a test environment of its own, with the demo's
/// environment file as its own.
fn demo_environment() -> TestEnv {
    let env = TestEnv::new("tr-demo", &[]);
    copy_dir(
        &repo().join("environments/apps"),
        &env.dir.path().join("apps"),
    );
    env.environment_file(&std::fs::read_to_string(repo().join("environments/demo.yml")).unwrap());
    env
}

#[test]
fn plan_and_dry_run_of_a_fresh_environment_create_every_app() {
    if !engine_available() {
        return;
    }
    let env = demo_environment();
    for (name, args) in [
        ("plan_demo_fresh", &["plan", "-e", &env.name, "web"][..]),
        (
            "start_dry_run_demo_fresh",
            &["start", "--dry-run", "-e", &env.name, "web"][..],
        ),
    ] {
        ark_snapshot!(
            name,
            Transcript::run(env.ark().args(args))
                .environment(&env.name)
                .engine()
        );
    }
    assert!(
        env.container_ids().is_empty(),
        "plan and --dry-run create nothing"
    );
}

#[test]
fn error_invalid_definitions_point_at_file_line_and_column() {
    let dir = tree(&[
        // A wrong type: the error says where, and which type was expected.
        ("launch/api.yml", "expose:\n- name: http\n  port: eighty\n"),
        // A field missing: the error comes with how to write it.
        (
            "launch/web.yml",
            "expose:\n- name: http\n  health_check: {type: tcp}\n",
        ),
        // Not YAML.
        (
            "launch/db.yml",
            "env:\n  LOG_LEVEL: info\n  write\n  other: x\n",
        ),
        // Warnings: a key ark does not know, and a dependency with no definition.
        ("launch/worker.yml", "dependancies: [api]\n"),
        ("launch/cron.yml", "dependencies: [workr]\n"),
    ]);
    ark_snapshot!(
        "error_invalid_definitions",
        Transcript::run(ark().current_dir(dir.path()).arg("validate"))
    );
}

#[test]
fn error_unknown_app_suggests_the_closest() {
    ark_snapshot!(
        "error_unknown_app",
        in_repo(&["-H", NO_ENGINE, "plan", "-e", "demo", "wbe"])
    );
}

#[test]
fn error_usage_is_exit_2() {
    ark_snapshot!(
        "error_usage_unknown_flag",
        in_repo(&["plan", "--bogus", "web"])
    );
    ark_snapshot!(
        "error_usage_no_apps_without_a_terminal",
        in_repo(&["-H", NO_ENGINE, "start", "-e", "demo"])
    );
}

#[test]
fn error_unreachable_engine_is_exit_4() {
    ark_snapshot!(
        "error_engine_unreachable",
        in_repo(&["-H", NO_ENGINE, "status", "-e", "demo"])
    );
}

#[test]
fn error_secret_provider_that_fails_names_variable_file_line_command_and_its_words() {
    let dir = tree(&[
        ("launch/api.yml", "env:\n  DB_PASSWORD: ''\n  API_TOKEN: ''\n"),
        (
            "environments/dev.yml",
            "secrets:\n  API_TOKEN: {command: [printf, tok-5e3c1a]}\n  DB_PASSWORD: {command: [sh, -c, 'echo \"[ERROR] not signed in (token tok-5e3c1a)\" >&2; exit 1']}\n",
        ),
    ]);
    ark_snapshot!(
        "error_secret_provider_failed",
        Transcript::run(
            ark()
                .current_dir(dir.path())
                .args(["-H", NO_ENGINE, "start", "-e", "dev", "api"])
        )
    );
    // A declaration that cannot be read is the file's error, before any provider runs.
    std::fs::write(
        dir.path().join("environments/dev.yml"),
        "secrets:\n  DB_PASSWORD: {comand: [op, read, 'op://dev/db/password']}\napps:\n  api:\n    secrets:\n      API_TOKEN: {file: ~/.config/ark/token, env: TOKEN}\n",
    )
    .unwrap();
    ark_snapshot!(
        "error_secret_declarations",
        Transcript::run(
            ark()
                .current_dir(dir.path())
                .args(["validate", "-e", "dev"])
        )
    );
}

#[test]
fn error_dependency_cycle_shows_the_path() {
    let dir = tree(&[
        ("launch/a.yml", "dependencies: [b]\n"),
        ("launch/b.yml", "dependencies: [c]\n"),
        ("launch/c.yml", "dependencies: [a]\n"),
    ]);
    ark_snapshot!(
        "error_dependency_cycle",
        Transcript::run(ark().current_dir(dir.path()).args(["deps", "a"]))
    );
}

#[test]
fn start_plain_progress_then_down() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("tr-start", &[("web", &http_app("http", &[], ""))]);
    let run = |args: &[&str]| {
        Transcript::run(env.ark().args(args))
            .filter(UNANSWERED_PROBES, "")
            .environment(&env.name)
            .engine()
    };
    let name = env.name.as_str();
    ark_snapshot!(
        "start_plain_progress",
        run(&["start", "-e", name, "web", "--progress", "plain"])
    );
    ark_snapshot!(
        "start_again_changes_nothing",
        run(&["start", "-e", name, "web", "--progress", "plain"])
    );
    // A typo of a running environment's name: nothing on the engine (exit 3), and the
    // suggestion is the one that runs.
    ark_snapshot!(
        "error_nothing_on_the_engine",
        run(&["status", "-e", &format!("{name}x")])
    );
    ark_snapshot!(
        "down_plain_progress",
        run(&["down", "-e", name, "--progress", "plain"])
    );
    assert!(env.container_ids().is_empty());
}

#[test]
fn interrupted_start_is_exit_130() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("tr-sigint", &[("stuck", &http_app("never-ready", &[], ""))]);
    let mut command = env.ark();
    command.args(["start", "-e", &env.name, "stuck", "--progress", "plain"]);
    let start = Running::spawn(&command);
    // Ctrl-C once the app answers its probe with "not ready": ark is then waiting for
    // readiness, which never comes.
    start.until("that `stuck` answers its probe", |line| {
        line.contains("→ 404")
    });
    start.signal("INT");
    let (code, stdout, stderr) = start.finish();
    let command_line = format!(
        "{}\n# Ctrl-C once `stuck` answers its probe",
        common::transcript::command_line(&command)
    );
    ark_snapshot!(
        "interrupted_start",
        Transcript::of(command_line, code, stdout, stderr)
            .filter(UNANSWERED_PROBES, "")
            .environment(&env.name)
            .engine()
    );
}
