//! The README's main command, run end to end as a new user would: `./install.sh && ark start
//! -e demo web` from the repository root — with a throwaway HOME, and under a unique
//! environment name (a copy of demo.yml) so a developer's own `demo` is never touched.

mod common;
use common::engine::{docker, engine_available, image, TestEnv};
use common::{output, repo};
use std::process::Command;

#[test]
fn the_readme_command_installs_ark_and_brings_the_demo_up() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains("$ ./install.sh && ark start -e demo web"),
        "the README's first command changed: update this test"
    );
    if !engine_available() {
        return;
    }
    image("http"); // seeds busybox:latest, the demo's base, when missing

    let home = tempfile::tempdir().unwrap();
    let real_home = std::env::var("HOME").unwrap_or_default();
    let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{real_home}/.cargo"));
    let rustup_home =
        std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{real_home}/.rustup"));
    let install = Command::new("bash")
        .arg(repo().join("install.sh"))
        .env("HOME", home.path())
        .env("SHELL", "/bin/bash")
        .env("CARGO_HOME", &cargo_home)
        .env("RUSTUP_HOME", &rustup_home)
        .env("CARGO_TARGET_DIR", repo().join("target"))
        .env(
            "PATH",
            format!(
                "{cargo_home}/bin:{}",
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .unwrap();
    let install_log = String::from_utf8_lossy(&install.stdout).to_string()
        + &String::from_utf8_lossy(&install.stderr);
    assert!(install.status.success(), "{install_log}");
    let installed = home.path().join(".local/bin/ark");
    assert!(installed.is_file(), "{install_log}");
    assert!(
        home.path()
            .join(".local/share/bash-completion/completions/ark")
            .is_file(),
        "{install_log}"
    );

    // The repository's environments folder, with demo.yml under this test's own name.
    let env = TestEnv::new("readme", &[]);
    let workdir = env.dir.path();
    copy_dir(&repo().join("environments"), &workdir.join("environments"));
    std::fs::copy(
        repo().join("environments/demo.yml"),
        workdir.join(format!("environments/{}.yml", env.name)),
    )
    .unwrap();

    let (code, _, stderr) = output(
        assert_cmd::Command::new(&installed)
            .current_dir(workdir)
            .env("ARK_CONFIG", "/nonexistent")
            .args(["start", "-e", &env.name, "web", "--progress", "plain"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("4 apps ready"), "{stderr}");
    // web reaches api, which reaches cache and store: the demo works, not just runs.
    let page = docker(&[
        "exec",
        &env.container("web"),
        "sh",
        "-c",
        "timeout 3 wget -q -O- http://127.0.0.1:8080/cgi-bin/api",
    ]);
    assert!(
        page.contains(r#""cache":"ok""#) && page.contains(r#""store":"ok""#),
        "{page}"
    );
    let (code, _, stderr) = output(
        assert_cmd::Command::new(&installed)
            .current_dir(workdir)
            .env("ARK_CONFIG", "/nonexistent")
            .args(["down", "-e", &env.name]),
    );
    assert_eq!(code, 0, "{stderr}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
