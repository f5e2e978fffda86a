//! An app's output and usage on Swarm, task by task. Output comes through the manager
//! (`/tasks/{id}/logs` reaches every node) and follows the app across task replacements —
//! each task read once, from its first line, so none is lost or shown twice (Swarm's own
//! service logs drop restarted tasks). Usage and exec need the task's container, on its
//! node: the manager's own, or one the environment's `nodes:` names.

use super::cluster::Cluster;
use super::engine::SwarmRuntime;
use crate::runtime::api::{EngineError, Handle, LogLines, LogOptions, Usage, UsageStream};
use crate::runtime::docker::streams::{lines_from, log_query};
use bollard::models::{Task, TaskState};
use futures_util::stream::{LocalBoxStream, SelectAll};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::time::Duration;

/// How often a follow looks for the app's new tasks.
const NEW_TASKS: Duration = Duration::from_millis(500);

/// A task that ran (or runs) a container: one whose output there is to read.
fn has_run(task: &Task) -> bool {
    task.status
        .as_ref()
        .and_then(|s| s.container_status.as_ref())
        .and_then(|c| c.container_id.as_deref())
        .is_some_and(|id| !id.is_empty())
}

fn created_at(task: &Task) -> &str {
    task.created_at.as_deref().unwrap_or("")
}

/// One running task's container and the node it is on.
pub(super) struct Placed {
    pub container: String,
    pub node: String,
}

impl Cluster {
    /// The containers of the app's running tasks.
    pub(super) async fn running(&self, service: &str) -> Result<Vec<Placed>, EngineError> {
        Ok(self
            .tasks_of(Some(service))
            .await?
            .into_iter()
            .filter(|t| {
                t.desired_state == Some(TaskState::RUNNING)
                    && t.status.as_ref().and_then(|s| s.state) == Some(TaskState::RUNNING)
            })
            .filter_map(|t| {
                let container = t.status?.container_status?.container_id?;
                Some(Placed {
                    container,
                    node: t.node_id.unwrap_or_default(),
                })
            })
            .collect())
    }
}

impl SwarmRuntime {
    /// The app's tasks that ran a container, oldest first.
    async fn tasks_with_output(&self, service: &str) -> Result<Vec<Task>, EngineError> {
        let mut tasks: Vec<Task> = self
            .tasks_of(Some(service))
            .await?
            .into_iter()
            .filter(has_run)
            .collect();
        tasks.sort_by(|a, b| created_at(a).cmp(created_at(b)));
        Ok(tasks)
    }

    /// The first running task's container, for exec.
    pub(super) async fn one_running(&self, handle: &Handle) -> Result<Placed, EngineError> {
        self.cluster
            .running(handle.as_str())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                EngineError::NotFound("the app has no running task to run a command in".into())
            })
    }

    fn task_lines(&self, task_id: &str, options: &LogOptions) -> LogLines<'_> {
        let manager = &self.cluster.manager;
        let frames = manager
            .patient()
            .task_logs(task_id, Some(log_query(options)));
        lines_from(Box::pin(frames), self.endpoint())
    }

    /// The last `lines` lines of the app's newest task.
    pub(super) async fn tail_of_newest(
        &self,
        handle: &Handle,
        lines: usize,
    ) -> Result<Vec<String>, EngineError> {
        let Some(newest) = self.tasks_with_output(handle.as_str()).await?.pop() else {
            return Ok(Vec::new());
        };
        let options = LogOptions {
            follow: false,
            tail: Some(lines),
            ..Default::default()
        };
        let id = newest.id.unwrap_or_default();
        let mut stream = self.task_lines(&id, &options);
        let mut text = Vec::new();
        while let Some(line) = stream.next().await {
            let line = line?;
            text.push(String::from_utf8_lossy(&line.text).into_owned());
        }
        Ok(text)
    }

    /// Every task's output, oldest task first; following, new tasks join as they start
    /// and the stream ends when the app's service is gone.
    pub(super) fn task_log_stream(&self, handle: &Handle, options: LogOptions) -> LogLines<'_> {
        let service = handle.as_str().to_owned();
        struct Following<'a> {
            seen: HashSet<String>,
            open: SelectAll<LogLines<'a>>,
            first: bool,
        }
        let state = Following {
            seen: HashSet::new(),
            open: SelectAll::new(),
            first: true,
        };
        let follow = options.follow;
        if !follow {
            let all = async move {
                let tasks = match self.tasks_with_output(&service).await {
                    Ok(tasks) => tasks,
                    Err(e) => return futures_util::stream::once(async { Err(e) }).boxed_local(),
                };
                let streams: Vec<LogLines<'_>> = tasks
                    .iter()
                    .filter_map(|t| t.id.as_deref())
                    .map(|id| self.task_lines(id, &options))
                    .collect();
                futures_util::stream::iter(streams).flatten().boxed_local()
            };
            return futures_util::stream::once(all).flatten().boxed_local();
        }
        futures_util::stream::unfold(state, move |mut state| {
            let service = service.clone();
            let options = options;
            async move {
                loop {
                    if !state.first && !state.open.is_empty() {
                        tokio::select! {
                            line = state.open.next() => {
                                if let Some(line) = line {
                                    return Some((line, state));
                                }
                            }
                            () = tokio::time::sleep(NEW_TASKS) => {}
                        }
                    } else if !state.first {
                        tokio::time::sleep(NEW_TASKS).await;
                    }
                    let tasks = match self.tasks_with_output(&service).await {
                        Ok(tasks) => tasks,
                        Err(e) => return Some((Err(e), state)),
                    };
                    if tasks.is_empty() && !state.first && self.service(&service).await.is_err() {
                        return None;
                    }
                    for task in tasks {
                        let Some(id) = task.id.clone() else { continue };
                        if state.seen.insert(id.clone()) {
                            // A task after the first look is read from its first line.
                            let mut own = options;
                            if !state.first {
                                own.tail = None;
                                own.since = None;
                            }
                            state.open.push(self.task_lines(&id, &own));
                        }
                    }
                    state.first = false;
                }
            }
        })
        .boxed_local()
    }

    /// The app's usage: the sum over its running tasks, each read on its node.
    pub(super) fn usage_of(&self, handle: &Handle) -> UsageStream {
        let service = handle.as_str().to_owned();
        let cluster = self.cluster.clone();
        futures_util::stream::once(async move {
            let placed = match cluster.running(&service).await {
                Ok(placed) => placed,
                Err(e) => return futures_util::stream::once(async { Err(e) }).boxed_local(),
            };
            let mut streams: Vec<LocalBoxStream<'static, (usize, Result<Usage, EngineError>)>> =
                Vec::new();
            for (index, task) in placed.iter().enumerate() {
                match cluster.engine_of(&task.node).await {
                    Ok(engine) => streams.push(
                        engine
                            .usage_stream(&task.container)
                            .map(move |u| (index, u))
                            .boxed_local(),
                    ),
                    Err(e) => return futures_util::stream::once(async { Err(e) }).boxed_local(),
                }
            }
            summed(streams, placed.len())
        })
        .flatten()
        .boxed_local()
    }
}

/// Readings of several replicas as one: each time every replica has been read, the sum.
fn summed(
    streams: Vec<LocalBoxStream<'static, (usize, Result<Usage, EngineError>)>>,
    replicas: usize,
) -> UsageStream {
    let latest: Vec<Option<Usage>> = vec![None; replicas];
    futures_util::stream::select_all(streams)
        .scan(latest, move |latest, (index, reading)| {
            let out = match reading {
                Err(e) => Some(Err(e)),
                Ok(usage) => {
                    latest[index] = Some(usage);
                    let all: Option<Vec<Usage>> = latest.iter().copied().collect();
                    all.map(|all| {
                        latest.iter_mut().for_each(|l| *l = None);
                        Ok(Usage::total(&all))
                    })
                }
            };
            std::future::ready(Some(out))
        })
        .filter_map(std::future::ready)
        .boxed_local()
}
