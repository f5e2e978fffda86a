//! ark's labels: the only state. Everything ark creates carries them; ark never touches
//! anything without them. Any machine that reaches the engine sees the same environments.

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
}
