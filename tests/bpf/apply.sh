#!/bin/sh
# apply.sh: `fwc apply -t bpf --dev` (root): nft and fwc's XDP program
# applied, rolled back and confirmed together, in a network namespace with
# a veth pair and a mount namespace of its own (bpffs on /sys/fs/bpf there,
# the default pin root; the host's is never touched).
#  1. apply veth-a --detach --timeout 3: the nft table and XDP are there,
#     status says pending (bpf, XDP on xb0); after the deadline the
#     rollback process takes both away (neither was there before);
#  2. apply veth-a again and confirm: both stay;
#  3. apply veth-b: XDP swapped (another program id, same link); fwc
#     rollback: veth-a's image and nft rules are back;
#  4. -t bpf on a device that does not exist: refused, nothing changed.
set -u
FWC=${FWC:-build/fwc}
D=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "bpf-apply: skipped: needs root (network namespaces, nft, XDP)"
	exit 0
fi
T=$(mktemp -d /tmp/fwc-bpfapply.XXXXXX)
N=fwcxn$$ M=fwcxm$$
cleanup() {
	# a rollback process may still wait in the namespace: end it first
	for p in $(ip netns pids "$N" 2>/dev/null); do kill "$p" 2>/dev/null; done
	ip netns del "$N" 2>/dev/null
	ip netns del "$M" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
ip netns add "$N" && ip netns add "$M" || { echo "bpf-apply: cannot create namespaces"; exit 1; }
ip link add xb0 netns "$N" type veth peer name xm0 netns "$M"
ip -n "$N" link set lo up
ip -n "$N" link set xb0 up
ip -n "$M" link set xm0 up

cat >"$T/in.sh" <<INNER
set -u
unset SSH_CONNECTION
mount -t bpf bpf /sys/fs/bpf || exit 3
S=$T/st
A() { "$FWC" apply -t bpf --dev xb0 --state-dir "\$S" "\$@"; }
has_xdp() { ip link show xb0 | grep -q " xdp"; }
has_nft() { nft list table inet fwc >/dev/null 2>&1; }
prog() { "$FWC" bpf status --dev xb0 --state-dir "\$S" | sed -n 's/.*fwc XDP program \([0-9]*\), link \([0-9]*\).*/\1 \2/p'; }

A --detach --timeout 3 "$D/veth-a.fw" >"$T/o1" 2>&1 && echo "OK apply a" || echo "FAIL apply a: \$(cat $T/o1)"
has_xdp && echo "OK xdp after apply" || echo "FAIL no xdp after apply"
has_nft && echo "OK nft after apply" || echo "FAIL no nft table after apply"
"$FWC" status --state-dir "\$S" | grep -q "^pending: .*(bpf, XDP on xb0)" && echo "OK status pending" ||
  echo "FAIL status: \$("$FWC" status --state-dir "\$S")"
sleep 4.5
has_xdp && echo "FAIL xdp still there after the deadline" || echo "OK xdp rolled back"
has_nft && echo "FAIL nft table still there after the deadline" || echo "OK nft rolled back"
"$FWC" status --state-dir "\$S" | grep -q "^pending: no rollback" && echo "OK nothing pending" ||
  echo "FAIL still pending"

A --detach --timeout 30 "$D/veth-a.fw" >"$T/o2" 2>&1 && "$FWC" confirm --state-dir "\$S" >"$T/o3" 2>&1 &&
  echo "OK apply and confirm a" || echo "FAIL apply/confirm a: \$(cat $T/o2 $T/o3)"
has_xdp && has_nft && echo "OK both kept" || echo "FAIL not kept after confirm"
set -- \$(prog)
pa=\${1:-x} la=\${2:-x}

A --detach --timeout 30 "$D/veth-b.fw" >"$T/o4" 2>&1 && echo "OK apply b" || echo "FAIL apply b: \$(cat $T/o4)"
set -- \$(prog)
[ "\${2:-y}" = "\$la" ] && [ "\${1:-y}" != "\$pa" ] && echo "OK swapped on the same link" ||
  echo "FAIL after apply b: program \${1:-none} link \${2:-none} (was \$pa \$la)"
"$FWC" bpf status --dev xb0 --state-dir "\$S" | grep -q "from .*veth-b.fw" && echo "OK b loaded" || echo "FAIL b not loaded"
"$FWC" rollback --state-dir "\$S" >"$T/o5" 2>&1 && echo "OK rollback" || echo "FAIL rollback: \$(cat $T/o5)"
"$FWC" bpf status --dev xb0 --state-dir "\$S" | grep -q "from .*veth-a.fw" && echo "OK a's image back" ||
  echo "FAIL a's image not back: \$("$FWC" bpf status --dev xb0 --state-dir "\$S")"
nft list table inet fwc | grep -q "tcp dport 23 .*drop" && echo "OK a's nft rules back" ||
  echo "FAIL a's nft rules not back: \$(nft list table inet fwc 2>&1 | head -30)"

"$FWC" apply -t bpf --dev nosuchdev0 --state-dir "\$S" --detach "$D/veth-b.fw" >"$T/o6" 2>&1; rc=\$?
[ \$rc = 1 ] && grep -q "no device 'nosuchdev0'" "$T/o6" && echo "OK missing device refused" ||
  echo "FAIL missing device: rc \$rc \$(cat $T/o6)"
"$FWC" bpf status --dev xb0 --state-dir "\$S" | grep -q "from .*veth-a.fw" && echo "OK unchanged" ||
  echo "FAIL changed by a refused apply"
"$FWC" bpf unload --dev xb0 --state-dir "\$S" >/dev/null
INNER
ip netns exec "$N" unshare -m --propagation private sh "$T/in.sh" >"$T/out" 2>&1
grep -v "^OK" "$T/out" | sed "s/^/bpf-apply: /"; [ -n "${VERBOSE:-}" ] && cat "$T/out"
pass=$(grep -c '^OK' "$T/out")
fail=$(grep -c '^FAIL' "$T/out")
[ "$pass" -ge 17 ] || { fail=$((fail + 1)); echo "bpf-apply: only $pass checks passed"; }
echo "bpf-apply: $pass passed, $fail failed"
[ "$fail" = 0 ]
