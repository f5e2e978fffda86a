//! What Swarm has for an app: its service and tasks, read as one `Instance` — running once
//! every wanted replica of the current config runs (Swarm holds a task at "starting" until
//! its HEALTHCHECK passes), failed with the node's name and Swarm's words when a task of
//! the current config ended or cannot be placed.

use super::cluster::Cluster;
use super::engine::SwarmRuntime;
use super::service_spec;
use crate::runtime::api::{EngineError, Handle, Instance, Published, Replicas, State};
use crate::runtime::docker::containers::rfc3339_to_unix;
use crate::runtime::docker::request::{failed, Request};
use crate::runtime::labels;
use bollard::models::{Service, ServiceUpdateStatusStateEnum, Task, TaskState};
use bollard::query_parameters as q;
use std::collections::HashMap;

/// Task states on the way to running.
fn is_on_its_way(state: Option<TaskState>) -> bool {
    matches!(
        state,
        Some(
            TaskState::NEW
                | TaskState::ALLOCATED
                | TaskState::PENDING
                | TaskState::ASSIGNED
                | TaskState::ACCEPTED
                | TaskState::PREPARING
                | TaskState::READY
                | TaskState::STARTING
        )
    )
}

fn config_hash_of(task: &Task) -> Option<&str> {
    task.spec
        .as_ref()?
        .container_spec
        .as_ref()?
        .labels
        .as_ref()?
        .get(labels::CONFIG_HASH)
        .map(String::as_str)
}

fn state_of(task: &Task) -> Option<TaskState> {
    task.status.as_ref().and_then(|s| s.state)
}

/// When the task last changed state (RFC 3339), for ordering.
fn changed_at(task: &Task) -> &str {
    task.status
        .as_ref()
        .and_then(|s| s.timestamp.as_deref())
        .unwrap_or("")
}

impl Cluster {
    /// The tasks of one service, or of every service.
    pub(super) async fn tasks_of(&self, service: Option<&str>) -> Result<Vec<Task>, EngineError> {
        let filters =
            service.map(|id| HashMap::from([("service".to_owned(), vec![id.to_owned()])]));
        let manager = &self.manager;
        let listed = manager
            .watchdog
            .watched(
                manager
                    .docker
                    .list_tasks(Some(q::ListTasksOptions { filters })),
            )
            .await
            .map_err(|e| failed(&manager.endpoint, Request::ListTasks, e))?;
        // Asked by id, Swarm matches prefixes too: keep the service's own.
        Ok(listed
            .into_iter()
            .filter(|t| service.is_none_or(|id| t.service_id.as_deref() == Some(id)))
            .collect())
    }
}

impl SwarmRuntime {
    pub(super) async fn tasks_of(&self, service: Option<&str>) -> Result<Vec<Task>, EngineError> {
        self.cluster.tasks_of(service).await
    }

    /// "task ark_dev_api.1 on node n2: task: non-zero exit (3)".
    pub(super) fn describe_task(&self, service_name: &str, task: &Task) -> String {
        let status = task.status.clone().unwrap_or_default();
        let node = task.node_id.as_deref().map_or_else(
            || "no node".to_owned(),
            |id| format!("node {}", self.cluster.node_name(id)),
        );
        let said = status
            .err
            .filter(|e| !e.is_empty())
            .or(status.message)
            .unwrap_or_default();
        let state = status.state.map(|s| s.to_string()).unwrap_or_default();
        format!(
            "task {service_name}.{} on {node} {state}: {said}",
            task.slot.unwrap_or(0)
        )
    }

    pub(super) fn instance_of(&self, service: Service, all_tasks: &[Task]) -> Instance {
        let id = service.id.clone().unwrap_or_default();
        let spec = service.spec.clone().unwrap_or_default();
        let service_labels = spec.labels.clone().unwrap_or_default();
        let recorded = labels::read_instance(&service_labels);
        let name = spec.name.clone().unwrap_or_default();
        let wanted = spec
            .mode
            .as_ref()
            .and_then(|m| m.replicated.as_ref())
            .and_then(|r| r.replicas)
            .unwrap_or(0);
        let hash = service_labels.get(labels::CONFIG_HASH).map(String::as_str);
        let tasks: Vec<&Task> = all_tasks
            .iter()
            .filter(|t| t.service_id.as_deref() == Some(id.as_str()))
            .collect();
        let current: Vec<&Task> = tasks
            .iter()
            .copied()
            .filter(|t| config_hash_of(t) == hash)
            .collect();
        let running: Vec<&Task> = current
            .iter()
            .copied()
            .filter(|t| {
                t.desired_state == Some(TaskState::RUNNING)
                    && state_of(t) == Some(TaskState::RUNNING)
            })
            .collect();
        let on_its_way = current
            .iter()
            .filter(|t| t.desired_state == Some(TaskState::RUNNING) && is_on_its_way(state_of(t)))
            .count();
        let ready = running.len() as i64;
        let update = service.update_status.clone().unwrap_or_default();
        // A rollback of ark's own (`ark rollback`) is an update; Swarm rolls back by itself
        // only when an update failed, and pauses when a rollback failed: then it waits for
        // someone to act.
        let paused = matches!(
            update.state,
            Some(
                ServiceUpdateStatusStateEnum::PAUSED
                    | ServiceUpdateStatusStateEnum::ROLLBACK_PAUSED
            )
        );
        // The newest task of the current config that ended, and one Swarm cannot place.
        let ended = current
            .iter()
            .copied()
            .filter(|t| {
                matches!(
                    state_of(t),
                    Some(
                        TaskState::FAILED
                            | TaskState::REJECTED
                            | TaskState::COMPLETE
                            | TaskState::ORPHANED
                    )
                )
            })
            .max_by(|a, b| changed_at(a).cmp(changed_at(b)));
        let unplaceable = current.iter().copied().find(|t| {
            state_of(t) == Some(TaskState::PENDING)
                && t.status
                    .as_ref()
                    .and_then(|s| s.err.as_deref())
                    .is_some_and(|e| !e.is_empty())
        });
        let state = if paused {
            State::Failed(format!(
                "Swarm paused its update: {}",
                update.message.unwrap_or_default()
            ))
        } else if wanted == 0 {
            State::Other("stopped (0 replicas)".into())
        } else if ready >= wanted {
            State::Running
        } else if let Some(task) = unplaceable {
            State::Failed(format!(
                "cannot be placed: {}",
                self.describe_task(&name, task)
            ))
        } else if let Some(task) = ended.filter(|_| (running.len() + on_its_way) < wanted as usize)
        {
            State::Failed(self.describe_task(&name, task))
        } else {
            let what = current
                .iter()
                .filter(|t| t.desired_state == Some(TaskState::RUNNING))
                .filter_map(|t| state_of(t))
                .find(|s| *s != TaskState::RUNNING)
                .map_or_else(|| "pending".to_owned(), |s| s.to_string());
            State::Other(what)
        };
        let mut ports: Vec<Published> = running
            .iter()
            .flat_map(|t| {
                let addr = t
                    .node_id
                    .as_deref()
                    .and_then(|n| self.cluster.node_addr(n))
                    .unwrap_or("")
                    .to_owned();
                let published = t
                    .status
                    .as_ref()
                    .and_then(|s| s.port_status.as_ref())
                    .and_then(|p| p.ports.clone())
                    .unwrap_or_default();
                published.into_iter().filter_map(move |p| {
                    Some(Published {
                        container_port: u16::try_from(p.target_port?).ok()?,
                        host_ip: addr.clone(),
                        host_port: u16::try_from(p.published_port?).ok()?,
                    })
                })
            })
            .collect();
        ports.sort_by_key(|p| (p.container_port, p.host_ip.clone()));
        let mut nodes: Vec<String> = running
            .iter()
            .filter_map(|t| t.node_id.as_deref())
            .map(|n| self.cluster.node_name(n))
            .collect();
        nodes.sort();
        let started_at = running
            .iter()
            .map(|t| changed_at(t))
            .min()
            .map(str::to_owned)
            .filter(|_| state == State::Running);
        Instance {
            image_id: service_labels
                .get(service_spec::IMAGE_ID)
                .cloned()
                .unwrap_or_default(),
            created: service.created_at.as_deref().map_or(0, rfc3339_to_unix),
            started_at,
            state,
            ports,
            replicas: Some(Replicas {
                ready: u32::try_from(ready).unwrap_or(0),
                wanted: u32::try_from(wanted).unwrap_or(0),
                nodes,
            }),
            serving: true,
            ..recorded.into_instance(Handle::new(id), name)
        }
    }

    pub(super) async fn list_services(
        &self,
        environment: Option<&str>,
    ) -> Result<Vec<Instance>, EngineError> {
        let manager = &self.cluster.manager;
        let options = q::ListServicesOptions {
            filters: Some(HashMap::from([(
                "label".to_owned(),
                vec![labels::filter(environment)],
            )])),
            ..Default::default()
        };
        let services = manager
            .watchdog
            .watched(manager.docker.list_services(Some(options)))
            .await
            .map_err(|e| failed(self.endpoint(), Request::ListServices, e))?;
        if services.is_empty() {
            return Ok(Vec::new());
        }
        let tasks = self.tasks_of(None).await?;
        Ok(services
            .into_iter()
            .map(|s| self.instance_of(s, &tasks))
            .collect())
    }
}
