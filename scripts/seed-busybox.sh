#!/usr/bin/env bash
# seed-busybox.sh — make sure the local Docker engine has a `busybox:latest`
# image, without pulling from any registry.
#
# If the image is already present this does nothing. Otherwise it builds a
# tiny root filesystem from Debian's static busybox (package `busybox-static`,
# /bin/busybox): the binary, one symlink per applet in /bin (sh, httpd, nc,
# sleep, timeout, wget, ...), /tmp, /root, /etc/passwd and /etc/group, and
# imports it with `docker import`, setting CMD ["sh"] and a PATH.
#
# `ark start` does the same by itself when busybox:latest is missing and cannot be
# pulled (src/runtime/docker/busybox_seed.rs); this script needs only the docker
# CLI, for CI and for preparing an engine before ark is built.
#
# Idempotent: safe to run any number of times. Prints one line saying what it
# did. Environment overrides:
#   IMAGE    image reference to create   (default busybox:latest)
#   BUSYBOX  path of a static busybox    (default /bin/busybox)
#   DOCKER   docker client command       (default docker)
#   FORCE=1  re-create the image even if it exists
set -euo pipefail

IMAGE="${IMAGE:-busybox:latest}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
DOCKER="${DOCKER:-docker}"
FORCE="${FORCE:-0}"

die() { echo "seed-busybox: $*" >&2; exit 1; }

command -v "$DOCKER" >/dev/null 2>&1 || die "docker client '$DOCKER' not found"
"$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1 \
    || die "cannot reach the Docker engine (is dockerd running, is DOCKER_HOST right?)"

if [[ "$FORCE" != 1 ]] && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
    id="$("$DOCKER" image inspect --format '{{.Id}}' "$IMAGE")"
    echo "seed-busybox: $IMAGE already present (${id:7:12}), nothing to do"
    exit 0
fi

# A static binary is required: the image has no libc.
is_static() {
    [[ -x "$1" ]] || return 1
    if command -v file >/dev/null 2>&1; then
        file -L "$1" | grep -q 'statically linked'
    elif command -v ldd >/dev/null 2>&1; then
        if ldd "$1" >/dev/null 2>&1; then return 1; fi
    else
        return 0
    fi
}

if ! is_static "$BUSYBOX"; then
    if [[ "$BUSYBOX" == /bin/busybox && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "seed-busybox: installing busybox-static with apt-get ..." >&2
        export DEBIAN_FRONTEND=noninteractive
        aptlog="$(mktemp)"
        if ! { apt-get update -qq && apt-get install -y -qq busybox-static; } >"$aptlog" 2>&1; then
            cat "$aptlog" >&2; rm -f "$aptlog"
            die "apt-get install busybox-static failed"
        fi
        rm -f "$aptlog"
        is_static "$BUSYBOX" || die "$BUSYBOX is still not a static executable after installing busybox-static"
    else
        die "$BUSYBOX is missing or not statically linked.
  Install Debian's static busybox:  sudo apt-get update && sudo apt-get install -y busybox-static
  or point BUSYBOX=/path/to/static/busybox"
    fi
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/seed-busybox.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
root="$tmp/rootfs"
mkdir -p "$root"/{bin,etc,root,tmp,var/tmp,proc,sys,dev,www}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
cp "$BUSYBOX" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"

# One symlink per applet, all in /bin (like the official busybox image).
n=0
while IFS= read -r applet; do
    [[ -z "$applet" || "$applet" == busybox ]] && continue
    ln -sf busybox "$root/bin/$applet"
    n=$((n + 1))
done < <("$root/bin/busybox" --list)
for must in sh httpd nc sleep timeout wget cat echo env yes head seq printf ls; do
    [[ -L "$root/bin/$must" ]] || die "static busybox lacks the '$must' applet"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"

version="$("$root/bin/busybox" 2>/dev/null | head -n1 | awk '{print $2}' || true)"

id="$(tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . \
    | "$DOCKER" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["sh"]' \
        --message "seeded offline from static busybox ${version:-unknown} by scripts/seed-busybox.sh" \
        - "$IMAGE")"
id="${id#sha256:}"

echo "seed-busybox: created $IMAGE (${id:0:12}) from $BUSYBOX ${version:-} with $n applets, offline via docker import"
