//! Environments bound to a target (`target:` in the environment file), against the real
//! engine reached over TCP through a socat proxy — a stand-in for a remote engine, so a
//! command that used the local socket instead would be caught when the proxy stops.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{docker, docker_try, engine_available, http_app, TcpProxy, TestEnv};
use common::output;
use serde_json::Value;

/// Where the local socket is not: a DOCKER_HOST that a target must beat.
const NOWHERE: &str = "unix:///nonexistent/ark-targets.sock";

fn label(network: &str, key: &str) -> String {
    docker(&[
        "network",
        "inspect",
        "-f",
        &format!("{{{{index .Labels \"{key}\"}}}}"),
        network,
    ])
}

/// The row of a JSON array whose `key` is `name`.
fn row_of<'a>(rows: &'a Value, key: &str, name: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == name)
        .unwrap_or_else(|| panic!("{name} in {rows}"))
}

#[test]
fn an_environment_bound_to_a_target_runs_there_whatever_docker_host_says() {
    if !engine_available() {
        return;
    }
    let Some(mut proxy) = TcpProxy::start() else {
        return;
    };
    let target = proxy.url();
    let env = TestEnv::new("target", &[("web", &http_app("http", &[], ""))]);
    env.environment_file(&format!("# where it runs\ntarget: {target}\n"));
    let name = env.name.clone();
    let ark = || {
        let mut command = env.ark();
        command.env("DOCKER_HOST", NOWHERE);
        command
    };

    // start: no flag, a DOCKER_HOST that leads nowhere, and yet it runs — on the target.
    let (code, _, stderr) =
        output(ark().args(["start", "-e", &name, "web", "--progress", "plain"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "note: environment `{name}` runs on its target {target}; ignoring {NOWHERE} from DOCKER_HOST"
        )),
        "{stderr}"
    );
    let network = format!("ark_{name}");
    assert_eq!(label(&network, "dev.ark.target"), target);
    assert_eq!(label(&network, "dev.ark.engine"), target);

    // status without -e: per engine; the settings' engine (DOCKER_HOST) is unreachable, which
    // is a line of its own, not a failure, since the target answered.
    let (code, stdout, stderr) = output(ark().args(["status", "-o", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    let row = row_of(&status["environments"], "environment", &name);
    assert_eq!(row["engine"], target.as_str(), "{status}");
    assert_eq!(row["target"], target.as_str(), "{status}");
    assert_eq!(row["running"], 1, "{status}");
    let engines = status["engines"].as_array().unwrap();
    assert_eq!(engines.len(), 2, "{status}");
    assert_eq!(engines[0]["engine"], NOWHERE);
    assert_eq!(engines[0]["reachable"], false);
    assert_eq!(engines[1]["engine"], target.as_str());
    assert_eq!(engines[1]["reachable"], true);
    assert_eq!(engines[1]["targets"][0]["environment"], name.as_str());

    let (code, stdout, stderr) = output(ark().arg("status"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!(
            "engine: {NOWHERE} (from DOCKER_HOST)\nunreachable: cannot reach the container engine at {NOWHERE}"
        )),
        "{stdout}"
    );
    let group = stdout
        .split(&format!("engine: {target} (target of `{name}`)\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("a group for the target in:\n{stdout}"));
    assert!(group.starts_with("ENVIRONMENT"), "{stdout}");
    assert!(
        group.lines().any(|l| l.starts_with(&format!("{name} "))),
        "{stdout}"
    );

    // envs: where each environment runs, and what runs of it there.
    let (code, stdout, stderr) = output(ark().args(["envs", "-o", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let envs: Value = serde_json::from_str(&stdout).unwrap();
    let row = row_of(&envs, "name", &name);
    assert_eq!(row["target"], target.as_str(), "{envs}");
    assert_eq!(row["engine"], target.as_str(), "{envs}");
    assert_eq!(row["running"], true, "{envs}");
    assert_eq!(row["apps_running"], 1, "{envs}");
    let (code, stdout, _) = output(ark().arg("envs"));
    assert_eq!(code, 0);
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains(&target) && line.ends_with("1 apps"),
        "{stdout}"
    );

    // -H beats the target, and says so even without -v.
    let (code, stdout, stderr) =
        output(ark().args(["-H", "unix:///var/run/docker.sock", "status", "-e", &name]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "note: environment `{name}` targets {target}; using unix:///var/run/docker.sock (from -H/--host) instead\n"
        )
    );
    assert!(
        stdout.starts_with("engine: unix:///var/run/docker.sock (from --host)\nAPP "),
        "{stdout}"
    );
    let (code, stdout, stderr) = output(ark().args(["status", "-e", &name, "-o", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let one: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(one["engine"], target.as_str(), "{one}");

    // down on a remote engine: nobody to ask (no terminal) and no --yes is a usage error.
    let (code, _, stderr) = output(ark().args(["down", "-e", &name]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("pass --yes"), "{stderr}");
    assert_eq!(env.container_ids().len(), 1, "nothing was removed");
    let (code, _, stderr) =
        output(ark().args(["down", "-e", &name, "--yes", "--progress", "plain"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(env.container_ids().is_empty());
    assert!(
        !docker_try(&["network", "inspect", &network]).0,
        "the network is gone"
    );

    // With the proxy gone, the target is unreachable: exit 4 naming it, never a quiet
    // fallback to the local socket.
    proxy.stop();
    let (code, _, stderr) = output(env.ark().args(["status", "-e", &name]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot reach the container engine at {target} (from target of environment `{name}`)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: start that engine, or change `target:` in the environment's file"),
        "{stderr}"
    );
}

#[test]
fn a_target_naming_an_unknown_context_is_an_error_naming_the_file_and_the_context() {
    let docker_config = tempfile::tempdir().unwrap();
    let dir = common::tree(&[(
        "environments/shared.yml",
        "env: {A: b}\ntarget: no-such-context\n",
    )]);
    let (code, _, stderr) = output(
        common::ark()
            .current_dir(dir.path())
            .env("DOCKER_CONFIG", docker_config.path())
            .args(["stop", "-e", "shared"]),
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(
            "error: environments/shared.yml:2: target: docker context `no-such-context` not found"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: environment `shared` runs where `target:` says"),
        "{stderr}"
    );
}

#[test]
fn envs_says_which_target_does_not_answer_and_goes_on() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gone = format!("tcp://127.0.0.1:{closed}");
    let dir = common::tree(&[
        ("environments/gone.yml", &format!("target: {gone}\n")),
        ("environments/here.yml", ""),
    ]);
    let ark = || {
        let mut command = common::ark();
        command.current_dir(dir.path()).env("DOCKER_HOST", NOWHERE);
        command
    };
    let (code, stdout, stderr) = output(ark().arg("envs"));
    assert_eq!(code, 0, "{stderr}");
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{stdout}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        stdout
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["NAME", "EXTENDS", "TARGET", "FILE", "RUNNING"]
    );
    assert_eq!(row("gone")[2], gone);
    assert_eq!(row("gone")[4], "unreachable");
    assert_eq!(row("here")[2], "default");

    // status with no engine answering has nothing to show: exit 4, each engine named.
    let (code, stdout, _) = output(ark().arg("status"));
    assert_eq!(code, 4);
    assert!(
        stdout.contains(&format!("engine: {gone} (target of `gone`)\nunreachable: ")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "engine: {NOWHERE} (from DOCKER_HOST)\nunreachable: "
        )),
        "{stdout}"
    );
}
