//! `ark logs -f`: one follower per app, all driven from one loop with the printer and a
//! poll of the environment (every second). The engine closes a container's stream when it
//! stops, and a recreated app is a new container: a follower re-opens the app's current
//! container from the last time it printed and drops lines at or before it, so nothing is
//! lost or shown twice across the switch. Apps that join the environment get a follower.
//!
//! Where each app was left (`Resume`) outlives the connection: when the engine goes away
//! (a listing finds nobody, or no answer), the followers end, `Reconnect` waits for the engine, and a new
//! session resumes every app after its last line, from the engine's own log files.

use super::shared::engine::list_within_patience;
use super::shared::log_end::End;
use super::shared::reconnect::Reconnect;
use crate::logs::filter::LineFilter;
use crate::logs::timestamp::Timestamp;
use crate::runtime::api::{EngineError, Handle, Instance, LogLine, LogOptions, Output, Runtime};
use crate::ui::log_view::LogView;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::io::Write;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often the environment is listed: how soon a restart or a new app shows up.
const POLL: Duration = Duration::from_secs(1);

/// What to follow and how.
pub struct Watch<'a> {
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

/// Where one app's output was left, kept across container switches and reconnections.
#[derive(Debug, Clone, Copy, Default)]
struct Resume {
    /// Per stream: the engine stamps stdout and stderr in separate readers, so one app's
    /// lines do not arrive in time order across its two streams, only within each.
    last: [Option<Timestamp>; 2],
    /// The app's first read happened (the one that takes `--tail`).
    opened: bool,
    /// When a first read that took `--tail` began: what came before was left out on
    /// purpose, so a read resumed before any line arrived starts there.
    floor: Option<Timestamp>,
}

impl Resume {
    /// Where a new read starts. The engine resumes to the second; lines at or before `last`
    /// are dropped. A finished read delivered everything written before it ended, on both
    /// streams, so the earlier stream's last line is a safe place to resume.
    fn since(&self) -> Option<Timestamp> {
        self.last.iter().flatten().min().copied().or(self.floor)
    }

    /// Whether `line` comes after what was already handled on its stream.
    fn is_new(&self, line: &LogLine) -> bool {
        let seen = self.last[stream_of(line)].or(if self.last.iter().all(Option::is_none) {
            self.floor
        } else {
            None
        });
        seen.is_none_or(|seen| line.ts > seen)
    }
}

fn stream_of(line: &LogLine) -> usize {
    usize::from(line.output == Output::Stderr)
}

/// How one session (one connection) ended, other than by the reader going away.
enum Ended {
    Interrupted,
    /// The engine failed to list the environment (perhaps it went away).
    Engine(EngineError),
}

/// Follows until Ctrl-C (or the reader goes away), across engine restarts as `reconnect`
/// allows.
pub async fn follow(
    watch: &Watch<'_>,
    mut engine: Box<dyn Runtime>,
    containers: BTreeMap<String, Instance>,
    reconnect: &Reconnect<'_>,
    view: &mut LogView,
    out: &mut impl Write,
) -> Result<(), End> {
    let resume = RefCell::new(BTreeMap::new());
    let mut indexes = BTreeMap::new();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let mut containers = containers;
    loop {
        let shown = Shown {
            resume: &resume,
            indexes: &mut indexes,
            view: &mut *view,
        };
        let ended = session(watch, &*engine, containers, shown, out, &mut interrupted).await?;
        let error = match ended {
            Ended::Interrupted => return Ok(()),
            Ended::Engine(error) => error,
        };
        let endpoint = engine.endpoint().clone();
        engine = tokio::select! {
            back = reconnect.after(&endpoint, error) => back.map_err(End::Failed)?,
            _ = &mut interrupted => return Ok(()),
        };
        // The first listing of the new session says what is there now.
        containers = BTreeMap::new();
    }
}

/// What outlives a session: where each app was left, and its place in the view.
struct Shown<'s, 'v> {
    resume: &'s RefCell<BTreeMap<String, Resume>>,
    indexes: &'s mut BTreeMap<String, usize>,
    view: &'v mut LogView,
}

/// Follows the environment over one connection, until it fails or Ctrl-C.
async fn session<I>(
    watch: &Watch<'_>,
    runtime: &dyn Runtime,
    containers: BTreeMap<String, Instance>,
    shown: Shown<'_, '_>,
    out: &mut impl Write,
    interrupted: &mut I,
) -> Result<Ended, End>
where
    I: Future + Unpin,
{
    let Shown {
        resume,
        indexes,
        view,
    } = shown;
    let snapshot = RefCell::new(Snapshot {
        containers,
        generation: 0,
    });
    let (tx, mut rx) = mpsc::channel::<(usize, LogLine)>(4096);
    let mut followed = BTreeSet::new();
    let mut followers = FuturesUnordered::new();
    // The instances whose secrets are masked: each new one (a recreation, a rollover, an
    // app joining) is read once, before any of its lines can be shown.
    let mut masked: BTreeSet<String> = BTreeSet::new();
    let mut listing = tokio::time::interval(POLL);
    listing.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if view.masks() {
            let unseen: Vec<Instance> = snapshot
                .borrow()
                .containers
                .values()
                .filter(|c| masked.insert(c.handle.as_str().to_owned()))
                .cloned()
                .collect();
            if !unseen.is_empty() {
                view.mask(super::logs::secret_values(runtime, &unseen).await);
            }
        }
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
            let index = *indexes
                .entry(app.clone())
                .or_insert_with(|| view.add_app(&app));
            let follower = Follower {
                watch,
                runtime,
                snapshot: &snapshot,
                resume,
            };
            followers.push(follower.run(index, app, tx.clone()));
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
                match list_within_patience(runtime, watch.environment).await {
                    Ok(listed) => {
                        let mut snapshot = snapshot.borrow_mut();
                        snapshot.containers =
                            listed.into_iter().map(|c| (c.app.clone(), c)).collect();
                        snapshot.generation += 1;
                    }
                    Err(error) => {
                        // Lines already handed over count as shown: print them first.
                        while let Ok((app, line)) = rx.try_recv() {
                            view.write(out, app, &line)?;
                        }
                        out.flush()?;
                        return Ok(Ended::Engine(error));
                    }
                }
            }
            _ = &mut *interrupted => {
                out.flush()?;
                return Ok(Ended::Interrupted);
            }
        }
    }
}

/// What a follower reads from and where it records its progress.
struct Follower<'a, 'w> {
    watch: &'a Watch<'w>,
    runtime: &'a dyn Runtime,
    snapshot: &'a RefCell<Snapshot>,
    resume: &'a RefCell<BTreeMap<String, Resume>>,
}

impl Follower<'_, '_> {
    /// Follows one app for as long as the session runs: its current container while it
    /// runs, then the next one (the same container restarted, or a new one), resuming after
    /// the last line handled.
    async fn run(self, index: usize, app: String, tx: mpsc::Sender<(usize, LogLine)>) {
        let watch = self.watch;
        let mut followed: Option<Handle> = None;
        loop {
            let container = self.snapshot.borrow().containers.get(&app).cloned();
            // A stopped container this session already read has nothing new; a new one may.
            let open = container.filter(|c| c.is_running() || followed.as_ref() != Some(&c.handle));
            if let Some(container) = open {
                if followed.as_ref().is_some_and(|f| *f != container.handle) {
                    // Another container now: read it from its first line. A rollover's new
                    // revision ran (and wrote) beside the old one before it took the app's
                    // name, so its lines are older than the old one's last.
                    if let Some(resume) = self.resume.borrow_mut().get_mut(&app) {
                        resume.last = [None, None];
                        resume.floor = None;
                    }
                }
                let (mut at, options) = self.opening(&app);
                let mut lines = self.runtime.logs(&container.handle, options);
                followed = Some(container.handle);
                // An error (the container or the engine went away mid-read) ends this read
                // like a stop does.
                while let Some(Ok(line)) = lines.next().await {
                    if !at.is_new(&line) {
                        continue;
                    }
                    let (stream, ts) = (stream_of(&line), line.ts);
                    if watch.filter.keeps(&line) && tx.send((index, line)).await.is_err() {
                        return;
                    }
                    // Only once handed over: a line lost with its session is read again.
                    at.last[stream] = Some(ts);
                    if let Some(resume) = self.resume.borrow_mut().get_mut(&app) {
                        resume.last[stream] = Some(ts);
                    }
                }
                if watch.options.until.is_some() {
                    // The engine ends a read at `--until`: nothing later is wanted.
                    return;
                }
            }
            // Wait for a listing made after this point, so a stale one does not re-open a
            // container that just stopped again and again.
            let seen = self.snapshot.borrow().generation;
            while self.snapshot.borrow().generation == seen {
                tokio::time::sleep(POLL / 4).await;
            }
        }
    }

    /// Where `app` was left, and the read that resumes after it (the app's first read
    /// takes `--tail`).
    fn opening(&self, app: &str) -> (Resume, LogOptions) {
        let mut resume = self.resume.borrow_mut();
        let at = resume.entry(app.to_owned()).or_default();
        let left = *at;
        let tail = if at.opened {
            None
        } else {
            // For the reads after this one; this one shows the tail.
            at.opened = true;
            at.floor = self.watch.options.tail.map(|_| Timestamp::now());
            self.watch.options.tail
        };
        let options = LogOptions {
            follow: true,
            since: left.since().or(self.watch.options.since),
            until: self.watch.options.until,
            tail,
        };
        (left, options)
    }
}

#[cfg(test)]
#[path = "logs_follow_tests.rs"]
mod tests;
