//! The one place that writes to the terminal. stdout carries data only (tables, JSON,
//! logs); progress, warnings and errors go to stderr. A closed stdout pipe (`ark … | head`)
//! ends the program quietly with success.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use super::style::Styles;
use crate::core::diagnostic::{Diagnostic, Severity};
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone)]
pub struct Printer {
    pub out_styles: Styles,
    pub err_styles: Styles,
    pub verbosity: Verbosity,
}

impl Printer {
    /// Data on stdout. A reader that went away is not an error: exit quietly.
    pub fn out(&self, text: &str) {
        let mut stdout = io::stdout().lock();
        let result = stdout.write_all(text.as_bytes()).and_then(|()| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                stdout.write_all(b"\n")
            }
        });
        if let Err(error) = result.and_then(|()| stdout.flush()) {
            if error.kind() == io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }

    /// Buffered stdout for a command that writes a lot of data (`ark logs`). The caller
    /// treats `BrokenPipe` from it as a quiet, successful end.
    pub fn data_writer(&self) -> io::BufWriter<io::StdoutLock<'static>> {
        io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())
    }

    /// A status line on stderr, unless quiet.
    pub fn status(&self, text: &str) {
        if self.verbosity > Verbosity::Quiet {
            eprintln!("{text}");
        }
    }

    /// Detail on stderr, only with -v.
    pub fn detail(&self, text: &str) {
        if self.verbosity >= Verbosity::Verbose {
            eprintln!("{}", self.err_styles.dim(text));
        }
    }

    /// A problem on stderr. Warnings are silenced by -q; errors never are.
    pub fn diagnostic(&self, diagnostic: &Diagnostic) {
        if diagnostic.severity == Severity::Warning && self.verbosity == Verbosity::Quiet {
            return;
        }
        eprint!("{}", render_diagnostic(diagnostic, self.err_styles));
    }

    pub fn diagnostics<'a>(&self, diagnostics: impl IntoIterator<Item = &'a Diagnostic>) {
        for diagnostic in diagnostics {
            self.diagnostic(diagnostic);
        }
    }

    /// An error that ends the command (already formatted as `error: …` lines).
    pub fn error_text(&self, text: &str) {
        eprint!("{text}");
    }
}

/// `error: file:line:col: message` + `  hint: …`, ready to print.
pub fn render_diagnostic(diagnostic: &Diagnostic, styles: Styles) -> String {
    let label = match diagnostic.severity {
        Severity::Error => styles.error("error"),
        Severity::Warning => styles.warning("warning"),
    };
    let mut text = format!("{label}: {diagnostic}\n");
    if let Some(hint) = &diagnostic.hint {
        text.push_str(&format!("  {}: {hint}\n", styles.hint("hint")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_diagnostic_reads_as_one_located_line_and_a_hint() {
        let d = Diagnostic::warning("unknown key `dependancies` (ignored)")
            .in_file(Path::new("launch/api.yml"))
            .at(Some(7), None)
            .with_hint("did you mean `dependencies`?");
        assert_eq!(
            render_diagnostic(&d, Styles::PLAIN),
            "warning: launch/api.yml:7: unknown key `dependancies` (ignored)\n  hint: did you mean `dependencies`?\n"
        );
    }
}
