//! `Runtime` on a Swarm manager: environments as services on an overlay network. What
//! differs from plain Docker is declared in `capabilities`; the work lives beside this file
//! (`services`, `tasks`, `streams`, `images`), and what is the same (images, builds) is the
//! manager's Docker backend.

use super::cluster::Cluster;
use super::kept_specs::kept_config;
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::spec::AppSpec;
use crate::runtime::api::{
    Capabilities, ChangeStyle, CheckRunner, Created, Destination, Endpoint, EngineError,
    EnvironmentInfo, Handle, ImageDelivery, ImageProgress, Instance, LogLines, LogOptions,
    NewRevision, Placement, Placing, PortPublishing, PortReach, PortStream, Runtime, SeedError,
    Seeded, UsageStream,
};
use crate::runtime::docker::networks::NetworkKind;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

pub struct SwarmRuntime {
    pub(super) cluster: Rc<Cluster>,
}

impl SwarmRuntime {
    /// Connects to the manager at `endpoint`; `nodes` maps node names to engines this
    /// machine can reach them by (for exec, usage).
    pub async fn connect(
        endpoint: Endpoint,
        nodes: BTreeMap<String, String>,
    ) -> Result<SwarmRuntime, EngineError> {
        let cluster = Cluster::connect(endpoint, nodes).await?;
        Ok(SwarmRuntime {
            cluster: Rc::new(cluster),
        })
    }

    pub(super) fn endpoint(&self) -> &Endpoint {
        self.cluster.endpoint()
    }
}

#[async_trait::async_trait(?Send)]
impl Runtime for SwarmRuntime {
    fn endpoint(&self) -> &Endpoint {
        self.cluster.endpoint()
    }

    fn capabilities(&self) -> Capabilities {
        let nodes = self.cluster.ready_nodes();
        Capabilities {
            // Published ports listen on the node's address; ark's probes are not used.
            reach: PortReach::Published {
                host: self.cluster.manager.reach.host().to_owned(),
            },
            exec: true,
            usage: true,
            images: if nodes > 1 {
                ImageDelivery::Registry { nodes }
            } else {
                ImageDelivery::EngineStore
            },
            checks: CheckRunner::Engine,
            changes: ChangeStyle::Rolling,
            ports: PortPublishing::AskedOnEveryInterface,
        }
    }

    fn forward_hint(&self, _ip: &str, _port: u16) -> Option<String> {
        None
    }

    async fn open_port(&self, _ip: &str, _port: u16) -> Result<PortStream, EngineError> {
        Err(EngineError::Unsupported(
            "a Swarm task's ports are reached on its node's address".into(),
        ))
    }

    async fn list(&self, environment: Option<&str>) -> Result<Vec<Instance>, EngineError> {
        self.list_services(environment).await
    }

    async fn inspect(&self, handle: &Handle) -> Result<Instance, EngineError> {
        match kept_config(handle) {
            Some(config) => self.inspect_kept(config).await,
            None => self.inspect_service(handle.as_str()).await,
        }
    }

    async fn environments(
        &self,
        environment: Option<&str>,
    ) -> Result<Vec<EnvironmentInfo>, EngineError> {
        self.cluster.manager.networks(environment).await
    }

    async fn prepare_environment(
        &self,
        environment: &str,
        placement: &Placement,
        key: &FingerprintKey,
    ) -> Result<FingerprintKey, EngineError> {
        self.cluster
            .manager
            .ensure_network_of(NetworkKind::Overlay, environment, placement, key)
            .await
    }

    async fn remove_environment(&self, environment: &str) -> Result<(), EngineError> {
        // Its services are gone by now: so is every use of its secrets.
        self.prune_secrets(environment, true).await;
        self.cluster.manager.remove_network(environment).await
    }

    async fn image_id(&self, image: &str) -> Result<Option<String>, EngineError> {
        self.cluster.manager.image_id_of(image).await
    }

    async fn pull(&self, image: &str, progress: &dyn Fn(ImageProgress)) -> Result<(), EngineError> {
        self.cluster.manager.pull_image(image, progress).await
    }

    async fn seed_busybox(&self, image: &str, busybox: &Path) -> Result<Seeded, SeedError> {
        self.cluster.manager.seed(image, busybox).await
    }

    async fn build(
        &self,
        context: &crate::runtime::build_context::BuildContext,
        tag: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<(), EngineError> {
        self.cluster
            .manager
            .build_image(context, tag, progress)
            .await
    }

    async fn create(
        &self,
        environment: &str,
        spec: &AppSpec,
        image: &str,
        made: &NewRevision,
        placing: Placing,
    ) -> Result<Created, EngineError> {
        if placing == Placing::Beside {
            return Err(EngineError::Unsupported(
                "a swarm changes a service in place (`update`); it makes no second one beside it"
                    .into(),
            ));
        }
        self.create_service(environment, spec, image, made).await
    }

    async fn start(&self, handle: &Handle) -> Result<(), EngineError> {
        self.start_service(handle.as_str()).await
    }

    async fn stop(&self, handle: &Handle, grace: Duration) -> Result<(), EngineError> {
        self.stop_service(handle.as_str(), grace).await
    }

    async fn remove(&self, handle: &Handle) -> Result<(), EngineError> {
        match kept_config(handle) {
            Some(config) => self.remove_kept_spec(config).await,
            None => self.remove_service(handle.as_str()).await,
        }
    }

    async fn exec(&self, handle: &Handle, command: &[String]) -> Result<i64, EngineError> {
        let task = self.one_running(handle).await?;
        let engine = self.cluster.engine_of(&task.node).await?;
        engine.exec_in(&task.container, command).await
    }

    async fn exec_attached(
        &self,
        handle: &Handle,
        command: &[String],
        tty_size: Option<(u16, u16)>,
    ) -> Result<i64, EngineError> {
        let task = self.one_running(handle).await?;
        let engine = self.cluster.engine_of(&task.node).await?;
        engine
            .exec_attached_in(&task.container, command, tty_size)
            .await
    }

    async fn secret_values(&self, handle: &Handle) -> Result<Vec<String>, EngineError> {
        // A running task's container holds them all, its secret files included, on its
        // node; without one, the service's spec has those delivered as variables.
        if let Ok(task) = self.one_running(handle).await {
            if let Ok(engine) = self.cluster.engine_of(&task.node).await {
                if let Ok(values) = engine.secret_values_of(&task.container, true).await {
                    return Ok(values);
                }
            }
        }
        self.secret_values_of(handle.as_str()).await
    }

    async fn logs_tail(&self, handle: &Handle, lines: usize) -> Result<Vec<String>, EngineError> {
        self.tail_of_newest(handle, lines).await
    }

    fn usage(&self, handle: &Handle) -> UsageStream {
        self.usage_of(handle)
    }

    fn logs(&self, handle: &Handle, options: LogOptions) -> LogLines<'_> {
        self.task_log_stream(handle, options)
    }

    async fn remove_volumes(&self, environment: &str) -> Result<usize, EngineError> {
        self.cluster
            .manager
            .remove_labelled_volumes(environment)
            .await
    }

    async fn update(
        &self,
        handle: &Handle,
        environment: &str,
        spec: &AppSpec,
        image: &str,
        made: &NewRevision,
    ) -> Result<(), EngineError> {
        self.update_service(handle.as_str(), environment, spec, image, made)
            .await
    }

    /// The services, and the specs kept of the revisions they left: one the service runs
    /// again (an update Swarm rolled back) is the service's.
    async fn revisions(
        &self,
        environment: &str,
        app: Option<&str>,
    ) -> Result<Vec<Instance>, EngineError> {
        let mut all = self.list_services(Some(environment)).await?;
        all.retain(|i| app.is_none_or(|a| i.app == a));
        let kept = self.kept_specs(environment, app).await?;
        let runs_again = |k: &Instance| {
            all.iter()
                .any(|s| s.app == k.app && s.revision_number() == k.revision_number())
        };
        let kept: Vec<Instance> = kept.into_iter().filter(|k| !runs_again(k)).collect();
        all.extend(kept);
        Ok(all)
    }

    async fn restore(
        &self,
        handle: &Handle,
        kept: &Handle,
        made: &NewRevision,
    ) -> Result<(), EngineError> {
        let Some(config) = kept_config(kept) else {
            return Err(EngineError::NotFound(format!(
                "{} is not a kept revision",
                kept.as_str()
            )));
        };
        self.restore_service(handle.as_str(), config, made).await
    }

    async fn promotion_refused(&self, source: &Handle) -> Result<Option<String>, EngineError> {
        self.promotion_refusal(source.as_str()).await
    }

    async fn promote(
        &self,
        source: &Handle,
        current: Option<&Handle>,
        into: &Destination<'_>,
        made: &NewRevision,
    ) -> Result<Handle, EngineError> {
        let id = self
            .promote_service(source.as_str(), current.map(Handle::as_str), into, made)
            .await?;
        Ok(Handle::new(id))
    }

    async fn retire(
        &self,
        old: &Handle,
        _successor: Option<&Handle>,
        grace: Duration,
    ) -> Result<(), EngineError> {
        self.retire_service(old.as_str(), grace).await
    }

    async fn registry_digest(&self, image: &str) -> Result<Option<String>, EngineError> {
        self.digest_of(image).await
    }

    async fn push_to(
        &self,
        image: &str,
        registry: &str,
        progress: &dyn Fn(ImageProgress),
    ) -> Result<String, EngineError> {
        self.push(image, registry, progress).await
    }
}
