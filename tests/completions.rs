//! The completion scripts in completions/ are generated from the CLI and checked in for
//! installers; this fails when they no longer match the CLI.

mod common;
use common::{ark, output, repo};

#[test]
fn checked_in_completions_are_current() {
    for (shell, file) in [("bash", "ark.bash"), ("zsh", "_ark"), ("fish", "ark.fish")] {
        let (code, generated, _) = output(ark().args(["completions", shell]));
        assert_eq!(code, 0);
        let checked_in =
            std::fs::read_to_string(repo().join("completions").join(file)).unwrap_or_default();
        assert!(
            generated == checked_in,
            "completions/{file} is stale: run scripts/gen-completions.sh and commit the result"
        );
    }
}

#[test]
fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, script, _) = output(ark().args(["completions", shell]));
        assert_eq!(code, 0, "{shell}");
        assert!(
            script.contains("validate"),
            "{shell} completes the commands"
        );
    }
}
