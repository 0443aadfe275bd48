/*
 * genpolicy.c: seeded random policies and boundary packets for the referee.
 *
 *   genpolicy SEED NPACKETS POLICY.fw PACKETS
 *
 * The same seed always gives the same files. Policies use the referee's
 * network (tests/kernel/topo.sh): zones on eth0..eth2, sets, defines,
 * inline services, IPv4 and IPv6, overlapping prefixes and port ranges,
 * user chains (jump, goto, return), mangle marks matched in filter,
 * masquerade, snat and redirect, log rules, reject. Packets are new
 * connections (TCP SYN, UDP, ICMP echo; some of them established, which
 * the referee sets up in conntrack) whose addresses and ports sit on
 * the edges of what the rules match: the first and last address of each
 * prefix and the address just outside, port range ends and their
 * neighbours, each interface. Stateful matches (rate, connlimit, recent,
 * nth) are left out: their verdict depends on history, not on the packet.
 *
 * Address plan (see topo.sh): sources from 198.19.0.0/16 and
 * 2001:db8:f000::/36; this host 198.18.128.0/24, 2001:db8:80::/64; routed
 * behind eth0/1/2: 198.18.{16,32,48}.0/20, 2001:db8:{10,20,30}::/48.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static unsigned r(unsigned n)
{
	return n ? (unsigned)(rnd() % n) : 0;
}

static bool chance(unsigned pct)
{
	return r(100) < pct;
}

/* A v4 or v6 prefix inside one of the plan's regions. Kept as text and as
 * numbers (v6 only varies in the 64 bits we use). */
struct pfx {
	int fam;
	uint64_t base;      /* v4: address; v6: the high 64 bits */
	int len;            /* v4: 0-32; v6: 0-64 (we never go longer) */
};

enum region { SRC, LOCAL, R0, R1, R2, NREGION };

static const struct {
	uint32_t v4;
	int v4len;
	uint64_t v6hi;      /* high 64 bits */
	int v6len;
} regions[NREGION] = {
	[SRC] = { 0xc6130000u, 16, 0x20010db8f0000000ull, 36 },
	[LOCAL] = { 0xc6128000u, 24, 0x20010db800800000ull, 64 },
	[R0] = { 0xc6121000u, 20, 0x20010db800100000ull, 48 },
	[R1] = { 0xc6122000u, 20, 0x20010db800200000ull, 48 },
	[R2] = { 0xc6123000u, 20, 0x20010db800300000ull, 48 },
};

static struct pfx pick_pfx(int fam, enum region g)
{
	struct pfx p = { fam, 0, 0 };
	if (fam == 4) {
		int min = regions[g].v4len;
		p.len = min + (int)r((unsigned)(32 - min + 1));
		uint32_t host = (uint32_t)rnd();
		uint32_t regmask = min ? ~0u << (32 - min) : 0;
		uint32_t a = (regions[g].v4 & regmask) | (host & ~regmask);
		uint32_t m = p.len ? ~0u << (32 - p.len) : 0;
		p.base = a & m;
	} else {
		int min = regions[g].v6len;
		p.len = min + (int)r((unsigned)(64 - min + 1));
		uint64_t host = rnd();
		uint64_t regmask = min ? ~0ull << (64 - min) : 0;
		uint64_t a = (regions[g].v6hi & regmask) | (host & ~regmask);
		uint64_t m = p.len ? ~0ull << (64 - p.len) : 0;
		p.base = a & m;
	}
	return p;
}

static void fmt_v4(char *b, size_t n, uint32_t a)
{
	snprintf(b, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void fmt_v6(char *b, size_t n, uint64_t hi, uint64_t lo)
{
	snprintf(b, n, "%x:%x:%x:%x:%x:%x:%x:%x", (unsigned)(hi >> 48),
		 (unsigned)(hi >> 32) & 0xffff, (unsigned)(hi >> 16) & 0xffff,
		 (unsigned)hi & 0xffff, (unsigned)(lo >> 48), (unsigned)(lo >> 32) & 0xffff,
		 (unsigned)(lo >> 16) & 0xffff, (unsigned)lo & 0xffff);
}

static void fmt_pfx(char *b, size_t n, const struct pfx *p)
{
	char a[64];
	if (p->fam == 4) {
		fmt_v4(a, sizeof(a), (uint32_t)p->base);
		if (p->len == 32)
			snprintf(b, n, "%s", a);
		else
			snprintf(b, n, "%s/%d", a, p->len);
	} else {
		fmt_v6(a, sizeof(a), p->base, 0);
		snprintf(b, n, "%s/%d", a, p->len);
	}
}

/* Edge addresses collected from the policy, per family and region. */
#define MAXEDGE 512
struct edge {
	int fam;
	enum region g;
	uint64_t hi, lo;    /* v4: lo only */
};
static struct edge edges[MAXEDGE];
static size_t nedges;

static bool in_region(int fam, enum region g, uint64_t hi, uint64_t lo)
{
	if (fam == 4) {
		uint32_t m = ~0u << (32 - regions[g].v4len);
		return ((uint32_t)lo & m) == regions[g].v4;
	}
	(void)lo;
	uint64_t m = ~0ull << (64 - regions[g].v6len);
	return (hi & m) == regions[g].v6hi;
}

static void add_edge(int fam, enum region g, uint64_t hi, uint64_t lo)
{
	if (nedges >= MAXEDGE || !in_region(fam, g, hi, lo))
		return;
	if (fam == 4 && g == LOCAL && ((lo & 255) == 0 || (lo & 255) == 255))
		return;
	edges[nedges++] = (struct edge){ fam, g, hi, lo };
}

static void note_pfx(const struct pfx *p, enum region g)
{
	if (p->fam == 4) {
		uint32_t a = (uint32_t)p->base;
		uint32_t last = a | (p->len == 32 ? 0 : (~0u >> p->len));
		add_edge(4, g, 0, a);
		add_edge(4, g, 0, last);
		add_edge(4, g, 0, a - 1);
		add_edge(4, g, 0, last + 1);
	} else {
		uint64_t last = p->base | (p->len == 64 ? 0 : (~0ull >> p->len));
		add_edge(6, g, p->base, 1);
		add_edge(6, g, last, 0xffffffffffffffffull);
		add_edge(6, g, p->base - 1, 0xffffffffffffffffull);
		add_edge(6, g, last + 1, 1);
	}
}

#define MAXPORTS 256
static unsigned ports[MAXPORTS];
static size_t nports;

static void note_port(unsigned p)
{
	if (nports < MAXPORTS && p <= 65535)
		ports[nports++] = p;
}

static void port_range(char *b, size_t n)
{
	unsigned lo = 1 + r(3000), len = chance(50) ? 0 : r(500);
	unsigned hi = lo + len;
	if (len)
		snprintf(b, n, "%u-%u", lo, hi);
	else
		snprintf(b, n, "%u", lo);
	note_port(lo);
	note_port(hi);
	note_port(lo - 1);
	note_port(hi + 1);
}

static FILE *pf;
static int nchains;
static int nsets;
static bool zone_net[3];

static int rule_fam;   /* single addresses in one rule share a family */

static void addr_term(const char *kw, enum region g)
{
	char b[128];
	int fam = rule_fam;
	int k = (int)r(10);
	if (k < 5) {
		struct pfx p = pick_pfx(fam, g);
		fmt_pfx(b, sizeof(b), &p);
		note_pfx(&p, g);
		fprintf(pf, " %s %s%s", kw, chance(15) ? "not " : "", b);
	} else if (k < 8) {
		struct pfx p1 = pick_pfx(4, g), p2 = pick_pfx(6, g), p3 = pick_pfx(fam, g);
		char b2[128], b3[128];
		fmt_pfx(b, sizeof(b), &p1);
		fmt_pfx(b2, sizeof(b2), &p2);
		fmt_pfx(b3, sizeof(b3), &p3);
		note_pfx(&p1, g);
		note_pfx(&p2, g);
		note_pfx(&p3, g);
		fprintf(pf, " %s %s{ %s, %s, %s }", kw, chance(15) ? "not " : "", b, b2, b3);
	} else if (nsets && g == SRC) {
		fprintf(pf, " %s %s@s%u", kw, chance(15) ? "not " : "", r((unsigned)nsets));
	} else {
		fprintf(pf, " %s d%u", kw, r(2));
	}
}

static void proto_terms(void)
{
	char b[64], b2[64];
	switch (r(6)) {
	case 0:
		port_range(b, sizeof(b));
		fprintf(pf, " proto tcp dport %s", b);
		break;
	case 1:
		port_range(b, sizeof(b));
		port_range(b2, sizeof(b2));
		fprintf(pf, " proto udp dport %s, %s", b, b2);
		break;
	case 2:
		fprintf(pf, " service svc%u", r(3));
		break;
	case 3:
		port_range(b, sizeof(b));
		fprintf(pf, " proto tcp sport %s", b);
		break;
	case 4:
		fprintf(pf, " icmp type echo-request");
		break;
	default:
		break;
	}
}

static void rule(const char *hook, bool in_chain, bool mangle)
{
	static const char *const acts[] = { "accept", "drop", "reject", "log" };
	rule_fam = chance(60) ? 4 : 6;
	bool input = !strcmp(hook, "input"), output = !strcmp(hook, "output");
	bool forward = !strcmp(hook, "forward");
	fputs("    ", pf);
	unsigned a = r(100);
	if (mangle) {
		if (a < 60)
			fprintf(pf, "mark %u", 1 + r(3));
		else
			fputs("accept", pf);
	} else if (in_chain && a < 10) {
		fputs("return", pf);
	} else if (!in_chain && nchains && a < 12) {
		fprintf(pf, "%s c%u", chance(70) ? "jump" : "goto", r((unsigned)nchains));
	} else {
		const char *act = acts[r(4)];
		fputs(act, pf);
	}
	/* a zone with a network already limits the addresses: adding a
	 * source too would often leave nothing, which fwc rejects */
	bool zsrc = false, zdst = false;
	if (!in_chain && !mangle && chance(35)) {
		int z = (int)r(3);
		if (input || forward) {
			fprintf(pf, " from z%d", z);
			zsrc = zone_net[z];
		}
		if (output || (forward && chance(50))) {
			int t = (z + 1 + (int)r(2)) % 3;
			fprintf(pf, " to z%d", t);
			zdst = zone_net[t];
		}
	}
	if (!zsrc && chance(45))
		addr_term("source", SRC);
	if (chance(30)) {
		enum region g = input ? LOCAL : (enum region)(R0 + r(3));
		if (!in_chain && !mangle && !zdst)
			addr_term("destination", g);
	}
	if (chance(60))
		proto_terms();
	if (chance(12) && !mangle)
		fprintf(pf, " mark %u", 1 + r(3));
	if (chance(8) && (input || forward || mangle))
		fprintf(pf, " in eth%u", r(3));
	if (chance(8) && (output || forward))
		fprintf(pf, " out eth%u", r(3));
	if (chance(5))
		fputs(" state new", pf);
	fputs(";\n", pf);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fputs("usage: genpolicy SEED NPACKETS POLICY PACKETS\n", stderr);
		return 2;
	}
	unsigned long seed = strtoul(argv[1], NULL, 10);
	unsigned npk = (unsigned)strtoul(argv[2], NULL, 10);
	rs = 0x9e3779b97f4a7c15ull ^ (seed * 0x100000001b3ull);
	for (int i = 0; i < 10; i++)
		rnd();
	pf = fopen(argv[3], "w");
	FILE *kf = fopen(argv[4], "w");
	if (!pf || !kf) {
		perror("genpolicy");
		return 2;
	}
	fprintf(pf, "# random policy, seed %lu (tests/kernel/genpolicy.c)\n", seed);
	char b[128], b2[128];
	/* zones: one per interface; some with networks */
	for (int z = 0; z < 3; z++) {
		fprintf(pf, "zone z%d { interface eth%d;", z, z);
		zone_net[z] = chance(40);
		if (zone_net[z]) {
			struct pfx p = pick_pfx(4, SRC), q = pick_pfx(6, SRC);
			if (p.len > 20)
				p.len = 17 + (int)r(4), p.base &= ~0u << (32 - p.len);
			if (q.len > 44)
				q.len = 37 + (int)r(8), q.base &= ~0ull << (64 - q.len);
			fmt_pfx(b, sizeof(b), &p);
			fmt_pfx(b2, sizeof(b2), &q);
			note_pfx(&p, SRC);
			note_pfx(&q, SRC);
			fprintf(pf, " network %s, %s;", b, b2);
		}
		fputs(" }\n", pf);
	}
	/* defines and sets */
	for (int d = 0; d < 2; d++) {
		struct pfx p = pick_pfx(4, SRC), q = pick_pfx(6, SRC);
		fmt_pfx(b, sizeof(b), &p);
		fmt_pfx(b2, sizeof(b2), &q);
		note_pfx(&p, SRC);
		note_pfx(&q, SRC);
		fprintf(pf, "define d%d = { %s, %s };\n", d, b, b2);
	}
	nsets = 1 + (int)r(3);
	for (int s = 0; s < nsets; s++) {
		fprintf(pf, "set s%d = {", s);
		int n = 1 + (int)r(6);
		for (int i = 0; i < n; i++) {
			struct pfx p = pick_pfx(chance(60) ? 4 : 6, SRC);
			fmt_pfx(b, sizeof(b), &p);
			note_pfx(&p, SRC);
			fprintf(pf, "%s %s", i ? "," : "", b);
		}
		fputs(" };\n", pf);
	}
	for (int s = 0; s < 3; s++) {
		port_range(b, sizeof(b));
		port_range(b2, sizeof(b2));
		fprintf(pf, "service svc%d = tcp %s, udp %s;\n", s, b, b2);
	}
	static const char *const hooks[] = { "input", "forward", "output" };
	for (int h = 0; h < 3; h++)
		fprintf(pf, "policy %s %s;\n", hooks[h], chance(60) ? "drop" : "accept");
	nchains = (int)r(3);
	for (int c = 0; c < nchains; c++) {
		fprintf(pf, "chain c%d {\n", c);
		int n = 1 + (int)r(5);
		for (int i = 0; i < n; i++)
			rule("chain", true, false);
		fputs("}\n", pf);
	}
	if (chance(50)) {
		fputs("mangle prerouting {\n", pf);
		int n = 1 + (int)r(4);
		for (int i = 0; i < n; i++)
			rule("prerouting", false, true);
		fputs("}\n", pf);
	}
	for (int h = 0; h < 3; h++) {
		fprintf(pf, "%s {\n", hooks[h]);
		int n = 3 + (int)r(15);
		for (int i = 0; i < n; i++)
			rule(hooks[h], false, false);
		fputs("}\n", pf);
	}
	if (chance(50)) {
		fputs("nat {\n", pf);
		fprintf(pf, "    masquerade to z%u", r(3));
		if (chance(50))
			addr_term("source", SRC);
		fputs(";\n", pf);
		if (chance(50)) {
			fprintf(pf, "    snat to 198.18.%u.1 out eth%u", r(3), r(3));
			fputs(" source 198.19.0.0/17;\n", pf);
		}
		if (chance(40)) {
			port_range(b, sizeof(b));
			fprintf(pf, "    redirect from z%u proto tcp dport %s to port %u;\n", r(3), b,
				1 + r(60000));
		}
		fputs("}\n", pf);
	}
	fclose(pf);

	/* packets on the edges */
	if (!nedges)
		add_edge(4, SRC, 0, 0xc6130001u);
	for (unsigned i = 0; i < npk; i++) {
		int fam = chance(60) ? 4 : 6;
		unsigned path = r(10);    /* 0-3 input, 4-7 forward, 8-9 output */
		enum region dg = path < 4 ? LOCAL : (enum region)(R0 + r(3));
		/* source: an edge in SRC of this family, else random */
		struct edge *se = NULL, *de = NULL;
		for (int t = 0; t < 8 && !se; t++) {
			struct edge *e = &edges[r((unsigned)nedges)];
			if (e->fam == fam && e->g == SRC)
				se = e;
		}
		for (int t = 0; t < 8 && !de; t++) {
			struct edge *e = &edges[r((unsigned)nedges)];
			if (e->fam == fam && e->g == dg)
				de = e;
		}
		char sa[64], da[64];
		if (fam == 4) {
			uint32_t s = se ? (uint32_t)se->lo : regions[SRC].v4 | (uint32_t)r(65536);
			uint32_t d = de ? (uint32_t)de->lo : regions[dg].v4 | (uint32_t)(1 + r(dg == LOCAL ? 254 : 4095));
			if ((s & 0xffff0000u) != regions[SRC].v4)
				s = regions[SRC].v4 | (s & 0xffff);
			fmt_v4(sa, sizeof(sa), s);
			fmt_v4(da, sizeof(da), d);
		} else {
			uint64_t shi = se ? se->hi : regions[SRC].v6hi | (rnd() >> 36);
			uint64_t slo = se ? se->lo : rnd() | 1;
			uint64_t dhi = de ? de->hi : (dg == LOCAL ? regions[LOCAL].v6hi : regions[dg].v6hi | (rnd() >> 48));
			uint64_t dlo = de ? de->lo : rnd() | 1;
			fmt_v6(sa, sizeof(sa), shi, slo);
			fmt_v6(da, sizeof(da), dhi, dlo);
		}
		unsigned pr = r(10);
		unsigned dp = nports && chance(80) ? ports[r((unsigned)nports)] : 1 + r(65535);
		unsigned sp = nports && chance(30) ? ports[r((unsigned)nports)] : 1024 + r(60000);
		if (dp > 65535)
			dp = 65535;
		if (sp > 65535)
			sp = 65535;
		const char *l = fam == 6 ? "[" : "", *rr = fam == 6 ? "]" : "";
		if (pr < 5)
			fprintf(kf, "tcp %s%s%s:%u -> %s%s%s:%u", l, sa, rr, sp, l, da, rr, dp);
		else if (pr < 8)
			fprintf(kf, "udp %s%s%s:%u -> %s%s%s:%u", l, sa, rr, sp, l, da, rr, dp);
		else
			fprintf(kf, "%s %s -> %s type echo-request", fam == 4 ? "icmp" : "icmpv6", sa, da);
		int in = (int)r(3), out = dg == LOCAL ? -1 : (int)(dg - R0);
		if (path < 8)
			fprintf(kf, " in eth%d", in);
		if (path >= 4)
			fprintf(kf, " out eth%d", out);
		if (chance(8))
			fputs(" state established", kf);
		fputc('\n', kf);
	}
	fclose(kf);
	return 0;
}
