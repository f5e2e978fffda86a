//! A frozen engine (stopped, hung, cut off without the line closing) keeps its connections
//! open and answers nothing: without a watch, every request to it would wait the whole
//! operation timeout before anything is said. Each request is watched instead: once it has
//! had no answer for `QUIET`, the engine is asked `/_ping` (on a connection of its own, as
//! the watched one is busy); an engine that answers that is slow, not gone, and the request
//! waits on. One that does not answer within `PING_PATIENCE` either is gone: the request
//! ends as timed out, which `request::failed` says as the engine lost. A request answered
//! within `QUIET` (the normal case) costs nothing more. `QUIET + PING_PATIENCE` is the 10 s
//! a watch (`logs -f`, `metrics`) gives a listing before the engine counts as gone.

use bollard::errors::Error as BollardError;
use bollard::Docker;
use futures_util::{Stream, StreamExt};
use std::future::Future;
use std::time::Duration;

/// How long a request may go unanswered before the engine is asked whether it still answers.
const QUIET: Duration = Duration::from_secs(5);
/// How long the engine gets to answer `/_ping` (over ssh a new connection may take longer:
/// `connect` gives those more).
pub(in crate::runtime) const PING_PATIENCE: Duration = Duration::from_secs(5);

/// Watches the requests to one engine.
#[derive(Clone)]
pub(in crate::runtime) struct Watchdog {
    /// Asks the pings; the request's own client may have another timeout.
    docker: Docker,
    ping_patience: Duration,
}

impl Watchdog {
    pub(in crate::runtime) fn new(docker: Docker, ping_patience: Duration) -> Watchdog {
        Watchdog {
            docker,
            ping_patience,
        }
    }

    /// `call`'s answer, or `RequestTimeoutError` once the engine stopped answering
    /// altogether.
    pub(in crate::runtime) async fn watched<T>(
        &self,
        call: impl Future<Output = Result<T, BollardError>>,
    ) -> Result<T, BollardError> {
        self.watched_after(QUIET, call).await
    }

    async fn watched_after<T>(
        &self,
        quiet: Duration,
        call: impl Future<Output = Result<T, BollardError>>,
    ) -> Result<T, BollardError> {
        let mut call = std::pin::pin!(call);
        loop {
            if let Ok(answer) = tokio::time::timeout(quiet, &mut call).await {
                return answer;
            }
            let alive = tokio::select! {
                answer = &mut call => return answer,
                alive = self.answers_ping() => alive,
            };
            if !alive {
                return Err(BollardError::RequestTimeoutError);
            }
        }
    }

    /// The next item of a streamed answer (a pull's or build's progress, a finished log),
    /// watched as `watched` watches a request. Streams that are quiet by nature (`logs -f`,
    /// stats, an interactive exec) are not watched: their callers bound their own waits.
    pub(in crate::runtime) async fn next_watched<T, S>(
        &self,
        stream: &mut S,
    ) -> Option<Result<T, BollardError>>
    where
        S: Stream<Item = Result<T, BollardError>> + Unpin,
    {
        self.watched(async { stream.next().await.transpose() })
            .await
            .transpose()
    }

    /// Whether the engine answers `/_ping` in time.
    async fn answers_ping(&self) -> bool {
        matches!(
            tokio::time::timeout(self.ping_patience, self.docker.ping()).await,
            Ok(Ok(_))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::docker::engine::API_VERSION;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::UnixListener;

    /// An engine of the test's own: `/_ping` is answered at once while `pings` holds;
    /// anything else is answered after `delay` (never, with `None`).
    fn engine(pings: Arc<AtomicBool>, delay: Option<Duration>) -> (tempfile::TempDir, Docker) {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("engine.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        tokio::spawn(async move {
            while let Ok((mut connection, _)) = listener.accept().await {
                let pings = Arc::clone(&pings);
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let read = connection.read(&mut request).await.unwrap_or(0);
                    let is_ping = String::from_utf8_lossy(&request[..read]).contains("/_ping");
                    let wait = match (is_ping, pings.load(Ordering::SeqCst), delay) {
                        (true, true, _) => Some(Duration::ZERO),
                        (true, false, _) | (false, _, None) => None,
                        (false, _, Some(delay)) => Some(delay),
                    };
                    let Some(wait) = wait else {
                        // Frozen: the line stays open, nothing is said.
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        return;
                    };
                    tokio::time::sleep(wait).await;
                    let body = if is_ping { "OK" } else { "[]" };
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = connection.write_all(answer.as_bytes()).await;
                });
            }
        });
        let docker =
            Docker::connect_with_unix(&socket.display().to_string(), 3600, &API_VERSION).unwrap();
        (dir, docker)
    }

    /// The watch's times, shortened for a test.
    const QUIET: Duration = Duration::from_millis(300);

    fn watchdog(docker: &Docker) -> Watchdog {
        Watchdog::new(docker.clone(), Duration::from_millis(300))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_frozen_engine_ends_the_request() {
        let (_dir, docker) = engine(Arc::new(AtomicBool::new(false)), None);
        let call = docker.list_containers(None);
        let answer = watchdog(&docker).watched_after(QUIET, call).await;
        assert!(
            matches!(answer, Err(BollardError::RequestTimeoutError)),
            "{answer:?}"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_slow_engine_that_still_answers_is_waited_for() {
        let (_dir, docker) = engine(Arc::new(AtomicBool::new(true)), Some(QUIET * 4));
        let call = docker.list_containers(None);
        let answer = watchdog(&docker).watched_after(QUIET, call).await;
        assert!(
            matches!(answer, Ok(ref listed) if listed.is_empty()),
            "{answer:?}"
        );
    }
}
