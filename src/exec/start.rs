//! Carries out a start plan against a runtime. Makes no decisions of its own: the plan says
//! what each app needs, `core::plan::adoption` what to do with a name already held. Every
//! app starts the moment its own dependencies are ready (no waves; the one traversal in
//! `walk`), an app whose dependency failed is not started, and independent apps go on.

use super::event::{Event, Phase};
use super::readiness::{self, Route, WaitFailure};
use super::revisions::{self as made_revisions, Making};
use super::rollover::{self, NewFrom, RolloverOf};
use super::walk::{walk_gated, Direction, Finished, Gate};
use crate::core::plan::{adoption, Action, Adoption, Plan, Step, CANNOT_START_OLD};
use crate::core::revision::{self, NewRevision};
use crate::core::spec::AppSpec;
use crate::runtime::api::{
    Created, EngineError, Handle, ImageProgress, Instance, Placing, Runtime,
};
use crate::units::binary_bytes;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How each app's image is obtained; decided before the plan (the tag is part of the
/// fingerprint, so a changed checkout recreates its app).
#[derive(Debug, Clone)]
pub enum ImageSupply {
    /// The engine has it.
    Present(String),
    Pull(String),
    Build {
        tag: String,
        /// The folder to build, hashed (its archive is streamed when it is built).
        context: std::rc::Rc<crate::runtime::build_context::BuildContext>,
    },
}

impl ImageSupply {
    pub fn reference(&self) -> &str {
        match self {
            ImageSupply::Present(r) | ImageSupply::Pull(r) => r,
            ImageSupply::Build { tag, .. } => tag,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Ready; `changed`: this start changed something on the engine for it (or a
    /// concurrent start did, and `adopted` says so: its instance was made by another ark a
    /// moment ago, this one only started or awaited it).
    Ready {
        changed: bool,
        adopted: bool,
    },
    Failed(Failure),
    NotStarted {
        because: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong in a few words, for progress lines and the summary table
    /// ("build failed", "exited with code 3").
    pub brief: String,
    /// In full, with what the engine said; shown once. Equal to `brief` when that says all.
    pub message: String,
    /// Whether the app has a container (kept for inspection).
    pub has_container: bool,
    pub exit_code: Option<i64>,
    pub last_probe: Option<String>,
    /// The app's last log lines.
    pub logs: Vec<String>,
}

pub struct StartRequest<'a> {
    pub environment: &'a str,
    pub plan: &'a Plan,
    pub images: &'a BTreeMap<String, ImageSupply>,
    /// What the engine had for each app (for recreate / start / leave).
    pub observed: &'a BTreeMap<String, Instance>,
    pub timeout: Duration,
    /// How readiness reaches the instances (shared by every probe of the run, so a route
    /// learned by one app's probe serves the rest).
    pub route: &'a Route,
    /// Where images made here go so every node can pull them (the environment's
    /// `registry:`, on an engine of several nodes); `None`: instances start from the
    /// engine's own store.
    pub registry: Option<&'a str>,
    /// Each app's instances that do not hold its name (retired revisions, a new one never
    /// switched to): revision numbers go on after them.
    pub kept: &'a BTreeMap<String, Vec<Instance>>,
    /// How many retired revisions of each app stay (the environment's `history:`).
    pub history: u32,
    /// Who is starting (`user@host`), recorded on each revision made.
    pub by: &'a str,
}

/// How long a retired revision gets to stop.
pub const RETIRE_GRACE: Duration = Duration::from_secs(10);

/// Runs the plan. The returned outcomes are in plan order.
pub async fn run(
    runtime: &dyn Runtime,
    request: &StartRequest<'_>,
    on_event: &dyn Fn(Event),
) -> Vec<(String, Outcome)> {
    let began = Instant::now();
    let emit = |app: &str, phase: Phase| {
        on_event(Event {
            app: app.to_owned(),
            phase,
            elapsed: began.elapsed(),
        })
    };
    let route = request.route;
    let steps: BTreeMap<&str, &Step> = request
        .plan
        .steps
        .iter()
        .map(|s| (s.spec.name.as_str(), s))
        .collect();
    let dependencies: BTreeMap<String, Vec<String>> = request
        .plan
        .steps
        .iter()
        .map(|s| (s.spec.name.clone(), s.spec.waits_for.clone()))
        .collect();
    // One pull or build per image, shared by every app that uses it.
    let supplied: Shared = RefCell::default();
    let mut outcomes = walk_gated(&dependencies, Direction::DependenciesFirst, |app, gate| {
        let step = steps[app.as_str()];
        let (supplied, emit) = (&supplied, &emit);
        async move {
            let outcome = start_one(runtime, request, step, gate, supplied, route, emit).await;
            let finished = match outcome {
                Outcome::Ready { .. } => Finished::Done,
                Outcome::Failed(_) => Finished::Failed,
                Outcome::NotStarted { .. } => Finished::Skipped,
            };
            (outcome, finished)
        }
    })
    .await;
    request
        .plan
        .steps
        .iter()
        .filter_map(|s| outcomes.remove_entry(&s.spec.name))
        .collect()
}

type Shared = RefCell<BTreeMap<String, std::rc::Rc<tokio::sync::OnceCell<Result<(), String>>>>>;

async fn start_one(
    runtime: &dyn Runtime,
    request: &StartRequest<'_>,
    step: &Step,
    gate: Gate,
    supplied: &Shared,
    route: &Route,
    emit: &dyn Fn(&str, Phase),
) -> Outcome {
    let spec = &step.spec;
    let app = spec.name.as_str();
    let fail = |brief: &str, message: String, has_container: bool| {
        emit(app, Phase::Failed(brief.to_owned()));
        Outcome::Failed(Failure {
            brief: brief.to_owned(),
            message,
            has_container,
            exit_code: None,
            last_probe: None,
            logs: Vec::new(),
        })
    };

    // The image comes first: it may be pulled or built while dependencies start.
    let image = match request.images.get(app) {
        Some(supply) => supply.clone(),
        None => {
            let message = "no image decided for this app";
            return fail(message, message.to_owned(), false);
        }
    };
    if let Err((brief, message)) = supply(runtime, &step.action, &image, supplied, app, emit).await
    {
        return fail(brief, message, false);
    }

    // On several nodes, an image made here reaches the others through the registry,
    // pinned by digest.
    let reference = match (request.registry, step.action.makes_instance()) {
        (Some(registry), true) => match deliver(runtime, &image, registry, app, emit).await {
            Ok(pinned) => pinned,
            Err(message) => return fail("push failed", message, false),
        },
        _ => image.reference().to_owned(),
    };

    let observed = request.observed.get(app);
    let made = Making {
        by: request.by,
        current: observed,
        kept: request.kept.get(app).map_or(&[][..], Vec::as_slice),
    }
    .next(revision::changed_fields(step.action.changed()), None);
    if let (Action::Rollover(_), Some(current)) = (&step.action, observed) {
        let over = RolloverOf {
            environment: request.environment,
            app,
            from: NewFrom::Spec {
                spec,
                image: &reference,
            },
            made: &made,
            old: current,
            timeout: request.timeout,
            route,
            why: step.action.reason(),
        };
        let outcome = rollover::roll_over(runtime, &over, gate, emit).await;
        trim_after(runtime, request, app, &outcome).await;
        return outcome;
    }

    // Creating a container costs the engine more than starting it, and needs nothing from
    // the dependencies: create now, and let only the start wait for them.
    let (mut handle, needs_start, adopted) = match (&step.action, observed) {
        (Action::Leave, Some(current)) => (current.handle.clone(), false, false),
        (Action::Start, Some(current)) => (current.handle.clone(), true, false),
        (action, current) => {
            let old = current.map(|c| &c.handle);
            match make_instance(
                runtime,
                request.environment,
                step,
                action,
                (&reference, &made),
                old,
                emit,
            )
            .await
            {
                Ok(Made::New(handle)) => (handle, true, false),
                Ok(Made::Adopted(handle)) => (handle, true, true),
                Err((brief, message, has_container)) => return fail(brief, message, has_container),
            }
        }
    };

    // Then its dependencies, each the moment it is ready. An app left as it is only has
    // its readiness confirmed: it already runs against its dependencies, so it need not wait.
    if needs_start {
        // Its instance stays created, not started: the next start starts it.
        if let Err(not_started) = wait_for_dependencies(gate, app, emit).await {
            return not_started;
        }
    }

    if needs_start {
        // An instance the engine refuses to start any more is handled as the plan says
        // (made again, once); any other refusal fails the app.
        let mut action = step.action.clone();
        loop {
            emit(app, Phase::Starting);
            let refused = match runtime.start(&handle).await {
                Ok(()) => break,
                Err(e @ EngineError::CannotStartAnyMore(_)) => e,
                Err(e) => return fail("cannot start", format!("cannot start: {e}"), true),
            };
            let Some(instead) = action.if_start_refused() else {
                return fail("cannot start", format!("cannot start: {refused}"), true);
            };
            if let Err((brief, message)) =
                supply(runtime, &instead, &image, supplied, app, emit).await
            {
                return fail(brief, message, true);
            }
            let again = make_instance(
                runtime,
                request.environment,
                step,
                &instead,
                (&reference, &made),
                Some(&handle),
                emit,
            )
            .await;
            handle = match again {
                Ok(made) => made.handle(),
                Err((brief, message, has_container)) => return fail(brief, message, has_container),
            };
            action = instead;
        }
    }

    let waited = readiness::wait_ready(runtime, &handle, route, request.timeout, &|probe| {
        emit(app, Phase::Probing(probe.to_owned()))
    })
    .await;
    let waited = match (waited, &step.action) {
        (Ok(()), Action::Update(_)) => rolled_forward(runtime, &handle, spec).await,
        (waited, _) => waited,
    };
    let outcome = match waited {
        Ok(()) => {
            emit(
                app,
                if step.action == Action::Leave {
                    Phase::Unchanged
                } else {
                    Phase::Ready
                },
            );
            Outcome::Ready {
                changed: step.action.changes_anything(),
                adopted,
            }
        }
        Err(failure) => {
            // A revision retired to make way (stop-first) is the way back.
            let retired = match (&step.action, observed) {
                (Action::StopFirst { .. } | Action::Recreate(_), Some(old)) => {
                    Some(old.revision_number())
                }
                _ => None,
            };
            let way_back = |what: &str| {
                match retired {
                Some(number) => format!(
                    "{what}; revision {number} was stopped first and is kept: `ark rollback -e {} {app}` brings it back",
                    request.environment
                ),
                None => what.to_owned(),
            }
            };
            let failure =
                not_ready(runtime, &handle, failure, request.timeout, Some(&way_back)).await;
            emit(app, Phase::Failed(failure.brief.clone()));
            Outcome::Failed(failure)
        }
    };
    if step.action.makes_instance() {
        trim_after(runtime, request, app, &outcome).await;
    }
    outcome
}

/// Passes `gate` once every dependency of `app` is ready, saying what it waits on; when one
/// failed or was not started, `app` is not started either, and the outcome says why.
pub(super) async fn wait_for_dependencies(
    gate: Gate,
    app: &str,
    emit: &dyn Fn(&str, Phase),
) -> Result<(), Outcome> {
    let blocked = match gate
        .pass(&|pending| emit(app, Phase::Waiting(pending.to_vec())))
        .await
    {
        Ok(()) => return Ok(()),
        Err(blocked) => blocked,
    };
    let because = if blocked.how == Finished::Skipped {
        format!("its dependency {} was not started", blocked.by)
    } else {
        format!("its dependency {} failed", blocked.by)
    };
    emit(app, Phase::NotStarted(because.clone()));
    Err(Outcome::NotStarted { because })
}

/// Keeps the app's retired revisions to the environment's `history:` once a start made a
/// new one. Best effort: a retired revision left over is trimmed by the next start.
async fn trim_after(
    runtime: &dyn Runtime,
    request: &StartRequest<'_>,
    app: &str,
    outcome: &Outcome,
) {
    if matches!(outcome, Outcome::Ready { .. }) {
        let _ = made_revisions::trim(runtime, request.environment, app, request.history).await;
    }
}

/// The failure of an instance that did not get ready: what happened, its last probe and
/// its last lines. `instead` replaces the words for what happened ("the new revision 4 …").
pub(super) async fn not_ready(
    runtime: &dyn Runtime,
    handle: &Handle,
    failure: WaitFailure,
    timeout: Duration,
    instead: Option<&dyn Fn(&str) -> String>,
) -> Failure {
    let logs = runtime.logs_tail(handle, 20).await.unwrap_or_default();
    let (what, exit_code, last_probe) = match failure {
        WaitFailure::Exited { code, last_probe } => {
            (format!("exited with code {code}"), Some(code), last_probe)
        }
        WaitFailure::Timeout { last_probe } => (
            format!("not ready after {}s", timeout.as_secs()),
            None,
            Some(last_probe).filter(|p| !p.is_empty()),
        ),
        WaitFailure::Gone(why) => (why, None, None),
    };
    let message = instead.map_or_else(|| what.clone(), |say| say(&what));
    Failure {
        brief: what,
        message,
        has_container: true,
        exit_code,
        last_probe,
        logs,
    }
}

/// The reference every node can pull `image` by: its registry digest when it came from a
/// registry, else pushed to `registry` now.
async fn deliver(
    runtime: &dyn Runtime,
    image: &ImageSupply,
    registry: &str,
    app: &str,
    emit: &dyn Fn(&str, Phase),
) -> Result<String, String> {
    let reference = image.reference();
    if matches!(image, ImageSupply::Pull(_)) {
        // Each node pulls it from where it came from.
        return Ok(reference.to_owned());
    }
    // Pulled from a registry (or pushed before, unchanged since): the nodes get it there.
    if let Ok(Some(digest)) = runtime.registry_digest(reference).await {
        return Ok(digest);
    }
    emit(app, Phase::Pushing(format!("{reference} to {registry}")));
    runtime
        .push_to(reference, registry, &|_| {})
        .await
        .map_err(|e| format!("cannot push {reference} to the registry {registry}: {e}"))
}

/// After an in-place update is ready: whether it is the new config that serves. An engine
/// that rolls a failed update back by itself (Swarm) is ready again on the old one.
async fn rolled_forward(
    runtime: &dyn Runtime,
    handle: &Handle,
    spec: &crate::core::spec::AppSpec,
) -> Result<(), WaitFailure> {
    let now = runtime
        .inspect(handle)
        .await
        .map_err(|e| WaitFailure::Gone(e.to_string()))?;
    if now.fingerprint == spec.fingerprint() {
        Ok(())
    } else {
        Err(WaitFailure::Gone(
            "the new version did not get ready, and the engine went back to the previous one (it still serves)".into(),
        ))
    }
}

/// The instance a create ends with: made here, or made by a concurrent ark and adopted.
pub(super) enum Made {
    New(Handle),
    Adopted(Handle),
}

impl Made {
    pub(super) fn handle(self) -> Handle {
        match self {
            Made::New(handle) | Made::Adopted(handle) => handle,
        }
    }
}

/// Gets the app's image onto the engine when `action` makes an instance (one that exists
/// already has its image); on failure, a brief and the full message.
async fn supply(
    runtime: &dyn Runtime,
    action: &Action,
    image: &ImageSupply,
    supplied: &Shared,
    app: &str,
    emit: &dyn Fn(&str, Phase),
) -> Result<(), (&'static str, String)> {
    if !action.makes_instance() {
        return Ok(());
    }
    supply_image(runtime, image, supplied, app, emit)
        .await
        .map_err(|message| {
            let brief = match image {
                ImageSupply::Build { .. } => "build failed",
                ImageSupply::Pull(_) | ImageSupply::Present(_) => "pull failed",
            };
            (brief, message)
        })
}

/// Makes the app's instance as `action` says, as revision `made`: replacing `old` when it
/// recreates (retired: stopped and kept, unless the engine cannot start it any more, when
/// it is removed). On failure, a brief, the full message and whether a container is left.
async fn make_instance(
    runtime: &dyn Runtime,
    environment: &str,
    step: &Step,
    action: &Action,
    (image, made): (&str, &NewRevision),
    old: Option<&Handle>,
    emit: &dyn Fn(&str, Phase),
) -> Result<Made, (&'static str, String, bool)> {
    let app = step.spec.name.as_str();
    match (action, old) {
        (Action::Recreate(reasons), Some(old)) if reasons == &[CANNOT_START_OLD] => {
            emit(app, Phase::Recreating(action.reason()));
            if let Err(e) = runtime.remove(old).await {
                let brief = "cannot remove the old container";
                return Err((brief, format!("{brief}: {e}"), true));
            }
        }
        (Action::Recreate(_) | Action::StopFirst { .. }, Some(old)) => {
            let why = match action {
                Action::StopFirst { .. } => {
                    format!("stopping the old revision first: {}", action.reason())
                }
                _ => action.reason(),
            };
            emit(app, Phase::Recreating(why));
            if let Err(e) = runtime.retire(old, None, RETIRE_GRACE).await {
                let brief = "cannot retire the old container";
                return Err((brief, format!("{brief}: {e}"), true));
            }
        }
        (Action::Update(_), Some(old)) => {
            emit(app, Phase::Updating(action.reason()));
            return runtime
                .update(old, environment, &step.spec, image, made)
                .await
                .map(|()| Made::New(old.clone()))
                .map_err(|e| ("cannot update", format!("cannot update: {e}"), true));
        }
        _ => emit(app, Phase::Creating),
    }
    create_or_adopt(
        runtime,
        environment,
        &step.spec,
        image,
        made,
        Placing::Serving,
    )
    .await
    .map_err(|message| ("cannot create", message, false))
}

/// Creates the instance; when its name is taken, uses what holds it if the plan's rule
/// says so (a concurrent ark made the same one a moment ago).
pub(super) async fn create_or_adopt(
    runtime: &dyn Runtime,
    environment: &str,
    spec: &AppSpec,
    image: &str,
    made: &NewRevision,
    placing: Placing,
) -> Result<Made, String> {
    let created = runtime
        .create(environment, spec, image, made, placing)
        .await
        .map_err(|e| format!("cannot create: {e}"))?;
    let holder = match created {
        Created::New(handle) => return Ok(Made::New(handle)),
        Created::Taken(holder) => holder.map_err(|why| format!("cannot create: {why}"))?,
    };
    match adoption(
        environment,
        spec,
        &holder.environment,
        &holder.app,
        &holder.fingerprint,
    ) {
        Adoption::Adopt => Ok(Made::Adopted(holder.handle)),
        Adoption::NotOurs => Err(format!(
            "a container named `{}` exists and is not ark's: ark will not touch it (rename or remove it yourself)",
            holder.name
        )),
        Adoption::ChangedByAnother => Err(format!(
            "another ark is changing `{}` right now with a different config: run start again",
            spec.name
        )),
    }
}

async fn supply_image(
    runtime: &dyn Runtime,
    image: &ImageSupply,
    supplied: &Shared,
    app: &str,
    emit: &dyn Fn(&str, Phase),
) -> Result<(), String> {
    if let ImageSupply::Present(_) = image {
        return Ok(());
    }
    let cell = supplied
        .borrow_mut()
        .entry(image.reference().to_owned())
        .or_default()
        .clone();
    let result = cell
        .get_or_init(|| async {
            match image {
                ImageSupply::Present(_) => Ok(()),
                ImageSupply::Pull(reference) => {
                    emit(app, Phase::Pulling(reference.clone()));
                    let progress = |p: ImageProgress| {
                        if let ImageProgress::Layer { id, status } = p {
                            emit(
                                app,
                                Phase::Pulling(
                                    format!("{reference}: {id} {status}").trim().to_owned(),
                                ),
                            );
                        }
                    };
                    runtime.pull(reference, &progress).await.map_err(|e| {
                        format!("image `{reference}` is not here and could not be pulled: {e}")
                    })
                }
                ImageSupply::Build { tag, context } => {
                    emit(app, Phase::Building(tag.clone()));
                    let progress = |p: ImageProgress| match p {
                        ImageProgress::Build(line) => emit(app, Phase::Building(line)),
                        ImageProgress::ContextSent { sent, total } => emit(
                            app,
                            Phase::Building(format!(
                                "sending context: {} of {}",
                                binary_bytes(sent),
                                binary_bytes(total)
                            )),
                        ),
                        ImageProgress::Layer { .. } => {}
                    };
                    runtime
                        .build(context, tag, &progress)
                        .await
                        .map_err(|e| e.to_string())
                }
            }
        })
        .await;
    result.clone()
}

#[cfg(test)]
#[path = "start_tests.rs"]
mod tests;
