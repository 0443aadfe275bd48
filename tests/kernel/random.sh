#!/bin/sh
# random.sh [POLICIES [PACKETS [SEED]]]: the referee on seeded random
# policies (tests/kernel/genpolicy.c), both backends, IPv4 and IPv6.
# A seed whose policy fwc rejects (a rule that matches no packet, which the
# generator cannot always avoid) is counted and replaced by the next seed.
# Prints "random: N passed, M failed" (packets, both backends together).
FWC=${FWC:-build/fwc}
GEN=${GEN:-build/tests/genpolicy}
here=$(dirname "$0")
npol=${1:-50} npk=${2:-200} seed=${3:-1}
if [ "$(id -u)" != 0 ]; then
	echo "random: skipped: needs root (network namespaces)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0 done=0 rejected=0 handshakes=0 inserted=0
while [ "$done" -lt "$npol" ]; do
	"$GEN" "$seed" "$npk" "$tmp/p.fw" "$tmp/p.pkts" || exit 2
	if ! "$FWC" compile --force -o /dev/null "$tmp/p.fw" 2>"$tmp/err"; then
		rejected=$((rejected + 1)); seed=$((seed + 1)); continue
	fi
	sh "$here/referee.sh" "$tmp/p.fw" "$tmp/p.pkts" both >"$tmp/out" 2>&1
	p=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $2} END {print s + 0}' "$tmp/out")
	f=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $4} END {print s + 0}' "$tmp/out")
	n=$(grep -Ec '^referee: [0-9]+ passed, [0-9]+ failed$' "$tmp/out")
	hs=$(awk '/^referee: established packets:/ {h += $4; d += $10} END {print h + 0, d + 0}' "$tmp/out")
	handshakes=$((handshakes + ${hs% *})); inserted=$((inserted + ${hs#* }))
	if [ "$f" != 0 ] || [ "$n" != 2 ]; then
		echo "random: seed $seed: $f mismatches (policy kept as tests/kernel/failed-seed-$seed.fw)"
		grep -v '^referee: ' "$tmp/out" | head -20
		cp "$tmp/p.fw" "$here/failed-seed-$seed.fw"
		cp "$tmp/p.pkts" "$here/failed-seed-$seed.pkts"
		[ "$n" != 2 ] && f=$((f + 1))
	fi
	pass=$((pass + p)); fail=$((fail + f))
	done=$((done + 1)); seed=$((seed + 1))
done
echo "random: $done policies x $npk packets x 2 backends (seeds up to $((seed - 1)), $rejected rejected by fwc as matching nothing)"
echo "random: established packets: $handshakes after a real TCP handshake, $inserted entered into conntrack"
echo "random: $pass passed, $fail failed"
[ "$fail" = 0 ]
