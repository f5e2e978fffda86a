//! Reading YAML files into typed structs while keeping every problem located:
//! syntax and type errors carry file:line:column, unknown keys become warnings with a
//! "did you mean" drawn from the keys that level knows.

use super::diagnostic::Diagnostic;
use super::line_index::LineIndex;
use super::suggest;
use serde::de::DeserializeOwned;
use std::path::Path;

/// The keys one level of a file may hold: those ark reads, and those it knowingly ignores
/// (production-only fields). A key in neither list is reported.
pub struct KnownKeys {
    pub read: &'static [&'static str],
    pub ignored: &'static [&'static str],
}

/// Deserializes `text` as `T`, reporting unknown keys as warnings.
///
/// `level_of` maps the path of map keys above an ignored key (e.g. `["expose"]`) to the keys
/// known there; `None` means that level accepts anything (nothing is reported).
pub fn parse<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    level_of: impl Fn(&[String]) -> Option<KnownKeys>,
) -> Result<(T, Vec<Diagnostic>), Diagnostic> {
    check_flow_depth(path, text)?;
    let mut unknown: Vec<Vec<String>> = Vec::new();
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let value: T = serde_ignored::deserialize(deserializer, |ignored| {
        unknown.push(key_path(&ignored));
    })
    .map_err(|e| {
        let error = error_at(path, &e);
        // serde_yaml refuses a second document without saying where it starts, and says
        // the same of some syntax errors: say where, and which.
        if error.line.is_some() || !error.message.contains("more than one document") {
            return error;
        }
        match super::locate::second_document(text) {
            Some(Ok(position)) => error.at_position(Some(position)),
            Some(Err(syntax)) => error_at(path, &syntax),
            None => error,
        }
    })?;

    let mut warnings = Vec::new();
    let lines = std::cell::OnceCell::new();
    for keys in unknown {
        let Some((key, parents)) = keys.split_last() else {
            continue;
        };
        let Some(level) = level_of(parents) else {
            continue;
        };
        if level.ignored.contains(&key.as_str()) {
            continue;
        }
        let dotted = keys.join(".");
        let hint = suggest::did_you_mean(key, level.read.iter().chain(level.ignored).copied())
            .or_else(|| {
                (!level.read.is_empty())
                    .then(|| format!("known keys here: {}", level.read.join(", ")))
            });
        warnings.push(
            Diagnostic::warning(format!("unknown key `{dotted}` (ignored)"))
                .in_file(path)
                .at(
                    lines.get_or_init(|| LineIndex::of_text(text)).key(key),
                    None,
                )
                .with_optional_hint(hint),
        );
    }
    Ok((value, warnings))
}

/// The parser refuses nesting deeper than this anyway (serde_yaml's recursion limit).
const MAX_DEPTH: usize = 128;

/// libyaml's scanner is quadratic in flow nesting (`[[[[…]]]]`): 20,000 levels take seconds,
/// 100,000 take minutes. A linear pre-scan refuses such a file before the parser sees it.
fn check_flow_depth(path: &Path, text: &str) -> Result<(), Diagnostic> {
    let (mut depth, mut quote, mut line) = (0usize, None::<char>, 1usize);
    let mut previous = '\n';
    for c in text.chars() {
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                if quote == Some('#') {
                    quote = None;
                }
            }
            (Some('#'), _) => {}
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '#') if previous.is_whitespace() => quote = Some('#'),
            (None, '\'' | '"') if depth > 0 || matches!(previous, ' ' | ':' | '\n' | '-') => {
                quote = Some(c)
            }
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Diagnostic::error(format!("nested more than {MAX_DEPTH} levels deep"))
                        .in_file(path)
                        .at(Some(line), None)
                        .with_hint("definitions and environments are shallow maps and lists: this file is not one"));
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    Ok(())
}

/// A serde_yaml error as a located diagnostic, without serde_yaml's own " at line N column M"
/// and without the value it found (see `without_values`).
pub fn error_at(path: &Path, error: &serde_yaml::Error) -> Diagnostic {
    let mut message = error.to_string();
    if let Some(index) = message.rfind(" at line ") {
        message.truncate(index);
    }
    let message = without_values(&message);
    let location = error.location();
    Diagnostic::error(message).in_file(path).at(
        location.as_ref().map(|l| l.line()),
        location.as_ref().map(|l| l.column()),
    )
}

/// `invalid type: string "DB_PASSWORD=hunter2", expected a map` → `invalid type: string,
/// expected a map`. The value a type error found is whatever sat at that key — in `env:`, a
/// secret — and the key, the type and the line already say what is wrong.
fn without_values(message: &str) -> std::borrow::Cow<'_, str> {
    static FOUND: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        // serde's `Unexpected` renders a string with Debug quotes, other scalars in backticks.
        regex::Regex::new(
            r#"(invalid (?:type|value): (?:string|integer|floating point|boolean|character)) (?:"(?:[^"\\]|\\.)*"|`[^`]*`)"#,
        )
        .expect("a valid pattern")
    });
    FOUND.replace_all(message, "$1")
}

/// The map keys along a serde_ignored path, skipping sequence indexes and wrappers.
fn key_path(path: &serde_ignored::Path) -> Vec<String> {
    use serde_ignored::Path as P;
    let mut keys = Vec::new();
    let mut current = path;
    loop {
        match current {
            P::Root => break,
            P::Map { parent, key } => {
                keys.push(key.clone());
                current = parent;
            }
            P::Seq { parent, .. }
            | P::Some { parent }
            | P::NewtypeStruct { parent }
            | P::NewtypeVariant { parent } => current = parent,
        }
    }
    keys.reverse();
    keys
}

/// The 1-based line where `key:` first appears as a mapping key. Good enough to point a
/// reader at an unknown key; errors get their exact position from the parser instead.
/// For many keys of one text, build its `LineIndex` once.
pub fn find_key_line(text: &str, key: &str) -> Option<usize> {
    LineIndex::of_text(text).key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_error_names_the_type_but_never_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            env: std::collections::BTreeMap<String, String>,
            port: Option<u16>,
        }
        for (text, expected) in [
            (
                "env: DB_PASSWORD=hunter2\n",
                "env: invalid type: string, expected a map",
            ),
            (
                "env: \"say \\\"hunter2\\\" twice\"\n",
                "env: invalid type: string, expected a map",
            ),
            ("env: 12345\n", "env: invalid type: integer, expected a map"),
            (
                "env: 1.5\n",
                "env: invalid type: floating point, expected a map",
            ),
            ("env: true\n", "env: invalid type: boolean, expected a map"),
            (
                "env: {}\nport: 99999\n",
                "port: invalid value: integer, expected u16",
            ),
            (
                "DB_PASSWORD=hunter2\nAPI_TOKEN=hunter2\n",
                "invalid type: string, expected struct S",
            ),
        ] {
            let error = parse::<S>(Path::new("f.yml"), text, |_| None).unwrap_err();
            assert_eq!(error.message, expected, "{text}");
        }
    }

    #[test]
    fn finds_a_key_at_any_depth() {
        let text = "run:\n  type: docker\nexpose:\n- name: http\n  helth_check: {}\n";
        assert_eq!(find_key_line(text, "helth_check"), Some(5));
        assert_eq!(find_key_line(text, "name"), Some(4));
        assert_eq!(find_key_line(text, "missing"), None);
    }

    #[test]
    fn absurd_flow_nesting_is_refused_quickly() {
        let deep = format!("env: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        let error = parse::<serde_yaml::Value>(Path::new("f.yml"), &deep, |_| None).unwrap_err();
        assert_eq!(error.message, "nested more than 128 levels deep");
        // Brackets inside quotes and comments are text, not nesting.
        let text = format!("a: '{0}'\nb: \"{0}\"\n# {0}\nc: [[1]]\n", "[".repeat(1000));
        assert!(parse::<serde_yaml::Value>(Path::new("f.yml"), &text, |_| None).is_ok());
    }

    #[test]
    fn a_second_document_is_refused_where_it_starts() {
        let error = parse::<serde_yaml::Value>(Path::new("f.yml"), "a: 1\n---\nb: 2\n", |_| None)
            .unwrap_err();
        assert!(
            error.message.contains("more than one document"),
            "{error:?}"
        );
        assert_eq!((error.line, error.column), (Some(3), Some(1)));
    }

    #[test]
    fn a_line_less_indented_than_the_first_is_a_syntax_error_not_a_second_document() {
        let error =
            parse::<serde_yaml::Value>(Path::new("f.yml"), "  a: 1\nb: 2\n", |_| None).unwrap_err();
        assert!(
            !error.message.contains("more than one document"),
            "{error:?}"
        );
        assert_eq!((error.line, error.column), (Some(2), Some(1)));
    }

    #[test]
    fn a_type_error_keeps_its_line_and_column() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            list: Vec<String>,
        }
        let error = parse::<S>(Path::new("f.yml"), "\nlist: oops\n", |_| None).unwrap_err();
        assert_eq!(error.line, Some(2));
        assert!(
            error
                .message
                .starts_with("list: invalid type: string, expected a sequence"),
            "{}",
            error.message
        );
        assert!(!error.message.contains("at line"));
    }
}
