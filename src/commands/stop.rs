//! `ark stop`: stops apps, dependents first, in parallel where order does not matter.

use super::shared::engine::{block_on, connect, lost_while, until_interrupted};
use super::shared::on_engine;
use crate::cli::StopArgs;
use crate::exec::event::Phase;
use crate::exec::walk::{walk, Direction, Walked};
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::{Instance, Runtime};
use crate::settings::Settings;
use crate::ui::progress::Progress;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How long a container gets to stop before it is killed.
pub const GRACE: Duration = Duration::from_secs(10);

pub fn run(args: &StopArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = settings.environment(args.environment.name.as_deref())?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        let containers = on_engine::containers(runtime, &name).await?;
        let selected = on_engine::select(&args.apps, &containers, &name)?;
        // Stopping an app stops what depends on it first: they cannot work without it.
        let selected = on_engine::with_dependents(&selected, &containers);
        let progress = Progress::for_apps(args.progress, &settings.printer, &selected);
        let results = until_interrupted(stop_all(runtime, &containers, &selected, &progress)).await;
        progress.finish();
        let results = results?;
        let doing = format!("stopping apps of environment `{name}`");
        conclude(runtime, settings, "stopped", &name, &doing, &results).await
    })?
}

/// Stops `selected` (dependents first); stopped containers are left alone.
pub async fn stop_all(
    runtime: &dyn Runtime,
    containers: &BTreeMap<String, Instance>,
    selected: &BTreeSet<String>,
    progress: &Progress,
) -> BTreeMap<String, Walked> {
    let emit = progress.reporter();
    walk(
        &on_engine::dependency_map(selected, containers),
        Direction::DependentsFirst,
        |app| {
            let container = containers.get(&app).cloned();
            let emit = &emit;
            async move {
                if let Some(container) = container {
                    stop_one(runtime, &container, emit).await?;
                }
                emit(&app, Phase::Stopped);
                Ok(())
            }
        },
    )
    .await
}

/// Stops one app's container when it runs (with the grace period), saying so.
pub async fn stop_one(
    runtime: &dyn Runtime,
    container: &Instance,
    emit: &dyn Fn(&str, Phase),
) -> Result<(), String> {
    if container.is_running() {
        emit(&container.app, Phase::Stopping);
        runtime
            .stop(&container.handle, GRACE)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `summarize`, unless the engine went away while `doing` (asked once something failed):
/// then that is the one failure (exit 4), not an error per app.
pub async fn conclude(
    runtime: &dyn Runtime,
    settings: &Settings,
    verb: &str,
    environment: &str,
    doing: &str,
    results: &BTreeMap<String, Walked>,
) -> Result<i32, Failure> {
    if results.values().any(|r| *r != Walked::Done) {
        if let Some(lost) = lost_while(runtime, environment, doing).await {
            return Err(lost);
        }
    }
    Ok(summarize(settings, verb, environment, results))
}

/// One line when all went well; the failures otherwise (exit 1).
pub fn summarize(
    settings: &Settings,
    verb: &str,
    environment: &str,
    results: &BTreeMap<String, Walked>,
) -> i32 {
    let printer = &settings.printer;
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(app, r)| match r {
            Walked::Done => None,
            Walked::Failed(why) => Some(format!("`{app}`: {why}")),
            Walked::Skipped(after) => {
                Some(format!("`{app}`: skipped because `{after}` did not finish"))
            }
        })
        .collect();
    if failures.is_empty() {
        printer.status(&printer.err_styles.good(&format!(
            "environment `{environment}`: {} apps {verb}",
            results.len()
        )));
        exit_code::OK
    } else {
        for failure in &failures {
            printer.error_text(&format!(
                "{}: {failure}\n",
                printer.err_styles.error("error")
            ));
        }
        exit_code::FAILED
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::spec::AppSpec;
    use crate::runtime::fake::{Call, FakeEngine};

    fn spec(name: &str, waits_for: &[&str]) -> AppSpec {
        AppSpec::example(name, waits_for)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dependents_stop_before_what_they_depend_on() {
        let engine = FakeEngine::new();
        let containers: BTreeMap<String, Instance> = [
            spec("web", &["api"]),
            spec("api", &["db", "cache"]),
            spec("db", &[]),
            spec("cache", &[]),
        ]
        .iter()
        .map(|s| (s.name.clone(), engine.existing("unit", s, true)))
        .collect();
        let all: BTreeSet<String> = containers.keys().cloned().collect();
        let stopped = stop_all(&engine, &containers, &all, &Progress::Quiet).await;
        assert!(stopped.values().all(|w| *w == Walked::Done), "{stopped:?}");
        let at = |app: &str| engine.position(&Call::Stop(app.into()));
        assert!(at("web") < at("api"));
        assert!(at("api") < at("db") && at("api") < at("cache"));
    }
}
