//! The engine crashes mid-start: a test-owned dockerd (`common::own_engine`, never this
//! machine's engine) is SIGKILLed at several points of a ten-app start — while containers
//! are made, and while they start — then started again, and the same `ark start` is run
//! again. Each re-run must converge: exit 0, every app running and ready, a container the
//! engine cannot start any more made again with the plan's reason in the progress, and a
//! third start finding nothing to change. Every trial runs; the failures are reported
//! together, with the figures (trials / converged) on stderr.

mod common;

use common::own_engine::OwnEngine;
use common::{output, tree};
use serde_json::Value;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Ten apps: a base, four on it, four on those, and a top on all: starts go on in waves,
/// so every kill point below falls while some apps are starting and others wait.
fn catalog() -> tempfile::TempDir {
    let app = |deps: &[String]| {
        let deps = if deps.is_empty() {
            "[]".to_owned()
        } else {
            format!("[{}]", deps.join(", "))
        };
        format!(
            "run:\n  type: docker\n  image: busybox:latest\n  command: [httpd, -f, -p, \"8080\"]\n\
             expose:\n- name: http\n  port: 8080\n  health_check:\n    type: tcp\n\
             dependencies: {deps}\n"
        )
    };
    let name = |i: usize| format!("a{i:02}");
    let mut files = vec![(format!("apps/{0}/launch/{0}.yml", name(1)), app(&[]))];
    for i in 2..=5 {
        files.push((format!("apps/{0}/launch/{0}.yml", name(i)), app(&[name(1)])));
    }
    for i in 6..=9 {
        files.push((
            format!("apps/{0}/launch/{0}.yml", name(i)),
            app(&[name(i - 4)]),
        ));
    }
    let middle: Vec<String> = (6..=9).map(name).collect();
    files.push((format!("apps/{0}/launch/{0}.yml", name(10)), app(&middle)));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    tree(&borrowed)
}

/// When the daemon is killed: once this many containers exist, or run.
#[derive(Debug, Clone, Copy)]
enum KillPoint {
    Created(usize),
    Running(usize),
}

const KILL_POINTS: [KillPoint; 9] = [
    KillPoint::Created(6),
    KillPoint::Running(1),
    KillPoint::Running(2),
    KillPoint::Running(3),
    KillPoint::Running(4),
    KillPoint::Running(5),
    KillPoint::Running(6),
    KillPoint::Running(7),
    KillPoint::Running(8),
];

/// How many containers the engine has (`-a`: made, else running), `None` when it does not
/// answer.
fn count(engine: &OwnEngine, all: bool) -> Option<usize> {
    let args: &[&str] = if all { &["ps", "-aq"] } else { &["ps", "-q"] };
    let (ok, out) = engine.docker(args);
    ok.then(|| out.lines().filter(|l| !l.is_empty()).count())
}

/// Waits until `point` is reached (true), or the start ended first (false).
fn await_point(engine: &OwnEngine, start: &mut Child, point: KillPoint) -> bool {
    let began = Instant::now();
    loop {
        let reached = match point {
            KillPoint::Created(k) => count(engine, true).is_some_and(|n| n >= k),
            KillPoint::Running(k) => count(engine, false).is_some_and(|n| n >= k),
        };
        if reached {
            return true;
        }
        if start.try_wait().ok().flatten().is_some() {
            return false;
        }
        assert!(
            began.elapsed() < Duration::from_secs(120),
            "{point:?} never came"
        );
        // The docker CLI round trip is the poll interval; this only spares a core.
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `ark ARGS…` on the engine, with the catalog in `dir`: exit code, stdout, stderr.
fn ark_in(engine: &OwnEngine, dir: &tempfile::TempDir, args: &[&str]) -> (i32, String, String) {
    let mut command = engine.ark();
    command
        .current_dir(dir.path())
        .args(["--apps", "apps"])
        .args(args);
    output(&mut command)
}

/// Every app of `environment`, as `ark status -o json` has it: (app, state, ready).
fn status(
    engine: &OwnEngine,
    dir: &tempfile::TempDir,
    environment: &str,
) -> Vec<(String, String, bool)> {
    let (code, stdout, stderr) = ark_in(engine, dir, &["status", "-e", environment, "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let status: Value = serde_json::from_str(&stdout).expect("status is JSON");
    status["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .map(|a| {
            (
                a["app"].as_str().unwrap_or_default().to_owned(),
                a["state"].as_str().unwrap_or_default().to_owned(),
                a["ready"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// Why a recreation after a crash may happen, as the plan says it.
const CRASH_REASONS: [&str; 2] = [
    "the engine cannot start the old container",
    "the engine lost the old container's network",
];

/// One trial: a start of `environment`, the daemon killed at `point`, started again, and
/// the same start run again. How many apps the re-run made again, or why it did not
/// converge.
#[allow(clippy::print_stderr)] // the figures are the report's
fn crash_and_rerun(
    engine: &mut OwnEngine,
    dir: &tempfile::TempDir,
    environment: &str,
    point: KillPoint,
) -> Result<usize, String> {
    let start = ["--apps", "apps", "start", "-e", environment, "a10"];
    let began = Instant::now();
    let mut first = engine
        .ark_process()
        .current_dir(dir.path())
        .args(start)
        .args(["--progress", "plain"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ark starts");
    let cut_short = await_point(engine, &mut first, point);
    assert!(cut_short, "{point:?}: the start ended before it");
    let killed_at = began.elapsed();
    engine.kill("KILL");
    let _ = first.wait();
    engine.restart();

    let again = Instant::now();
    // Ready takes these apps well under a second: a bounded wait keeps a failing trial short.
    let (code, _, stderr) = ark_in(
        engine,
        dir,
        &[&start[2..], &["--progress", "plain", "--timeout", "30s"]].concat(),
    );
    let took = again.elapsed();
    let apps = status(engine, dir, environment);
    let ready = apps
        .iter()
        .filter(|(_, state, ready)| state == "running" && *ready)
        .count();
    let recreations: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("recreating"))
        .collect();
    eprintln!(
        "{environment} ({point:?}, killed {:.1}s in): re-run exit {code} in {:.1}s, {ready} of {} running and ready, {} made again",
        killed_at.as_secs_f64(),
        took.as_secs_f64(),
        apps.len(),
        recreations.len()
    );
    if code != 0 || ready != 10 {
        return Err(format!(
            "{point:?}: exit {code}, {ready} of 10 ready: {stderr}"
        ));
    }
    // Every recreation after the crash says why.
    if let Some(unexplained) = recreations
        .iter()
        .find(|l| !CRASH_REASONS.iter().any(|r| l.contains(r)))
    {
        return Err(format!("{point:?}: {unexplained}"));
    }
    // And once converged, it stays: nothing to change.
    let (code, _, stderr) = ark_in(engine, dir, &start[2..]);
    if code != 0 || !stderr.contains("nothing to change") {
        return Err(format!(
            "{point:?}: a third start changed something: {stderr}"
        ));
    }
    Ok(recreations.len())
}

#[test]
#[allow(clippy::print_stderr)] // the figures are the report's
fn a_start_cut_short_by_an_engine_crash_converges_when_run_again() {
    let Some(mut engine) = OwnEngine::start() else {
        return;
    };
    let dir = catalog();
    // busybox is made on the engine once, before the trials, so that no trial's kill point
    // falls in the seeding.
    let (code, _, stderr) = ark_in(
        &engine,
        &dir,
        &["start", "-e", "warm", "a01", "--progress", "plain"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = ark_in(&engine, &dir, &["down", "-e", "warm", "--yes"]);
    assert_eq!(code, 0, "{stderr}");

    // `ARK_FAULT_ROUNDS=N` goes through the kill points N times, for figures.
    let rounds: usize = std::env::var("ARK_FAULT_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let points: Vec<KillPoint> = (0..rounds).flat_map(|_| KILL_POINTS).collect();
    let mut failures = Vec::new();
    let mut remade = 0;
    for (trial, point) in points.iter().enumerate() {
        let environment = format!("crash-{trial}");
        match crash_and_rerun(&mut engine, &dir, &environment, *point) {
            Ok(recreated) => remade += usize::from(recreated > 0),
            Err(why) => failures.push(why),
        }
        let (code, _, stderr) = ark_in(&engine, &dir, &["down", "-e", &environment, "--yes"]);
        assert_eq!(code, 0, "{stderr}");
    }
    eprintln!(
        "engine killed mid-start: {} of {} re-runs converged ({remade} made a container again)",
        points.len() - failures.len(),
        points.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        remade > 0,
        "no trial left a container the engine could not start: the kill points missed the fault"
    );
}
