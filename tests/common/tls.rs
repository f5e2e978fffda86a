//! Real TLS on loopback for engine tests: certificates made with `openssl`, and `socat`
//! terminating TLS in front of the local engine's socket, the way `dockerd --tlsverify` would
//! (client certificates required and checked against the CA). In CI (`CI=true`) a missing
//! `openssl` or `socat` fails the test; elsewhere it skips.

use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

/// Whether `openssl` and `socat` are here. Panics in CI when one is not: no skipping there.
#[allow(clippy::print_stderr)] // a skipped test says why
pub fn tools_available() -> bool {
    let missing: Vec<&str> = [("openssl", "version"), ("socat", "-V")]
        .into_iter()
        .filter(|(tool, arg)| Process::new(tool).arg(arg).output().is_err())
        .map(|(tool, _)| tool)
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI must install {missing:?} (.ci/run does)"
    );
    eprintln!("skipped: {missing:?} not installed");
    false
}

/// A throw-away PKI: a CA (`ca`) with a server certificate for 127.0.0.1 (`server`) and a
/// client certificate (`client`), and a second, unrelated CA (`other`) with a client
/// certificate of its own (`stranger`). Each `NAME` is `NAME.pem` + `NAME-key.pem`.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Pki {
        let pki = Pki {
            dir: tempfile::tempdir().expect("a temp dir"),
        };
        pki.authority("ca");
        pki.authority("other");
        pki.leaf(
            "server",
            "ca",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        );
        pki.leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
        pki.leaf("stranger", "other", "extendedKeyUsage=clientAuth\n");
        pki
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// A folder laid out as `DOCKER_CERT_PATH` wants it: `ca.pem` is the CA `ca`, and
    /// `cert.pem`/`key.pem` the certificate `client` and its key (none when `None`).
    pub fn cert_dir(&self, ca: &str, client: Option<&str>) -> PathBuf {
        let dir = self.path(&format!("certs-{ca}-{}", client.unwrap_or("none")));
        std::fs::create_dir_all(&dir).unwrap();
        let mut files = vec![("ca.pem", format!("{ca}.pem"))];
        if let Some(client) = client {
            files.push(("cert.pem", format!("{client}.pem")));
            files.push(("key.pem", format!("{client}-key.pem")));
        }
        for (there, here) in files {
            std::fs::copy(self.path(&here), dir.join(there)).unwrap();
        }
        dir
    }

    fn openssl(&self, args: &[&str]) {
        let out = Process::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A self-signed CA (`req -x509` marks it CA:TRUE).
    fn authority(&self, name: &str) {
        self.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=ark test {name}"),
            "-keyout",
            &format!("{name}-key.pem"),
            "-out",
            &format!("{name}.pem"),
        ]);
    }

    /// A certificate signed by `ca`, with the x509v3 `extensions`.
    fn leaf(&self, name: &str, ca: &str, extensions: &str) {
        std::fs::write(self.path(&format!("{name}.ext")), extensions).unwrap();
        self.openssl(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            &format!("/CN=ark test {name}"),
            "-keyout",
            &format!("{name}-key.pem"),
            "-out",
            &format!("{name}.csr"),
        ]);
        self.openssl(&[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}-key.pem"),
            "-CAcreateserial",
            "-extfile",
            &format!("{name}.ext"),
            "-out",
            &format!("{name}.pem"),
        ]);
    }
}

/// socat on a free loopback port: TLS with the PKI's server certificate, client certificates
/// required and checked against its CA, each connection forwarded to the engine's socket.
/// Killed when dropped.
pub struct TlsProxy {
    pub port: u16,
    child: Child,
}

impl TlsProxy {
    pub fn start(pki: &Pki) -> TlsProxy {
        // socat sets no session id context, so OpenSSL refuses any resumed session when it
        // checks client certificates; rustls resumes on its second connection. Without
        // tickets every connection gets a full handshake, as it would with dockerd.
        let config = pki.path("openssl.cnf");
        std::fs::write(
            &config,
            "openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = tls\n[tls]\nOptions = -SessionTicket\n",
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!(
            "openssl-listen:{port},bind=127.0.0.1,reuseaddr,fork,cert={},key={},cafile={},verify=1",
            file(&pki.path("server.pem")),
            file(&pki.path("server-key.pem")),
            file(&pki.path("ca.pem")),
        );
        let child = Process::new("socat")
            .args([listen.as_str(), "UNIX-CONNECT:/var/run/docker.sock"])
            .env("OPENSSL_CONF", &config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat runs");
        let proxy = TlsProxy { port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "socat never listened on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        proxy
    }

    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn file(path: &Path) -> String {
    path.to_str().expect("a UTF-8 temp path").to_owned()
}
