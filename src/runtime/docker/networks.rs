//! An environment's space on Docker: one bridge network `ark_<env>` (safe against a
//! concurrent ark), and the named volumes labelled with the environment.

use super::engine::DockerRuntime;
use super::request::{failed, Request};
use crate::core::fingerprint_key::FingerprintKey;
use crate::runtime::api::{EngineError, EnvironmentInfo, Placement};
use crate::runtime::labels;
use bollard::errors::Error as BollardError;
use bollard::models::NetworkCreateRequest;
use bollard::query_parameters as q;
use std::time::Duration;

/// How long removing a network waits for the engine to release its removed containers'
/// endpoints.
const ENDPOINTS_RELEASED: Duration = Duration::from_secs(10);

/// What an environment's network is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::runtime) enum NetworkKind {
    /// One engine's bridge.
    Bridge,
    /// A Swarm overlay across the cluster's nodes.
    Overlay,
}

impl NetworkKind {
    fn driver(self) -> &'static str {
        match self {
            NetworkKind::Bridge => "bridge",
            NetworkKind::Overlay => "overlay",
        }
    }
}

impl DockerRuntime {
    pub(in crate::runtime) async fn networks(
        &self,
        environment: Option<&str>,
    ) -> Result<Vec<EnvironmentInfo>, EngineError> {
        let options = q::ListNetworksOptions {
            filters: Some(Self::filters(environment)),
        };
        let networks = self
            .watchdog
            .watched(self.docker.list_networks(Some(options)))
            .await
            .map_err(|e| failed(&self.endpoint, Request::ListNetworks, e))?;
        let mut found: Vec<EnvironmentInfo> = networks
            .into_iter()
            .map(|n| {
                let labels_map = n.labels.unwrap_or_default();
                let id = n.id.unwrap_or_default();
                EnvironmentInfo {
                    fingerprint_key: labels::fingerprint_key_of(&labels_map, &id),
                    id,
                    name: n.name.unwrap_or_default(),
                    environment: labels::environment_of(&labels_map),
                    created: n.created.unwrap_or_default(),
                    placement: labels::placement_of(&labels_map),
                }
            })
            .collect();
        found.sort_by(|a, b| a.created.cmp(&b.created));
        Ok(found)
    }

    pub(in crate::runtime) async fn ensure_network(
        &self,
        environment: &str,
        placement: &Placement,
        key: &FingerprintKey,
    ) -> Result<FingerprintKey, EngineError> {
        self.ensure_network_of(NetworkKind::Bridge, environment, placement, key)
            .await
    }

    /// The same, of `kind`: a Swarm environment's network spans its nodes.
    pub(in crate::runtime) async fn ensure_network_of(
        &self,
        kind: NetworkKind,
        environment: &str,
        placement: &Placement,
        key: &FingerprintKey,
    ) -> Result<FingerprintKey, EngineError> {
        let name = labels::environment_name(environment);
        let named = |all: Vec<EnvironmentInfo>| -> Vec<EnvironmentInfo> {
            all.into_iter().filter(|n| n.name == name).collect()
        };
        let mut existing = named(self.networks(Some(environment)).await?);
        let mut created = None;
        if existing.is_empty() {
            let request = NetworkCreateRequest {
                name: name.clone(),
                driver: Some(kind.driver().into()),
                // Attachable, so a plain container (a user's debugging shell) can join it.
                attachable: Some(kind == NetworkKind::Overlay),
                labels: Some(labels::of_environment(environment, placement, key)),
                ..Default::default()
            };
            // A bridge gets its subnet written down, so a retiring revision can keep its
            // address (see `subnet`). Taken meanwhile by another network: made without.
            let with_subnet = match kind {
                NetworkKind::Bridge => self.free_subnet().await,
                NetworkKind::Overlay => None,
            };
            let made = match with_subnet {
                Some(ipam) => {
                    let asked = NetworkCreateRequest {
                        ipam: Some(ipam),
                        ..request.clone()
                    };
                    match self
                        .watchdog
                        .watched(self.docker.create_network(asked))
                        .await
                    {
                        Err(BollardError::DockerResponseServerError { message, .. })
                            if message.contains("overlap") =>
                        {
                            self.watchdog
                                .watched(self.docker.create_network(request))
                                .await
                        }
                        other => other,
                    }
                }
                None => {
                    self.watchdog
                        .watched(self.docker.create_network(request))
                        .await
                }
            };
            let response = made.map_err(|e| failed(&self.endpoint, Request::CreateNetwork, e))?;
            created = Some(response.id);
            existing = named(self.networks(Some(environment)).await?);
        }
        // Docker allows two networks with one name. When two ark runs raced, each picks the
        // same one (the first by creation time, then id) and attaches by id, so the name is
        // never ambiguous for them; the loser removes the network it made.
        // By time, not text: the engine trims trailing zeros from nanoseconds, so `.12Z`
        // sorts before `.1Z` as text, and two racers could each think they won.
        let created_at = |n: &EnvironmentInfo| {
            crate::logs::timestamp::Timestamp::parse_prefix(n.created.as_bytes())
                .map(|(ts, _)| (ts.secs, ts.nanos))
        };
        existing.sort_by(|a, b| (created_at(a), &a.id).cmp(&(created_at(b), &b.id)));
        let (winner, winner_key) = existing
            .first()
            .map(|n| (n.id.clone(), n.fingerprint_key.clone()))
            .ok_or_else(|| EngineError::Failed(format!("network {name} vanished")))?;
        if let Some(mine) = created.filter(|mine| *mine != winner) {
            // The engine may still be settling the network it just made: try a few times.
            for _ in 0..20 {
                match self
                    .watchdog
                    .watched(self.docker.remove_network(&mine))
                    .await
                {
                    Ok(())
                    | Err(BollardError::DockerResponseServerError {
                        status_code: 404, ..
                    }) => break,
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
        *self.network_id.borrow_mut() = Some(winner);
        Ok(winner_key)
    }

    pub(in crate::runtime) async fn remove_network(
        &self,
        environment: &str,
    ) -> Result<(), EngineError> {
        let name = labels::environment_name(environment);
        for network in self
            .networks(Some(environment))
            .await?
            .into_iter()
            .filter(|n| n.name == name)
        {
            self.remove_network_by_id(&network.id).await?;
        }
        Ok(())
    }

    /// Removes one network. Right after its containers were removed, a busy engine may
    /// still hold their endpoints for a moment ("has active endpoints", measured with 50
    /// containers removed at once): wait for it to let go, a bounded while.
    async fn remove_network_by_id(&self, id: &str) -> Result<(), EngineError> {
        let began = std::time::Instant::now();
        let mut delay = Duration::from_millis(50);
        loop {
            match self.watchdog.watched(self.docker.remove_network(id)).await {
                Ok(())
                | Err(BollardError::DockerResponseServerError {
                    status_code: 404, ..
                }) => return Ok(()),
                Err(BollardError::DockerResponseServerError { message, .. })
                    if message.contains("active endpoints")
                        && began.elapsed() < ENDPOINTS_RELEASED =>
                {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
                Err(e) => return Err(failed(&self.endpoint, Request::RemoveNetwork, e)),
            }
        }
    }

    pub(in crate::runtime) async fn remove_labelled_volumes(
        &self,
        environment: &str,
    ) -> Result<usize, EngineError> {
        let options = q::ListVolumesOptions {
            filters: Some(Self::filters(Some(environment))),
        };
        let listed = self
            .watchdog
            .watched(self.docker.list_volumes(Some(options)))
            .await
            .map_err(|e| failed(&self.endpoint, Request::ListVolumes, e))?;
        let mut removed = 0;
        for volume in listed.volumes.unwrap_or_default() {
            let removing = self
                .docker
                .remove_volume(&volume.name, None::<q::RemoveVolumeOptions>);
            self.watchdog
                .watched(removing)
                .await
                .map_err(|e| failed(&self.endpoint, Request::RemoveVolume, e))?;
            removed += 1;
        }
        Ok(removed)
    }
}
