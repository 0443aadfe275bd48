# topo.sh: the referee's test network, sourced by referee.sh and friends.
#
#   peer0 (p0) ---- eth0 [ fw ] eth1 ---- (p1) peer1
#                    eth2 |    | eth3
#                (p2) peer2    peer3 (p3)
#
# Only veth links between namespaces this script creates; host addresses
# only from 198.18.0.0/15 and 2001:db8::/32. The firewall namespace:
#   eth0 198.18.0.1/24 2001:db8:0::1/64   routes 198.18.16.0/20 2001:db8:10::/48 via peer0
#   eth1 198.18.1.1/24 2001:db8:1::1/64   routes 198.18.32.0/20 2001:db8:20::/48 via peer1
#   eth2 198.18.2.1/24 2001:db8:2::1/64   routes 198.18.48.0/20 2001:db8:30::/48 via peer2
#   eth3 198.18.3.1/24 2001:db8:3::1/64   routes 198.18.64.0/20 2001:db8:40::/48 via peer3
#   local (this host): 198.18.128.0/24 and 2001:db8:80::/64
# A policy's own networks (an example's LAN, its public address) come from
# a topology file given as TOPO_EXTRA, one directive a line:
#   local ADDR...            more addresses of this host
#   route IF PREFIX...       more prefixes routed out of IF (via its peer)
#   iface NAME...            more interfaces after eth3 (an imported dump's
#                            eth1.1019, ppp0, ...): the i-th (from 4) is
#                            198.18.i.1/24, 2001:db8:i::1/64, its peer in
#                            namespace fwc-pi-ID; no routes but `route`s
#   default IF               IPv4 default route out of IF (via its peer)
#   sources any, paths input forward   (for the witness tool: witness.c)
# TOPO_PEER_MAC=MAC gives every peer that Ethernet address (the referee's
# frames carry it: an imported dump's `-m mac --mac-source` rules).
# Forwarding on, reverse-path filtering off (packets carry any source).

TOPO_ID=${TOPO_ID:-$$}
FW=fwc-fw-$TOPO_ID
P0=fwc-p0-$TOPO_ID
P1=fwc-p1-$TOPO_ID
P2=fwc-p2-$TOPO_ID
P3=fwc-p3-$TOPO_ID

# the interfaces: eth0..eth3, then the `iface` names of TOPO_EXTRA
topo_ifs() {
	echo eth0 eth1 eth2 eth3
	if [ -n "${TOPO_EXTRA:-}" ]; then
		awk '$1 == "iface" { for (i = 2; i <= NF; i++) print $i }' "$TOPO_EXTRA"
	fi
}

topo_down() {
	i=0
	for _ in $(topo_ifs); do
		ip netns del "fwc-p$i-$TOPO_ID" 2>/dev/null
		i=$((i + 1))
	done
	ip netns del "$FW" 2>/dev/null
	return 0
}

topo_up() {
	topo_down
	ip netns add "$FW" || return 1
	ip -n "$FW" link set lo up
	i=0
	for ifn in $(topo_ifs); do
		pns=fwc-p$i-$TOPO_ID
		ip netns add "$pns" || return 1
		ip -n "$FW" link add "$ifn" type veth peer name peer netns "$pns" || return 1
		if [ -n "${TOPO_PEER_MAC:-}" ]; then
			ip -n "$pns" link set peer address "$TOPO_PEER_MAC" || return 1
		fi
		# quiet links: the only packets are the referee's. The peers
		# have no IP at all (they send raw frames); the firewall does
		# no DAD and repeats its MLD reports at once.
		sif=$(echo "$ifn" | tr . /)   # sysctl's name for eth1.1019
		ip netns exec "$FW" sysctl -qw "net.ipv6.conf.$sif.accept_dad=0"
		ip netns exec "$FW" sysctl -qw "net.ipv6.conf.$sif.mldv1_unsolicited_report_interval=1"
		ip netns exec "$FW" sysctl -qw "net.ipv6.conf.$sif.mldv2_unsolicited_report_interval=1"
		ip netns exec "$FW" sysctl -qw "net.ipv6.conf.$sif.router_solicitations=0"
		ip netns exec "$pns" sysctl -qw net.ipv6.conf.peer.disable_ipv6=1
		ip -n "$pns" link set peer arp off
		ip -n "$FW" addr add "198.18.$i.1/24" dev "$ifn"
		ip -n "$FW" addr add "2001:db8:$i::1/64" dev "$ifn" nodad
		ip -n "$FW" link set "$ifn" up
		ip -n "$pns" link set lo up
		ip -n "$pns" link set peer up
		if [ $i -lt 4 ]; then
			n=$(( (i + 1) * 16 ))
			ip -n "$FW" route add "198.18.$n.0/20" via "198.18.$i.2" dev "$ifn"
			ip -n "$FW" -6 route add "2001:db8:$((i + 1))0::/48" via "2001:db8:$i::2" dev "$ifn"
		fi
		i=$((i + 1))
	done
	ip -n "$FW" route add local 198.18.128.0/24 dev lo
	ip -n "$FW" -6 route add local 2001:db8:80::/64 dev lo
	# established packets meet conntrack entries made by the referee
	# (conntrack -I): no TCP window tracking of their sequence numbers
	ip netns exec "$FW" sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=1 2>/dev/null ||
		{ ip netns exec "$FW" nft -f - <<-EOF >/dev/null 2>&1 || true
		table inet fwc-probe { chain c { type filter hook input priority 0; ct state new; }; }
		delete table inet fwc-probe
		EOF
		ip netns exec "$FW" sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=1; }
	ip netns exec "$FW" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$FW" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip netns exec "$FW" sysctl -qw net.ipv4.conf.all.rp_filter=0
	ip netns exec "$FW" sysctl -qw net.ipv4.conf.default.rp_filter=0
	i=0
	for ifn in $(topo_ifs); do
		sif=$(echo "$ifn" | tr . /)
		ip netns exec "$FW" sysctl -qw "net.ipv4.conf.$sif.rp_filter=0"
		# static neighbours: no resolution delays for forwarded packets
		pns=fwc-p$i-$TOPO_ID
		mac=$(ip -n "$pns" -br link show peer | awk '{print $3}')
		ip -n "$FW" neigh replace "198.18.$i.2" lladdr "$mac" dev "$ifn" nud permanent
		ip -n "$FW" -6 neigh replace "2001:db8:$i::2" lladdr "$mac" dev "$ifn" nud permanent
		i=$((i + 1))
	done
	if [ -n "${TOPO_EXTRA:-}" ]; then
		topo_extra "$TOPO_EXTRA" || return 1
	fi
	# let the links' start-up chatter (MLD reports) pass
	sleep 0.5
	return 0
}

topo_extra() {   # topo_extra FILE: local addresses and routes of a policy
	while read -r kw arg rest; do
		case $kw in
		""|"#"*) continue ;;
		iface|sources|paths) ;;
		default)
			i=0
			for n in $(topo_ifs); do
				[ "$n" = "$arg" ] && break
				i=$((i + 1))
			done
			ip -n "$FW" route add default via "198.18.$i.2" dev "$arg" || return 1 ;;
		local)
			for a in $arg $rest; do
				case $a in
				*:*) ip -n "$FW" -6 route add local "$a" dev lo || return 1 ;;
				*) ip -n "$FW" route add local "$a" dev lo || return 1 ;;
				esac
			done ;;
		route)
			i=0
			for n in $(topo_ifs); do
				[ "$n" = "$arg" ] && break
				i=$((i + 1))
			done
			for a in $rest; do
				case $a in
				*:*) ip -n "$FW" -6 route add "$a" via "2001:db8:$i::2" dev "$arg" || return 1 ;;
				*) ip -n "$FW" route add "$a" via "198.18.$i.2" dev "$arg" || return 1 ;;
				esac
			done ;;
		*) echo "topo: $1: unknown directive '$kw'" >&2; return 1 ;;
		esac
	done <"$1"
}

topo_peers() {   # the referee's -p and -a arguments
	i=0
	for ifn in $(topo_ifs); do
		printf -- '-p %s=fwc-p%d-%s:peer -a %s=198.18.%d.1 -a %s=2001:db8:%d::1 ' \
			"$ifn" "$i" "$TOPO_ID" "$ifn" "$i" "$ifn" "$i"
		i=$((i + 1))
	done
	echo
}
