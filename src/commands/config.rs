//! `ark config`: every variable an app gets in an environment, its value and its source.

use super::config_engine;
use super::shared::{load, secrets};
use crate::cli::{ConfigArgs, ConfigFormat};
use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::core::resolved_env::{self, Layers};
use crate::core::spec;
use crate::exit_code;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::ui::json::{self, shown_value};
use crate::ui::table::Table;
use serde_json::json;

pub fn run(args: &ConfigArgs, settings: &Settings) -> Result<i32, Failure> {
    let printer = &settings.printer;
    let name = settings.environment(args.environment.name.as_deref())?;
    let sets = load::parse_sets(&args.set.values)?;
    let catalog = load::catalog(settings)?;
    let environment = load::environment(settings, &name)?;
    let choice = load::engine_choice(settings, Some(&name))?;
    let Some(app) = catalog.get(&args.app) else {
        let problems = match catalog.broken(&args.app) {
            Some(errors) => errors.to_vec(),
            None => vec![Diagnostic::error(format!(
                "unknown app `{}`: no definition in the apps folders",
                args.app
            ))
            .with_optional_hint(catalog.suggest(&args.app))],
        };
        return Err(Failure::Invalid(Diagnostics(problems)));
    };
    let shell = load::shell_variable;
    let layers = Layers {
        catalog: &catalog,
        environment: &environment,
        sets: &sets,
        shell: &shell,
    };
    let (mut resolved, mut problems) = resolved_env::resolve(app, &layers);
    problems.extend(spec::missing_values(
        app,
        resolved.missing().map(|m| m.name.as_str()),
        &environment,
    ));
    // Secrets are fetched only when asked to be shown; then they are shown as any value
    // is (their source still says which provider gave them).
    let show_secrets = args.show_secrets || args.reveal_secrets;
    if args.reveal_secrets && resolved.secrets().next().is_some() {
        match secrets::fetch_into(&mut [&mut resolved]) {
            Ok(fetched) => {
                printer.diagnostics(&fetched.warnings);
                for var in &mut resolved.vars {
                    var.secret = None;
                }
            }
            Err(refused) => return Err(Failure::Invalid(Diagnostics(refused))),
        }
    }

    let engine_settings = config_engine::shown(settings, &environment, &choice, &app.name);
    let text = match args.output {
        ConfigFormat::Json => json::to_pretty(&json!({
            "app": app.name,
            "environment": name,
            "env": resolved.vars.iter().map(|v| json::variable(v, show_secrets)).collect::<Vec<_>>(),
            "engine": config_engine::json(&choice, &engine_settings),
            "replicas": environment.replicas(&app.name),
            "publish": environment.publish(&app.name),
        })),
        ConfigFormat::Env => resolved
            .vars
            .iter()
            .map(|v| match shown_value(v, show_secrets) {
                // `<secret>` is no value to `eval`: say where it comes from instead.
                Some(_) if v.secret.is_some() => format!(
                    "# {} is a secret ({}); --reveal-secrets prints it\n",
                    v.name,
                    v.source
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
                Some(value) => format!("{}={}\n", v.name, shell_quote(&value)),
                None => format!("# {} has no value\n", v.name),
            })
            .collect(),
        ConfigFormat::Table => {
            let styles = printer.out_styles;
            let mut table = Table::new(["NAME", "VALUE", "SOURCE"]);
            for var in &resolved.vars {
                let (value, styled) = match shown_value(var, show_secrets) {
                    Some(value) => (value.clone(), value),
                    None => ("<missing>".to_owned(), styles.error("<missing>")),
                };
                let source = var
                    .source
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                table.styled_row(vec![
                    (var.name.clone(), var.name.clone()),
                    (value, styled),
                    (source.clone(), styles.dim(&source)),
                ]);
            }
            let mut engine = Table::new(["SETTING", "VALUE", "SOURCE"]);
            for row in engine_settings {
                engine.styled_row(vec![
                    (row.name.clone(), row.name),
                    (row.value.clone(), row.value),
                    (row.source.clone(), styles.dim(&row.source)),
                ]);
            }
            format!("{}\n{}", table.render(), engine.render())
        }
    };
    printer.out(&text);
    printer.diagnostics(&problems);
    Ok(if problems.iter().any(Diagnostic::is_error) {
        exit_code::INVALID
    } else {
        exit_code::OK
    })
}

/// Single-quotes every value: inside `'…'` a shell changes nothing (`$`, backticks, `\`,
/// newlines stay as they are), and a `'` is written as `'\''`. So `eval`, `source` and
/// `set -a; . file` all give back exactly the value, whatever it holds.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_single_quoted() {
        assert_eq!(shell_quote("debug"), "'debug'");
        assert_eq!(shell_quote("$(id) `id` \\"), "'$(id) `id` \\'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
