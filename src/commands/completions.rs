//! `ark completions SHELL`: the script that registers ark's completion with the shell. The
//! script itself knows nothing of ark: on each Tab it asks `ark` (see `complete.rs`), so
//! commands, flags, environments and apps are always those of the ark on PATH and the
//! settings on the line.

use super::complete::VAR;
use super::complete_shells::ValuesFirst;
use crate::cli::CompletionsArgs;
use crate::exit_code;
use crate::failure::Failure;
use crate::settings::Settings;
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use clap_complete::Shell;

pub fn run(args: &CompletionsArgs, settings: &Settings) -> Result<i32, Failure> {
    settings.printer.out(&script(args.shell));
    Ok(exit_code::OK)
}

pub fn script(shell: Shell) -> String {
    let adapter: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Elvish => &Elvish,
        // `Shell` is non-exhaustive; PowerShell is the one left.
        _ => &Powershell,
    };
    let mut buffer = Vec::new();
    // Writing into memory cannot fail.
    let _ = ValuesFirst::new(adapter, "").write_registration(VAR, "ark", "ark", "ark", &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}
