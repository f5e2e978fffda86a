//! An app as a Swarm service spec: the same labels as a container (on the service and on
//! its tasks' containers), on the environment's overlay by the app's name in `dnsrr` mode
//! (VIP mode needs IPVS, which not every kernel has), ports published in host mode and only
//! when the environment asks, changes rolled new task first.

use super::health;
use crate::core::spec::{AppSpec, PortSpec};
use crate::runtime::api::NewRevision;
use crate::runtime::labels;
use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    EndpointSpec, EndpointSpecModeEnum, Limit, NetworkAttachmentConfig, ResourceObject,
    ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated, ServiceSpecRollbackConfig,
    ServiceSpecRollbackConfigFailureActionEnum, ServiceSpecRollbackConfigOrderEnum,
    ServiceSpecUpdateConfig, ServiceSpecUpdateConfigFailureActionEnum,
    ServiceSpecUpdateConfigOrderEnum, TaskSpec, TaskSpecContainerSpec,
    TaskSpecContainerSpecSecrets, TaskSpecResources, TaskSpecRestartPolicy,
    TaskSpecRestartPolicyConditionEnum,
};
use std::collections::HashMap;
use std::time::Duration;

/// On the service: how many replicas the environment wants, so a stopped service (scaled
/// to 0) is started again at its own size.
pub(super) const REPLICAS: &str = "dev.ark.replicas";
/// On the service: the engine's id of the image it was made from, to tell a rebuilt image.
pub(super) const IMAGE_ID: &str = "dev.ark.image-id";

/// How long a task may take to stop before it is killed.
pub(super) const STOP_GRACE: Duration = Duration::from_secs(10);
/// After a task is updated, how long Swarm watches it for failure before the next one.
const UPDATE_MONITOR: Duration = Duration::from_secs(2);

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// What a service is made from.
pub(super) struct ServiceInput<'a> {
    pub environment: &'a str,
    pub spec: &'a AppSpec,
    /// The reference tasks start from (pinned by digest when it went through a registry).
    pub image: &'a str,
    pub image_id: &'a str,
    /// The environment's network, by id when known.
    pub network: String,
    pub replicas: u64,
    /// The revision the service's spec is (on the service and its tasks).
    pub made: Option<&'a NewRevision>,
    /// The Docker secrets its file secrets are (`swarm::secrets`).
    pub secrets: Vec<TaskSpecContainerSpecSecrets>,
}

/// The service spec for one app.
pub(super) fn service_spec(input: &ServiceInput) -> ServiceSpec {
    let spec = input.spec;
    let mut container_labels = labels::of_instance(input.environment, spec, input.image);
    container_labels.insert(IMAGE_ID.into(), input.image_id.to_owned());
    container_labels.extend(input.made.map(labels::of_revision).into_iter().flatten());
    container_labels.retain(|_, v| !v.is_empty());
    let mut service_labels = container_labels.clone();
    service_labels.insert(REPLICAS.into(), spec.replicas.to_string());
    let container = TaskSpecContainerSpec {
        image: Some(input.image.to_owned()),
        // A definition's command replaces the image's CMD, as on plain Docker.
        args: spec.command.as_ref().map(|c| c.0.clone()),
        env: Some(spec.env_assignments()),
        labels: Some(container_labels),
        init: Some(spec.init),
        stop_grace_period: Some(nanos(STOP_GRACE)),
        health_check: health::of(spec),
        secrets: (!input.secrets.is_empty()).then(|| input.secrets.clone()),
        ..Default::default()
    };
    let resources = TaskSpecResources {
        limits: Some(Limit {
            nano_cpus: spec.nano_cpus(),
            memory_bytes: spec.memory_bytes(),
            ..Default::default()
        }),
        reservations: spec.memory_reservation_bytes().map(|bytes| ResourceObject {
            memory_bytes: Some(bytes),
            ..Default::default()
        }),
        ..Default::default()
    };
    let task = TaskSpec {
        container_spec: Some(container),
        resources: Some(resources),
        // A task that exits stays down, as a container does on plain Docker: ark reports
        // it (node, error, last lines) instead of Swarm restarting it out of sight.
        restart_policy: Some(TaskSpecRestartPolicy {
            condition: Some(TaskSpecRestartPolicyConditionEnum::NONE),
            ..Default::default()
        }),
        networks: Some(vec![NetworkAttachmentConfig {
            target: Some(input.network.clone()),
            aliases: Some(vec![spec.name.clone()]),
            ..Default::default()
        }]),
        ..Default::default()
    };
    ServiceSpec {
        name: Some(labels::instance_name(input.environment, &spec.name)),
        labels: Some(service_labels),
        task_template: Some(task),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(i64::try_from(input.replicas).unwrap_or(i64::MAX)),
            }),
            ..Default::default()
        }),
        update_config: Some(ServiceSpecUpdateConfig {
            parallelism: Some(1),
            order: Some(ServiceSpecUpdateConfigOrderEnum::START_FIRST),
            failure_action: Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK),
            monitor: Some(nanos(UPDATE_MONITOR)),
            ..Default::default()
        }),
        rollback_config: Some(ServiceSpecRollbackConfig {
            parallelism: Some(1),
            order: Some(ServiceSpecRollbackConfigOrderEnum::START_FIRST),
            failure_action: Some(ServiceSpecRollbackConfigFailureActionEnum::PAUSE),
            monitor: Some(nanos(UPDATE_MONITOR)),
            ..Default::default()
        }),
        endpoint_spec: Some(EndpointSpec {
            mode: Some(EndpointSpecModeEnum::DNSRR),
            ports: Some(published_ports(&spec.ports, spec.publish)),
        }),
        ..Default::default()
    }
}

/// The ports Swarm publishes: pinned ones, or all when the app says `publish: true` (the
/// engine picks a free port for an unpinned one), in host mode — ingress needs IPVS.
pub(super) fn published_ports(ports: &[PortSpec], publish: bool) -> Vec<EndpointPortConfig> {
    ports
        .iter()
        .filter(|p| p.host_port.is_some() || publish)
        .map(|p| EndpointPortConfig {
            name: Some(p.expose.clone()),
            protocol: Some(EndpointPortConfigProtocolEnum::TCP),
            target_port: Some(i64::from(p.container_port)),
            published_port: p.host_port.map(i64::from),
            publish_mode: Some(EndpointPortConfigPublishModeEnum::HOST),
        })
        .collect()
}

/// The replicas a service's labels say it should run at (1 when unsaid).
pub(super) fn wanted_replicas(service_labels: &HashMap<String, String>) -> u64 {
    service_labels
        .get(REPLICAS)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> AppSpec {
        let mut spec = AppSpec::example("web", &["api"]);
        spec.ports = vec![
            PortSpec {
                expose: "http".into(),
                container_port: 8080,
                host_port: None,
                bind: "127.0.0.1".into(),
            },
            PortSpec {
                expose: "admin".into(),
                container_port: 9000,
                host_port: Some(19000),
                bind: "127.0.0.1".into(),
            },
        ];
        spec
    }

    fn spec_of(app: &AppSpec, replicas: u64) -> ServiceSpec {
        service_spec(&ServiceInput {
            environment: "dev",
            spec: app,
            image: "web:1",
            image_id: "sha256:abc",
            network: "net-id".into(),
            replicas,
            made: None,
            secrets: Vec::new(),
        })
    }

    #[test]
    fn a_service_is_named_and_labelled_as_a_container_would_be_and_joins_by_the_apps_name() {
        let spec = spec_of(&web(), 0);
        assert_eq!(spec.name.as_deref(), Some("ark_dev_web"));
        let labels = spec.labels.clone().unwrap();
        assert_eq!(labels.get(labels::APP).map(String::as_str), Some("web"));
        assert_eq!(labels.get(REPLICAS).map(String::as_str), Some("1"));
        let task = spec.task_template.unwrap();
        let container_labels = task.container_spec.unwrap().labels.unwrap();
        assert_eq!(
            container_labels
                .get(labels::ENVIRONMENT)
                .map(String::as_str),
            Some("dev")
        );
        assert_eq!(
            container_labels.get(IMAGE_ID).map(String::as_str),
            Some("sha256:abc")
        );
        let network = &task.networks.unwrap()[0];
        assert_eq!(network.target.as_deref(), Some("net-id"));
        assert_eq!(network.aliases.as_deref(), Some(&["web".to_owned()][..]));
        assert_eq!(
            spec.endpoint_spec.unwrap().mode,
            Some(EndpointSpecModeEnum::DNSRR)
        );
    }

    #[test]
    fn only_pinned_ports_are_published_unless_the_app_says_publish_and_always_in_host_mode() {
        let pinned = spec_of(&web(), 1).endpoint_spec.unwrap().ports.unwrap();
        assert_eq!(pinned.len(), 1);
        assert_eq!(pinned[0].published_port, Some(19000));
        assert_eq!(
            pinned[0].publish_mode,
            Some(EndpointPortConfigPublishModeEnum::HOST)
        );
        let mut all = web();
        all.publish = true;
        let ports = spec_of(&all, 1).endpoint_spec.unwrap().ports.unwrap();
        assert_eq!(ports.len(), 2);
        assert_eq!(ports[0].published_port, None, "the engine picks a free one");
    }

    #[test]
    fn changes_roll_new_task_first_and_roll_back_when_the_new_one_fails() {
        let update = spec_of(&web(), 1).update_config.unwrap();
        assert_eq!(
            update.order,
            Some(ServiceSpecUpdateConfigOrderEnum::START_FIRST)
        );
        assert_eq!(
            update.failure_action,
            Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK)
        );
        let restart = spec_of(&web(), 1)
            .task_template
            .unwrap()
            .restart_policy
            .unwrap();
        assert_eq!(
            restart.condition,
            Some(TaskSpecRestartPolicyConditionEnum::NONE)
        );
    }

    #[test]
    fn the_replicas_wanted_are_read_back_from_the_label() {
        let mut three = web();
        three.replicas = 3;
        let labels = spec_of(&three, 0).labels.unwrap();
        assert_eq!(wanted_replicas(&labels), 3);
        assert_eq!(wanted_replicas(&HashMap::new()), 1);
    }
}
