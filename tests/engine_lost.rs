//! An engine that answered and then dies mid-command: every command ends the same way —
//! exit 4, `lost the container engine at <endpoint> (from …) while <doing what>` and a hint —
//! never the HTTP client's own words. Each test kills an engine of its own (a second
//! dockerd, `common::own_engine`), never this machine's; where the moment matters, a relay
//! in front of it (`common::relay`) holds ark's request until the engine is dead.

mod common;

use common::own_engine::OwnEngine;
use common::relay::Relay;
use common::running::Running;
use common::{output, tree};
use std::sync::Mutex;

/// One test engine at a time: each is a whole dockerd, and the machine's cores are shared.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// How the engine dies: a crash (SIGKILL), the harder case; `OwnEngine` restarts it
/// afterwards to clean up what the crash left.
const CRASH: &str = "KILL";

/// The environment every test starts (on its own engine, so one name is enough).
const ENV: &str = "lost";

/// A catalog of one app, `steady`: built from busybox (made offline on the empty engine),
/// ready once it runs, and slow to stop (it ignores SIGTERM, so a stop waits its grace).
fn catalog() -> tempfile::TempDir {
    tree(&[
        (
            "apps/steady/launch/steady.yml",
            "run:\n  type: docker\nbuild:\n  docker:\n    file: Dockerfile\n",
        ),
        (
            "apps/steady/Dockerfile",
            "FROM busybox:latest\nCMD [\"sh\", \"-c\", \"trap '' TERM; while :; do sleep 1; done\"]\n",
        ),
        ("envs/lost.yml", "env: {}\n"),
    ])
}

/// An engine of the test's own and `ark` in `catalog`, talking to it (or to `host`).
struct Setup {
    engine: OwnEngine,
    catalog: tempfile::TempDir,
    /// Last: dropped once the engine is gone.
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Setup {
    fn new() -> Option<Setup> {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let engine = OwnEngine::start()?;
        Some(Setup {
            engine,
            catalog: catalog(),
            _turn: turn,
        })
    }

    fn ark(&self, host: Option<&str>, args: &[&str]) -> assert_cmd::Command {
        let mut command = self.engine.ark();
        command
            .current_dir(self.catalog.path())
            .args(["--apps", "apps", "--environments", "envs"]);
        if let Some(host) = host {
            command.args(["-H", host]);
        }
        command.args(args);
        command
    }

    /// `steady` started and ready.
    fn started(&self) {
        let (code, _, stderr) = output(&mut self.ark(None, &["start", "-e", ENV, "steady"]));
        assert_eq!(code, 0, "{stderr}");
    }
}

/// The one error a lost engine gives: the endpoint, what ark was doing, and what to do.
fn assert_lost(code: i32, stderr: &str, endpoint: &str, doing: &str) {
    assert_eq!(code, 4, "{stderr}");
    let said = format!("error: lost the container engine at {endpoint} while {doing}\n");
    assert!(stderr.contains(&said), "wanted {said:?} in:\n{stderr}");
    assert!(
        stderr.contains("  hint: it answered at first, then stopped: what ark made is labelled and stays; once the engine answers again, run the command again to converge\n"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error:").count(), 1, "one error: {stderr}");
    for words in ["client error", "hyper", "SendRequest", "Connect)"] {
        assert!(!stderr.contains(words), "the HTTP client's words: {stderr}");
    }
}

impl Setup {
    /// Runs `ark -H <relay> ARGS…`, killing the engine once ark sent a request whose line
    /// contains `pattern` (held: the engine never answers it). What ark then said, and
    /// the endpoint it was told.
    fn killed_at(&mut self, pattern: &str, args: &[&str]) -> (i32, String, String, String) {
        let relay = Relay::to(self.engine.socket());
        relay.hold(pattern);
        let ark = Running::spawn(&self.ark(Some(&relay.url()), args));
        relay.held();
        self.engine.kill(CRASH);
        relay.cut();
        let (code, stdout, stderr) = ark.finish();
        (
            code,
            stdout,
            stderr,
            format!("{} (from --host)", relay.url()),
        )
    }
}

#[test]
fn status_says_it_lost_the_engine_that_died_while_it_listed() {
    let Some(mut setup) = Setup::new() else {
        return;
    };
    setup.started();
    let (code, stdout, stderr, endpoint) =
        setup.killed_at("/containers/json", &["status", "-e", ENV]);
    assert_lost(code, &stderr, &endpoint, "listing containers");
    assert!(stdout.is_empty(), "{stdout}");
}

#[test]
fn start_says_it_lost_the_engine_that_died_while_it_started_a_container() {
    let Some(mut setup) = Setup::new() else {
        return;
    };
    // Held once the image is made and the container created: the start is the request
    // the engine never answers.
    let (code, _, stderr, endpoint) = setup.killed_at(
        "/start",
        &["start", "-e", ENV, "steady", "--progress", "plain"],
    );
    assert_lost(
        code,
        &stderr,
        &endpoint,
        &format!("starting environment `{ENV}`"),
    );
}

#[test]
fn down_says_it_lost_the_engine_that_died_while_it_stopped_an_app() {
    let Some(mut setup) = Setup::new() else {
        return;
    };
    setup.started();
    // No relay: the engine dies while ark waits for `steady` to stop (it takes its grace).
    let down =
        Running::spawn(&setup.ark(None, &["down", "-e", ENV, "--yes", "--progress", "plain"]));
    down.until("that it is stopping `steady`", |line| {
        line.starts_with("steady") && line.contains("stopping")
    });
    setup.engine.kill(CRASH);
    let (code, _, stderr) = down.finish();
    assert_lost(
        code,
        &stderr,
        &format!("{} (from DOCKER_HOST)", setup.engine.docker_host()),
        &format!("removing environment `{ENV}`"),
    );
}
