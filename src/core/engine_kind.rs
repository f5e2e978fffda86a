//! Which kind of engine an environment runs on — one Docker engine, or a Docker Swarm — and
//! the settings only a cluster needs (its nodes, the registry that carries images between
//! them), as the environment's files and `--engine` decide them.

use serde::de::{self, Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineKind {
    /// One engine: a container per app.
    #[default]
    Docker,
    /// A Swarm manager: a service per app, its tasks on any node.
    Swarm,
}

impl EngineKind {
    /// Every kind, in the order messages list them.
    pub const ALL: [EngineKind; 2] = [EngineKind::Docker, EngineKind::Swarm];

    /// The name written in `engine:` and `--engine`.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Docker => "docker",
            EngineKind::Swarm => "swarm",
        }
    }

    /// The names of every kind, for messages and suggestions.
    pub fn names() -> impl Iterator<Item = &'static str> {
        EngineKind::ALL.into_iter().map(EngineKind::name)
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for EngineKind {
    type Err = String;

    fn from_str(text: &str) -> Result<EngineKind, String> {
        EngineKind::ALL
            .into_iter()
            .find(|kind| kind.name() == text)
            .ok_or_else(|| {
                format!(
                    "unknown engine kind `{}`: ark runs environments on {}",
                    text.escape_debug(),
                    EngineKind::names().collect::<Vec<_>>().join(" or ")
                )
            })
    }
}

impl<'de> Deserialize<'de> for EngineKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<EngineKind, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// How an environment runs: the engine kind and, for a cluster, its nodes and registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineChoice {
    pub kind: EngineKind,
    /// node name → engine URL this machine can reach (environment `nodes:`)
    pub nodes: BTreeMap<String, String>,
    /// HOST:PORT (environment `registry:`)
    pub registry: Option<String>,
    /// the file that said `engine:` (None: default or --engine)
    pub said_in: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in EngineKind::ALL {
            assert_eq!(kind.name().parse::<EngineKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.name());
        }
        assert_eq!(EngineKind::default(), EngineKind::Docker);
    }

    #[test]
    fn an_unknown_kind_lists_the_known_ones() {
        assert_eq!(
            "Swarm".parse::<EngineKind>(),
            Err("unknown engine kind `Swarm`: ark runs environments on docker or swarm".into())
        );
    }

    #[test]
    fn it_deserializes_from_its_name() {
        let kind: EngineKind = serde_yaml::from_str("swarm").unwrap();
        assert_eq!(kind, EngineKind::Swarm);
        let error = serde_yaml::from_str::<EngineKind>("kubernetes").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown engine kind `kubernetes`"),
            "{error}"
        );
    }
}
