//! An engine whose containers live in another network namespace, reached over its unix
//! socket — rootless Docker's shape: its container IPs are not routable from the host, its
//! published ports are (its port driver forwards them). Readiness finds its way from what
//! works, not from the URL's scheme. The engine is a test-owned dockerd (`OwnEngine`) with
//! rootlesskit's port forwarding emulated (`PortDriver`); ark runs outside its namespace.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::own_engine::OwnEngine;
use common::port_driver::{NoRoute, PortDriver};
use common::{ark_isolated, output, repo};
use serde_json::Value;
use std::time::Duration;

/// `ark` outside the engine's namespace, talking to it over its socket.
fn ark_outside(engine: &OwnEngine) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("ark").expect("the ark binary is built");
    ark_isolated(&mut command);
    command
        .env("DOCKER_HOST", engine.docker_host())
        .current_dir(repo());
    command
}

#[test]
fn a_rootless_style_engine_is_probed_through_its_published_ports() {
    // An address pool of its own, which no route of this machine leads into (its own
    // engine has bridges on 172.x).
    let Some(engine) =
        OwnEngine::start_with(&["--default-address-pool", "base=10.213.0.0/16,size=24"])
    else {
        return;
    };
    let _no_route = NoRoute::to("10.213.0.0/16");
    let _driver = PortDriver::start(&engine);

    let (code, _, stderr) = output(ark_outside(&engine).args([
        "start",
        "-e",
        "demo",
        "web",
        "-v",
        "--progress",
        "plain",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("environment `demo`: 4 apps ready (4 started"),
        "{stderr}"
    );
    assert!(
        stderr.contains("readiness probes went to published ports on 127.0.0.1: container IPs (local engine) are not reachable from here ("),
        "-v says which route the probes took, and why: {stderr}"
    );

    // The setup is faithful: the containers' own IPs lead nowhere from here.
    let (ok, ip) = engine.docker(&[
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        "ark_demo_web",
    ]);
    assert!(ok && !ip.is_empty(), "web has an IP: {ip:?}");
    let address = format!("{ip}:8080").parse().expect("an IP and a port");
    assert!(
        std::net::TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_err(),
        "{address} is not reachable from outside the engine's namespace"
    );

    // `status`, asked from here too, finds every app ready the same way.
    let (code, stdout, stderr) =
        output(ark_outside(&engine).args(["status", "-e", "demo", "-o", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let status: Value = serde_json::from_str(&stdout).expect("status JSON");
    let apps = status["apps"].as_array().expect("apps");
    assert_eq!(apps.len(), 4, "{status}");
    for app in apps {
        assert_eq!(app["ready"], true, "{app}");
    }
}
