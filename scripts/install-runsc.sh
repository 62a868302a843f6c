#!/usr/bin/env bash
# Installs gVisor runsc 2024-07 (Debian trixie's package) to /usr/local/bin/runsc without
# changing the system's apt sources: a private apt configuration downloads the .deb only.
# Bookworm's own runsc (2022) is broken on this kernel (see docs/runtime-notes.md §1).
set -euo pipefail
RUNSC=${RUNSC:-/usr/local/bin/runsc}
WANT=${RUNSC_WANT_VERSION:-0.0~20240729.0}
have=$("$RUNSC" --version 2>/dev/null | sed -n 's/^runsc version //p' || true)
[ "$have" = "$WANT" ] && exit 0

MIRROR=${WRENN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
APT_PRIV=$(mktemp -d /var/tmp/wrenn-apt-trixie.XXXXXX)
trap 'rm -rf "$APT_PRIV"' EXIT
mkdir -p "$APT_PRIV/lists/partial" "$APT_PRIV/cache/archives/partial" "$APT_PRIV/dl"
chown _apt "$APT_PRIV/dl" 2>/dev/null || true
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" > "$APT_PRIV/sources.list"
opts=(-o Dir::Etc::SourceList="$APT_PRIV/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$APT_PRIV/lists" -o Dir::Cache="$APT_PRIV/cache" -o APT::Architecture=amd64)
echo "[wrenn setup] downloading runsc from Debian trixie" >&2
apt-get "${opts[@]}" update -qq
(cd "$APT_PRIV/dl" && apt-get "${opts[@]}" download runsc >/dev/null)
dpkg -x "$APT_PRIV"/dl/runsc_*.deb "$APT_PRIV/x"
bin=$(find "$APT_PRIV/x" -type f -name runsc | head -n1)
install -m 0755 "$bin" "$RUNSC.new" && mv -f "$RUNSC.new" "$RUNSC"
echo "[wrenn setup] installed $("$RUNSC" --version | head -n1)" >&2
