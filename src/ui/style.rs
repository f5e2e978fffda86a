//! Colours, decided once: on for a terminal, off for pipes, NO_COLOR, or `--color never`.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    pub fn for_stdout(self) -> Styles {
        Styles {
            enabled: self.enabled(std::io::stdout().is_terminal()),
        }
    }

    pub fn for_stderr(self) -> Styles {
        Styles {
            enabled: self.enabled(std::io::stderr().is_terminal()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Styles {
    pub enabled: bool,
}

/// Colours for app names: readable on dark and light backgrounds.
const APP_COLORS: [u8; 12] = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

impl Styles {
    pub const PLAIN: Styles = Styles { enabled: false };

    fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn error(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn warning(&self, text: &str) -> String {
        self.paint("1;33", text)
    }
    pub fn hint(&self, text: &str) -> String {
        self.paint("1;36", text)
    }
    pub fn good(&self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A colour derived from the app's name, so an app looks the same in every run.
    pub fn app(&self, name: &str, text: &str) -> String {
        self.paint(&app_color(name).to_string(), text)
    }
}

/// FNV-1a of the name picks the colour: stable across runs and platforms.
pub fn app_color(name: &str) -> u8 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    APP_COLORS[(hash % APP_COLORS.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_styles_add_nothing() {
        assert_eq!(Styles::PLAIN.error("x"), "x");
        assert_eq!(Styles { enabled: true }.error("x"), "\x1b[1;31mx\x1b[0m");
    }

    #[test]
    fn never_and_always_ignore_the_terminal() {
        assert!(!ColorChoice::Never.enabled(true));
        assert!(ColorChoice::Always.enabled(false));
        assert!(!ColorChoice::Auto.enabled(false));
    }

    #[test]
    fn an_app_keeps_its_colour() {
        assert_eq!(app_color("api"), app_color("api"));
        let distinct: std::collections::BTreeSet<u8> =
            ["api", "web", "db", "cache", "store", "auth"]
                .iter()
                .map(|n| app_color(n))
                .collect();
        assert!(distinct.len() > 2);
    }
}
