//! The build context `ark start -l` sends to the engine: a tar of the app's checkout.
//!
//! `.dockerignore` is applied the way the Docker CLI applies it (moby `patternmatcher` and
//! `ignorefile`), because app repositories are written for `docker build` and must produce
//! the same context here; anything else would make an image that differs from the one the
//! app's own pipeline builds.
//!
//! The archive is deterministic (sorted entries, no timestamps, no owners) so that its
//! hash names the image: an unchanged checkout gives the same tag and is not rebuilt.
//!
//! It never lives in memory: `make` hashes it as it is written (to nowhere), and `stream`
//! writes it again, chunk by chunk, into the request body that sends it to the engine. A
//! context of any size costs ark a few chunks of memory.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs::{self, Metadata};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tar::{Builder, EntryType, Header};

/// A build context, hashed: what names its image and what sending it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    /// The folder it is made of.
    pub dir: PathBuf,
    /// The Dockerfile, relative to `dir`.
    pub dockerfile: String,
    /// 12 hex chars of sha256 over the archive: the same checkout always gives the same hash.
    pub content_hash: String,
    /// Regular files and symlinks sent (directories are not counted).
    pub files: usize,
    /// Sum of the file sizes sent.
    pub bytes: u64,
    /// The archive's size.
    pub size: u64,
}

/// Why a build context could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BuildContextError {
    /// The Dockerfile named by the app is not a file under its checkout.
    #[error("the Dockerfile {0} does not exist")]
    MissingDockerfile(PathBuf),
    /// A file or directory that belongs in the context could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A `.dockerignore` line that Docker itself would reject.
    #[error("{path}: invalid .dockerignore pattern `{pattern}`")]
    BadPattern {
        /// The `.dockerignore` file.
        path: PathBuf,
        /// The offending line, trimmed.
        pattern: String,
    },
}

/// The ignore file, read from the root of the context only (as the Docker CLI does).
const IGNORE_FILE: &str = ".dockerignore";

/// Hashes the context of `dir` (the app's repository) for `dockerfile` (relative to `dir`),
/// reading every file once and keeping none.
pub fn make(dir: &Path, dockerfile: &str) -> Result<BuildContext, BuildContextError> {
    let written = write_to(dir, dockerfile, io::sink())?;
    Ok(BuildContext {
        dir: dir.to_owned(),
        dockerfile: dockerfile.to_owned(),
        content_hash: written.content_hash,
        files: written.files,
        bytes: written.bytes,
        size: written.size,
    })
}

/// What writing an archive gave.
#[derive(Debug)]
pub struct Written {
    pub content_hash: String,
    pub files: usize,
    pub bytes: u64,
    pub size: u64,
}

/// Writes the archive of `dir` to `sink`, hashing it on the way.
pub fn write_to<W: Write>(
    dir: &Path,
    dockerfile: &str,
    sink: W,
) -> Result<Written, BuildContextError> {
    check_dockerfile(&dir.join(dockerfile))?;

    let ignore_path = dir.join(IGNORE_FILE);
    let rules = match read_small_file(&ignore_path) {
        Ok(text) => Rules::parse(&text).map_err(|pattern| BuildContextError::BadPattern {
            path: ignore_path.clone(),
            pattern,
        })?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Rules::default(),
        Err(source) => return Err(read_error(&ignore_path, source)),
    };

    // The engine needs both files to build even when the patterns exclude them, so the CLI
    // appends `!.dockerignore` and `!<dockerfile>`; forcing them in has the same effect.
    let mut forced = vec![IGNORE_FILE.to_owned()];
    forced.extend(context_relative(dir, dockerfile));

    let mut walker = Walker {
        rules,
        forced,
        builder: Builder::new(Hashing {
            inner: sink,
            digest: Sha256::new(),
            size: 0,
        }),
        pending: Vec::new(),
        files: 0,
        bytes: 0,
    };
    let top = vec![false; walker.rules.patterns.len()];
    walker.walk(dir, "", Path::new(""), &top)?;
    let Walker {
        builder,
        files,
        bytes,
        ..
    } = walker;
    let mut hashing = builder.into_inner().map_err(|e| read_error(dir, e))?;
    hashing.flush().map_err(|e| read_error(dir, e))?;

    let digest = hashing.digest.finalize();
    let mut content_hash = String::with_capacity(12);
    for byte in &digest[..6] {
        // Writing to a String cannot fail.
        let _ = write!(content_hash, "{byte:02x}");
    }
    Ok(Written {
        content_hash,
        files,
        bytes,
        size: hashing.size,
    })
}

/// The archive on its way to the engine: chunks for a request body, and what went wrong
/// making them (said instead of whatever the engine makes of a body cut short).
pub struct ContextStream {
    pub chunks: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    pub failure: Arc<Mutex<Option<String>>>,
}

/// Writes `context`'s archive again, in chunks of about `chunk` bytes, from a thread of its
/// own (reading files blocks), at most a few chunks ahead of the connection. The last chunk
/// is held back until the hash proves the archive is the one `context` named: a checkout
/// that changed since ends the body with an error instead, so no image gets a tag that
/// names other content.
pub fn stream(context: &BuildContext, chunk: usize) -> ContextStream {
    let (sender, chunks) = tokio::sync::mpsc::channel(4);
    let failure = Arc::new(Mutex::new(None));
    let said = failure.clone();
    let context = context.clone();
    std::thread::spawn(move || {
        let mut writer = ChunkWriter {
            sender: sender.clone(),
            buffer: Vec::with_capacity(chunk),
            chunk,
        };
        let problem = match write_to(&context.dir, &context.dockerfile, &mut writer) {
            Ok(written) if written.content_hash == context.content_hash => None,
            Ok(_) => Some(format!(
                "{} changed while its build context was sent: run start again",
                context.dir.display()
            )),
            Err(e) => Some(e.to_string()),
        };
        let last = match problem {
            None => Ok(Bytes::from(std::mem::take(&mut writer.buffer))),
            Some(problem) => {
                if let Ok(mut slot) = said.lock() {
                    *slot = Some(problem.clone());
                }
                Err(io::Error::other(problem))
            }
        };
        // The engine may have stopped reading (a failed build): nobody to tell then.
        let _ = sender.blocking_send(last);
    });
    ContextStream { chunks, failure }
}

/// Collects what is written into chunks and sends each full one, keeping the newest data
/// back (so the archive's end waits for its hash to be checked).
struct ChunkWriter {
    sender: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
    chunk: usize,
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buffer.len() >= self.chunk {
            let full = std::mem::replace(&mut self.buffer, Vec::with_capacity(self.chunk));
            self.sender
                .blocking_send(Ok(Bytes::from(full)))
                .map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "the engine stopped reading the build context",
                    )
                })?;
        }
        self.buffer.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Passes bytes on, hashing and counting them.
struct Hashing<W> {
    inner: W,
    digest: Sha256,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(data)?;
        self.digest.update(&data[..written]);
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

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

/// Opens `path` for reading if it is a regular file (following symlinks), never blocking
/// on a fifo that took its place.
fn open_regular(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(io::Error::other("not a regular file"))
    }
}

/// Checked before anything else so that a typo in the app's definition is reported as
/// such, not as whatever reading the rest of the checkout happens to trip over.
fn check_dockerfile(path: &Path) -> Result<(), BuildContextError> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(BuildContextError::MissingDockerfile(path.to_owned())),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Err(BuildContextError::MissingDockerfile(path.to_owned()))
        }
        Err(source) => Err(read_error(path, source)),
    }
}

/// The Dockerfile as a `/`-separated path inside the context, or `None` when it lies
/// outside (it is then not part of the walk, so there is nothing to force in).
fn context_relative(dir: &Path, dockerfile: &str) -> Option<String> {
    let path = Path::new(dockerfile);
    let relative = if path.is_absolute() {
        path.strip_prefix(dir).ok()?
    } else {
        path
    };
    let mut parts: Vec<String> = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => parts.push(name.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn read_error(path: &Path, source: io::Error) -> BuildContextError {
    BuildContextError::Read {
        path: path.to_owned(),
        source,
    }
}

/// The compiled `.dockerignore`.
#[derive(Debug, Default)]
struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
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
    fn matches(&self, path: &str, parent: &[bool]) -> (bool, Vec<bool>) {
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

/// Go's `filepath.Clean` for `/` paths: both Docker steps use it and patterns must compare
/// with the cleaned relative paths of the walk.
fn clean(path: &str) -> String {
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
struct Pattern {
    /// A `!` line: re-includes what it matches.
    exception: bool,
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
    fn compile(normalised: &str) -> Option<Pattern> {
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

    fn matches(&self, path: &str) -> bool {
        self.run(path).at[self.tokens.len()]
    }

    /// Whether the pattern could match some path below the directory `dir`; used to skip
    /// excluded directories that no exception can reach into. It may say yes wrongly
    /// (that only costs a walk), never no wrongly.
    fn can_match_under(&self, dir: &str) -> bool {
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

/// A directory that is excluded but walked because an exception may reach into it; its
/// entry is written only if something inside is sent, so the archive stays a tree.
struct PendingDir {
    path: PathBuf,
    source: PathBuf,
    mode: u32,
}

/// Counts what is read through it.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.count += read as u64;
        Ok(read)
    }
}

struct Walker<W: Write> {
    rules: Rules,
    /// `/`-separated paths sent whatever the patterns say.
    forced: Vec<String>,
    builder: Builder<Hashing<W>>,
    pending: Vec<PendingDir>,
    files: usize,
    bytes: u64,
}

impl<W: Write> Walker<W> {
    /// Adds the contents of the directory `source` (at `rel`/`rel_path` in the archive),
    /// children in name order so the archive, and so the hash, does not depend on the
    /// order the filesystem lists them in.
    fn walk(
        &mut self,
        source: &Path,
        rel: &str,
        rel_path: &Path,
        parent: &[bool],
    ) -> Result<(), BuildContextError> {
        let mut names: Vec<OsString> = Vec::new();
        for entry in fs::read_dir(source).map_err(|e| read_error(source, e))? {
            names.push(entry.map_err(|e| read_error(source, e))?.file_name());
        }
        names.sort();

        for name in names {
            let child = source.join(&name);
            let child_path = rel_path.join(&name);
            let lossy = name.to_string_lossy();
            let child_rel = if rel.is_empty() {
                lossy.into_owned()
            } else {
                format!("{rel}/{lossy}")
            };
            let meta = fs::symlink_metadata(&child).map_err(|e| read_error(&child, e))?;
            let (excluded, matched) = self.rules.matches(&child_rel, parent);
            let keep = !excluded || self.forced.contains(&child_rel);
            let kind = meta.file_type();

            if kind.is_dir() {
                if keep {
                    self.flush_pending()?;
                    self.append_dir(&child_path, mode(&meta), &child)?;
                    self.walk(&child, &child_rel, &child_path, &matched)?;
                } else if self.could_send_below(&child_rel) {
                    let depth = self.pending.len();
                    self.pending.push(PendingDir {
                        path: child_path.clone(),
                        source: child.clone(),
                        mode: mode(&meta),
                    });
                    self.walk(&child, &child_rel, &child_path, &matched)?;
                    self.pending.truncate(depth);
                }
            } else if !keep {
                continue;
            } else if kind.is_file() {
                // Streamed from the file: its size is taken from the open file, and a file
                // that shrinks while it is read is an error (the header said more).
                let file = open_regular(&child).map_err(|e| read_error(&child, e))?;
                let size = file.metadata().map_err(|e| read_error(&child, e))?.len();
                self.flush_pending()?;
                let mut header = header(EntryType::Regular, mode(&meta), size)
                    .map_err(|e| read_error(&child, e))?;
                let mut reader = Counted {
                    inner: file.take(size),
                    count: 0,
                };
                self.builder
                    .append_data(&mut header, &child_path, &mut reader)
                    .map_err(|e| read_error(&child, e))?;
                if reader.count != size {
                    return Err(read_error(
                        &child,
                        io::Error::new(io::ErrorKind::UnexpectedEof, "it shrank while it was read"),
                    ));
                }
                self.files += 1;
                self.bytes += size;
            } else if kind.is_symlink() {
                // Stored, not followed: following could pull in files from outside the
                // checkout, and Docker sends links as links.
                let target = fs::read_link(&child).map_err(|e| read_error(&child, e))?;
                self.flush_pending()?;
                let mut header = header(EntryType::Symlink, mode(&meta), 0)
                    .map_err(|e| read_error(&child, e))?;
                self.builder
                    .append_link(&mut header, &child_path, &target)
                    .map_err(|e| read_error(&child, e))?;
                self.files += 1;
            }
            // Sockets, fifos and devices are left out: reading a fifo would block and the
            // others have no content a build could use.
        }
        Ok(())
    }

    /// Whether an excluded directory must still be walked. Docker's own check is a plain
    /// prefix test on exception patterns, which misses `!**/*.go`-style exceptions;
    /// BuildKit walks every excluded directory once any exception has a wildcard. This
    /// asks each exception whether it could match below `dir`, so both stay correct and
    /// a large excluded tree (`node_modules`, `target`) is still skipped unread.
    fn could_send_below(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.forced.iter().any(|path| path.starts_with(&prefix))
            || self
                .rules
                .patterns
                .iter()
                .any(|pattern| pattern.exception && pattern.can_match_under(dir))
    }

    fn flush_pending(&mut self) -> Result<(), BuildContextError> {
        for dir in std::mem::take(&mut self.pending) {
            self.append_dir(&dir.path, dir.mode, &dir.source)?;
        }
        Ok(())
    }

    fn append_dir(
        &mut self,
        path: &Path,
        mode: u32,
        source: &Path,
    ) -> Result<(), BuildContextError> {
        // Docker names directories with a trailing `/`; the tar crate keeps it.
        let mut name = path.as_os_str().to_owned();
        name.push("/");
        let mut header =
            header(EntryType::Directory, mode, 0).map_err(|e| read_error(source, e))?;
        self.builder
            .append_data(&mut header, Path::new(&name), io::empty())
            .map_err(|e| read_error(source, e))
    }
}

/// Every field that could vary between two checkouts of the same commit is fixed, so
/// the archive only depends on names, permission bits and contents.
fn header(kind: EntryType, mode: u32, size: u64) -> io::Result<Header> {
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode & 0o777);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_size(size);
    header.set_username("")?;
    header.set_groupname("")?;
    Ok(header)
}

#[cfg(unix)]
fn mode(meta: &Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o777
}

/// Windows has no permission bits; these are what Docker for Windows sends.
#[cfg(not(unix))]
fn mode(meta: &Metadata) -> u32 {
    if meta.is_dir() {
        0o755
    } else {
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::time::{Duration, SystemTime};

    fn write(root: &Path, rel: &str, content: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            write(dir.path(), file, &format!("contents of {file}\n"));
        }
        dir
    }

    /// A context with its archive, as the engine receives it.
    #[derive(Debug)]
    struct Made {
        tar: Vec<u8>,
        content_hash: String,
        files: usize,
        bytes: u64,
    }

    /// Writes the archive into memory (tests only; ark itself streams it) and checks that
    /// hashing alone (`super::make`) names the same archive.
    fn make(dir: &Path, dockerfile: &str) -> Result<Made, BuildContextError> {
        let mut tar = Vec::new();
        let written = write_to(dir, dockerfile, &mut tar)?;
        let hashed = super::make(dir, dockerfile)?;
        assert_eq!(hashed.content_hash, written.content_hash);
        assert_eq!(hashed.size, tar.len() as u64);
        Ok(Made {
            tar,
            content_hash: written.content_hash,
            files: written.files,
            bytes: written.bytes,
        })
    }

    /// The chunks `stream` sends, joined, or the error the body ends with.
    fn streamed(context: &BuildContext, chunk: usize) -> Result<Vec<u8>, String> {
        let mut stream = stream(context, chunk);
        let mut all = Vec::new();
        while let Some(item) = stream.chunks.blocking_recv() {
            match item {
                Ok(bytes) => {
                    assert!(bytes.len() <= chunk + 64 * 1024, "{} bytes", bytes.len());
                    all.extend_from_slice(&bytes);
                }
                Err(e) => {
                    let said = stream.failure.lock().unwrap().clone();
                    assert_eq!(said.as_deref(), Some(e.to_string().as_str()));
                    return Err(e.to_string());
                }
            }
        }
        Ok(all)
    }

    #[test]
    fn the_stream_sends_the_archive_that_was_hashed_in_chunks() {
        let dir = tree(&["Dockerfile", "a.txt", "sub/b.txt"]);
        fs::write(dir.path().join("big.bin"), vec![7u8; 300_000]).unwrap();
        let hashed = super::make(dir.path(), "Dockerfile").unwrap();
        let mut whole = Vec::new();
        write_to(dir.path(), "Dockerfile", &mut whole).unwrap();
        assert_eq!(streamed(&hashed, 4096).unwrap(), whole);
        assert_eq!(hashed.size, whole.len() as u64);

        // A checkout that changes after it was hashed is not sent as if it had not.
        write(dir.path(), "a.txt", "changed since");
        let error = streamed(&hashed, 4096).unwrap_err();
        assert!(
            error.contains("changed while its build context was sent"),
            "{error}"
        );
    }

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

    /// The entry names in archive order.
    fn names(context: &Made) -> Vec<String> {
        let mut archive = tar::Archive::new(context.tar.as_slice());
        archive
            .entries()
            .unwrap()
            .map(|entry| String::from_utf8_lossy(&entry.unwrap().path_bytes()).into_owned())
            .collect()
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

    const FILES: &[&str] = &[
        "Dockerfile",
        "README.md",
        "NOTES.md",
        "app.log",
        "src/main.rs",
        "src/app.log",
        "src/x.tmp",
        "src/deep/y.tmp",
        "build/out.bin",
        "build/keep.txt",
        "build/sub/z.bin",
        "docker/app.Dockerfile",
        "a*b",
        "axb",
        "file1",
        "fileb",
    ];

    #[test]
    fn contexts_contain_what_docker_would_send() {
        let all: Vec<&str> = vec![
            "Dockerfile",
            "NOTES.md",
            "README.md",
            "a*b",
            "app.log",
            "axb",
            "build/",
            "build/keep.txt",
            "build/out.bin",
            "build/sub/",
            "build/sub/z.bin",
            "docker/",
            "docker/app.Dockerfile",
            "file1",
            "fileb",
            "src/",
            "src/app.log",
            "src/deep/",
            "src/deep/y.tmp",
            "src/main.rs",
            "src/x.tmp",
        ];
        let without = |gone: &[&str]| -> Vec<String> {
            let mut kept: Vec<String> = all
                .iter()
                .filter(|name| !gone.contains(name))
                .map(|name| name.to_string())
                .collect();
            kept.insert(0, ".dockerignore".to_owned());
            kept
        };
        let cases: Vec<(&str, &str, Vec<String>)> = vec![
            ("*.log", "Dockerfile", without(&["app.log"])),
            (
                "**/*.tmp",
                "Dockerfile",
                without(&["src/x.tmp", "src/deep/y.tmp"]),
            ),
            (
                "build/",
                "Dockerfile",
                without(&[
                    "build/",
                    "build/keep.txt",
                    "build/out.bin",
                    "build/sub/",
                    "build/sub/z.bin",
                ]),
            ),
            (
                "build/\n!build/keep.txt",
                "Dockerfile",
                without(&["build/out.bin", "build/sub/", "build/sub/z.bin"]),
            ),
            (
                "*.md\n!README.md\nREADME.md",
                "Dockerfile",
                without(&["NOTES.md", "README.md"]),
            ),
            ("*.md\n!README.md", "Dockerfile", without(&["NOTES.md"])),
            (
                "/app.log\n./file1",
                "Dockerfile",
                without(&["app.log", "file1"]),
            ),
            (
                "# app.log\n\n   \nfile?",
                "Dockerfile",
                without(&["file1", "fileb"]),
            ),
            ("file[a-c]", "Dockerfile", without(&["fileb"])),
            ("a\\*b", "Dockerfile", without(&["a*b"])),
            ("a*b", "Dockerfile", without(&["a*b", "axb"])),
            (
                "src/**\n!src/deep/y.tmp",
                "Dockerfile",
                without(&["src/app.log", "src/main.rs", "src/x.tmp"]),
            ),
            (
                "*",
                "Dockerfile",
                vec![".dockerignore".to_owned(), "Dockerfile".to_owned()],
            ),
            (
                "*",
                "./docker/../docker/app.Dockerfile",
                vec![
                    ".dockerignore".to_owned(),
                    "docker/".to_owned(),
                    "docker/app.Dockerfile".to_owned(),
                ],
            ),
            ("Dockerfile\n.dockerignore", "Dockerfile", without(&[])),
        ];
        for (ignore, dockerfile, expected) in cases {
            let dir = tree(FILES);
            write(dir.path(), ".dockerignore", ignore);
            let context = make(dir.path(), dockerfile).unwrap();
            assert_eq!(names(&context), expected, "{ignore:?} with {dockerfile}");
        }
    }

    #[test]
    fn without_dockerignore_everything_is_sent_in_path_order() {
        let dir = tree(&["b", "a.txt", "a/z", "a/b/c", "Dockerfile"]);
        let context = make(dir.path(), "Dockerfile").unwrap();
        assert_eq!(
            names(&context),
            ["Dockerfile", "a/", "a/b/", "a/b/c", "a/z", "a.txt", "b"]
        );
        assert_eq!(context.files, 5);
        let expected_bytes: u64 = ["b", "a.txt", "a/z", "a/b/c", "Dockerfile"]
            .iter()
            .map(|f| format!("contents of {f}\n").len() as u64)
            .sum();
        assert_eq!(context.bytes, expected_bytes);
    }

    #[test]
    fn archive_is_deterministic_and_hash_follows_content() {
        let dir = tree(FILES);
        write(dir.path(), ".dockerignore", "*.log\n");
        let first = make(dir.path(), "Dockerfile").unwrap();
        assert_eq!(first.content_hash.len(), 12);
        assert!(first
            .content_hash
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));

        let later = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        for file in FILES {
            File::options()
                .write(true)
                .open(dir.path().join(file))
                .unwrap()
                .set_modified(later)
                .unwrap();
        }
        let touched = make(dir.path(), "Dockerfile").unwrap();
        assert_eq!(touched.content_hash, first.content_hash);
        assert_eq!(touched.tar, first.tar);

        let copy = tree(FILES);
        write(copy.path(), ".dockerignore", "*.log\n");
        assert_eq!(
            make(copy.path(), "Dockerfile").unwrap().content_hash,
            first.content_hash
        );

        write(dir.path(), "src/main.rs", "contents of src/main.rT\n");
        let changed = make(dir.path(), "Dockerfile").unwrap();
        assert_ne!(changed.content_hash, first.content_hash);

        // An ignored file does not change the context, so it does not force a rebuild.
        write(dir.path(), "app.log", "something else");
        assert_eq!(
            make(dir.path(), "Dockerfile").unwrap().content_hash,
            changed.content_hash
        );
    }

    #[test]
    fn headers_carry_no_owner_or_time() {
        let dir = tree(&["Dockerfile", "src/main.rs"]);
        let context = make(dir.path(), "Dockerfile").unwrap();
        let mut archive = tar::Archive::new(context.tar.as_slice());
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let header = entry.header();
            assert_eq!(header.mtime().unwrap(), 0);
            assert_eq!(header.uid().unwrap(), 0);
            assert_eq!(header.gid().unwrap(), 0);
            assert_eq!(header.username_bytes(), Some(&b""[..]));
            assert_eq!(header.groupname_bytes(), Some(&b""[..]));
        }
    }

    #[test]
    fn long_paths_survive() {
        let deep = format!("{}/{}", "d".repeat(120), "f".repeat(150));
        let dir = tree(&["Dockerfile", &deep]);
        let context = make(dir.path(), "Dockerfile").unwrap();
        assert_eq!(
            names(&context),
            vec![
                "Dockerfile".to_owned(),
                format!("{}/", "d".repeat(120)),
                deep
            ]
        );
    }

    #[test]
    fn missing_dockerfile_is_reported_first() {
        let dir = tree(&["src/main.rs"]);
        write(dir.path(), ".dockerignore", "[broken");
        for dockerfile in ["Dockerfile", "src", "src/main.rs/Dockerfile"] {
            let err = make(dir.path(), dockerfile).unwrap_err();
            assert!(
                matches!(&err, BuildContextError::MissingDockerfile(path)
                    if path == &dir.path().join(dockerfile)),
                "{dockerfile}: {err:?}"
            );
        }
        let err = make(&dir.path().join("nowhere"), "Dockerfile").unwrap_err();
        assert!(matches!(err, BuildContextError::MissingDockerfile(_)));
        assert!(err.to_string().starts_with("the Dockerfile "));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_stored_not_followed() {
        let dir = tree(&["Dockerfile", "real/secret.txt"]);
        let outside = tree(&["elsewhere.txt"]);
        std::os::unix::fs::symlink("real", dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink("missing", dir.path().join("dangling")).unwrap();
        let context = make(dir.path(), "Dockerfile").unwrap();
        assert_eq!(
            names(&context),
            [
                "Dockerfile",
                "dangling",
                "link",
                "out",
                "real/",
                "real/secret.txt"
            ]
        );
        let mut archive = tar::Archive::new(context.tar.as_slice());
        let mut links = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            if entry.header().entry_type() == EntryType::Symlink {
                let target = entry.link_name_bytes().unwrap().into_owned();
                links.push(String::from_utf8(target).unwrap());
            }
        }
        let outside_target = outside.path().to_string_lossy().into_owned();
        assert_eq!(links, ["missing", "real", outside_target.as_str()]);
        assert_eq!(context.files, 5);
    }

    #[cfg(unix)]
    #[test]
    fn permission_bits_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tree(&["Dockerfile", "run.sh", "private/key"]);
        fs::set_permissions(
            dir.path().join("private/key"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        fs::set_permissions(
            dir.path().join("run.sh"),
            fs::Permissions::from_mode(0o4755),
        )
        .unwrap();
        fs::set_permissions(
            dir.path().join("private"),
            fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        fs::set_permissions(
            dir.path().join("Dockerfile"),
            fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        let context = make(dir.path(), "Dockerfile").unwrap();
        let mut archive = tar::Archive::new(context.tar.as_slice());
        let modes: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                (name, entry.header().mode().unwrap())
            })
            .collect();
        let expected = [
            ("Dockerfile", 0o640),
            ("private/", 0o700),
            ("private/key", 0o644),
            ("run.sh", 0o755),
        ];
        let expected: Vec<(String, u32)> =
            expected.iter().map(|(n, m)| (n.to_string(), *m)).collect();
        assert_eq!(modes, expected);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_skipped() {
        let dir = tree(&["Dockerfile"]);
        let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
        let context = make(dir.path(), "Dockerfile").unwrap();
        assert_eq!(names(&context), ["Dockerfile"]);
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_files_are_read_errors() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tree(&["Dockerfile", "locked", "ignored/locked"]);
        let set_mode = |name: &str, mode: u32| {
            fs::set_permissions(dir.path().join(name), fs::Permissions::from_mode(mode)).unwrap()
        };
        set_mode("locked", 0o000);
        set_mode("ignored", 0o000);
        if fs::read(dir.path().join("locked")).is_ok() {
            // Running as root: permissions do not stop reads, so there is no error to see.
            return;
        }
        let cases = [
            ("", "ignored"),
            ("ignored\n!keep/*\n", "locked"),
            ("ignored\n!ignored/locked\n", "ignored"),
        ];
        for (ignore, unreadable) in cases {
            write(dir.path(), ".dockerignore", ignore);
            let err = make(dir.path(), "Dockerfile").unwrap_err();
            assert!(
                matches!(&err, BuildContextError::Read { path, .. }
                    if path == &dir.path().join(unreadable)),
                "{ignore:?}: {err:?}"
            );
        }
        // An excluded directory no exception reaches into is never opened.
        write(dir.path(), ".dockerignore", "locked\nignored\n!keep/*\n");
        let context = make(dir.path(), "Dockerfile").unwrap();
        assert_eq!(names(&context), [".dockerignore", "Dockerfile"]);
        set_mode("ignored", 0o755);
    }
}
