//! `ssh://[user@]host[:port][/path/to/docker.sock]` engines: one OpenSSH master connection
//! per run, and every API connection a channel multiplexed over it, so a run logs in once.
//!
//! Each API connection is forwarded to the engine's socket on the far side
//! (`/var/run/docker.sock`, or the URL's path) as an ssh stream-local forward. That needs no
//! process on either side per connection, and forwards do not count against sshd's
//! `MaxSessions` (10 by default), which twenty followed log streams would exceed. Where the
//! server forbids such forwards (`AllowStreamLocalForwarding no`) or the socket lives
//! elsewhere, each connection instead runs `docker system dial-stdio` there, as the docker
//! CLI does. Published ports on the engine host (bound to its loopback by default) are
//! reached through forwards on the same master, so readiness probes need no second login.
//!
//! The user's `ssh` is used as is: `~/.ssh/config`, agent and keys apply. `ARK_SSH_CONFIG`
//! names another config file (`ssh -F`). Without a terminal, `BatchMode` forbids prompts, so
//! a missing key is an error instead of a hang.

use super::ssh_mux::{self, FarEnd};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::net::{UnixListener, UnixStream};
use tokio::process::{Child, Command};

/// How long the master may take to connect and authenticate before ark gives up.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(15);
/// ssh's own TCP connect timeout, in seconds.
const CONNECT_TIMEOUT_SECS: u32 = 3;

/// Where an `ssh://` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// `user@host` or `host`, as ssh takes it.
    pub destination: String,
    pub port: Option<u16>,
    /// The engine's socket on the far side.
    pub socket: String,
}

/// Where the engine listens on a host nobody said otherwise about.
const REMOTE_SOCKET: &str = "/var/run/docker.sock";

/// Why an `ssh://` URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshUrlError {
    /// Not a URL ssh can be pointed at (no host, a port that is no number, …).
    #[error("{0}")]
    Malformed(String),
    /// A host or user that would reach ssh as an option, or a shell: never handed to ssh.
    #[error("{0}")]
    Strange(String),
}

impl SshTarget {
    pub fn parse(url: &str) -> Result<SshTarget, SshUrlError> {
        let malformed = SshUrlError::Malformed;
        let rest = url
            .strip_prefix("ssh://")
            .ok_or_else(|| malformed(format!("`{url}` is not an ssh:// URL")))?;
        let (authority, socket) = match rest.find('/') {
            Some(slash) if slash + 1 < rest.len() => (&rest[..slash], &rest[slash..]),
            Some(slash) => (&rest[..slash], REMOTE_SOCKET),
            None => (rest, REMOTE_SOCKET),
        };
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((user, rest)) => (Some(user), rest),
            None => (None, authority),
        };
        // `[v6 address]` may hold colons; a port follows the closing bracket, if any.
        let (host, port) = match host_port.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((host, "")) => (host, None),
            Some((host, rest)) => (host, Some(rest.strip_prefix(':').unwrap_or(rest))),
            None => match host_port.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            },
        };
        let port = port
            .map(|port| {
                port.parse::<u16>()
                    .map_err(|_| malformed(format!("`{url}`: `{port}` is not a port number")))
            })
            .transpose()?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(malformed(format!(
                "`{url}` names no host (ssh://[user@]host[:port])"
            )));
        }
        if user.is_some_and(str::is_empty) {
            return Err(malformed(format!("`{url}` has an empty user name")));
        }
        if let Some(strange) =
            strange_part(&[("hostname", host), ("user name", user.unwrap_or(""))])
        {
            return Err(SshUrlError::Strange(format!("`{url}`: {strange}")));
        }
        Ok(SshTarget {
            destination: match user {
                Some(user) => format!("{user}@{host}"),
                None => host.to_owned(),
            },
            port,
            socket: socket.to_owned(),
        })
    }

    /// The host part alone, for URLs shown to the user.
    pub fn host(&self) -> &str {
        self.destination
            .rsplit_once('@')
            .map_or(self.destination.as_str(), |(_, h)| h)
    }

    /// How the user opens a local forward to `remote_port` on the engine host.
    pub fn forward_hint(&self, local_port: u16, remote_ip: &str, remote_port: u16) -> String {
        forward_command(
            local_port,
            remote_ip,
            remote_port,
            self.port,
            &self.destination,
        )
    }
}

/// `ssh -N -L LOCAL:IP:PORT [-p P] DESTINATION`, quoted for a shell: a hint the user pastes
/// runs only what it says, whatever the names in it hold.
pub fn forward_command(
    local_port: u16,
    remote_ip: &str,
    remote_port: u16,
    ssh_port: Option<u16>,
    destination: &str,
) -> String {
    let mut words = vec![
        "ssh".to_owned(),
        "-N".to_owned(),
        "-L".to_owned(),
        format!("{local_port}:{remote_ip}:{remote_port}"),
    ];
    if let Some(port) = ssh_port {
        words.extend(["-p".to_owned(), port.to_string()]);
    }
    words.push(destination.to_owned());
    shell_words::join(words)
}

/// Characters OpenSSH (9.6 and later) refuses in a host or user name from its command line,
/// because a `ProxyCommand` or `Match exec` in the user's config may hand them to a shell.
/// Older clients (Debian 12 has 9.2) take them, so ark refuses them itself.
const SHELL_CHARACTERS: &str = "'`\"$\\;&<>|(){}";

/// Why a part of an ssh URL is refused: one starting with `-` would reach ssh as an option
/// (`ssh://-oProxyCommand=…`), one with shell characters could reach a shell. As git does
/// ("strange hostname … blocked"), such a URL is never handed to ssh.
fn strange_part(parts: &[(&str, &str)]) -> Option<String> {
    parts.iter().find_map(|(what, part)| {
        let why = if part.starts_with('-') {
            "it starts with `-`, so ssh would read it as an option"
        } else if part
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || SHELL_CHARACTERS.contains(c))
        {
            "it holds a space, a control or a shell character"
        } else {
            return None;
        };
        Some(format!(
            "strange {what} {} blocked: {why}",
            shell_words::quote(part)
        ))
    })
}

/// One live master connection and the local socket bollard connects to.
pub struct SshTunnel {
    target: SshTarget,
    dir: PathBuf,
    master: Child,
    /// Serves `docker system dial-stdio` sessions, once the forward proved unusable.
    accept_loop: Option<tokio::task::JoinHandle<()>>,
    /// Forwards already set up on the master: (remote ip, port) → local socket.
    forwards: Mutex<HashMap<(String, u16), PathBuf>>,
}

impl SshTunnel {
    /// Logs in (one master) and starts serving the local socket.
    pub async fn open(target: SshTarget) -> Result<SshTunnel, String> {
        let dir = private_dir()?;
        let control = dir.join("ctl");
        let log = dir.join("ssh.log");
        let log_file = std::fs::File::create(&log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut master = ssh_command(&control);
        master
            // No session: a command there would start the user's shell and its rc files on
            // every run (and killing it midway can leave their lock files behind). The price
            // is Nagle's algorithm, which ssh turns off only for interactive sessions.
            .args(["-M", "-N", "-T", "-o", "ControlPersist=no"])
            .arg("-o")
            .arg(format!("ConnectTimeout={CONNECT_TIMEOUT_SECS}"))
            .args(
                target
                    .port
                    .map(|p| vec!["-p".to_owned(), p.to_string()])
                    .unwrap_or_default(),
            )
            // `--`: whatever the destination holds, ssh never reads it as an option.
            .arg("--")
            .arg(&target.destination)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        die_with_parent(&mut master);
        let mut master = master.spawn().map_err(|e| {
            let _ = std::fs::remove_dir_all(&dir);
            if e.kind() == std::io::ErrorKind::NotFound {
                "ssh:// engines need the OpenSSH client (`ssh`) on PATH".to_owned()
            } else {
                format!("cannot run ssh: {e}")
            }
        })?;
        let started = Instant::now();
        loop {
            if control.exists() {
                break;
            }
            let failure = if let Ok(Some(status)) = master.try_wait() {
                Some(format!("ssh exited ({status})"))
            } else if started.elapsed() > LOGIN_TIMEOUT {
                Some(format!("no login within {}s", LOGIN_TIMEOUT.as_secs()))
            } else {
                None
            };
            if let Some(failure) = failure {
                let said = last_lines(&log, 3);
                let _ = master.kill().await;
                let _ = std::fs::remove_dir_all(&dir);
                return Err(login_failure(&target, &failure, &said));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(SshTunnel {
            target,
            dir,
            master,
            accept_loop: None,
            forwards: Mutex::default(),
        })
    }

    /// A local socket forwarded to the engine's socket on the far side.
    pub async fn forward_engine(&self) -> Result<PathBuf, String> {
        let local = self.dir.join("docker.sock");
        self.forward(&local, &FarEnd::Socket(self.target.socket.clone()))
            .await?;
        Ok(local)
    }

    /// A local socket whose every connection runs `docker system dial-stdio` on the far
    /// side: for servers that refuse stream-local forwards.
    pub fn serve_dial_stdio(&mut self) -> Result<PathBuf, String> {
        let socket = self.dir.join("dial-stdio.sock");
        let listener = UnixListener::bind(&socket)
            .map_err(|e| format!("cannot listen on {}: {e}", socket.display()))?;
        self.accept_loop = Some(tokio::spawn(serve(
            listener,
            self.target.clone(),
            self.dir.join("ctl"),
            self.dir.join("dial.log"),
        )));
        Ok(socket)
    }

    /// Asks the master to forward `local` (a unix socket here) to `far`, over its control
    /// socket; an older or unusual master gets the same request through `ssh -O forward`.
    async fn forward(&self, local: &Path, far: &FarEnd) -> Result<(), String> {
        let control = self.dir.join("ctl");
        if ssh_mux::open_local_forward(&control, local, far)
            .await
            .is_ok()
        {
            return Ok(());
        }
        let output = ssh_command(&control)
            .args(["-O", "forward", "-L"])
            .arg(format!("{}:{far}", local.display()))
            .arg("--")
            .arg(&self.target.destination)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| format!("cannot run ssh: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "ssh could not forward to {far} on {}: {}",
                self.target.host(),
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }

    pub fn target(&self) -> &SshTarget {
        &self.target
    }

    /// What the far side said when a session failed (no docker CLI, no permission on the
    /// socket, …): the last lines of the sessions' stderr.
    pub fn remote_complaint(&self) -> Option<String> {
        let said = last_lines(&self.dir.join("dial.log"), 3);
        (!said.is_empty()).then_some(said)
    }

    /// A stream to `ip:port` as seen from the engine host, through the master.
    pub async fn open_port(&self, ip: &str, port: u16) -> Result<UnixStream, String> {
        let key = (ip.to_owned(), port);
        let known = self.forwards.lock().ok().and_then(|f| f.get(&key).cloned());
        let local = match known {
            Some(local) => local,
            None => {
                let local = self
                    .dir
                    .join(format!("port-{}-{port}.sock", ip.replace(':', "_")));
                self.forward(&local, &FarEnd::Tcp(ip.to_owned(), port))
                    .await?;
                if let Ok(mut forwards) = self.forwards.lock() {
                    forwards.insert(key, local.clone());
                }
                local
            }
        };
        UnixStream::connect(&local)
            .await
            .map_err(|e| format!("{ip}:{port} on {} through ssh: {e}", self.target.host()))
    }
}

impl Drop for SshTunnel {
    fn drop(&mut self) {
        if let Some(accept_loop) = &self.accept_loop {
            accept_loop.abort();
        }
        let _ = self.master.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `ssh [-F config] -S control`: the part every invocation shares.
fn ssh_command(control: &Path) -> Command {
    let mut command = Command::new("ssh");
    if let Some(config) = std::env::var_os("ARK_SSH_CONFIG").filter(|c| !c.is_empty()) {
        command.arg("-F").arg(config);
    }
    command.arg("-S").arg(control);
    if !std::io::stdin().is_terminal() {
        command.args(["-o", "BatchMode=yes"]);
    }
    command
}

/// Each connection bollard opens becomes `docker system dial-stdio` on the engine host,
/// multiplexed over the master (no new login).
async fn serve(listener: UnixListener, target: SshTarget, control: PathBuf, log: PathBuf) {
    while let Ok((mut local, _)) = listener.accept().await {
        let Ok(log_file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
        else {
            continue;
        };
        let mut session = ssh_command(&control);
        session
            .args(["-o", "ControlMaster=no", "-T", "--"])
            .arg(&target.destination)
            .args(["docker", "system", "dial-stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        die_with_parent(&mut session);
        let Ok(mut child) = session.spawn() else {
            continue;
        };
        tokio::spawn(async move {
            let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                return;
            };
            let mut remote = tokio::io::join(stdout, stdin);
            let _ = tokio::io::copy_bidirectional(&mut local, &mut remote).await;
            drop(remote);
            let _ = child.wait().await;
        });
    }
}

/// A fresh directory only this user can enter: it holds the control socket.
fn private_dir() -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    remove_orphans(&base);
    for attempt in 0..100u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = base.join(format!("ark-ssh-{}-{nanos:x}{attempt}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(format!(
                    "cannot create a directory in {}: {e}",
                    base.display()
                ))
            }
        }
    }
    Err(format!("cannot create a directory in {}", base.display()))
}

/// Directories left by runs that were killed (their sockets are dead): `ark-ssh-<pid>-…`
/// whose process is gone.
fn remove_orphans(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("ark-ssh-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// ssh children end with ark even when it is killed, instead of holding the login open.
fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and touches only the child being set up.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

fn last_lines(path: &Path, count: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .collect();
    lines[lines.len().saturating_sub(count)..].join("; ")
}

fn login_failure(target: &SshTarget, failure: &str, said: &str) -> String {
    let mut check = vec!["ssh".to_owned()];
    if let Some(port) = target.port {
        check.extend(["-p".to_owned(), port.to_string()]);
    }
    check.push(target.destination.clone());
    let said = said.trim_end_matches('.');
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(": {said}")
    };
    let prompt = if std::io::stdin().is_terminal() {
        ""
    } else {
        " without a prompt (key in ssh-agent or ~/.ssh/config; ark never asks for a password when not run from a terminal)"
    };
    format!(
        "ssh login to {} failed ({failure}){said}. Check that `{}` works{prompt}",
        target.destination,
        shell_words::join(check)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_ssh_destinations() {
        assert_eq!(
            SshTarget::parse("ssh://me@box.example:2222").unwrap(),
            SshTarget {
                destination: "me@box.example".into(),
                port: Some(2222),
                socket: "/var/run/docker.sock".into(),
            }
        );
        let plain = SshTarget::parse("ssh://box").unwrap();
        assert_eq!((plain.destination.as_str(), plain.port), ("box", None));
        assert_eq!(plain.host(), "box");
        assert_eq!(
            SshTarget::parse("ssh://root@[::1]:22").unwrap().destination,
            "root@::1"
        );
        let elsewhere = SshTarget::parse("ssh://me@box/run/user/1000/docker.sock").unwrap();
        assert_eq!(elsewhere.destination, "me@box");
        assert_eq!(elsewhere.socket, "/run/user/1000/docker.sock");
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let error = |url: &str| SshTarget::parse(url).unwrap_err().to_string();
        assert!(error("ssh://").contains("names no host"));
        assert!(error("ssh://box:http").contains("not a port number"));
        assert!(error("ssh://@box").contains("empty user"));
    }

    #[test]
    fn hosts_and_users_that_ssh_would_read_as_options_or_a_shell_would_run_are_blocked() {
        // (URL, the part named in the error).
        let cases = [
            ("ssh://-V", "strange hostname -V blocked: it starts with `-`"),
            ("ssh://-Qcipher", "strange hostname -Qcipher blocked"),
            ("ssh://-oProxyCommand=touch x@host", "strange user name '-oProxyCommand=touch x' blocked: it starts with `-`"),
            ("ssh://me@-oProxyCommand=x:22", "strange hostname '-oProxyCommand=x' blocked"),
            ("ssh://me@[-V]", "strange hostname -V blocked"),
            ("ssh://me@box;touch${IFS}x", "strange hostname 'box;touch${IFS}x' blocked: it holds a space, a control or a shell character"),
            ("ssh://$(touch x)@box", "strange user name '$(touch x)' blocked"),
            ("ssh://me@box`id`", "strange hostname"),
            ("ssh://me@bo\nx", "strange hostname"),
            ("ssh://me x@box", "strange user name 'me x' blocked"),
        ];
        for (url, says) in cases {
            let error = SshTarget::parse(url).unwrap_err();
            assert!(matches!(error, SshUrlError::Strange(_)), "{url}: {error:?}");
            assert!(error.to_string().contains(says), "{url}: {error}");
        }
        // What real names hold passes: dots, dashes inside, IPv6, a user with a dot.
        for url in [
            "ssh://first.last@build-box.example:2222",
            "ssh://root@[fe80::1]",
            "ssh://a-b@h-1",
        ] {
            assert!(SshTarget::parse(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn hints_to_paste_are_quoted_for_a_shell() {
        assert_eq!(
            forward_command(1, "127.0.0.1", 2, None, "me@box (or $(id))"),
            "ssh -N -L 1:127.0.0.1:2 'me@box (or $(id))'"
        );
        let target = SshTarget::parse("ssh://me@box:2222").unwrap();
        assert!(login_failure(&target, "ssh exited", "")
            .contains("Check that `ssh -p 2222 me@box` works"));
    }

    #[test]
    fn the_forward_hint_is_a_command_to_paste() {
        let target = SshTarget::parse("ssh://me@box:2222").unwrap();
        assert_eq!(
            target.forward_hint(8080, "127.0.0.1", 32768),
            "ssh -N -L 8080:127.0.0.1:32768 -p 2222 me@box"
        );
    }
}
