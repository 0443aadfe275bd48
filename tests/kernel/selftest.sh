#!/bin/sh
# selftest.sh: the referee must be able to fail. On selftest/rate.fw the
# simulator's assumption (rate not exceeded) is wrong for the 2nd and 3rd
# packet, so each backend must report exactly "1 passed, 2 failed".
here=$(dirname "$0")
if [ "$(id -u)" != 0 ]; then
	echo "selftest: skipped: needs root (network namespaces)"
	exit 0
fi
out=$(sh "$here/referee.sh" "$here/selftest/rate.fw" "$here/selftest/rate.pkts" 2>&1)
n=$(printf '%s\n' "$out" | grep -c '^referee: 1 passed, 2 failed$')
if [ "$n" = 2 ]; then
	echo "selftest: 1 passed, 0 failed"
	exit 0
fi
printf '%s\n' "$out"
echo "selftest: the referee did not see the two mismatches it must see"
echo "selftest: 0 passed, 1 failed"
exit 1
