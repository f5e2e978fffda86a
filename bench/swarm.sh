#!/usr/bin/env bash
# Benchmark ark's Swarm backend, side by side in one run, on the test clusters of
# scripts/swarm-cluster.sh (daemons of their own; the machine's dockerd is never used).
#
#   bench/swarm.sh                 # ARK (default target/release/ark, built beforehand)
#
# solo (one-node manager): the 20-app depth-4 DAG of bench/gen_dag.py, BENCH_RUNS (3) runs, the
# order of the three tools rotating per run, each fresh and removed after:
#   swarm   `ark start -e ENV top` with `engine: swarm` (cold), the same again (no-op), `ark down`
#   docker  the same apps with `--engine docker` on the same daemon (cold, no-op, down)
#   stack   `docker stack deploy -c docker-stack.yml` (gen_dag.py: same image, command and
#           HEALTHCHECK as ark gives a task, dnsrr, one overlay network, no ordering), polled
#           every 100 ms until every service shows 1/1 (a task counts only once healthy);
#           `docker stack rm`, polled until no container of the stack is left
# pair (manager + worker, registry 127.0.0.1:5000): cold `ark start` with `registry:` (the
# push of the image is inside), then `ark start --set l0-1.BENCH=N` (a rolling update: ark
# returns when the new task is ready), then `ark down`.
# ark runs inside the manager's network namespace (plain Docker's probes reach container IPs
# there). Images are built once, untimed. Knobs: ARK, BENCH_RUNS, BENCH_APPS (20), BENCH_DEPTH
# (4), BENCH_PAIR (1: measure the pair too). Results: bench/results/swarm.md.
set -euo pipefail
die() { echo "bench/swarm.sh: error: $*" >&2; exit 1; }
log() { echo "bench/swarm.sh: $*" >&2; }

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"
ARK="${ARK:-$root/target/release/ark}"
[[ -x "$ARK" ]] || die "no ark at $ARK (cargo build --release)"
runs="${BENCH_RUNS:-3}" apps="${BENCH_APPS:-20}" depth="${BENCH_DEPTH:-4}"
image="ark-bench-http:latest"
id="$(python3 -c 'import secrets; print(secrets.token_hex(3))')"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench-swarm.XXXXXX")"
results="$tmp/results.tsv"; : >"$results"
declare -A live_envs=() live_stacks=()
cluster=""

use_cluster() {  # use_cluster solo|pair: up (reused when healthy), then its env
  cluster=$1
  scripts/swarm-cluster.sh up "$1" >&2
  # shellcheck disable=SC1090
  . "${ARK_SWARM_STATE:-/tmp/ark-swarm}/$1/env"
  export DOCKER_HOST=$ARK_SWARM_MANAGER DOCKER_CONTEXT=
}
ark() { nsenter --net="/var/run/netns/$ARK_SWARM_NETNS" "$ARK" -q --apps "$tmp/dag/apps" --environments "$tmp/dag/environments" "$@"; }
now() { echo "${EPOCHREALTIME//[.,]/}"; }
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$cluster" "$1" "$2" "$3" "$4" >>"$results"; }
# timed RUN TOOL STEP CMD...: records the wall time of CMD, which must exit 0.
timed() {
  local r=$1 t=$2 s=$3 t0 rc=0; shift 3
  t0=$(now); "$@" >"$tmp/$t-$s.log" 2>&1 || rc=$?
  if ((rc)); then tail -n 8 "$tmp/$t-$s.log" >&2; record "$r" "$t" "$s" "fail:exit $rc"; return 1; fi
  record "$r" "$t" "$s" $(($(now) - t0))
}
env_label() { echo "dev.ark.environment=$1"; }
cleanup_env() {
  local e=$1
  if [[ -n "$(docker service ls -q --filter "label=$(env_label "$e")")$(docker ps -aq --filter "label=$(env_label "$e")")" ]]; then
    ark down -e "$e" >>"$tmp/cleanup.log" 2>&1 || log "warning: ark down -e $e failed in cleanup"
  fi
  unset 'live_envs[$e]'
}
cleanup_stack() { docker stack rm "$1" >>"$tmp/cleanup.log" 2>&1 || true; unset 'live_stacks[$1]'; }
cleanup() {
  local rc=$? e
  trap - EXIT INT TERM
  for e in "${!live_envs[@]}"; do
    use_cluster "${live_envs[$e]}" 2>/dev/null; cleanup_env "$e"
  done
  if [[ ${#live_stacks[@]} -gt 0 ]]; then use_cluster solo 2>/dev/null; for e in "${!live_stacks[@]}"; do cleanup_stack "$e"; done; fi
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM

python3 bench/gen_dag.py "$tmp/dag" --apps "$apps" --depth "$depth" --image "$image" >"$tmp/top" 2>"$tmp/gen.log" \
  || { cat "$tmp/gen.log" >&2; die "gen_dag.py failed"; }
top="$(cat "$tmp/top")"
build_image() {
  docker build -q -t "$image" - >"$tmp/build.log" 2>&1 <<'DOCKERFILE' || { cat "$tmp/build.log" >&2; die "docker build failed"; }
FROM busybox:latest
RUN mkdir -p /www && echo ok >/www/_health
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
}

# stack_up RUN NAME: deploy, then every 100 ms `docker service ls` until all N show 1/1.
stack_up() {
  local r=$1 s=$2 t0 ready deadline
  live_stacks[$s]=1
  t0=$(now); deadline=$((t0 + 300000000))
  docker stack deploy -c "$tmp/dag/docker-stack.yml" "$s" >"$tmp/stack-up.log" 2>&1 \
    || { cat "$tmp/stack-up.log" >&2; record "$r" stack cold "fail:deploy"; return 1; }
  while :; do
    ready="$(docker service ls --filter "label=com.docker.stack.namespace=$s" --format '{{.Replicas}}' | grep -c '^1/1' || true)"
    ((ready == apps)) && break
    (($(now) > deadline)) && { record "$r" stack cold "fail:$ready/$apps ready after 300s"; return 1; }
    sleep 0.1
  done
  record "$r" stack cold $(($(now) - t0))
}
stack_down() {
  local r=$1 s=$2 t0
  t0=$(now)
  docker stack rm "$s" >"$tmp/stack-rm.log" 2>&1 || { record "$r" stack down "fail:stack rm"; return 1; }
  while [[ -n "$(docker ps -aq --filter "label=com.docker.stack.namespace=$s")$(docker network ls -q --filter "label=com.docker.stack.namespace=$s")" ]]; do sleep 0.1; done
  record "$r" stack down $(($(now) - t0))
  unset 'live_stacks[$s]'
}
ark_round() {  # ark_round RUN TOOL(swarm|docker) ENV
  local r=$1 t=$2 e=$3
  live_envs[$e]=$cluster
  if timed "$r" "$t" cold ark --engine "$t" start -e "$e" "$top"; then
    timed "$r" "$t" noop ark --engine "$t" start -e "$e" "$top" || true
  fi
  timed "$r" "$t" down ark --engine "$t" down -e "$e" && unset 'live_envs[$e]'
  [[ -z "${live_envs[$e]:-}" ]] || cleanup_env "$e"
}

# --- solo -------------------------------------------------------------------------------------
use_cluster solo
build_image
# Untimed warm-up: one task, so the first run does not pay for cold caches.
docker service create -q --name "ark-bench-warm-$id" --restart-condition none "$image" >/dev/null 2>&1 || true
docker service rm "ark-bench-warm-$id" >/dev/null 2>&1 || true
tools=(swarm docker stack)
for ((r = 1; r <= runs; r++)); do
  k=$(((r - 1) % 3))
  for t in "${tools[@]:k}" "${tools[@]:0:k}"; do
    log "solo, run $r/$runs: $t"
    case $t in
      stack) stack_up "$r" "arkbench$id$r" && stack_down "$r" "arkbench$id$r" || cleanup_stack "arkbench$id$r" ;;
      *) ark_round "$r" "$t" "bench-$id-$t$r" ;;
    esac
  done
done

# --- pair -------------------------------------------------------------------------------------
if [[ "${BENCH_PAIR:-1}" == 1 ]]; then
  use_cluster pair
  build_image
  for ((r = 1; r <= runs; r++)); do
    e="bench-$id-pair$r"
    printf 'engine: swarm\nregistry: %s\n' "$ARK_SWARM_REGISTRY" >"$tmp/dag/environments/$e.yml"
    live_envs[$e]=pair
    log "pair, run $r/$runs: cold, rolling update, down"
    if timed "$r" swarm cold ark start -e "$e" "$top"; then
      timed "$r" swarm update ark start -e "$e" "$top" --set "l0-1.BENCH=$r" || true
      docker service ps --filter desired-state=running --format '{{.Name}} {{.Node}}' $(docker service ls -q --filter "label=$(env_label "$e")") \
        | awk '{print $2}' | sort | uniq -c | awk -v r="$r" '{printf "%s\tnodes\t%s=%s\n", r, $2, $1}' >>"$tmp/nodes.txt"
    fi
    timed "$r" swarm down ark down -e "$e" && unset 'live_envs[$e]'
    [[ -z "${live_envs[$e]:-}" ]] || cleanup_env "$e"
  done
fi

mkdir -p bench/results
touch "$tmp/nodes.txt"
python3 bench/swarm_report.py "$results" "$tmp/nodes.txt" --apps "$apps" --depth "$depth" --runs "$runs" \
  --ark "$("$ARK" --version) ($ARK)" --engine "$(docker version --format 'Docker Engine {{.Server.Version}}'), $(docker info --format '{{.Driver}}')" \
  --dag "$(sed 's/^gen_dag.py: //; s/ -> .*//' "$tmp/gen.log")" >"$tmp/swarm.md"
cp -- "$tmp/swarm.md" bench/results/swarm.md
cat "$tmp/swarm.md"
