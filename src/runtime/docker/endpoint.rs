//! Which Docker engine to talk to, decided as the docker CLI decides it:
//! `-H/--host` → `DOCKER_HOST` → `--context` → `DOCKER_CONTEXT` → `currentContext` in
//! `~/.docker/config.json` → the local socket. A context's endpoint is read from
//! `~/.docker/contexts/meta/<sha256 of the name>/meta.json` (`DOCKER_CONFIG` moves `~/.docker`).
//!
//! An environment bound to a target (`target:` in its file) goes there instead: only an
//! explicit `-H/--host` beats the target. The target is an endpoint URL (`tcp://…`,
//! `ssh://…`) or, without `://`, a docker context name.
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
    /// An `ssh://` endpoint whose host or user ssh would read as an option (or a shell
    /// would run): refused before anything is started, wherever it was written.
    #[error("{detail}")]
    StrangeSsh { detail: String },
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
    let flagged = host
        .filter(|h| !h.is_empty())
        .map(|host| given_endpoint(host, "--host".into(), var))
        .transpose()?;
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
        return given_endpoint(target, origin, var);
    }
    named_context(target, &origin, var)
}

/// An endpoint given as a URL (`-H`, `DOCKER_HOST`, a target): TLS when the environment asks
/// for it, as the docker CLI does.
fn given_endpoint(
    host: &str,
    source: String,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, EndpointError> {
    let url = checked_url(host, &source)?;
    let tls =
        env_tls(var, config_dir(var).unwrap_or_default()).filter(|_| url.starts_with("tcp://"));
    Ok(Endpoint { url, source, tls })
}

/// The URL with its scheme, once it proved harmless: an `ssh://` URL whose host or user
/// would reach ssh as an option is refused here, where every endpoint passes.
fn checked_url(host: &str, source: &str) -> Result<String, EndpointError> {
    let url = normalise(host);
    match super::ssh::SshTarget::parse(&url) {
        Err(super::ssh::SshUrlError::Strange(detail)) => Err(EndpointError::StrangeSsh {
            detail: format!("{detail} (from {source})"),
        }),
        // Anything else that is wrong with it is said when ark connects (exit 4).
        _ => Ok(url),
    }
}

/// The docker CLI's choice after `-H/--host`: `DOCKER_HOST` → `--context` →
/// `DOCKER_CONTEXT` → `currentContext` → the local socket.
fn untargeted(
    context: Option<&str>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, EndpointError> {
    if let Some(host) = var("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return given_endpoint(&host, "DOCKER_HOST".into(), var);
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
            tls: None,
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
        return Ok(Endpoint::plain(
            DEFAULT_SOCKET,
            format!("context `default` ({origin})"),
        ));
    }
    let config_dir = config_dir(var).unwrap_or_default();
    let meta = context_dir(&config_dir, "meta", name).join("meta.json");
    let (host, skip_verify) = context_host(name, &meta)?;
    let url = checked_url(&host, &format!("context `{name}`, {}", meta.display()))?;
    let tls = context_tls(&config_dir, name, skip_verify).filter(|_| url.starts_with("tcp://"));
    Ok(Endpoint {
        url,
        source: format!("context `{name}` ({origin})"),
        tls,
    })
}

/// The docker contexts there are, sorted: `default` (the local socket, which the docker CLI
/// never stores) and every `Name` in `~/.docker/contexts/meta/*/meta.json`.
pub fn context_names(var: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut names = vec!["default".to_owned()];
    let meta = config_dir(var)
        .unwrap_or_default()
        .join("contexts")
        .join("meta");
    for entry in std::fs::read_dir(meta).into_iter().flatten().flatten() {
        let name = std::fs::read_to_string(entry.path().join("meta.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|value| value.get("Name")?.as_str().map(str::to_owned));
        names.extend(name);
    }
    names.sort();
    names.dedup();
    names
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

    /// The endpoint for a command with no environment target.
    fn untargeted_endpoint(
        host: Option<&str>,
        context: Option<&str>,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Endpoint, EndpointError> {
        resolve(host, context, None, var).map(|resolved| resolved.endpoint)
    }

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
    fn context_names_are_read_from_the_docker_config_folder() {
        let dir = docker_config(&[("remote", "tcp://10.0.0.5:2376"), ("box", "ssh://me@box")]);
        std::fs::create_dir_all(dir.path().join("contexts/meta/junk")).unwrap();
        let env = [("DOCKER_CONFIG", dir.path().display().to_string())];
        assert_eq!(context_names(&vars(&env)), ["box", "default", "remote"]);
        let none = [("DOCKER_CONFIG", "/nonexistent".to_owned())];
        assert_eq!(context_names(&vars(&none)), ["default"]);
    }

    #[test]
    fn nothing_set_means_the_local_socket() {
        let empty = tempfile::tempdir().unwrap();
        let env = [("HOME", empty.path().display().to_string())];
        assert_eq!(
            untargeted_resolve(None, None, &vars(&env)).unwrap(),
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
        let error = untargeted_resolve(None, Some("nope"), &vars(&env)).unwrap_err();
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
            let endpoint = untargeted_endpoint(None, None, &vars(&env)).unwrap();
            let expected = expected.map(|(dir, source)| (PathBuf::from(dir), source.to_owned()));
            assert_eq!(tls_dir(&endpoint), expected, "{env:?}");
        }
        let flagged = untargeted_endpoint(
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

        let secure = untargeted_endpoint(None, Some("secure"), &vars(&env)).unwrap();
        assert_eq!(tls_dir(&secure), Some((secure_tls, "the context".into())));
        let plain = untargeted_endpoint(None, Some("plain"), &vars(&env)).unwrap();
        assert_eq!(plain.tls, None, "DOCKER_TLS_VERIFY is not for contexts");

        let mut with_host = env.to_vec();
        with_host.push(("DOCKER_HOST", "tcp://10.0.0.8:2376".into()));
        let host = untargeted_endpoint(None, Some("secure"), &vars(&with_host)).unwrap();
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
        let endpoint = untargeted_endpoint(None, Some("lax"), &vars(&env)).unwrap();
        assert!(endpoint.tls.is_some(), "never plain TCP for a TLS context");
    }

    #[test]
    fn bare_hosts_get_a_scheme() {
        assert_eq!(normalise("/run/docker.sock"), "unix:///run/docker.sock");
        assert_eq!(normalise("127.0.0.1:2375"), "tcp://127.0.0.1:2375");
    }

    #[test]
    fn a_tcp_target_uses_tls_as_docker_host_would() {
        let env = [
            ("DOCKER_TLS_VERIFY", "1".to_string()),
            ("DOCKER_CERT_PATH", "/certs".to_string()),
        ];
        let resolved =
            resolve(None, None, Some(("shared", "tcp://box:2376")), &vars(&env)).unwrap();
        assert_eq!(
            resolved.endpoint.tls.map(|t| t.ca),
            Some(PathBuf::from("/certs/ca.pem"))
        );
        let ssh = resolve(None, None, Some(("shared", "ssh://me@box")), &vars(&env)).unwrap();
        assert_eq!(ssh.endpoint.tls, None, "only tcp:// speaks TLS");
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
