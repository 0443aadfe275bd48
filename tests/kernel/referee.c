/*
 * referee.c: the kernel as referee for fwc trace.
 *
 *   referee -b nft|iptables -f FWNS -p eth0=NS:IF [-p ...] POLICY PACKETS
 *
 * For every packet in PACKETS (one a line, fwc trace syntax) it predicts
 * the IR rules the packet hits with the simulator, then sends the packet
 * for real and reads which rules' counters moved in the firewall
 * namespace, where the policy was loaded with `fwc compile --rule-ids`
 * (each rule's comment ends in "#ID"). The two sets must be equal.
 *
 * Packets that come "in IF" are sent as Ethernet frames from the peer end
 * of IF's veth (AF_PACKET), so any source address and any TCP flag can be
 * set; packets with only "out IF" are sent from a raw socket inside the
 * firewall namespace (output path, uid 0). Conntrack is flushed before
 * each packet so every packet is the first of its connection.
 *
 * Only rules reachable from the hooks on the packet's own path are compared:
 * answers the firewall itself sends (a TCP reset, an ICMP error, a
 * reject's reply) cross the output hooks and are not the test packet.
 *
 * Prints one line per mismatch with both sides, and
 * "referee: N passed, M failed".
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "frontend.h"
#include "import.h"
#include "trace.h"

#define MAXPEERS 64

struct peer {
	char fwif[16];          /* the firewall's interface */
	char ns[64], pif[16];   /* the namespace and interface at the far end */
	int sock;               /* AF_PACKET, bound to pif */
	int ifindex;
	unsigned char pmac[6], fwmac[6];
};

static struct peer peers[MAXPEERS];
static int npeers;
static const char *fwns;
static const char *backend = "nft";
static int raw4 = -1, raw6 = -1, ctnl = -1;
static struct mnl_socket *nfnl;   /* nf_tables, in the firewall namespace */
static uint32_t nfseq;
static bool verbose;
static struct trace_ifaddr ifaddrs[256];
static int recentdir = -1;   /* /proc/net/xt_recent of the firewall */
static size_t nifaddrs;

static int enter_ns(const char *ns)
{
	char path[256];
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "referee: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = setns(fd, CLONE_NEWNET);
	close(fd);
	if (rc < 0)
		fprintf(stderr, "referee: setns %s: %s\n", ns, strerror(errno));
	return rc;
}

static int get_mac(int sock, const char *ifname, unsigned char mac[6], int *ifindex)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	size_t l = strlen(ifname);
	if (l >= sizeof(ifr.ifr_name))
		return -1;
	memcpy(ifr.ifr_name, ifname, l + 1);
	if (ioctl(sock, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ifindex) {
		if (ioctl(sock, SIOCGIFINDEX, &ifr) < 0)
			return -1;
		*ifindex = ifr.ifr_ifindex;
	}
	return 0;
}

static int setup_sockets(void)
{
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -1;
	for (int i = 0; i < npeers; i++) {
		struct peer *p = &peers[i];
		if (enter_ns(p->ns) < 0)
			return -1;
		p->sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		if (p->sock < 0 || get_mac(p->sock, p->pif, p->pmac, &p->ifindex) < 0) {
			fprintf(stderr, "referee: %s:%s: %s\n", p->ns, p->pif, strerror(errno));
			return -1;
		}
	}
	if (enter_ns(fwns) < 0)
		return -1;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	for (int i = 0; i < npeers; i++)
		if (get_mac(s, peers[i].fwif, peers[i].fwmac, NULL) < 0) {
			fprintf(stderr, "referee: %s:%s: %s\n", fwns, peers[i].fwif, strerror(errno));
			return -1;
		}
	close(s);
	/* the recent match's lists (an imported dump's "-m recent"), emptied
	 * before each packet as conntrack is: fwc trace assumes they miss */
	recentdir = open("/proc/self/net/xt_recent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	raw4 = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	raw6 = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
	ctnl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	nfnl = mnl_socket_open(NETLINK_NETFILTER);
	if (nfnl && mnl_socket_bind(nfnl, 0, MNL_SOCKET_AUTOPID) < 0)
		nfnl = NULL;
	if (raw4 < 0 || raw6 < 0 || ctnl < 0 || !nfnl) {
		fprintf(stderr, "referee: sockets in %s: %s\n", fwns, strerror(errno));
		return -1;
	}
	if (setns(orig, CLONE_NEWNET) < 0)
		return -1;
	close(orig);
	return 0;
}

/* Flush the conntrack table of the firewall namespace (ctnetlink). */
static void ct_flush(void)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nf.nfgen_family = AF_UNSPEC;
	req.nf.version = NFNETLINK_V0;
	if (send(ctnl, &req, sizeof(req), 0) < 0)
		return;
	char buf[256];
	(void)recv(ctnl, buf, sizeof(buf), 0);
}

static void recent_flush(void)
{
	if (recentdir < 0)
		return;
	int d = dup(recentdir);
	DIR *dir = d >= 0 ? fdopendir(d) : NULL;
	if (!dir)
		return;
	rewinddir(dir);
	for (struct dirent *e; (e = readdir(dir));) {
		if (e->d_name[0] == '.')
			continue;
		int fd = openat(recentdir, e->d_name, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "/\n", 2) != 2)
				fprintf(stderr, "referee: cannot empty recent list %s\n", e->d_name);
			close(fd);
		}
	}
	closedir(dir);
}

static unsigned handshakes, inserted;
static const unsigned peer_isn = 0x10000000u;
static int send_packet(const struct packet *p, unsigned seq, unsigned ack);

/* A real TCP handshake for a forwarded "state established" packet: the
 * SYN from its peer, the SYN-ACK from the peer on the other side, then the
 * ACK, all through the firewall, so conntrack sees the connection open the
 * way it does in life. Only when the policy lets the SYN through (the
 * simulator says so for the same packet as new); otherwise the connection
 * is one that existed before the policy was loaded, and ct_establish()
 * enters it directly. Returns true when the handshake was done. */
static bool handshake(const struct ir *ir, const struct packet *p,
		      const struct trace_opts *o, unsigned seq)
{
	if (p->proto != 6 || !p->iif[0] || !p->oif[0])
		return false;
	struct packet syn = *p;
	syn.state = CT_NEW;
	syn.tcpflags = TCPF_SYN;
	struct trace_result r;
	trace_packet(ir, &syn, o, &r);
	bool through = r.verdict == ACT_ACCEPT && r.path == PATH_FORWARD;
	for (size_t i = 0; i < r.n; i++) {
		enum act_kind k = r.steps[i].rule ? r.steps[i].rule->act.kind : ACT_ACCEPT;
		if (k == ACT_SNAT || k == ACT_DNAT || k == ACT_MASQUERADE || k == ACT_REDIRECT)
			through = false;   /* the reply would come to another address */
	}
	trace_result_release(&r);
	if (!through)
		return false;   /* dropped, or rewritten by NAT: not modelled */
	struct packet synack = *p;
	synack.saddr = p->daddr;
	synack.daddr = p->saddr;
	synack.sport = p->dport;
	synack.dport = p->sport;
	memcpy(synack.iif, p->oif, sizeof(synack.iif));
	memcpy(synack.oif, p->iif, sizeof(synack.oif));
	synack.tcpflags = TCPF_SYN | TCPF_ACK;
	struct packet ack = *p;
	ack.tcpflags = TCPF_ACK;
	/* sequence numbers as a real stack would use them: the test packet
	 * that follows is the ACK's successor (seq + 1, ack peer_isn + 1) */
	if (send_packet(&syn, seq - 1, 0) < 0 ||
	    send_packet(&synack, peer_isn, seq) < 0 ||
	    send_packet(&ack, seq, peer_isn + 1) < 0)
		return false;
	return true;
}

/* "state established": the connection is entered into the firewall's
 * conntrack table as established in both directions (conntrack -I), so
 * the packet meets an existing connection; the test network sets
 * nf_conntrack_tcp_be_liberal, so TCP window tracking does not judge our
 * sequence numbers. Other states cannot be sent: the parser's "related",
 * "invalid", "untracked" are refused by the referee. */
static int ct_establish(const struct packet *p, unsigned seq)
{
	char s[64], d[64], cmd[512], extra[128];
	addr_format(s, sizeof(s), p->family, p->saddr);
	addr_format(d, sizeof(d), p->family, p->daddr);
	const char *proto = p->proto == 6 ? "tcp" : p->proto == 17 ? "udp" :
			    p->proto == 1 ? "icmp" : p->proto == 58 ? "icmpv6" : NULL;
	if (!proto)
		return -1;
	if (p->proto == 6 || p->proto == 17)
		snprintf(extra, sizeof(extra), "--sport %d --dport %d%s", p->sport, p->dport,
			 p->proto == 6 ? " --state ESTABLISHED" : "");
	else
		snprintf(extra, sizeof(extra), "--icmp%s-type %d --icmp%s-code 0 --icmp%s-id %u",
			 p->proto == 58 ? "v6" : "", p->icmp_type, p->proto == 58 ? "v6" : "",
			 p->proto == 58 ? "v6" : "", seq & 0xffff);
	snprintf(cmd, sizeof(cmd), "ip netns exec %s conntrack -I -p %s -s %s -d %s %s "
		 "-t 120 -u SEEN_REPLY,ASSURED >/dev/null 2>&1", fwns, proto, s, d, extra);
	return system(cmd) == 0 ? 0 : -1;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static void put_addr(unsigned char *dst, int family, u128 a)
{
	int n = family == 4 ? 4 : 16;
	for (int i = n - 1; i >= 0; i--) {
		dst[i] = (unsigned char)(a & 0xff);
		a >>= 8;
	}
}

/* Build the L3 packet; returns its length. */
static size_t build(const struct packet *p, unsigned char *buf, unsigned seq,
		    unsigned ack)
{
	unsigned char l4[64];
	size_t l4len = 0;
	memset(l4, 0, sizeof(l4));
	switch (p->proto) {
	case 6:
		l4[0] = (unsigned char)(p->sport >> 8); l4[1] = (unsigned char)p->sport;
		l4[2] = (unsigned char)(p->dport >> 8); l4[3] = (unsigned char)p->dport;
		l4[4] = (unsigned char)(seq >> 24); l4[5] = (unsigned char)(seq >> 16);
		l4[6] = (unsigned char)(seq >> 8); l4[7] = (unsigned char)seq;
		l4[8] = (unsigned char)(ack >> 24); l4[9] = (unsigned char)(ack >> 16);
		l4[10] = (unsigned char)(ack >> 8); l4[11] = (unsigned char)ack;
		l4[12] = 5 << 4;
		l4[13] = (unsigned char)p->tcpflags;
		l4[14] = 0xfa; l4[15] = 0xf0;
		l4len = 20;
		break;
	case 17:
	case 136:
		l4[0] = (unsigned char)(p->sport >> 8); l4[1] = (unsigned char)p->sport;
		l4[2] = (unsigned char)(p->dport >> 8); l4[3] = (unsigned char)p->dport;
		memcpy(l4 + 8, "fwc-referee", 11);
		l4len = 19;
		l4[4] = 0; l4[5] = (unsigned char)l4len;
		break;
	case 1:
	case 58:
		l4[0] = (unsigned char)p->icmp_type;
		l4[1] = (unsigned char)(p->icmp_code < 0 ? 0 : p->icmp_code);
		l4[4] = (unsigned char)(seq >> 8); l4[5] = (unsigned char)seq;   /* id */
		l4[7] = 1;
		memcpy(l4 + 8, "fwc-referee", 11);
		l4len = 19;
		break;
	default:
		memcpy(l4, "fwc-referee", 11);
		l4len = 11;
		break;
	}
	if (p->family == 4) {
		unsigned char *ip = buf;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		size_t tot = 20 + l4len;
		ip[2] = (unsigned char)(tot >> 8); ip[3] = (unsigned char)tot;
		ip[4] = (unsigned char)(seq >> 8); ip[5] = (unsigned char)seq;
		ip[8] = 64;
		ip[9] = (unsigned char)p->proto;
		put_addr(ip + 12, 4, p->saddr);
		put_addr(ip + 16, 4, p->daddr);
		uint16_t c = csum_fold(csum_add(0, ip, 20));
		ip[10] = (unsigned char)(c >> 8); ip[11] = (unsigned char)c;
		if (p->proto == 6 || p->proto == 17 || p->proto == 136) {
			unsigned char ph[12];
			memcpy(ph, ip + 12, 8);
			ph[8] = 0; ph[9] = (unsigned char)p->proto;
			ph[10] = (unsigned char)(l4len >> 8); ph[11] = (unsigned char)l4len;
			c = csum_fold(csum_add(csum_add(0, ph, 12), l4, l4len));
			int off = p->proto == 6 ? 16 : 6;
			if (p->proto == 17 && c == 0)
				c = 0xffff;
			l4[off] = (unsigned char)(c >> 8); l4[off + 1] = (unsigned char)c;
		} else if (p->proto == 1) {
			c = csum_fold(csum_add(0, l4, l4len));
			l4[2] = (unsigned char)(c >> 8); l4[3] = (unsigned char)c;
		}
		memcpy(buf + 20, l4, l4len);
		return 20 + l4len;
	}
	unsigned char *ip = buf;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = (unsigned char)(l4len >> 8); ip[5] = (unsigned char)l4len;
	ip[6] = (unsigned char)p->proto;
	ip[7] = 64;
	put_addr(ip + 8, 6, p->saddr);
	put_addr(ip + 24, 6, p->daddr);
	if (p->proto == 6 || p->proto == 17 || p->proto == 58 || p->proto == 136) {
		unsigned char ph[40];
		memcpy(ph, ip + 8, 32);
		memset(ph + 32, 0, 8);
		ph[34] = (unsigned char)(l4len >> 8); ph[35] = (unsigned char)l4len;
		ph[39] = (unsigned char)p->proto;
		uint16_t c = csum_fold(csum_add(csum_add(0, ph, 40), l4, l4len));
		int off = p->proto == 6 ? 16 : p->proto == 58 ? 2 : 6;
		if (p->proto == 17 && c == 0)
			c = 0xffff;
		l4[off] = (unsigned char)(c >> 8); l4[off + 1] = (unsigned char)c;
	}
	memcpy(buf + 40, l4, l4len);
	return 40 + l4len;
}

static int send_packet(const struct packet *p, unsigned seq, unsigned ack)
{
	unsigned char frame[256];
	if (p->iif[0]) {
		struct peer *pe = NULL;
		for (int i = 0; i < npeers; i++)
			if (!strcmp(peers[i].fwif, p->iif))
				pe = &peers[i];
		if (!pe) {
			fprintf(stderr, "referee: no peer for interface %s\n", p->iif);
			return -1;
		}
		memcpy(frame, pe->fwmac, 6);
		memcpy(frame + 6, pe->pmac, 6);
		frame[12] = p->family == 4 ? 0x08 : 0x86;
		frame[13] = p->family == 4 ? 0x00 : 0xdd;
		size_t n = build(p, frame + 14, seq, ack);
		struct sockaddr_ll sll;
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_ifindex = pe->ifindex;
		sll.sll_halen = 6;
		memcpy(sll.sll_addr, pe->fwmac, 6);
		if (sendto(pe->sock, frame, n + 14, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			fprintf(stderr, "referee: send: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	size_t n = build(p, frame, seq, ack);
	if (p->family == 4) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		memcpy(&sin.sin_addr, frame + 16, 4);
		if (sendto(raw4, frame, n, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return errno == EPERM ? 0 : -1;   /* EPERM: dropped by output */
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
		memcpy(&sin6.sin6_addr, frame + 24, 16);
		if (sendto(raw6, frame, n, 0, (struct sockaddr *)&sin6, sizeof(sin6)) < 0)
			return errno == EPERM ? 0 : -1;
	}
	return 0;
}

/* Counters of every "#ID" rule, summed per IR rule id, read straight from
 * nf_tables over netlink (a dump takes well under a millisecond; running
 * `nft list` or `iptables-save -c` per packet would dominate the run).
 * nft rules carry the comment as rule user data; iptables-nft rules as an
 * xt "comment" match. Both count with a counter expression. */
struct cnt_ctx {
	unsigned long *cnt;
	size_t n;
	bool nft;
};

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	const struct nftnl_udata **tb = data;
	uint8_t type = nftnl_udata_type(attr);
	if (type <= NFTNL_UDATA_RULE_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cnt_ctx *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	const char *comment = NULL;
	uint64_t packets = 0;
	bool has_counter = false;
	if (c->nft) {
		uint32_t ulen = 0;
		const void *ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ulen);
		const struct nftnl_udata *tb[NFTNL_UDATA_RULE_MAX + 1] = { 0 };
		if (ud && nftnl_udata_parse(ud, ulen, udata_cb, tb) >= 0 &&
		    tb[NFTNL_UDATA_RULE_COMMENT])
			comment = nftnl_udata_get(tb[NFTNL_UDATA_RULE_COMMENT]);
	}
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	while (it && (e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		if (!strcmp(name, "counter")) {
			packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
			has_counter = true;
		} else if (!c->nft && !strcmp(name, "match") &&
			   !strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME), "comment")) {
			uint32_t l;
			comment = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &l);
		}
	}
	if (it)
		nftnl_expr_iter_destroy(it);
	const char *h = comment ? strstr(comment, " #") : NULL;
	if (h && has_counter) {
		char *end;
		unsigned long id = strtoul(h + 2, &end, 10);
		if (end != h + 2 && id < c->n)
			c->cnt[id] += packets;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int dump_rules(int family, const char *table, struct cnt_ctx *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	uint32_t seq = ++nfseq;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)family,
						     NLM_F_DUMP, seq);
	if (table) {
		struct nftnl_rule *r = nftnl_rule_alloc();
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
	}
	if (mnl_socket_sendto(nfnl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	unsigned portid = mnl_socket_get_portid(nfnl);
	for (;;) {
		ssize_t ret = mnl_socket_recvfrom(nfnl, buf, sizeof(buf));
		if (ret < 0)
			return -1;
		int r = mnl_cb_run(buf, (size_t)ret, seq, portid, rule_cb, c);
		if (r < 0)
			return errno == ENOENT ? 0 : -1;   /* no such table yet */
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int read_counters(unsigned long *cnt, size_t n)
{
	memset(cnt, 0, n * sizeof(*cnt));
	struct cnt_ctx c = { cnt, n, !strcmp(backend, "nft") };
	if (c.nft)
		return dump_rules(NFPROTO_INET, "fwc", &c);
	if (dump_rules(NFPROTO_IPV4, NULL, &c) < 0)
		return -1;
	return dump_rules(NFPROTO_IPV6, NULL, &c);
}

/* Which hooks reach each rule (through dispatch, jumps and gotos). A
 * packet the firewall sends back (a TCP reset from the stack, an ICMP
 * error, a reject's answer) crosses the output hooks; counts there are
 * not the test packet's. Only rules reachable from the hooks on the test
 * packet's own path are compared. */
static unsigned *rule_hooks;

static void mark_chain(const struct ir_chain *c, unsigned hookbit, unsigned *chain_hooks,
		       const struct ir *ir)
{
	size_t ci = 0;
	while (ir->chains[ci] != c)
		ci++;
	if (chain_hooks[ci] & hookbit)
		return;
	chain_hooks[ci] |= hookbit;
	for (size_t j = 0; j < c->n; j++) {
		const struct ir_rule *r = c->rules[j];
		rule_hooks[r->id] |= hookbit;
		if (r->act.kind == ACT_JUMP || r->act.kind == ACT_GOTO)
			mark_chain(r->act.target, hookbit, chain_hooks, ir);
	}
}

static void compute_rule_hooks(const struct ir *ir, size_t n)
{
	rule_hooks = calloc(n, sizeof(unsigned));
	unsigned *chain_hooks = calloc(ir->nchains, sizeof(unsigned));
	for (size_t i = 0; i < ir->nchains; i++)
		if (ir->chains[i]->hook != HOOK_NONE)
			mark_chain(ir->chains[i], 1u << ir->chains[i]->hook, chain_hooks, ir);
	free(chain_hooks);
}

/* Rules that match only loopback packets (bit 0: iif lo, bit 1: oif lo):
 * a packet of another interface cannot be what moved their counters,
 * the kernel's own answer to it can (a reject in output answers over
 * lo). */
static unsigned char *lo_only;

static void compute_lo_only(const struct ir *ir, size_t n)
{
	lo_only = calloc(n, 1);
	for (size_t c = 0; c < ir->nchains; c++)
		for (size_t j = 0; j < ir->chains[c]->n; j++) {
			const struct ir_rule *r = ir->chains[c]->rules[j];
			for (size_t k = 0; k < r->nm; k++) {
				const struct ir_match *m = &r->m[k];
				if ((m->kind == M_IIF || m->kind == M_OIF) && !m->neg &&
				    m->nnames == 1 && !strcmp(m->names[0], "lo"))
					lo_only[r->id] |= m->kind == M_IIF ? 1 : 2;
			}
		}
}

static unsigned path_hooks(enum path p)
{
	switch (p) {
	case PATH_INPUT:
		return 1u << HOOK_PREROUTING | 1u << HOOK_INPUT;
	case PATH_FORWARD:
		return 1u << HOOK_PREROUTING | 1u << HOOK_FORWARD | 1u << HOOK_POSTROUTING;
	case PATH_OUTPUT:
		return 1u << HOOK_OUTPUT | 1u << HOOK_POSTROUTING;
	}
	return 0;
}

static void print_ids(FILE *out, const struct ir *ir, const bool *set, size_t n)
{
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (!set[i])
			continue;
		const struct ir_rule *r = NULL;
		for (size_t c = 0; c < ir->nchains && !r; c++)
			for (size_t j = 0; j < ir->chains[c]->n; j++)
				if (ir->chains[c]->rules[j]->id == i)
					r = ir->chains[c]->rules[j];
		char where[128] = "?";
		if (r && r->origin)
			snprintf(where, sizeof(where), "%s", r->origin);
		else if (r)
			loc_short(&r->loc, where, sizeof(where));
		fprintf(out, "%s#%zu (%s -> %s)", first ? "" : ", ", i, where,
			r ? act_name(r->act.kind) : "?");
		first = false;
	}
	if (first)
		fputs("(no rule)", out);
}

static void usage(void)
{
	fputs("usage: referee -b nft|iptables -f FWNS -p IF=NS:PEERIF [-p ...] [-a IF=ADDR ...] [-I] "
	      "[-v] POLICY PACKETS\n(-I: POLICY is an iptables-save dump)\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	int c;
	bool dump = false;
	while ((c = getopt(argc, argv, "a:b:f:Ip:v")) != -1) {
		switch (c) {
		case 'I':
			dump = true;   /* POLICY is an iptables-save dump */
			break;
		case 'a':
			if (nifaddrs >= 256 || ifaddr_parse(optarg, &ifaddrs[nifaddrs]) < 0)
				usage();
			nifaddrs++;
			break;
		case 'b':
			backend = optarg;
			break;
		case 'f':
			fwns = optarg;
			break;
		case 'p': {
			if (npeers >= MAXPEERS)
				usage();
			struct peer *p = &peers[npeers++];
			if (sscanf(optarg, "%15[^=]=%63[^:]:%15s", p->fwif, p->ns, p->pif) != 3)
				usage();
			break;
		}
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 2 || !fwns || !npeers)
		usage();
	const char *policy = argv[optind], *pkts = argv[optind + 1];
	struct fwc_opts o = { .datadir = getenv("FWC_DATADIR") ? getenv("FWC_DATADIR") : "data" };
	struct ir *ir = dump ? import_dump(policy, 0, DUMP_NONE, NULL)
			     : frontend_compile(policy, &o, DUMP_NONE, NULL);
	if (!ir) {
		diag_print(stderr, false);
		return 2;
	}
	if (setup_sockets() < 0)
		return 2;
	compute_rule_hooks(ir, ir->nrules + 1);
	compute_lo_only(ir, ir->nrules + 1);
	FILE *f = fopen(pkts, "r");
	if (!f) {
		fprintf(stderr, "referee: cannot read %s: %s\n", pkts, strerror(errno));
		return 2;
	}
	size_t n = ir->nrules + 1;
	unsigned long *before = calloc(n, sizeof(long)), *after = calloc(n, sizeof(long));
	bool *pred = calloc(n, 1), *kern = calloc(n, 1);
	struct trace_opts to = { ASSUME_MATCH, ASSUME_NOMATCH, ASSUME_NOMATCH, ASSUME_MATCH,
				 ifaddrs, nifaddrs };
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0, pass = 0, fail = 0, seq = 1;
	if (read_counters(before, n) < 0) {
		fprintf(stderr, "referee: cannot read counters (is the policy loaded?)\n");
		return 2;
	}
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		struct packet p;
		char err[200];
		size_t eo, el;
		if (packet_parse(line, &p, err, sizeof(err), &eo, &el) < 0) {
			fprintf(stderr, "%s:%u: bad packet: %s\n", pkts, lineno, err);
			fail++;
			continue;
		}
		if (!p.iif[0] && p.uid < 0)
			p.uid = 0;   /* the raw socket that sends it belongs to root */
		/* neighbour discovery and MLD are untracked by the kernel
		 * itself: those can be sent as they are */
		bool nd = p.proto == 58 && ((p.icmp_type >= 130 && p.icmp_type <= 137) ||
					    p.icmp_type == 143);
		if (p.state != CT_NEW && p.state != CT_ESTABLISHED &&
		    !(p.state == CT_UNTRACKED && nd)) {
			fprintf(stderr, "%s:%u: the referee sends new or established packets "
				"only (and untracked neighbour discovery)\n",
				pkts, lineno);
			fail++;
			continue;
		}
		struct trace_result res;
		trace_packet(ir, &p, &to, &res);
		memset(pred, 0, n);
		for (size_t i = 0; i < res.n; i++)
			if (res.steps[i].rule)
				pred[res.steps[i].rule->id] = true;
		ct_flush();
		recent_flush();
		if (p.state == CT_ESTABLISHED && handshake(ir, &p, &to, seq)) {
			handshakes++;
			/* let the handshake's packets be counted before "before" */
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		} else if (p.state == CT_ESTABLISHED && (inserted++, ct_establish(&p, seq) < 0)) {
			fprintf(stderr, "%s:%u: cannot create the conntrack entry\n", pkts, lineno);
			fail++;
			trace_result_release(&res);
			continue;
		}
		/* fresh "before": nothing between two packets is counted */
		if (read_counters(before, n) < 0)
			return 2;
		unsigned this_seq = seq;
		seq += 4;   /* room for a handshake's packets before it */
		if (send_packet(&p, this_seq, p.state == CT_ESTABLISHED ? peer_isn + 1 : 0) < 0) {
			fail++;
			trace_result_release(&res);
			continue;
		}
		/* The frame is handled in softirq, usually before sendto()
		 * returns. Equal sets are conclusive once something moved; a
		 * prediction of "no rule" needs a little time to be sure that
		 * nothing will move; a difference is confirmed after waiting. */
		bool pred_any = false;
		for (size_t i = 0; i < n; i++)
			pred_any |= pred[i];
		bool same = false;
		long waited = 0;
		for (int tries = 0; tries < 30; tries++) {
			if (tries) {
				long ns = tries < 4 ? 500000 : 10000000;
				struct timespec ts = { 0, ns };
				nanosleep(&ts, NULL);
				waited += ns;
			}
			if (read_counters(after, n) < 0)
				return 2;
			bool moved = false;
			unsigned ph = path_hooks(res.path);
			for (size_t i = 0; i < n; i++) {
				kern[i] = after[i] > before[i] && (rule_hooks[i] & ph) &&
					  !(lo_only[i] & 1 && strcmp(p.iif, "lo")) &&
					  !(lo_only[i] & 2 && strcmp(p.oif, "lo"));
				moved |= kern[i];
			}
			same = !memcmp(kern, pred, n);
			if (same && (pred_any || waited >= 5000000))
				break;
			if (!same && moved && waited >= 20000000)
				break;
		}
		if (same) {
			pass++;
			if (verbose) {
				printf("ok %s: ", line);
				print_ids(stdout, ir, pred, n);
				putchar('\n');
			}
		} else {
			fail++;
			printf("MISMATCH %s (%s backend)\n  packet: %s\n  fwc trace: %s via ",
			       policy, backend, line, act_name(res.verdict));
			print_ids(stdout, ir, pred, n);
			printf("\n  kernel:    ");
			print_ids(stdout, ir, kern, n);
			putchar('\n');
		}
		memcpy(before, after, n * sizeof(long));
		trace_result_release(&res);
	}
	free(line);
	fclose(f);
	if (handshakes || inserted)
		printf("referee: established packets: %u after a real TCP handshake, "
		       "%u entered into conntrack directly\n", handshakes, inserted);
	printf("referee: %u passed, %u failed\n", pass, fail);
	ir_free(ir);
	free(before);
	free(after);
	free(pred);
	free(kern);
	free(rule_hooks);
	free(lo_only);
	return fail ? 1 : 0;
}
