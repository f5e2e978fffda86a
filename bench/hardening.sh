#!/usr/bin/env bash
# Huge inputs that must stay linear (issue 11, item 5): one run each, wall-clock seconds.
#
#   bench/hardening.sh                  # cargo build --release, then time target/release/ark
#   ARK=path/to/ark bench/hardening.sh  # time an existing binary (no build)
#
# Knobs: BENCH_SIZES (default "8000 16000 20000"), BENCH_TIMEOUT seconds per run (default 120).
# Cases, each at every size N:
#   missing deps  — one app depending on N distinct apps that have no definition (`validate`, `deps`)
#   unknown apps  — an environment naming N apps under `apps:` that the catalog lacks (`validate -e`)
#   no value      — one app declaring N variables that nothing sets (`validate -e`)
# Writes bench/results/hardening.md (also printed). The target is ≤ 1 s at 20,000.
set -euo pipefail

die() { echo "bench/hardening.sh: error: $*" >&2; exit 1; }
if [[ -n "${ARK:-}" ]]; then
  if [[ "$ARK" != */* ]]; then ARK="$(command -v -- "$ARK")" || die "ARK=$ARK not found on PATH"; fi
  ARK="$(cd -- "$(dirname -- "$ARK")" && pwd)/$(basename -- "$ARK")"
fi
root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"
sizes="${BENCH_SIZES:-8000 16000 20000}"
limit="${BENCH_TIMEOUT:-120}"
command -v python3 >/dev/null 2>&1 || die "python3 is required"
if [[ -z "${ARK:-}" ]]; then
  echo "bench/hardening.sh: cargo build --release" >&2
  cargo build --release >&2
  ARK="${CARGO_TARGET_DIR:-$root/target}/release/ark"
fi
[[ -x "$ARK" ]] || die "ark binary not found or not executable: $ARK"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-hardening.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

# Seconds one run takes (ark's exit code does not matter: these inputs are meant to be wrong),
# or "> limit" when it is cut off.
seconds() {
  local start end rc=0
  start=$(date +%s.%N)
  timeout "$limit" "$@" >/dev/null 2>&1 || rc=$?
  end=$(date +%s.%N)
  if [[ $rc -eq 124 ]]; then echo "> $limit"; else python3 -c "print(f'{$end - $start:.2f}')"; fi
}

rows=()
for n in $sizes; do
  d="$tmp/$n"
  python3 - "$d" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for sub in ("deps", "vars", "apps", "environments"):
    os.makedirs(os.path.join(d, sub), exist_ok=True)
with open(os.path.join(d, "deps", "web.yml"), "w") as f:
    f.write("dependencies:\n" + "".join(f"- missing-{i}\n" for i in range(n)))
with open(os.path.join(d, "vars", "web.yml"), "w") as f:
    f.write("env:\n" + "".join(f"- VAR_{i}\n" for i in range(n)))
with open(os.path.join(d, "apps", "web.yml"), "w") as f:
    f.write("env: []\n")
with open(os.path.join(d, "environments", "big.yml"), "w") as f:
    f.write("apps:\n" + "".join(f"  unknown-{i}:\n    image: x\n" for i in range(n)))
with open(os.path.join(d, "environments", "plain.yml"), "w") as f:
    f.write("env: {}\n")
PY
  rows+=("| missing deps: \`validate\` | $n | $(seconds "$ARK" --apps "$d/deps" validate) |")
  rows+=("| missing deps: \`deps web\` | $n | $(seconds "$ARK" --apps "$d/deps" deps web) |")
  rows+=("| unknown apps: \`validate -e\` | $n | $(seconds "$ARK" --apps "$d/apps" --environments "$d/environments" validate -e big) |")
  rows+=("| no value: \`validate -e\` | $n | $(seconds "$ARK" --apps "$d/vars" --environments "$d/environments" validate -e plain) |")
done

mkdir -p bench/results
{
  echo "# Huge inputs (bench/hardening.sh)"
  echo
  echo "$("$ARK" --version), $(nproc) cores, $(date -u +%Y-%m-%d). One run each; target ≤ 1 s at 20,000."
  echo
  echo "| case | N | seconds |"
  echo "|---|---:|---:|"
  printf '%s\n' "${rows[@]}"
} | tee bench/results/hardening.md
