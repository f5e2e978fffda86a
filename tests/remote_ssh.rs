//! `ssh://` engines against a real sshd on loopback (tests/common/ssh.rs) in front of the
//! real engine: the same commands work, one `start` logs in once, probes and URLs go through
//! that login, and a refused login is exit 4 with what to check.

mod common;

use common::engine::{engine_available, image, TestEnv};
use common::output;
use common::ssh::{Sshd, ALIAS};

fn apps() -> Vec<(&'static str, String)> {
    let db = format!(
        "run:\n  image: {}\nexpose:\n- name: default\n  port: 7000\n  health_check: {{type: tcp}}\n",
        image("tcp")
    );
    let web = common::engine::http_app("http", &["db"], "");
    vec![("db", db), ("web", web)]
}

fn test_env(tag: &str) -> TestEnv {
    let apps = apps();
    let borrowed: Vec<(&str, &str)> = apps.iter().map(|(a, t)| (*a, t.as_str())).collect();
    TestEnv::new(tag, &borrowed)
}

#[test]
fn start_status_logs_and_down_work_over_ssh_with_one_login() {
    if !engine_available() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let env = test_env("ssh");
    let ark = |args: &[&str]| {
        output(
            env.ark()
                .env("ARK_SSH_CONFIG", sshd.ssh_config())
                .env("DOCKER_HOST", sshd.url())
                .args(args)
                .args(["-e", &env.name]),
        )
    };

    let before = sshd.logins();
    let (code, _, stderr) = ark(&["-v", "start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(sshd.logins() - before, 1, "one start, one ssh login");
    assert!(
        stderr.contains(&format!("engine: ssh://{ALIAS} (from DOCKER_HOST)")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "readiness probes go to published ports on {ALIAS}, through the engine connection"
        )),
        "{stderr}"
    );
    // It really ran on the engine behind sshd (the same one docker talks to here).
    assert_eq!(env.container_ids().len(), 2);

    let (code, stdout, stderr) = ark(&["status", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let status: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let apps = status["apps"].as_array().unwrap();
    assert!(apps.iter().all(|a| a["ready"] == true), "{stdout}");
    let web = apps.iter().find(|a| a["app"] == "web").unwrap();
    let url = web["urls"][0]["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("http://{ALIAS}:")), "{url}");
    let port = url.rsplit(':').next().unwrap();
    assert_eq!(
        web["urls"][0]["reach"],
        format!("ssh -N -L {port}:127.0.0.1:{port} {ALIAS}"),
        "a port bound to the engine host's loopback says how to reach it"
    );

    let (code, stdout, stderr) = ark(&["logs", "--no-prefix", "db"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("tcp: echo server on :7000"), "{stdout}");

    let (code, stdout, stderr) = ark(&["metrics", "--no-stream", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let apps: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("one JSON object a line"))
        .filter(|row| row["mem_bytes"].as_u64().is_some_and(|m| m > 0))
        .map(|row| row["app"].as_str().unwrap_or("total").to_owned())
        .collect();
    assert_eq!(apps, ["db", "web", "total"], "{stdout}");

    let (code, _, stderr) = ark(&["down", "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(env.container_ids().is_empty());
}

#[test]
fn a_docker_context_can_point_at_ssh() {
    if !engine_available() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let config = tempfile::tempdir().unwrap();
    let created = std::process::Command::new("docker")
        .env("DOCKER_CONFIG", config.path())
        .args(["context", "create", "ark-ssh-test", "--docker"])
        .arg(format!("host={}", sshd.url()))
        .output()
        .expect("docker runs");
    assert!(created.status.success(), "{created:?}");
    let env = test_env("sshctx");
    let (code, stdout, stderr) = output(
        env.ark()
            .env("ARK_SSH_CONFIG", sshd.ssh_config())
            .env("DOCKER_CONFIG", config.path())
            .args(["-v", "--context", "ark-ssh-test", "status", "-o", "json"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "engine: ssh://{ALIAS} (from context `ark-ssh-test` (--context))"
        )),
        "{stderr}"
    );
    serde_json::from_str::<serde_json::Value>(&stdout).expect("status answered in JSON");
}

#[test]
fn a_refused_login_is_exit_4_saying_what_to_check() {
    let Some(sshd) = Sshd::start() else { return };
    let env = test_env("sshdenied");
    // No such user on the server: sshd refuses the key.
    let url = format!("ssh://ark-no-such-user@{ALIAS}");
    let (code, _, stderr) = output(
        env.ark()
            .env("ARK_SSH_CONFIG", sshd.ssh_config())
            .args(["-H", &url, "status", "-e", &env.name]),
    );
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach the container engine at {url}")),
        "{stderr}"
    );
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Check that `ssh ark-no-such-user@{ALIAS}` works without a prompt"
        )),
        "{stderr}"
    );
}

#[test]
fn a_socket_that_cannot_be_forwarded_falls_back_to_dial_stdio() {
    if !engine_available() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let env = test_env("sshdial");
    // Nothing listens at this path: the forward fails, `docker system dial-stdio` answers.
    let url = format!("ssh://{ALIAS}/run/ark-no-such-engine.sock");
    let before = sshd.logins();
    let (code, stdout, stderr) = output(
        env.ark()
            .env("ARK_SSH_CONFIG", sshd.ssh_config())
            .args(["-H", &url, "status", "-o", "json"]),
    );
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str::<serde_json::Value>(&stdout).expect("status answered in JSON");
    assert_eq!(sshd.logins() - before, 1, "the fallback reuses the login");
}

#[test]
fn a_local_build_sends_its_context_over_ssh_once() {
    if !engine_available() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    image("http"); // seeds busybox:latest when missing
    let definition = "expose:\n- name: http\n  port: 8080\n  health_check: {type: http, path: /_health}\nbuild:\n  docker:\n    file: Dockerfile\n";
    let env = TestEnv::new("sshbuild", &[("svc", definition)]);
    let checkout = env.dir.path().join("apps/svc");
    common::write(
        &checkout.join("Dockerfile"),
        "FROM busybox:latest\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    );
    common::write(&checkout.join("www/_health"), "ok\n");
    common::write(&checkout.join("www/blob"), &"x".repeat(3 << 20));
    let start = || {
        output(
            env.ark()
                .env("ARK_SSH_CONFIG", sshd.ssh_config())
                .env("DOCKER_HOST", sshd.url())
                .args(["start", "svc", "-l", "--progress", "json", "-e", &env.name]),
        )
    };
    let sent = |stderr: &str| -> Vec<String> {
        stderr
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|e| e["detail"].as_str().map(str::to_owned))
            .filter(|d| d.starts_with("sending context: "))
            .collect()
    };

    let (code, _, stderr) = start();
    assert_eq!(code, 0, "{stderr}");
    let tag = common::engine::docker(&[
        "inspect",
        "-f",
        "{{index .Config.Labels \"dev.ark.image\"}}",
        &env.container("svc"),
    ]);
    let _remove_image = common::engine::ImageGuard(vec![tag]);
    let progress = sent(&stderr);
    let last = progress.last().unwrap_or_else(|| panic!("{stderr}"));
    let (done, total) = last
        .trim_start_matches("sending context: ")
        .split_once(" of ")
        .unwrap();
    assert_eq!(done, total, "the whole context went: {progress:?}");
    assert!(total.ends_with("MiB"), "{last}");

    let (code, _, stderr) = start();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        sent(&stderr).is_empty(),
        "an unchanged checkout sends nothing: {stderr}"
    );
    // The container goes first, so the image can go with the guard.
    let (code, _, stderr) = output(
        env.ark()
            .env("ARK_SSH_CONFIG", sshd.ssh_config())
            .env("DOCKER_HOST", sshd.url())
            .args(["down", "--yes", "-e", &env.name]),
    );
    assert_eq!(code, 0, "{stderr}");
}
