//! The one place that writes to the terminal. stdout carries data only (tables, JSON,
//! logs); progress, warnings and errors go to stderr.
//!
//! A reader that went away (`ark … | head -1`, `2>&-`) is nobody's error: what cannot be
//! written is dropped and the command ends with the exit code it would have had — never a
//! panic, which is what `println!`/`eprintln!` do on a closed stream. Only a stream with no
//! end of its own (`out_stream`: metrics) ends when its reader goes.

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
    /// Data on stdout (a newline added when missing). Dropped when nobody reads it.
    pub fn out(&self, text: &str) {
        let _ = write_line(&mut io::stdout().lock(), text);
    }

    /// Data on stdout from a stream that runs until stopped (`ark metrics`): a reader that
    /// went away ends the program quietly with success, as `ark metrics | head` expects.
    pub fn out_stream(&self, text: &str) {
        if let Err(error) = write_line(&mut io::stdout().lock(), text) {
            if error.kind() == io::ErrorKind::BrokenPipe {
                std::process::exit(crate::exit_code::OK);
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
            to_stderr(&format!("{text}\n"));
        }
    }

    /// Detail on stderr, only with -v.
    pub fn detail(&self, text: &str) {
        if self.verbosity >= Verbosity::Verbose {
            to_stderr(&format!("{}\n", self.err_styles.dim(text)));
        }
    }

    /// A problem on stderr. Warnings are silenced by -q; errors never are.
    pub fn diagnostic(&self, diagnostic: &Diagnostic) {
        if diagnostic.severity == Severity::Warning && self.verbosity == Verbosity::Quiet {
            return;
        }
        to_stderr(&render_diagnostic(diagnostic, self.err_styles));
    }

    pub fn diagnostics<'a>(&self, diagnostics: impl IntoIterator<Item = &'a Diagnostic>) {
        for diagnostic in diagnostics {
            self.diagnostic(diagnostic);
        }
    }

    /// An error that ends the command (already formatted as `error: …` lines).
    pub fn error_text(&self, text: &str) {
        to_stderr(text);
    }
}

fn write_line(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// stderr is unbuffered: one write per message, and a closed stderr drops it.
fn to_stderr(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
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
