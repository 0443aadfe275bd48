/*
 * xdptest.c: fwc's XDP program against the placement and the simulator,
 * through BPF_PROG_TEST_RUN (root).
 *
 *   xdptest [-v] [-m N] [--ct any|policy] POLICY PACKETS [POLICY PACKETS ...]
 *
 * For each policy: the placement (analyzer/xdp.c), its map image written
 * and read back (the text must come out the same), the program loaded
 * once per device the policy names and once for a device it does not
 * name. Every packet of PACKETS (fwc trace syntax; an output packet gets
 * an input interface in turn) and N mutated copies (-m, default 1: other ports, flags,
 * icmp type, protocol; every twentieth a fragment) runs through the
 * program on each device. Checked, each a difference when it fails:
 *  - the program drops the packet exactly when the placement's own
 *    reading of its rules (xdp_plan_classify) says a drop rule takes it;
 *  - the program's hit counters per rule equal the counts the placement
 *    predicts;
 *  - every packet the program drops is dropped by `fwc trace` on the
 *    whole policy: as a new, invalid or untracked packet, on the input
 *    path and forwarded to each interface, with the stateful matches
 *    assumed to match and not to match, with marks 0-3; and as an
 *    established or related packet wherever it could be one: with
 *    --ct any always; with --ct policy (the default) when the policy
 *    accepts, as a new connection, the packet itself or its reverse (a
 *    reply), tried by brute force (every tcp flag value and icmp type when
 *    the policy tests them), and for related: every ICMP packet. Policies
 *    that translate source addresses (snat, masquerade) get the
 *    established check only with --ct any (their replies' addresses are
 *    not the reverse of anything the policy shows); they are counted.
 * Prints one line per policy and "xdptest: P policies, N packets, D
 * drops, M differences"; exit 1 on any difference.
 */
#include <getopt.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/fwc_xdp.h"
#include "backend.h"
#include "bpfload.h"
#include "diag.h"
#include "frontend.h"
#include "services.h"
#include "trace.h"
#include "xdp.h"
#include "xdpimg.h"

static bool verbose, ct_any;
static int mutations = 1;
static uint64_t rs = 88172645463325252ull;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

struct pol {
	const struct ir *ir;
	const char **ifs;          /* the interfaces tried as oif/iif */
	size_t nifs;
	bool flags, icmp, snat;    /* tests tcp flags / icmp types; translates sources */
};

static bool dropped_by(const struct pol *po, const struct packet *p)
{
	for (int a = 0; a < 2; a++) {
		struct trace_opts o = { 0 };
		o.rate = o.recent = o.nth = o.unknown = a ? ASSUME_NOMATCH : ASSUME_MATCH;
		struct trace_result tr;
		trace_packet(po->ir, p, &o, &tr);
		bool drop = !tr.error[0] && tr.verdict == ACT_DROP;
		if (!drop && verbose) {
			char b[256];
			packet_format(b, sizeof(b), p);
			fprintf(stderr, "  kept: %s (%s)\n", b, tr.error[0] ? tr.error :
				tr.verdict == ACT_ACCEPT ? "accept" : "reject");
		}
		trace_result_release(&tr);
		if (!drop)
			return false;
	}
	return true;
}

static bool accepted_new(const struct pol *po, const struct packet *p)
{
	struct trace_opts o = { 0 };   /* the stateful matches match: may */
	struct trace_result tr;
	trace_packet(po->ir, p, &o, &tr);
	bool acc = !tr.error[0] && tr.verdict == ACT_ACCEPT;
	trace_result_release(&tr);
	return acc;
}

/* p (new) accepted with some tcp flags / icmp type, as the policy tests */
static bool accepted_any_shape(const struct pol *po, struct packet q)
{
	if (q.proto == 6 && po->flags) {
		for (int f = 0; f < 256; f++) {
			q.tcpflags = (uint32_t)f;
			if (accepted_new(po, &q))
				return true;
		}
		return false;
	}
	if ((q.proto == 1 || q.proto == 58) && po->icmp) {
		for (int t = 0; t < 256; t++) {
			q.icmp_type = t;
			if (accepted_new(po, &q))
				return true;
		}
		return false;
	}
	if (q.proto == 6)
		q.tcpflags = TCPF_SYN;
	return accepted_new(po, &q);
}

/* Could p be a packet of an established connection this policy accepted? */
static bool est_possible(const struct pol *po, const struct packet *p)
{
	struct packet q = *p;
	q.state = CT_NEW;
	q.mark = q.ctmark = 0;
	/* the connection's own later packets: p itself accepted as new */
	for (size_t o = 0; o <= po->nifs; o++) {
		snprintf(q.oif, sizeof(q.oif), "%s", o ? po->ifs[o - 1] : "");
		if (accepted_any_shape(po, q))
			return true;
	}
	/* a reply: the reverse accepted as new, sent by this host or
	 * forwarded out of p's input interface */
	struct packet r = q;
	r.saddr = p->daddr;
	r.daddr = p->saddr;
	r.sport = p->dport;
	r.dport = p->sport;
	snprintf(r.oif, sizeof(r.oif), "%s", p->iif);
	for (size_t i = 0; i <= po->nifs; i++) {
		snprintf(r.iif, sizeof(r.iif), "%s", i ? po->ifs[i - 1] : "");
		if (accepted_any_shape(po, r))
			return true;
	}
	return false;
}

/* Every way the packet p (as XDP saw it on p->iif) can meet the policy:
 * dropped in each? */
static bool trace_drops(const struct pol *po, const struct packet *p, size_t *skipped)
{
	static const uint32_t states[] = { CT_NEW, CT_INVALID, CT_UNTRACKED, CT_ESTABLISHED,
					   CT_RELATED };
	bool icmp = p->proto == 1 || p->proto == 58;
	int est = -1;
	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		if (states[s] == CT_ESTABLISHED && !ct_any) {
			if (po->snat) {
				(*skipped)++;
				continue;
			}
			if (est < 0)
				est = est_possible(po, p);
			if (!est)
				continue;
		}
		if (states[s] == CT_RELATED && !ct_any && !icmp)
			continue;
		for (size_t o = 0; o <= po->nifs; o++)
			for (uint32_t mark = 0; mark < 4; mark++) {
				struct packet q = *p;
				q.state = states[s];
				q.mark = mark;
				snprintf(q.oif, sizeof(q.oif), "%s", o ? po->ifs[o - 1] : "");
				if (!dropped_by(po, &q))
					return false;
			}
	}
	return true;
}

static const int protos[] = { 6, 17, 6, 17, 1, 58, 47, 132, 33, 136 };

static struct packet mutate(const struct packet *p)
{
	struct packet q = *p;
	unsigned k = (unsigned)(rnd() % 6);
	if (k == 0) {
		q.proto = protos[rnd() % (sizeof(protos) / sizeof(protos[0]))];
		if (q.proto == 1 || q.proto == 58)
			q.proto = q.family == 4 ? 1 : 58;
	}
	if (k <= 1)
		q.sport = (int)(rnd() % 65536);
	if (k == 2 || k == 1)
		q.dport = (int)(rnd() % 65536);
	if (k == 3)
		q.tcpflags = (uint32_t)(rnd() % 256);
	if (k == 4)
		q.icmp_type = (int)(rnd() % 256);
	if (k == 5) {
		int t = p->sport;
		q.sport = p->dport;
		q.dport = t;
	}
	if (!proto_has_ports(q.proto))
		q.sport = q.dport = -1;
	if (q.proto != 6)
		q.tcpflags = 0;
	if (q.proto != 1 && q.proto != 58)
		q.icmp_type = -1;
	else if (q.icmp_type < 0)
		q.icmp_type = (int)(rnd() % 256);
	q.fragment = q.family == 4 && rnd() % 20 == 0;
	return q;
}

static bool has_match(const struct ir *ir, enum ir_mkind k)
{
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++)
			for (size_t m = 0; m < ir->chains[i]->rules[j]->nm; m++)
				if (ir->chains[i]->rules[j]->m[m].kind == k)
					return true;
	return false;
}

static size_t check_one(const char *policy, const char *packets, size_t *npk, size_t *ndrop,
			size_t *nskip)
{
	struct fwc_opts fo = { 0 };
	fo.datadir = getenv("FWC_DATADIR") ? getenv("FWC_DATADIR") : "data";
	struct ir *ir = frontend_compile(policy, &fo, DUMP_NONE, NULL);
	if (!ir) {
		diag_print(stderr, false);
		fprintf(stderr, "xdptest: %s does not compile\n", policy);
		return 1;
	}
	struct packet *pk = NULL;
	size_t n = 0;
	char perr[256];
	if (packet_file_read(packets, &pk, &n, perr, sizeof(perr)) < 0) {
		fprintf(stderr, "xdptest: %s\n", perr);
		ir_free(ir);
		return 1;
	}
	struct xdp_opts xo = bpf_default_opts;
	xo.ct_any = ct_any;
	struct xdp_plan pl;
	char err[600];
	if (xdp_plan_build(ir, &xo, &pl, err, sizeof(err)) < 0) {
		fprintf(stderr, "xdptest: %s: %s\n", policy, err);
		ir_free(ir);
		free(pk);
		return 1;
	}
	size_t diff = 0;
	struct xdp_image img, back;
	if (ximg_build(&pl, policy, &img, err, sizeof(err)) < 0) {
		fprintf(stderr, "xdptest: %s: %s\n", policy, err);
		diff++;
		goto done_plan;
	}
	/* the image as text, read back, as text again: the same */
	char *t1 = NULL, *t2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *m1 = open_memstream(&t1, &l1);
	ximg_write(m1, &img);
	fclose(m1);
	FILE *in = fmemopen(t1, l1, "r");
	if (ximg_read(in, "image", &back, err, sizeof(err)) < 0) {
		fprintf(stderr, "xdptest: %s: the image does not read back: %s\n", policy, err);
		diff++;
		fclose(in);
		free(t1);
		ximg_release(&img);
		goto done_plan;
	}
	fclose(in);
	FILE *m2 = open_memstream(&t2, &l2);
	ximg_write(m2, &back);
	fclose(m2);
	if (l1 != l2 || memcmp(t1, t2, l1)) {
		fprintf(stderr, "xdptest: %s: the image read back differs\n", policy);
		diff++;
	}
	free(t1);
	free(t2);
	ximg_release(&img);

	struct pol po = { ir, NULL, 0, has_match(ir, M_TCPFLAGS), has_match(ir, M_ICMP_TYPE), false };
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++) {
			enum act_kind k = ir->chains[i]->rules[j]->act.kind;
			po.snat |= k == ACT_SNAT || k == ACT_MASQUERADE;
		}
	/* the devices: every name the plan knows but lo, and one it does not */
	const char **devs = xcalloc(pl.nif + 2, sizeof(char *));
	size_t ndev = 0;
	for (size_t i = 1; i <= pl.nif; i++)
		if (strcmp(pl.ifname[i], "lo"))
			devs[ndev++] = pl.ifname[i];
	devs[ndev++] = "xdpother9";
	po.ifs = devs;
	po.nifs = ndev;
	size_t drops = 0, runs = 0;
	for (size_t d = 0; d < ndev; d++) {
		struct xprog *x = xprog_load(&back, ximg_if_index(&back, devs[d]), err, sizeof(err));
		if (!x) {
			fprintf(stderr, "xdptest: %s: %s\n", policy, err);
			diff++;
			break;
		}
		uint64_t *want = xcalloc(FWC_HIT_SLOTS, 8), *got = xcalloc(FWC_HIT_SLOTS, 8);
		for (size_t i = 0; i < (size_t)(mutations + 1) * n; i++) {
			struct packet p = i < n ? pk[i] : mutate(&pk[i % n]);
			snprintf(p.iif, sizeof(p.iif), "%s", devs[d]);
			p.oif[0] = '\0';
			p.uid = -1;
			uint8_t fr[128];
			size_t len = xdp_frame(&p, fr, sizeof(fr));
			int ret = -1;
			if (xprog_run(x, fr, len, 1, &ret, NULL) < 0) {
				fprintf(stderr, "xdptest: %s: test run failed\n", policy);
				diff++;
				break;
			}
			runs++;
			long b = xdp_plan_classify(&pl, &p);
			bool want_drop = b >= 0 && pl.box[b].act == XA_DROP;
			want[b >= 0 ? (size_t)b : p.fragment ? FWC_HIT_UNPARSED : FWC_HIT_NOMATCH]++;
			char txt[256];
			packet_format(txt, sizeof(txt), &p);
			if ((ret == XDP_DROP) != want_drop || (ret != XDP_DROP && ret != XDP_PASS)) {
				fprintf(stderr, "xdptest: %s: %s: XDP returned %d, the placement says %s (rule %ld)\n",
					policy, txt, ret, want_drop ? "drop" : "pass", b);
				diff++;
				continue;
			}
			if (ret == XDP_DROP) {
				drops++;
				if (!trace_drops(&po, &p, nskip)) {
					fprintf(stderr, "xdptest: %s: %s: XDP drops it (rule %ld, %s) but the "
						"policy may keep it\n", policy, txt, b,
						pl.item[pl.box[b].item].why);
					diff++;
				}
			}
		}
		if (xprog_hits(x, got) < 0) {
			fprintf(stderr, "xdptest: %s: cannot read the counters\n", policy);
			diff++;
		} else {
			for (size_t k = 0; k < FWC_HIT_SLOTS; k++)
				if (want[k] != got[k]) {
					fprintf(stderr, "xdptest: %s on %s: slot %zu counted %llu, expected %llu\n",
						policy, devs[d], k, (unsigned long long)got[k],
						(unsigned long long)want[k]);
					diff++;
					break;
				}
		}
		free(want);
		free(got);
		xprog_close(x);
	}
	size_t inx = 0;
	for (size_t i = 0; i < pl.nitem; i++)
		inx += pl.item[i].where == XW_XDP;
	printf("%s: %zu XDP rules (%zu decisions in XDP), %zu runs, %zu drops, %zu differences\n",
	       policy, pl.nbox, inx, runs, drops, diff);
	*npk += runs;
	*ndrop += drops;
	free(devs);
	ximg_release(&back);
done_plan:
	xdp_plan_release(&pl);
	free(pk);
	ir_free(ir);
	return diff;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ct", required_argument, NULL, 'c' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "vm:", lo, NULL)) != -1) {
		if (c == 'v')
			verbose = true;
		else if (c == 'm')
			mutations = atoi(optarg);
		else if (c == 'c')
			ct_any = !strcmp(optarg, "any");
		else
			return 2;
	}
	if (getuid() != 0) {
		printf("xdptest: SKIP: BPF_PROG_TEST_RUN needs root\n");
		return 0;
	}
	if (argc - optind < 2 || (argc - optind) % 2) {
		fprintf(stderr, "usage: xdptest [-v] [-m N] [--ct any|policy] POLICY PACKETS ...\n");
		return 2;
	}
	size_t np = 0, npk = 0, nd = 0, diff = 0, nskip = 0;
	for (int i = optind; i + 1 < argc; i += 2) {
		diff += check_one(argv[i], argv[i + 1], &npk, &nd, &nskip);
		np++;
	}
	printf("xdptest: %zu policies, %zu packets, %zu drops, %zu differences "
	       "(%zu established checks skipped: source nat)\n", np, npk, nd, diff, nskip);
	return diff ? 1 : 0;
}
