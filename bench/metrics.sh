#!/usr/bin/env bash
# CPU cost of watching an environment: `ark metrics` against `docker stats`, same containers,
# same 30 s, both writing to /dev/null.
#
#   bench/metrics.sh                  # cargo build --release, then measure target/release/ark
#   ARK=path/to/ark bench/metrics.sh  # measure an existing binary (no build)
#
# Starts BENCH_APPS (20) idle apps (busybox `sleep`) as environment `bench-metrics-<pid>`, then
# for each watcher: start it, let it settle BENCH_WARMUP (3) s (connecting, first listing),
# then read its utime+stime from /proc/PID/stat, wait BENCH_SECONDS (30) s, read them again.
# CPU % of one core = Δ(utime+stime) / CLK_TCK / seconds × 100. dockerd's own CPU over the same
# window is shown too (it serves the stats streams for both). Target: ark ≤ 2% of one core.
# Writes the table to bench/results/metrics.md. The environment is removed on exit.
set -euo pipefail

die() { echo "bench/metrics.sh: error: $*" >&2; exit 1; }
log() { echo "bench/metrics.sh: $*" >&2; }

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
apps="${BENCH_APPS:-20}"
seconds="${BENCH_SECONDS:-30}"
warmup="${BENCH_WARMUP:-3}"
env_name="bench-metrics-$$"

if [[ -z "${ARK:-}" ]]; then
  target="${CARGO_TARGET_DIR:-$root/target}"
  log "building the release binary (cargo build --release)"
  (cd -- "$root" && cargo build --release --quiet) || die "cargo build failed"
  ARK="$target/release/ark"
fi
[[ -x "$ARK" ]] || die "no ark binary at $ARK"
command -v docker >/dev/null || die "docker is needed"
docker image inspect busybox:latest >/dev/null 2>&1 || bash "$root/scripts/seed-busybox.sh"

work="$(mktemp -d)"
ark() { "$ARK" --apps "$work/apps" --environments "$work/environments" "$@"; }
cleanup() {
  ark down -e "$env_name" --progress quiet >/dev/null 2>&1 || true
  rm -rf -- "$work"
}
trap cleanup EXIT

mkdir -p "$work/environments"
names=()
for i in $(seq -w 1 "$apps"); do
  name="app-$i"
  names+=("$name")
  mkdir -p "$work/apps/$name/launch"
  printf 'run:\n  image: busybox:latest\n  command: [sleep, "86400"]\n' >"$work/apps/$name/launch/$name.yml"
done
log "starting $apps idle apps in environment $env_name"
ark start -e "$env_name" "${names[@]}" --progress quiet
mapfile -t ids < <(docker ps -q --filter "label=dev.ark.environment=$env_name")
[[ "${#ids[@]}" -eq "$apps" ]] || die "expected $apps running containers, found ${#ids[@]}"

ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
dockerd_pid="$(pidof dockerd 2>/dev/null | awk '{print $1}' || true)"

# measure NAME CMD… → sets result="own% dockerd% own-seconds" for the window. Runs in this
# shell (no subshell: it would inherit the cleanup trap), the watcher in its own session
# (setsid): the docker CLI signals its whole process group when it is stopped.
measure() {
  local name="$1"; shift
  setsid "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$warmup"
  kill -0 "$pid" 2>/dev/null || die "$name exited early"
  local before d_before after d_after
  before="$(cpu_ticks "$pid")"
  d_before="$( [[ -n "$dockerd_pid" ]] && cpu_ticks "$dockerd_pid" || echo 0)"
  sleep "$seconds"
  after="$(cpu_ticks "$pid")"
  d_after="$( [[ -n "$dockerd_pid" ]] && cpu_ticks "$dockerd_pid" || echo 0)"
  # Measured already; docker stats ignores SIGTERM, so no courtesy.
  kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
  result="$(awk -v a="$before" -v b="$after" -v da="$d_before" -v db="$d_after" -v t="$ticks" -v s="$seconds" \
    'BEGIN { printf "%.2f %.2f %.2f\n", (b - a) / t / s * 100, (db - da) / t / s * 100, (b - a) / t }')"
}

log "measuring ark metrics for ${seconds}s"
measure "ark metrics" "$ARK" --apps "$work/apps" --environments "$work/environments" metrics -e "$env_name" -o json
read -r ark_pct ark_dockerd ark_secs <<<"$result"
log "measuring docker stats for ${seconds}s"
measure "docker stats" docker stats --no-trunc "${ids[@]}"
read -r docker_pct docker_dockerd docker_secs <<<"$result"

met="no"; awk -v p="$ark_pct" 'BEGIN { exit !(p <= 2.0) }' && met="yes"
host="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs"
engine="$(docker version --format 'Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}})')"
report="$root/bench/results/metrics.md"
mkdir -p "$(dirname -- "$report")"
cat >"$report" <<MD
# ark metrics benchmark: watching $apps idle apps

- $apps idle busybox apps (\`sleep\`), one environment; each watcher runs ${warmup} s to settle, then is measured for ${seconds} s, output to /dev/null
- CPU = Δ(utime + stime) from /proc/PID/stat over the window, as % of one core; dockerd's CPU over the same window for context (it serves the stats streams)
- ark: \`ark metrics -e ENV -o json\` ($(basename -- "$ARK") at $ARK); docker: \`docker stats --no-trunc ID…\` (the same $apps containers)
- engine: $engine; host: $host; $(date -u '+%Y-%m-%d %H:%M UTC')

| Watcher | CPU (% of one core) | CPU time in ${seconds} s | dockerd meanwhile | Target | Met |
|:---|---:|---:|---:|:---|:---|
| \`ark metrics -o json\` | **${ark_pct}%** | ${ark_secs} s | ${ark_dockerd}% | ≤ 2% | ${met} |
| \`docker stats --no-trunc\` | **${docker_pct}%** | ${docker_secs} s | ${docker_dockerd}% | — | — |
MD
cat "$report"
