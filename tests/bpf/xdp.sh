#!/bin/sh
# xdp.sh: fwc's XDP program through BPF_PROG_TEST_RUN (root): the examples
# with their referee packets (each with 12 mutations), and XDP_POLICIES
# (default 60) random policies of tests/kernel/genpolicy.c with 500
# packets each (and one mutation), as generated and with their source nat
# removed (so that the established-state check runs on them too), then a
# third of them with --xdp-conntrack any, as generated and without the
# implicit established rule, and the veth test's policies. See tests/bpf/xdptest.c for
# what is compared; any difference fails.
set -u
BUILD=${BUILD:-build}
N=${XDP_POLICIES:-60}
T=$(mktemp -d /tmp/fwc-xdp.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
X=$BUILD/tests/xdptest
if [ "$(id -u)" != 0 ]; then
	echo "xdp: skipped: BPF_PROG_TEST_RUN needs root"
	exit 0
fi
fail=0
run() {
	name=$1; shift
	"$X" "$@" >"$T/$name.out" 2>&1
	rc=$?
	grep -v '^xdptest:' "$T/$name.out" | grep -v ' 0 differences$' | head -20
	l=$(grep '^xdptest:' "$T/$name.out" | tail -1)
	echo "xdp $name: ${l#xdptest: }"
	[ "$rc" = 0 ] && [ -n "$l" ] || fail=1
}
set --
for e in bastion home-router squid-proxy-router tor-block web-server; do
	set -- "$@" "examples/$e.fw" "tests/kernel/packets/$e.pkts"
done
run examples -m 12 "$@"
i=1
while [ "$i" -le "$N" ]; do
	"$BUILD/tests/genpolicy" "$i" 500 "$T/$i.fw" "$T/$i.pkts" || { echo "xdp: genpolicy $i failed"; exit 1; }
	sed '/^ *\(masquerade\|snat\)/d' "$T/$i.fw" >"$T/$i-nonat.fw"
	{ cat "$T/$i.fw"; echo "implicit established off;"; } >"$T/$i-noest.fw"
	i=$((i + 1))
done
args() { s=$1; while [ "$s" -le "$2" ]; do printf '%s %s ' "$T/$s$3.fw" "$T/$s.pkts"; s=$((s + 1)); done; }
# shellcheck disable=SC2046
run random $(args 1 "$N" "")
# shellcheck disable=SC2046
run random-nonat $(args 1 "$N" "-nonat")
# shellcheck disable=SC2046
run random-ct-any --ct any $(args 1 $((N / 3)) "")
# without the implicit established rule, --ct any has drops to place too
# shellcheck disable=SC2046
run random-noest-ct-any --ct any $(args 1 $((N / 3)) "-noest")
run veth-ct-any --ct any -m 50 tests/bpf/veth-a.fw tests/bpf/veth.pkts tests/bpf/veth-b.fw tests/bpf/veth.pkts
# the test must see drops: a test where XDP drops nothing proves little
d=$(grep -h '^xdptest:' "$T"/random*.out | awk '{s += $6} END {print s + 0}')
if [ "$d" -lt 1000 ]; then
	echo "xdp: only $d drops over the random policies"
	fail=1
fi
placed=$(grep -h ' XDP rules (' "$T/random-nonat.out" | grep -vc ' 0 XDP rules')
echo "xdp: $placed of $N random policies (no nat) put rules in XDP; $d drops checked"
[ "$fail" = 0 ]
