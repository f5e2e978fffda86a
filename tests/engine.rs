//! `ark start / status / stop / restart / down` against the real Docker engine.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{docker, docker_try, engine_available, http_app, image, TestEnv};
use common::output;
use serde_json::Value;
use std::process::Command as Process;
use std::time::{Duration, Instant};

fn status_json(env: &TestEnv) -> Value {
    let (code, stdout, stderr) = env.run(&["status", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn url_of(status: &Value, app: &str) -> String {
    let row = status["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app"] == app)
        .unwrap_or_else(|| panic!("{app} in {status}"));
    row["urls"][0]["url"].as_str().unwrap().to_owned()
}

/// GET from the host, through the published port, with busybox-free std networking.
fn http_get(url: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).unwrap();
    body
}

fn started_at(container: &str) -> String {
    docker(&["inspect", "-f", "{{.State.StartedAt}}", container])
}

#[test]
fn a_six_app_dag_starts_in_order_with_discovery_inside() {
    if !engine_available() {
        return;
    }
    let tcp = format!(
        "run:\n  image: {}\nexpose:\n- name: default\n  port: 7000\n  health_check: {{type: tcp}}\n",
        image("tcp")
    );
    let exec_checked = format!(
        "run:\n  image: {}\nexpose:\n- name: http\n  port: 8080\n  health_check:\n    type: exec\n    command: [sh, -c, 'test -f /www/_health']\nresources: {{cpu: 0.5, max_mem: 0.064}}\n",
        image("http")
    );
    let env = TestEnv::new(
        "dag",
        &[
            ("db", &tcp),
            ("cache", &http_app("http", &[], "")),
            ("store", &exec_checked),
            (
                "api",
                &http_app("env", &["db", "cache", "store"], "env: [DB_URL]\n"),
            ),
            ("worker", &http_app("http", &["api"], "")),
            ("web", &http_app("env", &["api", "worker"], "")),
        ],
    );
    env.environment_file("apps:\n  api:\n    env: {DB_URL: 'tcp://db:7000/main'}\n");
    let (code, _, stderr) = env.run(&["start", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("6 apps ready (6 started, 0 unchanged)"),
        "{stderr}"
    );

    // Every app started only after each of its dependencies.
    for (app, dependencies) in [
        ("api", vec!["db", "cache", "store"]),
        ("worker", vec!["api"]),
        ("web", vec!["api", "worker"]),
    ] {
        for dependency in dependencies {
            assert!(
                started_at(&env.container(dependency)) < started_at(&env.container(app)),
                "{dependency} before {app}"
            );
        }
    }

    // The discovery values are in the container…
    let status = status_json(&env);
    let api_env = http_get(&url_of(&status, "api"), "/cgi-bin/env");
    for expected in [
        "SERVICE_DB_DEFAULT_HOST=db",
        "SERVICE_DB_DEFAULT_PORT=7000",
        "SERVICE_DB_DEFAULT_PROTO=tcp",
        "SERVICE_CACHE_HTTP_HOST=cache",
        "SERVICE_CACHE_HTTP_PROTO=http",
        "SERVICE_STORE_HTTP_PORT=8080",
        "DB_URL=tcp://db:7000/main",
        "_APP_NAME=api",
    ] {
        assert!(api_env.contains(expected), "{expected} in {api_env}");
    }
    assert!(api_env.contains(&format!("_DEPLOY_ENV={}", env.name)));
    // …and they resolve on the environment's network.
    let echoed = docker(&[
        "exec",
        &env.container("api"),
        "sh",
        "-c",
        "echo ping | nc -w 2 $SERVICE_DB_DEFAULT_HOST $SERVICE_DB_DEFAULT_PORT",
    ]);
    assert_eq!(echoed, "ping");
    let health = docker(&[
        "exec",
        &env.container("web"),
        "sh",
        "-c",
        "timeout 3 wget -q -O- http://$SERVICE_API_HTTP_HOST:$SERVICE_API_HTTP_PORT/_health",
    ]);
    assert_eq!(health, "ok");

    // Ports bind to loopback; init is on; resources become limits; labels are set.
    let inspect = docker(&["inspect", "-f", "{{json .HostConfig.PortBindings}} {{.HostConfig.Init}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{index .Config.Labels \"dev.ark.app\"}}", &env.container("store")]);
    assert!(inspect.contains(r#""HostIp":"127.0.0.1""#), "{inspect}");
    assert!(
        inspect.contains(" true 64000000 500000000 store"),
        "{inspect}"
    );
    assert!(
        status["apps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["ready"] == true),
        "{status}"
    );
}

#[test]
fn a_second_start_changes_nothing_and_one_changed_variable_recreates_only_its_app() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "noop",
        &[
            ("front", &http_app("http", &["back"], "env: {MODE: a}\n")),
            ("back", &http_app("http", &[], "env: {MODE: a}\n")),
        ],
    );
    let (code, _, stderr) = env.run(&["start", "front", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let before = env.container_ids();

    let (code, _, stderr) = env.run(&["start", "front", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("2 apps already running, nothing to change"),
        "{stderr}"
    );
    assert_eq!(env.container_ids(), before);

    let (code, _, stderr) = env.run(&[
        "start",
        "front",
        "--progress",
        "plain",
        "--set",
        "back.MODE=b",
    ]);
    assert_eq!(code, 0, "{stderr}");
    // The running app rolls over to its new revision; the other is left as it is.
    assert!(
        stderr.contains("| starting new revision 2 (env MODE changed)"),
        "{stderr}"
    );
    assert!(!stderr.contains("front | starting new"), "{stderr}");
    let after = env.container_ids();
    assert_eq!(after[1], before[1], "front is untouched");
    assert_ne!(after[0], before[0], "back is new");

    // A dry run prints the same decision and changes nothing.
    let (code, stdout, _) = env.run(&["start", "front", "--dry-run", "--set", "back.MODE=c"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("back — rollover: env MODE changed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("front — leave (running, unchanged)"),
        "{stdout}"
    );
    assert_eq!(env.container_ids(), after);
}

#[test]
fn a_crash_on_start_says_why_and_disturbs_nothing_else() {
    if !engine_available() {
        return;
    }
    let crasher = format!("run:\n  image: {}\nexpose:\n- name: http\n  port: 8080\n  health_check: {{type: http, path: /}}\n", image("crash"));
    let env = TestEnv::new(
        "crash",
        &[
            ("crasher", &crasher),
            ("needs-it", &http_app("http", &["crasher"], "")),
            ("bystander", &http_app("http", &[], "")),
        ],
    );
    let (code, _, stderr) = env.run(&["start", "needs-it", "bystander", "--progress", "plain"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("error: `crasher` exited with code 3"),
        "{stderr}"
    );
    // Said once in the error; the table points there instead of repeating it.
    assert!(!stderr.contains("  exit code: 3"), "{stderr}");
    assert!(stderr.contains("crasher    failed (see above)"), "{stderr}");
    // The app wrote 26 lines (25 on stdout, `fatal: boom` on stderr). Docker orders the two
    // streams as they arrive, so where the stderr line falls varies; the last 20 lines always
    // end with `line 25` and never reach back to lines 1-5.
    let logs: Vec<&str> = stderr
        .split("last 20 log lines:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no log lines in {stderr}"))
        .lines()
        .take_while(|l| l.starts_with("    "))
        .map(str::trim)
        .collect();
    assert_eq!(logs.len(), 20, "{stderr}");
    assert!(logs.contains(&"line 25"), "{stderr}");
    let written: Vec<String> = (1..=25)
        .map(|n| format!("line {n}"))
        .chain(["fatal: boom".to_owned()])
        .collect();
    assert!(
        logs.iter().all(|l| written.iter().any(|w| w == l)),
        "{stderr}"
    );
    assert!(
        !logs
            .iter()
            .any(|l| ["line 1", "line 2", "line 3", "line 4", "line 5"].contains(l)),
        "{stderr}"
    );
    assert!(
        stderr.contains("needs-it   not started (its dependency crasher failed)"),
        "{stderr}"
    );
    assert!(stderr.contains("bystander  ready"), "{stderr}");
    // The failed container stays for inspection; the dependent was created (creation does
    // not wait for dependencies) but never started.
    let apps: Vec<String> = env
        .container_ids()
        .into_iter()
        .map(|(app, _)| app)
        .collect();
    assert_eq!(apps, ["bystander", "crasher", "needs-it"]);
    assert_eq!(
        docker(&[
            "inspect",
            "-f",
            "{{.State.Status}}",
            &env.container("needs-it")
        ]),
        "created"
    );
    assert_eq!(
        docker(&[
            "inspect",
            "-f",
            "{{.State.Running}}",
            &env.container("bystander")
        ]),
        "true"
    );
}

#[test]
fn a_check_that_never_passes_times_out_naming_the_last_probe() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("never", &[("stuck", &http_app("never-ready", &[], ""))]);
    let (code, _, stderr) = env.run(&["start", "stuck", "--timeout", "3s", "--progress", "plain"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("error: `stuck` not ready after 3s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("last probe: GET /_health → 404"),
        "{stderr}"
    );
    assert!(
        stderr.contains("never-ready: not ready"),
        "its log lines: {stderr}"
    );
}

#[test]
fn stop_restart_and_down_touch_only_what_ark_made() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "life",
        &[
            ("front", &http_app("http", &["back"], "")),
            ("back", &http_app("http", &[], "")),
        ],
    );
    let stranger = format!("stranger-{}", env.name);
    docker(&[
        "run",
        "-d",
        "--name",
        &stranger,
        "--label",
        "dev.ark.app=back",
        &image("http"),
    ]);
    let cleanup = scopeguard(stranger.clone());

    assert_eq!(env.run(&["start", "front", "--progress", "plain"]).0, 0);
    // Stopping an app stops its dependents first.
    let (code, _, stderr) = env.run(&["stop", "back", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.find("front | stopped").unwrap() < stderr.find("back  | stopping").unwrap(),
        "{stderr}"
    );
    let status = status_json(&env);
    assert!(
        status["apps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["ready"] == false && a["state"].as_str().unwrap().starts_with("exited")),
        "{status}"
    );

    let (code, _, stderr) = env.run(&["restart", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(status_json(&env)["apps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["ready"] == true));

    let (code, _, stderr) = env.run(&["down", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(env.container_ids().is_empty());
    assert!(
        !docker_try(&["network", "inspect", &format!("ark_{}", env.name)]).0,
        "the network is gone"
    );
    assert_eq!(
        docker(&["inspect", "-f", "{{.State.Running}}", &stranger]),
        "true",
        "a container without ark's labels survives"
    );
    drop(cleanup);

    let (code, _, stderr) = env.run(&["status"]);
    assert_eq!(code, 3);
    assert!(
        stderr.contains(&format!(
            "environment `{}` has nothing on the engine",
            env.name
        )),
        "{stderr}"
    );
}

/// Removes a container when dropped.
fn scopeguard(container: String) -> impl Drop {
    struct Guard(String);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = docker_try(&["rm", "-f", &self.0]);
        }
    }
    Guard(container)
}

#[test]
fn ctrl_c_mid_start_exits_130_and_start_again_converges() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "sigint",
        &[("slow", &http_app("slow", &[], "env: {START_DELAY: '4'}\n"))],
    );
    let mut child = env.spawn(&["start", "slow", "--progress", "plain"]);
    // Wait until the container is running, then interrupt the wait for readiness.
    let deadline = Instant::now() + Duration::from_secs(60);
    while docker_try(&[
        "inspect",
        "-f",
        "{{.State.Running}}",
        &env.container("slow"),
    ])
    .1 != "true"
    {
        assert!(Instant::now() < deadline, "the container never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    Process::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));

    let (code, _, stderr) = env.run(&["start", "slow", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(env.container_ids().len(), 1);
}

#[test]
fn two_concurrent_starts_make_one_of_each_app() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "race",
        &[
            ("a", &http_app("http", &["b", "c"], "")),
            ("b", &http_app("http", &[], "")),
            ("c", &http_app("http", &[], "")),
        ],
    );
    let spawn = || env.spawn(&["start", "a", "--progress", "plain"]);
    let (first, second) = (spawn(), spawn());
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let apps: Vec<String> = env
        .container_ids()
        .into_iter()
        .map(|(app, _)| app)
        .collect();
    assert_eq!(apps, ["a", "b", "c"]);
    let networks = docker(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("name=^ark_{}$", env.name),
    ]);
    assert_eq!(networks.lines().count(), 1, "one network");
}

#[test]
fn a_local_build_is_tagged_by_content_and_not_rebuilt_when_unchanged() {
    if !engine_available() {
        return;
    }
    image("http"); // seeds busybox:latest when missing
    let definition = "expose:\n- name: http\n  port: 8080\n  health_check: {type: http, path: /_health}\nbuild:\n  docker:\n    file: Dockerfile\n";
    let env = TestEnv::new("local", &[("svc", definition)]);
    let repo = env.dir.path().join("apps/svc");
    common::write(&repo.join("Dockerfile"), "FROM busybox:latest\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n");
    common::write(&repo.join("www/_health"), "v1\n");
    common::write(&repo.join(".dockerignore"), "scratch/\n");

    let (code, _, stderr) = env.run(&["start", "svc", "-l", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("svc | building ark-local/svc:"), "{stderr}");
    let tag = docker(&[
        "inspect",
        "-f",
        "{{index .Config.Labels \"dev.ark.image\"}}",
        &env.container("svc"),
    ]);
    assert!(tag.starts_with("ark-local/svc:"), "{tag}");
    let _cleanup_image = common::engine::ImageGuard(vec![tag.clone()]);

    // An ignored file changes nothing; the same checkout is not rebuilt.
    common::write(&repo.join("scratch/notes.txt"), "ignored");
    let (code, _, stderr) = env.run(&["start", "svc", "-l", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("building"), "{stderr}");
    assert!(stderr.contains("nothing to change"), "{stderr}");

    // A changed file is a new image, and the app is recreated with it.
    common::write(&repo.join("www/_health"), "v2\n");
    let (code, _, stderr) = env.run(&["start", "svc", "-l", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("svc | starting new revision 2 (image changed)"),
        "{stderr}"
    );
    let new_tag = docker(&[
        "inspect",
        "-f",
        "{{index .Config.Labels \"dev.ark.image\"}}",
        &env.container("svc"),
    ]);
    assert_ne!(new_tag, tag);
    let _cleanup_new = common::engine::ImageGuard(vec![new_tag]);
    let url = url_of(&status_json(&env), "svc");
    assert!(http_get(&url, "/_health").ends_with("v2\n"));
}

#[test]
fn an_image_that_is_neither_here_nor_pullable_says_how_to_build_it() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "nopull",
        &[("ghost", "run:\n  image: ark-test-does-not-exist:never\n")],
    );
    let (code, _, stderr) = env.run(&["start", "ghost", "--progress", "plain"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "error: image `ark-test-does-not-exist:never` is not on the engine and cannot be pulled; `ghost` runs it"
        ),
        "{stderr}"
    );
}

#[test]
fn a_pinned_port_in_use_is_reported_before_anything_is_created() {
    if !engine_available() {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let env = TestEnv::new("pinned", &[("web", &http_app("http", &[], ""))]);
    env.environment_file(&format!("apps:\n  web:\n    ports: {{http: {port}}}\n"));
    let (code, _, stderr) = env.run(&["start", "web"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port} (web http) is already in use")),
        "{stderr}"
    );
    assert!(env.container_ids().is_empty(), "nothing was created");
}

#[test]
fn docker_host_over_tcp_reaches_the_same_engine() {
    if !engine_available() {
        return;
    }
    let Some(proxy) = common::engine::TcpProxy::start() else {
        return;
    };
    let port = proxy.port;
    let env = TestEnv::new("tcp", &[("web", &http_app("http", &[], ""))]);
    let host = format!("tcp://127.0.0.1:{port}");
    let (code, _, stderr) = output(env.ark().env("DOCKER_HOST", &host).args([
        "-v",
        "start",
        "web",
        "--progress",
        "plain",
        "-e",
        &env.name,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("engine: {host} (from DOCKER_HOST)")),
        "{stderr}"
    );
    let (code, stdout, _) = output(
        env.ark()
            .env("DOCKER_HOST", &host)
            .args(["status", "-e", &env.name]),
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("web"));
}

#[test]
fn an_unreachable_engine_exits_4_naming_the_endpoint() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = common::tree(&[("launch/web.yml", "")]);
    let host = format!("tcp://127.0.0.1:{closed}");
    let (code, _, stderr) = output(
        common::ark()
            .current_dir(dir.path())
            .env("DOCKER_HOST", &host)
            .args(["start", "-e", "x", "web"]),
    );
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot reach the container engine at {host} (from DOCKER_HOST)"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("hint: start the engine, or point ark at another with -H/--host, DOCKER_HOST or --context"), "{stderr}");
    let (code, _, stderr) = output(common::ark().current_dir(dir.path()).args([
        "-H",
        "unix:///nonexistent/docker.sock",
        "status",
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("unix:///nonexistent/docker.sock (from --host)"),
        "{stderr}"
    );
}

#[test]
fn exec_passes_stdin_through_and_returns_the_exit_code() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("exec", &[("box", &http_app("http", &[], ""))]);
    assert_eq!(env.run(&["start", "box", "--progress", "plain"]).0, 0);
    let (code, stdout, _) = output(
        env.ark()
            .args([
                "exec",
                "-e",
                &env.name,
                "box",
                "--",
                "sh",
                "-c",
                "cat; echo \"in $_APP_NAME\"; exit 7",
            ])
            .write_stdin("hello\n"),
    );
    assert_eq!(code, 7);
    assert_eq!(stdout, "hello\nin box\n");
    let (code, _, stderr) = output(
        env.ark()
            .args(["exec", "-e", &env.name, "nope", "--", "true"]),
    );
    assert_eq!(code, 3);
    assert!(
        stderr.contains("`nope` is not part of environment"),
        "{stderr}"
    );
}

#[test]
fn without_checks_the_images_own_healthcheck_decides() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "hc",
        &[("hc", &format!("run:\n  image: {}\n", image("healthcheck")))],
    );
    let (code, _, stderr) = env.run(&["start", "hc", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    // ark returned only once the engine's own check passed.
    assert_eq!(
        docker(&[
            "inspect",
            "-f",
            "{{.State.Health.Status}}",
            &env.container("hc")
        ]),
        "healthy"
    );
    assert!(
        stderr.contains("the image's HEALTHCHECK says starting"),
        "{stderr}"
    );
}

/// An engine on another host (here: this one's docker bridge address, which is not loopback)
/// publishes ports on that host's loopback, out of reach from here: readiness then probes
/// from inside each container (busybox's wget and nc), and `ark status` says how to reach them.
#[test]
fn an_engine_elsewhere_over_tcp_is_probed_from_inside_the_containers() {
    if !engine_available() {
        return;
    }
    // One of this machine's own addresses that is not loopback (the docker bridge's, say).
    let listed = Process::new("hostname")
        .arg("-I")
        .output()
        .expect("hostname runs");
    let bridge = String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .find(|a| {
            a.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| !ip.is_loopback())
        })
        .expect("this machine has a non-loopback IPv4 address")
        .to_owned();
    let Some(proxy) = common::engine::TcpProxy::on(&bridge) else {
        return;
    };
    let tcp = format!(
        "run:\n  image: {}\nexpose:\n- name: default\n  port: 7000\n  health_check: {{type: tcp}}\n",
        image("tcp")
    );
    let env = TestEnv::new(
        "elsewhere",
        &[("db", &tcp), ("web", &http_app("http", &["db"], ""))],
    );
    let host = format!("tcp://{bridge}:{}", proxy.port);
    let (code, _, stderr) = output(env.ark().env("DOCKER_HOST", &host).args([
        "-v",
        "start",
        "web",
        "--progress",
        "plain",
        "-e",
        &env.name,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "readiness probes go to published ports on {bridge}"
        )),
        "{stderr}"
    );
    let (code, stdout, stderr) = output(
        env.ark()
            .env("DOCKER_HOST", &host)
            .args(["status", "-e", &env.name, "-o", "json"]),
    );
    assert_eq!(code, 0, "{stderr}");
    let status: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let apps = status["apps"].as_array().unwrap();
    assert!(apps.iter().all(|a| a["ready"] == true), "{stdout}");
    let reach = apps[0]["urls"][0]["reach"].as_str().unwrap_or_default();
    assert!(
        reach.starts_with("ssh -N -L ") && reach.contains(&bridge),
        "{stdout}"
    );
}
