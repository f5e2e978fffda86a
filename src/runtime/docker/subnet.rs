//! A subnet for an environment's bridge network, written into the network's config. Docker
//! lets a container rejoin a network at a given address only on a network whose subnet was
//! given when it was made; a rollover needs that, so a retiring revision keeps its address
//! (and its open connections) after it leaves the app's name (`revisions`). Which subnet is
//! free is the engine's to know (its address pools, the host's routes): ark asks it with a
//! probe network, made and removed at once, and gives the environment's network the same.

use super::engine::DockerRuntime;
use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters as q;
use std::collections::HashMap;

/// The label of the short-lived probe network (never an environment's).
const PROBE_LABEL: &str = "dev.ark.subnet-probe";

impl DockerRuntime {
    /// The subnet (and gateway) the engine would give a new bridge network now; `None`
    /// when it cannot be learnt, and the network is made without one.
    pub(in crate::runtime) async fn free_subnet(&self) -> Option<Ipam> {
        let name = format!(
            "ark-subnet-probe-{}-{}",
            std::process::id(),
            crate::logs::timestamp::Timestamp::now().nanos
        );
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".into()),
            labels: Some(HashMap::from([(PROBE_LABEL.to_owned(), "1".to_owned())])),
            ..Default::default()
        };
        let created = self
            .watchdog
            .watched(self.docker.create_network(request))
            .await
            .ok()?;
        let inspected = self
            .watchdog
            .watched(
                self.docker
                    .inspect_network(&created.id, None::<q::InspectNetworkOptions>),
            )
            .await;
        let _ = self
            .watchdog
            .watched(self.docker.remove_network(&created.id))
            .await;
        let config = inspected.ok()?.ipam?.config?.into_iter().next()?;
        Some(Ipam {
            config: Some(vec![IpamConfig {
                subnet: Some(config.subnet?),
                gateway: config.gateway,
                ..Default::default()
            }]),
            ..Default::default()
        })
    }
}
