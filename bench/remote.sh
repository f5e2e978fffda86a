#!/usr/bin/env bash
# Benchmark `ark start` over each transport, side by side, on the same engine in one run:
# the local socket, ssh:// (a real sshd on loopback) and tcp:// with TLS (socat's
# openssl-listen with client verification in front of the engine's socket).
#
#   bench/remote.sh                  # cargo build --release, then benchmark target/release/ark
#   ARK=path/to/ark bench/remote.sh  # an existing binary
#
# The 20-app, depth-4 DAG of bench/start.sh (bench/gen_dag.py, busybox httpd apps with http
# checks). Each of BENCH_RUNS (3) rounds runs every transport in turn (the order rotates per
# round), each measuring:
#   cold   nothing -> every app ready: `ark start -e ENV top`
#   no-op  the same command again
#   down   `ark down -e ENV --yes`
# and counts sshd's logins during the ssh cold start. Prints a markdown table (median,
# min-max) with the ratios to local and the targets (cold over ssh <= 1.3x local; no-op over
# ssh <= 0.5 s), and writes it to bench/results/remote.md.
#
# Needs root (sshd), docker, python3, openssh-server, socat, openssl, bash >= 5. Everything it
# creates is this run's (environments `rbench-<id>-*`, a temp dir with keys and certificates,
# its sshd and socat) and is removed on exit, whatever happens.
set -euo pipefail

die() { echo "bench/remote.sh: error: $*" >&2; exit 1; }
log() { echo "bench/remote.sh: $*" >&2; }

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -n "${ARK:-}" ]]; then
  ARK="$(cd -- "$(dirname -- "$ARK")" && pwd)/$(basename -- "$ARK")"
fi
cd -- "$root"

runs="${BENCH_RUNS:-3}"
apps="${BENCH_APPS:-20}"
depth="${BENCH_DEPTH:-4}"
image="ark-bench-http:latest"
[[ -n "${EPOCHREALTIME:-}" ]] || die "bash >= 5 is required (EPOCHREALTIME)"
[[ "$(id -u)" == 0 ]] || die "run as root (the benchmark starts its own sshd)"
for tool in docker python3 ssh ssh-keygen /usr/sbin/sshd socat openssl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

if [[ -z "${ARK:-}" ]]; then
  log "cargo build --release"
  cargo build --release --quiet || die "cargo build failed"
  ARK="$root/target/release/ark"
fi

id="$(python3 -c 'import secrets; print(secrets.token_hex(3))')"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ark-bench-remote.XXXXXX")"
D="$tmp/dag"
pids=()
declare -A live_envs=()

cleanup() {
  local env
  for env in "${!live_envs[@]}"; do
    "$ARK" -q down -e "$env" --yes >/dev/null 2>&1 || true
    ids="$(docker ps -aq --filter "label=dev.ark.environment=$env")"
    # shellcheck disable=SC2086
    [[ -z "$ids" ]] || docker rm -f $ids >/dev/null 2>&1 || true
    nets="$(docker network ls -q --filter "label=dev.ark.environment=$env")"
    # shellcheck disable=SC2086
    [[ -z "$nets" ]] || docker network rm $nets >/dev/null 2>&1 || true
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf -- "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  local i
  for ((i = 0; i < 500; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.02
  done
  die "nothing listened on port $1"
}

# --- the apps --------------------------------------------------------------------------------
docker image inspect busybox:latest >/dev/null 2>&1 || scripts/seed-busybox.sh >&2
docker build -q -t "$image" - >/dev/null <<'EOF'
FROM busybox:latest
RUN mkdir -p /www && echo ok >/www/_health
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
EOF
top="$(python3 bench/gen_dag.py "$D" --apps "$apps" --depth "$depth" --image "$image" 2>/dev/null)"

# --- sshd on loopback ------------------------------------------------------------------------
S="$tmp/ssh"
mkdir -p "$S" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$S/client_key"
cp "$S/client_key.pub" "$S/authorized_keys"
ssh_port="$(free_port)"
cat >"$S/sshd_config" <<EOF
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $S/host_key
AuthorizedKeysFile $S/authorized_keys
PidFile $S/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
EOF
cat >"$S/ssh_config" <<EOF
Host ark-bench-sshd
  HostName 127.0.0.1
  Port $ssh_port
  User root
  IdentityFile $S/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
EOF
/usr/sbin/sshd -D -f "$S/sshd_config" -E "$S/sshd.log" &
pids+=($!)
wait_port "$ssh_port"
export ARK_SSH_CONFIG="$S/ssh_config"

# --- TLS in front of the socket ----------------------------------------------------------------
T="$tmp/tls"
mkdir -p "$T"
(
  cd "$T"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ark bench CA" -keyout ca-key.pem -out ca.pem
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr
  printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile server.ext -out server-cert.pem
  openssl req -newkey rsa:2048 -nodes -subj "/CN=ark bench client" -keyout key.pem -out client.csr
  printf 'extendedKeyUsage=clientAuth\n' >client.ext
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out cert.pem
) >/dev/null 2>&1 || die "openssl could not make the certificates"
# socat's OpenSSL refuses a resumed session (rustls resumes on its second connection):
# turn session tickets off for the proxy. dockerd itself has no such problem.
printf 'openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = tls\n[tls]\nOptions = -SessionTicket\n' >"$T/openssl.cnf"
tls_port="$(free_port)"
OPENSSL_CONF="$T/openssl.cnf" socat "openssl-listen:$tls_port,bind=127.0.0.1,reuseaddr,fork,cert=$T/server-cert.pem,key=$T/server-key.pem,cafile=$T/ca.pem,verify=1" \
  UNIX-CONNECT:/var/run/docker.sock 2>/dev/null &
pids+=($!)
wait_port "$tls_port"

# --- measuring ----------------------------------------------------------------------------------
# ark_on TRANSPORT ARGS…: ark pointed at that transport.
ark_on() {
  local transport="$1"
  shift
  case "$transport" in
    local) env -u DOCKER_TLS_VERIFY DOCKER_HOST=unix:///var/run/docker.sock "$ARK" -q --apps "$D/apps" --environments "$D/environments" "$@" ;;
    ssh) env -u DOCKER_TLS_VERIFY DOCKER_HOST=ssh://ark-bench-sshd "$ARK" -q --apps "$D/apps" --environments "$D/environments" "$@" ;;
    tls) DOCKER_HOST="tcp://127.0.0.1:$tls_port" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T" "$ARK" -q --apps "$D/apps" --environments "$D/environments" "$@" ;;
  esac
}
# timed VAR COMMAND…: seconds the command took, into VAR; the command must succeed.
timed() {
  local var="$1" start end
  shift
  start="$EPOCHREALTIME"
  "$@" </dev/null >/dev/null 2>"$tmp/last.err" || { cat "$tmp/last.err" >&2; die "failed: $*"; }
  end="$EPOCHREALTIME"
  printf -v "$var" '%s' "$(python3 -c "print(f'{$end - $start:.3f}')")"
}
logins() { grep -c "Accepted publickey" "$S/sshd.log" || true; }

transports=(local ssh tls)
declare -A samples=()
ssh_logins=()
for ((round = 0; round < runs; round++)); do
  for ((k = 0; k < ${#transports[@]}; k++)); do
    transport="${transports[(round + k) % ${#transports[@]}]}"
    env="rbench-$id-$round-$transport"
    live_envs[$env]=1
    before="$(logins)"
    timed cold ark_on "$transport" start -e "$env" "$top"
    [[ "$transport" != ssh ]] || ssh_logins+=($(($(logins) - before)))
    timed noop ark_on "$transport" start -e "$env" "$top"
    timed down ark_on "$transport" down -e "$env" --yes
    unset 'live_envs[$env]'
    samples[$transport.cold]+="$cold "
    samples[$transport.noop]+="$noop "
    samples[$transport.down]+="$down "
    log "round $((round + 1))/$runs $transport: cold ${cold}s no-op ${noop}s down ${down}s"
  done
done

mkdir -p bench/results
python3 - "$tmp/table.md" "$apps" "$depth" "${ssh_logins[*]}" \
  "${samples[local.cold]}" "${samples[local.noop]}" "${samples[local.down]}" \
  "${samples[ssh.cold]}" "${samples[ssh.noop]}" "${samples[ssh.down]}" \
  "${samples[tls.cold]}" "${samples[tls.noop]}" "${samples[tls.down]}" <<'PY'
import statistics, sys, platform, subprocess
out, apps, depth, logins = sys.argv[1:5]
vals = [list(map(float, s.split())) for s in sys.argv[5:]]
names = ["local", "ssh", "tls"]
data = {n: dict(zip(["cold", "noop", "down"], vals[3 * i:3 * i + 3])) for i, n in enumerate(names)}
med = lambda xs: statistics.median(xs)
cell = lambda xs: f"{med(xs):.2f} s ({min(xs):.2f}–{max(xs):.2f})"
rows = ["| | local socket | ssh:// | tcp:// + TLS | target |", "|---|---|---|---|---|"]
def ratio(kind, n):
    return f" = {med(data[n][kind]) / med(data['local'][kind]):.2f}×"
for kind, label, target in [
    ("cold", "cold start", "ssh ≤ 1.3× local"),
    ("noop", "no-op start", "ssh ≤ 0.5 s"),
    ("down", "down", ""),
]:
    rows.append(f"| {label} | {cell(data['local'][kind])} | {cell(data['ssh'][kind])}{ratio(kind, 'ssh')} | {cell(data['tls'][kind])}{ratio(kind, 'tls')} | {target} |")
cold_ok = med(data["ssh"]["cold"]) <= 1.3 * med(data["local"]["cold"])
noop_ok = med(data["ssh"]["noop"]) <= 0.5
engine = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True).stdout.strip()
text = "\n".join([
    f"### `ark start` over each transport ({apps} apps, depth {depth}; medians of {len(data['local']['cold'])}, min–max)",
    "",
    *rows,
    "",
    f"- cold over ssh ≤ 1.3× local: {'met' if cold_ok else 'NOT met'}; no-op over ssh ≤ 0.5 s: {'met' if noop_ok else 'NOT met'}",
    f"- sshd logins per ssh cold start: {logins}",
    f"- engine: Docker {engine}, same engine behind every transport (sshd and socat on loopback); {platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores",
    "",
])
open(out, "w").write(text)
print(text)
PY
cp "$tmp/table.md" bench/results/remote.md
