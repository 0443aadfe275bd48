#!/bin/sh
# errors.sh: every tests/errors/NAME.fw must fail with exit status 1, print
# exactly tests/errors/NAME.err on stderr, and leave no output file.
#   UPDATE=1 sh tests/errors.sh   rewrites the .err files (review the diff!)
# Runs inside tests/errors so the paths in diagnostics are short and stable.
FWC=${FWC:-build/fwc}
case $FWC in /*) ;; *) FWC=$(pwd)/$FWC ;; esac
cd tests/errors || exit 1
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in *.fw; do
	[ -f "$f" ] || continue
	name=${f%.fw}
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	# shellcheck disable=SC2086
	NO_COLOR=1 "$FWC" compile $args -o "$tmp/out" "$f" 2>"$tmp/err" >/dev/null
	rc=$?
	[ "${UPDATE:-0}" = 1 ] && cp "$tmp/err" "$name.err"
	ok=1
	if [ "$rc" != 1 ]; then
		echo "errors: FAIL $f: exit status $rc, expected 1"; ok=0
	fi
	if [ -e "$tmp/out" ] || ls "$tmp"/out.fwc-tmp.* >/dev/null 2>&1; then
		echo "errors: FAIL $f: an output file was written"; ok=0
		rm -f "$tmp"/out*
	fi
	if ! cmp -s "$tmp/err" "$name.err"; then
		echo "errors: FAIL $f: diagnostics differ:"
		diff -u "$name.err" "$tmp/err" | head -30; ok=0
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "errors: $pass passed, $fail failed"
[ "$fail" = 0 ]
