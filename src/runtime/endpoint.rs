//! Where the engine is and what said so: every message about reaching it names both.

use std::path::PathBuf;

/// Where the engine is, and what said so (for messages: "tried X (from DOCKER_HOST)").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub source: String,
    /// The files to reach it over TLS with; `None` means no TLS. Boxed: errors carry endpoints.
    pub tls: Option<Box<TlsFiles>>,
}

impl Endpoint {
    /// Whether the engine is elsewhere: anything but a local `unix://` socket (a `tcp://`
    /// to 127.0.0.1 counts as remote: ark cannot tell what is behind it). Removing an
    /// environment there asks first.
    pub fn is_remote(&self) -> bool {
        !self.url.starts_with("unix://")
    }

    /// An endpoint without TLS.
    pub fn plain(url: impl Into<String>, source: impl Into<String>) -> Endpoint {
        Endpoint {
            url: url.into(),
            source: source.into(),
            tls: None,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (from {})", self.url, self.source)?;
        match &self.tls {
            Some(tls) => write!(f, ", TLS with {tls}"),
            None => Ok(()),
        }
    }
}

/// The TLS material for an endpoint: the CA the engine's certificate must verify against,
/// and the client certificate and key shown to the engine (these two may be absent on disk:
/// then none is shown, as the docker CLI does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// What asked for TLS and chose the files ("DOCKER_TLS_VERIFY, DOCKER_CERT_PATH").
    pub source: String,
}

impl std::fmt::Display for TlsFiles {
    /// `ca.pem, cert.pem, key.pem in /certs (from …)` when they share a folder.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files = [&self.ca, &self.cert, &self.key];
        let shared = (self.ca.parent())
            .filter(|folder| files.iter().all(|file| file.parent() == Some(*folder)));
        match shared {
            Some(folder) => {
                let names: Vec<_> = files
                    .iter()
                    .map(|file| file.file_name().unwrap_or_default().to_string_lossy())
                    .collect();
                write!(f, "{} in {}", names.join(", "), folder.display())?;
            }
            None => {
                let paths: Vec<_> = files
                    .iter()
                    .map(|file| file.display().to_string())
                    .collect();
                write!(f, "{}", paths.join(", "))?;
            }
        }
        write!(f, " (from {})", self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_unix_socket_is_local() {
        let at = |url: &str| Endpoint::plain(url, "test");
        assert!(!at("unix:///var/run/docker.sock").is_remote());
        assert!(!at("unix:///home/me/.docker/run/docker.sock").is_remote());
        assert!(at("tcp://127.0.0.1:2375").is_remote());
        assert!(at("tcp://build-box:2376").is_remote());
        assert!(at("ssh://me@build-box").is_remote());
        assert!(at("http://10.0.0.5:2375").is_remote());
    }
}
