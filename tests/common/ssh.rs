//! A real sshd on a loopback port, for tests of `ssh://` engines: its own host key, a client
//! key made for the test, and an ssh config file (`ARK_SSH_CONFIG`) that names it
//! `ark-test-sshd`. Logins are counted from sshd's own log. Stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

/// The ssh config alias the test server answers to.
pub const ALIAS: &str = "ark-test-sshd";

impl Sshd {
    /// Starts sshd, or returns `None` (a skip) where it cannot run; in CI that is a failure.
    #[allow(clippy::print_stderr)] // a skipped test says why
    pub fn start() -> Option<Sshd> {
        let sshd = PathBuf::from("/usr/sbin/sshd");
        let runnable = sshd.exists()
            && Command::new("ssh").arg("-V").output().is_ok()
            && Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|o| o.stdout.starts_with(b"0"));
        if !runnable {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI must install openssh-server and run tests as root (sshd needs it)"
            );
            eprintln!("skipped: sshd and ssh are not both available here (or not root)");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = |name: &str| dir.path().join(name);
        for key in ["host_key", "client_key"] {
            let made = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(path(key))
                .status()
                .expect("ssh-keygen runs");
            assert!(made.success(), "ssh-keygen failed");
        }
        std::fs::copy(path("client_key.pub"), path("authorized_keys")).unwrap();
        // sshd's privilege separation directory.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = dir.path().display();
        std::fs::write(
            path("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
                 AuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nLogLevel VERBOSE\n"
            ),
        )
        .unwrap();
        std::fs::write(
            path("ssh_config"),
            format!(
                "Host {ALIAS}\n  HostName 127.0.0.1\n  Port {port}\n  User root\n  \
                 IdentityFile {d}/client_key\n  IdentitiesOnly yes\n  \
                 StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
            ),
        )
        .unwrap();
        let child = Command::new(&sshd)
            .args(["-D", "-f"])
            .arg(path("sshd_config"))
            .arg("-E")
            .arg(path("sshd.log"))
            .stdin(Stdio::null())
            .spawn()
            .expect("sshd starts");
        let server = Sshd { dir, port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sshd never listened on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    /// The file to hand ark as `ARK_SSH_CONFIG`.
    pub fn ssh_config(&self) -> PathBuf {
        self.dir.path().join("ssh_config")
    }

    /// `ssh://ark-test-sshd`.
    pub fn url(&self) -> String {
        format!("ssh://{ALIAS}")
    }

    /// How many logins sshd has accepted so far (each ssh connection logs one).
    pub fn logins(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("sshd.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("Accepted publickey"))
            .count()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
