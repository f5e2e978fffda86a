//! Concurrent starts of one environment against the real Docker engine: one container per
//! app, and each start's summary counts what it adopted from another apart from what it
//! started.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{engine_available, http_app, TestEnv};

/// `(started, adopted, unchanged)` from a start's closing line.
fn counts(stderr: &str, apps: usize) -> (usize, usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.contains(&format!("{apps} apps ready (")))
        .unwrap_or_else(|| panic!("a ready line: {stderr}"));
    let inner = line
        .split_once(" apps ready (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inner, _)| inner)
        .unwrap_or_default();
    // "4 started, 16 adopted from a concurrent start, 0 unchanged": a count, then its word.
    let number = |word: &str| {
        inner
            .split(", ")
            .find_map(|part| {
                let mut words = part.split(' ');
                let n = words.next()?.parse().ok()?;
                (words.next() == Some(word)).then_some(n)
            })
            .unwrap_or(0)
    };
    (number("started"), number("adopted"), number("unchanged"))
}

#[test]
fn five_concurrent_starts_count_what_they_adopted_as_adopted() {
    if !engine_available() {
        return;
    }
    let app = http_app("http", &[], "");
    let names = ["a1", "a2", "a3"];
    let env = TestEnv::new("five", &names.map(|n| (n, app.as_str())));
    let runs: Vec<_> = (0..5)
        .map(|_| env.spawn(&["start", "a1", "a2", "a3", "--progress", "plain"]))
        .collect();
    let mut started = 0;
    for run in runs {
        let out = run.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let (s, a, u) = counts(&stderr, names.len());
        assert_eq!(s + a + u, names.len(), "each app counted once: {stderr}");
        started += s;
    }
    assert_eq!(
        env.container_ids().len(),
        names.len(),
        "one container per app"
    );
    assert!(
        started < 5 * names.len(),
        "not every start claims to have started every app ({started} started in all)"
    );
}
