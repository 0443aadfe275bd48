#!/bin/sh
# graph.sh: tests for `fwc graph`, run from the repository root.
#
# For every policy (tests/graph/*.fw, examples/*.fw; and the dumps
# tests/graph/*.dump, read with --from iptables-save) and both kinds
# (chains, zones):
#   - the DOT text of the graph as built (--format dot: no layout, stable)
#     equals tests/graph/golden/NAME.KIND.dot;
#   - the SVG (--format svg, laid out and rendered by graphviz) is
#     well-formed XML (xmllint, libxml2), and its node and edge titles
#     (the names graphviz gives them: "filter/input", "lan->self"),
#     sorted, equal tests/graph/golden/NAME.KIND.svg-list: the count and
#     the names of what is drawn.
# Each SVG is rendered twice: the two must be identical. Then: the narrowing options (--table, --chain, --depth), PNG output,
# usage errors (exit 2) and an unknown chain (exit 1, a suggestion), no
# output file left by a failed run; on the two largest corpus dumps
# (../shared/corpus/net-network, CORPUS=DIR to change): both kinds render
# to well-formed SVG, the zones kind as one table (more than 8
# interfaces) naming every interface, and the zone matrix computed the
# fast way (interfaces only, projected once per path) equals the general
# computation (FWC_MATRIX_GENERAL=1) on every corpus dump with
# interfaces.
#
#   UPDATE=1 sh tests/graph.sh    rewrites the goldens (review the diff!)
#
# Timings are printed for the corpus dumps, never asserted (bench/).

FWC=${FWC:-build/fwc}
CORPUS=${CORPUS:-../shared/corpus/net-network}
G=tests/graph/golden
pass=0
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fwc-graph.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# svg_list FILE: node and edge titles, sorted, one a line
svg_list() {
	{
		xmllint --xpath "//*[local-name()='g'][@class='node']/*[local-name()='title']/text()" "$1" 2>/dev/null |
			sed 's/^/node /'
		xmllint --xpath "//*[local-name()='g'][@class='edge']/*[local-name()='title']/text()" "$1" 2>/dev/null |
			sed 's/&gt;/>/g; s/&lt;/</g; s/&amp;/\&/g; s/^/edge /'
	} | LC_ALL=C sort
}

golden() {   # golden FILE GOLDEN WHAT
	if [ "${UPDATE:-0}" = 1 ]; then
		mkdir -p "$G"
		cp "$1" "$2"
		ok
	elif [ ! -f "$2" ]; then
		bad "$3: no golden $2 (UPDATE=1 to write it)"
	elif cmp -s "$1" "$2"; then
		ok
	else
		bad "$3: differs from $2"
		diff -u "$2" "$1" | head -20
	fi
}

mkdir -p "$tmp/out"
for p in tests/graph/*.fw examples/*.fw tests/graph/*.dump; do
	case $p in
	*.dump) name=$(basename "$p" .dump); from="--from iptables-save" ;;
	*) name=$(basename "$p" .fw); from="" ;;
	esac
	for kind in chains zones; do
		if ! "$FWC" graph $from --kind $kind --format dot "$p" >"$tmp/g.dot" 2>"$tmp/err"; then
			bad "$p $kind: dot failed: $(head -3 "$tmp/err")"
			continue
		fi
		golden "$tmp/g.dot" "$G/$name.$kind.dot" "$p $kind dot"
		if ! "$FWC" graph $from --kind $kind -o "$tmp/g.svg" "$p" 2>"$tmp/err"; then
			bad "$p $kind: svg failed: $(head -3 "$tmp/err")"
			continue
		fi
		# the same drawing every time (cgraph's default IDs are
		# addresses, which once made the order of clusters vary)
		"$FWC" graph $from --kind $kind -o "$tmp/g2.svg" "$p" 2>/dev/null
		cmp -s "$tmp/g.svg" "$tmp/g2.svg" && ok || bad "$p $kind: two runs, two SVGs"
		if ! xmllint --noout "$tmp/g.svg" 2>"$tmp/err"; then
			bad "$p $kind: svg not well-formed: $(head -3 "$tmp/err")"
			continue
		fi
		ok
		svg_list "$tmp/g.svg" >"$tmp/g.list"
		if [ ! -s "$tmp/g.list" ]; then
			bad "$p $kind: no node in the svg"
			continue
		fi
		golden "$tmp/g.list" "$G/$name.$kind.svg-list" "$p $kind svg nodes/edges"
	done
done

# what tests/graph/*.fw say they show, checked on the DOT text directly
# (so a golden rewritten by mistake cannot hide it)
expect() {   # expect FILE PATTERN WHAT
	if grep -q -- "$2" "$1"; then ok; else bad "$3"; fi
}
expect_not() {
	if grep -q -- "$2" "$1"; then bad "$3"; else ok; fi
}
"$FWC" graph --kind zones --format dot tests/graph/zones.fw >"$tmp/z.dot"
tr -d '\n\t' <"$tmp/z.dot" | sed 's/;/;\n/g' >"$tmp/z1"
expect "$tmp/z1" 'lan -> self.*key=all,label=web,' "zones: lan -> self web in full"
expect "$tmp/z1" 'lan -> self.*key=some,.*label=ntp,' "zones: lan -> self ntp in part"
expect_not "$tmp/z1" 'lan -> self.*ssh' "zones: ssh (shadowed away) shown"
expect "$tmp/z1" 'lan -> wan.*label=any,' "zones: lan -> wan any"
expect "$tmp/z1" 'wan -> dmz.*key=all,label=smtp,' "zones: wan -> dmz smtp in full"
expect "$tmp/z1" 'wan -> dmz.*key=some,.*label=web,' "zones: wan -> dmz web in part"
expect_not "$tmp/z1" 'dmz -> ' "zones: an edge from dmz"
expect_not "$tmp/z1" 'wan -> lan' "zones: an edge wan -> lan"
"$FWC" graph --format dot tests/graph/chains.fw >"$tmp/c.dot"
tr -d '\n\t' <"$tmp/c.dot" | sed 's/;/;\n/g' >"$tmp/c1"
expect "$tmp/c1" '"filter/never".*color="#a0a0a0"' "chains: never not greyed"
expect "$tmp/c1" '"filter/input" -> "filter/many".*label="4 rules"' "chains: 4 jumps not merged"
expect "$tmp/c1" '"mangle/mangle-prerouting".*1 lockout/order/nat' "chains: mark-order not counted"
expect "$tmp/c1" '"filter/admin".*1 shadowed/redundant' "chains: redundant not counted"
[ "$(grep -c '"filter/input" -> "filter/admin"' "$tmp/c.dot")" = 2 ] && ok ||
	bad "chains: two edges input -> admin expected"

# the address classes of a dump (tests/graph/classes.dump says why)
"$FWC" graph --from iptables-save --kind zones --format dot tests/graph/classes.dump >"$tmp/k.dot"
tr -d '\n\t' <"$tmp/k.dot" | sed 's/;/;\n/g' >"$tmp/k1"
[ "$(grep -c '^ *"class [0-9]*" *\[' "$tmp/k1")" = 4 ] && ok || bad "classes: 4 classes expected"
[ "$(grep -c '"class [0-9]*" -> "class [0-9]*"' "$tmp/k1")" = 5 ] && ok || bad "classes: 5 edges expected"
cls() { grep -o "<b>class [0-9]*</b><br/>$1<br/>" "$tmp/k1" | sed 's/<b>\(class [0-9]*\)<.*/\1/'; }
c10=$(cls 10.0.0.0/8)
c192=$(cls 192.0.2.0/24)
c198=$(cls 198.51.100.7)
[ -n "$c10" ] && [ -n "$c192" ] && [ -n "$c198" ] && ok || bad "classes: 10/8, 192.0.2/24, 198.51.100.7 not classes of their own"
grep -q "\"$c10\" -> \"$c192\"" "$tmp/k1" && ok || bad "classes: no edge 10/8 -> 192.0.2/24"
[ "$(grep -c "\"class [0-9]*\" -> \"$c198\"" "$tmp/k1")" = 4 ] && ok || bad "classes: not every class -> 198.51.100.7"
grep -q "\"$c192\" -> \"$c10\"" "$tmp/k1" && bad "classes: an edge 192.0.2/24 -> 10/8" || ok

# narrowing
nodes() { grep -cE '^[[:space:]]+"[a-z]+/[^"]+"[[:space:]]+\[' "$1"; }
"$FWC" graph --format dot --table mangle tests/graph/chains.fw >"$tmp/n.dot"
[ "$(nodes "$tmp/n.dot")" = 1 ] && ok || bad "--table mangle: $(nodes "$tmp/n.dot") nodes, 1 expected"
"$FWC" graph --format dot --chain admin --depth 0 tests/graph/chains.fw >"$tmp/n.dot"
[ "$(nodes "$tmp/n.dot")" = 1 ] && ok || bad "--chain admin --depth 0: $(nodes "$tmp/n.dot") nodes"
"$FWC" graph --format dot --chain INPUT --depth 1 tests/graph/chains.fw >"$tmp/n.dot"
[ "$(nodes "$tmp/n.dot")" = 4 ] && ok || bad "--chain INPUT --depth 1: $(nodes "$tmp/n.dot") nodes, 4 expected"

# png
"$FWC" graph --format png tests/graph/chains.fw >"$tmp/g.png"
[ "$(head -c 4 "$tmp/g.png" | tail -c 3)" = PNG ] && ok || bad "png: no PNG signature"

# errors: usage (2), unknown chain (1, did you mean), nothing written
usage() {   # usage WHAT ARGS...
	what=$1
	shift
	"$FWC" graph "$@" >"$tmp/o" 2>"$tmp/e"
	rc=$?
	[ $rc = 2 ] && [ -s "$tmp/e" ] && ok || bad "$what: exit $rc, 2 expected"
}
usage "unknown kind" --kind tables tests/graph/chains.fw
usage "unknown format" --format jpeg tests/graph/chains.fw
usage "unknown table" --table nats tests/graph/chains.fw
usage "--depth without --chain" --depth 1 tests/graph/chains.fw
usage "--layout with chains" --layout matrix tests/graph/chains.fw
usage "--chain with zones" --kind zones --chain x tests/graph/chains.fw
usage "no policy"
usage "missing file" tests/graph/nonexistent.fw
"$FWC" graph --chain inpt -o "$tmp/out/x.svg" tests/graph/chains.fw >"$tmp/o" 2>"$tmp/e"
rc=$?
if [ $rc = 1 ] && grep -q "no chain 'inpt'; did you mean 'input'" "$tmp/e" &&
   [ ! -e "$tmp/out/x.svg" ] && [ -z "$(ls "$tmp/out")" ]; then
	ok
else
	bad "unknown chain: exit $rc, $(cat "$tmp/e"), files: $(ls "$tmp/out")"
fi

# corpus dumps
if [ -d "$CORPUS" ]; then
	for f in $(ls -S "$CORPUS"/*/iptables-save* 2>/dev/null | head -2); do
		for kind in chains zones; do
			t0=$(date +%s.%N)
			if "$FWC" graph --kind $kind --from iptables-save -o "$tmp/d.svg" "$f" 2>"$tmp/err" &&
			   xmllint --noout "$tmp/d.svg"; then
				ok
			else
				bad "$f $kind: $(head -3 "$tmp/err")"
				continue
			fi
			t1=$(date +%s.%N)
			echo "graph: $(basename "$f") $kind: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s, $(wc -c <"$tmp/d.svg") bytes"
			if [ $kind = zones ]; then
				# the table (one node) naming every interface of the
				# dump, and the address classes
				n=$(svg_list "$tmp/d.svg" | grep -c '^node matrix$')
				[ "$n" = 1 ] && ok || bad "$f zones: $n tables, 1 expected"
				n=$(svg_list "$tmp/d.svg" | grep -c '^node class ')
				[ "$n" -ge 2 ] && ok || bad "$f zones: $n address classes"
				missing=0
				for i in $(grep -oE -- '-[io] [A-Za-z0-9.+_-]+' "$f" | awk '{print $2}' |
					   grep -v '^lo$' | grep -v '+$' | sort -u); do
					grep -q ">$i<" "$tmp/d.svg" || missing=$((missing + 1))
				done
				[ $missing = 0 ] && ok || bad "$f zones: $missing interfaces not in the table"
			fi
		done
	done
	n=0
	for f in "$CORPUS"/*/iptables-save*; do
		grep -qE -- '-[io] ' "$f" || continue
		a=$("$FWC" graph --kind zones --format dot --from iptables-save "$f" 2>/dev/null | md5sum)
		b=$(FWC_MATRIX_GENERAL=1 "$FWC" graph --kind zones --format dot --from iptables-save "$f" 2>/dev/null | md5sum)
		n=$((n + 1))
		[ "$a" = "$b" ] && ok || bad "$f: the fast zone matrix differs from the general one"
	done
	echo "graph: fast and general zone matrices compared on $n dumps"
else
	echo "graph: $CORPUS not found: corpus cases skipped"
fi

echo "graph: $pass passed, $fail failed"
[ $fail = 0 ]
