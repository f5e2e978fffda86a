//! SIGINT and SIGTERM during `ark start`, on this machine's engine: handled from before the
//! first request to the engine (never the signal ending ark by itself), exit 130 / 143,
//! a word on what was left, and the next start converges. Skips without an engine, fails
//! under `CI=true`.

mod common;

use common::engine::{engine_available, http_app, TestEnv};
use common::relay::Relay;
use common::running::Running;

#[test]
fn ctrl_c_before_the_engine_first_answers_is_exit_130_and_leaves_nothing() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("sig-early", &[("web", &http_app("http", &[], ""))]);
    // The relay holds ark's very first request: the signal comes before any answer.
    let relay = Relay::to(std::path::Path::new("/var/run/docker.sock"));
    relay.hold("");
    let mut command = env.ark();
    command.args(["-H", &relay.url(), "start", "-e", &env.name, "web"]);
    let start = Running::spawn(&command);
    relay.held();
    start.signal("INT");
    let (code, _, stderr) = start.finish();
    assert_eq!(
        code, 130,
        "exit 130, not ended by the signal itself: {stderr}"
    );
    assert_eq!(
        stderr,
        "interrupted: what was created is left as it is; run the command again to converge\n"
    );
    assert!(env.container_ids().is_empty(), "nothing was created");
    drop(relay);

    let (code, _, stderr) = env.run(&["start", "web"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("1 apps ready (1 started"), "{stderr}");
}

#[test]
fn sigterm_mid_start_is_exit_143_and_says_where_each_app_was_left() {
    if !engine_available() {
        return;
    }
    // `front` is ready at once; `late` answers only after 8 s; `after` waits for it.
    let env = TestEnv::new(
        "sig-term",
        &[
            ("front", &http_app("http", &[], "")),
            (
                "late",
                &http_app("slow", &[], "env:\n  START_DELAY: \"8\"\n"),
            ),
            ("after", &http_app("http", &["late"], "")),
        ],
    );
    let mut command = env.ark();
    command.args([
        "start",
        "-e",
        &env.name,
        "front",
        "after",
        "--progress",
        "plain",
    ]);
    let start = Running::spawn(&command);
    let mut seen = [false; 3];
    while seen != [true; 3] {
        let line = start.until("each app's progress", |_| true);
        let app = line.split(" |").next().unwrap_or_default().trim();
        let event = line.split(" | ").nth(1).unwrap_or_default();
        match (app, event.split(' ').next().unwrap_or_default()) {
            ("front", "ready") => seen[0] = true,
            ("late", "probing") => seen[1] = true,
            ("after", "waiting") => seen[2] = true,
            _ => {}
        }
    }
    start.signal("TERM");
    let (code, _, stderr) = start.finish();
    assert_eq!(
        code, 143,
        "exit 143, not ended by the signal itself: {stderr}"
    );
    assert!(
        stderr.ends_with("terminated: 1 app ready, 1 started but not ready yet, 1 created but not started; run the command again to converge\n"),
        "{stderr}"
    );
    let made: Vec<String> = env
        .container_ids()
        .into_iter()
        .map(|(app, _)| app)
        .collect();
    assert_eq!(made, ["after", "front", "late"], "what was made stays");

    let (code, _, stderr) = env.run(&["start", "front", "after"]);
    assert_eq!(code, 0, "the next start converges: {stderr}");
    assert!(stderr.contains("3 apps ready"), "{stderr}");
    assert_eq!(env.container_ids().len(), 3, "one container per app");
}
