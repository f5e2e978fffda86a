//! A machine with no registry and no images: each test gets an engine of its own (an empty
//! second dockerd in its own network namespace, `common::own_engine`), so pulls fail as
//! offline and this machine's own engine and its `busybox:latest` are never touched.

mod common;

use common::own_engine::OwnEngine;
use common::{output, tree};
use std::sync::Mutex;

/// One test engine at a time: each is a whole dockerd, and the machine's cores are shared.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// An empty engine of the test's own, once no other test of this file has one.
fn own_engine() -> Option<(std::sync::MutexGuard<'static, ()>, OwnEngine)> {
    let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    OwnEngine::start().map(|engine| (turn, engine))
}

#[test]
fn the_demo_comes_up_offline_on_an_engine_with_no_images() {
    let Some((_turn, engine)) = own_engine() else {
        return;
    };
    let (code, _, stderr) =
        output(
            engine
                .ark()
                .args(["start", "-e", "demo", "web", "--progress", "plain"]),
        );
    assert_eq!(code, 0, "{stderr}");
    let seeded: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("busybox:latest"))
        .collect();
    assert_eq!(seeded.len(), 1, "one line says busybox was made: {stderr}");
    assert!(!stderr.contains("error:"), "{stderr}");
    assert!(
        seeded[0].starts_with(
            "busybox:latest is not on the engine and cannot be pulled: made it from /bin/busybox"
        ),
        "{stderr}"
    );
    assert!(seeded[0].ends_with(", offline"), "{stderr}");
    assert!(
        stderr.contains("environment `demo`: 4 apps ready (4 started"),
        "{stderr}"
    );

    let (code, _, stderr) = output(engine.ark().args(["down", "-e", "demo", "--yes"]));
    assert_eq!(code, 0, "{stderr}");
    let (containers, networks, _) = engine.contents();
    assert!(
        containers.is_empty() && networks.is_empty(),
        "down removed it all: {containers:?} {networks:?}"
    );
}

#[test]
fn a_base_image_that_cannot_be_had_is_one_error_naming_every_app_that_needs_it() {
    let Some((_turn, engine)) = own_engine() else {
        return;
    };
    let app = |name: &str| {
        [
            (
                format!("apps/{name}/launch/{name}.yml"),
                "run:\n  type: docker\nbuild:\n  docker:\n    file: Dockerfile\n".to_owned(),
            ),
            (
                format!("apps/{name}/Dockerfile"),
                "FROM ark-test/missing:1 AS base\nFROM base\nCMD [\"sh\"]\n".to_owned(),
            ),
        ]
    };
    let files: Vec<(String, String)> = app("one")
        .into_iter()
        .chain(app("two"))
        .chain([("envs/gone.yml".to_owned(), "env: {}\n".to_owned())])
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = tree(&files);
    let (code, _, stderr) = output(
        engine
            .ark()
            .current_dir(dir.path())
            .args(["--apps", "apps", "--environments", "envs"])
            .args(["start", "-e", "gone", "one", "two", "--progress", "plain"]),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("error: image `ark-test/missing:1` is not on the engine and cannot be pulled; `one`, `two` each build on it\n"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error:").count(), 1, "one error: {stderr}");
    // What the engine said, once in the whole output.
    let said = stderr
        .lines()
        .find_map(|l| l.strip_prefix("  engine: "))
        .unwrap_or_else(|| panic!("the engine's words are shown: {stderr}"));
    assert!(said.contains("ark-test/missing"), "{stderr}");
    assert_eq!(stderr.matches(said).count(), 1, "{stderr}");
    assert!(
        stderr.contains("hint: where a registry answers, `docker pull ark-test/missing:1`"),
        "{stderr}"
    );
    assert!(!stderr.contains("left for inspection"), "{stderr}");
    engine.assert_empty();
}

#[test]
fn without_a_static_busybox_the_error_says_what_to_install() {
    let Some((_turn, engine)) = own_engine() else {
        return;
    };
    // /bin/sh is a dynamically linked program: not something an image without libc can run.
    let (code, _, stderr) = output(engine.ark().env("ARK_BUSYBOX", "/bin/sh").args([
        "start",
        "-e",
        "demo",
        "web",
        "--progress",
        "plain",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("error: image `busybox:latest` is not on the engine and cannot be pulled; `api`, `cache`, `store`, `web` each build on it\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ark cannot make it here either: `/bin/sh` is not statically linked"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`sudo apt-get install busybox-static`"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    engine.assert_empty();
}
