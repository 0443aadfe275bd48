#!/bin/sh
# examples.sh: the referee on the examples, both backends.
#
#   sh tests/kernel/examples.sh        (as root, from the top of the tree;
#                                       `make kernel` runs it)
#
# For every examples/NAME.fw that has tests/kernel/packets/NAME.pkts, runs
# tests/kernel/referee.sh on it (with TOPO_EXTRA=tests/kernel/packets/
# NAME.topo when that file exists: the example's own addresses and
# routes), prints the mismatches, and sums the "referee: N passed, M
# failed" lines of all runs into one last line,
#   examples-referee: N passed, M failed
# A run that does not end in its two "referee:" lines (one per backend:
# the test network or the policy did not load) counts as one failure.
# Exits non-zero when anything failed. FWC and REFEREE select the binaries
# as for referee.sh. NAME.mismatch.pkts files (packets on which fwc trace
# and the kernel are known to disagree) are not run.
here=$(dirname "$0")
examples=${EXAMPLES:-$here/../../examples}
packets=$here/packets
if [ "$(id -u)" != 0 ]; then
	echo "examples-referee: skipped: needs root (network namespaces)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0 runs=0
for fw in "$examples"/*.fw; do
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
	grep -Ev '^referee: [0-9]+ passed, [0-9]+ failed$' "$tmp/out"
	if [ "$n" != 2 ]; then
		echo "examples-referee: $name: $n of 2 backends reported (see above)"
		f=$((f + 1))
	fi
	echo "examples-referee: $name: $p passed, $f failed"
	pass=$((pass + p)); fail=$((fail + f)); runs=$((runs + 1))
done
if [ "$runs" = 0 ]; then
	echo "examples-referee: no examples/NAME.fw with $packets/NAME.pkts"
	fail=$((fail + 1))
fi
echo "examples-referee: $pass passed, $fail failed"
[ "$fail" = 0 ]
