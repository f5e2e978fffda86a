//! Revisions side by side on Docker: what a rollover needs from the engine. The app's name
//! on the environment's network is a network alias; the container that holds the app's
//! container name (`ark_<env>_<app>`) is its current revision, and every other one of its
//! containers is named after its revision (`ark_<env>_<app>.<n>`): one being rolled over to,
//! or a retired one, stopped and off the network. Labels cannot change on a container, so
//! where a revision stands is said by its name and its network, which can.

use super::containers;
use super::engine::DockerRuntime;
use super::request::{failed, Request};
use crate::core::spec::PortSpec;
use crate::runtime::api::{Created, EngineError, NewRevision};
use crate::runtime::labels;
use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, NetworkConnectRequest,
    NetworkDisconnectRequest, NetworkingConfig,
};
use bollard::query_parameters as q;
use std::collections::HashMap;
use std::time::Duration;

/// How long a retiring revision keeps its address after it left the app's name: requests
/// sent to it just before are answered. Measured: without it, a client looping requests
/// by name saw about one failed request in twenty rollovers; with it, none in twenty.
const DRAIN: Duration = Duration::from_secs(1);

impl DockerRuntime {
    /// A new container, beside the serving one and without the app's name, made from the
    /// config kept container `kept` ran with: the same image (by id: no tag, pull or build
    /// needed), environment, command, ports (or `ports`, another environment's) and limits,
    /// as revision `made` of `environment`.
    pub(in crate::runtime) async fn revive_container(
        &self,
        kept: &str,
        environment: &str,
        made: &NewRevision,
        ports: Option<&[PortSpec]>,
    ) -> Result<Created, EngineError> {
        let old = self.inspect_raw(kept).await?;
        let config = old.config.unwrap_or_default();
        let mut kept_labels = config.labels.unwrap_or_default();
        let app = kept_labels.get(labels::APP).cloned().unwrap_or_default();
        kept_labels.insert(labels::ENVIRONMENT.to_owned(), environment.to_owned());
        kept_labels.extend(labels::of_revision(made));
        let host = old.host_config.unwrap_or_default();
        let port_bindings = match ports {
            None => host.port_bindings,
            Some(ports) => Some(containers::port_bindings(ports)),
        };
        let as_files = labels::secrets_of(&kept_labels).iter().any(|s| s.as_file);
        let body = ContainerCreateBody {
            image: old.image.or(config.image),
            cmd: config.cmd,
            entrypoint: config.entrypoint,
            env: config
                .env
                .map(|env| crate::core::resolved_env::in_environment(env, environment)),
            labels: Some(kept_labels),
            exposed_ports: config.exposed_ports,
            working_dir: config.working_dir,
            user: config.user,
            host_config: Some(HostConfig {
                port_bindings,
                init: host.init,
                nano_cpus: host.nano_cpus,
                memory: host.memory,
                memory_reservation: host.memory_reservation,
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    labels::environment_name(environment),
                    EndpointSettings::default(),
                )])),
            }),
            ..Default::default()
        };
        let name = labels::revision_name(environment, &app, made.revision.number);
        let created = self.create_named(&name, body).await?;
        if let (Created::New(handle), true) = (&created, as_files) {
            if let Err(e) = self.copy_secret_files(kept, handle.as_str()).await {
                let _ = self.remove_container(handle.as_str()).await;
                return Err(e);
            }
        }
        Ok(created)
    }

    /// Gives container `id` the app's name on its environment's network. An alias is set
    /// when a container joins a network, so it leaves and joins again: it has served
    /// nothing yet, and its address may change (the caller probes it again). With no
    /// instance holding the app's container name, it takes that too.
    pub(in crate::runtime) async fn give_alias(&self, id: &str) -> Result<(), EngineError> {
        let new = self.inspect_named(id).await?;
        let network = labels::environment_name(&new.environment);
        self.disconnect(&network, id).await?;
        let joined = NetworkConnectRequest {
            container: id.to_owned(),
            endpoint_config: Some(EndpointSettings {
                aliases: Some(vec![new.app.clone()]),
                ..Default::default()
            }),
        };
        self.watchdog
            .watched(self.docker.connect_network(&network, joined))
            .await
            .map_err(|e| failed(&self.endpoint, Request::ConnectNetwork, e))?;
        // An app new to the environment (a promote) has no old instance to hand the app's
        // container name over at `retire`: it takes the name now. Held, it waits for that.
        let serving = labels::instance_name(&new.environment, &new.app);
        match self.rename(id, &serving).await {
            Ok(()) | Err(EngineError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Retires container `id`, named after its revision from now on, with `successor`
    /// taking the app's container name. With a successor serving, the name stops answering
    /// with the old one at once, but the old one keeps its address a moment (`DRAIN`), so
    /// requests already on their way to it are answered; then it stops, and leaves the
    /// network. With none (stop-first), it stops first, finishing what it serves.
    pub(in crate::runtime) async fn retire_container(
        &self,
        id: &str,
        successor: Option<&str>,
        grace: Duration,
    ) -> Result<(), EngineError> {
        let old = self.inspect_named(id).await?;
        let network = labels::environment_name(&old.environment);
        let number = old.revision_number();
        let retired = labels::revision_name(&old.environment, &old.app, number);
        let Some(successor) = successor else {
            self.stop_container(id, grace).await?;
            self.disconnect(&network, id).await?;
            if old.name != retired {
                self.rename(id, &retired).await?;
            }
            return Ok(());
        };
        self.disconnect(&network, id).await?;
        let kept_address = match old.ip.as_deref().filter(|_| old.is_running()) {
            Some(ip) => self.rejoin_at(&network, id, ip).await,
            None => false,
        };
        if old.name != retired {
            self.rename(id, &retired).await?;
        }
        self.rename(
            successor,
            &labels::instance_name(&old.environment, &old.app),
        )
        .await?;
        if kept_address {
            tokio::time::sleep(DRAIN).await;
        }
        self.stop_container(id, grace).await?;
        if kept_address {
            self.disconnect(&network, id).await?;
        }
        Ok(())
    }

    /// Joins container `id` to `network` again at address `ip`, without the app's name.
    /// Whether it could: only a network made with its subnet written down allows an address
    /// to be asked for (`subnet`), and an environment made by an older ark has none.
    async fn rejoin_at(&self, network: &str, id: &str, ip: &str) -> bool {
        let joined = NetworkConnectRequest {
            container: id.to_owned(),
            endpoint_config: Some(EndpointSettings {
                ipam_config: Some(EndpointIpamConfig {
                    ipv4_address: Some(ip.to_owned()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        };
        self.watchdog
            .watched(self.docker.connect_network(network, joined))
            .await
            .is_ok()
    }

    async fn rename(&self, id: &str, name: &str) -> Result<(), EngineError> {
        let options = q::RenameContainerOptions {
            name: name.to_owned(),
        };
        match self
            .watchdog
            .watched(self.docker.rename_container(id, options))
            .await
        {
            Ok(()) => Ok(()),
            // Named so already: a concurrent ark rolling over the same revision did it.
            Err(BollardError::DockerResponseServerError { message, .. })
                if message.contains("same name as its current name") =>
            {
                Ok(())
            }
            Err(e) => Err(failed(&self.endpoint, Request::RenameContainer, e)),
        }
    }

    /// Takes container `id` off `network`; one that is not on it is left as it is.
    async fn disconnect(&self, network: &str, id: &str) -> Result<(), EngineError> {
        let request = NetworkDisconnectRequest {
            container: id.to_owned(),
            force: Some(true),
        };
        match self
            .watchdog
            .watched(self.docker.disconnect_network(network, request))
            .await
        {
            Ok(()) => Ok(()),
            Err(BollardError::DockerResponseServerError { message, .. })
                if message.contains("is not connected") =>
            {
                Ok(())
            }
            Err(e) => Err(failed(&self.endpoint, Request::DisconnectNetwork, e)),
        }
    }
}
