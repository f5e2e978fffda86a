//! `ark validate`: every definition (and an environment) checked, every problem listed.

use super::shared::load;
use crate::cli::{ReportFormat, ValidateArgs};
use crate::core::catalog::Catalog;
use crate::core::definition::RunKind;
use crate::core::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::core::resolved_env::{self, Layers};
use crate::core::spec;
use crate::core::start_set::{self, graph_of};
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::connect::{self, EndpointError};
use crate::settings::Settings;
use crate::ui::json;
use serde_json::json;
use std::path::Path;

pub fn run(args: &ValidateArgs, settings: &Settings) -> Result<i32, Failure> {
    let printer = &settings.printer;
    let catalog = load::catalog(settings)?;
    let mut found = check(
        &catalog,
        &settings.environments_folder,
        args.environment.as_deref(),
    );

    if args.strict {
        for diagnostic in &mut found.0 {
            diagnostic.severity = Severity::Error;
        }
    }
    let found = found.sorted();
    let (errors, warnings) = (found.errors().count(), found.warnings().count());

    match args.output {
        ReportFormat::Json => printer.out(&json::to_pretty(&json!({
            "valid": errors == 0,
            "apps": catalog.len(),
            "resource_files": catalog.resources.len(),
            "errors": found.errors().map(json::diagnostic).collect::<Vec<_>>(),
            "warnings": found.warnings().map(json::diagnostic).collect::<Vec<_>>(),
        }))),
        ReportFormat::Text => {
            printer.diagnostics(&found.0);
            for app in catalog.apps() {
                if let RunKind::Elsewhere(kind) = &app.run.kind {
                    printer.detail(&format!(
                        "`{}` runs as `{kind}`: not started locally",
                        app.name
                    ));
                }
            }
            printer.status(&summary(
                &catalog,
                errors,
                warnings,
                args.environment.as_deref(),
            ));
        }
    }
    Ok(if errors == 0 {
        exit_code::OK
    } else {
        exit_code::INVALID
    })
}

fn summary(
    catalog: &crate::core::catalog::Catalog,
    errors: usize,
    warnings: usize,
    environment: Option<&str>,
) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let checked = match environment {
        Some(env) => format!(
            "{} and environment `{env}`",
            plural(catalog.len() + catalog.broken_names().count(), "app")
        ),
        None => plural(catalog.len() + catalog.broken_names().count(), "app"),
    };
    let skipped = if catalog.resources.is_empty() {
        String::new()
    } else {
        format!(
            " ({} skipped)",
            plural(catalog.resources.len(), "resource file")
        )
    };
    let verdict = if errors == 0 { "ok" } else { "invalid" };
    format!(
        "{verdict}: checked {checked}{skipped}: {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Whether the environment's `target:` names an engine ark can reach in principle: a docker
/// context that exists, or a URL of a kind ark speaks. Nothing is contacted.
fn target_problems(bound: &load::Bound) -> Vec<Diagnostic> {
    let resolved = connect::resolve(
        None,
        None,
        Some((bound.environment.as_str(), bound.target.as_str())),
        &|name| std::env::var(name).ok(),
    );
    match resolved {
        Err(error) => {
            let error = match error {
                EndpointError::Target { error, .. } => *error,
                other => other,
            };
            vec![super::shared::engine::target_problem(bound, &error)]
        }
        Ok(resolved) => {
            let url = resolved.endpoint.url;
            if connect::is_known_address(&url) {
                Vec::new()
            } else {
                let text = std::fs::read_to_string(&bound.file).unwrap_or_default();
                vec![Diagnostic::error(format!(
                    "target: `{url}` is no kind of engine address ark knows"
                ))
                .in_file(&bound.file)
                .at(crate::core::yaml::find_key_line(&text, "target"), None)
                .with_hint("use a docker context name, or a tcp://, ssh:// or unix:// URL")]
            }
        }
    }
}

/// Every problem `ark validate` reports: the catalog's, and with `environment` that
/// environment's and every value it leaves unset. Reads files; contacts nothing.
pub fn check(
    catalog: &Catalog,
    environments_folder: &Path,
    environment: Option<&str>,
) -> Diagnostics {
    let mut found = catalog.diagnostics.clone();

    let environment = match environment {
        None => None,
        Some(name) => {
            match crate::core::environment::Environment::load(environments_folder, name) {
                Ok(environment) => {
                    found.extend(environment.warnings.0.iter().cloned());
                    found.extend(load::unknown_apps_in(&environment, catalog));
                    found.extend(load::node_problems(&environment));
                    Some(environment)
                }
                Err(problems) => {
                    found.extend(problems);
                    None
                }
            }
        }
    };

    let external = |app: &str| {
        environment
            .as_ref()
            .is_some_and(|e| e.external(app).is_some())
    };
    found.extend(catalog.missing_dependencies(external));
    for cycle in graph_of(catalog).cycles() {
        found.push(start_set::cycle_error(catalog, &cycle));
    }

    if let Some(bound) = environment.as_ref().and_then(load::Bound::of) {
        found.extend(target_problems(&bound));
    }

    if let Some(environment) = &environment {
        let shell = load::shell_variable;
        let layers = Layers {
            catalog,
            environment,
            sets: &[],
            shell: &shell,
        };
        for app in catalog
            .apps()
            .filter(|a| a.run.kind == RunKind::Docker && !external(&a.name))
        {
            let (resolved, problems) = resolved_env::resolve(app, &layers);
            found.extend(problems);
            found.extend(spec::missing_values(
                app,
                resolved.missing().map(|m| m.name.as_str()),
                environment,
            ));
        }
    }
    found
}
