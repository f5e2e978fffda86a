#!/usr/bin/env bash
# Benchmark `ark start` against the engine floor, docker-compose (v1) and the ideal, on the same
# engine, at several sizes, and optionally two ark binaries (before/after a change) side by side.
#
#   bench/start.sh                  # cargo build --release, then benchmark target/release/ark
#   ARK=path/to/ark bench/start.sh  # benchmark an existing binary (no build)
#   ARK=new/ark ARK_BEFORE=old/ark bench/start.sh
#                                   # both binaries in the same run: before/after columns + ratio
#   BENCH_BUILD=0 bench/start.sh    # no build: use target/release/ark as it is
#   BENCH_SKIP_ARK=1 bench/start.sh # only the floor, docker-compose and the ideal
#
# Sizes: BENCH_SIZES ("20 50 100") app counts; BENCH_APPS=N still works and means the one size N
# (BENCH_SIZES wins when both are set). For each size, bench/gen_dag.py makes a catalog of that many
# busybox-httpd apps in BENCH_DEPTH (4) layers with http checks, and the equivalent compose file
# (seed BENCH_SEED, 1). Every tool runs the same image, ark-bench-http:latest, built here from an
# inline Dockerfile. For each size, each of BENCH_RUNS (3) runs, fresh and cleaned up after, and
# in an order that rotates per run, measures:
#
#   cold   nothing -> every app healthy.
#            ark, ark before: `ark start -e ENV top` (it returns when every app is ready)
#            compose: `docker-compose up -d`, then `docker inspect` of the project's containers
#                     every 100 ms until all of them are healthy
#            floor:   bench/engine_floor.py: the same N containers (same image, command, `init`,
#                     127.0.0.1 port, one bridge network, as ark creates them) created and started
#                     all at once straight through the Engine API (unix socket, v1.41, a thread
#                     each, no ordering between apps), timed until each answers GET /_health on
#                     its container IP, polled from the host every 15 ms (as ark probes on a local
#                     engine): what any orchestrator pays this engine for N apps, ordering aside
#   no-op  the same command again (`ark start`; `docker-compose up -d`)
#   down   `ark down -e ENV`; `docker-compose down`; floor: every container stopped (grace 10 s)
#          and removed at once through the API, then the network
#   ideal  one app: `docker run -d --init` -> its health URL answering (polled from the host
#          every 15 ms on a port published up front); median of BENCH_IDEAL_SAMPLES (5)
#          starts, times the depth. Also, for information, "layer-parallel": each layer's
#          apps started at once with `docker run` -> all answering, summed over the layers
#
# docker-compose is measured only at the sizes in BENCH_COMPOSE_SIZES ("20"; e.g. "20 50 100";
# empty: never, and then docker-compose is not needed). ark before runs only when ARK_BEFORE is set.
#
# Prints markdown tables and writes them to bench/results/start.md (bench/start_report.py), one
# row per size in each: cold (ark before | ark (after) | after ÷ before | engine floor |
# ark ÷ floor, e.g. "ark 1.03× floor, before 1.05×" | docker-compose | ideal | target | met, with
# ark ÷ compose and ÷ ideal), no-op (ark before | after | ratio | compose), down (the same, plus
# the floor's down and ark ÷ floor), the parts (one app, layer-parallel, the floor's first app and
# network), then every run. The before columns appear only with ARK_BEFORE; a tool not measured
# at a size reads "—". When ark cannot be built or has no `start`/`down` yet, its cells read
# "not available" and the other parts still run. Each size must be >= BENCH_DEPTH (gen_dag.py).
#
# Other knobs: BENCH_TIMEOUT (s, per wait, default 180), BENCH_SETTLE (s, default 20: before each
# phase, wait up to that long for the host CPU to go below 25% busy). Needs docker, python3,
# bash >= 5, docker-compose 1.x (when BENCH_COMPOSE_SIZES names a measured size), and for the
# floor a local engine on a unix socket (DOCKER_HOST unix://..., default /var/run/docker.sock).
# Everything it creates belongs to this run (compose projects `arkbench<id>n<N>r<R>`, ark
# environments `bench-<id>-<N>-a<R>` and `bench-<id>-<N>-b<R>` (after, before), floor and
# single-app containers and the floor's networks labelled ark-bench.run=<id>) and is removed on
# exit, whatever happens (`docker-compose down -v`, `ark down`, then by those names/labels);
# nothing else is touched. The image is kept.
set -euo pipefail

die() { echo "bench/start.sh: error: $*" >&2; exit 1; }
log() { echo "bench/start.sh: $*" >&2; }

# abs_bin VAR: resolve the binary named by $VAR to an absolute path before changing directory.
abs_bin() {
  local v=$1 p=${!1}
  if [[ "$p" != */* ]]; then p="$(command -v -- "$p")" || die "$v=${!v} not found on PATH"; fi
  p="$(cd -- "$(dirname -- "$p")" && pwd)/$(basename -- "$p")" || die "$v=${!v}: no such directory"
  printf -v "$v" '%s' "$p"
}
if [[ -n "${ARK:-}" ]]; then
  abs_bin ARK
  ark_from_env=1
else
  ark_from_env=0
fi
ARK_BEFORE="${ARK_BEFORE:-}"
if [[ -n "$ARK_BEFORE" ]]; then abs_bin ARK_BEFORE; fi

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"

read -r -a sizes <<<"${BENCH_SIZES:-${BENCH_APPS:-20 50 100}}"
read -r -a compose_sizes <<<"${BENCH_COMPOSE_SIZES-20}"
depth="${BENCH_DEPTH:-4}"
seed="${BENCH_SEED:-1}"
runs="${BENCH_RUNS:-3}"
ideal_samples="${BENCH_IDEAL_SAMPLES:-5}"
wait_timeout="${BENCH_TIMEOUT:-180}"
settle="${BENCH_SETTLE:-20}"
image="ark-bench-http:latest"
for v in depth seed runs ideal_samples wait_timeout; do
  [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -ge 1 ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ ${#sizes[@]} -ge 1 ]] || die "BENCH_SIZES names no size"
declare -A seen_size=() measure_compose=()
for n in "${sizes[@]}" "${compose_sizes[@]}"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 ]] || die "sizes must be positive integers (got '$n' in BENCH_SIZES/BENCH_APPS/BENCH_COMPOSE_SIZES)"
done
for n in "${sizes[@]}"; do
  [[ -z "${seen_size[$n]:-}" ]] || die "BENCH_SIZES names $n twice"
  seen_size[$n]=1
done
for n in "${compose_sizes[@]}"; do
  if [[ -n "${seen_size[$n]:-}" ]]; then measure_compose[$n]=1; fi
done
[[ "$settle" =~ ^[0-9]+$ ]] || die "BENCH_SETTLE must be a whole number of seconds (got '$settle')"

[[ -n "${EPOCHREALTIME:-}" ]] || die "bash >= 5 is required (EPOCHREALTIME)"
command -v python3 >/dev/null 2>&1 || die "python3 is required"
command -v docker >/dev/null 2>&1 || die "docker is required"
if [[ ${#measure_compose[@]} -gt 0 ]]; then
  command -v docker-compose >/dev/null 2>&1 || die "docker-compose (v1) is required (or BENCH_COMPOSE_SIZES=)"
fi
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "cannot reach the Docker engine"

# The floor talks to the engine's unix socket itself.
floor_reason=""
case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
  unix://*) docker_socket="${DOCKER_HOST:-unix:///var/run/docker.sock}"; docker_socket="${docker_socket#unix://}" ;;
  *) docker_socket=""; floor_reason="needs a local engine on a unix socket (DOCKER_HOST=$DOCKER_HOST)" ;;
esac
if [[ -n "$docker_socket" && ! -S "$docker_socket" ]]; then floor_reason="no socket at $docker_socket"; fi

# --- state and cleanup (always) ----------------------------------------------------------------
id="$(python3 -c 'import secrets; print(secrets.token_hex(3))')"
label="ark-bench.run=$id"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench-start.XXXXXX")"
D=""            # the current size's catalog, $tmp/dag-<N>
compose_file="" # and its compose file
apps=0          # the current size
declare -A live_projects=() live_envs=() project_file=() env_dir=()
declare -A bin=([ark]="${ARK:-}" [before]="$ARK_BEFORE") usable=([ark]=0 [before]=0)

compose() { docker-compose --ansi never -p "$1" -f "$compose_file" "${@:2}"; }
# ark_with TOOL CATALOG ARGS...: the binary of TOOL (ark: after, before) on that catalog.
ark_with() { "${bin[$1]}" -q --apps "$2/apps" --environments "$2/environments" "${@:3}"; }

cleanup_project() {
  local saved=$compose_file
  compose_file="${project_file[$1]:-$compose_file}"
  compose "$1" down -v --remove-orphans -t 2 >>"$tmp/cleanup.log" 2>&1 \
    || log "warning: cleanup of compose project $1 failed (see: docker ps -a --filter label=com.docker.compose.project=$1)"
  compose_file=$saved
  unset 'live_projects[$1]'
}
# ark labels what it creates with its environment (src/runtime/labels.rs); the environment
# names are this run's own, so whatever `ark down` leaves behind is removed by that label.
ark_env_label() { echo "dev.ark.environment=$1"; }
ark_leftovers() {
  docker ps -aq --filter "label=$(ark_env_label "$1")"
  docker network ls -q --filter "label=$(ark_env_label "$1")"
}
# cleanup_env ENV: ENV was made by the binary ${live_envs[ENV]} (ark or before).
cleanup_env() {
  local ids nets tool=${live_envs[$1]:-ark}
  # `ark down` of an environment with nothing on the engine is an error: only when needed.
  if [[ ${usable[$tool]} == 1 && -n "$(ark_leftovers "$1")" ]]; then
    ark_with "$tool" "${env_dir[$1]}" down -e "$1" >>"$tmp/cleanup.log" 2>&1 \
      || log "warning: ark down -e $1 failed during cleanup"
  fi
  ids="$(docker ps -aq --filter "label=$(ark_env_label "$1")")"
  if [[ -n "$ids" ]]; then
    log "warning: removing containers ark left in environment $1"
    # shellcheck disable=SC2086 # one id per word
    docker rm -f $ids >>"$tmp/cleanup.log" 2>&1 || true
  fi
  nets="$(docker network ls -q --filter "label=$(ark_env_label "$1")")"
  # shellcheck disable=SC2086 # one id per word
  if [[ -n "$nets" ]]; then docker network rm $nets >>"$tmp/cleanup.log" 2>&1 || true; fi
  unset 'live_envs[$1]'
}
# Containers and networks labelled with this run (floor, ideal).
cleanup_labelled() {
  local ids
  ids="$(docker ps -aq --filter "label=$label")"
  if [[ -n "$ids" ]]; then
    # shellcheck disable=SC2086 # one id per word
    docker rm -f $ids >>"$tmp/cleanup.log" 2>&1 || log "warning: could not remove containers labelled $label"
  fi
  ids="$(docker network ls -q --filter "label=$label")"
  if [[ -n "$ids" ]]; then
    # shellcheck disable=SC2086 # one id per word
    docker network rm $ids >>"$tmp/cleanup.log" 2>&1 || log "warning: could not remove networks labelled $label"
  fi
}
# Last resort, by name: ark names containers ark_<env>_<app> and networks ark_<env>
# (src/runtime/labels.rs), and every environment of this run starts with bench-<id>-.
cleanup_by_name() {
  local ids
  ids="$(docker ps -aq --filter "name=^/?ark_bench-$id-")"
  if [[ -n "$ids" ]]; then
    log "warning: removing containers named ark_bench-$id-*"
    # shellcheck disable=SC2086 # one id per word
    docker rm -f $ids >>"$tmp/cleanup.log" 2>&1 || true
  fi
  ids="$(docker network ls -q --filter "name=^ark_bench-$id-")"
  # shellcheck disable=SC2086 # one id per word
  if [[ -n "$ids" ]]; then docker network rm $ids >>"$tmp/cleanup.log" 2>&1 || true; fi
}
cleanup() {
  local rc=$? p e
  trap - EXIT INT TERM
  for p in "${!live_projects[@]}"; do cleanup_project "$p"; done
  for e in "${!live_envs[@]}"; do cleanup_env "$e"; done
  cleanup_labelled
  cleanup_by_name
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- image, catalogs, ark ----------------------------------------------------------------------
if ! docker image inspect busybox:latest >/dev/null 2>&1; then
  log "busybox:latest missing: running scripts/seed-busybox.sh"
  scripts/seed-busybox.sh >&2
fi
log "building $image (FROM busybox:latest)"
docker build -q -t "$image" - >"$tmp/build.log" 2>&1 <<'DOCKERFILE' || { cat "$tmp/build.log" >&2; die "docker build of $image failed"; }
FROM busybox:latest
RUN mkdir -p /www && echo ok >/www/_health
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE

# One catalog per size: $tmp/dag-<N>; its summary and layer sizes go to $tmp/dags.tsv.
top=""
: >"$tmp/dags.tsv"
declare -A layer_sizes=()
for n in "${sizes[@]}"; do
  D="$tmp/dag-$n"; compose_file="$D/docker-compose.yml"
  top="$(python3 bench/gen_dag.py "$D" --apps "$n" --depth "$depth" --seed "$seed" --image "$image" 2>"$tmp/gen.log")" \
    || { cat "$tmp/gen.log" >&2; die "bench/gen_dag.py --apps $n failed"; }
  summary="$(sed 's/^gen_dag.py: //; s/ -> .*//' "$tmp/gen.log")"
  layer_sizes[$n]="$(sed -n 's/.*layers (\([0-9/]*\)).*/\1/p' "$tmp/gen.log" | tr / ,)"
  [[ "${layer_sizes[$n]}" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "cannot read the layer sizes from: $(cat "$tmp/gen.log")"
  if [[ -n "${measure_compose[$n]:-}" ]]; then
    compose "arkbenchcheck" config -q || die "docker-compose rejects the generated $compose_file"
  fi
  printf '%s\t%s\n' "$n" "$summary" >>"$tmp/dags.tsv"
done

ark_reason="" before_reason=""
if [[ "${BENCH_SKIP_ARK:-0}" == 1 ]]; then
  ark_reason="skipped (BENCH_SKIP_ARK=1)"
  if [[ -n "$ARK_BEFORE" ]]; then before_reason="skipped (BENCH_SKIP_ARK=1)"; fi
elif [[ $ark_from_env == 0 ]]; then
  ARK="${CARGO_TARGET_DIR:-$root/target}/release/ark"
  bin[ark]=$ARK
  if [[ "${BENCH_BUILD:-1}" == 1 ]]; then
    log "cargo build --release"
    if ! cargo build --release >"$tmp/cargo.log" 2>&1; then
      tail -n 20 "$tmp/cargo.log" >&2
      ark_reason="cargo build --release failed"
    fi
  fi
fi
# check_ark TOOL: why the binary of TOOL cannot be benchmarked (empty: it can).
check_ark() {
  local b=${bin[$1]}
  if [[ ! -x "$b" ]]; then
    echo "no executable at $b"
  elif ! "$b" start --help >/dev/null 2>&1; then
    echo "\`ark start\` is not implemented in $b"
  elif ! "$b" down --help >/dev/null 2>&1; then
    echo "\`ark down\` is not implemented in $b"
  fi
}
version_of() { "${bin[$1]}" --version 2>/dev/null || echo "ark (unknown version)"; }
ark_version="" before_version=""
if [[ -z "$ark_reason" ]]; then ark_reason="$(check_ark ark)"; fi
if [[ -z "$ark_reason" ]]; then
  usable[ark]=1; ark_version="$(version_of ark)"; log "ark (after): $ark_version ($ARK)"
else
  log "ark: not available: $ark_reason"
fi
if [[ -n "$ARK_BEFORE" && -z "$before_reason" ]]; then before_reason="$(check_ark before)"; fi
if [[ -n "$ARK_BEFORE" && -z "$before_reason" ]]; then
  usable[before]=1; before_version="$(version_of before)"; log "ark before: $before_version ($ARK_BEFORE)"
elif [[ -n "$ARK_BEFORE" ]]; then
  log "ark before: not available: $before_reason"
fi
if [[ -n "$floor_reason" ]]; then log "engine floor: not available: $floor_reason"; fi

# --- measuring ---------------------------------------------------------------------------------
results="$tmp/results.tsv"
: >"$results"
# record RUN TOOL STEP VALUE  (VALUE: microseconds, or "fail:<why>"), at the current size
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$apps" "$1" "$2" "$3" "$4" >>"$results"; }
# Sleep until the absolute time $1 (microseconds of EPOCHREALTIME), if it is still ahead.
sleep_until() {
  local now=${EPOCHREALTIME//[.,]/} left
  left=$(($1 - now))
  if ((left > 0)); then sleep "$(printf '%d.%06d' $((left / 1000000)) $((left % 1000000)))"; fi
}
fail_log() { tail -n 15 "$1" | sed 's/^/    | /' >&2; }

# cpu_busy SECONDS: the host's CPU busy % over that time.
cpu_busy() {
  python3 - "$1" <<'PY'
import sys, time
def snap():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = snap(); time.sleep(float(sys.argv[1])); t1, i1 = snap()
print(round(100 * (1 - (i1 - i0) / max(1, t1 - t0))))
PY
}
# quiesce RUN PHASE: before each phase, wait (up to BENCH_SETTLE s) for the host to go quiet
# (CPU < 25% busy over 1 s): the previous phase's teardown goes on in the kernel after its
# command returns, and other load on the host skews every figure. Records the last sample.
quiesce() {
  local b="" waited=0
  if [[ -r /proc/stat && "${DOCKER_HOST:-unix://}" == unix://* ]]; then
    while :; do
      b="$(cpu_busy 1)"; waited=$((waited + 1))
      if ((b < 25 || waited >= settle)); then break; fi
    done
    record "$1" "$2" busy "$b"
  elif ((settle > 0)); then
    sleep 2
  fi
}

project_ids() { docker ps -aq --no-trunc --filter "label=com.docker.compose.project=$1" | sort; }
# ark_containers ENV [-a]: how many containers ark runs (-a: has) in ENV.
ark_containers() { docker ps -q "${@:2}" --filter "label=$(ark_env_label "$1")" | wc -l; }

# compose cold: `up -d`, then poll `docker inspect` every 100 ms until every container is healthy.
compose_cold() {
  local p=$1 r=$2 t0 t1 next deadline ids=() healthy bad line
  live_projects[$p]=1
  project_file[$p]=$compose_file
  t0=${EPOCHREALTIME//[.,]/}
  if ! compose "$p" up -d >"$tmp/compose-up.log" 2>&1; then
    fail_log "$tmp/compose-up.log"; record "$r" compose cold "fail:docker-compose up -d exited non-zero"; return 1
  fi
  mapfile -t ids < <(project_ids "$p")
  if [[ ${#ids[@]} -ne $apps ]]; then
    record "$r" compose cold "fail:expected $apps containers, found ${#ids[@]}"; return 1
  fi
  deadline=$((t0 + wait_timeout * 1000000))
  next=$t0
  while :; do
    next=$((next + 100000))
    healthy=0; bad=""
    while read -r line; do
      case "$line" in
        "running healthy") healthy=$((healthy + 1)) ;;
        *unhealthy* | exited* | dead*) bad="$line" ;;
      esac
    done < <(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "${ids[@]}")
    if ((healthy == apps)); then t1=${EPOCHREALTIME//[.,]/}; break; fi
    if [[ -n "$bad" ]]; then record "$r" compose cold "fail:a container is '$bad'"; return 1; fi
    if ((${EPOCHREALTIME//[.,]/} > deadline)); then
      record "$r" compose cold "fail:not all healthy after ${wait_timeout}s ($healthy/$apps)"; return 1
    fi
    sleep_until "$next"
  done
  record "$r" compose cold $((t1 - t0))
  printf '%s\n' "${ids[@]}" >"$tmp/compose-ids"
}

compose_noop() {
  local p=$1 r=$2 t0 t1
  t0=${EPOCHREALTIME//[.,]/}
  if ! compose "$p" up -d >"$tmp/compose-noop.log" 2>&1; then
    t1=${EPOCHREALTIME//[.,]/}
    fail_log "$tmp/compose-noop.log"; record "$r" compose noop "fail:docker-compose up -d exited non-zero"; return 0
  fi
  t1=${EPOCHREALTIME//[.,]/}
  if [[ "$(project_ids "$p")" != "$(cat "$tmp/compose-ids")" ]]; then
    record "$r" compose noop "fail:the re-run re-created containers"; return 0
  fi
  record "$r" compose noop $((t1 - t0))
}

compose_down() {
  local p=$1 r=$2 t0 t1
  t0=${EPOCHREALTIME//[.,]/}
  if ! compose "$p" down >"$tmp/compose-down.log" 2>&1; then
    fail_log "$tmp/compose-down.log"; record "$r" compose down "fail:docker-compose down exited non-zero"; return 0
  fi
  t1=${EPOCHREALTIME//[.,]/}
  if [[ -n "$(project_ids "$p")" ]]; then
    record "$r" compose down "fail:containers left after down"; return 0
  fi
  record "$r" compose down $((t1 - t0))
}

# ark_step TOOL STEP RUN ARK-ARGS...: times one command of TOOL's binary, which must exit 0.
ark_step() {
  local tool=$1 step=$2 r=$3 logf="$tmp/$1-$2.log" t0 t1 rc=0
  shift 3
  t0=${EPOCHREALTIME//[.,]/}
  ark_with "$tool" "$D" "$@" >"$logf" 2>&1 || rc=$?
  t1=${EPOCHREALTIME//[.,]/}
  if [[ $rc -ne 0 ]]; then
    fail_log "$logf"; record "$r" "$tool" "$step" "fail:ark $1 exited $rc"; return 1
  fi
  record "$r" "$tool" "$step" $((t1 - t0))
}

# ark_round TOOL ENV RUN: cold, no-op and down of TOOL's binary (ark: after; before).
ark_round() {
  local tool=$1 e=$2 r=$3 n
  live_envs[$e]=$tool
  env_dir[$e]=$D
  if ark_step "$tool" cold "$r" start -e "$e" "$top"; then
    n="$(ark_containers "$e")"
    if [[ "$n" -ne "$apps" ]]; then
      log "warning: after ark start ($tool), $n containers run in $e (expected $apps)"
      record "$r" "$tool" check "fail:after ark start, $n containers labelled $(ark_env_label "$e") run (expected $apps)"
    fi
    ark_step "$tool" noop "$r" start -e "$e" "$top" || true
  fi
  if ark_step "$tool" down "$r" down -e "$e"; then
    n="$(ark_containers "$e" -a)"
    if [[ "$n" -ne 0 ]]; then record "$r" "$tool" check "fail:after ark down, $n containers labelled $(ark_env_label "$e") remain"; fi
  fi
  cleanup_env "$e"
}

compose_round() {
  local p=$1 r=$2
  if compose_cold "$p" "$r"; then
    compose_noop "$p" "$r"
    compose_down "$p" "$r"
  fi
  cleanup_project "$p"
}

# floor_round RUN: bench/engine_floor.py with this size's app count; records floor up (the cold
# figure), network, first and down.
floor_round() {
  local r=$1 step us rc=0
  python3 bench/engine_floor.py --count "$apps" --image "$image" --prefix "ark-bench-floor-$id-$apps-$r" \
    --label "$label" --timeout "$wait_timeout" --socket "$docker_socket" >"$tmp/floor.out" 2>"$tmp/floor.log" || rc=$?
  while read -r step us; do record "$r" floor "$step" "$us"; done <"$tmp/floor.out"
  if [[ $rc -ne 0 ]]; then
    fail_log "$tmp/floor.log"
    step=up
    if grep -q '^down ' "$tmp/floor.out"; then step=check; elif grep -q '^up ' "$tmp/floor.out"; then step=down; fi
    record "$r" floor "$step" "fail:bench/engine_floor.py exited $rc"
    cleanup_labelled
  fi
}

# The ideal, measured by a python helper polling from the host (python3 stdlib):
#   one N         N times: `docker run -d --init` of one app -> its health URL answering
#   layers 6,7,6  informative: per layer, `docker run -d --init` of all its apps at once (earlier
#                 layers keep running) -> all of them answering; the sum over the layers
# Ports are published on 127.0.0.1 at ports chosen up front, so no `docker port` is needed.
cat >"$tmp/ideal.py" <<'EOF'
import http.client, socket, subprocess, sys, time
image, label, prefix, timeout, mode, arg = sys.argv[1:7]
timeout = float(timeout)
names = []

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def answering(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        c.request("GET", "/_health")
        return 200 <= c.getresponse().status < 400
    except (OSError, http.client.HTTPException):
        return False
    finally:
        c.close()

def run(name, port):
    names.append(name)
    return subprocess.Popen(["docker", "run", "-d", "--init", "--name", name, "--label", label,
                             "-p", f"127.0.0.1:{port}:8080", image, "httpd", "-f", "-p", "8080", "-h", "/www"],
                            stdout=subprocess.DEVNULL)

def start(tag, count):
    """Seconds from launching `count` containers at once until every one answers."""
    ports = [free_port() for _ in range(count)]
    t0 = time.perf_counter()
    procs = [run(f"{prefix}-{tag}-{i}", port) for i, port in enumerate(ports)]
    for p in procs:
        if p.wait() != 0:
            sys.exit(f"docker run exited {p.returncode}")
    pending = set(ports)
    while True:
        pending = {port for port in pending if not answering(port)}
        if not pending:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            sys.exit(f"{len(pending)} of {count} not answering after {timeout:g}s")
        time.sleep(0.015)

def remove():
    if names:
        subprocess.run(["docker", "rm", "-f", *names], check=True, stdout=subprocess.DEVNULL)
        names.clear()

try:
    if mode == "one":
        for i in range(int(arg)):
            t = start(f"one{i}", 1)
            remove()
            print("one", round(t * 1e6))
    else:
        total = sum(start(f"layer{k}", int(n)) for k, n in enumerate(arg.split(",")))
        print("layers", round(total * 1e6))
finally:
    remove()
EOF
# ideal_round RUN SAMPLES: records one "ideal one" per single-app start, and one "ideal layers".
ideal_round() {
  local r=$1 n=$2 mode arg step us
  for mode in one layers; do
    arg=$n; [[ $mode == layers ]] && arg=${layer_sizes[$apps]}
    if python3 "$tmp/ideal.py" "$image" "$label" "ark-bench-ideal-$id-$apps-$r" "$wait_timeout" "$mode" "$arg" \
      >"$tmp/ideal.out" 2>"$tmp/ideal.log"; then
      while read -r step us; do record "$r" ideal "$step" "$us"; done <"$tmp/ideal.out"
    else
      fail_log "$tmp/ideal.log"; record "$r" ideal "$mode" "fail:docker run ($mode) failed"; cleanup_labelled
    fi
  done
}


# The phases of one run, rotated per run so that none always goes first on a "warmer" engine.
phases=()
if [[ ${usable[before]} == 1 ]]; then phases+=(before); fi
if [[ ${usable[ark]} == 1 ]]; then phases+=(ark); fi
if [[ -z "$floor_reason" ]]; then phases+=(floor); fi
phases+=(compose)

log "sizes ${sizes[*]} (compose at: ${!measure_compose[*]}); $runs runs each; compose projects arkbench${id}n*, ark environments bench-$id-*"
# Warm-up (untimed): one container start, so the first run does not pay for cold caches.
apps=0
python3 "$tmp/ideal.py" "$image" "$label" "ark-bench-ideal-$id-0" "$wait_timeout" one 1 >/dev/null 2>&1 || cleanup_labelled

for apps in "${sizes[@]}"; do
  D="$tmp/dag-$apps"; compose_file="$D/docker-compose.yml"
  for ((r = 1; r <= runs; r++)); do
    quiesce "$r" ideal
    log "$apps apps, run $r/$runs: ideal ($ideal_samples single-app starts, then layer-parallel)"
    ideal_round "$r" "$ideal_samples"
    k=$(((r - 1) % ${#phases[@]}))
    for tool in "${phases[@]:k}" "${phases[@]:0:k}"; do
      case $tool in
        compose)
          [[ -n "${measure_compose[$apps]:-}" ]] || continue
          quiesce "$r" compose
          log "$apps apps, run $r/$runs: docker-compose (cold, no-op, down)"
          compose_round "arkbench${id}n${apps}r$r" "$r" ;;
        floor)
          quiesce "$r" floor
          log "$apps apps, run $r/$runs: engine floor (all at once through the API, then down)"
          floor_round "$r" ;;
        ark | before)
          quiesce "$r" "$tool"
          log "$apps apps, run $r/$runs: ark $([[ $tool == ark ]] && echo "(after)" || echo before) (cold, no-op, down)"
          ark_round "$tool" "bench-$id-$apps-${tool:0:1}$r" "$r" ;;
      esac
    done
    awk -F'\t' -v n="$apps" -v r="$r" '$1 != n || $2 != r { next }
      $4 == "busy" { printf "  host CPU busy before %s: %d%%\n", $3, $5; next }
      $5 ~ /^fail/ { printf "  %s %s: %s\n", $3, $4, $5; next }
      $4 != "one" { printf "  %s %s: %.2f s\n", $3, $4, $5 / 1e6 }' "$results" >&2
  done
done

# --- report ------------------------------------------------------------------------------------
mkdir -p bench/results
engine="$(docker version --format 'Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}})')"
driver="$(docker info --format '{{.Driver}}' 2>/dev/null || echo '?')"
compose_version="?"
if [[ ${#measure_compose[@]} -gt 0 ]]; then compose_version="$(docker-compose version --short 2>/dev/null || echo '?')"; fi
python3 bench/start_report.py "$results" "$tmp/dags.tsv" --depth "$depth" --runs "$runs" \
  --samples "$ideal_samples" --top "$top" \
  --ark-version "$ark_version" --ark-path "${bin[ark]}" --ark-reason "$ark_reason" \
  --before-version "$before_version" --before-path "$ARK_BEFORE" --before-reason "$before_reason" \
  --floor-reason "$floor_reason" --compose-sizes "${!measure_compose[*]}" \
  --engine "$engine, $driver" --compose-version "$compose_version" --settle "$settle" >"$tmp/start.md"
cp -- "$tmp/start.md" bench/results/start.md
cat "$tmp/start.md"
log "wrote bench/results/start.md"
