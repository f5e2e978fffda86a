#!/usr/bin/env bash
# Benchmark `ark logs` against docker-compose (v1) and `docker logs`, on the same engine.
#
#   bench/logs.sh                  # cargo build --release, then benchmark target/release/ark
#   ARK=path/to/ark bench/logs.sh  # benchmark an existing binary (no build)
#
# History: BENCH_APPS (10) `logger` containers printing BENCH_LINES (100000) lines on stdout
# and as many on stderr, started twice — as an ark environment and as a compose project —
# then, with hyperfine over BENCH_RUNS (3) runs:
#   ark:          ark logs -e ENV > /dev/null
#   compose:      docker-compose logs --no-color > /dev/null
#   docker logs:  docker logs C > /dev/null 2>&1, for each container, one after the other
# Follow: BENCH_FOLLOW_APPS (20) chatty loggers (FOLLOW=1: a line every 100 ms each), followed
# for BENCH_FOLLOW_SECS (30) s by `ark logs -f` and by `docker-compose logs -f`: RSS at the end
# and CPU seconds used. Writes bench/results/logs.md. Everything it creates is removed on exit.
# BENCH_PARTS (history,follow) picks the parts to run.
set -euo pipefail

die() { echo "bench/logs.sh: error: $*" >&2; exit 1; }
log() { echo "bench/logs.sh: $*" >&2; }

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"
if [[ -z "${ARK:-}" ]]; then
  target="${CARGO_TARGET_DIR:-$root/target}"
  log "cargo build --release"
  cargo build --release -q >&2 || die "cargo build failed"
  ARK="$target/release/ark"
fi
[[ -x "$ARK" ]] || die "no ark binary at $ARK"

apps="${BENCH_APPS:-10}"
lines="${BENCH_LINES:-100000}"
runs="${BENCH_RUNS:-3}"
chatty="${BENCH_FOLLOW_APPS:-20}"
follow_secs="${BENCH_FOLLOW_SECS:-30}"
parts="${BENCH_PARTS:-history,follow}"
command -v docker-compose >/dev/null || die "docker-compose (v1) is required"
command -v hyperfine >/dev/null || { log "installing hyperfine"; apt-get install -y hyperfine >&2; }

id="$(python3 -c 'import secrets; print(secrets.token_hex(3))')"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench-logs.XXXXXX")"
image="ark-test-logger:latest"
envs=("blogs-$id" "blogsf-$id")
projects=("arklogs$id" "arklogsf$id")

ark() { "$ARK" -q --apps "$tmp/$1/apps" --environments "$tmp/$1/environments" "${@:2}"; }
compose() { docker-compose --ansi never -p "$1" -f "$tmp/$2/docker-compose.yml" "${@:3}"; }

cleanup() {
  local rc=$? e p ids
  trap - EXIT INT TERM
  for e in "${envs[@]}"; do
    ids="$(docker ps -aq --filter "label=dev.ark.environment=$e")"
    # shellcheck disable=SC2086
    [[ -z "$ids" ]] || docker rm -f $ids >/dev/null 2>&1 || true
    ids="$(docker network ls -q --filter "label=dev.ark.environment=$e")"
    # shellcheck disable=SC2086
    [[ -z "$ids" ]] || docker network rm $ids >/dev/null 2>&1 || true
  done
  for p in "${projects[@]}"; do
    ids="$(docker ps -aq --filter "label=com.docker.compose.project=$p")"
    # shellcheck disable=SC2086
    [[ -z "$ids" ]] || docker rm -f $ids >/dev/null 2>&1 || true
    docker network rm "${p}_default" >/dev/null 2>&1 || true
  done
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ -n "$(docker image ls -q busybox:latest)" ]] || scripts/seed-busybox.sh >&2
docker build -q -t "$image" tests/images/logger >/dev/null

# A catalog of N loggers (ark) and the equivalent compose file: $1 folder, $2 N, $3 env vars.
generate() {
  local dir="$tmp/$1" n="$2" vars="$3" i
  mkdir -p "$dir/environments"
  echo "services:" >"$dir/docker-compose.yml"
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$dir/apps/logger-$i/launch"
    printf 'run:\n  image: %s\nenv: {%s}\n' "$image" "$vars" >"$dir/apps/logger-$i/launch/logger-$i.yml"
    printf '  logger-%s:\n    image: %s\n    init: true\n    environment: {%s}\n' "$i" "$image" "$vars" >>"$dir/docker-compose.yml"
  done
}
names() { local i; for ((i = 1; i <= $1; i++)); do echo "logger-$i"; done; }

# --- history ---------------------------------------------------------------------------------
if [[ ",$parts," == *,history,* ]]; then
generate history "$apps" "LINES: '$lines'"
env="${envs[0]}" project="${projects[0]}"
log "starting $apps loggers x $lines lines (ark environment $env, compose project $project)"
# shellcheck disable=SC2046
ark history start -e "$env" --progress quiet $(names "$apps")
compose "$project" history up -d >/dev/null 2>&1
containers=()
for c in $(docker ps -q --filter "label=dev.ark.environment=$env") \
         $(docker ps -q --filter "label=com.docker.compose.project=$project"); do
  containers+=("$c")
done
log "waiting until every container wrote its lines"
# (stdout and stderr reach the log in batches: look for both last lines near the end)
for c in "${containers[@]}"; do
  while :; do
    docker logs --tail 2000 "$c" >"$tmp/tail.log" 2>&1 || true
    if grep -qx "err $lines" "$tmp/tail.log" && grep -qx "out $lines" "$tmp/tail.log"; then break; fi
    sleep 1
  done
done
compose_only=$(docker ps -q --filter "label=com.docker.compose.project=$project" | tr '\n' ' ')
hyperfine --runs "$runs" --warmup 1 --export-json "$tmp/history.json" \
  -n ark "$ARK -q --apps $tmp/history/apps --environments $tmp/history/environments logs -e $env > /dev/null" \
  -n docker-compose "docker-compose --ansi never -p $project -f $tmp/history/docker-compose.yml logs --no-color > /dev/null" \
  -n "docker logs (sum)" "for c in $compose_only; do docker logs \$c > /dev/null 2>&1; done" >&2
ark_lines=$(ark history logs -e "$env" | wc -l)
[[ "$ark_lines" == $((apps * lines * 2)) ]] || die "ark logs printed $ark_lines lines, expected $((apps * lines * 2))"
ark history down -e "$env" --progress quiet
compose "$project" history down -t 1 >/dev/null 2>&1
fi

# --- follow ----------------------------------------------------------------------------------
ark_cpu=0 ark_rss=0 compose_cpu=0 compose_rss=0
if [[ ",$parts," == *,follow,* ]]; then
generate follow "$chatty" "LINES: '1', FOLLOW: '1'"
env="${envs[1]}" project="${projects[1]}"
log "following $chatty chatty apps for ${follow_secs}s"
# shellcheck disable=SC2046
ark follow start -e "$env" --progress quiet $(names "$chatty")
compose "$project" follow up -d >/dev/null 2>&1
sleep 2
# CPU seconds (user + system, with children) and RSS (KiB) of a process after $follow_secs.
measure() {
  local pid=$1 ticks
  sleep "$follow_secs"
  ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")
  echo "$(python3 -c "import os; print(round($ticks / os.sysconf('SC_CLK_TCK'), 2))") $(ps -o rss= -p "$pid" | tr -d ' ')"
}
# The binaries themselves in the background (not the shell functions: $! would be a subshell).
"$ARK" -q --apps "$tmp/follow/apps" --environments "$tmp/follow/environments" logs -e "$env" -f >/dev/null &
pid=$!
read -r ark_cpu ark_rss < <(measure $pid)
kill -INT $pid; wait $pid || true
docker-compose --ansi never -p "$project" -f "$tmp/follow/docker-compose.yml" logs -f --no-color >/dev/null 2>&1 &
pid=$!
read -r compose_cpu compose_rss < <(measure $pid)
kill -TERM $pid; wait $pid || true
fi

python3 - "$tmp/history.json" "$apps" "$lines" "$chatty" "$follow_secs" \
  "$ark_cpu" "$ark_rss" "$compose_cpu" "$compose_rss" >"$tmp/logs.md" <<'PY'
import json, sys
results, apps, lines, chatty, secs = sys.argv[1], *map(int, sys.argv[2:6])
ark_cpu, ark_rss, compose_cpu, compose_rss = map(float, sys.argv[6:10])
import os
total = apps * lines * 2
print(f"# `ark logs` benchmark\n")
if os.path.exists(results):
  rows = {r["command"]: r for r in json.load(open(results))["results"]}
  print(f"{apps} containers × {lines:,} lines on stdout + {lines:,} on stderr = {total:,} lines; "
      f"{len(next(iter(rows.values()))['times'])} runs each (hyperfine, 1 warm-up).\n")
  print("| command | mean ± σ | lines/s |\n|---|---:|---:|")
  for name, r in rows.items():
    print(f"| {name} | {r['mean']:.2f} ± {r['stddev']:.2f} s | {total / r['mean']:,.0f} |")
  ark, compose, docker = (rows[n]["mean"] for n in ("ark", "docker-compose", "docker logs (sum)"))
  print(f"\n- ark vs docker-compose: **{compose / ark:.1f}×** the throughput (target ≥ 2×)")
  print(f"- ark vs the sum of `docker logs`: **{docker / ark:.2f}×** (target ≥ 0.8×)\n")
if ark_rss:
  print(f"Following {chatty} chatty apps (a line every 100 ms each) for {secs} s:\n")
  print("| follower | CPU seconds | RSS |\n|---|---:|---:|")
  print(f"| `ark logs -f` | {ark_cpu:.2f} | {ark_rss / 1024:.1f} MiB |")
  print(f"| `docker-compose logs -f` | {compose_cpu:.2f} | {compose_rss / 1024:.1f} MiB |")
PY
mkdir -p bench/results
cp "$tmp/logs.md" bench/results/logs.md
cat bench/results/logs.md
