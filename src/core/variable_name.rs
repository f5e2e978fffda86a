//! Variable names: what may be a key of `env:`, a name in a definition's `env:` list, or the
//! KEY of `--set KEY=VALUE`.
//!
//! A name ends up in a container's environment, in `ark config -o env` (which users `eval`)
//! and in labels, so only portable shell names pass: `[A-Za-z_][A-Za-z0-9_]*` (POSIX's
//! definition, which every name production uses follows). Anything else — a space, `;`,
//! `$(…)`, a newline — would be a command the moment a shell reads it.

use serde::de;
use std::fmt;

/// `Ok` for a portable name; else a message that quotes the name but never what follows a
/// `=` in it (`DB_PASSWORD=hunter2` written as a name is a value leaking into an error).
pub fn check(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let portable = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if portable {
        return Ok(());
    }
    let shown = match name.split_once('=') {
        Some((before, _)) => format!("{}=…", before.escape_debug()),
        None => name.escape_debug().to_string(),
    };
    Err(format!(
        "`{shown}` is not a variable name: use letters, digits and `_`, not starting with a digit"
    ))
}

/// Reads one name from a definition's `env:` (surrounding blanks dropped) and checks it while
/// it is being read, so that serde_yaml places an error at the name itself.
pub struct NameSeed;

impl<'de> de::DeserializeSeed<'de> for NameSeed {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl de::Visitor<'_> for NameSeed {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a variable name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<String, E> {
        let name = name.trim();
        check(name).map_err(E::custom)?;
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_names_pass() {
        for name in [
            "A",
            "_",
            "_APP_NAME",
            "db_host",
            "SERVICE_API_HTTP_PORT",
            "X1",
        ] {
            assert_eq!(check(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn anything_a_shell_would_read_as_more_than_a_name_is_refused() {
        for name in [
            "",
            "1X",
            "A B",
            "X;touch /tmp/pwned;Y",
            "$(id)",
            "`id`",
            "A\nB",
            "A-B",
            "A.B",
            "grüße",
        ] {
            assert!(check(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn the_message_never_shows_what_follows_an_equals_sign() {
        assert_eq!(
            check("DB_PASSWORD=hunter2").unwrap_err(),
            "`DB_PASSWORD=…` is not a variable name: use letters, digits and `_`, not starting with a digit"
        );
        assert!(check("A\nB").unwrap_err().starts_with("`A\\nB`"));
    }
}
