#!/usr/bin/env bash
# Step 2: build the `minimal` template rootfs at $IMAGES_DIR/minimal (reusable; skip if present
# unless FORCE=1). Built in a temp dir next to the target, then atomically renamed into place.
source "$(dirname "$0")/common.sh"

NAME=minimal
TARGET=$IMAGES_DIR/$NAME
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PKGS=bash,coreutils,procps,curl,wget,ca-certificates,git,sudo,socat,tini

if [[ -d "$TARGET" && "${FORCE:-0}" != 1 ]]; then
  log "$TARGET exists; skipping (FORCE=1 to rebuild)"; exit 0
fi
mkdir -p "$IMAGES_DIR"
TMP=$(mktemp -d "$IMAGES_DIR/.$NAME.build.XXXXXX")   # same filesystem => rename is atomic
trap 'rm -rf "$TMP"' ERR

t0=$(now_ms)
log "debootstrap --variant=minbase --include=$PKGS bookworm -> $TMP"
debootstrap --variant=minbase --include="$PKGS" bookworm "$TMP" "$MIRROR" > "$POC_DIR/debootstrap-$NAME.log" 2>&1 \
  || { tail -n 30 "$POC_DIR/debootstrap-$NAME.log" >&2; exit 1; }
t1=$(now_ms)

# Trim apt caches (not needed at runtime).
rm -rf "$TMP"/var/cache/apt/archives/*.deb "$TMP"/var/lib/apt/lists/*_Packages

# Node runtime for envd, independent of the image's own packages.
install -d "$TMP/opt/wrenn/node/bin"
install -m 0755 "$(readlink -f /usr/bin/node)" "$TMP$NODE_IN_IMAGE"
# Capsule basics gVisor does not provide: resolv.conf / hosts are normally injected by the
# agent; give sane defaults.
echo "nameserver 1.1.1.1" > "$TMP/etc/resolv.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$TMP/etc/hosts"
echo capsule > "$TMP/etc/hostname"

log "verify node runs inside the rootfs (chroot)"
chroot "$TMP" "$NODE_IN_IMAGE" -e 'console.log("node", process.version, "ok in chroot")'
chroot "$TMP" /usr/bin/tini --version
t2=$(now_ms)

rm -rf "$TARGET.old"; [[ -d "$TARGET" ]] && mv "$TARGET" "$TARGET.old"
mv -T "$TMP" "$TARGET"
rm -rf "$TARGET.old"
trap - ERR
size=$(du -sh --apparent-size "$TARGET" | cut -f1); sizek=$(du -sk "$TARGET" | cut -f1)
log "built $TARGET: debootstrap $((t1-t0)) ms, node+verify $((t2-t1)) ms, total $((t2-t0)) ms, size $size apparent / $((sizek/1024)) MiB on disk"
