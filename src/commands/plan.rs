//! `ark plan`: what a start would do, app by app, in order. Needs no engine.

use super::shared::engine::{block_on, connect};
use super::shared::images::LocalBuilds;
use super::shared::load;
use super::start::plan_on_engine;
use crate::cli::{PlanArgs, ReportFormat};
use crate::core::plan::{Observed, Plan};

use crate::exit_code;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::ui::{json, plan_view};

pub fn run(args: &PlanArgs, settings: &Settings) -> Result<i32, Failure> {
    let printer = &settings.printer;
    let name = settings.environment(args.environment.name.as_deref())?;
    let load::Desired {
        environment,
        start_set: set,
        specs,
        problems,
        ..
    } = load::desired(settings, &name, &args.apps, !args.no_deps, &args.set.values)?;
    let plan = if problems.iter().any(|p| p.is_error()) {
        Plan::new(&name, specs, &Observed::default())
    } else {
        against_engine(settings, &name, specs)?
    };

    match args.output {
        ReportFormat::Json => printer.out(&json::to_pretty(&plan_view::render_json(
            &plan,
            &set,
            &environment,
            &problems,
        ))),
        ReportFormat::Text => printer.out(&plan_view::render_text(&plan, &set, &environment)),
    }
    printer.diagnostics(&problems);
    if problems.iter().any(|p| p.is_error()) {
        printer.status(&format!(
            "{}: a start would stop here: {} problem{} above",
            printer.err_styles.error("blocked"),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ));
        return Ok(exit_code::INVALID);
    }
    Ok(exit_code::OK)
}

/// The plan diffed against what runs when an engine answers; a plain plan when none does.
fn against_engine(
    settings: &Settings,
    name: &str,
    specs: Vec<crate::core::spec::AppSpec>,
) -> Result<Plan, Failure> {
    block_on(async {
        match connect(settings, Some(name)).await {
            Ok(runtime) => Ok(
                plan_on_engine(&*runtime, name, specs, &LocalBuilds::default())
                    .await?
                    .plan,
            ),
            Err(Failure::Unreachable(why)) => {
                settings
                    .printer
                    .detail(&format!("not comparing with an engine: {why}"));
                Ok(Plan::new(name, specs, &Observed::default()))
            }
            Err(other) => Err(other),
        }
    })?
}
