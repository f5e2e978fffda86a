#!/usr/bin/env bash
# Benchmark `ark start` against docker-compose (v1) and against the ideal, on the same engine.
#
#   bench/start.sh                  # cargo build --release, then benchmark target/release/ark
#   ARK=path/to/ark bench/start.sh  # benchmark an existing binary (no build)
#   BENCH_BUILD=0 bench/start.sh    # no build: use target/release/ark as it is
#   BENCH_SKIP_ARK=1 bench/start.sh # only docker-compose and the ideal
#
# A catalog of BENCH_APPS (20) busybox-httpd apps in BENCH_DEPTH (4) layers with http checks,
# and the equivalent compose file, come from bench/gen_dag.py (seed BENCH_SEED, 1). Both tools
# run the same image, ark-bench-http:latest, built here from an inline Dockerfile. Each of
# BENCH_RUNS (3) runs, fresh and cleaned up after, measures:
#
#   cold   nothing -> every app healthy.
#            ark:     `ark start -e ENV top` (it returns when every app is ready)
#            compose: `docker-compose up -d`, then `docker inspect` of the project's containers
#                     every 100 ms until all of them are healthy
#   no-op  the same command again (`ark start`; `docker-compose up -d`)
#   down   `ark down -e ENV`; `docker-compose down`
#   ideal  one app: `docker run -d --init` -> its health URL answering (polled from the host
#          every 15 ms on a port published up front); median of BENCH_IDEAL_SAMPLES (5)
#          starts, times the depth. Also, for information, "layer-parallel": each layer's
#          apps started at once with `docker run` -> all answering, summed over the layers
#          (what a perfect orchestrator gets from this engine, which parallel starts load)
#
# Prints a markdown table (median, min-max, targets) and writes it to bench/results/start.md.
# When ark cannot be built or has no `start`/`down` yet, its cells read "ark: not available"
# and the compose and ideal parts still run.
#
# Other knobs: BENCH_TIMEOUT (s, per wait, default 180), BENCH_SETTLE (s, default 20: before each
# phase, wait up to that long for the host CPU to go below 25% busy). Needs docker, docker-compose 1.x,
# python3, bash >= 5. Everything it creates belongs to this run (compose projects
# `arkbench<id>r<N>`, ark environments `bench-<id>-<N>`, single-app containers labelled
# ark-bench.run=<id>) and is removed on exit, whatever happens (`docker-compose down -v`,
# `ark down`, then by those names/labels); nothing else is touched. The image is kept.
set -euo pipefail

die() { echo "bench/start.sh: error: $*" >&2; exit 1; }
log() { echo "bench/start.sh: $*" >&2; }

# Resolve ARK to an absolute path before changing directory.
if [[ -n "${ARK:-}" ]]; then
  if [[ "$ARK" != */* ]]; then ARK="$(command -v -- "$ARK")" || die "ARK=$ARK not found on PATH"; fi
  ARK="$(cd -- "$(dirname -- "$ARK")" && pwd)/$(basename -- "$ARK")"
  ark_from_env=1
else
  ark_from_env=0
fi

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"

apps="${BENCH_APPS:-20}"
depth="${BENCH_DEPTH:-4}"
seed="${BENCH_SEED:-1}"
runs="${BENCH_RUNS:-3}"
ideal_samples="${BENCH_IDEAL_SAMPLES:-5}"
wait_timeout="${BENCH_TIMEOUT:-180}"
settle="${BENCH_SETTLE:-20}"
image="ark-bench-http:latest"
for v in apps depth seed runs ideal_samples wait_timeout; do
  [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -ge 1 ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ "$settle" =~ ^[0-9]+$ ]] || die "BENCH_SETTLE must be a whole number of seconds (got '$settle')"

[[ -n "${EPOCHREALTIME:-}" ]] || die "bash >= 5 is required (EPOCHREALTIME)"
command -v python3 >/dev/null 2>&1 || die "python3 is required"
command -v docker >/dev/null 2>&1 || die "docker is required"
command -v docker-compose >/dev/null 2>&1 || die "docker-compose (v1) is required"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "cannot reach the Docker engine"

# --- state and cleanup (always) ----------------------------------------------------------------
id="$(python3 -c 'import secrets; print(secrets.token_hex(3))')"
label="ark-bench.run=$id"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench-start.XXXXXX")"
D="$tmp/dag"
compose_file="$D/docker-compose.yml"
declare -A live_projects=() live_envs=()
ark_ok=0

compose() { docker-compose --ansi never -p "$1" -f "$compose_file" "${@:2}"; }
ark() { "$ARK" -q --apps "$D/apps" --environments "$D/environments" "$@"; }

cleanup_project() {
  compose "$1" down -v --remove-orphans -t 2 >>"$tmp/cleanup.log" 2>&1 \
    || log "warning: cleanup of compose project $1 failed (see: docker ps -a --filter label=com.docker.compose.project=$1)"
  unset 'live_projects[$1]'
}
# ark labels what it creates with its environment (src/runtime/labels.rs); the environment
# names are this run's own, so whatever `ark down` leaves behind is removed by that label.
ark_env_label() { echo "dev.ark.environment=$1"; }
ark_leftovers() {
  docker ps -aq --filter "label=$(ark_env_label "$1")"
  docker network ls -q --filter "label=$(ark_env_label "$1")"
}
cleanup_env() {
  local ids nets
  # `ark down` of an environment with nothing on the engine is an error: only when needed.
  if [[ $ark_ok == 1 && -n "$(ark_leftovers "$1")" ]]; then
    ark down -e "$1" >>"$tmp/cleanup.log" 2>&1 || log "warning: ark down -e $1 failed during cleanup"
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
cleanup_ideal() {
  local ids
  ids="$(docker ps -aq --filter "label=$label")"
  if [[ -n "$ids" ]]; then
    # shellcheck disable=SC2086 # one id per word
    docker rm -f $ids >>"$tmp/cleanup.log" 2>&1 || log "warning: could not remove containers labelled $label"
  fi
}
cleanup() {
  local rc=$? p e
  trap - EXIT INT TERM
  for p in "${!live_projects[@]}"; do cleanup_project "$p"; done
  for e in "${!live_envs[@]}"; do cleanup_env "$e"; done
  cleanup_ideal
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- image, catalog, ark -----------------------------------------------------------------------
if ! docker image inspect busybox:latest >/dev/null 2>&1; then
  log "busybox:latest missing: running scripts/seed-busybox.sh"
  scripts/seed-busybox.sh >&2
fi
log "building $image (FROM busybox:latest)"
docker build -q -t "$image" - >"$tmp/build.log" 2>&1 <<'EOF' || { cat "$tmp/build.log" >&2; die "docker build of $image failed"; }
FROM busybox:latest
RUN mkdir -p /www && echo ok >/www/_health
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
EOF

top="$(python3 bench/gen_dag.py "$D" --apps "$apps" --depth "$depth" --seed "$seed" --image "$image" 2>"$tmp/gen.log")" \
  || { cat "$tmp/gen.log" >&2; die "bench/gen_dag.py failed"; }
dag_summary="$(sed 's/^gen_dag.py: //; s/ -> .*//' "$tmp/gen.log")"
layer_sizes="$(sed -n 's/.*layers (\([0-9/]*\)).*/\1/p' "$tmp/gen.log" | tr / ,)"
[[ "$layer_sizes" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "cannot read the layer sizes from: $(cat "$tmp/gen.log")"
compose "arkbenchcheck" config -q || die "docker-compose rejects the generated $compose_file"

ark_reason=""
if [[ "${BENCH_SKIP_ARK:-0}" == 1 ]]; then
  ark_reason="skipped (BENCH_SKIP_ARK=1)"
elif [[ $ark_from_env == 0 ]]; then
  ARK="${CARGO_TARGET_DIR:-$root/target}/release/ark"
  if [[ "${BENCH_BUILD:-1}" == 1 ]]; then
    log "cargo build --release"
    if ! cargo build --release >"$tmp/cargo.log" 2>&1; then
      tail -n 20 "$tmp/cargo.log" >&2
      ark_reason="cargo build --release failed"
    fi
  fi
fi
if [[ -z "$ark_reason" ]]; then
  if [[ ! -x "$ARK" ]]; then
    ark_reason="no executable at $ARK"
  elif ! "$ARK" start --help >/dev/null 2>&1; then
    ark_reason="\`ark start\` is not implemented in $ARK"
  elif ! "$ARK" down --help >/dev/null 2>&1; then
    ark_reason="\`ark down\` is not implemented in $ARK"
  else
    ark_ok=1
  fi
fi
if [[ $ark_ok == 1 ]]; then
  ark_version="$("$ARK" --version 2>/dev/null || echo "ark (unknown version)")"
  log "ark: $ark_version ($ARK)"
else
  ark_version=""
  log "ark: not available: $ark_reason"
fi

# --- measuring ---------------------------------------------------------------------------------
results="$tmp/results.tsv"
: >"$results"
# record RUN TOOL STEP VALUE  (VALUE: microseconds, or "fail:<why>")
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"; }
# Sleep until the absolute time $1 (microseconds of EPOCHREALTIME), if it is still ahead.
sleep_until() {
  local now=${EPOCHREALTIME//[.,]/} left
  left=$(($1 - now))
  if ((left > 0)); then sleep "$(printf '%d.%06d' $((left / 1000000)) $((left % 1000000)))"; fi
}
fail_log() { tail -n 15 "$1" | sed 's/^/    | /' >&2; }

# cpu_busy SECONDS: the host's CPU busy % over that time.
cpu_busy() {
  python3 - "$1" <<'EOF'
import sys, time
def snap():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = snap(); time.sleep(float(sys.argv[1])); t1, i1 = snap()
print(round(100 * (1 - (i1 - i0) / max(1, t1 - t0))))
EOF
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

# ark_step STEP RUN ARK-ARGS...: times one ark command, which must exit 0.
ark_step() {
  local step=$1 r=$2 logf="$tmp/ark-$1.log" t0 t1 rc=0
  shift 2
  t0=${EPOCHREALTIME//[.,]/}
  ark "$@" >"$logf" 2>&1 || rc=$?
  t1=${EPOCHREALTIME//[.,]/}
  if [[ $rc -ne 0 ]]; then
    fail_log "$logf"; record "$r" ark "$step" "fail:ark $1 exited $rc"; return 1
  fi
  record "$r" ark "$step" $((t1 - t0))
}

ark_round() {
  local e=$1 r=$2 n
  live_envs[$e]=1
  if ark_step cold "$r" start -e "$e" "$top"; then
    n="$(ark_containers "$e")"
    if [[ "$n" -ne "$apps" ]]; then
      log "warning: after ark start, $n containers run in $e (expected $apps)"
      record "$r" ark check "fail:after ark start, $n containers labelled $(ark_env_label "$e") run (expected $apps)"
    fi
    ark_step noop "$r" start -e "$e" "$top" || true
  fi
  if ark_step down "$r" down -e "$e"; then
    n="$(ark_containers "$e" -a)"
    if [[ "$n" -ne 0 ]]; then record "$r" ark check "fail:after ark down, $n containers labelled $(ark_env_label "$e") remain"; fi
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
    arg=$n; [[ $mode == layers ]] && arg=$layer_sizes
    if python3 "$tmp/ideal.py" "$image" "$label" "ark-bench-ideal-$id-$r" "$wait_timeout" "$mode" "$arg" \
      >"$tmp/ideal.out" 2>"$tmp/ideal.log"; then
      while read -r step us; do record "$r" ideal "$step" "$us"; done <"$tmp/ideal.out"
    else
      fail_log "$tmp/ideal.log"; record "$r" ideal "$mode" "fail:docker run ($mode) failed"; cleanup_ideal
    fi
  done
}

log "$dag_summary; $runs runs; compose projects arkbench${id}r*, ark environments bench-$id-*"
# Warm-up (untimed): one container start, so the first run does not pay for cold caches.
python3 "$tmp/ideal.py" "$image" "$label" "ark-bench-ideal-$id-0" "$wait_timeout" one 1 >/dev/null 2>&1 || cleanup_ideal

for ((r = 1; r <= runs; r++)); do
  quiesce "$r" ideal
  log "run $r/$runs: ideal ($ideal_samples single-app starts)"
  ideal_round "$r" "$ideal_samples"
  # Alternate which tool goes first, so neither always runs on a "warmer" engine.
  order=(compose ark)
  ((r % 2 == 0)) && order=(ark compose)
  for tool in "${order[@]}"; do
    if [[ $tool == ark && $ark_ok != 1 ]]; then continue; fi
    quiesce "$r" "$tool"
    if [[ $tool == compose ]]; then
      log "run $r/$runs: docker-compose (cold, no-op, down)"
      compose_round "arkbench${id}r$r" "$r"
    elif [[ $ark_ok == 1 ]]; then
      log "run $r/$runs: ark (cold, no-op, down)"
      ark_round "bench-$id-$r" "$r"
    fi
  done
  awk -F'\t' -v r="$r" '$1 == r && $3 == "busy" { printf "  host CPU busy before %s: %d%%\n", $2, $4; next }
    $1 == r && $4 !~ /^fail/ && $3 != "one" { printf "  %s %s: %.2f s\n", $2, $3, $4 / 1e6 }
    $1 == r && $4 ~ /^fail/ { printf "  %s %s: %s\n", $2, $3, $4 }' "$results" >&2
done

# --- report ------------------------------------------------------------------------------------
mkdir -p bench/results
engine="$(docker version --format 'Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}})')"
driver="$(docker info --format '{{.Driver}}' 2>/dev/null || echo '?')"
compose_version="$(docker-compose version --short 2>/dev/null || echo '?')"
python3 - "$results" "$apps" "$depth" "$seed" "$runs" "$ideal_samples" "$dag_summary" "$top" \
  "$ark_version" "$ark_reason" "$engine, $driver" "$compose_version" >"$tmp/start.md" <<'EOF'
import os, platform, statistics, sys, time
(path, apps, depth, seed, runs, samples, dag, top, ark_version, ark_reason, engine,
 compose_version) = sys.argv[1:]
apps, depth, runs, samples = int(apps), int(depth), int(runs), int(samples)
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]

def values(tool, step):
    ok, fails = [], []
    for r, t, s, v in rows:
        if t == tool and s == step:
            (fails.append((int(r), v[5:])) if v.startswith("fail:") else ok.append((int(r), int(v) / 1e6)))
    return ok, fails

# ideal: per run, the median of its samples times the depth
ideal_one_runs = {}
for r, t, s, v in rows:
    if t == "ideal" and s == "one" and not v.startswith("fail:"):
        ideal_one_runs.setdefault(int(r), []).append(int(v) / 1e6)
one = {r: statistics.median(v) for r, v in sorted(ideal_one_runs.items())}
ideal = {r: depth * v for r, v in one.items()}

def summary(vals):
    return (statistics.median(vals), min(vals), max(vals)) if vals else None

def fmt(s, n_ok=None):
    if s is None:
        return "failed"
    med, lo, hi = s
    extra = f", {n_ok}/{runs} ok" if n_ok is not None and n_ok < runs else ""
    return f"**{med:.2f} s** ({lo:.2f}–{hi:.2f}{extra})"

ark_available = bool(ark_version)
NA = "ark: not available"
stats = {}
for tool in ("ark", "compose"):
    for step in ("cold", "noop", "down"):
        ok, fails = values(tool, step)
        stats[tool, step] = (summary([v for _, v in ok]), len(ok), fails)
ideal_s = summary(list(ideal.values()))
layers_ok, _ = values("ideal", "layers")
layers_s = summary([v for _, v in layers_ok])
one_s = summary(list(one.values()))

def cell(tool, step):
    if tool == "ark" and not ark_available:
        return NA
    s, n, _ = stats[tool, step]
    return fmt(s, n)

def met_cold():
    a, c = stats["ark", "cold"][0], stats["compose", "cold"][0]
    if not ark_available or a is None:
        return "—"
    parts, good = [], True
    if c:
        parts.append(f"{a[0] / c[0]:.2f}× compose"); good &= a[0] <= 0.35 * c[0]
    if ideal_s:
        parts.append(f"{a[0] / ideal_s[0]:.2f}× ideal"); good &= a[0] <= 2 * ideal_s[0]
    return ("yes" if good else "**no**") + " (" + ", ".join(parts) + ")"

def met_abs(step, limit):
    a = stats["ark", step][0]
    if not ark_available or a is None:
        return "—"
    return "yes" if a[0] <= limit else "**no**"

compose_cold = stats["compose", "cold"][0]
cold_target = "≤ 0.35× compose" + (f" (≤ {0.35 * compose_cold[0]:.2f} s)" if compose_cold else "") \
    + " and ≤ 2× ideal" + (f" (≤ {2 * ideal_s[0]:.2f} s)" if ideal_s else "")
cpu = platform.processor() or "?"
if os.path.exists("/proc/cpuinfo"):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), cpu)

out = []
p = out.append
p(f"# ark start benchmark: {apps} apps, depth {depth}\n")
p(f"- catalog: {dag} (`bench/gen_dag.py`); target app `{top}`; busybox httpd apps, http check `/_health`")
p(f"- ark: `{ark_version}`" if ark_available else f"- ark: not available — {ark_reason}")
p(f"- engine: {engine}; docker-compose {compose_version} (file format 2.4, HEALTHCHECK every 500ms, "
  "`depends_on: condition: service_healthy`, `init: true`)")
p(f"- host: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; {time.strftime('%Y-%m-%d %H:%M')}")
host_busy = [int(v) for r, t, s, v in rows if s == "busy"]
if host_busy:
    p(f"- host CPU busy just before each phase (1 s sample, after waiting up to {os.environ.get('BENCH_SETTLE', '20')} s "
      f"for < 25%; other load skews every figure): median {statistics.median(host_busy):.0f}%, max {max(host_busy)}%")
p(f"- {runs} runs of each, fresh (everything removed between runs); median **bold**, (min–max)")
p(f"- compose cold = `docker-compose up -d` + `docker inspect` every 100 ms until all {apps} are healthy; "
  f"ideal = {depth} (depth) × one app's `docker run -d --init` → health URL answering "
  f"(host polls every 15 ms; median of {samples} starts per run)\n")
p("| Step | ark | docker-compose | ideal | Target (ark) | Met |")
p("|:---|---:|---:|---:|:---|:---|")
p(f"| cold: nothing → all {apps} healthy | {cell('ark', 'cold')} | {cell('compose', 'cold')} | "
  f"{fmt(ideal_s)} | {cold_target} | {met_cold()} |")
p(f"| no-op re-run | {cell('ark', 'noop')} | {cell('compose', 'noop')} | — | ≤ 0.3 s | {met_abs('noop', 0.3)} |")
p(f"| down ({apps} apps) | {cell('ark', 'down')} | {cell('compose', 'down')} | — | ≤ 3 s | {met_abs('down', 3.0)} |")
p(f"| one app (ideal, single start) | — | — | {fmt(one_s)} | — | — |")
p(f"| layer-parallel start (informative: each layer's apps `docker run` at once, summed over the {depth} layers) "
  f"| — | — | {fmt(layers_s, len(layers_ok))} | — | — |")

p("\n<details><summary>every run (s)</summary>\n")
p("| Run | CPU busy before ideal/compose/ark | ark cold | ark no-op | ark down | compose cold | compose no-op | compose down | ideal one app (samples) | ideal × depth | layer-parallel |")
p("|---:|---:|---:|---:|---:|---:|---:|---:|:---|---:|---:|")
for r in range(1, runs + 1):
    hb = {t: v for rr, t, s, v in rows if rr == str(r) and s == "busy"}
    cells = ["/".join(hb[t] + "%" if t in hb else "–" for t in ("ideal", "compose", "ark"))]
    for tool in ("ark", "compose"):
        for step in ("cold", "noop", "down"):
            v = [x for x in rows if x[0] == str(r) and x[1] == tool and x[2] == step]
            if tool == "ark" and not ark_available:
                cells.append("n/a")
            elif not v:
                cells.append("—")
            elif v[0][3].startswith("fail:"):
                cells.append("failed: " + v[0][3][5:])
            else:
                cells.append(f"{int(v[0][3]) / 1e6:.2f}")
    smp = ideal_one_runs.get(r, [])
    cells.append(" ".join(f"{x:.3f}" for x in smp) or "failed")
    cells.append(f"{ideal[r]:.2f}" if r in ideal else "—")
    lp = [v for rr, v in layers_ok if rr == r]
    cells.append(f"{lp[0]:.2f}" if lp else "—")
    p(f"| {r} | " + " | ".join(cells) + " |")
checks = [x for x in rows if x[2] == "check"]
for r, t, s, v in checks:
    p(f"\nrun {r}: {t}: {v[5:]}")
p("\n</details>")
print("\n".join(out))
EOF
cp -- "$tmp/start.md" bench/results/start.md
cat "$tmp/start.md"
log "wrote bench/results/start.md"
