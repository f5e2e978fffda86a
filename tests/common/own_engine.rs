//! A Docker engine of a test's own: a second `dockerd` with its own data root (so it starts
//! with no images at all) in its own network namespace (so no registry is reachable: pulls
//! fail exactly as on a machine offline). ark runs inside the same namespace, so readiness
//! probes reach the containers and their published loopback ports.
//!
//! ```ignore
//! let Some(engine) = OwnEngine::start() else { return };   // skipped (or fails under CI=true)
//! let (code, out, err) = common::output(engine.ark().args(["start", "-e", "demo", "web"]));
//! let (code, _, _) = common::output(engine.command("bash").args(["-c", "./install.sh"]));
//! ```
//!
//! Faults are the test's to make: `kill("KILL")` (a crash: the daemon's containerd dies
//! with it, the containers and their shims live on), `kill("TERM")`, `restart()`,
//! `freeze()`/`thaw()` (SIGSTOP/SIGCONT).
//!
//! Dropping it stops the daemon (and its containers) and removes the namespace and the
//! folder. Needs root, `ip`, `nsenter` and `dockerd`.

use super::ark_isolated;
use assert_cmd::Command;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub struct OwnEngine {
    netns: String,
    dir: PathBuf,
    socket: PathBuf,
    daemon: Option<Child>,
    /// More `dockerd` arguments, as `start_with` was given them.
    extra_args: Vec<String>,
}

/// How long a fresh daemon may take to answer `/_ping`.
const STARTUP: Duration = Duration::from_secs(90);

impl OwnEngine {
    /// Starts an empty engine. `None` (and a note on stderr) where it cannot run here; under
    /// `CI=true` that is a failure instead.
    pub fn start() -> Option<OwnEngine> {
        OwnEngine::start_with(&[])
    }

    /// The same, its `dockerd` given `daemon_args` too (e.g. an address pool of its own).
    #[allow(clippy::print_stderr)] // a skipped test says why
    pub fn start_with(daemon_args: &[&str]) -> Option<OwnEngine> {
        if let Some(missing) = missing_prerequisite() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but a test-owned Docker engine cannot run here: {missing}"
            );
            eprintln!("skipped: a test-owned Docker engine cannot run here: {missing}");
            return None;
        }
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let unique = format!(
            "{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        let netns = format!("ark-t-{unique}");
        // Short: a unix socket path has a length limit.
        let dir = PathBuf::from(format!("/tmp/ark-engine-{unique}"));
        std::fs::create_dir_all(&dir).expect("the engine's folder is made");
        let mut engine = OwnEngine {
            socket: dir.join("docker.sock"),
            netns,
            dir,
            daemon: None,
            extra_args: daemon_args.iter().map(|a| (*a).to_owned()).collect(),
        };
        run(&["ip", "netns", "add", &engine.netns]);
        run(&[
            "ip",
            "netns",
            "exec",
            &engine.netns,
            "ip",
            "link",
            "set",
            "lo",
            "up",
        ]);
        engine.daemon = Some(engine.spawn_daemon());
        engine.wait_for_ping();
        Some(engine)
    }

    /// The engine's network namespace, as `nsenter --net=` and `setns` take it.
    pub fn netns_path(&self) -> PathBuf {
        PathBuf::from(format!("/var/run/netns/{}", self.netns))
    }

    /// The engine's socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `unix:///…/docker.sock`, for `DOCKER_HOST`.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// `program` run inside the engine's namespace with `DOCKER_HOST` naming the engine (for
    /// anything else a test runs there: a shell, `./install.sh`, the docker CLI).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new("nsenter");
        command
            .arg(format!("--net=/var/run/netns/{}", self.netns))
            .arg(program)
            .env_remove("DOCKER_CONTEXT")
            .env("DOCKER_HOST", self.docker_host());
        command
    }

    /// `ark` run inside the engine's namespace, talking to it, with no user config, from
    /// the repository's root.
    pub fn ark(&self) -> Command {
        ark_in_netns(&self.netns, &self.docker_host())
    }

    /// `ark` as a process to spawn (run in the background while the test makes a fault),
    /// isolated and placed as `ark()` is; its output is the caller's to direct.
    pub fn ark_process(&self) -> Process {
        let mut command = Process::new("nsenter");
        command
            .arg(format!("--net=/var/run/netns/{}", self.netns))
            .arg(assert_cmd::cargo::cargo_bin("ark"))
            .current_dir(super::repo());
        for var in super::USER_VARS {
            command.env_remove(var);
        }
        command
            .env("ARK_CONFIG", "/nonexistent/ark-config.yml")
            .env("NO_COLOR", "1")
            .env("DOCKER_HOST", self.docker_host());
        command
    }

    /// `docker ARGS…` against this engine: (success, trimmed stdout).
    pub fn docker(&self, args: &[&str]) -> (bool, String) {
        docker_at(&self.docker_host(), args)
    }

    /// Everything on the engine, as `docker` lists it: containers, networks other than
    /// the built-in ones, images. Empty lists mean nothing was made.
    pub fn contents(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let list = |args: &[&str]| -> Vec<String> {
            let (ok, out) = self.docker(args);
            assert!(ok, "docker {args:?} answers");
            out.lines()
                .filter(|l| !l.is_empty() && !["bridge", "host", "none"].contains(l))
                .map(str::to_owned)
                .collect()
        };
        (
            list(&["ps", "-aq"]),
            list(&["network", "ls", "--format", "{{.Name}}"]),
            list(&["image", "ls", "-q"]),
        )
    }

    /// Asserts that nothing was made on the engine: no container, network or image.
    pub fn assert_empty(&self) {
        let (containers, networks, images) = self.contents();
        assert!(
            containers.is_empty() && networks.is_empty() && images.is_empty(),
            "nothing was created: {containers:?} {networks:?} {images:?}"
        );
    }

    /// Sends `signal` (`KILL`, `TERM`) to the daemon and waits until it and its containerd
    /// are gone. After a `KILL` the containers and their shims live on, as after a crash.
    pub fn kill(&mut self, signal: &str) {
        if let Some(mut daemon) = self.daemon.take() {
            // A frozen daemon would never act on TERM.
            send("CONT", daemon.id());
            send(signal, daemon.id());
            let _ = daemon.wait();
        }
        // The daemon's containerd is killed when the daemon dies, a moment later: a
        // daemon started while it is still exiting takes it for alive and never answers.
        if let Some(pid) = self.containerd_pid() {
            let began = Instant::now();
            while is_alive(pid) && began.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Starts the daemon again after `kill` (stale pid files removed first, as an operator
    /// would), and waits until it answers.
    pub fn restart(&mut self) {
        if self.daemon.is_some() {
            return;
        }
        let _ = std::fs::remove_file(self.dir.join("dockerd.pid"));
        if self.containerd_pid().is_some_and(|pid| !is_alive(pid)) {
            let _ = std::fs::remove_file(self.containerd_pid_file());
        }
        self.daemon = Some(self.spawn_daemon());
        self.wait_for_ping();
    }

    /// Freezes the daemon (SIGSTOP): it keeps its connections and answers nothing.
    pub fn freeze(&self) {
        if let Some(daemon) = &self.daemon {
            send("STOP", daemon.id());
        }
    }

    /// Lets a frozen daemon go on (SIGCONT).
    pub fn thaw(&self) {
        if let Some(daemon) = &self.daemon {
            send("CONT", daemon.id());
        }
    }

    fn spawn_daemon(&self) -> Child {
        // Its own (empty) config: the machine's daemon.json names the machine's data root.
        let config = self.dir.join("daemon.json");
        std::fs::write(&config, "{}").expect("the daemon config is written");
        // Appended: a restart's log follows the crash's.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("dockerd.log"))
            .expect("a log file");
        let mut command = Process::new("nsenter");
        // `nsenter --net` rather than `ip netns exec`: the latter remounts /sys, hiding the
        // cgroup mounts dockerd needs.
        command
            .arg(format!("--net=/var/run/netns/{}", self.netns))
            .arg("dockerd")
            .arg("--config-file")
            .arg(&config)
            .arg("--data-root")
            .arg(self.dir.join("data"))
            .arg("--exec-root")
            .arg(self.dir.join("exec"))
            .arg("--pidfile")
            .arg(self.dir.join("dockerd.pid"))
            .arg("--host")
            .arg(self.docker_host())
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .args(&self.extra_args);
        // The storage driver that works on this machine's file systems (e.g. fuse-overlayfs
        // inside a container) is the one its own daemon uses.
        if let Some(driver) = machine_storage_driver() {
            command.arg("--storage-driver").arg(driver);
        }
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log is shared"))
            .stderr(log)
            .spawn()
            .expect("dockerd starts")
    }

    fn containerd_pid_file(&self) -> PathBuf {
        self.dir.join("exec/containerd/containerd.pid")
    }

    /// The daemon's containerd, as its pid file names it.
    fn containerd_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.containerd_pid_file())
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The processes running in this engine's network namespace.
    fn pids_in_namespace(&self) -> Vec<u32> {
        Process::new("ip")
            .args(["netns", "pids", &self.netns])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn wait_for_ping(&mut self) {
        let began = Instant::now();
        while !ping(&self.socket) {
            let exited = self
                .daemon
                .as_mut()
                .and_then(|d| d.try_wait().ok().flatten());
            if exited.is_some() || began.elapsed() > STARTUP {
                let log = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                panic!(
                    "the test-owned dockerd did not answer ({exited:?}); its log ends:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for OwnEngine {
    fn drop(&mut self) {
        // A killed daemon is started again, so that stopping it cleanly stops what the
        // crash left running (containerd and its containers); a frozen one is let go.
        self.thaw();
        if self.daemon.is_none() && !std::thread::panicking() {
            self.restart();
        }
        if let Some(mut daemon) = self.daemon.take() {
            // A clean stop, so dockerd stops its containers and containerd and unmounts.
            let _ = Process::new("kill")
                .args(["-TERM", &daemon.id().to_string()])
                .status();
            let began = Instant::now();
            while daemon.try_wait().ok().flatten().is_none() {
                if began.elapsed() > Duration::from_secs(40) {
                    let _ = daemon.kill();
                    let _ = daemon.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        // Whatever a crash left behind that the clean stop did not end (the daemon's own
        // containerd, shims, port proxies, container processes the daemon lost track of):
        // every process in this engine's namespace is this engine's.
        if let Some(pid) = self.containerd_pid() {
            send("KILL", pid);
        }
        for pid in self.pids_in_namespace() {
            send("KILL", pid);
        }
        let _ = Process::new("ip")
            .args(["netns", "delete", &self.netns])
            .status();
        // Mounts left under the folder (a container's /dev/shm) would stop its removal.
        for mount in mounts_under(&self.dir) {
            let _ = Process::new("umount").arg("-l").arg(mount).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `ark` run inside network namespace `netns` (a name under /var/run/netns), talking to the
/// engine at `docker_host`, with no user config, from the repository's root.
pub fn ark_in_netns(netns: &str, docker_host: &str) -> Command {
    let mut command = Command::new("nsenter");
    command
        .arg(format!("--net=/var/run/netns/{netns}"))
        .arg(assert_cmd::cargo::cargo_bin("ark"));
    ark_isolated(&mut command);
    command
        .env("DOCKER_HOST", docker_host)
        .current_dir(super::repo());
    command
}

/// `docker ARGS…` against the engine at `docker_host`: (success, trimmed stdout).
pub fn docker_at(docker_host: &str, args: &[&str]) -> (bool, String) {
    let out = Process::new("docker")
        .env("DOCKER_HOST", docker_host)
        .env_remove("DOCKER_CONTEXT")
        .args(args)
        .output()
        .expect("docker runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    )
}

/// The mount points at or below `dir`, deepest first.
fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut under: Vec<PathBuf> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(PathBuf::from)
        .filter(|m| m.starts_with(dir))
        .collect();
    under.sort_by_key(|m| std::cmp::Reverse(m.components().count()));
    under
}

/// What this machine lacks to run a second engine, if anything.
fn missing_prerequisite() -> Option<String> {
    let is_root = Process::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        return Some("not root".into());
    }
    for tool in ["ip", "nsenter", "dockerd"] {
        let found = Process::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

fn machine_storage_driver() -> Option<String> {
    let text = std::fs::read_to_string("/etc/docker/daemon.json").ok()?;
    let config: serde_json::Value = serde_json::from_str(&text).ok()?;
    config.get("storage-driver")?.as_str().map(str::to_owned)
}

fn ping(socket: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: engine\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

/// Whether process `pid` runs (a zombie, dead but not yet reaped, does not).
fn is_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the command's closing parenthesis.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

fn send(signal: &str, pid: u32) {
    let _ = Process::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status();
}

fn run(args: &[&str]) {
    let status = Process::new(args[0])
        .args(&args[1..])
        .status()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(status.success(), "{args:?} failed");
}
