//! Settings: where definitions and environments are, and which environment is meant —
//! resolved from flags, environment variables and the user's config file. Precedence is
//! decided here and nowhere else:
//!
//! * apps folders: `--apps` → `ARK_APPS` (colon-separated) → `apps:` in the user config →
//!   `./launch` and `./environments/apps`;
//! * environments folder: `--environments` → `ARK_ENVIRONMENTS` → `environments:` → `./environments`;
//! * environment: `-e` → `ARK_ENVIRONMENT` → `environment:`;
//! * static busybox for seeding `busybox:latest`: `ARK_BUSYBOX` → `/bin/busybox`;
//! * engine: `-H` and `--context` are kept as given; the engine's own precedence (with an
//!   environment's `target:`, `DOCKER_HOST`, contexts) is `runtime::connect::resolve`;
//! * engine kind: `--engine` → the environment's `engine:` → docker (the environment's part
//!   is `commands::shared::load::engine_choice`).
//!
//! The user config is `~/.config/ark/config.yml` (the platform's config folder), or the
//! file `ARK_CONFIG` names.

use crate::cli::GlobalArgs;
use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::core::engine_kind::EngineKind;
use crate::core::yaml::{self, KnownKeys};
use crate::failure::Failure;
use crate::ui::printer::{Printer, Verbosity};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where Debian's `busybox-static` puts its binary.
const DEFAULT_BUSYBOX: &str = "/bin/busybox";

#[derive(Debug)]
pub struct Settings {
    pub apps_folders: Vec<PathBuf>,
    /// Where the apps folders came from, for `-v` and error messages.
    pub apps_origin: &'static str,
    pub environments_folder: PathBuf,
    pub default_environment: Option<(String, &'static str)>,
    pub user_config: Option<PathBuf>,
    pub printer: Printer,
    /// Problems in the user config file (warnings; errors stop resolution).
    pub warnings: Diagnostics,
    /// `-H/--host` and `--context`, for choosing the engine.
    pub engine_host: Option<String>,
    pub engine_context: Option<String>,
    /// `--engine`: the engine kind for this command, beating the environment's `engine:`.
    pub engine_kind: Option<EngineKind>,
    /// The static busybox `busybox:latest` is made from when it is missing and cannot be
    /// pulled: `ARK_BUSYBOX` → `/bin/busybox` (Debian's `busybox-static`).
    pub busybox: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
struct UserConfig {
    apps: Option<OneOrMany>,
    environments: Option<String>,
    environment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

impl Settings {
    pub fn resolve(
        args: &GlobalArgs,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, Failure> {
        let verbosity = if args.quiet {
            Verbosity::Quiet
        } else if args.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        let printer = Printer {
            out_styles: args.color.for_stdout(),
            err_styles: args.color.for_stderr(),
            verbosity,
        };
        let home = var("HOME").map(PathBuf::from);
        let config_path = match var("ARK_CONFIG").filter(|v| !v.is_empty()) {
            Some(path) => Some(PathBuf::from(path)),
            None => directories::ProjectDirs::from("", "", "ark")
                .map(|d| d.config_dir().join("config.yml")),
        };
        let (config, warnings, user_config) = match &config_path {
            // Anything there is read (and refused unless a regular file): never silently skipped.
            Some(path) if path.exists() => {
                let (config, warnings) = read_user_config(path)?;
                (config, warnings, Some(path.clone()))
            }
            _ => (UserConfig::default(), Vec::new(), None),
        };
        let config_dir = user_config
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();

        let (apps_folders, apps_origin) = if !args.apps_folders.is_empty() {
            (
                expand_all(
                    args.apps_folders
                        .iter()
                        .map(|p| p.to_string_lossy().into_owned()),
                    Path::new(""),
                    home.as_deref(),
                ),
                "--apps",
            )
        } else if let Some(list) = var("ARK_APPS").filter(|v| !v.trim().is_empty()) {
            let parts = list.split(':').filter(|p| !p.is_empty()).map(str::to_owned);
            (
                expand_all(parts, Path::new(""), home.as_deref()),
                "ARK_APPS",
            )
        } else if let Some(apps) = config.apps {
            (
                expand_all(apps.into_vec().into_iter(), &config_dir, home.as_deref()),
                "the user config's `apps:`",
            )
        } else {
            let defaults = ["launch", "environments/apps"].map(PathBuf::from);
            (
                defaults.into_iter().filter(|p| p.is_dir()).collect(),
                "the defaults ./launch and ./environments/apps",
            )
        };

        let environments_folder = if let Some(dir) = &args.environments {
            dir.clone()
        } else if let Some(dir) = var("ARK_ENVIRONMENTS").filter(|v| !v.is_empty()) {
            expand_home(&dir, home.as_deref())
        } else if let Some(dir) = &config.environments {
            config_dir.join(expand_home(dir, home.as_deref()))
        } else {
            PathBuf::from("environments")
        };

        let default_environment = var("ARK_ENVIRONMENT")
            .filter(|v| !v.is_empty())
            .map(|e| (e, "ARK_ENVIRONMENT"))
            .or_else(|| {
                config
                    .environment
                    .map(|e| (e, "the user config's `environment:`"))
            });

        Ok(Settings {
            apps_folders,
            apps_origin,
            environments_folder,
            default_environment,
            user_config,
            printer,
            warnings: Diagnostics(warnings),
            engine_host: args.host.clone(),
            engine_context: args.context.clone(),
            engine_kind: args.engine,
            busybox: var("ARK_BUSYBOX")
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from(DEFAULT_BUSYBOX), PathBuf::from),
        })
    }

    /// The environment to use: the one given, else the user's default, else a usage error.
    pub fn environment(&self, given: Option<&str>) -> Result<String, Failure> {
        match (given, &self.default_environment) {
            (Some(name), _) => Ok(name.to_owned()),
            (None, Some((name, origin))) => {
                self.printer.detail(&format!("using environment `{name}` from {origin}"));
                Ok(name.clone())
            }
            (None, None) => Err(Failure::Usage(
                "no environment given: pass -e ENV, or set a default with ARK_ENVIRONMENT or `environment:` in your ark config".into(),
            )),
        }
    }
}

fn read_user_config(path: &Path) -> Result<(UserConfig, Vec<Diagnostic>), Failure> {
    let unreadable = |why: String| {
        Failure::Invalid(Diagnostics(vec![Diagnostic::error(format!(
            "cannot read your ark config: {why}"
        ))
        .in_file(path)]))
    };
    let bytes = crate::core::input_file::read(path).map_err(|e| unreadable(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| unreadable("it is not UTF-8 text".into()))?;
    let known = |parents: &[String]| {
        parents.is_empty().then_some(KnownKeys {
            read: &["apps", "environments", "environment"],
            ignored: &[],
        })
    };
    let (config, warnings) = yaml::parse::<Option<UserConfig>>(path, &text, known).map_err(|e| {
        Failure::Invalid(Diagnostics(vec![e.with_hint("the ark config takes `apps:` (folders or globs), `environments:` and `environment:`")]))
    })?;
    Ok((config.unwrap_or_default(), warnings))
}

fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if path == "~" => home.map_or_else(|| PathBuf::from(path), Path::to_path_buf),
        _ => PathBuf::from(path),
    }
}

/// `~` and globs (`~/src/*/launch`) expanded; relative paths taken from `base`. A glob that
/// matches nothing is kept as written, so the catalog reports the folder as missing.
fn expand_all(
    paths: impl Iterator<Item = String>,
    base: &Path,
    home: Option<&Path>,
) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    for raw in paths {
        let path = base.join(expand_home(&raw, home));
        let text = path.to_string_lossy();
        if text.contains(['*', '?', '[']) {
            let mut matched: Vec<PathBuf> = glob::glob(&text)
                .map(|m| m.filter_map(Result::ok).filter(|p| p.is_dir()).collect())
                .unwrap_or_default();
            matched.sort();
            if matched.is_empty() {
                folders.push(path);
            }
            folders.extend(matched);
        } else {
            folders.push(path);
        }
    }
    folders
}

impl Settings {
    /// Settings good enough to report an error in resolving the real ones.
    pub fn fallback(args: &GlobalArgs) -> Settings {
        Settings {
            apps_folders: Vec::new(),
            apps_origin: "",
            environments_folder: PathBuf::from("environments"),
            default_environment: None,
            user_config: None,
            printer: Printer {
                out_styles: args.color.for_stdout(),
                err_styles: args.color.for_stderr(),
                verbosity: Verbosity::Normal,
            },
            warnings: Diagnostics::default(),
            engine_host: None,
            engine_context: None,
            engine_kind: args.engine,
            busybox: PathBuf::from(DEFAULT_BUSYBOX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn settings(args: &[&str], vars: &[(&str, &str)]) -> Settings {
        let cli = crate::cli::Cli::parse_from(["ark"].iter().chain(args).chain(&["envs"]));
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Settings::resolve(&cli.global, &lookup).unwrap()
    }

    #[test]
    fn flags_beat_variables_beat_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            "apps: [from-config]\nenvironments: envs-from-config\nenvironment: cfg-env\n",
        )
        .unwrap();
        let config = config.to_str().unwrap();

        let s = settings(
            &[
                "--apps",
                "flag-a",
                "--apps",
                "flag-b",
                "--environments",
                "flag-envs",
            ],
            &[("ARK_CONFIG", config), ("ARK_APPS", "var-a")],
        );
        assert_eq!(
            s.apps_folders,
            [PathBuf::from("flag-a"), PathBuf::from("flag-b")]
        );
        assert_eq!(s.environments_folder, PathBuf::from("flag-envs"));

        let s = settings(
            &[],
            &[
                ("ARK_CONFIG", config),
                ("ARK_APPS", "var-a:var-b"),
                ("ARK_ENVIRONMENT", "var-env"),
            ],
        );
        assert_eq!(
            s.apps_folders,
            [PathBuf::from("var-a"), PathBuf::from("var-b")]
        );
        assert_eq!(s.default_environment.unwrap().0, "var-env");

        let s = settings(&[], &[("ARK_CONFIG", config)]);
        assert_eq!(s.apps_folders, [dir.path().join("from-config")]);
        assert_eq!(s.environments_folder, dir.path().join("envs-from-config"));
        assert_eq!(s.default_environment.unwrap().0, "cfg-env");
    }

    #[test]
    fn globs_and_home_expand() {
        let dir = tempfile::tempdir().unwrap();
        for repo in ["a", "b"] {
            std::fs::create_dir_all(dir.path().join("src").join(repo).join("launch")).unwrap();
        }
        let home = dir.path().to_str().unwrap();
        let s = settings(
            &[],
            &[
                ("HOME", home),
                ("ARK_APPS", "~/src/*/launch"),
                ("ARK_CONFIG", "/nonexistent"),
            ],
        );
        assert_eq!(
            s.apps_folders,
            [
                dir.path().join("src/a/launch"),
                dir.path().join("src/b/launch")
            ]
        );
    }

    #[test]
    fn the_engine_kind_is_the_flags_or_left_to_the_environment() {
        let s = settings(&["--engine", "swarm"], &[("ARK_CONFIG", "/nonexistent")]);
        assert_eq!(s.engine_kind, Some(EngineKind::Swarm));
        let s = settings(&[], &[("ARK_CONFIG", "/nonexistent")]);
        assert_eq!(s.engine_kind, None);
        let refused = crate::cli::Cli::try_parse_from(["ark", "--engine", "swarn", "envs"])
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("[possible values: docker, swarm]"),
            "{refused}"
        );
    }

    #[test]
    fn without_an_environment_anywhere_it_is_a_usage_error() {
        let s = settings(&[], &[("ARK_CONFIG", "/nonexistent")]);
        assert!(matches!(s.environment(None), Err(Failure::Usage(_))));
        assert_eq!(s.environment(Some("x")).unwrap(), "x");
    }
}
