/*
 * witness.c: the analyzer's witnesses, in a form the kernel referee can
 * send.
 *
 *   witness [-I] POLICY TOPO|- PACKETS
 *
 * (-I: POLICY is an iptables-save dump, see tests/kernel/dumps.sh.)
 * Runs the analyzer on POLICY restricted to the packets the referee's test
 * network (tests/kernel/topo.sh, plus the `local` and `route` lines of the
 * topology file TOPO) can carry: to this host from a peer, through it from
 * one peer to another, or from it to a peer; sources that are nobody's in
 * that network; TCP, UDP, ICMP echo requests, new or established; no
 * marks, no fragments. Every rule the analyzer finds reachable there gets
 * its witness (`fwc lint --witness`). Each witness is traced (trace.c):
 * the rule the trace shows first matching in the witness's chain must be
 * the rule the witness was found for. The witnesses go to PACKETS, one a
 * line, for tests/kernel/referee.sh, which then checks that the kernel's
 * counters show the same rule. Prints
 *   witness: POLICY: N rules reachable in the test network, M confirmed by trace
 * and exits 1 when a witness is not confirmed.
 *
 * The topology file's directives (topo.sh reads the same file):
 *   local ADDR...          more addresses of this host
 *   route IF PREFIX...     prefixes routed out of IF
 *   iface NAME...          more interfaces after eth0..eth3 (the i-th has
 *                          198.18.i.1 and 2001:db8:i::1)
 *   default IF             the IPv4 no other route or local address has
 *                          goes out of IF (the kernel's longest prefix)
 *   sources any            sources may also be private or routed addresses
 *                          (an imported firewall names its own networks)
 *   paths input forward    no packets from this host
 * A witness the trace does not confirm although the trace passed a rate or
 * recent match needs other outcomes of those than the referee's (rates
 * under, recent lists empty): counted apart, not sent, not a failure.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "frontend.h"
#include "import.h"
#include "lint.h"
#include "space.h"

#define MAXIF 64

/* The firewall's interfaces (eth0..eth3, or the `iface` line's names),
 * its own addresses, and what it routes out of each interface. */
struct topo {
	int nif;
	char ifn[MAXIF][16];
	bool anysource;        /* "sources any": private and routed sources too */
	int defif;             /* "default IF": IPv4 not routed elsewhere; -1 */
	bool nooutput;         /* "paths input forward": no packets from it */
	struct iset local4, local6;
	struct iset route4[MAXIF], route6[MAXIF];
};

static int if_index(const struct topo *t, const char *name)
{
	for (int i = 0; i < t->nif; i++)
		if (!strcmp(t->ifn[i], name))
			return i;
	return -1;
}

static void add_text(struct iset *v4, struct iset *v6, const char *text)
{
	int fam, plen;
	u128 a;
	char err[128];
	if (addr_parse(text, strlen(text), &fam, &a, &plen, err, sizeof(err)) < 0) {
		fprintf(stderr, "witness: bad address '%s': %s\n", text, err);
		exit(2);
	}
	iset_add_prefix(fam == 4 ? v4 : v6, a, plen);
}

static void topo_load(struct topo *t, const char *path)
{
	iset_init(&t->local4, 32);
	iset_init(&t->local6, 128);
	add_text(&t->local4, &t->local6, "198.18.128.0/24");
	add_text(&t->local4, &t->local6, "2001:db8:80::/64");
	t->nif = 4;
	t->defif = -1;
	for (int i = 0; i < MAXIF; i++) {
		snprintf(t->ifn[i], sizeof(t->ifn[i]), "eth%d", i);
		iset_init(&t->route4[i], 32);
		iset_init(&t->route6[i], 128);
	}
	for (int i = 0; i < 4; i++) {
		char b[64];
		snprintf(b, sizeof(b), "198.18.%d.1", i);
		add_text(&t->local4, &t->local6, b);
		snprintf(b, sizeof(b), "2001:db8:%d::1", i);
		add_text(&t->local4, &t->local6, b);
		snprintf(b, sizeof(b), "198.18.%d.0/20", (i + 1) * 16);
		add_text(&t->route4[i], &t->route6[i], b);
		snprintf(b, sizeof(b), "2001:db8:%d0::/48", i + 1);
		add_text(&t->route4[i], &t->route6[i], b);
	}
	if (path && strcmp(path, "-")) {
		FILE *f = fopen(path, "r");
		if (!f) {
			perror(path);
			exit(2);
		}
		char line[1024];
		while (fgets(line, sizeof(line), f)) {
			char *save = NULL, *w = strtok_r(line, " \t\r\n", &save);
			if (!w || w[0] == '#')
				continue;
			if (!strcmp(w, "local")) {
				while ((w = strtok_r(NULL, " \t\r\n", &save)))
					add_text(&t->local4, &t->local6, w);
			} else if (!strcmp(w, "default")) {
				w = strtok_r(NULL, " \t\r\n", &save);
				t->defif = w ? if_index(t, w) : -1;
				if (t->defif < 0) {
					fprintf(stderr, "witness: %s: bad default line\n", path);
					exit(2);
				}
			} else if (!strcmp(w, "paths")) {
				t->nooutput = true;
				while ((w = strtok_r(NULL, " \t\r\n", &save)))
					if (!strcmp(w, "output"))
						t->nooutput = false;
			} else if (!strcmp(w, "sources")) {
				w = strtok_r(NULL, " \t\r\n", &save);
				t->anysource = w && !strcmp(w, "any");
			} else if (!strcmp(w, "iface")) {
				/* named interfaces after eth0..eth3 (topo.sh's
				 * TOPO_IFS): interface i has 198.18.i.1 */
				while ((w = strtok_r(NULL, " \t\r\n", &save))) {
					if (t->nif >= MAXIF || strlen(w) > 15) {
						fprintf(stderr, "witness: %s: too many interfaces\n", path);
						exit(2);
					}
					char b[64];
					snprintf(t->ifn[t->nif], sizeof(t->ifn[0]), "%s", w);
					snprintf(b, sizeof(b), "198.18.%d.1", t->nif);
					add_text(&t->local4, &t->local6, b);
					snprintf(b, sizeof(b), "2001:db8:%d::1", t->nif);
					add_text(&t->local4, &t->local6, b);
					t->nif++;
				}
			} else if (!strcmp(w, "route")) {
				char *ifn = strtok_r(NULL, " \t\r\n", &save);
				int i = ifn ? if_index(t, ifn) : -1;
				if (i < 0) {
					fprintf(stderr, "witness: %s: bad route line\n", path);
					exit(2);
				}
				while ((w = strtok_r(NULL, " \t\r\n", &save)))
					add_text(&t->route4[i], &t->route6[i], w);
			}
		}
		fclose(f);
	}
	iset_normalize(&t->local4);
	iset_normalize(&t->local6);
	for (int i = 0; i < MAXIF; i++) {
		iset_normalize(&t->route4[i]);
		iset_normalize(&t->route6[i]);
	}
	if (t->defif >= 0) {
		/* the kernel takes the longest prefix: the default route has
		 * what no other route and no local address has */
		struct iset d;
		iset_init(&d, 32);
		iset_add_prefix(&d, 0, 0);
		iset_normalize(&d);
		for (int i = 0; i < t->nif; i++)
			iset_subtract(&d, &d, &t->route4[i]);
		iset_subtract(&d, &d, &t->local4);
		struct iset tn;
		iset_init(&tn, 32);
		iset_add_prefix(&tn, (u128)0xc6120000u, 15);   /* 198.18.0.0/15 */
		iset_normalize(&tn);
		iset_subtract(&d, &d, &tn);
		iset_release(&tn);
		iset_union(&t->route4[t->defif], &t->route4[t->defif], &d);
		iset_release(&d);
	}
}

static BDD addr_in(const struct space *s, enum ir_mkind k, const struct iset *v4,
		   const struct iset *v6)
{
	BDD r = bref(bddfalse);
	const struct iset *sets[2] = { v4, v6 };
	for (int f = 0; f < 2; f++) {
		if (iset_is_empty(sets[f]))
			continue;
		struct ir_match m = { .kind = k, .set = *sets[f] };
		BDD t = space_match((struct space *)s, &m, f ? 6 : 4, true);
		bor(&r, t);
		bdd_delref(t);
	}
	return r;
}

static const struct topo *cur_topo;

static BDD iface(const struct space *s, enum fld f, int i)
{
	return fld_eq(s, f, space_if_index(s, cur_topo->ifn[i]), false);
}

/* What the test network can send; cur variables. */
static int restrict_topo(const struct space *s, void *ctx)
{
	const struct topo *t = ctx;
	cur_topo = t;
	/* sources: global unicast that nobody in the network owns */
	struct iset src4, src6, no4, no6;
	iset_init(&src4, 32);
	iset_init(&src6, 128);
	iset_init(&no4, 32);
	iset_init(&no6, 128);
	add_text(&src4, &src6, "0.0.0.0/0");
	add_text(&src4, &src6, "2000::/3");
	const char *martian[] = { "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10",
		"127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
		"198.18.0.0/15", "224.0.0.0/3", "2001:db8::/32" };
	/* an imported firewall's rules name its private networks: with
	 * "sources any" only what the kernel itself refuses is left out */
	const char *martian_any[] = { "0.0.0.0/8", "127.0.0.0/8", "198.18.0.0/15",
		"224.0.0.0/3", "2001:db8::/32" };
	if (t->anysource) {
		iset_release(&src6);
		iset_init(&src6, 128);
		add_text(&src4, &src6, "::/0");
		add_text(&no4, &no6, "::/128");
		add_text(&no4, &no6, "::1/128");
		add_text(&no4, &no6, "ff00::/8");
		add_text(&no4, &no6, "fe80::/10");
	}
	for (size_t i = 0; !t->anysource && i < sizeof(martian) / sizeof(martian[0]); i++)
		add_text(&no4, &no6, martian[i]);
	for (size_t i = 0; t->anysource && i < sizeof(martian_any) / sizeof(martian_any[0]); i++)
		add_text(&no4, &no6, martian_any[i]);
	iset_normalize(&src4);
	iset_normalize(&src6);
	iset_normalize(&no4);
	iset_normalize(&no6);
	iset_subtract(&src4, &src4, &no4);
	iset_subtract(&src6, &src6, &no6);
	/* ... but the referee's own plan of sources is fine */
	add_text(&src4, &src6, "198.19.0.0/16");
	add_text(&src4, &src6, "2001:db8:f000::/36");
	iset_normalize(&src4);
	iset_normalize(&src6);
	for (int i = 0; i < t->nif && !t->anysource; i++) {
		iset_subtract(&src4, &src4, &t->route4[i]);
		iset_subtract(&src6, &src6, &t->route6[i]);
	}
	iset_subtract(&src4, &src4, &t->local4);
	iset_subtract(&src6, &src6, &t->local6);
	BDD src = addr_in(s, M_SADDR, &src4, &src6);
	BDD lsrc = addr_in(s, M_SADDR, &t->local4, &t->local6);
	BDD ldst = addr_in(s, M_DADDR, &t->local4, &t->local6);

	BDD anyif = bref(bddfalse);
	for (int i = 0; i < t->nif; i++) {
		BDD x = iface(s, F_IIF, i);
		bor(&anyif, x);
		bdd_delref(x);
	}
	BDD lanes = bref(bddfalse), x;
	/* to this host */
	x = space_path(s, PATH_INPUT);
	band(&x, anyif);
	band(&x, src);
	band(&x, ldst);
	bor(&lanes, x);
	bdd_delref(x);
	for (int j = 0; j < t->nif; j++) {
		BDD out = iface(s, F_OIF, j);
		BDD dst = addr_in(s, M_DADDR, &t->route4[j], &t->route6[j]);
		/* through it */
		x = space_path(s, PATH_FORWARD);
		band(&x, anyif);
		band(&x, out);
		band(&x, src);
		band(&x, dst);
		bor(&lanes, x);
		bdd_delref(x);
		/* from it */
		x = space_path(s, PATH_OUTPUT);
		band(&x, out);
		band(&x, lsrc);
		band(&x, dst);
		BDD nouid = fld_eq(s, F_UID, 0, false);
		band(&x, nouid);
		bdd_delref(nouid);
		if (!t->nooutput)
			bor(&lanes, x);
		bdd_delref(x);
		bdd_delref(out);
		bdd_delref(dst);
	}
	/* what the sender makes: tcp (SYN new, ACK established), udp, echo
	 * requests; new or established; no marks, no fragments, ports >= 1 */
	BDD nw = fld_eq(s, F_STATE, 0, false), est = fld_eq(s, F_STATE, 1, false);
	BDD tcp = fld_eq(s, F_PROTO, 6, false);
	BDD syn = fld_eq(s, F_TCPFLAGS, TCPF_SYN, false);
	BDD ack = fld_eq(s, F_TCPFLAGS, TCPF_ACK, false);
	BDD fl = bref(bdd_ite(nw, syn, ack));
	band(&tcp, fl);
	BDD udp = fld_eq(s, F_PROTO, 17, false);
	BDD ports = fld_range(s, F_SPORT, 1, 65535, false);
	BDD dp = fld_range(s, F_DPORT, 1, 65535, false);
	band(&ports, dp);
	bor(&tcp, udp);
	band(&tcp, ports);
	BDD e4 = fld_eq(s, F_PROTO, 1, false), t4 = fld_eq(s, F_ICMP, 8, false);
	BDD e6 = fld_eq(s, F_PROTO, 58, false), t6 = fld_eq(s, F_ICMP, 128, false);
	band(&e4, t4);
	band(&e6, t6);
	bor(&tcp, e4);
	bor(&tcp, e6);
	BDD st = bref(bdd_or(nw, est));
	band(&lanes, tcp);
	band(&lanes, st);
	BDD m0 = fld_eq(s, F_MARK, 0, false), c0 = fld_eq(s, F_CTMARK, 0, false);
	band(&lanes, m0);
	band(&lanes, c0);
	band(&lanes, bdd_nithvar(s->f[F_FRAG].cur));
	BDD all[] = { nw, est, tcp, syn, ack, fl, udp, ports, dp, e4, t4, e6, t6,
		      st, m0, c0, src, lsrc, ldst, anyif };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		bdd_delref(all[i]);
	iset_release(&src4);
	iset_release(&src6);
	iset_release(&no4);
	iset_release(&no6);
	return lanes;
}

/* Where the test network sends an address: -1 this host, 0..3 ethN,
 * -2 nowhere. */
static int route_of(const struct topo *t, int family, u128 a)
{
	if (iset_contains(family == 4 ? &t->local4 : &t->local6, a))
		return -1;
	for (int i = 0; i < t->nif; i++)
		if (iset_contains(family == 4 ? &t->route4[i] : &t->route6[i], a))
			return i;
	return -2;
}

static bool same_loc(const struct loc *a, const struct loc *b)
{
	return a->file == b->file && a->line == b->line && a->col == b->col;
}

static bool names_iface(const struct ir *ir, const char *name)
{
	for (size_t c = 0; c < ir->nchains; c++)
		for (size_t j = 0; j < ir->chains[c]->n; j++) {
			const struct ir_rule *r = ir->chains[c]->rules[j];
			for (size_t k = 0; k < r->nm; k++)
				if (r->m[k].kind == M_IIF || r->m[k].kind == M_OIF)
					for (size_t q = 0; q < r->m[k].nnames; q++)
						if (!strcmp(r->m[k].names[q], name))
							return true;
		}
	return false;
}

/* Does fwc trace show the witness's rule matching in its chain? *route is
 * set (-1 this host, 0..3 ethN, -2 nowhere) when a DNAT sends the packet
 * where its interfaces do not say. */
static bool confirms(const struct ir *ir, const struct trace_opts *to,
		     const struct topo *t, const struct packet *p,
		     const struct lint_witness *w, int *route)
{
	struct trace_result tr;
	trace_packet(ir, p, to, &tr);
	bool good = false;
	for (size_t k = 0; k < tr.n && !good; k++)
		if (tr.steps[k].rule && !strcmp(tr.steps[k].chain->name, w->chain))
			good = same_loc(&tr.steps[k].rule->loc, &w->rule) ||
				(!w->rule.file && tr.steps[k].rule->origin);
	if (tr.final.daddr != p->daddr) {
		int r = route_of(t, p->family, tr.final.daddr);
		const char *want = r >= 0 ? t->ifn[r] : "";
		if (r == -1 ? p->oif[0] && tr.path != PATH_INPUT : r < 0 || strcmp(p->oif, want))
			*route = r;
	}
	trace_result_release(&tr);
	return good;
}

int main(int argc, char **argv)
{
	/* -I: POLICY is an iptables-save dump */
	bool dump = argc == 5 && !strcmp(argv[1], "-I");
	if (dump) {
		argv++;
		argc--;
	}
	if (argc != 4) {
		fputs("usage: witness [-I] POLICY TOPO|- PACKETS\n", stderr);
		return 2;
	}
	struct topo t;
	topo_load(&t, argv[2]);
	struct fwc_opts fo = { 0 };
	fo.datadir = getenv("FWC_DATADIR") ? getenv("FWC_DATADIR") : "data";
	struct ir *ir = dump ? import_dump(argv[1], 0, DUMP_NONE, NULL)
			     : frontend_compile(argv[1], &fo, DUMP_NONE, NULL);
	if (!ir) {
		diag_print(stderr, false);
		return 2;
	}
	struct lint_opts lo;
	lint_opts_default(&lo);
	lo.witness = true;
	lo.restrict_fn = restrict_topo;
	lo.restrict_ctx = &t;
	struct lint_result res = { 0 };
	analyze(ir, &lo, &res);
	FILE *out = fopen(argv[3], "w");
	if (!out) {
		perror(argv[3]);
		return 2;
	}
	struct trace_opts to = { 0 };
	to.rate = ASSUME_MATCH;
	to.recent = ASSUME_NOMATCH;
	to.nth = ASSUME_NOMATCH;
	to.unknown = ASSUME_MATCH;
	size_t ok = 0, rerouted = 0, adjusted = 0, other_assumption = 0;
	char unnamed[16] = "";
	for (int i = t.nif - 1; i >= 0; i--)
		if (!names_iface(ir, t.ifn[i]))
			memcpy(unnamed, t.ifn[i], sizeof(unnamed));
	for (size_t i = 0; i < res.nreach; i++) {
		struct lint_witness *w = &res.reach[i];
		struct packet p;
		char err[160];
		size_t eo, el;
		bool good = packet_parse(w->packet, &p, err, sizeof(err), &eo, &el) == 0;
		/* "any other interface" is a peer link the policy never names */
		if (good && p.iif[0] && if_index(&t, p.iif) < 0 && strcmp(p.iif, "lo"))
			snprintf(p.iif, sizeof(p.iif), "%s", unnamed);
		if (good && p.oif[0] && if_index(&t, p.oif) < 0 && strcmp(p.oif, "lo"))
			snprintf(p.oif, sizeof(p.oif), "%s", unnamed);
		if (good)
			packet_format(w->packet, sizeof(w->packet), &p);
		bool reroute = false, adjusted_one = false;
		if (good) {
			int r = -3;
			good = confirms(ir, &to, &t, &p, w, &r);
			reroute = r != -3;
			if (good && reroute && (r >= 0 || (r == -1 && p.iif[0]))) {
				/* the kernel routes the rewritten packet: send the
				 * one whose interfaces already agree with that route,
				 * if it still shows the rule */
				struct packet q = p;
				if (r == -1)
					q.oif[0] = '\0';
				else
					snprintf(q.oif, sizeof(q.oif), "%s", t.ifn[r]);
				int r2 = -3;
				if (confirms(ir, &to, &t, &q, w, &r2) && r2 == -3) {
					p = q;
					packet_format(w->packet, sizeof(w->packet), &p);
					reroute = false;
					adjusted_one = true;
				}
			}
		}
		char where[128];
		loc_short(&w->rule, where, sizeof(where));
		if (good && reroute) {
			rerouted++;
			continue;
		}
		if (!good && p.family) {
			/* reached only when a recent list hits or a rate is over
			 * (an imported dump's "-m recent --update -j DROP"): the
			 * referee empties the lists and keeps rates under */
			struct trace_result tr;
			trace_packet(ir, &p, &to, &tr);
			bool stateful = tr.assumed_recent || tr.assumed_rate;
			trace_result_release(&tr);
			if (stateful) {
				other_assumption++;
				continue;
			}
		}
		if (adjusted_one)
			adjusted++;
		if (!good) {
			printf("witness: %s: '%s' does not hit %s (chain %s) in fwc trace\n",
			       argv[1], w->packet, where, w->chain);
			continue;
		}
		ok++;
		fprintf(out, "# %s, chain %s\n%s\n", where, w->chain, w->packet);
	}
	fclose(out);
	printf("witness: %s: %zu rules reachable in the test network, %zu confirmed by "
	       "trace and written (%zu sent out of the interface a DNAT routes them to), "
	       "%zu not sendable", argv[1], res.nreach, ok, adjusted, rerouted);
	if (other_assumption)
		printf(", %zu not confirmed where the trace passed a rate or recent match "
		       "(they need other outcomes of those: not sent)", other_assumption);
	putchar('\n');
	bool bad = ok + rerouted + other_assumption != res.nreach;
	lint_result_release(&res);
	ir_free(ir);
	iset_release(&t.local4);
	iset_release(&t.local6);
	for (int i = 0; i < MAXIF; i++) {
		iset_release(&t.route4[i]);
		iset_release(&t.route6[i]);
	}
	diag_free_all();
	src_free_all();
	return bad ? 1 : 0;
}
