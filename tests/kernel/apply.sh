#!/bin/sh
# apply.sh: fwc apply / confirm / rollback / status against faults, in two
# network namespaces this script creates (server S, client C, one veth
# pair, 198.18.0.1/24 and 198.18.0.2/24) and deletes; the host's own
# firewall is never touched (every command runs under `ip netns exec`).
#
#   sh tests/kernel/apply.sh     (as root; `make kernel` and `make apply`)
#
# S starts with a foreign nft table (inet foreign) and a foreign iptables
# chain (FOREIGN in the filter table). Each case has its own state
# directory. "The same ruleset" means byte-identical `nft -s list
# ruleset` (nft cases) or `iptables-save`, `ip6tables-save` without
# counters and `ipset save` (iptables cases).
#
#  1. no confirmation: the rules are loaded, the foreign ones stay; after
#     the deadline the old ruleset is back, the same: the test sees it back
#     (polling) no earlier than the deadline and at most 1 s after it, and
#     the log says the same;
#  2. confirm: `fwc confirm` keeps the rules past the deadline; status;
#  3. the client hangs up: apply waiting for "yes" on a pseudo-terminal
#     (ptyhold), which is hung up: the client dies of SIGHUP, the rollback
#     still comes, on time;
#  4. the client is killed (SIGKILL) while waiting: the same;
#  5. a rule the kernel refuses (FWC_APPLY_BREAK=1 adds one at the end):
#     exit 1, the kernel's message, nothing changed (nft and iptables);
#  6. a second apply while a rollback is pending is refused; fwc rollback
#     restores at once; an apply while another holds the lock is refused;
#  7. the live lockout check: a real TCP connection from C to S port 22
#     (tcphold) given as $SSH_CONNECTION; a policy that drops it is
#     refused with the rule named, nothing changed; --force applies it;
#     a policy that keeps it is applied;
#  8. iptables: apply and rollback of a policy with ipsets; the foreign
#     chain is named as replaced, and is back after the rollback;
#  9. --no-rollback: loaded, recorded, no pending rollback;
# 10. the state directory is 0700 and its files 0600;
# 11. usage errors exit 2 and apply nothing.

FWC=${FWC:-build/fwc}
TCPHOLD=${TCPHOLD:-build/tests/tcphold}
PTYHOLD=${PTYHOLD:-build/tests/ptyhold}
case $FWC in /*) ;; *) FWC=$(pwd)/$FWC ;; esac
case $TCPHOLD in /*) ;; *) TCPHOLD=$(pwd)/$TCPHOLD ;; esac
case $PTYHOLD in /*) ;; *) PTYHOLD=$(pwd)/$PTYHOLD ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "apply: skipped: needs root (network namespaces, nft, iptables)"
	exit 0
fi
for t in ip nft iptables-save ip6tables-save ipset flock ss pgrep; do
	command -v $t >/dev/null 2>&1 || { echo "apply: FAIL $t not found"; exit 1; }
done
[ -x "$TCPHOLD" ] && [ -x "$PTYHOLD" ] || { echo "apply: FAIL $TCPHOLD or $PTYHOLD not built"; exit 1; }

S=fwcap-s-$$
C=fwcap-c-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fwc-apply.XXXXXX")
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "apply: FAIL $*"; }

cleanup() {
	# rollback processes still waiting (a failed case) go first
	for p in "$tmp"/st*/pending; do
		[ -f "$p" ] || continue
		pid=$(sed -n 's/^pid=//p' "$p")
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
	done
	pkill -f "$TCPHOLD (listen|connect) 198.18.0.1 22" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ip netns add "$S" && ip netns add "$C" || { echo "apply: FAIL cannot create namespaces"; exit 1; }
ip link add veth-s netns "$S" type veth peer name veth-c netns "$C"
ip -n "$S" addr add 198.18.0.1/24 dev veth-s
ip -n "$C" addr add 198.18.0.2/24 dev veth-c
for n in "$S" "$C"; do ip -n "$n" link set lo up; done
ip -n "$S" link set veth-s up
ip -n "$C" link set veth-c up
in_s() { ip netns exec "$S" "$@"; }

# the foreign rules
in_s nft add table inet foreign
in_s nft add chain inet foreign watch '{ type filter hook input priority 10; policy accept; }'
in_s nft add rule inet foreign watch tcp dport 9999 counter
in_s iptables -N FOREIGN
in_s iptables -A FOREIGN -s 198.18.0.9 -j RETURN

# a process that runs (a zombie no one reaps does not)
alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
nft_snap() { in_s nft -s list ruleset; }
ipt_snap() {
	in_s iptables-save | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
	in_s ip6tables-save | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
	in_s ipset save
}
has_fwc() { in_s nft list table inet fwc >/dev/null 2>&1; }
has_foreign() {
	in_s nft list table inet foreign >/dev/null 2>&1 &&
		in_s iptables -S FOREIGN >/dev/null 2>&1
}
# wait_gone FILE SECONDS: until FILE is gone (1: still there)
wait_gone() {
	i=0
	while [ -e "$1" ] && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	[ ! -e "$1" ]
}
wait_file() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1" ]
}
# late DIR: how many ms after its deadline the last rollback ran
late() { sed -n 's/.*restored at +\([0-9-]*\) ms after the deadline.*/\1/p' "$1/log" | tail -1; }
on_time() {   # on_time DIR WHAT
	l=$(late "$1")
	if [ -n "$l" ] && [ "$l" -le 1000 ]; then ok; else bad "$2: rollback ${l:-never} ms after the deadline"; fi
}
same() {   # same A B WHAT
	if cmp -s "$1" "$2"; then ok; else bad "$3: the ruleset differs"; diff "$1" "$2" | head -10; fi
}
POL=examples/home-router.fw

# 1. no confirmation
D=$tmp/st1
nft_snap >"$tmp/b1"
if in_s "$FWC" apply --detach --timeout 2 --state-dir "$D" $POL 2>"$tmp/e1"; then ok; else bad "1: apply failed: $(cat "$tmp/e1")"; fi
has_fwc && ok || bad "1: table inet fwc not loaded"
has_foreign && ok || bad "1: the foreign table or chain is gone after apply"
[ -f "$D/pending" ] && ok || bad "1: no pending rollback"
# watched from outside too: the ruleset is polled every 50 ms until it
# is the old one again; that must be after the deadline, and within 1 s
deadline=$(sed -n 's/^deadline=//p' "$D/pending")
back=""
i=0
while [ $i -lt 100 ]; do
	nft_snap >"$tmp/a1"
	if cmp -s "$tmp/b1" "$tmp/a1"; then back=$(date +%s%3N); break; fi
	sleep 0.05
	i=$((i + 1))
done
if [ -n "$back" ] && [ $((back - deadline)) -ge 0 ] && [ $((back - deadline)) -le 1000 ]; then
	ok
	echo "apply: rollback seen $((back - deadline)) ms after the deadline (polling every 50 ms)"
else
	bad "1: the old ruleset back at ${back:-never} for deadline $deadline"
fi
wait_gone "$D/pending" 5 && ok || bad "1: no rollback 3 s after the deadline"
nft_snap >"$tmp/a1"
same "$tmp/b1" "$tmp/a1" "1: after the rollback"
on_time "$D" "1"

# 2. confirm
D=$tmp/st2
in_s "$FWC" apply --detach --timeout 2 --state-dir "$D" $POL 2>/dev/null
in_s nft -s list table inet fwc >"$tmp/loaded2" 2>/dev/null
if in_s "$FWC" confirm --state-dir "$D" 2>"$tmp/e2"; then ok; else bad "2: confirm failed: $(cat "$tmp/e2")"; fi
sleep 3
in_s nft -s list table inet fwc >"$tmp/kept2" 2>/dev/null
same "$tmp/loaded2" "$tmp/kept2" "2: the confirmed rules after the deadline"
[ ! -e "$D/pending" ] && ok || bad "2: a rollback still pending after confirm"
in_s "$FWC" status --state-dir "$D" >"$tmp/s2"
grep -q "^applied: .*home-router.fw (nft) at .*, confirmed" "$tmp/s2" &&
	grep -q "^pending: no rollback" "$tmp/s2" && ok || bad "2: status: $(cat "$tmp/s2")"
in_s "$FWC" confirm --state-dir "$D" 2>"$tmp/e2b"
[ $? = 1 ] && grep -q "nothing to confirm" "$tmp/e2b" && ok || bad "2: second confirm"
in_s nft delete table inet fwc

# 3 and 4. the client dies while it waits for "yes" on a terminal
# (ptyhold runs it on a pseudo-terminal: HUP, it hangs the terminal up
# after 1 s, as a dropped SSH connection does; KILL, the test kills the
# client with SIGKILL and the terminal stays)
for sig in HUP KILL; do
	D=$tmp/st-$sig
	nft_snap >"$tmp/b-$sig"
	hold=1
	[ $sig = KILL ] && hold=6
	in_s "$PTYHOLD" $hold "$FWC" apply --timeout 3 --state-dir "$D" $POL >"$tmp/o-$sig" 2>&1 &
	hpid=$!
	wait_file "$D/pending" 5 || bad "$sig: apply never got to its question"
	sleep 0.3
	dpid=$(sed -n 's/^pid=//p' "$D/pending")
	if [ $sig = KILL ]; then
		# the client: the fwc process that is not the rollback process
		apid=$(pgrep -f "apply --timeout 3 --state-dir $D" | while read -r p; do
			[ "$(cat /proc/$p/comm 2>/dev/null)" = fwc ] && [ "$p" != "$dpid" ] && echo "$p"
			done | head -1)
		[ -n "$apid" ] && kill -KILL "$apid"
	fi
	wait $hpid
	grep -q "Type yes within 3 s" "$tmp/o-$sig" && ok || bad "$sig: no question on the terminal: $(cat "$tmp/o-$sig")"
	n=1; [ $sig = KILL ] && n=9
	grep -q "ptyhold: signal $n" "$tmp/o-$sig" && ok || bad "$sig: the client did not die of signal $n: $(tail -1 "$tmp/o-$sig")"
	alive "$dpid" && ok || bad "$sig: the rollback process went with the client"
	has_fwc && ok || bad "$sig: the rules went with the client"
	wait_gone "$D/pending" 6 && ok || bad "$sig: no rollback after the client died"
	nft_snap >"$tmp/a-$sig"
	same "$tmp/b-$sig" "$tmp/a-$sig" "$sig: after the rollback"
	on_time "$D" "$sig"
done

# 5. the kernel refuses a rule
D=$tmp/st5
nft_snap >"$tmp/b5"
FWC_APPLY_BREAK=1 in_s "$FWC" apply --detach --timeout 2 --state-dir "$D" $POL 2>"$tmp/e5"
rc=$?
[ $rc = 1 ] && ok || bad "5: exit $rc, 1 expected"
grep -q "the kernel refused the new rules" "$tmp/e5" && grep -q "nosuchkey" "$tmp/e5" && ok ||
	bad "5: no kernel message with the offending line: $(cat "$tmp/e5")"
nft_snap >"$tmp/a5"
same "$tmp/b5" "$tmp/a5" "5: nft after a refused apply"
[ ! -e "$D/pending" ] && ok || bad "5: a rollback pending after a refused apply"
D=$tmp/st5i
ipt_snap >"$tmp/b5i"
FWC_APPLY_BREAK=1 in_s "$FWC" apply -t iptables --detach --timeout 2 --state-dir "$D" \
	examples/web-server.fw 2>"$tmp/e5i"
rc=$?
[ $rc = 1 ] && grep -q "nosuchmatch" "$tmp/e5i" && ok || bad "5i: exit $rc: $(cat "$tmp/e5i")"
ipt_snap >"$tmp/a5i"
same "$tmp/b5i" "$tmp/a5i" "5i: iptables after a refused apply (IPv6 refused after IPv4 loaded)"

# 6. concurrency; fwc rollback
D=$tmp/st6
nft_snap >"$tmp/b6"
in_s "$FWC" apply --detach --timeout 20 --state-dir "$D" $POL 2>/dev/null
in_s "$FWC" apply --detach --timeout 20 --state-dir "$D" $POL 2>"$tmp/e6"
rc=$?
[ $rc = 1 ] && grep -q "wait for a confirmation" "$tmp/e6" && ok || bad "6: second apply: exit $rc: $(cat "$tmp/e6")"
in_s "$FWC" status --state-dir "$D" | grep -q "^pending: .*rollback at" && ok || bad "6: status shows no pending rollback"
if in_s "$FWC" rollback --state-dir "$D" 2>"$tmp/e6r"; then ok; else bad "6: rollback: $(cat "$tmp/e6r")"; fi
nft_snap >"$tmp/a6"
same "$tmp/b6" "$tmp/a6" "6: after fwc rollback"
sleep 0.3
rpid=$(grep -o 'by pid [0-9]*' "$D/log" | tail -1 | awk '{print $3}')
if alive "$rpid"; then bad "6: the rollback process outlived fwc rollback"; else ok; fi
D=$tmp/st6b
mkdir -m 700 "$D"
flock "$D/lock" sleep 3 &
fpid=$!
sleep 0.3
in_s "$FWC" apply --detach --state-dir "$D" $POL 2>"$tmp/e6b"
rc=$?
[ $rc = 1 ] && grep -q "another fwc apply" "$tmp/e6b" && ok || bad "6b: locked: exit $rc: $(cat "$tmp/e6b")"
has_fwc && bad "6b: applied while locked" || ok
wait $fpid

# 7. the live session
D=$tmp/st7
ip netns exec "$S" "$TCPHOLD" listen 198.18.0.1 22 >"$tmp/peer" 2>&1 &
lpid=$!
sleep 0.3
ip netns exec "$C" "$TCPHOLD" connect 198.18.0.1 22 >"$tmp/conn" 2>&1 &
cpid=$!
wait_file "$tmp/peer" 3
i=0
while [ ! -s "$tmp/peer" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
set -- $(cat "$tmp/peer")
conn="$1 $2 198.18.0.1 22"
in_s ss -Htn state established | grep -q "198.18.0.1:22 *$1:$2" && ok || bad "7: no established session ($conn)"
cat >"$tmp/cut.fw" <<EOF
# drops the live session's packets (no implicit established rule)
implicit established off;
policy input accept;
policy forward drop;
policy output accept;
input {
    drop source $1 proto tcp dport 22;
}
EOF
cat >"$tmp/keep.fw" <<EOF
implicit established off;
policy input accept;
policy forward drop;
policy output accept;
input {
    drop source 198.18.0.99 proto tcp dport 22;
}
EOF
nft_snap >"$tmp/b7"
SSH_CONNECTION="$conn" in_s "$FWC" apply --detach --timeout 2 --state-dir "$D" "$tmp/cut.fw" 2>"$tmp/e7"
rc=$?
[ $rc = 1 ] && grep -q "your session from $1 would be cut" "$tmp/e7" &&
	grep -q "cut.fw:7:5" "$tmp/e7" && grep -q "not applied" "$tmp/e7" && ok ||
	bad "7: the cutting policy: exit $rc: $(cat "$tmp/e7")"
nft_snap >"$tmp/a7"
same "$tmp/b7" "$tmp/a7" "7: after the refused apply"
SSH_CONNECTION="$conn" in_s "$FWC" apply --force --detach --timeout 2 --state-dir "$D" "$tmp/cut.fw" 2>"$tmp/e7f"
rc=$?
[ $rc = 0 ] && has_fwc && ok || bad "7: --force: exit $rc: $(cat "$tmp/e7f")"
wait_gone "$D/pending" 5
SSH_CONNECTION="$conn" in_s "$FWC" apply --detach --timeout 2 --state-dir "$D" "$tmp/keep.fw" 2>"$tmp/e7k"
rc=$?
[ $rc = 0 ] && ok || bad "7: the policy that keeps the session: exit $rc: $(cat "$tmp/e7k")"
wait_gone "$D/pending" 5
nft_snap >"$tmp/a7b"
same "$tmp/b7" "$tmp/a7b" "7: after the rollbacks"
kill $lpid $cpid 2>/dev/null
wait $lpid $cpid 2>/dev/null

# 8. iptables, with ipsets and the foreign chain
D=$tmp/st8
ipt_snap >"$tmp/b8"
nft_snap >"$tmp/b8n"
in_s "$FWC" apply -t iptables --detach --timeout 2 --state-dir "$D" examples/web-server.fw 2>"$tmp/e8"
rc=$?
[ $rc = 0 ] && ok || bad "8: exit $rc: $(cat "$tmp/e8")"
grep -q "chain fwc does not write, FOREIGN" "$tmp/e8" && ok || bad "8: the foreign chain not named"
in_s iptables-save | grep -q -- "-A INPUT" && in_s ipset list -n | grep -q fwc-blocklist-4 && ok ||
	bad "8: the rules or the ipsets not loaded"
in_s nft list table inet foreign >/dev/null 2>&1 && ok || bad "8: the foreign nft table went"
wait_gone "$D/pending" 5 && ok || bad "8: no rollback"
ipt_snap >"$tmp/a8"
same "$tmp/b8" "$tmp/a8" "8: iptables-save, ip6tables-save, ipset save after the rollback"
on_time "$D" "8"

# 9. --no-rollback
D=$tmp/st9
in_s "$FWC" apply --no-rollback --state-dir "$D" $POL 2>"$tmp/e9"
rc=$?
[ $rc = 0 ] && has_fwc && [ ! -e "$D/pending" ] && ok || bad "9: exit $rc: $(cat "$tmp/e9")"
in_s "$FWC" status --state-dir "$D" | grep -q "without rollback" && ok || bad "9: status"
in_s nft delete table inet fwc

# 10. permissions
bad_perm=0
for d in "$tmp"/st1 "$tmp"/st8; do
	[ "$(stat -c %a "$d")" = 700 ] || bad_perm=1
	for f in "$d"/*; do
		[ "$(stat -c %a "$f")" = 600 ] || { bad_perm=1; echo "apply: $f is $(stat -c %a "$f")"; }
	done
done
[ $bad_perm = 0 ] && ok || bad "10: state directory or file permissions"

# usage errors: exit 2, nothing done
for args in "apply" "apply --timeout 0 $POL" "apply --timeout x $POL" "apply -t bpf $POL" \
	    "apply --detach --no-rollback $POL" "confirm extra" "apply $POL $POL"; do
	in_s "$FWC" $args --state-dir "$tmp/st-usage" >/dev/null 2>"$tmp/eu"
	rc=$?
	[ $rc = 2 ] && [ -s "$tmp/eu" ] && ok || bad "usage '$args': exit $rc"
done
has_fwc && bad "usage: something was applied" || ok

echo "apply: $pass passed, $fail failed"
[ $fail = 0 ]
