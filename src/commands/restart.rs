//! `ark restart`: restarts apps. What depends on them is stopped first and started again
//! after them, each once its own dependencies are ready again.

use super::shared::engine::{block_on, connect, until_interrupted};
use super::shared::on_engine;
use super::stop::{conclude, stop_all};
use crate::cli::RestartArgs;
use crate::exec::event::Phase;
use crate::exec::readiness;
use crate::exec::walk::{walk, Direction};
use crate::exit_code;
use crate::failure::Failure;
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
                    let (runtime, route, emit) = (runtime, &route, &emit);
                    async move {
                        // The map comes from the same containers: every app has one.
                        let id = handle.ok_or_else(|| format!("`{app}` has no container"))?;
                        emit(&app, Phase::Starting);
                        runtime.start(&id).await.map_err(|e| e.to_string())?;
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
                                let why = format!("{failure:?}");
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
