//! Reaching the engine: one connection per run, chosen as the docker CLI chooses, and the
//! async runtime the engine commands run on (only they start one).

use crate::failure::Failure;
use crate::runtime::api::{EngineError, Runtime};
use crate::runtime::docker::endpoint;
use crate::runtime::docker::engine::DockerRuntime;
use crate::settings::Settings;
use std::future::Future;

/// Runs `future` to completion on a single-threaded runtime: engine work is I/O-bound.
pub fn block_on<F: Future>(future: F) -> Result<F::Output, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
    let output = runtime.block_on(future);
    // A blocking read of stdin (an interactive exec) would hold a normal shutdown until the
    // next key press: the work is done, so do not wait for it.
    runtime.shutdown_background();
    Ok(output)
}

/// Connects to the engine the settings point at; exit 4 when it does not answer.
pub async fn connect(settings: &Settings) -> Result<DockerRuntime, Failure> {
    let endpoint = endpoint::resolve(
        settings.engine_host.as_deref(),
        settings.engine_context.as_deref(),
        &|name| std::env::var(name).ok(),
    )
    .map_err(|e| Failure::Unreachable(e.to_string()))?;
    settings.printer.detail(&format!("engine: {endpoint}"));
    let runtime = DockerRuntime::connect(endpoint)
        .await
        .map_err(engine_failure)?;
    settings
        .printer
        .detail(&format!("readiness probes go to {}", runtime.port_reach()));
    Ok(runtime)
}

/// An engine error as the failure a command ends with.
pub fn engine_failure(error: EngineError) -> Failure {
    match error {
        EngineError::Unreachable { .. } => Failure::Unreachable(error.to_string()),
        other => Failure::Failed(other.to_string()),
    }
}

/// Waits for `future`, or for Ctrl-C (then `Interrupted`).
pub async fn until_interrupted<F: Future>(future: F) -> Result<F::Output, Failure> {
    tokio::select! {
        output = future => Ok(output),
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted),
    }
}
