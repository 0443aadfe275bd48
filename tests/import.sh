#!/bin/sh
# import.sh: tests of the iptables-save importer (compiler/import.c), in
# two parts.
#
# 1. Corpus. Every file under $CORPUS (default ../shared/corpus/net-network
#    from the repository root; not LICENSE* or README*) is a real dump and
#    must import and lint:
#
#      fwc lint --from iptables-save FILE
#
#    exits 0 or 1 (1: the dump has an error-level finding, such as a
#    lockout, which is a finding about the dump, not a failure), never 2 or
#    more, and prints no "error:" line on standard error (warnings are
#    fine); `fwc compile --from iptables-save --dump=ir FILE` exits 0; and
#    `fwc lint --witness --format json` gives the same report with and
#    without the analyzer's deferral of rules (FWC_NO_DEFER=1). The
#    corpus belongs to the checkout's environment: without it the test
#    fails. Last line: `import-corpus: N passed, M failed`.
#
# 2. Goldens. Every tests/import/NAME.dump is a small crafted dump that
#    tests one thing (its comment says which). Run inside tests/import, so
#    the diagnostics name NAME.dump and do not depend on the checkout path:
#
#      fwc compile --color=never --from iptables-save --dump=ir-semantic \
#          [ARGS] NAME.dump
#
#    ARGS is the content of NAME.args when present (--dump=ir where the
#    rules' locations matter). Standard output must equal NAME.ir and
#    standard error NAME.err; a missing file means "prints nothing". The
#    exit status must be 1 for the cases named error-* (a dump fwc refuses;
#    nothing on standard output) and 0 for every other. When NAME.lint is
#    present, `fwc lint --color=never --from iptables-save NAME.dump` must
#    print it on standard output, exit 1 exactly when it reports an error,
#    and print NAME.err (the import's diagnostics) on standard error. One
#    dump is also read from standard input ('-'). Last line:
#    `import: N passed, M failed`.
#
#   UPDATE=1 sh tests/import.sh [NAME...]
#       rewrites NAME.ir and NAME.err (removes them when the output is
#       empty) and the NAME.lint that exist, and prints which changed.
#       Review the diff: each golden is a claim about iptables semantics.
#   sh tests/import.sh NAME...
#       only these golden cases, no corpus.
#
# FWC selects the binary (default build/fwc). SSH_CONNECTION is unset: fwc
# lint takes the --ssh-client default from it.
FWC=${FWC:-build/fwc}
case $FWC in /*) ;; *) FWC=$(pwd)/$FWC ;; esac
if [ -n "${CORPUS:-}" ]; then
	case $CORPUS in /*) ;; *) CORPUS=$(pwd)/$CORPUS ;; esac
fi
cd "$(dirname "$0")/.." || exit 1
CORPUS=${CORPUS:-$(pwd)/../shared/corpus/net-network}
unset SSH_CONNECTION
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- 1. the corpus ----

# The first lines of a failure's standard error, indented.
show_err() {   # show_err FILE
	head -5 "$1" | sed 's/^/    /'
}

corpus() {
	pass=0 fail=0
	if [ ! -d "$CORPUS" ]; then
		echo "import-corpus: FAIL no corpus directory $CORPUS"
		echo "import-corpus: 0 passed, 1 failed"
		return 1
	fi
	find "$CORPUS" -type f ! -name 'LICENSE*' ! -name 'README*' | sort >"$tmp/corpus"
	if [ ! -s "$tmp/corpus" ]; then
		echo "import-corpus: FAIL no dump in $CORPUS"
		echo "import-corpus: 0 passed, 1 failed"
		return 1
	fi
	while IFS= read -r f; do
		name=${f#"$CORPUS"/}
		ok=1
		"$FWC" lint --color=never --from iptables-save "$f" >/dev/null 2>"$tmp/err"
		rc=$?
		if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
			echo "import-corpus: FAIL $name: fwc lint exit status $rc:"
			show_err "$tmp/err"; ok=0
		elif grep -q 'error:' "$tmp/err"; then
			echo "import-corpus: FAIL $name: fwc lint reports an error:"
			grep 'error:' "$tmp/err" | head -5 | sed 's/^/    /'; ok=0
		fi
		"$FWC" compile --color=never --from iptables-save --dump=ir "$f" \
			>/dev/null 2>"$tmp/err"
		rc=$?
		if [ "$rc" != 0 ]; then
			echo "import-corpus: FAIL $name: fwc compile --dump=ir exit status $rc:"
			show_err "$tmp/err"; ok=0
		fi
		# the analyzer's shortcuts (deferring rules that share no
		# packet with the rules after them) change no finding and no
		# witness: the same report without them (FWC_NO_DEFER=1)
		"$FWC" lint --witness --format json --from iptables-save "$f" \
			>"$tmp/d1" 2>/dev/null
		FWC_NO_DEFER=1 "$FWC" lint --witness --format json --from iptables-save "$f" \
			>"$tmp/d2" 2>/dev/null
		if ! cmp -s "$tmp/d1" "$tmp/d2"; then
			echo "import-corpus: FAIL $name: the report differs with FWC_NO_DEFER=1"
			ok=0
		fi
		if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	done <"$tmp/corpus"
	echo "import-corpus: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# ---- 2. the goldens ----

D=tests/import

# update GOT EXPECTED: with UPDATE=1, make EXPECTED hold GOT (no file when
# GOT is empty) and say so when that changed it.
update() {
	[ "${UPDATE:-0}" = 1 ] || return 0
	if [ -s "$1" ]; then
		if ! cmp -s "$1" "$2"; then
			cp "$1" "$2"
			echo "import: updated $2"
		fi
	elif [ -e "$2" ]; then
		rm -f "$2"
		echo "import: removed $2"
	fi
}

# same GOT EXPECTED: GOT equals EXPECTED, or is empty when there is none.
same() {
	if [ -e "$2" ]; then
		cmp -s "$1" "$2"
	else
		[ ! -s "$1" ]
	fi
}

# show_diff GOT EXPECTED
show_diff() {
	if [ -e "$2" ]; then
		diff -u "$2" "$1" | head -40
	else
		echo "  (expected nothing; no $2)"
		head -20 "$1"
	fi
}

goldens() {
	pass=0 fail=0
	cd "$D" || return 1
	for f; do
		name=$(basename "$f" .dump)
		if [ ! -f "$name.dump" ]; then
			echo "import: FAIL $name: no such case ($D/$name.dump)"
			fail=$((fail + 1))
			continue
		fi
		args=""
		[ -f "$name.args" ] && args=$(cat "$name.args")
		case $name in error-*) want=1 ;; *) want=0 ;; esac
		ok=1
		# shellcheck disable=SC2086
		"$FWC" compile --color=never --from iptables-save --dump=ir-semantic $args \
			"$name.dump" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		update "$tmp/out" "$name.ir"
		update "$tmp/err" "$name.err"
		if [ "$rc" != "$want" ]; then
			echo "import: FAIL $name: exit status $rc, expected $want"; ok=0
		fi
		if [ "$want" = 1 ] && [ -s "$tmp/out" ]; then
			echo "import: FAIL $name: output on standard output although refused"; ok=0
		fi
		if ! same "$tmp/out" "$name.ir"; then
			echo "import: FAIL $name: IR differs:"
			show_diff "$tmp/out" "$name.ir"; ok=0
		fi
		if ! same "$tmp/err" "$name.err"; then
			echo "import: FAIL $name: diagnostics differ:"
			show_diff "$tmp/err" "$name.err"; ok=0
		fi
		if [ -f "$name.lint" ]; then
			"$FWC" lint --color=never --from iptables-save "$name.dump" \
				>"$tmp/lint" 2>"$tmp/err"
			rc=$?
			[ "${UPDATE:-0}" = 1 ] && update "$tmp/lint" "$name.lint"
			errs=$(sed -n 's/^fwc lint: \([0-9]*\) error.*/\1/p' "$name.lint")
			lwant=0
			[ -n "$errs" ] && [ "$errs" != 0 ] && lwant=1
			if [ "$rc" != "$lwant" ]; then
				echo "import: FAIL $name (lint): exit status $rc, expected $lwant"; ok=0
			fi
			if ! same "$tmp/lint" "$name.lint"; then
				echo "import: FAIL $name (lint): report differs:"
				show_diff "$tmp/lint" "$name.lint"; ok=0
			fi
			if ! same "$tmp/err" "$name.err"; then
				echo "import: FAIL $name (lint): diagnostics differ:"
				show_diff "$tmp/err" "$name.err"; ok=0
			fi
		fi
		if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	done
	# standard input: the same IR as from the file
	if [ "$stdin_case" = 1 ]; then
		"$FWC" compile --color=never --from iptables-save --dump=ir-semantic - \
			<filter-chains.dump >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ "$rc" = 0 ] && cmp -s "$tmp/out" filter-chains.ir && [ ! -s "$tmp/err" ]; then
			pass=$((pass + 1))
		else
			echo "import: FAIL stdin: filter-chains.dump read from '-' (exit status $rc):"
			show_diff "$tmp/out" filter-chains.ir
			show_err "$tmp/err"
			fail=$((fail + 1))
		fi
	fi
	cd - >/dev/null || return 1
	echo "import: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

stdin_case=0
if [ $# = 0 ]; then
	corpus || status=1
	stdin_case=1
	set -- "$D"/*.dump
else   # names of cases: sh tests/import.sh match-addr format-crlf
	for n; do shift; set -- "$@" "${n%.dump}"; done
fi
goldens "$@" || status=1
exit $status
