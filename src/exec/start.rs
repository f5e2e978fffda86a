//! Carries out a start plan against a runtime. Makes no decisions of its own beyond what
//! the plan says: every app starts the moment its own dependencies are ready (no waves), an
//! app whose dependency failed is not started, and independent apps go on.

use super::event::{Event, Phase};
use super::readiness::{self, Route, WaitFailure};
use crate::core::plan::{Action, Plan, Step};
use crate::runtime::api::{AppContainer, EngineError, ImageProgress, Runtime};
use crate::runtime::labels;
use crate::units::binary_bytes;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::watch;

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
    Ready { changed: bool },
    Failed(Failure),
    NotStarted { because: String },
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
    pub observed: &'a BTreeMap<String, AppContainer>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Ready,
    Failed,
    /// Not started (its own dependency did not become ready).
    Skipped,
}

/// Runs the plan. The returned outcomes are in plan order.
pub async fn run<R: Runtime>(
    runtime: &R,
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
    let route = runtime.port_reach();
    let channels: BTreeMap<&str, (watch::Sender<Status>, watch::Receiver<Status>)> = request
        .plan
        .steps
        .iter()
        .map(|s| (s.spec.name.as_str(), watch::channel(Status::Pending)))
        .collect();
    // One pull or build per image, shared by every app that uses it.
    let supplied: Shared = RefCell::default();

    let mut running: FuturesUnordered<_> = request
        .plan
        .steps
        .iter()
        .map(|step| {
            let channels = &channels;
            let supplied = &supplied;
            let route = &route;
            let emit = &emit;
            async move {
                let app = step.spec.name.as_str();
                let outcome =
                    start_one(runtime, request, step, channels, supplied, route, emit).await;
                let status = match outcome {
                    Outcome::Ready { .. } => Status::Ready,
                    Outcome::Failed(_) => Status::Failed,
                    Outcome::NotStarted { .. } => Status::Skipped,
                };
                let _ = channels[app].0.send(status);
                (app.to_owned(), outcome)
            }
        })
        .collect();
    let mut outcomes = BTreeMap::new();
    while let Some((app, outcome)) = running.next().await {
        outcomes.insert(app, outcome);
    }
    request
        .plan
        .steps
        .iter()
        .filter_map(|s| outcomes.remove_entry(&s.spec.name))
        .collect()
}

type Shared = RefCell<BTreeMap<String, std::rc::Rc<tokio::sync::OnceCell<Result<(), String>>>>>;

async fn start_one<R: Runtime>(
    runtime: &R,
    request: &StartRequest<'_>,
    step: &Step,
    channels: &BTreeMap<&str, (watch::Sender<Status>, watch::Receiver<Status>)>,
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
    if step.action != Action::Leave && step.action != Action::Start {
        if let Err(message) = supply_image(runtime, &image, supplied, app, emit).await {
            let brief = match image {
                ImageSupply::Build { .. } => "build failed",
                ImageSupply::Pull(_) | ImageSupply::Present(_) => "pull failed",
            };
            return fail(brief, message, false);
        }
    }

    // Creating a container costs the engine more than starting it, and needs nothing from
    // the dependencies: create now, and let only the start wait for them.
    let observed = request.observed.get(app);
    let (id, needs_start) = match (&step.action, observed) {
        (Action::Leave, Some(current)) => (current.id.clone(), false),
        (Action::Start, Some(current)) => (current.id.clone(), true),
        (action, current) => {
            if let (Action::Recreate(reasons), Some(current)) = (action, current) {
                emit(app, Phase::Recreating(reasons.join(", ")));
                if let Err(e) = runtime.remove(&current.id).await {
                    let brief = "cannot remove the old container";
                    return fail(brief, format!("{brief}: {e}"), true);
                }
            } else {
                emit(app, Phase::Creating);
            }
            match create_or_adopt(runtime, request.environment, step, image.reference()).await {
                Ok(id) => (id, true),
                Err(message) => return fail("cannot create", message, false),
            }
        }
    };

    // Then its dependencies, each the moment it is ready. An app left as it is only has
    // its readiness confirmed: it already runs against its dependencies, so it need not wait.
    let mut waiting: Vec<String> = if needs_start {
        spec.waits_for.clone()
    } else {
        Vec::new()
    };
    if !waiting.is_empty() {
        emit(app, Phase::Waiting(waiting.clone()));
    }
    while let Some(dependency) = waiting.first().cloned() {
        let Some((_, receiver)) = channels.get(dependency.as_str()) else {
            waiting.remove(0);
            continue;
        };
        let mut receiver = receiver.clone();
        // A closed channel cannot happen (senders live as long as the run); count it as failed.
        let status = receiver
            .wait_for(|s| *s != Status::Pending)
            .await
            .map_or(Status::Failed, |s| *s);
        if status != Status::Ready {
            // Its container stays created, not started: the next start starts it.
            let because = if status == Status::Skipped {
                format!("its dependency {dependency} was not started")
            } else {
                format!("its dependency {dependency} failed")
            };
            emit(app, Phase::NotStarted(because.clone()));
            return Outcome::NotStarted { because };
        }
        waiting.remove(0);
        if !waiting.is_empty() {
            emit(app, Phase::Waiting(waiting.clone()));
        }
    }

    if needs_start {
        emit(app, Phase::Starting);
        if let Err(e) = runtime.start(&id).await {
            return fail("cannot start", format!("cannot start: {e}"), true);
        }
    }

    let waited = readiness::wait_ready(runtime, &id, route, request.timeout, &|probe| {
        emit(app, Phase::Probing(probe.to_owned()))
    })
    .await;
    match waited {
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
            }
        }
        Err(failure) => {
            let logs = runtime.logs_tail(&id, 20).await.unwrap_or_default();
            let (message, exit_code, last_probe) = match failure {
                WaitFailure::Exited { code, last_probe } => {
                    (format!("exited with code {code}"), Some(code), last_probe)
                }
                WaitFailure::Timeout { last_probe } => (
                    format!("not ready after {}s", request.timeout.as_secs()),
                    None,
                    Some(last_probe).filter(|p| !p.is_empty()),
                ),
                WaitFailure::Gone(why) => (why, None, None),
            };
            emit(app, Phase::Failed(message.clone()));
            Outcome::Failed(Failure {
                brief: message.clone(),
                message,
                has_container: true,
                exit_code,
                last_probe,
                logs,
            })
        }
    }
}

/// Creates the container; when another ark created the same one a moment ago (the name is
/// taken by a container with the same config), uses that one instead.
async fn create_or_adopt<R: Runtime>(
    runtime: &R,
    environment: &str,
    step: &Step,
    image: &str,
) -> Result<String, String> {
    match runtime.create(environment, &step.spec, image).await {
        Ok(id) => Ok(id),
        Err(EngineError::Conflict(message)) => {
            let name = labels::container_name(environment, &step.spec.name);
            // The engine reserves the name a moment before the other ark's container can be
            // inspected: look again briefly before giving up.
            let mut existing = runtime.inspect(&name).await;
            for _ in 0..40 {
                if existing.is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                existing = runtime.inspect(&name).await;
            }
            let existing = existing
                .map_err(|e| format!("cannot create: {message} (and cannot inspect it: {e})"))?;
            if existing.environment != environment || existing.app != step.spec.name {
                return Err(format!(
                    "a container named `{name}` exists and is not ark's: ark will not touch it (rename or remove it yourself)"
                ));
            }
            if existing.fingerprint == step.spec.fingerprint() {
                Ok(existing.id)
            } else {
                Err(format!("another ark is changing `{}` right now with a different config: run start again", step.spec.name))
            }
        }
        Err(e) => Err(format!("cannot create: {e}")),
    }
}

async fn supply_image<R: Runtime>(
    runtime: &R,
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
