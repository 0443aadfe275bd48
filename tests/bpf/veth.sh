#!/bin/sh
# veth.sh: fwc's XDP program on a real device, with real frames (root).
#
# Two network namespaces linked by one veth pair (xa0 <-> xb0, addresses
# 198.18.0.1/.2; IPv6 frames to 2001:db8:1::2 are built by hand); fwc bpf
# attaches to xb0 (native XDP: veth has it), in a mount
# namespace of its own with a private bpffs, so the host's interfaces,
# firewall and /sys/fs/bpf are never touched.
#  1. load veth-a.fw's image: attached (native XDP on veth);
#  2. tests/bpf/veth.pkts as frames from xa0: `fwc bpf status` counts per
#     rule exactly what the placement predicts (xdpsend computes it);
#  3. swap under traffic: 20,000 UDP datagrams to port 9000 (both policies
#     accept it) while the image is swapped 20 times between veth-a and
#     veth-b: every datagram arrives, and each swap kept the link (the same
#     link id, a new program id);
#  4. after the last swap (veth-b), the frames again: veth-b's counts;
#  5. unload: no XDP program left on xb0; status says so;
#  6. errors: another (not fwc's) XDP program on the device is not
#     replaced; a corrupt image; a missing device.
set -u
FWC=${FWC:-build/fwc}
SEND=${XDPSEND:-build/tests/xdpsend}
BPFOBJ=${BPFOBJ:-build/bench/xdp_drop.bpf.o}   # another XDP program, not fwc's
D=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "veth: FAIL: $*"; }

if [ "$(id -u)" != 0 ]; then
	echo "veth: skipped: needs root (network namespaces, XDP)"
	exit 0
fi
T=$(mktemp -d /tmp/fwc-veth.XXXXXX)
A=fwcxa$$ B=fwcxb$$
cleanup() {
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ip netns add "$A" && ip netns add "$B" || { echo "veth: cannot create namespaces"; exit 1; }
ip link add xa0 netns "$A" type veth peer name xb0 netns "$B"
ip -n "$B" link set xb0 address 02:00:00:00:00:01
ip -n "$A" addr add 198.18.0.1/24 dev xa0
ip -n "$B" addr add 198.18.0.2/24 dev xb0
# no traffic of the stack's own on the link (ARP, neighbour discovery,
# MLD): the counters must see only what the test sends. IPv6 frames are
# built by hand (xdpsend), so the devices need no IPv6.
ip netns exec "$A" sysctl -qw net.ipv6.conf.xa0.disable_ipv6=1
ip netns exec "$B" sysctl -qw net.ipv6.conf.xb0.disable_ipv6=1
ip -n "$A" neigh add 198.18.0.2 lladdr 02:00:00:00:00:01 dev xa0 nud permanent
for n in "$A" "$B"; do ip -n "$n" link set lo up; done
ip -n "$A" link set xa0 up
ip -n "$B" link set xb0 up
ip -n "$B" neigh add 198.18.0.1 lladdr "$(ip -n "$A" -br link show xa0 | awk '{print $3}')" \
  dev xb0 nud permanent

"$FWC" compile -t bpf -o "$T/a" "$D/veth-a.fw" >"$T/a.report" || bad "compile veth-a"
"$FWC" compile -t bpf -o "$T/b" "$D/veth-b.fw" >"$T/b.report" || bad "compile veth-b"

# everything in B under one private mount namespace (its own bpffs)
cat >"$T/inb.sh" <<EOF
set -u
mkdir -p "$T/pin"
mount -t bpf bpf "$T/pin" || exit 3
B() { "$FWC" bpf "\$@" --dev xb0 --pin-root "$T/pin" --state-dir "$T/state"; }
status_counts() {
	B status | sed -n 's/^ *\([0-9][0-9]*\)  \(drop\|pass\)  \(.*\)/\1 \2 \3/p' |
	  sed 's/ ([0-9]* XDP rules*)\$//; s/^\([0-9]* pass not classified\).*/\1/'
}
prog_id() { B status | sed -n 's/.*fwc XDP program \([0-9]*\), link \([0-9]*\).*/\1 \2/p'; }

B load "$T/a" >"$T/load1.out" 2>&1 || { echo "FAIL load: \$(cat $T/load1.out)"; }
grep -q "attached" "$T/load1.out" && echo "OK attached" || echo "FAIL not attached: \$(cat $T/load1.out)"
ip link show xb0 | grep -q "xdp" && echo "OK xdp on xb0" || echo "FAIL no xdp on xb0"
[ -e "$T/pin/fwc/xb0/fwc_classes" ] && [ -e "$T/pin/fwc/xb0/hits" ] && echo "OK maps pinned" ||
  echo "FAIL maps not pinned: \$(ls $T/pin/fwc/xb0)"

ip netns exec $A "$SEND" frames xa0 "$D/veth.pkts" "$D/veth-a.fw" xb0 >"$T/want-a" || echo "FAIL send a"
sleep 0.3
status_counts >"$T/got-a"
if diff "$T/want-a" "$T/got-a" >"$T/diff-a"; then echo "OK counts a"; else echo "FAIL counts a: \$(cat $T/diff-a)"; fi
grep -q "^[1-9][0-9]* drop" "$T/got-a" && echo "OK drops counted" || echo "FAIL no drop counted"

# swaps under traffic
set -- \$(prog_id)
id0=\$1 link0=\$2
"$SEND" recv 9000 1500 >"$T/recv" &
rp=\$!
while ! grep -q ready "$T/recv" 2>/dev/null; do sleep 0.05; done
ip netns exec $A "$SEND" udp 198.18.0.2 9000 20000 50 &
sp=\$!
i=0 swaps=0
while [ \$i -lt 20 ]; do
	if [ \$((i % 2)) = 0 ]; then img="$T/b"; else img="$T/a"; fi
	B load "\$img" >"$T/swap.out" 2>&1 && grep -q "swapped in atomically" "$T/swap.out" && swaps=\$((swaps + 1))
	set -- \$(prog_id)
	[ "\$2" = "\$link0" ] && [ "\$1" != "\$id0" ] || echo "FAIL swap \$i: link \$2 (was \$link0), program \$1 (was \$id0)"
	id0=\$1
	i=\$((i + 1))
	sleep 0.04
done
wait \$sp
wait \$rp
[ "\$swaps" = 20 ] && echo "OK 20 swaps" || echo "FAIL \$swaps of 20 swaps"
set -- \$(tail -1 "$T/recv")
[ "\$1" = 20000 ] && [ "\$2" = 20000 ] && echo "OK 20000 datagrams through 20 swaps" ||
  echo "FAIL received \$1 datagrams (\$2 distinct) of 20000 during the swaps"

# the last image is a's (i = 19): swap to b, then frames
B load "$T/b" >/dev/null 2>&1 || echo "FAIL load b"
ip netns exec $A "$SEND" frames xa0 "$D/veth.pkts" "$D/veth-b.fw" xb0 >"$T/want-b" || echo "FAIL send b"
sleep 0.3
status_counts >"$T/got-b"
if diff "$T/want-b" "$T/got-b" >"$T/diff-b"; then echo "OK counts b"; else echo "FAIL counts b: \$(cat $T/diff-b)"; fi
cmp -s "$T/want-a" "$T/want-b" && echo "FAIL a and b predict the same counts" || echo "OK a and b differ"

B unload >/dev/null 2>&1 || echo "FAIL unload"
ip link show xb0 | grep -q "xdp" && echo "FAIL xdp still on xb0" || echo "OK detached"
B status | grep -q "no fwc XDP program" && echo "OK status after unload" || echo "FAIL status after unload"
[ -e "$T/pin/fwc/xb0" ] && echo "FAIL pins left: \$(ls $T/pin/fwc/xb0)" || echo "OK pins removed"

# errors
ip link set dev xb0 xdp obj "$BPFOBJ" sec xdp 2>"$T/xdpoff.err" || echo "FAIL cannot attach the foreign program: \$(cat $T/xdpoff.err)"
B load "$T/a" >"$T/err0" 2>&1; rc=\$?
[ \$rc = 1 ] && grep -q "another XDP program is attached there (.ip link set dev xb0 xdp off" "$T/err0" &&
  echo "OK a foreign XDP program is not replaced" || echo "FAIL foreign program: rc \$rc \$(cat $T/err0)"
ip link show xb0 | grep -q "prog/xdp id .* name xdp_drop" && echo "OK the foreign program stays" ||
  echo "FAIL the foreign program is gone"
ip link set dev xb0 xdp off
printf 'fwc-xdp-image 1\nrules 1\nrule 0 drop x\nother 1\nclasses 1 1\nclass 0 1\nbase 0 4 0-255 0\n' >"$T/bad.img"
B load "$T/bad.img" >"$T/err1" 2>&1; rc=\$?
[ \$rc = 1 ] && grep -q "bad.img:8: the image ends before 'end'" "$T/err1" && echo "OK cut image refused" ||
  echo "FAIL cut image: rc \$rc \$(cat $T/err1)"
"$FWC" bpf load --dev nosuchdev0 --pin-root "$T/pin" --state-dir "$T/state" "$T/a" >"$T/err2" 2>&1; rc=\$?
[ \$rc = 1 ] && grep -q "no device 'nosuchdev0'" "$T/err2" && echo "OK missing device" ||
  echo "FAIL missing device: rc \$rc \$(cat $T/err2)"
EOF
ip netns exec "$B" unshare -m sh "$T/inb.sh" >"$T/out" 2>&1
grep -v "^OK" "$T/out" | sed "s/^/veth: /"; [ -n "${VERBOSE:-}" ] && cat "$T/out"
pass=$(grep -c '^OK' "$T/out")
fail=$(grep -c '^FAIL' "$T/out")
[ "$pass" -ge 16 ] || { fail=$((fail + 1)); echo "veth: only $pass checks ran"; }
echo "veth: $pass passed, $fail failed"
[ "$fail" = 0 ]
