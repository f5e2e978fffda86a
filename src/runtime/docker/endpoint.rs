//! Which Docker engine to talk to, decided as the docker CLI decides it:
//! `-H/--host` → `DOCKER_HOST` → `--context` → `DOCKER_CONTEXT` → `currentContext` in
//! `~/.docker/config.json` → the local socket. A context's endpoint is read from
//! `~/.docker/contexts/meta/<sha256 of the name>/meta.json` (`DOCKER_CONFIG` moves `~/.docker`).
//!
//! TLS, also as the docker CLI does it: a `-H`/`DOCKER_HOST` endpoint uses TLS when
//! `DOCKER_TLS_VERIFY` (or `DOCKER_TLS`) is set, with `ca.pem`, `cert.pem` and `key.pem` from
//! `DOCKER_CERT_PATH` (default `~/.docker`); a context uses TLS when it has its own files in
//! `~/.docker/contexts/tls/<sha256 of the name>/docker/`. Only `tcp://` endpoints use TLS.

use crate::runtime::api::{Endpoint, TlsFiles};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

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
    let config_dir = var("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".docker")));
    let given = host
        .filter(|h| !h.is_empty())
        .map(|h| (h.to_owned(), "--host"))
        .or_else(|| {
            var("DOCKER_HOST")
                .filter(|h| !h.is_empty())
                .map(|h| (h, "DOCKER_HOST"))
        });
    if let Some((host, source)) = given {
        let url = normalise(&host);
        let tls =
            env_tls(var, config_dir.unwrap_or_default()).filter(|_| url.starts_with("tcp://"));
        return Ok(Endpoint {
            url,
            source: source.into(),
            tls,
        });
    }
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
            tls: None,
        }),
        Some(name) => {
            let config_dir = config_dir.unwrap_or_default();
            let meta = context_dir(&config_dir, "meta", &name).join("meta.json");
            let (host, skip_verify) = context_host(&name, &meta)?;
            let url = normalise(&host);
            let tls =
                context_tls(&config_dir, &name, skip_verify).filter(|_| url.starts_with("tcp://"));
            Ok(Endpoint {
                url,
                source: format!("context `{name}` ({origin})"),
                tls,
            })
        }
    }
}

/// TLS for a `-H`/`DOCKER_HOST` endpoint, from the environment. `DOCKER_TLS` alone asks the
/// docker CLI for TLS without checking the engine's certificate; ark checks it anyway rather
/// than fall back to plain TCP.
fn env_tls(var: &dyn Fn(&str) -> Option<String>, config_dir: PathBuf) -> Option<Box<TlsFiles>> {
    let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
    let asked = ["DOCKER_TLS_VERIFY", "DOCKER_TLS"]
        .into_iter()
        .find(|name| set(name))?;
    let (dir, from) = match var("DOCKER_CERT_PATH").filter(|path| !path.is_empty()) {
        Some(path) => (PathBuf::from(path), "DOCKER_CERT_PATH"),
        None => (config_dir, "the default DOCKER_CERT_PATH"),
    };
    Some(files_in(&dir, format!("{asked}, {from}")))
}

/// TLS for a context: its own files, when `docker context create` stored some. A context
/// marked `SkipTLSVerify` also gets TLS (verified: ark never skips the check).
fn context_tls(config_dir: &Path, name: &str, skip_verify: bool) -> Option<Box<TlsFiles>> {
    let dir = context_dir(config_dir, "tls", name).join("docker");
    (dir.is_dir() || skip_verify).then(|| files_in(&dir, "the context".into()))
}

fn files_in(dir: &Path, source: String) -> Box<TlsFiles> {
    Box::new(TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        source,
    })
}

/// `~/.docker/contexts/<kind>/<sha256 of the name>`: where the docker CLI keeps a context.
fn context_dir(config_dir: &Path, kind: &str, name: &str) -> PathBuf {
    config_dir
        .join("contexts")
        .join(kind)
        .join(format!("{:x}", Sha256::digest(name.as_bytes())))
}

fn current_context(config: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value
        .get("currentContext")?
        .as_str()
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// The context's `Host`, and whether it is marked `SkipTLSVerify`.
fn context_host(name: &str, meta: &Path) -> Result<(String, bool), EndpointError> {
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
    let host = value
        .pointer("/Endpoints/docker/Host")
        .and_then(|h| h.as_str())
        .map(str::to_owned)
        .ok_or_else(|| bad("no Endpoints.docker.Host"))?;
    let skip_verify = value
        .pointer("/Endpoints/docker/SkipTLSVerify")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    Ok((host, skip_verify))
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
                source: "the default socket".into(),
                tls: None,
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

    fn tls_dir(endpoint: &Endpoint) -> Option<(PathBuf, String)> {
        endpoint.tls.as_ref().map(|tls| {
            assert_eq!(tls.cert, tls.ca.with_file_name("cert.pem"));
            assert_eq!(tls.key, tls.ca.with_file_name("key.pem"));
            assert_eq!(tls.ca.file_name().unwrap(), "ca.pem");
            (tls.ca.parent().unwrap().to_owned(), tls.source.clone())
        })
    }

    #[test]
    fn docker_tls_verify_takes_the_files_from_docker_cert_path_or_the_config_folder() {
        let host = || ("DOCKER_HOST", "tcp://10.0.0.5:2376".to_string());
        let verify = || ("DOCKER_TLS_VERIFY", "1".to_string());
        // (variables, the folder the files are in and why; `None`: no TLS).
        type Case = (
            Vec<(&'static str, String)>,
            Option<(&'static str, &'static str)>,
        );
        let cases: Vec<Case> = vec![
            (vec![host()], None),
            (
                vec![host(), verify(), ("DOCKER_CERT_PATH", "/certs".into())],
                Some(("/certs", "DOCKER_TLS_VERIFY, DOCKER_CERT_PATH")),
            ),
            (
                vec![host(), verify(), ("DOCKER_CONFIG", "/cfg".into())],
                Some(("/cfg", "DOCKER_TLS_VERIFY, the default DOCKER_CERT_PATH")),
            ),
            (
                vec![host(), verify(), ("HOME", "/home/me".into())],
                Some((
                    "/home/me/.docker",
                    "DOCKER_TLS_VERIFY, the default DOCKER_CERT_PATH",
                )),
            ),
            // Empty means unset, as in the docker CLI; DOCKER_CERT_PATH alone asks for nothing.
            (
                vec![
                    host(),
                    ("DOCKER_TLS_VERIFY", String::new()),
                    ("DOCKER_CERT_PATH", "/certs".into()),
                ],
                None,
            ),
            // DOCKER_TLS asks for TLS without checking the engine: ark checks anyway.
            (
                vec![host(), ("DOCKER_TLS", "1".into()), ("HOME", "/h".into())],
                Some(("/h/.docker", "DOCKER_TLS, the default DOCKER_CERT_PATH")),
            ),
            // Only tcp:// goes over TLS.
            (
                vec![("DOCKER_HOST", "unix:///x.sock".into()), verify()],
                None,
            ),
        ];
        for (env, expected) in cases {
            let endpoint = resolve(None, None, &vars(&env)).unwrap();
            let expected = expected.map(|(dir, source)| (PathBuf::from(dir), source.to_owned()));
            assert_eq!(tls_dir(&endpoint), expected, "{env:?}");
        }
        let flagged = resolve(
            Some("10.0.0.6:2376"),
            None,
            &vars(&[verify(), ("DOCKER_CERT_PATH", "/certs".into())]),
        )
        .unwrap();
        assert_eq!(flagged.to_string(), "tcp://10.0.0.6:2376 (from --host), TLS with ca.pem, cert.pem, key.pem in /certs (from DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)");
    }

    #[test]
    fn a_context_uses_its_own_tls_folder_and_not_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        write_context(dir.path(), "secure", "tcp://10.0.0.5:2376");
        write_context(dir.path(), "plain", "tcp://10.0.0.7:2375");
        let secure_tls = dir
            .path()
            .join("contexts/tls")
            .join(format!("{:x}", Sha256::digest(b"secure")))
            .join("docker");
        std::fs::create_dir_all(&secure_tls).unwrap();
        let env = [
            ("DOCKER_CONFIG", dir.path().display().to_string()),
            ("DOCKER_TLS_VERIFY", "1".to_string()),
            ("DOCKER_CERT_PATH", "/certs".to_string()),
        ];

        let secure = resolve(None, Some("secure"), &vars(&env)).unwrap();
        assert_eq!(tls_dir(&secure), Some((secure_tls, "the context".into())));
        let plain = resolve(None, Some("plain"), &vars(&env)).unwrap();
        assert_eq!(plain.tls, None, "DOCKER_TLS_VERIFY is not for contexts");

        let mut with_host = env.to_vec();
        with_host.push(("DOCKER_HOST", "tcp://10.0.0.8:2376".into()));
        let host = resolve(None, Some("secure"), &vars(&with_host)).unwrap();
        assert_eq!(
            tls_dir(&host),
            Some((
                "/certs".into(),
                "DOCKER_TLS_VERIFY, DOCKER_CERT_PATH".into()
            )),
            "DOCKER_HOST wins, with the environment's TLS"
        );
    }

    #[test]
    fn a_context_that_skips_verification_still_gets_tls() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir
            .path()
            .join("contexts/meta")
            .join(format!("{:x}", Sha256::digest(b"lax")));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"lax","Endpoints":{"docker":{"Host":"tcp://h:2376","SkipTLSVerify":true}}}"#,
        )
        .unwrap();
        let env = [("DOCKER_CONFIG", dir.path().display().to_string())];
        let endpoint = resolve(None, Some("lax"), &vars(&env)).unwrap();
        assert!(endpoint.tls.is_some(), "never plain TCP for a TLS context");
    }

    #[test]
    fn bare_hosts_get_a_scheme() {
        assert_eq!(normalise("/run/docker.sock"), "unix:///run/docker.sock");
        assert_eq!(normalise("127.0.0.1:2375"), "tcp://127.0.0.1:2375");
    }
}
