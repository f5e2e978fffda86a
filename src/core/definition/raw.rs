//! The raw serde structs that mirror a launch file's YAML, and the keys each level reads
//! or knowingly ignores (so that a truly unknown key can be warned about).

use super::model::EnvDeclaration;
use crate::core::command_line::CommandLine;
use crate::core::scalar::Scalar;
use crate::core::variable_name::{self, NameSeed};
use crate::core::yaml::KnownKeys;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Keys ark reads at the top level of a definition.
const TOP_LEVEL_KEYS: &[&str] = &["run", "env", "expose", "dependencies", "resources", "build"];
/// Production-only top-level keys: accepted and not read.
const PRODUCTION_ONLY_KEYS: &[&str] = &[
    "access_groups",
    "access_scope",
    "alarms",
    "app_mesh",
    "application",
    "autoscaling",
    "aws",
    "databases",
    "deploy_config",
    "elbs",
    "events",
    "lambda",
    "mesh_config",
    "pod_config",
    "shepherds",
    "team",
    "telemetry",
    "use_iam_roles",
];

/// The keys read and the keys knowingly ignored in the map under `parents`; `None` where
/// ark checks no keys.
pub(super) fn known_keys(parents: &[String]) -> Option<KnownKeys> {
    let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
    let known = match parents.as_slice() {
        [] => KnownKeys {
            read: TOP_LEVEL_KEYS,
            ignored: PRODUCTION_ONLY_KEYS,
        },
        ["run"] => KnownKeys {
            read: &["type", "architecture", "image", "command", "init"],
            ignored: &[],
        },
        ["expose"] => KnownKeys {
            read: &["name", "port", "health_check"],
            ignored: &["bind", "load_balancer_port", "load_balancer_proto"],
        },
        ["expose", "health_check"] => KnownKeys {
            read: &["type", "path", "command", "interval", "timeout"],
            ignored: &[],
        },
        ["resources"] => KnownKeys {
            read: &["cpu", "max_mem", "soft_mem_limit", "mem", "soft_limit_mem"],
            ignored: &[],
        },
        ["build"] => KnownKeys {
            read: &["docker", "artifact"],
            ignored: &[],
        },
        ["build", "docker"] => KnownKeys {
            read: &["file"],
            ignored: &[],
        },
        ["build", "artifact"] => KnownKeys {
            read: &["name"],
            ignored: &["command", "dependencies"],
        },
        _ => return None,
    };
    Some(known)
}

#[derive(Deserialize, Default)]
pub(super) struct RawDefinition {
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) run: Option<RawRun>,
    pub(super) env: Option<EnvList>,
    pub(super) expose: Option<Vec<RawExpose>>,
    pub(super) dependencies: Option<Vec<String>>,
    pub(super) resources: Option<RawResources>,
    pub(super) build: Option<RawBuild>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawRun {
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) architecture: Option<String>,
    pub(super) image: Option<String>,
    pub(super) command: Option<CommandLine>,
    pub(super) init: Option<bool>,
}

#[derive(Deserialize)]
pub(super) struct RawExpose {
    pub(super) name: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) health_check: Option<RawHealthCheck>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawProbeKind {
    Http,
    Tcp,
    Exec,
    None,
}

#[derive(Deserialize)]
pub(super) struct RawHealthCheck {
    #[serde(rename = "type")]
    pub(super) kind: Option<RawProbeKind>,
    pub(super) path: Option<String>,
    pub(super) command: Option<CommandLine>,
    pub(super) interval: Option<Scalar>,
    pub(super) timeout: Option<Scalar>,
}

#[derive(Deserialize)]
pub(super) struct RawResources {
    pub(super) cpu: Option<f64>,
    #[serde(alias = "mem")]
    pub(super) max_mem: Option<f64>,
    #[serde(alias = "soft_limit_mem")]
    pub(super) soft_mem_limit: Option<f64>,
}

#[derive(Deserialize)]
pub(super) struct RawBuild {
    pub(super) docker: Option<RawDockerBuild>,
    pub(super) artifact: Option<RawArtifact>,
}

#[derive(Deserialize)]
pub(super) struct RawDockerBuild {
    pub(super) file: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct RawArtifact {
    pub(super) name: Option<String>,
}

/// `env:` as production writes it (a list of names) or as ark also accepts (a map of defaults).
///
/// Names must be portable (`variable_name`). In ark's own map form anything else is an error
/// at the name. Production's list form is tolerated instead — a real file lists
/// `DYNAMO_READ_WRITE_CAPACITY;` — but such a name is dropped (with a warning), so it never
/// reaches a container or `ark config -o env`.
#[derive(Default)]
pub(super) struct EnvList {
    pub(super) declarations: Vec<EnvDeclaration>,
    /// List entries that are not variable names, in file order.
    pub(super) dropped: Vec<String>,
}

impl<'de> Deserialize<'de> for EnvList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvVisitor;
        impl<'de> Visitor<'de> for EnvVisitor {
            type Value = EnvList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of variable names, or a map of names to default values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<EnvList, E> {
                Ok(EnvList::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EnvList, A::Error> {
                let mut list = EnvList::default();
                while let Some(name) = seq.next_element::<String>()? {
                    let name = name.trim();
                    if variable_name::check(name).is_ok() {
                        list.declarations.push(EnvDeclaration {
                            name: name.to_owned(),
                            default: None,
                        });
                    } else {
                        list.dropped.push(name.to_owned());
                    }
                }
                Ok(list)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvList, A::Error> {
                let mut list = EnvList::default();
                while let Some(name) = map.next_key_seed(NameSeed)? {
                    let default = map.next_value::<Scalar>()?.0;
                    list.declarations.push(EnvDeclaration { name, default });
                }
                Ok(list)
            }
        }
        deserializer.deserialize_any(EnvVisitor)
    }
}
