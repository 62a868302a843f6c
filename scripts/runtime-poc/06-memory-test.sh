#!/usr/bin/env bash
# Step 6: memory limit. A node hog (exec'd) allocates and touches 64 MiB chunks up to 1.5 GiB.
#   MODE=plain    : host cgroup limit = capsule limit (384 MiB). Result here: the HOST memcg OOM
#                   killer kills the runsc-sandbox process => the whole capsule dies.
#   MODE=watchdog : host cgroup limit = capsule limit + HEADROOM; an in-capsule watchdog (what envd
#                   would do) kills the largest non-init process when in-sandbox usage
#                   (MemTotal-MemAvailable) exceeds the capsule limit. Hog dies alone.
source "$(dirname "$0")/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
C=$HERE/capsule.sh
R() { runsc_g "$@"; }
ID=memx IDX=8 MEM=${MEM:-384} MODE=${MODE:-plain} HEADROOM=${HEADROOM:-256}
CGMEM=$MEM; [[ $MODE == watchdog ]] && CGMEM=$((MEM + HEADROOM))
echo "== MODE=$MODE capsule limit ${MEM} MiB, host cgroup limit ${CGMEM} MiB"
trap '[[ ${KEEP:-0} == 1 ]] || "$C" destroy $ID || true' EXIT
read -r _ IP < <("$HERE/net.sh" addr $IDX)
"$C" run $ID $IDX "$CGMEM" 100 256
spid=$(R state $ID | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
cg=/sys/fs/cgroup/memory/wrenn/$ID
echo "cgroup: limit=$(cat $cg/memory.limit_in_bytes) usage=$(cat $cg/memory.usage_in_bytes) failcnt=$(cat $cg/memory.failcnt) procs=$(tr '\n' ' ' < $cg/cgroup.procs)"
R exec $ID sh -c 'grep -E "MemTotal|MemAvailable" /proc/meminfo'
# Watchdog: polls every 20 ms; kills the process with the largest RSS (never pid 1/2 = tini and
# the server, which stand in for envd) when usage > limit. In real life this is part of envd.
WD='const fs=require("fs"),lim=+process.argv.at(-1)*1024;setInterval(()=>{const m=fs.readFileSync("/proc/meminfo","utf8");
const g=k=>+m.match(new RegExp(k+":\\s+(\\d+)"))[1];const used=g("MemTotal")-g("MemAvailable");if(used<=lim)return;
let best=0,bp=0;for(const p of fs.readdirSync("/proc")){if(!/^\d+$/.test(p)||+p<=2||+p===process.pid)continue;
try{const r=+fs.readFileSync("/proc/"+p+"/status","utf8").match(/VmRSS:\s+(\d+)/)[1];if(r>best){best=r;bp=+p}}catch(e){}}
if(bp){fs.appendFileSync("/var/tmp/watchdog.log","watchdog: used "+used+" kB > limit; SIGKILL pid "+bp+" rss "+best+" kB\n");process.kill(bp,9)}},20)'
if [[ $MODE == watchdog ]]; then
  # (`runsc exec --detach <id> node -e ...` is broken in this version: runsc appends its own
  #  --pid-file flag to the user command. Start it in the background from a shell instead.)
  printf '%s\n' "$WD" | R exec $ID sh -c 'cat > /var/tmp/wd.js'
  R exec $ID sh -c "/opt/wrenn/node/bin/node /var/tmp/wd.js $MEM </dev/null >/dev/null 2>&1 &"
  sleep 0.5
fi
HOG='const a=[];for(let i=1;i<=24;i++){const b=Buffer.alloc(64<<20);b.fill(i);a.push(b);console.log("allocated",i*64,"MiB")}console.log("hog finished without being killed")'
t0=$(now_ms)
set +e
out=$(R exec $ID /opt/wrenn/node/bin/node -e "$HOG" 2>&1); rc=$?
set -e
echo "hog exit code $rc after $(( $(now_ms)-t0 )) ms; last output: $(echo "$out" | tail -n2 | tr '\n' '|')"
echo "cgroup after: usage=$(cat $cg/memory.usage_in_bytes) max=$(cat $cg/memory.max_usage_in_bytes) failcnt=$(cat $cg/memory.failcnt) oom_control=$(grep oom_kill $cg/memory.oom_control | tr '\n' ' ')"
[[ $MODE == watchdog ]] && R exec $ID cat /var/tmp/watchdog.log || true
grep -iE "oom|out of memory|killed" "$CAPS_DIR/$ID/runsc.log.boot" | tail -n3 | cut -c1-200 || true
if [[ -e /proc/$spid ]] && [[ $(awk '{print $3}' /proc/$spid/stat) != Z ]]; then echo "PASS  sandbox process $spid alive"; else echo "FAIL  sandbox process gone"; fi
R exec $ID ps -eo pid,stat,rss,args | cut -c1-90 || echo "FAIL  exec after hog"
curl -fsS -m 3 "http://$IP:$CAP_PORT/" && echo "PASS  server still answers" || echo "FAIL  server dead"
echo "host kernel log (last OOM lines):"; dmesg 2>/dev/null | grep -iE "Memory cgroup out of memory" | tail -n2 || true
