#!/bin/sh
# roundtrip.sh: every iptables-save dump of the corpus, through the kernel
# and back:
#
#   import (fwc --from iptables-save) -> fwc compile -t iptables|ip6tables
#   -> iptables-restore into a fresh network namespace -> iptables-save
#   -> import again
#
# and the two IRs must be equal: same chains, same rules in the same order,
# same matches and actions (`--dump=ir-semantic`: the IR without source
# locations). A difference prints the dump and both IR texts' diff.
#
#   sh tests/kernel/roundtrip.sh [DUMP...]     (as root; `make kernel`)
#
# The corpus is anonymised in ways no kernel accepts: MAC addresses are
# "XX:XX:XX:XX:XX:XX" and one file has "<private_ip>" for addresses. The
# test copy (in a temporary directory, never the corpus) replaces those by
# a valid MAC and 198.18.0.1; ipsets a dump names (-m set) are created
# empty in the namespace. Nothing else is changed. A file holding several
# dumps in a row is restored like iptables-restore would: the last table
# of each name counts (fwc warns).
#
# Also the nft translation: `fwc compile --from iptables-save -t nft` of
# each dump either writes a ruleset that `nft -c -f` (in the namespace)
# accepts, or refuses with a located "has no nft translation" (or
# "no nft equivalent") error; anything else fails. The numbers of both are
# printed.
#
# Never touches the host's namespace: every restore and save runs under
# `ip netns exec` in a namespace made here and deleted on exit.

FWC=${FWC:-build/fwc}
CORPUS=${CORPUS:-../shared/corpus/net-network}
LC_ALL=C
export LC_ALL

if [ "$(id -u)" != 0 ]; then
	echo "roundtrip: SKIPPED: needs root (network namespaces, iptables-restore)"
	exit 0
fi
if [ ! -d "$CORPUS" ]; then
	echo "roundtrip: FAILED: corpus $CORPUS not found" >&2
	exit 1
fi

T=$(mktemp -d /tmp/fwc-roundtrip.XXXXXX)
NS=fwc-rt-$$
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ $# -gt 0 ]; then
	printf '%s\n' "$@" > "$T/list"
else
	find "$CORPUS" -type f ! -name 'LICENSE*' ! -name 'README*' | sort > "$T/list"
fi

pass=0
fail=0
nft_ok=0
nft_refused=0
while read -r f; do
	name=${f#"$CORPUS"/}
	sed -e 's/XX:XX:XX:XX:XX:XX/02:00:00:00:00:01/g' \
	    -e 's/<private_ip>/198.18.0.1/g' "$f" > "$T/in"
	if ! "$FWC" compile --from iptables-save --dump=ir-semantic "$T/in" \
		> "$T/ir1" 2> "$T/err1"; then
		echo "FAIL $name: import"; sed 's/^/  /' "$T/err1" | head -20
		fail=$((fail + 1)); continue
	fi
	fam=4
	grep -q '^ *ip6 ' "$T/ir1" && fam=6
	tgt=iptables; [ $fam = 6 ] && tgt=ip6tables
	if ! "$FWC" compile --from iptables-save --force -t $tgt -o "$T/rules" "$T/in" \
		2> "$T/err2"; then
		echo "FAIL $name: compile -t $tgt"; sed 's/^/  /' "$T/err2" | head -20
		fail=$((fail + 1)); continue
	fi
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NS" || { echo "FAIL $name: ip netns add"; fail=$((fail + 1)); continue; }
	# the ipsets the rules name, created empty (their contents are not in
	# the dump)
	for s in $(grep -o -- '--match-set [^ ]*' "$T/rules" | awk '{print $2}' | sort -u); do
		ip netns exec "$NS" ipset create "$s" hash:net family \
			$([ $fam = 6 ] && echo inet6 || echo inet) 2>/dev/null
	done
	if ! ip netns exec "$NS" $tgt-restore < "$T/rules" > "$T/err3" 2>&1; then
		echo "FAIL $name: $tgt-restore refused fwc's output"
		sed 's/^/  /' "$T/err3" | head -5
		fail=$((fail + 1)); continue
	fi
	ip netns exec "$NS" $tgt-save > "$T/saved" 2> "$T/err4"
	[ -n "$KEEP" ] && cp "$T/saved" "$T/rules" "$T/in" "$KEEP"/
	if ! "$FWC" compile --from ${tgt}-save --dump=ir-semantic "$T/saved" \
		> "$T/ir2" 2> "$T/err5"; then
		echo "FAIL $name: import of the kernel's $tgt-save"
		sed 's/^/  /' "$T/err5" | head -20
		fail=$((fail + 1)); continue
	fi
	if ! cmp -s "$T/ir1" "$T/ir2"; then
		echo "FAIL $name: the IR differs after the round trip"
		diff -u "$T/ir1" "$T/ir2" | head -30 | sed 's/^/  /'
		fail=$((fail + 1)); continue
	fi
	if "$FWC" compile --from iptables-save --force -t nft -o "$T/nft" "$T/in" 2> "$T/err6"; then
		if ! ip netns exec "$NS" nft -c -f "$T/nft" > "$T/err7" 2>&1; then
			echo "FAIL $name: nft -c rejects fwc's nft translation"
			sed 's/^/  /' "$T/err7" | head -8
			fail=$((fail + 1)); continue
		fi
		nft_ok=$((nft_ok + 1))
	elif grep -Eq '^[^ ]+:[0-9]+:[0-9]+: error: .*(has no nft translation|has no nft equivalent)' "$T/err6"; then
		nft_refused=$((nft_refused + 1))
	else
		echo "FAIL $name: compile -t nft failed otherwise"
		sed 's/^/  /' "$T/err6" | head -8
		fail=$((fail + 1)); continue
	fi
	pass=$((pass + 1))
done < "$T/list"
echo "roundtrip: nft translation: $nft_ok accepted by nft -c, $nft_refused refused by fwc with a located error"
echo "roundtrip: $pass passed, $fail failed"
[ $fail = 0 ]
