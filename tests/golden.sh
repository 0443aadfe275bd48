#!/bin/sh
# golden.sh: compile every example and every tests/golden/*.fw with each
# backend and --dump=ir, and compare with the files in tests/golden/.
#   UPDATE=1 sh tests/golden.sh   rewrites the golden files (review the diff!)
# FWC selects the binary (default build/fwc). Runs from the repo root.
FWC=${FWC:-build/fwc}
G=tests/golden
pass=0 fail=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
check() {   # check NAME KIND ARGS...
	name=$1 kind=$2
	shift 2
	if ! "$FWC" compile "$@" >"$out/$name.$kind" 2>"$out/$name.$kind.err"; then
		fail=$((fail + 1))
		echo "golden: FAIL $name.$kind: fwc exited non-zero"
		cat "$out/$name.$kind.err"
		return
	fi
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$out/$name.$kind" "$G/$name.$kind"
	fi
	if cmp -s "$out/$name.$kind" "$G/$name.$kind"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "golden: FAIL $name.$kind differs:"
		diff -u "$G/$name.$kind" "$out/$name.$kind" | head -40
	fi
}
for f in examples/*.fw $G/*.fw; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .fw)
	check "$name" nft -t nft "$f"
	check "$name" ipt4 -t iptables "$f"
	check "$name" ipt6 -t ip6tables "$f"
	check "$name" ipset -t ipset "$f"
	check "$name" ir --dump=ir "$f"
done
# determinism: the same input twice gives byte-identical output
for f in examples/*.fw; do
	[ -f "$f" ] || continue
	a=$("$FWC" compile -t nft "$f" | md5sum) b=$("$FWC" compile -t nft "$f" | md5sum)
	if [ "$a" = "$b" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "golden: FAIL $f: output differs between runs"; fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" = 0 ]
