//! Reading a file a user hands ark (a definition, an environment file, the user config):
//! regular files only, and only up to a size no real one comes near.
//!
//! A definition can be anything a repository holds: `launch/zero.yml -> /dev/zero` would be
//! read until memory runs out, and a fifo would block forever. Both are refused before a byte
//! is read, naming what the path is.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The largest file ark reads. Real definitions and environment files are a few KiB; the
/// limit leaves room for generated ones while keeping a runaway file from eating memory.
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// The bytes of the regular file at `path` (a symlink to one is fine). Errors read well after
/// "cannot read the file: "; a missing file keeps `ErrorKind::NotFound`.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    read_at_most(path, MAX_INPUT_BYTES)
}

fn read_at_most(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    // Non-blocking, so that opening a fifo returns at once instead of waiting for a writer;
    // the flag changes nothing for a regular file.
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let metadata = file.metadata()?;
    let file_type = metadata.file_type();
    if !file_type.is_file() {
        let kind = if file_type.is_dir() {
            "a directory"
        } else if file_type.is_fifo() {
            "a fifo"
        } else if file_type.is_char_device() {
            "a character device"
        } else if file_type.is_block_device() {
            "a block device"
        } else if file_type.is_socket() {
            "a socket"
        } else {
            "something other than a file"
        };
        return Err(io::Error::other(format!(
            "it is {kind}, not a regular file"
        )));
    }
    if metadata.len() > limit {
        return Err(too_big(metadata.len(), limit));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // One byte past the limit tells a file that grew since `metadata` from one that fits.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

fn too_big(size: u64, limit: u64) -> io::Error {
    io::Error::other(format!(
        "it is {} bytes, more than the limit of {} bytes ({} MiB)",
        size,
        limit,
        limit / (1024 * 1024)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_and_a_symlink_to_one_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("api.yml");
        std::fs::write(&file, "env: []\n").unwrap();
        let link = dir.path().join("link.yml");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read(&file).unwrap(), b"env: []\n");
        assert_eq!(read(&link).unwrap(), b"env: []\n");
    }

    #[test]
    fn a_missing_file_stays_not_found() {
        let error = read(Path::new("/nonexistent/ark/x.yml")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn devices_fifos_and_directories_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let zero = dir.path().join("zero.yml");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let fifo = dir.path().join("fifo.yml");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system entry.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        for (path, kind) in [
            (zero, "a character device"),
            (fifo, "a fifo"),
            (dir.path().to_path_buf(), "a directory"),
        ] {
            let error = read(&path).unwrap_err().to_string();
            assert_eq!(error, format!("it is {kind}, not a regular file"));
        }
    }

    #[test]
    fn a_file_over_the_limit_names_its_size_and_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("big.yml");
        std::fs::write(&file, vec![b'#'; 3 * 1024 * 1024]).unwrap();
        assert_eq!(read_at_most(&file, 3 * 1024 * 1024).unwrap().len(), 3 << 20);
        assert_eq!(
            read_at_most(&file, 2 * 1024 * 1024)
                .unwrap_err()
                .to_string(),
            "it is 3145728 bytes, more than the limit of 2097152 bytes (2 MiB)"
        );
    }
}
