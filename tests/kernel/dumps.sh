#!/bin/sh
# dumps.sh: the kernel as referee for imported iptables-save dumps.
#
#   sh tests/kernel/dumps.sh [DUMP...]     (as root; `make kernel`)
#
# For the DUMPS_N (default 10) largest dumps of ../shared/corpus/net-network
# (by their -A lines), or the files given: the witness tool
# (tests/kernel/witness.c -I) finds, with the analyzer, one packet for every
# rule reachable in a test network built for the dump, checks in fwc trace
# that the packet shows that rule, and referee.sh (DUMP=4|6) sends every
# packet into a fresh firewall namespace where fwc's iptables translation of
# the dump is loaded: the kernel's counters must show the rules fwc trace
# predicts, packet by packet.
#
# The test network for a dump (topology file, see topo.sh): eth0..eth3 and
# every other interface the dump names (-i/-o, wildcards and lo aside),
# each with a peer namespace; the IPv4 prefixes the dump sends out of an
# interface (a rule's "-d P ... -o IF") or receives from it ("-s P ... -i
# IF") routed out of it (multicast, 0.0.0.0/0, the test network's own
# 198.18.0.0/15 and prefixes overlapping an earlier route aside); the
# default route out of the interface the dump masquerades or SNATs to;
# sources anywhere the kernel accepts. Packets to this host and through it
# (the INPUT and FORWARD paths and the chains they jump to), not from it:
# a REJECT's answer to a packet from this host crosses the same output
# hooks, and its counters could not be told from the packet's.
#
# The test copy of a dump (in a temporary directory) differs from the
# corpus file in what a kernel test needs, and in nothing else:
# - the rules with a condition fwc keeps as text (docs/import.md: -m mac,
#   addrtype, rpfilter, sctp, physdev, pkttype, policy, set, u32, string,
#   length, ttl, hl, tos, dscp, rt; "! --tcp-flags", an icmp type with a
#   code, --tcp-option) are left out: fwc trace can only assume what such a
#   condition does, and the test network cannot make the kernel agree with
#   one assumption for all of them (a unicast witness is no BROADCAST
#   address, a local one is LOCAL). Leaving the rule out is "it never
#   matches" on both sides. So the test covers the rules fwc models;
# - the anonymised <private_ip> gets a valid value;
# - limit and hashlimit bursts become 10000, so that the buckets do not run
#   dry during the test (fwc trace assumes rates under their limits); the
#   referee empties the recent lists before each packet (fwc trace assumes
#   they miss).
#
# Prints per dump the witness and referee lines, then
# "dumps: N passed, M failed" (packets). Never touches the host's
# namespace: everything runs in namespaces topo.sh makes and deletes.

here=$(dirname "$0")
BUILD=${BUILD:-build}
FWC=${FWC:-$BUILD/fwc}
REFEREE=${REFEREE:-$BUILD/tests/referee}
WITNESS=${WITNESS:-$BUILD/tests/witness}
CORPUS=${CORPUS:-../shared/corpus/net-network}
N=${DUMPS_N:-10}
LC_ALL=C
export LC_ALL
if [ "$(id -u)" != 0 ]; then
	echo "dumps: skipped: needs root (network namespaces)"
	exit 0
fi
if [ $# -eq 0 ] && [ ! -d "$CORPUS" ]; then
	echo "dumps: FAILED: corpus $CORPUS not found" >&2
	exit 1
fi
tmp=$(mktemp -d /tmp/fwc-dumps.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

if [ $# -gt 0 ]; then
	printf '%s\n' "$@" > "$tmp/list"
else
	find "$CORPUS" -type f ! -name 'LICENSE*' ! -name 'README*' | while read -r f; do
		printf '%s %s\n' "$(grep -c '^-A ' "$f")" "$f"
	done | sort -k1,1nr -k2 | head -n "$N" | cut -d' ' -f2- > "$tmp/list"
fi

# topology FILE: the test network for a dump (see above)
topology() {
	awk '
	function ip2n(s,   a) { split(s, a, "."); return ((a[1] * 256 + a[2]) * 256 + a[3]) * 256 + a[4] }
	function overlaps(n, l, m, k,   x) { x = 2 ^ (32 - (l < k ? l : k)); return int(n / x) == int(m / x) }
	function route(pfx, ifn,   p, n, l, r) {
		if (pfx == "" || ifn == "" || ifn ~ /\+$/ || ifn == "lo" || pfx !~ /^[0-9.]+(\/[0-9]+)?$/)
			return
		if (pfx !~ /\//) pfx = pfx "/32"
		split(pfx, p, "/"); n = ip2n(p[1]); l = p[2] + 0
		if (l == 0 || overlaps(n, l, ip2n("224.0.0.0"), 3) || overlaps(n, l, ip2n("198.18.0.0"), 15))
			return
		for (r = 0; r < nr; r++)
			if (overlaps(n, l, rn[r], rl[r])) return
		rn[nr] = n; rl[nr] = l; ri[nr] = ifn; rp[nr] = pfx; nr++
	}
	BEGIN { nr = 0; k = 0 }
	$1 == "-A" {
		dst = ""; oif = ""; src = ""; iif = ""; nat = 0
		for (i = 2; i <= NF; i++) {
			if ($i == "-d" && $(i - 1) != "!") dst = $(i + 1)
			if ($i == "-o" && $(i - 1) != "!") oif = $(i + 1)
			if ($i == "-s" && $(i - 1) != "!") src = $(i + 1)
			if ($i == "-i" && $(i - 1) != "!") iif = $(i + 1)
			if ($i == "-j" && ($(i + 1) == "MASQUERADE" || $(i + 1) == "SNAT")) nat = 1
			if (($i == "-i" || $i == "-o") && $(i + 1) !~ /\+$/ && $(i + 1) != "lo" &&
			    $(i + 1) !~ /^eth[0-3]$/ && $(i + 1) !~ /,/ && !(($(i + 1)) in ifs)) {
				ifs[$(i + 1)] = 1; order[k++] = $(i + 1)
			}
		}
		if (nat && oif != "" && oif !~ /\+$/ && defif == "") defif = oif
		route(dst, oif)
		ins[++nin] = src " " iif
	}
	END {
		for (j = 1; j <= nin; j++) { split(ins[j], a, " "); route(a[1], a[2]) }
		print "sources any"
		print "paths input forward"
		line = "iface"
		for (j = 0; j < k; j++) line = line " " order[j]
		if (k) print line
		for (r = 0; r < nr; r++) print "route " ri[r] " " rp[r]
		if (defif != "") print "default " defif
	}' "$1"
}

# textonly: the dump without the rules with conditions fwc keeps as text
textonly() {
	awk '
	function generic(t) { return t ~ /^-([sdiopfmjg]|-source|-destination|-in-interface|-out-interface|-protocol|-match|-jump|-goto)$/ }
	BEGIN {
		split("mac addrtype rpfilter sctp physdev pkttype policy set u32 string length ttl hl tos dscp rt", m, " ")
		for (k in m) text[m[k]] = 1
	}
	$1 != "-A" && $1 != "-I" { print; next }
	{
		for (i = 1; i < NF; i++)
			if (($i == "-m" && ($(i + 1) in text)) || ($i == "!" && $(i + 1) == "--tcp-flags") ||
			    ($i == "--icmp-type" && $(i + 1) ~ /\//) || $i == "--tcp-option") {
				# keep the line numbers: the reports cite them
				print "# left out by the test: " $0
				next
			}
		print
	}' "$1"
}

pass=0 fail=0
while read -r f; do
	name=${f#"$CORPUS"/}
	textonly "$f" | sed -e 's/<private_ip>/198.18.0.1/g' \
	    -e 's/\(-m limit --limit [^ ]*\)\( --limit-burst [0-9]*\)\{0,1\}/\1 --limit-burst 10000/g' \
	    -e 's/--hashlimit-burst [0-9]*/--hashlimit-burst 10000/g' > "$tmp/dump"
	if "$FWC" compile --from iptables-save --dump=ir "$tmp/dump" 2>/dev/null | grep -q 'unknown "'; then
		echo "dumps: $name: the test copy still has conditions fwc keeps as text:"
		"$FWC" compile --from iptables-save --dump=ir "$tmp/dump" 2>/dev/null |
			grep -o 'unknown "[^"]*"' | sort -u | head -5
		fail=$((fail + 1))
		continue
	fi
	topology "$tmp/dump" > "$tmp/topo"
	fam=4
	"$FWC" compile --from iptables-save --dump=ir-semantic "$tmp/dump" 2>/dev/null |
		grep -q '^ *ip6 ' && fam=6
	if ! "$WITNESS" -I "$tmp/dump" "$tmp/topo" "$tmp/pkts" > "$tmp/w.out" 2>&1; then
		sed "s|$tmp/dump|$name|g" "$tmp/w.out" | head -20
		echo "dumps: $name: witnesses not confirmed by fwc trace"
		fail=$((fail + 1))
		continue
	fi
	sed "s|$tmp/dump|$name|g" "$tmp/w.out"
	DUMP=$fam TOPO_EXTRA=$tmp/topo FWC=$FWC \
		REFEREE=$REFEREE sh "$here/referee.sh" "$tmp/dump" "$tmp/pkts" iptables \
		> "$tmp/out" 2>&1
	p=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $2} END {print s + 0}' "$tmp/out")
	x=$(awk '/^referee: [0-9]+ passed, [0-9]+ failed$/ {s += $4} END {print s + 0}' "$tmp/out")
	nrep=$(grep -Ec '^referee: [0-9]+ passed, [0-9]+ failed$' "$tmp/out")
	grep -Ev '^referee: ([0-9]+ passed, [0-9]+ failed|established packets: .*)$' "$tmp/out" |
		sed "s|$tmp/dump|$name|g" | head -40
	[ "$nrep" = 1 ] || { echo "dumps: $name: the referee did not report"; x=$((x + 1)); }
	echo "dumps: $name: $p passed, $x failed (kernel, iptables)"
	pass=$((pass + p)); fail=$((fail + x))
done < "$tmp/list"
echo "dumps: $pass passed, $fail failed"
[ "$fail" = 0 ]
