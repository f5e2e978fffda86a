//! Images on a swarm of several nodes: a task runs wherever Swarm places it, and a node
//! has only the images it pulled. An image made here (built, seeded) reaches the others
//! through the environment's registry: pushed there and pinned by digest, so every node
//! runs the same bytes and none tries a public registry for a local-only name.

use super::engine::SwarmRuntime;
use crate::runtime::api::{EngineError, ImageProgress};
use crate::runtime::docker::images::split_tag;
use crate::runtime::docker::request::{failed, Request};
use bollard::errors::Error as BollardError;
use bollard::query_parameters as q;

/// `name` without a registry host in front (`host:5000/team/web` → `team/web`).
fn without_registry(name: &str) -> &str {
    match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => name,
    }
}

impl SwarmRuntime {
    pub(super) async fn digest_of(&self, image: &str) -> Result<Option<String>, EngineError> {
        let manager = &self.cluster.manager;
        match manager
            .watchdog
            .watched(manager.docker.inspect_image(image))
            .await
        {
            Ok(inspect) => Ok(inspect.repo_digests.unwrap_or_default().into_iter().next()),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(failed(self.endpoint(), Request::InspectImage, e)),
        }
    }

    pub(super) async fn push(
        &self,
        image: &str,
        registry: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<String, EngineError> {
        let manager = &self.cluster.manager;
        let (name, tag) = split_tag(image);
        let repo = format!("{registry}/{}", without_registry(name));
        let tagged = format!("{repo}:{tag}");
        let options = q::TagImageOptions {
            repo: Some(repo.clone()),
            tag: Some(tag.to_owned()),
        };
        manager
            .watchdog
            .watched(manager.docker.tag_image(image, Some(options)))
            .await
            .map_err(|e| failed(self.endpoint(), Request::Tag(image), e))?;
        let pushing = manager.patient().push_image(
            &repo,
            Some(q::PushImageOptions {
                tag: Some(tag.to_owned()),
                ..Default::default()
            }),
            None,
        );
        let mut pushing = std::pin::pin!(pushing);
        while let Some(step) = manager.watchdog.next_watched(&mut pushing).await {
            let step = step.map_err(|e| failed(self.endpoint(), Request::Push(&tagged), e))?;
            if let Some(error) = step.error_detail.and_then(|d| d.message) {
                return Err(EngineError::Failed(format!(
                    "push {tagged}: {error} (is the registry at {registry} running, and reachable from the engine?)"
                )));
            }
            if let Some(status) = step.status {
                progress(ImageProgress::Layer {
                    id: tagged.clone(),
                    status,
                });
            }
        }
        let pinned = manager
            .watchdog
            .watched(manager.docker.inspect_image(&tagged))
            .await
            .map_err(|e| failed(self.endpoint(), Request::InspectNamed(&tagged), e))?
            .repo_digests
            .unwrap_or_default()
            .into_iter()
            .find(|d| d.starts_with(&format!("{repo}@")));
        pinned.ok_or_else(|| {
            EngineError::Failed(format!("push {tagged}: the registry gave no digest for it"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_host_in_front_is_replaced_not_stacked() {
        assert_eq!(without_registry("web"), "web");
        assert_eq!(without_registry("team/web"), "team/web");
        assert_eq!(without_registry("127.0.0.1:5000/team/web"), "team/web");
        assert_eq!(without_registry("registry.example.com/web"), "web");
        assert_eq!(without_registry("localhost/web"), "web");
    }
}
