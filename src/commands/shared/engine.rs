//! Reaching the engine: one connection per engine, chosen as the docker CLI chooses — or as
//! the environment's `target:` says — and the async runtime the engine commands run on (only
//! they start one), with SIGINT and SIGTERM handled from its start.

use super::interrupts::Interrupts;
use super::load::{self, Bound};
use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::core::engine_kind::EngineChoice;
use crate::failure::{Failure, Signal};
use crate::runtime::api::{Endpoint, EngineError, Instance, Runtime};
use crate::runtime::connect::{self as door, EndpointError, Resolved};
use crate::settings::Settings;
use std::future::Future;
use std::time::Duration;

/// Runs `future` to completion on a single-threaded runtime: engine work is I/O-bound.
/// SIGINT and SIGTERM are handled from before its first step: one that no
/// `until_interrupted` inside answers stops it where it is (`Interrupted`, exit 130 or 143).
pub fn block_on<F: Future>(future: F) -> Result<F::Output, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
    let interrupts = Interrupts::install(&runtime)
        .map_err(|e| Failure::Failed(format!("cannot handle signals: {e}")))?;
    let output = runtime.block_on(async {
        tokio::select! {
            // The command first: a signal it answers itself is not answered again here.
            biased;
            output = interrupts.scope(future) => Ok(output),
            by = interrupts.next() => Err(Failure::Interrupted { by, left: None }),
        }
    });
    // A blocking read of stdin (an interactive exec) would hold a normal shutdown until the
    // next key press: the work is done, so do not wait for it.
    runtime.shutdown_background();
    output
}

/// Connects to the engine `environment` runs on — its target when its file names one —
/// or, without an environment, the one the settings point at, as the kind of engine it
/// runs on (`load::engine_choice`); exit 4 when it does not answer. A setting passed over
/// (or `-H` beating the target) is said in one line.
pub async fn connect(
    settings: &Settings,
    environment: Option<&str>,
) -> Result<Box<dyn Runtime>, Failure> {
    let bound = match environment {
        Some(name) => load::target(settings, name)?,
        None => None,
    };
    let choice = load::engine_choice(settings, environment)?;
    let resolved = resolve(settings, bound.as_ref())?;
    if let Some(note) = &resolved.note {
        let printer = &settings.printer;
        printer.status(&format!("{}: {note}", printer.err_styles.hint("note")));
    }
    open(settings, resolved.endpoint, &choice)
        .await
        .map_err(engine_failure)
}

/// The endpoint for an environment bound to `bound` (or for none), with the settings' `-H`
/// and `--context` and the process's variables. An unusable target is the environment's
/// error (exit 3, naming its file); any other resolution error leaves the engine unreachable.
pub fn resolve(settings: &Settings, bound: Option<&Bound>) -> Result<Resolved, Failure> {
    door::resolve(
        settings.engine_host.as_deref(),
        settings.engine_context.as_deref(),
        bound.map(|b| (b.environment.as_str(), b.target.as_str())),
        &|name| std::env::var(name).ok(),
    )
    .map_err(|error| match (error, bound) {
        (EndpointError::Target { error, .. }, Some(bound)) => {
            Failure::Invalid(Diagnostics(vec![target_problem(bound, &error)]))
        }
        (other, _) => Failure::Unreachable(other.to_string()),
    })
}

/// `environments/x.yml:3: target: docker context `y` not found (…)`, with what to do.
pub fn target_problem(bound: &Bound, error: &EndpointError) -> Diagnostic {
    let text = std::fs::read_to_string(&bound.file).unwrap_or_default();
    Diagnostic::error(format!("target: {error}"))
        .in_file(&bound.file)
        .at(crate::core::yaml::find_key_line(&text, "target"), None)
        .with_hint(format!(
            "environment `{}` runs where `target:` says: a docker context (`docker context ls`) or an engine URL such as tcp://host:2375 or ssh://user@host",
            bound.environment
        ))
}

/// Opens a connection to `endpoint`, as the backend of `choice`'s kind, and checks the
/// engine answers.
pub async fn open(
    settings: &Settings,
    endpoint: Endpoint,
    choice: &EngineChoice,
) -> Result<Box<dyn Runtime>, EngineError> {
    settings.printer.detail(&format!("engine: {endpoint}"));
    if settings.engine_kind.is_some() || choice.said_in.is_some() {
        settings.printer.detail(&format!(
            "engine kind: {}, from {}",
            choice.kind,
            kind_source(settings, choice)
        ));
    }
    let runtime = door::connect_as(endpoint, choice).await?;
    let can = runtime.capabilities();
    settings
        .printer
        .detail(&format!("readiness probes go to {}", can.reach));
    settings.printer.detail(&format!("images: {}", can.images));
    Ok(runtime)
}

/// Where the engine kind came from, for `-v` and `ark config`: `--engine`,
/// `environments/x.yml (engine)` or `default`.
pub fn kind_source(settings: &Settings, choice: &EngineChoice) -> String {
    match (&choice.said_in, settings.engine_kind) {
        (_, Some(_)) => "--engine".to_owned(),
        (Some(file), None) => format!("{} (engine)", file.display()),
        (None, None) => "default".to_owned(),
    }
}

/// An engine error as the failure a command ends with: no engine answering (at first, or
/// any more), or one that cannot run the environment as its file asks, is exit 4,
/// whatever the command.
pub fn engine_failure(error: EngineError) -> Failure {
    if error.is_connection_lost() || matches!(error, EngineError::NotSuitable(_)) {
        Failure::Unreachable(error.to_string())
    } else {
        Failure::Failed(error.to_string())
    }
}

/// How long a listing that asks whether the engine is still there (a watch's, or
/// `lost_while`'s) waits for an answer before the engine counts as gone.
pub const LIST_PATIENCE: Duration = Duration::from_secs(10);

/// The environment's instances; an engine that does not answer within `LIST_PATIENCE` is
/// unreachable.
pub async fn list_within_patience(
    runtime: &dyn Runtime,
    environment: &str,
) -> Result<Vec<Instance>, EngineError> {
    match tokio::time::timeout(LIST_PATIENCE, runtime.list(Some(environment))).await {
        Ok(listed) => listed,
        Err(_) => Err(EngineError::Unreachable {
            endpoint: runtime.endpoint().clone(),
            detail: format!("no answer within {}s", LIST_PATIENCE.as_secs()),
        }),
    }
}

/// After steps of a command failed: whether the engine went away meanwhile — then that is
/// what the command ends with (exit 4, "lost the container engine at … while <doing>"),
/// not one error per app. Asks the engine once.
pub async fn lost_while(runtime: &dyn Runtime, environment: &str, doing: &str) -> Option<Failure> {
    let lost = list_within_patience(runtime, environment)
        .await
        .is_err_and(|error| error.is_connection_lost());
    lost.then(|| {
        engine_failure(EngineError::Lost {
            endpoint: runtime.endpoint().clone(),
            doing: doing.to_owned(),
        })
    })
}

/// Waits for `future`, or for SIGINT or SIGTERM (then `Interrupted`, which the caller may
/// complete with what it left).
pub async fn until_interrupted<F: Future>(future: F) -> Result<F::Output, Failure> {
    let interrupted = async {
        match Interrupts::current() {
            Some(interrupts) => interrupts.next().await,
            // Outside `block_on` (a unit test): Ctrl-C alone.
            None => {
                let _ = tokio::signal::ctrl_c().await;
                Signal::Interrupt
            }
        }
    };
    tokio::select! {
        biased;
        output = future => Ok(output),
        by = interrupted => Err(Failure::Interrupted { by, left: None }),
    }
}
