#!/usr/bin/env bash
# Shared settings for the Wrenn gVisor runtime proof-of-concept scripts.
# Source this file; do not execute it.
set -euo pipefail

POC_DIR=${POC_DIR:-/tmp/wrenn-poc}
IMAGES_DIR=$POC_DIR/images          # read-only template rootfs dirs (images/minimal)
CAPS_DIR=$POC_DIR/capsules          # per-capsule state: bundle/, overlay/, logs, checkpoint/
RUNSC_ROOT=$POC_DIR/runsc-root      # runsc --root (container state files)
RUNSC=${RUNSC:-/usr/local/bin/runsc}
RUNSC_WANT_VERSION=${RUNSC_WANT_VERSION:-0.0~20240729.0}   # trixie runsc 0.0~20240729.0-4+b7 (gVisor release-20240729)
NODE_IN_IMAGE=/opt/wrenn/node/bin/node
CAP_PORT=49983

# Global runsc flags used for every invocation (run/checkpoint/restore/delete/...).
# Must be identical between run and restore (--platform, --overlay2, --network).
runsc_g() {
  "$RUNSC" --root="$RUNSC_ROOT" --platform=systrap --network=sandbox "$@"
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }
now_ms() { date +%s%3N; }
