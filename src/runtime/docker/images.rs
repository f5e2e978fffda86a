//! Images on Docker: whether the engine has one, pulls (with layer progress), and builds
//! from a streamed context.

use super::engine::DockerRuntime;
use super::request::{failed, stream_failed, Request};
use crate::runtime::api::{EngineError, ImageProgress, SeedError, Seeded};
use crate::runtime::labels;
use bollard::errors::Error as BollardError;
use bollard::query_parameters as q;
use futures_util::StreamExt;
use std::path::Path;
use std::time::Duration;

/// Build contexts go to the engine in pieces of this size (progress counts them).
const CONTEXT_CHUNK: usize = 256 * 1024;

impl DockerRuntime {
    pub(in crate::runtime) async fn image_id_of(
        &self,
        image: &str,
    ) -> Result<Option<String>, EngineError> {
        match self
            .watchdog
            .watched(self.docker.inspect_image(image))
            .await
        {
            Ok(inspect) => Ok(inspect.id),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(failed(&self.endpoint, Request::InspectImage, e)),
        }
    }

    pub(in crate::runtime) async fn pull_image(
        &self,
        image: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<(), EngineError> {
        let (name, tag) = split_tag(image);
        let options = q::CreateImageOptions {
            from_image: Some(name.to_owned()),
            tag: Some(tag.to_owned()),
            ..Default::default()
        };
        let docker = self.patient();
        let mut stream = docker.create_image(Some(options), None, None);
        while let Some(item) = self.watchdog.next_watched(&mut stream).await {
            let info = item.map_err(|e| stream_failed(&self.endpoint, Request::Pull(image), e))?;
            if let Some(error) = info.error_detail.and_then(|d| d.message) {
                return Err(EngineError::Failed(format!("pull {image}: {error}")));
            }
            let amount = info
                .progress_detail
                .and_then(|d| {
                    Some(format!(
                        "{}/{} MB",
                        d.current? / 1_000_000,
                        d.total? / 1_000_000
                    ))
                })
                .unwrap_or_default();
            let status = format!("{} {amount}", info.status.unwrap_or_default())
                .trim()
                .to_owned();
            progress(ImageProgress::Layer {
                id: info.id.unwrap_or_default(),
                status,
            });
        }
        Ok(())
    }

    pub(in crate::runtime) async fn seed(
        &self,
        image: &str,
        busybox: &Path,
    ) -> Result<Seeded, SeedError> {
        super::busybox_seed::import(
            &self.patient(),
            &self.watchdog,
            &self.endpoint,
            image,
            busybox,
        )
        .await
    }

    pub(in crate::runtime) async fn build_image(
        &self,
        context: &crate::runtime::build_context::BuildContext,
        tag: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<(), EngineError> {
        let options = q::BuildImageOptions {
            dockerfile: context.dockerfile.clone(),
            t: Some(tag.to_owned()),
            rm: true,
            forcerm: true,
            labels: Some(labels::of_built_image()),
            ..Default::default()
        };
        // The context is read from the checkout as the connection takes it, in chunks
        // counted as they go, so a slow link (a remote engine) shows how far the upload is.
        let total = context.size;
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = sent.clone();
        let crate::runtime::build_context::ContextStream { chunks, failure } =
            crate::runtime::build_context::stream(context, CONTEXT_CHUNK);
        let body = futures_util::stream::unfold(chunks, |mut chunks| async move {
            chunks.recv().await.map(|chunk| (chunk, chunks))
        })
        .map(move |chunk| {
            if let Ok(chunk) = &chunk {
                counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
            chunk
        });
        // What went wrong reading the checkout, said instead of the engine's view of a body
        // cut short.
        let reading_failed = || {
            failure
                .lock()
                .ok()
                .and_then(|slot| slot.clone())
                .map(|why| EngineError::Failed(format!("build {tag}: {why}")))
        };
        let docker = self.patient();
        let mut stream = docker.build_image(options, None, Some(bollard::body_try_stream(body)));
        let mut ticks = tokio::time::interval(Duration::from_millis(250));
        let mut reported = None;
        loop {
            let item = tokio::select! {
                item = self.watchdog.next_watched(&mut stream) => item,
                _ = ticks.tick(), if reported != Some(total) => {
                    let now = sent.load(std::sync::atomic::Ordering::Relaxed);
                    if reported != Some(now) {
                        progress(ImageProgress::ContextSent { sent: now, total });
                        reported = Some(now);
                    }
                    continue;
                }
            };
            let Some(item) = item else { break };
            if reported != Some(total) {
                progress(ImageProgress::ContextSent { sent: total, total });
                reported = Some(total);
            }
            let info = match item {
                Ok(info) => info,
                Err(e) => {
                    return Err(reading_failed()
                        .unwrap_or_else(|| stream_failed(&self.endpoint, Request::Build(tag), e)))
                }
            };
            if let Some(error) = info.error_detail.and_then(|d| d.message) {
                return Err(reading_failed().unwrap_or_else(|| {
                    EngineError::Failed(format!("build {tag}: {}", error.trim()))
                }));
            }
            if let Some(line) = info
                .stream
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
            {
                progress(ImageProgress::Build(line));
            }
        }
        reading_failed().map_or(Ok(()), Err)
    }
}

/// `registry:5000/app:tag` → (`registry:5000/app`, `tag`); no tag → `latest`.
pub(in crate::runtime) fn split_tag(image: &str) -> (&str, &str) {
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) if !image.contains('@') => (
            &image[..last_slash + colon],
            &image[last_slash + colon + 1..],
        ),
        _ => (image, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_without_confusing_registry_ports() {
        assert_eq!(split_tag("busybox"), ("busybox", "latest"));
        assert_eq!(split_tag("postgres:16"), ("postgres", "16"));
        assert_eq!(
            split_tag("registry:5000/team/app"),
            ("registry:5000/team/app", "latest")
        );
        assert_eq!(
            split_tag("registry:5000/app:v2"),
            ("registry:5000/app", "v2")
        );
    }
}
