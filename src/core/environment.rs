//! Environments: `<environments dir>/<name>.yml` files that give apps their config, without
//! touching the apps' definitions.
//!
//! An environment is a chain of files, lowest first: `default.yml` (when present), then the
//! `extends` chain from the farthest ancestor down, then the environment's own file. An
//! environment with no file is valid ("on demand") and is `default.yml` alone.

use super::command_line::CommandLine;
use super::diagnostic::{Diagnostic, Diagnostics};
use super::engine_kind::EngineChoice;
use super::environment_check;
use super::locate::{self, Step};
use super::scalar::Scalar;
use super::spec::{PortSpec, Rollout, DEFAULT_BIND};
use super::suggest;
use super::unique_map;
use super::yaml::{self, KnownKeys};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The base every environment builds on, when the file exists.
pub const DEFAULT_ENVIRONMENT: &str = "default";

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    /// Lowest precedence first; the environment's own file (if any) is last.
    pub chain: Vec<EnvironmentFile>,
    /// Whether `<name>.yml` exists (false: an on-demand environment).
    pub has_file: bool,
    /// Problems that do not stop the environment from loading (unknown keys, …).
    pub warnings: Diagnostics,
}

/// One environment file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EnvironmentFile {
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub path: PathBuf,
    pub extends: Option<String>,
    /// Where the environment runs (an engine endpoint or docker context name).
    pub target: Option<String>,
    /// The kind of engine it runs on (`docker`, `swarm`), as written: checked when the file
    /// is read (`environment_check`).
    pub engine: Option<String>,
    /// HOST:PORT of the registry a multi-node swarm pulls local builds from, as written
    /// (checked as `engine:` is).
    pub registry: Option<String>,
    /// Swarm node name → an engine URL this machine can reach that node's engine at.
    #[serde(default, deserialize_with = "unique_map::deserialize")]
    pub nodes: BTreeMap<String, String>,
    /// Host address published ports bind to; 127.0.0.1 when nobody says otherwise.
    pub bind: Option<String>,
    /// Publish every app's ports (a Swarm publishes an unpinned port only when asked).
    pub publish: Option<bool>,
    /// How many retired revisions of each app are kept for a rollback, as written: a whole
    /// number, 0 or more (checked as `engine:` is).
    pub history: Option<serde_yaml::Value>,
    #[serde(default, deserialize_with = "unique_map::deserialize_env")]
    pub env: BTreeMap<String, Scalar>,
    /// Variables whose value comes from a provider, as written (`core::secret::parse`,
    /// checked as `engine:` is).
    #[serde(default, deserialize_with = "unique_map::deserialize")]
    pub secrets: BTreeMap<String, serde_yaml::Value>,
    #[serde(default, deserialize_with = "unique_map::deserialize")]
    pub apps: BTreeMap<String, AppOverride>,
}

/// What an environment says about one app.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppOverride {
    #[serde(default, deserialize_with = "unique_map::deserialize_env")]
    pub env: BTreeMap<String, Scalar>,
    pub image: Option<String>,
    pub command: Option<CommandLine>,
    /// Host ports pinned per expose name; unpinned ports get a free one from the engine.
    #[serde(default, deserialize_with = "unique_map::deserialize")]
    pub ports: BTreeMap<String, u16>,
    /// The app runs outside the environment; ark points its dependents there.
    pub external: Option<External>,
    pub init: Option<bool>,
    pub bind: Option<String>,
    /// How many instances run (a Swarm's tasks), as written: a whole number of at least 1,
    /// checked when the file is read (`environment_check`).
    pub replicas: Option<serde_yaml::Value>,
    /// Publish this app's ports; beats the environment's `publish:`.
    pub publish: Option<bool>,
    /// How a changed app is replaced (`rollover`, `stop-first`), as written (checked as
    /// `engine:` is).
    pub rollout: Option<String>,
    /// This app's secrets, as the environment's `secrets:` are written.
    #[serde(default, deserialize_with = "unique_map::deserialize")]
    pub secrets: BTreeMap<String, serde_yaml::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct External {
    pub host: String,
    pub port: u16,
    #[serde(default = "default_proto")]
    pub proto: String,
}

/// The `rollout:` that replaces an app stop-first; the other is `rollover`.
pub const STOP_FIRST: &str = "stop-first";
pub const ROLLOUT_CHOICES: [&str; 2] = ["rollover", STOP_FIRST];

fn default_proto() -> String {
    "tcp".into()
}

fn known_keys(parents: &[String]) -> Option<KnownKeys> {
    match parents.len() {
        0 => Some(KnownKeys {
            read: &[
                "extends", "target", "engine", "registry", "nodes", "bind", "publish", "history",
                "env", "secrets", "apps",
            ],
            ignored: &["description"],
        }),
        2 if parents[0] == "apps" => Some(KnownKeys {
            read: &[
                "env", "image", "command", "ports", "external", "init", "bind", "replicas",
                "publish", "rollout", "secrets",
            ],
            ignored: &[],
        }),
        3 if parents[0] == "apps" && parents[2] == "external" => Some(KnownKeys {
            read: &["host", "port", "proto"],
            ignored: &[],
        }),
        _ => None,
    }
}

/// Environment names become parts of network and container names: keep them plain.
pub fn check_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 48
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid environment name: use lower-case letters, digits and `-` (at most 48), e.g. `eng1-env`"
        ))
    }
}

impl Environment {
    /// Loads `name` from `dir`, following `extends` and putting `default.yml` underneath.
    pub fn load(dir: &Path, name: &str) -> Result<Environment, Diagnostics> {
        let mut problems = Diagnostics::default();
        if let Err(message) = check_name(name) {
            problems.push(Diagnostic::error(message));
            return Err(problems);
        }
        let mut chain: Vec<EnvironmentFile> = Vec::new();
        let mut visited: Vec<String> = Vec::new();
        let mut next = Some(name.to_owned());
        let mut has_file = false;
        while let Some(current) = next.take() {
            if visited.contains(&current) {
                visited.push(current);
                problems.push(
                    Diagnostic::error(format!(
                        "environments extend each other in a cycle: {}",
                        visited.join(" -> ")
                    ))
                    .in_file(&chain[chain.len() - 1].path)
                    .at_position(extends_in(&chain[chain.len() - 1].path))
                    .with_hint("remove one `extends:` to break the cycle"),
                );
                return Err(problems);
            }
            visited.push(current.clone());
            match read_file(dir, &current)? {
                Some((file, warnings)) => {
                    problems.extend(warnings);
                    if current == name {
                        has_file = true;
                    }
                    next = file.extends.clone();
                    if let Some(parent) = &next {
                        if let Err(message) = check_name(parent) {
                            problems.push(
                                Diagnostic::error(format!("extends: {message}"))
                                    .in_file(&file.path)
                                    .at_position(extends_in(&file.path)),
                            );
                            return Err(problems);
                        }
                    }
                    chain.push(file);
                }
                None if current == name => {} // on demand: no file of its own
                None => {
                    let child = &chain[chain.len() - 1];
                    problems.push(
                        Diagnostic::error(format!(
                            "extends `{current}`, but {} does not exist",
                            file_path(dir, &current).display()
                        ))
                        .in_file(&child.path)
                        .at_position(extends_in(&child.path))
                        .with_optional_hint(suggest::did_you_mean(
                            &current,
                            list(dir).iter().map(String::as_str),
                        )),
                    );
                    return Err(problems);
                }
            }
        }
        if !visited.iter().any(|n| n == DEFAULT_ENVIRONMENT) {
            if let Some((file, warnings)) = read_file(dir, DEFAULT_ENVIRONMENT)? {
                problems.extend(warnings);
                chain.push(file);
            }
        }
        chain.reverse();
        Ok(Environment {
            name: name.to_owned(),
            chain,
            has_file,
            warnings: problems,
        })
    }

    /// What the environment says about `app`, from lowest to highest precedence.
    pub fn overrides_for<'a>(
        &'a self,
        app: &'a str,
    ) -> impl Iterator<Item = (&'a EnvironmentFile, &'a AppOverride)> + 'a {
        self.chain
            .iter()
            .filter_map(move |file| file.apps.get(app).map(|o| (file, o)))
    }

    /// The highest-precedence value of one per-app setting.
    pub fn app_setting<'a, T>(
        &'a self,
        app: &'a str,
        pick: impl Fn(&'a AppOverride) -> Option<T>,
    ) -> Option<T> {
        self.chain
            .iter()
            .rev()
            .filter_map(|file| file.apps.get(app))
            .find_map(pick)
    }

    /// The highest-precedence environment-wide setting.
    pub fn setting<'a, T>(&'a self, pick: impl Fn(&'a EnvironmentFile) -> Option<T>) -> Option<T> {
        self.chain.iter().rev().find_map(pick)
    }

    /// Where the environment runs — its `target:` and the file that says so — from its own
    /// file or one it extends (`placing_files`). An environment with no file of its own (started ad hoc) has
    /// no target; so `default.yml`, the base of those too, gives a target only to `default`.
    pub fn target(&self) -> Option<(&str, &Path)> {
        self.placing_files().rev().find_map(|f| {
            f.target
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(|t| (t, f.path.as_path()))
        })
    }

    /// The files whose say on where and how the environment runs counts (`target()`,
    /// `engine_choice()`), lowest first: none for an environment with no file of its own, and
    /// `default.yml` only for `default` itself.
    pub fn placing_files(&self) -> impl DoubleEndedIterator<Item = &EnvironmentFile> {
        self.chain.iter().filter(|f| {
            self.has_file && (f.name != DEFAULT_ENVIRONMENT || self.name == DEFAULT_ENVIRONMENT)
        })
    }

    /// How the environment runs: its engine kind (the file that says so), registry and nodes
    /// (merged by name, the higher file winning), from the files `target()` counts
    /// (`placing_files`). They say
    /// the same thing `target:` says — where and how the environment runs — so they come from
    /// the same files: an environment started on demand gets none of them from `default.yml`,
    /// or it would run as a swarm on whatever engine the settings point at, while every
    /// command that finds it by its labels alone (with no file to read) would take it for a
    /// plain Docker one.
    pub fn engine_choice(&self) -> EngineChoice {
        let mut choice = EngineChoice::default();
        for file in self.placing_files() {
            // Checked when the file was read: a kind that does not parse never gets here.
            if let Some(kind) = file.engine.as_deref().and_then(|k| k.parse().ok()) {
                choice.kind = kind;
                choice.said_in = Some(file.path.clone());
            }
            if let Some(registry) = &file.registry {
                choice.registry = Some(registry.clone());
            }
            for (node, url) in &file.nodes {
                choice.nodes.insert(node.clone(), url.clone());
            }
        }
        choice
    }

    /// How many instances of `app` run: its `replicas:`, else 1.
    pub fn replicas(&self, app: &str) -> u32 {
        self.app_setting(app, |o| {
            o.replicas.as_ref().and_then(environment_check::replicas)
        })
        .unwrap_or(1)
    }

    /// Whether `app`'s ports are published when nothing pins them: its `publish:`, else the
    /// environment's, else not.
    pub fn publish(&self, app: &str) -> bool {
        self.app_setting(app, |o| o.publish)
            .or_else(|| self.setting(|f| f.publish))
            .unwrap_or(false)
    }

    /// The ports of `app` here for its exposes (name, container port): bound where the
    /// environment says (127.0.0.1 by default), on the host port it pins, if any.
    pub fn ports_of(&self, app: &str, exposes: &[(String, u16)]) -> Vec<PortSpec> {
        let bind = self
            .app_setting(app, |o| o.bind.clone())
            .or_else(|| self.setting(|f| f.bind.clone()))
            .unwrap_or_else(|| DEFAULT_BIND.into());
        exposes
            .iter()
            .map(|(expose, container_port)| PortSpec {
                expose: expose.clone(),
                container_port: *container_port,
                host_port: self.app_setting(app, |o| o.ports.get(expose).copied()),
                bind: bind.clone(),
            })
            .collect()
    }

    /// How many retired revisions of each app are kept: `history:`, else 3.
    pub fn history(&self) -> u32 {
        self.setting(|f| f.history.as_ref().and_then(environment_check::history))
            .unwrap_or(crate::core::revision::DEFAULT_HISTORY)
    }

    /// How a changed `app` is replaced: its `rollout:`, else a rollover.
    pub fn rollout(&self, app: &str) -> Rollout {
        self.chain
            .iter()
            .rev()
            .find_map(|file| {
                let written = file.apps.get(app)?.rollout.as_deref()?;
                Some(match written {
                    STOP_FIRST => Rollout::StopFirst(format!(
                        "rollout: stop-first in {}",
                        file.path.display()
                    )),
                    _ => Rollout::Rollover,
                })
            })
            .unwrap_or_default()
    }

    pub fn external<'a>(&'a self, app: &'a str) -> Option<&'a External> {
        self.app_setting(app, |o| o.external.as_ref())
    }

    /// Every app named under `apps:` anywhere in the chain, with the file that names it.
    pub fn named_apps(&self) -> Vec<(&str, &Path)> {
        let mut named = Vec::new();
        for file in &self.chain {
            for app in file.apps.keys() {
                named.push((app.as_str(), file.path.as_path()));
            }
        }
        named
    }
}

/// Where a file's `extends:` value is, for errors about what it names.
fn extends_in(path: &Path) -> Option<locate::Position> {
    locate::locate_in_file(path, &[&[Step::Key("extends")]])
}

fn file_path(dir: &Path, name: &str) -> PathBuf {
    let yml = dir.join(format!("{name}.yml"));
    let yaml = dir.join(format!("{name}.yaml"));
    if !yml.exists() && yaml.exists() {
        yaml
    } else {
        yml
    }
}

/// `Ok(None)` when the file does not exist.
fn read_file(
    dir: &Path,
    name: &str,
) -> Result<Option<(EnvironmentFile, Vec<Diagnostic>)>, Diagnostics> {
    let path = file_path(dir, name);
    let text = match super::input_file::read(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(one(
                Diagnostic::error(format!("cannot read the file: {e}")).in_file(&path)
            ))
        }
        Ok(bytes) => String::from_utf8(bytes).map_err(|e| one(Diagnostic::not_utf8(&path, &e)))?,
    };
    let parsed = yaml::parse::<Option<EnvironmentFile>>(&path, &text, known_keys).map_err(|e| {
        one(e.with_hint("see the environment format in the README: extends, target, engine, registry, nodes, bind, publish, history, env, apps.<app>.{env,image,command,ports,external,init,bind,replicas,publish,rollout}"))
    })?;
    let (file, warnings) = parsed;
    let mut file = file.unwrap_or_default();
    file.name = name.to_owned();
    file.path = path;
    let problems = environment_check::problems(&file, &text);
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    Ok(Some((file, warnings)))
}

fn one(diagnostic: Diagnostic) -> Diagnostics {
    Diagnostics(vec![diagnostic])
}

/// The names of the environments defined in `dir`, sorted.
pub fn list(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml"))
        })
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine_kind::EngineKind;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn chain_names(env: &Environment) -> Vec<&str> {
        env.chain.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn the_chain_is_default_then_farthest_ancestor_first() {
        let dir = dir_with(&[
            ("default.yml", "env: {A: '0'}\n"),
            ("base.yml", "env: {A: '1'}\n"),
            ("team.yml", "extends: base\n"),
            ("mine.yml", "extends: team\n"),
        ]);
        let env = Environment::load(dir.path(), "mine").unwrap();
        assert_eq!(chain_names(&env), ["default", "base", "team", "mine"]);
        assert!(env.has_file);
    }

    #[test]
    fn an_environment_without_a_file_is_default_alone() {
        let dir = dir_with(&[("default.yml", "env: {A: '0'}\n")]);
        let env = Environment::load(dir.path(), "eng1-env").unwrap();
        assert_eq!(chain_names(&env), ["default"]);
        assert!(!env.has_file);
        let empty = tempfile::tempdir().unwrap();
        assert!(Environment::load(empty.path(), "eng1-env")
            .unwrap()
            .chain
            .is_empty());
    }

    #[test]
    fn extending_default_explicitly_does_not_repeat_it() {
        let dir = dir_with(&[("default.yml", ""), ("mine.yml", "extends: default\n")]);
        assert_eq!(
            chain_names(&Environment::load(dir.path(), "mine").unwrap()),
            ["default", "mine"]
        );
    }

    #[test]
    fn a_cycle_names_the_environments_in_order() {
        let dir = dir_with(&[
            ("a.yml", "extends: b\n"),
            ("b.yml", "extends: c\n"),
            ("c.yml", "extends: a\n"),
        ]);
        let error = Environment::load(dir.path(), "a").unwrap_err();
        assert_eq!(
            error.0[0].message,
            "environments extend each other in a cycle: a -> b -> c -> a"
        );
    }

    #[test]
    fn errors_about_extends_point_at_its_value() {
        let dir = dir_with(&[
            ("a.yml", "env: {}\nextends: b\n"),
            ("b.yml", "extends:  a\n"),
            ("c.yml", "# c\nextends: Not_A_Name\n"),
        ]);
        let at = |name: &str| {
            let error = &Environment::load(dir.path(), name).unwrap_err().0[0];
            (error.message.clone(), error.line, error.column)
        };
        let (message, line, column) = at("a");
        assert!(message.contains("in a cycle: a -> b -> a"), "{message}");
        assert_eq!(
            (line, column),
            (Some(1), Some(11)),
            "b.yml closes the cycle"
        );
        let (message, line, column) = at("c");
        assert!(message.starts_with("extends: "), "{message}");
        assert_eq!((line, column), (Some(2), Some(10)));
    }

    #[test]
    fn a_file_that_is_not_utf8_says_where() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.yml"), b"env:\n  A: caf\xe9\n").unwrap();
        let error = &Environment::load(dir.path(), "mine").unwrap_err().0[0];
        assert_eq!(error.message, "the file is not UTF-8 text");
        assert_eq!((error.line, error.column), (Some(2), Some(9)));
    }

    #[test]
    fn extending_a_missing_environment_suggests_the_closest() {
        let dir = dir_with(&[("staging.yml", ""), ("mine.yml", "\nextends: stagin\n")]);
        let error = &Environment::load(dir.path(), "mine").unwrap_err().0[0];
        assert!(
            error.message.starts_with("extends `stagin`, but "),
            "{}",
            error.message
        );
        assert_eq!(error.line, Some(2));
        assert_eq!(error.hint.as_deref(), Some("did you mean `staging`?"));
    }

    #[test]
    fn bad_names_and_bad_files_are_errors() {
        let dir = dir_with(&[("bad.yml", "apps:\n  api:\n    ports: {http: lots}\n")]);
        assert!(Environment::load(dir.path(), "Bad_Name").is_err());
        let error = &Environment::load(dir.path(), "bad").unwrap_err().0[0];
        assert_eq!(error.line, Some(3));
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let dir = dir_with(&[("mine.yml", "extend: base\napps:\n  api:\n    imag: x\n")]);
        let env = Environment::load(dir.path(), "mine").unwrap();
        let found: Vec<(String, Option<usize>, Option<String>)> = env
            .warnings
            .0
            .iter()
            .map(|d| (d.message.clone(), d.line, d.hint.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "unknown key `extend` (ignored)".into(),
                    Some(1),
                    Some("did you mean `extends`?".into())
                ),
                (
                    "unknown key `apps.api.imag` (ignored)".into(),
                    Some(4),
                    Some("did you mean `image`?".into())
                ),
            ]
        );
    }

    #[test]
    fn the_highest_file_wins_for_app_settings() {
        let dir = dir_with(&[
            ("default.yml", "apps:\n  db:\n    image: postgres:14\n"),
            ("mine.yml", "apps:\n  db:\n    image: postgres:16\n"),
        ]);
        let env = Environment::load(dir.path(), "mine").unwrap();
        assert_eq!(
            env.app_setting("db", |o| o.image.as_deref()),
            Some("postgres:16")
        );
    }

    #[test]
    fn the_target_comes_from_the_file_or_what_it_extends_never_from_default_alone() {
        let dir = dir_with(&[
            ("default.yml", "target: everyone-box\n"),
            ("shared.yml", "target: tcp://10.0.0.9:2375\n"),
            ("mine.yml", "extends: shared\n"),
            ("local.yml", "extends: shared\ntarget: default\n"),
            ("plain.yml", "env: {A: '1'}\n"),
        ]);
        let target = |name: &str| {
            Environment::load(dir.path(), name)
                .unwrap()
                .target()
                .map(|(t, file)| (t.to_owned(), file.file_name().unwrap().to_owned()))
        };
        assert_eq!(
            target("shared"),
            Some(("tcp://10.0.0.9:2375".into(), "shared.yml".into()))
        );
        assert_eq!(
            target("mine"),
            Some(("tcp://10.0.0.9:2375".into(), "shared.yml".into()))
        );
        assert_eq!(
            target("local"),
            Some(("default".into(), "local.yml".into()))
        );
        assert_eq!(target("plain"), None);
        assert_eq!(target("ad-hoc"), None, "no file: no target");
        assert_eq!(
            target("default"),
            Some(("everyone-box".into(), "default.yml".into()))
        );
    }

    #[test]
    fn the_engine_settings_are_inherited_like_the_target() {
        let dir = dir_with(&[
            ("default.yml", "engine: swarm\nregistry: 10.0.0.1:5000\n"),
            (
                "cluster.yml",
                "engine: swarm\nregistry: 127.0.0.1:5000\nnodes:\n  n1: tcp://10.0.0.1:2375\n  n2: tcp://10.0.0.2:2375\n",
            ),
            (
                "mine.yml",
                "extends: cluster\nnodes:\n  n2: ssh://me@10.0.0.2\n  n3: tcp://10.0.0.3:2375\n",
            ),
            ("plain.yml", "extends: cluster\nengine: docker\n"),
            ("alone.yml", "env: {A: '1'}\n"),
        ]);
        let choice = |name: &str| Environment::load(dir.path(), name).unwrap().engine_choice();
        let mine = choice("mine");
        assert_eq!(mine.kind, EngineKind::Swarm);
        assert_eq!(mine.said_in, Some(dir.path().join("cluster.yml")));
        assert_eq!(mine.registry.as_deref(), Some("127.0.0.1:5000"));
        assert_eq!(
            mine.nodes
                .iter()
                .map(|(n, u)| (n.as_str(), u.as_str()))
                .collect::<Vec<_>>(),
            [
                ("n1", "tcp://10.0.0.1:2375"),
                ("n2", "ssh://me@10.0.0.2"),
                ("n3", "tcp://10.0.0.3:2375")
            ]
        );
        let plain = choice("plain");
        assert_eq!(plain.kind, EngineKind::Docker);
        assert_eq!(plain.said_in, Some(dir.path().join("plain.yml")));
        // default.yml counts only for `default` itself, as for `target:`.
        assert_eq!(choice("alone"), EngineChoice::default());
        assert_eq!(choice("on-demand"), EngineChoice::default());
        let default = choice("default");
        assert_eq!(default.kind, EngineKind::Swarm);
        assert_eq!(default.registry.as_deref(), Some("10.0.0.1:5000"));
    }

    #[test]
    fn replicas_and_publish_take_the_highest_file() {
        let dir = dir_with(&[
            (
                "default.yml",
                "publish: true\napps:\n  api: {replicas: 2}\n",
            ),
            ("base.yml", "apps:\n  api: {replicas: 4, publish: false}\n"),
            ("mine.yml", "extends: base\napps:\n  api: {replicas: 3}\n"),
        ]);
        let env = Environment::load(dir.path(), "mine").unwrap();
        assert_eq!(env.replicas("api"), 3);
        assert_eq!(env.replicas("web"), 1);
        assert!(!env.publish("api"));
        assert!(env.publish("web"), "the environment's `publish:`");
        let base = Environment::load(dir.path(), "base").unwrap();
        assert_eq!(base.replicas("api"), 4);
        assert!(env.warnings.0.is_empty());
    }

    #[test]
    fn a_bad_engine_setting_stops_the_load_at_its_value() {
        let dir = dir_with(&[
            (
                "base.yml",
                "engine: swarm\napps:\n  api:\n    replicas: 0\n",
            ),
            ("mine.yml", "extends: base\n"),
            (
                "dup.yml",
                "nodes:\n  n1: tcp://a:2375\n  n1: tcp://b:2375\n",
            ),
            ("typed.yml", "publish: sometimes\n"),
        ]);
        let first = |name: &str| {
            let error = Environment::load(dir.path(), name).unwrap_err().0.remove(0);
            let file = error.file.map(|f| f.file_name().unwrap().to_owned());
            (error.message, file, error.line, error.column)
        };
        assert_eq!(
            first("mine"),
            (
                "apps.api.replicas: `0` is not a number of replicas".into(),
                Some("base.yml".into()),
                Some(4),
                Some(15)
            )
        );
        let (message, _, line, _) = first("dup");
        assert!(message.contains("`n1` is there twice"), "{message}");
        assert_eq!(line, Some(3));
        let (message, _, line, _) = first("typed");
        assert!(message.starts_with("publish: invalid type"), "{message}");
        assert_eq!(line, Some(1));
    }

    #[test]
    fn a_misspelt_engine_key_is_caught() {
        let dir = dir_with(&[("mine.yml", "engin: swarm\napps:\n  api:\n    replica: 2\n")]);
        let env = Environment::load(dir.path(), "mine").unwrap();
        let hints: Vec<Option<&str>> = env.warnings.0.iter().map(|d| d.hint.as_deref()).collect();
        assert_eq!(
            hints,
            [
                Some("did you mean `engine`?"),
                Some("did you mean `replicas`?")
            ]
        );
    }
}
