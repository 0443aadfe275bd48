#!/bin/sh
# lint.sh: golden tests for `fwc lint`. For every tests/lint/NAME.fw, run
# from the repository root (so the reports name tests/lint/NAME.fw):
#
#   fwc lint --color=never --format json [ARGS] tests/lint/NAME.fw
#
# and compare its standard output byte for byte with tests/lint/NAME.out.
# ARGS is the content of NAME.args when present (e.g. `--witness`,
# `--ssh-client 198.51.100.7:50000`, `-Wno-lockout`). Some cases also
# check other formats, each only when its expected file exists:
#
#   NAME.txt     --format text
#   NAME.junit   --format junit
#   NAME.sarif   --format sarif
#
# The exit status of every run must be the one cmd_lint (compiler/main.c)
# promises for the expected report: 1 when it holds an error-level finding,
# or, with --werror (or -Werror) among the ARGS, any warning; 0 otherwise.
# Nothing may be printed on standard error.
#
#   UPDATE=1 sh tests/lint.sh [NAME...]
#       writes NAME.out (also when missing) and rewrites the NAME.txt,
#       .junit and .sarif that exist, for every case or the ones named
#       (review the diff!). To add a format to a case, create the empty
#       file first.
#
# Every check has a case that reports it and one that must not, except
# unknown-match: it is only for imported rules (a match fwc cannot model),
# and the policy language cannot write such a match.
#
# FWC selects the binary (default build/fwc). SSH_CONNECTION is unset: fwc
# lint takes the --ssh-client default from it.
FWC=${FWC:-build/fwc}
case $FWC in /*) ;; *) FWC=$(pwd)/$FWC ;; esac
cd "$(dirname "$0")/.." || exit 1
unset SSH_CONNECTION
D=tests/lint
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The exit status a report implies (json: "summary":{"errors":N,...}).
want_rc() {   # want_rc EXPECTED_JSON ARGS
	counts=$(sed -n 's/.*"summary":{"errors":\([0-9]*\),"warnings":\([0-9]*\),.*/\1 \2/p' "$1")
	[ -n "$counts" ] || { echo "?"; return; }
	errs=${counts% *} warns=${counts#* }
	if [ "$errs" != 0 ]; then
		echo 1
		return
	fi
	case " $2 " in
	*" --werror "* | *" -Werror "*)
		[ "$warns" != 0 ] && { echo 1; return; } ;;
	esac
	echo 0
}

# JSON and SARIF are one line: show their differences one field a line.
show_diff() {   # show_diff EXPECTED GOT
	sed 's/,"/,\n"/g; s/\[{/[\n{/g; s/},{/},\n{/g' "$1" >"$tmp/expected"
	sed 's/,"/,\n"/g; s/\[{/[\n{/g; s/},{/},\n{/g' "$2" >"$tmp/got"
	diff -u "$tmp/expected" "$tmp/got" | head -40
}

if [ $# = 0 ]; then
	set -- $D/*.fw
else   # names of cases: sh tests/lint.sh shadowed-union suppress
	for n; do shift; set -- "$@" "$D/${n%.fw}.fw"; done
fi
for f; do
	if [ ! -f "$f" ]; then
		echo "lint: FAIL $f: no such case"; fail=$((fail + 1))
		continue
	fi
	name=$(basename "$f" .fw)
	args=""
	[ -f "$D/$name.args" ] && args=$(cat "$D/$name.args")
	ok=1
	for kind in out txt junit sarif; do
		case $kind in
		out) fmt=json ;;
		txt) fmt=text ;;
		*) fmt=$kind ;;
		esac
		exp=$D/$name.$kind
		if [ $kind != out ] && [ ! -f "$exp" ]; then
			continue
		fi
		got=$tmp/$name.$kind
		# shellcheck disable=SC2086
		"$FWC" lint --color=never --format $fmt $args "$f" >"$got" 2>"$tmp/err"
		rc=$?
		[ "${UPDATE:-0}" = 1 ] && cp "$got" "$exp"
		if [ -s "$tmp/err" ]; then
			echo "lint: FAIL $name ($fmt): output on standard error:"
			head -20 "$tmp/err"; ok=0
		fi
		if [ ! -f "$exp" ]; then
			echo "lint: FAIL $name: no $exp; create it with UPDATE=1 sh tests/lint.sh $name and read it"
			ok=0
			break
		fi
		if ! cmp -s "$got" "$exp"; then
			echo "lint: FAIL $name ($fmt): report differs:"
			if [ $kind = txt ] || [ $kind = junit ]; then
				diff -u "$exp" "$got" | head -40
			else
				show_diff "$exp" "$got"
			fi
			ok=0
		fi
		want=$(want_rc "$D/$name.out" "$args")
		if [ "$rc" != "$want" ]; then
			echo "lint: FAIL $name ($fmt): exit status $rc, expected $want"; ok=0
		fi
	done
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
# the lockout check's search for one packet (used on large sets) finds the
# same findings as the full intersections: forced on every policy here,
# the checks, severities and messages must be the same (the witness and
# the rule named as cutting may be others)
for f in $D/*.fw; do
	name=$(basename "$f" .fw)
	key() { sed -n 's/.*\(error\|warning\|note\): \(.*\[[a-z-]*\]\)$/\1: \2/p'; }
	"$FWC" lint --color=never "$f" 2>/dev/null | key >"$tmp/exact"
	FWC_MEET_EXACT_MAX=0 "$FWC" lint --color=never "$f" 2>/dev/null | key >"$tmp/search"
	if cmp -s "$tmp/exact" "$tmp/search"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "lint: FAIL $name: the lockout search finds other findings:"
		diff "$tmp/exact" "$tmp/search" | head -10
	fi
done
echo "lint: $pass passed, $fail failed"
[ "$fail" = 0 ]
