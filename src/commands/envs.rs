//! `ark envs`: the environments defined on disk — where each runs (its target) and what runs
//! of it there, asked of its own engine — and those running on the settings' engine that no
//! file defines. An engine that does not answer leaves the files alone; with no files and
//! no engine answering there is nothing to list, and it says it could not ask (exit 4).

use super::shared::engine::block_on;
use super::shared::engines::{self, Engines};
use crate::cli::{EnvsArgs, TableFormat};
use crate::core::environment::{self, Environment, DEFAULT_ENVIRONMENT};
use crate::exit_code;
use crate::failure::Failure;
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
                    "target": env.target().map(|(target, _)| target),
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
    let engines = Engines::gather(settings);
    let running = block_on(running_environments(&engines, settings))?;
    // Environments running on the settings' engine that no file defines.
    if let Some(Ok(on_settings_engine)) = running.first() {
        for name in on_settings_engine.keys() {
            rows.entry(name.clone()).or_insert_with(|| {
                json!({"name": name, "file": null, "extends": null, "target": null, "apps": 0, "valid": true, "running": false, "apps_running": 0})
            });
        }
    }
    // Each environment's running apps, from its own engine.
    for (name, row) in &mut rows {
        let index = engines.index_of(name);
        let asked = &engines.asked[index];
        row["engine"] = json!(asked.url());
        match &running[index] {
            Ok(found) => {
                row["engine_reachable"] = json!(true);
                if let Some(apps_running) = found.get(name) {
                    row["running"] = json!(true);
                    row["apps_running"] = json!(apps_running);
                }
            }
            Err(_) => row["engine_reachable"] = json!(false),
        }
    }
    for (asked, answer) in engines.asked.iter().zip(&running) {
        match answer {
            // A target that names no usable context is the environment file's problem.
            Err(Failure::Invalid(diagnostics)) => problems.extend(diagnostics.0.iter().cloned()),
            Err(failure) => printer.detail(&format!(
                "not listing what runs on {}: {}",
                asked.describe(),
                engines::why(failure)
            )),
            Ok(_) => {}
        }
    }
    // Nothing on disk and no engine answered: "none running" would be a guess.
    let unanswered = rows.is_empty() && running.iter().all(Result::is_err);
    if unanswered {
        if args.output == TableFormat::Json {
            printer.out(&json::to_pretty(&json!([])));
        }
        let why = running
            .first()
            .and_then(|r| r.as_ref().err())
            .map(engines::why);
        return Err(Failure::Unreachable(format!(
            "no environment files in {}, and cannot say what runs: {}",
            folder.display(),
            why.unwrap_or_default()
        )));
    }
    match args.output {
        TableFormat::Json => printer.out(&json::to_pretty(&json!(rows.values().collect::<Vec<_>>()))),
        TableFormat::Table if rows.is_empty() => printer.status(&format!(
            "no environment files in {} and none running: any name works on demand, e.g. `ark start -e my-env APP`",
            folder.display()
        )),
        TableFormat::Table => {
            let mut table = Table::new(["NAME", "EXTENDS", "TARGET", "FILE", "RUNNING"]);
            for row in rows.values() {
                let name = row["name"].as_str().unwrap_or_default();
                let shown = if name == DEFAULT_ENVIRONMENT { format!("{name} (base of all)") } else { name.to_owned() };
                let extends = row["extends"].as_str().unwrap_or("-").to_owned();
                let target = row["target"].as_str().unwrap_or("default").to_owned();
                let file = row["file"].as_str().map_or_else(|| "(on demand)".to_owned(), str::to_owned);
                let file = if row["valid"] == json!(false) { format!("{file} (invalid)") } else { file };
                let state = match (row["engine_reachable"] == json!(true), row["apps_running"].as_u64().unwrap_or(0)) {
                    (false, _) => "unreachable".to_owned(),
                    (true, 0) => "-".to_owned(),
                    (true, n) => format!("{n} apps"),
                };
                table.row(vec![shown, extends, target, file, state]);
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

/// Per engine asked: environment → running apps there, or why the engine gave no answer.
async fn running_environments(
    engines: &Engines,
    settings: &Settings,
) -> Vec<Result<BTreeMap<String, usize>, Failure>> {
    engines
        .survey(settings)
        .await
        .into_iter()
        .map(|answer| {
            let seen = answer?;
            let mut running: BTreeMap<String, usize> = BTreeMap::new();
            for network in seen.networks {
                running.entry(network.environment).or_default();
            }
            for container in seen.containers {
                *running.entry(container.environment.clone()).or_default() +=
                    usize::from(container.is_running());
            }
            Ok(running)
        })
        .collect()
}
