#!/bin/sh
# features.sh: the referee on targeted policies, one per feature group,
# both backends.
#
#   sh tests/kernel/features.sh        (as root, from the top of the tree)
#
# For every tests/kernel/features/NAME.fw that has NAME.pkts next to it,
# runs tests/kernel/referee.sh on it (with TOPO_EXTRA=NAME.topo when that
# file exists: the policy's own addresses and routes), prints the
# mismatches, and sums the "referee: N passed, M failed" lines of all runs
# into one last line,
#   features-referee: N passed, M failed
# A run that does not end in its two "referee:" lines (one per backend:
# the test network or the policy did not load) counts as one failure.
# Exits non-zero when anything failed. FWC and REFEREE select the binaries
# as for referee.sh; FEATURES=DIR runs the policies of another directory.
# NAME.mismatch.pkts files (packets on which fwc trace and the kernel are
# known to disagree, or policies a backend cannot load; each says why)
# are not run, nor is a NAME.fw without NAME.pkts.
here=$(dirname "$0")
features=${FEATURES:-$here/features}
if [ "$(id -u)" != 0 ]; then
	echo "features-referee: skipped: needs root (network namespaces)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0 runs=0
for fw in "$features"/*.fw; do
	[ -f "$fw" ] || continue
	name=$(basename "$fw" .fw)
	pk=$features/$name.pkts
	[ -f "$pk" ] || continue
	topo=
	[ -f "$features/$name.topo" ] && topo=$features/$name.topo
	TOPO_EXTRA=$topo sh "$here/referee.sh" "$fw" "$pk" both >"$tmp/out" 2>&1
	p=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $2} END {print s + 0}' "$tmp/out")
	f=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $4} END {print s + 0}' "$tmp/out")
	n=$(grep -Ec '^referee: [0-9]+ passed, [0-9]+ failed$' "$tmp/out")
	grep -Ev '^referee: ([0-9]+ passed, [0-9]+ failed|established packets: .*)$' "$tmp/out"
	if [ "$n" != 2 ]; then
		echo "features-referee: $name: $n of 2 backends reported (see above)"
		f=$((f + 1))
	fi
	echo "features-referee: $name: $p passed, $f failed"
	pass=$((pass + p)); fail=$((fail + f)); runs=$((runs + 1))
done
if [ "$runs" = 0 ]; then
	echo "features-referee: no NAME.fw with NAME.pkts in $features"
	fail=$((fail + 1))
fi
echo "features-referee: $pass passed, $fail failed"
[ "$fail" = 0 ]
