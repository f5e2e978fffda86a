//! `logs -f` across an engine that dies and comes back, against the recording fake engine
//! on a paused clock: every line once, in order, resumed from the engine's log file.

use super::*;
use crate::commands::shared::reconnect::{quiet_view, Connector, Reconnect};
use crate::core::spec::AppSpec;
use crate::failure::Failure;
use crate::runtime::fake::{FakeEngine, Script};
use crate::ui::log_view::{LogFormat, LogView};
use crate::ui::style::Styles;
use futures_util::FutureExt;
use std::cell::Cell;
use std::io;
use std::rc::Rc;

const ENV: &str = "unit";

/// `n N`, written at `at` (unix seconds) on stdout.
fn line(at: i64, n: u32) -> LogLine {
    LogLine {
        ts: Timestamp { secs: at, nanos: n },
        output: Output::Stdout,
        text: format!("n {n}").into_bytes(),
    }
}

/// `n first` … `n last`, one a second from `at`.
fn lines(at: i64, first: u32, last: u32) -> Vec<LogLine> {
    (first..=last)
        .map(|n| line(at + i64::from(n - first), n))
        .collect()
}

/// An engine running `app`, whose log file holds `log`. `dies_after`: it answers that
/// many listings, then is gone (its reads break off).
fn engine(log: Vec<LogLine>, dies_after: Option<usize>) -> FakeEngine {
    let script = Script {
        log,
        log_breaks: dies_after.is_some(),
        ..Script::default()
    };
    let mut engine = FakeEngine::new().script("app", script);
    if let Some(lists) = dies_after {
        engine = engine.gone_after(lists);
    }
    engine.existing(ENV, &AppSpec::example("app", &[]), true);
    engine
}

/// Reconnects (or not: `enabled`) to an engine that answers nobody `failures` times, then
/// comes back with `log`; counts the tries.
fn comes_back(
    failures: usize,
    log: Vec<LogLine>,
    enabled: bool,
) -> (Reconnect<'static>, Rc<Cell<usize>>) {
    let tries = Rc::new(Cell::new(0));
    let counted = Rc::clone(&tries);
    let connect: Connector<'static> = Box::new(move |_endpoint| {
        counted.set(counted.get() + 1);
        let back = (counted.get() > failures).then(|| engine(log.clone(), None));
        async move {
            match back {
                Some(engine) => Ok(Box::new(engine) as Box<dyn Runtime>),
                None => Err(FakeEngine::new().gone()),
            }
        }
        .boxed_local()
    });
    let reconnect = Reconnect::with(connect, enabled, "following logs", quiet_view());
    (reconnect, tries)
}

/// How `logs -f` ended, if it did within a minute, writing `format` to `out`.
async fn follow_for_a_minute(
    first: FakeEngine,
    reconnect: &Reconnect<'_>,
    options: LogOptions,
    format: LogFormat,
    out: &mut impl io::Write,
) -> Option<Result<(), End>> {
    let containers = first
        .list(Some(ENV))
        .await
        .expect("the engine answers at first")
        .into_iter()
        .map(|c| (c.app.clone(), c))
        .collect();
    let filter = LineFilter {
        since: None,
        until: None,
        grep: None,
    };
    let watch = Watch {
        environment: ENV,
        only: None,
        options,
        filter: &filter,
    };
    let mut view = LogView::new(Styles::PLAIN, format);
    let followed = follow(
        &watch,
        Box::new(first),
        containers,
        reconnect,
        &mut view,
        out,
    );
    tokio::time::timeout(Duration::from_secs(60), followed)
        .await
        .ok()
}

/// What `logs -f` printed in a minute (and how it ended, if it did).
async fn shown_in_a_minute(
    first: FakeEngine,
    reconnect: &Reconnect<'_>,
    options: LogOptions,
) -> (String, Option<Result<(), End>>) {
    let format = LogFormat::Text {
        prefix: true,
        timestamps: false,
    };
    let mut out = Vec::new();
    let ended = follow_for_a_minute(first, reconnect, options, format, &mut out).await;
    (String::from_utf8(out).expect("text"), ended)
}

fn numbered(first: u32, last: u32) -> String {
    (first..=last).map(|n| format!("app | n {n}\n")).collect()
}

fn follow_options(tail: Option<usize>) -> LogOptions {
    LogOptions {
        follow: true,
        since: None,
        until: None,
        tail,
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn lines_written_while_the_engine_was_away_are_shown_once_after_it_is_back() {
    // The log file survives the restart: the engine that comes back has lines 1–5 again,
    // and 6–9 written since.
    let (reconnect, tries) = comes_back(2, lines(100, 1, 9), true);
    let first = engine(lines(100, 1, 5), Some(2));
    let (shown, ended) = shown_in_a_minute(first, &reconnect, follow_options(None)).await;
    assert!(ended.is_none(), "still following");
    assert_eq!(shown, numbered(1, 9));
    assert_eq!(
        tries.get(),
        3,
        "two tries found nobody, the third the engine"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_tail_is_taken_once_and_a_resumed_read_starts_where_the_first_began() {
    let now = Timestamp::now().secs;
    // Lines 1–5 came before `logs -f -n N`; 6–8 after the engine came back. `-n 0`:
    // nothing before, and after the gap only what is new.
    for (tail, first_shown) in [(2, 4), (0, 6)] {
        let mut log = lines(now - 100, 1, 5);
        log.extend(lines(now + 100, 6, 8));
        let (reconnect, _) = comes_back(0, log, true);
        let first = engine(lines(now - 100, 1, 5), Some(2));
        let (shown, _) = shown_in_a_minute(first, &reconnect, follow_options(Some(tail))).await;
        assert_eq!(shown, numbered(first_shown, 8), "-n {tail}");
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn without_reconnecting_the_lines_so_far_are_shown_and_it_is_exit_4() {
    let (reconnect, tries) = comes_back(0, lines(100, 1, 9), false);
    let first = engine(lines(100, 1, 5), Some(2));
    let (shown, ended) = shown_in_a_minute(first, &reconnect, follow_options(None)).await;
    assert_eq!(shown, numbered(1, 5));
    let Some(Err(End::Failed(failure @ Failure::Unreachable(_)))) = ended else {
        panic!("a lost engine ends it");
    };
    assert!(
        failure.to_string().starts_with(
            "lost the container engine at fake://engine (from a test) while following logs"
        ),
        "{failure}"
    );
    assert_eq!(tries.get(), 0);
}

/// A reader that goes away after `lines` lines.
struct Closes {
    lines: usize,
}

impl io::Write for Closes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.lines == 0 {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.lines = self
            .lines
            .saturating_sub(buf.iter().filter(|b| **b == b'\n').count());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_reader_that_goes_away_while_the_engine_is_back_ends_it_quietly() {
    let (reconnect, tries) = comes_back(1, lines(100, 1, 9), true);
    let first = engine(lines(100, 1, 5), Some(2));
    let mut out = Closes { lines: 7 };
    let options = follow_options(None);
    let ended = follow_for_a_minute(first, &reconnect, options, LogFormat::Json, &mut out).await;
    assert!(matches!(ended, Some(Err(End::Closed))), "ended quietly");
    assert_eq!(tries.get(), 2);
}
