//! A Docker Swarm cluster for a test: the `solo` (one manager) or `pair` (manager + worker,
//! with a registry both reach as `127.0.0.1:5000`) cluster that `scripts/swarm-cluster.sh`
//! makes out of daemons of its own, each in a network namespace of its own. Never this
//! machine's dockerd.
//!
//! ```ignore
//! let Some(cluster) = SwarmCluster::pair() else { return };   // skipped (fails under CI=true)
//! let (ok, nodes) = cluster.docker(&["node", "ls", "-q"]);
//! let (code, out, err) = common::output(cluster.ark().args(["start", "-e", "demo"]));
//! ```
//!
//! The cluster stays up between tests and test binaries (the script reuses a healthy one, and
//! serialises concurrent callers); `.ci/run` takes it down at the end. What a test makes on it
//! is the test's to remove, by name, also when it fails.

use super::ark_isolated;
use super::own_engine::{ark_in_netns, docker_at};
use assert_cmd::Command;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command as Process;

pub struct SwarmCluster {
    /// What the cluster's env file says (`ARK_SWARM_*`).
    env: HashMap<String, String>,
}

impl SwarmCluster {
    /// The one-node cluster. `None` (and a note on stderr) where it cannot be made here;
    /// under `CI=true` that is a failure instead.
    pub fn solo() -> Option<SwarmCluster> {
        SwarmCluster::up("solo")
    }

    /// The two-node cluster with its registry; as `solo` otherwise.
    pub fn pair() -> Option<SwarmCluster> {
        SwarmCluster::up("pair")
    }

    #[allow(clippy::print_stderr)] // a skipped test says why
    fn up(name: &str) -> Option<SwarmCluster> {
        match make(name) {
            Ok(env) => Some(SwarmCluster { env }),
            Err(why) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true but the {name} swarm cluster cannot be made: {why}"
                );
                eprintln!("skipped: the {name} swarm cluster cannot be made: {why}");
                None
            }
        }
    }

    fn value(&self, key: &str) -> &str {
        self.env.get(key).map_or("", String::as_str)
    }

    /// The manager's engine URL (`unix:///…/docker.sock`), for `DOCKER_HOST`.
    pub fn manager_url(&self) -> &str {
        self.value("ARK_SWARM_MANAGER")
    }

    /// Every node's engine URL, the manager first.
    pub fn node_urls(&self) -> Vec<&str> {
        self.value("ARK_SWARM_NODES").split_whitespace().collect()
    }

    /// Every node's Swarm name (as `docker node ls` and task placements show it), same order.
    pub fn node_names(&self) -> Vec<&str> {
        self.value("ARK_SWARM_NODE_NAMES")
            .split_whitespace()
            .collect()
    }

    /// Every node's address (where its host-mode ports listen, reachable from `netns()`).
    pub fn node_addrs(&self) -> Vec<&str> {
        self.value("ARK_SWARM_NODE_ADDRS")
            .split_whitespace()
            .collect()
    }

    /// The registry every node reaches (`127.0.0.1:5000`); `None` on `solo`.
    pub fn registry(&self) -> Option<&str> {
        Some(self.value("ARK_SWARM_REGISTRY")).filter(|r| !r.is_empty())
    }

    /// The manager's network namespace (a name under /var/run/netns): clients that reach
    /// published ports run there.
    pub fn netns(&self) -> &str {
        self.value("ARK_SWARM_NETNS")
    }

    /// `docker ARGS…` against the manager: (success, trimmed stdout).
    pub fn docker(&self, args: &[&str]) -> (bool, String) {
        docker_at(self.manager_url(), args)
    }

    /// `docker ARGS…` against node `index` (0 is the manager): (success, trimmed stdout).
    pub fn docker_on(&self, index: usize, args: &[&str]) -> (bool, String) {
        let url = self.node_urls()[index];
        docker_at(url, args)
    }

    /// `ark` talking to the manager, with no user config, from the repository's root.
    pub fn ark(&self) -> Command {
        let mut command = Command::cargo_bin("ark").expect("the ark binary is built");
        ark_isolated(&mut command);
        command
            .env("DOCKER_HOST", self.manager_url())
            .current_dir(super::repo());
        command
    }

    /// `ark` as `ark()`, run inside the manager's namespace (where published ports listen).
    pub fn ark_in_netns(&self) -> Command {
        ark_in_netns(self.netns(), self.manager_url())
    }
}

/// Runs the script's `up` (quick when the cluster is already up) and reads its env file.
fn make(name: &str) -> Result<HashMap<String, String>, String> {
    let out = Process::new("bash")
        .arg(super::repo().join("scripts/swarm-cluster.sh"))
        .args(["up", name])
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .output()
        .map_err(|e| format!("scripts/swarm-cluster.sh: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    let path = state().join(name).join("env");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(parse_env(&text))
}

/// Where the script keeps its clusters (as it decides: `ARK_SWARM_STATE`, else /tmp/ark-swarm).
fn state() -> PathBuf {
    std::env::var_os("ARK_SWARM_STATE")
        .map_or_else(|| PathBuf::from("/tmp/ark-swarm"), PathBuf::from)
}

/// `KEY=value` and `KEY="a b"` lines, as the script writes them.
fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.trim_matches('"').to_owned()))
        .collect()
}
