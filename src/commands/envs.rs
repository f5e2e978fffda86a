//! `ark envs`: the environments defined on disk, and those running on the engine (when one
//! answers; without one, the files alone).

use super::engine::{block_on, connect};
use crate::cli::{EnvsArgs, TableFormat};
use crate::core::environment::{self, Environment, DEFAULT_ENVIRONMENT};
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::Runtime;
use crate::settings::Settings;
use crate::ui::json;
use crate::ui::table::Table;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn run(args: &EnvsArgs, settings: &Settings) -> Result<i32, Failure> {
    let printer = &settings.printer;
    let folder = &settings.environments_folder;
    let mut rows: BTreeMap<String, Value> = BTreeMap::new();
    let mut problems = Vec::new();
    for name in environment::list(folder) {
        let row = match Environment::load(folder, &name) {
            Ok(env) => {
                let own = env.chain.last().filter(|_| env.has_file);
                json!({
                    "name": name,
                    "file": own.map(|f| f.path.display().to_string()),
                    "extends": own.and_then(|f| f.extends.clone()),
                    "target": env.setting(|f| f.target.clone()),
                    "apps": own.map_or(0, |f| f.apps.len()),
                    "valid": true,
                    "running": false,
                    "apps_running": 0,
                })
            }
            Err(errors) => {
                problems.extend(errors);
                json!({"name": name, "file": folder.join(format!("{name}.yml")).display().to_string(), "extends": null, "target": null, "apps": 0, "valid": false, "running": false, "apps_running": 0})
            }
        };
        rows.insert(name, row);
    }
    let running = running_environments(settings)?;
    for (name, apps_running) in running.iter().flatten() {
        let row = rows.entry(name.clone()).or_insert_with(|| {
            json!({"name": name, "file": null, "extends": null, "target": null, "apps": 0, "valid": true, "running": false, "apps_running": 0})
        });
        row["running"] = json!(true);
        row["apps_running"] = json!(apps_running);
    }
    match args.output {
        TableFormat::Json => printer.out(&json::to_pretty(&json!(rows.values().collect::<Vec<_>>()))),
        TableFormat::Table if rows.is_empty() => printer.status(&format!(
            "no environment files in {} and none running: any name works on demand, e.g. `ark start -e my-env APP`",
            folder.display()
        )),
        TableFormat::Table => {
            let mut table = Table::new(["NAME", "EXTENDS", "FILE", "RUNNING"]);
            for row in rows.values() {
                let name = row["name"].as_str().unwrap_or_default();
                let shown = if name == DEFAULT_ENVIRONMENT { format!("{name} (base of all)") } else { name.to_owned() };
                let extends = row["extends"].as_str().unwrap_or("-").to_owned();
                let file = row["file"].as_str().map_or_else(|| "(on demand)".to_owned(), str::to_owned);
                let file = if row["valid"] == json!(false) { format!("{file} (invalid)") } else { file };
                let state = match (&running, row["apps_running"].as_u64().unwrap_or(0)) {
                    (None, _) => "?".to_owned(),
                    (Some(_), 0) => "-".to_owned(),
                    (Some(_), n) => format!("{n} apps"),
                };
                table.row(vec![shown, extends, file, state]);
            }
            printer.out(&table.render());
        }
    }
    printer.diagnostics(&problems);
    Ok(if problems.is_empty() {
        exit_code::OK
    } else {
        exit_code::INVALID
    })
}

/// Environment → running apps on the engine; `None` when no engine answers.
fn running_environments(settings: &Settings) -> Result<Option<BTreeMap<String, usize>>, Failure> {
    block_on(async {
        let runtime = match connect(settings).await {
            Ok(runtime) => runtime,
            Err(Failure::Unreachable(why)) => {
                settings
                    .printer
                    .detail(&format!("not listing running environments: {why}"));
                return Ok(None);
            }
            Err(other) => return Err(other),
        };
        let mut running: BTreeMap<String, usize> = BTreeMap::new();
        for network in runtime
            .networks(None)
            .await
            .map_err(super::engine::engine_failure)?
        {
            running.entry(network.environment).or_default();
        }
        for container in runtime
            .list(None)
            .await
            .map_err(super::engine::engine_failure)?
        {
            *running.entry(container.environment.clone()).or_default() +=
                usize::from(container.is_running());
        }
        Ok(Some(running))
    })?
}
