//! Answering the shell's completion requests: clap_complete's dynamic completion (the
//! script `ark completions SHELL` prints runs `ARK_COMPLETE=SHELL ark -- WORDS…` on each Tab),
//! with the names ark knows attached to the arguments that take them. The words already on
//! the line decide which names: `--apps`, `ARK_APPS` and the user config through
//! `Settings::resolve`, `-e ENV` for an environment's apps.
//!
//! A completion prints nothing but candidates: no warnings, no errors, no panic message.

use super::complete_names::Names;
use super::complete_shells::ValuesFirst;
use crate::cli::Cli;
use crate::exit_code;
use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::{Bash, CompleteEnv, Elvish, EnvCompleter, Fish, Powershell, Shells, Zsh};
use std::ffi::OsString;
use std::sync::Arc;

/// The variable the completion scripts set: it names the shell asking.
pub const VAR: &str = "ARK_COMPLETE";

/// Commands whose apps are those of a running environment (the catalog's when the engine
/// does not answer in time); every other APP is any app of the catalog.
const RUNNING_APPS: &[&str] = &[
    "logs", "metrics", "stop", "restart", "exec", "rollback", "history", "promote",
];

/// Answers a completion request, when the shell made one: `Some(exit code)`; `None` for an
/// ordinary run.
pub fn respond() -> Option<i32> {
    let shell = std::env::var_os(VAR)?;
    if shell.is_empty() || shell == "0" {
        return None;
    }
    // Whatever goes wrong, the shell's line is no place for a panic message.
    std::panic::set_hook(Box::new(|_| {}));
    let args: Vec<OsString> = std::env::args_os().collect();
    let words = args
        .iter()
        .position(|a| a == "--")
        .map_or(&[][..], |escape| &args[escape + 1..]);
    // bash and zsh say where the cursor is; fish (and any other) completes the last word.
    let cursor = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse::<usize>().ok())
        .unwrap_or(words.len().saturating_sub(1));
    let current = words
        .get(cursor)
        .map(|w| w.to_string_lossy().into_owned())
        .unwrap_or_default();
    let names = Arc::new(Names::for_line(&context_words(words, cursor)));
    let shells = [
        &Bash as &dyn EnvCompleter,
        &Zsh,
        &Fish,
        &Elvish,
        &Powershell,
    ]
    .map(|shell| ValuesFirst::new(shell, &current));
    let shells: Vec<&dyn EnvCompleter> = shells.iter().map(|s| s as &dyn EnvCompleter).collect();
    let current_dir = std::env::current_dir().ok();
    let answered = CompleteEnv::with_factory(move || command(&names))
        .var(VAR)
        .bin("ark")
        .completer("ark")
        .shells(Shells(&shells))
        .try_complete(args.iter(), current_dir.as_deref());
    Some(match answered {
        Ok(_) => exit_code::OK,
        Err(_) => exit_code::FAILED,
    })
}

/// The words on the shell's line except the one being completed: what they say about
/// settings, command and environment holds wherever the cursor is. bash splits words at `=`
/// (`--apps=x` arrives as `--apps`, `=`, `x`): such a flag is joined back.
fn context_words(words: &[OsString], cursor: usize) -> Vec<OsString> {
    let mut words = words.to_vec();
    if cursor > 0 && cursor < words.len() {
        words.remove(cursor);
    }
    let mut joined: Vec<OsString> = Vec::with_capacity(words.len());
    let mut rest = words.into_iter();
    while let Some(word) = rest.next() {
        let after_flag = joined
            .last()
            .is_some_and(|flag| flag.to_string_lossy().starts_with("--"));
        match (word == "=" && after_flag, joined.last_mut()) {
            (true, Some(flag)) => {
                flag.push("=");
                flag.push(rest.next().unwrap_or_default());
            }
            _ => joined.push(word),
        }
    }
    joined
}

/// The CLI with a source of names on every argument that takes one.
fn command(names: &Arc<Names>) -> clap::Command {
    let root = Cli::command().mut_arg("context", |arg| {
        arg.add(candidates(names, |n| n.contexts()))
    });
    root.mut_subcommands(|sub| {
        let running = RUNNING_APPS.contains(&sub.get_name());
        sub.mut_args(|arg| {
            if arg.get_long() == Some("environment") {
                arg.add(candidates(names, |n| n.environments()))
            } else if arg.get_long() == Some("local") || (arg.is_positional() && takes_app(&arg)) {
                if running {
                    arg.add(candidates(names, |n| n.running_apps()))
                } else {
                    arg.add(candidates(names, |n| n.catalog_apps()))
                }
            } else {
                arg
            }
        })
    })
}

fn takes_app(arg: &clap::Arg) -> bool {
    arg.get_value_names()
        .is_some_and(|names| names.iter().any(|n| n.as_str() == "APP"))
}

/// Candidates computed only when that argument is the one being completed. Each is its own
/// id, so an app offered both as `-l`'s value and as the next APP shows once.
fn candidates(
    names: &Arc<Names>,
    list: impl Fn(&Names) -> Vec<String> + Send + Sync + 'static,
) -> ArgValueCandidates {
    let names = Arc::clone(names);
    ArgValueCandidates::new(move || {
        list(&names)
            .into_iter()
            .map(|name| CompletionCandidate::new(&name).id(Some(format!("name::{name}"))))
            .collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_under_the_cursor_is_not_context() {
        let words: Vec<OsString> = ["ark", "logs", "-e", "de", "api"]
            .into_iter()
            .map(OsString::from)
            .collect();
        assert_eq!(context_words(&words, 3), ["ark", "logs", "-e", "api"]);
        assert_eq!(context_words(&words, 5), words);
        let split: Vec<OsString> = ["ark", "--apps", "=", "x", "start", ""]
            .into_iter()
            .map(OsString::from)
            .collect();
        assert_eq!(context_words(&split, 5), ["ark", "--apps=x", "start"]);
    }
}
