#!/usr/bin/env bash
# corpus.sh: import and lint every iptables-save dump of the corpus, with
# the times and memory, side by side with fffuu's where the corpus README
# gives them.
#
#   bash bench/corpus.sh          (or: FWC=build-x/fwc CORPUS=... bash bench/corpus.sh)
#
# For every file under ../shared/corpus/net-network (CORPUS):
#   rules   the "-A" lines of the dump (as its README counts them)
#   import  `fwc compile --from iptables-save --dump=ir-semantic FILE`:
#           reading and lowering the dump only (the IR printed to
#           /dev/null), wall seconds
#   lint    `fwc lint --from iptables-save FILE` with every check on
#           (-Wall), the report to /dev/null: import + analysis, wall
#           seconds, and its peak RSS in MiB (/usr/bin/time %M)
#   find.   the findings of that lint (--format json, counted)
# Each measurement is the fastest of RUNS runs (default 3): the machine is
# shared and single runs vary by tens of percent. The totals are the sums
# of those minima over the corpus; the whole-corpus target is 5 s, the
# 4,973-rule iptables-save-2015-09-03_15-56-50 target 1 s (fffuu: 66.4 s).
# Where the corpus README lists fffuu's time for a file, the last column
# gives it and the ratio fffuu / fwc lint.
#
# Nothing is asserted: the figures depend on the machine. No root needed.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

cd "$(dirname "$0")/.."
FWC=${FWC:-build/fwc}
CORPUS=${CORPUS:-../shared/corpus/net-network}
RUNS=${RUNS:-3}
[ -x "$FWC" ] || { echo "corpus.sh: $FWC not built (make)" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "corpus.sh: no corpus at $CORPUS" >&2; exit 2; }
TMP=$(mktemp -d /tmp/fwc-corpus.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# fffuu's figures from the corpus README ("| name | rules | 35.5 s |")
declare -A FFFUU
while IFS='|' read -r _ name _ t _; do
	name=$(echo "$name" | sed 's/^ *//; s/ *$//; s/ (INPUT)//')
	t=$(echo "$t" | sed 's/^ *//; s/ s *$//')
	[[ $t =~ ^[0-9.]+$ ]] && FFFUU[$name]=$t
done < <(grep '^| [^-]' "$CORPUS/README.md" | grep -v '^| ruleset' || true)

# min over RUNS of "wall rss" for a command; its stdout to $2
measure() {
	local out=$1; shift
	local best="" rss=0
	for ((i = 0; i < RUNS; i++)); do
		/usr/bin/time -f '%e %M' -o "$TMP/t" "$@" > "$out" 2> /dev/null || true
		read -r w m < <(tail -n 1 "$TMP/t")
		if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; fi
		(( m > rss )) && rss=$m
	done
	echo "$best $rss"
}

printf '%-78s %6s %7s %7s %7s %6s  %s\n' file rules import lint "MiB" find. "fffuu (ratio)"
tot_rules=0 tot_imp=0 tot_lint=0 n=0 peak=0
while read -r f; do
	name=${f#"$CORPUS"/}
	rules=$(grep -c '^-A ' "$f" || true)
	read -r ti _ < <(measure /dev/null "$FWC" compile --from iptables-save \
		--dump=ir-semantic "$f")
	read -r tl rss < <(measure /dev/null "$FWC" lint -Wall --from iptables-save "$f")
	"$FWC" lint -Wall --format json --from iptables-save "$f" > "$TMP/j" 2> /dev/null || true
	nf=$( (grep -o '"check":' "$TMP/j" || true) | wc -l)
	base=$(basename "$f")
	ff=""
	for k in "${!FFFUU[@]}"; do
		if [ "$k" = "$base" ] || [ "$k" = "$name" ] || [[ $name == */$k ]]; then
			ff=$(awk -v a="${FFFUU[$k]}" -v b="$tl" 'BEGIN{printf "%.1f s (%.0fx)", a, (b > 0 ? a / b : 0)}')
		fi
	done
	printf '%-78s %6d %7.3f %7.3f %7.1f %6d  %s\n' "$name" "$rules" "$ti" "$tl" \
		"$(awk -v m="$rss" 'BEGIN{print m/1024}')" "$nf" "$ff"
	tot_rules=$((tot_rules + rules))
	tot_imp=$(awk -v a="$tot_imp" -v b="$ti" 'BEGIN{print a + b}')
	tot_lint=$(awk -v a="$tot_lint" -v b="$tl" 'BEGIN{print a + b}')
	(( rss > peak )) && peak=$rss
	n=$((n + 1))
done < <(find "$CORPUS" -type f ! -name 'LICENSE*' ! -name 'README*' | sort)
printf '%-78s %6d %7.3f %7.3f %7.1f\n' "total ($n files; MiB: the largest peak)" \
	"$tot_rules" "$tot_imp" "$tot_lint" "$(awk -v m="$peak" 'BEGIN{print m/1024}')"
awk -v t="$tot_lint" 'BEGIN{printf "whole corpus lint: %.2f s (target 5 s: %.2fx of it)\n", t, t / 5}'
