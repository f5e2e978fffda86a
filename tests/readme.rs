//! The README's main command, run as a newcomer on a fresh machine would: a fresh clone, a
//! fresh HOME, `ark` on no PATH yet, an engine with no images and no registry in reach (a
//! test-owned dockerd in its own network namespace) — then `./install.sh && ark start -e
//! demo web`, verbatim, in one shell. Then what a second install into the same shell does.
//!
//! The clone is of HEAD: commit before you run this test on a change of install.sh or the demo.

mod common;
use common::own_engine::OwnEngine;
use common::repo;
use std::path::{Path, PathBuf};
use std::process::Command;

const MAIN_COMMAND: &str = "./install.sh && ark start -e demo web";

#[test]
fn the_readme_command_works_verbatim_on_a_fresh_machine() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("$ {MAIN_COMMAND}")),
        "the README's first command changed: update this test"
    );
    let Some(engine) = OwnEngine::start() else {
        return;
    };
    assert!(
        !engine.docker(&["image", "inspect", "busybox:latest"]).0,
        "a fresh engine has no busybox:latest"
    );
    let machine = FreshMachine::new();
    let shell = |line: &str, path: &str| {
        let mut command = engine.command("bash");
        machine.user_shell(&mut command, path, Some(engine.docker_host()));
        transcript(command.arg("-c").arg(line))
    };

    // A fresh shell: cargo works (its bin folder is on PATH), ~/.local/bin is not, no ark.
    let (code, text) = shell("command -v ark", &machine.path);
    assert_ne!(
        code, 0,
        "ark is on the fresh machine's PATH already: {text}"
    );

    let (code, text) = shell(MAIN_COMMAND, &machine.path);
    assert_eq!(code, 0, "{text}");
    let installed = machine.cargo_bin.join("ark");
    assert!(
        text.contains(&format!(
            "to {} (cargo's bin folder, on your PATH",
            installed.display()
        )),
        "install.sh says where and why: {text}"
    );
    assert!(installed.is_file());
    assert!(machine
        .home
        .join(".local/share/bash-completion/completions/ark")
        .is_file());
    assert_eq!(
        text.matches(
            "busybox:latest is not on the engine and cannot be pulled: made it from /bin/busybox"
        )
        .count(),
        1,
        "one line says the base image was made offline: {text}"
    );
    assert!(text.contains("4 apps ready"), "{text}");
    assert!(!text.contains("not on your PATH"), "{text}");

    // The demo works, not just runs: web reaches api, which reaches cache and store.
    let (ok, page) = engine.docker(&[
        "exec",
        "ark_demo_web",
        "sh",
        "-c",
        "timeout 3 wget -q -O- http://127.0.0.1:8080/cgi-bin/api",
    ]);
    assert!(
        ok && page.contains(r#""cache":"ok""#) && page.contains(r#""store":"ok""#),
        "{page}"
    );

    // Re-running is safe: same place, same result, nothing else on PATH to report.
    let (code, text) = shell("./install.sh", &machine.path);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!("to {}", installed.display())),
        "{text}"
    );
    assert!(!text.contains("another ark"), "{text}");

    // With ~/.local/bin on PATH it goes there, and the older copy later on PATH is named.
    let local_bin = machine.home.join(".local/bin");
    let with_local = format!("{}:{}", local_bin.display(), machine.path);
    let (code, text) = shell("./install.sh && ark --version", &with_local);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!("to {}/ark (on your PATH", local_bin.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("another ark is at {}", installed.display())),
        "{text}"
    );

    // An old ark that comes first on PATH is what the shell would run: a warning names it.
    let old_bin = machine.root.path().join("old-bin");
    std::fs::create_dir_all(&old_bin).unwrap();
    let old = old_bin.join("ark");
    std::fs::write(&old, "#!/bin/sh\necho 'ark 0.0.1'\n").unwrap();
    make_executable(&old);
    let (code, text) = shell(
        "./install.sh",
        &format!("{}:{with_local}", old_bin.display()),
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "warning: `ark` runs {} (ark 0.0.1), which comes first on PATH",
            old.display()
        )),
        "{text}"
    );

    let (code, text) = shell("ark down -e demo", &machine.path);
    assert_eq!(code, 0, "{text}");
    let (containers, networks, _) = engine.contents();
    assert!(
        containers.is_empty() && networks.is_empty(),
        "{containers:?} {networks:?}"
    );
}

#[test]
fn install_sh_with_a_prefix_installs_there_and_says_how_to_reach_it() {
    let machine = FreshMachine::new();
    let prefix = machine.root.path().join("opt");
    let mut command = assert_cmd::Command::new("bash");
    machine.user_shell(&mut command, &machine.path, None);
    let (code, text) = transcript(
        command
            .arg("-c")
            .arg(format!("./install.sh --prefix {}", prefix.display())),
    );
    assert_eq!(code, 0, "{text}");
    let installed = prefix.join("bin/ark");
    assert!(installed.is_file(), "{text}");
    assert!(
        text.contains(&format!(
            "warning: {} is not on your PATH",
            prefix.join("bin").display()
        )) && text.contains(&format!(
            "export PATH=\"{}:$PATH\"",
            prefix.join("bin").display()
        )),
        "{text}"
    );
    assert!(!machine.cargo_bin.join("ark").exists());
}

/// A clone of this repository, a user with an empty HOME, and a cargo whose bin folder is
/// the user's own (linked to this machine's toolchain and crate cache, so no download).
struct FreshMachine {
    /// One fresh machine at a time: they share the cargo home and the build folder.
    _alone: std::sync::MutexGuard<'static, ()>,
    root: tempfile::TempDir,
    home: PathBuf,
    cargo_bin: PathBuf,
    clone: PathBuf,
    /// A fresh shell's PATH: cargo's bin folder and the system's folders.
    path: String,
    env: Vec<(String, String)>,
}

impl FreshMachine {
    fn new() -> FreshMachine {
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let alone = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let real_home = std::env::var("HOME").unwrap_or_default();
        let real_cargo =
            PathBuf::from(std::env::var("CARGO_HOME").unwrap_or(format!("{real_home}/.cargo")));
        let rustup_home =
            std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{real_home}/.rustup"));
        // One cargo home for every run (a new path would rebuild every crate): its bin folder
        // holds the toolchain's commands (rustup's proxies) and whatever install.sh puts there.
        let cargo_home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fresh-cargo-home");
        let cargo_bin = cargo_home.join("bin");
        let _ = std::fs::remove_dir_all(&cargo_bin);
        std::fs::create_dir_all(&cargo_bin).unwrap();
        for tool in [
            "cargo",
            "rustc",
            "rustup",
            "rustdoc",
            "cargo-clippy",
            "cargo-fmt",
        ] {
            let real = real_cargo.join("bin").join(tool);
            if real.exists() {
                std::os::unix::fs::symlink(&real, cargo_bin.join(tool)).unwrap();
            }
        }
        for shared in ["registry", "git"] {
            let (real, link) = (real_cargo.join(shared), cargo_home.join(shared));
            if real.exists() && !link.exists() {
                std::os::unix::fs::symlink(&real, link).unwrap();
            }
        }
        let clone = fresh_clone().to_owned();
        let path = format!(
            "{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            cargo_bin.display()
        );
        // One build folder for every run of these tests: a clone changes only ark itself.
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fresh-install");
        let env = vec![
            ("HOME".into(), home.display().to_string()),
            ("CARGO_HOME".into(), cargo_home.display().to_string()),
            ("RUSTUP_HOME".into(), rustup_home),
            ("CARGO_TARGET_DIR".into(), target.display().to_string()),
            ("SHELL".into(), "/bin/bash".into()),
            ("NO_COLOR".into(), "1".into()),
        ];
        FreshMachine {
            _alone: alone,
            root,
            home,
            cargo_bin,
            clone,
            path,
            env,
        }
    }

    /// The user's login shell, in the clone, with nothing of this process's environment.
    fn user_shell(
        &self,
        command: &mut assert_cmd::Command,
        path: &str,
        docker_host: Option<String>,
    ) {
        command
            .env_clear()
            .current_dir(&self.clone)
            .env("PATH", path);
        for (name, value) in &self.env {
            command.env(name, value);
        }
        if let Some(host) = docker_host {
            command.env("DOCKER_HOST", host);
        }
    }
}

/// One clone of HEAD per run of these tests (a new clone would rebuild ark once more).
fn fresh_clone() -> &'static Path {
    static CLONE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CLONE.get_or_init(|| {
        let clone = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fresh-clone");
        let _ = std::fs::remove_dir_all(&clone);
        let status = Command::new("git")
            .args(["clone", "--quiet"])
            .arg(repo())
            .arg(&clone)
            .status()
            .unwrap();
        assert!(status.success(), "git clone of the repository");
        clone
    })
}

/// Exit code and everything the command printed (stdout, then stderr).
fn transcript(command: &mut assert_cmd::Command) -> (i32, String) {
    let out = command.output().expect("the command runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
