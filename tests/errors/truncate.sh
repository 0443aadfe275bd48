#!/bin/sh
# truncate.sh: robustness check. Every tests/errors/NAME.fw is cut short and
# compiled (with NAME.args, like errors.sh); fwc must exit 0 or 1, never
# crash, abort, report a sanitizer error or exit 2-4 ("BUG" is exit 4).
#
#   sh tests/errors/truncate.sh                 sampled cut points, < 30 s
#   TRUNCATE_ALL=1 sh tests/errors/truncate.sh  every byte offset (minutes)
#
# Environment: FWC (default build-asan/fwc, the ASan/UBSan build: make
# BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
# CFLAGS="-O1 -g" all), TRUNCATE_BUDGET (default 300 runs), TRUNCATE_JOBS
# (default: the number of CPUs).
#
# Cut points: by default only where the byte class changes (letters, digits,
# blanks, each punctuation byte on its own) outside comments, so each cut
# ends the token stream in a different place or splits an address, string or
# number; when there are more than TRUNCATE_BUDGET of them an even,
# per-file-shifted sample is taken. The empty file is run once. With
# TRUNCATE_ALL=1 every byte offset of every file is run. Cut files keep
# their name (for include-self.fw) and are compiled in a scratch directory
# that links inc/, sets/ and ../data, so includes, set files and the .args
# paths behave as in errors.sh. A failing cut is kept as FAILDIR/NAME.cutN
# (FAILDIR printed at the end).
#
# Leak checking is off (it doubles the run time and a leak is not a crash);
# errors.sh under the ASan build checks leaks on the complete files.
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd) || exit 2
root=$(cd "$here/../.." && pwd) || exit 2
FWC=${FWC:-build-asan/fwc}
case $FWC in /*) ;; *) FWC=$root/$FWC ;; esac
if [ ! -x "$FWC" ]; then
	echo "truncate: no $FWC (build it: make BUILD=build-asan SAN=... all)" >&2
	exit 2
fi
ASAN_OPTIONS=detect_leaks=0:exitcode=99:abort_on_error=0
UBSAN_OPTIONS=halt_on_error=1:exitcode=98:print_stacktrace=1
NO_COLOR=1
export ASAN_OPTIONS UBSAN_OPTIONS NO_COLOR
budget=${TRUNCATE_BUDGET:-300}
all=${TRUNCATE_ALL:-0}
jobs=${TRUNCATE_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
case $jobs in '' | *[!0-9]* | 0) jobs=2 ;; esac

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir "$tmp/fail" || exit 2
ln -s "$root/tests/data" "$tmp/data"

nl='
'
tab=$(printf '\t')
cr=$(printf '\r')

# cls C: the class of one byte in $k
cls() {
	case $1 in
	[A-Za-z_]) k=a ;;
	[0-9]) k=d ;;
	' ' | "$tab" | "$cr") k=s ;;
	*) k="x$1" ;;
	esac
}

# load FILE SIZE: the text of FILE in $c (no command substitution: no
# fork); raw=1 when the file has NUL bytes, which a shell variable cannot
# hold (the length then differs from SIZE).
load() {
	c=""
	while IFS= read -r line; do
		c="$c$line$nl"
	done <"$1"
	c="$c$line"
	raw=0
	[ "${#c}" = "$2" ] || raw=1
}

# cuts: the cut offsets of $c (size $size) into $cutlist, one per line,
# largest first, their number in $ncuts. The full length is not a cut
# (errors.sh runs the whole file), nor 0 (the empty file, run once).
cuts() {
	ncuts=0
	: >"$cutlist"
	if [ "$all" = 1 ] || [ $raw = 1 ]; then
		i=$((size - 1))
		while [ $i -gt 0 ]; do
			echo $i
			i=$((i - 1))
		done >"$cutlist"
		ncuts=$((size > 1 ? size - 1 : 0))
		return
	fi
	p=${c%?}
	after=${c#"$p"}
	i=$((${#c} - 1))
	while [ $i -gt 0 ]; do
		last=${p#"${p%?}"}
		line=${p##*"$nl"}
		case $line in
		*'#'*)
			# in a comment: only right after the '#'
			if [ "$last" = '#' ]; then
				echo $i
				ncuts=$((ncuts + 1))
			fi ;;
		*)
			cls "$last"
			k1=$k
			cls "$after"
			if [ "$k1" != "$k" ]; then
				echo $i
				ncuts=$((ncuts + 1))
			fi ;;
		esac
		after=$last
		p=${p%?}
		i=$((i - 1))
	done >"$cutlist"
}

# run FILE ARGS CUT: compile the cut file in the current directory.
run() {
	# shellcheck disable=SC2086
	"$FWC" compile $2 "$1" </dev/null >/dev/null 2>err
	rc=$?
	case $rc in
	0 | 1) pass=$((pass + 1)) ;;
	*)
		fail=$((fail + 1))
		cp "$1" "$tmp/fail/$1.cut$3"
		echo "truncate: FAIL $1 cut at byte $3: exit status $rc"
		sed -n '1,12p' err | sed 's/^/    /'
		;;
	esac
}

# The files and their sizes, from one wc.
cd "$here" || exit 2
wc -c -- *.fw | while read -r size name; do
	[ "$name" = total ] || [ ! -f "$name" ] || echo "$size $name"
done >"$tmp/sizes"
nfiles=$(wc -l <"$tmp/sizes")
nfiles=$((nfiles + 0))

# Phase 1 (worker W of $jobs takes every $jobs-th file): cut lists.
# Phase 2: the runs, every $stride-th cut, shifted per file.
phase() {
	w=$1
	dir=$tmp/w$w
	[ -d "$dir" ] || mkdir "$dir" || exit 2
	[ -e "$dir/inc" ] || ln -s "$here/inc" "$dir/inc"
	[ -e "$dir/sets" ] || ln -s "$here/sets" "$dir/sets"
	cd "$dir" || exit 2
	pass=0 fail=0 idx=0 n=0
	while read -r size f; do
		idx=$((idx + 1))
		[ $((idx % jobs)) = "$w" ] || continue
		load "$here/$f" "$size"
		cutlist=$tmp/$f.cuts
		if [ "$2" = 1 ]; then
			cuts
			n=$((n + ncuts))
			continue
		fi
		args=""
		[ -f "$here/${f%.fw}.args" ] && read -r args <"$here/${f%.fw}.args"
		p=$c
		j=0
		while read -r cut; do
			j=$((j + 1))
			[ $(((j + idx) % stride)) = 0 ] || continue
			if [ $raw = 1 ]; then
				dd if="$here/$f" of="$f" bs=1 count="$cut" 2>/dev/null
			else
				# cuts come largest first: keep shortening p
				while [ ${#p} -gt "$cut" ]; do
					p=${p%?}
				done
				printf '%s' "$p" >"$f"
			fi
			run "$f" "$args" "$cut"
		done <"$cutlist"
	done <"$tmp/sizes"
	if [ "$2" = 1 ]; then
		echo "$n" >"$tmp/count$w"
	else
		echo "$pass $fail" >"$tmp/result$w"
	fi
}

w=0
while [ $w -lt "$jobs" ]; do
	phase $w 1 &
	w=$((w + 1))
done
wait
total=0
w=0
while [ $w -lt "$jobs" ]; do
	read -r n <"$tmp/count$w" || n=0
	total=$((total + n))
	w=$((w + 1))
done
stride=1
if [ "$all" != 1 ] && [ "$total" -gt "$budget" ]; then
	stride=$(((total + budget - 1) / budget))
fi

w=0
while [ $w -lt "$jobs" ]; do
	phase $w 2 &
	w=$((w + 1))
done
wait

# the empty file, once
pass=0 fail=0
mkdir "$tmp/empty" && cd "$tmp/empty" && : >empty.fw && run empty.fw "" 0
cd "$here" || exit 2
w=0
while [ $w -lt "$jobs" ]; do
	if [ -f "$tmp/result$w" ]; then
		read -r p f <"$tmp/result$w"
		pass=$((pass + p))
		fail=$((fail + f))
	else
		fail=$((fail + 1))
		echo "truncate: FAIL worker $w did not finish"
	fi
	w=$((w + 1))
done
if [ "$fail" != 0 ]; then
	keep=$(mktemp -d "${TMPDIR:-/tmp}/fwc-truncate.XXXXXX") &&
		cp "$tmp/fail/"* "$keep/" 2>/dev/null &&
		echo "truncate: failing inputs kept in $keep"
fi
echo "truncate: $nfiles files, $total cut points, ran 1 in $stride (TRUNCATE_ALL=1 runs them all, every byte offset)"
echo "truncate: $pass passed, $fail failed"
[ "$fail" = 0 ]
