#!/usr/bin/env bash
# Benchmark replacing ONE app of a running environment — an app in the middle of the DAG, that
# other apps depend on — as its clients see it, side by side in one run:
#
#   rollover    `ark start -e ENV --set APP.APP_VERSION=2 APP` with ark's default strategy
#               (rollover: the new container beside the old, probed, then it takes the
#               network alias and the old one is retired). Needs an ark whose `start --help`
#               lists `--replace`; with an older ark this column reads "not available".
#   stop-first  the same with `--replace stop-first` (stop the old, then create the new); an
#               ark without `--replace` does exactly that by default, so it runs without it
#   compose     `docker-compose up -d APP` (v1) after APP_VERSION: "2" is written into APP's
#               `environment:` in the compose file (compose stops the old container, then
#               creates the new)
#
#   bench/rollover.sh                # cargo build --release, then benchmark target/release/ark
#   ARK=path/to/ark bench/rollover.sh  # an existing binary (no build)
#   BENCH_BUILD=0 bench/rollover.sh  # use target/release/ark as it is
#   BENCH_RUNS=1 BENCH_APPS=7 BENCH_DEPTH=3 BENCH_OUT= bench/rollover.sh   # a quick dry check
#
# The catalog is bench/gen_dag.py --version-page (BENCH_APPS 20, BENCH_DEPTH 4, seed 1): busybox
# httpd apps that answer `/` with their APP_VERSION ("1" by default). The app replaced is
# BENCH_APP, by default: of the apps that both have dependencies and are depended on, the one with
# the most dependents (first by name on a tie).
#
# Each run, in an order rotating per run, does for each case, in an environment (compose
# project) of its own, fresh: start all the apps (untimed; compose: until every app is
# healthy), wait for the host to go quiet (CPU < 25% over 1 s, up to BENCH_SETTLE s), start
# the client, wait until it has seen the old version answer 10 times, then time the change:
#
#   client   a busybox container on the environment's network (ark: `ark_<env>`, compose:
#            `<project>_default`) starting `timeout 1 wget -q -O - http://APP:8080/` — APP by
#            name, through Docker's DNS, as the apps that depend on it reach it — every 20 ms
#            (`usleep 20000`), each in the background, so one stuck for its 1 s does not stop
#            the others; each result ("ok <version>" or "fail <exit>") is stamped by busybox
#            `ts %.s` (µs) as it ends. It runs with a tty, so `ts` writes each line at once
#            and `docker logs` can be read while it runs. Busybox `date` has no %N and
#            `wget -T` crashes here, hence `ts` and `timeout`.
#   t0       just before the command; it ends when the command exits, or the client saw the
#            new version, whichever is later, plus BENCH_TAIL (2) s; then the client is killed
#            and its log read. The host clock and the client's are the same kernel clock.
#
# Figures per case (bench/rollover_report.py): the command's own time; t0 → the first answer
# from the new version; the longest time between two answers (any version) across the change
# (from the last answer before t0); the requests that ended unanswered after t0; the answers from the old
# version after the first from the new (both answering: DNS still lists the old). Median
# (min–max) over BENCH_RUNS (3).
#
# Report: bench/results/rollover.md (BENCH_OUT: another path; empty: stdout only). Knobs:
# BENCH_TIMEOUT (s, per wait, 120), BENCH_KEEP (a folder: the raw results and the clients' and
# commands' logs are copied there on exit). Needs docker, python3, bash >= 5, docker-compose 1.x.
# Everything it creates is this run's own — ark environments rb-<pid>-<case><run>, compose
# projects rb<pid>c<run>, the client containers rb-<pid>-client-* labelled
# ark-bench.run=rb-<pid> — and is removed on exit, whatever happens. The images are kept.
set -euo pipefail

die() { echo "bench/rollover.sh: error: $*" >&2; exit 1; }
log() { echo "bench/rollover.sh: $*" >&2; }

if [[ -n "${ARK:-}" ]]; then
  [[ "$ARK" == */* ]] || ARK="$(command -v -- "$ARK")" || die "ARK not found on PATH"
  ARK="$(cd -- "$(dirname -- "$ARK")" && pwd)/$(basename -- "$ARK")"
  build=0
else
  build="${BENCH_BUILD:-1}"
fi
root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"
ARK="${ARK:-${CARGO_TARGET_DIR:-$root/target}/release/ark}"

runs="${BENCH_RUNS:-3}" apps="${BENCH_APPS:-20}" depth="${BENCH_DEPTH:-4}"
tail_s="${BENCH_TAIL:-2}" wait_timeout="${BENCH_TIMEOUT:-120}" settle="${BENCH_SETTLE:-20}"
out="${BENCH_OUT-bench/results/rollover.md}"
for v in runs apps depth tail_s wait_timeout; do
  [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -ge 1 ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ "$settle" =~ ^[0-9]+$ ]] || die "BENCH_SETTLE must be a whole number of seconds"
[[ -n "${EPOCHREALTIME:-}" ]] || die "bash >= 5 is required (EPOCHREALTIME)"
for c in docker docker-compose python3; do command -v "$c" >/dev/null 2>&1 || die "$c is required"; done
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "cannot reach the Docker engine"

image="ark-bench-http:latest"
port=8080
id="rb-$$"
label="ark-bench.run=$id"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench-rollover.XXXXXX")"
D="$tmp/dag"
results="$tmp/results.tsv"
: >"$results"
declare -A live_envs=() live_projects=()

now() { echo "${EPOCHREALTIME//[.,]/}"; }
# record RUN CASE KEY VALUE: VALUE is microseconds of the host clock, or "fail:<why>".
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"; }
ark() { "$ARK" -q --apps "$D/apps" --environments "$D/environments" "$@"; }
compose() { docker-compose --ansi never -p "$1" -f "$tmp/compose-$1.yml" "${@:2}"; }
env_label() { echo "dev.ark.environment=$1"; }

# --- cleanup (always) --------------------------------------------------------------------------
# The client first: a container still on an environment's network keeps `ark down` (and
# `docker-compose down`) from removing that network.
remove_clients() {
  local ids
  ids="$(docker ps -aq --filter "label=$label")"
  # shellcheck disable=SC2086 # one id per word
  if [[ -n "$ids" ]]; then docker rm -f $ids >>"$tmp/cleanup.log" 2>&1 || log "warning: could not remove the clients ($label)"; fi
}
cleanup_env() {
  local e=$1 ids
  if [[ -n "$(docker ps -aq --filter "label=$(env_label "$e")")$(docker network ls -q --filter "label=$(env_label "$e")")" ]]; then
    ark down -e "$e" >>"$tmp/cleanup.log" 2>&1 || log "warning: ark down -e $e failed during cleanup"
  fi
  # ark labels everything it creates with its environment, and the names are this run's own.
  ids="$(docker ps -aq --filter "label=$(env_label "$e")")"
  if [[ -n "$ids" ]]; then
    # shellcheck disable=SC2086 # one id per word
    log "warning: ark down -e $e left $(docker inspect --format '{{.Name}} ({{.State.Status}})' $ids | tr -d / | tr '\n' ' ')— removing them"
    # shellcheck disable=SC2086 # one id per word
    docker rm -f $ids >>"$tmp/cleanup.log" 2>&1 || true
  fi
  ids="$(docker network ls -q --filter "label=$(env_label "$e")")"
  # shellcheck disable=SC2086 # one id per word
  if [[ -n "$ids" ]]; then docker network rm $ids >>"$tmp/cleanup.log" 2>&1 || true; fi
  unset 'live_envs[$e]'
}
cleanup_project() {
  compose "$1" down -v --remove-orphans -t 2 >>"$tmp/cleanup.log" 2>&1 \
    || log "warning: cleanup of compose project $1 failed (docker ps -a --filter label=com.docker.compose.project=$1)"
  unset 'live_projects[$1]'
}
cleanup() {
  local rc=$? k
  trap - EXIT INT TERM
  remove_clients
  for k in "${!live_envs[@]}"; do cleanup_env "$k"; done
  for k in "${!live_projects[@]}"; do cleanup_project "$k"; done
  if [[ -n "${BENCH_KEEP:-}" ]]; then
    mkdir -p -- "$BENCH_KEEP" && cp -- "$tmp"/*.tsv "$tmp"/*.log "$BENCH_KEEP"/ 2>/dev/null || true
  fi
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
# The same image as bench/start.sh and bench/swarm.sh build.
docker build -q -t "$image" - >"$tmp/build.log" 2>&1 <<'DOCKERFILE' || { cat "$tmp/build.log" >&2; die "docker build of $image failed"; }
FROM busybox:latest
RUN mkdir -p /www && echo ok >/www/_health
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
python3 bench/gen_dag.py "$D" --apps "$apps" --depth "$depth" --image "$image" --version-page >/dev/null 2>"$tmp/gen.log" \
  || { cat "$tmp/gen.log" >&2; die "bench/gen_dag.py failed"; }
dag="$(sed 's/^gen_dag.py: //; s/ -> .*//' "$tmp/gen.log")"

# pick_app: the app replaced, and how many apps depend on it (APP TAB DEPENDENTS TAB DEPS).
pick_app() {
  python3 - "$D/apps" "${BENCH_APP:-}" <<'PY'
import os, sys
folder, wanted = sys.argv[1:3]
deps = {}
for f in sorted(os.listdir(folder)):
    if f.endswith(".yml"):
        line = next((l for l in open(os.path.join(folder, f)) if l.startswith("dependencies:")), "")
        deps[f[:-4]] = [d.strip() for d in line.partition("[")[2].rstrip("]\n").split(",") if d.strip()]
dependents = {a: sorted(b for b in deps if a in deps[b]) for a in deps}
if wanted:
    if wanted not in deps:
        sys.exit(f"BENCH_APP={wanted} is not an app of the catalog ({', '.join(deps)})")
    app = wanted
else:
    middle = [a for a in deps if deps[a] and dependents[a]]
    if not middle:
        sys.exit("no app both has dependencies and is depended on: use BENCH_DEPTH >= 3")
    app = min(middle, key=lambda a: (-len(dependents[a]), a))
print(f"{app}\t{', '.join(dependents[app]) or '—'}\t{', '.join(deps[app]) or '—'}")
PY
}
IFS=$'\t' read -r app app_dependents app_deps < <(pick_app) || die "cannot pick the app to replace"
[[ -n "$app" ]] || die "cannot pick the app to replace"

ark_reason=""
if [[ "$build" == 1 ]]; then
  log "cargo build --release"
  if ! cargo build --release >"$tmp/cargo.log" 2>&1; then tail -n 20 "$tmp/cargo.log" >&2; die "cargo build --release failed"; fi
fi
[[ -x "$ARK" ]] || die "no executable at $ARK"
"$ARK" start --help >/dev/null 2>&1 || die "\`ark start\` is not implemented in $ARK"
ark_version="$("$ARK" --version 2>/dev/null || echo "ark (unknown version)")"
# The strategy flag arrives with rollover; before it, stop-and-recreate is all ark does.
if "$ARK" start --help 2>/dev/null | grep -e --replace >/dev/null; then
  cases=(rollover stop-first compose)
  stop_first_args=(--replace stop-first)
else
  cases=(stop-first compose)
  stop_first_args=()
  ark_reason="this ark has no \`--replace\` (rollover): its default is stop-and-recreate, measured as stop-first"
  log "note: $ark_reason; the rollover case needs the new build (ARK=...)"
fi
log "ark: $ark_version ($ARK); replacing $app (depended on by: $app_dependents) in $dag"

# --- measuring ---------------------------------------------------------------------------------
cpu_busy() {  # cpu_busy SECONDS: the host's CPU busy % over that time
  python3 - "$1" <<'PY'
import sys, time
def snap():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = snap(); time.sleep(float(sys.argv[1])); t1, i1 = snap()
print(round(100 * (1 - (i1 - i0) / max(1, t1 - t0))))
PY
}
# quiesce RUN CASE: the cold start's churn goes on after it returns, and other load on the host
# skews every figure: wait (up to BENCH_SETTLE s) for CPU < 25% over 1 s; records the last sample.
quiesce() {
  local b waited=0
  while :; do
    b="$(cpu_busy 1)"; waited=$((waited + 1))
    if ((b < 25 || waited >= settle)); then break; fi
  done
  record "$1" "$2" busy "$b"
}

# The client. A request every 20 ms whether or not the previous one has ended (in the
# background): one stuck on an address that has just vanished must not hide, for up to its
# 1 s timeout (busybox `timeout` has whole seconds only), what the requests after it get.
# `ts` stamps a line when it reads it, i.e. when that request has ended; each `echo` is one
# write of a few bytes, so the lines of requests ending together do not mix.
client_script='
while :; do
  { if v=$(timeout 1 wget -q -O - "$TARGET" 2>/dev/null); then echo "ok $v"; else echo "fail $?"; fi; } &
  usleep 20000
done | ts %.s'
# client_start NAME NETWORK: the client, running, once it has seen the old version 10 times.
client_start() {
  local c=$1 deadline
  docker run -d -t --name "$c" --label "$label" --network "$2" -e "TARGET=http://$app:$port/" \
    busybox:latest sh -c "$client_script" >/dev/null || return 1
  deadline=$(($(now) + wait_timeout * 1000000))
  until [[ "$(docker logs "$c" 2>&1 | tr -d '\r' | grep -c ' ok 1$')" -ge 10 ]]; do
    if (($(now) > deadline)); then log "the client never saw $app answer: $(docker logs --tail 3 "$c" 2>&1 | tr -d '\r')"; return 1; fi
    sleep 0.1
  done
}
# client_wait NAME CMD_END: until the client has seen the new version, then BENCH_TAIL s more.
client_wait() {
  local c=$1 deadline=$(($2 + wait_timeout * 1000000)) seen=""
  until docker logs "$c" 2>&1 | tr -d '\r' | grep ' ok 2$' >/dev/null; do
    if (($(now) > deadline)); then seen="no"; break; fi
    sleep 0.1
  done
  sleep "$tail_s"
  [[ -z "$seen" ]]
}
# client_collect NAME RUN CASE: kill it, keep its log for the report.
client_collect() {
  docker kill "$1" >/dev/null 2>&1 || true
  docker logs "$1" 2>&1 | tr -d '\r' >"$tmp/client-$3-$2.log"
  docker rm -f "$1" >/dev/null 2>&1 || true
  printf '%s\t%s\t%s\n' "$2" "$3" "$tmp/client-$3-$2.log" >>"$tmp/clients.tsv"
}

# measure RUN CASE NETWORK CMD...: the client around CMD; records t0, cmd (the command's end).
measure() {
  local r=$1 k=$2 net=$3 c="$id-client-$2-$1" t0 t1 rc=0
  shift 3
  quiesce "$r" "$k"
  if ! client_start "$c" "$net"; then record "$r" "$k" t0 "fail:the client could not reach $app"; return 1; fi
  t0=$(now)
  "$@" >"$tmp/$k-$r.log" 2>&1 || rc=$?
  t1=$(now)
  if ((rc)); then
    tail -n 10 "$tmp/$k-$r.log" | sed 's/^/    | /' >&2
    client_collect "$c" "$r" "$k"
    record "$r" "$k" t0 "fail:the command exited $rc"; return 1
  fi
  record "$r" "$k" t0 "$t0"
  record "$r" "$k" cmd "$t1"
  client_wait "$c" "$t1" || record "$r" "$k" new "fail:the client never saw version 2 (${wait_timeout}s)"
  client_collect "$c" "$r" "$k"
}

ark_case() {  # ark_case RUN CASE ARGS...: fresh environment, the change, down
  local r=$1 k=$2 e="$id-${2:0:1}$1"
  shift 2
  live_envs[$e]=1
  if ! ark start -e "$e" top >"$tmp/cold-$e.log" 2>&1; then
    tail -n 10 "$tmp/cold-$e.log" >&2; record "$r" "$k" t0 "fail:ark start -e $e top failed"
  else
    measure "$r" "$k" "ark_$e" ark start -e "$e" --set "$app.APP_VERSION=2" "$@" "$app" || true
  fi
  remove_clients
  cleanup_env "$e"
}

compose_case() {  # compose_case RUN: fresh project, healthy, the change, down
  local r=$1 p="rb$$c$1" deadline ids=() n
  live_projects[$p]=1
  cp -- "$D/docker-compose.yml" "$tmp/compose-$p.yml"
  if ! compose "$p" up -d >"$tmp/cold-$p.log" 2>&1; then
    tail -n 10 "$tmp/cold-$p.log" >&2; record "$r" compose t0 "fail:docker-compose up -d failed"
  else
    mapfile -t ids < <(docker ps -aq --filter "label=com.docker.compose.project=$p")
    deadline=$(($(now) + wait_timeout * 1000000))
    while :; do
      n="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "${ids[@]}" | grep -c '^healthy$' || true)"
      ((n == apps)) && break
      if (($(now) > deadline)); then n=fail; break; fi
      sleep 0.1
    done
    if [[ "$n" == fail ]]; then
      record "$r" compose t0 "fail:not every app healthy after ${wait_timeout}s"
    else
      # APP's own block only: from its `  APP:` line to the next service.
      sed -i "/^  $app:\$/,/^  [^ ]/ s/^      APP_VERSION: \"1\"\$/      APP_VERSION: \"2\"/" "$tmp/compose-$p.yml"
      [[ "$(grep -c 'APP_VERSION: "2"' "$tmp/compose-$p.yml")" == 1 ]] || die "could not change $app's APP_VERSION in the compose file"
      measure "$r" compose "${p}_default" compose "$p" up -d "$app" || true
    fi
  fi
  remove_clients
  cleanup_project "$p"
}

: >"$tmp/clients.tsv"
for ((r = 1; r <= runs; r++)); do
  k=$(((r - 1) % ${#cases[@]}))
  for c in "${cases[@]:k}" "${cases[@]:0:k}"; do
    log "run $r/$runs: $c"
    case $c in
      rollover) ark_case "$r" rollover ;;
      stop-first) ark_case "$r" stop-first "${stop_first_args[@]}" ;;
      compose) compose_case "$r" ;;
    esac
  done
done

# --- report ------------------------------------------------------------------------------------
python3 bench/rollover_report.py "$results" "$tmp/clients.tsv" --runs "$runs" --app "$app" \
  --dependents "$app_dependents" --deps "$app_deps" --dag "$dag" --port "$port" --tail "$tail_s" --settle "$settle" \
  --ark "$ark_version ($ARK)" --ark-reason "$ark_reason" --stop-first-args "${stop_first_args[*]}" \
  --engine "$(docker version --format 'Docker Engine {{.Server.Version}}'), $(docker info --format '{{.Driver}}')" \
  --compose "$(docker-compose version --short 2>/dev/null || echo '?')" >"$tmp/rollover.md"
cat "$tmp/rollover.md"
if [[ -n "$out" ]]; then
  mkdir -p -- "$(dirname -- "$out")"
  cp -- "$tmp/rollover.md" "$out"
  log "wrote $out"
fi
