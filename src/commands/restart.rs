//! `ark restart`: restarts apps. What depends on them is stopped first and started again
//! after them, each once its own dependencies are ready again. Restart has no definitions
//! to make an instance from: one the engine cannot start any more (an engine crash cut its
//! last start short) is left to `ark start`, which the error names.

use super::shared::engine::{block_on, connect, until_interrupted};
use super::shared::on_engine;
use super::stop::{conclude, stop_all};
use crate::cli::RestartArgs;
use crate::exec::event::Phase;
use crate::exec::readiness;
use crate::exec::walk::{walk, Direction};
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::EngineError;
use std::collections::BTreeSet;

use crate::settings::Settings;
use crate::ui::progress::Progress;

pub fn run(args: &RestartArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = settings.environment(args.environment.name.as_deref())?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        let containers = on_engine::containers(runtime, &name).await?;
        let selected = on_engine::with_dependents(
            &on_engine::select(&args.apps, &containers, &name)?,
            &containers,
        );
        let progress = Progress::for_apps(args.progress, &settings.printer, &selected);
        let route = readiness::Route::new(runtime.capabilities().reach);
        let emit = progress.reporter();
        let doing = format!("restarting apps of environment `{name}`");
        let work = async {
            let stopped = stop_all(runtime, &containers, &selected, &progress).await;
            let code = conclude(runtime, settings, "stopped", &name, &doing, &stopped).await?;
            if code != exit_code::OK {
                return Ok(code);
            }
            let started = walk(
                &on_engine::dependency_map(&selected, &containers),
                Direction::DependenciesFirst,
                |app| {
                    let handle = containers.get(&app).map(|c| c.handle.clone());
                    let (runtime, route, emit, name, selected) =
                        (runtime, &route, &emit, &name, &selected);
                    async move {
                        // The map comes from the same containers: every app has one.
                        let id = handle.ok_or_else(|| format!("`{app}` has no container"))?;
                        emit(&app, Phase::Starting);
                        runtime
                            .start(&id)
                            .await
                            .map_err(|e| start_refused(e, name, selected))?;
                        let result =
                            readiness::wait_ready(runtime, &id, route, args.timeout, &|probe| {
                                emit(&app, Phase::Probing(probe.to_owned()))
                            })
                            .await;
                        match result {
                            Ok(()) => {
                                emit(&app, Phase::Ready);
                                Ok(())
                            }
                            Err(failure) => {
                                let why = failure.to_string();
                                emit(&app, Phase::Failed(why.clone()));
                                Err(why)
                            }
                        }
                    }
                },
            )
            .await;
            conclude(runtime, settings, "restarted", &name, &doing, &started).await
        };
        let code = until_interrupted(work).await;
        progress.finish();
        if let Some(switched) = route.switched() {
            settings.printer.detail(&switched);
        }
        code?
    })?
}

/// Why an app did not start again; for an instance the engine cannot start any more, the
/// `ark start` that makes it again (with every app restart touched, so their dependents
/// come back too).
fn start_refused(error: EngineError, environment: &str, apps: &BTreeSet<String>) -> String {
    match error {
        EngineError::CannotStartAnyMore(_) => {
            let apps: Vec<&str> = apps.iter().map(String::as_str).collect();
            format!(
                "{error}; `ark start -e {environment} {}` makes it again",
                apps.join(" ")
            )
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_the_engine_cannot_start_any_more_is_left_to_start_which_the_error_names() {
        let apps = BTreeSet::from(["api".to_owned(), "web".to_owned()]);
        let refused =
            EngineError::CannotStartAnyMore("start container: task 3f: already exists".into());
        assert_eq!(
            start_refused(refused, "dev", &apps),
            "the engine can no longer start it (an earlier start was cut short): start container: task 3f: already exists; `ark start -e dev api web` makes it again"
        );
        let other = EngineError::Failed("start container: no space left on device".into());
        assert_eq!(
            start_refused(other, "dev", &apps),
            "start container: no space left on device"
        );
    }
}
