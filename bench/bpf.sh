#!/usr/bin/env bash
# bpf.sh: ns per packet of fwc's XDP program in BPF_PROG_TEST_RUN (root).
#
#   bash bench/bpf.sh        (or: make bench-bpf)
#
# Generated policies (in a temporary directory): SIZES (default "10 1024
# 4096") IPv4 rules in raw prerouting, each `drop source 10.X.Y.0/24 proto
# tcp dport P` (distinct prefixes and ports: one XDP rule id each); a
# 100,000-prefix block list (`drop source @blocklist`: /24s and /32s that
# do not touch, so the set keeps 100,000 prefixes), alone and with 1,024
# such rules. Each is compiled with `fwc compile -t bpf` (the time is
# printed) and its image loaded for eth0; each packet runs ROUNDS (default
# 9) test runs of REPEAT (default 200000) frames; the median round's ns
# per frame is printed beside the same for an XDP program that only drops
# (bench/xdp_drop.bpf.c: the cost of the test run itself) and their
# difference. Packets: one no rule matches (classification runs in full,
# then passes), one the first rule drops, one the last rule drops, and for
# the block list one inside it and one outside.
#
# Nothing is asserted: the figures depend on the machine.
set -u
FWC=${FWC:-build/fwc}
BUILD=${BUILD:-build}
BENCH=$BUILD/bench/xdpbench
CAL=$BUILD/bench/xdp_drop.bpf.o
SIZES=${SIZES:-"10 1024 4096"}
ROUNDS=${ROUNDS:-9}
REPEAT=${REPEAT:-200000}
if [ "$(id -u)" != 0 ]; then
	echo "bpf: needs root (BPF_PROG_TEST_RUN)"
	exit 0
fi
[ -x "$BENCH" ] && [ -f "$CAL" ] || { echo "bpf: build first: make $BENCH $CAL"; exit 1; }
T=$(mktemp -d /tmp/fwc-bench-bpf.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

rules() {   # rules N: the raw prerouting drops
	awk -v n="$1" 'BEGIN { for (k = 0; k < n; k++)
		printf "    drop source 10.%d.%d.0/24 proto tcp dport %d;\n", int(k / 256), k % 256, 1000 + k % 50000 }'
}
blocklist() {
	awk 'BEGIN { for (i = 0; i < 100000; i++) { idx = 2 * i;
		a = 20 + int(idx / 65536); b = int(idx / 256) % 256; c = idx % 256;
		if (i % 3 == 0) printf "%d.%d.%d.1/32\n", a, b, c; else printf "%d.%d.%d.0/24\n", a, b, c } }'
}
policy() {   # policy NAME N WITH_BLOCKLIST
	{
		echo "policy input accept; policy forward accept;"
		[ "$3" = 1 ] && echo "set blocklist from \"$T/blocklist.netset\";"
		echo "raw prerouting {"
		[ "$3" = 1 ] && echo "    drop source @blocklist;"
		rules "$2"
		echo "}"
	} >"$T/$1.fw"
}
blocklist >"$T/blocklist.netset"

printf '%-22s %8s %9s  %-28s %8s %9s %9s %s\n' config "rule ids" "compile s" packet "ns/pkt" "xdp_drop" "fwc-cal" verdict
bench() {   # bench NAME N WITH_BLOCKLIST
	name=$1 n=$2 bl=$3
	policy "$name" "$n" "$bl"
	t0=$(date +%s.%N)
	"$FWC" compile -t bpf -o "$T/$name" "$T/$name.fw" >/dev/null 2>"$T/$name.err" ||
	  { echo "bpf: $name: compile failed: $(tail -3 "$T/$name.err")"; return; }
	t1=$(date +%s.%N)
	ids=$(sed -n 's/^rules //p' "$T/$name/xdp.img")
	cs=$(echo "$t1 - $t0" | bc)
	last=$((n - 1))
	pk=("tcp 192.0.2.1:40000 -> 198.18.0.2:80 in eth0")
	lbl=("no rule matches")
	if [ "$n" -gt 0 ]; then
		pk+=("tcp 10.0.0.7:40000 -> 198.18.0.2:1000 in eth0")
		lbl+=("first rule drops")
		pk+=("tcp 10.$((last / 256)).$((last % 256)).7:40000 -> 198.18.0.2:$((1000 + last % 50000)) in eth0")
		lbl+=("last rule drops")
	fi
	if [ "$bl" = 1 ]; then
		pk+=("tcp 20.0.2.9:40000 -> 198.18.0.2:80 in eth0")
		lbl+=("in the block list")
		pk+=("tcp 20.0.3.9:40000 -> 198.18.0.2:80 in eth0")
		lbl+=("beside the block list")
	fi
	"$BENCH" "$T/$name/xdp.img" "$CAL" "$ROUNDS" "$REPEAT" "${pk[@]}" >"$T/$name.out" || return
	i=0
	while IFS=$'\t' read -r _ ns cns verdict; do
		printf '%-22s %8s %9.2f  %-28s %8s %9s %9s %s\n' "$name" "$ids" "$cs" "${lbl[$i]}" "$ns" "$cns" \
		  "$((ns - cns))" "$verdict"
		i=$((i + 1))
	done <"$T/$name.out"
}
for n in $SIZES; do
	bench "$n rules" "$n" 0
done
bench "100k blocklist" 0 1
bench "100k blocklist+1024" 1024 1
