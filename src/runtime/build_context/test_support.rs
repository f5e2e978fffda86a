//! Test helpers shared by the build context's tests: folders to build from, and the
//! archive each makes.

use std::fs;
use std::path::Path;

use super::archive::write_to;
use super::{BuildContext, BuildContextError};

/// Writes `content` to `rel` under `root`, making its folders.
pub(super) fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// A folder holding `files`, each with its own contents.
pub(super) fn tree(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in files {
        write(dir.path(), file, &format!("contents of {file}\n"));
    }
    dir
}

/// A context with its archive, as the engine receives it.
#[derive(Debug)]
pub(super) struct Made {
    pub(super) tar: Vec<u8>,
    pub(super) content_hash: String,
    pub(super) files: usize,
    pub(super) bytes: u64,
}

/// Writes the archive into memory (tests only; ark itself streams it) and checks that
/// hashing alone (`BuildContext::prepare`) names the same archive.
pub(super) fn make(dir: &Path, dockerfile: &str) -> Result<Made, BuildContextError> {
    let mut tar = Vec::new();
    let written = write_to(dir, dockerfile, &mut tar)?;
    let hashed = BuildContext::prepare(dir, dockerfile)?;
    assert_eq!(hashed.content_hash, written.content_hash);
    assert_eq!(hashed.size, tar.len() as u64);
    Ok(Made {
        tar,
        content_hash: written.content_hash,
        files: written.files,
        bytes: written.bytes,
    })
}

/// The entry names in archive order.
pub(super) fn names(context: &Made) -> Vec<String> {
    let mut archive = tar::Archive::new(context.tar.as_slice());
    archive
        .entries()
        .unwrap()
        .map(|entry| String::from_utf8_lossy(&entry.unwrap().path_bytes()).into_owned())
        .collect()
}

/// A checkout with something for each kind of pattern the tests try.
pub(super) const FILES: &[&str] = &[
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
