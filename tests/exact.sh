#!/bin/sh
# exact.sh: the analyzer against brute force on EXACT_POLICIES (default
# 1000) seeded random policies, each on a small universe of boundary
# packets (genpolicy's, each also established and marked). See
# tests/exact.c. Two processes share the seeds; one summary line.
set -u
BUILD=${BUILD:-build}
N=${EXACT_POLICIES:-1000}
PK=${EXACT_PACKETS:-150}
GEN=$BUILD/tests/genpolicy
EXACT=$BUILD/tests/exact
T=$(mktemp -d /tmp/fwc-exact.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
i=1
while [ "$i" -le "$N" ]; do
	"$GEN" "$i" "$PK" "$T/$i.fw" "$T/$i.pkts" || { echo "exact: genpolicy $i failed"; exit 1; }
	i=$((i + 1))
done
half=$(( (N + 1) / 2 ))
args() { s=$1; while [ "$s" -le "$2" ]; do printf '%s %s ' "$T/$s.fw" "$T/$s.pkts"; s=$((s + 1)); done; }
# shellcheck disable=SC2046
"$EXACT" $(args 1 "$half") >"$T/a.out" 2>&1 &
pa=$!
# shellcheck disable=SC2046
[ "$N" -gt "$half" ] && "$EXACT" $(args $((half + 1)) "$N") >"$T/b.out" 2>&1
rb=$?
wait "$pa"
ra=$?
[ "$N" -gt "$half" ] || { : >"$T/b.out"; rb=0; }
grep -v '^exact:' "$T/a.out" "$T/b.out" | sed 's/^[^:]*out://' | head -50
pol=0 pk=0 dif=0
for f in "$T/a.out" "$T/b.out"; do
	l=$(grep '^exact:' "$f" | tail -1)
	[ -n "$l" ] || continue
	set -- $l
	pol=$((pol + $2)); pk=$((pk + $4)); dif=$((dif + $6))
done
echo "exact: $pol policies, $pk packets, $dif differences"
[ "$ra" = 0 ] && [ "$rb" = 0 ] && [ "$pol" = "$N" ]
