#!/usr/bin/env bash
# Step 7: remove every capsule, netns, veth, iptables rule, mount and state dir made by the PoC;
# then verify nothing is left. Keeps $IMAGES_DIR (the reusable rootfs) and the apt cache.
source "$(dirname "$0")/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
set +e
# 1. sandboxes (runsc state first, then any stray runsc processes whose args name our root)
if [[ -d $RUNSC_ROOT ]]; then
  for id in $("$RUNSC" --root="$RUNSC_ROOT" list -quiet 2>/dev/null); do
    log "runsc delete --force $id"; "$RUNSC" --root="$RUNSC_ROOT" delete --force "$id"
  done
fi
for pid in $(pgrep -f -- "--root=$RUNSC_ROOT"); do log "killing stray runsc pid $pid"; kill -9 "$pid"; done
# 2. network namespaces and veths
for ns in $(ip netns list | awk '/^wrenn-/{print $1}'); do log "ip netns del $ns"; ip netns del "$ns"; done
for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(wr[0-9]+h|pinet)$'); do log "ip link del $l"; ip link del "$l"; done
# 3. iptables chains/jumps + ip_forward back to its original value
"$HERE/net.sh" global-down
# 4. leftover cgroups made by runsc (cgroupsPath /wrenn/<id>)
for c in /sys/fs/cgroup/*/wrenn; do
  [[ -d $c ]] || continue
  for sub in "$c"/*/; do [[ -d $sub ]] && rmdir "$sub"; done
  rmdir "$c"
done
# 5. mounts under the PoC dir (none expected: the /proc/sys/net tmpfs lives only in the private
#    mount namespace of each runsc process and vanishes with it)
grep -E " ($POC_DIR|/proc/sys/net)" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do log "umount $m"; umount -l "$m"; done
# 6. state dirs
rm -rf "$CAPS_DIR" "$RUNSC_ROOT" "$POC_DIR"/check.out "$POC_DIR"/*.out
set -e
echo "== verification (all should be empty)"
echo "netns:    $(ip netns list | grep wrenn- | tr '\n' ' ')"
echo "links:    $(ip -o link show | awk -F': ' '{print $2}' | grep -E '^(wr|pinet)' | tr '\n' ' ')"
echo "iptables: $(iptables-save | grep -ci wrenn) rule/chain lines mention WRENN"
echo "mounts:   $(grep -cE "$POC_DIR|/proc/sys/net" /proc/mounts) matching"
echo "procs:    $(pgrep -fc -- "runsc|$POC_DIR" | grep -v '^0$' || echo 0) runsc/poc processes"
echo "cgroups:  $(ls -d /sys/fs/cgroup/*/wrenn 2>/dev/null | wc -l) wrenn cgroup dirs"
echo "ip_forward=$(sysctl -n net.ipv4.ip_forward)"
echo "kept:     $(ls "$POC_DIR")"
