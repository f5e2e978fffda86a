//! An app's service on Swarm: made ahead with no task (0 replicas), given its tasks once
//! its dependencies are ready (`start` scales it to the environment's replicas), changed in
//! place (a start-first update), scaled to 0 (`stop`) and removed — each
//! waiting until Swarm has done it, so `down` can take the network after.

use super::engine::SwarmRuntime;
use super::service_spec::{self, ServiceInput};
use crate::core::spec::AppSpec;
use crate::runtime::api::{Created, EngineError, Handle, Instance, NewRevision};
use crate::runtime::docker::request::{failed, Request};
use crate::runtime::labels;
use bollard::errors::Error as BollardError;
use bollard::models::{
    Service, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated, TaskState,
};
use bollard::query_parameters as q;
use std::time::{Duration, Instant};

/// How long removing a service may take to end its tasks, beyond their stop grace.
const TASKS_GONE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(200);

impl SwarmRuntime {
    pub(super) async fn service(&self, id: &str) -> Result<Service, EngineError> {
        let manager = &self.cluster.manager;
        manager
            .watchdog
            .watched(
                manager
                    .docker
                    .inspect_service(id, None::<q::InspectServiceOptions>),
            )
            .await
            .map_err(|e| failed(self.endpoint(), Request::InspectService, e))
    }

    fn input<'a>(
        &self,
        environment: &'a str,
        spec: &'a AppSpec,
        image: &'a str,
        image_id: &'a str,
        replicas: u64,
        made: &'a NewRevision,
    ) -> ServiceInput<'a> {
        ServiceInput {
            secrets: Vec::new(),
            environment,
            spec,
            image,
            image_id,
            made: Some(made),
            network: self.network_of(environment),
            replicas,
        }
    }

    /// The environment's network as a task joins it: by id once `prepare_environment` has
    /// found it, else by name.
    pub(super) fn network_of(&self, environment: &str) -> String {
        self.cluster
            .manager
            .network_id
            .borrow()
            .clone()
            .unwrap_or_else(|| labels::environment_name(environment))
    }

    pub(super) async fn create_service(
        &self,
        environment: &str,
        spec: &AppSpec,
        image: &str,
        made: &NewRevision,
    ) -> Result<Created, EngineError> {
        labels::check_keyed(spec)?;
        let image_id = self.image_id_for(image).await?;
        let secrets = self.secret_references(environment, spec).await?;
        // No task yet: the app gets one once its dependencies are ready (`start`).
        let input = ServiceInput {
            secrets,
            ..self.input(environment, spec, image, &image_id, 0, made)
        };
        let body = service_spec::service_spec(&input);
        let manager = &self.cluster.manager;
        match manager
            .watchdog
            .watched(manager.docker.create_service(body, None))
            .await
        {
            Ok(created) => Ok(Created::New(Handle::new(created.id.unwrap_or_default()))),
            Err(BollardError::DockerResponseServerError {
                status_code: 409,
                message,
            }) => {
                let name = labels::instance_name(environment, &spec.name);
                let holder = self
                    .inspect_service(&name)
                    .await
                    .map(Box::new)
                    .map_err(|e| format!("{message} (and cannot inspect it: {e})"));
                Ok(Created::Taken(holder))
            }
            Err(e) => Err(failed(self.endpoint(), Request::CreateService, e)),
        }
    }

    /// The engine's id of `image` (a name, or a pinned `name@sha256:…`), recorded on the
    /// service to tell a rebuilt image.
    async fn image_id_for(&self, image: &str) -> Result<String, EngineError> {
        Ok(self
            .cluster
            .manager
            .image_id_of(image)
            .await?
            .unwrap_or_default())
    }

    /// Writes `spec` to the service (at the version it was read at), once more with a
    /// fresh version when a concurrent change got in between.
    pub(super) async fn write_spec(
        &self,
        id: &str,
        change: impl Fn(ServiceSpec) -> ServiceSpec,
    ) -> Result<(), EngineError> {
        let manager = &self.cluster.manager;
        let mut attempts = 0;
        loop {
            let current = self.service(id).await?;
            let version = current.version.and_then(|v| v.index).unwrap_or(0);
            let options = q::UpdateServiceOptions {
                version: i32::try_from(version).unwrap_or(i32::MAX),
                ..Default::default()
            };
            let mut spec = change(current.spec.unwrap_or_default());
            super::health::restore(&mut spec);
            let updated = manager.docker.update_service(id, spec, options, None);
            match manager.watchdog.watched(updated).await {
                Ok(_) => return Ok(()),
                Err(BollardError::DockerResponseServerError { message, .. })
                    if message.contains("out of sequence") && attempts < 3 =>
                {
                    attempts += 1;
                }
                Err(e) => return Err(failed(self.endpoint(), Request::UpdateService, e)),
            }
        }
    }

    /// Gives the service its tasks: the replicas its labels want. A service at that size
    /// whose tasks ended (they are not restarted by Swarm) gets new ones.
    pub(super) async fn start_service(&self, id: &str) -> Result<(), EngineError> {
        let service = self.service(id).await?;
        let spec = service.spec.clone().unwrap_or_default();
        let wanted = service_spec::wanted_replicas(&spec.labels.clone().unwrap_or_default());
        let at = replicas_of(&spec);
        let running = self
            .tasks_of(Some(id))
            .await?
            .iter()
            .filter(|t| t.desired_state == Some(TaskState::RUNNING))
            .count() as u64;
        if at == wanted && running >= wanted {
            return Ok(());
        }
        let force = at == wanted;
        self.write_spec(id, |mut spec| {
            spec.mode = Some(replicated(wanted));
            if force {
                if let Some(task) = spec.task_template.as_mut() {
                    task.force_update = Some(task.force_update.unwrap_or(0) + 1);
                }
            }
            spec
        })
        .await
    }

    /// Scales the service to 0 and waits until its tasks have stopped.
    pub(super) async fn stop_service(&self, id: &str, grace: Duration) -> Result<(), EngineError> {
        self.write_spec(id, |mut spec| {
            spec.mode = Some(replicated(0));
            spec
        })
        .await?;
        self.until_no_task_runs(id, grace + TASKS_GONE).await
    }

    /// Removes the service and waits until its tasks are gone.
    pub(super) async fn remove_service(&self, id: &str) -> Result<(), EngineError> {
        let manager = &self.cluster.manager;
        match manager
            .watchdog
            .watched(manager.docker.delete_service(id))
            .await
        {
            Ok(())
            | Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(e) => return Err(failed(self.endpoint(), Request::RemoveService, e)),
        }
        // The service's tasks go with it; their containers on this node a moment later.
        // Until they have, the environment's network is still in use.
        let began = Instant::now();
        while self.containers_of_service(id).await? > 0 {
            if began.elapsed() > service_spec::STOP_GRACE + TASKS_GONE {
                return Err(EngineError::Failed(format!(
                    "service {id} was removed, but its containers are still there after {}s",
                    began.elapsed().as_secs()
                )));
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(())
    }

    /// How many containers of service `id` this node still has.
    async fn containers_of_service(&self, id: &str) -> Result<usize, EngineError> {
        let manager = &self.cluster.manager;
        let options = q::ListContainersOptions {
            all: true,
            filters: Some(std::collections::HashMap::from([(
                "label".to_owned(),
                vec![format!("com.docker.swarm.service.id={id}")],
            )])),
            ..Default::default()
        };
        let listed = manager
            .watchdog
            .watched(manager.docker.list_containers(Some(options)))
            .await
            .map_err(|e| failed(self.endpoint(), Request::ListContainers, e))?;
        Ok(listed.len())
    }

    async fn until_no_task_runs(&self, id: &str, patience: Duration) -> Result<(), EngineError> {
        let began = Instant::now();
        loop {
            let tasks = self.tasks_of(Some(id)).await?;
            let live = tasks.iter().any(|t| {
                matches!(
                    t.status.as_ref().and_then(|s| s.state),
                    Some(
                        TaskState::RUNNING
                            | TaskState::STARTING
                            | TaskState::PREPARING
                            | TaskState::ASSIGNED
                            | TaskState::ACCEPTED
                            | TaskState::READY
                    )
                )
            });
            if !live {
                return Ok(());
            }
            if began.elapsed() > patience {
                return Err(EngineError::Failed(format!(
                    "service {id}: tasks still running after {}s",
                    patience.as_secs()
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A start-first update of the service to `spec`, at the environment's replicas.
    pub(super) async fn update_service(
        &self,
        id: &str,
        environment: &str,
        spec: &AppSpec,
        image: &str,
        made: &NewRevision,
    ) -> Result<(), EngineError> {
        let image_id = self.image_id_for(image).await?;
        let secrets = self.secret_references(environment, spec).await?;
        let replicas = u64::from(spec.replicas);
        let input = ServiceInput {
            secrets,
            ..self.input(environment, spec, image, &image_id, replicas, made)
        };
        let wanted = service_spec::service_spec(&input);
        // The revision it leaves is kept, for a rollback to it.
        self.keep_spec_of(id).await?;
        self.write_spec(id, |_| wanted.clone()).await?;
        self.prune_secrets(environment, false).await;
        Ok(())
    }

    /// Retires the service: its spec kept (for a rollback to it), then stopped and removed,
    /// so a new service can take the app's name.
    pub(super) async fn retire_service(
        &self,
        id: &str,
        grace: Duration,
    ) -> Result<(), EngineError> {
        self.keep_spec_of(id).await?;
        self.stop_service(id, grace).await?;
        self.remove_service(id).await
    }

    /// The service `id` (or name) as an instance.
    pub(super) async fn inspect_service(&self, id: &str) -> Result<Instance, EngineError> {
        let service = self.service(id).await?;
        let tasks = self
            .tasks_of(Some(service.id.as_deref().unwrap_or(id)))
            .await?;
        Ok(self.instance_of(service, &tasks))
    }
}

pub(super) fn replicated(replicas: u64) -> ServiceSpecMode {
    ServiceSpecMode {
        replicated: Some(ServiceSpecModeReplicated {
            replicas: Some(i64::try_from(replicas).unwrap_or(i64::MAX)),
        }),
        ..Default::default()
    }
}

fn replicas_of(spec: &ServiceSpec) -> u64 {
    spec.mode
        .as_ref()
        .and_then(|m| m.replicated.as_ref())
        .and_then(|r| r.replicas)
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0)
}
