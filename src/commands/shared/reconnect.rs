//! A watch (`logs -f`, `metrics`) outlives its engine's restarts: when the connection is
//! lost it says so once, tries the same endpoint again through the one door (`connect`) with
//! a growing pause (`Backoff`) for as long as the user waits, and carries on with the new
//! connection. With `--no-reconnect` a lost engine ends the command instead (exit 4). An
//! engine that stops answering (frozen, or cut off) counts as gone once a listing has waited
//! `engine::LIST_PATIENCE` for it.

use super::backoff::Backoff;
use super::engine::{engine_failure, open};
use crate::core::engine_kind::EngineChoice;
use crate::failure::Failure;
use crate::runtime::api::{Endpoint, EngineError, Runtime};
use crate::settings::Settings;
use crate::ui::reconnect_view::ReconnectView;
use futures_util::future::{FutureExt, LocalBoxFuture};
use tokio::time::Instant;

/// Opens a new connection to an endpoint.
pub type Connector<'a> =
    Box<dyn Fn(Endpoint) -> LocalBoxFuture<'a, Result<Box<dyn Runtime>, EngineError>> + 'a>;

pub struct Reconnect<'a> {
    connect: Connector<'a>,
    /// `false` (`--no-reconnect`): a lost engine ends the command.
    enabled: bool,
    /// What the command was doing, for the message it ends with ("following logs").
    doing: &'static str,
    view: ReconnectView,
}

impl<'a> Reconnect<'a> {
    /// Reconnects as the settings connect, as the same kind of engine (`choice`), saying so
    /// on stderr.
    pub fn new(
        settings: &'a Settings,
        choice: &'a EngineChoice,
        enabled: bool,
        doing: &'static str,
    ) -> Reconnect<'a> {
        use std::io::IsTerminal;
        let view = ReconnectView::new(settings.printer.clone(), std::io::stderr().is_terminal());
        let connect: Connector<'a> =
            Box::new(move |endpoint| open(settings, endpoint, choice).boxed_local());
        Reconnect::with(connect, enabled, doing, view)
    }

    pub fn with(
        connect: Connector<'a>,
        enabled: bool,
        doing: &'static str,
        view: ReconnectView,
    ) -> Reconnect<'a> {
        Reconnect {
            connect,
            enabled,
            doing,
            view,
        }
    }

    /// After `error` from the engine at `endpoint`: when the connection was lost, a new one
    /// once the engine answers again (tried for as long as it takes); otherwise, or with
    /// `--no-reconnect`, the failure the command ends with.
    pub async fn after(
        &self,
        endpoint: &Endpoint,
        error: EngineError,
    ) -> Result<Box<dyn Runtime>, Failure> {
        if !error.is_connection_lost() {
            return Err(engine_failure(error));
        }
        let detail = detail_of(&error);
        if !self.enabled {
            return Err(Failure::Unreachable(format!(
                "lost the container engine at {endpoint} while {}: {detail}",
                self.doing
            )));
        }
        self.view.went_away(endpoint, &detail);
        let began = Instant::now();
        let mut backoff = Backoff::default();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let pause = backoff.next_pause();
            self.view.waiting(attempt, pause);
            tokio::time::sleep(pause).await;
            match (self.connect)(endpoint.clone()).await {
                Ok(engine) => {
                    self.view.back(endpoint, began.elapsed());
                    return Ok(engine);
                }
                Err(error) if error.is_connection_lost() => {
                    self.view.still_away(&detail_of(&error));
                }
                // An engine answered, and refused (another engine, too old): waiting on
                // will not change that.
                Err(error) => {
                    self.view.clear();
                    return Err(engine_failure(error));
                }
            }
        }
    }
}

/// A view that says nothing, for tests.
#[cfg(test)]
pub(crate) fn quiet_view() -> ReconnectView {
    use crate::ui::printer::{Printer, Verbosity};
    use crate::ui::style::Styles;
    let printer = Printer {
        out_styles: Styles::PLAIN,
        err_styles: Styles::PLAIN,
        verbosity: Verbosity::Quiet,
    };
    ReconnectView::new(printer, false)
}

/// What broke, without the endpoint the message names already.
fn detail_of(error: &EngineError) -> String {
    match error {
        EngineError::Unreachable { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fake::FakeEngine;
    use std::cell::RefCell;
    use std::rc::Rc;

    type Tries = Rc<RefCell<Vec<Instant>>>;

    /// A connector whose first `failures` tries find nobody; it records when each try came.
    fn flaky(failures: usize, tries: Tries) -> Connector<'static> {
        Box::new(move |_endpoint| {
            let tries = Rc::clone(&tries);
            async move {
                tries.borrow_mut().push(Instant::now());
                let engine = FakeEngine::new();
                if tries.borrow().len() <= failures {
                    Err(engine.gone())
                } else {
                    Ok(Box::new(engine) as Box<dyn Runtime>)
                }
            }
            .boxed_local()
        })
    }

    /// Reconnects (or not: `enabled`) through `flaky(failures)`; when each try came.
    fn reconnecting(failures: usize, enabled: bool) -> (Reconnect<'static>, Tries) {
        let tries = Tries::default();
        let connect = flaky(failures, Rc::clone(&tries));
        let reconnect = Reconnect::with(connect, enabled, "following logs", quiet_view());
        (reconnect, tries)
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_lost_engine_is_tried_again_with_growing_pauses_until_it_answers() {
        let (reconnect, tries) = reconnecting(6, true);
        let lost = FakeEngine::new();
        let began = Instant::now();
        let engine = reconnect.after(lost.endpoint(), lost.gone()).await;
        assert!(engine.is_ok());
        let waited: Vec<u128> = tries
            .borrow()
            .iter()
            .map(|at| at.duration_since(began).as_millis())
            .collect();
        // 0.2, +0.4, +0.8, +1.6, +3.2, +5, +5 s.
        assert_eq!(waited, [200, 600, 1400, 3000, 6200, 11200, 16200]);
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn without_reconnecting_a_lost_engine_is_exit_4_naming_it() {
        let (reconnect, tries) = reconnecting(0, false);
        let lost = FakeEngine::new();
        let Err(failure) = reconnect.after(lost.endpoint(), lost.gone()).await else {
            panic!("--no-reconnect does not reconnect");
        };
        assert_eq!(failure.exit_code(), crate::exit_code::ENGINE_UNREACHABLE);
        assert_eq!(
            failure.to_string(),
            "lost the container engine at fake://engine (from a test) while following logs: Connection refused (os error 111)"
        );
        assert!(tries.borrow().is_empty());
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn an_engine_that_answered_with_an_error_is_not_waited_for() {
        let (reconnect, tries) = reconnecting(0, true);
        let engine = FakeEngine::new();
        let refused = EngineError::Failed("list containers: permission denied".into());
        let Err(failure) = reconnect.after(engine.endpoint(), refused).await else {
            panic!("an answer is not a lost engine");
        };
        assert_eq!(failure.exit_code(), crate::exit_code::FAILED);
        assert!(tries.borrow().is_empty());
    }
}
