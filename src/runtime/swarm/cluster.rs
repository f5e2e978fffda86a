//! The swarm a manager belongs to: checked when ark connects (a manager, in swarm mode),
//! and its nodes — their names, addresses, and the engines this machine can reach them by
//! (the environment's `nodes:`), connected on first use.

use crate::runtime::api::{Endpoint, EngineError};
use crate::runtime::docker::engine::DockerRuntime;
use crate::runtime::docker::request::{failed, Request};
use bollard::models::{LocalNodeState, NodeState};
use bollard::query_parameters as q;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// One node of the swarm.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub name: String,
    /// The address the node advertises (its published ports listen there).
    pub addr: String,
    pub ready: bool,
}

pub(super) struct Cluster {
    /// The manager ark talks to.
    pub manager: Rc<DockerRuntime>,
    /// The manager's own node id: its containers are reached through `manager`.
    pub local_node: String,
    pub nodes: HashMap<String, Node>,
    /// Node name → engine URL this machine can reach (the environment's `nodes:`).
    node_urls: BTreeMap<String, String>,
    /// Engines of other nodes, connected on first use (`None`: tried, unreachable).
    engines: RefCell<HashMap<String, Option<Rc<DockerRuntime>>>>,
}

/// Why a node's containers cannot be reached from here.
pub(super) fn unreachable_node(name: &str, detail: &str) -> EngineError {
    EngineError::Unsupported(format!(
        "node {name} is not reachable from here{detail}: name its engine under `nodes:` in the environment file ({name}: tcp://HOST:2375 or ssh://USER@HOST)"
    ))
}

impl Cluster {
    /// Connects to the manager at `endpoint`; an engine that is not a manager in swarm
    /// mode is `NotSuitable`, saying what it is and what to do.
    pub async fn connect(
        endpoint: Endpoint,
        node_urls: BTreeMap<String, String>,
    ) -> Result<Cluster, EngineError> {
        let manager = DockerRuntime::connect(endpoint.clone()).await?;
        let info = manager
            .watchdog
            .watched(manager.docker.info())
            .await
            .map_err(|e| failed(&endpoint, Request::InspectSwarm, e))?;
        let swarm = info.swarm.unwrap_or_default();
        let url = &endpoint.url;
        if swarm.local_node_state != Some(LocalNodeState::ACTIVE) {
            return Err(EngineError::NotSuitable(format!(
                "swarm mode is not active on {url}: docker swarm init (there), or run the environment with `--engine docker`"
            )));
        }
        if swarm.control_available != Some(true) {
            return Err(EngineError::NotSuitable(format!(
                "{url} is a worker of a swarm; point the target at a manager (`docker node ls` on a manager lists them)"
            )));
        }
        let listed = manager
            .watchdog
            .watched(manager.docker.list_nodes(None::<q::ListNodesOptions>))
            .await
            .map_err(|e| failed(&endpoint, Request::ListNodes, e))?;
        let nodes = listed
            .into_iter()
            .filter_map(|n| {
                let status = n.status.unwrap_or_default();
                Some((
                    n.id?,
                    Node {
                        name: n.description.and_then(|d| d.hostname).unwrap_or_default(),
                        addr: status.addr.unwrap_or_default(),
                        ready: status.state == Some(NodeState::READY),
                    },
                ))
            })
            .collect();
        Ok(Cluster {
            manager: Rc::new(manager),
            local_node: swarm.node_id.unwrap_or_default(),
            nodes,
            node_urls,
            engines: RefCell::default(),
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.manager.endpoint
    }

    /// How many nodes can run tasks now.
    pub fn ready_nodes(&self) -> usize {
        self.nodes.values().filter(|n| n.ready).count()
    }

    pub fn node_name(&self, id: &str) -> String {
        self.nodes
            .get(id)
            .map_or_else(|| id.chars().take(12).collect(), |n| n.name.clone())
    }

    pub fn node_addr(&self, id: &str) -> Option<&str> {
        self.nodes
            .get(id)
            .map(|n| n.addr.as_str())
            .filter(|a| !a.is_empty())
    }

    /// The engine that holds node `id`'s containers: the manager for its own, else the
    /// one `nodes:` names for it.
    pub async fn engine_of(&self, id: &str) -> Result<Rc<DockerRuntime>, EngineError> {
        if id == self.local_node {
            return Ok(self.manager.clone());
        }
        let name = self.node_name(id);
        if let Some(known) = self.engines.borrow().get(id) {
            return known
                .clone()
                .ok_or_else(|| unreachable_node(&name, " (its engine did not answer)"));
        }
        let Some(url) = self.node_urls.get(&name) else {
            return Err(unreachable_node(&name, ""));
        };
        let endpoint = Endpoint::plain(url, "the environment's `nodes:`");
        let connected = DockerRuntime::connect(endpoint).await.ok().map(Rc::new);
        self.engines
            .borrow_mut()
            .insert(id.to_owned(), connected.clone());
        connected.ok_or_else(|| unreachable_node(&name, &format!(" ({url} did not answer)")))
    }
}
