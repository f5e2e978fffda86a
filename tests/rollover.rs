//! Rollovers against the real Docker engine, as a user sees them: a client on the
//! environment's network asking the app for its version the whole time, `docker ps -a` for
//! the retired revisions and their labels, and ark's own words when a new revision fails.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{docker, docker_try, engine_available, http_app, TestEnv};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The app under test: the `versioned` image, serving `$APP_VERSION` (1 unless set).
fn versioned() -> String {
    http_app("versioned", &[], "env: {APP_VERSION: '1'}\n")
}

/// An environment with one app, `web`, started at version 1.
fn started(tag: &str, environment_file: Option<&str>) -> TestEnv {
    let env = TestEnv::new(tag, &[("web", &versioned())]);
    if let Some(text) = environment_file {
        env.environment_file(text);
    }
    let (code, _, stderr) = env.run(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    env
}

/// `ark start web --set web.APP_VERSION=<version> EXTRA… --progress plain`.
fn start_version(env: &TestEnv, version: &str, extra: &[&str]) -> (i32, String, String) {
    let set = format!("web.APP_VERSION={version}");
    let mut args = vec!["start", "web", "--set", &set, "--progress", "plain"];
    args.extend(extra);
    env.run(&args)
}

/// Polls `done` until it holds; panics with `what` after a minute.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A busybox container on the environment's network asking `web` for its version in a
/// loop, one line per request in /tmp/log: `ok <version>` or `failed`. Removed when
/// dropped (also when the test fails), before the environment (declare it after).
struct Client {
    name: String,
}

impl Client {
    fn start(env: &TestEnv) -> Client {
        let name = format!("rollover-tests-client-{}", env.name);
        let network = format!("ark_{}", env.name);
        // A short pause between requests: enough for the two cores to run ark and the
        // engine too, short enough that every moment of a switch is asked about.
        let script = "while :; do \
             if v=$(timeout 3 wget -q -O - http://web:8080/version); then echo \"ok $v\"; \
             else echo failed; fi >> /tmp/log; usleep 20000; done";
        docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            &network,
            "busybox:latest",
            "sh",
            "-c",
            script,
        ]);
        let client = Client { name };
        client.wait_for_answers(5);
        client
    }

    /// Every request's line so far.
    fn log(&self) -> Vec<String> {
        let (_, text) = docker_try(&["exec", &self.name, "cat", "/tmp/log"]);
        text.lines().map(str::to_owned).collect()
    }

    /// Waits for `more` requests beyond those logged now; returns the lines logged from now.
    fn wait_for_answers(&self, more: usize) -> Vec<String> {
        let mark = self.log().len();
        let mut lines = Vec::new();
        wait_until(&format!("the client made {more} more requests"), || {
            lines = self.log().split_off(mark);
            lines.len() >= more
        });
        lines
    }

    /// Waits a few requests beyond now (one in flight when ark returned is logged late) and
    /// then asserts that the next ones are all answered by `version`.
    fn now_sees_only(&self, version: &str) {
        let lines = self.wait_for_answers(25);
        let latest = &lines[5..];
        let expected = format!("ok {version}");
        assert!(
            latest.iter().all(|l| *l == expected),
            "the client should see only version {version} now: {latest:?}"
        );
    }

    fn failed(&self) -> usize {
        self.log().iter().filter(|l| *l == "failed").count()
    }

    fn versions_seen(&self) -> BTreeSet<String> {
        self.log()
            .iter()
            .filter_map(|l| l.strip_prefix("ok ").map(str::to_owned))
            .collect()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = docker_try(&["rm", "-f", &self.name]);
    }
}

/// One container of the environment, as `docker ps -a` and `docker inspect` show it.
#[derive(Debug)]
struct Seen {
    name: String,
    running: bool,
    revision: u64,
    lineage: Vec<u64>,
    on_network: bool,
}

/// Every container of the environment, by name.
fn containers(env: &TestEnv) -> Vec<Seen> {
    let filter = format!("label=dev.ark.environment={}", env.name);
    let names = docker(&["ps", "-a", "--filter", &filter, "--format", "{{.Names}}"]);
    let mut seen: Vec<Seen> = names.lines().map(|name| inspect(env, name)).collect();
    seen.sort_by(|a, b| a.name.cmp(&b.name));
    seen
}

fn inspect(env: &TestEnv, name: &str) -> Seen {
    let text = docker(&["inspect", name]);
    let inspected: Value = serde_json::from_str(&text).unwrap();
    let container = &inspected[0];
    let label = |key: &str| -> Value {
        let text = container["Config"]["Labels"][key]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no label {key}"));
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{key} of {name}: {e}: {text}"))
    };
    let revision = label("dev.ark.revision");
    let lineage = label("dev.ark.lineage");
    let network = format!("ark_{}", env.name);
    Seen {
        name: name.to_owned(),
        running: container["State"]["Running"] == true,
        revision: revision["number"].as_u64().unwrap(),
        lineage: lineage
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_u64().unwrap())
            .collect(),
        on_network: !container["NetworkSettings"]["Networks"][&network].is_null(),
    }
}

/// (name, running, revision number) of each container, for a one-line comparison.
fn summary(env: &TestEnv) -> Vec<(String, bool, u64)> {
    containers(env)
        .into_iter()
        .map(|c| (c.name, c.running, c.revision))
        .collect()
}

/// `name` for revision `n` of `web`: `ark_<env>_web.<n>`.
fn retired(env: &TestEnv, n: u64) -> String {
    format!("{}.{n}", env.container("web"))
}

/// GET http://127.0.0.1:PORT/PATH from the host: the body.
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_once("\r\n\r\n")
        .map_or(response.clone(), |(_, body)| body.trim().to_owned())
}

/// What the current `web` answers, asked from inside it.
fn version_inside(env: &TestEnv) -> String {
    docker(&[
        "exec",
        &env.container("web"),
        "timeout",
        "3",
        "wget",
        "-q",
        "-O",
        "-",
        "http://127.0.0.1:8080/version",
    ])
}

#[test]
fn three_rollovers_answer_every_request_and_keep_the_old_revisions() {
    if !engine_available() {
        return;
    }
    let env = started("roll", None);
    let client = Client::start(&env);
    assert_eq!(client.versions_seen(), BTreeSet::from(["1".to_owned()]));

    let (code, _, stderr) = start_version(&env, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    // Each phase of the rollover is shown, in order. `probing` is said only for a probe
    // that did not pass yet, so a revision ready at its first probe goes without it.
    let at = |phase: &str| {
        stderr
            .find(phase)
            .unwrap_or_else(|| panic!("`{phase}` in {stderr}"))
    };
    let phases = ["starting new", "switching", "retiring old", "ready"].map(at);
    assert!(phases.is_sorted(), "{stderr}");
    if let Some(probing) = stderr.find("probing") {
        assert!(phases[0] < probing && probing < phases[1], "{stderr}");
    }
    client.now_sees_only("2");
    // The same value again is no change: no new revision.
    let (code, _, stderr) = start_version(&env, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("1 apps already running, nothing to change"),
        "{stderr}"
    );

    for version in ["3", "4"] {
        let (code, _, stderr) = start_version(&env, version, &[]);
        assert_eq!(code, 0, "{stderr}");
        client.now_sees_only(version);
    }

    let log = client.log();
    assert_eq!(client.failed(), 0, "no request failed: {log:?}");
    assert_eq!(
        client.versions_seen(),
        BTreeSet::from(["1", "2", "3", "4"].map(str::to_owned)),
        "{log:?}"
    );

    // The current revision holds the app's name; the three before it are kept (history: 3
    // by default), stopped and off the network, named after their revision.
    let seen = containers(&env);
    assert_eq!(
        summary(&env),
        [
            (env.container("web"), true, 4),
            (retired(&env, 1), false, 1),
            (retired(&env, 2), false, 2),
            (retired(&env, 3), false, 3),
        ],
        "{seen:?}"
    );
    assert!(seen[0].on_network, "{seen:?}");
    assert!(seen[1..].iter().all(|c| !c.on_network), "{seen:?}");
    // Each revision remembers the ones before it, newest first.
    assert_eq!(seen[0].lineage, [3, 2, 1], "{seen:?}");
    assert_eq!(seen[3].lineage, [2, 1], "{seen:?}");

    // One more change: the oldest retired revision goes, three stay.
    let (code, _, stderr) = start_version(&env, "5", &[]);
    assert_eq!(code, 0, "{stderr}");
    client.now_sees_only("5");
    assert_eq!(client.failed(), 0, "{:?}", client.log());
    assert_eq!(
        summary(&env),
        [
            (env.container("web"), true, 5),
            (retired(&env, 2), false, 2),
            (retired(&env, 3), false, 3),
            (retired(&env, 4), false, 4),
        ]
    );
}

#[test]
fn a_new_revision_that_exits_leaves_the_old_one_serving() {
    if !engine_available() {
        return;
    }
    let env = started("exits", None);
    let client = Client::start(&env);

    let (code, _, stderr) = start_version(&env, "bad", &[]);
    assert_eq!(code, 1, "{stderr}");
    let kept = retired(&env, 2);
    assert!(
        stderr.contains(&format!(
            "the new revision 2 exited with code 3; revision 1 still serves, and the new one is kept stopped as `{kept}` for inspection"
        )),
        "{stderr}"
    );
    client.now_sees_only("1");
    assert_eq!(client.failed(), 0, "{:?}", client.log());
    assert_eq!(
        summary(&env),
        [(env.container("web"), true, 1), (kept, false, 2)]
    );

    // A good change afterwards rolls over as usual, numbered after the kept one, which
    // goes then: a revision that never served is no way back, and must not push one out.
    let (code, _, stderr) = start_version(&env, "3", &[]);
    assert_eq!(code, 0, "{stderr}");
    client.now_sees_only("3");
    assert_eq!(client.failed(), 0, "{:?}", client.log());
    assert_eq!(
        summary(&env),
        [
            (env.container("web"), true, 3),
            (retired(&env, 1), false, 1),
        ]
    );
}

#[test]
fn a_new_revision_that_never_gets_ready_leaves_the_old_one_serving() {
    if !engine_available() {
        return;
    }
    let env = started("unready", None);
    let client = Client::start(&env);

    let (code, _, stderr) = start_version(&env, "unready", &["--timeout", "3s"]);
    assert_eq!(code, 1, "{stderr}");
    let kept = retired(&env, 2);
    assert!(
        stderr.contains(&format!(
            "the new revision 2 not ready after 3s; revision 1 still serves, and the new one is kept stopped as `{kept}` for inspection"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("last probe: GET /_health → 404"),
        "{stderr}"
    );
    client.now_sees_only("1");
    assert_eq!(client.failed(), 0, "{:?}", client.log());
    let seen = containers(&env);
    assert_eq!(
        summary(&env),
        [(env.container("web"), true, 1), (kept, false, 2)],
        "{seen:?}"
    );
}

#[test]
fn a_pinned_port_is_replaced_stop_first_and_answers_the_new_version() {
    if !engine_available() {
        return;
    }
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = started(
        "pinned",
        Some(&format!("apps:\n  web:\n    ports: {{http: {port}}}\n")),
    );
    assert_eq!(http_get(port, "/version"), "1");

    let (code, stdout, stderr) = env.run(&["plan", "web", "--set", "web.APP_VERSION=2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("web — replace (stop first): port http pinned; env APP_VERSION changed"),
        "{stdout}"
    );

    let (code, _, stderr) = start_version(&env, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(http_get(port, "/version"), "2");
    assert_eq!(
        summary(&env),
        [
            (env.container("web"), true, 2),
            (retired(&env, 1), false, 1)
        ]
    );
}

#[test]
fn history_zero_keeps_no_retired_revision() {
    if !engine_available() {
        return;
    }
    let env = started("hist0", Some("history: 0\n"));
    let (code, _, stderr) = start_version(&env, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(version_inside(&env), "2");
    assert_eq!(summary(&env), [(env.container("web"), true, 2)]);
}

#[test]
fn history_one_keeps_only_the_newest_retired_revision() {
    if !engine_available() {
        return;
    }
    let env = started("hist1", Some("history: 1\n"));
    for version in ["2", "3"] {
        let (code, _, stderr) = start_version(&env, version, &[]);
        assert_eq!(code, 0, "{stderr}");
    }
    assert_eq!(
        summary(&env),
        [
            (env.container("web"), true, 3),
            (retired(&env, 2), false, 2)
        ]
    );
}

#[test]
fn down_removes_retired_revisions_too() {
    if !engine_available() {
        return;
    }
    let env = started("down", None);
    let (code, _, stderr) = start_version(&env, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    // One kept for inspection as well as one retired.
    let (code, _, stderr) = start_version(&env, "bad", &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(containers(&env).len(), 3, "{:?}", containers(&env));

    let (code, _, stderr) = env.run(&["down", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary(&env), [], "{stderr}");
    let filter = format!("label=dev.ark.environment={}", env.name);
    assert_eq!(
        docker(&["network", "ls", "-q", "--filter", &filter]),
        "",
        "{stderr}"
    );
}

#[test]
fn replace_stop_first_retires_the_old_revision() {
    if !engine_available() {
        return;
    }
    let env = started("flag", None);
    let (code, stdout, stderr) = env.run(&[
        "start",
        "web",
        "--dry-run",
        "--replace",
        "stop-first",
        "--set",
        "web.APP_VERSION=2",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout
            .contains("web — replace (stop first): --replace stop-first; env APP_VERSION changed"),
        "{stdout}"
    );
    // Without the flag the same change is a rollover.
    let (code, stdout, stderr) =
        env.run(&["start", "web", "--dry-run", "--set", "web.APP_VERSION=2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("web — rollover: env APP_VERSION changed"),
        "{stdout}"
    );

    let (code, _, stderr) = start_version(&env, "2", &["--replace", "stop-first"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(version_inside(&env), "2");
    let seen = containers(&env);
    assert_eq!(
        summary(&env),
        [
            (env.container("web"), true, 2),
            (retired(&env, 1), false, 1)
        ],
        "{seen:?}"
    );
    assert!(!seen[1].on_network, "{seen:?}");
}

#[test]
fn rollout_stop_first_in_the_environment_retires_the_old_revision() {
    if !engine_available() {
        return;
    }
    let env = started("rollout", Some("apps:\n  web:\n    rollout: stop-first\n"));
    let (code, stdout, stderr) = env.run(&["plan", "web", "--set", "web.APP_VERSION=2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("web — replace (stop first): rollout: stop-first in "),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}.yml; env APP_VERSION changed", env.name)),
        "{stdout}"
    );

    let (code, _, stderr) = start_version(&env, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(version_inside(&env), "2");
    let seen = containers(&env);
    assert_eq!(
        summary(&env),
        [
            (env.container("web"), true, 2),
            (retired(&env, 1), false, 1)
        ],
        "{seen:?}"
    );
    assert!(!seen[1].on_network, "{seen:?}");
}

/// `ark history -e ENV web -o json`: the revisions, newest first, as (number, state, changed).
fn history(env: &TestEnv) -> Vec<(u64, String, Vec<String>)> {
    let (code, stdout, stderr) = env.run(&["history", "web", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["environment"], env.name.as_str());
    assert_eq!(value["apps"][0]["app"], "web");
    value["apps"][0]["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_u64().unwrap(),
                r["state"].as_str().unwrap().to_owned(),
                r["changed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn rev(number: u64, state: &str, changed: &[&str]) -> (u64, String, Vec<String>) {
    (
        number,
        state.to_owned(),
        changed.iter().map(|c| c.to_string()).collect(),
    )
}

#[test]
fn history_after_three_changes_names_each_revision_and_what_changed() {
    if !engine_available() {
        return;
    }
    let env = started("hist", Some("history: 2\n"));
    for version in ["2", "3", "4"] {
        let (code, _, stderr) = start_version(&env, version, &[]);
        assert_eq!(code, 0, "{stderr}");
    }
    assert_eq!(
        history(&env),
        [
            rev(4, "current", &["env APP_VERSION"]),
            rev(3, "retired", &["env APP_VERSION"]),
            rev(2, "retired", &["env APP_VERSION"]),
            // Trimmed by `history: 2`: remembered, not kept.
            rev(1, "gone", &[]),
        ]
    );
    let (code, table, stderr) = env.run(&["history"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("APP  REV  AT") && lines[0].ends_with("CHANGED          STATE"),
        "{table}"
    );
    assert!(lines[1].starts_with("web  4 "), "{table}");
    assert!(lines[1].contains("ark-test-versioned:latest ("), "{table}");
    assert!(lines[1].ends_with("env APP_VERSION  current"), "{table}");
    assert!(lines[4].ends_with("(first)          gone"), "{table}");
    // Who and when, never a value.
    let (_, json, _) = env.run(&["history", "-o", "json"]);
    let value: Value = serde_json::from_str(&json).unwrap();
    let newest = &value["apps"][0]["revisions"][0];
    assert!(newest["by"].as_str().unwrap().contains('@'), "{newest}");
    assert!(newest["at"].as_str().unwrap().ends_with('Z'), "{newest}");
    assert!(!json.contains("APP_VERSION=4"), "{json}");
}

#[test]
fn a_rollback_and_the_rollback_of_it_answer_every_request() {
    if !engine_available() {
        return;
    }
    let env = started("back", None);
    let (code, _, stderr) = start_version(&env, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    let client = Client::start(&env);
    client.now_sees_only("2");

    // Back to the revision before the current one: a new revision of the old config.
    let (code, _, stderr) = env.run(&["rollback", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("rolled back to revision 1 (as revision 3)"),
        "{stderr}"
    );
    assert!(stderr.contains("switching to revision 3"), "{stderr}");
    client.now_sees_only("1");
    assert_eq!(
        history(&env),
        [
            rev(3, "current", &["rollback to 1"]),
            rev(2, "retired", &["env APP_VERSION"]),
            rev(1, "retired", &[]),
        ]
    );

    // And the rollback rolled back: the revision before the current one is 2.
    let (code, _, stderr) = env.run(&["rollback", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("rolled back to revision 2 (as revision 4)"),
        "{stderr}"
    );
    client.now_sees_only("2");
    assert_eq!(client.failed(), 0, "{:?}", client.log());
    assert_eq!(
        client.versions_seen(),
        BTreeSet::from(["1", "2"].map(str::to_owned))
    );
    // What runs is not the definition's version any more: a start would roll over to it.
    let (code, plan, stderr) = env.run(&["plan", "web"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        plan.contains("web — rollover: env APP_VERSION changed"),
        "{plan}"
    );
}

#[test]
fn a_rollback_to_a_revision_that_is_gone_names_what_is_kept() {
    if !engine_available() {
        return;
    }
    let env = started("gone", Some("history: 1\n"));
    for version in ["2", "3"] {
        let (code, _, stderr) = start_version(&env, version, &[]);
        assert_eq!(code, 0, "{stderr}");
    }
    let (code, _, stderr) = env.run(&["rollback", "web", "--to", "1"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("revision 1 of `web` is gone: it is not kept any more"),
        "{stderr}"
    );
    assert!(stderr.contains("kept: 2 (`ark rollback -e"), "{stderr}");
    let (code, _, stderr) = env.run(&["rollback", "web", "--to", "3"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("revision 3 is the one `web` runs now"),
        "{stderr}"
    );
    // Nothing was made by either.
    assert_eq!(containers(&env).len(), 2);
    let (code, _, stderr) = env.run(&["rollback", "web", "--to", "2"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(version_inside(&env), "2");
}

#[test]
fn a_failed_new_revision_is_kept_off_the_network() {
    if !engine_available() {
        return;
    }
    let env = started("offnet", None);
    let (code, _, stderr) = start_version(&env, "bad", &[]);
    assert_eq!(code, 1, "{stderr}");
    let kept = inspect(&env, &retired(&env, 2));
    assert!(!kept.running && !kept.on_network, "{kept:?}");
    assert_eq!(
        history(&env),
        [
            rev(2, "failed", &["env APP_VERSION"]),
            rev(1, "current", &[])
        ]
    );
}

#[test]
fn promote_starts_the_revision_that_runs_in_one_environment_in_another() {
    if !engine_available() {
        return;
    }
    // `review` runs a change; `staging` the definition's version.
    let staging = started("stage", None);
    let review = TestEnv::new("review", &[("web", &versioned())]);
    let (code, _, stderr) = review.run(&[
        "start",
        "web",
        "--set",
        "web.APP_VERSION=5",
        "--progress",
        "plain",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let client = Client::start(&staging);
    client.now_sees_only("1");

    // Promoted as a rollover: staging's clients lose nothing and then get version 5.
    let mut promote = staging.ark();
    promote.args([
        "promote",
        "-e",
        &review.name,
        "--to",
        &staging.name,
        "web",
        "--progress",
        "plain",
    ]);
    let (code, _, stderr) = common::output(&mut promote);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("retiring old revision 1"), "{stderr}");
    client.now_sees_only("5");
    assert_eq!(client.failed(), 0, "{:?}", client.log());
    let promoted = format!("promoted from {} (revision 1)", review.name);
    assert_eq!(
        history(&staging),
        [rev(2, "current", &[&promoted]), rev(1, "retired", &[])]
    );
    // Staging's own instance, on staging's network, by staging's name; review untouched.
    let seen = inspect(&staging, &staging.container("web"));
    assert!(seen.running && seen.on_network, "{seen:?}");
    assert_eq!(version_inside(&review), "5");
    let deploy_env = docker(&[
        "exec",
        &staging.container("web"),
        "sh",
        "-c",
        "printf %s \"$_DEPLOY_ENV\"",
    ]);
    assert_eq!(deploy_env, staging.name, "it runs in staging, and says so");

    // Into an environment that has no such app yet: made there.
    let fresh = TestEnv::new("fresh", &[]);
    let mut promote = fresh.ark();
    promote.args(["promote", "-e", &review.name, "--to", &fresh.name, "web"]);
    let (code, _, stderr) = common::output(&mut promote);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(version_inside(&fresh), "5");
    // An app FROM does not run is exit 3, naming what it has.
    let mut promote = fresh.ark();
    promote.args(["promote", "-e", &review.name, "--to", &fresh.name, "nope"]);
    let (code, _, stderr) = common::output(&mut promote);
    assert_eq!(code, 3, "{stderr}");
}
