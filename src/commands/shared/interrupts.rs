//! SIGINT and SIGTERM while a command works on the engine. The handlers are installed when
//! the command's async runtime is made — before its first request, so no signal ever ends
//! ark by itself once the engine could be changed — and each signal is answered once:
//! by the innermost `until_interrupted` waiting when it comes (which knows what the command
//! left), else by `block_on`, which stops the whole command.

use crate::failure::Signal;
use std::cell::Cell;
use std::rc::Rc;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

/// The signals received so far, for everything the command runs.
#[derive(Clone)]
pub struct Interrupts {
    /// How many signals came, and the last one.
    received: watch::Receiver<(u32, Option<Signal>)>,
    /// How many of them were answered.
    answered: Rc<Cell<u32>>,
}

tokio::task_local! {
    /// The command's interrupts, for `until_interrupted` anywhere inside it.
    static CURRENT: Interrupts;
}

impl Interrupts {
    /// Installs the handlers now (inside `runtime`) and forwards each signal from a task.
    pub fn install(runtime: &tokio::runtime::Runtime) -> std::io::Result<Interrupts> {
        let _inside = runtime.enter();
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let (tell, received) = watch::channel((0, None));
        runtime.spawn(async move {
            let mut count = 0;
            loop {
                let which = tokio::select! {
                    Some(()) = interrupt.recv() => Signal::Interrupt,
                    Some(()) = terminate.recv() => Signal::Terminate,
                    else => return,
                };
                count += 1;
                if tell.send((count, Some(which))).is_err() {
                    return;
                }
            }
        });
        Ok(Interrupts {
            received,
            answered: Rc::default(),
        })
    }

    /// The interrupts of the command this runs in, if it runs in one.
    pub fn current() -> Option<Interrupts> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// Runs `future` with these interrupts as the current ones.
    pub async fn scope<F: std::future::Future>(&self, future: F) -> F::Output {
        CURRENT.scope(self.clone(), future).await
    }

    /// The next signal nobody has answered yet; answering it is the caller's.
    pub async fn next(&self) -> Signal {
        let mut received = self.received.clone();
        loop {
            let (count, which) = *received.borrow_and_update();
            if let Some(which) = which.filter(|_| count > self.answered.get()) {
                self.answered.set(count);
                return which;
            }
            if received.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}
