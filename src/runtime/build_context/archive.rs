//! The archive: a deterministic tar of the walk, hashed as it is written, and written again
//! in chunks for the request body that sends it to a backend.
//!
//! Every entry's header fixes what could differ between two checkouts of the same commit
//! (times, owners), so the hash only follows names, permission bits and contents.

use std::fmt::Write as _;
use std::fs::Metadata;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tar::{Builder, EntryType, Header};

use super::context::{check_dockerfile, context_relative, read_error};
use super::dockerignore::{Rules, IGNORE_FILE};
use super::walk;
use super::{BuildContext, BuildContextError};

/// What writing an archive gave.
#[derive(Debug)]
pub(super) struct Written {
    pub content_hash: String,
    pub files: usize,
    pub bytes: u64,
    pub size: u64,
}

/// Writes the archive of `dir` to `sink`, hashing it on the way.
pub(super) fn write_to<W: Write>(
    dir: &Path,
    dockerfile: &str,
    sink: W,
) -> Result<Written, BuildContextError> {
    check_dockerfile(&dir.join(dockerfile))?;
    let rules = Rules::read(dir)?;

    // The engine needs both files to build even when the patterns exclude them, so the CLI
    // appends `!.dockerignore` and `!<dockerfile>`; forcing them in has the same effect.
    let mut forced = vec![IGNORE_FILE.to_owned()];
    forced.extend(context_relative(dir, dockerfile));

    let builder = Builder::new(Hashing {
        inner: sink,
        digest: Sha256::new(),
        size: 0,
    });
    let walk::Walked {
        builder,
        files,
        bytes,
    } = walk::walk(dir, rules, forced, builder)?;
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

/// Every field that could vary between two checkouts of the same commit is fixed, so
/// the archive only depends on names, permission bits and contents.
pub(super) fn header(kind: EntryType, mode: u32, size: u64) -> io::Result<Header> {
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
pub(super) fn mode(meta: &Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o777
}

/// Windows has no permission bits; these are what Docker for Windows sends.
#[cfg(not(unix))]
pub(super) fn mode(meta: &Metadata) -> u32 {
    if meta.is_dir() {
        0o755
    } else {
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::build_context::test_support::{make, names, tree, write, FILES};
    use std::fs::{self, File};
    use std::time::{Duration, SystemTime};

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
        let hashed = BuildContext::prepare(dir.path(), "Dockerfile").unwrap();
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
}
