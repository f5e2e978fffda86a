//! The test clusters themselves (`common::swarm`, made by `scripts/swarm-cluster.sh`): the
//! pair really is two nodes, a service spreads over both, its tasks find each other by name
//! across the nodes, and node 2 runs an image that reached it only through the registry.

mod common;

use common::swarm::SwarmCluster;
use std::time::{Duration, Instant};

/// What one test makes on the cluster, all under one name; removed when dropped, also when
/// the test fails.
struct Made<'a> {
    cluster: &'a SwarmCluster,
    name: String,
    image: String,
}

impl Drop for Made<'_> {
    fn drop(&mut self) {
        let _ = self.cluster.docker(&["service", "rm", &self.name]);
        // The network and the images go once the service's containers are gone on every node.
        let filter = format!("label=com.docker.swarm.service.name={}", self.name);
        for node in 0..self.cluster.node_urls().len() {
            let _ = await_true(Duration::from_secs(30), || {
                let (ok, ids) = self
                    .cluster
                    .docker_on(node, &["ps", "-aq", "--filter", &filter]);
                ok && ids.is_empty()
            });
            let _ = self.cluster.docker_on(node, &["image", "rm", &self.image]);
            // A task's image is pulled by digest, with no tag: removed by name and digest
            // (never by id: on the manager that id is busybox's too).
            let repository = self.image.trim_end_matches(":latest");
            let (_, pulled) = self.cluster.docker_on(
                node,
                &[
                    "image",
                    "ls",
                    "--digests",
                    "--format",
                    "{{.Repository}}@{{.Digest}}",
                ],
            );
            for reference in pulled
                .lines()
                .filter(|r| r.split('@').next() == Some(repository))
            {
                let _ = self.cluster.docker_on(node, &["image", "rm", reference]);
            }
        }
        let _ = self.cluster.docker(&["network", "rm", &self.name]);
    }
}

/// Polls `condition` until it holds or `patience` runs out; whether it held.
fn await_true(patience: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let began = Instant::now();
    while !condition() {
        if began.elapsed() > patience {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    true
}

#[test]
fn pair_spreads_a_service_over_both_nodes_and_finds_it_by_name() {
    let Some(cluster) = SwarmCluster::pair() else {
        return;
    };
    let registry = cluster.registry().expect("the pair has a registry");
    let (ok, ready) = cluster.docker(&["node", "ls", "--format", "{{.Hostname}} {{.Status}}"]);
    assert!(ok, "the manager lists its nodes");
    let mut ready: Vec<&str> = ready.lines().collect();
    ready.sort_unstable();
    let mut expected: Vec<String> = cluster
        .node_names()
        .iter()
        .map(|n| format!("{n} Ready"))
        .collect();
    expected.sort_unstable();
    assert_eq!(ready, expected, "two nodes, both ready");

    let name = format!("ark-swarm-test-{}", std::process::id());
    let made = Made {
        cluster: &cluster,
        image: format!("{registry}/{name}:latest"),
        name,
    };
    let name = made.name.as_str();
    // The image exists on the manager only; node 2 can get it only from the registry.
    assert!(cluster.docker(&["tag", "busybox:latest", &made.image]).0);
    let (pushed, _) = cluster.docker(&["push", "-q", &made.image]);
    assert!(pushed, "{} is pushed to the registry", made.image);
    assert!(
        !cluster.docker_on(1, &["image", "inspect", &made.image]).0,
        "node 2 has no copy of its own"
    );
    assert!(
        cluster
            .docker(&[
                "network",
                "create",
                "--driver",
                "overlay",
                "--attachable",
                name
            ])
            .0
    );
    let (created, out) = cluster.docker(&[
        "service",
        "create",
        "--detach",
        "--name",
        name,
        "--network",
        name,
        "--endpoint-mode",
        "dnsrr",
        "--replicas",
        "2",
        "--replicas-max-per-node",
        "1",
        // httpd as pid 1 ignores SIGTERM: no 10 s grace at removal.
        "--stop-signal",
        "KILL",
        &made.image,
        "sh",
        "-c",
        "hostname > /www/index.html; exec httpd -f -p 80 -h /www",
    ]);
    assert!(created, "the service is created: {out}");

    let mut nodes = Vec::new();
    let both_running = await_true(Duration::from_secs(60), || {
        let (_, out) = cluster.docker(&[
            "service",
            "ps",
            name,
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Node}} {{.CurrentState}}",
        ]);
        nodes = out
            .lines()
            .filter(|l| l.contains(" Running "))
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_owned)
            .collect();
        nodes.len() == 2
    });
    let (_, tasks) = cluster.docker(&["service", "ps", "--no-trunc", name]);
    assert!(both_running, "both tasks run; the tasks:\n{tasks}");
    nodes.sort_unstable();
    let mut names: Vec<String> = cluster
        .node_names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    names.sort_unstable();
    assert_eq!(
        nodes, names,
        "one task on each node (node 2's image came from the registry)"
    );

    // From a container on the manager: the alias names both tasks, and each answers.
    let script = format!(
        "for ip in $(nslookup {name} | awk '/^Address/ && !/:53/ {{print $NF}}'); do \
         echo \"$ip $(timeout 3 wget -qO- http://$ip/)\"; done"
    );
    let (ran, answers) = cluster.docker(&[
        "run",
        "--rm",
        "--network",
        name,
        "busybox:latest",
        "sh",
        "-c",
        &script,
    ]);
    assert!(ran, "the probe runs: {answers}");
    let hosts: std::collections::BTreeSet<&str> = answers
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        hosts.len(),
        2,
        "both tasks answer by the service's name across the nodes:\n{answers}"
    );
}

#[test]
fn solo_is_a_one_node_manager_with_busybox_and_no_registry() {
    let Some(cluster) = SwarmCluster::solo() else {
        return;
    };
    let (ok, state) = cluster.docker(&[
        "info",
        "--format",
        "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.Nodes}}",
    ]);
    assert!(ok, "the manager answers");
    assert_eq!(state, "active true 1", "an active manager, one node");
    assert_eq!(cluster.node_urls(), [cluster.manager_url()]);
    assert_eq!(cluster.registry(), None);
    assert!(
        cluster.docker(&["image", "inspect", "busybox:latest"]).0,
        "busybox:latest is loaded into the manager"
    );
    // ark runs inside the manager's namespace (where its published ports listen).
    let (code, out, err) = common::output(cluster.ark_in_netns().arg("--version"));
    assert_eq!(code, 0, "ark runs in {}: {out}{err}", cluster.netns());
}
