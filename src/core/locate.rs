//! Where a node of a YAML file is: line and column of `env.A`, `expose[1].health_check.path`,
//! for errors found after the file was read (a duplicate, a value that is not a duration, an
//! unset `${X}`…).
//!
//! serde_yaml knows every position but keeps none in the values it builds, so when an error
//! needs a place, the file's events are read once more (saphyr's parser, which gives each
//! event its span) into an index of node positions by path. Built once per file and only
//! when an error is reported: a valid file is parsed once, and a file with 20,000 errors
//! costs one extra pass, not 20,000.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

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

/// Paths ark looks up are at most 4 steps deep; deeper nodes are not indexed, so a file
/// nested 100,000 levels deep costs no more than a flat one.
const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum OwnedStep {
    Key(String),
    Index(usize),
}

type PathKey = Vec<OwnedStep>;

fn owned(path: &[Step]) -> PathKey {
    path.iter()
        .map(|step| match step {
            Step::Key(key) => OwnedStep::Key((*key).to_owned()),
            Step::Index(index) => OwnedStep::Index(*index),
        })
        .collect()
}

/// The positions of the nodes of a file's first document, by path.
#[derive(Debug, Default)]
pub struct Positions {
    nodes: HashMap<PathKey, Position>,
    /// List elements by their text: `(list path, text)`, where the text is also indexed by its
    /// name part (`db@v2` under `db`, as dependencies are read).
    elements: HashMap<(PathKey, String), Position>,
    /// The text, kept only when the index stopped early (saphyr refused something libyaml
    /// accepts): what it lacks is then looked up with serde_yaml's parser.
    unread: Option<String>,
}

/// What the parser is inside of, while indexing.
struct Frame {
    /// `None`: too deep, or under a key that is not text — nothing below is indexed.
    path: Option<PathKey>,
    is_map: bool,
    /// Elements (or keys) seen so far.
    count: usize,
    /// In a map, after a key: the key's text (`None` for a key that is not text).
    key: Option<Option<String>>,
}

impl Positions {
    /// Reads `text`'s events once. Stops at the first syntax error (keeping what came before)
    /// or at the end of the first document.
    pub fn of(text: &str) -> Positions {
        use saphyr_parser::{Event, Parser};
        let mut positions = Positions::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut documents = 0;
        let mut parser = Parser::new_from_str(text);
        loop {
            let (event, span) = match parser.next_event() {
                Some(Ok(next)) => next,
                Some(Err(_)) => {
                    positions.unread = Some(text.to_owned());
                    break;
                }
                None => break,
            };
            let at = (span.start.line(), span.start.col() + 1);
            let (opens, scalar) = match &event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        break;
                    }
                    continue;
                }
                Event::DocumentEnd | Event::StreamEnd => break,
                Event::SequenceEnd | Event::MappingEnd => {
                    stack.pop();
                    continue;
                }
                Event::SequenceStart(..) => (Some(false), None),
                Event::MappingStart(..) => (Some(true), None),
                Event::Scalar(value, ..) => (None, Some(value.as_ref())),
                Event::Alias(_) => (None, None),
                Event::Nothing | Event::StreamStart => continue,
            };
            let path = positions.place(&mut stack, at, scalar);
            if let Some(is_map) = opens {
                stack.push(Frame {
                    path: path.filter(|p| p.len() < MAX_DEPTH),
                    is_map,
                    count: 0,
                    key: None,
                });
            }
        }
        positions
    }

    /// Records a node at `at`; returns its path (for a collection, its children's parent).
    fn place(
        &mut self,
        stack: &mut [Frame],
        at: Position,
        scalar: Option<&str>,
    ) -> Option<PathKey> {
        let Some(frame) = stack.last_mut() else {
            self.nodes.entry(Vec::new()).or_insert(at);
            return Some(Vec::new());
        };
        let parent = frame.path.clone()?;
        let mut path = parent.clone();
        if frame.is_map {
            match frame.key.take() {
                None => {
                    // A key: indexed as the map's n-th entry; its text names the value.
                    path.push(OwnedStep::Index(frame.count));
                    frame.count += 1;
                    frame.key = Some(scalar.map(str::to_owned));
                    self.nodes.entry(path).or_insert(at);
                    return None; // nothing is looked up under a key
                }
                Some(key) => path.push(OwnedStep::Key(key?)),
            }
        } else {
            path.push(OwnedStep::Index(frame.count));
            frame.count += 1;
            if let Some(text) = scalar {
                let name = text.split('@').next().unwrap_or_default().trim();
                for text in [text, name] {
                    self.elements
                        .entry((parent.clone(), text.to_owned()))
                        .or_insert(at);
                }
            }
        }
        self.nodes.entry(path.clone()).or_insert(at);
        Some(path)
    }

    pub fn get(&self, path: &[Step]) -> Option<Position> {
        self.nodes
            .get(&owned(path))
            .copied()
            .or_else(|| walk(self.unread.as_deref()?, path))
    }

    /// The first of `paths` found: the exact node, else a parent that holds it.
    pub fn first(&self, paths: &[&[Step]]) -> Option<Position> {
        paths.iter().find_map(|path| self.get(path))
    }

    /// The element of the list at `list` whose text (or name part before `@`) is `text`.
    pub fn element(&self, list: &[Step], text: &str) -> Option<Position> {
        self.elements.get(&(owned(list), text.to_owned())).copied()
    }
}

/// Where the node at `path` starts in `text`, when the path exists.
pub fn locate(text: &str, path: &[Step]) -> Option<Position> {
    Positions::of(text).get(path)
}

/// The first of `paths` found in `text`: the exact node, else a parent that holds it.
pub fn locate_first(text: &str, paths: &[&[Step]]) -> Option<Position> {
    Positions::of(text).first(paths)
}

thread_local! {
    /// The last file indexed: errors come file by file (every missing value of one app, every
    /// missing dependency of another), so one entry makes them one pass per file.
    static LAST_FILE: RefCell<Option<(PathBuf, u64, Rc<Positions>)>> = const { RefCell::new(None) };
}

/// The positions in a file on disk (unreadable or not UTF-8: none).
pub fn positions_in(file: &Path) -> Option<Rc<Positions>> {
    // Keyed by size as well, so a file rewritten between two loads is read again.
    let size = std::fs::metadata(file).ok()?.len();
    let cached = LAST_FILE.with(|last| {
        last.borrow()
            .as_ref()
            .filter(|(path, len, _)| path == file && *len == size)
            .map(|(_, _, positions)| Rc::clone(positions))
    });
    if cached.is_some() {
        return cached;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let positions = Rc::new(Positions::of(&text));
    LAST_FILE.with(|last| {
        *last.borrow_mut() = Some((file.to_path_buf(), size, Rc::clone(&positions)));
    });
    Some(positions)
}

/// `locate_first` in a file on disk.
pub fn locate_in_file(file: &Path, paths: &[&[Step]]) -> Option<Position> {
    positions_in(file)?.first(paths)
}

/// Where a definition's `dependencies:` names `app` (as `app` or `app@v2`); the list itself
/// when no element spells it plainly (an alias, say).
pub fn dependency(file: &Path, app: &str) -> Option<Position> {
    let positions = positions_in(file)?;
    let list = [Step::Key("dependencies")];
    positions
        .element(&list, app)
        .or_else(|| positions.get(&list))
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

/// The message of the deliberate error that makes serde_yaml say where a node is.
const FOUND: &str = "ark-locate: found";

/// Where serde_yaml's own parser puts the node at `path`: one pass per lookup, so only for
/// what the index could not read (a file saphyr stops in and libyaml accepts).
fn walk(text: &str, path: &[Step]) -> Option<Position> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    match Walk(path).deserialize(deserializer) {
        // serde_yaml prefixes the path (`run.type: …`) and appends the position.
        Err(error) if error.to_string().contains(FOUND) => {
            error.location().map(|l| (l.line(), l.column()))
        }
        _ => None,
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
            Some((4, 3))
        );
    }

    #[test]
    fn what_the_index_cannot_read_is_found_by_serde_yaml_s_parser() {
        // A byte-order mark inside a key: libyaml reads on, saphyr stops.
        let text = "exp\u{feff}se: 1\nenv:\n- A\n- A\n";
        assert!(Positions::of(text).unread.is_some());
        assert_eq!(locate(text, &[Key("env"), Index(1)]), Some((4, 3)));
    }

    #[test]
    fn a_dependency_in_any_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("api.yml");
        std::fs::write(&file, "x: &db db\ndependencies:\n- cache@v2\n- *db\n").unwrap();
        assert_eq!(dependency(&file, "cache"), Some((3, 3)));
        // Through an alias: the list.
        assert_eq!(dependency(&file, "db"), Some((3, 3)));
        assert_eq!(dependency(&file, "other"), Some((3, 3)), "the list");
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
