#!/usr/bin/env bash
# What fetching secrets costs a command, side by side in one run: BENCH_PROVIDERS providers
# (default 5), each a command that takes BENCH_DELAY seconds (default 0.5, as a password
# manager's CLI asking its agent does), fetched by
#
#   ark          `ark config -e ENV APP --reveal-secrets` (every distinct provider at once)
#   one by one   the same commands run one after another, as a wrapper script would
#   none         `ark config` of the same app with no secrets declared (ark's own floor)
#
# Needs no engine. Median of BENCH_RUNS (default 5) runs each, in seconds.
#
#   bench/secrets.sh               # cargo build --release, then benchmark target/release/ark
#   ARK=path/to/ark bench/secrets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PROVIDERS=${BENCH_PROVIDERS:-5}
DELAY=${BENCH_DELAY:-0.5}
RUNS=${BENCH_RUNS:-5}
if [ -z "${ARK:-}" ]; then
  cargo build --release --quiet
  ARK=target/release/ark
fi
ARK=$(realpath "$ARK")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/launch" "$work/environments"
{
  echo "run: {image: busybox:latest}"
  echo "env:"
  for i in $(seq "$PROVIDERS"); do echo "  SECRET_$i: ''"; done
} >"$work/launch/api.yml"
{
  echo "secrets:"
  for i in $(seq "$PROVIDERS"); do
    echo "  SECRET_$i: {command: [sh, -c, 'sleep $DELAY; echo value-$i']}"
  done
} >"$work/environments/with.yml"
echo "env: {}" >"$work/environments/without.yml"

seconds() { # the wall time of "$@", in seconds
  local began ended
  began=$(date +%s.%N)
  "$@" >/dev/null
  ended=$(date +%s.%N)
  echo "$ended - $began" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one_by_one() {
  for i in $(seq "$PROVIDERS"); do sh -c "sleep $DELAY; echo value-$i"; done
}
ark_with() { (cd "$work" && "$ARK" config -e with api --reveal-secrets -o env); }
ark_without() { (cd "$work" && "$ARK" config -e without api -o env); }

ark_with | grep -q "SECRET_$PROVIDERS='value-$PROVIDERS'" || { echo "ark did not fetch the secrets" >&2; exit 1; }
for case in ark_with one_by_one ark_without; do
  for _ in $(seq "$RUNS"); do seconds "$case"; done | median >"$work/$case"
done
printf '%s providers of %ss each, median of %s runs:\n' "$PROVIDERS" "$DELAY" "$RUNS"
printf '  ark (all at once)   %.3f s\n' "$(cat "$work/ark_with")"
printf '  one by one          %.3f s\n' "$(cat "$work/one_by_one")"
printf '  ark, no secrets     %.3f s\n' "$(cat "$work/ark_without")"
