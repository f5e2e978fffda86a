#!/usr/bin/env bash
# Benchmark ark's core commands on a generated 1000-app catalog with hyperfine.
#
#   bench/core.sh                  # cargo build --release, then benchmark target/release/ark
#   ARK=path/to/ark bench/core.sh  # benchmark an existing binary (no build)
#
# Knobs: BENCH_APPS (default 1000), BENCH_SEED (default 1).
# Writes bench/results/core.md (summary with targets; also printed) and
# bench/results/core.hyperfine.md (hyperfine's own --export-markdown table).
set -euo pipefail

die() { echo "bench/core.sh: error: $*" >&2; exit 1; }

# Resolve ARK to an absolute path before changing directory.
if [[ -n "${ARK:-}" ]]; then
  if [[ "$ARK" != */* ]]; then ARK="$(command -v -- "$ARK")" || die "ARK=$ARK not found on PATH"; fi
  ARK="$(cd -- "$(dirname -- "$ARK")" && pwd)/$(basename -- "$ARK")"
fi

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"
apps="${BENCH_APPS:-1000}"
seed="${BENCH_SEED:-1}"

command -v python3 >/dev/null 2>&1 || die "python3 is required"
if ! command -v hyperfine >/dev/null 2>&1; then
  echo "bench/core.sh: hyperfine not found; installing with apt-get" >&2
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get install -y hyperfine >&2 \
    || { $sudo apt-get update >&2 && $sudo apt-get install -y hyperfine >&2; } \
    || die "could not install hyperfine (see https://github.com/sharkdp/hyperfine)"
fi

if [[ -z "${ARK:-}" ]]; then
  echo "bench/core.sh: cargo build --release" >&2
  cargo build --release >&2
  ARK="${CARGO_TARGET_DIR:-$root/target}/release/ark"
fi
[[ -x "$ARK" ]] || die "ark binary not found or not executable: $ARK"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
D="$tmp/catalog"
target_app="$(python3 bench/gen_catalog.py "$D" --apps "$apps" --seed "$seed")"

version_cmd=("$ARK" --version)
validate_cmd=("$ARK" --apps "$D/apps" validate)
plan_cmd=("$ARK" --apps "$D/apps" --environments "$D/environments" plan -e bench "$target_app")

# Every benchmarked command must succeed; a failing command would only measure its error path.
for c in version_cmd validate_cmd plan_cmd; do
  declare -n cmd="$c"
  rc=0; "${cmd[@]}" >"$tmp/out" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    sed -n 1,20p "$tmp/out" >&2
    die "'${cmd[*]}' exited $rc; fix it before benchmarking"
  fi
  unset -n cmd
done
ark_version="$("$ARK" --version)"

# -N runs commands without an intermediate shell (hyperfine >= 1.13): needed to resolve ~1 ms.
shell_opt=(-N)
hyperfine -N --runs 1 true >/dev/null 2>&1 || shell_opt=()
q() { printf '%q ' "$@"; }
echo "bench/core.sh: $ark_version, $apps apps (seed $seed), plan target $target_app" >&2
hyperfine "${shell_opt[@]}" --warmup 3 --min-runs 20 \
  --export-json "$tmp/core.json" --export-markdown "$tmp/hyperfine.md" \
  -n "ark --version" "$(q "${version_cmd[@]}")" \
  -n "ark validate ($apps apps)" "$(q "${validate_cmd[@]}")" \
  -n "ark plan -e bench $target_app" "$(q "${plan_cmd[@]}")" >&2

mkdir -p bench/results
cp -- "$tmp/hyperfine.md" bench/results/core.hyperfine.md
python3 - "$tmp/core.json" "$ark_version" "$apps" "$seed" "$target_app" >bench/results/core.md <<'EOF'
import json, os, platform, sys, time
path, version, apps, seed, target = sys.argv[1:]
targets = {"ark --version": 5.0, f"ark validate ({apps} apps)": 100.0 if apps == "1000" else None}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
           platform.processor() or "?") if os.path.exists("/proc/cpuinfo") else platform.processor()
print(f"# ark core benchmark\n")
print(f"- ark: `{version}`; catalog: {apps} apps, seed {seed} (`bench/gen_catalog.py`); plan target: `{target}`")
print(f"- host: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; {time.strftime('%Y-%m-%d')}")
print(f"- hyperfine: warmup 3, min-runs 20\n")
print("| Command | Mean ± σ [ms] | Min [ms] | Max [ms] | Runs | Target | Met |")
print("|:---|---:|---:|---:|---:|---:|:---:|")
for r in json.load(open(path))["results"]:
    ms = lambda x: x * 1000.0
    t = targets.get(r["command"])
    met = "—" if t is None else ("yes" if ms(r["mean"]) <= t else "**no**")
    print(f"| `{r['command']}` | {ms(r['mean']):.1f} ± {ms(r['stddev'] or 0):.1f} | {ms(r['min']):.1f} | "
          f"{ms(r['max']):.1f} | {len(r['times'])} | {'—' if t is None else f'≤ {t:g} ms'} | {met} |")
EOF
cat bench/results/core.md
