#!/usr/bin/env bash
# How long a newcomer's `./install.sh` takes: a clean build (empty target folder, crates
# already in cargo's cache — a first download adds whatever the network takes), then a
# re-run, into a throwaway HOME and prefix. Also how long ark itself takes to compile under
# the release profile's settings, next to two lighter settings, to show where the time goes.
#
#   bench/install.sh              # writes bench/results/install.md (also printed)
#   BENCH_VARIANTS=0 bench/install.sh   # the clean install and re-run only
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "$root"
work="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
results="bench/results/install.md"
mkdir -p bench/results

cargo fetch --locked >/dev/null 2>&1 || true   # crates in the cache: the build is measured, not the network

seconds() { local start=$SECONDS; "$@" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }; echo $((SECONDS - start)); }

export CARGO_TARGET_DIR="$work/target"
# A throwaway HOME for install.sh's completions; the toolchain stays the real one.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
install_run() { HOME="$work/home" SHELL=/bin/bash ./install.sh --prefix "$work/prefix"; }
clean=$(seconds install_run)
again=$(seconds install_run)

rows=""
if [[ "${BENCH_VARIANTS:-1}" != 0 ]]; then
  # ark alone (dependencies already built): touch the crate and rebuild under each setting.
  variant() { # NAME ENV…
    local name="$1"; shift
    env "$@" cargo build --release --locked >/dev/null 2>&1   # settle this setting's dependencies
    touch src/lib.rs src/main.rs
    local t; t=$(seconds env "$@" cargo build --release --locked)
    rows+="| $name | ${t} s |"$'\n'
  }
  variant "release profile (lto thin, 4 codegen units)"
  variant "no cross-crate LTO, 16 codegen units" CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  variant "opt-level 1" CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_OPT_LEVEL=1
fi

{
  echo "# install.sh on $(nproc) cores ($(date -u +%Y-%m-%d))"
  echo
  echo "| run | wall |"
  echo "|---|---|"
  echo "| clean \`./install.sh\` (empty target folder, crates cached) | ${clean} s |"
  echo "| re-run (nothing changed) | ${again} s |"
  if [[ -n "$rows" ]]; then
    echo
    echo "| ark itself, rebuilt after a touch | wall |"
    echo "|---|---|"
    printf '%s' "$rows"
  fi
} | tee "$results"
