//! An engine reached over `tcp://` with TLS: socat with real certificates in front of the
//! local engine (see `common/tls.rs`), through `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH` and
//! through a context made by `docker context create`.

mod common;
use assert_cmd::Command;
use common::engine::{docker, engine_available, http_app, image, TestEnv};
use common::output;
use common::tls::{tools_available, Pki, TlsProxy};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// `command` pointed at `proxy` with TLS, the files from `certs` (and nothing inherited).
fn over_tls<'a>(command: &'a mut Command, proxy: &TlsProxy, certs: &Path) -> &'a mut Command {
    command
        .env("DOCKER_HOST", proxy.url())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", certs)
        .env_remove("DOCKER_TLS")
}

/// `ark status` over TLS with the files in `certs` ends with exit 4, naming the endpoint and
/// saying `why`.
fn assert_refused(proxy: &TlsProxy, certs: &Path, why: &str) {
    let dir = common::tree(&[("launch/web.yml", "")]);
    let (code, _, stderr) = output(
        over_tls(&mut common::ark(), proxy, certs)
            .current_dir(dir.path())
            .arg("status"),
    );
    assert_eq!(code, 4, "{stderr}");
    let endpoint = format!(
        "error: cannot reach the container engine at {} (from DOCKER_HOST)",
        proxy.url()
    );
    assert!(stderr.contains(&endpoint), "{stderr}");
    assert!(stderr.contains(why), "{why}\n{stderr}");
}

/// A fresh PKI and socat serving TLS with it in front of the engine; `None` (the test skips)
/// when `openssl` or `socat` is missing, or the engine when `engine` says it is needed.
fn tls_proxy(engine: bool) -> Option<(Pki, TlsProxy)> {
    if (engine && !engine_available()) || !tools_available() {
        return None;
    }
    let pki = Pki::new();
    let proxy = TlsProxy::start(&pki);
    Some((pki, proxy))
}

#[test]
fn start_status_logs_and_down_work_over_tls_with_client_certificates() {
    let Some((pki, proxy)) = tls_proxy(true) else {
        return;
    };
    let certs = pki.cert_dir("ca", Some("client"));
    let talk = format!("run:\n  image: {}\nenv: {{LINES: '3'}}\n", image("logger"));
    let env = TestEnv::new(
        "tls",
        &[("web", &http_app("http", &[], "")), ("talk", &talk)],
    );
    let ark = |args: &[&str]| {
        let mut command = env.ark();
        over_tls(&mut command, &proxy, &certs)
            .args(args)
            .args(["-e", &env.name]);
        output(&mut command)
    };

    let (code, _, stderr) = ark(&["-v", "start", "web", "talk", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "engine: {} (from DOCKER_HOST), TLS with ca.pem, cert.pem, key.pem in {} (from DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)",
            proxy.url(),
            certs.display()
        )),
        "{stderr}"
    );
    let ids = env.container_ids();
    assert_eq!(ids.len(), 2, "{ids:?}");

    let (code, stdout, stderr) = ark(&["status", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["endpoint"], proxy.url());
    let web = status["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app"] == "web")
        .unwrap_or_else(|| panic!("web in {status}"));
    assert_eq!(web["ready"], true, "{status}");

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, stdout, stderr) = ark(&["logs", "talk"]);
        assert_eq!(code, 0, "{stderr}");
        if stdout.contains("talk | out 3") {
            assert!(stdout.contains("talk | out 1"), "{stdout}");
            break;
        }
        assert!(Instant::now() < deadline, "no logs over TLS: {stdout}");
        std::thread::sleep(Duration::from_millis(200));
    }

    let (code, _, stderr) = ark(&["down", "--yes", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(env.container_ids().is_empty());
}

#[test]
fn an_engine_that_refuses_the_client_certificate_exits_4_naming_the_file() {
    let Some((pki, proxy)) = tls_proxy(false) else {
        return;
    };

    // Only the CA: no client certificate to show.
    let ca_only = pki.cert_dir("ca", None);
    let why = format!(
        "the engine requires a client certificate and none was sent: {} does not exist",
        ca_only.join("cert.pem").display()
    );
    assert_refused(&proxy, &ca_only, &why);

    // A client certificate from another CA.
    let stranger = pki.cert_dir("ca", Some("stranger"));
    let why = format!(
        "the engine did not accept the client certificate {}: it is not signed by a CA the engine trusts",
        stranger.join("cert.pem").display()
    );
    assert_refused(&proxy, &stranger, &why);
}

#[test]
fn an_engine_certificate_outside_the_ca_exits_4_naming_the_ca_file() {
    let Some((pki, proxy)) = tls_proxy(false) else {
        return;
    };
    let wrong_ca = pki.cert_dir("other", Some("client"));
    let why = format!(
        "the engine's certificate does not verify against the CA {} (unknown issuer)",
        wrong_ca.join("ca.pem").display()
    );
    assert_refused(&proxy, &wrong_ca, &why);

    // A missing CA is named before anything is sent.
    let why = format!(
        "the CA certificate {} does not exist",
        pki.path("nowhere/ca.pem").display()
    );
    assert_refused(&proxy, &pki.path("nowhere"), &why);
}

#[test]
fn a_docker_context_with_tls_files_reaches_the_engine() {
    let Some((pki, proxy)) = tls_proxy(true) else {
        return;
    };
    // The contexts live in this test's own DOCKER_CONFIG: the user's ~/.docker is untouched.
    let config = tempfile::tempdir().unwrap();
    let name = format!("ark-tls-{}", std::process::id());
    docker(&[
        "--config",
        config.path().to_str().unwrap(),
        "context",
        "create",
        &name,
        "--docker",
        &format!(
            "host={},ca={},cert={},key={}",
            proxy.url(),
            pki.path("ca.pem").display(),
            pki.path("client.pem").display(),
            pki.path("client-key.pem").display()
        ),
    ]);
    let env = TestEnv::new("tls-ctx", &[("web", &http_app("http", &[], ""))]);
    let ark = |args: &[&str]| {
        let mut command = env.ark();
        command
            .env("DOCKER_CONFIG", config.path())
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_TLS")
            .env_remove("DOCKER_CERT_PATH")
            .args(["--context", &name])
            .args(args);
        output(&mut command)
    };

    let (code, _, stderr) = ark(&["-v", "start", "web", "--progress", "plain", "-e", &env.name]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "engine: {} (from context `{name}` (--context)), TLS with ca.pem, cert.pem, key.pem in {}",
            proxy.url(),
            config.path().join("contexts/tls").display()
        )),
        "{stderr}"
    );
    let (code, stdout, stderr) = ark(&["status"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&env.name), "{stdout}");
    // ark reached the same engine the docker CLI sees.
    assert_eq!(
        docker(&["inspect", "-f", "{{.State.Running}}", &env.container("web")]),
        "true"
    );
}
