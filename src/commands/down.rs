//! `ark down`: removes an environment — its containers (dependents first) and its network;
//! named volumes only with `--volumes`. Touches only what carries the environment's label.

use super::engine::{block_on, connect, engine_failure, until_interrupted};
use super::on_engine;
use super::stop::{stop_one, summarize};
use crate::cli::DownArgs;
use crate::exec::event::{Event, Phase};
use crate::exec::walk::{walk, Direction};
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::Runtime;
use crate::settings::Settings;
use crate::ui::progress::Progress;
use std::collections::BTreeSet;
use std::time::Instant;

pub fn run(args: &DownArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = settings.environment(args.environment.name.as_deref())?;
    block_on(async {
        let runtime = connect(settings).await?;
        let containers = on_engine::containers(&runtime, &name).await?;
        let all: BTreeSet<String> = containers.keys().cloned().collect();
        let progress = Progress::new(
            args.progress,
            settings.printer.verbosity == crate::ui::printer::Verbosity::Quiet,
            settings.printer.err_styles,
            &all.iter().cloned().collect::<Vec<_>>(),
        );
        let began = Instant::now();
        let emit = |app: &str, phase: Phase| {
            progress.event(&Event {
                app: app.to_owned(),
                phase,
                elapsed: began.elapsed(),
            })
        };
        let order = on_engine::dependency_map(&all, &containers);
        let removing = walk(&order, Direction::DependentsFirst, |app| {
            let container = containers.get(&app).cloned();
            let (runtime, emit) = (&runtime, &emit);
            async move {
                let Some(container) = container else {
                    return Ok(());
                };
                stop_one(runtime, &container, emit).await?;
                emit(&app, Phase::Removing);
                runtime
                    .remove(&container.id)
                    .await
                    .map_err(|e| e.to_string())?;
                emit(&app, Phase::Removed);
                Ok(())
            }
        });
        let results = until_interrupted(removing).await;
        progress.finish();
        let results = results?;
        let code = summarize(settings, "removed", &name, &results);
        if code != exit_code::OK {
            return Ok(code);
        }
        runtime
            .remove_network(&name)
            .await
            .map_err(engine_failure)?;
        if args.volumes {
            let removed = runtime
                .remove_volumes(&name)
                .await
                .map_err(engine_failure)?;
            settings
                .printer
                .status(&format!("removed {removed} named volumes"));
        }
        Ok(exit_code::OK)
    })?
}
