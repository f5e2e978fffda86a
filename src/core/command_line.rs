//! A command to run in a container, written either as one string or as a list.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// argv for a container. A string is split the way a POSIX shell splits words
/// (`sh -c 'echo hi'` → `["sh", "-c", "echo hi"]`), as docker compose does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CommandLine(pub Vec<String>);

impl CommandLine {
    pub fn parse(text: &str) -> Result<Self, String> {
        let words = shell_words::split(text).map_err(|e| format!("cannot split `{text}`: {e}"))?;
        if words.is_empty() {
            return Err("the command is empty".into());
        }
        Ok(Self(words))
    }

    /// A copy-pasteable rendering, quoting words that need it.
    pub fn display(&self) -> String {
        shell_words::join(&self.0)
    }
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CommandVisitor;
        impl<'de> Visitor<'de> for CommandVisitor {
            type Value = CommandLine;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command: a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<CommandLine, E> {
                CommandLine::parse(text).map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CommandLine, A::Error> {
                let mut words = Vec::new();
                while let Some(word) = seq.next_element::<String>()? {
                    words.push(word);
                }
                if words.is_empty() {
                    return Err(de::Error::custom("the command is empty"));
                }
                Ok(CommandLine(words))
            }
        }
        deserializer.deserialize_any(CommandVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_string_like_a_shell() {
        let parsed: CommandLine = serde_yaml::from_str("sh -c 'echo hi there'").unwrap();
        assert_eq!(parsed.0, ["sh", "-c", "echo hi there"]);
    }

    #[test]
    fn takes_a_list_as_is() {
        let parsed: CommandLine = serde_yaml::from_str("[sh, -c, 'a b']").unwrap();
        assert_eq!(parsed.0, ["sh", "-c", "a b"]);
    }

    #[test]
    fn refuses_empty_and_unbalanced() {
        assert!(serde_yaml::from_str::<CommandLine>("''").is_err());
        assert!(serde_yaml::from_str::<CommandLine>("[]").is_err());
        assert!(serde_yaml::from_str::<CommandLine>("\"sh -c 'oops\"").is_err());
    }
}
