//! Secrets on Docker: those delivered as files are copied into the container after it is
//! created and before it starts (`/run/secrets/<NAME>`, mode 0400) — never a bind mount of
//! a file on the host. And the values an instance holds, read back for masking.

use super::busybox_seed::tar_header as header;
use super::engine::DockerRuntime;
use super::request::{failed, Request};
use crate::core::secret::{path_in_container, SECRETS_DIR};
use crate::runtime::api::EngineError;
use crate::runtime::labels;
use bollard::query_parameters as q;
use futures_util::StreamExt;
use std::io::Read;

/// A tar of `run/secrets/<NAME>` files, each 0400 and owned by root.
fn archive(files: &[(&str, &str)]) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    let relative = SECRETS_DIR.trim_start_matches('/');
    let mut parent = String::new();
    for part in relative.split('/') {
        parent.push_str(part);
        parent.push('/');
        let mut header = header(tar::EntryType::Directory, 0o755, 0);
        tar.append_data(&mut header, &parent, std::io::empty())?;
    }
    for (name, value) in files {
        let mut header = header(tar::EntryType::Regular, 0o400, value.len() as u64);
        tar.append_data(&mut header, format!("{parent}{name}"), value.as_bytes())?;
    }
    tar.into_inner()
}

impl DockerRuntime {
    /// Copies `files` (name, value) into created container `id` as `/run/secrets/<name>`.
    pub(in crate::runtime) async fn put_secret_files(
        &self,
        id: &str,
        files: &[(&str, &str)],
    ) -> Result<(), EngineError> {
        let tar = archive(files)
            .map_err(|e| EngineError::Failed(format!("cannot pack the secret files: {e}")))?;
        self.upload(id, "/", tar).await
    }

    /// Copies the secret files of container `from` into created container `to`, for a
    /// revision made from a kept one's config.
    pub(in crate::runtime) async fn copy_secret_files(
        &self,
        from: &str,
        to: &str,
    ) -> Result<(), EngineError> {
        // Packed again rather than passed on: the new container may have no `/run` to
        // unpack a `secrets/…` archive into.
        let files = files_in(&self.download(from, SECRETS_DIR).await?);
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        self.put_secret_files(to, &files).await
    }

    async fn upload(&self, id: &str, path: &str, tar: Vec<u8>) -> Result<(), EngineError> {
        let options = q::UploadToContainerOptions {
            path: path.to_owned(),
            ..Default::default()
        };
        self.watchdog
            .watched(self.docker.upload_to_container(
                id,
                Some(options),
                bollard::body_full(tar.into()),
            ))
            .await
            .map_err(|e| failed(&self.endpoint, Request::CopyFiles, e))
    }

    async fn download(&self, id: &str, path: &str) -> Result<Vec<u8>, EngineError> {
        let options = q::DownloadFromContainerOptions {
            path: path.to_owned(),
        };
        let mut stream = self.docker.download_from_container(id, Some(options));
        let read = async {
            let mut tar = Vec::new();
            while let Some(chunk) = stream.next().await {
                tar.extend_from_slice(&chunk?);
            }
            Ok(tar)
        };
        self.watchdog
            .watched(read)
            .await
            .map_err(|e| failed(&self.endpoint, Request::CopyFiles, e))
    }

    /// The secret values container `id` holds: those in its environment, by the names its
    /// label records, and the contents of its secret files — copied out of it, or, where
    /// they are on a mount the engine does not copy from (a Swarm task's secrets), read by
    /// `cat` run in it (`by_exec`).
    pub(in crate::runtime) async fn secret_values_of(
        &self,
        id: &str,
        by_exec: bool,
    ) -> Result<Vec<String>, EngineError> {
        let inspected = self.inspect_raw(id).await?;
        let config = inspected.config.unwrap_or_default();
        let recorded = labels::secrets_of(&config.labels.unwrap_or_default());
        let mut values = labels::secret_env_values(&recorded, &config.env.unwrap_or_default());
        // Best effort: a container whose files cannot be read still has its logs.
        let files: Vec<&str> = recorded
            .iter()
            .filter(|s| s.as_file)
            .map(|s| s.name.as_str())
            .collect();
        if by_exec {
            for name in files {
                let cat = ["cat".to_owned(), path_in_container(name)];
                if let Ok((0, bytes)) = self.exec_output_in(id, &cat).await {
                    values.push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        } else if !files.is_empty() {
            if let Ok(tar) = self.download(id, SECRETS_DIR).await {
                values.extend(files_in(&tar).into_iter().map(|(_, value)| value));
            }
        }
        Ok(values)
    }
}

/// The name and contents of every regular file in a tar.
fn files_in(tar: &[u8]) -> Vec<(String, String)> {
    let mut archive = tar::Archive::new(tar);
    let Ok(entries) = archive.entries() else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.header().entry_type().is_file())
        .filter_map(|mut entry| {
            let name = entry.path().ok()?.file_name()?.to_str()?.to_owned();
            let mut text = String::new();
            entry.read_to_string(&mut text).ok()?;
            Some((name, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_each_file_read_only_under_run_secrets() {
        let tar = archive(&[("DB_PASSWORD", "pw\nwith 'quotes'"), ("B", "b")]).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let entries: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().display().to_string(),
                    e.header().mode().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            [
                ("run/".into(), 0o755),
                ("run/secrets/".into(), 0o755),
                ("run/secrets/DB_PASSWORD".into(), 0o400),
                ("run/secrets/B".into(), 0o400)
            ]
        );
        assert_eq!(
            files_in(&tar),
            [
                ("DB_PASSWORD".into(), "pw\nwith 'quotes'".into()),
                ("B".into(), "b".into())
            ]
        );
    }
}
