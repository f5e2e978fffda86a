//! Environments on a Docker Swarm cluster, for real: the test clusters of
//! `scripts/swarm-cluster.sh` (`solo`: one manager; `pair`: a manager and a worker in network
//! namespaces of their own, with a registry both reach). Each test's apps are checkouts with a
//! Dockerfile (busybox httpd), built by ark on the manager; an app first checks that each of
//! its dependencies answers by name and exits 3 when one does not, so a start that gets the
//! order or the discovery wrong fails.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::TestEnv;
use common::swarm::SwarmCluster;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The server every test app runs: waits for nothing, checks its dependencies once, then
/// serves `/_health` and `/version` (its `APP_VERSION`).
const RUN_SH: &str = r#"#!/bin/sh
mkdir -p /www && echo ok > /www/_health && echo "$APP_VERSION" > /www/version
for dep in $DEPENDS; do
  timeout 3 wget -q -O /dev/null "http://$dep:8080/_health" || { echo "$dep does not answer"; exit 3; }
done
echo "serving version $APP_VERSION"
exec httpd -f -p 8080 -h /www
"#;

const DOCKERFILE: &str = "FROM busybox:latest\nCOPY run.sh /run.sh\nCMD [\"sh\", \"/run.sh\"]\n";

/// A definition built from its checkout, with an http check, waiting for `deps`.
fn definition(deps: &[&str], extra: &str) -> String {
    format!(
        "run:\n  type: docker\nenv:\n  APP_VERSION: \"1\"\n  DEPENDS: \"{}\"\nexpose:\n- name: http\n  port: 8080\n  health_check: {{type: http, path: /_health}}\ndependencies: [{}]\nbuild:\n  docker:\n    file: Dockerfile\n{extra}",
        deps.join(" "),
        deps.join(", ")
    )
}

/// One test's environment on a cluster: its folders (`TestEnv`), the cluster, and on drop
/// everything it made there removed by label (also when the test fails).
struct OnSwarm {
    env: TestEnv,
    cluster: SwarmCluster,
    apps: Vec<String>,
}

impl OnSwarm {
    fn new(cluster: SwarmCluster, tag: &str, apps: &[(&str, String)]) -> OnSwarm {
        let texts: Vec<(&str, &str)> = apps.iter().map(|(a, t)| (*a, t.as_str())).collect();
        let env = TestEnv::new(tag, &texts);
        for (app, _) in apps {
            let checkout = env.dir.path().join("apps").join(app);
            std::fs::write(checkout.join("Dockerfile"), DOCKERFILE).unwrap();
            // Its own build context: tests running at once never build one tag twice.
            let script = format!("{RUN_SH}# {}\n", env.name);
            std::fs::write(checkout.join("run.sh"), script).unwrap();
        }
        let apps = apps.iter().map(|(a, _)| (*a).to_owned()).collect();
        OnSwarm { env, cluster, apps }
    }

    fn file(&self, text: &str) {
        self.env.environment_file(&format!("engine: swarm\n{text}"));
    }

    fn name(&self) -> &str {
        &self.env.name
    }

    /// `ark ARGS… -e <env>` against the manager: (exit code, stdout, stderr). A start
    /// builds every app from its checkout (`--local`): an image another test left under an
    /// app's plain name is never taken for it.
    fn ark(&self, args: &[&str]) -> (i32, String, String) {
        let mut command = self.env.ark();
        // `-e` right after the command: anything after `--` belongs to the app.
        command
            .env("DOCKER_HOST", self.cluster.manager_url())
            .args(&args[..1])
            .args(["-e", &self.env.name])
            .args(&args[1..]);
        if args.first() == Some(&"start") {
            command.args(self.apps.iter().map(|app| format!("--local={app}")));
        }
        common::output(&mut command)
    }

    fn spawn(&self, args: &[&str]) -> std::process::Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("ark"))
            .current_dir(self.env.dir.path())
            .args(["--apps", "apps", "--environments", "environments"])
            .args(args)
            .args(["-e", &self.env.name])
            .env("ARK_CONFIG", "/nonexistent")
            .env("DOCKER_HOST", self.cluster.manager_url())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("ark runs")
    }

    fn docker(&self, args: &[&str]) -> String {
        let (ok, out) = self.cluster.docker(args);
        assert!(ok, "docker {args:?} failed: {out}");
        out
    }

    /// The names of the services that carry this environment's label.
    fn services(&self) -> Vec<String> {
        let filter = format!("label=dev.ark.environment={}", self.env.name);
        let (_, out) = self.cluster.docker(&[
            "service",
            "ls",
            "--filter",
            &filter,
            "--format",
            "{{.Name}}",
        ]);
        let mut names: Vec<String> = out.lines().map(str::to_owned).collect();
        names.sort();
        names
    }

    /// The names of the configs that keep this environment's retired revisions.
    fn kept_specs(&self) -> Vec<String> {
        let filter = format!("label=dev.ark.environment={}", self.env.name);
        let (_, out) = self.cluster.docker(&[
            "config",
            "ls",
            "--filter",
            &filter,
            "--filter",
            "label=dev.ark.kept-spec",
            "--format",
            "{{.Name}}",
        ]);
        let mut names: Vec<String> = out.lines().map(str::to_owned).collect();
        names.sort();
        names
    }

    fn status(&self) -> Value {
        let (code, out, err) = self.ark(&["status", "-o", "json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

impl Drop for OnSwarm {
    fn drop(&mut self) {
        for service in self.services() {
            let _ = self.cluster.docker(&["service", "rm", &service]);
        }
        for config in self.kept_specs() {
            let _ = self.cluster.docker(&["config", "rm", &config]);
        }
        for secret in secrets_of(self) {
            let _ = self.cluster.docker(&["secret", "rm", &secret]);
        }
        let network = format!("ark_{}", self.env.name);
        let began = Instant::now();
        while !self.cluster.docker(&["network", "rm", &network]).0
            && self.cluster.docker(&["network", "inspect", &network]).0
            && began.elapsed() < Duration::from_secs(30)
        {
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// Waits for `condition`, up to `patience`; panics with `what` when it never holds.
fn until(patience: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let began = Instant::now();
    while !condition() {
        assert!(began.elapsed() < patience, "{what}: not after {patience:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Seven apps, four levels deep, fanning in.
fn seven_app_dag() -> Vec<(&'static str, String)> {
    vec![
        ("db", definition(&[], "")),
        ("cache", definition(&[], "")),
        ("queue", definition(&["db"], "")),
        ("api", definition(&["db", "cache"], "")),
        ("worker", definition(&["queue", "api"], "")),
        ("web", definition(&["api"], "")),
        ("edge", definition(&["web", "worker"], "")),
    ]
}

fn apps_of(status: &Value) -> Vec<Value> {
    status["apps"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_seven_app_dag_starts_in_order_on_one_node_a_second_start_changes_nothing_and_down_removes_it()
{
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let addr = cluster.node_addrs()[0].to_owned();
    let netns = cluster.netns().to_owned();
    let on = OnSwarm::new(cluster, "sw-dag", &seven_app_dag());
    on.file("apps:\n  edge: {ports: {http: 18080}}\n");
    let (code, _, err) = on.ark(&["start", "edge", "--progress", "plain"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("7 apps ready (7 started"), "{err}");
    assert!(
        err.contains("edge http listens on every interface of the node it runs on"),
        "{err}"
    );
    let status = on.status();
    for app in apps_of(&status) {
        assert_eq!(app["ready"], true, "{app}");
        assert_eq!(app["replicas"]["wanted"], 1, "{app}");
        assert_eq!(app["replicas"]["ready"], 1, "{app}");
    }
    // The pinned port is published on the node's address, and answers there.
    let edge = apps_of(&status)
        .into_iter()
        .find(|a| a["app"] == "edge")
        .unwrap();
    let url = format!("http://{addr}:18080");
    assert_eq!(edge["urls"][0]["url"], url, "{edge}");
    let fetched = std::process::Command::new("nsenter")
        .arg(format!("--net=/var/run/netns/{netns}"))
        .args([
            "busybox", "timeout", "5", "busybox", "wget", "-q", "-O", "-",
        ])
        .arg(format!("{url}/version"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&fetched.stdout).trim(), "1");
    assert_eq!(on.services().len(), 7);

    let (code, _, err) = on.ark(&["start", "edge", "--progress", "plain"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("nothing to change"), "{err}");

    let (code, _, err) = on.ark(&["down", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        on.services().is_empty(),
        "services left: {:?}",
        on.services()
    );
    let network = format!("ark_{}", on.name());
    assert!(
        !on.cluster.docker(&["network", "inspect", &network]).0,
        "network left"
    );
}

/// The two-node cluster, and the registry both nodes reach.
fn pair_with_registry() -> Option<(SwarmCluster, String)> {
    let cluster = SwarmCluster::pair()?;
    let registry = cluster
        .registry()
        .expect("the pair has a registry")
        .to_owned();
    Some((cluster, registry))
}

#[test]
fn on_two_nodes_tasks_spread_find_their_dependencies_across_nodes_and_local_builds_go_through_the_registry(
) {
    let Some((cluster, registry)) = pair_with_registry() else {
        return;
    };
    let names: Vec<String> = cluster
        .node_names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let urls: Vec<String> = cluster
        .node_urls()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let on = OnSwarm::new(cluster, "sw-pair", &seven_app_dag());
    on.file(&format!(
        "registry: {registry}\napps:\n  api: {{replicas: 2}}\n  web: {{replicas: 2}}\n"
    ));
    let (code, _, err) = on.ark(&["start", "edge", "--progress", "plain"]);
    assert_eq!(code, 0, "{err}");
    let status = on.status();
    let mut nodes_used = std::collections::BTreeSet::new();
    for app in apps_of(&status) {
        assert_eq!(app["ready"], true, "{app}");
        assert!(
            app["image"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{registry}/")),
            "pinned to the registry: {app}"
        );
        for node in app["nodes"].as_array().unwrap() {
            nodes_used.insert(node.as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        nodes_used.len(),
        2,
        "tasks on both nodes {names:?}: {status}"
    );

    // Usage: apps on the worker are "not reachable" until `nodes:` names its engine.
    let (code, out, err) = on.ark(&["metrics", "--no-stream", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"reachable\":false"), "{out}");
    on.file(&format!(
        "registry: {registry}\nnodes:\n  {}: {}\napps:\n  api: {{replicas: 2}}\n  web: {{replicas: 2}}\n",
        names[1], urls[1]
    ));
    let (code, out, err) = on.ark(&["metrics", "--no-stream", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("\"reachable\":false"), "{out}");
    for app in ["db", "cache", "queue", "api", "worker", "web", "edge"] {
        assert!(
            out.contains(&format!("\"app\":\"{app}\"")),
            "{app} in {out}"
        );
        // exec reaches a task on either node.
        let (code, _, err) = on.ark(&["exec", app, "--", "cat", "/www/version"]);
        assert_eq!(code, 0, "{app}: {err}");
    }
}

#[test]
fn on_two_nodes_an_image_only_this_engine_has_is_refused_before_anything_is_made() {
    let Some(cluster) = SwarmCluster::pair() else {
        return;
    };
    let on = OnSwarm::new(cluster, "sw-noreg", &[("solo", definition(&[], ""))]);
    on.file("");
    let (code, _, err) = on.ark(&["start", "solo"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("swarm of 2 nodes"), "{err}");
    assert!(err.contains("registry: HOST:PORT"), "{err}");
    assert!(
        on.services().is_empty(),
        "nothing made: {:?}",
        on.services()
    );
    let network = format!("ark_{}", on.name());
    assert!(!on.cluster.docker(&["network", "inspect", &network]).0);
}

/// `/version` as a client on the environment's network sees it, from a container of its own
/// looping on the app's name: each answer appended to /tmp/seen, each failure to /tmp/failed.
fn looping_client(on: &OnSwarm, app: &str) -> String {
    let network = format!("ark_{}", on.name());
    let name = format!("{}-client", on.name());
    let script = format!(
        "touch /tmp/seen /tmp/failed; while true; do if v=$(timeout 2 wget -q -O - http://{app}:8080/version); then echo \"$v\" >> /tmp/seen; else echo x >> /tmp/failed; fi; sleep 0.05; done"
    );
    on.docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        &network,
        "busybox:latest",
        "sh",
        "-c",
        &script,
    ]);
    name
}

struct Removed<'a>(&'a SwarmCluster, String);
impl Drop for Removed<'_> {
    fn drop(&mut self) {
        let _ = self.0.docker(&["rm", "-f", &self.1]);
    }
}

fn client_file(on: &OnSwarm, client: &str, file: &str) -> Vec<String> {
    let (_, out) = on.cluster.docker(&["exec", client, "cat", file]);
    out.lines().map(str::to_owned).collect()
}

#[test]
fn a_changed_variable_rolls_that_app_only_and_a_client_looping_on_it_by_name_sees_no_failure_through_update_and_rollback(
) {
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let on = OnSwarm::new(
        cluster,
        "sw-roll",
        &[
            ("api", definition(&[], "")),
            ("web", definition(&["api"], "")),
        ],
    );
    on.file("");
    let (code, _, err) = on.ark(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{err}");
    let api_task = on.docker(&["service", "ps", "-q", &format!("ark_{}_api", on.name())]);
    let client = looping_client(&on, "web");
    let _client = Removed(&on.cluster, client.clone());
    until(Duration::from_secs(30), "the client gets answers", || {
        client_file(&on, &client, "/tmp/seen").len() >= 5
    });

    let mut follow = on.spawn(&["logs", "-f", "web", "--no-prefix"]);
    let (code, out, err) = on.ark(&["plan", "web", "--set", "web.APP_VERSION=2"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("web — update (rolling) (env APP_VERSION changed)"),
        "{out}"
    );
    let (code, _, err) = on.ark(&[
        "start",
        "web",
        "--set",
        "web.APP_VERSION=2",
        "--progress",
        "plain",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("updating"), "{err}");
    until(Duration::from_secs(30), "the client sees version 2", || {
        client_file(&on, &client, "/tmp/seen")
            .last()
            .map(String::as_str)
            == Some("2")
    });
    assert_eq!(
        on.docker(&["service", "ps", "-q", &format!("ark_{}_api", on.name())]),
        api_task,
        "api was left as it was"
    );

    let (code, _, err) = on.ark(&["rollback", "web"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("rolled back to revision 1 (as revision 3)"),
        "{err}"
    );
    until(
        Duration::from_secs(30),
        "the client sees version 1 again",
        || {
            client_file(&on, &client, "/tmp/seen")
                .last()
                .map(String::as_str)
                == Some("1")
        },
    );
    let (code, _, err) = on.ark(&["rollback", "web"]);
    assert_eq!(code, 0, "a rollback rolls back too: {err}");
    until(
        Duration::from_secs(30),
        "the client sees version 2 again",
        || {
            client_file(&on, &client, "/tmp/seen")
                .last()
                .map(String::as_str)
                == Some("2")
        },
    );

    let failed = client_file(&on, &client, "/tmp/failed");
    let seen = client_file(&on, &client, "/tmp/seen");
    assert!(
        failed.is_empty(),
        "{} failed requests of {}",
        failed.len(),
        seen.len() + failed.len()
    );

    // `logs -f` followed web across three task replacements: each task's lines once.
    let _ = follow.kill();
    let out = follow.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let served = |v: &str| {
        text.lines()
            .filter(|l| l.ends_with(&format!("serving version {v}")))
            .count()
    };
    assert_eq!((served("1"), served("2")), (2, 2), "{text}");
}

#[test]
fn a_task_that_crashes_fails_its_app_with_the_node_swarms_error_and_its_last_lines() {
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let node = cluster.node_names()[0].to_owned();
    let crasher = definition(&["nowhere"], "").replace("dependencies: [nowhere]\n", "");
    let on = OnSwarm::new(cluster, "sw-crash", &[("crasher", crasher)]);
    on.file("");
    let (code, _, err) = on.ark(&["start", "crasher", "--progress", "plain"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("on node {node}")), "{err}");
    assert!(err.contains("non-zero exit (3)"), "{err}");
    assert!(
        err.contains("nowhere does not answer"),
        "its last lines: {err}"
    );
}

#[test]
fn a_task_that_cannot_be_placed_fails_at_once_with_swarms_words() {
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let greedy = definition(&[], "resources:\n  soft_mem_limit: 100000\n");
    let on = OnSwarm::new(cluster, "sw-place", &[("greedy", greedy)]);
    on.file("");
    let began = Instant::now();
    let (code, _, err) = on.ark(&["start", "greedy", "--progress", "plain"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot be placed"), "{err}");
    assert!(err.contains("no suitable node"), "{err}");
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "failed at once, not after the readiness timeout"
    );
}

#[test]
fn down_removes_what_ark_made_and_leaves_a_foreign_service_on_the_same_swarm_alone() {
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let on = OnSwarm::new(cluster, "sw-down", &[("only", definition(&[], ""))]);
    on.file("");
    let foreign = format!("{}-foreign", on.name());
    on.docker(&[
        "service",
        "create",
        "-q",
        "-d",
        "--name",
        &foreign,
        "busybox:latest",
        "sleep",
        "100000",
    ]);
    let _foreign = RemovedService(&on.cluster, foreign.clone());
    let (code, _, err) = on.ark(&["start", "only"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = on.ark(&["down", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(on.services().is_empty());
    assert!(
        on.cluster.docker(&["service", "inspect", &foreign]).0,
        "the foreign service is still there"
    );
}

struct RemovedService<'a>(&'a SwarmCluster, String);
impl Drop for RemovedService<'_> {
    fn drop(&mut self) {
        let _ = self.0.docker(&["service", "rm", &self.1]);
    }
}

#[test]
fn an_engine_that_is_not_a_manager_is_exit_4_saying_what_it_is() {
    let Some(cluster) = SwarmCluster::pair() else {
        return;
    };
    let worker = cluster.node_urls()[1].to_owned();
    let env = TestEnv::new("sw-worker", &[]);
    let mut command = env.ark();
    command
        .env("DOCKER_HOST", &worker)
        .args(["status", "--engine", "swarm", "-e", &env.name]);
    let (code, _, err) = common::output(&mut command);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("is a worker"), "{err}");
    assert!(err.contains("point the target at a manager"), "{err}");

    let Some(plain) = common::own_engine::OwnEngine::start() else {
        return;
    };
    let mut command = plain.ark();
    command.args(["status", "--engine", "swarm", "-e", "anything"]);
    let (code, _, err) = common::output(&mut command);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("swarm mode is not active on"), "{err}");
    assert!(err.contains("docker swarm init"), "{err}");
}

/// The repository's demo (`environments/`), as a Swarm environment of its own.
fn demo_on(tag: &str, extra: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(common::repo().join("environments"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let name = format!("t-{tag}-{}", std::process::id() % 100_000);
    std::fs::write(
        dir.path().join(format!("environments/{name}.yml")),
        format!("extends: demo\nengine: swarm\n{extra}"),
    )
    .unwrap();
    (dir, name)
}

fn demo_ark(cluster: &SwarmCluster, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut command = cluster.ark();
    command.current_dir(dir).args(args);
    common::output(&mut command)
}

struct DemoDown<'a>(&'a SwarmCluster, std::path::PathBuf, String);
impl Drop for DemoDown<'_> {
    fn drop(&mut self) {
        let _ = demo_ark(self.0, &self.1, &["down", "-y", "-e", &self.2]);
    }
}

#[test]
fn the_demo_runs_on_one_node_and_on_two_and_its_apps_reach_each_other_by_name() {
    for (cluster, tag) in [
        (SwarmCluster::solo(), "sw-demo1"),
        (SwarmCluster::pair(), "sw-demo2"),
    ] {
        let Some(cluster) = cluster else { return };
        let registry = cluster
            .registry()
            .map(|r| format!("registry: {r}\n"))
            .unwrap_or_default();
        let (dir, name) = demo_on(tag, &registry);
        let _down = DemoDown(&cluster, dir.path().to_owned(), name.clone());
        let (code, _, err) = demo_ark(
            &cluster,
            dir.path(),
            &["start", "-e", &name, "web", "--progress", "plain"],
        );
        assert_eq!(code, 0, "{tag}: {err}");
        assert!(err.contains("4 apps ready"), "{tag}: {err}");
        // web asks api, which asks cache and store, every few seconds: an answer that went
        // all the way through means every name resolved.
        until(
            Duration::from_secs(60),
            "web reports a check that went through",
            || {
                let (_, out, _) = demo_ark(&cluster, dir.path(), &["logs", "-e", &name, "web"]);
                out.contains("-> ok {\"app\":\"api\"")
            },
        );
        let (code, _, err) = demo_ark(&cluster, dir.path(), &["down", "-y", "-e", &name]);
        assert_eq!(code, 0, "{tag}: {err}");
        assert!(err.contains("4 apps removed"), "{tag}: {err}");
    }
}

/// `ark history web -o json`: the revisions, newest first, as (number, state, changed).
fn history_of_web(on: &OnSwarm) -> Vec<(u64, String, Vec<String>)> {
    history_of(on, "web")
}

/// `ark history APP -o json`: as `history_of_web`.
fn history_of(on: &OnSwarm, app: &str) -> Vec<(u64, String, Vec<String>)> {
    let (code, out, err) = on.ark(&["history", app, "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let value: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    value["apps"][0]["revisions"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"))
        .iter()
        .map(|r| {
            let changed = r["changed"].as_array().cloned().unwrap_or_default();
            (
                r["revision"].as_u64().unwrap_or(0),
                r["state"].as_str().unwrap_or("").to_owned(),
                changed
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect(),
            )
        })
        .collect()
}

fn revision(number: u64, state: &str, changed: &[&str]) -> (u64, String, Vec<String>) {
    (
        number,
        state.to_owned(),
        changed.iter().map(|c| (*c).to_owned()).collect(),
    )
}

/// Until the looping client's last answer is `version`.
fn client_sees(on: &OnSwarm, client: &str, version: &str) {
    until(
        Duration::from_secs(30),
        &format!("the client sees version {version}"),
        || {
            client_file(on, client, "/tmp/seen")
                .last()
                .map(String::as_str)
                == Some(version)
        },
    );
}

#[test]
fn on_a_swarm_history_lists_the_kept_revisions_a_rollback_goes_to_any_of_them_and_down_removes_them(
) {
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let on = OnSwarm::new(cluster, "sw-hist", &[("web", definition(&[], ""))]);
    on.file("history: 2\n");
    let (code, _, err) = on.ark(&["start", "web"]);
    assert_eq!(code, 0, "{err}");
    let client = looping_client(&on, "web");
    let client_removed = Removed(&on.cluster, client.clone());
    client_sees(&on, &client, "1");
    for version in ["2", "3"] {
        let set = format!("web.APP_VERSION={version}");
        let (code, _, err) = on.ark(&["start", "web", "--set", &set]);
        assert_eq!(code, 0, "{err}");
        client_sees(&on, &client, version);
    }
    assert_eq!(
        history_of_web(&on),
        [
            revision(3, "current", &["env APP_VERSION"]),
            revision(2, "retired", &["env APP_VERSION"]),
            revision(1, "retired", &[]),
        ]
    );
    let name = on.name().to_owned();
    assert_eq!(
        on.kept_specs(),
        [format!("ark_{name}_web.1"), format!("ark_{name}_web.2")]
    );
    let (code, table, err) = on.ark(&["history"]);
    assert_eq!(code, 0, "{err}");
    assert!(table.starts_with("APP  REV  AT"), "{table}");
    assert!(
        table
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("web  3 ") && l.ends_with("env APP_VERSION  current")),
        "{table}"
    );

    // Not only the previous one: any kept revision, as a new revision of its spec.
    let (code, _, err) = on.ark(&["rollback", "web", "--to", "1", "--progress", "plain"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("rolled back to revision 1 (as revision 4)"),
        "{err}"
    );
    assert!(err.contains("updating"), "{err}");
    client_sees(&on, &client, "1");
    let (_, json, _) = on.ark(&["history", "web", "-o", "json"]);
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["apps"][0]["revisions"][0]["rollback_of"], 1, "{json}");
    assert_eq!(
        history_of_web(&on),
        [
            revision(4, "current", &["rollback to 1"]),
            revision(3, "retired", &["env APP_VERSION"]),
            revision(2, "retired", &["env APP_VERSION"]),
            // Trimmed by `history: 2`: remembered, not kept.
            revision(1, "gone", &[]),
        ]
    );
    let (code, _, err) = on.ark(&["rollback", "web", "--to", "1"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("revision 1 of `web` is gone: it is not kept any more"),
        "{err}"
    );
    assert!(err.contains("kept: 3, 2 (`ark rollback -e"), "{err}");

    // The rollback rolled back: the revision before the current one is 3.
    let (code, _, err) = on.ark(&["rollback", "web"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("rolled back to revision 3 (as revision 5)"),
        "{err}"
    );
    client_sees(&on, &client, "3");
    assert_eq!(
        history_of_web(&on)[..3],
        [
            revision(5, "current", &["rollback to 3"]),
            revision(4, "retired", &["rollback to 1"]),
            revision(3, "retired", &["env APP_VERSION"]),
        ]
    );
    let failed = client_file(&on, &client, "/tmp/failed");
    assert!(failed.is_empty(), "{} failed requests", failed.len());

    // Off the network first: the network goes with the environment.
    drop(client_removed);
    let (code, _, err) = on.ark(&["down", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(on.services().is_empty());
    assert!(on.kept_specs().is_empty(), "{:?}", on.kept_specs());
}

#[test]
fn on_a_swarm_history_zero_keeps_no_spec_and_a_rollback_is_exit_3() {
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let on = OnSwarm::new(cluster, "sw-hist0", &[("web", definition(&[], ""))]);
    on.file("history: 0\n");
    let (code, _, err) = on.ark(&["start", "web"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = on.ark(&["start", "web", "--set", "web.APP_VERSION=2"]);
    assert_eq!(code, 0, "{err}");
    assert!(on.kept_specs().is_empty(), "{:?}", on.kept_specs());
    assert_eq!(
        history_of_web(&on),
        [
            revision(2, "current", &["env APP_VERSION"]),
            revision(1, "gone", &[]),
        ]
    );
    let (code, _, err) = on.ark(&["rollback", "web"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("has no earlier revision kept"), "{err}");
    let (code, _, err) = on.ark(&["rollback", "web", "--to", "1"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("revision 1 of `web` is gone: it is not kept any more"),
        "{err}"
    );
}

#[test]
fn on_a_swarm_an_update_swarm_rolled_back_leaves_the_history_as_it_was() {
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let on = OnSwarm::new(cluster, "sw-histfail", &[("web", definition(&[], ""))]);
    on.file("");
    let (code, _, err) = on.ark(&["start", "web"]);
    assert_eq!(code, 0, "{err}");
    // Its task exits 3: Swarm rolls the update back to revision 1's spec.
    let (code, _, err) = on.ark(&["start", "web", "--set", "web.DEPENDS=nowhere"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the engine went back"), "{err}");
    assert_eq!(history_of_web(&on), [revision(1, "current", &[])]);
    let (code, _, err) = on.ark(&["start", "web", "--set", "web.APP_VERSION=2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        history_of_web(&on),
        [
            revision(2, "current", &["env APP_VERSION"]),
            revision(1, "retired", &[]),
        ]
    );
    let (code, _, err) = on.ark(&["rollback", "web"]);
    assert_eq!(code, 0, "{err}");
    // The old task may still run a moment beside the new one (start-first).
    until(
        Duration::from_secs(30),
        "only revision 1's spec runs",
        || {
            let (_, out, _) = on.ark(&["exec", "web", "--", "sh", "-c", "echo $APP_VERSION"]);
            out.trim() == "1"
        },
    );
}

#[test]
fn on_two_nodes_a_rollback_to_a_kept_revision_runs_its_pinned_image_on_every_replica() {
    let Some((cluster, registry)) = pair_with_registry() else {
        return;
    };
    let on = OnSwarm::new(cluster, "sw-pairback", &[("web", definition(&[], ""))]);
    on.file(&format!(
        "registry: {registry}\napps:\n  web: {{replicas: 2}}\n"
    ));
    let (code, _, err) = on.ark(&["start", "web"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = on.ark(&["start", "web", "--set", "web.APP_VERSION=2"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = on.ark(&["rollback", "web", "--to", "1"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        history_of_web(&on)[0],
        revision(3, "current", &["rollback to 1"])
    );
    let status = on.status();
    let web = &apps_of(&status)[0];
    assert_eq!(web["replicas"]["ready"], 2, "{web}");
    assert!(
        web["image"]
            .as_str()
            .is_some_and(|i| i.starts_with(&format!("{registry}/"))),
        "pinned to the registry: {web}"
    );
    let client = looping_client(&on, "web");
    let _client = Removed(&on.cluster, client.clone());
    // Both replicas answer in turn: the last answers all say 1.
    until(
        Duration::from_secs(30),
        "every replica serves version 1",
        || {
            let seen = client_file(&on, &client, "/tmp/seen");
            seen.len() >= 6 && seen[seen.len() - 6..].iter().all(|v| v == "1")
        },
    );
}

/// What `app` answers on `/version`, asked by name from the client container `client`.
fn version_by_name(on: &OnSwarm, client: &str, app: &str) -> String {
    let url = format!("http://{app}:8080/version");
    let answer = on.docker(&["exec", client, "wget", "-q", "-O", "-", &url]);
    answer.trim().to_owned()
}

/// `review` and `staging` on one swarm, each with its own checkouts of `api` and `web`
/// (which needs `api`); promote runs in review's folders, so staging's file is there too.
fn review_and_staging(
    tag: &str,
    review_file: &str,
    staging_file: &str,
) -> Option<(OnSwarm, OnSwarm)> {
    let (Some(one), Some(two)) = (SwarmCluster::solo(), SwarmCluster::solo()) else {
        return None;
    };
    let apps = || {
        vec![
            ("api", definition(&[], "")),
            ("web", definition(&["api"], "")),
        ]
    };
    let review = OnSwarm::new(one, &format!("{tag}-review"), &apps());
    let staging = OnSwarm::new(two, &format!("{tag}-stage"), &apps());
    review.file(review_file);
    staging.file(staging_file);
    let there = review
        .env
        .dir
        .path()
        .join(format!("environments/{}.yml", staging.name()));
    std::fs::write(there, format!("engine: swarm\n{staging_file}")).unwrap();
    Some((review, staging))
}

#[test]
fn on_a_swarm_promote_updates_the_app_staging_runs_makes_the_one_it_lacks_and_leaves_review_as_it_was(
) {
    let Some((review, staging)) =
        review_and_staging("sw-promo", "", "apps:\n  web: {ports: {http: 18517}}\n")
    else {
        return;
    };
    let five = ["--set", "web.APP_VERSION=5", "--set", "api.APP_VERSION=5"];
    let (code, _, err) = review.ark(&[&["start", "web"][..], &five].concat());
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = staging.ark(&["start", "api"]);
    assert_eq!(code, 0, "{err}");
    let client = looping_client(&staging, "api");
    let _client = Removed(&staging.cluster, client.clone());
    client_sees(&staging, &client, "1");

    let (code, _, err) = review.ark(&[
        "promote",
        "--to",
        staging.name(),
        "web",
        "api",
        "--progress",
        "plain",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("updating"), "{err}");
    let from = review.name().to_owned();
    assert!(
        err.contains(&format!(
            "promoted api, web from `{from}` to `{}`",
            staging.name()
        )),
        "dependencies first: {err}"
    );
    // api was updated in place, start-first: its clients saw no failure.
    client_sees(&staging, &client, "5");
    let failed = client_file(&staging, &client, "/tmp/failed");
    assert!(failed.is_empty(), "{} failed requests", failed.len());
    let promoted = format!("promoted from {from} (revision 1)");
    assert_eq!(
        history_of(&staging, "api"),
        [
            revision(2, "current", &[&promoted]),
            revision(1, "retired", &[]),
        ]
    );
    assert_eq!(
        history_of(&staging, "web"),
        [revision(1, "current", &[&promoted])]
    );
    let (_, json, _) = staging.ark(&["history", "api", "-o", "json"]);
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["apps"][0]["revisions"][0]["promoted_from"],
        from.as_str(),
        "{json}"
    );

    // Staging's own services, on its network (web found api there), with its pinned port.
    let name = staging.name().to_owned();
    assert_eq!(
        staging.services(),
        [format!("ark_{name}_api"), format!("ark_{name}_web")]
    );
    assert_eq!(version_by_name(&staging, &client, "web"), "5");
    let ports = staging.docker(&[
        "service",
        "inspect",
        &format!("ark_{name}_web"),
        "--format",
        "{{json .Spec.EndpointSpec.Ports}}",
    ]);
    assert!(ports.contains("\"PublishedPort\":18517"), "{ports}");
    for app in apps_of(&staging.status()) {
        assert_eq!(app["ready"], true, "{app}");
    }
    let (code, out, err) = staging.ark(&["exec", "web", "--", "sh", "-c", "echo $_DEPLOY_ENV"]);
    assert_eq!(
        (code, out.trim()),
        (0, staging.name()),
        "it runs in staging, and says so: {err}"
    );

    // Review runs what it ran, and its down leaves staging serving.
    assert_eq!(history_of(&review, "web"), [revision(1, "current", &[])]);
    let (code, out, err) = review.ark(&["exec", "web", "--", "sh", "-c", "echo $APP_VERSION"]);
    assert_eq!((code, out.trim()), (0, "5"), "{err}");
    let (code, _, err) = review.ark(&["down", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(version_by_name(&staging, &client, "web"), "5");
    client_sees(&staging, &client, "5");
}

/// The Docker secrets labelled with `on`'s environment, by name.
fn secrets_of(on: &OnSwarm) -> Vec<String> {
    let filter = format!("label=dev.ark.environment={}", on.name());
    let (_, out) =
        on.cluster
            .docker(&["secret", "ls", "--filter", &filter, "--format", "{{.Name}}"]);
    out.lines().map(str::to_owned).collect()
}

#[test]
fn on_a_swarm_promote_gives_staging_its_own_copy_of_a_secret_file_and_refuses_when_no_task_holds_it(
) {
    let review_file =
        "apps:\n  api:\n    secrets:\n      API_TOKEN: {file: ../api-token, as: file}\n";
    let Some((review, staging)) = review_and_staging("sw-promosec", review_file, "") else {
        return;
    };
    let token = review.env.dir.path().join("api-token");
    std::fs::write(&token, "token-of-review").unwrap();
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (code, _, err) = review.ark(&["start", "web"]);
    assert_eq!(code, 0, "{err}");

    let (code, _, err) = review.ark(&["promote", "--to", staging.name(), "web", "api"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("token-of-review"), "{err}");
    let read = || staging.ark(&["exec", "api", "--", "cat", "/run/secrets/API_TOKEN"]);
    let (code, out, err) = read();
    assert_eq!((code, out.as_str()), (0, "token-of-review"), "{err}");
    let (ours, theirs) = (secrets_of(&staging), secrets_of(&review));
    assert_eq!((ours.len(), theirs.len()), (1, 1), "{ours:?} {theirs:?}");
    assert!(ours[0].starts_with(&format!("ark_{}_api_API_TOKEN_", staging.name())));

    // With no task of api running in review, there is nothing to read the file from.
    let (code, _, err) = review.ark(&["stop", "api"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = review.ark(&["promote", "--to", staging.name(), "api"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`api` holds API_TOKEN as a file: on a swarm it is a Docker secret"),
        "{err}"
    );
    assert!(err.contains("no task of `api` runs in"), "{err}");
    assert_eq!(history_of(&staging, "api").len(), 1, "nothing changed");

    // Review's down takes all of its secrets; staging's copy serves new tasks on.
    let (code, _, err) = review.ark(&["down", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(secrets_of(&review).is_empty(), "{:?}", secrets_of(&review));
    let (code, _, err) = staging.ark(&["restart", "api"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = read();
    assert_eq!((code, out.as_str()), (0, "token-of-review"), "{err}");
}
