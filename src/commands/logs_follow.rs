//! `ark logs -f`: one follower per app, all driven from one loop with the printer and a
//! poll of the environment (every second). The engine closes a container's stream when it
//! stops, and a recreated app is a new container: a follower re-opens the app's current
//! container from the last time it printed and drops lines at or before it, so nothing is
//! lost or shown twice across the switch. Apps that join the environment get a follower.

use super::shared::log_end::End;
use crate::logs::filter::LineFilter;
use crate::logs::timestamp::Timestamp;
use crate::runtime::api::{Handle, Instance, LogLine, LogOptions, Output, Runtime};
use crate::ui::log_view::LogView;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often the environment is listed: how soon a restart or a new app shows up.
const POLL: Duration = Duration::from_secs(1);

/// What to follow and how.
pub struct Watch<'a> {
    pub runtime: &'a dyn Runtime,
    pub environment: &'a str,
    /// The named apps; `None` follows every app, including ones that join.
    pub only: Option<&'a BTreeSet<String>>,
    pub options: LogOptions,
    pub filter: &'a LineFilter,
}

/// The environment as last listed; `generation` counts the listings.
#[derive(Default)]
struct Snapshot {
    containers: BTreeMap<String, Instance>,
    generation: u64,
}

pub async fn follow(
    watch: &Watch<'_>,
    containers: BTreeMap<String, Instance>,
    view: &mut LogView,
    out: &mut impl Write,
) -> Result<(), End> {
    let snapshot = RefCell::new(Snapshot {
        containers,
        generation: 0,
    });
    let (tx, mut rx) = mpsc::channel::<(usize, LogLine)>(4096);
    let mut followed = BTreeSet::new();
    let mut followers = FuturesUnordered::new();
    let mut listing = tokio::time::interval(POLL);
    listing.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let joining: Vec<String> = snapshot
            .borrow()
            .containers
            .keys()
            .filter(|app| watch.only.is_none_or(|only| only.contains(*app)))
            .filter(|app| !followed.contains(*app))
            .cloned()
            .collect();
        for app in joining {
            followed.insert(app.clone());
            let index = view.add_app(&app);
            followers.push(follow_app(watch, &snapshot, index, app, tx.clone()));
        }
        tokio::select! {
            Some((app, line)) = rx.recv() => {
                view.write(out, app, &line)?;
                while let Ok((app, line)) = rx.try_recv() {
                    view.write(out, app, &line)?;
                }
                out.flush()?;
            }
            Some(()) = followers.next(), if !followers.is_empty() => {}
            _ = listing.tick() => {
                let listed = watch.runtime.list(Some(watch.environment)).await?;
                let mut snapshot = snapshot.borrow_mut();
                snapshot.containers = listed.into_iter().map(|c| (c.app.clone(), c)).collect();
                snapshot.generation += 1;
            }
            _ = &mut interrupted => {
                out.flush()?;
                return Ok(());
            }
        }
    }
}

/// Follows one app for as long as ark runs: its current container while it runs, then the
/// next one (the same container restarted, or a new one), resuming after the last line seen.
async fn follow_app(
    watch: &Watch<'_>,
    snapshot: &RefCell<Snapshot>,
    index: usize,
    app: String,
    tx: mpsc::Sender<(usize, LogLine)>,
) {
    // Per stream: the engine stamps stdout and stderr in separate readers, so one app's
    // lines do not arrive in time order across its two streams, only within each.
    let mut last: [Option<Timestamp>; 2] = [None, None];
    let mut followed: Option<Handle> = None;
    let mut tail = watch.options.tail;
    loop {
        let container = snapshot.borrow().containers.get(&app).cloned();
        // A stopped container we already read has nothing new; a new one may have.
        let open = container.filter(|c| c.is_running() || followed.as_ref() != Some(&c.handle));
        if let Some(container) = open {
            let options = LogOptions {
                follow: true,
                // The engine resumes to the second; lines at or before `last` are dropped. A
                // finished read delivered everything written before it ended, on both
                // streams, so the earlier stream's last line is a safe place to resume.
                since: last.iter().flatten().min().copied().or(watch.options.since),
                until: watch.options.until,
                tail: tail.take(),
            };
            let mut lines = watch.runtime.logs(&container.handle, options);
            followed = Some(container.handle);
            // An error (the container went away mid-read) ends this read like a stop does.
            while let Some(Ok(line)) = lines.next().await {
                let seen = &mut last[usize::from(line.output == Output::Stderr)];
                if seen.is_some_and(|seen| line.ts <= seen) {
                    continue;
                }
                *seen = Some(line.ts);
                if watch.filter.keeps(&line) && tx.send((index, line)).await.is_err() {
                    return;
                }
            }
            if watch.options.until.is_some() {
                // The engine ends a read at `--until`: nothing later is wanted.
                return;
            }
        }
        // Wait for a listing made after this point, so a stale one does not re-open a
        // container that just stopped again and again.
        let seen = snapshot.borrow().generation;
        while snapshot.borrow().generation == seen {
            tokio::time::sleep(POLL / 4).await;
        }
    }
}
