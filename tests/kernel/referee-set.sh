#!/bin/sh
# referee-set.sh LABEL POLICIES PACKETS: the referee on a set of policies,
# both backends (examples.sh and features.sh call it).
#
# For every POLICIES/NAME.fw that has PACKETS/NAME.pkts, runs
# tests/kernel/referee.sh on it (with TOPO_EXTRA=PACKETS/NAME.topo when
# that file exists: the policy's own addresses and routes), prints the
# mismatches, and sums the "referee: N passed, M failed" lines of all runs
# into one last line,
#   LABEL: N passed, M failed
# A run that does not end in its two "referee:" lines (one per backend:
# the test network or the policy did not load) counts as one failure.
# Exits non-zero when anything failed. FWC and REFEREE select the binaries
# as for referee.sh. NAME.mismatch.pkts files (packets on which fwc trace
# and the kernel are known to disagree; each says why) are not run, nor is
# a NAME.fw without NAME.pkts.
here=$(dirname "$0")
label=$1 policies=$2 packets=$3
[ -n "$label" ] && [ -d "$policies" ] && [ -d "$packets" ] || {
	echo "usage: referee-set.sh LABEL POLICIES PACKETS" >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then
	echo "$label: skipped: needs root (network namespaces)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0 runs=0
for fw in "$policies"/*.fw; do
	[ -f "$fw" ] || continue
	name=$(basename "$fw" .fw)
	pk=$packets/$name.pkts
	[ -f "$pk" ] || continue
	topo=
	[ -f "$packets/$name.topo" ] && topo=$packets/$name.topo
	TOPO_EXTRA=$topo sh "$here/referee.sh" "$fw" "$pk" both >"$tmp/out" 2>&1
	p=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $2} END {print s + 0}' "$tmp/out")
	f=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $4} END {print s + 0}' "$tmp/out")
	n=$(grep -Ec '^referee: [0-9]+ passed, [0-9]+ failed$' "$tmp/out")
	grep -Ev '^referee: ([0-9]+ passed, [0-9]+ failed|established packets: .*)$' "$tmp/out"
	if [ "$n" != 2 ]; then
		echo "$label: $name: $n of 2 backends reported (see above)"
		f=$((f + 1))
	fi
	echo "$label: $name: $p passed, $f failed"
	pass=$((pass + p)); fail=$((fail + f)); runs=$((runs + 1))
done
if [ "$runs" = 0 ]; then
	echo "$label: no NAME.fw with NAME.pkts in $policies (packets in $packets)"
	fail=$((fail + 1))
fi
echo "$label: $pass passed, $fail failed"
[ "$fail" = 0 ]
