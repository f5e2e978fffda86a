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
