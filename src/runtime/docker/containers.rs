//! An app's instance on Docker: a container named `ark_<env>_<app>`, labelled with ark's
//! schema (`runtime::labels`), on the environment's network.

use super::connect::OPERATION_TIMEOUT;
use super::engine::DockerRuntime;
use super::request::{failed, Request};
use crate::core::spec::{AppSpec, PortSpec};
use crate::runtime::api::{
    Created, EngineError, Handle, Instance, NewRevision, Placing, Published, State,
};
use crate::runtime::labels;
use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig, PortBinding, PortMap,
};
use bollard::query_parameters as q;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;

/// The label Swarm puts on the containers of its tasks.
const SWARM_TASK_LABEL: &str = "com.docker.swarm.task.id";

impl DockerRuntime {
    pub(in crate::runtime) async fn list_instances(
        &self,
        environment: Option<&str>,
    ) -> Result<Vec<Instance>, EngineError> {
        let options = q::ListContainersOptions {
            all: true,
            filters: Some(Self::filters(environment)),
            ..Default::default()
        };
        let summaries = self
            .watchdog
            .watched(self.docker.list_containers(Some(options)))
            .await
            .map_err(|e| failed(&self.endpoint, Request::ListContainers, e))?;
        Ok(summaries
            .into_iter()
            // A Swarm task's container carries the labels of its app too: it is the
            // service's (the Swarm backend's), not an instance of this engine's own.
            .filter(|s| {
                s.labels
                    .as_ref()
                    .is_none_or(|l| !l.contains_key(SWARM_TASK_LABEL))
            })
            .map(|s| {
                let labels_map = s.labels.clone().unwrap_or_default();
                let name = s
                    .names
                    .as_ref()
                    .and_then(|n| n.first().cloned())
                    .unwrap_or_default();
                let mut app = from_labels(s.id.clone().unwrap_or_default(), name, &labels_map);
                app.image_id = s.image_id.clone().unwrap_or_default();
                let status = s.state.map(|st| st.to_string()).unwrap_or_default();
                let exit_code = s
                    .status
                    .as_deref()
                    .and_then(exit_code_from_status)
                    .unwrap_or(0);
                app.state = state_of(&status, exit_code);
                app.created = s.created.unwrap_or(0);
                app.ports = s
                    .ports
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| {
                        Some(Published {
                            container_port: p.private_port,
                            host_ip: p.ip.unwrap_or_default(),
                            host_port: p.public_port?,
                        })
                    })
                    .collect();
                app.ip = s
                    .network_settings
                    .and_then(|n| n.networks)
                    .and_then(|n| {
                        n.get(&labels::environment_name(&app.environment))
                            .and_then(|e| e.ip_address.clone())
                    })
                    .filter(|ip| !ip.is_empty());
                app.detached = app.state == State::Running && app.ip.is_none();
                app
            })
            .collect())
    }

    /// Container `id` as the engine describes it.
    pub(in crate::runtime) async fn inspect_raw(
        &self,
        id: &str,
    ) -> Result<bollard::models::ContainerInspectResponse, EngineError> {
        self.watchdog
            .watched(
                self.docker
                    .inspect_container(id, None::<q::InspectContainerOptions>),
            )
            .await
            .map_err(|e| failed(&self.endpoint, Request::InspectContainer, e))
    }

    pub(in crate::runtime) async fn inspect_named(
        &self,
        id: &str,
    ) -> Result<Instance, EngineError> {
        let c = self.inspect_raw(id).await?;
        let labels_map = c
            .config
            .as_ref()
            .and_then(|cfg| cfg.labels.clone())
            .unwrap_or_default();
        let mut app = from_labels(
            c.id.clone().unwrap_or_default(),
            c.name.clone().unwrap_or_default(),
            &labels_map,
        );
        app.image_id = c.image.clone().unwrap_or_default();
        app.created = c.created.as_deref().map(rfc3339_to_unix).unwrap_or(0);
        if let Some(state) = &c.state {
            let status = state.status.map(|s| s.to_string()).unwrap_or_default();
            app.state = state_of(&status, state.exit_code.unwrap_or(0));
            app.health = state
                .health
                .as_ref()
                .and_then(|h| h.status)
                .map(|s| s.to_string())
                .filter(|s| !s.is_empty() && s != "none");
            app.started_at = state
                .started_at
                .clone()
                .filter(|_| app.state == State::Running);
        }
        if let Some(settings) = &c.network_settings {
            app.ip = settings
                .networks
                .as_ref()
                .and_then(|n| n.get(&labels::environment_name(&app.environment)))
                .and_then(|e| e.ip_address.clone())
                .filter(|ip| !ip.is_empty());
            for (port, bindings) in settings.ports.clone().unwrap_or_default() {
                let container_port = port
                    .split('/')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                for binding in bindings.unwrap_or_default() {
                    if let Some(host_port) = binding.host_port.and_then(|p| p.parse().ok()) {
                        app.ports.push(Published {
                            container_port,
                            host_ip: binding.host_ip.unwrap_or_default(),
                            host_port,
                        });
                    }
                }
            }
            app.ports
                .sort_by_key(|p| (p.container_port, p.host_ip.clone()));
        }
        app.detached = app.state == State::Running && app.ip.is_none();
        Ok(app)
    }

    pub(in crate::runtime) async fn create_container(
        &self,
        environment: &str,
        spec: &AppSpec,
        image: &str,
        made: &NewRevision,
        placing: Placing,
    ) -> Result<Created, EngineError> {
        labels::check_keyed(spec)?;
        let name = match placing {
            Placing::Serving => labels::instance_name(environment, &spec.name),
            Placing::Beside => labels::revision_name(environment, &spec.name, made.revision.number),
        };
        let mut instance_labels = labels::of_instance(environment, spec, image);
        instance_labels.extend(labels::of_revision(made));
        let port_bindings = port_bindings(&spec.ports);
        let env = spec.env_assignments();
        let body = ContainerCreateBody {
            image: Some(image.to_owned()),
            cmd: spec.command.as_ref().map(|c| c.0.clone()),
            env: Some(env),
            labels: Some(instance_labels),
            exposed_ports: Some(
                spec.ports
                    .iter()
                    .map(|p| format!("{}/tcp", p.container_port))
                    .collect(),
            ),
            host_config: Some(HostConfig {
                port_bindings: Some(port_bindings),
                init: Some(spec.init),
                nano_cpus: spec.nano_cpus(),
                memory: spec.memory_bytes(),
                memory_reservation: spec.memory_reservation_bytes(),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    self.network_id
                        .borrow()
                        .clone()
                        .unwrap_or_else(|| labels::environment_name(environment)),
                    EndpointSettings {
                        aliases: (placing == Placing::Serving).then(|| vec![spec.name.clone()]),
                        ..Default::default()
                    },
                )])),
            }),
            ..Default::default()
        };
        let created = self.create_named(&name, body).await?;
        let files = spec.secret_files();
        if let (Created::New(handle), false) = (&created, files.is_empty()) {
            // Before it starts, or not at all: no instance without its secrets is left.
            if let Err(e) = self.put_secret_files(handle.as_str(), &files).await {
                let _ = self.remove_container(handle.as_str()).await;
                return Err(e);
            }
        }
        Ok(created)
    }

    /// Creates container `name` from `body`; a name already taken is read back.
    pub(in crate::runtime) async fn create_named(
        &self,
        name: &str,
        body: ContainerCreateBody,
    ) -> Result<Created, EngineError> {
        let options = q::CreateContainerOptions {
            name: Some(name.to_owned()),
            ..Default::default()
        };
        match self
            .watchdog
            .watched(self.docker.create_container(Some(options), body))
            .await
        {
            Ok(created) => Ok(Created::New(Handle::new(created.id))),
            Err(BollardError::DockerResponseServerError {
                status_code: 409,
                message,
            }) => Ok(Created::Taken(self.holder_of(name, &message).await)),
            Err(e) => Err(failed(&self.endpoint, Request::CreateContainer, e)),
        }
    }

    /// What holds the container name `name`. The engine reserves a name a moment before
    /// the container that took it (a concurrent ark's) can be inspected: look again
    /// briefly before giving up.
    async fn holder_of(&self, name: &str, conflict: &str) -> Result<Box<Instance>, String> {
        let mut existing = self.inspect_named(name).await;
        for _ in 0..40 {
            if existing.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            existing = self.inspect_named(name).await;
        }
        existing
            .map(Box::new)
            .map_err(|e| format!("{conflict} (and cannot inspect it: {e})"))
    }

    /// Starts the container, and checks that it runs on its environment's network: after
    /// a crash mid-create the daemon may start a container it has forgotten the network
    /// of, which nothing can reach. That is refused as a start that cannot be done any more.
    pub(in crate::runtime) async fn start_container(&self, id: &str) -> Result<(), EngineError> {
        self.start_only(id).await?;
        let started = self.inspect_named(id).await?;
        if started.detached {
            return Err(EngineError::CannotStartAnyMore(format!(
                "start container: it runs, but not on the network of environment `{}`",
                started.environment
            )));
        }
        Ok(())
    }

    async fn start_only(&self, id: &str) -> Result<(), EngineError> {
        let started = self
            .docker
            .start_container(id, None::<q::StartContainerOptions>);
        match self.watchdog.watched(started).await {
            Ok(()) => Ok(()),
            // 304: already running — another ark started it.
            Err(BollardError::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(BollardError::DockerResponseServerError { message, .. })
                if left_by_a_cut_short_start(&message) =>
            {
                Err(EngineError::CannotStartAnyMore(format!(
                    "start container: {message}"
                )))
            }
            Err(e) => Err(failed(&self.endpoint, Request::StartContainer, e)),
        }
    }

    pub(in crate::runtime) async fn stop_container(
        &self,
        id: &str,
        grace: Duration,
    ) -> Result<(), EngineError> {
        let options = q::StopContainerOptions {
            t: Some(grace.as_secs() as i32),
            ..Default::default()
        };
        let docker = self.docker.clone().with_timeout(grace + OPERATION_TIMEOUT);
        // Stopping takes up to the grace: the watch tells a stop waiting it out from an
        // engine that stopped answering.
        match self
            .watchdog
            .watched(docker.stop_container(id, Some(options)))
            .await
        {
            Ok(()) => Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 304 | 404,
                ..
            }) => Ok(()),
            Err(e) => Err(failed(&self.endpoint, Request::StopContainer, e)),
        }
    }

    pub(in crate::runtime) async fn remove_container(&self, id: &str) -> Result<(), EngineError> {
        let options = q::RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self
            .watchdog
            .watched(self.docker.remove_container(id, Some(options)))
            .await
        {
            Ok(()) => Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(failed(&self.endpoint, Request::RemoveContainer, e)),
        }
    }

    pub(in crate::runtime) async fn exec_in(
        &self,
        id: &str,
        command: &[String],
    ) -> Result<i64, EngineError> {
        Ok(self.exec_output_in(id, command).await?.0)
    }

    /// Runs `command` in container `id`: its exit code and what it wrote on stdout.
    pub(in crate::runtime) async fn exec_output_in(
        &self,
        id: &str,
        command: &[String],
    ) -> Result<(i64, Vec<u8>), EngineError> {
        let exec_id = self.create_exec(id, command, None, false).await?;
        let mut stdout = Vec::new();
        if let bollard::exec::StartExecResults::Attached { mut output, .. } = self
            .watchdog
            .watched(self.docker.start_exec(&exec_id, None))
            .await
            .map_err(|e| failed(&self.endpoint, Request::Exec, e))?
        {
            // Read to its end; an engine that stopped answering shows in the exit code's look-up.
            while let Some(Ok(chunk)) = self.watchdog.next_watched(&mut output).await {
                if let bollard::container::LogOutput::StdOut { message } = chunk {
                    stdout.extend_from_slice(&message);
                }
            }
        }
        Ok((self.exit_code_of(&exec_id).await?, stdout))
    }

    pub(in crate::runtime) async fn exec_attached_in(
        &self,
        id: &str,
        command: &[String],
        tty_size: Option<(u16, u16)>,
    ) -> Result<i64, EngineError> {
        use tokio::io::AsyncWriteExt;
        let exec_id = self.create_exec(id, command, tty_size, true).await?;
        let options = bollard::exec::StartExecOptions {
            detach: false,
            tty: tty_size.is_some(),
            output_capacity: None,
        };
        // An interactive session may last hours: no request timeout.
        let docker = self.patient();
        let started = docker
            .start_exec(&exec_id, Some(options))
            .await
            .map_err(|e| failed(&self.endpoint, Request::Exec, e))?;
        if let Some((width, height)) = tty_size {
            let resize = bollard::exec::ResizeExecOptions { width, height };
            let _ = docker.resize_exec(&exec_id, resize).await;
        }
        if let bollard::exec::StartExecResults::Attached {
            mut output,
            mut input,
        } = started
        {
            let forward_stdin = tokio::spawn(async move {
                let mut stdin = tokio::io::stdin();
                let _ = tokio::io::copy(&mut stdin, &mut input).await;
                let _ = input.shutdown().await;
            });
            let (mut stdout, mut stderr) = (tokio::io::stdout(), tokio::io::stderr());
            while let Some(chunk) = output.next().await {
                let written = match chunk.map_err(|e| failed(&self.endpoint, Request::Exec, e))? {
                    bollard::container::LogOutput::StdErr { message } => {
                        stderr.write_all(&message).await.and(stderr.flush().await)
                    }
                    other => stdout
                        .write_all(&other.into_bytes())
                        .await
                        .and(stdout.flush().await),
                };
                if written.is_err() {
                    break;
                }
            }
            forward_stdin.abort();
        }
        self.exit_code_of(&exec_id).await
    }

    pub(in crate::runtime) async fn tail_of(
        &self,
        id: &str,
        lines: usize,
    ) -> Result<Vec<String>, EngineError> {
        let options = q::LogsOptions {
            stdout: true,
            stderr: true,
            tail: lines.to_string(),
            ..Default::default()
        };
        let mut stream = std::pin::pin!(self.docker.logs(id, Some(options)));
        let mut text = Vec::new();
        while let Some(item) = self.watchdog.next_watched(&mut stream).await {
            let chunk = item.map_err(|e| failed(&self.endpoint, Request::Logs, e))?;
            text.extend_from_slice(&chunk.into_bytes());
        }
        Ok(String::from_utf8_lossy(&text)
            .lines()
            .map(str::to_owned)
            .collect())
    }

    /// Sets up `command` to run in container `id`, its output attached (and stdin, with a
    /// terminal of `tty_size`, when `interactive`); the exec's id.
    async fn create_exec(
        &self,
        id: &str,
        command: &[String],
        tty_size: Option<(u16, u16)>,
        interactive: bool,
    ) -> Result<String, EngineError> {
        let config = bollard::exec::CreateExecOptions::<String> {
            cmd: Some(command.to_vec()),
            attach_stdin: Some(interactive),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(tty_size.is_some()),
            ..Default::default()
        };
        let created = self
            .watchdog
            .watched(self.docker.create_exec(id, config))
            .await
            .map_err(|e| failed(&self.endpoint, Request::Exec, e))?;
        Ok(created.id)
    }

    /// How a finished exec exited (-1 when the engine does not say).
    async fn exit_code_of(&self, exec_id: &str) -> Result<i64, EngineError> {
        let inspect = self
            .watchdog
            .watched(self.docker.inspect_exec(exec_id))
            .await
            .map_err(|e| failed(&self.endpoint, Request::Exec, e))?;
        Ok(inspect.exit_code.unwrap_or(-1))
    }
}

/// The engine's port bindings for `ports`: each bound to its address, on its pinned host
/// port or a free one.
pub(in crate::runtime) fn port_bindings(ports: &[PortSpec]) -> PortMap {
    ports
        .iter()
        .map(|port| {
            let binding = PortBinding {
                host_ip: Some(port.bind.clone()),
                host_port: Some(port.host_port.map(|p| p.to_string()).unwrap_or_default()),
            };
            (format!("{}/tcp", port.container_port), Some(vec![binding]))
        })
        .collect()
}

fn from_labels(id: String, name: String, labels_map: &HashMap<String, String>) -> Instance {
    let recorded = labels::read_instance(labels_map);
    let name = name.trim_start_matches('/').to_owned();
    // The app's instance holds its name; a retired revision (or one being rolled over to)
    // has its revision's.
    let serving = name == labels::instance_name(&recorded.environment, &recorded.app);
    Instance {
        serving,
        ..recorded.into_instance(Handle::new(id), name)
    }
}

fn state_of(status: &str, exit_code: i64) -> State {
    match status {
        "created" => State::Created,
        "running" => State::Running,
        "restarting" => State::Restarting,
        "paused" => State::Paused,
        "exited" => State::Exited(exit_code),
        "dead" => State::Dead,
        other => State::Other(other.to_owned()),
    }
}

/// Whether the daemon's answer to a start says that containerd still holds what an earlier
/// start of this container made (its task, or the container itself), which the daemon
/// lost track of when it was killed mid-start: it will refuse every start from now on
/// ("task <id>: already exists", "id already in use", or the shim's folder for the task
/// left behind: "failed to start shim: mkdir …/<id>: file exists"). A port that is taken ("address
/// already in use", "port is already allocated") is not that: recreating would not help.
fn left_by_a_cut_short_start(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    let task_exists = message.contains("task ") && message.contains("already exists");
    let id_in_use = message.contains("id already in use")
        || message.contains("container with given id already exists");
    let shim_left = message.contains("failed to start shim") && message.contains("file exists");
    (task_exists || id_in_use || shim_left) && !message.contains("address already in use")
}

/// `2024-05-01T10:00:00.123Z` → unix seconds (0 when unparseable): enough for ages.
pub fn rfc3339_to_unix(text: &str) -> i64 {
    crate::logs::timestamp::Timestamp::parse_prefix(text.as_bytes()).map_or(0, |(ts, _)| ts.secs)
}

/// `Exited (3) 2 minutes ago` → 3.
fn exit_code_from_status(status: &str) -> Option<i64> {
    let start = status.find('(')? + 1;
    let end = status[start..].find(')')? + start;
    status[start..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_times_parse() {
        assert_eq!(exit_code_from_status("Exited (3) 2 minutes ago"), Some(3));
        assert_eq!(exit_code_from_status("Up 5 seconds"), None);
        assert_eq!(rfc3339_to_unix("1970-01-02T00:00:01.5Z"), 86_401);
        assert_eq!(rfc3339_to_unix("2024-03-01T00:00:00Z"), 1_709_251_200);
        assert_eq!(rfc3339_to_unix("garbage"), 0);
    }

    #[test]
    fn a_start_refused_because_of_a_cut_short_start_is_told_from_other_refusals() {
        for left in [
            "task 3f2a9c: already exists",
            "failed to create task for container: id already in use",
            "OCI runtime create failed: container with given ID already exists",
            "failed to start shim: mkdir /tmp/e/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/dd97: file exists: unknown",
        ] {
            assert!(left_by_a_cut_short_start(left), "{left}");
        }
        for other in [
            "driver failed programming external connectivity: Bind for 127.0.0.1:8080 failed: port is already allocated",
            "Error starting userland proxy: listen tcp4 127.0.0.1:8080: bind: address already in use",
            "No such container: 3f2a9c",
            "OCI runtime create failed: exec: \"nope\": executable file not found in $PATH",
        ] {
            assert!(!left_by_a_cut_short_start(other), "{other}");
        }
    }
}
