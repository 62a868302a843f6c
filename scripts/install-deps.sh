#!/usr/bin/env bash
# Installs everything Wrenn's build and tests need on a fresh Debian 12 machine, as root.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[wrenn setup]\033[0m %s\n' "$*" >&2; }

need_apt=()
for bin_pkg in "ip:iproute2" "iptables:iptables" "ps:procps" "curl:curl" "debootstrap:debootstrap" "python3:python3" \
               "mkfs.ext4:e2fsprogs" "unshare:util-linux" "losetup:mount" "apt-get:apt" "hostname:hostname" \
               "/usr/lib/postgresql/15/bin/initdb:postgresql" "chromium:chromium"; do
  bin=${bin_pkg%%:*}; pkg=${bin_pkg#*:}
  command -v "$bin" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing packages: ${need_apt[*]} — run as root or: sudo apt-get install -y ${need_apt[*]}"
    exit 1
  fi
  log "installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ "$(id -u)" = 0 ]; then
  bash scripts/install-runsc.sh
elif ! command -v runsc >/dev/null 2>&1; then
  log "runsc (gVisor) is missing — run as root: sudo bash scripts/install-runsc.sh"
  exit 1
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  log "Node.js 20 or newer is required (found: $(node -v 2>/dev/null || echo none))"
  exit 1
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.wrenn-lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$hash" > "$stamp"
fi

log "building"
npm run build --silent
