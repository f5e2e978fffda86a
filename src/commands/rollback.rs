//! `ark rollback`: returns one app to the spec it ran before its last change — the engine's
//! own rollback, new instance first where changes roll — waits until it is ready, and says
//! what it went back to. Needs nothing but the engine: no definition, no build, no pull.

use super::shared::engine::{block_on, connect, engine_failure, until_interrupted};
use super::shared::on_engine;
use crate::cli::RollbackArgs;
use crate::exec::event::Phase;
use crate::exec::readiness;
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::EngineError;
use crate::settings::Settings;
use crate::ui::progress::Progress;
use std::time::Instant;

pub fn run(args: &RollbackArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = settings.environment(args.environment.name.as_deref())?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        if !runtime.capabilities().rollback {
            return Err(Failure::Failed(format!(
                "environment `{name}` runs on {}, which keeps no previous version of an app: rollback needs `engine: swarm` (on plain Docker, `ark start` with the old config makes it again)",
                runtime.endpoint().url
            )));
        }
        let containers = on_engine::containers(runtime, &name).await?;
        let selected = on_engine::select(std::slice::from_ref(&args.app), &containers, &name)?;
        let app = args.app.clone();
        let Some(current) = containers.get(&app) else {
            return Err(Failure::Failed(format!("`{app}` is not on the engine")));
        };
        let progress = Progress::for_apps(args.progress, &settings.printer, &selected);
        let emit = progress.reporter();
        let route = readiness::Route::new(runtime.capabilities().reach);
        let began = Instant::now();
        let work = async {
            emit(
                &app,
                Phase::Updating("rollback to the previous version".into()),
            );
            let went_back_to = runtime
                .rollback(&current.handle)
                .await
                .map_err(|e| match e {
                    EngineError::NotFound(why) => Failure::Failed(why),
                    other => engine_failure(other),
                })?;
            let ready =
                readiness::wait_ready(runtime, &current.handle, &route, args.timeout, &|probe| {
                    emit(&app, Phase::Probing(probe.to_owned()))
                })
                .await;
            Ok::<_, Failure>((went_back_to, ready))
        };
        let outcome = until_interrupted(work).await;
        match outcome {
            Ok(Ok((went_back_to, Ok(())))) => {
                emit(&app, Phase::Ready);
                progress.finish();
                settings.printer.status(&format!(
                    "`{app}` of environment `{name}` rolled back to {went_back_to}, ready in {:.1}s",
                    began.elapsed().as_secs_f64()
                ));
                Ok(exit_code::OK)
            }
            Ok(Ok((went_back_to, Err(failure)))) => {
                emit(&app, Phase::Failed(failure.to_string()));
                progress.finish();
                Err(Failure::Failed(format!(
                    "`{app}` went back to {went_back_to}, but is not ready: {failure}"
                )))
            }
            Ok(Err(failure)) | Err(failure) => {
                progress.finish();
                Err(failure)
            }
        }
    })?
}
