//! The public model of an app definition: what ark knows about an app once its launch
//! file is read, validated, with production's spellings normalised.

use crate::core::command_line::CommandLine;
use crate::core::diagnostic::Diagnostic;
use std::path::PathBuf;
use std::time::Duration;

/// A definition ready to use: validated, with production's spellings normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct AppDefinition {
    /// The file name without `.yml`: `launch/api.yml` → `api`.
    pub name: String,
    pub path: PathBuf,
    pub run: Run,
    /// Variables the app needs, in the file's order.
    pub env: Vec<EnvDeclaration>,
    pub expose: Vec<Expose>,
    pub dependencies: Vec<String>,
    pub resources: Resources,
    pub build: Build,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Run {
    pub kind: RunKind,
    pub architecture: Option<String>,
    /// ark's addition: a prebuilt image (e.g. a database), instead of building the app's repo.
    pub image: Option<String>,
    /// ark's addition: the container's command, instead of the image's.
    pub command: Option<CommandLine>,
    /// ark's addition: `false` runs without docker's init process.
    pub init: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RunKind {
    /// Runs as a container: ark starts it.
    #[default]
    Docker,
    /// Runs somewhere ark cannot reproduce (`lambda`, `lambda/us-west-2`, `workflow`, …):
    /// treated like an external dependency.
    Elsewhere(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvDeclaration {
    pub name: String,
    /// A default from the map form (`env: {LOG_LEVEL: info}`); production's list form has none.
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expose {
    pub name: String,
    pub port: u16,
    pub health_check: Option<HealthCheck>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    pub probe: Probe,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// GET the path; 2xx or 3xx is ready.
    Http { path: String },
    /// A TCP connection is accepted.
    Tcp,
    /// The command, run inside the container, exits 0.
    Exec { command: CommandLine },
    /// Explicitly no check for this port.
    None,
}

impl Probe {
    pub fn kind(&self) -> &'static str {
        match self {
            Probe::Http { .. } => "http",
            Probe::Tcp => "tcp",
            Probe::Exec { .. } => "exec",
            Probe::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Resources {
    /// Cores; 0 or absent means no limit.
    pub cpu: Option<f64>,
    /// Hard memory limit in GB.
    pub max_mem_gb: Option<f64>,
    /// Soft memory limit (reservation) in GB.
    pub soft_mem_gb: Option<f64>,
}

/// The Dockerfile an app builds from when its definition names none (no
/// `build.docker.file`): the one at the root of its repository, as `docker build` assumes.
pub const DEFAULT_DOCKERFILE: &str = "Dockerfile";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Build {
    /// Dockerfile path relative to the app's repository (`build.docker.file`); when absent,
    /// `DEFAULT_DOCKERFILE`.
    pub dockerfile: Option<String>,
    /// The artifact (image) name; the app name when absent.
    pub artifact_name: Option<String>,
}

/// What a file in an apps folder turned out to be.
#[derive(Debug)]
pub enum LaunchFile {
    App(Box<AppDefinition>),
    /// A production resource file (`type: dynamodb`, `type: aurora`, …): not an app.
    Resource {
        kind: String,
    },
}

/// The outcome of reading one file: what it is (unless it is broken) and every problem found.
#[derive(Debug)]
pub struct ParsedFile {
    pub file: Option<LaunchFile>,
    pub diagnostics: Vec<Diagnostic>,
}
