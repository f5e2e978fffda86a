//! `ark promote -e FROM --to TO APP…`: starts in TO exactly the revisions of the named apps
//! that run in FROM — the image by id and the resolved config, as they run — with TO's own
//! ports, each as a rollover of what TO runs (or new there) — or, where the engine updates
//! apps in place, TO's app updated to it (`Runtime::promote`). Blue/green between
//! environments: `ux-change-review` → `staging`. Needs no definition, build or pull.

use super::shared::engine::{block_on, connect, engine_failure, until_interrupted};
use super::shared::{load, on_engine, who};
use crate::cli::PromoteArgs;
use crate::core::graph::Graph;
use crate::core::plan::pinned_port;
use crate::core::secret::Mask;
use crate::core::spec::PortSpec;
use crate::exec::event::Phase;
use crate::exec::readiness::Route;
use crate::exec::revisions::{self, Making};
use crate::exec::rollover::{self, Arrival, NewFrom, Promotion, RolloverOf};
use crate::exec::start::Outcome;
use crate::exec::walk::Gate;
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::{ChangeStyle, Destination, Instance, NewRevision, Placement, Runtime};
use crate::settings::Settings;
use crate::ui::progress::Progress;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

pub fn run(args: &PromoteArgs, settings: &Settings) -> Result<i32, Failure> {
    let from = settings.environment(args.from.as_deref())?;
    let to = args.to.clone();
    crate::core::environment::check_name(&to)
        .map_err(|why| Failure::Usage(format!("--to {to}: {why}")))?;
    if from == to {
        return Err(Failure::Usage(format!(
            "`-e {from}` and `--to {to}` are one environment: promote takes revisions from one to another"
        )));
    }
    let target = load::environment(settings, &to)?;
    block_on(async {
        let source_engine = connect(settings, Some(&from)).await?;
        let engine = connect(settings, Some(&to)).await?;
        let runtime = &*engine;
        if source_engine.endpoint().url != runtime.endpoint().url {
            return Err(Failure::Failed(format!(
                "`{from}` runs on {} and `{to}` on {}: promote brings revisions across on one engine, where their images already are",
                source_engine.endpoint().url,
                runtime.endpoint().url
            )));
        }
        if runtime.capabilities().changes == ChangeStyle::Replace {
            return Err(Failure::Failed(format!(
                "{} keeps no revisions to start elsewhere: promote needs an engine that rolls changes over or updates apps in place",
                runtime.endpoint().url
            )));
        }
        let sources = on_engine::containers(runtime, &from).await?;
        let selected = on_engine::select(&args.apps, &sources, &from)?;
        let order = dependencies_first(&selected, &sources);
        // All of them or none: nothing changes in TO while one cannot go.
        let mut refused = Vec::new();
        for app in &order {
            let said = runtime
                .promotion_refused(&sources[app].handle)
                .await
                .map_err(engine_failure)?;
            refused.extend(said);
        }
        if !refused.is_empty() {
            return Err(Failure::Failed(format!(
                "cannot promote from `{from}` to `{to}` on {}: {}",
                runtime.endpoint().url,
                refused.join("; ")
            )));
        }

        // TO's space, as a start makes it: its own network, target and key.
        let key = match runtime
            .environments(Some(&to))
            .await
            .map_err(engine_failure)?
            .into_iter()
            .find(|n| n.environment == to)
        {
            Some(existing) => existing.fingerprint_key,
            None => super::start::fresh_key()?,
        };
        let placement = Placement {
            target: target.target().map(|(t, _)| t.to_owned()),
            engine: Some(runtime.endpoint().url.clone()),
        };
        runtime
            .prepare_environment(&to, &placement, &key)
            .await
            .map_err(engine_failure)?;

        // What the promoted revisions hold: masked in what their apps say if one fails.
        let mut values = Vec::new();
        for source in sources.values() {
            values.extend(
                runtime
                    .secret_values(&source.handle)
                    .await
                    .unwrap_or_default(),
            );
        }
        let mask = Mask::new(values);
        let progress = Progress::for_apps(args.progress, &settings.printer, &order);
        let report = progress.reporter();
        let emit = |app: &str, phase: Phase| report(app, phase.masked(&mask));
        let route = Route::new(runtime.capabilities().reach);
        let by = who::user_at_host();
        let began = Instant::now();
        let work = async {
            let mut outcomes = Vec::new();
            for app in &order {
                let source = &sources[app];
                let outcome = promote_one(
                    runtime,
                    &target,
                    source,
                    (&from, &to),
                    &by,
                    &route,
                    args,
                    &emit,
                )
                .await?;
                let failed = !matches!(outcome, Outcome::Ready { .. });
                outcomes.push((app.clone(), outcome));
                if failed {
                    break;
                }
            }
            Ok::<_, Failure>(outcomes)
        };
        let outcomes = until_interrupted(work).await;
        progress.finish();
        let outcomes = outcomes??;
        for (app, outcome) in &outcomes {
            if let Outcome::Failed(failure) = outcome {
                for line in &failure.logs {
                    settings.printer.detail(&mask.apply(line));
                }
                let said = mask.apply(&failure.message);
                return Err(Failure::Failed(format!("`{app}`: {said}")));
            }
        }
        settings.printer.status(&format!(
            "promoted {} from `{from}` to `{to}` in {:.1}s",
            order.join(", "),
            began.elapsed().as_secs_f64()
        ));
        Ok(exit_code::OK)
    })?
}

/// One app: a new revision in TO made from FROM's instance — rolled over to, or TO's app
/// updated in place to it, as the engine changes apps — and TO's history trimmed after.
#[allow(clippy::too_many_arguments)]
async fn promote_one(
    runtime: &dyn Runtime,
    target: &crate::core::environment::Environment,
    source: &Instance,
    (from, to): (&str, &str),
    by: &str,
    route: &Route,
    args: &PromoteArgs,
    emit: &dyn Fn(&str, crate::exec::event::Phase),
) -> Result<Outcome, Failure> {
    let app = source.app.as_str();
    let all = runtime
        .revisions(to, Some(app))
        .await
        .map_err(engine_failure)?;
    let (serving, kept): (Vec<Instance>, Vec<Instance>) = all.into_iter().partition(|i| i.serving);
    let current = serving.first();
    let source_number = source.revision_number();
    let mut made = Making {
        by,
        current,
        kept: &kept,
    }
    .next(
        vec![format!("promoted from {from} (revision {source_number})")],
        None,
    );
    made.revision.promoted_from = Some(from.to_owned());
    let exposes: Vec<(String, u16)> = source
        .exposes
        .iter()
        .map(|e| (e.name.clone(), e.port))
        .collect();
    let ports: Vec<PortSpec> = target.ports_of(app, &exposes);
    let outcome = if runtime.capabilities().changes == ChangeStyle::Rolling {
        let into = Destination {
            environment: to,
            app,
            ports: &ports,
            publish: target.publish(app),
            replicas: target.replicas(app),
        };
        let promotion = Promotion {
            source: &source.handle,
            current,
            into: &into,
            made: &made,
            timeout: args.timeout,
            route,
            why: format!("promoted from {from}"),
        };
        rollover::promote_in_place(runtime, &promotion, emit).await
    } else {
        rolled_over(
            runtime,
            source,
            current,
            (&made, &ports),
            (from, to),
            route,
            args,
            emit,
        )
        .await
    };
    if matches!(outcome, Outcome::Ready { .. }) {
        let _ = revisions::trim(runtime, to, app, target.history()).await;
    }
    Ok(outcome)
}

/// Where ark rolls changes over: a new instance beside TO's, from FROM's (stop-first when
/// a port is pinned), or brought up when TO has no such app yet.
#[allow(clippy::too_many_arguments)]
async fn rolled_over(
    runtime: &dyn Runtime,
    source: &Instance,
    current: Option<&Instance>,
    (made, ports): (&NewRevision, &[PortSpec]),
    (from, to): (&str, &str),
    route: &Route,
    args: &PromoteArgs,
    emit: &dyn Fn(&str, crate::exec::event::Phase),
) -> Outcome {
    let app = source.app.as_str();
    let new_from = NewFrom::Kept {
        instance: &source.handle,
        ports: Some(ports),
    };
    match current {
        None => {
            let arrival = Arrival {
                environment: to,
                app,
                from: new_from,
                made,
                timeout: args.timeout,
                route,
            };
            rollover::bring_up(runtime, arrival, emit).await
        }
        Some(current) => {
            let over = RolloverOf {
                environment: to,
                app,
                from: new_from,
                made,
                old: current,
                timeout: args.timeout,
                route,
                why: format!("promoted from {from}"),
            };
            let pinned = ports
                .iter()
                .find(|p| p.host_port.is_some())
                .map(|p| p.expose.clone())
                .or_else(|| pinned_port(&current.fingerprint));
            match pinned {
                Some(port) => rollover::replace_stop_first(runtime, &over, &port, emit).await,
                None => rollover::roll_over(runtime, &over, Gate::open(), emit).await,
            }
        }
    }
}

/// The selected apps, each after the selected apps it depends on (by the labels of FROM's
/// instances); labels in a loop (never written by ark) leave them in name order.
fn dependencies_first(
    selected: &BTreeSet<String>,
    sources: &BTreeMap<String, Instance>,
) -> Vec<String> {
    let mut graph = Graph::new();
    for (app, dependencies) in on_engine::dependency_map(selected, sources) {
        graph.add(&app, dependencies);
    }
    graph
        .start_order(selected)
        .unwrap_or_else(|_| selected.iter().cloned().collect())
}
