#!/usr/bin/env bash
# The long fuzz run, before landing: tests/fuzz.rs with many more cases than the suite's
# (random and mutated definitions and environment files through validate/config/plan's
# loaders). Prints the counts: cases, input files, errors, errors without a line.
#
#   bench/fuzz.sh              # 20,000 cases, the default seed
#   bench/fuzz.sh 50000 1234   # cases, seed
#
# A failure names the seed and prints the case; ARK_FUZZ_SHOW=text prints the files behind
# line-less errors whose message contains `text`.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-20000}"
seed="${2:-}"
export ARK_FUZZ_CASES="$cases"
[ -n "$seed" ] && export ARK_FUZZ_SEED="$seed"
# The debug build by default (what the suite already built: 20,000 cases take ~7 minutes on
# 2 cores); ARK_FUZZ_RELEASE=1 runs the release profile (faster per case, a longer first build).
profile=()
[ "${ARK_FUZZ_RELEASE:-}" = 1 ] && profile=(--release)
exec cargo test --locked "${profile[@]}" --test fuzz -- --nocapture
