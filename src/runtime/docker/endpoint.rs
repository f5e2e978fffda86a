//! Which Docker engine to talk to, decided as the docker CLI decides it:
//! `-H/--host` → `DOCKER_HOST` → `--context` → `DOCKER_CONTEXT` → `currentContext` in
//! `~/.docker/config.json` → the local socket. A context's endpoint is read from
//! `~/.docker/contexts/meta/<sha256 of the name>/meta.json` (`DOCKER_CONFIG` moves `~/.docker`).

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
}

/// Resolves the endpoint. `var` reads environment variables (injected for tests).
pub fn resolve(
    host: Option<&str>,
    context: Option<&str>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, EndpointError> {
    if let Some(host) = host.filter(|h| !h.is_empty()) {
        return Ok(Endpoint {
            url: normalise(host),
            source: "--host".into(),
        });
    }
    if let Some(host) = var("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return Ok(Endpoint {
            url: normalise(&host),
            source: "DOCKER_HOST".into(),
        });
    }
    let config_dir = var("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".docker")));
    let (name, origin) = if let Some(name) = context {
        (Some(name.to_owned()), "--context")
    } else if let Some(name) = var("DOCKER_CONTEXT").filter(|c| !c.is_empty()) {
        (Some(name), "DOCKER_CONTEXT")
    } else {
        (
            config_dir
                .as_ref()
                .and_then(|dir| current_context(&dir.join("config.json"))),
            "config.json currentContext",
        )
    };
    match name.filter(|n| n != "default") {
        None => Ok(Endpoint {
            url: DEFAULT_SOCKET.into(),
            source: "the default socket".into(),
        }),
        Some(name) => {
            let meta = config_dir
                .unwrap_or_default()
                .join("contexts/meta")
                .join(format!("{:x}", Sha256::digest(name.as_bytes())))
                .join("meta.json");
            let url = context_host(&name, &meta)?;
            Ok(Endpoint {
                url: normalise(&url),
                source: format!("context `{name}` ({origin})"),
            })
        }
    }
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

    #[test]
    fn the_docker_cli_order_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        write_context(dir.path(), "remote", "tcp://10.0.0.5:2376");
        write_context(dir.path(), "other", "ssh://me@box");
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext": "other"}"#,
        )
        .unwrap();
        let config = dir.path().display().to_string();

        let env = [
            ("DOCKER_CONFIG", config.clone()),
            ("DOCKER_HOST", "tcp://1.2.3.4:2375".to_string()),
        ];
        assert_eq!(
            resolve(Some("unix:///x.sock"), Some("remote"), &vars(&env))
                .unwrap()
                .source,
            "--host"
        );
        assert_eq!(
            resolve(None, Some("remote"), &vars(&env)).unwrap().url,
            "tcp://1.2.3.4:2375"
        );

        let env = [
            ("DOCKER_CONFIG", config.clone()),
            ("DOCKER_CONTEXT", "remote".to_string()),
        ];
        assert_eq!(
            resolve(None, None, &vars(&env)).unwrap().url,
            "tcp://10.0.0.5:2376"
        );
        let flagged = resolve(None, Some("other"), &vars(&env)).unwrap();
        assert_eq!(flagged.url, "ssh://me@box");
        assert_eq!(flagged.source, "context `other` (--context)");

        let env = [("DOCKER_CONFIG", config.clone())];
        assert_eq!(
            resolve(None, None, &vars(&env)).unwrap().source,
            "context `other` (config.json currentContext)"
        );
        assert_eq!(
            resolve(None, Some("default"), &vars(&env)).unwrap().url,
            DEFAULT_SOCKET
        );
    }

    #[test]
    fn nothing_set_means_the_local_socket() {
        let empty = tempfile::tempdir().unwrap();
        let env = [("HOME", empty.path().display().to_string())];
        assert_eq!(
            resolve(None, None, &vars(&env)).unwrap(),
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
        let error = resolve(None, Some("nope"), &vars(&env)).unwrap_err();
        assert!(matches!(error, EndpointError::UnknownContext { ref name, .. } if name == "nope"));
    }

    #[test]
    fn bare_hosts_get_a_scheme() {
        assert_eq!(normalise("/run/docker.sock"), "unix:///run/docker.sock");
        assert_eq!(normalise("127.0.0.1:2375"), "tcp://127.0.0.1:2375");
    }
}
