/*
 * exact.c: the analyzer against brute force, on a small packet universe.
 *
 *   exact [-v] POLICY PACKETS [POLICY PACKETS ...]
 *
 * For each policy: the universe is the packets of PACKETS (one a line,
 * fwc trace syntax), each also as an established packet and with mark 1.
 * The analyzer runs restricted to that universe; every packet is traced
 * one by one (trace.c). They must agree on:
 *  - which IR rules some packet reaches and matches (every rule);
 *  - the "never matches" findings (shadowed, redundant by earlier rules,
 *    empty-match, nat-bypass on a rule the filter never sees): a finding
 *    exactly where no packet hits any part of the rule, among the rules
 *    of chains that some packet enters;
 *  - every witness (--witness) traced hits the rule it names.
 * Prints one line per policy and "exact: N policies, M packets, D
 * differences"; exit 1 on any difference.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "frontend.h"
#include "lint.h"
#include "trace.h"

static bool verbose;

static int read_packets(const char *path, struct packet **out, size_t *n)
{
	struct packet *pk;
	size_t np, cap = 0;
	char err[256];
	if (packet_file_read(path, &pk, &np, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* each packet, established, and marked */
	for (size_t i = 0; i < np; i++)
		for (int v = 0; v < 3; v++) {
			struct packet q = pk[i];
			if (v == 1) {
				q.state = CT_ESTABLISHED;
				if (q.proto == 6)
					q.tcpflags = TCPF_ACK;
			} else if (v == 2) {
				q.mark = 1;
			}
			VEC_PUSH(*out, *n, cap);
			(*out)[(*n)++] = q;
		}
	free(pk);
	return 0;
}

static bool same_loc(const struct loc *a, const struct loc *b)
{
	return a->file == b->file && a->line == b->line && a->col == b->col;
}

static size_t check_one(const char *policy, const char *packets, size_t *npk)
{
	struct fwc_opts fo = { 0 };
	fo.datadir = getenv("FWC_DATADIR") ? getenv("FWC_DATADIR") : "data";
	struct ir *ir = frontend_compile(policy, &fo, DUMP_NONE, NULL);
	if (!ir) {
		diag_print(stderr, false);
		fprintf(stderr, "exact: %s does not compile\n", policy);
		return 1;
	}
	struct packet *pk = NULL;
	size_t n = 0;
	if (read_packets(packets, &pk, &n) < 0) {
		ir_free(ir);
		return 1;
	}
	*npk = n;
	struct lint_opts lo;
	lint_opts_default(&lo);
	lo.witness = true;
	/* checks of whole paths, not of rules: not what this test compares */
	lo.enabled[CHK_LOCKOUT] = false;
	lo.enabled[CHK_UNUSED] = false;
	lo.enabled[CHK_UNREACHABLE_CHAIN] = false;
	lo.universe = pk;
	lo.nuniverse = n;
	struct lint_result res = { 0 };
	analyze(ir, &lo, &res);

	/* brute force */
	bool *hit = xcalloc(ir->nrules + 1, sizeof(bool));
	bool *entered = xcalloc(ir->nchains + 1, sizeof(bool));
	struct trace_opts to = { 0 };
	to.rate = ASSUME_MATCH;
	to.recent = ASSUME_NOMATCH;
	to.nth = ASSUME_NOMATCH;
	to.unknown = ASSUME_MATCH;
	for (size_t i = 0; i < n; i++) {
		struct trace_result tr;
		trace_packet(ir, &pk[i], &to, &tr);
		for (size_t k = 0; k < tr.n; k++) {
			const struct trace_step *st = &tr.steps[k];
			for (size_t c = 0; c < ir->nchains; c++)
				if (ir->chains[c] == st->chain)
					entered[c] = true;
			if (!st->rule)
				continue;
			hit[st->rule->id] = true;
			const struct ir_chain *t = st->rule->act.target;
			if (t)
				for (size_t c = 0; c < ir->nchains; c++)
					if (ir->chains[c] == t)
						entered[c] = true;
		}
		trace_result_release(&tr);
	}
	size_t diff = 0;
	for (size_t c = 0; c < ir->nchains; c++)
		for (size_t j = 0; j < ir->chains[c]->n; j++) {
			const struct ir_rule *r = ir->chains[c]->rules[j];
			if (hit[r->id] != res.rule_hit[r->id]) {
				char w[128];
				loc_short(&r->loc, w, sizeof(w));
				printf("%s: rule #%zu (%s, chain %s): brute force %s, analyzer %s\n",
				       policy, r->id, r->origin ? r->origin : w,
				       ir->chains[c]->name, hit[r->id] ? "hit" : "never hit",
				       res.rule_hit[r->id] ? "hit" : "never hit");
				diff++;
			}
		}
	/* never-matches findings <=> no part of the rule is hit */
	for (size_t c = 0; c < ir->nchains; c++)
		for (size_t j = 0; j < ir->chains[c]->n; j++) {
			const struct ir_rule *r = ir->chains[c]->rules[j];
			if (r->origin || !r->loc.file)
				continue;
			bool any_hit = false, any_entered = false, first = true;
			for (size_t c2 = 0; c2 < ir->nchains; c2++)
				for (size_t j2 = 0; j2 < ir->chains[c2]->n; j2++) {
					const struct ir_rule *o = ir->chains[c2]->rules[j2];
					if (!same_loc(&o->loc, &r->loc) || o->origin)
						continue;
					if (o->id < r->id)
						first = false;
					any_hit |= hit[o->id];
					any_entered |= entered[c2];
				}
			if (!first)
				continue;   /* one verdict per rule as written */
			bool found = false;
			for (size_t i = 0; i < res.n; i++)
				if (res.f[i].dead && same_loc(&res.f[i].loc, &r->loc))
					found = true;
			bool want = !any_hit && any_entered;
			if (found && any_hit) {
				printf("%s:%u: reported as never matching, but a packet hits it\n",
				       policy, r->loc.line);
				diff++;
			} else if (want && !found) {
				printf("%s:%u: no packet hits it, but no finding says so\n",
				       policy, r->loc.line);
				diff++;
			}
		}
	/* witnesses */
	for (size_t i = 0; i < res.nreach; i++) {
		const struct lint_witness *w = &res.reach[i];
		struct packet p;
		char err[160];
		size_t eo, el;
		if (packet_parse(w->packet, &p, err, sizeof(err), &eo, &el) < 0) {
			printf("%s: witness '%s' does not parse: %s\n", policy, w->packet, err);
			diff++;
			continue;
		}
		struct trace_result tr;
		trace_packet(ir, &p, &to, &tr);
		bool ok = false;
		for (size_t k = 0; k < tr.n; k++)
			if (tr.steps[k].rule && same_loc(&tr.steps[k].rule->loc, &w->rule) &&
			    !strcmp(tr.steps[k].chain->name, w->chain))
				ok = true;
		trace_result_release(&tr);
		if (!ok) {
			printf("%s:%u: witness '%s' (chain %s) does not hit the rule\n",
			       policy, w->rule.line, w->packet, w->chain);
			diff++;
		}
	}
	if (verbose || diff)
		printf("%s: %zu rules, %zu packets, %zu reachable, %zu findings, %zu differences\n",
		       policy, ir->nrules, n, res.nreach, res.n, diff);
	free(hit);
	free(entered);
	free(pk);
	lint_result_release(&res);
	ir_free(ir);
	diag_free_all();
	return diff;
}

int main(int argc, char **argv)
{
	int i = 1;
	if (i < argc && !strcmp(argv[i], "-v")) {
		verbose = true;
		i++;
	}
	if ((argc - i) < 2 || (argc - i) % 2) {
		fputs("usage: exact [-v] POLICY PACKETS [POLICY PACKETS ...]\n", stderr);
		return 2;
	}
	size_t pol = 0, pkts = 0, diff = 0;
	for (; i + 1 < argc; i += 2) {
		size_t n = 0;
		diff += check_one(argv[i], argv[i + 1], &n);
		pol++;
		pkts += n;
	}
	printf("exact: %zu policies, %zu packets, %zu differences\n", pol, pkts, diff);
	src_free_all();
	return diff ? 1 : 0;
}
