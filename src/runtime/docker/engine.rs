//! `Runtime` on a Docker engine (API ≥ 1.41), through bollard. Pinned to API 1.41 so
//! nothing newer is ever used; an older engine is refused with a clear message. The work
//! lives beside this file by concept (`connect`, `containers`, `networks`, `images`,
//! `streams`); here the seam is answered.

use super::ssh::SshTunnel;
use super::watchdog::Watchdog;
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::spec::{AppSpec, PortSpec};
use crate::runtime::api::{
    is_loopback_host, Capabilities, ChangeStyle, CheckRunner, Created, Endpoint, EngineError,
    EnvironmentInfo, Handle, ImageDelivery, ImageProgress, Instance, LogLines, LogOptions,
    NewRevision, Placement, Placing, PortPublishing, PortReach, PortStream, Runtime, SeedError,
    Seeded, UsageStream,
};
use crate::runtime::labels;
use bollard::{ClientVersion, Docker};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// The newest API ark uses, and the oldest engine it supports.
pub const API_VERSION: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};

pub struct DockerRuntime {
    pub(in crate::runtime) docker: Docker,
    /// Tells a slow engine from one that stopped answering (see `watchdog`).
    pub(in crate::runtime) watchdog: Watchdog,
    /// The environment network containers attach to, by id (see `ensure_network`).
    pub(in crate::runtime) network_id: std::cell::RefCell<Option<String>>,
    pub(in crate::runtime) endpoint: Endpoint,
    pub(in crate::runtime) reach: PortReach,
    /// The login an `ssh://` engine is reached through; it ends with the runtime.
    pub(in crate::runtime) ssh: Option<SshTunnel>,
}

pub(in crate::runtime) fn unreachable(
    endpoint: &Endpoint,
    error: impl std::fmt::Display,
) -> EngineError {
    EngineError::Unreachable {
        endpoint: endpoint.clone(),
        detail: error.to_string(),
    }
}

impl DockerRuntime {
    pub(in crate::runtime) fn filters(environment: Option<&str>) -> HashMap<String, Vec<String>> {
        HashMap::from([("label".to_owned(), vec![labels::filter(environment)])])
    }

    /// A long operation gets a client without the short request timeout.
    pub(in crate::runtime) fn patient(&self) -> Docker {
        self.docker.clone().with_timeout(Duration::from_secs(3600))
    }
}

#[async_trait::async_trait(?Send)]
impl Runtime for DockerRuntime {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reach: self.reach.clone(),
            exec: true,
            usage: true,
            images: ImageDelivery::EngineStore,
            checks: CheckRunner::Ark,
            changes: ChangeStyle::Rollover,
            ports: PortPublishing::Every,
        }
    }

    fn forward_hint(&self, ip: &str, port: u16) -> Option<String> {
        match (&self.ssh, &self.reach) {
            (Some(tunnel), _) => Some(tunnel.target().forward_hint(port, ip, port)),
            (None, PortReach::Published { host }) if !is_loopback_host(host) => Some(format!(
                "{} (or give the environment `bind: 0.0.0.0`)",
                super::ssh::forward_command(port, ip, port, None, host)
            )),
            _ => None,
        }
    }

    async fn open_port(&self, ip: &str, port: u16) -> Result<PortStream, EngineError> {
        let tunnel = self.ssh.as_ref().ok_or_else(|| {
            EngineError::Failed(format!("{} carries no port forwards", self.endpoint.url))
        })?;
        let stream = tunnel
            .open_port(ip, port)
            .await
            .map_err(EngineError::Failed)?;
        Ok(Box::new(stream))
    }

    async fn list(&self, environment: Option<&str>) -> Result<Vec<Instance>, EngineError> {
        let mut serving = self.list_instances(environment).await?;
        serving.retain(|i| i.serving);
        Ok(serving)
    }

    async fn inspect(&self, handle: &Handle) -> Result<Instance, EngineError> {
        self.inspect_named(handle.as_str()).await
    }

    async fn environments(
        &self,
        environment: Option<&str>,
    ) -> Result<Vec<EnvironmentInfo>, EngineError> {
        self.networks(environment).await
    }

    async fn prepare_environment(
        &self,
        environment: &str,
        placement: &Placement,
        key: &FingerprintKey,
    ) -> Result<FingerprintKey, EngineError> {
        self.ensure_network(environment, placement, key).await
    }

    async fn remove_environment(&self, environment: &str) -> Result<(), EngineError> {
        self.remove_network(environment).await
    }

    async fn image_id(&self, image: &str) -> Result<Option<String>, EngineError> {
        self.image_id_of(image).await
    }

    async fn pull(&self, image: &str, progress: &dyn Fn(ImageProgress)) -> Result<(), EngineError> {
        self.pull_image(image, progress).await
    }

    async fn seed_busybox(&self, image: &str, busybox: &Path) -> Result<Seeded, SeedError> {
        self.seed(image, busybox).await
    }

    async fn build(
        &self,
        context: &crate::runtime::build_context::BuildContext,
        tag: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<(), EngineError> {
        self.build_image(context, tag, progress).await
    }

    async fn create(
        &self,
        environment: &str,
        spec: &AppSpec,
        image: &str,
        made: &NewRevision,
        placing: Placing,
    ) -> Result<Created, EngineError> {
        self.create_container(environment, spec, image, made, placing)
            .await
    }

    async fn revisions(
        &self,
        environment: &str,
        app: Option<&str>,
    ) -> Result<Vec<Instance>, EngineError> {
        let mut all = self.list_instances(Some(environment)).await?;
        all.retain(|i| app.is_none_or(|a| i.app == a));
        Ok(all)
    }

    async fn revive(
        &self,
        kept: &Handle,
        environment: &str,
        made: &NewRevision,
        ports: Option<&[PortSpec]>,
    ) -> Result<Created, EngineError> {
        self.revive_container(kept.as_str(), environment, made, ports)
            .await
    }

    async fn secret_values(&self, handle: &Handle) -> Result<Vec<String>, EngineError> {
        self.secret_values_of(handle.as_str(), false).await
    }

    async fn take_name(&self, new: &Handle) -> Result<(), EngineError> {
        self.give_alias(new.as_str()).await
    }

    async fn retire(
        &self,
        old: &Handle,
        successor: Option<&Handle>,
        grace: Duration,
    ) -> Result<(), EngineError> {
        self.retire_container(old.as_str(), successor.map(Handle::as_str), grace)
            .await
    }

    async fn start(&self, handle: &Handle) -> Result<(), EngineError> {
        self.start_container(handle.as_str()).await
    }

    async fn stop(&self, handle: &Handle, grace: Duration) -> Result<(), EngineError> {
        self.stop_container(handle.as_str(), grace).await
    }

    async fn remove(&self, handle: &Handle) -> Result<(), EngineError> {
        self.remove_container(handle.as_str()).await
    }

    async fn exec(&self, handle: &Handle, command: &[String]) -> Result<i64, EngineError> {
        self.exec_in(handle.as_str(), command).await
    }

    async fn exec_attached(
        &self,
        handle: &Handle,
        command: &[String],
        tty_size: Option<(u16, u16)>,
    ) -> Result<i64, EngineError> {
        self.exec_attached_in(handle.as_str(), command, tty_size)
            .await
    }

    async fn logs_tail(&self, handle: &Handle, lines: usize) -> Result<Vec<String>, EngineError> {
        self.tail_of(handle.as_str(), lines).await
    }

    fn usage(&self, handle: &Handle) -> UsageStream {
        self.usage_stream(handle.as_str())
    }

    fn logs(&self, handle: &Handle, options: LogOptions) -> LogLines<'_> {
        self.log_stream(handle.as_str(), options)
    }

    async fn remove_volumes(&self, environment: &str) -> Result<usize, EngineError> {
        self.remove_labelled_volumes(environment).await
    }
}
