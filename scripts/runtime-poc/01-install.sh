#!/usr/bin/env bash
# Step 1: install gVisor runsc (2024-07, from Debian trixie) without touching system apt
# sources, plus the host tools the runtime needs. Idempotent.
source "$(dirname "$0")/common.sh"

APT_PRIV=$POC_DIR/apt-trixie
MIRROR=${MIRROR:-$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | grep -v security | head -n1 | tr -d ' ' || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
# deb822 files use "URIs: <url>"; the grep above matches the URL either way.

log "host packages: debootstrap iproute2 iptables"
need=()
for p in debootstrap iproute2 iptables; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

have=$("$RUNSC" --version 2>/dev/null | sed -n 's/^runsc version //p' || true)
if [[ "$have" == "$RUNSC_WANT_VERSION" ]]; then
  log "runsc $have already installed at $RUNSC; skipping"
else
  log "fetching runsc from $MIRROR trixie main via private apt config ($APT_PRIV)"
  mkdir -p "$APT_PRIV/lists/partial" "$APT_PRIV/cache/archives/partial" "$APT_PRIV/dl"
  chown _apt "$APT_PRIV/dl" 2>/dev/null || true   # lets apt download sandboxed as _apt
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" \
    > "$APT_PRIV/sources.list"
  APT_OPTS=(-o Dir::Etc::SourceList="$APT_PRIV/sources.list"
            -o Dir::Etc::SourceParts=/dev/null
            -o Dir::State::Lists="$APT_PRIV/lists"
            -o Dir::Cache="$APT_PRIV/cache"
            -o APT::Architecture=amd64)
  apt-get "${APT_OPTS[@]}" update -qq
  apt-cache "${APT_OPTS[@]}" policy runsc | sed -n 1,4p >&2
  (cd "$APT_PRIV/dl" && rm -f runsc_*.deb && apt-get "${APT_OPTS[@]}" download runsc)
  deb=$(ls "$APT_PRIV"/dl/runsc_*.deb)
  rm -rf "$APT_PRIV/x" && dpkg -x "$deb" "$APT_PRIV/x"
  bin=$(find "$APT_PRIV/x" -type f -name runsc | head -n1)
  install -m 0755 "$bin" "$RUNSC.new" && mv -f "$RUNSC.new" "$RUNSC"
  log "installed $(basename "$deb") -> $RUNSC"
fi
"$RUNSC" --version
