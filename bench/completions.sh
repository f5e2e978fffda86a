#!/usr/bin/env bash
# Benchmark shell completion of names on a generated 1000-app catalog with hyperfine: what one
# Tab costs (the shell runs `ARK_COMPLETE=bash ark -- WORDS…`), without an engine (DOCKER_HOST
# is a dead socket) and with this machine's engine answering.
#
#   bench/completions.sh                  # cargo build --release, then benchmark it
#   ARK=path/to/ark bench/completions.sh  # benchmark an existing binary (no build)
#
# Knobs: BENCH_APPS (default 1000), BENCH_SEED (default 1). Writes bench/results/completions.md.
# Each command runs through `env` (to set the completion variables), which is counted.
set -euo pipefail

die() { echo "bench/completions.sh: error: $*" >&2; exit 1; }
log() { echo "bench/completions.sh: $*" >&2; }

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"
if [[ -z "${ARK:-}" ]]; then
  log "cargo build --release"
  cargo build --release -q >&2 || die "cargo build failed"
  ARK="${CARGO_TARGET_DIR:-$root/target}/release/ark"
fi
[[ -x "$ARK" ]] || die "no ark binary at $ARK"
command -v hyperfine >/dev/null || { log "installing hyperfine"; apt-get install -y hyperfine >&2; }
apps="${BENCH_APPS:-1000}"
seed="${BENCH_SEED:-1}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench-completions.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
D="$tmp/catalog"
python3 bench/gen_catalog.py "$D" --apps "$apps" --seed "$seed" >/dev/null
dead="unix://$tmp/no-engine.sock"

# tab LABEL DOCKER_HOST WORDS…: a hyperfine command line for one Tab after WORDS (the word
# under the cursor is the empty one at the end).
names=() commands=()
tab() {
  local label="$1" host="$2"; shift 2
  local words=(ark --apps "$D/apps" --environments "$D/environments" "$@" "")
  local line=(env ARK_CONFIG=/nonexistent ARK_COMPLETE=bash "_CLAP_COMPLETE_INDEX=$((${#words[@]} - 1))"
    "DOCKER_HOST=$host" "$ARK" -- "${words[@]}")
  local count
  count="$("${line[@]}" | tr '\013' '\n' | grep -c .)" || die "$label: no candidates"
  names+=("$label ($count candidates)")
  commands+=("$(printf '%q ' "${line[@]}")")
}
tab "ark start -e <Tab>, no engine" "$dead" start -e
tab "ark start -e bench <Tab>, no engine" "$dead" start -e bench
tab "ark logs -e bench <Tab>, no engine" "$dead" logs -e bench
tab "ark start -e <Tab>, engine answering" "${DOCKER_HOST:-unix:///var/run/docker.sock}" start -e

args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${commands[$i]}"); done
# The full catalog load the names-only path avoids, for comparison.
args+=(-n "ark validate ($apps apps): every file parsed" \
  "$(printf '%q ' env ARK_CONFIG=/nonexistent "$ARK" --apps "$D/apps" validate)")

log "$("$ARK" --version), $apps apps (seed $seed)"
hyperfine -N --warmup 3 --min-runs 20 --export-markdown "$tmp/hyperfine.md" "${args[@]}" >&2

mkdir -p bench/results
{
  echo "# ark completion benchmark"
  echo
  echo "- ark: \`$("$ARK" --version)\`; catalog: $apps apps, seed $seed (\`bench/gen_catalog.py\`)"
  echo "- host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs; $(date +%F)"
  echo "- target: ≤ 50 ms a Tab without an engine"
  echo
  cat "$tmp/hyperfine.md"
} >bench/results/completions.md
cat bench/results/completions.md
