//! An engine that stops answering mid-command (frozen with SIGSTOP: its connections stay
//! open, nothing is said), and one that crashes mid-`down`. A frozen engine is found out in
//! bounded time — a request unanswered for a few seconds makes ark ask the engine whether it
//! answers at all — and each command ends as for a dead engine: exit 4, `lost the container
//! engine at <endpoint> (from …) while <doing what>`. Once the engine goes on (or is
//! started again), the same command run again converges. Each test freezes or kills an
//! engine of its own (`common::own_engine`), never this machine's; the figures (trials /
//! converged) go to stderr, and `ARK_FAULT_ROUNDS=N` runs N trials per case.

mod common;

use common::own_engine::OwnEngine;
use common::relay::Relay;
use common::running::Running;
use common::{output, tree};
use serde_json::Value;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One test engine at a time: each is a whole dockerd, and the machine's cores are shared.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Six apps in waves (`base`, four on it, `top` on those) for a start with several steps in
/// flight, and `stubborn`, which ignores SIGTERM, so that stopping it waits its grace.
fn catalog() -> tempfile::TempDir {
    let httpd = |deps: &str| {
        format!(
            "run:\n  type: docker\n  image: busybox:latest\n  command: [httpd, -f, -p, \"8080\"]\n\
             expose:\n- name: http\n  port: 8080\n  health_check:\n    type: tcp\n\
             dependencies: [{deps}]\n"
        )
    };
    let mut files = vec![
        ("apps/base/launch/base.yml".to_owned(), httpd("")),
        (
            "apps/top/launch/top.yml".to_owned(),
            httpd("w1, w2, w3, w4"),
        ),
        (
            "apps/stubborn/launch/stubborn.yml".to_owned(),
            "run:\n  type: docker\n  image: busybox:latest\n  command: [sh, -c, \"trap '' TERM; while :; do sleep 1; done\"]\n"
                .to_owned(),
        ),
    ];
    for i in 1..=4 {
        files.push((format!("apps/w{i}/launch/w{i}.yml"), httpd("base")));
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    tree(&borrowed)
}

/// The apps `top` brings up with it.
const WAVES: usize = 6;

/// The test's turn: one test engine at a time.
fn turn() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// An engine of the test's own, warmed up, and the catalog.
struct Setup {
    engine: OwnEngine,
    catalog: tempfile::TempDir,
}

impl Setup {
    /// Call with the test's `turn` held.
    fn new() -> Option<Setup> {
        let setup = Setup {
            engine: OwnEngine::start()?,
            catalog: catalog(),
        };
        // busybox is made on the empty engine once, before any fault.
        let (code, _, stderr) = setup.run(&["start", "-e", "warm", "base"]);
        assert_eq!(code, 0, "{stderr}");
        let (code, _, stderr) = setup.run(&["down", "-e", "warm", "--yes"]);
        assert_eq!(code, 0, "{stderr}");
        Some(setup)
    }

    /// `ark [-H host] ARGS…` in the catalog.
    fn ark(&self, host: Option<&str>, args: &[&str]) -> assert_cmd::Command {
        let mut command = self.engine.ark();
        command
            .current_dir(self.catalog.path())
            .args(["--apps", "apps"]);
        if let Some(host) = host {
            command.args(["-H", host]);
        }
        command.args(args);
        command
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        output(&mut self.ark(None, args))
    }

    fn endpoint(&self) -> String {
        format!("{} (from DOCKER_HOST)", self.engine.docker_host())
    }

    /// `fault` done to the engine while `running` ark waits for it, then `recover`: ark's
    /// exit code, how long after the fault it ended, and whether it said it lost the engine
    /// while `doing`.
    fn after_fault(
        &mut self,
        running: Running,
        fault: impl FnOnce(&mut OwnEngine),
        recover: impl FnOnce(&mut OwnEngine),
        doing: &str,
    ) -> (i32, Duration, Result<(), String>) {
        let at = Instant::now();
        fault(&mut self.engine);
        let (code, _, stderr) = running.finish();
        let said = at.elapsed();
        recover(&mut self.engine);
        (code, said, lost(code, &stderr, &self.endpoint(), doing))
    }

    /// How many containers the engine runs (`all`: has).
    fn count(&self, all: bool) -> usize {
        let args: &[&str] = if all { &["ps", "-aq"] } else { &["ps", "-q"] };
        let (ok, out) = self.engine.docker(args);
        assert!(ok, "docker {args:?} answers");
        out.lines().filter(|l| !l.is_empty()).count()
    }

    /// Every app of `environment` as `status -o json` has it: (running and ready, all).
    fn ready(&self, environment: &str) -> (usize, usize) {
        let (code, stdout, stderr) = self.run(&["status", "-e", environment, "-o", "json"]);
        assert_eq!(code, 0, "{stderr}");
        let status: Value = serde_json::from_str(&stdout).expect("status is JSON");
        let apps = status["apps"].as_array().expect("apps");
        let ready = apps
            .iter()
            .filter(|a| a["state"] == "running" && a["ready"] == true)
            .count();
        (ready, apps.len())
    }

    /// What of `environment` is left on the engine: its containers, networks and volumes
    /// (by ark's label).
    fn left_of(&self, environment: &str) -> Vec<String> {
        let label = format!("label=dev.ark.environment={environment}");
        let mut left = Vec::new();
        for kind in ["container", "network", "volume"] {
            let mut args = vec![kind, "ls", "-q", "--filter", &label];
            if kind == "container" {
                args.insert(2, "-a");
            }
            let (ok, out) = self.engine.docker(&args);
            assert!(ok, "docker {args:?} answers");
            left.extend(out.lines().map(|id| format!("{kind} {id}")));
        }
        left
    }
}

/// The one error a lost engine gives, with the endpoint and what ark was doing.
fn lost(code: i32, stderr: &str, endpoint: &str, doing: &str) -> Result<(), String> {
    let said = format!("error: lost the container engine at {endpoint} while {doing}\n");
    let one_error = stderr.matches("error:").count() == 1;
    let http_words = ["client error", "hyper", "SendRequest", "timed out"]
        .iter()
        .any(|w| stderr.contains(w));
    if code == 4 && stderr.contains(&said) && one_error && !http_words {
        Ok(())
    } else {
        Err(format!("exit {code}, wanted {said:?} alone in:\n{stderr}"))
    }
}

/// The trials of one case: how many converged, and why the others did not.
#[allow(clippy::print_stderr)] // the figures are the report's
fn trials(case: &str, mut trial: impl FnMut(usize) -> Result<(), String>) {
    let rounds: usize = std::env::var("ARK_FAULT_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2);
    let failures: Vec<String> = (0..rounds)
        .filter_map(|n| trial(n).err().map(|why| format!("trial {n}: {why}")))
        .collect();
    eprintln!(
        "{case}: {} of {rounds} re-runs converged",
        rounds - failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
#[allow(clippy::print_stderr)] // the figures are the report's
fn a_start_with_its_engine_frozen_says_it_lost_it_and_converges_once_it_goes_on() {
    let _turn = turn();
    let Some(mut setup) = Setup::new() else {
        return;
    };
    trials("engine frozen mid-start", |n| {
        let environment = format!("frozen-start-{n}");
        let start = ["start", "-e", &environment, "top", "--progress", "plain"];
        let began = Instant::now();
        let first = Running::spawn(&setup.ark(None, &start));
        // Frozen once 1 to 4 containers run (trial by trial): `base` alone, or some of the
        // second wave, while the others are being made and started.
        let running = 1 + n % 4;
        while setup.count(false) < running {
            std::thread::sleep(Duration::from_millis(5));
        }
        let frozen = began.elapsed();
        let (code, said, verdict) = setup.after_fault(
            first,
            |engine| engine.freeze(),
            |engine| engine.thaw(),
            &format!("starting environment `{environment}`"),
        );
        let (again, _, again_stderr) = setup.run(&start);
        let (ready, all) = setup.ready(&environment);
        eprintln!(
            "{environment}: frozen {:.1}s in ({running} running), exit {code} {:.1}s later; re-run exit {again}, {ready} of {all} ready",
            frozen.as_secs_f64(),
            said.as_secs_f64()
        );
        verdict?;
        let (code, _, stderr) = setup.run(&["down", "-e", &environment, "--yes"]);
        assert_eq!(code, 0, "{stderr}");
        if again != 0 || ready != WAVES || all != WAVES {
            return Err(format!(
                "re-run: exit {again}, {ready} of {all} ready: {again_stderr}"
            ));
        }
        Ok(())
    });
}

/// `down` of `environment` (`top` and `stubborn` started first), with `fault` done to the
/// engine once ark says it stops `stubborn` (which waits out its grace); then `recover`, and
/// `down` again. Whether the first said it lost the engine and the second left nothing.
fn down_cut_short(
    setup: &mut Setup,
    environment: &str,
    fault: impl FnOnce(&mut OwnEngine),
    recover: impl FnOnce(&mut OwnEngine),
) -> Result<(), String> {
    for app in ["top", "stubborn"] {
        let (code, _, stderr) = setup.run(&["start", "-e", environment, app]);
        assert_eq!(code, 0, "{stderr}");
    }
    let before = setup.count(true);
    let down = ["down", "-e", environment, "--yes", "--progress", "plain"];
    let first = Running::spawn(&setup.ark(None, &down));
    first.until("that it is stopping `stubborn`", |line| {
        line.starts_with("stubborn") && line.contains("stopping")
    });
    let (code, said, verdict) = setup.after_fault(
        first,
        fault,
        recover,
        &format!("removing environment `{environment}`"),
    );
    let (again, _, again_stderr) = setup.run(&down);
    let left = setup.left_of(environment);
    #[allow(clippy::print_stderr)] // the figures are the report's
    {
        eprintln!(
            "{environment}: {before} containers; exit {code} {:.1}s after the fault; re-run exit {again}, {} things left",
            said.as_secs_f64(),
            left.len()
        );
    }
    verdict?;
    if again != 0 || !left.is_empty() {
        return Err(format!(
            "re-run: exit {again}, left {left:?}: {again_stderr}"
        ));
    }
    Ok(())
}

/// The trials of `case`: `down_cut_short` of environments named `prefix-N`.
fn down_trials(case: &str, prefix: &str, fault: fn(&mut OwnEngine), recover: fn(&mut OwnEngine)) {
    let _turn = turn();
    let Some(mut setup) = Setup::new() else {
        return;
    };
    trials(case, |n| {
        down_cut_short(&mut setup, &format!("{prefix}-{n}"), fault, recover)
    });
}

#[test]
fn a_down_with_its_engine_frozen_says_it_lost_it_and_converges_once_it_goes_on() {
    down_trials(
        "engine frozen mid-down",
        "frozen-down",
        |engine| engine.freeze(),
        |engine| engine.thaw(),
    );
}

#[test]
fn a_down_whose_engine_crashed_converges_when_run_again() {
    down_trials(
        "engine killed mid-down",
        "crash-down",
        |engine| engine.kill("KILL"),
        OwnEngine::restart,
    );
}

#[test]
#[allow(clippy::print_stderr)] // the figures are the report's
fn status_with_its_engine_frozen_says_it_lost_it_and_answers_once_it_goes_on() {
    let _turn = turn();
    let Some(setup) = Setup::new() else {
        return;
    };
    let environment = "frozen-status";
    let (code, _, stderr) = setup.run(&["start", "-e", environment, "top"]);
    assert_eq!(code, 0, "{stderr}");
    trials("engine frozen mid-status", |_| {
        // A relay holds the listing until the engine is frozen, then lets it go to it.
        let relay = Relay::to(setup.engine.socket());
        relay.hold("/containers/json");
        let status = Running::spawn(&setup.ark(Some(&relay.url()), &["status", "-e", environment]));
        relay.held();
        setup.engine.freeze();
        let frozen = Instant::now();
        relay.release();
        let (code, stdout, stderr) = status.finish();
        let said = frozen.elapsed();
        setup.engine.thaw();
        let verdict = lost(
            code,
            &stderr,
            &format!("{} (from --host)", relay.url()),
            "listing containers",
        )
        .and_then(|()| match stdout.is_empty() {
            true => Ok(()),
            false => Err(format!("a lost engine's status printed {stdout:?}")),
        });
        let (ready, all) = setup.ready(environment);
        eprintln!(
            "{environment}: exit {code} {:.1}s after the freeze; re-run: {ready} of {all} ready",
            said.as_secs_f64()
        );
        verdict?;
        match (ready, all) {
            (WAVES, WAVES) => Ok(()),
            _ => Err(format!("re-run: {ready} of {all} ready")),
        }
    });
}
