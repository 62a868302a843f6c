#!/usr/bin/env bash
# Timings (N runs each, prints all samples and the median):
#   start:    netns+veth setup, `runsc run --detach` return, run -> first HTTP 200, total
#   ckpt:     `runsc checkpoint` (idle node server), until sandbox process exits, image size
#   restore:  fresh netns+veth, `runsc restore --detach` return, restore -> first exec, -> HTTP 200
#   template: restore a NEW capsule id from one checkpoint image
source "$(dirname "$0")/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
C=$HERE/capsule.sh
N=${N:-7}
R() { runsc_g "$@"; }
med() { sort -n | awk '{a[NR]=$1} END{ if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
declare -A S
add() { S[$1]+="$2 "; }
trap '"$C" destroy bench >/dev/null 2>&1; for i in $(seq 1 $N); do "$C" destroy tpl$i >/dev/null 2>&1; done' EXIT

for i in $(seq 1 "$N"); do
  out=$("$C" run bench 20); echo "$out"
  add start_net_ms "$(field net_ms <<<"$out")"; add start_runsc_run_ms "$(field runsc_run_ms <<<"$out")"
  add start_run_to_http_ms "$(field run_to_http_ms <<<"$out")"; add start_total_ms "$(field total_ms <<<"$out")"
  spid=$(R state bench | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
  add idle_sandbox_rss_kB "$(awk '/VmRSS/{print $2}' /proc/$spid/status)"
  "$C" destroy bench
done

"$C" run bench 20 >/dev/null
read -r _ IP < <("$HERE/net.sh" addr 20)
sleep 1
for i in $(seq 1 "$N"); do
  out=$("$C" checkpoint bench); echo "$out"
  add ckpt_ms "$(field ' ms' <<<"$out")"; add ckpt_until_exit_ms "$(field until_sandbox_exit_ms <<<"$out")"
  add ckpt_image_MiB "$(field image_MiB <<<"$out")"; add ckpt_delete_after_ms "$(field delete_after_ms <<<"$out")"
  t0=$(now_ms)
  out=$("$C" restore bench 20); echo "$out"
  t1=$(now_ms)
  until R exec bench true 2>/dev/null; do sleep 0.005; done; t2=$(now_ms)
  "$C" wait-http bench 10 || { R kill bench USR2; "$C" wait-http bench 10; }; t3=$(now_ms)
  add restore_net_ms "$(field net_ms <<<"$out")"; add restore_runsc_ms "$(field runsc_restore_ms <<<"$out")"
  add restore_total_ms $((t1-t0)); add restore_to_first_exec_ms $((t2-t0)); add restore_to_http_ms $((t3-t0))
  sleep 0.5
done
# Template: N new capsules from bench's last image (bench is running again; it keeps its image dir).
"$C" checkpoint bench >/dev/null
for i in $(seq 1 "$N"); do
  out=$("$C" restore tpl$i $((20+i)) "$CAPS_DIR/bench/ckpt"); echo "$out"
  add template_restore_runsc_ms "$(field runsc_restore_ms <<<"$out")"
done
echo "running from one image: $(R list -quiet | grep -c tpl)"

echo "== medians (N=$N)"
for k in "${!S[@]}"; do printf '%-28s median %-8s samples: %s\n' "$k" "$(tr ' ' '\n' <<<"${S[$k]}" | grep . | med)" "${S[$k]}"; done | sort
