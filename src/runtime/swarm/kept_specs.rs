//! Retired revisions on Swarm. A service holds one spec, and Swarm remembers one before it
//! (which ark's own scaling replaces), so the spec of every revision a service leaves is
//! kept on the engine: a Swarm config `ark_<env>_<app>.<n>` holding the service spec's JSON
//! (its task template with image, command, environment and checks, its ports, its labels),
//! labelled like the service was and `dev.ark.kept-spec`. A rollback to any kept revision
//! is a start-first update to that spec; `history:` trims them, `down` removes them. The
//! environment's values are in the spec as they are in the service's own: the config is on
//! the engine like the service, never in a label.

use super::engine::SwarmRuntime;
use super::service_spec::{self, IMAGE_ID};
use super::services::replicated;
use crate::runtime::api::{EngineError, Handle, Instance, NewRevision, Replicas, State};
use crate::runtime::docker::containers::rfc3339_to_unix;
use crate::runtime::docker::request::{failed, Request};
use crate::runtime::labels;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bollard::errors::Error as BollardError;
use bollard::models::{Config, ConfigSpec, ServiceSpec};
use bollard::query_parameters as q;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// On a config: it holds a retired revision's service spec.
pub(super) const KEPT_SPEC: &str = "dev.ark.kept-spec";
/// A handle to a kept spec, told apart from a service's (whose ids and names have no `:`).
const HANDLE_PREFIX: &str = "kept-spec:";
/// The longest name Swarm gives a config.
const NAME_LIMIT: usize = 64;

/// The config id a handle names, when it is a kept spec's rather than a service's.
pub(super) fn kept_config(handle: &Handle) -> Option<&str> {
    handle.as_str().strip_prefix(HANDLE_PREFIX)
}

/// The config's name for revision `number` of an app: `ark_<env>_<app>.<n>`, or, beyond
/// what Swarm allows, one made from a hash of it (the labels say whose it is).
fn config_name(environment: &str, app: &str, number: u32) -> String {
    let name = labels::revision_name(environment, app, number);
    if name.len() <= NAME_LIMIT {
        return name;
    }
    let hash = Sha256::digest(labels::instance_name(environment, app).as_bytes());
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("ark_{hex}.{number}")
}

/// `spec` recorded as revision `made`: on the service and on its tasks' containers.
pub(super) fn as_revision(spec: &mut ServiceSpec, made: &NewRevision) {
    let recorded = labels::of_revision(made);
    spec.labels
        .get_or_insert_with(HashMap::new)
        .extend(recorded.clone());
    if let Some(container) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    {
        container
            .labels
            .get_or_insert_with(HashMap::new)
            .extend(recorded);
    }
}

impl SwarmRuntime {
    /// Keeps the spec service `id` runs now as the revision its labels record, before it
    /// changes. Kept already (a concurrent ark, or an update Swarm rolled back): as it is.
    pub(super) async fn keep_spec_of(&self, id: &str) -> Result<(), EngineError> {
        let service = self.service(id).await?;
        let spec = service.spec.unwrap_or_default();
        let mut kept_labels = spec.labels.clone().unwrap_or_default();
        let recorded = labels::read_instance(&kept_labels);
        if recorded.app.is_empty() {
            return Ok(());
        }
        let number = recorded.revision.as_ref().map_or(1, |r| r.number);
        kept_labels.insert(KEPT_SPEC.to_owned(), "1".to_owned());
        let data = serde_json::to_vec(&spec)
            .map_err(|e| EngineError::Failed(format!("cannot write the service's spec: {e}")))?;
        let body = ConfigSpec {
            name: Some(config_name(&recorded.environment, &recorded.app, number)),
            labels: Some(kept_labels),
            data: Some(BASE64.encode(data)),
            templating: None,
        };
        let manager = &self.cluster.manager;
        match manager
            .watchdog
            .watched(manager.docker.create_config(body))
            .await
        {
            Ok(_)
            | Err(BollardError::DockerResponseServerError {
                status_code: 409, ..
            }) => Ok(()),
            Err(e) => Err(failed(self.endpoint(), Request::CreateConfig, e)),
        }
    }

    /// The kept specs of an environment (of one app, or all), as retired instances.
    pub(super) async fn kept_specs(
        &self,
        environment: &str,
        app: Option<&str>,
    ) -> Result<Vec<Instance>, EngineError> {
        let manager = &self.cluster.manager;
        let options = q::ListConfigsOptions {
            filters: Some(HashMap::from([(
                "label".to_owned(),
                vec![labels::filter(Some(environment)), KEPT_SPEC.to_owned()],
            )])),
        };
        let configs = manager
            .watchdog
            .watched(manager.docker.list_configs(Some(options)))
            .await
            .map_err(|e| failed(self.endpoint(), Request::ListConfigs, e))?;
        Ok(configs
            .into_iter()
            .map(kept_instance)
            .filter(|i| i.environment == environment && app.is_none_or(|a| i.app == a))
            .collect())
    }

    /// The service specs an environment keeps, decoded (one that cannot be read is left
    /// out): what a rollback could run again.
    pub(super) async fn kept_service_specs(
        &self,
        environment: &str,
    ) -> Result<Vec<ServiceSpec>, EngineError> {
        let mut specs = Vec::new();
        for kept in self.kept_specs(environment, None).await? {
            let Some(config) = kept_config(&kept.handle) else {
                continue;
            };
            if let Some(spec) = decode(self.kept_config(config).await?) {
                specs.push(spec);
            }
        }
        Ok(specs)
    }

    /// A kept spec as an instance.
    pub(super) async fn inspect_kept(&self, config: &str) -> Result<Instance, EngineError> {
        Ok(kept_instance(self.kept_config(config).await?))
    }

    async fn kept_config(&self, config: &str) -> Result<Config, EngineError> {
        let manager = &self.cluster.manager;
        manager
            .watchdog
            .watched(manager.docker.inspect_config(config))
            .await
            .map_err(|e| failed(self.endpoint(), Request::InspectConfig, e))
    }

    pub(super) async fn remove_kept_spec(&self, config: &str) -> Result<(), EngineError> {
        let manager = &self.cluster.manager;
        match manager
            .watchdog
            .watched(manager.docker.delete_config(config))
            .await
        {
            Ok(())
            | Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(failed(self.endpoint(), Request::RemoveConfig, e)),
        }
    }

    /// A start-first update of service `id` to the spec kept in `config`, as revision
    /// `made`, at the replicas that revision ran with; the spec it leaves is kept first.
    pub(super) async fn restore_service(
        &self,
        id: &str,
        config: &str,
        made: &NewRevision,
    ) -> Result<(), EngineError> {
        let mut wanted = decode(self.kept_config(config).await?).ok_or_else(|| {
            EngineError::Failed(format!("the kept revision {config} cannot be read"))
        })?;
        as_revision(&mut wanted, made);
        let replicas = service_spec::wanted_replicas(&wanted.labels.clone().unwrap_or_default());
        wanted.mode = Some(replicated(replicas));
        self.update_keeping(id, wanted).await
    }

    /// A start-first update of service `id` to `wanted` (under the service's own name), the
    /// spec it leaves kept first: a rollback's, or a promote's.
    pub(super) async fn update_keeping(
        &self,
        id: &str,
        wanted: ServiceSpec,
    ) -> Result<(), EngineError> {
        self.keep_spec_of(id).await?;
        self.write_spec(id, |now| {
            let mut spec = wanted.clone();
            // The task template changes (its revision labels), so new tasks start; the
            // count of forced updates only ever grows.
            let force = now.task_template.as_ref().and_then(|t| t.force_update);
            if let Some(template) = spec.task_template.as_mut() {
                template.force_update = force;
            }
            spec.name = now.name;
            spec
        })
        .await
    }
}

/// The service spec a kept spec's config holds.
fn decode(config: Config) -> Option<ServiceSpec> {
    let data = config.spec.and_then(|s| s.data).unwrap_or_default();
    BASE64
        .decode(data.as_bytes())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// What a kept spec's config records, as a retired instance of its app.
fn kept_instance(config: Config) -> Instance {
    let spec = config.spec.unwrap_or_default();
    let kept_labels = spec.labels.unwrap_or_default();
    let recorded = labels::read_instance(&kept_labels);
    let handle = Handle::new(format!("{HANDLE_PREFIX}{}", config.id.unwrap_or_default()));
    Instance {
        image_id: kept_labels.get(IMAGE_ID).cloned().unwrap_or_default(),
        state: State::Other("spec kept".into()),
        created: config.created_at.as_deref().map_or(0, rfc3339_to_unix),
        // No task runs it, and none is wanted.
        replicas: Some(Replicas::default()),
        ..recorded.into_instance(handle, spec.name.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::revision::Revision;
    use bollard::models::{TaskSpec, TaskSpecContainerSpec};

    #[test]
    fn a_kept_spec_is_named_after_its_revision_within_what_swarm_allows() {
        assert_eq!(config_name("dev", "web", 3), "ark_dev_web.3");
        let long = "a".repeat(60);
        let name = config_name(&long, "web", 12);
        assert!(name.len() <= NAME_LIMIT, "{name}");
        assert!(name.starts_with("ark_") && name.ends_with(".12"), "{name}");
        assert_ne!(name, config_name(&long, "api", 12));
    }

    #[test]
    fn a_restored_spec_records_its_new_revision_on_the_service_and_its_tasks() {
        let mut spec = ServiceSpec {
            labels: Some(HashMap::from([(labels::APP.to_owned(), "web".to_owned())])),
            task_template: Some(TaskSpec {
                container_spec: Some(TaskSpecContainerSpec::default()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let made = NewRevision {
            revision: Revision {
                number: 5,
                at: "2026-12-02T10:00:00Z".into(),
                by: "ada@laptop".into(),
                changed: vec!["rollback to 2".into()],
                rollback_of: Some(2),
                promoted_from: None,
                image: String::new(),
                image_id: String::new(),
            },
            lineage: Vec::new(),
        };
        as_revision(&mut spec, &made);
        let read = |l: &HashMap<String, String>| labels::read_instance(l).revision.unwrap();
        assert_eq!(read(spec.labels.as_ref().unwrap()).rollback_of, Some(2));
        let container = spec.task_template.unwrap().container_spec.unwrap();
        assert_eq!(read(&container.labels.unwrap()).number, 5);
        assert!(kept_config(&Handle::new("kept-spec:abc")) == Some("abc"));
        assert!(kept_config(&Handle::new("abc")).is_none());
    }
}
