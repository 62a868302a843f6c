#!/usr/bin/env bash
# One capsule under runsc (systrap, netstack in a per-capsule netns, on-disk overlay).
#   capsule.sh run        <id> <idx> [memMiB] [cpuQuotaPct] [pids]   # bundle+net+run --detach, wait HTTP
#   capsule.sh checkpoint <id>                # runsc checkpoint -> $CAPS_DIR/<id>/ckpt; sandbox exits
#   capsule.sh restore    <id> <idx> [image-dir]  # fresh netns + runsc restore --detach
#   capsule.sh destroy    <id>                # runsc delete --force, netns, dirs
#   capsule.sh wait-http  <id>
# Per-capsule state: $CAPS_DIR/<id>/{bundle/config.json,overlay/,ckpt/,console.log,runsc.log,idx,netns,gen}
source "$(dirname "$0")/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
IMAGE=${IMAGE:-minimal}

# The capsule's init: tini -> node http server on 0.0.0.0:49983 + a counter written every 100 ms.
# SIGUSR2 (runsc kill <id> USR2; tini forwards it) closes and re-opens the listener.
SERVER_JS='const http=require("http"),fs=require("fs");let n=0,srv;
setInterval(()=>{n++;fs.writeFileSync("/var/tmp/counter",String(n))},100);
const h=(q,r)=>{if(q.url==="/alloc"){const a=[];try{for(;;)a.push(Buffer.alloc(16<<20,1))}catch(e){r.end("alloc failed "+e)}return}
r.end(JSON.stringify({pid:process.pid,n,up:process.uptime()})+"\n")};
function listen(){srv=http.createServer(h);srv.listen(49983,"0.0.0.0",()=>console.log("listening",Date.now()))}
listen();process.on("SIGUSR2",()=>{srv.close();listen()});'

write_config() {  # id dir netns memMiB cpuPct pids
  local id=$1 d=$2 ns=$3 mem=$4 cpu=$5 pids=$6
  mkdir -p "$d/bundle"
  ID=$id ROOTFS="$IMAGES_DIR/$IMAGE" NETNS="/var/run/netns/$ns" MEM=$mem CPU=$cpu PIDS=$pids \
  NODE="$NODE_IN_IMAGE" JS="$SERVER_JS" node -e '
const e=process.env, caps=["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL",
  "CAP_SETGID","CAP_SETUID","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_MKNOD",
  "CAP_AUDIT_WRITE","CAP_SETFCAP"];
const spec={ociVersion:"1.0.2",
 process:{terminal:false,user:{uid:0,gid:0},cwd:"/root",
  args:["/usr/bin/tini","--",e.NODE,"-e",e.JS],
  env:["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","HOME=/root","LANG=C.UTF-8"],
  capabilities:{bounding:caps,effective:caps,permitted:caps},
  rlimits:[{type:"RLIMIT_NOFILE",hard:1048576,soft:1048576}]},
 root:{path:e.ROOTFS,readonly:false},
 hostname:"capsule-"+e.ID,
 mounts:[{destination:"/proc",type:"proc",source:"proc"},
  {destination:"/dev",type:"tmpfs",source:"tmpfs",options:["nosuid","strictatime","mode=755","size=65536k"]},
  {destination:"/dev/pts",type:"devpts",source:"devpts",options:["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]},
  {destination:"/dev/shm",type:"tmpfs",source:"shm",options:["nosuid","noexec","nodev","mode=1777","size=65536k"]},
  {destination:"/sys",type:"sysfs",source:"sysfs",options:["nosuid","noexec","nodev","ro"]}],
 linux:{
  cgroupsPath:"/wrenn/"+e.ID,
  resources:{memory:{limit:Number(e.MEM)*1048576},
   cpu:{quota:Number(e.CPU)*1000,period:100000},
   pids:{limit:Number(e.PIDS)}},
  namespaces:[{type:"pid"},{type:"ipc"},{type:"uts"},{type:"mount"},{type:"network",path:e.NETNS}]}};
process.stdout.write(JSON.stringify(spec,null,1));' > "$d/bundle/config.json"
}

# runsc must run in a private mount namespace with a tmpfs over /proc/sys/net (kernel 6.18:
# otherwise runsc misdetects the netns and refuses "--network=sandbox").
in_netfix_ns() { unshare --mount --propagation private sh -c 'mount -t tmpfs none /proc/sys/net && exec "$@"' sh "$@"; }

wait_http() {  # id [timeout_s]
  local d=$CAPS_DIR/$1 hip cip end
  read -r hip cip < <("$HERE/net.sh" addr "$(cat "$d/idx")")
  end=$(( $(now_ms) + ${2:-20}*1000 ))
  while (( $(now_ms) < end )); do
    curl -fsS -m 1 "http://$cip:$CAP_PORT/" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  return 1
}

cmd=${1:?usage}; shift
case $cmd in
run)
  id=$1 idx=$2 mem=${3:-512} cpu=${4:-100} pids=${5:-256}
  d=$CAPS_DIR/$id; mkdir -p "$d/overlay" "$RUNSC_ROOT"
  echo "$idx" > "$d/idx"; echo 0 > "$d/gen"; ns=wrenn-$id-g0; echo "$ns" > "$d/netns"
  "$HERE/net.sh" global-up
  t0=$(now_ms)
  "$HERE/net.sh" up "$idx" "$ns"
  write_config "$id" "$d" "$ns" "$mem" "$cpu" "$pids"
  t1=$(now_ms)
  in_netfix_ns "$RUNSC" --root="$RUNSC_ROOT" --platform=systrap --network=sandbox \
      --overlay2="root:dir=$d/overlay" --debug-log="$d/runsc.log.%COMMAND%" ${RUNSC_EXTRA:-} \
      run --detach --bundle "$d/bundle" "$id" </dev/null >>"$d/console.log" 2>&1
  t2=$(now_ms)
  wait_http "$id" 30 || { log "HTTP not ready"; tail "$d/console.log" >&2; exit 1; }
  t3=$(now_ms)
  echo "run id=$id net_ms=$((t1-t0)) runsc_run_ms=$((t2-t1)) run_to_http_ms=$((t3-t1)) total_ms=$((t3-t0))"
  ;;
checkpoint)
  id=$1 d=$CAPS_DIR/$1; img=${2:-$d/ckpt}
  rm -rf "$img"; mkdir -p "$img"
  t0=$(now_ms)
  if ! out=$(runsc_g checkpoint --image-path="$img" "$id" </dev/null 2>&1); then
    log "checkpoint of $id failed: $out"; exit 1
  fi
  t1=$(now_ms)
  # The sandbox exits after a checkpoint; wait until it is gone (a zombie until reaped by its
  # parent, which is pid 1 after `run --detach`; `runsc state` says running until then).
  spid=$(runsc_g state "$id" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
  while [[ -n $spid ]] && [[ -e /proc/$spid ]] && [[ $(awk '{print $3}' /proc/$spid/stat 2>/dev/null) != Z ]]; do sleep 0.005; done
  t2=$(now_ms)
  "$HERE/net.sh" down "$(cat "$d/idx")" "$(cat "$d/netns")"
  # Forget the stopped container now (restore needs the id free). `runsc delete` blocks until the
  # sandbox zombie is reaped by its parent -- pid 1 here reaps orphans only every ~1.7 s, so do it
  # on the pause path, not on resume (or make the agent a child subreaper).
  runsc_g delete --force "$id" >/dev/null 2>&1 || true
  t3=$(now_ms)
  echo "checkpoint id=$id ms=$((t1-t0)) until_sandbox_exit_ms=$((t2-t0)) delete_after_ms=$((t3-t2)) image_MiB=$(( $(du -sk "$img" | cut -f1) / 1024 ))"
  ;;
restore)
  id=$1 idx=$2 d=$CAPS_DIR/$1; img=${3:-$CAPS_DIR/$1/ckpt}
  mkdir -p "$d/overlay" "$RUNSC_ROOT"; echo "$idx" > "$d/idx"
  gen=$(( $(cat "$d/gen" 2>/dev/null || echo 0) + 1 )); echo "$gen" > "$d/gen"
  ns=wrenn-$id-g$gen; old=$(cat "$d/netns" 2>/dev/null || true); echo "$ns" > "$d/netns"
  [[ -n $old ]] && "$HERE/net.sh" down "$idx" "$old"
  # A checkpointed container stays in runsc state as "stopped": delete before re-creating.
  runsc_g delete --force "$id" >/dev/null 2>&1 || true
  "$HERE/net.sh" global-up
  t0=$(now_ms)
  "$HERE/net.sh" up "$idx" "$ns"
  # The bundle's config.json must point at the new netns; the bundle for a template restore
  # is written fresh (same image spec as the checkpointed capsule).
  write_config "$id" "$d" "$ns" "${MEM:-512}" "${CPU:-100}" "${PIDS:-256}"
  t1=$(now_ms)
  in_netfix_ns "$RUNSC" --root="$RUNSC_ROOT" --platform=systrap --network=sandbox \
      --overlay2="root:dir=$d/overlay" --debug-log="$d/runsc.log.%COMMAND%" ${RUNSC_EXTRA:-} \
      restore --detach --image-path="$img" --bundle "$d/bundle" "$id" </dev/null >>"$d/console.log" 2>&1
  t2=$(now_ms)
  echo "restore id=$id net_ms=$((t1-t0)) runsc_restore_ms=$((t2-t1))"
  ;;
destroy)
  id=$1 d=$CAPS_DIR/$1
  runsc_g delete --force "$id" >/dev/null 2>&1 || true
  # NB: runsc resolves IDs by prefix; "lc" is ambiguous if "lc2" exists -> use fixed-length IDs.
  if runsc_g state "$id" >/dev/null 2>&1; then log "runsc delete failed for $id; keeping $d"; exit 1; fi
  [[ -f $d/netns ]] && "$HERE/net.sh" down "$(cat "$d/idx")" "$(cat "$d/netns")"
  rm -rf "$d"
  ;;
wait-http) wait_http "$@" ;;
*) echo "unknown: $cmd" >&2; exit 2 ;;
esac
