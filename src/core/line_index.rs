//! Where a name is in a file, for pointing a diagnostic at its line.
//!
//! Serde does not keep positions past an error, so diagnostics about a name found after
//! parsing (an unknown key, a dependency with no definition, a variable with no value) look
//! the name up in the text. One file can hold thousands of such names (a generated
//! definition, a pasted environment), so the text is indexed once — every word and every
//! key with the first line it is on — and each lookup is then a hash lookup, not a scan.

use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Default)]
pub struct LineIndex {
    /// Each maximal run of word characters (see `is_word`), with its first 1-based line.
    words: HashMap<String, usize>,
    /// Each mapping key (`key:`, `- key:`, `"key":`), with its first 1-based line.
    keys: HashMap<String, usize>,
}

/// Characters of app and variable names: a match must not be part of a longer name.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// At most this many `key:` candidates per line: a line of a million colons is not a key.
const KEYS_PER_LINE: usize = 8;

impl LineIndex {
    pub fn of_text(text: &str) -> LineIndex {
        let mut index = LineIndex::default();
        for (number, line) in (1..).zip(text.lines()) {
            let code = line.split(" #").next().unwrap_or(line);
            for word in code.split(|c: char| !is_word(c)).filter(|w| !w.is_empty()) {
                if !index.words.contains_key(word) {
                    index.words.insert(word.to_owned(), number);
                }
            }
            let trimmed = line.trim_start().trim_start_matches("- ").trim_start();
            let colons = trimmed
                .match_indices(':')
                .map(|(at, _)| at)
                .take(KEYS_PER_LINE);
            for at in colons {
                let key = trimmed[..at].trim_end();
                let unquoted = ['"', '\'']
                    .iter()
                    .find_map(|q| key.strip_prefix(*q).and_then(|k| k.strip_suffix(*q)));
                for candidate in std::iter::once(key).chain(unquoted) {
                    index.keys.entry(candidate.to_owned()).or_insert(number);
                }
            }
        }
        index
    }

    /// The index of a file ark has read before; empty when it cannot be read now.
    pub fn of_file(path: &Path) -> LineIndex {
        super::input_file::read(path)
            .map(|bytes| LineIndex::of_text(&String::from_utf8_lossy(&bytes)))
            .unwrap_or_default()
    }

    /// The first line mentioning `name` as a whole word (`- db`, `[db, x]`, `db@v2`,
    /// `DB_HOST:`), outside a comment.
    pub fn word(&self, name: &str) -> Option<usize> {
        if name.is_empty() || !name.chars().all(is_word) {
            return None;
        }
        self.words.get(name).copied()
    }

    /// The first line where `key:` appears as a mapping key, at any depth.
    pub fn key(&self, key: &str) -> Option<usize> {
        self.keys.get(key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_whole_names_outside_comments() {
        let index = LineIndex::of_text(
            "env: [DB]\ndependencies: [db-two, db]\nx:\n- cache@v2\ny: 1 # later\n",
        );
        assert_eq!(index.word("db"), Some(2));
        assert_eq!(index.word("cache"), Some(4));
        assert_eq!(index.word("DB"), Some(1));
        assert_eq!(index.word("d"), None);
        assert_eq!(index.word("later"), None);
        assert_eq!(index.word("a b"), None);
    }

    #[test]
    fn keys_are_found_plain_quoted_and_in_lists() {
        let index = LineIndex::of_text(
            "run:\n  type: docker\nexpose:\n- name: http\n  helth_check: {}\n\"quoted\" : 1\n'single': 2\nurl: http://x:80\n",
        );
        assert_eq!(index.key("helth_check"), Some(5));
        assert_eq!(index.key("name"), Some(4));
        assert_eq!(index.key("quoted"), Some(6));
        assert_eq!(index.key("single"), Some(7));
        assert_eq!(index.key("url"), Some(8));
        assert_eq!(index.key("missing"), None);
        assert_eq!(index.key("docker"), None);
    }
}
