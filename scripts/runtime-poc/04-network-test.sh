#!/usr/bin/env bash
# Step 4: networking proof. Starts capsules A (idx 1) and B (idx 2), a fake "internet" netns
# with a listener, and a host listener; checks reachability and isolation; tears down its
# helpers (capsules are destroyed unless KEEP=1).
source "$(dirname "$0")/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
R() { runsc_g "$@"; }
pass=0 fail=0
check() {  # description expected(ok|fail) cmd...
  local desc=$1 want=$2; shift 2
  if "$@" >/tmp/wrenn-poc/check.out 2>&1; then got=ok; else got=fail; fi
  if [[ $got == "$want" ]]; then pass=$((pass+1)); echo "PASS  $desc (got $got) $(head -c 200 /tmp/wrenn-poc/check.out | tr '\n' ' ')"
  else fail=$((fail+1)); echo "FAIL  $desc (want $want, got $got) $(head -c 300 /tmp/wrenn-poc/check.out | tr '\n' ' ')"; fi
}

INET_NS=wrenn-inet
cleanup() {
  [[ -n ${HOSTL:-} ]] && kill "$HOSTL" 2>/dev/null || true
  [[ -n ${INETL:-} ]] && kill "$INETL" 2>/dev/null || true
  ip netns del "$INET_NS" 2>/dev/null || true; ip link del pinet 2>/dev/null || true
  if [[ ${KEEP:-0} != 1 ]]; then "$HERE/capsule.sh" destroy neta || true; "$HERE/capsule.sh" destroy netb || true; fi
}
trap cleanup EXIT

"$HERE/capsule.sh" run neta 1
"$HERE/capsule.sh" run netb 2
read -r AH AC < <("$HERE/net.sh" addr 1); read -r BH BC < <("$HERE/net.sh" addr 2)
HOST_UPLINK=$(ip -4 -o addr show scope global | awk '$2 !~ /^wr/ {split($4,a,"/"); print a[1]; exit}')

# Fake internet: netns with 10.99.0.2 behind host 10.99.0.1 (not in the capsule subnet).
ip netns add "$INET_NS"; ip link add pinet type veth peer name inet0
# NB: not named wr*: the wr+ wildcard in the FORWARD rules would treat it as a capsule.
ip link set inet0 netns "$INET_NS"; ip -n "$INET_NS" addr add 10.99.0.2/30 dev inet0
ip -n "$INET_NS" link set inet0 up; ip -n "$INET_NS" link set lo up
ip addr add 10.99.0.1/30 dev pinet; ip link set pinet up
ECHO_JS='require("http").createServer((q,r)=>r.end("peer="+q.socket.remoteAddress+"\n")).listen(+process.argv[1],"0.0.0.0")'
ip netns exec "$INET_NS" node -e "$ECHO_JS" 8080 & INETL=$!
node -e "$ECHO_JS" 18080 & HOSTL=$!     # host service on all host addresses (incl. veth .1s)
sleep 0.5

echo "== addresses: A=$AC (gw $AH)  B=$BC (gw $BH)  host uplink=$HOST_UPLINK  fake-inet=10.99.0.2"
check "host -> A:49983"                    ok   curl -fsS -m 3 "http://$AC:$CAP_PORT/"
check "host -> B:49983"                    ok   curl -fsS -m 3 "http://$BC:$CAP_PORT/"
check "host -> host listener via A gw"     ok   curl -fsS -m 3 "http://$AH:18080/"
check "A -> fake internet (NAT, peer must be 10.99.0.1)" ok \
      sh -c "runsc --root=$RUNSC_ROOT exec neta curl -fsS -m 3 http://10.99.0.2:8080/ | tee /dev/stderr | grep -q 'peer=10.99.0.1$'"
check "A -> real internet (deb.debian.org via NAT)" ok \
      R exec neta curl -fsS -m 5 -o /dev/null -w '%{http_code}\n' http://deb.debian.org/debian/
check "A DNS resolution (resolv.conf 1.1.1.1)" ok R exec neta getent hosts deb.debian.org
check "A -> B:49983 (capsule to capsule)"  fail R exec neta curl -fsS -m 3 "http://$BC:$CAP_PORT/"
check "B -> A:49983 (capsule to capsule)"  fail R exec netb curl -fsS -m 3 "http://$AC:$CAP_PORT/"
check "A -> host service on own gw $AH"    fail R exec neta curl -fsS -m 3 "http://$AH:18080/"
check "A -> host service on B's gw $BH"    fail R exec neta curl -fsS -m 3 "http://$BH:18080/"
check "A -> host service on uplink $HOST_UPLINK" fail R exec neta curl -fsS -m 3 "http://$HOST_UPLINK:18080/"
check "A -> own listener via loopback"     ok   R exec neta curl -fsS -m 3 "http://127.0.0.1:$CAP_PORT/"
echo "== iptables counters"; iptables -w -L WRENN-FWD -nv; iptables -w -L WRENN-IN -nv; iptables -w -t nat -L WRENN-NAT -nv
echo "== network summary: $pass passed, $fail failed"
(( fail == 0 ))
