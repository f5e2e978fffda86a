//! ark's labels: the only state. Everything ark creates carries them; ark never touches
//! anything without them. Any machine that reaches the engine sees the same environments.
//! One schema for every backend: written and read here, whatever an engine puts them on
//! (a container, a service, a network).

use crate::core::definition::Probe;
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::revision::{NewRevision, Revision};
use crate::core::spec::{AppSpec, ReadinessCheck};
use crate::runtime::api::{Handle, Instance, Placement, State};
use std::collections::{BTreeMap, HashMap};

/// The environment a container or network belongs to.
pub const ENVIRONMENT: &str = "dev.ark.environment";
/// The app a container runs.
pub const APP: &str = "dev.ark.app";
/// The ark version that created it.
pub const VERSION: &str = "dev.ark.version";
/// Hash of the fingerprint: a quick "did anything change".
pub const CONFIG_HASH: &str = "dev.ark.config-hash";
/// The fingerprint (JSON object of field → short text): says *which* field changed.
/// Holds hashes of values, never values, so no secret lands in a label.
pub const FINGERPRINT: &str = "dev.ark.fingerprint";
/// The image reference the container was created from.
pub const IMAGE: &str = "dev.ark.image";
/// The apps this one waits for (comma-separated): stop/down order without any definition.
pub const DEPENDS_ON: &str = "dev.ark.depends-on";
/// Readiness checks (JSON), so `status` and `restart` probe without the definitions.
pub const CHECKS: &str = "dev.ark.checks";
/// Exposed ports (JSON: name, container port, proto), for URLs in `status`.
pub const EXPOSES: &str = "dev.ark.exposes";
/// The instance's revision (JSON: number, when, by whom, which fields changed): see
/// `core::revision`. Field names only, never a value.
pub const REVISION: &str = "dev.ark.revision";
/// The revisions before it, newest first (JSON list, bounded), so `history` knows the
/// ones that are gone too.
pub const LINEAGE: &str = "dev.ark.lineage";
/// The names of the instance's secrets, comma-separated, `:file` after one delivered as a
/// file (`DB_PASSWORD,API_TOKEN:file`): names only, never a value.
pub const SECRETS: &str = "dev.ark.secrets";
/// On an environment's network: the `target:` its file named, as written (absent when the
/// environment has none). Kept even when `-H/--host` sent it elsewhere, so the engine shows
/// where it was meant to run.
pub const TARGET: &str = "dev.ark.target";
/// On an environment's network: the engine URL ark used to create it.
pub const ENGINE: &str = "dev.ark.engine";
/// On an environment's network: the random key (64 hex digits) the fingerprint's hashes
/// are made with, created once with the network and read back on every plan. It is on the
/// network, not on containers, whose labels are what monitoring stacks export.
pub const FINGERPRINT_KEY: &str = "dev.ark.fingerprint-key";

/// One expose as recorded on an instance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExposeLabel {
    pub name: String,
    pub port: u16,
    pub proto: String,
}

/// One readiness check as recorded on an instance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckLabel {
    pub expose: String,
    pub port: u16,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
}

/// What an app instance's labels record: enough for every command but `start` to work
/// without the definitions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub environment: String,
    pub app: String,
    pub fingerprint: BTreeMap<String, String>,
    pub image: String,
    pub depends_on: Vec<String>,
    pub checks: Vec<CheckLabel>,
    pub exposes: Vec<ExposeLabel>,
    /// `None` on an instance made before revisions.
    pub revision: Option<Revision>,
    pub lineage: Vec<Revision>,
}

impl Recorded {
    /// An instance `handle` (named `name`) of what the labels record, with nothing yet of
    /// its state: not running, no address or ports, not serving. Each backend adds what its
    /// engine says (`Instance { state, .., ..recorded.into_instance(…) }`).
    pub fn into_instance(self, handle: Handle, name: String) -> Instance {
        Instance {
            handle,
            name,
            environment: self.environment,
            app: self.app,
            fingerprint: self.fingerprint,
            image: self.image,
            image_id: String::new(),
            state: State::Other("unknown".into()),
            health: None,
            created: 0,
            started_at: None,
            ip: None,
            ports: Vec::new(),
            detached: false,
            depends_on: self.depends_on,
            checks: self.checks,
            exposes: self.exposes,
            replicas: None,
            revision: self.revision,
            lineage: self.lineage,
            serving: false,
        }
    }
}

/// The labels of the instance of `spec` in `environment`, made from `image`. Empty values
/// are left out.
pub fn of_instance(environment: &str, spec: &AppSpec, image: &str) -> HashMap<String, String> {
    let checks = check_labels(spec);
    let exposes: Vec<ExposeLabel> = spec
        .ports
        .iter()
        .map(|p| {
            let http = spec
                .checks
                .iter()
                .any(|c| c.expose == p.expose && c.check.probe.kind() == "http");
            ExposeLabel {
                name: p.expose.clone(),
                port: p.container_port,
                proto: if http { "http" } else { "tcp" }.into(),
            }
        })
        .collect();
    let mut labels = HashMap::from([
        (ENVIRONMENT.to_owned(), environment.to_owned()),
        (APP.to_owned(), spec.name.clone()),
        (VERSION.to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        (CONFIG_HASH.to_owned(), spec.config_hash()),
        (FINGERPRINT.to_owned(), to_json(&spec.fingerprint())),
        (IMAGE.to_owned(), image.to_owned()),
        (DEPENDS_ON.to_owned(), spec.waits_for.join(",")),
        (CHECKS.to_owned(), to_json(&checks)),
        (EXPOSES.to_owned(), to_json(&exposes)),
        (SECRETS.to_owned(), spec.secret_names().join(",")),
    ]);
    labels.retain(|_, v| !v.is_empty());
    labels
}

/// A secret an instance records (`SECRETS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSecret {
    pub name: String,
    pub as_file: bool,
}

pub fn secrets_of(labels: &HashMap<String, String>) -> Vec<RecordedSecret> {
    labels
        .get(SECRETS)
        .map(|text| {
            text.split(',')
                .filter(|s| !s.is_empty())
                .map(|s| match s.strip_suffix(":file") {
                    Some(name) => RecordedSecret {
                        name: name.to_owned(),
                        as_file: true,
                    },
                    None => RecordedSecret {
                        name: s.to_owned(),
                        as_file: false,
                    },
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The values of the recorded secrets delivered as variables, read from an instance's
/// `NAME=value` environment.
pub fn secret_env_values(recorded: &[RecordedSecret], env: &[String]) -> Vec<String> {
    recorded
        .iter()
        .filter(|s| !s.as_file)
        .flat_map(|s| {
            let prefix = format!("{}=", s.name);
            env.iter()
                .filter_map(move |e| e.strip_prefix(&prefix).map(str::to_owned))
        })
        .collect()
}

/// The labels that record an instance's revision and the ones before it.
pub fn of_revision(made: &NewRevision) -> [(String, String); 2] {
    [
        (REVISION.to_owned(), to_json(&made.revision)),
        (LINEAGE.to_owned(), to_json(&made.lineage)),
    ]
}

/// Refuses to label an instance of `spec` before the environment's key is known: a label
/// hashed without it could be checked against guesses.
pub fn check_keyed(spec: &AppSpec) -> Result<(), crate::runtime::api::EngineError> {
    if spec.fingerprint_key.is_placeholder() {
        return Err(crate::runtime::api::EngineError::Failed(format!(
            "`{}` has no fingerprint key yet: it must be planned against the engine first",
            spec.name
        )));
    }
    Ok(())
}

/// The labels of an environment's space (its network): whose it is, where it was meant to
/// run, and the key its instances' fingerprints are made with.
pub fn of_environment(
    environment: &str,
    placement: &Placement,
    key: &FingerprintKey,
) -> HashMap<String, String> {
    [
        (ENVIRONMENT.to_owned(), environment.to_owned()),
        (VERSION.to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
    ]
    .into_iter()
    .chain(placement_labels(placement))
    .chain([(FINGERPRINT_KEY.to_owned(), key.to_hex())])
    .collect()
}

/// The labels of an image ark built: only the version that built it.
pub fn of_built_image() -> HashMap<String, String> {
    HashMap::from([(VERSION.to_owned(), env!("CARGO_PKG_VERSION").to_owned())])
}

impl CheckLabel {
    /// The shell command that probes this check from inside the instance, at `port`
    /// (busybox or coreutils tools, each with a time limit): for an instance whose port
    /// cannot be reached from here, and as a Swarm task's HEALTHCHECK.
    pub fn in_instance_probe(&self, port: u16) -> Vec<String> {
        let script = if self.kind == "http" {
            let path = self.path.as_deref().unwrap_or("/");
            format!("timeout 2 wget -q -O /dev/null http://127.0.0.1:{port}{path}")
        } else {
            // `-z` where nc has it; busybox's nc has not, but connects and ends at once on an
            // empty stdin.
            format!("nc -z 127.0.0.1 {port} 2>/dev/null || nc -w 2 127.0.0.1 {port} </dev/null >/dev/null 2>&1")
        };
        vec!["sh".into(), "-c".into(), script]
    }
}

/// What an instance's labels record; a missing or damaged label reads as empty.
pub fn read_instance(labels: &HashMap<String, String>) -> Recorded {
    let text = |key: &str| labels.get(key).cloned().unwrap_or_default();
    Recorded {
        environment: text(ENVIRONMENT),
        app: text(APP),
        fingerprint: parse_json(labels, FINGERPRINT),
        image: text(IMAGE),
        depends_on: labels
            .get(DEPENDS_ON)
            .map(|d| {
                d.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        checks: parse_json(labels, CHECKS),
        exposes: parse_json(labels, EXPOSES),
        revision: parse_json(labels, REVISION),
        lineage: parse_json(labels, LINEAGE),
    }
}

/// The environment an object belongs to, from its labels.
pub fn environment_of(labels: &HashMap<String, String>) -> String {
    labels.get(ENVIRONMENT).cloned().unwrap_or_default()
}

/// The engine-side filter for ark's objects: all of them, or one environment's.
pub fn filter(environment: Option<&str>) -> String {
    match environment {
        Some(env) => format!("{ENVIRONMENT}={env}"),
        None => ENVIRONMENT.to_owned(),
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn parse_json<T: serde::de::DeserializeOwned + Default>(
    labels: &HashMap<String, String>,
    key: &str,
) -> T {
    labels
        .get(key)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

/// The app's readiness checks, as its labels record them.
pub fn check_labels(spec: &AppSpec) -> Vec<CheckLabel> {
    spec.checks.iter().map(check_label).collect()
}

fn check_label(check: &ReadinessCheck) -> CheckLabel {
    let (path, command) = match &check.check.probe {
        Probe::Http { path } => (Some(path.clone()), None),
        Probe::Exec { command } => (None, Some(command.0.clone())),
        _ => (None, None),
    };
    CheckLabel {
        expose: check.expose.clone(),
        port: check.port,
        kind: check.check.probe.kind().into(),
        path,
        command,
    }
}

/// A network's fingerprint key: its label, or for a network made before keys existed (or
/// with a damaged label) one derived from the random id the engine gave it.
pub fn fingerprint_key_of(labels: &HashMap<String, String>, network_id: &str) -> FingerprintKey {
    labels
        .get(FINGERPRINT_KEY)
        .and_then(|hex| FingerprintKey::from_hex(hex))
        .unwrap_or_else(|| FingerprintKey::derived_from(network_id))
}

/// The labels that record a placement on a network.
pub fn placement_labels(placement: &Placement) -> Vec<(String, String)> {
    [(TARGET, &placement.target), (ENGINE, &placement.engine)]
        .into_iter()
        .filter_map(|(key, value)| {
            value
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| (key.to_owned(), v.to_owned()))
        })
        .collect()
}

/// A network's placement, read back from its labels (empty values count as absent).
pub fn placement_of(labels: &HashMap<String, String>) -> Placement {
    let read = |key: &str| labels.get(key).filter(|v| !v.is_empty()).cloned();
    Placement {
        target: read(TARGET),
        engine: read(ENGINE),
    }
}

/// The name of an environment's space (its network): one per environment.
pub fn environment_name(environment: &str) -> String {
    format!("ark_{environment}")
}

/// Deterministic instance names: the engine itself refuses a second `ark_<env>_<app>`,
/// so two concurrent starts never create two of an app. Environment names have no `_`, so
/// the name is unambiguous.
pub fn instance_name(environment: &str, app: &str) -> String {
    format!("ark_{environment}_{app}")
}

/// The engine's name for a revision of an app that does not hold the app's name: one
/// being rolled over to, or a retired one (`ark_<env>_<app>.<revision>`).
pub fn revision_name(environment: &str, app: &str, revision: u32) -> String {
    format!("{}.{revision}", instance_name(environment, app))
}

/// The tag of an image ark built from a checkout: named by content, so an unchanged
/// checkout is not rebuilt.
pub fn local_image_tag(app: &str, content_hash: &str) -> String {
    format!("ark-local/{}:{content_hash}", app.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_collide_across_environments() {
        // `a-b` + `c` and `a` + `b-c` would collide with `-` between them.
        assert_ne!(instance_name("a-b", "c"), instance_name("a", "b-c"));
        assert_eq!(instance_name("eng1-env", "api"), "ark_eng1-env_api");
        assert_eq!(environment_name("eng1-env"), "ark_eng1-env");
    }

    #[test]
    fn a_placement_survives_its_labels() {
        let placement = Placement {
            target: Some("shared-box".into()),
            engine: Some("tcp://10.0.0.9:2375".into()),
        };
        let labels: HashMap<String, String> = placement_labels(&placement).into_iter().collect();
        assert_eq!(labels[TARGET], "shared-box");
        assert_eq!(labels[ENGINE], "tcp://10.0.0.9:2375");
        assert_eq!(placement_of(&labels), placement);

        // No target: no label, and a network made before targets existed reads as nothing.
        let local = Placement {
            target: None,
            engine: Some("unix:///var/run/docker.sock".into()),
        };
        assert_eq!(
            placement_labels(&local),
            [(ENGINE.to_owned(), "unix:///var/run/docker.sock".to_owned())]
        );
        let old = HashMap::from([(ENVIRONMENT.to_owned(), "dev".to_owned())]);
        assert_eq!(placement_of(&old), Placement::default());
        let blank = HashMap::from([(TARGET.to_owned(), String::new())]);
        assert_eq!(placement_of(&blank).target, None);
    }
}
