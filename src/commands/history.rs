//! `ark history`: each app's revisions — when, by whom, from which image, what changed,
//! and where each is now (current, retired, failed, gone) — read from the labels of the
//! environment's instances, so every machine that reaches the engine shows the same.

use super::shared::engine::{block_on, connect, engine_failure};
use super::shared::on_engine;
use crate::cli::{HistoryArgs, TableFormat};
use crate::core::revision::{self, KeptInstance};
use crate::exec::revisions::kept_of;
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::Runtime;
use crate::settings::Settings;
use crate::ui::history_view::{self, AppHistory};
use crate::ui::json;
use std::collections::BTreeMap;

pub fn run(args: &HistoryArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = settings.environment(args.environment.name.as_deref())?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        let histories = histories(runtime, &name, args.app.as_deref()).await?;
        match args.output {
            TableFormat::Json => {
                settings
                    .printer
                    .out(&json::to_pretty(&history_view::render_json(
                        &name, &histories,
                    )))
            }
            TableFormat::Table => settings
                .printer
                .out(&history_view::render_table(&histories)),
        }
        Ok(exit_code::OK)
    })?
}

/// Every app's history (or one app's), by app name. An app the environment does not have
/// is an error naming the ones it has.
pub async fn histories(
    runtime: &dyn Runtime,
    environment: &str,
    app: Option<&str>,
) -> Result<Vec<AppHistory>, Failure> {
    let serving = on_engine::containers(runtime, environment).await?;
    let all = runtime
        .revisions(environment, None)
        .await
        .map_err(engine_failure)?;
    let mut by_app: BTreeMap<String, Vec<KeptInstance>> = BTreeMap::new();
    for instance in &all {
        by_app
            .entry(instance.app.clone())
            .or_default()
            .push(kept_of(instance));
    }
    if let Some(app) = app {
        if !by_app.contains_key(app) {
            // The same message as every command that names an app.
            on_engine::select(&[app.to_owned()], &serving, environment)?;
        }
        by_app.retain(|a, _| a == app);
    }
    Ok(by_app
        .into_iter()
        .map(|(app, instances)| AppHistory {
            app,
            entries: revision::history_of(&instances),
        })
        .collect())
}
