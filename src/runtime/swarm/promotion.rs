//! A promote on Swarm: another environment's service spec as it runs — its image (pinned by
//! digest where it went through a registry), environment, command and checks — rewritten for
//! the environment it goes to (its name, network, labels, ports and replicas) and run there:
//! a start-first update of the app's service, whose spec is kept first, or a new service.
//! Secrets delivered as files are Docker secrets of the environment they came from, which
//! its `down` removes and whose values the engine never gives back: they are read by `cat`
//! in one of its running tasks and made again as the other environment's own (refused, with
//! why, when no task can be read).

use super::engine::SwarmRuntime;
use super::kept_specs::as_revision;
use super::service_spec::{self, IMAGE_ID, REPLICAS};
use super::services::replicated;
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::secret::path_in_container;
use crate::runtime::api::{Destination, EngineError, Handle, NewRevision};
use crate::runtime::docker::request::{failed, Request};
use crate::runtime::labels;
use bollard::errors::Error as BollardError;
use bollard::models::{EndpointSpec, NetworkAttachmentConfig, ServiceSpec};
use std::collections::HashMap;

impl SwarmRuntime {
    /// Why service `id` cannot go to another environment: secrets it holds as files that no
    /// task of it can be read from.
    pub(super) async fn promotion_refusal(&self, id: &str) -> Result<Option<String>, EngineError> {
        let spec = self.service(id).await?.spec.unwrap_or_default();
        Ok(self.secret_files_in(id, &spec).await.err())
    }

    /// Service `source`'s spec as revision `made` of `into`, updated into `current` (its
    /// spec kept first) or made as a new service; the service's id. Its secret files are
    /// copied into Docker secrets of `into.environment`'s own.
    pub(super) async fn promote_service(
        &self,
        source: &str,
        current: Option<&str>,
        into: &Destination<'_>,
        made: &NewRevision,
    ) -> Result<String, EngineError> {
        let spec = self.service(source).await?.spec.unwrap_or_default();
        let files = self
            .secret_files_in(source, &spec)
            .await
            .map_err(EngineError::Unsupported)?;
        let one_node = self.cluster.ready_nodes() <= 1;
        let mut wanted = retargeted(spec, into, &self.network_of(into.environment), made);
        if one_node {
            pin_to_image_id(&mut wanted);
        }
        let secrets = if files.is_empty() {
            Vec::new()
        } else {
            let key = self.key_of(into.environment).await?;
            let files: Vec<(&str, &str)> = files
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            self.secrets_for(into.environment, into.app, &key, &files)
                .await?
        };
        if let Some(container) = wanted
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
        {
            container.secrets = (!secrets.is_empty()).then_some(secrets);
        }
        let Some(id) = current else {
            return self.create_promoted(wanted, into).await;
        };
        self.update_keeping(id, wanted).await?;
        self.prune_secrets(into.environment, false).await;
        Ok(id.to_owned())
    }

    /// The key `environment`'s network holds (`prepare_environment` made it).
    async fn key_of(&self, environment: &str) -> Result<FingerprintKey, EngineError> {
        self.cluster
            .manager
            .networks(Some(environment))
            .await?
            .into_iter()
            .find(|n| n.environment == environment)
            .map(|n| n.fingerprint_key)
            .ok_or_else(|| {
                EngineError::NotFound(format!("environment `{environment}` has no network"))
            })
    }

    /// The secret files service `id` (of `spec`) holds, (name, contents), read by `cat` in
    /// one of its running tasks: a Docker secret's value never comes back from the engine.
    /// Why they cannot be read, in a user's words.
    async fn secret_files_in(
        &self,
        id: &str,
        spec: &ServiceSpec,
    ) -> Result<Vec<(String, String)>, String> {
        let names = file_secret_names(spec);
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let service_labels = spec.labels.clone().unwrap_or_default();
        let recorded = labels::read_instance(&service_labels);
        let (app, from) = (recorded.app, recorded.environment);
        let (as_what, it, them) = if names.len() == 1 {
            ("a file", "it is a Docker secret", "it")
        } else {
            ("files", "they are Docker secrets", "them")
        };
        let held = format!("`{app}` holds {} as {as_what}", names.join(", "));
        let why = |what: String| {
            format!("{held}: on a swarm {it}, which the engine never gives back, and {what}")
        };
        let task = self.one_running(&Handle::new(id)).await.map_err(|_| {
            why(format!(
                "no task of `{app}` runs in `{from}` to read {them} from: start it there first"
            ))
        })?;
        let engine = self
            .cluster
            .engine_of(&task.node)
            .await
            .map_err(|e| why(format!("its task cannot be read: {e}")))?;
        let mut files = Vec::new();
        for name in names {
            let cat = ["cat".to_owned(), path_in_container(&name)];
            match engine.exec_output_in(&task.container, &cat).await {
                Ok((0, bytes)) => files.push((name, String::from_utf8_lossy(&bytes).into_owned())),
                Ok((code, _)) => {
                    return Err(why(format!("`cat` of {name} in its task exited {code}")))
                }
                Err(e) => return Err(why(format!("its task cannot be read: {e}"))),
            }
        }
        Ok(files)
    }

    async fn create_promoted(
        &self,
        spec: ServiceSpec,
        into: &Destination<'_>,
    ) -> Result<String, EngineError> {
        let manager = &self.cluster.manager;
        match manager
            .watchdog
            .watched(manager.docker.create_service(spec, None))
            .await
        {
            Ok(created) => Ok(created.id.unwrap_or_default()),
            Err(BollardError::DockerResponseServerError {
                status_code: 409, ..
            }) => Err(EngineError::Conflict(format!(
                "another ark is making `{}` in `{}` right now: run it again",
                into.app, into.environment
            ))),
            Err(e) => Err(failed(self.endpoint(), Request::CreateService, e)),
        }
    }
}

/// The names of the secrets a spec holds as files.
fn file_secret_names(spec: &ServiceSpec) -> Vec<String> {
    let container = spec
        .task_template
        .as_ref()
        .and_then(|t| t.container_spec.as_ref());
    let recorded = container
        .and_then(|c| c.labels.as_ref())
        .map(labels::secrets_of)
        .unwrap_or_default();
    let names: Vec<String> = recorded
        .into_iter()
        .filter(|s| s.as_file)
        .map(|s| s.name)
        .collect();
    if !names.is_empty() {
        return names;
    }
    // Docker secrets its labels do not name (never written by ark): by their files.
    container
        .and_then(|c| c.secrets.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|s| s.file.as_ref().and_then(|f| f.name.clone()))
        .collect()
}

/// `spec` as the service of `into.app` in `into.environment`: its name, network (by the
/// app's name), labels (the environment, revision `made`, its replicas), ports and
/// replicas; what runs — image, environment, command, checks, limits — as it was.
fn retargeted(
    mut spec: ServiceSpec,
    into: &Destination<'_>,
    network: &str,
    made: &NewRevision,
) -> ServiceSpec {
    spec.name = Some(labels::instance_name(into.environment, into.app));
    let environment = (labels::ENVIRONMENT.to_owned(), into.environment.to_owned());
    let service_labels = spec.labels.get_or_insert_with(HashMap::new);
    service_labels.extend([
        environment.clone(),
        (REPLICAS.to_owned(), into.replicas.to_string()),
    ]);
    if let Some(template) = spec.task_template.as_mut() {
        if let Some(container) = template.container_spec.as_mut() {
            container
                .labels
                .get_or_insert_with(HashMap::new)
                .extend([environment]);
            container.env = container
                .env
                .take()
                .map(|env| crate::core::resolved_env::in_environment(env, into.environment));
        }
        template.networks = Some(vec![NetworkAttachmentConfig {
            target: Some(network.to_owned()),
            aliases: Some(vec![into.app.to_owned()]),
            ..Default::default()
        }]);
        template.force_update = None;
    }
    as_revision(&mut spec, made);
    let endpoint = spec.endpoint_spec.get_or_insert_with(EndpointSpec::default);
    endpoint.ports = Some(service_spec::published_ports(into.ports, into.publish));
    spec.mode = Some(replicated(u64::from(into.replicas)));
    spec
}

/// On one node, a tag can move (a rebuild in the environment it came from): the tasks run
/// the image by the id it ran as. On several, the reference is pinned by digest already
/// (`swarm::images`), and an id would name nothing on the other nodes.
fn pin_to_image_id(spec: &mut ServiceSpec) {
    let image_id = spec
        .labels
        .as_ref()
        .and_then(|l| l.get(IMAGE_ID))
        .filter(|id| id.starts_with("sha256:"))
        .cloned();
    let container = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut());
    if let (Some(id), Some(container)) = (image_id, container) {
        if !container.image.as_deref().is_some_and(|i| i.contains('@')) {
            container.image = Some(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::revision::Revision;
    use crate::core::spec::PortSpec;
    use bollard::models::{TaskSpec, TaskSpecContainerSpec};

    fn made(number: u32) -> NewRevision {
        NewRevision {
            revision: Revision {
                number,
                at: "2026-12-02T10:00:00Z".into(),
                by: "ada@laptop".into(),
                changed: vec!["promoted from review (revision 1)".into()],
                rollback_of: None,
                promoted_from: Some("review".into()),
                image: String::new(),
                image_id: String::new(),
            },
            lineage: Vec::new(),
        }
    }

    fn review_web(secrets: &str) -> ServiceSpec {
        let container_labels = HashMap::from([
            (labels::ENVIRONMENT.to_owned(), "review".to_owned()),
            (labels::APP.to_owned(), "web".to_owned()),
            (labels::SECRETS.to_owned(), secrets.to_owned()),
        ]);
        ServiceSpec {
            name: Some("ark_review_web".into()),
            labels: Some(HashMap::from([
                (labels::ENVIRONMENT.to_owned(), "review".to_owned()),
                (labels::APP.to_owned(), "web".to_owned()),
                (REPLICAS.to_owned(), "1".to_owned()),
            ])),
            task_template: Some(TaskSpec {
                container_spec: Some(TaskSpecContainerSpec {
                    image: Some("127.0.0.1:5000/web@sha256:abc".into()),
                    env: Some(vec!["APP_VERSION=5".into()]),
                    labels: Some(container_labels),
                    ..Default::default()
                }),
                networks: Some(vec![NetworkAttachmentConfig {
                    target: Some("review-net".into()),
                    aliases: Some(vec!["web".into()]),
                    ..Default::default()
                }]),
                force_update: Some(4),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_promoted_spec_runs_what_ran_on_the_environments_own_network_labels_ports_and_size() {
        let ports = [
            PortSpec {
                expose: "http".into(),
                container_port: 8080,
                host_port: Some(18091),
                bind: "127.0.0.1".into(),
            },
            PortSpec {
                expose: "admin".into(),
                container_port: 9000,
                host_port: None,
                bind: "127.0.0.1".into(),
            },
        ];
        let into = Destination {
            environment: "staging",
            app: "web",
            ports: &ports,
            publish: false,
            replicas: 2,
        };
        let spec = retargeted(review_web(""), &into, "staging-net", &made(3));
        assert_eq!(spec.name.as_deref(), Some("ark_staging_web"));
        let service_labels = spec.labels.clone().unwrap();
        let read = labels::read_instance(&service_labels);
        assert_eq!(read.environment, "staging");
        let revision = read.revision.unwrap();
        assert_eq!(revision.number, 3);
        assert_eq!(revision.promoted_from.as_deref(), Some("review"));
        assert_eq!(service_spec::wanted_replicas(&service_labels), 2);
        let task = spec.task_template.unwrap();
        let container = task.container_spec.unwrap();
        assert_eq!(
            container.image.as_deref(),
            Some("127.0.0.1:5000/web@sha256:abc")
        );
        assert_eq!(container.env.unwrap(), ["APP_VERSION=5"]);
        let container_labels = container.labels.unwrap();
        assert_eq!(
            labels::read_instance(&container_labels).environment,
            "staging"
        );
        let network = &task.networks.unwrap()[0];
        assert_eq!(network.target.as_deref(), Some("staging-net"));
        assert_eq!(task.force_update, None);
        let published = spec.endpoint_spec.unwrap().ports.unwrap();
        assert_eq!(published.len(), 1, "only the pinned one: {published:?}");
        assert_eq!(published[0].published_port, Some(18091));
    }

    #[test]
    fn on_one_node_a_tag_is_pinned_to_the_image_id_it_ran_as_and_a_digest_stays() {
        let mut tagged = review_web("");
        let labels = tagged.labels.as_mut().unwrap();
        labels.insert(IMAGE_ID.to_owned(), "sha256:0123".to_owned());
        let container = |s: &ServiceSpec| {
            s.task_template
                .as_ref()
                .unwrap()
                .container_spec
                .as_ref()
                .unwrap()
                .image
                .clone()
        };
        let mut pinned = tagged.clone();
        pin_to_image_id(&mut pinned);
        assert_eq!(
            container(&pinned).as_deref(),
            Some("127.0.0.1:5000/web@sha256:abc")
        );
        let template = tagged.task_template.as_mut().unwrap();
        template.container_spec.as_mut().unwrap().image = Some("ark/web:local".into());
        pin_to_image_id(&mut tagged);
        assert_eq!(container(&tagged).as_deref(), Some("sha256:0123"));
    }

    #[test]
    fn the_secrets_held_as_files_are_named_by_the_label() {
        let names = file_secret_names(&review_web("API_TOKEN,TLS_KEY:file,DB_KEY:file"));
        assert_eq!(names, ["TLS_KEY", "DB_KEY"]);
        assert!(file_secret_names(&review_web("API_TOKEN")).is_empty());
    }
}
