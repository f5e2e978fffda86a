#!/usr/bin/env bash
# swarm-cluster.sh — Docker Swarm clusters for ark's tests, made of daemons of their own.
#
#   scripts/swarm-cluster.sh up|down|status [solo|pair|all]      (default: all)
#
# Each node is a dockerd of its own (own data root, so it starts with no images; vfs storage)
# in a network namespace of its own, with a hostname of its own (so Swarm's node names differ).
# The machine's own dockerd is never touched: the only call to it is `docker save` of
# busybox:latest, which is loaded into each cluster's manager.
#
#   solo  one node, `docker swarm init` (a one-node manager), listening on 127.0.0.1.
#   pair  a manager and a worker joined over a veth pair between their namespaces
#         (10.250.1.1 and 10.250.1.2), so overlay traffic really crosses nodes; plus a registry
#         (Debian's docker-registry) in the manager's namespace, which both nodes reach as
#         127.0.0.1:5000 (socat inside the worker's namespace). Docker treats 127.0.0.0/8
#         registries as insecure by default. The worker gets images only through that registry.
#
# Everything lives under $ARK_SWARM_STATE/<cluster>/ (default /tmp/ark-swarm), with the pids;
# every process a cluster runs runs in one of its namespaces, so `down` ends exactly those.
# `up` reuses a healthy cluster (a few quick checks) and rebuilds a broken one; concurrent
# callers are serialised with flock. Each cluster writes <cluster>/env for clients:
#   ARK_SWARM_MANAGER      unix:///…/docker.sock of the manager (for DOCKER_HOST)
#   ARK_SWARM_NODES        every node's engine URL, manager first, space-separated
#   ARK_SWARM_NODE_NAMES   their Swarm node names (hostnames), same order
#   ARK_SWARM_NODE_ADDRS   their addresses, same order (host-mode ports bind there)
#   ARK_SWARM_REGISTRY     HOST:PORT of the cluster's registry (pair only; empty on solo)
#   ARK_SWARM_NETNS        the manager's network namespace: clients that reach published
#                          ports run there (`nsenter --net=/var/run/netns/$ARK_SWARM_NETNS …`)
#
# Needs root, ip, nsenter, unshare, flock, dockerd and docker (and docker-registry and socat
# for pair).
set -euo pipefail

STATE="${ARK_SWARM_STATE:-/tmp/ark-swarm}"
SCRIPTS="$(cd "$(dirname "$0")" && pwd)"
# How long one daemon may take to answer, and a node to become ready.
PATIENCE=90

say() { echo "swarm-cluster: $*" >&2; }
die() { say "$*"; exit 1; }

usage() {
    die "usage: $0 up|down|status [solo|pair|all]"
}

# ---- the shape of each cluster ---------------------------------------------------------------

# nodes CLUSTER: how many nodes the cluster has.
nodes() { case "$1" in solo) echo 1 ;; pair) echo 2 ;; esac; }
netns() { echo "ark-swarm-$1-$2"; }          # netns CLUSTER N
node_dir() { echo "$STATE/$1/n$2"; }          # node_dir CLUSTER N
socket() { echo "$(node_dir "$1" "$2")/docker.sock"; }
engine() { echo "unix://$(socket "$1" "$2")"; }
hostname_of() { echo "ark-swarm-$1-$2"; }
address() {                                   # address CLUSTER N: where the node listens
    case "$1" in solo) echo 127.0.0.1 ;; pair) echo "10.250.1.$2" ;; esac
}
REGISTRY_PORT=5000

# dk CLUSTER N ARGS…: the docker CLI against node N, never against the machine's daemon.
dk() {
    local cluster="$1" n="$2"
    shift 2
    DOCKER_HOST="$(engine "$cluster" "$n")" DOCKER_CONTEXT= timeout 60 docker "$@"
}

in_netns() {                                  # in_netns CLUSTER N PROGRAM ARGS…
    local ns
    ns="$(netns "$1" "$2")"
    shift 2
    nsenter --net="/var/run/netns/$ns" "$@"
}

# alive PIDFILE: whether the process the file names runs.
alive() {
    local pid
    pid="$(cat "$1" 2>/dev/null)" || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# await SECONDS WHAT COMMAND…: runs COMMAND until it succeeds, or fails after SECONDS.
await() {
    local seconds="$1" what="$2"
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { say "gave up waiting for $what after ${seconds}s"; return 1; }
        sleep 0.1
    done
}

# ---- up --------------------------------------------------------------------------------------

start_daemon() {                              # start_daemon CLUSTER N
    local cluster="$1" n="$2" dir ns
    dir="$(node_dir "$cluster" "$n")"
    ns="$(netns "$cluster" "$n")"
    mkdir -p "$dir"
    # Its own (empty) config: the machine's daemon.json names the machine's data root.
    echo '{}' >"$dir/daemon.json"
    # No DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: on Docker 20.10 it stops a node pulling a
    # service's image at all, from the registry too (measured). Nor is it needed: a namespace
    # has no default route, so a look-up on Docker Hub fails at once (measured: 0.02 s).
    # `nsenter --net` rather than `ip netns exec`: the latter remounts /sys, hiding the cgroup
    # mounts dockerd needs. `unshare --uts` gives the node a hostname (Swarm's node name) of
    # its own. setsid and redirections: the daemon outlives the caller and holds none of its
    # pipes.
    setsid unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh \
        "$(hostname_of "$cluster" "$n")" \
        nsenter --net="/var/run/netns/$ns" \
        dockerd --config-file "$dir/daemon.json" \
        --data-root "$dir/data" --exec-root "$dir/exec" \
        --pidfile "$dir/dockerd.pid" -H "$(engine "$cluster" "$n")" \
        --storage-driver=vfs --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
        </dev/null >>"$dir/dockerd.log" 2>&1 &
    if ! await "$PATIENCE" "node $n of $cluster to answer" dk "$cluster" "$n" version; then
        tail -n 15 "$dir/dockerd.log" >&2 || true
        return 1
    fi
}

make_namespaces() {                           # make_namespaces CLUSTER
    local cluster="$1" n
    for ((n = 1; n <= $(nodes "$cluster"); n++)); do
        ip netns add "$(netns "$cluster" "$n")"
        in_netns "$cluster" "$n" ip link set lo up
    done
    if [[ "$cluster" == pair ]]; then
        # Both ends made inside the namespaces: nothing of the link is ever on the host.
        ip link add ark-sw1 netns "$(netns pair 1)" type veth peer name ark-sw2 netns "$(netns pair 2)"
        for n in 1 2; do
            in_netns pair "$n" ip addr add "$(address pair "$n")/24" dev "ark-sw$n"
            in_netns pair "$n" ip link set "ark-sw$n" up
        done
    fi
}

start_registry() {                            # in the manager's namespace, on every interface
    local dir="$STATE/pair/registry"
    command -v docker-registry >/dev/null || die "docker-registry is not installed (apt-get install docker-registry)"
    command -v socat >/dev/null || die "socat is not installed (apt-get install socat)"
    mkdir -p "$dir/data"
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 0.0.0.0:$REGISTRY_PORT
EOF
    setsid nsenter --net="/var/run/netns/$(netns pair 1)" docker-registry serve "$dir/config.yml" \
        </dev/null >>"$dir/registry.log" 2>&1 &
    echo $! >"$dir/registry.pid"
    # The worker reaches it under the same name as the manager: 127.0.0.1:5000.
    setsid nsenter --net="/var/run/netns/$(netns pair 2)" socat \
        "TCP-LISTEN:$REGISTRY_PORT,bind=127.0.0.1,reuseaddr,fork" \
        "TCP:$(address pair 1):$REGISTRY_PORT" \
        </dev/null >>"$dir/socat.log" 2>&1 &
    echo $! >"$dir/socat.pid"
    local n
    for n in 1 2; do
        await 30 "the registry from node $n" \
            in_netns pair "$n" bash -c "exec 3<>/dev/tcp/127.0.0.1/$REGISTRY_PORT"
    done
}

load_busybox() {                              # load_busybox CLUSTER: into the manager only
    local cluster="$1"
    if docker image inspect busybox:latest >/dev/null 2>&1; then
        docker save busybox:latest | dk "$cluster" 1 load -q >/dev/null
    else
        # No busybox on the machine: the same image, built offline, straight into the manager.
        DOCKER_HOST="$(engine "$cluster" 1)" bash "$SCRIPTS/seed-busybox.sh" >&2
    fi
}

ready_nodes() {                               # ready_nodes CLUSTER: how many are Ready
    dk "$1" 1 node ls --format '{{.Status}} {{.Availability}}' 2>/dev/null | grep -c '^Ready Active$'
}
all_ready() { [[ "$(ready_nodes "$1")" == "$(nodes "$1")" ]]; }

form_swarm() {                                # form_swarm CLUSTER
    local cluster="$1" n token
    # Overlay subnets well away from the link's 10.250.0.0/16.
    dk "$cluster" 1 swarm init --advertise-addr "$(address "$cluster" 1)" \
        --listen-addr "$(address "$cluster" 1):2377" \
        --default-addr-pool 10.96.0.0/12 >/dev/null
    if (($(nodes "$cluster") > 1)); then
        token="$(dk "$cluster" 1 swarm join-token -q worker)"
        for ((n = 2; n <= $(nodes "$cluster"); n++)); do
            dk "$cluster" "$n" swarm join --token "$token" \
                --advertise-addr "$(address "$cluster" "$n")" \
                --listen-addr "$(address "$cluster" "$n"):2377" \
                "$(address "$cluster" 1):2377" >/dev/null
        done
    fi
    await "$PATIENCE" "every node of $cluster to be ready" all_ready "$cluster"
}

write_env() {                                 # write_env CLUSTER
    local cluster="$1" n urls=() names=() addrs=() registry=""
    for ((n = 1; n <= $(nodes "$cluster"); n++)); do
        urls+=("$(engine "$cluster" "$n")")
        names+=("$(hostname_of "$cluster" "$n")")
        addrs+=("$(address "$cluster" "$n")")
    done
    [[ "$cluster" == pair ]] && registry="127.0.0.1:$REGISTRY_PORT"
    # Written whole, then renamed: a reader never sees half of it.
    cat >"$STATE/$cluster/env.new" <<EOF
ARK_SWARM_CLUSTER=$cluster
ARK_SWARM_MANAGER=${urls[0]}
ARK_SWARM_NODES="${urls[*]}"
ARK_SWARM_NODE_NAMES="${names[*]}"
ARK_SWARM_NODE_ADDRS="${addrs[*]}"
ARK_SWARM_REGISTRY=$registry
ARK_SWARM_NETNS=$(netns "$cluster" 1)
EOF
    mv "$STATE/$cluster/env.new" "$STATE/$cluster/env"
}

# healthy CLUSTER: the quick check that lets `up` reuse a cluster (prints why not).
healthy() {
    local cluster="$1" n
    [[ -f "$STATE/$cluster/env" ]] || { echo "not made"; return 1; }
    for ((n = 1; n <= $(nodes "$cluster"); n++)); do
        alive "$(node_dir "$cluster" "$n")/dockerd.pid" || { echo "node $n's daemon is not running"; return 1; }
        [[ "$(dk "$cluster" "$n" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" == active ]] \
            || { echo "node $n is not in the swarm"; return 1; }
    done
    all_ready "$cluster" || { echo "$(ready_nodes "$cluster") of $(nodes "$cluster") nodes ready"; return 1; }
    if [[ "$cluster" == pair ]]; then
        alive "$STATE/pair/registry/registry.pid" && alive "$STATE/pair/registry/socat.pid" \
            || { echo "the registry is not running"; return 1; }
    fi
}

up() {                                        # up CLUSTER
    local cluster="$1" why began=$SECONDS
    if why="$(healthy "$cluster")"; then
        say "$cluster: up (reused); env in $STATE/$cluster/env"
        return
    fi
    [[ "$why" == "not made" ]] || say "$cluster: $why; making it again"
    down "$cluster"
    mkdir -p "$STATE/$cluster"
    make_namespaces "$cluster"
    local n
    for ((n = 1; n <= $(nodes "$cluster"); n++)); do
        start_daemon "$cluster" "$n" &
    done
    for ((n = 1; n <= $(nodes "$cluster"); n++)); do
        wait -n || die "$cluster: a daemon did not start (logs in $STATE/$cluster/n*/dockerd.log)"
    done
    [[ "$cluster" == pair ]] && start_registry
    load_busybox "$cluster"
    form_swarm "$cluster"
    write_env "$cluster"
    say "$cluster: up in $((SECONDS - began))s; env in $STATE/$cluster/env"
}

# ---- down ------------------------------------------------------------------------------------

# The mount points at or below $1, deepest first.
mounts_under() {
    awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts |
        awk '{ print gsub("/", "/"), $0 }' | sort -rn | cut -d' ' -f2-
}

down() {                                      # down CLUSTER: everything it made, by pid and name
    local cluster="$1" n dir ns pid
    for ((n = $(nodes "$cluster"); n >= 1; n--)); do
        dir="$(node_dir "$cluster" "$n")"
        if alive "$dir/dockerd.pid"; then
            DOCKER_HOST="$(engine "$cluster" "$n")" timeout 20 docker swarm leave --force >/dev/null 2>&1 || true
        fi
    done
    for f in "$STATE/$cluster"/registry/{socat,registry}.pid; do
        alive "$f" && kill -TERM "$(cat "$f")" 2>/dev/null || true
    done
    # A clean stop first, so each daemon stops its containers and containerd.
    for ((n = 1; n <= $(nodes "$cluster"); n++)); do
        dir="$(node_dir "$cluster" "$n")"
        alive "$dir/dockerd.pid" && kill -TERM "$(cat "$dir/dockerd.pid")" 2>/dev/null || true
    done
    for ((n = 1; n <= $(nodes "$cluster"); n++)); do
        dir="$(node_dir "$cluster" "$n")"
        await 40 "node $n of $cluster to stop" sh -c "! kill -0 \$(cat '$dir/dockerd.pid' 2>/dev/null) 2>/dev/null" || true
    done
    # What a clean stop left (shims, containers, proxies): every process in a cluster's
    # namespace is the cluster's. Deleting a namespace removes its veth end and bridges
    # (docker_gwbridge, the overlays' bridges).
    for ((n = 1; n <= $(nodes "$cluster"); n++)); do
        ns="$(netns "$cluster" "$n")"
        [[ -e "/var/run/netns/$ns" ]] || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns delete "$ns" 2>/dev/null || true
    done
    # The daemons' own namespaces (overlay sandboxes, containers' /dev/shm) are mounts under
    # the state folder; they would stop its removal.
    if [[ -d "$STATE/$cluster" ]]; then
        while IFS= read -r mount; do
            [[ -n "$mount" ]] && umount -l "$mount" 2>/dev/null || true
        done < <(mounts_under "$STATE/$cluster")
        rm -rf "$STATE/$cluster"
    fi
}

# ---- status ----------------------------------------------------------------------------------

status() {                                    # status CLUSTER: one line, exit 1 when not up
    local cluster="$1" why
    if why="$(healthy "$cluster")"; then
        echo "$cluster: up, $(nodes "$cluster") node(s) ready; env in $STATE/$cluster/env"
    else
        echo "$cluster: down ($why)"
        return 1
    fi
}

# ---- main ------------------------------------------------------------------------------------

# Called back under the lock (below), in a process of its own so that `set -e` holds.
if [[ "${1:-}" == __locked ]]; then
    "$2" "$3"
    exit
fi

[[ $# -ge 1 && $# -le 2 ]] || usage
action="$1"
case "${2:-all}" in
    all) clusters=(solo pair) ;;
    solo | pair) clusters=("$2") ;;
    *) usage ;;
esac
case "$action" in up | down | status) ;; *) usage ;; esac

[[ "$(id -u)" == 0 ]] || die "needs root (network namespaces and daemons of its own)"
for tool in ip nsenter unshare flock dockerd docker setsid; do
    command -v "$tool" >/dev/null || die "\`$tool\` is not installed"
done
mkdir -p "$STATE"

rc=0
for cluster in "${clusters[@]}"; do
    # One caller at a time per cluster; the lock file outlives the cluster's folder. `-o`:
    # the daemons it starts do not hold the lock.
    flock -o -w 600 "$STATE/$cluster.lock" "$0" __locked "$action" "$cluster" || rc=1
done
exit "$rc"
