//! The desired state of one app in one environment: everything needed to create its
//! container, resolved from the definition and the environment's layers.

use super::command_line::CommandLine;
use super::definition::{AppDefinition, HealthCheck, Probe, Resources, DEFAULT_DOCKERFILE};
use super::diagnostic::Diagnostic;
use super::environment::Environment;
use super::fingerprint_key::{FingerprintKey, KEY_FIELD};
use super::locate::{self, Step};
use super::resolved_env::{self, Layers, ResolvedEnv};
use super::secret::Delivery;
use super::start_set::{Role, StartSet};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Published ports bind here unless the environment says otherwise: nothing is exposed to
/// the network by default.
pub const DEFAULT_BIND: &str = "127.0.0.1";

#[derive(Debug, Clone, PartialEq)]
pub struct AppSpec {
    pub name: String,
    pub image: ImageSource,
    pub command: Option<CommandLine>,
    pub env: ResolvedEnv,
    pub ports: Vec<PortSpec>,
    /// Readiness: every check must pass. None: the image's own HEALTHCHECK, else running.
    pub checks: Vec<ReadinessCheck>,
    pub resources: Resources,
    pub init: bool,
    /// How many instances run (a Swarm's tasks; 1 on one engine).
    pub replicas: u32,
    /// Publish ports nobody pinned (on a Swarm, ports are published only when asked).
    pub publish: bool,
    /// How a changed, running app is replaced where the engine can run two revisions at
    /// once. Not part of the fingerprint: it says how to change, not what runs.
    pub rollout: Rollout,
    /// Apps of the start set this one waits for (containers only).
    pub waits_for: Vec<String>,
    /// The app's definition file.
    pub definition: PathBuf,
    /// The environment's key for the fingerprint's hashes, once the engine said it (a
    /// placeholder until then).
    pub fingerprint_key: FingerprintKey,
}

/// How a changed app is replaced on an engine that can run its old and new revisions side
/// by side.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Rollout {
    /// The new revision starts beside the old one and takes its name once ready.
    #[default]
    Rollover,
    /// The old one stops first; why, in a user's words ("rollout: stop-first in
    /// envs/dev.yml", "--replace stop-first").
    StopFirst(String),
}

/// Where the image comes from: a named image, which ark builds from the app's own
/// repository when it is not present and the repository has a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSource {
    pub name: String,
    /// Set by the environment or `run.image`: a prebuilt image (never built from the repo).
    pub explicit: bool,
    pub build: Option<BuildContext>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    /// The app's repository: the folder above the `launch/` holding its definition.
    pub dir: PathBuf,
    /// Relative to `dir`.
    pub dockerfile: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub expose: String,
    pub container_port: u16,
    /// Pinned by the environment; `None` lets the engine choose a free one.
    pub host_port: Option<u16>,
    pub bind: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReadinessCheck {
    pub expose: String,
    pub port: u16,
    pub check: HealthCheck,
}

impl AppSpec {
    /// The fields whose change needs a new container, each as a short stable text. Values
    /// and the command are hashed with the environment's key, so labels never carry a
    /// secret nor anything a guess could be checked against. Readiness checks are left
    /// out: ark probes from outside, so a changed check needs no new container. `replicas`
    /// counts only when it is not 1, so every instance made before it existed stays current.
    pub fn fingerprint(&self) -> BTreeMap<String, String> {
        let key = &self.fingerprint_key;
        let mut fields = BTreeMap::new();
        fields.insert(KEY_FIELD.into(), key.id());
        fields.insert("image".into(), self.image.name.clone());
        if let Some(command) = &self.command {
            fields.insert("command".into(), key.hash(&command.display()));
        }
        for var in &self.env.vars {
            match (&var.value, &var.secret) {
                (Some(value), None) => {
                    fields.insert(format!("env.{}", var.name), key.hash(value));
                }
                // A secret is named as one ("secret DB_PASSWORD changed"); how it is
                // delivered is part of what runs.
                (value, Some(secret)) => {
                    let delivered = match secret.delivery {
                        Delivery::Env => "env",
                        Delivery::File => "file",
                    };
                    let value = value.as_deref().unwrap_or_default();
                    fields.insert(
                        format!("secret.{}", var.name),
                        key.hash(&format!("{delivered}:{value}")),
                    );
                }
                (None, None) => {}
            }
        }
        for port in &self.ports {
            let host = port
                .host_port
                .map_or_else(|| "any".to_owned(), |p| p.to_string());
            fields.insert(
                format!("port.{}", port.expose),
                format!("{}:{host}->{}", port.bind, port.container_port),
            );
        }
        if let Some(cpu) = self.resources.cpu.filter(|c| *c > 0.0) {
            fields.insert("cpu".into(), cpu.to_string());
        }
        if let Some(memory) = self.memory_bytes() {
            fields.insert("memory".into(), memory.to_string());
        }
        fields.insert("init".into(), self.init.to_string());
        if self.replicas != 1 {
            fields.insert("replicas".into(), self.replicas.to_string());
        }
        fields
    }

    /// The variables that have a value, as `NAME=value` (what an engine's env takes); a
    /// secret delivered as a file is not one of them (its `NAME_FILE` is).
    pub fn env_assignments(&self) -> Vec<String> {
        self.env
            .vars
            .iter()
            .filter(|v| {
                v.secret
                    .as_ref()
                    .is_none_or(|s| s.delivery == Delivery::Env)
            })
            .filter_map(|v| v.value.as_ref().map(|value| format!("{}={value}", v.name)))
            .collect()
    }

    /// The secrets delivered as files: name and value, for `/run/secrets/<NAME>`.
    pub fn secret_files(&self) -> Vec<(&str, &str)> {
        self.env
            .secrets()
            .filter(|(_, secret)| secret.delivery == Delivery::File)
            .filter_map(|(var, _)| Some((var.name.as_str(), var.value.as_deref()?)))
            .collect()
    }

    /// The names of its secrets, with `:file` for those delivered as files, as the
    /// instance records them (`runtime::labels::SECRETS`): names, never values.
    pub fn secret_names(&self) -> Vec<String> {
        self.env
            .secrets()
            .map(|(var, secret)| match secret.delivery {
                Delivery::Env => var.name.clone(),
                Delivery::File => format!("{}:file", var.name),
            })
            .collect()
    }

    /// Every secret value it holds, for masking text ark did not write.
    pub fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.env
            .secrets()
            .filter_map(|(var, _)| var.value.as_deref())
    }

    /// One hash of the whole fingerprint.
    pub fn config_hash(&self) -> String {
        let text: String = self
            .fingerprint()
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        short_hash(&text)
    }

    /// The hard memory limit in bytes (`resources.max_mem` GB).
    pub fn memory_bytes(&self) -> Option<i64> {
        gb_to_bytes(self.resources.max_mem_gb)
    }

    /// The soft memory limit (reservation) in bytes.
    pub fn memory_reservation_bytes(&self) -> Option<i64> {
        gb_to_bytes(self.resources.soft_mem_gb)
    }

    /// CPU limit in the engine's unit, billionths of a core.
    pub fn nano_cpus(&self) -> Option<i64> {
        self.resources
            .cpu
            .filter(|c| *c > 0.0)
            .map(|c| (c * 1e9).round() as i64)
    }
}

fn gb_to_bytes(gb: Option<f64>) -> Option<i64> {
    // Production writes GB as decimal fractions (0.05 = 50 MB); docker counts bytes.
    gb.filter(|g| *g > 0.0)
        .map(|g| (g * 1_000_000_000.0).round() as i64)
}

pub fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Builds the spec of every container app in the start set, in order, with every problem
/// that would stop a start (missing values, unset shell variables).
pub fn build_specs(start_set: &StartSet, layers: &Layers) -> (Vec<AppSpec>, Vec<Diagnostic>) {
    let mut specs = Vec::new();
    let mut problems = Vec::new();
    for app in start_set.with_role(&Role::Container) {
        let Some(definition) = layers.catalog.get(app) else {
            continue;
        };
        let (env, env_problems) = resolved_env::resolve(definition, layers);
        problems.extend(env_problems);
        problems.extend(missing_values(
            definition,
            env.missing().map(|m| m.name.as_str()),
            layers.environment,
        ));
        specs.push(spec_of(definition, env, layers.environment, start_set));
    }
    (specs, problems)
}

fn spec_of(
    definition: &AppDefinition,
    env: ResolvedEnv,
    environment: &Environment,
    start_set: &StartSet,
) -> AppSpec {
    let app = definition.name.as_str();
    let image_override = environment.app_setting(app, |o| o.image.clone());
    let explicit = image_override
        .clone()
        .or_else(|| definition.run.image.clone());
    let build = repository_of(definition).and_then(|dir| {
        let dockerfile = definition
            .build
            .dockerfile
            .clone()
            .unwrap_or_else(|| DEFAULT_DOCKERFILE.into());
        dir.join(&dockerfile)
            .is_file()
            .then_some(BuildContext { dir, dockerfile })
    });
    let image = ImageSource {
        name: explicit.clone().unwrap_or_else(|| {
            definition
                .build
                .artifact_name
                .clone()
                .unwrap_or_else(|| app.to_owned())
        }),
        explicit: explicit.is_some(),
        build,
    };
    let exposes: Vec<(String, u16)> = definition
        .expose
        .iter()
        .map(|e| (e.name.clone(), e.port))
        .collect();
    let ports = environment.ports_of(app, &exposes);
    let checks = definition
        .expose
        .iter()
        .filter_map(|expose| {
            let check = expose.health_check.clone()?;
            (check.probe != Probe::None).then(|| ReadinessCheck {
                expose: expose.name.clone(),
                port: expose.port,
                check,
            })
        })
        .collect();
    let waits_for = definition
        .dependencies
        .iter()
        .filter(|d| start_set.roles.get(*d) == Some(&Role::Container))
        .cloned()
        .collect();
    AppSpec {
        name: app.to_owned(),
        image,
        command: environment
            .app_setting(app, |o| o.command.clone())
            .or_else(|| definition.run.command.clone()),
        env,
        ports,
        checks,
        resources: definition.resources,
        init: environment
            .app_setting(app, |o| o.init)
            .or(definition.run.init)
            .unwrap_or(true),
        replicas: environment.replicas(app),
        publish: environment.publish(app),
        rollout: environment.rollout(app),
        waits_for,
        definition: definition.path.clone(),
        fingerprint_key: FingerprintKey::default(),
    }
}

/// The folder above the `launch/` folder that holds the definition.
pub fn repository_of(definition: &AppDefinition) -> Option<PathBuf> {
    let folder = definition.path.parent()?;
    if folder.file_name()? != "launch" {
        return None;
    }
    let repository = folder.parent()?;
    Some(if repository.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        repository.to_path_buf()
    })
}

/// A variable the app declares that nothing gives a value: at its declaration, with where to
/// set it. One message for `validate -e`, `config`, `plan` and `start`.
pub fn missing_value(
    definition: &AppDefinition,
    name: &str,
    environment: &Environment,
) -> Diagnostic {
    let declared = definition.env.iter().position(|d| d.name == name);
    missing_value_at(definition, name, declared, environment)
}

/// [`missing_value`] for each of `names`, finding every declaration in one pass (an app may
/// declare thousands of variables: one scan each would be quadratic).
pub fn missing_values<'a>(
    definition: &AppDefinition,
    names: impl IntoIterator<Item = &'a str>,
    environment: &Environment,
) -> Vec<Diagnostic> {
    let index: std::collections::HashMap<&str, usize> = definition
        .env
        .iter()
        .enumerate()
        .map(|(at, d)| (d.name.as_str(), at))
        .rev() // the first declaration wins, as `position` finds it
        .collect();
    names
        .into_iter()
        .map(|name| missing_value_at(definition, name, index.get(name).copied(), environment))
        .collect()
}

fn missing_value_at(
    definition: &AppDefinition,
    name: &str,
    declared: Option<usize>,
    environment: &Environment,
) -> Diagnostic {
    let app = &definition.name;
    let where_to = match environment.chain.last().filter(|_| environment.has_file) {
        Some(file) => format!(
            "set it under `env:` or `apps.{app}.env:` in {}",
            file.path.display()
        ),
        None => format!(
            "create environments/{}.yml with `env: {{{name}: …}}`",
            environment.name
        ),
    };
    let error = Diagnostic::error(format!(
        "`{app}` needs `{name}`, which has no value in environment `{}`",
        environment.name
    ))
    .in_file(&definition.path)
    .with_hint(format!("{where_to}, or pass --set {app}.{name}=…"));
    let at = declared.map(|index| [Step::Key("env"), Step::Index(index)]);
    match at.and_then(|at| locate::locate_in_file(&definition.path, &[&at])) {
        Some(position) => error.at_position(Some(position)),
        // Not declared by the definition (an environment adds it): the first mention.
        None => error.at(
            super::line_index::LineIndex::of_file(&definition.path).word(name),
            None,
        ),
    }
}

/// A plain app for unit tests elsewhere: a named image, one variable, no ports or checks.
#[cfg(test)]
impl AppSpec {
    pub(crate) fn example(name: &str, waits_for: &[&str]) -> AppSpec {
        use crate::core::resolved_env::ResolvedVar;
        AppSpec {
            name: name.into(),
            image: ImageSource {
                name: format!("{name}:1"),
                explicit: true,
                build: None,
            },
            command: None,
            env: ResolvedEnv {
                vars: vec![ResolvedVar {
                    name: "LOG_LEVEL".into(),
                    value: Some("info".into()),
                    source: None,
                    from_secret: false,
                    secret: None,
                }],
            },
            ports: Vec::new(),
            checks: Vec::new(),
            resources: Default::default(),
            init: true,
            replicas: 1,
            publish: false,
            rollout: Rollout::Rollover,
            waits_for: waits_for.iter().map(|d| (*d).to_owned()).collect(),
            definition: format!("launch/{name}.yml").into(),
            fingerprint_key: FingerprintKey::from_bytes([7; 32]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalog::Catalog;
    use crate::core::start_set;

    fn specs_for(
        defs: &[(&str, &str)],
        env_text: &str,
        app: &str,
    ) -> (Vec<AppSpec>, Vec<Diagnostic>) {
        let catalog = Catalog::from_texts(defs.iter().copied());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dev.yml"), env_text).unwrap();
        let environment = Environment::load(dir.path(), "dev").unwrap();
        let set = start_set::resolve(&catalog, Some(&environment), &[app.into()], true).unwrap();
        let shell = |_: &str| None;
        let layers = Layers {
            catalog: &catalog,
            environment: &environment,
            sets: &[],
            shell: &shell,
        };
        build_specs(&set, &layers)
    }

    #[test]
    fn the_environment_overrides_image_command_ports_and_bind() {
        let (specs, problems) = specs_for(
            &[("launch/db.yml", "run: {image: postgres:15}\nexpose: [{name: pg, port: 5432, health_check: {type: tcp}}]\nresources: {cpu: 0.5, max_mem: 0.25}\n")],
            "bind: 0.0.0.0\napps:\n  db:\n    image: postgres:16\n    command: postgres -c fsync=off\n    ports: {pg: 15432}\n    init: false\n",
            "db",
        );
        assert!(problems.is_empty());
        let db = &specs[0];
        assert_eq!(
            db.image,
            ImageSource {
                name: "postgres:16".into(),
                explicit: true,
                build: None
            }
        );
        assert_eq!(
            db.command.as_ref().unwrap().0,
            ["postgres", "-c", "fsync=off"]
        );
        assert_eq!(
            db.ports,
            [PortSpec {
                expose: "pg".into(),
                container_port: 5432,
                host_port: Some(15432),
                bind: "0.0.0.0".into()
            }]
        );
        assert_eq!(db.nano_cpus(), Some(500_000_000));
        assert_eq!(db.memory_bytes(), Some(250_000_000));
        assert!(!db.init);
        assert_eq!(db.checks.len(), 1);
    }

    #[test]
    fn ports_bind_to_loopback_and_init_is_on_by_default() {
        let (specs, _) = specs_for(
            &[("launch/api.yml", "expose: [{name: http, port: 80}]\n")],
            "",
            "api",
        );
        assert_eq!(specs[0].ports[0].bind, "127.0.0.1");
        assert_eq!(specs[0].ports[0].host_port, None);
        assert!(specs[0].init);
        assert_eq!(specs[0].image.name, "api");
        assert!(!specs[0].image.explicit);
    }

    #[test]
    fn a_missing_value_names_the_app_the_variable_and_the_fix() {
        let (_, problems) = specs_for(&[("launch/api.yml", "env: [DB_PASSWORD]\n")], "", "api");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "`api` needs `DB_PASSWORD`, which has no value in environment `dev`"
        );
        assert!(problems[0]
            .hint
            .as_ref()
            .unwrap()
            .contains("--set api.DB_PASSWORD="));
    }

    #[test]
    fn the_fingerprint_changes_with_a_value_but_never_holds_it() {
        let (a, _) = specs_for(
            &[("launch/api.yml", "env: {TOKEN: secret-one}\n")],
            "",
            "api",
        );
        let (b, _) = specs_for(
            &[("launch/api.yml", "env: {TOKEN: secret-two}\n")],
            "",
            "api",
        );
        assert_ne!(
            a[0].fingerprint()["env.TOKEN"],
            b[0].fingerprint()["env.TOKEN"]
        );
        assert!(!a[0].fingerprint().values().any(|v| v.contains("secret")));
        assert_ne!(a[0].config_hash(), b[0].config_hash());
    }

    #[test]
    fn the_fingerprint_is_keyed_per_environment() {
        let (mut specs, _) = specs_for(
            &[("launch/api.yml", "env: {DB_PASSWORD: pw-hunter2-AAA}\n")],
            "",
            "api",
        );
        let mut spec = specs.remove(0);
        spec.fingerprint_key = FingerprintKey::from_bytes([7; 32]);
        let one = spec.fingerprint();
        spec.fingerprint_key = FingerprintKey::from_bytes([8; 32]);
        let two = spec.fingerprint();
        assert_ne!(one["env.DB_PASSWORD"], two["env.DB_PASSWORD"]);
        assert_ne!(one[KEY_FIELD], two[KEY_FIELD], "the key is told apart");
        // Not the unkeyed hash of the value (`f51fc7264f2b`), which a guess could match.
        assert_ne!(one["env.DB_PASSWORD"], "f51fc7264f2b");
        assert_ne!(one["env.DB_PASSWORD"], short_hash("pw-hunter2-AAA")[..12]);
    }

    #[test]
    fn replicas_and_publish_come_from_the_app_else_the_environment() {
        let defs = [
            ("launch/api.yml", "expose: [{name: http, port: 80}]\n"),
            ("launch/web.yml", "dependencies: [api]\n"),
        ];
        let (specs, problems) = specs_for(
            &defs,
            "publish: true\napps:\n  api: {replicas: 3, publish: false}\n",
            "web",
        );
        assert!(problems.is_empty());
        let by_name = |name: &str| specs.iter().find(|s| s.name == name).unwrap();
        assert_eq!(
            (by_name("api").replicas, by_name("api").publish),
            (3, false)
        );
        assert_eq!((by_name("web").replicas, by_name("web").publish), (1, true));
        let (specs, _) = specs_for(&defs, "", "api");
        assert_eq!((specs[0].replicas, specs[0].publish), (1, false));
    }

    #[test]
    fn replicas_enter_the_fingerprint_only_when_not_one() {
        let mut spec = AppSpec::example("api", &[]);
        let before = spec.fingerprint();
        assert!(!before.contains_key("replicas"));
        // What a spec fingerprinted before `replicas` existed: every field but it.
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            ["env.LOG_LEVEL", "image", "init", KEY_FIELD]
        );
        let hash = spec.config_hash();
        spec.replicas = 2;
        assert_eq!(spec.fingerprint()["replicas"], "2");
        assert_ne!(spec.config_hash(), hash);
        spec.replicas = 1;
        assert_eq!(spec.config_hash(), hash);
    }

    #[test]
    fn the_repository_is_the_folder_above_launch() {
        let catalog = Catalog::from_texts([("src/api/launch/api.yml", ""), ("apps/db.yml", "")]);
        assert_eq!(
            repository_of(catalog.get("api").unwrap()),
            Some(PathBuf::from("src/api"))
        );
        assert_eq!(repository_of(catalog.get("db").unwrap()), None);
    }
}
