//! Which Docker engine to talk to, decided as the docker CLI decides it:
//! `-H/--host` → `DOCKER_HOST` → `--context` → `DOCKER_CONTEXT` → `currentContext` in
//! `~/.docker/config.json` → the local socket. A context's endpoint is read from
//! `~/.docker/contexts/meta/<sha256 of the name>/meta.json` (`DOCKER_CONFIG` moves `~/.docker`).
//!
//! An environment bound to a target (`target:` in its file) goes there instead: only an
//! explicit `-H/--host` beats the target. The target is an endpoint URL (`tcp://…`,
//! `ssh://…`) or, without `://`, a docker context name.

use crate::runtime::api::Endpoint;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("docker context `{name}` not found (no {path})")]
    UnknownContext { name: String, path: String },
    #[error("cannot read docker context `{name}` at {path}: {detail}")]
    BadContext {
        name: String,
        path: String,
        detail: String,
    },
    /// The environment's `target:` names a context that cannot be used.
    #[error("the target of environment `{environment}`: {error}")]
    Target {
        environment: String,
        error: Box<EndpointError>,
    },
}

/// An environment bound to a target: (environment name, its `target:` as written).
pub type Target<'a> = (&'a str, &'a str);

/// The endpoint chosen, and what the choice passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub endpoint: Endpoint,
    /// One line for the user when a setting they gave lost: the environment's target beat
    /// `DOCKER_HOST`, `--context` or `DOCKER_CONTEXT`, or `-H/--host` beat the target.
    pub note: Option<String>,
}

/// Resolves the endpoint for a command, the environment's target first when it has one.
/// `var` reads environment variables (injected for tests).
pub fn resolve(
    host: Option<&str>,
    context: Option<&str>,
    target: Option<Target<'_>>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, EndpointError> {
    let flagged = host.filter(|h| !h.is_empty()).map(|host| Endpoint {
        url: normalise(host),
        source: "--host".into(),
    });
    let Some((environment, target)) = target else {
        return Ok(Resolved {
            endpoint: match flagged {
                Some(endpoint) => endpoint,
                None => untargeted(context, var)?,
            },
            note: None,
        });
    };
    if let Some(endpoint) = flagged {
        let note = (endpoint.url != normalise(target)).then(|| {
            format!(
                "environment `{environment}` targets {target}; using {} (from -H/--host) instead",
                endpoint.url
            )
        });
        return Ok(Resolved { endpoint, note });
    }
    let endpoint =
        target_endpoint(environment, target, var).map_err(|error| EndpointError::Target {
            environment: environment.to_owned(),
            error: Box::new(error),
        })?;
    // Only what the user set for this shell or this command is worth a note: the docker
    // CLI's current context is a machine-wide default that a target is meant to beat.
    let explicit = context.is_some()
        || var("DOCKER_HOST").is_some_and(|h| !h.is_empty())
        || var("DOCKER_CONTEXT").is_some_and(|c| !c.is_empty());
    let note = match explicit.then(|| untargeted(context, var)) {
        Some(Ok(other)) if other.url != endpoint.url => {
            Some(format!("{} from {}", other.url, other.source))
        }
        Some(Err(error)) => Some(error.to_string()),
        _ => None,
    }
    .map(|passed_over| {
        format!(
            "environment `{environment}` runs on its target {}; ignoring {passed_over}",
            endpoint.url
        )
    });
    Ok(Resolved { endpoint, note })
}

/// The engine a target names: a URL as written, or a docker context by name.
fn target_endpoint(
    environment: &str,
    target: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, EndpointError> {
    let origin = format!("target of environment `{environment}`");
    if target.contains("://") {
        return Ok(Endpoint {
            url: target.to_owned(),
            source: origin,
        });
    }
    named_context(target, &origin, var)
}

/// The docker CLI's choice after `-H/--host`: `DOCKER_HOST` → `--context` →
/// `DOCKER_CONTEXT` → `currentContext` → the local socket.
fn untargeted(
    context: Option<&str>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, EndpointError> {
    if let Some(host) = var("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return Ok(Endpoint {
            url: normalise(&host),
            source: "DOCKER_HOST".into(),
        });
    }
    let (name, origin) = if let Some(name) = context {
        (Some(name.to_owned()), "--context")
    } else if let Some(name) = var("DOCKER_CONTEXT").filter(|c| !c.is_empty()) {
        (Some(name), "DOCKER_CONTEXT")
    } else {
        (
            config_dir(var).and_then(|dir| current_context(&dir.join("config.json"))),
            "config.json currentContext",
        )
    };
    match name {
        None => Ok(Endpoint {
            url: DEFAULT_SOCKET.into(),
            source: "the default socket".into(),
        }),
        Some(name) => named_context(&name, origin, var),
    }
}

/// `~/.docker`, or where `DOCKER_CONFIG` moves it.
fn config_dir(var: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    var("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".docker")))
}

/// A docker context's endpoint (`default` is the local socket); `origin` says who named it.
fn named_context(
    name: &str,
    origin: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, EndpointError> {
    if name == "default" {
        return Ok(Endpoint {
            url: DEFAULT_SOCKET.into(),
            source: format!("context `default` ({origin})"),
        });
    }
    let meta = config_dir(var)
        .unwrap_or_default()
        .join("contexts/meta")
        .join(format!("{:x}", Sha256::digest(name.as_bytes())))
        .join("meta.json");
    let url = context_host(name, &meta)?;
    Ok(Endpoint {
        url: normalise(&url),
        source: format!("context `{name}` ({origin})"),
    })
}

fn current_context(config: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(config).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value
        .get("currentContext")?
        .as_str()
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

fn context_host(name: &str, meta: &std::path::Path) -> Result<String, EndpointError> {
    let path = meta.display().to_string();
    let text = std::fs::read_to_string(meta).map_err(|_| EndpointError::UnknownContext {
        name: name.into(),
        path: path.clone(),
    })?;
    let bad = |detail: &str| EndpointError::BadContext {
        name: name.into(),
        path: path.clone(),
        detail: detail.into(),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    value
        .pointer("/Endpoints/docker/Host")
        .and_then(|h| h.as_str())
        .map(str::to_owned)
        .ok_or_else(|| bad("no Endpoints.docker.Host"))
}

/// `/var/run/docker.sock` → `unix:///var/run/docker.sock`; `host:2375` → `tcp://host:2375`.
fn normalise(host: &str) -> String {
    if host.contains("://") {
        host.to_owned()
    } else if host.starts_with('/') {
        format!("unix://{host}")
    } else {
        format!("tcp://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, String)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        }
    }

    /// The choice for a command without an environment target.
    fn untargeted_resolve(
        host: Option<&str>,
        context: Option<&str>,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Endpoint, EndpointError> {
        resolve(host, context, None, var).map(|r| r.endpoint)
    }

    fn write_context(dir: &std::path::Path, name: &str, host: &str) {
        let meta = dir
            .join("contexts/meta")
            .join(format!("{:x}", Sha256::digest(name.as_bytes())));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            format!(r#"{{"Name":"{name}","Endpoints":{{"docker":{{"Host":"{host}"}}}}}}"#),
        )
        .unwrap();
    }

    /// A docker config folder with these contexts, `other` being the current one.
    fn docker_config(contexts: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, host) in contexts {
            write_context(dir.path(), name, host);
        }
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext": "other"}"#,
        )
        .unwrap();
        dir
    }

    #[test]
    fn the_docker_cli_order_is_followed() {
        let dir = docker_config(&[("remote", "tcp://10.0.0.5:2376"), ("other", "ssh://me@box")]);
        let config = dir.path().display().to_string();

        let env = [
            ("DOCKER_CONFIG", config.clone()),
            ("DOCKER_HOST", "tcp://1.2.3.4:2375".to_string()),
        ];
        assert_eq!(
            untargeted_resolve(Some("unix:///x.sock"), Some("remote"), &vars(&env))
                .unwrap()
                .source,
            "--host"
        );
        assert_eq!(
            untargeted_resolve(None, Some("remote"), &vars(&env))
                .unwrap()
                .url,
            "tcp://1.2.3.4:2375"
        );

        let env = [
            ("DOCKER_CONFIG", config.clone()),
            ("DOCKER_CONTEXT", "remote".to_string()),
        ];
        assert_eq!(
            untargeted_resolve(None, None, &vars(&env)).unwrap().url,
            "tcp://10.0.0.5:2376"
        );
        let flagged = untargeted_resolve(None, Some("other"), &vars(&env)).unwrap();
        assert_eq!(flagged.url, "ssh://me@box");
        assert_eq!(flagged.source, "context `other` (--context)");

        let env = [("DOCKER_CONFIG", config.clone())];
        assert_eq!(
            untargeted_resolve(None, None, &vars(&env)).unwrap().source,
            "context `other` (config.json currentContext)"
        );
        assert_eq!(
            untargeted_resolve(None, Some("default"), &vars(&env))
                .unwrap()
                .url,
            DEFAULT_SOCKET
        );
    }

    #[test]
    fn nothing_set_means_the_local_socket() {
        let empty = tempfile::tempdir().unwrap();
        let env = [("HOME", empty.path().display().to_string())];
        assert_eq!(
            untargeted_resolve(None, None, &vars(&env)).unwrap(),
            Endpoint {
                url: DEFAULT_SOCKET.into(),
                source: "the default socket".into()
            }
        );
    }

    #[test]
    fn an_unknown_context_is_named() {
        let empty = tempfile::tempdir().unwrap();
        let env = [("DOCKER_CONFIG", empty.path().display().to_string())];
        let error = untargeted_resolve(None, Some("nope"), &vars(&env)).unwrap_err();
        assert!(matches!(error, EndpointError::UnknownContext { ref name, .. } if name == "nope"));
    }

    #[test]
    fn bare_hosts_get_a_scheme() {
        assert_eq!(normalise("/run/docker.sock"), "unix:///run/docker.sock");
        assert_eq!(normalise("127.0.0.1:2375"), "tcp://127.0.0.1:2375");
    }

    /// Precedence with a target, case by case: (-H, --context, variables) → (url, note?).
    #[test]
    fn the_target_beats_everything_but_an_explicit_host() {
        let dir = docker_config(&[
            ("shared", "tcp://10.0.0.9:2375"),
            ("other", "tcp://10.0.0.5:2376"),
        ]);
        let config = ("DOCKER_CONFIG", dir.path().display().to_string());
        let docker_host = ("DOCKER_HOST", "unix:///elsewhere.sock".to_string());
        let docker_context = ("DOCKER_CONTEXT", "other".to_string());
        let url_target = Some(("api-env", "tcp://10.0.0.7:2375"));
        let context_target = Some(("api-env", "shared"));
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Vec<(&'a str, String)>,
            Option<Target<'a>>,
            &'a str,
            Option<&'a str>,
        );
        let cases: Vec<Case> = vec![
            // The target alone, a URL or a context name. config.json's currentContext
            // (`other`) loses without a word: it is a machine-wide default.
            (None, None, vec![config.clone()], url_target, "tcp://10.0.0.7:2375", None),
            (None, None, vec![config.clone()], context_target, "tcp://10.0.0.9:2375", None),
            // DOCKER_HOST, --context and DOCKER_CONTEXT lose, with a note naming them.
            (
                None,
                None,
                vec![config.clone(), docker_host.clone()],
                url_target,
                "tcp://10.0.0.7:2375",
                Some("environment `api-env` runs on its target tcp://10.0.0.7:2375; ignoring unix:///elsewhere.sock from DOCKER_HOST"),
            ),
            (
                None,
                Some("other"),
                vec![config.clone()],
                context_target,
                "tcp://10.0.0.9:2375",
                Some("environment `api-env` runs on its target tcp://10.0.0.9:2375; ignoring tcp://10.0.0.5:2376 from context `other` (--context)"),
            ),
            (
                None,
                None,
                vec![config.clone(), docker_context.clone()],
                url_target,
                "tcp://10.0.0.7:2375",
                Some("environment `api-env` runs on its target tcp://10.0.0.7:2375; ignoring tcp://10.0.0.5:2376 from context `other` (DOCKER_CONTEXT)"),
            ),
            // A variable that agrees with the target is no news.
            (
                None,
                Some("shared"),
                vec![config.clone()],
                context_target,
                "tcp://10.0.0.9:2375",
                None,
            ),
            // An explicit -H wins, and says what it beat.
            (
                Some("unix:///var/run/docker.sock"),
                None,
                vec![config.clone(), docker_host.clone()],
                url_target,
                "unix:///var/run/docker.sock",
                Some("environment `api-env` targets tcp://10.0.0.7:2375; using unix:///var/run/docker.sock (from -H/--host) instead"),
            ),
            (
                Some("tcp://10.0.0.7:2375"),
                None,
                vec![config.clone()],
                url_target,
                "tcp://10.0.0.7:2375",
                None,
            ),
            // No target: the docker CLI's order, untouched.
            (None, None, vec![config.clone(), docker_host.clone()], None, "unix:///elsewhere.sock", None),
        ];
        for (host, context, env, target, url, note) in cases {
            let resolved = resolve(host, context, target, &vars(&env)).unwrap();
            let case = format!("-H {host:?} --context {context:?} {env:?} target {target:?}");
            assert_eq!(resolved.endpoint.url, url, "{case}");
            assert_eq!(resolved.note.as_deref(), note, "{case}");
        }
        let resolved = resolve(None, None, context_target, &vars(&[config])).unwrap();
        assert_eq!(
            resolved.endpoint.source,
            "context `shared` (target of environment `api-env`)"
        );
    }

    #[test]
    fn a_target_naming_an_unknown_context_names_the_environment() {
        let empty = tempfile::tempdir().unwrap();
        let env = [("DOCKER_CONFIG", empty.path().display().to_string())];
        let error = resolve(None, None, Some(("api-env", "nope")), &vars(&env)).unwrap_err();
        assert!(
            matches!(&error, EndpointError::Target { environment, error }
                if environment == "api-env"
                    && matches!(**error, EndpointError::UnknownContext { ref name, .. } if name == "nope")),
            "{error:?}"
        );
        assert!(error
            .to_string()
            .starts_with("the target of environment `api-env`: docker context `nope` not found"));
        // A broken --context that the target beats is a note, not a failure.
        let resolved = resolve(
            None,
            Some("nope"),
            Some(("api-env", "tcp://10.0.0.7:2375")),
            &vars(&env),
        )
        .unwrap();
        assert!(resolved
            .note
            .unwrap()
            .contains("ignoring docker context `nope` not found"));
    }
}
