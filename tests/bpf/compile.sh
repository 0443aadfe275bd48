#!/bin/sh
# compile.sh: `fwc compile -t bpf` without the kernel: for the examples and
# tests/bpf/*.fw, placement.txt and xdp.img against the goldens in
# tests/bpf/golden/ (both conntrack modes for the examples), nft.fw equal
# to `-t nft`, byte-identical output on a second run; usage errors (exit
# 2, nothing written), a policy over the program's rule limit (exit 1, no
# xdp.img), and the loader's refusals of malformed images (exit 1, with
# the line), which it reads before it looks for the device.
#   UPDATE=1 sh tests/bpf/compile.sh   rewrites the goldens (review them)
set -u
FWC=${FWC:-build/fwc}
G=tests/bpf/golden
T=$(mktemp -d /tmp/fwc-bpfc.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "bpf-compile: FAIL: $*"; }
golden() {   # golden FILE NAME
	[ "${UPDATE:-0}" = 1 ] && cp "$1" "$G/$2"
	if cmp -s "$1" "$G/$2"; then ok; else bad "$2 differs"; diff -u "$G/$2" "$1" | head -30; fi
}
mkdir -p "$G"
for f in examples/*.fw tests/bpf/*.fw; do
	name=$(basename "$f" .fw)
	for ct in policy any; do
		case $f in tests/*) [ "$ct" = any ] && continue ;; esac
		o=$T/$name-$ct
		if ! "$FWC" compile -t bpf --xdp-conntrack "$ct" -o "$o" "$f" >"$o.stdout" 2>"$o.err"; then
			bad "$f ($ct): exit non-zero: $(cat "$o.err")"
			continue
		fi
		cmp -s "$o.stdout" "$o/placement.txt" && ok || bad "$name: stdout is not placement.txt"
		golden "$o/placement.txt" "$name-$ct.placement"
		golden "$o/xdp.img" "$name-$ct.img"
		"$FWC" compile -t nft "$f" >"$T/nft" 2>/dev/null
		cmp -s "$T/nft" "$o/nft.fw" && ok || bad "$name: nft.fw is not the nft output"
		"$FWC" compile -t bpf --xdp-conntrack "$ct" -o "$o.2" "$f" >/dev/null 2>&1
		cmp -s "$o/xdp.img" "$o.2/xdp.img" && ok || bad "$name: a second run differs"
	done
done
# the modes differ where the policy's own connections matter
cmp -s "$T/web-server-policy/xdp.img" "$T/web-server-any/xdp.img" && bad "web-server: modes agree" || ok
grep -q '^xdp  examples/web-server.fw:50' "$T/web-server-policy/placement.txt" && ok ||
  bad "web-server: the block list is not in XDP"

# usage errors: exit 2, nothing written
u() {   # u EXPECT-SUBSTRING ARGS...
	want=$1; shift
	"$FWC" compile "$@" >"$T/u.out" 2>&1; rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$want" "$T/u.out"; then ok; else bad "compile $*: rc $rc: $(cat "$T/u.out")"; fi
}
u "give it with -o DIR" -t bpf examples/bastion.fw
u "policy or any, not 'maybe'" -t bpf --xdp-conntrack maybe -o "$T/x" examples/bastion.fw
u "is for -t bpf" --xdp-conntrack any examples/bastion.fw
[ -e "$T/x" ] && bad "a usage error wrote $T/x" || ok

# over the limit: 2,100 rules, each an XDP rule per family (4,200 > 4,096)
{
	echo "policy input drop;"
	echo "raw prerouting {"
	i=1
	while [ "$i" -le 2100 ]; do echo "    drop proto tcp dport $((i + 1000));"; i=$((i + 1)); done
	echo "}"
	echo "input { accept proto tcp dport 22; }"
} >"$T/big.fw"
"$FWC" compile -t bpf -o "$T/big" "$T/big.fw" >"$T/big.out" 2>&1; rc=$?
if [ "$rc" = 1 ] && grep -q "the XDP program holds at most 4096 rules" "$T/big.out" &&
   [ ! -e "$T/big/xdp.img" ]; then ok; else bad "over the limit: rc $rc, $(tail -2 "$T/big.out")"; fi

# malformed images: refused with their line (read before the device)
img() {   # img NAME EXPECT-SUBSTRING: the image is $T/NAME.img
	"$FWC" bpf load --dev nosuchdev0 --pin-root "$T" --state-dir "$T/st" "$T/$1.img" >"$T/i.out" 2>&1
	rc=$?
	if [ "$rc" = 1 ] && grep -q -- "$2" "$T/i.out"; then ok; else bad "image $1: rc $rc: $(cat "$T/i.out")"; fi
}
good=$T/veth-a-policy/xdp.img
printf 'hello\n' >"$T/notimg.img"; img notimg "notimg.img:1: not an fwc XDP map image"
sed '1s/ 1$/ 9/' "$good" >"$T/ver.img"; img ver "ver.img:1: image version 9"
sed '$d' "$good" >"$T/cut.img"; img cut "the image ends before 'end'"
sed '/^dport 0-/d' "$good" >"$T/hole.img"; img hole "value 0 of dport not given"
sed 's/^class 1 .*/class 1 zz/' "$good" >"$T/cls.img"; img cls "a class has 1 hexadecimal words"
sed 's/^src4 0.0.0.0\/0 .*/src4 0.0.0.0\/0 99999/' "$good" >"$T/ref.img"; img ref "defined class"
sed '/^src6 ::\/0 /d' "$good" >"$T/root.img"; img root "no /0 entry in src6"
img veth-a-policy/xdp "no device 'nosuchdev0'"

echo "bpf-compile: $pass passed, $fail failed"
[ "$fail" = 0 ]
