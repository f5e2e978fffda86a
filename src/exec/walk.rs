//! The one graph traversal: each app's action runs in dependency order — dependencies first
//! (start) or dependents first (stop, restart, down) — each app as soon as the apps it must
//! follow are done, in parallel otherwise. An app whose predecessor did not finish is not
//! attempted. The action decides when to pass its `Gate`: start does its own preparation
//! (image, create) first, then waits; stop waits at once.

use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use tokio::sync::watch;

/// How an app's part ended, for those that must follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    Done,
    Failed,
    /// Not attempted: one of its own predecessors did not finish.
    Skipped,
}

/// Each app says when it is finished, and how.
type Channel = (
    watch::Sender<Option<Finished>>,
    watch::Receiver<Option<Finished>>,
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Dependencies before dependents (start).
    DependenciesFirst,
    /// Dependents before dependencies (stop, down).
    DependentsFirst,
}

/// Why a gate stayed shut: the predecessor that did not finish, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub by: String,
    pub how: Finished,
}

/// The apps one app must follow, to be waited for when the action is ready to go on.
pub struct Gate {
    predecessors: Vec<(String, watch::Receiver<Option<Finished>>)>,
}

impl Gate {
    /// A gate with nothing to wait for: one app's change outside a walk (a rollback).
    pub fn open() -> Gate {
        Gate {
            predecessors: Vec::new(),
        }
    }

    /// The apps still to be waited for, in order.
    pub fn pending(&self) -> Vec<String> {
        self.predecessors
            .iter()
            .map(|(app, _)| app.clone())
            .collect()
    }

    /// Waits for each predecessor in turn; `on_wait` hears, before each wait, which are still
    /// awaited. Shut (with who and how) as soon as one did not finish.
    pub async fn pass(self, on_wait: &dyn Fn(&[String])) -> Result<(), Blocked> {
        let mut remaining = self.predecessors;
        while !remaining.is_empty() {
            let names: Vec<String> = remaining.iter().map(|(app, _)| app.clone()).collect();
            on_wait(&names);
            let (app, mut receiver) = remaining.remove(0);
            // A closed channel cannot happen (senders live as long as the walk): count it
            // as failed.
            let how = receiver
                .wait_for(Option::is_some)
                .await
                .map_or(Finished::Failed, |v| v.unwrap_or(Finished::Failed));
            if how != Finished::Done {
                return Err(Blocked { by: app, how });
            }
        }
        Ok(())
    }
}

/// Walks the apps of `dependencies` (app → the apps it depends on; only those in the map
/// take part). `action` gets each app with its gate and says what it made of it and how it
/// finished. Results come keyed by app.
pub async fn walk_gated<T, F, Fut>(
    dependencies: &BTreeMap<String, Vec<String>>,
    direction: Direction,
    action: F,
) -> BTreeMap<String, T>
where
    F: Fn(String, Gate) -> Fut,
    Fut: Future<Output = (T, Finished)>,
{
    let apps: BTreeSet<&str> = dependencies.keys().map(String::as_str).collect();
    let mut before: BTreeMap<&str, Vec<&str>> = apps.iter().map(|a| (*a, Vec::new())).collect();
    for (app, deps) in dependencies {
        for dep in deps.iter().filter(|d| apps.contains(d.as_str())) {
            match direction {
                Direction::DependenciesFirst => {
                    before.entry(app.as_str()).or_default().push(dep.as_str())
                }
                Direction::DependentsFirst => {
                    before.entry(dep.as_str()).or_default().push(app.as_str())
                }
            }
        }
    }
    let channels: BTreeMap<&str, Channel> =
        apps.iter().map(|a| (*a, watch::channel(None))).collect();
    let mut running: FuturesUnordered<_> = apps
        .iter()
        .map(|app| {
            let gate = Gate {
                predecessors: before[app]
                    .iter()
                    .map(|p| ((*p).to_owned(), channels[p].1.clone()))
                    .collect(),
            };
            let (channels, action) = (&channels, &action);
            async move {
                let (outcome, how) = action((*app).to_owned(), gate).await;
                let _ = channels[app].0.send(Some(how));
                ((*app).to_owned(), outcome)
            }
        })
        .collect();
    let mut results = BTreeMap::new();
    while let Some((app, outcome)) = running.next().await {
        results.insert(app, outcome);
    }
    results
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Walked {
    Done,
    Failed(String),
    /// Not attempted: this predecessor did not finish.
    Skipped(String),
}

/// The walk for actions that simply wait their turn (stop, restart, down).
pub async fn walk<F, Fut>(
    dependencies: &BTreeMap<String, Vec<String>>,
    direction: Direction,
    action: F,
) -> BTreeMap<String, Walked>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    walk_gated(dependencies, direction, |app, gate| {
        let action = &action;
        async move {
            if let Err(blocked) = gate.pass(&|_| {}).await {
                return (Walked::Skipped(blocked.by), Finished::Skipped);
            }
            match action(app).await {
                Ok(()) => (Walked::Done, Finished::Done),
                Err(message) => (Walked::Failed(message), Finished::Failed),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn graph() -> BTreeMap<String, Vec<String>> {
        [
            ("web", vec!["api"]),
            ("api", vec!["db", "cache"]),
            ("db", vec![]),
            ("cache", vec![]),
        ]
        .into_iter()
        .map(|(a, d)| (a.to_owned(), d.into_iter().map(str::to_owned).collect()))
        .collect()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dependents_stop_first_and_independent_apps_together() {
        let log = RefCell::new(Vec::new());
        let results = walk(&graph(), Direction::DependentsFirst, |app| {
            let log = &log;
            async move {
                log.borrow_mut().push(format!("begin {app}"));
                tokio::task::yield_now().await;
                log.borrow_mut().push(format!("end {app}"));
                Ok(())
            }
        })
        .await;
        assert!(results.values().all(|r| *r == Walked::Done));
        let log = log.into_inner();
        let at = |entry: &str| log.iter().position(|l| l == entry).unwrap();
        assert!(at("end web") < at("begin api"));
        assert!(at("end api") < at("begin db") && at("end api") < at("begin cache"));
        // db and cache overlap: neither waits for the other.
        assert!(at("begin cache") < at("end db") || at("begin db") < at("end cache"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_failure_skips_what_must_follow_it() {
        let results = walk(&graph(), Direction::DependenciesFirst, |app| async move {
            if app == "db" {
                Err("boom".to_owned())
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(results["db"], Walked::Failed("boom".into()));
        assert_eq!(results["api"], Walked::Skipped("db".into()));
        assert_eq!(results["web"], Walked::Skipped("api".into()));
        assert_eq!(results["cache"], Walked::Done);
    }
}
