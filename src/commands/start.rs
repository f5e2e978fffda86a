//! `ark start`: observe (by labels) → plan (pure) → execute, then say what happened.

use super::shared::delivery;
use super::shared::engine::{self, block_on, connect, until_interrupted};
use super::shared::images::{self, LocalBuilds};
use super::shared::load;
use super::shared::needed_images;
use super::shared::pick;
use super::shared::who;
use crate::cli::{ReplaceMode, StartArgs};
use crate::core::diagnostic::Diagnostics;
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::plan::{Observed, ObservedApp, Plan};
use crate::core::port_preflight::{self, HeldPort};
use crate::core::secret::Mask;
use crate::core::spec::Rollout;
use crate::core::start_set;
use crate::exec::event::{Event, Phase};
use crate::exec::readiness::Route;
use crate::exec::start::{self as executor, Outcome, StartRequest};
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::{
    ChangeStyle, ImageDelivery, Instance, Placement, PortPublishing, Runtime, State,
};
use crate::settings::Settings;
use crate::ui::missing_images;
use crate::ui::picker;
use crate::ui::plan_view;
use crate::ui::progress::Progress;
use crate::ui::table::Table;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

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
        mut specs,
        problems,
        mask,
    } = load::desired(settings, &name, &apps, !args.no_deps, &args.set.values)?;
    if args.replace == Some(ReplaceMode::StopFirst) {
        for spec in &mut specs {
            spec.rollout = Rollout::StopFirst("--replace stop-first".into());
        }
    }
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
            kept_by_app,
        } = plan_on_engine(runtime, &name, specs, &local).await?;

        if args.dry_run {
            printer.out(&plan_view::render_text(&plan, &set, &environment));
            return Ok(exit_code::OK);
        }
        check_pinned_ports(runtime, &name, &plan).await?;
        let choice = environment.engine_choice();
        let registry = choice.registry.as_deref();
        let own_file = environment
            .has_file
            .then(|| settings.environments_folder.join(format!("{name}.yml")));
        delivery::check(
            runtime,
            &plan,
            &decided.supplies,
            registry,
            own_file.as_deref(),
        )
        .await?;
        let apps: Vec<String> = plan.steps.iter().map(|s| s.spec.name.clone()).collect();
        let progress = Progress::for_apps(args.progress, printer, &apps);
        if let Some(note) = plan_view::every_interface_note(&plan) {
            progress.note(&note);
        }
        if runtime.capabilities().changes == ChangeStyle::Replace {
            for step in plan.steps.iter().filter(|s| s.spec.replicas > 1) {
                progress.note(&format!(
                    "`{}` asks for {} replicas; plain Docker runs one (replicas need `engine: swarm`)",
                    step.spec.name, step.spec.replicas
                ));
            }
        }
        // Each app's last phase, for what an interrupted start says it left.
        let last: RefCell<BTreeMap<String, Phase>> = RefCell::default();
        let reporter = progress.reporter();
        let masked_reporter = |app: &str, phase: Phase| reporter(app, phase.masked(&mask));
        // Before anything is created: an image that cannot be had fails the start once, not
        // once per app that needs it.
        let checked = until_interrupted(needed_images::ensure(
            runtime,
            &plan,
            &mut decided.supplies,
            &decided.bases,
            &settings.busybox,
            &masked_reporter,
        ))
        .await;
        let checked = match checked {
            Ok(Ok(checked)) => checked,
            Ok(Err(failure)) | Err(failure) => {
                progress.finish();
                return Err(with_what_was_left(failure, runtime, &plan, &last.take()).await);
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
        let key =
            match until_interrupted(runtime.prepare_environment(&name, &placement, &planned_key))
                .await
            {
                Ok(Ok(key)) => key,
                Ok(Err(error)) => {
                    progress.finish();
                    return Err(engine::engine_failure(error));
                }
                Err(failure) => {
                    progress.finish();
                    return Err(with_what_was_left(failure, runtime, &plan, &last.take()).await);
                }
            };
        if key != planned_key {
            // A concurrent ark made the network first (with its own key): planned against
            // no network, every step creates, so only the labels' key changes.
            for step in &mut plan.steps {
                step.spec.fingerprint_key = key.clone();
            }
        }

        let route = Route::new(runtime.capabilities().reach);
        let request = StartRequest {
            environment: &name,
            plan: &plan,
            images: &decided.supplies,
            observed: &observed_by_app,
            timeout: args.timeout,
            route: &route,
            registry: match runtime.capabilities().images {
                ImageDelivery::Registry { .. } => registry,
                ImageDelivery::EngineStore => None,
            },
            kept: &kept_by_app,
            history: environment.history(),
            by: &who::user_at_host(),
        };
        let outcomes = until_interrupted(executor::run(runtime, &request, &|event| {
            last.borrow_mut()
                .insert(event.app.clone(), event.phase.clone());
            progress.event(&Event {
                phase: event.phase.clone().masked(&mask),
                ..event.clone()
            })
        }))
        .await;
        progress.finish();
        if let Some(switched) = route.switched() {
            printer.detail(&switched);
        }
        let outcomes = match outcomes {
            Ok(outcomes) => outcomes,
            Err(failure) => {
                return Err(with_what_was_left(failure, runtime, &plan, &last.take()).await)
            }
        };
        if outcomes
            .iter()
            .any(|(_, o)| !matches!(o, Outcome::Ready { .. }))
        {
            let doing = format!("starting environment `{name}`");
            if let Some(lost) = engine::lost_while(runtime, &name, &doing).await {
                return Err(lost);
            }
        }
        Ok(report(settings, &name, &outcomes, began, &mask))
    })?
}

/// A plan made against what runs, with what it was made from.
pub struct Planned {
    pub plan: Plan,
    pub decided: images::Decided,
    pub observed_by_app: BTreeMap<String, Instance>,
    /// Each app's instances that do not hold its name (retired revisions).
    pub kept_by_app: BTreeMap<String, Vec<Instance>>,
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
        runtime.revisions(environment, None),
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
    let (serving, retired): (Vec<Instance>, Vec<Instance>) =
        containers.into_iter().partition(|c| c.serving);
    let observed_by_app: BTreeMap<String, Instance> =
        serving.into_iter().map(|c| (c.app.clone(), c)).collect();
    let mut kept_by_app: BTreeMap<String, Vec<Instance>> = BTreeMap::new();
    for instance in retired {
        kept_by_app
            .entry(instance.app.clone())
            .or_default()
            .push(instance);
    }
    let can = runtime.capabilities();
    let mut observed = observe(&observed_by_app, &decided.ids);
    observed.changes_roll = can.changes == ChangeStyle::Rolling;
    observed.rolls_over = can.changes == ChangeStyle::Rollover;
    observed.publishes_only_asked = can.ports == PortPublishing::AskedOnEveryInterface;
    let plan = Plan::new(environment, specs, &observed);
    Ok(Planned {
        plan,
        decided,
        observed_by_app,
        kept_by_app,
    })
}

/// How long an interrupted start waits for the listing that says what it left.
const LISTING: Duration = Duration::from_secs(5);

/// An interrupted start's failure, saying where it left each app of the plan, as the engine
/// lists them now and as each app's `last` phase says (a request the engine had when ark
/// stopped waiting may still complete). Any other failure as it is.
async fn with_what_was_left(
    failure: Failure,
    runtime: &dyn Runtime,
    plan: &Plan,
    last: &BTreeMap<String, Phase>,
) -> Failure {
    let Failure::Interrupted { by, left: None } = failure else {
        return failure;
    };
    let listed = match tokio::time::timeout(LISTING, runtime.list(Some(&plan.environment))).await {
        Ok(Ok(listed)) => listed,
        // No listing, no count: the report says what is always true.
        _ => return Failure::Interrupted { by, left: None },
    };
    let by_app: BTreeMap<&str, &Instance> = listed.iter().map(|c| (c.app.as_str(), c)).collect();
    let left: Vec<Left> = plan
        .steps
        .iter()
        .map(|step| {
            let app = step.spec.name.as_str();
            match (by_app.get(app), last.get(app)) {
                (Some(_), Some(Phase::Ready | Phase::Unchanged)) => Left::Ready,
                (Some(c), _) if c.is_running() => Left::Starting,
                (Some(_), Some(Phase::Starting)) => Left::BeingStarted,
                (Some(c), _) if c.state == State::Created => Left::Created,
                (Some(_), _) => Left::NotRunning,
                (None, Some(Phase::Creating | Phase::Recreating(_))) => Left::BeingCreated,
                (None, _) => Left::NotCreated,
            }
        })
        .collect();
    Failure::Interrupted {
        by,
        left: Some(left_summary(&left)),
    }
}

/// Where an interrupted start left one app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Left {
    Ready,
    /// Started; not seen ready yet.
    Starting,
    /// Its start was asked for, not yet done.
    BeingStarted,
    Created,
    /// Its creation was asked for, not yet done.
    BeingCreated,
    /// There, but neither running nor new (stopped, exited).
    NotRunning,
    NotCreated,
}

/// "3 apps ready, 2 created but not started, 15 not created".
fn left_summary(left: &[Left]) -> String {
    let words = |kind: Left| match kind {
        Left::Ready => "ready",
        Left::Starting => "started but not ready yet",
        Left::BeingStarted => "being started",
        Left::Created => "created but not started",
        Left::BeingCreated => "being created",
        Left::NotRunning => "not running",
        Left::NotCreated => "not created",
    };
    let mut counts: BTreeMap<Left, usize> = BTreeMap::new();
    for kind in left {
        *counts.entry(*kind).or_default() += 1;
    }
    let parts: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(i, (kind, n))| match (i, n) {
            (0, 1) => format!("1 app {}", words(*kind)),
            (0, n) => format!("{n} apps {}", words(*kind)),
            (_, n) => format!("{n} {}", words(*kind)),
        })
        .collect();
    if parts.is_empty() {
        "nothing was made".to_owned()
    } else {
        parts.join(", ")
    }
}

/// A new environment's fingerprint key: 32 bytes from the operating system's randomness.
pub fn fresh_key() -> Result<FingerprintKey, Failure> {
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
        ..Observed::default()
    }
}

/// Pinned host ports that cannot be had are reported before anything is created: the
/// command observes (every ark instance the engine lists, a bind attempt here), and
/// `core::port_preflight` decides.
async fn check_pinned_ports(
    runtime: &dyn Runtime,
    environment: &str,
    plan: &Plan,
) -> Result<(), Failure> {
    if !port_preflight::pins_any(plan) {
        return Ok(());
    }
    let held: Vec<HeldPort> = runtime
        .list(None)
        .await
        .map_err(engine::engine_failure)?
        .into_iter()
        .filter(Instance::is_running)
        .flat_map(|instance| {
            instance.ports.into_iter().map(move |p| HeldPort {
                environment: instance.environment.clone(),
                app: instance.app.clone(),
                bind: p.host_ip,
                port: p.host_port,
            })
        })
        .collect();
    let busy_here: BTreeSet<(String, u16)> = port_preflight::to_bind(plan)
        .into_iter()
        .filter(|pin| !port_is_free(&pin.bind, pin.port))
        .map(|pin| (pin.bind, pin.port))
        .collect();
    let clashes = port_preflight::clashes(environment, plan, &held, &busy_here);
    if clashes.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = clashes.iter().map(ToString::to_string).collect();
    Err(Failure::Failed(format!(
        "pinned ports are taken, nothing was started: {}; free them or change `ports:` in the environment",
        named.join("; ")
    )))
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
    mask: &Mask,
) -> i32 {
    let printer = &settings.printer;
    let styles = printer.err_styles;
    let elapsed = began.elapsed().as_secs_f64();
    let failed = outcomes
        .iter()
        .filter(|(_, o)| !matches!(o, Outcome::Ready { .. }))
        .count();
    if failed == 0 {
        let line = ready_line(environment, outcomes, elapsed);
        printer.status(&styles.good(&line));
        return exit_code::OK;
    }
    // Each failure in full once; the table after it only names what happened, briefly.
    for (app, outcome) in outcomes {
        if let Outcome::Failed(failure) = outcome {
            let message = if failure.message.contains(&failure.brief) {
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
            // The engine's words, the probe's answer and the logs are the app's text:
            // a secret it prints is masked.
            printer.error_text(&mask.apply(&text));
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

/// The one line a start that made every app ready ends with. Apps a concurrent start made
/// (and this one adopted) are counted apart from those this one started.
fn ready_line(environment: &str, outcomes: &[(String, Outcome)], elapsed: f64) -> String {
    let count = |adopted: bool| {
        outcomes
            .iter()
            .filter(
                |(_, o)| matches!(o, Outcome::Ready { changed: true, adopted: a } if *a == adopted),
            )
            .count()
    };
    let (started, adopted) = (count(false), count(true));
    let all = outcomes.len();
    if started + adopted == 0 {
        return format!("environment `{environment}`: {all} apps already running, nothing to change ({elapsed:.1}s)");
    }
    let adopted_text = if adopted == 0 {
        String::new()
    } else {
        format!("{adopted} adopted from a concurrent start, ")
    };
    format!(
        "environment `{environment}`: {all} apps ready ({started} started, {adopted_text}{} unchanged) in {elapsed:.1}s — `ark status -e {environment}` for URLs",
        all - started - adopted
    )
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
    fn the_ready_line_counts_adopted_apps_apart_from_started_ones() {
        let ready = |changed, adopted| Outcome::Ready { changed, adopted };
        let outcomes = |list: &[Outcome]| -> Vec<(String, Outcome)> {
            list.iter()
                .enumerate()
                .map(|(i, o)| (format!("a{i}"), o.clone()))
                .collect()
        };
        let mixed = outcomes(&[
            ready(true, false),
            ready(true, true),
            ready(true, true),
            ready(false, false),
        ]);
        assert_eq!(
            ready_line("e", &mixed, 1.0),
            "environment `e`: 4 apps ready (1 started, 2 adopted from a concurrent start, 1 unchanged) in 1.0s — `ark status -e e` for URLs"
        );
        let alone = outcomes(&[ready(true, false), ready(false, false)]);
        assert_eq!(
            ready_line("e", &alone, 1.0),
            "environment `e`: 2 apps ready (1 started, 1 unchanged) in 1.0s — `ark status -e e` for URLs",
            "without adoption, the line is as it always was"
        );
        let nothing = outcomes(&[ready(false, false)]);
        assert_eq!(
            ready_line("e", &nothing, 1.0),
            "environment `e`: 1 apps already running, nothing to change (1.0s)"
        );
    }

    #[test]
    fn an_interrupted_start_counts_where_it_left_each_app() {
        use Left::*;
        let left = [
            NotCreated, Ready, Created, Ready, NotCreated, Ready, Created, NotCreated,
        ];
        assert_eq!(
            left_summary(&left),
            "3 apps ready, 2 created but not started, 3 not created"
        );
        assert_eq!(
            left_summary(&[Starting, NotRunning, NotRunning]),
            "1 app started but not ready yet, 2 not running"
        );
        assert_eq!(
            left_summary(&[BeingCreated, Created, BeingCreated, BeingStarted]),
            "1 app being started, 1 created but not started, 2 being created"
        );
        assert_eq!(left_summary(&[NotCreated]), "1 app not created");
        assert_eq!(left_summary(&[]), "nothing was made");
    }

    #[test]
    fn the_table_names_what_happened_without_repeating_the_error() {
        let cases = [
            (
                Outcome::Ready {
                    changed: true,
                    adopted: false,
                },
                "ready",
            ),
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
