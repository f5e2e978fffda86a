//! `ark completions SHELL`: the completion script, generated from the CLI definition.

use crate::cli::{Cli, CompletionsArgs};
use crate::exit_code;
use crate::failure::Failure;
use crate::settings::Settings;
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs, settings: &Settings) -> Result<i32, Failure> {
    settings.printer.out(&script(args.shell));
    Ok(exit_code::OK)
}

pub fn script(shell: clap_complete::Shell) -> String {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ark", &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}
