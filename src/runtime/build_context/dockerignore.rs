//! `.dockerignore`: the rules that leave parts of the folder out of the context.
//!
//! Applied the way the Docker CLI applies it (moby `patternmatcher` and `ignorefile`),
//! because app repositories are written for `docker build` and must produce the same
//! context here; anything else would make an image that differs from the one the app's
//! own pipeline builds.

use std::io::{self, Read};
use std::path::Path;

use super::context::read_error;
use super::pattern::{clean, Pattern};
use super::walk::open_regular;
use super::BuildContextError;

/// The ignore file, read from the root of the context only (as the Docker CLI does).
pub(super) const IGNORE_FILE: &str = ".dockerignore";
/// `.dockerignore` is read whole, so it may not be huge (or a device that never ends).
const IGNORE_FILE_LIMIT: u64 = 4 * 1024 * 1024;

fn read_small_file(path: &Path) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut text = Vec::new();
    file.take(IGNORE_FILE_LIMIT + 1).read_to_end(&mut text)?;
    if text.len() as u64 > IGNORE_FILE_LIMIT {
        return Err(io::Error::other(format!(
            "larger than {} MiB",
            IGNORE_FILE_LIMIT / 1024 / 1024
        )));
    }
    Ok(text)
}

/// The compiled `.dockerignore`.
#[derive(Debug, Default)]
pub(super) struct Rules {
    pub(super) patterns: Vec<Pattern>,
}

impl Rules {
    /// Reads `dir`'s `.dockerignore`; without one nothing is left out.
    pub(super) fn read(dir: &Path) -> Result<Rules, BuildContextError> {
        let ignore_path = dir.join(IGNORE_FILE);
        match read_small_file(&ignore_path) {
            Ok(text) => Rules::parse(&text).map_err(|pattern| BuildContextError::BadPattern {
                path: ignore_path.clone(),
                pattern,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Rules::default()),
            Err(source) => Err(read_error(&ignore_path, source)),
        }
    }

    /// Parses the file the way moby's `ignorefile.ReadAll` then `patternmatcher.New` do.
    /// On failure returns the offending line.
    fn parse(text: &[u8]) -> Result<Rules, String> {
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let mut patterns = Vec::new();
        for raw in text.split(|&b| b == b'\n') {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = String::from_utf8_lossy(raw);
            // Docker only treats `#` in the first column as a comment: the test comes
            // before trimming, so an indented `# x` is a pattern for a file named `# x`.
            if line.starts_with('#') {
                continue;
            }
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let normalised = normalise(trimmed);
            patterns.push(Pattern::compile(&normalised).ok_or_else(|| trimmed.to_owned())?);
        }
        Ok(Rules { patterns })
    }

    /// Whether `path` is excluded, and which patterns matched it (or a parent) for its
    /// children to inherit.
    ///
    /// This is moby's `MatchesUsingParentResults`, which both the CLI's tar walk and
    /// BuildKit use: a pattern that matched a parent directory matches its whole subtree,
    /// but a pattern that was not evaluated for the parent (because the verdict at that
    /// point made it irrelevant) is later tried on the child alone. Hence `a/b/c` followed
    /// by `!a` keeps `a/b/c` excluded, as `.gitignore` would.
    pub(super) fn matches(&self, path: &str, parent: &[bool]) -> (bool, Vec<bool>) {
        let mut excluded = false;
        let mut matched = vec![false; self.patterns.len()];
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.get(i).copied().unwrap_or(false);
            if !hit {
                // An exclusion cannot change an excluded verdict, nor an exception an
                // included one; Docker skips them, which is what makes the rule above.
                if pattern.exception != excluded {
                    continue;
                }
                hit = pattern.matches(path);
            }
            matched[i] = hit;
            if hit {
                excluded = !pattern.exception;
            }
        }
        (excluded, matched)
    }
}

/// One line of `.dockerignore` as `ignorefile.ReadAll` hands it on: `!` split off and
/// trimmed again, the rest cleaned, a leading `/` dropped (the context root is `/`).
fn normalise(trimmed: &str) -> String {
    let (exception, body) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mut body = if body.is_empty() {
        String::new()
    } else {
        clean(body)
    };
    if body.len() > 1 && body.starts_with('/') {
        body.remove(0);
    }
    if exception {
        format!("!{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::build_context::test_support::{make, tree, write};

    #[test]
    fn a_fifo_in_place_of_the_ignore_file_does_not_hang() {
        let dir = tree(&["Dockerfile"]);
        let fifo = std::ffi::CString::new(
            dir.path()
                .join(".dockerignore")
                .to_string_lossy()
                .as_bytes(),
        )
        .unwrap();
        // SAFETY: mkfifo only reads the path it is given.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        let error = make(dir.path(), "Dockerfile").unwrap_err().to_string();
        assert!(error.contains("not a regular file"), "{error}");
    }

    /// Evaluates `path` as the walk does: each ancestor first, passing its matches down.
    fn excluded(rules: &Rules, path: &str) -> bool {
        let mut parent = vec![false; rules.patterns.len()];
        let mut prefix = String::new();
        let mut verdict = false;
        for part in path.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            let (excluded, matched) = rules.matches(&prefix, &parent);
            verdict = excluded;
            parent = matched;
        }
        verdict
    }

    #[test]
    fn ignore_files_decide_like_docker() {
        let cases: &[(&str, &str, bool)] = &[
            ("*.log", "app.log", true),
            ("*.log", "src/app.log", false),
            ("**/*.tmp", "src/deep/x.tmp", true),
            ("build/", "build", true),
            ("build/", "build/out/bin", true),
            ("build/", "src/build", false),
            ("build\n!build/keep.txt", "build/keep.txt", false),
            ("build\n!build/keep.txt", "build/other.txt", true),
            ("*.md\n!README.md", "README.md", false),
            ("*.md\n!README.md", "NOTES.md", true),
            ("*.md\n!README.md\nREADME.md", "README.md", true),
            (
                "*.md\n!README*.md\nREADME-secret.md",
                "README-secret.md",
                true,
            ),
            (
                "*.md\nREADME-secret.md\n!README*.md",
                "README-secret.md",
                false,
            ),
            ("/secret", "secret", true),
            ("./secret", "secret", true),
            ("/a/../secret", "secret", true),
            ("secret/.", "secret", true),
            ("  secret  ", "secret", true),
            ("!  secret\nsecret", "secret", true),
            ("# secret", "secret", false),
            ("# secret", "# secret", false),
            // Only column one starts a comment.
            ("  # secret", "# secret", true),
            ("\u{feff}# bom", "# bom", false),
            ("\n\n   \n\t\nsecret\r\n", "secret", true),
            ("?", "a", true),
            ("?", "ab", false),
            ("[a-c].txt", "b.txt", true),
            ("[a-c].txt", "d.txt", false),
            ("\\*.txt", "*.txt", true),
            ("\\*.txt", "a.txt", false),
            // A pattern that matched a parent covers the subtree ...
            ("a\n!a/b", "a/b/c", false),
            ("a\n!a/b\na/b", "a/b/c", true),
            // ... but one skipped at the parent (it could not change the verdict there)
            // is tried on the child alone, so `!a` does not undo `a/b/c`.
            ("a/b/c\n!a", "a/b/c", true),
            ("a/b\n!a", "a/b/c", true),
        ];
        for &(text, path, expected) in cases {
            let rules = Rules::parse(text.as_bytes()).unwrap();
            assert_eq!(excluded(&rules, path), expected, "{text:?} on `{path}`");
        }
    }

    #[test]
    fn bad_patterns_are_rejected() {
        let cases = [
            "!", "! ", "!/", "[", "a[", "[]", "[^]", "[-a]", "[a-]", "[a", "a\\",
        ];
        for line in cases {
            assert_eq!(
                Rules::parse(format!("ok\n{line}\n").as_bytes()).unwrap_err(),
                line.trim(),
                "`{line}`"
            );
        }
        let good = ["[!a]", "[\\-]", "a]", "[b-a]", "**/**", "../x", "/", "."];
        for line in good {
            assert!(Rules::parse(line.as_bytes()).is_ok(), "`{line}`");
        }

        let dir = tree(&["Dockerfile"]);
        write(dir.path(), ".dockerignore", "*.log\n  [oops\n");
        let err = make(dir.path(), "Dockerfile").unwrap_err();
        assert!(
            matches!(&err, BuildContextError::BadPattern { path, pattern }
                if path == &dir.path().join(".dockerignore") && pattern == "[oops"),
            "{err:?}"
        );
        assert!(err
            .to_string()
            .ends_with("invalid .dockerignore pattern `[oops`"));
    }
}
