//! The command line, as clap structs: metadata only, no logic.

use crate::core::engine_kind::EngineKind;
use crate::ui::progress::ProgressMode;
use crate::ui::style::ColorChoice;
use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ark",
    version,
    about = "Named, on-demand environments from the app definitions production uses",
    long_about = "Named, on-demand environments from the app definitions production uses.\n\n\
        ark reads one definition per app (launch/<app>.yml, production's format), layers an\n\
        environment's config over it, and resolves every dependency transitively.",
    after_help = "Exit codes: 0 ok, 1 operation failed, 2 usage, 3 invalid definitions or environment,\n4 engine unreachable, 130 interrupted.",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)
    #[arg(long = "apps", value_name = "DIR", global = true)]
    pub apps_folders: Vec<PathBuf>,

    /// Folder of environment files (`<name>.yml`)
    #[arg(long, value_name = "DIR", global = true)]
    pub environments: Option<PathBuf>,

    /// When to use colours
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Print only data and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail (what was found where, skipped files)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment's target, DOCKER_HOST, the docker context, the local socket)
    #[arg(short = 'H', long = "host", value_name = "URL", global = true)]
    pub host: Option<String>,

    /// Docker context to use (default: DOCKER_CONTEXT, or the docker CLI's current context); an environment's target beats it
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,

    /// Engine kind to run the environment on (default: the environment's `engine:`, else docker)
    #[arg(long, value_name = "KIND", global = true, value_parser = engine_kinds())]
    pub engine: Option<EngineKind>,
}

/// `--engine`'s values: every kind's name (which help and completions list), as the kind.
fn engine_kinds() -> impl TypedValueParser<Value = EngineKind> {
    clap::builder::PossibleValuesParser::new(EngineKind::names())
        .try_map(|name| name.parse::<EngineKind>())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every definition (and, with -e, an environment) and list all problems
    Validate(ValidateArgs),
    /// Show the start set of apps and the order they start in
    Deps(DepsArgs),
    /// Show every variable an app gets in an environment, with its value and source
    Config(ConfigArgs),
    /// Show what a start would do, app by app, in order
    Plan(PlanArgs),
    /// Start apps and everything they depend on, in order, and wait until all are ready
    Start(StartArgs),
    /// Show environments on the engine, or one environment's apps
    #[command(visible_alias = "ps")]
    Status(StatusArgs),
    /// Stop apps (dependents first), keeping their containers
    Stop(StopArgs),
    /// Restart apps, stopping and restarting what depends on them around them
    Restart(RestartArgs),
    /// Bring back an app's earlier revision (default: the one before the current), as a rollover
    Rollback(RollbackArgs),
    /// Show each app's revisions: when, by whom, from which image, what changed, where it is now
    History(HistoryArgs),
    /// Start in another environment exactly the revisions of apps that run in this one, as a rollover
    Promote(PromoteArgs),
    /// Remove an environment: its containers and network (and volumes with --volumes)
    Down(DownArgs),
    /// Show apps' output (stdout and stderr), merged in time order, or follow it with -f
    Logs(LogsArgs),
    /// Run a command in an app's container (a TTY when interactive; its exit code is ark's)
    Exec(ExecArgs),
    /// Show live CPU, memory, network and disk use of an environment's running apps
    #[command(visible_alias = "top")]
    Metrics(MetricsArgs),
    /// List the environments defined on disk and running on the engine
    Envs(EnvsArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct EnvironmentArg {
    /// Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)
    #[arg(short = 'e', long = "environment", value_name = "ENV")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Also check this environment: its files and a value for every declared variable
    #[arg(short = 'e', long = "environment", value_name = "ENV")]
    pub environment: Option<String>,

    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DepsArgs {
    /// Apps to start from
    #[arg(required = true, value_name = "APP")]
    pub apps: Vec<String>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = DepsFormat::Tree)]
    pub output: DepsFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DepsFormat {
    Tree,
    Dot,
    Json,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Override a variable: KEY=VALUE for every app that has it, APP.KEY=VALUE for one app
    #[arg(long = "set", value_name = "[APP.]KEY=VALUE")]
    pub values: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// The app
    #[arg(value_name = "APP")]
    pub app: String,

    #[command(flatten)]
    pub set: SetArgs,

    /// Show values that look like secrets (by name: …PASSWORD…, …TOKEN…, …_AUTH, …_DSN, …; a URL with a password; a value read from such a shell variable)
    #[arg(long)]
    pub show_secrets: bool,

    /// Fetch the values of the environment's `secrets:` from their providers and show them (implies --show-secrets)
    #[arg(long)]
    pub reveal_secrets: bool,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = ConfigFormat::Table)]
    pub output: ConfigFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ConfigFormat {
    Table,
    Json,
    Env,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// Apps to start (with everything they depend on)
    #[arg(required = true, value_name = "APP")]
    pub apps: Vec<String>,

    /// Only the named apps, not their dependencies
    #[arg(long)]
    pub no_deps: bool,

    #[command(flatten)]
    pub set: SetArgs,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// Apps to start (with everything they depend on); none on a terminal: pick them
    #[arg(value_name = "APP")]
    pub apps: Vec<String>,

    /// Only the named apps, not their dependencies
    #[arg(long)]
    pub no_deps: bool,

    #[command(flatten)]
    pub set: SetArgs,

    /// Build from the local checkout: the named apps (default: the apps given), or APP=PATH
    #[arg(short = 'l', long = "local", value_name = "APP[=PATH]", num_args = 0..=1, default_missing_value = "")]
    pub local: Vec<String>,

    /// How long each app may take to become ready
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_duration_arg)]
    pub timeout: std::time::Duration,

    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// How a changed, running app is replaced: `stop-first` stops the old revision before
    /// the new one starts, for every app (default: each app's `rollout:`, a rollover)
    #[arg(long, value_enum, value_name = "HOW")]
    pub replace: Option<ReplaceMode>,

    /// How to show progress
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// `--replace`: how a changed, running app is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReplaceMode {
    /// The old revision stops, then the new one starts
    StopFirst,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One environment's apps (default: every environment on the engine)
    #[arg(short = 'e', long = "environment", value_name = "ENV")]
    pub environment: Option<String>,

    /// With -e: also the apps' retired revisions (stopped, kept for a rollback)
    #[arg(short = 'a', long)]
    pub all: bool,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = TableFormat::Table)]
    pub output: TableFormat,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// Apps to stop (default: all of the environment)
    #[arg(value_name = "APP")]
    pub apps: Vec<String>,

    /// How to show progress
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// Apps to restart (default: all of the environment)
    #[arg(value_name = "APP")]
    pub apps: Vec<String>,

    /// How long each app may take to become ready
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_duration_arg)]
    pub timeout: std::time::Duration,

    /// How to show progress
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// The app to roll back
    #[arg(value_name = "APP")]
    pub app: String,

    /// The revision to bring back (see `ark history`; default: the one before the current)
    #[arg(long, value_name = "REV")]
    pub to: Option<u32>,

    /// How long the app may take to become ready again
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_duration_arg)]
    pub timeout: std::time::Duration,

    /// How to show progress
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The environment the revisions run in (default: ARK_ENVIRONMENT, or `environment:` in your ark config)
    #[arg(short = 'e', long = "environment", value_name = "FROM")]
    pub from: Option<String>,

    /// The environment to start them in
    #[arg(long, value_name = "TO")]
    pub to: String,

    /// The apps to promote
    #[arg(value_name = "APP", required = true)]
    pub apps: Vec<String>,

    /// How long each app may take to become ready
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_duration_arg)]
    pub timeout: std::time::Duration,

    /// How to show progress
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// One app's revisions (default: every app of the environment)
    #[arg(value_name = "APP")]
    pub app: Option<String>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = TableFormat::Table)]
    pub output: TableFormat,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// Also remove the environment's named volumes
    #[arg(long)]
    pub volumes: bool,

    /// Do not ask before removing from a remote engine (needed there without a terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// How to show progress
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// The app
    #[arg(value_name = "APP")]
    pub app: String,

    /// The command and its arguments (after `--`)
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// Apps to watch (default: every app of the environment)
    #[arg(value_name = "APP")]
    pub apps: Vec<String>,

    /// Print one sample of each app and exit
    #[arg(long)]
    pub no_stream: bool,

    /// When the engine goes away, exit 4 instead of waiting for it to come back
    #[arg(long)]
    pub no_reconnect: bool,

    /// Output format (`json`: one object per app per sample, and a total)
    #[arg(short, long, value_enum, default_value_t = TableFormat::Table)]
    pub output: TableFormat,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub environment: EnvironmentArg,

    /// Apps to show (default: all of the environment, and apps that join it while following)
    #[arg(value_name = "APP")]
    pub apps: Vec<String>,

    /// Keep printing new lines, across restarts and recreations, until Ctrl-C
    #[arg(short, long)]
    pub follow: bool,

    /// Only lines from this long ago (10m, 1h30m) or from this RFC 3339 time on
    #[arg(long, value_name = "DUR|TIME", value_parser = crate::logs::time_arg::TimeArg::parse)]
    pub since: Option<crate::logs::time_arg::TimeArg>,

    /// Only lines from before this long ago or before this RFC 3339 time
    #[arg(long, value_name = "DUR|TIME", value_parser = crate::logs::time_arg::TimeArg::parse)]
    pub until: Option<crate::logs::time_arg::TimeArg>,

    /// Only each app's last N lines
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<usize>,

    /// Print each line's time (RFC 3339, nanoseconds, UTC)
    #[arg(short, long)]
    pub timestamps: bool,

    /// Print lines without the `app | ` prefix
    #[arg(long)]
    pub no_prefix: bool,

    /// Only lines matching this regular expression
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,

    /// With -f: when the engine goes away, exit 4 instead of waiting for it to come back
    #[arg(long)]
    pub no_reconnect: bool,

    /// Show secret values as the apps print them (masked as **** by default)
    #[arg(long)]
    pub no_mask: bool,

    /// Output format: text, or one JSON object per line {ts, app, stream, line}
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,
}

fn parse_duration_arg(text: &str) -> Result<std::time::Duration, String> {
    crate::core::duration::parse_duration(text)
}

#[derive(Debug, Args)]
pub struct EnvsArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = TableFormat::Table)]
    pub output: TableFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TableFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
