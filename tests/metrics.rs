//! `ark metrics` (alias `top`) against the real Docker engine.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{engine_available, image, TestEnv};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An app running `command` (a YAML flow list) in the `http` test image, no readiness check.
fn app(command: &str, extra: &str) -> String {
    format!(
        "run:\n  image: {}\n  command: {command}\n{extra}",
        image("http")
    )
}

const BUSY: &str = "[sh, -c, 'while :; do :; done']";
const IDLE: &str = "[sleep, '3600']";

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn a_snapshot_shows_busy_above_idle_the_memory_limit_and_a_summed_total() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "metrics",
        &[
            ("busy", &app(BUSY, "resources: {max_mem: 0.064}\n")),
            ("idle", &app(IDLE, "")),
        ],
    );
    let (code, _, stderr) = env.run(&["start", "busy", "idle", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");

    let (code, stdout, stderr) = env.run(&["metrics", "--no-stream", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let rows = json_lines(&stdout);
    assert_eq!(rows.len(), 3, "{stdout}");
    let (busy, idle, total) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(busy["app"], "busy");
    assert_eq!(idle["app"], "idle");

    // Every field, with its type.
    for row in [busy, idle] {
        let object = row.as_object().unwrap();
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "ts",
                "app",
                "cpu_percent",
                "mem_bytes",
                "mem_limit_bytes",
                "mem_percent",
                "net_rx_bytes",
                "net_tx_bytes",
                "block_read_bytes",
                "block_write_bytes",
                "pids"
            ]
        );
        let ts = row["ts"].as_str().unwrap();
        assert!(
            ts.len() == 30 && ts.ends_with('Z'),
            "RFC 3339 with ns: {ts}"
        );
        assert!(row["cpu_percent"].is_f64() || row["cpu_percent"].is_u64());
        assert!(row["mem_percent"].is_number());
        for key in [
            "mem_bytes",
            "mem_limit_bytes",
            "net_rx_bytes",
            "net_tx_bytes",
            "block_read_bytes",
            "block_write_bytes",
            "pids",
        ] {
            assert!(row[key].is_u64(), "{key} in {row}");
        }
        assert!(row["pids"].as_u64().unwrap() >= 1, "{row}");
    }

    // A busy loop uses about a core; sleep uses nothing. Loose bounds: CI machines are busy.
    let cpu = |row: &Value| row["cpu_percent"].as_f64().unwrap();
    assert!(cpu(busy) > 30.0, "busy: {busy}");
    assert!(cpu(idle) < 5.0, "idle: {idle}");
    assert!(cpu(busy) > 10.0 * cpu(idle).max(0.1), "{busy} vs {idle}");

    // resources.max_mem: 0.064 (GB) → a 64,000,000-byte limit.
    assert_eq!(busy["mem_limit_bytes"], 64_000_000);
    assert!(busy["mem_bytes"].as_u64().unwrap() < 64_000_000);

    // The total row sums the rows.
    assert_eq!(total["app"], Value::Null);
    assert_eq!(total["total"], true);
    for key in [
        "mem_bytes",
        "mem_limit_bytes",
        "net_rx_bytes",
        "net_tx_bytes",
        "block_read_bytes",
        "block_write_bytes",
        "pids",
    ] {
        assert_eq!(
            total[key].as_u64().unwrap(),
            busy[key].as_u64().unwrap() + idle[key].as_u64().unwrap(),
            "{key}"
        );
    }
    assert!((cpu(total) - cpu(busy) - cpu(idle)).abs() < 1e-6);
    let mem_percent =
        total["mem_bytes"].as_f64().unwrap() / total["mem_limit_bytes"].as_f64().unwrap() * 100.0;
    assert!((total["mem_percent"].as_f64().unwrap() - mem_percent).abs() < 1e-6);

    // The table form, through the `top` alias.
    let (code, stdout, stderr) = env.run(&["top", "--no-stream"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("APP "), "{stdout}");
    assert!(lines[1].starts_with("busy "), "{stdout}");
    assert!(lines[2].starts_with("idle "), "{stdout}");
    assert!(lines[3].starts_with("(total) "), "{stdout}");

    // Naming apps narrows the watch; an unknown one is exit 3 with a suggestion.
    let (code, stdout, _) = env.run(&["metrics", "idle", "--no-stream", "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(json_lines(&stdout).len(), 2, "{stdout}");
    let (code, _, stderr) = env.run(&["metrics", "bussy", "--no-stream"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("`bussy` is not part of"), "{stderr}");
    assert!(stderr.contains("did you mean `busy`"), "{stderr}");
}

#[test]
fn apps_that_start_or_stop_while_watching_appear_and_disappear() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "metrics-watch",
        &[("first", &app(IDLE, "")), ("late", &app(IDLE, ""))],
    );
    let (code, _, stderr) = env.run(&["start", "first", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");

    // Piped, so one JSON line per app per sample, read as they come.
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("ark"));
    command
        .current_dir(env.dir.path())
        .args(["--apps", "apps", "--environments", "environments"])
        .args(["metrics", "-o", "json", "-e", &env.name])
        .env("ARK_CONFIG", "/nonexistent/ark-config.yml")
        .env_remove("DOCKER_HOST")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().unwrap();
    let lines: Arc<Mutex<Vec<(Instant, Value)>>> = Arc::default();
    let reader = {
        let lines = Arc::clone(&lines);
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap();
                lines.lock().unwrap().push((Instant::now(), value));
            }
        })
    };
    let apps_since = |since: Instant| -> Vec<String> {
        let lines = lines.lock().unwrap();
        let mut apps: Vec<String> = lines
            .iter()
            .filter(|(at, _)| *at > since)
            .filter_map(|(_, v)| v["app"].as_str().map(str::to_owned))
            .collect();
        apps.sort();
        apps.dedup();
        apps
    };
    let wait_for = |what: &str, check: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !check() {
            assert!(Instant::now() < deadline, "timed out waiting: {what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    };

    let start = Instant::now();
    wait_for("first", &|| apps_since(start) == ["first"]);

    let (code, _, stderr) = env.run(&["start", "late", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let started = Instant::now();
    wait_for("late appears", &|| {
        apps_since(started).contains(&"late".to_owned())
    });

    let (code, _, stderr) = env.run(&["stop", "first", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    // Give the watch one listing (2 s) and a sample to notice, then only `late` is shown.
    std::thread::sleep(Duration::from_secs(4));
    let settled = Instant::now();
    wait_for("only late", &|| apps_since(settled) == ["late"]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(apps_since(settled), ["late"]);

    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    // Every round of samples ends with a total.
    let lines = lines.lock().unwrap();
    assert!(lines.iter().any(|(_, v)| v["total"] == true));
    assert!(lines
        .iter()
        .all(|(_, v)| v["app"].is_string() || v["total"] == true));
}
