//! Where a node of a YAML file is: line and column of `env.A`, `expose[1].health_check.path`,
//! for errors found after the file was read (a duplicate, a value that is not a duration, an
//! unset `${X}`…).
//!
//! The parser knows every position but keeps none in the values it builds. So the file is
//! walked again along the path, and at the node the walk fails on purpose: serde_yaml puts the
//! node's own line and column on that error. Only done when an error is reported, so a
//! valid file is parsed once.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::path::Path;

/// One step down a YAML tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// The value of this key in a map.
    Key(&'a str),
    /// The n-th (0-based) element of a list, or the n-th key of a map (the key itself).
    Index(usize),
}

/// A 1-based line and column.
pub type Position = (usize, usize);

/// The message of the deliberate error; any other error means the path is not in the file.
const FOUND: &str = "ark-locate: found";

/// Where the node at `path` starts in `text`, when the path exists.
pub fn locate(text: &str, path: &[Step]) -> Option<Position> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    match Walk(path).deserialize(deserializer) {
        // serde_yaml prefixes the path (`run.type: …`) and appends the position.
        Err(error) if error.to_string().contains(FOUND) => {
            error.location().map(|l| (l.line(), l.column()))
        }
        _ => None,
    }
}

/// The first of `paths` found in `text`: the exact node, else a parent that holds it.
pub fn locate_first(text: &str, paths: &[&[Step]]) -> Option<Position> {
    paths.iter().find_map(|path| locate(text, path))
}

/// `locate_first` in a file on disk (unreadable or not UTF-8: nowhere).
pub fn locate_in_file(file: &Path, paths: &[&[Step]]) -> Option<Position> {
    let text = std::fs::read_to_string(file).ok()?;
    locate_first(&text, paths)
}

/// Where a definition's `dependencies:` names `app` (as `app` or `app@v2`); the list itself
/// when no element spells it plainly.
pub fn dependency(file: &Path, app: &str) -> Option<Position> {
    let text = std::fs::read_to_string(file).ok()?;
    let list = [Step::Key("dependencies")];
    let value: serde_yaml::Value = serde_yaml::from_str(&text).ok()?;
    let named = value
        .get("dependencies")
        .and_then(serde_yaml::Value::as_sequence)
        .and_then(|names| {
            names.iter().position(|name| {
                name.as_str()
                    .is_some_and(|n| n.split('@').next().unwrap_or_default().trim() == app)
            })
        });
    match named {
        Some(index) => locate_first(&text, &[&[list[0], Step::Index(index)], &list]),
        None => locate(&text, &list),
    }
}

/// Where the first byte that is not UTF-8 is: 1-based line, and column in characters.
pub fn invalid_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> Position {
    let valid = &bytes[..error.valid_up_to()];
    let line_start = valid
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |at| at + 1);
    let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
    // The prefix is valid by definition, so this never loses characters.
    let column = String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// What follows the first YAML document, for a file serde_yaml refuses as "more than one
/// document" without saying where: `Ok` where a second document starts (after `---` or
/// `...`), or `Err` with the syntax error that really ended the first one (libyaml's reading
/// of, e.g., a line less indented than the first).
pub fn second_document(text: &str) -> Option<Result<Position, serde_yaml::Error>> {
    let mut documents = serde_yaml::Deserializer::from_str(text);
    documents.next()?;
    match Walk(&[]).deserialize(documents.next()?) {
        Err(error) if error.to_string().contains(FOUND) => {
            Some(Ok(error.location().map(|l| (l.line(), l.column()))?))
        }
        Err(error) => Some(Err(error)),
        Ok(()) => None,
    }
}

/// Walks `0` steps down; at the end, fails at the node so the error carries its position.
struct Walk<'p, 'a>(&'p [Step<'a>]);

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((step, rest)) = self.0.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let mut index = 0;
        loop {
            if *step == Step::Index(index) {
                // The key itself is the node.
                map.next_key_seed(Walk(&[]))?;
                return Err(de::Error::custom("ark-locate: no such key"));
            }
            let Some(key) = map.next_key::<serde_yaml::Value>()? else {
                return Err(de::Error::custom("ark-locate: no such key"));
            };
            match (step, key.as_str()) {
                (Step::Key(wanted), Some(key)) if key == *wanted => {
                    return map.next_value_seed(Walk(rest));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            index += 1;
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((step, rest)) = self.0.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let Step::Index(wanted) = *step else {
            return Err(de::Error::custom("ark-locate: a list has no keys"));
        };
        for _ in 0..wanted {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(de::Error::custom("ark-locate: no such element"));
            }
        }
        seq.next_element_seed(Walk(rest))?
            .ok_or_else(|| de::Error::custom("ark-locate: no such element"))
    }

    // A scalar is the end of any path: found when no steps are left.
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
}

impl Walk<'_, '_> {
    fn scalar<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(if self.0.is_empty() {
            FOUND
        } else {
            "ark-locate: a scalar has no children"
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::Step::{Index, Key};
    use super::*;

    const TEXT: &str = "run:\n  type: docker\nenv:\n- A\n- B\nexpose:\n- name: http\n  port: 80\n  health_check:\n    path: health\n    interval: soon\nresources: {cpu: -1, mem: 2}\nmap:\n  X: 1\n  Y:\n";

    #[test]
    fn finds_values_list_elements_and_keys() {
        assert_eq!(locate(TEXT, &[Key("run"), Key("type")]), Some((2, 9)));
        assert_eq!(locate(TEXT, &[Key("env"), Index(1)]), Some((5, 3)));
        assert_eq!(
            locate(
                TEXT,
                &[Key("expose"), Index(0), Key("health_check"), Key("path")]
            ),
            Some((10, 11))
        );
        assert_eq!(
            locate(TEXT, &[Key("expose"), Index(0), Key("health_check")]),
            Some((10, 5))
        );
        assert_eq!(
            locate(TEXT, &[Key("resources"), Key("mem")]),
            Some((12, 27))
        );
        // The n-th key of a map: the key itself.
        assert_eq!(locate(TEXT, &[Key("map"), Index(1)]), Some((15, 3)));
        assert_eq!(locate(TEXT, &[Key("map"), Key("Y")]).map(|p| p.0), Some(15));
    }

    #[test]
    fn a_path_that_is_not_there_is_nowhere() {
        for path in [
            &[Key("nope")][..],
            &[Key("env"), Index(2)],
            &[Key("env"), Key("A")],
            &[Key("run"), Key("type"), Key("deeper")],
            &[Key("map"), Index(2)],
        ] {
            assert_eq!(locate(TEXT, path), None, "{path:?}");
        }
        assert_eq!(locate("x: [1\na: 2\n", &[Key("a")]), None, "not YAML");
        assert_eq!(
            locate_first(TEXT, &[&[Key("nope")], &[Key("env")]]),
            Some((4, 1))
        );
    }

    #[test]
    fn a_dependency_in_any_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("api.yml");
        std::fs::write(&file, "x: &db db\ndependencies:\n- cache@v2\n- *db\n").unwrap();
        assert_eq!(dependency(&file, "cache"), Some((3, 3)));
        // An alias is found where its anchor gives the value.
        assert_eq!(dependency(&file, "db"), Some((1, 4)));
        assert_eq!(dependency(&file, "other"), Some((3, 1)), "the list");
    }

    #[test]
    fn the_first_byte_that_is_not_utf8() {
        let at = |bytes: &[u8]| {
            let error = String::from_utf8(bytes.to_vec()).unwrap_err();
            invalid_utf8(bytes, &error.utf8_error())
        };
        assert_eq!(at(b"env:\n- \xc3\xa9t\xff\n"), (2, 5));
        assert_eq!(at(b"\xff"), (1, 1));
    }

    #[test]
    fn the_second_document() {
        let at = |text: &str| second_document(text).map(|r| r.map_err(|e| e.to_string()));
        assert_eq!(at("a: 1\n---\nb: 2\n"), Some(Ok((3, 1))));
        assert_eq!(at("---\na: 1\n--- [x]\n"), Some(Ok((3, 5))));
        assert_eq!(at("---\na: 1\n...\n# end\n"), None);
        assert_eq!(at("a: '---'\nb: ---x\n"), None);
        // Less indented than the first line: the syntax error behind "more than one document".
        let error = at("  a: 1\nb: 2\n").unwrap().unwrap_err();
        assert!(error.contains("at line 2 column 1"), "{error}");
    }
}
