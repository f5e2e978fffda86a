//! `ark envs`: the environments defined on disk.

use crate::cli::{EnvsArgs, TableFormat};
use crate::core::environment::{self, Environment, DEFAULT_ENVIRONMENT};
use crate::exit_code;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::ui::json;
use crate::ui::table::Table;
use serde_json::json;

pub fn run(args: &EnvsArgs, settings: &Settings) -> Result<i32, Failure> {
    let printer = &settings.printer;
    let folder = &settings.environments_folder;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for name in environment::list(folder) {
        match Environment::load(folder, &name) {
            Ok(env) => {
                let own = env.chain.last().filter(|_| env.has_file);
                rows.push(json!({
                    "name": name,
                    "file": own.map(|f| f.path.display().to_string()),
                    "extends": own.and_then(|f| f.extends.clone()),
                    "target": env.setting(|f| f.target.clone()),
                    "apps": own.map_or(0, |f| f.apps.len()),
                    "valid": true,
                }));
            }
            Err(errors) => {
                rows.push(json!({"name": name, "file": folder.join(format!("{name}.yml")).display().to_string(), "extends": null, "target": null, "apps": 0, "valid": false}));
                problems.extend(errors);
            }
        }
    }
    match args.output {
        TableFormat::Json => printer.out(&json::to_pretty(&json!(rows))),
        TableFormat::Table => {
            if rows.is_empty() {
                printer.status(&format!(
                    "no environment files in {}: any name works on demand, e.g. `ark plan -e my-env APP`",
                    folder.display()
                ));
            } else {
                let mut table = Table::new(["NAME", "EXTENDS", "APPS", "FILE"]);
                for row in &rows {
                    let name = row["name"].as_str().unwrap_or_default();
                    let shown = if name == DEFAULT_ENVIRONMENT {
                        format!("{name} (base of all)")
                    } else {
                        name.to_owned()
                    };
                    let extends = row["extends"].as_str().unwrap_or("-").to_owned();
                    let file = row["file"].as_str().unwrap_or_default().to_owned();
                    let file = if row["valid"] == json!(false) {
                        format!("{file} (invalid)")
                    } else {
                        file
                    };
                    table.row(vec![shown, extends, row["apps"].to_string(), file]);
                }
                printer.out(&table.render());
            }
        }
    }
    printer.diagnostics(&problems);
    Ok(if problems.is_empty() {
        exit_code::OK
    } else {
        exit_code::INVALID
    })
}
