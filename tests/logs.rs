//! `ark logs` against the real Docker engine, with the `logger` test image.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{engine_available, image, TestEnv};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn logger(env: &str) -> String {
    format!("run:\n  image: {}\nenv: {{{env}}}\n", image("logger"))
}

/// Runs `ark logs ARGS…` until it shows `lines` lines (the containers print at start-up).
fn logs_when_written(env: &TestEnv, args: &[&str], lines: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut all = vec!["logs"];
        all.extend(args);
        let (code, stdout, stderr) = env.run(&all);
        assert_eq!(code, 0, "{stderr}");
        if stdout.lines().count() >= lines || Instant::now() > deadline {
            return stdout;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The numbers N of `<app> <sep> <word> N` lines, in output order.
fn numbers(output: &str, app: &str, sep: &str, word: &str) -> Vec<u32> {
    output
        .lines()
        .filter_map(|l| {
            let (prefix, text) = l.split_once(&format!(" {sep} "))?;
            let n = text.strip_prefix(word)?.strip_prefix(' ')?;
            (prefix.trim_end() == app).then(|| n.parse().ok())?
        })
        .collect()
}

#[test]
fn merges_both_streams_of_every_app_in_order_with_tail_since_grep_and_json() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "logs",
        &[
            ("alpha", &logger("LINES: '200'")),
            ("b", &logger("LINES: '150'")),
        ],
    );
    let (code, _, stderr) = env.run(&["start", "alpha", "b", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let all = logs_when_written(&env, &[], 700);

    // Every line, each stream in order, stderr marked, prefixes padded to the widest app.
    let upto = |n: u32| (1..=n).collect::<Vec<_>>();
    assert_eq!(numbers(&all, "alpha", "|", "out"), upto(200), "{all}");
    assert_eq!(numbers(&all, "alpha", "!", "err"), upto(200));
    assert_eq!(numbers(&all, "b", "|", "out"), upto(150));
    assert_eq!(numbers(&all, "b", "!", "err"), upto(150));
    assert_eq!(all.lines().count(), 700);
    assert!(
        all.contains("\nb     | out 1\n") || all.starts_with("b     | out 1\n"),
        "{all}"
    );

    // JSON: the documented shape, and time order across apps.
    let json = logs_when_written(&env, &["-o", "json"], 700);
    let records: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 700);
    for record in &records {
        let keys: Vec<&str> = record
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["ts", "app", "stream", "line"], "{record}");
        let ts = record["ts"].as_str().unwrap();
        assert_eq!(ts.len(), "2024-05-01T10:00:00.123456789Z".len(), "{ts}");
        assert!(["stdout", "stderr"].contains(&record["stream"].as_str().unwrap()));
    }
    let times: Vec<&str> = records.iter().map(|r| r["ts"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    // Within one app stdout and stderr may be stamped a little out of order; across apps
    // the merge orders by time: check order on each app's stdout and across the whole.
    assert!(
        times.windows(2).filter(|w| w[0] > w[1]).count() < times.len() / 10,
        "mostly in time order"
    );
    let err_of_b = records
        .iter()
        .find(|r| r["app"] == "b" && r["line"] == "err 7")
        .unwrap();
    assert_eq!(err_of_b["stream"], "stderr");

    // --tail: each app's last N lines (in the engine's order of both streams).
    let (code, tail, _) = env.run(&["logs", "alpha", "--tail", "4"]);
    assert_eq!(code, 0);
    let (_, alpha, _) = env.run(&["logs", "alpha"]);
    let last_four: Vec<&str> = alpha.lines().skip(396).collect();
    assert_eq!(tail.lines().collect::<Vec<_>>(), last_four);

    // --since: from a line's own time on (an RFC 3339 time), and a duration.
    let from = records
        .iter()
        .find(|r| r["app"] == "alpha" && r["line"] == "out 150")
        .unwrap();
    let since = from["ts"].as_str().unwrap();
    let expected = times.iter().filter(|t| **t >= since).count();
    let (code, later, _) = env.run(&["logs", "--since", since]);
    assert_eq!(code, 0);
    assert_eq!(later.lines().count(), expected, "{later}");
    assert!(later.contains("alpha | out 150") && !later.contains("alpha | out 149\n"));
    let (_, recent, _) = env.run(&["logs", "--since", "1h"]);
    assert_eq!(recent.lines().count(), 700);
    let (_, none, _) = env.run(&["logs", "--until", "1h"]);
    assert_eq!(none, "");

    // --grep and --no-prefix and -t.
    let (code, grep, _) = env.run(&["logs", "--grep", "^out 1[0-9]$", "--no-prefix", "b"]);
    assert_eq!(code, 0);
    let expected: String = (10..20).map(|n| format!("out {n}\n")).collect();
    assert_eq!(grep, expected);
    // The last line over both streams is `out 150` or `err 150` (two pipes, stamped
    // independently); either way it carries its RFC 3339 time.
    let (_, stamped, _) = env.run(&["logs", "-t", "--tail", "1", "b"]);
    let line = stamped.lines().next().unwrap_or_default();
    let (prefix, rest) = line
        .split_once(" | ")
        .or_else(|| line.split_once(" ! "))
        .unwrap_or_else(|| panic!("{stamped}"));
    assert_eq!(prefix, "b");
    assert!(
        rest.ends_with("Z out 150") || rest.ends_with("Z err 150"),
        "{stamped}"
    );
}

#[test]
fn unknown_apps_environments_and_patterns_are_refused() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("logs-bad", &[("alpha", &logger("LINES: '1'"))]);
    let (code, _, stderr) = env.run(&["start", "alpha", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = env.run(&["logs", "alpah"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("did you mean `alpha`"), "{stderr}");
    let (code, _, stderr) = env.run(&["logs", "--grep", "(unclosed"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("invalid --grep pattern"), "{stderr}");
    let (code, _, stderr) = env.run(&["logs", "--since", "yesterday"]);
    assert_eq!(code, 2, "{stderr}");
    let mut other = env.ark();
    other.args(["logs", "-e", &format!("{}-missing", env.name)]);
    let (code, _, stderr) = common::output(&mut other);
    assert_eq!(code, 3, "{stderr}");
}

fn spawn_logs(env: &TestEnv, args: &[&str]) -> Child {
    Process::new(assert_cmd::cargo::cargo_bin("ark"))
        .current_dir(env.dir.path())
        .args([
            "--apps",
            "apps",
            "--environments",
            "environments",
            "logs",
            "-e",
            &env.name,
        ])
        .args(args)
        .env("ARK_CONFIG", "/nonexistent")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("logs-pipe", &[("big", &logger("LINES: '20000'"))]);
    let (code, _, stderr) = env.run(&["start", "big", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    logs_when_written(&env, &["--tail", "1", "--grep", "err 20000"], 1);
    let mut child = spawn_logs(&env, &[]);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    // `out 1` and `err 1` are written together on two pipes, which the engine stamps
    // independently: either may come first.
    assert!(
        first == "big | out 1\n" || first == "big ! err 1\n",
        "{first:?}"
    );
    drop(reader);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// What a running `ark logs -f` printed so far.
struct Followed {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Followed {
    fn start(env: &TestEnv, args: &[&str]) -> Followed {
        let mut child = spawn_logs(env, args);
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Followed { child, lines }
    }

    fn wait_for(&self, what: &str, line: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self
            .lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| *l == line)
            .count()
            < count
        {
            assert!(
                Instant::now() < deadline,
                "{what}: no `{line}` (x{count}) in {:?}",
                self.lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(mut self) -> Vec<String> {
        Process::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "Ctrl-C ends `ark logs -f` with 0");
        std::thread::sleep(Duration::from_millis(200));
        let lines = self.lines.lock().unwrap().clone();
        lines
    }
}

/// Splits 1, 2, …, k, 1, 2, …, m, … into its runs; panics on a gap or a repeat.
fn runs(numbers: &[u32]) -> Vec<u32> {
    let mut runs = Vec::new();
    let mut expected = 1;
    for &n in numbers {
        if n == 1 && expected != 1 {
            runs.push(expected - 1);
        } else {
            assert_eq!(n, expected, "a line lost or repeated in {numbers:?}");
        }
        expected = n + 1;
    }
    runs.push(expected - 1);
    runs
}

#[test]
fn follows_across_a_restart_a_recreate_and_an_app_joining() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new(
        "logs-f",
        &[
            ("chatty", &logger("LINES: '3', FOLLOW: '1', X: a")),
            ("late", &logger("LINES: '2'")),
        ],
    );
    let (code, _, stderr) = env.run(&["start", "chatty", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let followed = Followed::start(&env, &["-f"]);
    followed.wait_for("first run", "chatty | out 10", 1);

    let (code, _, stderr) = env.run(&["restart", "chatty", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    followed.wait_for("after the restart", "chatty | out 10", 2);

    let (code, _, stderr) = env.run(&[
        "start",
        "chatty",
        "--set",
        "chatty.X=changed",
        "--progress",
        "plain",
    ]);
    assert_eq!(code, 0, "{stderr}");
    followed.wait_for("after the recreate", "chatty | out 10", 3);

    let (code, _, stderr) = env.run(&["start", "late", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    followed.wait_for("an app that joined", "late   ! err 2", 1);

    let lines = followed.stop();
    let text = lines.join("\n") + "\n";
    let out = numbers(&text, "chatty", "|", "out");
    let run_lengths = runs(&out);
    assert_eq!(run_lengths.len(), 3, "three runs of the app: {out:?}");
    assert!(run_lengths.iter().all(|n| *n >= 10), "{run_lengths:?}");
    assert_eq!(runs(&numbers(&text, "chatty", "!", "err")), [3, 3, 3]);
    assert_eq!(numbers(&text, "late", "|", "out"), [1, 2]);
}
