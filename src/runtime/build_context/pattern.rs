//! The glob matcher for `.dockerignore` patterns, read as Docker reads them: compiled once
//! into tokens and run over the whole `/`-separated path.

/// Go's `filepath.Clean` for `/` paths: both Docker steps use it and patterns must compare
/// with the cleaned relative paths of the walk.
pub(super) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// One `.dockerignore` pattern, compiled once into tokens matched against the whole
/// `/`-separated path (like Docker's regular expression, unlike a per-segment glob: a
/// character class may match `/`, and `**` spans directories).
#[derive(Debug)]
pub(super) struct Pattern {
    /// A `!` line: re-includes what it matches.
    pub(super) exception: bool,
    tokens: Vec<Token>,
}

#[derive(Debug)]
enum Token {
    Literal(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters without `/`.
    Star,
    /// `**` (or `**/`) followed by more pattern: nothing, or anything ending in `/`, so
    /// `a/**/b` matches `a/b` and `a/x/y/b`.
    Dirs,
    /// Anything at all: a trailing `**`, or a leading `**` before plain text (Docker's
    /// suffix match, so `**.go` matches `cmd/main.go`).
    Anything,
    /// `[...]` with Go's `filepath.Match` syntax.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    fn can_be_empty(&self) -> bool {
        matches!(self, Token::Star | Token::Dirs | Token::Anything)
    }
}

/// Positions of the matcher after some input: `at[i]` means "about to match token `i`";
/// `inside[i]` means "part way through the `Dirs` token `i`", which only a `/` can end.
#[derive(Debug)]
struct States {
    at: Vec<bool>,
    inside: Vec<bool>,
}

impl States {
    fn is_dead(&self) -> bool {
        !self.at.iter().chain(&self.inside).any(|&live| live)
    }
}

impl Pattern {
    /// `None` where Docker's `patternmatcher.New` fails: a lone `!` (also what `!/` cleans
    /// to) or a pattern `filepath.Match` rejects.
    pub(super) fn compile(normalised: &str) -> Option<Pattern> {
        let cleaned = clean(normalised.trim());
        let (exception, body) = match cleaned.strip_prefix('!') {
            Some("") => return None,
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        Some(Pattern {
            exception,
            tokens: tokenize(body)?,
        })
    }

    pub(super) fn matches(&self, path: &str) -> bool {
        self.run(path).at[self.tokens.len()]
    }

    /// Whether the pattern could match some path below the directory `dir`; used to skip
    /// excluded directories that no exception can reach into. It may say yes wrongly
    /// (that only costs a walk), never no wrongly.
    pub(super) fn can_match_under(&self, dir: &str) -> bool {
        !self.run(&format!("{dir}/")).is_dead()
    }

    fn run(&self, text: &str) -> States {
        let n = self.tokens.len();
        let mut states = States {
            at: vec![false; n + 1],
            inside: vec![false; n],
        };
        states.at[0] = true;
        self.close(&mut states.at);
        for c in text.chars() {
            states = self.step(&states, c);
            if states.is_dead() {
                break;
            }
        }
        states
    }

    /// Follows the tokens that may match nothing; edges only go forward by one, so one
    /// pass in order reaches every state.
    fn close(&self, at: &mut [bool]) {
        for (i, token) in self.tokens.iter().enumerate() {
            if at[i] && token.can_be_empty() {
                at[i + 1] = true;
            }
        }
    }

    fn step(&self, from: &States, c: char) -> States {
        let n = self.tokens.len();
        let mut to = States {
            at: vec![false; n + 1],
            inside: vec![false; n],
        };
        for (i, token) in self.tokens.iter().enumerate() {
            if from.inside[i] {
                to.inside[i] = true;
                if c == '/' {
                    to.at[i + 1] = true;
                }
            }
            if !from.at[i] {
                continue;
            }
            match token {
                Token::Literal(l) if *l == c => to.at[i + 1] = true,
                Token::Literal(_) => {}
                Token::One => to.at[i + 1] |= c != '/',
                Token::Star => to.at[i] |= c != '/',
                Token::Anything => to.at[i] = true,
                Token::Dirs => {
                    to.inside[i] = true;
                    if c == '/' {
                        to.at[i + 1] = true;
                    }
                }
                Token::Class { negated, ranges } => {
                    let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                    to.at[i + 1] |= inside != *negated;
                }
            }
        }
        self.close(&mut to.at);
        to
    }
}

/// Turns a cleaned pattern into tokens, reading it as Docker's `Pattern.compile` does
/// (including where `**` stops being a directory wildcard). Escapes and classes follow
/// `filepath.Match`, which Docker validates against, rather than the regular expression
/// Docker builds from them, whose translation turns `\d` into a digit class and `[*]`
/// into garbage. `None` for what `filepath.Match` reports as `ErrBadPattern`.
fn tokenize(body: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = body.chars().collect();
    let mut tokens = Vec::new();
    // Docker matches a pattern that starts with `**` and has no other wildcard by suffix,
    // not by its regular expression; the two differ when no `/` follows the `**`.
    let mut leading_double_star = false;
    let mut wildcard_after = false;
    let mut i = 0;
    while i < chars.len() {
        let first = i == 0;
        let c = chars[i];
        i += 1;
        match c {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                let slash = chars.get(i) == Some(&'/');
                if slash {
                    i += 1;
                }
                tokens.push(if i == chars.len() {
                    Token::Anything
                } else {
                    Token::Dirs
                });
                if first {
                    leading_double_star = !slash;
                } else {
                    wildcard_after = true;
                }
            }
            '*' => {
                tokens.push(Token::Star);
                wildcard_after = true;
            }
            '?' => {
                tokens.push(Token::One);
                wildcard_after = true;
            }
            '\\' => {
                tokens.push(Token::Literal(*chars.get(i)?));
                i += 1;
                wildcard_after = true;
            }
            '[' => {
                let (class, used) = class(&chars[i..])?;
                tokens.push(class);
                i += used;
                wildcard_after = true;
            }
            ']' => {
                tokens.push(Token::Literal(']'));
                wildcard_after = true;
            }
            c => tokens.push(Token::Literal(c)),
        }
    }
    if leading_double_star && !wildcard_after {
        tokens[0] = Token::Anything;
    }
    Some(tokens)
}

/// A `[...]` class after its `[`: `^` negates, ranges `a-z`, `\` escapes; it must close
/// and must not be empty. Returns the token and the characters used.
fn class(chars: &[char]) -> Option<(Token, usize)> {
    let negated = chars.first() == Some(&'^');
    let mut i = usize::from(negated);
    let mut ranges = Vec::new();
    loop {
        if chars.get(i) == Some(&']') && !ranges.is_empty() {
            return Some((Token::Class { negated, ranges }, i + 1));
        }
        let (lo, used) = class_char(&chars[i..])?;
        i += used;
        let mut hi = lo;
        if chars.get(i) == Some(&'-') {
            let (end, used) = class_char(&chars[i + 1..])?;
            hi = end;
            i += 1 + used;
        }
        ranges.push((lo, hi));
    }
}

fn class_char(chars: &[char]) -> Option<(char, usize)> {
    match chars {
        [] | ['-', ..] | [']', ..] | ['\\'] => None,
        ['\\', c, ..] => Some((*c, 2)),
        [c, ..] => Some((*c, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_patterns_match_like_docker() {
        let cases: &[(&str, &str, bool)] = &[
            ("*.log", "app.log", true),
            ("*.log", "logs/app.log", false),
            ("*.log", "app.log.1", false),
            ("**/*.tmp", "x.tmp", true),
            ("**/*.tmp", "a/b/x.tmp", true),
            ("**/*.tmp", "a/b/x.tmpl", false),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/y/b", true),
            ("a/**/b", "ab", false),
            ("foo/**", "foo/x/y", true),
            ("foo/**", "foo", false),
            ("**", "anything/at/all", true),
            // Docker's suffix match for a leading `**` before plain text.
            ("**.go", "cmd/main.go", true),
            ("**.go", "main.go", true),
            ("**/foo", "foo", true),
            ("**/foo", "a/b/foo", true),
            ("**/foo", "a/barfoo", false),
            ("*/temp*", "somedir/temporary.txt", true),
            ("*/temp*", "temporary.txt", false),
            ("*/*/temp*", "a/b/temp", true),
            ("temp?", "tempa", true),
            ("temp?", "temp", false),
            ("temp?", "tempab", false),
            ("temp?", "temp/", false),
            ("file[a-c]", "fileb", true),
            ("file[a-c]", "filed", false),
            ("file[^a-c]", "filed", true),
            ("file[^a-c]", "filea", false),
            ("file[\\]]", "file]", true),
            ("[*]", "*", true),
            ("[*]", "x", false),
            ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false),
            ("\\a", "a", true),
            ("a+b(c).{d}|$", "a+b(c).{d}|$", true),
            ("a^b", "a^b", true),
            ("fo*o", "foxxo", true),
            ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false),
        ];
        for &(pattern, path, expected) in cases {
            let compiled = Pattern::compile(pattern).unwrap();
            assert_eq!(
                compiled.matches(path),
                expected,
                "pattern `{pattern}` on `{path}`"
            );
        }
    }

    #[test]
    fn exceptions_reach_into_excluded_directories_only_where_they_can() {
        let cases: &[(&str, &str, bool)] = &[
            ("build/keep.txt", "build", true),
            ("build/keep.txt", "buildx", false),
            ("build/keep.txt", "build/keep.txt", false),
            ("**/*.go", "vendor/deep", true),
            ("keep/*.txt", "data", false),
            ("*/keep", "data", true),
            ("*/keep", "data/sub", false),
            ("[a-c]/x", "b", true),
            ("[a-c]/x", "d", false),
            ("a/**", "a/b/c", true),
        ];
        for &(pattern, dir, expected) in cases {
            let compiled = Pattern::compile(pattern).unwrap();
            assert_eq!(
                compiled.can_match_under(dir),
                expected,
                "`{pattern}` under `{dir}`"
            );
        }
    }
}
