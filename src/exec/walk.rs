//! Running one action per app in dependency order — dependencies first (start) or
//! dependents first (stop) — each app as soon as the apps it must follow are done, in
//! parallel otherwise. An app whose predecessor failed is skipped.

use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use tokio::sync::watch;

/// Each app says when it is done: `Some(true)` done, `Some(false)` failed or skipped.
type Channel = (watch::Sender<Option<bool>>, watch::Receiver<Option<bool>>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Dependencies before dependents (start).
    DependenciesFirst,
    /// Dependents before dependencies (stop, down).
    DependentsFirst,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Walked {
    Done,
    Failed(String),
    /// Not attempted: this predecessor did not finish.
    Skipped(String),
}

/// `dependencies`: app → the apps it depends on (only those in the map take part).
pub async fn walk<F, Fut>(
    dependencies: &BTreeMap<String, Vec<String>>,
    direction: Direction,
    action: F,
) -> BTreeMap<String, Walked>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), String>>,
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
            let (channels, before, action) = (&channels, &before, &action);
            async move {
                let mut outcome = None;
                for predecessor in &before[app] {
                    let mut receiver = channels[predecessor].1.clone();
                    let ok = receiver
                        .wait_for(Option::is_some)
                        .await
                        .is_ok_and(|v| *v == Some(true));
                    if !ok {
                        outcome = Some(Walked::Skipped((*predecessor).to_owned()));
                        break;
                    }
                }
                let outcome = match outcome {
                    Some(skipped) => skipped,
                    None => match action((*app).to_owned()).await {
                        Ok(()) => Walked::Done,
                        Err(message) => Walked::Failed(message),
                    },
                };
                let _ = channels[app].0.send(Some(outcome == Walked::Done));
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
