//! What a watch (`logs -f`, `metrics`) says while its engine is away, on stderr: one line
//! when the engine goes, one when it is back; in between, on a terminal, a spinner
//! "reconnecting…" with the next try. Without a terminal only the two lines (each failed
//! try with `-v`), so CI logs show the gap once.

use super::printer::Printer;
use crate::runtime::api::Endpoint;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::RefCell;
use std::time::Duration;

pub struct ReconnectView {
    printer: Printer,
    /// Whether stderr is a terminal that shows a spinner.
    live: bool,
    spinner: RefCell<Option<ProgressBar>>,
}

impl ReconnectView {
    /// `tty`: whether stderr is a terminal (a spinner is shown unless quiet).
    pub fn new(printer: Printer, tty: bool) -> ReconnectView {
        let live = tty && printer.verbosity > super::printer::Verbosity::Quiet;
        ReconnectView {
            printer,
            live,
            spinner: RefCell::new(None),
        }
    }

    /// The engine stopped answering: said once, then a spinner on a terminal.
    pub fn went_away(&self, endpoint: &Endpoint, detail: &str) {
        let styles = self.printer.err_styles;
        self.printer.status(&format!(
            "{}: {}",
            styles.warning("warning"),
            went_away_text(endpoint, detail)
        ));
        if self.live {
            let style = ProgressStyle::with_template("{spinner:.dim} {wide_msg} {elapsed:>4.dim}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let spinner =
                ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(style);
            spinner.enable_steady_tick(Duration::from_millis(120));
            *self.spinner.borrow_mut() = Some(spinner);
        }
    }

    /// The next try is `pause` away.
    pub fn waiting(&self, attempt: u32, pause: Duration) {
        if let Some(spinner) = &*self.spinner.borrow() {
            spinner.set_message(waiting_text(attempt, pause));
        }
    }

    /// One try failed (shown with `-v`).
    pub fn still_away(&self, detail: &str) {
        let text = format!("engine still away: {detail}");
        match &*self.spinner.borrow() {
            Some(spinner) => spinner.suspend(|| self.printer.detail(&text)),
            None => self.printer.detail(&text),
        }
    }

    /// The engine answers again.
    pub fn back(&self, endpoint: &Endpoint, after: Duration) {
        self.clear();
        self.printer.status(&back_text(endpoint, after));
    }

    /// Removes the spinner (the wait ended without the engine).
    pub fn clear(&self) {
        if let Some(spinner) = self.spinner.borrow_mut().take() {
            spinner.finish_and_clear();
        }
    }
}

impl Drop for ReconnectView {
    fn drop(&mut self) {
        self.clear();
    }
}

fn went_away_text(endpoint: &Endpoint, detail: &str) -> String {
    format!(
        "the container engine at {endpoint} went away ({detail}); waiting for it to come back (Ctrl-C to stop)"
    )
}

fn waiting_text(attempt: u32, pause: Duration) -> String {
    format!(
        "reconnecting… (try {attempt} in {:.1}s)",
        pause.as_secs_f64()
    )
}

fn back_text(endpoint: &Endpoint, after: Duration) -> String {
    format!(
        "the container engine at {} is back after {:.1}s; resuming",
        endpoint.url,
        after.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notices_name_the_engine_and_the_wait() {
        let endpoint = Endpoint::plain("unix:///run/docker.sock", "DOCKER_HOST");
        assert_eq!(
            went_away_text(&endpoint, "client error (Connect)"),
            "the container engine at unix:///run/docker.sock (from DOCKER_HOST) went away (client error (Connect)); waiting for it to come back (Ctrl-C to stop)"
        );
        assert_eq!(
            waiting_text(3, Duration::from_millis(800)),
            "reconnecting… (try 3 in 0.8s)"
        );
        assert_eq!(
            back_text(&endpoint, Duration::from_millis(4200)),
            "the container engine at unix:///run/docker.sock is back after 4.2s; resuming"
        );
    }
}
