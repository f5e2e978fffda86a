//! ssh targets pasted from anywhere — `-H`, `DOCKER_HOST`, a docker context, an environment
//! file — never reach ssh as options and never run anything but the one ssh login. An `ssh`
//! of the test's own on PATH records every run, so "nothing ran" is something to check.

mod common;
use common::{ark, output, tree, write};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A folder with an `ssh` that records its arguments (one line per run, one argument per
/// tab-separated field) in `runs` and fails as a refused login does.
struct FakeSsh {
    dir: tempfile::TempDir,
}

impl FakeSsh {
    fn new() -> FakeSsh {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        let script = dir.path().join("ssh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\t' \"$@\" >> '{}'\necho >> '{}'\necho 'Permission denied (publickey).' >&2\nexit 255\n",
                runs.display(),
                runs.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        FakeSsh { dir }
    }

    /// Every run of ssh so far, each as its arguments.
    fn runs(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.dir.path().join("runs"))
            .unwrap_or_default()
            .lines()
            .map(|line| line.split_terminator('\t').map(str::to_owned).collect())
            .collect()
    }

    /// PATH with this ssh first.
    fn path(&self) -> String {
        format!(
            "{}:{}",
            self.dir.path().display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    /// Where a `ProxyCommand` in a hostile URL would leave its mark.
    fn marker(&self) -> PathBuf {
        self.dir.path().join("pwned")
    }
}

/// A project with one environment file holding `environment`.
fn project(environment: &str) -> tempfile::TempDir {
    tree(&[
        ("launch/web.yml", "run: {image: 'busybox:latest'}\n"),
        ("environments/hostile.yml", environment),
    ])
}

/// `ark ARGS…` in `dir` with the fake ssh, no docker config of the user's and no engine.
fn ark_in(dir: &Path, ssh: &FakeSsh, args: &[&str]) -> assert_cmd::Command {
    let mut command = ark();
    command
        .current_dir(dir)
        .env("PATH", ssh.path())
        .env("DOCKER_CONFIG", dir.join("docker-config"))
        .args(args);
    command
}

/// The URLs that would run a command or an ssh option if handed to ssh as they are.
fn hostile(ssh: &FakeSsh) -> Vec<String> {
    vec![
        format!(
            "ssh://-oProxyCommand=touch {} x@host",
            ssh.marker().display()
        ),
        "ssh://-V".into(),
        "ssh://-Qcipher".into(),
        format!("ssh://me@box;touch${{IFS}}{}", ssh.marker().display()),
    ]
}

#[test]
fn a_hostile_host_from_the_command_line_or_docker_host_is_exit_4_and_runs_nothing() {
    let ssh = FakeSsh::new();
    let dir = project("env: {}\n");
    for url in hostile(&ssh) {
        let (code, _, stderr) = output(&mut ark_in(dir.path(), &ssh, &["-H", &url, "status"]));
        assert_eq!(code, 4, "-H {url}: {stderr}");
        assert!(stderr.contains("blocked"), "-H {url}: {stderr}");
        assert!(stderr.contains("(from --host)"), "-H {url}: {stderr}");

        let (code, _, stderr) =
            output(ark_in(dir.path(), &ssh, &["status", "-e", "hostile"]).env("DOCKER_HOST", &url));
        assert_eq!(code, 4, "DOCKER_HOST={url}: {stderr}");
        assert!(stderr.contains("blocked"), "DOCKER_HOST={url}: {stderr}");
    }
    assert_eq!(ssh.runs(), Vec::<Vec<String>>::new(), "ssh never ran");
    assert!(!ssh.marker().exists());
}

#[test]
fn a_hostile_host_in_a_docker_context_is_exit_4_and_runs_nothing() {
    let ssh = FakeSsh::new();
    let dir = project("env: {}\n");
    let meta = dir
        .path()
        .join("docker-config/contexts/meta")
        .join(format!("{:x}", Sha256::digest(b"evil")))
        .join("meta.json");
    for url in hostile(&ssh) {
        let host = serde_json::to_string(&url).unwrap();
        write(
            &meta,
            &format!(r#"{{"Name":"evil","Endpoints":{{"docker":{{"Host":{host}}}}}}}"#),
        );
        let (code, _, stderr) = output(&mut ark_in(
            dir.path(),
            &ssh,
            &["--context", "evil", "status"],
        ));
        assert_eq!(code, 4, "{url}: {stderr}");
        assert!(
            stderr.contains("blocked") && stderr.contains("context `evil`"),
            "{url}: {stderr}"
        );
    }
    assert_eq!(ssh.runs(), Vec::<Vec<String>>::new(), "ssh never ran");
    assert!(!ssh.marker().exists());
}

#[test]
fn a_hostile_target_is_an_error_at_its_line_and_runs_nothing() {
    let ssh = FakeSsh::new();
    for url in hostile(&ssh) {
        let quoted = serde_json::to_string(&url).unwrap();
        let dir = project(&format!("# shared box\ntarget: {quoted}\n"));
        let file = "environments/hostile.yml:2";

        let (code, _, stderr) = output(&mut ark_in(
            dir.path(),
            &ssh,
            &["validate", "-e", "hostile"],
        ));
        assert_eq!(code, 3, "{url}: {stderr}");
        assert!(
            stderr.contains(file) && stderr.contains("blocked"),
            "{url}: {stderr}"
        );

        for args in [
            &["status", "-e", "hostile"][..],
            &["down", "-e", "hostile", "-y"],
        ] {
            let (code, _, stderr) = output(&mut ark_in(dir.path(), &ssh, args));
            assert_eq!(code, 3, "{args:?} {url}: {stderr}");
            assert!(
                stderr.contains(file) && stderr.contains("blocked"),
                "{args:?} {url}: {stderr}"
            );
        }

        // Every environment at once: the target is a line saying why it is not asked.
        let (_, stdout, stderr) = output(
            ark_in(dir.path(), &ssh, &["status", "-o", "json"])
                .env("DOCKER_HOST", "unix:///nonexistent/ark-hostile.sock"),
        );
        assert!(stdout.contains("blocked"), "{url}: {stdout} {stderr}");
    }
    assert_eq!(ssh.runs(), Vec::<Vec<String>>::new(), "ssh never ran");
    assert!(!ssh.marker().exists());
}

/// `ark status` and `ark envs` ask every target on disk: a target from a file runs the one
/// ssh login and nothing else, its destination after `--`.
#[test]
fn status_and_envs_run_one_ssh_login_per_target_with_the_destination_after_double_dash() {
    let ssh = FakeSsh::new();
    let dir = project("target: ssh://me@build-box:2222\n");
    for args in [&["status"][..], &["envs"]] {
        let before = ssh.runs().len();
        let (_, stdout, stderr) = output(
            ark_in(dir.path(), &ssh, args)
                .env("DOCKER_HOST", "unix:///nonexistent/ark-hostile.sock"),
        );
        let runs = ssh.runs()[before..].to_vec();
        assert_eq!(
            runs.len(),
            1,
            "{args:?}: one login, nothing else: {runs:?}\n{stdout}{stderr}"
        );
        let login = &runs[0];
        assert_eq!(
            login[login.len() - 2..],
            ["--".to_owned(), "me@build-box".to_owned()],
            "{login:?}"
        );
        assert!(
            login.contains(&"-M".to_owned()) && login.contains(&"-N".to_owned()),
            "a master with no command: {login:?}"
        );
        if args == ["status"] {
            // The hint says what to check, as a command that pastes as it reads.
            assert!(
                format!("{stdout}{stderr}").contains("Check that `ssh -p 2222 me@build-box` works"),
                "{stdout}{stderr}"
            );
        }
    }
}
