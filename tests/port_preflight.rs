//! The pinned-port preflight against the real Docker engine: a start whose pinned ports
//! cannot all be had stops before anything is created, naming the apps and the port.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{docker_try, engine_available, http_app, TestEnv};

/// A port nothing on this machine listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Asserts the engine has nothing of `env`: no container, no network.
fn assert_nothing_of(env: &TestEnv) {
    assert!(env.container_ids().is_empty(), "no container was created");
    let filter = format!("label=dev.ark.environment={}", env.name);
    let (_, networks) = docker_try(&["network", "ls", "-q", "--filter", &filter]);
    assert!(networks.is_empty(), "no network was created: {networks}");
}

#[test]
fn two_apps_pinned_to_one_port_stop_the_start_before_anything_is_created() {
    if !engine_available() {
        return;
    }
    let port = free_port();
    let app = http_app("http", &[], "");
    let env = TestEnv::new("twopin", &[("a1", &app), ("a2", &app), ("a3", &app)]);
    env.environment_file(&format!(
        "apps:\n  a1:\n    ports: {{http: {port}}}\n  a2:\n    ports: {{http: {port}}}\n"
    ));
    let (code, _, stderr) = env.run(&["start", "a1", "a2", "a3"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "127.0.0.1:{port} is pinned by both `a1` (http) and `a2` (http)"
        )),
        "{stderr}"
    );
    assert_nothing_of(&env);
}

#[test]
fn a_port_another_running_environment_holds_stops_the_start_before_anything_is_created() {
    if !engine_available() {
        return;
    }
    let port = free_port();
    let app = http_app("http", &[], "");
    let pinned = format!("apps:\n  web:\n    ports: {{http: {port}}}\n");
    let holder = TestEnv::new("holder", &[("web", &app)]);
    holder.environment_file(&pinned);
    let (code, _, stderr) = holder.run(&["start", "web"]);
    assert_eq!(code, 0, "{stderr}");

    let second = TestEnv::new("second", &[("web", &app)]);
    second.environment_file(&pinned);
    let (code, _, stderr) = second.run(&["start", "web"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "127.0.0.1:{port} (web http) is held by `web` of running environment `{}`",
            holder.name
        )),
        "{stderr}"
    );
    assert_nothing_of(&second);
}
