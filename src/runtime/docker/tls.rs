//! Reaching a Docker engine over TLS: the files are checked before connecting, and a failed
//! handshake becomes a sentence that names the file at fault.
//!
//! When the client certificate and key cannot be used together, none is sent (as bollard's
//! own TLS client does), so a mistyped path would surface as the engine's refusal; checking
//! first names the real cause. Both client files missing is allowed, as in the docker CLI
//! (an engine may not ask for a certificate); the engine's refusal then says none was sent.

use crate::runtime::api::TlsFiles;
use bollard::errors::Error as BollardError;
use bollard::{ClientVersion, Docker};
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};

/// Why TLS to the engine failed, naming the file involved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum TlsError {
    #[error("the {role} {} does not exist", path.display())]
    Missing { role: &'static str, path: PathBuf },
    #[error("cannot read the {role} {}: {detail}", path.display())]
    Unreadable {
        role: &'static str,
        path: PathBuf,
        detail: String,
    },
    #[error("the {role} {} holds no PEM {expected}", path.display())]
    NotPem {
        role: &'static str,
        path: PathBuf,
        expected: &'static str,
    },
    #[error("cannot set up TLS: {0}")]
    Setup(String),
    #[error("the engine's certificate does not verify against the CA {} (unknown issuer)", ca.display())]
    ServerNotTrusted { ca: PathBuf },
    #[error("the engine's certificate is not valid here: {detail} (checked with the CA {})", ca.display())]
    ServerCertInvalid { ca: PathBuf, detail: String },
    #[error("the engine requires a client certificate and none was sent: {} does not exist", cert.display())]
    NoClientCert { cert: PathBuf },
    #[error("the engine requires a client certificate and {} was not sent: it could not be used with the key {}", cert.display(), key.display())]
    ClientCertUnusable { cert: PathBuf, key: PathBuf },
    #[error("the engine did not accept the client certificate {}: {detail}", cert.display())]
    ClientCertRefused { cert: PathBuf, detail: String },
    #[error("the engine does not offer TLS 1.3, the only version ark speaks")]
    OldProtocol,
    #[error("the engine did not answer in TLS: this port seems to take plain TCP")]
    NotTls,
    #[error("the engine closed the connection during the TLS handshake: it may not accept the client certificate {}", cert.display())]
    Closed { cert: PathBuf },
}

const CA: &str = "CA certificate";
const CERT: &str = "client certificate";
const KEY: &str = "client key";

/// A client for the engine at `url` over TLS, once its files are known to be usable.
/// Nothing is sent yet: the handshake happens on the first request (see `explain`).
///
/// The connections are kept (see `pooled`): a no-op `start` of 20 apps makes ~25 requests,
/// and each was a handshake.
pub(crate) fn connect(
    url: &str,
    files: &TlsFiles,
    timeout_secs: u64,
    version: &ClientVersion,
) -> Result<Docker, TlsError> {
    check(files)?;
    let config = client_config(files)?;
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnector::from((http, config));
    let address = format!("https://{}", super::pooled::authority(url).unwrap_or(url));
    super::pooled::client(https, address, timeout_secs, version)
        .map_err(|e| TlsError::Setup(e.to_string()))
}

/// What rustls needs: the engine's certificate must verify against `ca.pem` (or the system's
/// CAs, as bollard has it), and the client certificate goes out when it and its key load.
fn client_config(files: &TlsFiles) -> Result<rustls::ClientConfig, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        let _ = roots.add(cert);
    }
    let ca = std::fs::read(&files.ca).map_err(|e| TlsError::Unreadable {
        role: CA,
        path: files.ca.clone(),
        detail: e.to_string(),
    })?;
    let parsed = CertificateDer::pem_slice_iter(&ca)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TlsError::NotPem {
            role: CA,
            path: files.ca.clone(),
            expected: "certificate that can be parsed",
        })?;
    roots.add_parsable_certificates(parsed);
    let builder = rustls::ClientConfig::builder().with_root_certificates(roots);
    Ok(match client_key(files) {
        Some(key) => builder.with_client_cert_resolver(std::sync::Arc::new(ClientKey(key))),
        None => builder.with_no_client_auth(),
    })
}

/// The client certificate and key, when both load and belong together; otherwise none is
/// sent, as bollard does, and the engine's refusal is explained by `explain`.
fn client_key(files: &TlsFiles) -> Option<std::sync::Arc<rustls::sign::CertifiedKey>> {
    let cert = std::fs::read(&files.cert).ok()?;
    let key = std::fs::read(&files.key).ok()?;
    let chain = CertificateDer::pem_slice_iter(&cert)
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    let key = PrivateKeyDer::from_pem_slice(&key).ok()?;
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| std::sync::Arc::new(rustls::crypto::ring::default_provider()));
    rustls::sign::CertifiedKey::from_der(chain, key, &provider)
        .ok()
        .map(std::sync::Arc::new)
}

#[derive(Debug)]
struct ClientKey(std::sync::Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for ClientKey {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<std::sync::Arc<rustls::sign::CertifiedKey>> {
        Some(std::sync::Arc::clone(&self.0))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// Checks the files can be read and look like what they should be. A PEM block of the right
/// kind is all that is checked: the handshake judges the rest, and `explain` reports it.
fn check(files: &TlsFiles) -> Result<(), TlsError> {
    pem(&files.ca, CA, "CERTIFICATE", "certificate")?;
    match (files.cert.exists(), files.key.exists()) {
        (false, false) => Ok(()),
        (true, false) => Err(TlsError::Missing {
            role: KEY,
            path: files.key.clone(),
        }),
        (false, true) => Err(TlsError::Missing {
            role: CERT,
            path: files.cert.clone(),
        }),
        (true, true) => {
            pem(&files.cert, CERT, "CERTIFICATE", "certificate")?;
            pem(&files.key, KEY, "PRIVATE KEY", "private key")
        }
    }
}

/// Reads `path` and checks it has a `-----BEGIN … <label>-----` block.
fn pem(
    path: &Path,
    role: &'static str,
    label: &str,
    expected: &'static str,
) -> Result<(), TlsError> {
    let text = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => TlsError::Missing {
            role,
            path: path.to_owned(),
        },
        _ => TlsError::Unreadable {
            role,
            path: path.to_owned(),
            detail: e.to_string(),
        },
    })?;
    let text = String::from_utf8_lossy(&text);
    let has_block = text.lines().any(|line| {
        line.strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
            .is_some_and(|kind| kind.ends_with(label))
    });
    if has_block {
        Ok(())
    } else {
        Err(TlsError::NotPem {
            role,
            path: path.to_owned(),
            expected,
        })
    }
}

/// What a failed first request means, when the handshake is the cause. `None` when it is
/// not a TLS failure (nothing listens, no answer in time): the caller reports it as it is.
pub(crate) fn explain(error: &BollardError, files: &TlsFiles) -> Option<TlsError> {
    classify(&chain(error), files)
}

/// The messages of `error` and its causes, outermost first. An `io::Error` hides the error
/// it wraps from `source()` (it returns that error's own source), so it is looked into.
fn chain(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut messages = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        messages.push(error.to_string());
        next = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    messages
}

/// Reads the failure from the messages rustls and tokio-rustls give (bollard does not expose
/// their types). Measured against socat's OpenSSL: a CA that does not hold the engine's
/// issuer gives `invalid peer certificate: UnknownIssuer` while connecting; the engine's
/// refusal of a TLS 1.3 client certificate arrives as an alert on the first request
/// (`received fatal alert: CertificateRequired` when none was sent, `UnknownCA` for one from
/// another CA, `DecryptError` when the key does not match); a plain-TCP port gives
/// `received corrupt message of type InvalidContentType`; a port that hangs up, `tls
/// handshake eof`.
fn classify(messages: &[String], files: &TlsFiles) -> Option<TlsError> {
    let after = |prefix: &str| {
        messages
            .iter()
            .find_map(|message| message.strip_prefix(prefix))
    };
    if let Some(why) = after("invalid peer certificate: ") {
        return Some(if why == "UnknownIssuer" {
            TlsError::ServerNotTrusted {
                ca: files.ca.clone(),
            }
        } else {
            TlsError::ServerCertInvalid {
                ca: files.ca.clone(),
                detail: why.to_owned(),
            }
        });
    }
    let cert = files.cert.clone();
    if let Some(alert) = after("received fatal alert: ") {
        return Some(match alert {
            "ProtocolVersion" => TlsError::OldProtocol,
            _ if !cert.exists() => TlsError::NoClientCert { cert },
            "CertificateRequired" => TlsError::ClientCertUnusable {
                cert,
                key: files.key.clone(),
            },
            _ => TlsError::ClientCertRefused {
                cert,
                detail: match alert {
                    "UnknownCA" => "it is not signed by a CA the engine trusts".to_owned(),
                    "DecryptError" => format!("it does not match the key {}", files.key.display()),
                    "CertificateExpired" => "it has expired".to_owned(),
                    "CertificateRevoked" => "it was revoked".to_owned(),
                    other => format!("the engine answered {other}"),
                },
            },
        });
    }
    if after("received corrupt message").is_some() {
        return Some(TlsError::NotTls);
    }
    let hung_up = messages.iter().any(|message| {
        message == "tls handshake eof" || message.contains("Connection reset by peer")
    });
    hung_up.then_some(TlsError::Closed { cert })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";

    fn files_in(dir: &Path) -> TlsFiles {
        TlsFiles {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
            source: "test".into(),
        }
    }

    /// A folder with the given files (name, contents) and the TLS files pointing into it.
    fn folder(contents: &[(&str, &str)]) -> (tempfile::TempDir, TlsFiles) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in contents {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let files = files_in(dir.path());
        (dir, files)
    }

    #[test]
    fn missing_or_wrong_files_are_named() {
        // (files present, the error: role, file, and what it lacks (`None`: it is missing)).
        type Expected = Option<(&'static str, &'static str, Option<&'static str>)>;
        let cases: [(&[(&str, &str)], Expected); 8] = [
            (&[], Some((CA, "ca.pem", None))),
            (&[("ca.pem", CERT_PEM)], None),
            (
                &[
                    ("ca.pem", CERT_PEM),
                    ("cert.pem", CERT_PEM),
                    ("key.pem", KEY_PEM),
                ],
                None,
            ),
            (
                &[("ca.pem", CERT_PEM), ("cert.pem", CERT_PEM)],
                Some((KEY, "key.pem", None)),
            ),
            (
                &[("ca.pem", CERT_PEM), ("key.pem", KEY_PEM)],
                Some((CERT, "cert.pem", None)),
            ),
            (
                &[("ca.pem", KEY_PEM)],
                Some((CA, "ca.pem", Some("certificate"))),
            ),
            (
                &[
                    ("ca.pem", CERT_PEM),
                    ("cert.pem", KEY_PEM),
                    ("key.pem", CERT_PEM),
                ],
                Some((CERT, "cert.pem", Some("certificate"))),
            ),
            (
                &[
                    ("ca.pem", CERT_PEM),
                    ("cert.pem", CERT_PEM),
                    ("key.pem", ""),
                ],
                Some((KEY, "key.pem", Some("private key"))),
            ),
        ];
        for (contents, expected) in cases {
            let (dir, files) = folder(contents);
            let expected = expected.map(|(role, name, lacking)| {
                let path = dir.path().join(name);
                match lacking {
                    None => TlsError::Missing { role, path },
                    Some(expected) => TlsError::NotPem {
                        role,
                        path,
                        expected,
                    },
                }
            });
            assert_eq!(check(&files).err(), expected, "{contents:?}");
        }
        let (dir, files) = folder(&[]);
        assert_eq!(
            check(&files).unwrap_err().to_string(),
            format!(
                "the CA certificate {} does not exist",
                dir.path().join("ca.pem").display()
            )
        );
    }

    #[test]
    fn rsa_and_ec_keys_count_as_private_keys() {
        for label in ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"] {
            let key = format!("-----BEGIN {label}-----\nMII\n-----END {label}-----\n");
            let (_dir, files) = folder(&[
                ("ca.pem", CERT_PEM),
                ("cert.pem", CERT_PEM),
                ("key.pem", &key),
            ]);
            assert_eq!(check(&files), Ok(()), "{label}");
        }
    }

    /// The error chains measured against socat's OpenSSL (see `classify`), innermost last.
    #[test]
    fn handshake_failures_name_the_file_at_fault() {
        let chain = |inner: &str| {
            vec![
                "Error in the hyper legacy client: client error (SendRequest)".to_owned(),
                "client error (SendRequest)".to_owned(),
                "connection error".to_owned(),
                inner.to_owned(),
                inner.to_owned(),
            ]
        };
        let (dir, files) = folder(&[("cert.pem", CERT_PEM)]);
        let (_none, without_cert) = folder(&[]);
        let path = |name: &str| dir.path().join(name);
        let cases = [
            (
                "invalid peer certificate: UnknownIssuer",
                &files,
                Some(TlsError::ServerNotTrusted { ca: path("ca.pem") }),
            ),
            (
                "invalid peer certificate: certificate not valid for name \"localhost\"; certificate is only valid for IpAddress(127.0.0.1)",
                &files,
                Some(TlsError::ServerCertInvalid {
                    ca: path("ca.pem"),
                    detail: "certificate not valid for name \"localhost\"; certificate is only valid for IpAddress(127.0.0.1)".into(),
                }),
            ),
            (
                "received fatal alert: CertificateRequired",
                &without_cert,
                Some(TlsError::NoClientCert {
                    cert: without_cert.cert.clone(),
                }),
            ),
            (
                "received fatal alert: CertificateRequired",
                &files,
                Some(TlsError::ClientCertUnusable {
                    cert: path("cert.pem"),
                    key: path("key.pem"),
                }),
            ),
            (
                "received fatal alert: UnknownCA",
                &files,
                Some(TlsError::ClientCertRefused {
                    cert: path("cert.pem"),
                    detail: "it is not signed by a CA the engine trusts".into(),
                }),
            ),
            (
                "received fatal alert: DecryptError",
                &files,
                Some(TlsError::ClientCertRefused {
                    cert: path("cert.pem"),
                    detail: format!("it does not match the key {}", path("key.pem").display()),
                }),
            ),
            (
                "received fatal alert: BadCertificate",
                &files,
                Some(TlsError::ClientCertRefused {
                    cert: path("cert.pem"),
                    detail: "the engine answered BadCertificate".into(),
                }),
            ),
            (
                "received fatal alert: ProtocolVersion",
                &files,
                Some(TlsError::OldProtocol),
            ),
            (
                "received corrupt message of type InvalidContentType",
                &files,
                Some(TlsError::NotTls),
            ),
            (
                "tls handshake eof",
                &files,
                Some(TlsError::Closed {
                    cert: path("cert.pem"),
                }),
            ),
            ("Connection refused (os error 111)", &files, None),
        ];
        for (inner, files, expected) in cases {
            assert_eq!(classify(&chain(inner), files), expected, "{inner}");
        }
    }
}
