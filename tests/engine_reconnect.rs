//! `ark logs -f` and `ark metrics` while their engine dies and comes back: a test-owned
//! dockerd (`common::own_engine`, never the machine's) is killed with SIGKILL or SIGTERM
//! and started again, or frozen with SIGSTOP and let go. ark says once that the engine went
//! away, waits, says it is back, and goes on: every line the engine has is shown exactly
//! once, in order, across the gap.
//! `ARK_FAULT_TRIALS=N` repeats each fault N times on one engine (default 1).
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;

use common::own_engine::OwnEngine;
use common::{output, tree};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One test engine at a time: each is a whole dockerd, and the machine's cores are shared.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const ENV: &str = "rc";
const APP: &str = "counter";

/// Prints `n N` every 100 ms; N goes on counting when its container is started again (the
/// count is kept in the container's own file system, replaced whole so a kill cannot leave
/// it empty).
const COUNTER: &str = "run:\n  image: busybox:latest\n  command: [sh, -c, 'n=$(cat /tmp/n 2>/dev/null || echo 0); while :; do n=$((n+1)); echo $n >/tmp/n.new; mv /tmp/n.new /tmp/n; echo \"n $n\"; usleep 100000; done']\n";

/// How long anything awaited may take (a daemon restart with its containers).
const PATIENCE: Duration = Duration::from_secs(120);

fn trials() -> usize {
    std::env::var("ARK_FAULT_TRIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// An engine of the test's own with the counter app running on it.
struct Setup {
    _turn: std::sync::MutexGuard<'static, ()>,
    engine: OwnEngine,
    dir: tempfile::TempDir,
}

impl Setup {
    fn start() -> Option<Setup> {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let engine = OwnEngine::start()?;
        let dir = tree(&[
            (&format!("apps/{APP}/launch/{APP}.yml"), COUNTER),
            (&format!("environments/{ENV}.yml"), "env: {}\n"),
        ]);
        let setup = Setup {
            _turn: turn,
            engine,
            dir,
        };
        setup.converge();
        Some(setup)
    }

    /// `ark start`: the app runs (again, when the engine's restart stopped it).
    fn converge(&self) {
        let (code, _, stderr) = output(
            self.engine
                .ark()
                .current_dir(self.dir.path())
                .args(["--apps", "apps", "--environments", "environments"])
                .args(["start", "-e", ENV, APP, "--progress", "plain"]),
        );
        assert_eq!(code, 0, "{stderr}");
    }

    /// `ark ARGS… -e rc` running, its output collected line by line.
    fn watch(&self, args: &[&str]) -> Watched {
        let mut child = Process::new(assert_cmd::cargo::cargo_bin("ark"))
            .current_dir(self.dir.path())
            .args(["--apps", "apps", "--environments", "environments"])
            .args(args)
            .args(["-e", ENV])
            .env("ARK_CONFIG", "/nonexistent/ark-config.yml")
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_CONTEXT")
            .env("DOCKER_HOST", self.engine.docker_host())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ark runs");
        let stdout = collect(child.stdout.take().expect("piped"));
        let stderr = collect(child.stderr.take().expect("piped"));
        Watched {
            child,
            stdout,
            stderr,
        }
    }

    /// Makes `fault` while `watched` runs and ends it (a killed engine is started again and
    /// the app brought back); `watched` says (for the `nth` time) that the engine went away
    /// and is back. `tries`: how many failed tries `watched` shows (with `-v`) before the
    /// engine comes back.
    fn fault(&mut self, watched: &Watched, fault: Fault, nth: usize, tries: usize) {
        match fault {
            Fault::Signal(signal) => self.engine.kill(signal),
            Fault::Freeze => self.engine.freeze(),
        }
        watched.until("the notice that the engine went away", |_, err| {
            count(err, WENT_AWAY) > nth
        });
        watched.until("tries while the engine is away", |_, err| {
            let gone = err.iter().rposition(|l| l.contains(WENT_AWAY)).unwrap_or(0);
            count(&err[gone..], STILL_AWAY) >= tries
        });
        match fault {
            Fault::Signal(_) => {
                self.engine.restart();
                // The engine's own restart stops what ran on it: `ark start` brings the
                // app back.
                self.converge();
            }
            Fault::Freeze => self.engine.thaw(),
        }
        watched.until("the notice that the engine is back", |_, err| {
            count(err, BACK) > nth
        });
    }

    /// What the engine has of the app's output (its own log file), as lines.
    fn engine_log(&self) -> Vec<String> {
        let (ok, log) = self.engine.docker(&["logs", &format!("ark_{ENV}_{APP}")]);
        assert!(ok, "docker logs answers");
        log.lines().map(str::to_owned).collect()
    }
}

/// Lines as they arrived, with when.
type Lines = Arc<Mutex<Vec<(Instant, String)>>>;

fn collect(stream: impl std::io::Read + Send + 'static) -> Lines {
    let lines: Lines = Arc::default();
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock().unwrap().push((Instant::now(), line));
        }
    });
    lines
}

struct Watched {
    child: Child,
    stdout: Lines,
    stderr: Lines,
}

impl Watched {
    fn out(&self) -> Vec<String> {
        texts(&self.stdout)
    }

    fn err(&self) -> Vec<String> {
        texts(&self.stderr)
    }

    /// Waits until `done` holds for (stdout, stderr).
    fn until(&self, what: &str, done: impl Fn(&[String], &[String]) -> bool) {
        let began = Instant::now();
        while !done(&self.out(), &self.err()) {
            assert!(
                began.elapsed() < PATIENCE,
                "{what}: not within {PATIENCE:?}\nstdout: {:?}\nstderr: {:?}",
                self.out().iter().rev().take(20).collect::<Vec<_>>(),
                self.err()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// When the `nth` stderr line containing `words` arrived.
    fn said_at(&self, words: &str, nth: usize) -> Instant {
        self.stderr
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, l)| l.contains(words))
            .nth(nth)
            .map(|(at, _)| *at)
            .unwrap_or_else(|| panic!("stderr says `{words}` ({nth}): {:?}", self.err()))
    }

    /// Ctrl-C; the exit code.
    fn interrupt(self) -> (i32, Vec<String>, Vec<String>) {
        let _ = Process::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        self.finish()
    }

    fn finish(mut self) -> (i32, Vec<String>, Vec<String>) {
        let status = self.child.wait().expect("ark ends");
        // The readers see the end of both pipes.
        let began = Instant::now();
        while Arc::strong_count(&self.stdout) + Arc::strong_count(&self.stderr) > 2
            && began.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        (status.code().unwrap_or(-1), self.out(), self.err())
    }
}

fn texts(lines: &Lines) -> Vec<String> {
    lines
        .lock()
        .unwrap()
        .iter()
        .map(|(_, l)| l.clone())
        .collect()
}

/// The N of `counter | n N` lines.
fn numbers(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(&format!("{APP} | n "))?.parse().ok())
        .collect()
}

fn count(lines: &[String], words: &str) -> usize {
    lines.iter().filter(|l| l.contains(words)).count()
}

const WENT_AWAY: &str = "went away";
const BACK: &str = "is back after";
const STILL_AWAY: &str = "engine still away";

/// What happens to the engine.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// `kill -SIG` (`KILL`: a crash, `TERM`: a stop), then started again.
    Signal(&'static str),
    /// SIGSTOP (it answers nothing), then SIGCONT.
    Freeze,
}

/// Makes each fault in turn while `logs -f` runs, and checks that it resumed each time.
fn logs_follow_outlives(faults: &[Fault]) {
    let Some(mut setup) = Setup::start() else {
        return;
    };
    // `-v`: each failed try is said, so a test can wait for some.
    let followed = setup.watch(&["logs", "-f", "-v"]);
    followed.until("the first lines", |out, _| numbers(out).len() >= 10);
    for (i, fault) in faults.iter().enumerate() {
        let before = numbers(&followed.out()).last().copied().unwrap_or(0);
        let began = Instant::now();
        setup.fault(&followed, *fault, i, 2);
        followed.until("lines written after the engine came back", |out, _| {
            numbers(out).last().is_some_and(|n| *n > before + 10)
        });
        eprintln!(
            "{fault:?}: lines again {:.1}s after it began",
            began.elapsed().as_secs_f64()
        );
    }
    let (code, out, err) = followed.interrupt();
    assert_eq!(code, 0, "Ctrl-C ends `ark logs -f` with 0: {err:?}");
    let notices: Vec<&String> = err.iter().filter(|l| !l.contains(STILL_AWAY)).collect();
    eprintln!("{} lines; notices: {notices:#?}", out.len());

    // Exactly what the engine has, in its order: nothing lost, nothing twice.
    let shown: Vec<String> = out
        .iter()
        .map(|l| {
            l.strip_prefix(&format!("{APP} | "))
                .unwrap_or_else(|| panic!("a line of the app: {l}"))
                .to_owned()
        })
        .collect();
    let log = setup.engine_log();
    assert!(log.len() >= shown.len(), "{} > {}", shown.len(), log.len());
    assert_eq!(shown, log[..shown.len()], "ark shows the engine's log");
    let numbers = numbers(&out);
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "counting up, each once: {numbers:?}"
    );
    assert_eq!(count(&err, WENT_AWAY), faults.len(), "{err:?}");
    assert_eq!(count(&err, BACK), faults.len(), "{err:?}");
    let endpoint = setup.engine.docker_host();
    assert!(
        err.iter()
            .filter(|l| l.contains(WENT_AWAY))
            .all(|l| l.contains(&endpoint)),
        "the notice names the engine: {err:?}"
    );
}

#[test]
fn logs_follow_resumes_after_the_engine_is_killed() {
    logs_follow_outlives(&vec![Fault::Signal("KILL"); trials()]);
}

#[test]
fn logs_follow_resumes_after_the_engine_is_stopped() {
    logs_follow_outlives(&vec![Fault::Signal("TERM"); trials()]);
}

/// The app runs on while its engine is frozen: what it wrote meanwhile is shown once the
/// engine reads it.
#[test]
fn logs_follow_resumes_after_the_engine_was_frozen() {
    logs_follow_outlives(&vec![Fault::Freeze; trials()]);
}

#[test]
fn metrics_resumes_showing_rows_after_the_engine_is_killed_stopped_or_frozen() {
    let Some(mut setup) = Setup::start() else {
        return;
    };
    let watched = setup.watch(&["metrics", "-o", "json"]);
    let rows = |out: &[String]| {
        out.iter()
            .filter(|l| l.contains(&format!("\"app\":\"{APP}\"")))
            .count()
    };
    watched.until("a first row", |out, _| rows(out) >= 1);
    let faults: Vec<Fault> = [Fault::Signal("KILL"), Fault::Signal("TERM"), Fault::Freeze]
        .into_iter()
        .cycle()
        .take(3 * trials())
        .collect();
    for (i, fault) in faults.iter().enumerate() {
        setup.fault(&watched, *fault, i, 0);
        let back = watched.said_at(BACK, i);
        watched.until("a row after the engine is back", |_, _| {
            watched
                .stdout
                .lock()
                .unwrap()
                .iter()
                .any(|(at, l)| *at > back && l.contains(&format!("\"app\":\"{APP}\"")))
        });
    }
    let (code, _, err) = watched.interrupt();
    assert_eq!(code, 130, "Ctrl-C ends a watch with 130: {err:?}");
    assert_eq!(count(&err, WENT_AWAY), faults.len(), "{err:?}");
    assert_eq!(count(&err, BACK), faults.len(), "{err:?}");
}

#[test]
fn without_reconnecting_logs_and_metrics_exit_4_naming_the_engine() {
    let Some(mut setup) = Setup::start() else {
        return;
    };
    let logs = setup.watch(&["logs", "-f", "--no-reconnect"]);
    let metrics = setup.watch(&["metrics", "-o", "json", "--no-reconnect"]);
    logs.until("the first lines", |out, _| numbers(out).len() >= 3);
    metrics.until("a first row", |out, _| !out.is_empty());
    setup.engine.kill("KILL");
    let endpoint = setup.engine.docker_host();
    for (watched, doing) in [(logs, "following logs"), (metrics, "watching metrics")] {
        let (code, _, err) = watched.finish();
        assert_eq!(code, 4, "{err:?}");
        let said = err.join("\n");
        assert!(
            said.contains(&format!(
                "error: lost the container engine at {endpoint} (from "
            )) && said.contains(&format!(") while {doing}: ")),
            "{said}"
        );
        assert_eq!(count(&err, WENT_AWAY), 0, "{said}");
    }
}
