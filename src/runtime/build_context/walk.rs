//! Walking the folder: which entries go into the archive, in what order, read how.
//!
//! Entries are visited in name order, each judged by the `.dockerignore` rules with what
//! its parent matched; an excluded directory is only entered when an exception (or a file
//! that is always sent) could reach inside, so a large ignored tree is never read.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use tar::{Builder, EntryType};

use super::archive::{header, mode};
use super::context::read_error;
use super::dockerignore::Rules;
use super::BuildContextError;

/// What walking a folder gave: the archive so far, and what it holds.
pub(super) struct Walked<W: Write> {
    pub builder: Builder<W>,
    /// Regular files and symlinks sent.
    pub files: usize,
    /// Sum of the file sizes sent.
    pub bytes: u64,
}

/// Appends the contents of `dir` to `builder`: what `rules` leave in, and the `forced`
/// `/`-separated paths whatever the rules say.
pub(super) fn walk<W: Write>(
    dir: &Path,
    rules: Rules,
    forced: Vec<String>,
    builder: Builder<W>,
) -> Result<Walked<W>, BuildContextError> {
    let mut walker = Walker {
        rules,
        forced,
        builder,
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
    Ok(Walked {
        builder,
        files,
        bytes,
    })
}

/// Opens `path` for reading if it is a regular file (following symlinks), never blocking
/// on a fifo that took its place.
pub(super) fn open_regular(path: &Path) -> io::Result<fs::File> {
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

/// A walk in progress: the rules, what it has sent, and the excluded directories it is in.
struct Walker<W: Write> {
    rules: Rules,
    /// `/`-separated paths sent whatever the patterns say.
    forced: Vec<String>,
    builder: Builder<W>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::build_context::test_support::{make, names, tree, write, FILES};

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
