//! Config layering: the value of every variable an app gets, and where it came from.
//!
//! Lowest to highest precedence:
//! 1. the app definition's defaults (`env: {NAME: default}`),
//! 2. what ark injects: `_APP_NAME`, `_DEPLOY_ENV` and discovery (`SERVICE_*`),
//! 3. each environment file, lowest first (`default.yml`, the `extends` chain from the
//!    farthest, the environment's own file); within a file, its `env:` then its
//!    `apps.<app>.env:`,
//! 4. `--set KEY=VALUE`, then `--set APP.KEY=VALUE`.
//!
//! Values for every app (`env:` and `--set KEY=…`) reach the variables an app has: those it
//! declares and those ark injects. Values for one app (`apps.<app>.env`, `--set APP.KEY=…`)
//! may add any variable.

use super::catalog::Catalog;
use super::definition::AppDefinition;
use super::diagnostic::Diagnostic;
use super::discovery::discovery_for;
use super::environment::Environment;
use super::interpolate::{interpolate, Unset};
use super::locate::{locate_in_file, Position};
use super::secret::{self, Delivery, Provider, SecretRef};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

/// Where a value came from: shown by `ark config`, so precedence surprises are visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The app definition's default.
    Definition { file: PathBuf, name: String },
    /// An environment file, at a key such as `env.LOG_LEVEL` or `apps.api.env.LOG_LEVEL`.
    Environment { file: PathBuf, key: String },
    /// `--set KEY=…` or `--set APP.KEY=…`.
    Set { key: String },
    /// Discovery of a dependency's exposed port.
    Discovery { dependency: String, expose: String },
    /// Set by ark itself (`_APP_NAME`, `_DEPLOY_ENV`).
    Ark,
    /// A provider an environment file names under `secrets:` (`provider` as
    /// `Provider::describe` says it: `command op`).
    Secret { file: PathBuf, provider: String },
    /// Where a file-delivered secret is (`DB_PASSWORD_FILE`).
    SecretFile { secret: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Definition { file, name } => {
                write!(f, "{} (env.{name} default)", file.display())
            }
            Source::Environment { file, key } => write!(f, "{} ({key})", file.display()),
            Source::Set { key } => write!(f, "--set {key}"),
            Source::Discovery { dependency, expose } => {
                write!(f, "discovery ({dependency}.{expose})")
            }
            Source::Ark => f.write_str("ark"),
            Source::Secret { file, provider } => {
                write!(f, "{} (secret: {provider})", file.display())
            }
            Source::SecretFile { secret } => write!(f, "ark (secret {secret} as a file)"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedVar {
    pub name: String,
    /// `None`: declared by the app, but nothing gives it a value.
    pub value: Option<String>,
    pub source: Option<Source>,
    /// The value read a shell variable with a secret-looking name (`${DB_PASSWORD}`), so it
    /// is a secret whatever this variable is called.
    pub from_secret: bool,
    /// Declared under `secrets:`: the value comes from a provider, fetched above the core
    /// and put in `value` (`None` until then).
    pub secret: Option<SecretRef>,
}

impl ResolvedVar {
    /// Values that look like secrets are never printed unless asked: by this variable's
    /// name, by the shell variable the value came from, or by a password inside it.
    pub fn is_secret(&self) -> bool {
        // Where a secret's file is (`TLS_KEY_FILE`) is no secret, whatever its name says.
        if matches!(self.source, Some(Source::SecretFile { .. })) {
            return false;
        }
        is_secret_name(&self.name)
            || self.from_secret
            || self.secret.is_some()
            || self.value.as_deref().is_some_and(holds_password)
    }
}

/// Parts that make a name secret-looking wherever they appear in it (`DB_PASSWORD`,
/// `dbPassword`, `HTPASSWD`, `PRIVATE_PEM`, `PAGERDUTY_API_KEY`).
const SECRET_PARTS: [&str; 7] = [
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "TOKEN",
    "KEY",
    "CREDENTIAL",
    "PRIVATE",
];

/// Words that make a name secret-looking when they are a whole word of it (`DB_PASS`,
/// `MYSQL_PWD`, `BASIC_AUTH`, `SENTRY_DSN`, `TLS_PEM`): inside other words they are common
/// (`PASSENGER`, `AUTHOR`, `COMPASS`).
const SECRET_WORDS: [&str; 8] = [
    "PASS", "PWD", "AUTH", "DSN", "PEM", "CREDS", "COOKIE", "SALT",
];

pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_PARTS.iter().any(|part| upper.contains(part))
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| SECRET_WORDS.contains(&word))
}

/// A URL with a password in it (`postgres://user:pw@db/app`), whatever it is called.
pub fn holds_password(value: &str) -> bool {
    value.match_indices("://").any(|(at, _)| {
        let rest = &value[at + 3..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(_, password)| !password.is_empty())
    })
}

/// The variable ark sets to the environment's name.
pub const DEPLOY_ENV: &str = "_DEPLOY_ENV";

/// An instance's `NAME=value` environment as it runs in `environment`: what ark sets to the
/// environment's name says this one (a revision promoted from another environment runs
/// its config, but in this one).
pub fn in_environment(assignments: Vec<String>, environment: &str) -> Vec<String> {
    let prefix = format!("{DEPLOY_ENV}=");
    assignments
        .into_iter()
        .map(|a| {
            if a.starts_with(&prefix) {
                format!("{prefix}{environment}")
            } else {
                a
            }
        })
        .collect()
}

/// `--set KEY=VALUE` (every app) or `--set APP.KEY=VALUE` (one app).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetValue {
    pub app: Option<String>,
    pub key: String,
    pub value: String,
}

impl SetValue {
    /// Errors quote the KEY part only: what follows `=` may be a secret.
    pub fn parse(text: &str) -> Result<SetValue, String> {
        let (target, value) = text.split_once('=').ok_or_else(|| {
            format!(
                "`{}` is not KEY=VALUE or APP.KEY=VALUE",
                text.escape_debug()
            )
        })?;
        let (app, key) = match target.rsplit_once('.') {
            Some((app, key)) => (Some(app.to_owned()), key),
            None => (None, target),
        };
        if key.is_empty() || app.as_deref() == Some("") {
            return Err(format!(
                "`{}=…` is not KEY=VALUE or APP.KEY=VALUE",
                target.escape_debug()
            ));
        }
        super::variable_name::check(key)?;
        Ok(SetValue {
            app,
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }

    fn label(&self) -> String {
        match &self.app {
            Some(app) => format!("{app}.{}", self.key),
            None => self.key.clone(),
        }
    }
}

/// Every variable one app gets, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedEnv {
    pub vars: Vec<ResolvedVar>,
}

impl ResolvedEnv {
    pub fn get(&self, name: &str) -> Option<&ResolvedVar> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// Variables nothing gives a value (a secret not fetched yet has a provider).
    pub fn missing(&self) -> impl Iterator<Item = &ResolvedVar> {
        self.vars
            .iter()
            .filter(|v| v.value.is_none() && v.secret.is_none())
    }

    /// The variables whose value a provider gives.
    pub fn secrets(&self) -> impl Iterator<Item = (&ResolvedVar, &SecretRef)> {
        self.vars
            .iter()
            .filter_map(|v| v.secret.as_ref().map(|secret| (v, secret)))
    }

    /// Puts fetched values in: `value_of` answers for each secret's provider.
    pub fn fill_secrets(&mut self, value_of: &dyn Fn(&Provider) -> Option<String>) {
        for var in &mut self.vars {
            if let Some(secret) = &var.secret {
                var.value = value_of(&secret.provider);
            }
        }
    }
}

/// Everything resolution needs besides the app: kept in one struct so callers cannot
/// mix up layers.
pub struct Layers<'a> {
    pub catalog: &'a Catalog,
    pub environment: &'a Environment,
    pub sets: &'a [SetValue],
    /// The user's shell variables, for `${NAME}`.
    pub shell: &'a dyn Fn(&str) -> Option<String>,
}

/// A variable being resolved: its value, where that came from, whether the value read a
/// secret-looking shell variable, and the provider that gives it, for a secret.
type Entry = (Option<String>, Option<Source>, bool, Option<SecretRef>);

/// Resolves `app`'s variables. Problems (an unset `${NAME}`) come back as diagnostics;
/// a variable with no value is not a problem here — callers decide (see `missing`).
pub fn resolve(app: &AppDefinition, layers: &Layers) -> (ResolvedEnv, Vec<Diagnostic>) {
    let environment = layers.environment;
    let mut problems = Vec::new();
    // name → (value, source, whether the value read a secret-looking shell variable).
    let mut values: BTreeMap<String, Entry> = BTreeMap::new();

    // Every name the app has, so values for every app know where they apply.
    for declaration in &app.env {
        values.insert(declaration.name.clone(), (None, None, false, None));
    }

    let put = |values: &mut BTreeMap<_, _>,
               name: &str,
               raw: &str,
               source: Source,
               problems: &mut Vec<Diagnostic>| {
        let read_secret = std::cell::Cell::new(false);
        let shell = |variable: &str| {
            if is_secret_name(variable) {
                read_secret.set(true);
            }
            (layers.shell)(variable)
        };
        let value = match interpolate(raw, &shell) {
            Ok(value) => value,
            Err(unset) => {
                problems.push(interpolation_problem(&unset, name, &source));
                raw.to_owned()
            }
        };
        values.insert(
            name.to_owned(),
            (Some(value), Some(source), read_secret.get(), None),
        );
    };

    for declaration in &app.env {
        if let Some(default) = &declaration.default {
            let source = Source::Definition {
                file: app.path.clone(),
                name: declaration.name.clone(),
            };
            put(
                &mut values,
                &declaration.name,
                default,
                source,
                &mut problems,
            );
        }
    }
    for (name, value) in [("_APP_NAME", &app.name), (DEPLOY_ENV, &environment.name)] {
        values.insert(
            name.to_owned(),
            (Some(value.clone()), Some(Source::Ark), false, None),
        );
    }
    for injected in discovery_for(app, layers.catalog, Some(environment)) {
        let source = Source::Discovery {
            dependency: injected.dependency,
            expose: injected.expose,
        };
        values.insert(
            injected.name,
            (Some(injected.value), Some(source), false, None),
        );
    }
    // Per-app names from every layer join before any layer applies, so a value for every
    // app reaches a name that only a higher layer adds.
    let per_app_names: BTreeSet<String> = environment
        .overrides_for(&app.name)
        .flat_map(|(_, o)| o.env.keys().chain(o.secrets.keys()).cloned())
        .chain(
            layers
                .sets
                .iter()
                .filter(|s| s.app.as_deref() == Some(&app.name))
                .map(|s| s.key.clone()),
        )
        .collect();
    for name in per_app_names {
        values.entry(name).or_insert((None, None, false, None));
    }

    for file in &environment.chain {
        for (name, value) in &file.env {
            if let (true, Some(value)) = (values.contains_key(name), &value.0) {
                let source = Source::Environment {
                    file: file.path.clone(),
                    key: format!("env.{name}"),
                };
                put(&mut values, name, value, source, &mut problems);
            }
        }
        if let Some(app_override) = file.apps.get(&app.name) {
            for (name, value) in &app_override.env {
                if let Some(value) = &value.0 {
                    let source = Source::Environment {
                        file: file.path.clone(),
                        key: format!("apps.{}.env.{name}", app.name),
                    };
                    put(&mut values, name, value, source, &mut problems);
                }
            }
        }
        let every_app = file
            .secrets
            .iter()
            .filter(|(name, _)| values.contains_key(*name))
            .map(|(name, written)| (name, written, format!("secrets.{name}")));
        let this_app = file.apps.get(&app.name).into_iter().flat_map(|o| {
            o.secrets
                .iter()
                .map(|(name, written)| (name, written, format!("apps.{}.secrets.{name}", app.name)))
        });
        let declared: Vec<_> = every_app.chain(this_app).collect();
        for (name, written, key) in declared {
            // Checked as the file was read: one that does not parse never gets here.
            let Ok((provider, delivery)) = secret::parse(written) else {
                continue;
            };
            let source = Source::Secret {
                file: file.path.clone(),
                provider: provider.describe(),
            };
            let secret = SecretRef {
                provider,
                delivery,
                file: file.path.clone(),
                key,
            };
            values.insert(name.clone(), (None, Some(source), false, Some(secret)));
        }
    }
    let for_every_app = layers.sets.iter().filter(|s| s.app.is_none());
    let for_this_app = layers
        .sets
        .iter()
        .filter(|s| s.app.as_deref() == Some(&app.name));
    for set in for_every_app.chain(for_this_app) {
        if values.contains_key(&set.key) {
            values.insert(
                set.key.clone(),
                (
                    Some(set.value.clone()),
                    Some(Source::Set { key: set.label() }),
                    false,
                    None,
                ),
            );
        }
    }

    // A secret delivered as a file: the app is told where it is.
    let as_files: Vec<String> = values
        .iter()
        .filter(|(_, entry)| {
            entry
                .3
                .as_ref()
                .is_some_and(|s| s.delivery == Delivery::File)
        })
        .map(|(name, _)| name.clone())
        .collect();
    for name in as_files {
        let source = Source::SecretFile {
            secret: name.clone(),
        };
        let path = secret::path_in_container(&name);
        values.insert(
            secret::file_variable(&name),
            (Some(path), Some(source), false, None),
        );
    }

    let vars = values
        .into_iter()
        .map(|(name, (value, source, from_secret, secret))| ResolvedVar {
            name,
            value,
            source,
            from_secret,
            secret,
        })
        .collect();
    (ResolvedEnv { vars }, problems)
}

fn interpolation_problem(unset: &Unset, name: &str, source: &Source) -> Diagnostic {
    let (file, key) = match source {
        Source::Definition { file, name } => (Some(file), format!("env.{name}")),
        Source::Environment { file, key } => (Some(file), key.clone()),
        _ => (None, name.to_owned()),
    };
    let diagnostic = match unset {
        Unset::Variable(variable) => Diagnostic::error(format!(
            "{key} uses `${{{variable}}}`, but `{variable}` is not set in your shell"
        ))
        .with_hint(format!(
            "export {variable}=… before running ark, or write `${{{variable}:-fallback}}`"
        )),
        Unset::Unclosed => Diagnostic::error(format!("{key} has a `${{` without its closing `}}`"))
            .with_hint("write `$$` for a literal `$`"),
        Unset::Empty => Diagnostic::error(format!("{key}: `${{}}` names no variable"))
            .with_hint("write `${NAME}`, or `$$` for a literal `$`"),
        Unset::Malformed => Diagnostic::error(format!(
            "{key} has a `${{…}}` that is not `${{NAME}}`, `${{NAME:-default}}` or `${{NAME-default}}`"
        ))
        .with_hint("names are letters, digits and `_`; write `$$` for a literal `$`"),
    };
    match file {
        Some(file) => diagnostic
            .in_file(file)
            .at_position(value_position(file, &key, name)),
        None => diagnostic,
    }
}

/// Where the value at `key` (`env.NAME` or `apps.APP.env.NAME`, as `Source` spells it) is.
fn value_position(file: &std::path::Path, key: &str, name: &str) -> Option<Position> {
    use super::locate::Step::Key;
    let app = key
        .strip_prefix("apps.")
        .and_then(|rest| rest.strip_suffix(&format!(".env.{name}")));
    // The value itself, else what holds it (a key spelt another way, an anchor's merge).
    match app {
        Some(app) => {
            let (apps, app) = (Key("apps"), Key(app));
            let env = [apps, app, Key("env")];
            locate_in_file(file, &[&[apps, app, env[2], Key(name)], &env, &[apps, app]])
        }
        None => locate_in_file(file, &[&[Key("env"), Key(name)], &[Key("env")]]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn resolve_with(
        catalog: &Catalog,
        dir: &Path,
        env: &str,
        app: &str,
        sets: &[&str],
    ) -> (ResolvedEnv, Vec<Diagnostic>) {
        let environment = Environment::load(dir, env).unwrap();
        let sets: Vec<SetValue> = sets.iter().map(|s| SetValue::parse(s).unwrap()).collect();
        let shell = |name: &str| (name == "USER").then(|| "ada".to_owned());
        let layers = Layers {
            catalog,
            environment: &environment,
            sets: &sets,
            shell: &shell,
        };
        resolve(catalog.get(app).unwrap(), &layers)
    }

    fn value_and_source(env: &ResolvedEnv, name: &str) -> (Option<String>, String) {
        let var = env.get(name).unwrap_or_else(|| panic!("{name} missing"));
        (
            var.value.clone(),
            var.source
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        )
    }

    #[test]
    fn a_promoted_instance_says_the_environment_it_runs_in() {
        let env = vec![
            "A=1".to_owned(),
            "_DEPLOY_ENV=review".to_owned(),
            "_DEPLOY_ENVX=y".to_owned(),
        ];
        assert_eq!(
            in_environment(env, "staging"),
            ["A=1", "_DEPLOY_ENV=staging", "_DEPLOY_ENVX=y"]
        );
    }

    #[test]
    fn a_secret_reaches_only_apps_with_its_name_and_a_higher_plain_value_replaces_it() {
        let catalog = Catalog::from_texts([
            (
                "launch/api.yml",
                "env:\n  DB_PASSWORD: ''\n  OLD_TOKEN: ''\n",
            ),
            ("launch/web.yml", "env:\n  LOG: info\n"),
        ]);
        let dir = env_dir(&[
            (
                "default.yml",
                "secrets:\n  DB_PASSWORD: {env: DEV_DB_PW}\n  OLD_TOKEN: {env: T}\n",
            ),
            (
                "dev.yml",
                "env: {OLD_TOKEN: plain}\napps:\n  api:\n    secrets:\n      API_TOKEN: {command: [vault, kv, get], as: file}\n",
            ),
        ]);
        let (api, problems) = resolve_with(&catalog, dir.path(), "dev", "api", &[]);
        assert!(problems.is_empty(), "{problems:?}");
        let p = |f: &str| dir.path().join(f).display().to_string();
        let db = api.get("DB_PASSWORD").unwrap();
        assert_eq!(db.value, None, "fetched above the core");
        assert!(db.is_secret() && api.missing().next().is_none());
        assert_eq!(
            db.source.as_ref().unwrap().to_string(),
            format!("{} (secret: env DEV_DB_PW)", p("default.yml"))
        );
        let token = api.get("API_TOKEN").unwrap().secret.clone().unwrap();
        assert_eq!(
            (token.delivery, token.key.as_str()),
            (Delivery::File, "apps.api.secrets.API_TOKEN")
        );
        assert!(!api.get("API_TOKEN_FILE").unwrap().is_secret(), "a path");
        assert_eq!(
            value_and_source(&api, "API_TOKEN_FILE"),
            (
                Some("/run/secrets/API_TOKEN".into()),
                "ark (secret API_TOKEN as a file)".into()
            )
        );
        let old = api.get("OLD_TOKEN").unwrap();
        assert_eq!(
            (old.value.as_deref(), old.secret.is_none()),
            (Some("plain"), true)
        );
        let (web, _) = resolve_with(&catalog, dir.path(), "dev", "web", &[]);
        assert_eq!(web.secrets().count(), 0, "web has no DB_PASSWORD: {web:?}");
        let (set, _) = resolve_with(&catalog, dir.path(), "dev", "api", &["DB_PASSWORD=x"]);
        assert!(set.get("DB_PASSWORD").unwrap().secret.is_none());

        let mut filled = api.clone();
        filled.fill_secrets(&|provider| Some(provider.describe()));
        assert_eq!(
            filled.get("API_TOKEN").unwrap().value.as_deref(),
            Some("command vault")
        );
    }

    #[test]
    fn each_layer_overrides_the_one_below_and_keeps_its_source() {
        let catalog = Catalog::from_texts([(
            "launch/api.yml",
            "env:\n  A: def\n  B: def\n  C: def\n  D: def\n  E: def\n  F: def\n",
        )]);
        let dir = env_dir(&[
            ("default.yml", "env: {B: default}\n"),
            ("base.yml", "env: {C: base}\n"),
            ("mine.yml", "extends: base\nenv: {D: mine, E: mine}\napps:\n  api:\n    env: {E: app, F: app}\n"),
        ]);
        let (env, problems) = resolve_with(
            &catalog,
            dir.path(),
            "mine",
            "api",
            &["F=set-all", "api.F=set-api"],
        );
        assert!(problems.is_empty());
        let p = |f: &str| dir.path().join(f).display().to_string();
        assert_eq!(
            value_and_source(&env, "A"),
            (Some("def".into()), "launch/api.yml (env.A default)".into())
        );
        assert_eq!(
            value_and_source(&env, "B"),
            (
                Some("default".into()),
                format!("{} (env.B)", p("default.yml"))
            )
        );
        assert_eq!(
            value_and_source(&env, "C"),
            (Some("base".into()), format!("{} (env.C)", p("base.yml")))
        );
        assert_eq!(
            value_and_source(&env, "D"),
            (Some("mine".into()), format!("{} (env.D)", p("mine.yml")))
        );
        assert_eq!(
            value_and_source(&env, "E"),
            (
                Some("app".into()),
                format!("{} (apps.api.env.E)", p("mine.yml"))
            )
        );
        assert_eq!(
            value_and_source(&env, "F"),
            (Some("set-api".into()), "--set api.F".into())
        );
    }

    #[test]
    fn values_for_every_app_only_reach_names_the_app_has() {
        let catalog = Catalog::from_texts([("launch/api.yml", "env: [A]\n")]);
        let dir = env_dir(&[(
            "mine.yml",
            "env: {A: x, UNRELATED: y}\napps:\n  api:\n    env: {EXTRA: z}\n",
        )]);
        let (env, _) = resolve_with(&catalog, dir.path(), "mine", "api", &["OTHER=1"]);
        let names: Vec<&str> = env.vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["A", "EXTRA", "_APP_NAME", "_DEPLOY_ENV"]);
    }

    #[test]
    fn ark_sets_app_name_deploy_env_and_discovery() {
        let catalog = Catalog::from_texts([
            ("launch/web.yml", "dependencies: [api]\n"),
            ("launch/api.yml", "expose: [{name: http, port: 80}]\n"),
        ]);
        let dir = env_dir(&[]);
        let (env, _) = resolve_with(&catalog, dir.path(), "eng1-env", "web", &[]);
        assert_eq!(
            value_and_source(&env, "_APP_NAME"),
            (Some("web".into()), "ark".into())
        );
        assert_eq!(
            value_and_source(&env, "_DEPLOY_ENV"),
            (Some("eng1-env".into()), "ark".into())
        );
        assert_eq!(
            value_and_source(&env, "SERVICE_API_HTTP_HOST"),
            (Some("api".into()), "discovery (api.http)".into())
        );
    }

    #[test]
    fn an_external_dependency_points_discovery_outside() {
        let catalog = Catalog::from_texts([("launch/web.yml", "dependencies: [db]\n")]);
        let dir = env_dir(&[(
            "mine.yml",
            "apps:\n  db:\n    external: {host: db.example.com, port: 5432}\n",
        )]);
        let (env, _) = resolve_with(&catalog, dir.path(), "mine", "web", &[]);
        assert_eq!(
            env.get("SERVICE_DB_DEFAULT_HOST").unwrap().value.as_deref(),
            Some("db.example.com")
        );
        assert_eq!(
            env.get("SERVICE_DB_DEFAULT_PORT").unwrap().value.as_deref(),
            Some("5432")
        );
        assert_eq!(
            env.get("SERVICE_DB_DEFAULT_PROTO")
                .unwrap()
                .value
                .as_deref(),
            Some("tcp")
        );
    }

    #[test]
    fn shell_variables_are_read_and_unset_ones_named() {
        let catalog = Catalog::from_texts([("launch/api.yml", "env: [OWNER, TOKEN]\n")]);
        let dir = env_dir(&[(
            "mine.yml",
            "env:\n  OWNER: ${USER}\n  TOKEN: ${API_TOKEN}\n",
        )]);
        let (env, problems) = resolve_with(&catalog, dir.path(), "mine", "api", &[]);
        assert_eq!(env.get("OWNER").unwrap().value.as_deref(), Some("ada"));
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "env.TOKEN uses `${API_TOKEN}`, but `API_TOKEN` is not set in your shell"
        );
    }

    #[test]
    fn interpolation_problems_point_at_the_value() {
        let defs = tempfile::tempdir().unwrap();
        let definition = defs.path().join("api.yml");
        std::fs::write(&definition, "env:\n  A: x\n  B: ${NOPE:-y\n").unwrap();
        let catalog = Catalog::load(&[defs.path().to_path_buf()]);
        let dir = env_dir(&[(
            "mine.yml",
            "env:\n  A: ${UNSET_ONE}\napps:\n  api:\n    env:\n      C:   \"${UNSET_TWO}\"\n",
        )]);
        let (_, problems) = resolve_with(&catalog, dir.path(), "mine", "api", &[]);
        let found: Vec<(String, Option<usize>, Option<usize>)> = problems
            .iter()
            .map(|p| {
                let file = p.file.as_ref().unwrap().file_name().unwrap();
                (file.to_string_lossy().into_owned(), p.line, p.column)
            })
            .collect();
        assert_eq!(
            found,
            [
                ("api.yml".into(), Some(3), Some(6)),
                ("mine.yml".into(), Some(2), Some(6)),
                ("mine.yml".into(), Some(6), Some(12)),
            ],
            "{problems:?}"
        );
    }

    #[test]
    fn a_declared_variable_nobody_sets_is_missing() {
        let catalog = Catalog::from_texts([("launch/api.yml", "env: [DB_PASSWORD]\n")]);
        let dir = env_dir(&[]);
        let (env, _) = resolve_with(&catalog, dir.path(), "mine", "api", &[]);
        assert_eq!(
            env.missing().map(|v| v.name.as_str()).collect::<Vec<_>>(),
            ["DB_PASSWORD"]
        );
    }

    #[test]
    fn set_values_parse_and_reject_nonsense() {
        assert_eq!(
            SetValue::parse("A=1=2").unwrap(),
            SetValue {
                app: None,
                key: "A".into(),
                value: "1=2".into()
            }
        );
        assert_eq!(
            SetValue::parse("api.A=").unwrap(),
            SetValue {
                app: Some("api".into()),
                key: "A".into(),
                value: String::new()
            }
        );
        for bad in ["A", "=1", ".A=1", "api.=1", "A B=1", "api.$(id)=1", "1A=1"] {
            assert!(SetValue::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            SetValue::parse("=hunter2").unwrap_err(),
            "`=…` is not KEY=VALUE or APP.KEY=VALUE"
        );
    }

    #[test]
    fn secret_looking_names_are_recognised() {
        // (name, secret-looking?)
        let cases = [
            ("DB_PASSWORD", true),
            ("API_TOKEN", true),
            ("AWS_SECRET_ACCESS_KEY", true),
            ("PAGERDUTY_API_KEY", true),
            ("google_credentials", true),
            ("DB_PASSWD", true),
            ("HTPASSWD", true),
            ("dbPassword", true),
            ("PRIVATE_PEM", true),
            ("TLS_PEM", true),
            ("GITHUB_PRIVATE", true),
            ("DB_PASS", true),
            ("MYSQL_PWD", true),
            ("BASIC_AUTH", true),
            ("proxy_auth", true),
            ("AUTH_HEADER", true),
            ("SENTRY_DSN", true),
            ("DATABASE_DSN", true),
            ("SERVICE_CREDS", true),
            ("SESSION_COOKIE", true),
            ("PASSWORD_SALT", true),
            ("LOG_LEVEL", false),
            ("PASSENGER_COUNT", false),
            ("AUTHOR", false),
            ("COMPASS_URL", false),
            ("DSNAME", false),
            ("SERVICE_DB_HTTP_PORT", false),
        ];
        for (name, secret) in cases {
            assert_eq!(is_secret_name(name), secret, "{name}");
        }
    }

    #[test]
    fn a_url_with_a_password_is_a_secret_whatever_its_name() {
        // (value, holds a password?)
        let cases = [
            ("postgres://u:pw@h/db", true),
            ("mysql://root:hunter2@db:3306", true),
            ("redis://:pw@cache:6379/0", true),
            ("primary=amqp://a:b@mq,replica=x", true),
            ("https://u:p@h/x?y=a@b", true),
            ("postgres://u@h/db", false),
            ("postgres://u:@h/db", false),
            ("http://h:8080/a:b@c", false),
            ("http://h/?q=a:b@c", false),
            ("user:pw@host", false),
            ("plain", false),
        ];
        for (value, secret) in cases {
            assert_eq!(holds_password(value), secret, "{value}");
        }
    }

    #[test]
    fn a_value_read_from_a_secret_looking_shell_variable_is_a_secret() {
        let catalog = Catalog::from_texts([(
            "launch/api.yml",
            "env:\n  CONN: ${PGPASSWORD}\n  OTHER: x-${USER}\n  URL: 'postgres://u:pw@h/db'\n  PLAIN: '${DB_TOKEN:-none}'\n",
        )]);
        let dir = env_dir(&[]);
        let environment = Environment::load(dir.path(), "dev").unwrap();
        let shell = |name: &str| match name {
            "PGPASSWORD" => Some("hunter2".to_owned()),
            "USER" => Some("ada".to_owned()),
            _ => None,
        };
        let layers = Layers {
            catalog: &catalog,
            environment: &environment,
            sets: &[],
            shell: &shell,
        };
        let (env, problems) = resolve(catalog.get("api").unwrap(), &layers);
        assert!(problems.is_empty(), "{problems:?}");
        let secret = |name: &str| env.get(name).unwrap().is_secret();
        assert!(secret("CONN"), "read ${{PGPASSWORD}}");
        assert!(!secret("OTHER"), "read ${{USER}} only");
        assert!(secret("URL"), "a password inside");
        assert!(
            secret("PLAIN"),
            "named a secret-looking variable, even unset"
        );
    }
}
