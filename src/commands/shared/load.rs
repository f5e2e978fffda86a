//! Loading what most commands need — the catalog and an environment — and reporting
//! what was found where (with -v) and what is wrong.

use crate::core::catalog::Catalog;
use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::core::engine_kind::EngineChoice;
use crate::core::environment::{self, Environment};
use crate::core::line_index::LineIndex;
use crate::core::locate::{self, Step};
use crate::core::resolved_env::SetValue;
use crate::failure::Failure;
use crate::settings::Settings;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The catalog of every apps folder. Folder errors are fatal; a broken definition only
/// matters to the commands that need that app.
pub fn catalog(settings: &Settings) -> Result<Catalog, Failure> {
    let printer = &settings.printer;
    printer.diagnostics(&settings.warnings.0);
    if let Some(config) = &settings.user_config {
        printer.detail(&format!("user config: {}", config.display()));
    }
    if settings.apps_folders.is_empty() {
        return Err(Failure::Invalid(Diagnostics(vec![Diagnostic::error(
            "no apps folder: none of ./launch and ./environments/apps exists here",
        )
        .with_hint("point ark at your definitions with --apps DIR, ARK_APPS, or `apps:` in your ark config")])));
    }
    let folders: Vec<String> = settings
        .apps_folders
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    printer.detail(&format!(
        "apps folders (from {}): {}",
        settings.apps_origin,
        folders.join(", ")
    ));
    let catalog = Catalog::load(&settings.apps_folders);
    let folder_errors: Vec<Diagnostic> = catalog
        .diagnostics
        .errors()
        .filter(|d| {
            d.file
                .as_ref()
                .is_some_and(|f| settings.apps_folders.contains(f))
        })
        .cloned()
        .collect();
    if !folder_errors.is_empty() {
        return Err(Failure::Invalid(Diagnostics(folder_errors)));
    }
    printer.detail(&format!("found {} apps", catalog.len()));
    for (path, kind) in &catalog.resources {
        printer.detail(&format!(
            "skipped resource file {} (type: {kind})",
            path.display()
        ));
    }
    Ok(catalog)
}

/// An environment, with its warnings printed. A broken environment is fatal.
pub fn environment(settings: &Settings, name: &str) -> Result<Environment, Failure> {
    let environment =
        Environment::load(&settings.environments_folder, name).map_err(Failure::Invalid)?;
    settings.printer.diagnostics(&environment.warnings.0);
    let files: Vec<String> = environment
        .chain
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    if environment.has_file {
        settings
            .printer
            .detail(&format!("environment `{name}`: {}", files.join(" <- ")));
    } else {
        settings.printer.detail(&format!(
            "environment `{name}` has no file in {} (on demand){}",
            settings.environments_folder.display(),
            if files.is_empty() {
                String::new()
            } else {
                format!(", based on {}", files.join(" <- "))
            }
        ));
    }
    Ok(environment)
}

/// An environment bound to a target: its `target:` as written, and the file that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub environment: String,
    pub target: String,
    pub file: PathBuf,
}

impl Bound {
    pub fn of(environment: &Environment) -> Option<Bound> {
        environment.target().map(|(target, file)| Bound {
            environment: environment.name.clone(),
            target: target.to_owned(),
            file: file.to_path_buf(),
        })
    }
}

/// Where environment `name` is bound, for a command about to reach its engine. An
/// environment with no file of its own has no target and needs no file read (commands that
/// work from labels alone keep doing so); a file that cannot be read is fatal, since where
/// the environment runs is then unknown.
pub fn target(settings: &Settings, name: &str) -> Result<Option<Bound>, Failure> {
    Ok(with_file(settings, name)?.as_ref().and_then(Bound::of))
}

/// How environment `name` runs (its files' `engine:`, `registry:`, `nodes:`), `--engine`
/// beating its kind; without an environment, or for one with no file, the default (Docker)
/// unless `--engine` says otherwise. As for `target`, an environment with no file needs no
/// file read, and one that does not load (or names a node at no engine address) is fatal.
pub fn engine_choice(
    settings: &Settings,
    environment: Option<&str>,
) -> Result<EngineChoice, Failure> {
    let loaded = match environment {
        Some(name) => with_file(settings, name)?,
        None => None,
    };
    let mut choice = match &loaded {
        Some(loaded) => {
            let problems = node_problems(loaded);
            if !problems.is_empty() {
                return Err(Failure::Invalid(Diagnostics(problems)));
            }
            loaded.engine_choice()
        }
        None => EngineChoice::default(),
    };
    if let Some(kind) = settings.engine_kind {
        choice.kind = kind;
        choice.said_in = None;
    }
    Ok(choice)
}

/// Environment `name` loaded, when it has a file of its own; `None` (nothing read) when not.
fn with_file(settings: &Settings, name: &str) -> Result<Option<Environment>, Failure> {
    if !environment::list(&settings.environments_folder)
        .iter()
        .any(|n| n == name)
    {
        return Ok(None);
    }
    Environment::load(&settings.environments_folder, name)
        .map(Some)
        .map_err(Failure::Invalid)
}

/// A `nodes:` URL that is no engine address ark speaks, in a file whose `nodes:` count
/// (`Environment::placing_files`): an error at its value. Checked here, not as the file is
/// read, since the core does not know which addresses the engines take
/// (`runtime::connect::is_known_address`).
pub fn node_problems(environment: &Environment) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for file in environment.placing_files() {
        for (node, url) in &file.nodes {
            if crate::runtime::connect::is_known_address(url) {
                continue;
            }
            let at = locate::locate_in_file(
                &file.path,
                &[
                    &[Step::Key("nodes"), Step::Key(node)],
                    &[Step::Key("nodes")],
                ],
            );
            found.push(
                Diagnostic::error(format!(
                    "nodes.{node}: `{}` is no kind of engine address ark knows",
                    url.escape_debug()
                ))
                .in_file(&file.path)
                .at_position(at)
                .with_hint(format!(
                    "write the URL this machine reaches node `{node}`'s engine at: tcp://HOST:2375, ssh://USER@HOST or unix:///PATH"
                )),
            );
        }
    }
    found
}

/// Every environment on disk that is bound to a target, for commands that look at all of
/// them. A file that does not load binds nothing here (`ark validate` reports it).
pub fn targets(settings: &Settings) -> Vec<Bound> {
    let folder = &settings.environments_folder;
    environment::list(folder)
        .iter()
        .filter_map(|name| Environment::load(folder, name).ok())
        .filter_map(|env| Bound::of(&env))
        .collect()
}

/// Warnings for apps an environment names that the catalog does not know.
pub fn unknown_apps_in(environment: &Environment, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut lines: BTreeMap<&Path, LineIndex> = BTreeMap::new();
    environment
        .named_apps()
        .into_iter()
        .filter(|(app, _)| {
            catalog.get(app).is_none()
                && catalog.broken(app).is_none()
                && environment.external(app).is_none()
        })
        .map(|(app, file)| {
            let line = lines
                .entry(file)
                .or_insert_with(|| LineIndex::of_file(file))
                .key(app);
            Diagnostic::warning(format!("apps.{app}: no app `{app}` in the catalog"))
                .in_file(file)
                .at(line, None)
                .with_optional_hint(catalog.suggest(app))
        })
        .collect()
}

/// The user's shell variables, for `${NAME}` in values.
pub fn shell_variable(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// What a start of `apps` in environment `name` wants: the start set, each container's
/// spec, and every problem that would stop it (the caller decides whether to stop).
pub struct Desired {
    pub environment: Environment,
    pub start_set: crate::core::start_set::StartSet,
    pub specs: Vec<crate::core::spec::AppSpec>,
    pub problems: Vec<Diagnostic>,
    /// Every secret value fetched, for masking text ark did not write.
    pub mask: crate::core::secret::Mask,
}

/// Resolves definitions, environment and `--set` values into the desired state.
pub fn desired(
    settings: &Settings,
    name: &str,
    apps: &[String],
    with_dependencies: bool,
    set_values: &[String],
) -> Result<Desired, Failure> {
    let sets = parse_sets(set_values)?;
    let catalog = catalog(settings)?;
    let environment = environment(settings, name)?;
    settings
        .printer
        .diagnostics(&unknown_apps_in(&environment, &catalog));
    let start_set =
        crate::core::start_set::resolve(&catalog, Some(&environment), apps, with_dependencies)
            .map_err(Failure::Invalid)?;
    let mut problems = start_set.blocking_problems(&catalog, Some(&environment)).0;
    let shell = shell_variable;
    let layers = crate::core::resolved_env::Layers {
        catalog: &catalog,
        environment: &environment,
        sets: &sets,
        shell: &shell,
    };
    let (mut specs, spec_problems) = crate::core::spec::build_specs(&start_set, &layers);
    problems.extend(spec_problems);
    // Secrets are fetched only for a start that could go ahead: a provider may be slow or
    // ask the user to sign in, which is not worth it for a start the problems stop.
    let mut mask = crate::core::secret::Mask::default();
    if !problems.iter().any(Diagnostic::is_error) {
        match super::secrets::fetch_into_specs(&mut specs) {
            Ok(fetched) => {
                settings.printer.diagnostics(&fetched.warnings);
                mask = fetched.mask;
            }
            Err(refused) => problems.extend(refused),
        }
    }
    Ok(Desired {
        environment,
        start_set,
        specs,
        problems,
        mask,
    })
}

/// The `--set APP.VAR=VALUE` values, parsed; a malformed one is a usage error.
pub fn parse_sets(values: &[String]) -> Result<Vec<SetValue>, Failure> {
    values
        .iter()
        .map(|v| SetValue::parse(v).map_err(|e| Failure::Usage(format!("--set {e}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine_kind::EngineKind;

    fn settings_in(dir: &Path, args: &[&str]) -> Settings {
        let line = ["ark"].iter().chain(args).chain(&["envs"]);
        let cli = <crate::cli::Cli as clap::Parser>::parse_from(line);
        let mut settings = Settings::fallback(&cli.global);
        settings.environments_folder = dir.to_path_buf();
        settings
    }

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn the_flag_beats_the_environments_kind() {
        let dir = folder(&[
            ("default.yml", "engine: swarm\n"),
            ("cluster.yml", "engine: swarm\nregistry: 127.0.0.1:5000\n"),
        ]);
        let plain = settings_in(dir.path(), &[]);
        let choice = engine_choice(&plain, Some("cluster")).unwrap();
        assert_eq!(choice.kind, EngineKind::Swarm);
        assert_eq!(choice.said_in, Some(dir.path().join("cluster.yml")));
        let flagged = settings_in(dir.path(), &["--engine", "docker"]);
        let choice = engine_choice(&flagged, Some("cluster")).unwrap();
        assert_eq!(choice.kind, EngineKind::Docker);
        assert_eq!(choice.said_in, None);
        assert_eq!(
            choice.registry.as_deref(),
            Some("127.0.0.1:5000"),
            "the rest stays"
        );
        // No file of its own: nothing read, the default (default.yml does not count).
        assert_eq!(
            engine_choice(&plain, Some("ad-hoc")).unwrap(),
            EngineChoice::default()
        );
        assert_eq!(
            engine_choice(&plain, None).unwrap(),
            EngineChoice::default()
        );
        let swarm = settings_in(dir.path(), &["--engine", "swarm"]);
        assert_eq!(engine_choice(&swarm, None).unwrap().kind, EngineKind::Swarm);
    }

    #[test]
    fn an_environment_that_does_not_load_is_invalid() {
        let dir = folder(&[
            ("typo.yml", "engine: swam\n"),
            (
                "nodes.yml",
                "engine: swarm\nnodes:\n  n1: tcp://10.0.0.1:2375\n  n2: 10.0.0.2:2375\n",
            ),
        ]);
        let settings = settings_in(dir.path(), &["--engine", "docker"]);
        let Err(Failure::Invalid(problems)) = engine_choice(&settings, Some("typo")) else {
            panic!("a bad `engine:` is the environment's error, whatever --engine says");
        };
        assert_eq!(problems.0[0].hint.as_deref(), Some("did you mean `swarm`?"));
        let Err(Failure::Invalid(problems)) = engine_choice(&settings, Some("nodes")) else {
            panic!("a node at no engine address is the environment's error");
        };
        let problem = &problems.0[0];
        assert_eq!(
            problem.message,
            "nodes.n2: `10.0.0.2:2375` is no kind of engine address ark knows"
        );
        assert_eq!((problem.line, problem.column), (Some(4), Some(7)));
        assert_eq!(problem.file, Some(dir.path().join("nodes.yml")));
        assert!(
            problem.hint.as_deref().unwrap().contains("tcp://HOST:2375"),
            "{problem:?}"
        );
    }
}
