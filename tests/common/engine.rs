//! Helpers for tests that run against the real Docker engine: a unique environment per
//! test, removed by label when the test ends (also when it fails), and the test images
//! built once. In CI (`CI=true`) a missing engine fails the test; elsewhere it skips.

use super::{ark, repo, write};
use assert_cmd::Command;
use std::collections::BTreeSet;
use std::process::Command as Process;
use std::sync::{Mutex, OnceLock};

/// Whether an engine answers. Panics in CI when none does: engine tests never skip there.
#[allow(clippy::print_stderr)] // a skipped test says why
pub fn engine_available() -> bool {
    static ANSWER: OnceLock<bool> = OnceLock::new();
    let available = *ANSWER.get_or_init(|| {
        Process::new("docker")
            .args(["version", "--format", "{{.Server.APIVersion}}"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !available {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no Docker engine answers: engine tests must not skip in CI"
        );
        eprintln!("skipped: no Docker engine answers (set CI=true to make this a failure)");
    }
    available
}

/// `docker ARGS…` → trimmed stdout; panics with stderr when it fails.
pub fn docker(args: &[&str]) -> String {
    let out = Process::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `docker ARGS…` that may fail: (success, stdout).
pub fn docker_try(args: &[&str]) -> (bool, String) {
    let out = Process::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    )
}

/// `busybox:latest`, made from Debian's static busybox when the engine has none (no
/// registry here): what the test images and plain test apps run.
pub fn busybox() -> &'static str {
    if !docker_try(&["image", "inspect", "busybox:latest"]).0 {
        let seeded = Process::new("bash")
            .arg(repo().join("scripts/seed-busybox.sh"))
            .status()
            .expect("seed script runs");
        assert!(seeded.success(), "scripts/seed-busybox.sh failed");
    }
    "busybox:latest"
}

/// The test image `tests/images/<name>`, built once per test run: `ark-test-<name>:latest`.
pub fn image(name: &str) -> String {
    static BUILT: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    let tag = format!("ark-test-{name}:latest");
    if !built.contains(name) {
        busybox();
        let context = repo().join("tests/images").join(name);
        docker(&["build", "-q", "-t", &tag, context.to_str().unwrap()]);
        built.insert(name.to_owned());
    }
    tag
}

/// Images a test built, removed when it ends (also when it fails).
pub struct ImageGuard(pub Vec<String>);

impl Drop for ImageGuard {
    fn drop(&mut self) {
        for image in &self.0 {
            let _ = docker_try(&["rmi", "-f", image]);
        }
    }
}

/// One test's environment: its own name, apps folder and environments folder. Everything
/// the engine has under that name is removed when it is dropped.
pub struct TestEnv {
    pub name: String,
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    /// `apps`: (app name, definition text) — written as checkouts `apps/<app>/launch/<app>.yml`.
    pub fn new(tag: &str, apps: &[(&str, &str)]) -> TestEnv {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t-{tag}-{}-{}",
            std::process::id() % 100_000,
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let dir = tempfile::tempdir().expect("temp dir");
        for (app, text) in apps {
            write(
                &dir.path().join(format!("apps/{app}/launch/{app}.yml")),
                text,
            );
        }
        std::fs::create_dir_all(dir.path().join("environments")).unwrap();
        TestEnv { name, dir }
    }

    /// Writes this environment's own file.
    pub fn environment_file(&self, text: &str) {
        write(
            &self
                .dir
                .path()
                .join(format!("environments/{}.yml", self.name)),
            text,
        );
    }

    /// `ark` pointed at this test's folders, run inside them.
    pub fn ark(&self) -> Command {
        let mut command = ark();
        command
            .current_dir(self.dir.path())
            .args(["--apps", "apps", "--environments", "environments"])
            .env_remove("CI_QUIET");
        command
    }

    /// `ark ARGS…` with `-e <this env>` appended: (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut command = self.ark();
        command.args(args).args(["-e", &self.name]);
        super::output(&mut command)
    }

    /// `ark ARGS… -e <this env>` as a child process with stdout and stderr piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Process::new(assert_cmd::cargo::cargo_bin("ark"))
            .current_dir(self.dir.path())
            .args(["--apps", "apps", "--environments", "environments"])
            .args(args)
            .args(["-e", &self.name])
            .env("ARK_CONFIG", "/nonexistent")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("ark runs")
    }

    /// The container id of each app (the one holding the app's name, not a retired
    /// revision), by label.
    pub fn container_ids(&self) -> Vec<(String, String)> {
        let filter = format!("label=dev.ark.environment={}", self.name);
        let listed = docker(&[
            "ps",
            "-a",
            "--filter",
            &filter,
            "--format",
            "{{.Label \"dev.ark.app\"}} {{.ID}} {{.Names}}",
        ]);
        let mut ids: Vec<(String, String)> = listed
            .lines()
            .filter_map(|l| {
                let mut words = l.split(' ');
                let (app, id, name) = (words.next()?, words.next()?, words.next()?);
                (name == self.container(app)).then(|| (app.to_owned(), id.to_owned()))
            })
            .collect();
        ids.sort();
        ids
    }

    pub fn container(&self, app: &str) -> String {
        format!("ark_{}_{app}", self.name)
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let filter = format!("label=dev.ark.environment={}", self.name);
        let (_, ids) = docker_try(&["ps", "-aq", "--filter", &filter]);
        let ids: Vec<&str> = ids.lines().collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(ids);
            let _ = docker_try(&args);
        }
        let (_, networks) = docker_try(&["network", "ls", "-q", "--filter", &filter]);
        for network in networks.lines() {
            let _ = docker_try(&["network", "rm", network]);
        }
    }
}

/// A definition running a test image with an http check on 8080.
pub fn http_app(image_name: &str, dependencies: &[&str], extra: &str) -> String {
    format!(
        "run:\n  image: {}\nexpose:\n- name: http\n  port: 8080\n  health_check: {{type: http, path: /_health}}\ndependencies: [{}]\n{extra}",
        image(image_name),
        dependencies.join(", ")
    )
}

/// The local engine over TCP: socat forwarding 127.0.0.1:PORT to the docker socket, the way a
/// remote engine is reached. Killed when dropped (also when the test fails).
pub struct TcpProxy {
    child: Option<std::process::Child>,
    pub port: u16,
}

impl TcpProxy {
    /// `None` (the test skips) when socat is missing; in CI that is a failure instead.
    pub fn start() -> Option<TcpProxy> {
        TcpProxy::on("127.0.0.1")
    }

    /// The same, listening on `address` (one of this machine's).
    #[allow(clippy::print_stderr)] // a skipped test says why
    pub fn on(address: &str) -> Option<TcpProxy> {
        if Process::new("socat").arg("-V").output().is_err() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI must install socat"
            );
            eprintln!("skipped: socat is not installed");
            return None;
        }
        let port = std::net::TcpListener::bind((address, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Process::new("socat")
            .args([
                format!("TCP-LISTEN:{port},bind={address},reuseaddr,fork"),
                "UNIX-CONNECT:/var/run/docker.sock".into(),
            ])
            .spawn()
            .expect("socat runs");
        let proxy = TcpProxy {
            child: Some(child),
            port,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect((address, port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "socat never listened");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Some(proxy)
    }

    /// `tcp://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// Stops forwarding: the endpoint no longer answers.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.stop();
    }
}
