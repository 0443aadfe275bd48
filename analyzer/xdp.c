/*
 * xdp.c: the XDP placement (see xdp.h): which drops of a policy fwc's XDP
 * program may make, proved on the packet space.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "services.h"
#include "space.h"
#include "xdp.h"

static const enum fld xfld[XF_MAX] = {
	[XF_IIF] = F_IIF, [XF_PROTO] = F_PROTO, [XF_TCPFLAGS] = F_TCPFLAGS,
	[XF_ICMP] = F_ICMP, [XF_SADDR] = F_SADDR, [XF_DADDR] = F_DADDR,
	[XF_SPORT] = F_SPORT, [XF_DPORT] = F_DPORT,
};

struct pctx {
	const struct ir *ir;
	const struct xdp_opts *lim;
	struct xdp_plan *pl;
	char *err;
	size_t errlen;
	int rc;
	struct space *s;
	const struct ingress *ig;  /* what the policy may keep (orig terms) */
	BDD nonxdp;                /* variable set: what XDP cannot see */
	BDD domx;                  /* the packets XDP classifies */
	BDD D;                     /* of those, what the policy always drops */
	enum xfield order[XF_MAX]; /* box fields in variable order */
	const char *states;        /* "in every conntrack state ..." */
};

/* ---- boxes out of a BDD over the visible fields ---- */

struct front {
	BDD node;
	struct iset set;
};

struct dec {
	struct pctx *c;
	int fam;
	enum xdp_act act;
	size_t item;
	size_t budget;             /* boxes at most */
	size_t made;
	long work;                 /* recursion steps left */
	bool over;
	struct iset cur[XF_MAX];
};

static void front_add(struct front **fr, size_t *n, size_t *cap, BDD node,
		      u128 lo, u128 hi, int setbits)
{
	for (size_t i = 0; i < *n; i++)
		if ((*fr)[i].node == node) {
			iset_add_range(&(*fr)[i].set, lo, hi);
			return;
		}
	VEC_PUSH(*fr, *n, *cap);
	(*fr)[*n].node = node;
	iset_init(&(*fr)[*n].set, setbits);
	iset_add_range(&(*fr)[*n].set, lo, hi);
	(*n)++;
}

/* The values of bits i.. of a field (bits wide, MSB first) along every
 * path from n, grouped by the node each path reaches below the field. */
static bool vals(struct dec *d, struct front **fr, size_t *n, size_t *cap, BDD x,
		 const struct field *fl, int bits, int setbits, int i, u128 prefix)
{
	if (x == bddfalse)
		return true;
	if (--d->work < 0 || *n > 4096)
		return false;
	int last = fl->cur + (bits - 1) * fl->stride;
	int lvl = (x == bddtrue) ? INT_MAX : bdd_var(x);
	if (i == bits || lvl > last) {
		int rem = bits - i;
		u128 lo = rem >= 128 ? 0 : prefix << rem;
		u128 hi = lo | (rem >= 128 ? ~(u128)0 : (((u128)1 << rem) - 1));
		front_add(fr, n, cap, x, lo, hi, setbits);
		return true;
	}
	int v = fl->cur + i * fl->stride;
	if (lvl < v)
		BUG("xdp: variable %d above field bit %d", lvl, v);
	if (lvl == v)
		return vals(d, fr, n, cap, bdd_low(x), fl, bits, setbits, i + 1, prefix << 1) &&
		       vals(d, fr, n, cap, bdd_high(x), fl, bits, setbits, i + 1,
			    (prefix << 1) | 1);
	return vals(d, fr, n, cap, x, fl, bits, setbits, i + 1, prefix << 1) &&
	       vals(d, fr, n, cap, x, fl, bits, setbits, i + 1, (prefix << 1) | 1);
}

static int addr_bits(enum fld f, int fam)
{
	return (f == F_SADDR || f == F_DADDR) ? (fam == 4 ? 32 : 128) : 0;
}

static void emit_box(struct dec *d)
{
	struct xdp_plan *pl = d->c->pl;
	VEC_PUSH(pl->box, pl->nbox, pl->capbox);
	struct xdp_box *b = &pl->box[pl->nbox++];
	memset(b, 0, sizeof(*b));
	b->family = d->fam;
	b->act = d->act;
	b->item = d->item;
	for (int k = 0; k < XF_MAX; k++) {
		iset_init(&b->f[k], d->cur[k].bits);
		iset_copy(&b->f[k], &d->cur[k]);
	}
}

static void dec_rec(struct dec *d, BDD x, int k)
{
	if (d->over || x == bddfalse)
		return;
	if (k == XF_MAX) {
		if (d->made++ >= d->budget) {
			d->over = true;
			return;
		}
		emit_box(d);
		return;
	}
	enum xfield xf = d->c->order[k];
	enum fld f = xfld[xf];
	const struct field *fl = &d->c->s->f[f];
	int ab = addr_bits(f, d->fam);
	int bits = ab ? ab : fl->bits;
	int setbits = ab ? ab : 16;
	struct front *fr = NULL;
	size_t n = 0, cap = 0;
	if (!vals(d, &fr, &n, &cap, x, fl, bits, setbits, 0, 0))
		d->over = true;
	for (size_t i = 0; i < n; i++) {
		iset_normalize(&fr[i].set);
		if (!d->over) {
			iset_copy(&d->cur[xf], &fr[i].set);
			dec_rec(d, fr[i].node, k + 1);
		}
		iset_release(&fr[i].set);
	}
	free(fr);
}

/* x as boxes appended to the plan; false (and nothing appended) when it
 * takes more than budget of them. */
static bool decompose(struct pctx *c, BDD x, enum xdp_act act, size_t item,
		      size_t budget, size_t *made)
{
	size_t nbox0 = c->pl->nbox;
	struct dec d = { .c = c, .act = act, .item = item, .budget = budget,
			 .work = 1L << 22 };
	for (int fam = 4; fam <= 6 && !d.over; fam += 2) {
		BDD fb = fam_is(c->s, fam);
		BDD y = bref(bdd_restrict(x, fb));
		bdd_delref(fb);
		if (fam == 4) {
			/* IPv4 uses the top 32 bits of the address fields */
			int *vs = xcalloc(2 * 96, sizeof(int));
			int nv = 0;
			for (int f = F_SADDR; f <= F_DADDR; f++)
				for (int i = 32; i < 128; i++)
					vs[nv++] = c->s->f[f].cur + i * c->s->f[f].stride;
			BDD set = bref(bdd_makeset(vs, nv));
			free(vs);
			BDD z = bref(bdd_exist(y, set));
			bdd_delref(set);
			bdd_delref(y);
			y = z;
		}
		d.fam = fam;
		for (int k = 0; k < XF_MAX; k++)
			iset_init(&d.cur[k], k == XF_SADDR || k == XF_DADDR ?
				  (fam == 4 ? 32 : 128) : 16);
		dec_rec(&d, y, 0);
		for (int k = 0; k < XF_MAX; k++)
			iset_release(&d.cur[k]);
		bdd_delref(y);
	}
	if (d.over) {
		for (size_t i = nbox0; i < c->pl->nbox; i++)
			for (int k = 0; k < XF_MAX; k++)
				iset_release(&c->pl->box[i].f[k]);
		c->pl->nbox = nbox0;
		return false;
	}
	*made = d.made;
	return true;
}

/* ---- the program's reading of a box, as a BDD ---- */

static BDD or_protos(struct space *s, bool (*pred)(int))
{
	struct iset v;
	iset_init(&v, 16);
	for (int p = 0; p < 256; p++)
		if (pred(p))
			iset_add_value(&v, p);
	iset_normalize(&v);
	BDD r = space_set(s, F_PROTO, &v);
	iset_release(&v);
	return r;
}

static bool is_tcp(int p) { return p == 6; }
static bool is_icmp4(int p) { return p == 1; }
static bool is_icmp6(int p) { return p == 58; }

/* The packets the program takes the box to match: a field the packet
 * has no such thing as (ports of icmp) is not looked at. */
static BDD box_bdd(struct pctx *c, const struct xdp_box *b)
{
	struct space *s = c->s;
	BDD x = fam_is(s, b->family);
	BDD t;
	t = space_set(s, F_IIF, &b->f[XF_IIF]); band(&x, t); bdd_delref(t);
	t = space_set(s, F_PROTO, &b->f[XF_PROTO]); band(&x, t); bdd_delref(t);
	t = space_set(s, F_SADDR, &b->f[XF_SADDR]); band(&x, t); bdd_delref(t);
	t = space_set(s, F_DADDR, &b->f[XF_DADDR]); band(&x, t); bdd_delref(t);
	BDD tcp = or_protos(s, is_tcp);
	BDD fl = space_set(s, F_TCPFLAGS, &b->f[XF_TCPFLAGS]);
	t = bref(bdd_imp(tcp, fl)); band(&x, t); bdd_delref(t);
	bdd_delref(tcp);
	bdd_delref(fl);
	BDD ic = or_protos(s, b->family == 4 ? is_icmp4 : is_icmp6);
	BDD ty = space_set(s, F_ICMP, &b->f[XF_ICMP]);
	t = bref(bdd_imp(ic, ty)); band(&x, t); bdd_delref(t);
	bdd_delref(ic);
	bdd_delref(ty);
	BDD pp = or_protos(s, proto_has_ports);
	BDD ports = space_set(s, F_SPORT, &b->f[XF_SPORT]);
	t = space_set(s, F_DPORT, &b->f[XF_DPORT]); band(&ports, t); bdd_delref(t);
	t = bref(bdd_imp(pp, ports)); band(&x, t); bdd_delref(t);
	bdd_delref(pp);
	bdd_delref(ports);
	return x;
}

/* ---- explanations ---- */

static void rule_text(char *buf, size_t n, const struct ir_rule *r, const struct ir_chain *c)
{
	if (!r && !c)
		snprintf(buf, n, "the hook's default (no chain)");
	else if (!r)
		snprintf(buf, n, "the %s %s policy", table_name(c->table), c->name);
	else if (r->origin || !r->loc.file)
		snprintf(buf, n, "%s", r->origin ? r->origin : "a generated rule");
	else
		loc_short(&r->loc, buf, n);
}

/* "e.g. <packet> is accepted by file:line" for some packet of x (visible
 * fields, cur variables) that the policy may keep. */
static void example(struct pctx *c, BDD x, char *buf, size_t n)
{
	BDD x0 = bref(bdd_replace(x, c->s->cur2orig));
	band(&x0, c->ig->kept);
	/* a packet in a state any packet can be in first */
	BDD o = bref(bdd_and(x0, c->ig->free));
	for (size_t i = 0; i < c->ig->nest && o == bddfalse; i++) {
		bdd_delref(o);
		o = bref(bdd_and(x0, c->ig->est[i]));
	}
	if (o == bddfalse) {
		bdd_delref(o);
		o = bref(bdd_and(x0, c->ig->rel));
	}
	bdd_delref(x0);
	if (o == bddfalse) {
		bdd_delref(o);
		snprintf(buf, n, "(no example)");
		return;
	}
	struct packet p;
	space_pick(c->s, o, &p);
	bdd_delref(o);
	struct trace_opts to = { 0 };
	struct trace_result res;
	trace_packet(c->ir, &p, &to, &res);
	char pk[256], who[200];
	packet_format(pk, sizeof(pk), &p);
	if (res.error[0]) {
		snprintf(buf, n, "e.g. %s", pk);
	} else {
		/* an accept is the last table's: its last step */
		const struct ir_rule *vr = res.verdict_rule;
		const struct ir_chain *vc = res.verdict_chain;
		if (res.verdict == ACT_ACCEPT && res.n) {
			/* the filter table's decision, else the last step's */
			size_t k = res.n - 1;
			for (size_t i = 0; i < res.n; i++)
				if (res.steps[i].table == TBL_FILTER)
					k = i;
			vr = res.steps[k].rule;
			vc = res.steps[k].chain;
		}
		rule_text(who, sizeof(who), vr, vc);
		snprintf(buf, n, "e.g. %s is %s by %s", pk,
			 res.verdict == ACT_ACCEPT ? "accepted" :
			 res.verdict == ACT_REJECT ? "rejected" : "dropped", who);
	}
	trace_result_release(&res);
}

/* ---- the placement ---- */

static struct xdp_item *new_item(struct xdp_plan *pl, const struct ir_rule *r,
				 const struct ir_chain *ch)
{
	VEC_PUSH(pl->item, pl->nitem, pl->capitem);
	struct xdp_item *it = &pl->item[pl->nitem++];
	memset(it, 0, sizeof(*it));
	it->rule = r;
	it->chain = ch;
	it->where = XW_NFT;
	return it;
}

/* chains an incoming packet can run: prerouting, input, forward and what
 * they jump to */
static bool *ingress_chains(const struct ir *ir)
{
	bool *on = xcalloc(ir->nchains + 1, sizeof(bool));
	for (size_t i = 0; i < ir->nchains; i++) {
		enum fwc_hook h = ir->chains[i]->hook;
		on[i] = h == HOOK_PREROUTING || h == HOOK_INPUT || h == HOOK_FORWARD;
	}
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < ir->nchains; i++) {
			if (!on[i])
				continue;
			const struct ir_chain *c = ir->chains[i];
			for (size_t j = 0; j < c->n; j++) {
				const struct ir_chain *t = c->rules[j]->act.target;
				if (!t)
					continue;
				for (size_t k = 0; k < ir->nchains; k++)
					if (ir->chains[k] == t && !on[k])
						on[k] = more = true;
			}
		}
	}
	return on;
}

/* A match XDP cannot evaluate: what it tests, or NULL. */
static const char *hidden_match(const struct ir_rule *r)
{
	for (size_t i = 0; i < r->nm; i++)
		switch (r->m[i].kind) {
		case M_CTSTATE: return "the conntrack state";
		case M_MARK: return "the packet mark";
		case M_CONNMARK: return "the connection mark";
		case M_UID: return "the sending user";
		case M_OIF: return "the output interface";
		case M_FRAGMENT: return "fragments (which XDP passes)";
		case M_LIMIT: return "a rate";
		case M_CONNLIMIT: return "a connection count";
		case M_RECENT: return "a recent list";
		case M_NTH: return "a packet count";
		case M_UNKNOWN: return "a match fwc does not model";
		default: break;
		}
	return NULL;
}

static BDD exist_nonxdp(struct pctx *c, BDD x)
{
	return bref(bdd_exist(x, c->nonxdp));
}

/* kept (orig terms) as visible packets (cur terms) within d0 */
static BDD visible(struct pctx *c, BDD kept, BDD d0)
{
	BDD kc = bref(bdd_replace(kept, c->s->orig2cur));
	band(&kc, d0);
	BDD kx = exist_nonxdp(c, kc);
	bdd_delref(kc);
	return kx;
}

/* kx (visible, cur) |= what of rest ∧ part (orig) it does not hold yet */
static void add_kept(struct pctx *c, BDD *kx, BDD rest, BDD part, BDD d0)
{
	BDD lift = bref(bdd_replace(*kx, c->s->cur2orig));
	BDD k = bref(bdd_apply(rest, lift, bddop_diff));
	bdd_delref(lift);
	band(&k, part);
	if (k != bddfalse) {
		BDD v = visible(c, k, d0);
		bor(kx, v);
		bdd_delref(v);
	}
	bdd_delref(k);
}

static int place(struct space *s, const struct ingress *ig, void *ctx)
{
	struct pctx *c = ctx;
	struct xdp_plan *pl = c->pl;
	const BDD *hit = ig->hit;
	c->s = s;
	c->ig = ig;

	/* the box fields in variable order */
	for (int k = 0; k < XF_MAX; k++)
		c->order[k] = (enum xfield)k;
	for (int i = 1; i < XF_MAX; i++)
		for (int j = i; j > 0 && s->f[xfld[c->order[j]]].cur <
					 s->f[xfld[c->order[j - 1]]].cur; j--) {
			enum xfield t = c->order[j];
			c->order[j] = c->order[j - 1];
			c->order[j - 1] = t;
		}
	/* what XDP cannot see, and the orig copies */
	int *vs = xcalloc(s->nvars, sizeof(int));
	int nv = 0;
	static const enum fld hidden[] = { F_OIF, F_UID, F_STATE, F_FRAG, F_MARK, F_CTMARK };
	for (size_t k = 0; k < sizeof(hidden) / sizeof(hidden[0]); k++) {
		const struct field *f = &s->f[hidden[k]];
		for (int i = 0; i < f->bits; i++) {
			vs[nv++] = f->cur + i * f->stride;
			if (f->orig >= 0)
				vs[nv++] = f->orig + i * f->stride;
		}
	}
	for (int k = 0; k < XF_MAX; k++) {
		const struct field *f = &s->f[xfld[k]];
		if (f->orig >= 0)
			for (int i = 0; i < f->bits; i++)
				vs[nv++] = f->orig + i * f->stride;
	}
	c->nonxdp = bref(bdd_makeset(vs, nv));
	free(vs);

	/* the packets XDP classifies: an input interface, no fragment, the
	 * dump's family */
	BDD frag0 = bref(bdd_nithvar(s->f[F_FRAG].cur));
	BDD noif = fld_eq(s, F_IIF, 0, false);
	BDD d0 = bref(bdd_and(s->dom, frag0));
	bdiff(&d0, noif);
	bdd_delref(noif);
	if (c->ir->family) {
		BDD fb = fam_is(s, c->ir->family);
		band(&d0, fb);
		bdd_delref(fb);
	}
	c->domx = exist_nonxdp(c, d0);
	/* the visible packets the policy may keep: in a state any packet
	 * can be in, then where one can be established or related */
	BDD kf = bref(bdd_and(ig->kept, ig->free));
	BDD kx = visible(c, kf, d0);
	bdd_delref(kf);
	/* what is kept only in those states, if anything: usually little
	 * (the parts themselves can be large together: see ingress) */
	BDD lift = bref(bdd_replace(kx, s->cur2orig));
	BDD only = bref(bdd_apply(ig->kept, lift, bddop_diff));
	bdd_delref(lift);
	if (only != bddfalse) {
		for (size_t i = 0; i < ig->nest; i++)
			add_kept(c, &kx, only, ig->est[i], d0);
		add_kept(c, &kx, only, ig->rel, d0);
	}
	bdd_delref(only);
	bdd_delref(d0);
	c->D = bref(bdd_apply(c->domx, kx, bddop_diff));
	bdd_delref(kx);

	BDD covered = bref(bddfalse), X = bref(bddfalse);
	size_t max_rules = c->lim->max_rules;
	bool *on = ingress_chains(c->ir);
	for (size_t ci = 0; ci < c->ir->nchains && !c->rc; ci++) {
		const struct ir_chain *ch = c->ir->chains[ci];
		if (!on[ci])
			continue;
		for (size_t j = 0; j < ch->n && !c->rc; j++) {
			const struct ir_rule *r = ch->rules[j];
			if (r->act.kind != ACT_DROP || ir_rule_never(r))
				continue;
			pl->ninput++;
			size_t itx = pl->nitem;
			struct xdp_item *it = new_item(pl, r, ch);
			const char *hid = hidden_match(r);
			if (hid) {
				snprintf(it->why, sizeof(it->why),
					 "it tests %s, which XDP cannot see", hid);
				continue;
			}
			/* what it drops (the packets it is first to match, with
			 * the context of the jumps to its chain), as they came in */
			BDD ho = space_orig(s, hit[r->id]);
			BDD hc = bref(bdd_replace(ho, s->orig2cur));
			bdd_delref(ho);
			BDD cx = exist_nonxdp(c, hc);
			bdd_delref(hc);
			band(&cx, c->domx);
			BDD newc = bref(bdd_apply(cx, covered, bddop_diff));
			BDD bad = bref(bdd_apply(newc, c->D, bddop_diff));
			BDD good = bref(bdd_and(newc, c->D));
			char ex[512];
			if (hit[r->id] == bddfalse) {
				snprintf(it->why, sizeof(it->why),
					 "no packet reaches it (earlier rules decide them all)");
			} else if (cx == bddfalse) {
				snprintf(it->why, sizeof(it->why),
					 "it drops only what XDP does not classify (fragments, "
					 "or no input interface)");
			} else if (newc == bddfalse) {
				snprintf(it->why, sizeof(it->why),
					 "the XDP rules before it take every packet it matches");
			} else if (good == bddfalse) {
				example(c, bad, ex, sizeof(ex));
				snprintf(it->why, sizeof(it->why),
					 "the policy keeps each of its packets %s: %s",
					 c->ir->family ? "in some state" : "in some state, route or mark", ex);
			} else {
				size_t npass = 0, ndrop = 0, left = max_rules - pl->nbox;
				bool ok = true;
				if (bad != bddfalse) {
					size_t b = c->lim->pass_budget < left ? c->lim->pass_budget : left;
					ok = decompose(c, bad, XA_PASS, itx, b, &npass);
					if (!ok) {
						example(c, bad, ex, sizeof(ex));
						snprintf(it->why, sizeof(it->why),
							 "some of its packets may be accepted (%s), and "
							 "excepting them takes more than %zu XDP rules",
							 ex, b);
					}
				}
				if (ok && !decompose(c, cx, XA_DROP, itx, max_rules - pl->nbox, &ndrop) &&
				    !decompose(c, newc, XA_DROP, itx, max_rules - pl->nbox, &ndrop)) {
					ok = false;
					for (size_t i = pl->nbox - npass; i < pl->nbox; i++)
						for (int k = 0; k < XF_MAX; k++)
							iset_release(&pl->box[i].f[k]);
					pl->nbox -= npass;
					npass = 0;
					if (pl->nbox >= max_rules) {
						char w[200];
						rule_text(w, sizeof(w), r, ch);
						snprintf(c->err, c->errlen,
							 "%s: the XDP program holds at most %zu rules; "
							 "placing this policy's drops takes more",
							 w, max_rules);
						c->rc = -1;
					}
					snprintf(it->why, sizeof(it->why),
						 "its condition takes too many XDP rules to write");
				}
				if (ok) {
					it->where = XW_XDP;
					it->ndrop = ndrop;
					it->npass = npass;
					bor(&covered, cx);
					bor(&X, good);
					if (npass) {
						example(c, bad, ex, sizeof(ex));
						snprintf(it->why, sizeof(it->why),
							 "the policy drops its packets %s, whatever the "
							 "marks and route, except some it may keep, passed by "
							 "%zu XDP rule%s before it (%s)", c->states,
							 npass, npass == 1 ? "" : "s", ex);
					} else {
						snprintf(it->why, sizeof(it->why),
							 "the policy drops every packet it matches %s, "
							 "whatever the marks and route", c->states);
					}
				}
			}
			BDD all[] = { cx, newc, bad, good };
			for (size_t i = 0; i < 4; i++)
				bdd_delref(all[i]);
		}
	}
	free(on);

	/* what D holds beyond the rules: the drop policies' part */
	BDD rest = bref(bdd_apply(c->D, covered, bddop_diff));
	if (!c->rc && rest != bddfalse) {
		const struct ir_chain *pc = NULL;
		for (size_t i = 0; i < c->ir->nchains && !pc; i++) {
			const struct ir_chain *ch = c->ir->chains[i];
			if (ch->table == TBL_FILTER && (ch->hook == HOOK_INPUT || ch->hook == HOOK_FORWARD) &&
			    ch->policy == ACT_DROP)
				pc = ch;
		}
		size_t itx = pl->nitem;
		struct xdp_item *it = new_item(pl, NULL, pc);
		size_t left = max_rules - pl->nbox;
		size_t b = c->lim->policy_budget < left ? c->lim->policy_budget : left, nd = 0;
		if (decompose(c, rest, XA_DROP, itx, b, &nd)) {
			it->where = XW_XDP;
			it->ndrop = nd;
			bor(&covered, rest);
			bor(&X, rest);
			snprintf(it->why, sizeof(it->why),
				 "packets no rule accepts or rejects on input or forward %s, "
				 "whatever the marks and route", c->states);
		} else {
			snprintf(it->why, sizeof(it->why),
				 "the packets only the drop policies drop take more than %zu "
				 "XDP rules to write", b);
		}
	}
	bdd_delref(rest);

	/* the proof: the list as the program reads it drops exactly X, and
	 * X lies in D */
	if (!c->rc) {
		BDD Y = bref(bddfalse), cov = bref(bddfalse);
		for (size_t i = 0; i < pl->nbox; i++) {
			BDD b = box_bdd(c, &pl->box[i]);
			band(&b, c->domx);
			if (pl->box[i].act == XA_DROP) {
				BDD n = bref(bdd_apply(b, cov, bddop_diff));
				bor(&Y, n);
				bdd_delref(n);
			}
			bor(&cov, b);
			bdd_delref(b);
		}
		BDD out = bref(bdd_apply(Y, c->D, bddop_diff));
		if (out != bddfalse || Y != X) {
			char ex[512] = "";
			if (out != bddfalse)
				example(c, out, ex, sizeof(ex));
			snprintf(c->err, c->errlen,
				 "internal error: the XDP rules would drop %s; nothing written%s%s",
				 out != bddfalse ? "packets the policy may keep" :
				 "other packets than planned", ex[0] ? ": " : "", ex);
			c->rc = -1;
		}
		bdd_delref(out);
		bdd_delref(Y);
		bdd_delref(cov);
	}
	bdd_delref(covered);
	bdd_delref(X);

	/* the interface numbering, for the loader */
	pl->nif = s->nif;
	pl->ifname = xcalloc(s->nif + 2, sizeof(char *));
	pl->ifname[0] = xstrdup("");
	for (size_t i = 1; i <= s->nif; i++)
		pl->ifname[i] = xstrdup(s->ifnames[i]);
	pl->nwild = s->nwild;
	pl->wild = xcalloc(s->nwild + 1, sizeof(char *));
	pl->wildidx = xcalloc(s->nwild + 1, sizeof(size_t));
	for (size_t w = 0; w < s->nwild; w++) {
		pl->wild[w] = xstrdup(s->wild[w]);
		pl->wildidx[w] = space_if_index(s, s->wildrep + 16 * w);
	}
	return c->rc;
}

int xdp_plan_build(const struct ir *ir, const struct xdp_opts *lim,
		   struct xdp_plan *plan, char *err, size_t errlen)
{
	memset(plan, 0, sizeof(*plan));
	plan->family = ir->family;
	plan->ct_any = lim->ct_any;
	struct pctx c = { .ir = ir, .lim = lim, .pl = plan, .err = err, .errlen = errlen };
	c.states = lim->ct_any ? "in every conntrack state"
			       : "in every conntrack state its connections allow";
	int rc = analyze_ingress(ir, !lim->ct_any, place, &c);
	if (rc)
		xdp_plan_release(plan);
	return rc;
}

void xdp_plan_release(struct xdp_plan *pl)
{
	for (size_t i = 0; i < pl->nbox; i++)
		for (int k = 0; k < XF_MAX; k++)
			iset_release(&pl->box[i].f[k]);
	free(pl->box);
	free(pl->item);
	if (pl->ifname)
		for (size_t i = 0; i <= pl->nif; i++)
			free(pl->ifname[i]);
	free(pl->ifname);
	for (size_t w = 0; w < pl->nwild; w++)
		free(pl->wild[w]);
	free(pl->wild);
	free(pl->wildidx);
	memset(pl, 0, sizeof(*pl));
}

size_t xdp_plan_if_index(const struct xdp_plan *pl, const char *name)
{
	if (!name[0])
		return 0;
	for (size_t i = 1; i <= pl->nif; i++)
		if (!strcmp(pl->ifname[i], name))
			return i;
	/* a name only wildcards match: the longest one's representative */
	size_t best = pl->nif + 1, blen = 0;
	for (size_t w = 0; w < pl->nwild; w++)
		if (ifname_match(pl->wild[w], name) && strlen(pl->wild[w]) > blen) {
			blen = strlen(pl->wild[w]);
			best = pl->wildidx[w];
		}
	return best;
}

long xdp_plan_classify(const struct xdp_plan *pl, const struct packet *p)
{
	if (p->fragment || !p->iif[0])
		return -1;
	size_t ifx = xdp_plan_if_index(pl, p->iif);
	for (size_t i = 0; i < pl->nbox; i++) {
		const struct xdp_box *b = &pl->box[i];
		if (b->family != p->family || !iset_contains(&b->f[XF_IIF], ifx) ||
		    !iset_contains(&b->f[XF_PROTO], p->proto) ||
		    !iset_contains(&b->f[XF_SADDR], p->saddr) ||
		    !iset_contains(&b->f[XF_DADDR], p->daddr))
			continue;
		if (p->proto == 6 && !iset_contains(&b->f[XF_TCPFLAGS], p->tcpflags & 0xff))
			continue;
		if (p->proto == (p->family == 4 ? 1 : 58) &&
		    !iset_contains(&b->f[XF_ICMP], p->icmp_type < 0 ? 0 : p->icmp_type))
			continue;
		if (proto_has_ports(p->proto) &&
		    (!iset_contains(&b->f[XF_SPORT], p->sport < 0 ? 0 : p->sport) ||
		     !iset_contains(&b->f[XF_DPORT], p->dport < 0 ? 0 : p->dport)))
			continue;
		return (long)i;
	}
	return -1;
}
