//! How `ark logs` shows a line: `app | text` with the prefix padded to the widest app name
//! (recomputed when an app joins) in the app's own colour, `app ! text` for stderr (readable
//! without colour; red with it), or one JSON object per line. Prefixes are rendered once per
//! app, not per line: a merge of millions of lines spends its time here.

use crate::core::secret::Mask;
use crate::logs::line::{LogLine, Output};
use crate::logs::timestamp::Timestamp;
use crate::ui::style::Styles;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text { prefix: bool, timestamps: bool },
    Json,
}

pub struct LogView {
    styles: Styles,
    format: LogFormat,
    apps: Vec<String>,
    /// Per app: the stdout prefix and the stderr prefix, ready to write.
    prefixes: Vec<(Vec<u8>, Vec<u8>)>,
    /// The secret values the apps hold: what they print of them is shown as `****`.
    mask: Mask,
    masking: bool,
}

#[derive(serde::Serialize)]
struct JsonLine<'a> {
    ts: String,
    app: &'a str,
    stream: &'static str,
    line: &'a str,
}

impl LogView {
    pub fn new(styles: Styles, format: LogFormat) -> LogView {
        LogView {
            styles,
            format,
            apps: Vec::new(),
            prefixes: Vec::new(),
            mask: Mask::default(),
            masking: true,
        }
    }

    /// Shows secrets as the apps print them (`--no-mask`).
    pub fn without_masking(mut self) -> LogView {
        self.masking = false;
        self
    }

    /// Whether secret values are masked (what callers read them for).
    pub fn masks(&self) -> bool {
        self.masking
    }

    /// Masks `values` too, from now on.
    pub fn mask(&mut self, values: Vec<String>) {
        if self.masking && !values.is_empty() {
            self.mask = self.mask.with(values);
        }
    }

    /// Adds an app (its index is its number in later `write` calls) and re-pads every prefix.
    pub fn add_app(&mut self, name: &str) -> usize {
        self.apps.push(name.to_owned());
        let width = self.apps.iter().map(|a| a.width()).max().unwrap_or(0);
        self.prefixes = self
            .apps
            .iter()
            .map(|app| {
                let padded = format!("{app}{}", " ".repeat(width - app.width()));
                let name = self.styles.app(app, &padded);
                (
                    format!("{name} | ").into_bytes(),
                    format!("{name} {} ", self.styles.error("!")).into_bytes(),
                )
            })
            .collect();
        self.apps.len() - 1
    }

    pub fn write(&self, out: &mut impl Write, app: usize, line: &LogLine) -> io::Result<()> {
        let text = String::from_utf8_lossy(&line.text);
        let text = match self.mask.apply(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(masked) => std::borrow::Cow::Owned(masked),
        };
        match self.format {
            LogFormat::Json => {
                let record = JsonLine {
                    ts: line.ts.to_string(),
                    app: &self.apps[app],
                    stream: match line.output {
                        Output::Stdout => "stdout",
                        Output::Stderr => "stderr",
                    },
                    line: &text,
                };
                serde_json::to_writer(&mut *out, &record)?;
            }
            LogFormat::Text { prefix, timestamps } => {
                if prefix {
                    let (stdout, stderr) = &self.prefixes[app];
                    out.write_all(match line.output {
                        Output::Stdout => stdout,
                        Output::Stderr => stderr,
                    })?;
                } else if line.output == Output::Stderr && self.styles.enabled {
                    // Without a prefix, colour is the only stderr mark left.
                    return writeln!(out, "{}", self.styles.error(&text));
                }
                if timestamps {
                    write_timestamp(out, line.ts)?;
                }
                out.write_all(text.as_bytes())?;
            }
        }
        out.write_all(b"\n")
    }
}

fn write_timestamp(out: &mut impl Write, ts: Timestamp) -> io::Result<()> {
    write!(out, "{ts} ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(output: Output, text: &[u8]) -> LogLine {
        LogLine {
            ts: Timestamp { secs: 0, nanos: 5 },
            output,
            text: text.to_vec(),
        }
    }

    fn render(view: &LogView, lines: &[(usize, LogLine)]) -> String {
        let mut out = Vec::new();
        for (app, l) in lines {
            view.write(&mut out, *app, l).unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn prefixes_pad_to_the_widest_app_and_mark_stderr() {
        let mut view = LogView::new(
            Styles::PLAIN,
            LogFormat::Text {
                prefix: true,
                timestamps: false,
            },
        );
        let api = view.add_app("api");
        let lines = [
            (api, line(Output::Stdout, b"out 1")),
            (api, line(Output::Stderr, b"err 1")),
        ];
        assert_eq!(render(&view, &lines), "api | out 1\napi ! err 1\n");
        let worker = view.add_app("worker");
        let lines = [
            (api, line(Output::Stdout, b"a")),
            (worker, line(Output::Stdout, b"\xffb")),
        ];
        assert_eq!(render(&view, &lines), "api    | a\nworker | \u{fffd}b\n");
    }

    #[test]
    fn timestamps_no_prefix_and_colour() {
        let mut view = LogView::new(
            Styles::PLAIN,
            LogFormat::Text {
                prefix: false,
                timestamps: true,
            },
        );
        let app = view.add_app("api");
        assert_eq!(
            render(&view, &[(app, line(Output::Stderr, b"x"))]),
            "1970-01-01T00:00:00.000000005Z x\n"
        );
        let mut coloured = LogView::new(
            Styles { enabled: true },
            LogFormat::Text {
                prefix: true,
                timestamps: false,
            },
        );
        let app = coloured.add_app("api");
        let text = render(&coloured, &[(app, line(Output::Stderr, b"x"))]);
        assert!(text.starts_with("\x1b["), "{text:?}");
        assert!(text.ends_with(" \x1b[1;31m!\x1b[0m x\n"), "{text:?}");
    }

    #[test]
    fn json_lines_have_the_documented_shape() {
        let mut view = LogView::new(Styles { enabled: true }, LogFormat::Json);
        let app = view.add_app("api");
        assert_eq!(
            render(&view, &[(app, line(Output::Stderr, b"say \"hi\""))]),
            "{\"ts\":\"1970-01-01T00:00:00.000000005Z\",\"app\":\"api\",\"stream\":\"stderr\",\"line\":\"say \\\"hi\\\"\"}\n"
        );
    }
}
