#!/usr/bin/env bash
# Memory of `ark start -l` with a big build context: ark hashes the context as a stream and
# streams it again to the engine, so its memory stays bounded whatever the context's size.
#
#   bench/context.sh                  # cargo build --release, then measure target/release/ark
#   ARK=path/to/ark bench/context.sh  # measure an existing binary (no build)
#   BENCH_SIZE=600M bench/context.sh  # another context size (default 2G)
#
# One app, `big`, whose checkout holds a sparse file of BENCH_SIZE (`truncate -s`: it reads as
# zeros, costs no disk here, and is as big as any other file to ark and to the engine) beside
# a Dockerfile that copies only a small file — the engine still receives the whole context.
# Measured with `/usr/bin/time -v` (maximum resident set size, wall time):
#
#   dry-run  `ark start -e ENV big -l --dry-run`: hashes the context, sends nothing
#   start    `ark start -e ENV big -l`: hashes it, then streams it to the engine, which builds
#
# Prints a markdown table and writes it to bench/results/context.md. Everything it creates
# belongs to this run (environment `bench-ctx-<pid>`, its image `ark-local/big:*`, a temp
# folder) and is removed on exit, whatever happens; nothing else is touched. The engine
# stores the context while it builds: it needs BENCH_SIZE of free disk for that moment.
set -euo pipefail

die() { echo "bench/context.sh: error: $*" >&2; exit 1; }
log() { echo "bench/context.sh: $*" >&2; }

here=$(cd "$(dirname "$0")/.." && pwd)
size=${BENCH_SIZE:-2G}
[[ -x /usr/bin/time ]] || die "needs GNU time at /usr/bin/time (apt-get install time)"
docker version >/dev/null 2>&1 || die "no Docker engine answers"
docker image inspect busybox:latest >/dev/null 2>&1 || bash "$here/scripts/seed-busybox.sh"

if [[ -z "${ARK:-}" ]]; then
    log "building ark (release)"
    (cd "$here" && cargo build --release --locked >&2)
    ARK="$here/target/release/ark"
fi
[[ -x "$ARK" ]] || die "no ark at $ARK"

env_name="bench-ctx-$$"
work=$(mktemp -d)
cleanup() {
    # The image this run built: the one its container was created from.
    local tag
    tag=$(docker inspect -f '{{index .Config.Labels "dev.ark.image"}}' "ark_${env_name}_big" 2>/dev/null || true)
    "$ARK" --apps "$work" --environments "$work/environments" down -e "$env_name" -y >/dev/null 2>&1 || true
    [[ "$tag" == ark-local/big:* ]] && docker rmi -f "$tag" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/big/launch" "$work/environments"
printf 'run:\n  command: sleep 3600\nbuild:\n  docker:\n    file: Dockerfile\n' > "$work/big/launch/big.yml"
printf 'FROM busybox:latest\nCOPY small.txt /\n' > "$work/big/Dockerfile"
echo small > "$work/big/small.txt"
truncate -s "$size" "$work/big/blob.bin"

# `measure NAME ARGS…`: runs ark under /usr/bin/time; prints "max RSS MiB|wall s".
measure() {
    local name=$1; shift
    local report="$work/$name.time"
    /usr/bin/time -v -o "$report" "$ARK" --apps "$work" --environments "$work/environments" \
        "$@" >"$work/$name.out" 2>"$work/$name.err" \
        || { cat "$work/$name.err" >&2; die "$name failed"; }
    local kib wall
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$report")
    echo "$((kib / 1024))|$wall"
}

log "context: a sparse $size file; ark: $ARK"
dry=$(measure dry-run start -e "$env_name" big -l --dry-run)
grep -q "built from $work/big" "$work/dry-run.out" || die "the plan does not name $work/big"
planned=$(grep -o 'ark-local/big:[0-9a-f]*' "$work/dry-run.out" | head -1)
docker image inspect "$planned" >/dev/null 2>&1 && die "--dry-run built $planned"
real=$(measure start start -e "$env_name" big -l --progress plain)

table=$(cat <<EOF
| ark start -l, context of $size | max RSS | wall |
|---|---|---|
| --dry-run (hash only, nothing sent) | ${dry%%|*} MiB | ${dry##*|} |
| start (hash, then stream to the engine and build) | ${real%%|*} MiB | ${real##*|} |
EOF
)
echo "$table"
mkdir -p "$here/bench/results"
{
    echo "# bench/context.sh — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "ark: \`$ARK\`; engine: Docker $(docker version --format '{{.Server.Version}}')"
    echo
    echo "$table"
} > "$here/bench/results/context.md"
