//! ark: named, on-demand environments from the app definitions production uses.
//!
//! Layout: `cli` (clap structs) → `settings` (precedence) → `commands` (one file per verb)
//! → `core` (pure: definitions → environment → graph → plan) and `ui` (all terminal output).

pub mod cli;
pub mod commands;
pub mod core;
pub mod exec;
pub mod exit_code;
pub mod failure;
pub mod logs;
pub mod runtime;
pub mod settings;
pub mod ui;
pub mod units;

use clap::Parser;
use cli::{Cli, Command};
use failure::Failure;
use settings::Settings;
use ui::printer::render_diagnostic;

/// Runs ark with the process's arguments; returns the exit code.
pub fn main_with_args() -> i32 {
    if let Some(code) = commands::complete::respond() {
        return code;
    }
    let cli = Cli::parse();
    match Settings::resolve(&cli.global, &|name| std::env::var(name).ok()) {
        Ok(settings) => match run(&cli.command, &settings) {
            Ok(code) => code,
            Err(failure) => report(&failure, &settings),
        },
        Err(failure) => {
            let settings = Settings::fallback(&cli.global);
            report(&failure, &settings)
        }
    }
}

fn run(command: &Command, settings: &Settings) -> Result<i32, Failure> {
    match command {
        Command::Validate(args) => commands::validate::run(args, settings),
        Command::Deps(args) => commands::deps::run(args, settings),
        Command::Config(args) => commands::config::run(args, settings),
        Command::Plan(args) => commands::plan::run(args, settings),
        Command::Envs(args) => commands::envs::run(args, settings),
        Command::Start(args) => commands::start::run(args, settings),
        Command::Status(args) => commands::status::run(args, settings),
        Command::Stop(args) => commands::stop::run(args, settings),
        Command::Restart(args) => commands::restart::run(args, settings),
        Command::Rollback(args) => commands::rollback::run(args, settings),
        Command::History(args) => commands::history::run(args, settings),
        Command::Promote(args) => commands::promote::run(args, settings),
        Command::Down(args) => commands::down::run(args, settings),
        Command::Logs(args) => commands::logs::run(args, settings),
        Command::Exec(args) => commands::exec::run(args, settings),
        Command::Metrics(args) => commands::metrics::run(args, settings),
        Command::Completions(args) => commands::completions::run(args, settings),
    }
}

/// Renders a failure in one place and returns its exit code.
fn report(failure: &Failure, settings: &Settings) -> i32 {
    let styles = settings.printer.err_styles;
    let text = match failure {
        Failure::Invalid(diagnostics) => diagnostics
            .0
            .iter()
            .map(|d| render_diagnostic(d, styles))
            .collect(),
        Failure::Usage(message) | Failure::Failed(message) => {
            format!("{}: {message}\n", styles.error("error"))
        }
        Failure::Unreachable(message) => format!(
            "{}: {message}\n  {}: {}\n",
            styles.error("error"),
            styles.hint("hint"),
            unreachable_hint(message)
        ),
        Failure::Interrupted { by, left } => format!(
            "{}: {}; run the command again to converge\n",
            styles.warning(by.word()),
            left.as_deref()
                .unwrap_or("what was created is left as it is")
        ),
        Failure::Cancelled => format!("{}: nothing changed\n", styles.warning("cancelled")),
    };
    settings.printer.error_text(&text);
    failure.exit_code()
}

/// What to do about an engine that did not answer, by what chose it.
fn unreachable_hint(message: &str) -> &'static str {
    if message.starts_with("lost the container engine at ") {
        "it answered at first, then stopped: what ark made is labelled and stays; once the engine answers again, run the command again to converge"
    } else if message.contains("(from target of environment") {
        "start that engine, or change `target:` in the environment's file (-H/--host overrides it for one command)"
    } else if message.contains(", TLS with ") {
        "check the certificate files named above, or point ark at another engine with -H/--host, DOCKER_HOST or --context"
    } else {
        "start the engine, or point ark at another with -H/--host, DOCKER_HOST or --context"
    }
}
