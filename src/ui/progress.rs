//! Progress of engine operations, rendered once per run in the chosen way: a live line per
//! app on a terminal (indicatif), one plain line per event otherwise (CI logs), one JSON
//! object per event with `--progress json`, or nothing with `-q`.

use crate::exec::event::{Event, Phase};
use crate::ui::style::Styles;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ProgressMode {
    /// Live lines on a terminal, plain lines otherwise.
    #[default]
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

pub enum Progress {
    Tty {
        bars: MultiProgress,
        lines: RefCell<BTreeMap<String, ProgressBar>>,
        width: usize,
        styles: Styles,
    },
    Plain {
        styles: Styles,
        last: RefCell<BTreeMap<String, String>>,
        width: usize,
    },
    Json,
    Quiet,
}

impl Progress {
    /// `apps` fixes the order of lines and the width of the name column.
    pub fn new(mode: ProgressMode, quiet: bool, styles: Styles, apps: &[String]) -> Progress {
        use std::io::IsTerminal;
        let width = apps.iter().map(String::len).max().unwrap_or(0);
        let mode = match (mode, quiet) {
            (_, true) => ProgressMode::Quiet,
            (ProgressMode::Auto, _) if std::io::stderr().is_terminal() => ProgressMode::Tty,
            (ProgressMode::Auto, _) => ProgressMode::Plain,
            (mode, _) => mode,
        };
        match mode {
            ProgressMode::Tty => {
                let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(12));
                let style = ProgressStyle::with_template(
                    "{spinner:.dim} {prefix} {wide_msg} {elapsed:>4.dim}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
                let lines = apps
                    .iter()
                    .map(|app| {
                        let bar = bars.add(ProgressBar::new_spinner().with_style(style.clone()));
                        bar.set_prefix(styles.app(app, &format!("{app:<width$}")));
                        bar.set_message(styles.dim("queued"));
                        bar.enable_steady_tick(Duration::from_millis(120));
                        (app.clone(), bar)
                    })
                    .collect();
                Progress::Tty {
                    bars,
                    lines: RefCell::new(lines),
                    width,
                    styles,
                }
            }
            ProgressMode::Plain | ProgressMode::Auto => Progress::Plain {
                styles,
                last: RefCell::default(),
                width,
            },
            ProgressMode::Json => Progress::Json,
            ProgressMode::Quiet => Progress::Quiet,
        }
    }

    /// The progress display for `apps` as the printer's settings ask (`-q` silences it).
    pub fn for_apps<'a>(
        mode: ProgressMode,
        printer: &crate::ui::printer::Printer,
        apps: impl IntoIterator<Item = &'a String>,
    ) -> Progress {
        let apps: Vec<String> = apps.into_iter().cloned().collect();
        Progress::new(
            mode,
            printer.verbosity == crate::ui::printer::Verbosity::Quiet,
            printer.err_styles,
            &apps,
        )
    }

    /// Reports phases stamped with the time since this call: what an operation emits.
    pub fn reporter(&self) -> impl Fn(&str, Phase) + '_ {
        let began = std::time::Instant::now();
        move |app: &str, phase: Phase| {
            self.event(&Event {
                app: app.to_owned(),
                phase,
                elapsed: began.elapsed(),
            })
        }
    }

    pub fn event(&self, event: &Event) {
        match self {
            Progress::Tty {
                lines,
                styles,
                bars,
                width,
            } => {
                let mut lines = lines.borrow_mut();
                let bar = lines.entry(event.app.clone()).or_insert_with(|| {
                    let bar = bars.add(ProgressBar::new_spinner());
                    bar.set_prefix(styles.app(&event.app, &format!("{:<width$}", event.app)));
                    bar
                });
                let text = describe(&event.phase, *styles);
                if event.phase.is_final() {
                    bar.set_style(
                        ProgressStyle::with_template("  {prefix} {wide_msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.finish_with_message(format!(
                        "{text} {}",
                        styles.dim(&format!("{:.1}s", event.elapsed.as_secs_f64()))
                    ));
                } else {
                    bar.set_message(text);
                }
            }
            Progress::Plain {
                styles,
                last,
                width,
            } => {
                let text = describe(&event.phase, *styles);
                // Repeated probe results and layer ticks add nothing to a log.
                let key = format!("{}:{}", event.phase.name(), event.phase.detail());
                if last.borrow().get(&event.app) == Some(&key)
                    || matches!(event.phase, Phase::Pulling(_) | Phase::Building(_))
                        && !first_of_kind(last, event)
                {
                    return;
                }
                last.borrow_mut().insert(event.app.clone(), key);
                let name = styles.app(&event.app, &format!("{:<width$}", event.app));
                eprintln_safe(&format!(
                    "{name} | {text} {}",
                    styles.dim(&format!("({:.1}s)", event.elapsed.as_secs_f64()))
                ));
            }
            Progress::Json => {
                let line = serde_json::json!({
                    "ts": crate::ui::time::now_rfc3339(),
                    "elapsed_ms": event.elapsed.as_millis() as u64,
                    "app": event.app,
                    "event": event.phase.name(),
                    "detail": event.phase.detail(),
                });
                eprintln_safe(&line.to_string());
            }
            Progress::Quiet => {}
        }
    }

    /// A line of its own about the whole operation (not one app), above the live lines.
    pub fn note(&self, text: &str) {
        match self {
            Progress::Tty { bars, .. } => {
                if bars.println(text).is_err() {
                    eprintln_safe(text);
                }
            }
            Progress::Plain { .. } => eprintln_safe(text),
            Progress::Json => eprintln_safe(
                &serde_json::json!({
                    "ts": crate::ui::time::now_rfc3339(),
                    "event": "note",
                    "detail": text,
                })
                .to_string(),
            ),
            Progress::Quiet => {}
        }
    }

    /// Stops the live lines, keeping each app's last state on screen above the summary.
    pub fn finish(&self) {
        if let Progress::Tty { lines, .. } = self {
            for bar in lines.borrow().values() {
                if !bar.is_finished() {
                    bar.abandon();
                }
            }
        }
    }
}

fn first_of_kind(last: &RefCell<BTreeMap<String, String>>, event: &Event) -> bool {
    !last
        .borrow()
        .get(&event.app)
        .is_some_and(|k| k.starts_with(event.phase.name()))
}

fn describe(phase: &Phase, styles: Styles) -> String {
    let detail = phase.detail();
    let name = match phase {
        Phase::Ready | Phase::Unchanged | Phase::Stopped | Phase::Removed => {
            styles.good(phase.name())
        }
        Phase::Failed(_) | Phase::NotStarted(_) => styles.error(phase.name()),
        _ => phase.name().to_owned(),
    };
    if detail.is_empty() {
        name
    } else {
        format!("{name} {}", styles.dim(&detail))
    }
}

#[allow(clippy::print_stderr)]
fn eprintln_safe(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}
