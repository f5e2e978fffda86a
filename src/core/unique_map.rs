//! Maps read from YAML with every key said once.
//!
//! serde_yaml gives a map the last of two equal keys without a word, while a struct's
//! duplicate field is an error; an environment file's `env:` and `apps:` are maps, where a
//! second `A:` silently replacing the first is exactly the mistake nobody sees. Used with
//! `#[serde(deserialize_with = …)]` (plus `#[serde(default)]` for an absent key).

use super::scalar::Scalar;
use super::variable_name;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// A map whose keys are anything, each at most once.
pub fn deserialize<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    deserializer.deserialize_map(UniqueVisitor {
        check: |_| Ok(()),
        expecting: "a map",
        value: PhantomData,
    })
}

/// `env:` — variable names (see `variable_name`) to values, each name at most once.
pub fn deserialize_env<'de, D>(deserializer: D) -> Result<BTreeMap<String, Scalar>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_map(UniqueVisitor {
        check: variable_name::check,
        expecting: "a map of variable names to values",
        value: PhantomData,
    })
}

struct UniqueVisitor<V> {
    check: fn(&str) -> Result<(), String>,
    expecting: &'static str,
    value: PhantomData<V>,
}

impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueVisitor<V> {
    type Value = BTreeMap<String, V>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    /// `env:` with nothing after it is an empty map, as an absent key is.
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = BTreeMap::new();
        while let Some(key) = map.next_key_seed(Key {
            check: self.check,
            found: &found,
        })? {
            let value = map.next_value::<V>()?;
            found.insert(key, value);
        }
        Ok(found)
    }
}

/// One key, refused while it is being read: serde_yaml then places the error at the key
/// itself rather than at the start of the map.
struct Key<'a, V> {
    check: fn(&str) -> Result<(), String>,
    found: &'a BTreeMap<String, V>,
}

impl<'de, V> de::DeserializeSeed<'de> for Key<'_, V> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl<V> Visitor<'_> for Key<'_, V> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<String, E> {
        (self.check)(key).map_err(E::custom)?;
        if self.found.contains_key(key) {
            return Err(E::custom(format_args!(
                "`{}` is there twice: remove one (YAML would silently keep the last)",
                key.escape_debug()
            )));
        }
        Ok(key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::yaml;
    use std::path::Path;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct File {
        #[serde(default, deserialize_with = "deserialize_env")]
        env: BTreeMap<String, Scalar>,
        #[serde(default, deserialize_with = "deserialize")]
        ports: BTreeMap<String, u16>,
    }

    fn error_of(text: &str) -> (String, Option<usize>) {
        let error = yaml::parse::<File>(Path::new("f.yml"), text, |_| None).unwrap_err();
        (error.message, error.line)
    }

    #[test]
    fn a_second_key_is_an_error_at_its_line() {
        let (message, line) = error_of("env:\n  A: 1\n  B: 2\n  A: 3\n");
        assert_eq!(line, Some(4));
        assert!(message.contains("`A` is there twice"), "{message}");
        let (message, line) = error_of("ports:\n  http: 1\n  http: 2\n");
        assert_eq!(line, Some(3));
        assert!(message.contains("`http` is there twice"), "{message}");
    }

    #[test]
    fn env_keys_are_variable_names() {
        let (message, line) = error_of("env:\n  OK: 1\n  \"A B\": 2\n");
        assert_eq!(line, Some(3));
        assert!(
            message.contains("`A B` is not a variable name"),
            "{message}"
        );
    }

    #[test]
    fn an_empty_or_absent_map_is_empty() {
        for text in ["env:\n", "ports: {}\n", "{}\n"] {
            let (file, _) = yaml::parse::<File>(Path::new("f.yml"), text, |_| None).unwrap();
            assert!(file.env.is_empty() && file.ports.is_empty(), "{text}");
        }
    }
}
