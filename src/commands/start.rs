//! `ark start`: observe (by labels) → plan (pure) → execute, then say what happened.

use super::shared::engine::{self, block_on, connect, until_interrupted};
use super::shared::images::{self, LocalBuilds};
use super::shared::load;
use super::shared::needed_images;
use super::shared::pick;
use crate::cli::StartArgs;
use crate::core::diagnostic::Diagnostics;
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::plan::{Action, Observed, ObservedApp, Plan};
use crate::core::start_set;
use crate::exec::start::{self as executor, Outcome, StartRequest};
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::{Instance, Placement, Runtime};
use crate::settings::Settings;
use crate::ui::missing_images;
use crate::ui::picker;
use crate::ui::plan_view;
use crate::ui::progress::Progress;
use crate::ui::table::Table;
use std::collections::BTreeMap;
use std::time::Instant;

pub fn run(args: &StartArgs, settings: &Settings) -> Result<i32, Failure> {
    let printer = &settings.printer;
    // No apps and nobody to pick them: the usage error comes first, as clap's did when
    // APP was required; with a terminal, they are picked once the environment is known.
    if args.apps.is_empty() && !picker::attended() {
        return Err(pick::no_apps_given());
    }
    let name = settings.environment(args.environment.name.as_deref())?;
    let apps = pick::apps_to_start(settings, &args.apps)?;
    let load::Desired {
        environment,
        start_set: set,
        specs,
        problems,
    } = load::desired(settings, &name, &apps, !args.no_deps, &args.set.values)?;
    if problems.iter().any(|p| p.is_error()) {
        return Err(Failure::Invalid(Diagnostics(problems)));
    }
    printer.diagnostics(&problems);
    for app in set
        .order
        .iter()
        .filter(|a| !matches!(set.role(a), start_set::Role::Container))
    {
        printer.detail(&format!("{app}: not started here ({:?})", set.role(app)));
    }
    let local = LocalBuilds::parse(&args.local, &apps);
    let began = Instant::now();

    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        let Planned {
            mut plan,
            mut decided,
            observed_by_app,
        } = plan_on_engine(runtime, &name, specs, &local).await?;

        if args.dry_run {
            printer.out(&plan_view::render_text(&plan, &set, &environment));
            return Ok(exit_code::OK);
        }
        check_pinned_ports(&plan, &observed_by_app)?;
        let apps: Vec<String> = plan.steps.iter().map(|s| s.spec.name.clone()).collect();
        let progress = Progress::for_apps(args.progress, printer, &apps);
        // Before anything is created: an image that cannot be had fails the start once, not
        // once per app that needs it.
        let checked = until_interrupted(needed_images::ensure(
            runtime,
            &plan,
            &mut decided.supplies,
            &decided.bases,
            &settings.busybox,
            &progress.reporter(),
        ))
        .await;
        let checked = match checked {
            Ok(Ok(checked)) => checked,
            Ok(Err(failure)) | Err(failure) => {
                progress.finish();
                return Err(failure);
            }
        };
        for notice in &checked.notices {
            progress.note(notice);
        }
        if !checked.unavailable.is_empty() {
            progress.finish();
            for unavailable in &checked.unavailable {
                printer.error_text(&missing_images::render(unavailable, printer.err_styles));
            }
            return Ok(exit_code::FAILED);
        }
        // Recorded on the network, so any machine sees where it was meant to run.
        let placement = Placement {
            target: environment.target().map(|(target, _)| target.to_owned()),
            engine: Some(runtime.endpoint().url.clone()),
        };
        let planned_key = plan
            .steps
            .first()
            .map(|s| s.spec.fingerprint_key.clone())
            .unwrap_or_default();
        let key = match runtime
            .prepare_environment(&name, &placement, &planned_key)
            .await
        {
            Ok(key) => key,
            Err(error) => {
                progress.finish();
                return Err(engine::engine_failure(error));
            }
        };
        if key != planned_key {
            // A concurrent ark made the network first (with its own key): planned against
            // no network, every step creates, so only the labels' key changes.
            for step in &mut plan.steps {
                step.spec.fingerprint_key = key.clone();
            }
        }

        let request = StartRequest {
            environment: &name,
            plan: &plan,
            images: &decided.supplies,
            observed: &observed_by_app,
            timeout: args.timeout,
        };
        let outcomes = until_interrupted(executor::run(runtime, &request, &|event| {
            progress.event(&event)
        }))
        .await;
        progress.finish();
        let outcomes = outcomes?;
        Ok(report(settings, &name, &outcomes, began))
    })?
}

/// A plan made against what runs, with what it was made from.
pub struct Planned {
    pub plan: Plan,
    pub decided: images::Decided,
    pub observed_by_app: BTreeMap<String, Instance>,
}

/// Decides images, reads what the engine has for the environment, and plans.
pub async fn plan_on_engine(
    runtime: &dyn Runtime,
    environment: &str,
    mut specs: Vec<crate::core::spec::AppSpec>,
    local: &LocalBuilds,
) -> Result<Planned, Failure> {
    // Independent questions to the engine, asked together (each is a round trip when remote).
    let (decided, containers, networks) = futures_util::future::join3(
        images::decide(runtime, &mut specs, local),
        runtime.list(Some(environment)),
        runtime.environments(Some(environment)),
    )
    .await;
    let decided = decided?;
    let containers = containers.map_err(engine::engine_failure)?;
    let key = match networks
        .map_err(engine::engine_failure)?
        .into_iter()
        .find(|n| n.environment == environment)
    {
        Some(existing) => existing.fingerprint_key,
        None => fresh_key()?,
    };
    for spec in &mut specs {
        spec.fingerprint_key = key.clone();
    }
    let observed_by_app: BTreeMap<String, Instance> =
        containers.into_iter().map(|c| (c.app.clone(), c)).collect();
    let plan = Plan::new(environment, specs, &observe(&observed_by_app, &decided.ids));
    Ok(Planned {
        plan,
        decided,
        observed_by_app,
    })
}

/// A new environment's fingerprint key: 32 bytes from the operating system's randomness.
fn fresh_key() -> Result<FingerprintKey, Failure> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Failure::Failed(format!("cannot get random bytes for a key: {e}")))?;
    Ok(FingerprintKey::from_bytes(bytes))
}

/// What the engine has, as the planner needs it: fingerprints, running, and whether the
/// image a container runs is still what its image name points to.
fn observe(
    containers: &BTreeMap<String, Instance>,
    image_ids: &BTreeMap<String, String>,
) -> Observed {
    let apps = containers
        .iter()
        .map(|(app, c)| {
            let image_replaced = image_ids
                .get(&c.image)
                .is_some_and(|id| !c.image_id.is_empty() && *id != c.image_id);
            (
                app.clone(),
                ObservedApp {
                    fingerprint: c.fingerprint.clone(),
                    running: c.is_running(),
                    image_replaced,
                    detached: c.detached,
                },
            )
        })
        .collect();
    Observed {
        apps,
        consulted: true,
    }
}

/// A pinned host port already in use is reported before anything is created.
fn check_pinned_ports(plan: &Plan, observed: &BTreeMap<String, Instance>) -> Result<(), Failure> {
    let mut busy = Vec::new();
    for step in plan
        .steps
        .iter()
        .filter(|s| matches!(s.action, Action::Create | Action::Recreate(_)))
    {
        for port in &step.spec.ports {
            let Some(host_port) = port.host_port else {
                continue;
            };
            // The app's own old container holds it until it is replaced.
            let own = observed
                .get(&step.spec.name)
                .is_some_and(|c| c.ports.iter().any(|p| p.host_port == host_port));
            if !own && !port_is_free(&port.bind, host_port) {
                busy.push(format!(
                    "{}:{} ({} {}) is already in use",
                    port.bind, host_port, step.spec.name, port.expose
                ));
            }
        }
    }
    if busy.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "pinned ports are taken, nothing was started: {}; free them or change `ports:` in the environment",
            busy.join("; ")
        )))
    }
}

fn port_is_free(bind: &str, port: u16) -> bool {
    let address = if bind == "0.0.0.0" || bind.is_empty() {
        "0.0.0.0"
    } else {
        bind
    };
    std::net::TcpListener::bind((address, port)).is_ok()
}

/// The closing report: one line when all is well; details of each failure, and a table of
/// what happened to each app, when not.
fn report(
    settings: &Settings,
    environment: &str,
    outcomes: &[(String, Outcome)],
    began: Instant,
) -> i32 {
    let printer = &settings.printer;
    let styles = printer.err_styles;
    let elapsed = began.elapsed().as_secs_f64();
    let failed = outcomes
        .iter()
        .filter(|(_, o)| !matches!(o, Outcome::Ready { .. }))
        .count();
    if failed == 0 {
        let changed = outcomes
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Ready { changed: true }))
            .count();
        let line = if changed == 0 {
            format!("environment `{environment}`: {} apps already running, nothing to change ({elapsed:.1}s)", outcomes.len())
        } else {
            format!(
                "environment `{environment}`: {} apps ready ({changed} started, {} unchanged) in {elapsed:.1}s — `ark status -e {environment}` for URLs",
                outcomes.len(),
                outcomes.len() - changed
            )
        };
        printer.status(&styles.good(&line));
        return exit_code::OK;
    }
    // Each failure in full once; the table after it only names what happened, briefly.
    for (app, outcome) in outcomes {
        if let Outcome::Failed(failure) = outcome {
            let message = if failure.message.starts_with(&failure.brief) {
                failure.message.clone()
            } else {
                format!("{}: {}", failure.brief, failure.message)
            };
            let mut text = format!("{}: `{app}` {message}\n", styles.error("error"));
            if let Some(code) = failure.exit_code {
                if !failure.message.contains(&format!("code {code}")) {
                    text.push_str(&format!("  exit code: {code}\n"));
                }
            }
            if let Some(probe) = &failure.last_probe {
                text.push_str(&format!("  last probe: {probe}\n"));
            }
            if !failure.logs.is_empty() {
                text.push_str(&format!("  last {} log lines:\n", failure.logs.len()));
                for line in &failure.logs {
                    text.push_str(&format!("    {line}\n"));
                }
            }
            printer.error_text(&text);
        }
    }
    let mut table = Table::new(["APP", "RESULT"]);
    for (app, outcome) in outcomes {
        table.row(vec![app.clone(), result_text(outcome)]);
    }
    printer.error_text(&table.render());
    let kept: Vec<String> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Failed(f) if f.has_container))
        .map(|(app, _)| format!("`{app}`"))
        .collect();
    let inspect = if kept.is_empty() {
        String::new()
    } else {
        format!(
            "; the containers of {} are left for inspection (`ark status -e {environment}`, `ark logs -e {environment}`)",
            kept.join(", ")
        )
    };
    printer.error_text(&format!(
        "{}: {failed} of {} apps not ready{inspect}\n",
        styles.error("failed"),
        outcomes.len()
    ));
    exit_code::FAILED
}

/// An app's line in the summary table: what happened in a few words (the full error is
/// printed once, above the table).
fn result_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Ready { .. } => "ready".to_owned(),
        // The error above says it all already: the table only points there.
        Outcome::Failed(f) if f.brief == f.message => "failed (see above)".to_owned(),
        Outcome::Failed(f) => format!("{} (see above)", f.brief),
        Outcome::NotStarted { because } => format!("not started ({because})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::start::Failure as AppFailure;

    fn failed(brief: &str, message: &str) -> Outcome {
        Outcome::Failed(AppFailure {
            brief: brief.into(),
            message: message.into(),
            has_container: false,
            exit_code: None,
            last_probe: None,
            logs: Vec::new(),
        })
    }

    #[test]
    fn the_table_names_what_happened_without_repeating_the_error() {
        let cases = [
            (Outcome::Ready { changed: true }, "ready"),
            (
                failed(
                    "build failed",
                    "build ark-local/web:1: the command returned 1",
                ),
                "build failed (see above)",
            ),
            (
                failed("exited with code 3", "exited with code 3"),
                "failed (see above)",
            ),
            (
                Outcome::NotStarted {
                    because: "its dependency cache failed".into(),
                },
                "not started (its dependency cache failed)",
            ),
        ];
        for (outcome, expected) in cases {
            assert_eq!(result_text(&outcome), expected);
        }
    }
}
