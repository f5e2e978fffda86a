//! Hardening, against the real engine: what `ark status` says about bound addresses, what
//! labels give away, and what a build context costs.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{docker, engine_available, http_app, TestEnv};
use serde_json::Value;

#[test]
fn status_shows_the_address_a_port_is_bound_to() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("bind2", &[("web", &http_app("http", &[], ""))]);
    env.environment_file("bind: 127.0.0.2\n");
    let (code, _, stderr) = env.run(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let bindings = docker(&[
        "inspect",
        "-f",
        "{{json .HostConfig.PortBindings}}",
        &env.container("web"),
    ]);
    assert!(bindings.contains(r#""HostIp":"127.0.0.2""#), "{bindings}");

    let (code, stdout, stderr) = env.run(&["status", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    let url = status["apps"][0]["urls"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.2:"), "{status}");
    assert_eq!(status["apps"][0]["ready"], true, "{status}");

    let (code, stdout, _) = env.run(&["status"]);
    assert_eq!(code, 0);
    assert!(stdout.contains(&url), "{stdout}");
    // The URL works as shown.
    let port = url.rsplit(':').next().unwrap();
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.2:{port}")).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /_health HTTP/1.0\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1."), "{answer}");
}

/// The label a container or network of the test's environment carries.
fn label_of(object: &str, key: &str) -> String {
    docker(&[
        "inspect",
        "-f",
        &format!("{{{{index .Labels \"{key}\"}}}}"),
        object,
    ])
}

fn container_label(container: &str, key: &str) -> String {
    docker(&[
        "inspect",
        "-f",
        &format!("{{{{index .Config.Labels \"{key}\"}}}}"),
        container,
    ])
}

#[test]
fn fingerprints_are_keyed_per_environment_and_still_say_what_changed() {
    if !engine_available() {
        return;
    }
    let app = http_app("http", &[], "env: [DB_PASSWORD]\n");
    let env = TestEnv::new("fpkey", &[("web", &app)]);
    env.environment_file("env: {DB_PASSWORD: pw-hunter2-AAA}\n");
    let (code, _, stderr) = env.run(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");

    let key = label_of(&format!("ark_{}", env.name), "dev.ark.fingerprint-key");
    assert!(
        key.len() == 64 && key.chars().all(|c| c.is_ascii_hexdigit()),
        "a random key on the network: {key:?}"
    );
    let fingerprint: Value = serde_json::from_str(&container_label(
        &env.container("web"),
        "dev.ark.fingerprint",
    ))
    .unwrap();
    let hash = fingerprint["env.DB_PASSWORD"].as_str().unwrap();
    // sha256("pw-hunter2-AAA")[:12], what the label held before: checkable against a guess.
    assert_ne!(hash, "f51fc7264f2b", "{fingerprint}");
    assert!(!key.contains(hash) && !fingerprint.to_string().contains(&key));

    // The key is read back: nothing changed, nothing to do…
    let (code, _, stderr) = env.run(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing to change"), "{stderr}");
    // …and a changed value is named.
    let (code, stdout, stderr) = env.run(&[
        "start",
        "web",
        "--dry-run",
        "--set",
        "DB_PASSWORD=pw-hunter2-BBB",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("rollover: env DB_PASSWORD changed"),
        "{stdout}"
    );

    // Another environment with the same value gets another hash.
    let other = TestEnv::new("fpkey", &[("web", &app)]);
    other.environment_file("env: {DB_PASSWORD: pw-hunter2-AAA}\n");
    let (code, _, stderr) = other.run(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let theirs: Value = serde_json::from_str(&container_label(
        &other.container("web"),
        "dev.ark.fingerprint",
    ))
    .unwrap();
    assert_ne!(theirs["env.DB_PASSWORD"], fingerprint["env.DB_PASSWORD"]);
}

#[test]
fn a_network_from_before_keys_gets_a_stable_key_of_its_own() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("fpold", &[("web", &http_app("http", &[], ""))]);
    // The network as ark made it before keys: its environment label, no key.
    docker(&[
        "network",
        "create",
        "--label",
        &format!("dev.ark.environment={}", env.name),
        &format!("ark_{}", env.name),
    ]);
    let (code, _, stderr) = env.run(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = env.run(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing to change"), "{stderr}");
}

#[test]
fn a_dry_run_with_a_context_elsewhere_names_that_folder_and_builds_nothing() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "ctx",
        &[("svc", "build:\n  docker:\n    file: Dockerfile\n")],
    );
    // A checkout of its own, outside the apps folder.
    let elsewhere = tempfile::tempdir().unwrap();
    common::write(
        &elsewhere.path().join("Dockerfile"),
        "FROM busybox:latest\nCOPY . /ctx\n",
    );
    common::write(&elsewhere.path().join("data.txt"), "payload\n");
    let local = format!("svc={}", elsewhere.path().display());
    let (code, stdout, stderr) = env.run(&["start", "svc", "-l", &local, "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!(
            "(built from {} with Dockerfile when missing)",
            elsewhere.path().display()
        )),
        "{stdout}"
    );
    let tag = stdout
        .split_whitespace()
        .find(|w| w.starts_with("ark-local/svc:"))
        .unwrap_or_else(|| panic!("a content tag in {stdout}"))
        .to_owned();
    let _cleanup = common::engine::ImageGuard(vec![tag.clone()]);
    let (found, _) = common::engine::docker_try(&["image", "inspect", &tag]);
    assert!(!found, "--dry-run built {tag}");
    assert!(
        env.container_ids().is_empty(),
        "--dry-run created containers"
    );
}

#[test]
fn a_streamed_context_builds_what_was_hashed() {
    if !engine_available() {
        return;
    }
    common::engine::image("http"); // seeds busybox:latest when missing
    let env = TestEnv::new(
        "stream",
        &[("svc", "expose:\n- name: http\n  port: 8080\n  health_check: {type: http, path: /_health}\nbuild:\n  docker:\n    file: Dockerfile\n")],
    );
    let repo = env.dir.path().join("apps/svc");
    common::write(
        &repo.join("Dockerfile"),
        "FROM busybox:latest\nCOPY www /www\nRUN test $(wc -c < /www/big.bin) -eq 3000000\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    );
    common::write(&repo.join("www/_health"), "streamed\n");
    // Larger than a few chunks, so it goes in many pieces.
    std::fs::write(repo.join("www/big.bin"), vec![b'x'; 3_000_000]).unwrap();
    let (code, _, stderr) = env.run(&["start", "svc", "-l", "--progress", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let tag = container_label(&env.container("svc"), "dev.ark.image");
    let _cleanup = common::engine::ImageGuard(vec![tag]);
    let sent: Vec<String> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|e| e["detail"].as_str().map(str::to_owned))
        .filter_map(|d| d.strip_prefix("sending context: ").map(str::to_owned))
        .collect();
    let last = sent.last().unwrap_or_else(|| panic!("{stderr}"));
    let (done, total) = last.split_once(" of ").unwrap();
    assert_eq!(done, total, "the whole context went: {sent:?}");
    let (code, stdout, _) = env.run(&["status", "-o", "json"]);
    assert_eq!(code, 0);
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["apps"][0]["ready"], true, "{status}");
}
