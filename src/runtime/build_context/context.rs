//! The `BuildContext` type: which folder, which Dockerfile, and the hash of the archive
//! they make (what names the image), plus why one could not be made.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::archive::write_to;
use super::dockerfile;

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

impl BuildContext {
    /// Hashes the context of `dir` (the app's repository) for `dockerfile` (relative to `dir`),
    /// reading every file once and keeping none.
    pub fn prepare(dir: &Path, dockerfile: &str) -> Result<BuildContext, BuildContextError> {
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

    /// The external images its Dockerfile builds on. The file is read like every other
    /// input (a regular file, size-limited: a Dockerfile linked to /dev/zero must not hang
    /// here); unreadable here means the build reports it, so there is nothing to say now.
    pub fn base_images(&self) -> Vec<String> {
        let bytes =
            crate::core::input_file::read(&self.dir.join(&self.dockerfile)).unwrap_or_default();
        dockerfile::base_images(&String::from_utf8_lossy(&bytes))
    }
}

/// Checked before anything else so that a typo in the app's definition is reported as
/// such, not as whatever reading the rest of the checkout happens to trip over.
pub(super) fn check_dockerfile(path: &Path) -> Result<(), BuildContextError> {
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
pub(super) fn context_relative(dir: &Path, dockerfile: &str) -> Option<String> {
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

pub(super) fn read_error(path: &Path, source: io::Error) -> BuildContextError {
    BuildContextError::Read {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::build_context::test_support::{make, tree, write};

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
}
