#!/bin/sh
# witness.sh: the analyzer's witnesses through fwc trace and the kernel.
#
# For every example (with its topology file from tests/kernel/packets/)
# and WITNESS_RANDOM (default 10) seeded random policies (genpolicy), the
# witness tool (tests/kernel/witness.c) finds, with the analyzer, one
# packet for every rule reachable in the referee's test network, checks
# in fwc trace that the packet shows that rule, and writes the packets;
# then tests/kernel/referee.sh sends each into a fresh namespace with both
# backends and checks that the kernel's counters show the rules fwc trace
# predicts. Prints per policy and "witness: N passed, M failed" (packets).
# Needs root for the kernel half; FWC, REFEREE, WITNESS, GEN select the
# binaries (default build/...).
here=$(dirname "$0")
BUILD=${BUILD:-build}
FWC=${FWC:-$BUILD/fwc}
REFEREE=${REFEREE:-$BUILD/tests/referee}
WITNESS=${WITNESS:-$BUILD/tests/witness}
GEN=${GEN:-$BUILD/tests/genpolicy}
N=${WITNESS_RANDOM:-10}
if [ "$(id -u)" != 0 ]; then
	echo "witness: skipped: needs root (network namespaces)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0
one() {   # one POLICY TOPO(or -)
	name=$(basename "$1" .fw)
	if ! "$WITNESS" "$1" "$2" "$tmp/$name.pkts" >"$tmp/w.out" 2>&1; then
		cat "$tmp/w.out"
		echo "witness: $name: witnesses not confirmed by fwc trace"
		fail=$((fail + 1))
		return
	fi
	cat "$tmp/w.out"
	topo=
	[ "$2" != - ] && topo=$2
	TOPO_EXTRA=$topo FWC=$FWC REFEREE=$REFEREE sh "$here/referee.sh" "$1" \
		"$tmp/$name.pkts" both >"$tmp/out" 2>&1
	p=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $2} END {print s + 0}' "$tmp/out")
	f=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $4} END {print s + 0}' "$tmp/out")
	n=$(grep -Ec '^referee: [0-9]+ passed, [0-9]+ failed$' "$tmp/out")
	grep -Ev '^referee: ([0-9]+ passed, [0-9]+ failed|established packets: .*)$' "$tmp/out"
	[ "$n" = 2 ] || { echo "witness: $name: $n of 2 backends reported"; f=$((f + 1)); }
	echo "witness: $name: $p passed, $f failed (kernel, both backends)"
	pass=$((pass + p)); fail=$((fail + f))
}
for fw in examples/*.fw; do
	name=$(basename "$fw" .fw)
	t=$here/packets/$name.topo
	[ -f "$t" ] || t=-
	one "$fw" "$t"
done
i=1
while [ "$i" -le "$N" ]; do
	"$GEN" "$((9000 + i))" 1 "$tmp/random-$i.fw" "$tmp/unused.pkts" || exit 2
	one "$tmp/random-$i.fw" -
	i=$((i + 1))
done
echo "witness: $pass passed, $fail failed"
[ "$fail" = 0 ]
