//! Questions to the person at the terminal, asked on stderr (stdout stays data).

use dialoguer::console::Term;
use dialoguer::Confirm;
use std::io::IsTerminal;

/// Asks a yes/no question (default no; Esc is no). `None` when nobody can answer: stdin is
/// not a terminal, or the terminal cannot show the question.
pub fn confirm(question: &str) -> Option<bool> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact_on_opt(&Term::stderr())
        .ok()
        .map(|answer| answer.unwrap_or(false))
}
