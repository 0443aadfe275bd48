#!/bin/sh
# referee.sh POLICY PACKETS [nft|iptables|both]
# (TOPO_EXTRA=FILE adds the policy's own local addresses and routes: see
# topo.sh; DUMP=4 or DUMP=6: POLICY is an iptables-save / ip6tables-save
# dump, loaded with the iptables backend only)
#
# Loads POLICY into a fresh firewall namespace (see topo.sh) with each
# backend and checks, packet by packet, that the rules whose counters move
# in the kernel are the rules `fwc trace` predicts. Needs root; prints
# "referee: N passed, M failed" per backend. FWC, REFEREE select the
# binaries (default build/fwc, build/tests/referee).
FWC=${FWC:-build/fwc}
REFEREE=${REFEREE:-build/tests/referee}
here=$(dirname "$0")
policy=$1 packets=$2 which=${3:-both}
[ -n "$policy" ] && [ -n "$packets" ] || {
	echo "usage: referee.sh POLICY PACKETS [nft|iptables|both]" >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then
	echo "referee: skipped: needs root (network namespaces)"
	exit 0
fi
. "$here/topo.sh"
tmp=$(mktemp -d)
trap 'topo_down; rm -rf "$tmp"' EXIT INT TERM
rc=0
run() {   # run BACKEND
	topo_up || { echo "referee: cannot build the test network"; return 1; }
	if [ "$1" = nft ]; then
		"$FWC" compile --force --rule-ids -t nft -o "$tmp/p.nft" "$policy" &&
			ip netns exec "$FW" nft -f "$tmp/p.nft" || return 1
	elif [ -n "${DUMP:-}" ]; then
		t=iptables; [ "$DUMP" = 6 ] && t=ip6tables
		"$FWC" compile --from iptables-save --force --rule-ids -t $t -o "$tmp/p.ipt" "$policy" &&
			ip netns exec "$FW" $t-restore "$tmp/p.ipt" || return 1
	else
		"$FWC" compile --force --rule-ids -t ipset -o "$tmp/p.ipset" "$policy" &&
			"$FWC" compile --force --rule-ids -t iptables -o "$tmp/p.ipt4" "$policy" &&
			"$FWC" compile --force --rule-ids -t ip6tables -o "$tmp/p.ipt6" "$policy" &&
			ip netns exec "$FW" ipset restore -f "$tmp/p.ipset" &&
			ip netns exec "$FW" iptables-restore "$tmp/p.ipt4" &&
			ip netns exec "$FW" ip6tables-restore "$tmp/p.ipt6" || return 1
	fi
	# shellcheck disable=SC2046
	"$REFEREE" ${REFEREE_ARGS:-} ${DUMP:+-I} -b "$1" -f "$FW" $(topo_peers) "$policy" "$packets"
}
for b in nft iptables; do
	[ "$which" = both ] || [ "$which" = "$b" ] || continue
	run "$b" || rc=1
	topo_down
done
exit $rc
