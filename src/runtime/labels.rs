//! ark's labels: the only state. Everything ark creates carries them; ark never touches
//! anything without them. Any machine that reaches the engine sees the same environments.

use crate::runtime::api::Placement;
use std::collections::HashMap;

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

/// A network's fingerprint key: its label, or for a network made before keys existed (or
/// with a damaged label) one derived from the random id the engine gave it.
pub fn fingerprint_key_of(
    labels: &HashMap<String, String>,
    network_id: &str,
) -> crate::core::fingerprint_key::FingerprintKey {
    use crate::core::fingerprint_key::FingerprintKey;
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

/// The network of an environment: one per environment.
pub fn network_name(environment: &str) -> String {
    format!("ark_{environment}")
}

/// Deterministic container names: the engine itself refuses a second `ark_<env>_<app>`,
/// so two concurrent starts never create two of an app. Environment names have no `_`, so
/// the name is unambiguous.
pub fn container_name(environment: &str, app: &str) -> String {
    format!("ark_{environment}_{app}")
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
        assert_ne!(container_name("a-b", "c"), container_name("a", "b-c"));
        assert_eq!(container_name("eng1-env", "api"), "ark_eng1-env_api");
        assert_eq!(network_name("eng1-env"), "ark_eng1-env");
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
