#!/bin/sh
# run-unit.sh BIN...: run each CUnit binary from the repository root and
# print one closing summary line.
pass=0 fail=0
for t in "$@"; do
	if "$t" >"$t.log" 2>&1; then
		pass=$((pass + 1))
		printf 'unit: %s ok\n' "$(basename "$t")"
	else
		fail=$((fail + 1))
		printf 'unit: %s FAILED\n' "$(basename "$t")"
		cat "$t.log"
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" = 0 ]
