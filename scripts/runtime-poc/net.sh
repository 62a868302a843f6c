#!/usr/bin/env bash
# Per-capsule networking: netns + veth pair + /30 + NAT + isolation rules.
#   net.sh global-up                 # idempotent: ip_forward, WRENN-* chains and jump rules
#   net.sh up   <idx> <netns-name>   # make netns, veth wr<idx>h <-> eth0, addresses, routes
#   net.sh down <idx> <netns-name>   # delete netns (kills the veth pair too)
#   net.sh global-down               # remove WRENN-* chains, restore ip_forward
#   net.sh addr <idx>                # print "<host-ip> <capsule-ip>"
# Addressing: capsule idx (1..16383) gets 10.77.0.0/16 block idx*4 /30: .1 host, .2 capsule.
source "$(dirname "$0")/common.sh"

SUBNET=10.77.0.0/16

addr() {  # idx -> "hostip capip"
  local b=$(( $1 * 4 ))
  echo "10.77.$((b >> 8)).$(( (b & 255) + 1 )) 10.77.$((b >> 8)).$(( (b & 255) + 2 ))"
}

ipt_ensure() {  # table chain rule... : append only if missing
  local t=$1 c=$2; shift 2
  iptables -w -t "$t" -C "$c" "$@" 2>/dev/null || iptables -w -t "$t" -A "$c" "$@"
}

global_up() {
  if [[ ! -f $POC_DIR/ip_forward.orig ]]; then
    mkdir -p "$POC_DIR"; sysctl -n net.ipv4.ip_forward > "$POC_DIR/ip_forward.orig"
  fi
  sysctl -qw net.ipv4.ip_forward=1
  # Already set up? Never flush a live ruleset (that would open a window without isolation).
  if iptables -w -t filter -L WRENN-FWD -n >/dev/null 2>&1 && iptables -w -t filter -C FORWARD -j WRENN-FWD 2>/dev/null; then
    return 0
  fi
  iptables -w -t filter -N WRENN-FWD 2>/dev/null || true
  iptables -w -t filter -N WRENN-IN 2>/dev/null || true
  iptables -w -t nat -N WRENN-NAT 2>/dev/null || true
  iptables -w -t filter -F WRENN-FWD; iptables -w -t filter -F WRENN-IN; iptables -w -t nat -F WRENN-NAT
  # Jumps from the built-in chains (inserted first so host policies cannot pre-empt them).
  iptables -w -t filter -C FORWARD -j WRENN-FWD 2>/dev/null || iptables -w -t filter -I FORWARD 1 -j WRENN-FWD
  iptables -w -t filter -C INPUT -j WRENN-IN 2>/dev/null || iptables -w -t filter -I INPUT 1 -j WRENN-IN
  iptables -w -t nat -C POSTROUTING -j WRENN-NAT 2>/dev/null || iptables -w -t nat -I POSTROUTING 1 -j WRENN-NAT
  # FORWARD: capsule<->capsule dropped (both in and out on wr* veths), replies allowed,
  # capsule egress to anything else allowed (egress policy rules would go before the ACCEPT).
  iptables -w -A WRENN-FWD -i wr+ -o wr+ -j DROP
  iptables -w -A WRENN-FWD -o wr+ -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  iptables -w -A WRENN-FWD -i wr+ -d "$SUBNET" -j DROP
  iptables -w -A WRENN-FWD -i wr+ -j ACCEPT
  # INPUT: a capsule may not open connections to ANY host address (its own gateway .1, other
  # capsules' gateways, the host's uplink IP, 127/8 can't be routed anyway). Replies to
  # host-initiated connections (host -> capsule HTTP) are allowed.
  iptables -w -A WRENN-IN -i wr+ -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  iptables -w -A WRENN-IN -i wr+ -j DROP
  # NAT: masquerade capsule traffic leaving the capsule subnet.
  iptables -w -t nat -A WRENN-NAT -s "$SUBNET" ! -d "$SUBNET" -j MASQUERADE
}

global_down() {
  iptables -w -t filter -D FORWARD -j WRENN-FWD 2>/dev/null || true
  iptables -w -t filter -D INPUT -j WRENN-IN 2>/dev/null || true
  iptables -w -t nat -D POSTROUTING -j WRENN-NAT 2>/dev/null || true
  for c in WRENN-FWD WRENN-IN; do iptables -w -F "$c" 2>/dev/null || true; iptables -w -X "$c" 2>/dev/null || true; done
  iptables -w -t nat -F WRENN-NAT 2>/dev/null || true; iptables -w -t nat -X WRENN-NAT 2>/dev/null || true
  if [[ -f $POC_DIR/ip_forward.orig ]]; then
    sysctl -qw net.ipv4.ip_forward="$(cat "$POC_DIR/ip_forward.orig")"; rm -f "$POC_DIR/ip_forward.orig"
  fi
}

up() {
  local idx=$1 ns=$2 h=wr$1h c=wr$1c hip cip
  read -r hip cip < <(addr "$idx")
  ip link del "$h" 2>/dev/null || true           # stale pair from an earlier netns
  ip netns add "$ns"
  ip link add "$h" type veth peer name "$c"
  ip link set "$c" netns "$ns"
  ip -n "$ns" link set "$c" name eth0
  ip -n "$ns" addr add "$cip/30" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$hip"
  ip addr add "$hip/30" dev "$h"
  ip link set "$h" up
}

down() {
  local idx=$1 ns=$2
  ip netns del "$ns" 2>/dev/null || true
  ip link del "wr${idx}h" 2>/dev/null || true
}

cmd=${1:?usage}; shift
case $cmd in
  global-up) global_up ;;
  global-down) global_down ;;
  up) up "$@" ;;
  down) down "$@" ;;
  addr) addr "$@" ;;
  *) echo "unknown: $cmd" >&2; exit 2 ;;
esac
