/*
 * analyze.c: every packet through the IR at once, and the checks.
 *
 * The walk is trace.c's, over sets: for each path (input, forward,
 * output) the set of all valid packets enters the first hook; each rule
 * splits the set that reaches it into what it matches and what goes on;
 * jumps recurse, marks and NAT rewrite the cur copies (space.h), so every
 * set is a relation between incoming packets and what they have become.
 * Two sets travel together: `may` (packets that can be here under some
 * behaviour of the stateful matches) and `must` (packets that are here
 * whatever they do). A finding is certain when it holds on the right one.
 *
 * What the walk records: per rule, the packets it is first to match
 * (hit), the condition context of every visit (for empty-match), and an
 * ordered list of decisions (events) so that a rule that never matches
 * can name the earlier rules that took its packets. The checks then read
 * those records; the downward half of `redundant` runs backwards over
 * each chain.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lint.h"
#include "services.h"
#include "space.h"

#define DEPTH_MAX 64
static double phase_t0;
static void phase(const char *what)
{
	static int on = -1;
	if (on < 0)
		on = getenv("FWC_LINT_PROFILE") != NULL;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double t = ts.tv_sec + ts.tv_nsec / 1e9;
	if (on && what) {
		bddStat st;
		bdd_stats(&st);
		fprintf(stderr, "lint: %-12s %.3f s, %d nodes, %ld produced\n", what, t - phase_t0,
			bdd_getnodenum(), st.produced);
	}
	phase_t0 = t;
}
#define PHASE(w) phase(w)


/* Decision classes: accept, drop, return (to the caller, or the policy),
 * and one per kind of reject. */
enum { K_ACC, K_DROP, K_RET, K_REJ0, K_MAX = 16 };

struct flow {
	BDD may, must;
};

/* A union of many flows, built as a balanced tree: a chain of 500
 * "-s A -j RETURN" rules adds 500 small sets, and or-ing each into a
 * growing one would cost the square of that. */
struct pend {
	struct flow st[64];
	unsigned char lv[64];
	int n;
};

struct outcome {
	struct flow acc, drop, rej, ret, redir;   /* valid after outcome_finish */
	struct pend p[5];                         /* the same, pending */
};

enum { O_ACC, O_DROP, O_REJ, O_RET, O_REDIR };

/* The smallest interval of source addresses a rule can match (family 0:
 * any): a quick test before intersecting BDDs. */
struct hull {
	int fam;
	u128 lo, hi;
};

static struct hull rule_hull(const struct ir_rule *r)
{
	struct hull h = { 0, 0, ~(u128)0 };
	if (!r)
		return h;
	h.fam = r->family;
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		const struct iset *set = NULL;
		if (m->kind == M_SADDR)
			set = &m->set;
		else if (m->kind == M_SSET && !m->neg)
			set = &m->named->elems;
		if (!set)
			continue;
		h.fam = set->bits == 32 ? 4 : 6;
		if (set->n == 0) {
			h.lo = 1;
			h.hi = 0;   /* empty */
		} else {
			h.lo = set->r[0].lo;
			h.hi = set->r[set->n - 1].hi;
		}
		break;
	}
	return h;
}

static bool hulls_meet(const struct hull *a, const struct hull *b)
{
	if (a->fam && b->fam && a->fam != b->fam)
		return false;
	if (a->fam != b->fam)
		return true;   /* one of them: any family */
	return a->lo <= b->hi && b->lo <= a->hi;
}

/* A box around the packets a rule can match, field by field (intervals,
 * one protocol, one interface name, state bits): if two boxes do not
 * meet, neither do the rules. Conservative: an unmodelled match leaves
 * its field whole. */
struct box {
	int fam;                       /* 0 any, 4, 6 */
	bool src, dst;                 /* else any address */
	u128 slo, shi, dlo, dhi;
	int proto;                     /* -1: any */
	bool dport, sport;
	unsigned dplo, dphi, splo, sphi;
	const char *iif, *oif;         /* NULL: any (or a wildcard, a list) */
	uint32_t state;                /* conntrack state bits it may match */
};

static void set_hull(const struct iset *set, bool *has, u128 *lo, u128 *hi)
{
	*has = true;
	if (set->n == 0) {
		*lo = 1;
		*hi = 0;   /* empty: meets nothing */
	} else {
		*lo = set->r[0].lo;
		*hi = set->r[set->n - 1].hi;
	}
}

static struct box rule_box(const struct ir_rule *r)
{
	struct box b;
	memset(&b, 0, sizeof(b));
	b.fam = r->family;
	b.proto = -1;
	b.state = ~0u;
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		switch (m->kind) {
		case M_SADDR:
			set_hull(&m->set, &b.src, &b.slo, &b.shi);
			b.fam = m->set.bits == 32 ? 4 : 6;
			break;
		case M_DADDR:
			set_hull(&m->set, &b.dst, &b.dlo, &b.dhi);
			b.fam = m->set.bits == 32 ? 4 : 6;
			break;
		case M_SSET:
		case M_DSET:
			if (m->neg)
				break;
			if (m->kind == M_SSET)
				set_hull(&m->named->elems, &b.src, &b.slo, &b.shi);
			else
				set_hull(&m->named->elems, &b.dst, &b.dlo, &b.dhi);
			b.fam = m->named->elems.bits == 32 ? 4 : 6;
			break;
		case M_PROTO:
			if (!m->neg)
				b.proto = m->proto;
			break;
		case M_DPORT:
		case M_SPORT: {
			bool has;
			u128 lo, hi;
			set_hull(&m->set, &has, &lo, &hi);
			if (m->kind == M_DPORT) {
				b.dport = true;
				b.dplo = (unsigned)lo;
				b.dphi = (unsigned)hi;
			} else {
				b.sport = true;
				b.splo = (unsigned)lo;
				b.sphi = (unsigned)hi;
			}
			break;
		}
		case M_IIF:
		case M_OIF:
			if (!m->neg && m->nnames == 1) {
				size_t len = strlen(m->names[0]);
				if (len && m->names[0][len - 1] != '+') {
					if (m->kind == M_IIF)
						b.iif = m->names[0];
					else
						b.oif = m->names[0];
				}
			}
			break;
		case M_CTSTATE:
			b.state = m->neg ? ~m->state : m->state;
			break;
		default:
			break;
		}
	}
	return b;
}

static bool boxes_meet(const struct box *a, const struct box *b)
{
	if (a->fam && b->fam && a->fam != b->fam)
		return false;
	if (a->src && b->src && (a->shi < b->slo || b->shi < a->slo))
		return false;
	if (a->dst && b->dst && (a->dhi < b->dlo || b->dhi < a->dlo))
		return false;
	if (a->proto >= 0 && b->proto >= 0 && a->proto != b->proto)
		return false;
	if (a->dport && b->dport && (a->dphi < b->dplo || b->dphi < a->dplo))
		return false;
	if (a->sport && b->sport && (a->sphi < b->splo || b->sphi < a->splo))
		return false;
	if (a->iif && b->iif && strcmp(a->iif, b->iif))
		return false;
	if (a->oif && b->oif && strcmp(a->oif, b->oif))
		return false;
	return (a->state & b->state) != 0;
}

/* Boxes indexed by their source addresses, to ask whether any box added
 * meets a given one without comparing it with all of them (a chain of
 * 5,000 rules, one source each: 12 million comparisons). A box whose
 * sources fall in at most BX_SPAN blocks (IPv4 /24, IPv6 /48) is listed
 * under each block; the others (no source, or a wide one) in `wide`,
 * compared always. */
enum { BX_SPAN = 256 };

struct boxindex {
	const struct box *b;           /* the boxes, by index */
	struct bxslot {
		int fam;
		u128 key;
		size_t *ix, n, cap;    /* boxes listed here */
	} *slot;
	size_t cap, used;
	size_t *wide, nwide, capwide;
};

static bool bx_keys(const struct box *b, u128 *k0, u128 *k1)
{
	if (!b->src || !b->fam)
		return false;
	int shift = b->fam == 4 ? 8 : 80;
	if (b->slo > b->shi)
		return false;   /* empty: it meets nothing anyway */
	*k0 = b->slo >> shift;
	*k1 = b->shi >> shift;
	return *k1 - *k0 < BX_SPAN;
}

static size_t bx_hash(int fam, u128 key, size_t cap)
{
	uint64_t h = ((uint64_t)key ^ (uint64_t)(key >> 64) * 0x9e3779b97f4a7c15ull) + (uint64_t)fam;
	h *= 0xff51afd7ed558ccdull;
	return (size_t)(h >> 20) & (cap - 1);
}

static struct bxslot *bx_slot(struct boxindex *x, int fam, u128 key, bool add)
{
	if (add && (x->used + 1) * 2 > x->cap) {
		struct boxindex g = *x;
		g.cap = x->cap ? x->cap * 2 : 256;
		g.slot = xcalloc(g.cap, sizeof(*g.slot));
		g.used = 0;
		for (size_t i = 0; i < x->cap; i++)
			if (x->slot[i].fam) {
				size_t h = bx_hash(x->slot[i].fam, x->slot[i].key, g.cap);
				while (g.slot[h].fam)
					h = (h + 1) & (g.cap - 1);
				g.slot[h] = x->slot[i];
				g.used++;
			}
		free(x->slot);
		*x = g;
	}
	if (!x->cap)
		return NULL;
	size_t h = bx_hash(fam, key, x->cap);
	while (x->slot[h].fam) {
		if (x->slot[h].fam == fam && x->slot[h].key == key)
			return &x->slot[h];
		h = (h + 1) & (x->cap - 1);
	}
	if (!add)
		return NULL;
	x->slot[h].fam = fam;
	x->slot[h].key = key;
	x->used++;
	return &x->slot[h];
}

static void boxindex_init(struct boxindex *x, const struct box *b)
{
	memset(x, 0, sizeof(*x));
	x->b = b;
}

static void boxindex_add(struct boxindex *x, size_t i)
{
	u128 k0, k1;
	if (!bx_keys(&x->b[i], &k0, &k1)) {
		VEC_PUSH(x->wide, x->nwide, x->capwide);
		x->wide[x->nwide++] = i;
		return;
	}
	for (u128 k = k0;; k++) {
		struct bxslot *sl = bx_slot(x, x->b[i].fam, k, true);
		VEC_PUSH(sl->ix, sl->n, sl->cap);
		sl->ix[sl->n++] = i;
		if (k == k1)
			break;
	}
}

/* Whether some box added meets box i. */
static bool boxindex_meets(const struct boxindex *x, size_t i)
{
	const struct box *b = &x->b[i];
	for (size_t k = 0; k < x->nwide; k++)
		if (boxes_meet(&x->b[x->wide[k]], b))
			return true;
	u128 k0, k1;
	if (!bx_keys(b, &k0, &k1)) {
		/* every listed box: each slot in turn */
		for (size_t s = 0; s < x->cap; s++)
			for (size_t k = 0; k < x->slot[s].n; k++)
				if (boxes_meet(&x->b[x->slot[s].ix[k]], b))
					return true;
		return false;
	}
	for (u128 key = k0;; key++) {
		const struct bxslot *sl = bx_slot((struct boxindex *)x, b->fam, key, false);
		for (size_t k = 0; sl && k < sl->n; k++)
			if (boxes_meet(&x->b[sl->ix[k]], b))
				return true;
		if (key == k1)
			break;
	}
	return false;
}

static void boxindex_free(struct boxindex *x)
{
	for (size_t i = 0; i < x->cap; i++)
		free(x->slot[i].ix);
	free(x->slot);
	free(x->wide);
}

/* Rules whose packets the walk may take out of the flow at the chain's
 * end instead of at once (see walk()). */
struct deferral {
	const struct ir_chain *c;
	bool *ok;                      /* the walk defers the rule */
	bool *flush;                   /* the walk takes the deferred rules'
					  packets out before this rule */
	size_t *coff, *cn, *cidx;      /* or takes out of this rule's hit the
					  few deferred rules cidx[coff[j]..
					  + cn[j]) that meet it */
	bool *first;                   /* downward: no earlier rule that
					  reads the decisions meets it */
};

struct event {
	const struct ir_rule *r;       /* NULL: the chain's policy */
	const struct ir_chain *c;
	enum act_kind act;
	BDD taken;                     /* may, relation terms; -1: not made
					  yet, it is seg ∧ the rule (see
					  event_taken()) */
	BDD seg;                       /* the flow it was taken from, or -1 */
	BDD orig;                      /* its incoming packets, or -1 */
	size_t visit;
	int path;
	struct hull h;                 /* its rule's source addresses */
};

struct visit {
	const struct ir_chain *c;
	BDD entry;                     /* may, at the chain's first rule */
	BDD ctx;                       /* conditions only: path and jumps */
	size_t ev_start, path_ev_start;
	int path;
};

struct rvisit {
	size_t visit, ev_end;
	BDD seg;                       /* -1, or the flow the rule took its
					  hit from, not yet in hit (see
					  rule_step()) */
};

struct rinfo {
	const struct ir_chain *chain;
	BDD mmay, mmust;               /* -1 until computed */
	BDD hit, hit_all;
	struct rvisit *v;
	size_t nv, capv;
	size_t nlazy;                  /* visits whose hit is not made yet */
	signed char lazy_any;          /* -1 unknown; else whether one of
					  them meets the rule */
	bool visited, reported, down;
	bool must_in;                  /* some packets surely reach it */
};

/* marks within one base chain walk (mark-order, mark-overwritten) */
struct markev {
	const struct ir_rule *r;
	BDD orig;                      /* incoming packets it acted on */
	bool certain;
	enum { MK_SET, MK_CLEAR, MK_READ, MK_EXEMPT } kind;
};

struct dnat {
	const struct ir_rule *r;
	struct flow out;               /* after the rewrite */
	BDD in;                        /* its incoming packets, or -1 */
	struct box box;                /* its rule's, without iif, oif, state */
};

struct an {
	const struct ir *ir;
	const struct lint_opts *o;
	struct lint_result *res;
	struct space s;
	struct rinfo *ri;
	struct event *ev;
	size_t nev, capev;
	struct visit *vis;
	size_t nvis, capvis;
	struct markev *mk;
	size_t nmk, capmk;
	struct dnat *dn;
	size_t ndn, capdn;
	struct flow acc[3];            /* accepted at the end, per path */
	BDD rej[3];                    /* rejected (may), per path */
	BDD acc_orig_may[3], acc_orig_must[3];
	size_t path_ev_start;
	bool in_mangle_base;
	BDD universe;                  /* -1: every packet */
	struct deferral *dfr;          /* per chain, made on first walk */
	size_t ndfr, capdfr;
	const struct ir_rule *rejw[K_MAX];   /* one rule per reject kind */
	size_t nrejw;
	int nk;                        /* classes in use */
	/* the downward pass's chain summaries: for a user chain, the class
	 * each packet gets when its end decides nothing (a) and everything
	 * (t); see chain_summary() */
	struct chsum {
		const struct ir_chain *c;
		bool done;
		BDD a[K_MAX], t[K_MAX];
	} *sum;                        /* sorted by c */
	size_t nsum;
	struct meetmemo {
		struct { BDD a, b, c; } *k;
		uint32_t *gen;         /* == now: in the set */
		uint32_t now;
		size_t cap, n;
	} memo;                        /* see bdd_meets() */
};

/* ---- small helpers ---- */

static BDD and2(BDD a, BDD b) { return bref(bdd_and(a, b)); }
/* a and not b: BuDDy's apply has no shortcut for "diff" with an empty
 * right side, so a − (one prefix) would walk all of a; and with ¬b stops
 * where ¬b is true but makes ¬b first (all of b: a flush takes the union
 * of thousands of rules out of the flow); ite(b, false, a) stops where
 * b is false and makes nothing but the result */
static BDD diff2(BDD a, BDD b)
{
	if (b == bddfalse || a == bddfalse)
		return bref(a);
	if (a == b || b == bddtrue)
		return bref(bddfalse);
	return bref(bdd_ite(b, bddfalse, a));
}
static void drop_ref(BDD *b)
{
	if (*b != -1)
		bdd_delref(*b);
	*b = -1;
}

static struct flow flow_empty(void)
{
	struct flow f = { bref(bddfalse), bref(bddfalse) };
	return f;
}

static void flow_release(struct flow *f)
{
	drop_ref(&f->may);
	drop_ref(&f->must);
}

static void flow_or(struct flow *a, const struct flow *b)
{
	bool one = a->may == a->must && b->may == b->must;
	bor(&a->may, b->may);
	if (one) {
		bdd_delref(a->must);
		a->must = bref(a->may);
	} else {
		bor(&a->must, b->must);
	}
}

static void pend_add(struct outcome *o, int which, const struct flow *b)
{
	struct pend *p = &o->p[which];
	if (b->may == bddfalse && b->must == bddfalse)
		return;
	if (p->n == 64)
		BUG("pending union overflow");
	p->st[p->n].may = bref(b->may);
	p->st[p->n].must = bref(b->must);
	p->lv[p->n++] = 0;
	while (p->n >= 2 && p->lv[p->n - 1] == p->lv[p->n - 2]) {
		flow_or(&p->st[p->n - 2], &p->st[p->n - 1]);
		flow_release(&p->st[p->n - 1]);
		p->n--;
		p->lv[p->n - 1]++;
	}
}

static struct flow *outcome_flow(struct outcome *o, int which)
{
	return which == O_ACC ? &o->acc : which == O_DROP ? &o->drop :
	       which == O_REJ ? &o->rej : which == O_RET ? &o->ret : &o->redir;
}

/* Fold the pending unions in, smallest first. */
static void outcome_finish(struct outcome *o)
{
	for (int w = 0; w < 5; w++) {
		struct pend *p = &o->p[w];
		if (!p->n)
			continue;
		struct flow x = p->st[--p->n];
		while (p->n) {
			flow_or(&x, &p->st[p->n - 1]);
			flow_release(&p->st[--p->n]);
		}
		flow_or(outcome_flow(o, w), &x);
		flow_release(&x);
	}
}

static void outcome_init(struct outcome *o)
{
	for (int w = 0; w < 5; w++)
		o->p[w].n = 0;
	o->acc = flow_empty();
	o->drop = flow_empty();
	o->rej = flow_empty();
	o->ret = flow_empty();
	o->redir = flow_empty();
}

static void outcome_release(struct outcome *o)
{
	for (int w = 0; w < 5; w++)
		while (o->p[w].n)
			flow_release(&o->p[w].st[--o->p[w].n]);
	flow_release(&o->acc);
	flow_release(&o->drop);
	flow_release(&o->rej);
	flow_release(&o->ret);
	flow_release(&o->redir);
}

static void rule_bdds(struct an *an, const struct ir_rule *r)
{
	struct rinfo *ri = &an->ri[r->id];
	if (ri->mmay != -1)
		return;
	ri->mmay = space_rule(&an->s, r, true);
	ri->mmust = rule_is_stateful(r) ? bref(bddfalse) : bref(ri->mmay);
}

static struct event *push_event(struct an *an, const struct ir_rule *r,
				const struct ir_chain *c, enum act_kind act,
				size_t visit, int path)
{
	VEC_PUSH(an->ev, an->nev, an->capev);
	struct event *e = &an->ev[an->nev++];
	e->r = r;
	e->c = c;
	e->act = act;
	e->taken = -1;
	e->seg = -1;
	e->orig = -1;
	e->visit = visit;
	e->path = path;
	e->h = rule_hull(r);
	return e;
}

static void add_event(struct an *an, const struct ir_rule *r,
		      const struct ir_chain *c, enum act_kind act, BDD taken,
		      size_t visit, int path)
{
	if (taken == bddfalse)
		return;
	push_event(an, r, c, act, visit, path)->taken = bref(taken);
}

/* The packets an event took: made on first use for a rule whose hit the
 * walk left unmade (seg ∧ the rule; possibly empty). */
static BDD event_taken(struct an *an, struct event *e)
{
	if (e->taken == -1) {
		e->taken = and2(e->seg, an->ri[e->r->id].mmay);
		drop_ref(&e->seg);
	}
	return e->taken;
}

static BDD event_orig(struct an *an, struct event *e)
{
	if (e->orig == -1)
		e->orig = space_orig(&an->s, event_taken(an, e));
	return e->orig;
}

/* ---- a ∧ b ≠ ∅ without building it ---- */

/* A depth-first search for one path to true in both, remembering the
 * pairs that lead nowhere: usually a path's length of steps, no node
 * made. The set of dead pairs is kept between calls and emptied by a
 * new generation number. */
static size_t memo_hash(BDD a, BDD b, BDD c, size_t cap)
{
	uint64_t h = ((uint64_t)(unsigned)a << 32 | (unsigned)b) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (unsigned)c) * 0xff51afd7ed558ccdull;
	return (size_t)(h >> 17) & (cap - 1);
}

/* Adds (a, b, c); false if it was there. */
static bool memo_add(struct meetmemo *m, BDD a, BDD b, BDD c)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct meetmemo g = { xcalloc(cap, sizeof(*m->k)), xcalloc(cap, 4), m->now, cap, 0 };
		for (size_t i = 0; i < m->cap; i++)
			if (m->gen[i] == m->now) {
				size_t h = memo_hash(m->k[i].a, m->k[i].b, m->k[i].c, cap);
				while (g.gen[h] == g.now)
					h = (h + 1) & (cap - 1);
				g.k[h] = m->k[i];
				g.gen[h] = g.now;
				g.n++;
			}
		free(m->k);
		free(m->gen);
		*m = g;
	}
	size_t h = memo_hash(a, b, c, m->cap);
	while (m->gen[h] == m->now) {
		if (m->k[h].a == a && m->k[h].b == b && m->k[h].c == c)
			return false;
		h = (h + 1) & (m->cap - 1);
	}
	m->k[h].a = a;
	m->k[h].b = b;
	m->k[h].c = c;
	m->gen[h] = m->now;
	m->n++;
	return true;
}

static int top_var(BDD x)
{
	return x < 2 ? INT_MAX : bdd_var(x);
}

/* a ∧ b ∧ c ≠ ∅ (c = bddtrue for two) */
static bool meets_rec(struct meetmemo *m, BDD a, BDD b, BDD c)
{
	if (a == bddfalse || b == bddfalse || c == bddfalse)
		return false;
	/* true is the neutral element, a repeated set adds nothing */
	if (a == bddtrue || a == b || a == c) {
		a = b;
		b = c;
		c = bddtrue;
	}
	if (b == bddtrue || b == c) {
		b = c;
		c = bddtrue;
	}
	if (a == bddtrue || b == bddtrue)
		return true;   /* one set left (or none): not empty */
	if (!memo_add(m, a, b, c))
		return false;  /* seen: it led nowhere */
	int va = top_var(a), vb = top_var(b), vc = top_var(c);
	int v = va < vb ? va : vb;
	v = vc < v ? vc : v;
	for (int bit = 0; bit < 2; bit++) {
		BDD a1 = va == v ? (bit ? bdd_high(a) : bdd_low(a)) : a;
		BDD b1 = vb == v ? (bit ? bdd_high(b) : bdd_low(b)) : b;
		BDD c1 = vc == v ? (bit ? bdd_high(c) : bdd_low(c)) : c;
		if (meets_rec(m, a1, b1, c1))
			return true;
	}
	return false;
}

/* Empty the set of dead triples: a new generation. */
static void memo_start(struct meetmemo *m)
{
	if (++m->now == 0) {   /* wrapped: every slot is old */
		if (m->gen)
			memset(m->gen, 0, m->cap * sizeof(*m->gen));
		m->now = 1;
	}
	m->n = 0;
}

static bool bdd_meets3(struct an *an, BDD a, BDD b, BDD c)
{
	memo_start(&an->memo);
	return meets_rec(&an->memo, a, b, c);
}

static bool bdd_meets(struct an *an, BDD a, BDD b)
{
	return bdd_meets3(an, a, b, bddtrue);
}

/* Whether the packets event e took meet x, a set over orig variables
 * only (so the orig projection of what it took need not be made):
 * ∃cur. taken ∧ x ≠ ∅ ⇔ taken ∧ x ≠ ∅. */
static bool event_meets_orig(struct an *an, struct event *e, BDD x)
{
	if (e->orig != -1)
		return bdd_meets(an, e->orig, x);
	if (e->taken != -1)
		return bdd_meets(an, e->taken, x);
	return bdd_meets3(an, e->seg, an->ri[e->r->id].mmay, x);
}

/* The hit of a rule (may) is ri->hit together with seg ∧ rule for each
 * visit the walk left unmade (see rule_step()): whether it is empty is
 * asked of every rule, the set itself of few. */
static bool lazy_any(struct an *an, struct rinfo *ri)
{
	if (!ri->nlazy)
		return false;
	if (ri->lazy_any < 0) {
		ri->lazy_any = 0;
		for (size_t k = 0; k < ri->nv && !ri->lazy_any; k++)
			if (ri->v[k].seg != -1 && bdd_meets(an, ri->v[k].seg, ri->mmay))
				ri->lazy_any = 1;
	}
	return ri->lazy_any;
}

static bool hit_any(struct an *an, struct rinfo *ri)
{
	return ri->hit != bddfalse || lazy_any(an, ri);
}

/* hit_all: the packets that surely reach the rule; an unmade hit is one
 * where may and must are one */
static bool hit_all_any(struct an *an, struct rinfo *ri)
{
	return ri->hit_all != bddfalse || lazy_any(an, ri);
}

/* Make the hit (and hit_all) whole; the returned BDD is ri->hit. */
static BDD rule_hit(struct an *an, struct rinfo *ri)
{
	for (size_t k = 0; k < ri->nv && ri->nlazy; k++) {
		if (ri->v[k].seg == -1)
			continue;
		BDD t = and2(ri->v[k].seg, ri->mmay);
		bor(&ri->hit, t);
		bor(&ri->hit_all, t);
		bdd_delref(t);
		drop_ref(&ri->v[k].seg);
		ri->nlazy--;
	}
	return ri->hit;
}

static void add_mark(struct an *an, const struct ir_rule *r, int kind,
		     const struct flow *hit)
{
	if (hit->may == bddfalse)
		return;
	VEC_PUSH(an->mk, an->nmk, an->capmk);
	struct markev *m = &an->mk[an->nmk++];
	m->r = r;
	m->kind = kind;
	m->orig = space_orig(&an->s, hit->may);
	m->certain = hit->must == hit->may;
}

/* What a rule's action does to the verdict; a target fwc keeps as text
 * (ACT_OTHER) counts as what it is assumed to do. */
static enum act_kind eff_kind(const struct ir_rule *r)
{
	if (r->act.kind != ACT_OTHER)
		return r->act.kind;
	return r->act.ov == OV_ACCEPT ? ACT_ACCEPT : r->act.ov == OV_DROP ? ACT_DROP : ACT_LOG;
}

static bool is_nat_act(enum act_kind k)
{
	return k == ACT_SNAT || k == ACT_DNAT || k == ACT_MASQUERADE ||
	       k == ACT_REDIRECT;
}

/* ---- the walk ---- */

/* Can the rule match anything in x? Its conditions other than addresses
 * (small, quick BDDs) first: when those already meet nothing, the
 * address sets (the costly part) are never built. */
static bool meets(struct an *an, const struct ir_rule *r, BDD x)
{
	BDD pre = bref(bddtrue);
	for (size_t i = 0; i < r->nm && pre != bddfalse; i++) {
		enum ir_mkind k = r->m[i].kind;
		if (k == M_SADDR || k == M_DADDR || k == M_SSET || k == M_DSET)
			continue;
		BDD t = space_match(&an->s, &r->m[i], r->family, true);
		band(&pre, t);
		bdd_delref(t);
	}
	BDD y = and2(x, pre);
	bool any = y != bddfalse;
	bdd_delref(y);
	bdd_delref(pre);
	return any;
}

static void walk(struct an *an, const struct ir_chain *c, const struct flow *in,
		 BDD ctx, int path, int depth, struct outcome *out);

/* A rule that decides (accept, drop, reject, return) or passes packets
 * on unchanged (log, clamp-mss): no jump, no rewrite. */
static bool simple_rule(const struct ir_rule *r)
{
	switch (eff_kind(r)) {
	case ACT_ACCEPT: case ACT_DROP: case ACT_REJECT: case ACT_RETURN:
	case ACT_LOG: case ACT_CLAMP_MSS:
		return true;
	default:
		return false;
	}
}

static int klass(struct an *an, const struct ir_rule *r);

/* Deferral. A deciding rule takes its packets out of the flow; done
 * rule by rule, the flow grows with every rule (a rule per source
 * address: a tree of every address so far), and every later rule pays
 * for it. Instead, when the rules after it share no packet with it (their
 * boxes do not meet) and rewrite none, its packets can wait and leave the
 * flow later, together with others (one balanced union, one difference):
 * every rule in between gets the same packets (it shares none with the
 * waiting ones), and set differences commute. The downward pass has the
 * mirror image: see chain_deferral(). */
static const struct deferral *chain_deferral(struct an *an, const struct ir_chain *c)
{
	for (size_t i = 0; i < an->ndfr; i++)
		if (an->dfr[i].c == c)
			return &an->dfr[i];
	VEC_PUSH(an->dfr, an->ndfr, an->capdfr);
	struct deferral *d = &an->dfr[an->ndfr++];
	d->c = c;
	d->ok = xcalloc(c->n + 1, sizeof(bool));
	d->flush = xcalloc(c->n + 1, sizeof(bool));
	d->first = xcalloc(c->n + 1, sizeof(bool));
	d->coff = d->cn = d->cidx = NULL;
	if (getenv("FWC_NO_DEFER") || c->n < 2)
		return d;
	struct box *b = xcalloc(c->n, sizeof(*b));
	for (size_t i = 0; i < c->n; i++) {
		b[i] = rule_box(c->rules[i]);
		d->first[i] = true;
	}
	/* the walk: deciding rules wait in a pending set, taken out of the
	 * flow all at once before the first rule that meets one of them or
	 * that is not simple (it could turn a packet into one of theirs),
	 * or at the chain's end */
	size_t *pend = xcalloc(c->n, sizeof(size_t));
	size_t np = 0, ncidx = 0, capcidx = 0;
	d->coff = xcalloc(c->n + 1, sizeof(size_t));
	d->cn = xcalloc(c->n + 1, sizeof(size_t));
	d->cidx = NULL;
	/* beyond: a flush is cheaper (it costs the flow's size; a
	 * correction, the union of the waiting rules that meet) */
	enum { CORR_MAX = 32 };
	size_t near[CORR_MAX];
	for (size_t j = 0; j < c->n; j++) {
		const struct ir_rule *r = c->rules[j];
		size_t nn = 0;
		bool flush = !simple_rule(r) && np;
		for (size_t k = 0; k < np && !flush; k++)
			if (boxes_meet(&b[pend[k]], &b[j])) {
				if (nn == CORR_MAX)
					flush = true;
				else
					near[nn++] = pend[k];
			}
		if (flush) {
			d->flush[j] = true;
			np = 0;
		} else if (nn) {
			d->coff[j] = ncidx;
			d->cn[j] = nn;
			for (size_t k = 0; k < nn; k++) {
				VEC_PUSH(d->cidx, ncidx, capcidx);
				d->cidx[ncidx++] = near[k];
			}
		}
		enum act_kind kd = eff_kind(r);
		if (simple_rule(r) && kd != ACT_LOG && kd != ACT_CLAMP_MSS) {
			d->ok[j] = true;
			pend[np++] = j;
		}
	}
	free(pend);
	/* the downward pass: the rules whose check reads what the later
	 * rules decide, and jumps (what comes back goes on to the later
	 * rules); a rule that none of them before it meets changes nothing
	 * anyone reads */
	struct boxindex bx;
	boxindex_init(&bx, b);
	for (size_t i = 0; i < c->n; i++) {
		d->first[i] = !boxindex_meets(&bx, i);
		const struct ir_rule *r = c->rules[i];
		int kl = klass(an, r);
		bool cares = (r->act.kind == ACT_JUMP) ||
			     (!r->origin && r->loc.file && kl >= 0 && kl != K_RET &&
			      !is_nat_act(r->act.kind));
		if (cares)
			boxindex_add(&bx, i);
	}
	boxindex_free(&bx);
	free(b);
	if (getenv("FWC_LINT_PROFILE")) {
		size_t k = 0, k2 = 0, k3 = 0;
		for (size_t i = 0; i < c->n; i++) {
			k += d->ok[i];
			k2 += d->first[i];
			k3 += d->flush[i];
		}
		fprintf(stderr, "lint: %s: %zu rules, %zu deferred, %zu flushes; %zu first\n",
			c->name, c->n, k, k3, k2);
	}
	return d;
}

static void rule_step(struct an *an, const struct ir_chain *c, size_t vi,
		      const struct ir_rule *r, struct flow *f, BDD ctx,
		      int path, int depth, struct outcome *out,
		      bool defer, struct outcome *dfr, const struct deferral *df, size_t ix)
{
	struct rinfo *ri = &an->ri[r->id];
	ri->visited = true;
	VEC_PUSH(ri->v, ri->nv, ri->capv);
	ri->v[ri->nv].visit = vi;
	ri->v[ri->nv].ev_end = an->nev;
	ri->v[ri->nv].seg = -1;
	ri->nv++;
	if (f->may == bddfalse)
		return;
	if (an->universe != -1 && ri->mmay == -1 && !meets(an, r, f->may))
		return;   /* a restricted walk: the rule meets none of its packets */
	rule_bdds(an, r);
	/* without stateful matches on the way, may and must are one BDD:
	 * compute once */
	bool one = f->may == f->must && ri->mmay == ri->mmust;
	if (defer && one && !an->in_mangle_base && !(df && df->cn && df->cn[ix])) {
		/* A deferred rule that no waiting one meets: its hit is
		 * f ∧ rule, and f stays as it is until the next flush (see
		 * chain_deferral()). Most checks only ask whether a hit is
		 * empty, which a search answers without making it; so the
		 * hit is left unmade (the visit keeps f), and the rule
		 * itself waits, by class, in dfr[2]: the flush takes f ∧ the
		 * union of those rules as their hits, in one operation. */
		enum act_kind ak = eff_kind(r);
		ri->v[ri->nv - 1].seg = bref(f->may);
		ri->nlazy++;
		ri->lazy_any = -1;
		if (f->must != bddfalse)
			ri->must_in = true;
		struct event *e = push_event(an, r, c, ak, vi, path);
		e->seg = bref(f->may);
		struct flow t = { ri->mmay, ri->mmay };
		pend_add(&dfr[2], ak == ACT_ACCEPT ? O_ACC : ak == ACT_DROP ? O_DROP
			 : ak == ACT_REJECT ? O_REJ : O_RET, &t);
		return;
	}
	struct flow hit;
	hit.may = and2(f->may, ri->mmay);
	hit.must = one ? bref(hit.may) : and2(f->must, ri->mmust);
	BDD all = one || f->may == f->must ? bref(hit.may) : and2(f->must, ri->mmay);
	if (df && df->cn && df->cn[ix] && hit.may != bddfalse) {
		/* deferred rules before it that meet it: their packets are
		 * still in the flow; take them out of its hit */
		struct flow u = { bref(bddfalse), bref(bddfalse) };
		for (size_t k = 0; k < df->cn[ix]; k++) {
			const struct ir_rule *p = c->rules[df->cidx[df->coff[ix] + k]];
			rule_bdds(an, p);
			const struct rinfo *pi = &an->ri[p->id];
			struct flow t = { pi->mmust, pi->mmay };
			flow_or(&u, &t);
		}
		bdiff(&hit.may, u.may);
		bdiff(&hit.must, u.must);
		bdiff(&all, u.must);
		flow_release(&u);
	}
	bor(&ri->hit, hit.may);
	bor(&ri->hit_all, all);
	if (f->must != bddfalse && !ri->must_in) {
		/* with packets of deferred rules still in the flow, it may
		 * look non-empty when it is: take them out to see (rarely
		 * needed: only when no packet surely matches the rule) */
		int np = 0;
		for (int w = 0; w < 5; w++)
			np += dfr[0].p[w].n + dfr[1].p[w].n + dfr[2].p[w].n;
		if (np && all == bddfalse && hit.may != bddfalse) {
			struct flow dd = { bref(bddfalse), bref(bddfalse) };
			for (int o = 0; o < 3; o++)
				for (int w = 0; w < 5; w++)
					for (int k = 0; k < dfr[o].p[w].n; k++)
						flow_or(&dd, &dfr[o].p[w].st[k]);
			BDD left = diff2(f->must, dd.must);
			ri->must_in = left != bddfalse;
			bdd_delref(left);
			flow_release(&dd);
		} else {
			ri->must_in = true;
		}
	}
	bdd_delref(all);
	if (hit.may == bddfalse) {
		flow_release(&hit);
		return;
	}
	const struct ir_action *a = &r->act;
	enum act_kind ak = eff_kind(r);
	if (ak == ACT_LOG || ak == ACT_CLAMP_MSS) {
		/* the flow goes on unchanged */
		flow_release(&hit);
		return;
	}
	struct flow rest;
	/* a deferred rule whose packets are surely matched (no may-match
	 * on the way) leaves the flow as its hit, which goes, by class,
	 * into dfr[1]: the same union then serves both (see
	 * flush_deferred()) */
	bool by_hit = defer && one;
	if (defer) {
		if (!by_hit) {
			struct flow t = { ri->mmust, ri->mmay };
			pend_add(&dfr[0], O_ACC, &t);
		}
		rest.may = bref(f->may);
		rest.must = bref(f->must);
	} else {
		rest.may = diff2(f->may, ri->mmust);
		rest.must = one ? bref(rest.may) : diff2(f->must, ri->mmay);
	}
	bool pass = false;        /* the flow goes on unchanged */
	struct outcome sub;
	switch (ak) {
	case ACT_ACCEPT:
	case ACT_DROP:
	case ACT_REJECT:
	case ACT_RETURN:
		add_event(an, r, c, ak, hit.may, vi, path);
		pend_add(by_hit ? &dfr[1] : out, ak == ACT_ACCEPT ? O_ACC : ak == ACT_DROP ? O_DROP
			 : ak == ACT_REJECT ? O_REJ : O_RET, &hit);
		if (an->in_mangle_base && (ak == ACT_ACCEPT || ak == ACT_RETURN))
			add_mark(an, r, MK_EXEMPT, &hit);
		break;
	case ACT_JUMP:
	case ACT_GOTO: {
		outcome_init(&sub);
		BDD ctx2 = and2(ctx, ri->mmay);
		if (depth < DEPTH_MAX)
			walk(an, a->target, &hit, ctx2, path, depth + 1, &sub);
		bdd_delref(ctx2);
		outcome_finish(&sub);
		pend_add(out, O_ACC, &sub.acc);
		pend_add(out, O_DROP, &sub.drop);
		pend_add(out, O_REJ, &sub.rej);
		pend_add(out, O_REDIR, &sub.redir);
		if (a->kind == ACT_JUMP)
			flow_or(&rest, &sub.ret);
		else
			pend_add(out, O_RET, &sub.ret);
		outcome_release(&sub);
		break;
	}
	case ACT_MARK:
	case ACT_CONNMARK:
	case ACT_NOTRACK: {
		if (an->in_mangle_base) {
			bool clear = (a->kind == ACT_MARK ||
				      (a->kind == ACT_CONNMARK && a->cm == CM_SET)) &&
				     (a->mark & a->mask) == 0;
			if (a->kind == ACT_CONNMARK && a->cm == CM_SAVE)
				add_mark(an, r, MK_READ, &hit);
			else if (a->kind != ACT_NOTRACK)
				add_mark(an, r, clear ? MK_CLEAR : MK_SET, &hit);
		}
		struct flow tr = { space_apply(&an->s, r, hit.may),
				   space_apply(&an->s, r, hit.must) };
		flow_or(&rest, &tr);
		flow_release(&tr);
		break;
	}
	case ACT_SNAT:
	case ACT_DNAT:
	case ACT_MASQUERADE:
	case ACT_REDIRECT: {
		add_event(an, r, c, a->kind, hit.may, vi, path);
		struct flow tr = { space_apply(&an->s, r, hit.may),
				   space_apply(&an->s, r, hit.must) };
		pend_add(out, a->kind == ACT_REDIRECT ? O_REDIR : O_ACC, &tr);
		if (a->kind == ACT_DNAT || a->kind == ACT_REDIRECT) {
			/* one entry per rule, over all its visits */
			size_t k = 0;
			while (k < an->ndn && an->dn[k].r != r)
				k++;
			if (k == an->ndn) {
				VEC_PUSH(an->dn, an->ndn, an->capdn);
				an->dn[k].r = r;
				an->dn[k].out = flow_empty();
				an->dn[k].in = -1;
				an->dn[k].box = rule_box(r);
				an->dn[k].box.iif = an->dn[k].box.oif = NULL;
				an->dn[k].box.state = ~0u;
				an->ndn++;
			}
			flow_or(&an->dn[k].out, &tr);
		}
		flow_release(&tr);
		break;
	}
	default:
		pass = true;
		break;
	}
	if (an->in_mangle_base) {
		for (size_t i = 0; i < r->nm; i++)
			if (r->m[i].kind == M_MARK) {
				add_mark(an, r, MK_READ, &hit);
				break;
			}
	}
	flow_release(&hit);
	if (pass) {
		flow_release(&rest);
		return;
	}
	flow_release(f);
	*f = rest;
}

/* Take the deferred rules' packets out of the flow: dfr[0] holds the
 * rules' own sets (as may and must take them: must-match, may-match),
 * dfr[1] the hits of those that are surely matched, by class, which go
 * on to out; dfr[2] the rules, by class, whose hits were left unmade:
 * f ∧ their union goes on to out. Empty all three. */
static void flush_deferred(struct flow *f, struct outcome *dfr, struct outcome *out)
{
	for (int o = 0; o < 3; o++)
		outcome_finish(&dfr[o]);
	struct flow d = { bref(dfr[0].acc.may), bref(dfr[0].acc.must) };
	static const int cls[] = { O_ACC, O_DROP, O_REJ, O_RET };
	for (size_t k = 0; k < sizeof(cls) / sizeof(cls[0]); k++) {
		struct flow *h = outcome_flow(&dfr[1], cls[k]);
		flow_or(&d, h);
		pend_add(out, cls[k], h);
	}
	for (size_t k = 0; k < sizeof(cls) / sizeof(cls[0]); k++) {
		struct flow *u = outcome_flow(&dfr[2], cls[k]);
		if (u->may == bddfalse)
			continue;
		flow_or(&d, u);
		struct flow h;
		h.may = and2(f->may, u->may);
		h.must = f->must == f->may ? bref(h.may) : and2(f->must, u->may);
		pend_add(out, cls[k], &h);
		flow_release(&h);
	}
	if (d.may != bddfalse || d.must != bddfalse) {
		bool one = f->may == f->must && d.may == d.must;
		BDD m = diff2(f->may, d.may);
		BDD u = one ? bref(m) : diff2(f->must, d.must);
		flow_release(f);
		f->may = m;
		f->must = u;
	}
	flow_release(&d);
	for (int o = 0; o < 3; o++) {
		outcome_release(&dfr[o]);
		outcome_init(&dfr[o]);
	}
}

static void walk(struct an *an, const struct ir_chain *c, const struct flow *in,
		 BDD ctx, int path, int depth, struct outcome *out)
{
	VEC_PUSH(an->vis, an->nvis, an->capvis);
	size_t vi = an->nvis++;
	struct visit *v = &an->vis[vi];
	v->c = c;
	v->entry = bref(in->may);
	v->ctx = bref(ctx);
	v->ev_start = an->nev;
	v->path_ev_start = an->path_ev_start;
	v->path = path;
	struct flow f = { bref(in->may), bref(in->must) };
	/* a copy: walking a jump's chain may grow an->dfr and move it */
	const struct deferral dfc = *chain_deferral(an, c);
	const struct deferral *df = &dfc;
	struct outcome dfr[3];
	for (int o = 0; o < 3; o++)
		outcome_init(&dfr[o]);
	for (size_t i = 0; i < c->n; i++) {
		if (df->flush[i])
			flush_deferred(&f, dfr, out);
		rule_step(an, c, vi, c->rules[i], &f, ctx, path, depth, out, df->ok[i], dfr,
			  df, i);
		if (i % 1000 == 999 && getenv("FWC_LINT_PROFILE"))
			fprintf(stderr, "lint: %s rule %zu: flow %d/%d nodes, accepted %d, "
				"dropped %d\n", c->name, i + 1, bdd_nodecount(f.may),
				bdd_nodecount(f.must), bdd_nodecount(out->acc.may),
				bdd_nodecount(out->drop.may));
	}
	flush_deferred(&f, dfr, out);
	for (int o = 0; o < 3; o++)
		outcome_release(&dfr[o]);
	pend_add(out, O_RET, &f);
	flow_release(&f);
}

/* One base chain: what it accepts goes on in *f, what it drops or rejects
 * joins *dropped, a redirect's packets go to *redir. */
static void run_base(struct an *an, const struct ir_chain *c, struct flow *f,
		     int path, struct flow *dropped, struct flow *redir)
{
	/* the context of a base chain is the set of packets the path can
	 * bring, without the decisions of earlier chains */
	BDD pd = space_path(&an->s, path);
	BDD ctx = and2(an->s.dom, pd);
	if (c->table == TBL_NAT) {
		BDD nw = fld_eq(&an->s, F_STATE, 0, false);
		band(&ctx, nw);
		bdd_delref(nw);
	}
	bdd_delref(pd);
	struct outcome o;
	outcome_init(&o);
	an->in_mangle_base = c->table == TBL_MANGLE;
	walk(an, c, f, ctx, path, 0, &o);
	outcome_finish(&o);
	an->in_mangle_base = false;
	bdd_delref(ctx);
	/* the end of a base chain, and a return from it: its policy */
	if (c->policy == ACT_DROP) {
		add_event(an, NULL, c, ACT_DROP, o.ret.may, an->nvis - 1, path);
		flow_or(&o.drop, &o.ret);
	} else {
		flow_or(&o.acc, &o.ret);
	}
	flow_or(dropped, &o.drop);
	flow_or(dropped, &o.rej);
	bor(&an->rej[path], o.rej.may);
	flow_or(redir, &o.redir);
	flow_release(f);
	f->may = bref(o.acc.may);
	f->must = bref(o.acc.must);
	outcome_release(&o);
}

static void check_marks(struct an *an, size_t from);

/* Run the steps from hs on: what is accepted at the end joins *acc. */
static void run_steps(struct an *an, const struct hookstep *hs, struct flow f,
		      int path, bool forward, struct flow *acc)
{
	struct flow dropped = flow_empty();
	for (; hs->hook != HOOK_MAX; hs++) {
		const struct ir_chain *c = base_chain(an->ir, hs->table, hs->hook);
		if (!c)
			continue;
		struct flow redir = flow_empty();
		size_t mk0 = an->nmk;
		if (hs->table == TBL_NAT) {
			/* nat sees the first packet of a connection only */
			BDD nw = fld_eq(&an->s, F_STATE, 0, false);
			struct flow fn = { and2(f.may, nw), and2(f.must, nw) };
			struct flow fo = { diff2(f.may, nw), diff2(f.must, nw) };
			bdd_delref(nw);
			run_base(an, c, &fn, path, &dropped, &redir);
			flow_release(&f);
			f = fn;
			flow_or(&f, &fo);
			flow_release(&fo);
		} else {
			run_base(an, c, &f, path, &dropped, &redir);
		}
		check_marks(an, mk0);
		if (forward && redir.may != bddfalse) {
			/* a redirected forwarded packet is for this host now */
			const struct hookstep *in = path_steps(PATH_INPUT) + 3;
			struct flow r = { bref(redir.may), bref(redir.must) };
			run_steps(an, in, r, path, false, acc);
		} else {
			flow_or(&f, &redir);
		}
		flow_release(&redir);
	}
	flow_or(acc, &f);
	flow_release(&f);
	flow_release(&dropped);
}

static void run_path(struct an *an, enum path p)
{
	BDD e = space_path(&an->s, p);
	band(&e, an->s.dom);
	if (an->ir->family) {
		/* a dump of one family governs only its packets */
		BDD fb = fam_is(&an->s, an->ir->family);
		band(&e, fb);
		bdd_delref(fb);
	}
	band(&e, an->s.same);
	if (an->universe != -1)
		band(&e, an->universe);
	struct flow f = { e, bref(e) };
	an->path_ev_start = an->nev;
	an->acc[p] = flow_empty();
	an->rej[p] = bref(bddfalse);
	run_steps(an, path_steps(p), f, p, p == PATH_FORWARD, &an->acc[p]);
	an->acc_orig_may[p] = space_orig(&an->s, an->acc[p].may);
	an->acc_orig_must[p] = space_orig(&an->s, an->acc[p].must);
}

/* ---- reporting helpers ---- */

static const char *act_word(enum act_kind k)
{
	switch (k) {
	case ACT_ACCEPT: return "accept";
	case ACT_DROP: return "drop";
	case ACT_REJECT: return "reject";
	case ACT_RETURN: return "return";
	default: return act_name(k);
	}
}

static void rule_where(char *buf, size_t n, const struct ir_rule *r,
		       const struct ir_chain *c)
{
	if (!r)
		snprintf(buf, n, "the policy of chain %s %s", table_name(c->table),
			 c->name);
	else if (r->origin || !r->loc.file)
		snprintf(buf, n, "%s", r->origin ? r->origin : "a generated rule");
	else
		loc_short(&r->loc, buf, n);
}

static void related_rule(struct lint_finding *f, const struct ir_rule *r,
			 const struct ir_chain *c, const char *role,
			 const char *what)
{
	static const struct loc none;
	char w[160];
	rule_where(w, sizeof(w), r, c);
	if (r && r->loc.file && !r->origin)
		lint_related_add(f, &r->loc, role, "%s", what);
	else
		lint_related_add(f, &none, role, "%s (%s)", what, w);
}

static void set_witness(struct an *an, struct lint_finding *f, BDD x,
			const struct ir_rule *r, const struct ir_chain *c)
{
	struct packet p;
	space_pick(&an->s, x, &p);
	f->has_witness = true;
	packet_format(f->witness.packet, sizeof(f->witness.packet), &p);
	if (r)
		f->witness.rule = r->loc;
	f->witness.chain = c ? c->name : NULL;
	f->witness.table = c ? c->table : TBL_FILTER;
	f->witness.rule_is_policy = r == NULL;
}

static bool enabled(struct an *an, enum lint_check c)
{
	return an->o->enabled[c];
}

/* ---- shadowed, redundant (upward), empty-match ---- */

static int loc_cmp(const struct loc *a, const struct loc *b)
{
	if (a->file != b->file) {
		if (!a->file || !b->file)
			return a->file ? 1 : -1;
		int c = strcmp(a->file->path, b->file->path);
		if (c)
			return c;
		return a->file < b->file ? -1 : 1;
	}
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

static int rule_loc_cmp(const void *pa, const void *pb)
{
	const struct ir_rule *a = *(const struct ir_rule *const *)pa;
	const struct ir_rule *b = *(const struct ir_rule *const *)pb;
	int c = loc_cmp(&a->loc, &b->loc);
	if (c)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* What a decision is, for "decide the same": accept, drop, reject, return
 * and NAT each their own; anything else is not a decision. */
static int decision(enum act_kind k)
{
	switch (k) {
	case ACT_ACCEPT: return 1;
	case ACT_DROP: return 2;
	case ACT_REJECT: return 3;
	case ACT_RETURN: return 4;
	default: return is_nat_act(k) ? 5 : 0;
	}
}

static bool same_reject(const struct ir_rule *a, const struct ir_rule *b)
{
	const char *x = a->act.reject_with, *y = b->act.reject_with;
	return (!x && !y) || (x && y && !strcmp(x, y));
}

struct cover {
	size_t *ev;                    /* event indices, in order */
	size_t n, cap;
	BDD lost;                      /* orig: packets the rule would match */
};

/* Events of one visit of rule r that took the packets r would match:
 * an irreducible cover (none can be left out), earliest first. */
static void find_cover(struct an *an, const struct ir_rule *r,
		       const struct rvisit *rv, struct cover *cv)
{
	struct rinfo *ri = &an->ri[r->id];
	struct visit *v = &an->vis[rv->visit];
	rule_bdds(an, r);
	BDD x = and2(v->entry, ri->mmay);
	size_t from = v->ev_start;
	bool earlier_tables = false;
	if (x == bddfalse) {
		/* nothing that reaches the chain would match: earlier chains
		 * of the path took those packets */
		bdd_delref(x);
		BDD pe = space_path(&an->s, v->path);
		band(&pe, an->s.dom);
		band(&pe, an->s.same);
		band(&pe, v->ctx);
		x = and2(pe, ri->mmay);
		bdd_delref(pe);
		from = v->path_ev_start;
		earlier_tables = true;
	}
	BDD target = space_orig(&an->s, x);
	bdd_delref(x);
	size_t to = earlier_tables ? v->ev_start : rv->ev_end;
	size_t *cand = NULL, nc = 0, capc = 0;
	struct hull rh = rule_hull(r);
	for (size_t i = from; i < to; i++) {
		struct event *e = &an->ev[i];
		if (!hulls_meet(&rh, &e->h))
			continue;   /* disjoint sources: no BDD needed */
		if (e->act == ACT_RETURN && e->visit != rv->visit)
			continue;   /* returned packets go on in this chain */
		if (earlier_tables && !(e->act == ACT_DROP || e->act == ACT_REJECT))
			continue;   /* only drops end a packet's way */
		if (event_meets_orig(an, e, target)) {
			VEC_PUSH(cand, nc, capc);
			cand[nc++] = i;
		}
	}
	/* suffix unions, then keep a candidate only if the ones kept so far
	 * and the later ones do not already cover the target */
	BDD *suf = xcalloc(nc + 1, sizeof(BDD));
	suf[nc] = bref(bddfalse);
	for (size_t k = nc; k-- > 0;)
		suf[k] = bref(bdd_or(suf[k + 1], event_orig(an, &an->ev[cand[k]])));
	BDD kept = bref(bddfalse);
	for (size_t k = 0; k < nc; k++) {
		BDD u = bref(bdd_or(kept, suf[k + 1]));
		BDD miss = diff2(target, u);
		bdd_delref(u);
		if (miss != bddfalse) {
			bor(&kept, event_orig(an, &an->ev[cand[k]]));
			VEC_PUSH(cv->ev, cv->n, cv->cap);
			cv->ev[cv->n++] = cand[k];
		}
		bdd_delref(miss);
	}
	for (size_t k = 0; k <= nc; k++)
		bdd_delref(suf[k]);
	free(suf);
	free(cand);
	bdd_delref(kept);
	cv->lost = target;
}

/* Two events at one place of the policy (a rule split per family or
 * protocol is one rule as written). */
static bool same_event_place(const struct event *a, const struct event *b)
{
	if (!a->r || !b->r)
		return a->r == b->r && a->c == b->c;
	if (a->r->origin || b->r->origin || !a->r->loc.file)
		return a->r == b->r || (a->r->origin && b->r->origin &&
					!strcmp(a->r->origin, b->r->origin));
	return !loc_cmp(&a->r->loc, &b->r->loc);
}

static bool group_has_daddr(const struct ir_rule *r)
{
	for (size_t i = 0; i < r->nm; i++)
		if (r->m[i].kind == M_DADDR || r->m[i].kind == M_DSET ||
		    r->m[i].kind == M_DPORT)
			return true;
	return false;
}

/* nat-bypass, second half: a filter rule written for a destination that
 * a DNAT rewrote before the filter looks. Returns true if reported. */
static bool check_nat_written_for(struct an *an, const struct ir_rule *r)
{
	struct rinfo *ri = &an->ri[r->id];
	if (!enabled(an, CHK_NAT_BYPASS) || ri->chain->table != TBL_FILTER ||
	    !group_has_daddr(r) || !ri->visited)
		return false;
	rule_bdds(an, r);
	BDD paths = -1;
	bool fires = false;
	struct box rb = rule_box(r);
	/* the fields a DNAT does not rewrite, or matches before it does */
	rb.iif = rb.oif = NULL;
	rb.state = ~0u;
	BDD pre = -1;
	for (size_t d = 0; d < an->ndn && !fires; d++) {
		if (an->dn[d].r->act.kind != ACT_DNAT)
			continue;
		/* the packets a DNAT rewrote met its conditions as they came
		 * in: when its box and the rule's do not meet, neither do
		 * the packets (quick, before any BDD) */
		if (!boxes_meet(&rb, &an->dn[d].box))
			continue;
		if (pre == -1) {
			pre = space_to_orig(&an->s, ri->mmay);
			/* the paths the rule is on, as incoming packets */
			paths = bref(bddfalse);
			for (size_t k = 0; k < ri->nv; k++) {
				BDD p = space_path(&an->s, an->vis[ri->v[k].visit].path);
				BDD po = space_to_orig(&an->s, p);
				bor(&paths, po);
				bdd_delref(p);
				bdd_delref(po);
			}
		}
		if (an->dn[d].in == -1)
			an->dn[d].in = space_orig(&an->s, an->dn[d].out.may);
		BDD din = bref(an->dn[d].in);
		BDD want = and2(pre, din);
		band(&want, paths);
		if (want != bddfalse) {
			BDD h = space_orig(&an->s, rule_hit(an, ri));
			BDD got = and2(h, want);
			fires = got == bddfalse;
			bdd_delref(got);
			bdd_delref(h);
		}
		if (fires) {
			char w[160];
			rule_where(w, sizeof(w), an->dn[d].r, NULL);
			struct lint_finding *f = lint_add(an->res, CHK_NAT_BYPASS, true, &r->loc,
				"this rule tests the destination the packets had before the "
				"DNAT at %s; the filter sees the rewritten destination, so it "
				"never applies to that traffic", w);
			f->rule_id = r->id;
			f->dead = !hit_any(an, ri);
			related_rule(f, an->dn[d].r, NULL, "rewrites", "DNAT rewrites the destination first");
			/* a packet the author meant: the DNAT takes it */
			set_witness(an, f, want, an->dn[d].r, an->ri[an->dn[d].r->id].chain);
			an->ri[r->id].reported = true;
		}
		bdd_delref(want);
		bdd_delref(din);
	}
	if (pre != -1) {
		bdd_delref(pre);
		bdd_delref(paths);
	}
	return fires;
}

/* The rule's conditions meet none of the contexts (path, jump
 * conditions) it is visited in: contradictory, whatever came before. */
static bool ctx_empty(struct an *an, const struct ir_rule *r)
{
	struct rinfo *ri = &an->ri[r->id];
	rule_bdds(an, r);
	for (size_t k = 0; k < ri->nv; k++) {
		BDD t = and2(an->vis[ri->v[k].visit].ctx, ri->mmay);
		bool e = t == bddfalse;
		bdd_delref(t);
		if (!e)
			return false;
	}
	return true;
}

static void report_dead(struct an *an, const struct ir_rule **g, size_t n)
{
	/* every member visited is dead; some visit brought packets */
	const struct ir_rule *r0 = g[0];
	bool all_empty = true;
	for (size_t i = 0; i < n; i++)
		if (!ctx_empty(an, g[i]))
			all_empty = false;
	if (all_empty) {
		if (!enabled(an, CHK_EMPTY_MATCH))
			return;
		struct rinfo *ri = &an->ri[r0->id];
		rule_bdds(an, r0);
		bool own = ri->mmay == bddfalse;
		struct lint_finding *f = lint_add(an->res, CHK_EMPTY_MATCH, true, &r0->loc,
			own ? "the rule can never match: its conditions contradict each other"
			    : "the rule can never match: its conditions contradict the "
			      "conditions under which its chain %s is entered", ri->chain->name);
		f->rule_id = r0->id;
		f->dead = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (check_nat_written_for(an, g[i]))
			return;
	if (!enabled(an, CHK_SHADOWED) && !enabled(an, CHK_REDUNDANT))
		return;
	/* gather the covers of every member's visits */
	struct cover all = { 0 };
	BDD lost = bref(bddfalse);
	const struct ir_rule *wr = NULL;
	const struct ir_chain *wc = NULL;
	BDD wx = -1;
	for (size_t i = 0; i < n; i++) {
		struct rinfo *ri = &an->ri[g[i]->id];
		for (size_t k = 0; k < ri->nv; k++) {
			struct visit *v = &an->vis[ri->v[k].visit];
			if (v->entry == bddfalse)
				continue;
			struct cover cv = { 0 };
			find_cover(an, g[i], &ri->v[k], &cv);
			bor(&lost, cv.lost);
			for (size_t j = 0; j < cv.n; j++) {
				bool dup = false;
				for (size_t m = 0; m < all.n; m++)
					if (same_event_place(&an->ev[all.ev[m]], &an->ev[cv.ev[j]]))
						dup = true;
				if (!dup) {
					VEC_PUSH(all.ev, all.n, all.cap);
					all.ev[all.n++] = cv.ev[j];
				}
				if (wx == -1) {
					BDD t = and2(cv.lost, event_orig(an, &an->ev[cv.ev[j]]));
					if (t != bddfalse) {
						wx = t;
						wr = an->ev[cv.ev[j]].r;
						wc = an->ev[cv.ev[j]].c;
					} else {
						bdd_delref(t);
					}
				}
			}
			bdd_delref(cv.lost);
			free(cv.ev);
		}
	}
	/* implicit rules (loopback, established, invalid) take their share
	 * by design: the rules as written decide whether it is a conflict */
	int mine = decision(eff_kind(r0));
	bool same = mine != 0 && all.n > 0;
	size_t nexplicit = 0;
	for (size_t j = 0; j < all.n; j++) {
		const struct event *e = &an->ev[all.ev[j]];
		if (e->r && e->r->origin)
			continue;
		nexplicit++;
		if (decision(e->act) != mine)
			same = false;
		else if (mine == 3 && (!e->r || !same_reject(e->r, r0)))
			same = false;
	}
	if (nexplicit == 0)
		same = false;
	bool certain = !hit_any(an, &an->ri[r0->id]);
	enum lint_check chk = same ? CHK_REDUNDANT : CHK_SHADOWED;
	if (enabled(an, chk)) {
		/* the rules as written that cover it (for "the same", only
		 * those decide; the implicit ones are listed as related) */
		char list[512] = "";
		size_t len = 0, shown = 0, nlist = same ? nexplicit : all.n;
		for (size_t j = 0; j < all.n && shown < 4; j++) {
			const struct event *e = &an->ev[all.ev[j]];
			if (same && e->r && e->r->origin)
				continue;
			char w[160];
			rule_where(w, sizeof(w), e->r, e->c);
			len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0,
						"%s%s", shown ? (shown + 1 == nlist ? " and " : ", ") : "", w);
			shown++;
		}
		if (nlist > 4 && len < sizeof(list))
			snprintf(list + len, sizeof(list) - len, " and %zu more", nlist - 4);
		struct lint_finding *f;
		if (same)
			f = lint_add(an->res, chk, certain, &r0->loc,
				     "the rule never matches: %s already %s%s every packet it matches",
				     nlist ? list : "earlier rules", act_word(r0->act.kind),
				     nlist == 1 ? "s" : "");
		else if (all.n == 0)
			f = lint_add(an->res, chk, certain, &r0->loc,
				     "the rule never matches: no packet that reaches it matches");
		else if (mine == 0)
			f = lint_add(an->res, chk, certain, &r0->loc,
				     "the rule never matches: %s take%s every packet it would match first",
				     list, all.n == 1 ? "s" : "");
		else
			f = lint_add(an->res, chk, certain, &r0->loc,
				     "the rule never matches: %s take%s every packet it would %s, "
				     "and decide%s differently: the rule's intent is lost",
				     list, all.n == 1 ? "s" : "", act_word(r0->act.kind),
				     all.n == 1 ? "s" : "");
		f->rule_id = r0->id;
		f->dead = certain;
		for (size_t j = 0; j < all.n; j++) {
			struct event *e = &an->ev[all.ev[j]];
			char what[64];
			snprintf(what, sizeof(what), "%s these packets first",
				 e->r ? act_word(e->act) : "the policy decides");
			related_rule(f, e->r, e->c, "covering", what);
		}
		if (wx != -1)
			set_witness(an, f, wx, wr, wc);
	}
	if (wx != -1)
		bdd_delref(wx);
	bdd_delref(lost);
	free(all.ev);
}

static void report_possible(struct an *an, const struct ir_rule *r)
{
	if (!enabled(an, CHK_SHADOWED))
		return;
	struct lint_finding *f = lint_add(an->res, CHK_SHADOWED, false, &r->loc,
		"the rule may never match: when the rate, connection-limit, recent or "
		"nth matches of earlier rules match, those rules take every packet it "
		"would match");
	f->rule_id = r->id;
}

/* The visited rules as written (no implicit ones), in source order so
 * that the IR rules of one place are neighbours; with `hit`, only those
 * some packet reaches. */
static const struct ir_rule **rules_by_place(struct an *an, bool hit, size_t *np)
{
	const struct ir *ir = an->ir;
	const struct ir_rule **g = xcalloc(ir->nrules + 1, sizeof(*g));
	size_t n = 0;
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++) {
			const struct ir_rule *r = ir->chains[i]->rules[j];
			if (!r->origin && r->loc.file && an->ri[r->id].visited &&
			    (!hit || hit_any(an, &an->ri[r->id])))
				g[n++] = r;
		}
	qsort(g, n, sizeof(*g), rule_loc_cmp);
	*np = n;
	return g;
}

static void check_rules(struct an *an)
{
	size_t n;
	const struct ir_rule **g = rules_by_place(an, false, &n);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && !loc_cmp(&g[j]->loc, &g[i]->loc))
			j++;
		bool dead = true, possible = true, entered = false;
		for (size_t k = i; k < j; k++) {
			struct rinfo *ri = &an->ri[g[k]->id];
			if (hit_any(an, ri))
				dead = false;
			/* "possibly shadowed" needs packets that surely reach
			 * the rule: after a rule that may take every packet
			 * ("-m recent --update -j DROP"), every later rule would
			 * be, which says nothing about them */
			if (hit_all_any(an, ri) || !ri->must_in)
				possible = false;
			for (size_t v = 0; v < ri->nv; v++)
				if (an->vis[ri->v[v].visit].entry != bddfalse)
					entered = true;
			if (!hit_any(an, ri) && ctx_empty(an, g[k]))
				entered = true;   /* empty-match needs no packets */
		}
		bool nat = false;
		if (!dead)
			for (size_t k = i; k < j && !nat; k++)
				nat = check_nat_written_for(an, g[k]);
		if (nat)
			;
		else if (dead && entered)
			report_dead(an, g + i, j - i);
		else if (!dead && possible && entered)
			report_possible(an, g[i]);
		i = j;
	}
	free(g);
}

/* ---- redundant (downward): backwards over each chain ---- */

static int klass(struct an *an, const struct ir_rule *r)
{
	switch (eff_kind(r)) {
	case ACT_ACCEPT: return K_ACC;
	case ACT_DROP: return K_DROP;
	case ACT_RETURN: return K_RET;
	case ACT_REJECT:
		for (size_t i = 0; i < an->nrejw; i++)
			if (same_reject(an->rejw[i], r))
				return K_REJ0 + (int)i;
		if (K_REJ0 + an->nrejw >= K_MAX)
			return K_REJ0 + K_MAX - K_REJ0 - 1;  /* shares the last */
		an->rejw[an->nrejw++] = r;
		return K_REJ0 + (int)an->nrejw - 1;
	default:
		return is_nat_act(r->act.kind) ? K_ACC : -1;
	}
}

/* D[k] on entry: packets that end in class k from position 0 of c, given
 * end[k] for falling off its end (and for return). When check, report
 * rules whose packets would get the same decision without them. */
static void backward(struct an *an, const struct ir_chain *c, const BDD *end,
		     BDD *d, int depth, bool check);

static int chsum_cmp(const void *a, const void *b)
{
	const struct ir_chain *x = ((const struct chsum *)a)->c, *y = ((const struct chsum *)b)->c;
	return x < y ? -1 : x > y;
}

/* What a jump to chain c decides, as a function of what the rules after
 * the jump decide (end): per class k, a packet's result is monotone in
 * end[k] alone (the pass only takes ite with the rules' conditions and
 * "and"), so it is 0, 1 or end[k]: d[k] = a[k] | (t[k] & end[k]) with
 * a = the result for end = nothing, t = for end = everything. Each chain
 * is walked twice, not once per jump to it. */
static void chain_jump(struct an *an, const struct ir_chain *c, const BDD *end,
		       BDD *d, int depth)
{
	struct chsum key = { .c = c };
	struct chsum *cs = bsearch(&key, an->sum, an->nsum, sizeof(*an->sum), chsum_cmp);
	if (!cs || depth >= DEPTH_MAX)
		BUG("chain %s without a summary", c->name);
	int nk = an->nk;
	if (!cs->done) {
		BDD e[K_MAX];
		for (int k = 0; k < K_MAX; k++)
			e[k] = bddfalse;
		backward(an, c, e, cs->a, depth, false);
		for (int k = 0; k < K_MAX; k++)
			e[k] = k < nk ? bddtrue : bddfalse;
		backward(an, c, e, cs->t, depth, false);
		cs->done = true;
	}
	for (int k = 0; k < K_MAX; k++) {
		if (k >= nk) {
			d[k] = bref(bddfalse);
			continue;
		}
		BDD te = and2(cs->t[k], end[k]);
		d[k] = bref(bdd_or(cs->a[k], te));
		bdd_delref(te);
	}
}

static void backward(struct an *an, const struct ir_chain *c, const BDD *end,
		     BDD *d, int depth, bool check)
{
	int nk = an->nk;
	for (int k = 0; k < K_MAX; k++)
		d[k] = bref(k < nk ? end[k] : bddfalse);
	/* checking, what the chain decides as a whole is not wanted: a rule
	 * that no earlier rule reading the decisions meets changes nothing
	 * anyone reads (see chain_deferral()) */
	const bool *first = check && depth == 0 ? chain_deferral(an, c)->first : NULL;
	for (size_t i = c->n; i-- > 0;) {
		const struct ir_rule *r = c->rules[i];
		struct rinfo *ri = &an->ri[r->id];
		rule_bdds(an, r);
		const struct ir_action *a = &r->act;
		int kl = klass(an, r);
		if (ri->visited && !hit_any(an, ri))
			continue;   /* never matches (reported so): as if absent, so
				       that of two copies only one is reported */
		if (check && kl >= 0 && kl != K_RET && !is_nat_act(a->kind) &&
		    hit_any(an, ri)) {
			BDD miss = diff2(ri->hit, d[kl]);
			bool down = miss == bddfalse;
			bdd_delref(miss);
			if (down && ri->nlazy) {
				/* an unmade hit seg ∧ rule lies in d[kl] when
				 * seg meets nothing of rule − d[kl] */
				BDD rd = diff2(ri->mmay, d[kl]);
				for (size_t v = 0; v < ri->nv && down && rd != bddfalse; v++)
					if (ri->v[v].seg != -1 && bdd_meets(an, ri->v[v].seg, rd))
						down = false;
				bdd_delref(rd);
			}
			ri->down = down;
		}
		if (first && first[i])
			continue;
		BDD x[K_MAX];
		for (int k = nk; k < K_MAX; k++)
			x[k] = bref(bddfalse);
		if (kl >= 0) {
			for (int k = 0; k < nk; k++)
				x[k] = kl == K_RET ? bref(end[k])
						   : bref(k == kl ? bddtrue : bddfalse);
		} else if (a->kind == ACT_JUMP || a->kind == ACT_GOTO) {
			if (depth >= DEPTH_MAX) {
				for (int k = 0; k < nk; k++)
					x[k] = bref(bddfalse);
			} else {
				chain_jump(an, a->target, a->kind == ACT_JUMP ? d : end, x,
					   depth + 1);
			}
		} else if (eff_kind(r) == ACT_LOG || a->kind == ACT_CLAMP_MSS) {
			/* a packet it logs is logged: not "the same" any more */
			for (int k = 0; k < nk; k++)
				x[k] = bref(bddfalse);
		} else {
			/* marks: the verdict may stay, the packet does not */
			for (int k = 0; k < nk; k++)
				x[k] = bref(bddfalse);
		}
		for (int k = 0; k < nk; k++) {
			if (ri->mmay == ri->mmust) {
				BDD nd = bref(bdd_ite(ri->mmay, x[k], d[k]));
				bdd_delref(x[k]);
				bdd_delref(d[k]);
				d[k] = nd;
				continue;
			}
			/* certain: matched for sure -> x; maybe -> both agree */
			BDD both = and2(x[k], d[k]);
			BDD inner = bref(bdd_ite(ri->mmay, both, d[k]));
			BDD nd = bref(bdd_ite(ri->mmust, x[k], inner));
			bdd_delref(both);
			bdd_delref(inner);
			bdd_delref(x[k]);
			bdd_delref(d[k]);
			d[k] = nd;
		}
	}
}

/* The end of a user chain entered only by gotos from base chains of one
 * policy is that policy (zone dispatch chains); else a return. */
static int goto_end(struct an *an, const struct ir_chain *c)
{
	int k = -1;
	for (size_t i = 0; i < an->ir->nchains; i++) {
		const struct ir_chain *b = an->ir->chains[i];
		for (size_t j = 0; j < b->n; j++) {
			const struct ir_action *a = &b->rules[j]->act;
			if ((a->kind != ACT_JUMP && a->kind != ACT_GOTO) || a->target != c)
				continue;
			if (a->kind == ACT_JUMP || b->hook == HOOK_NONE)
				return K_RET;
			int p = b->policy == ACT_DROP ? K_DROP : K_ACC;
			if (k >= 0 && k != p)
				return K_RET;
			k = p;
		}
	}
	return k < 0 ? K_RET : k;
}

static void check_downward(struct an *an)
{
	if (!enabled(an, CHK_REDUNDANT))
		return;
	/* every reject kind gets its class before the classes are counted */
	for (size_t i = 0; i < an->ir->nchains; i++)
		for (size_t j = 0; j < an->ir->chains[i]->n; j++)
			klass(an, an->ir->chains[i]->rules[j]);
	an->nk = K_REJ0 + (int)an->nrejw;
	an->nsum = an->ir->nchains;
	an->sum = xcalloc(an->nsum + 1, sizeof(*an->sum));
	for (size_t i = 0; i < an->nsum; i++)
		an->sum[i].c = an->ir->chains[i];
	qsort(an->sum, an->nsum, sizeof(*an->sum), chsum_cmp);
	for (size_t i = 0; i < an->ir->nchains; i++) {
		const struct ir_chain *c = an->ir->chains[i];
		bool visited = false;
		for (size_t j = 0; j < c->n; j++)
			if (an->ri[c->rules[j]->id].visited)
				visited = true;
		if (!visited)
			continue;
		BDD end[K_MAX], d[K_MAX];
		int ek = c->hook == HOOK_NONE ? goto_end(an, c)
			 : c->policy == ACT_DROP ? K_DROP : K_ACC;
		/* a return in a base chain is its policy */
		for (int k = 0; k < K_MAX; k++)
			end[k] = bref(k == ek ? bddtrue : bddfalse);
		backward(an, c, end, d, 0, true);
		for (int k = 0; k < K_MAX; k++) {
			bdd_delref(end[k]);
			bdd_delref(d[k]);
		}
	}
	for (size_t i = 0; i < an->nsum; i++)
		if (an->sum[i].done)
			for (int k = 0; k < K_MAX; k++) {
				bdd_delref(an->sum[i].a[k]);
				bdd_delref(an->sum[i].t[k]);
			}
	free(an->sum);
	an->sum = NULL;
	/* one finding per rule as written: every part of it is redundant */
	size_t n;
	const struct ir_rule **g = rules_by_place(an, true, &n);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && !loc_cmp(&g[j]->loc, &g[i]->loc))
			j++;
		bool all = true, certain = true;
		for (size_t k = i; k < j; k++) {
			if (!an->ri[g[k]->id].down || an->ri[g[k]->id].reported)
				all = false;
			if (rule_is_stateful(g[k]))
				certain = false;
		}
		if (all) {
			const struct ir_rule *r = g[i];
			struct lint_finding *f = lint_add(an->res, CHK_REDUNDANT, certain, &r->loc,
				"the rule is redundant: without it, every packet it matches "
				"would get the same verdict (%s) from the rules after it",
				act_word(r->act.kind));
			f->rule_id = r->id;
		}
		i = j;
	}
	free(g);
}

/* ---- mark-order, mark-overwritten (per mangle base chain walk) ---- */

static bool reads_mark(const struct ir_rule *r)
{
	for (size_t i = 0; i < r->nm; i++)
		if (r->m[i].kind == M_MARK || r->m[i].kind == M_CONNMARK)
			return true;
	return false;
}

static void check_marks(struct an *an, size_t from)
{
	for (size_t i = from; i < an->nmk; i++) {
		struct markev *x = &an->mk[i];
		if (x->kind == MK_EXEMPT || x->kind == MK_CLEAR) {
			if (!enabled(an, CHK_MARK_ORDER) || reads_mark(x->r))
				continue;   /* one that tests the mark wants it set */
			for (size_t j = from; j < i; j++) {
				struct markev *m = &an->mk[j];
				if (m->kind != MK_SET || m->r == x->r)
					continue;
				BDD both = and2(m->orig, x->orig);
				if (both != bddfalse && !an->ri[x->r->id].reported) {
					an->ri[x->r->id].reported = true;
					char w[160];
					rule_where(w, sizeof(w), m->r, NULL);
					struct lint_finding *f = lint_add(an->res, CHK_MARK_ORDER,
						m->certain && x->certain, &x->r->loc,
						"this exemption comes after the %s at %s, which has "
						"already marked the packets it should exempt; move it "
						"before that rule",
						act_name(m->r->act.kind), w);
					f->rule_id = x->r->id;
					related_rule(f, m->r, NULL, "marks", "marks these packets first");
					set_witness(an, f, both, x->r, an->ri[x->r->id].chain);
				}
				bdd_delref(both);
			}
		}
	}
	if (!enabled(an, CHK_MARK_OVERWRITTEN))
		goto out;
	for (size_t j = from; j < an->nmk; j++) {
		struct markev *m = &an->mk[j];
		if (m->kind != MK_SET || m->r->act.kind != ACT_MARK ||
		    an->ri[m->r->id].reported)
			continue;
		BDD over = bref(bddfalse);
		bool read = false;
		const struct ir_rule *last = NULL;
		for (size_t k = j + 1; k < an->nmk; k++) {
			struct markev *n = &an->mk[k];
			BDD t = and2(n->orig, m->orig);
			bool meets = t != bddfalse;
			bdd_delref(t);
			if (!meets)
				continue;
			if (n->kind == MK_READ || n->kind == MK_EXEMPT)
				read = read || n->kind == MK_READ;
			if ((n->kind == MK_SET || n->kind == MK_CLEAR) &&
			    n->r->act.kind == ACT_MARK &&
			    (n->r->act.mask & m->r->act.mask) == m->r->act.mask && !read) {
				bor(&over, n->orig);
				last = n->r;
			}
		}
		BDD left = diff2(m->orig, over);
		if (left == bddfalse && last) {
			an->ri[m->r->id].reported = true;
			char w[160];
			rule_where(w, sizeof(w), last, NULL);
			struct lint_finding *f = lint_add(an->res, CHK_MARK_OVERWRITTEN,
				m->certain, &m->r->loc,
				"this mark is always replaced by a later MARK (%s) before "
				"anything reads it", w);
			f->rule_id = m->r->id;
			related_rule(f, last, NULL, "overwrites", "sets the mark again");
		}
		bdd_delref(left);
		bdd_delref(over);
	}
out:
	for (size_t i = from; i < an->nmk; i++)
		bdd_delref(an->mk[i].orig);
	an->nmk = from;
}

/* ---- nat-bypass: a port forward to nothing ---- */

/* The first event that drops or rejects some of orig (a set over orig
 * variables). */
static const struct event *first_drop(struct an *an, BDD orig)
{
	for (size_t i = 0; i < an->nev; i++) {
		struct event *e = &an->ev[i];
		if ((e->act == ACT_DROP || e->act == ACT_REJECT) &&
		    event_meets_orig(an, e, orig))
			return e;
	}
	return NULL;
}

static void check_nat(struct an *an)
{
	if (!enabled(an, CHK_NAT_BYPASS))
		return;
	BDD acc_may = bref(bddfalse), acc_must = bref(bddfalse);
	for (int p = 0; p < 3; p++) {
		bor(&acc_may, an->acc_orig_may[p]);
		bor(&acc_must, an->acc_orig_must[p]);
	}
	for (size_t d = 0; d < an->ndn; d++) {
		const struct ir_rule *r = an->dn[d].r;
		if (r->origin || !r->loc.file || an->ri[r->id].reported)
			continue;
		BDD in = space_orig(&an->s, an->dn[d].out.may);
		if (r->act.kind == ACT_DNAT && r->act.has_addr) {
			/* a DNAT to an address forwards (the kernel routes the
			 * rewritten packet on): judge it by the forwarded ones */
			BDD fw = space_path(&an->s, PATH_FORWARD);
			BDD fwo = space_to_orig(&an->s, fw);
			BDD t = and2(in, fwo);
			bdd_delref(fw);
			bdd_delref(fwo);
			if (t != bddfalse) {
				bdd_delref(in);
				in = t;
			} else {
				bdd_delref(t);
			}
		}
		BDD ok = and2(in, acc_may);
		bool certain = ok == bddfalse;
		bool possible = false;
		if (!certain) {
			BDD ok2 = and2(in, acc_must);
			possible = ok2 == bddfalse;
			bdd_delref(ok2);
		}
		if (certain || possible) {
			an->ri[r->id].reported = true;
			struct lint_finding *f = lint_add(an->res, CHK_NAT_BYPASS, certain, &r->loc,
				"port forward to nothing: every packet this %s rewrites is "
				"dropped afterwards", act_name(r->act.kind));
			f->rule_id = r->id;
			const struct event *e = first_drop(an, in);
			if (e)
				related_rule(f, e->r, e->c, "drops",
					     e->r ? "drops the rewritten packets" : "the policy drops them");
			BDD wx = e ? and2(in, event_orig(an, (struct event *)e)) : bref(in);
			set_witness(an, f, wx != bddfalse ? wx : in, e ? e->r : NULL,
				    e ? e->c : NULL);
			bdd_delref(wx);
		}
		bdd_delref(ok);
		bdd_delref(in);
	}
	bdd_delref(acc_may);
	bdd_delref(acc_must);
}

/* ---- meeting two large sets without building their product ---- */

/* a ∧ b can be as large as the product of a and b (replies keyed by
 * destination against drops keyed by source: see lock_check); when only
 * "is it empty" and one member are needed, the search of bdd_meets
 * (recording its path) usually costs a path. */
static bool meet_rec(struct meetmemo *m, BDD a, BDD b, int *var, int *val, int d, int *n)
{
	if (a == bddfalse || b == bddfalse)
		return false;
	if (a == bddtrue && b == bddtrue) {
		*n = d;
		return true;
	}
	if (!memo_add(m, a, b, bddtrue))
		return false;   /* seen: it led nowhere */
	int va = top_var(a), vb = top_var(b);
	int v = va < vb ? va : vb;
	var[d] = v;
	for (int bit = 0; bit < 2; bit++) {
		BDD a1 = va == v ? (bit ? bdd_high(a) : bdd_low(a)) : a;
		BDD b1 = vb == v ? (bit ? bdd_high(b) : bdd_low(b)) : b;
		val[d] = bit;
		if (meet_rec(m, a1, b1, var, val, d + 1, n))
			return true;
	}
	return false;
}

static BDD meet_cube(struct an *an, BDD a, BDD b)
{
	int nv = bdd_varnum();
	int *var = xcalloc((size_t)nv + 1, sizeof(int)), *val = xcalloc((size_t)nv + 1, sizeof(int));
	int n = 0;
	BDD r = bref(bddfalse);
	memo_start(&an->memo);
	if (meet_rec(&an->memo, a, b, var, val, 0, &n)) {
		bdd_delref(r);
		r = bref(bddtrue);
		for (int i = n - 1; i >= 0; i--)
			band(&r, val[i] ? bdd_ithvar(var[i]) : bdd_nithvar(var[i]));
	}
	free(var);
	free(val);
	return r;
}

/* Above this product of node counts, lock_check searches for one packet
 * instead of building the whole intersection. */
#define MEET_EXACT_MAX 4000000.0

/* ---- lockout ---- */

/* Incoming packets (orig terms) from a condition on cur fields. */
static BDD incoming(struct an *an, BDD cond, enum path p, int state)
{
	BDD x = space_path(&an->s, p);
	band(&x, an->s.dom);
	band(&x, cond);
	if (state >= 0) {
		BDD st = fld_eq(&an->s, F_STATE, (u128)state, false);
		band(&x, st);
		bdd_delref(st);
	}
	BDD o = space_to_orig(&an->s, x);
	bdd_delref(x);
	return o;
}

/* Incoming reply packets (orig terms) of packets x (cur terms). */
static BDD replies(struct an *an, BDD x, enum path rp)
{
	BDD r = space_reply(&an->s, x);
	BDD pd = space_path(&an->s, rp);
	band(&pd, an->s.dom);
	BDD po = space_to_orig(&an->s, pd);
	bdd_delref(pd);
	band(&r, po);
	bdd_delref(po);
	return r;
}

/* Report when packets q (orig terms, on path p) are dropped: all of them
 * (certain, error), or some. Returns true if something was reported. */
static bool lock_check(struct an *an, BDD q, enum path p, const char *all_msg,
		       const char *some_msg, bool report_some)
{
	if (q == bddfalse)
		return false;
	BDD qf = -1;
	if (an->ir->family) {
		BDD fb = fam_is(&an->s, an->ir->family);
		qf = and2(q, fb);
		bdd_delref(fb);
		q = qf;
		if (q == bddfalse) {
			bdd_delref(qf);
			return false;
		}
	}
	/* large sets (one per source against one per destination): one
	 * packet of each intersection is enough to tell and to show */
	static double meet_max = -1;
	if (meet_max < 0)   /* tests: FWC_MEET_EXACT_MAX=0 always searches */
		meet_max = getenv("FWC_MEET_EXACT_MAX") ? atof(getenv("FWC_MEET_EXACT_MAX"))
							: MEET_EXACT_MAX;
	bool big = (double)bdd_nodecount(q) * (double)bdd_nodecount(an->acc_orig_may[p]) >
		   meet_max;
	BDD ok = big ? meet_cube(an, q, an->acc_orig_may[p]) : and2(q, an->acc_orig_may[p]);
	BDD qu = -1;
	if (an->universe != -1) {
		/* a restricted analysis knows the fate of its packets only */
		BDD uo = space_to_orig(&an->s, an->universe);
		qu = and2(q, uo);
		bdd_delref(uo);
		q = qu;
		if (q == bddfalse) {
			bdd_delref(ok);
			bdd_delref(qu);
			if (qf != -1)
				bdd_delref(qf);
			return false;
		}
	}
	BDD cut;
	if (big) {
		BDD na = bref(bdd_not(an->acc_orig_may[p]));
		cut = meet_cube(an, q, na);
		bdd_delref(na);
	} else {
		cut = diff2(q, an->acc_orig_may[p]);
	}
	bool none = ok == bddfalse;
	struct lint_finding *f = NULL;
	static const struct loc noloc;
	if (none && all_msg[0])
		f = lint_add(an->res, CHK_LOCKOUT, true, &noloc, "%s", all_msg);
	else if (none && !all_msg[0] && report_some)
		f = lint_add(an->res, CHK_LOCKOUT, true, &noloc, "%s", some_msg);
	else if (report_some && cut != bddfalse)
		f = lint_add(an->res, CHK_LOCKOUT, true, &noloc, "%s", some_msg);
	if (f) {
		const struct event *e = first_drop(an, cut);
		if (e) {
			if (e->r && e->r->loc.file && !e->r->origin)
				f->loc = e->r->loc;
			related_rule(f, e->r, e->c, "cuts", e->r ? "drops them" : "the policy drops them");
			f->rule_id = e->r ? e->r->id : (size_t)-1;
		}
		BDD wx = e ? and2(cut, event_orig(an, (struct event *)e)) : bref(cut);
		set_witness(an, f, wx != bddfalse ? wx : cut, e ? e->r : NULL, e ? e->c : NULL);
		bdd_delref(wx);
		if (!none || !all_msg[0])
			f->sev = DIAG_WARNING;
	}
	bdd_delref(ok);
	bdd_delref(cut);
	if (qu != -1)
		bdd_delref(qu);
	if (qf != -1)
		bdd_delref(qf);
	return f != NULL;
}

static BDD loopback_addrs(struct an *an)
{
	struct iset v4, v6;
	iset_init(&v4, 32);
	iset_init(&v6, 128);
	iset_add_prefix(&v4, (u128)0x7f000000, 8);
	iset_add_value(&v6, 1);
	iset_normalize(&v4);
	iset_normalize(&v6);
	BDD r = bref(bddfalse);
	const struct iset *sets[2] = { &v4, &v6 };
	for (int k = 0; k < 2; k++) {
		struct ir_match ms = { .kind = M_SADDR, .set = *sets[k] };
		struct ir_match md = { .kind = M_DADDR, .set = *sets[k] };
		BDD a = space_match(&an->s, &ms, k ? 6 : 4, true);
		BDD b = space_match(&an->s, &md, k ? 6 : 4, true);
		band(&a, b);
		bor(&r, a);
		bdd_delref(a);
		bdd_delref(b);
	}
	iset_release(&v4);
	iset_release(&v6);
	return r;
}

/* The management access (declared, else SSH), cur terms; never over lo. */
static BDD mgmt_space(struct an *an, const char **what_out)
{
	struct space *s = &an->s;
	BDD m = bref(bddfalse);
	const char *what;
	if (an->ir->nmgmt) {
		for (size_t i = 0; i < an->ir->nmgmt; i++) {
			BDD t = space_rule(s, an->ir->mgmt[i], true);
			bor(&m, t);
			bdd_delref(t);
		}
		what = "the management access you declared";
	} else {
		BDD tcp = fld_eq(s, F_PROTO, 6, false);
		BDD ssh = fld_eq(s, F_DPORT, 22, false);
		band(&tcp, ssh);
		bdd_delref(ssh);
		bor(&m, tcp);
		bdd_delref(tcp);
		what = "SSH (tcp port 22, sshd's default; declare `management` to say otherwise)";
	}
	{
		/* loopback is not a way in for an administrator */
		BDD lo = fld_eq(s, F_IIF, space_if_index(s, "lo"), false);
		bdiff(&m, lo);
		bdd_delref(lo);
	}
	*what_out = what;
	return m;
}

static void check_lockout(struct an *an)
{
	if (!enabled(an, CHK_LOCKOUT))
		return;
	struct space *s = &an->s;
	const char *what;
	BDD m = mgmt_space(an, &what);
	char a[512], b[512];
	BDD q = incoming(an, m, PATH_INPUT, 0);
	snprintf(a, sizeof(a), "lockout: no management access is left: every new "
		 "connection for %s is dropped", what);
	snprintf(b, sizeof(b), "lockout: new connections for %s are dropped for "
		 "some of its sources or interfaces", what);
	bool cut = lock_check(an, q, PATH_INPUT, a, b, an->ir->nmgmt > 0);
	bdd_delref(q);
	if (!cut) {
		q = incoming(an, m, PATH_INPUT, 1);
		snprintf(a, sizeof(a), "lockout: the established packets of sessions "
			 "for %s are dropped: an open session would hang", what);
		lock_check(an, q, PATH_INPUT, a, a, false);
		bdd_delref(q);
		BDD x = space_path(s, PATH_INPUT);
		band(&x, s->dom);
		band(&x, m);
		BDD ok = and2(x, an->acc[PATH_INPUT].may);
		BDD rq = replies(an, ok, PATH_OUTPUT);
		snprintf(a, sizeof(a), "lockout: the replies of sessions for %s are "
			 "dropped on their way out", what);
		lock_check(an, rq, PATH_OUTPUT, a, a, false);
		bdd_delref(rq);
		bdd_delref(ok);
		bdd_delref(x);
	}
	if (an->o->has_ssh_client) {
		BDD c = fld_eq(s, F_SADDR, an->o->ssh_addr, false);
		if (an->o->ssh_family == 4) {
			bdd_delref(c);
			struct iset one;
			iset_init(&one, 32);
			iset_add_value(&one, an->o->ssh_addr);
			struct ir_match mm = { .kind = M_SADDR, .set = one };
			c = space_match(s, &mm, 4, true);
			iset_release(&one);
		} else {
			BDD f6 = bref(bdd_ithvar(s->f[F_FAM].cur));
			band(&c, f6);
			bdd_delref(f6);
		}
		if (an->o->ssh_port >= 0) {
			BDD sp = fld_eq(s, F_SPORT, (u128)an->o->ssh_port, false);
			band(&c, sp);
			bdd_delref(sp);
		}
		band(&c, m);
		char addr[64];
		addr_format(addr, sizeof(addr), an->o->ssh_family, an->o->ssh_addr);
		q = incoming(an, c, PATH_INPUT, 1);
		if (q == bddfalse) {
			static const struct loc noloc;
			lint_add(an->res, CHK_LOCKOUT, true, &noloc,
				 "lockout: the session from %s is not management access "
				 "(%s): no rule of the policy is meant for it", addr, what);
		} else {
			snprintf(a, sizeof(a), "lockout: your session from %s would be cut: "
				 "its packets are dropped", addr);
			snprintf(b, sizeof(b), "lockout: your session from %s may be cut: "
				 "its packets are dropped on some interfaces or addresses", addr);
			if (!lock_check(an, q, PATH_INPUT, a, b, true)) {
				BDD x = space_path(s, PATH_INPUT);
				band(&x, s->dom);
				band(&x, c);
				BDD st = fld_eq(s, F_STATE, 1, false);
				band(&x, st);
				bdd_delref(st);
				BDD rq = replies(an, x, PATH_OUTPUT);
				snprintf(a, sizeof(a), "lockout: your session from %s would be "
					 "cut: the replies to it are dropped", addr);
				lock_check(an, rq, PATH_OUTPUT, a, a, false);
				bdd_delref(rq);
				bdd_delref(x);
			}
		}
		bdd_delref(q);
		bdd_delref(c);
	}
	bdd_delref(m);
	PHASE("lock-mgmt");

	/* loopback */
	/* new connections: whatever else a loopback packet is comes from
	 * one of those (and invalid ones are dropped on purpose) */
	BDD lo = fld_eq(s, F_IIF, space_if_index(s, "lo"), false);
	q = incoming(an, lo, PATH_INPUT, 0);
	if (!lock_check(an, q, PATH_INPUT,
			"lockout: all new loopback connections are dropped (local "
			"services cannot talk to each other)", "", false)) {
		/* 127.0.0.0/8 and ::1 on lo: what local services use */
		BDD la = loopback_addrs(an);
		band(&la, lo);
		bdd_delref(q);
		q = incoming(an, la, PATH_INPUT, 0);
		lock_check(an, q, PATH_INPUT, "",
			   "some new loopback connections (127.0.0.0/8, ::1 on lo) are "
			   "dropped; local services talk over them", true);
		bdd_delref(la);
	}
	bdd_delref(q);
	bdd_delref(lo);
	PHASE("lock-lo");

	/* replies of the connections each path accepts: a warning (the
	 * administrator's own sessions are the errors above); not when the
	 * analysis was restricted to the management packets (compile) */
	if (an->o->gate)
		return;
	static const enum path rpath[3] = { PATH_OUTPUT, PATH_FORWARD, PATH_INPUT };
	static const char *const pname[3] = { "to this host", "forwarded", "from this host" };
	for (int p = 0; p < 3; p++) {
		/* first the cheap question: does the reply path accept every
		 * established packet? Then no reply is dropped, and the
		 * replies themselves (a swap of addresses and ports, costly
		 * on large rulesets) need not be built */
		BDD pd = space_path(s, rpath[p]);
		band(&pd, s->dom);
		BDD allest = space_to_orig(s, pd);
		bdd_delref(pd);
		BDD esto = fld_eq(s, F_STATE, 1, true);
		band(&allest, esto);
		bdd_delref(esto);
		if (an->ir->family) {
			BDD fb = fam_is(s, an->ir->family);
			band(&allest, fb);
			bdd_delref(fb);
		}
		bdiff(&allest, an->acc_orig_may[rpath[p]]);
		bool all_ok = allest == bddfalse;
		bdd_delref(allest);
		if (all_ok)
			continue;
		BDD nw = fld_eq(s, F_STATE, 0, false);
		BDD acc = and2(an->acc[p].may, nw);
		bdd_delref(nw);
		BDD lo2 = fld_eq(s, F_IIF, space_if_index(s, "lo"), false);
		BDD lo3 = fld_eq(s, F_OIF, space_if_index(s, "lo"), false);
		bdiff(&acc, lo2);
		bdiff(&acc, lo3);
		bdd_delref(lo2);
		bdd_delref(lo3);
		if (acc != bddfalse) {
			BDD rq = replies(an, acc, rpath[p]);
			snprintf(a, sizeof(a), "lockout: the replies of every connection "
				 "allowed %s are dropped: there is no established/related path",
				 pname[p]);
			snprintf(b, sizeof(b), "the replies of some connections allowed %s "
				 "are dropped", pname[p]);
			struct lint_result *res = an->res;
			size_t before = res->n;
			lock_check(an, rq, rpath[p], a, b, true);
			for (size_t i = before; i < res->n; i++)
				res->f[i].sev = DIAG_WARNING;
			bdd_delref(rq);
		}
		bdd_delref(acc);
	}
}

/* ---- unused, unreachable-chain, unknown-match ---- */

static bool chain_called(const struct ir *ir, const bool *reached,
			 const struct ir_chain *c)
{
	for (size_t i = 0; i < ir->nchains; i++) {
		if (!reached[i])
			continue;
		for (size_t j = 0; j < ir->chains[i]->n; j++) {
			const struct ir_action *a = &ir->chains[i]->rules[j]->act;
			if ((a->kind == ACT_JUMP || a->kind == ACT_GOTO) && a->target == c)
				return true;
		}
	}
	return false;
}

static void check_defs(struct an *an)
{
	const struct ir *ir = an->ir;
	if (enabled(an, CHK_UNUSED))
		for (size_t i = 0; i < ir->ndefs; i++) {
			const struct ir_def *d = &ir->defs[i];
			if (d->used)
				continue;
			struct lint_finding *f = lint_add(an->res, CHK_UNUSED, true, &d->loc,
				"%s '%s' is defined but never used", d->kind, d->name);
			(void)f;
		}
	if (enabled(an, CHK_UNREACHABLE_CHAIN)) {
		/* reached: a base chain, or jumped to from a reached chain */
		bool *reached = xcalloc(ir->nchains + 1, sizeof(bool));
		for (bool more = true; more;) {
			more = false;
			for (size_t i = 0; i < ir->nchains; i++) {
				const struct ir_chain *c = ir->chains[i];
				if (reached[i] || !(c->hook != HOOK_NONE || chain_called(ir, reached, c)))
					continue;
				reached[i] = more = true;
			}
		}
		for (size_t i = 0; i < ir->nchains; i++) {
			const struct ir_chain *c = ir->chains[i];
			if (reached[i] || c->zone)
				continue;
			size_t written = 0;
			for (size_t j = 0; j < c->n; j++) {
				bool seen = false;
				for (size_t k = 0; k < j && !seen; k++)
					seen = !loc_cmp(&c->rules[k]->loc, &c->rules[j]->loc);
				written += !seen;
			}
			lint_add(an->res, CHK_UNREACHABLE_CHAIN, true, &c->loc,
				 c->used ? "chain '%s' is jumped to only from chains that are "
					   "never reached: its %zu rule%s never run"
					 : "chain '%s' is never jumped to: its %zu rule%s never run",
				 c->name, written, written == 1 ? "" : "s");
		}
		free(reached);
	}
	if (enabled(an, CHK_UNKNOWN_MATCH)) {
		const char **seen = NULL;
		size_t nseen = 0, capseen = 0;
		for (size_t i = 0; i < ir->nchains; i++)
			for (size_t j = 0; j < ir->chains[i]->n; j++) {
				const struct ir_rule *r = ir->chains[i]->rules[j];
				for (size_t k = 0; k < r->nm; k++) {
					if (r->m[k].kind != M_UNKNOWN)
						continue;
					const char *w = r->m[k].module ? r->m[k].module :
							r->m[k].str ? r->m[k].str : "?";
					size_t wl = r->m[k].module ? strlen(w) : strcspn(w, " ");
					bool dup = false;
					for (size_t q = 0; q < nseen; q++)
						if (!strncmp(seen[q], w, wl) && strlen(seen[q]) >= wl &&
						    (seen[q][wl] == ' ' || !seen[q][wl]))
							dup = true;
					if (dup)
						continue;
					VEC_PUSH(seen, nseen, capseen);
					seen[nseen++] = w;
					lint_add(an->res, CHK_UNKNOWN_MATCH, true, &r->loc,
						 "fwc cannot model '%.*s'; rules using it are treated "
						 "as may-match", (int)wl, w);
				}
			}
		free(seen);
	}
}

/* ---- witnesses of reachable rules ---- */

static void witnesses(struct an *an)
{
	struct lint_result *res = an->res;
	for (size_t i = 0; i < an->ir->nchains; i++) {
		const struct ir_chain *c = an->ir->chains[i];
		for (size_t j = 0; j < c->n; j++) {
			const struct ir_rule *r = c->rules[j];
			struct rinfo *ri = &an->ri[r->id];
			if (!ri->visited || !hit_any(an, ri))
				continue;
			rule_hit(an, ri);
			BDD x = ri->hit_all != bddfalse ? ri->hit_all : ri->hit;
			struct packet p;
			space_pick(&an->s, x, &p);
			VEC_PUSH(res->reach, res->nreach, res->capreach);
			struct lint_witness *w = &res->reach[res->nreach++];
			memset(w, 0, sizeof(*w));
			packet_format(w->packet, sizeof(w->packet), &p);
			w->rule = r->loc;
			w->chain = c->name;
			w->table = c->table;
		}
	}
}

/* ---- driver ---- */

static int finding_cmp(const void *pa, const void *pb)
{
	const struct lint_finding *a = pa, *b = pb;
	int c = loc_cmp(&a->loc, &b->loc);
	if (c)
		return c;
	return a->check < b->check ? -1 : a->check > b->check;
}

/* The union of the packets, halving (each level one or of like sizes). */
static BDD universe(struct an *an, const struct packet *p, size_t n)
{
	if (n == 0)
		return bref(bddfalse);
	if (n == 1)
		return space_packet(&an->s, p);
	BDD a = universe(an, p, n / 2);
	BDD b = universe(an, p + n / 2, n - n / 2);
	bor(&a, b);
	bdd_delref(b);
	return a;
}

/* ---- compile's check: a quick way out ---- */

static bool traced_accept(const struct ir *ir, const struct packet *p)
{
	struct trace_opts to = { 0 };
	to.rate = ASSUME_NOMATCH;     /* certain acceptance only */
	to.recent = ASSUME_NOMATCH;
	to.nth = ASSUME_NOMATCH;
	to.unknown = ASSUME_NOMATCH;
	struct trace_result tr;
	trace_packet(ir, p, &to, &tr);
	bool ok = tr.verdict == ACT_ACCEPT && !tr.error[0] && !tr.assumed_rate &&
		  !tr.assumed_recent && !tr.assumed_nth && !tr.assumed_unknown;
	trace_result_release(&tr);
	return ok;
}

static bool first_addr(const struct ir_rule *r, enum ir_mkind k, enum ir_mkind ks,
		       int *fam, u128 *a)
{
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		const struct iset *set = m->kind == k ? &m->set
				       : m->kind == ks && !m->neg ? &m->named->elems : NULL;
		if (set && set->n) {
			*fam = set->bits == 32 ? 4 : 6;
			*a = set->r[0].lo;
			return true;
		}
	}
	return false;
}

/* One management connection the rule r lets in, if its conditions are
 * simple enough to read one off (else false). */
static bool candidate(const struct ir_rule *r, int port, const char *iif,
		      struct packet *p)
{
	memset(p, 0, sizeof(*p));
	p->family = r->family ? r->family : 4;
	p->proto = 6;
	p->sport = 40000;
	p->dport = port;
	p->state = CT_NEW;
	p->tcpflags = TCPF_SYN;
	p->uid = -1;
	p->icmp_type = p->icmp_code = -1;
	int fam;
	u128 a;
	if (first_addr(r, M_SADDR, M_SSET, &fam, &a)) {
		p->family = fam;
		p->saddr = a;
	} else {
		p->saddr = p->family == 4 ? 0xc6336407u : ((u128)0x20010db8 << 96 | 7);
	}
	if (first_addr(r, M_DADDR, M_DSET, &fam, &a) && fam == p->family)
		p->daddr = a;
	else
		p->daddr = p->family == 4 ? 0xc0000201u : ((u128)0x20010db8 << 96 | 1);
	snprintf(p->iif, sizeof(p->iif), "%s", iif);
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		if (m->kind == M_IIF && !m->neg && m->nnames)
			snprintf(p->iif, sizeof(p->iif), "%s", m->names[0]);
		else if (m->kind == M_DPORT && m->set.n && !iset_contains(&m->set, (u128)port))
			return false;
		else if (m->kind == M_PROTO && m->proto != 6)
			return false;
	}
	return true;
}

/* Packets that show at once that none of lockout's errors can hold: a
 * management connection accepted with its later packets and replies,
 * and loopback traffic accepted. When found, compile needs no analysis
 * at all; when not, the exact analysis decides. */
static bool gate_clear(const struct ir *ir)
{
	/* loopback */
	static const char *const lo_pk[] = {
		"tcp 127.0.0.1:40000 -> 127.0.0.1:22 in lo",
		"tcp [::1]:40000 -> [::1]:22 in lo",
	};
	bool lo_ok = false;
	for (size_t i = 0; i < 2 && !lo_ok; i++) {
		struct packet p;
		char err[128];
		size_t eo, el;
		if (packet_parse(lo_pk[i], &p, err, sizeof(err), &eo, &el) == 0)
			lo_ok = traced_accept(ir, &p);
	}
	if (!lo_ok)
		return false;
	/* management: templates are the declarations, else the input rules
	 * that accept (SSH on port 22) */
	const struct ir_rule **tpl = NULL;
	size_t nt = 0, capt = 0;
	if (ir->nmgmt) {
		for (size_t i = 0; i < ir->nmgmt; i++) {
			VEC_PUSH(tpl, nt, capt);
			tpl[nt++] = ir->mgmt[i];
		}
	} else {
		for (size_t c = 0; c < ir->nchains; c++)
			if (ir->chains[c]->table == TBL_FILTER)
				for (size_t j = 0; j < ir->chains[c]->n; j++)
					if (ir->chains[c]->rules[j]->act.kind == ACT_ACCEPT &&
					    !ir->chains[c]->rules[j]->origin) {
						VEC_PUSH(tpl, nt, capt);
						tpl[nt++] = ir->chains[c]->rules[j];
					}
	}
	bool ok = false;
	for (size_t i = 0; i < nt && !ok && i < 5000; i++) {
		int port = 22;
		if (ir->nmgmt) {
			const struct ir_match *dp = ir_rule_match(tpl[i], M_DPORT);
			if (dp && dp->set.n)
				port = (int)dp->set.r[0].lo;
		}
		static const char *const ifs[] = { "eth0", "eth1", "eth2" };
		for (size_t k = 0; k < 3 && !ok; k++) {
			struct packet p;
			if (!candidate(tpl[i], port, ifs[k], &p) || !traced_accept(ir, &p))
				continue;
			struct packet e = p;
			e.state = CT_ESTABLISHED;
			e.tcpflags = TCPF_ACK;
			struct packet r = e;
			r.saddr = p.daddr;
			r.daddr = p.saddr;
			r.sport = p.dport;
			r.dport = p.sport;
			snprintf(r.oif, sizeof(r.oif), "%s", p.iif);
			r.iif[0] = '\0';
			ok = traced_accept(ir, &e) && traced_accept(ir, &r);
		}
	}
	free(tpl);
	return ok;
}

/* The analysis state for an IR: the packet space, per-rule records. */
static void an_open(struct an *an, const struct ir *ir, const struct lint_opts *o,
		    struct lint_result *res)
{
	memset(an, 0, sizeof(*an));
	an->ir = ir;
	an->o = o;
	an->res = res;
	space_init(&an->s, ir);
	an->ri = xcalloc(ir->nrules + 1, sizeof(*an->ri));
	for (size_t i = 0; i <= ir->nrules; i++) {
		an->ri[i].mmay = an->ri[i].mmust = -1;
		an->ri[i].hit = bref(bddfalse);
		an->ri[i].hit_all = bref(bddfalse);
	}
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++) {
			const struct ir_rule *r = ir->chains[i]->rules[j];
			if (r->id > ir->nrules)
				BUG("rule id %zu beyond %zu", r->id, ir->nrules);
			an->ri[r->id].chain = ir->chains[i];
		}
	an->universe = -1;
}

/* BuDDy frees every node at bdd_done(); the arrays are ours. */
static void an_close(struct an *an)
{
	for (size_t i = 0; i <= an->ir->nrules; i++)
		free(an->ri[i].v);
	free(an->ri);
	free(an->ev);
	free(an->dn);
	free(an->vis);
	free(an->mk);
	for (size_t i = 0; i < an->ndfr; i++) {
		free(an->dfr[i].ok);
		free(an->dfr[i].flush);
		free(an->dfr[i].coff);
		free(an->dfr[i].cn);
		free(an->dfr[i].cidx);
		free(an->dfr[i].first);
	}
	free(an->dfr);
	free(an->memo.k);
	free(an->memo.gen);
	space_done(&an->s);
}

/* The walk without the checks (the zone matrix, the address classes, the
 * XDP placement): default options; what the walk itself finds (marks) is
 * dropped by an_walk_close. */
static void an_walk_open(struct an *an, const struct ir *ir)
{
	struct lint_opts *o = xcalloc(1, sizeof(*o));
	lint_opts_default(o);
	an_open(an, ir, o, xcalloc(1, sizeof(struct lint_result)));
}

static void an_walk_close(struct an *an)
{
	struct lint_result *res = an->res;
	struct lint_opts *o = (struct lint_opts *)an->o;
	an_close(an);
	lint_result_release(res);
	free(res);
	free(o);
}

int analyze(const struct ir *ir, const struct lint_opts *o,
	    struct lint_result *res)
{
	if (o->gate && !o->has_ssh_client && gate_clear(ir))
		return 0;   /* nothing for the exact analysis to find */
	for (int c = 0; c < CHK_MAX; c++)
		res->disabled[c] = !o->enabled[c];
	phase(NULL);
	struct an an;
	an_open(&an, ir, o, res);
	if (o->universe)
		an.universe = universe(&an, o->universe, o->nuniverse);
	if (o->gate) {
		/* compile's check: only the packets lockout looks at, which
		 * keeps the walk small (most rules meet none of them) */
		const char *what;
		BDD m = mgmt_space(&an, &what);
		BDD est = fld_eq(&an.s, F_STATE, 1, false);
		BDD nw = fld_eq(&an.s, F_STATE, 0, false);
		BDD st = bref(bdd_or(est, nw));
		band(&m, st);
		BDD u = replies(&an, m, PATH_OUTPUT);
		BDD uc = bref(bdd_replace(u, an.s.orig2cur));
		bor(&uc, m);
		/* loopback: what local services use (127.0.0.0/8, ::1) */
		BDD la = loopback_addrs(&an);
		BDD lo = fld_eq(&an.s, F_IIF, space_if_index(&an.s, "lo"), false);
		BDD lo2 = fld_eq(&an.s, F_OIF, space_if_index(&an.s, "lo"), false);
		bor(&lo, lo2);
		band(&lo, la);
		bdd_delref(la);
		bor(&uc, lo);
		BDD all[] = { m, est, nw, st, u, lo, lo2 };
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			bdd_delref(all[i]);
		an.universe = uc;
	}
	if (o->restrict_fn) {
		BDD r = o->restrict_fn(&an.s, o->restrict_ctx);
		if (an.universe == -1) {
			an.universe = r;
		} else {
			band(&an.universe, r);
			bdd_delref(r);
		}
	}
	PHASE("setup");
	for (int p = 0; p < 3; p++)
		run_path(&an, (enum path)p);
	PHASE("walk");
	res->rule_hit = xcalloc(ir->nrules + 1, sizeof(bool));
	for (size_t i = 0; i <= ir->nrules; i++)
		res->rule_hit[i] = hit_any(&an, &an.ri[i]);
	res->rules_analyzed = ir->nrules;
	res->policy = ir->source;

	if (o->enabled[CHK_SHADOWED] || o->enabled[CHK_REDUNDANT] ||
	    o->enabled[CHK_EMPTY_MATCH] || o->enabled[CHK_NAT_BYPASS])
		check_rules(&an);
	PHASE("rules");
	check_downward(&an);
	PHASE("downward");
	check_nat(&an);
	PHASE("nat");
	check_lockout(&an);
	PHASE("nat+lockout");
	check_defs(&an);
	if (o->witness)
		witnesses(&an);
	PHASE("witness");

	if (res->n > 1)
		qsort(res->f, res->n, sizeof(*res->f), finding_cmp);

	an_close(&an);
	return 0;
}

/* ---- what the ingress paths do not drop (the XDP placement) ---- */

/* A variable set of the orig copies (else the shared variables) of
 * fields f[0..n). */
static BDD orig_vars(const struct space *s, const enum fld *f, size_t n)
{
	int *vs = xcalloc(256 * n, sizeof(int));
	int nv = 0;
	for (size_t k = 0; k < n; k++) {
		const struct field *fl = &s->f[f[k]];
		for (int i = 0; i < fl->bits; i++)
			vs[nv++] = (fl->orig >= 0 ? fl->orig : fl->cur) + i * fl->stride;
	}
	BDD r = bref(bdd_makeset(vs, nv));
	free(vs);
	return r;
}

/* The incoming packets that can be in state established, or related,
 * when every connection conntrack holds was accepted by this policy:
 * the later packets of the new connections input and forward accept,
 * the replies of those forward and output accept (est[], orig terms,
 * each with state established), and (rel) ICMP errors; with a conntrack
 * helper anywhere, anything may be related. The parts are kept apart:
 * their union can be far larger than any of them (a port per source in
 * one, a port per destination in the other). */
static void policy_states(struct an *an, struct ingress *ig)
{
	const struct space *s = &an->s;
	bool snat = false, helper = false;
	for (size_t i = 0; i < an->ir->nchains; i++)
		for (size_t j = 0; j < an->ir->chains[i]->n; j++) {
			const struct ir_action *a = &an->ir->chains[i]->rules[j]->act;
			snat |= a->kind == ACT_SNAT || a->kind == ACT_MASQUERADE;
			helper |= a->kind == ACT_OTHER && a->text && strstr(a->text, "helper");
		}
	BDD nw = fld_eq(s, F_STATE, 0, true);
	BDD est = fld_eq(s, F_STATE, 1, true);
	static const enum fld stf[] = { F_STATE, F_TCPFLAGS };
	BDD stv = orig_vars(s, stf, 2);
	for (int p = PATH_INPUT; p <= PATH_OUTPUT; p++) {
		BDD np = and2(an->acc[p].may, nw);
		if (p != PATH_OUTPUT) {
			/* the connection's own later packets */
			BDD o = space_orig(s, np);
			BDD c = bref(bdd_exist(o, stv));
			bdd_delref(o);
			band(&c, est);
			ig->est[ig->nest++] = c;
		}
		if (p != PATH_INPUT) {
			BDD r = replies(an, np, p == PATH_OUTPUT ? PATH_INPUT : PATH_FORWARD);
			if (snat) {
				/* a reply to a translated source comes to the
				 * address (and port) it was translated to */
				static const enum fld df[] = { F_DADDR, F_DPORT };
				BDD dv = orig_vars(s, df, 2);
				BDD t = bref(bdd_exist(r, dv));
				bdd_delref(dv);
				bdd_delref(r);
				r = bref(bdd_and(t, est));
				bdd_delref(t);
			}
			ig->est[ig->nest++] = r;
		}
		bdd_delref(np);
	}
	bdd_delref(stv);
	ig->rel = fld_eq(s, F_STATE, 2, true);
	if (!helper) {
		BDD i4 = fld_eq(s, F_PROTO, 1, false);
		BDD i6 = fld_eq(s, F_PROTO, 58, false);
		bor(&i4, i6);
		band(&ig->rel, i4);
		bdd_delref(i4);
		bdd_delref(i6);
	}
	bdd_delref(nw);
	bdd_delref(est);
}

int analyze_ingress(const struct ir *ir, bool ct_policy, ingress_fn fn, void *ctx)
{
	struct an an;
	an_walk_open(&an, ir);
	for (int p = 0; p < 3; p++)
		run_path(&an, (enum path)p);
	/* the incoming packets an input or forward packet may be accepted
	 * or rejected as (a reject answers: XDP must not swallow it) */
	BDD kept = bref(bddfalse);
	for (int p = PATH_INPUT; p <= PATH_FORWARD; p++) {
		bor(&kept, an.acc_orig_may[p]);
		BDD r = space_orig(&an.s, an.rej[p]);
		bor(&kept, r);
		bdd_delref(r);
	}
	struct ingress ig = { .kept = kept, .free = bref(bddtrue), .est = { 0 }, .nest = 0,
			      .rel = bref(bddfalse) };
	if (ct_policy) {
		/* new, invalid, untracked: any packet can be */
		BDD er = fld_range(&an.s, F_STATE, 1, 2, true);
		bdd_delref(ig.free);
		ig.free = bref(bdd_not(er));
		bdd_delref(er);
		bdd_delref(ig.rel);
		policy_states(&an, &ig);
	}
	BDD *hit = xcalloc(ir->nrules + 1, sizeof(BDD));
	for (size_t i = 0; i <= ir->nrules; i++)
		hit[i] = rule_hit(&an, &an.ri[i]);
	ig.hit = hit;
	int rc = fn(&an.s, &ig, ctx);
	free(hit);
	bdd_delref(kept);
	an_walk_close(&an);
	return rc;
}

/* ---- the zone matrix (fwc graph --kind zones) ---- */

/* The packets "from" node n (in = true) or "to" it; the self node is the
 * path's business (space_path). */
static BDD node_cond(struct an *an, const struct zm_node *n, bool from)
{
	BDD c = bref(bddtrue);
	if (n->kind == ZN_SELF)
		return c;
	if (n->kind == ZN_IFACE || n->kind == ZN_OTHER) {
		size_t idx = n->kind == ZN_OTHER ? an->s.nif + 1
						 : space_if_index(&an->s, n->name);
		BDD t = fld_eq(&an->s, from ? F_IIF : F_OIF, idx, false);
		band(&c, t);
		bdd_delref(t);
		return c;
	}
	const struct ir_zone *z = n->zone;
	if (z->nifaces) {
		struct ir_match m = { .kind = from ? M_IIF : M_OIF };
		m.names = z->ifaces;
		m.nnames = z->nifaces;
		BDD t = space_match(&an->s, &m, 0, true);
		band(&c, t);
		bdd_delref(t);
	}
	if (z->has_net) {
		BDD nets = bref(bddfalse);
		for (int fam = 4; fam <= 6; fam += 2) {
			struct ir_match m = { .kind = from ? M_SADDR : M_DADDR };
			m.set = fam == 4 ? z->net4 : z->net6;
			if (!m.set.n)
				continue;
			BDD t = space_match(&an->s, &m, fam, true);
			BDD f = fam_is(&an->s, fam);
			band(&t, f);
			bdd_delref(f);
			bor(&nets, t);
			bdd_delref(t);
		}
		band(&c, nets);
		bdd_delref(nets);
	}
	return c;
}

static void keep_field(struct an *an, int *keep, enum fld f, bool orig)
{
	const struct field *df = &an->s.f[f];
	for (int i = 0; i < df->bits; i++)
		keep[(orig && df->orig >= 0 ? df->orig : df->cur) + i * df->stride] = 1;
}

/* Every variable but the protocol and the (cur or orig) destination port,
 * and with ifs, the interfaces. */
static BDD all_but_service(struct an *an, bool orig, bool ifs)
{
	int *keep = xcalloc((size_t)an->s.nvars, sizeof(int));
	keep_field(an, keep, F_PROTO, orig);
	keep_field(an, keep, F_DPORT, orig);
	if (ifs) {
		keep_field(an, keep, F_IIF, orig);
		keep_field(an, keep, F_OIF, orig);
	}
	int *v = xcalloc((size_t)an->s.nvars, sizeof(int));
	int n = 0;
	for (int i = 0; i < an->s.nvars; i++)
		if (!keep[i])
			v[n++] = i;
	BDD set = bref(bdd_makeset(v, n));
	free(keep);
	free(v);
	return set;
}

static void zm_push(struct zm_edge *e, int proto, unsigned lo, unsigned hi, bool full)
{
	if (e->n && e->it[e->n - 1].proto == proto && e->it[e->n - 1].full == full &&
	    (unsigned)e->it[e->n - 1].hi + 1 == lo) {
		e->it[e->n - 1].hi = (uint16_t)hi;
		return;
	}
	VEC_PUSH(e->it, e->n, e->cap);
	e->it[e->n++] = (struct zm_item){ proto, (uint16_t)lo, (uint16_t)hi, full };
}

/* The port intervals of x, a BDD over the destination port only (MSB
 * first), in order. */
static void port_intervals(struct an *an, BDD x, int depth, unsigned prefix,
			   struct zm_edge *e, int proto, bool full)
{
	const struct field *df = &an->s.f[F_DPORT];
	if (x == bddfalse)
		return;
	if (x == bddtrue || depth == (int)df->bits) {
		unsigned span = 1u << (df->bits - depth);
		zm_push(e, proto, prefix * span, prefix * span + span - 1, full);
		return;
	}
	int var = df->cur + depth * df->stride;
	BDD lo, hi;
	if (bdd_var(x) == var) {
		lo = bdd_low(x);
		hi = bdd_high(x);
	} else {
		lo = hi = x;   /* this bit is free */
	}
	port_intervals(an, lo, depth + 1, prefix * 2, e, proto, full);
	port_intervals(an, hi, depth + 1, prefix * 2 + 1, e, proto, full);
}

static int zm_item_cmp(const void *pa, const void *pb)
{
	const struct zm_item *a = pa, *b = pb;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Split p (over protocol and cur destination port) into items. */
static void service_items(struct an *an, BDD p, struct zm_edge *e, bool full)
{
	for (int proto = 0; proto < 256; proto++) {
		BDD pv = fld_eq(&an->s, F_PROTO, (u128)proto, false);
		BDD r = bref(bdd_restrict(p, pv));
		bdd_delref(pv);
		if (r != bddfalse) {
			if (proto_has_ports(proto))
				port_intervals(an, r, 0, 0, e, proto, full);
			else
				zm_push(e, proto, 0, 65535, full);
		}
		bdd_delref(r);
	}
}

int analyze_matrix(const struct ir *ir, struct zmatrix *zm)
{
	memset(zm, 0, sizeof(*zm));
	struct an an;
	an_walk_open(&an, ir);
	for (int p = 0; p < 3; p++)
		run_path(&an, (enum path)p);

	/* the nodes: the zones, else the interfaces the rules name */
	if (ir->nzones) {
		for (size_t i = 0; i < ir->nzones; i++) {
			VEC_PUSH(zm->node, zm->nnode, zm->capnode);
			zm->node[zm->nnode++] = (struct zm_node){ ir->zones[i].name, ZN_ZONE,
								  &ir->zones[i] };
		}
	} else {
		for (size_t i = 1; i <= an.s.nif; i++) {
			if (!strcmp(an.s.ifnames[i], "lo"))
				continue;
			VEC_PUSH(zm->node, zm->nnode, zm->capnode);
			zm->node[zm->nnode++] = (struct zm_node){ xstrdup(an.s.ifnames[i]),
								  ZN_IFACE, NULL };
		}
		VEC_PUSH(zm->node, zm->nnode, zm->capnode);
		zm->node[zm->nnode++] = (struct zm_node){ xstrdup("(other)"), ZN_OTHER, NULL };
	}
	VEC_PUSH(zm->node, zm->nnode, zm->capnode);
	zm->node[zm->nnode++] = (struct zm_node){ "self", ZN_SELF, NULL };

	/* a new connection: state new as it came in, no fragment, a tcp
	 * packet with SYN alone */
	BDD nw = fld_eq(&an.s, F_STATE, 0, true);
	BDD frag = bref(bdd_nithvar(an.s.f[F_FRAG].cur));
	BDD tcp = fld_eq(&an.s, F_PROTO, 6, false);
	BDD syn = fld_eq(&an.s, F_TCPFLAGS, TCPF_SYN, false);
	BDD syn_ok = bref(bdd_imp(tcp, syn));
	BDD newconn = bref(bdd_and(nw, frag));
	band(&newconn, syn_ok);
	BDD drop_cur = all_but_service(&an, false, false);
	BDD drop_orig = all_but_service(&an, true, false);
	BDD *from = xcalloc(zm->nnode, sizeof(BDD)), *to = xcalloc(zm->nnode, sizeof(BDD));
	bool by_if = true;   /* the nodes are interfaces only */
	for (size_t i = 0; i < zm->nnode; i++) {
		from[i] = node_cond(&an, &zm->node[i], true);
		to[i] = node_cond(&an, &zm->node[i], false);
		if (zm->node[i].kind == ZN_ZONE && zm->node[i].zone->has_net)
			by_if = false;
	}
	if (getenv("FWC_MATRIX_GENERAL"))
		by_if = false;   /* tests: the general computation */
	/* Interfaces only (a dump): the accepted and the missed connections
	 * of each path projected once on interfaces and service; each pair
	 * then costs little. */
	BDD pacc[3], pmiss[3];
	if (by_if) {
		BDD keep_c = all_but_service(&an, false, true);
		BDD keep_o = all_but_service(&an, true, true);
		for (int p = 0; p < 3; p++) {
			BDD a = bref(bdd_and(an.acc[p].may, newconn));
			pacc[p] = bref(bdd_exist(a, keep_c));
			bdd_delref(a);
			BDD pth = space_path(&an.s, (enum path)p);
			band(&pth, an.s.dom);
			BDD qo = space_to_orig(&an.s, pth);
			bdd_delref(pth);
			band(&qo, newconn);
			BDD miss = bref(bdd_apply(qo, an.acc_orig_must[p], bddop_diff));
			bdd_delref(qo);
			BDD mp = bref(bdd_exist(miss, keep_o));
			bdd_delref(miss);
			pmiss[p] = bref(bdd_replace(mp, an.s.orig2cur));
			bdd_delref(mp);
		}
		bdd_delref(keep_c);
		bdd_delref(keep_o);
		bdd_delref(drop_cur);
		bdd_delref(drop_orig);
		/* from here on, only the interfaces are left to drop */
		int *keep = xcalloc((size_t)an.s.nvars, sizeof(int));
		keep_field(&an, keep, F_PROTO, false);
		keep_field(&an, keep, F_DPORT, false);
		int *v = xcalloc((size_t)an.s.nvars, sizeof(int));
		int n = 0;
		for (int i = 0; i < an.s.nvars; i++)
			if (!keep[i])
				v[n++] = i;
		drop_cur = bref(bdd_makeset(v, n));
		free(keep);
		free(v);
	}
	for (size_t a = 0; a < zm->nnode; a++)
		for (size_t b = 0; b < zm->nnode; b++) {
			bool sa = zm->node[a].kind == ZN_SELF, sb = zm->node[b].kind == ZN_SELF;
			if (sa && sb)
				continue;
			enum path p = sa ? PATH_OUTPUT : sb ? PATH_INPUT : PATH_FORWARD;
			/* who asks: the from side as it came in, the to side and
			 * the service after the rewrites (a port forward's
			 * target) */
			BDD q = bref(bdd_and(from[a], to[b]));
			band(&q, newconn);
			BDD any = bref(bdd_and(by_if ? pacc[p] : an.acc[p].may, q));
			if (any == bddfalse) {
				bdd_delref(any);
				bdd_delref(q);
				continue;
			}
			BDD pany = bref(bdd_exist(any, drop_cur));
			bdd_delref(any);
			BDD mcur;
			if (by_if) {
				BDD m = bref(bdd_and(pmiss[p], q));
				mcur = bref(bdd_exist(m, drop_cur));
				bdd_delref(m);
				goto have_miss;
			}
			/* some of the service's packets between the two are
			 * not accepted (for certain): partly allowed */
			BDD qo = space_to_orig(&an.s, to[b]);
			band(&qo, from[a]);
			band(&qo, newconn);
			BDD pth = space_path(&an.s, p);
			BDD ptho = space_to_orig(&an.s, pth);
			bdd_delref(pth);
			band(&qo, ptho);
			bdd_delref(ptho);
			BDD dom = space_to_orig(&an.s, an.s.dom);
			band(&qo, dom);
			bdd_delref(dom);
			BDD miss = bref(bdd_apply(qo, an.acc_orig_must[p], bddop_diff));
			bdd_delref(qo);
			BDD mproj = bref(bdd_exist(miss, drop_orig));
			bdd_delref(miss);
			mcur = bref(bdd_replace(mproj, an.s.orig2cur));
			bdd_delref(mproj);
have_miss:;
			BDD full = bref(bdd_apply(pany, mcur, bddop_diff));
			BDD part = bref(bdd_and(pany, mcur));
			VEC_PUSH(zm->e, zm->ne, zm->cape);
			struct zm_edge *e = &zm->e[zm->ne++];
			memset(e, 0, sizeof(*e));
			e->from = a;
			e->to = b;
			/* the families a packet between the two can have (a zone
			 * of IPv4 networks has no ICMPv6) */
			for (int fam = 4; fam <= 6; fam += 2) {
				BDD fb = fam_is(&an.s, fam);
				band(&fb, q);
				band(&fb, an.s.dom);
				bool ok = fb != bddfalse && (!ir->family || ir->family == fam);
				bdd_delref(fb);
				if (fam == 4)
					e->v4 = ok;
				else
					e->v6 = ok;
			}
			service_items(&an, full, e, true);
			service_items(&an, part, e, false);
			if (e->n > 1)
				qsort(e->it, e->n, sizeof(*e->it), zm_item_cmp);
			BDD all[] = { pany, mcur, full, part, q };
			for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
				bdd_delref(all[k]);
		}
	free(from);
	free(to);
	an_walk_close(&an);
	return 0;
}

void zmatrix_release(struct zmatrix *zm)
{
	for (size_t i = 0; i < zm->nnode; i++)
		if (zm->node[i].kind == ZN_IFACE || zm->node[i].kind == ZN_OTHER)
			free((char *)zm->node[i].name);
	free(zm->node);
	for (size_t i = 0; i < zm->ne; i++)
		free(zm->e[i].it);
	free(zm->e);
	memset(zm, 0, sizeof(*zm));
}

/* ---- address classes (fwc graph --kind zones of a dump) ---- */

/* the variable of bit i (MSB first) of an address field's copy */
static int addr_var(const struct space *s, enum fld f, int i, bool orig)
{
	const struct field *fl = &s->f[f];
	return (orig && fl->orig >= 0 ? fl->orig : fl->cur) + i * fl->stride;
}

/* a small map from BDD nodes to BDDs (or to "seen"), open addressing */
struct bmap {
	int *key;                      /* -1: empty */
	BDD *val;
	size_t cap, n;
};

static void bmap_init(struct bmap *m)
{
	m->cap = 1024;
	m->n = 0;
	m->key = xcalloc(m->cap, sizeof(int));
	m->val = xcalloc(m->cap, sizeof(BDD));
	for (size_t i = 0; i < m->cap; i++)
		m->key[i] = -1;
}

static BDD *bmap_slot(struct bmap *m, BDD k, bool add)
{
	if (add && (m->n + 1) * 2 > m->cap) {
		struct bmap g = { xcalloc(m->cap * 2, sizeof(int)), xcalloc(m->cap * 2, sizeof(BDD)),
				  m->cap * 2, 0 };
		for (size_t i = 0; i < g.cap; i++)
			g.key[i] = -1;
		for (size_t i = 0; i < m->cap; i++)
			if (m->key[i] != -1)
				*bmap_slot(&g, m->key[i], true) = m->val[i];
		free(m->key);
		free(m->val);
		*m = g;
	}
	size_t h = ((size_t)(unsigned)k * 2654435761u) & (m->cap - 1);
	while (m->key[h] != -1 && m->key[h] != k)
		h = (h + 1) & (m->cap - 1);
	if (m->key[h] == -1) {
		if (!add)
			return NULL;
		m->key[h] = k;
		m->val[h] = -1;
		m->n++;
	}
	return &m->val[h];
}

static void bmap_free(struct bmap *m, bool deref)
{
	for (size_t i = 0; deref && i < m->cap; i++)
		if (m->key[i] != -1 && m->val[i] >= 0)
			bdd_delref(m->val[i]);
	free(m->key);
	free(m->val);
}

static bool is_src_var(const struct space *s, int var, int nb)
{
	const struct field *f = &s->f[F_SADDR];
	int d = var - f->cur;
	return d >= 0 && d % f->stride == 0 && d / f->stride < nb;
}

/* The nodes where the source bits end (below them, only other fields). */
static void collect_frontier(const struct space *s, BDD x, int nb, struct bmap *seen,
			     struct bmap *front)
{
	BDD *sl = bmap_slot(seen, x, true);
	if (*sl != -1)
		return;
	*sl = 0;
	if (x == bddfalse || x == bddtrue || !is_src_var(s, bdd_var(x), nb)) {
		*bmap_slot(front, x, true) = 0;
		return;
	}
	collect_frontier(s, bdd_low(x), nb, seen, front);
	collect_frontier(s, bdd_high(x), nb, seen, front);
}

/* The sources whose paths through the source bits of x end at node n. */
static BDD paths_to(const struct space *s, BDD x, BDD n, int nb, struct bmap *memo)
{
	if (x == n)
		return bref(bddtrue);
	if (x == bddfalse || x == bddtrue || !is_src_var(s, bdd_var(x), nb))
		return bref(bddfalse);
	BDD *m = bmap_slot(memo, x, false);
	if (m && *m >= 0)
		return bref(*m);
	BDD lo = paths_to(s, bdd_low(x), n, nb, memo);
	BDD hi = paths_to(s, bdd_high(x), n, nb, memo);
	BDD r = bref(bdd_ite(bdd_ithvar(bdd_var(x)), hi, lo));
	bdd_delref(lo);
	bdd_delref(hi);
	*bmap_slot(memo, x, true) = bref(r);
	return r;
}

/* The source classes of a: sets of sources with the same destinations. */
static size_t source_classes(const struct space *s, BDD a, int nb, BDD **out)
{
	struct bmap seen, front;
	bmap_init(&seen);
	bmap_init(&front);
	collect_frontier(s, a, nb, &seen, &front);
	bmap_free(&seen, false);
	*out = xcalloc(front.n + 1, sizeof(BDD));
	size_t n = 0;
	for (size_t i = 0; i < front.cap; i++) {
		if (front.key[i] == -1)
			continue;
		struct bmap memo;
		bmap_init(&memo);
		(*out)[n++] = paths_to(s, a, front.key[i], nb, &memo);
		bmap_free(&memo, true);
	}
	bmap_free(&front, false);
	return n;
}

/* Intervals of a set of addresses (a BDD over the first nb source bits),
 * at most max of them; *more set when there are more. */
static void addr_intervals(const struct space *s, BDD x, int depth, int nb, u128 prefix,
			   struct iset *out, size_t max, bool *more)
{
	if (x == bddfalse)
		return;
	if (out->n >= max) {
		*more = true;
		return;
	}
	if (x == bddtrue || depth == nb) {
		u128 span = nb - depth >= 128 ? ~(u128)0 : ((u128)1 << (nb - depth)) - 1;
		u128 lo = depth == 0 ? 0 : prefix << (nb - depth);
		iset_add_range(out, lo, lo + span);
		iset_normalize(out);
		return;
	}
	int var = addr_var(s, F_SADDR, depth, false);
	BDD lo = bdd_var(x) == var ? bdd_low(x) : x;
	BDD hi = bdd_var(x) == var ? bdd_high(x) : x;
	addr_intervals(s, lo, depth + 1, nb, prefix * 2, out, max, more);
	addr_intervals(s, hi, depth + 1, nb, prefix * 2 + 1, out, max, more);
}

int analyze_classes(const struct ir *ir, int proto, unsigned port, struct zclasses *zc)
{
	memset(zc, 0, sizeof(*zc));
	struct an an;
	an_walk_open(&an, ir);
	run_path(&an, PATH_FORWARD);
	const struct space *s = &an.s;
	int fam = ir->family ? ir->family : 4;
	int nb = fam == 4 ? 32 : 128;
	zc->family = fam;
	zc->proto = proto;
	zc->port = port;

	/* new connections of the service, forwarded, as they came in */
	BDD q = fld_eq(s, F_STATE, 0, true);
	BDD t = bref(bdd_nithvar(s->f[F_FRAG].cur));
	band(&q, t);
	bdd_delref(t);
	t = fam_is(s, fam);
	band(&q, t);
	bdd_delref(t);
	t = fld_eq(s, F_PROTO, (u128)proto, false);
	band(&q, t);
	bdd_delref(t);
	if (proto == 6) {
		t = fld_eq(s, F_TCPFLAGS, TCPF_SYN, false);
		band(&q, t);
		bdd_delref(t);
	}
	if (proto_has_ports(proto)) {
		t = fld_eq(s, F_DPORT, (u128)port, true);
		band(&q, t);
		bdd_delref(t);
	}
	BDD a0 = bref(bdd_and(an.acc_orig_may[PATH_FORWARD], q));
	bdd_delref(q);
	/* keep the first nb bits of the source and of the destination (as
	 * it came in) */
	int *keep = xcalloc((size_t)s->nvars, sizeof(int));
	for (int i = 0; i < nb; i++) {
		keep[addr_var(s, F_SADDR, i, false)] = 1;
		keep[addr_var(s, F_DADDR, i, true)] = 1;
	}
	int *v = xcalloc((size_t)s->nvars, sizeof(int));
	int n = 0;
	for (int i = 0; i < s->nvars; i++)
		if (!keep[i])
			v[n++] = i;
	BDD drop = bref(bdd_makeset(v, n));
	BDD a = bref(bdd_exist(a0, drop));
	bdd_delref(a0);
	bdd_delref(drop);
	free(keep);
	free(v);
	/* source classes; destination classes the same way, the two fields
	 * swapped; then their common refinement */
	bddPair *sw = bdd_newpair();
	for (int i = 0; i < nb; i++) {
		bdd_setpair(sw, addr_var(s, F_SADDR, i, false), addr_var(s, F_DADDR, i, true));
		bdd_setpair(sw, addr_var(s, F_DADDR, i, true), addr_var(s, F_SADDR, i, false));
	}
	BDD b = bref(bdd_replace(a, sw));
	BDD *sc, *dc;
	size_t ns = source_classes(s, a, nb, &sc);
	size_t nd = source_classes(s, b, nb, &dc);
	bdd_delref(b);
	BDD *cls = NULL;
	size_t ncls = 0, capcls = 0;
	for (size_t i = 0; i < ns; i++)
		for (size_t j = 0; j < nd; j++) {
			BDD c = bref(bdd_and(sc[i], dc[j]));
			if (c == bddfalse) {
				bdd_delref(c);
				continue;
			}
			VEC_PUSH(cls, ncls, capcls);
			cls[ncls++] = c;
		}
	for (size_t i = 0; i < ns; i++)
		bdd_delref(sc[i]);
	for (size_t j = 0; j < nd; j++)
		bdd_delref(dc[j]);
	free(sc);
	free(dc);
	/* each class: its ranges (the first 64), its size; the edges */
	bddPair *to_d = bdd_newpair();
	for (int i = 0; i < nb; i++)
		bdd_setpair(to_d, addr_var(s, F_SADDR, i, false), addr_var(s, F_DADDR, i, true));
	BDD srcset = bref(bddtrue);
	for (int i = 0; i < nb; i++)
		band(&srcset, bdd_ithvar(addr_var(s, F_SADDR, i, false)));
	zc->n = ncls;
	zc->cls = xcalloc(ncls + 1, sizeof(*zc->cls));
	zc->edge = xcalloc(ncls * ncls + 1, sizeof(bool));
	BDD *cd = xcalloc(ncls + 1, sizeof(BDD));
	for (size_t i = 0; i < ncls; i++) {
		struct zm_class *c = &zc->cls[i];
		iset_init(&c->ranges, nb);
		addr_intervals(s, cls[i], 0, nb, 0, &c->ranges, 64, &c->more);
		c->size = bdd_satcountset(cls[i], srcset);
	}
	/* in address order (of their first range) */
	for (size_t i = 1; i < ncls; i++)
		for (size_t j = i; j > 0 && zc->cls[j].ranges.n && zc->cls[j - 1].ranges.n &&
				zc->cls[j].ranges.r[0].lo < zc->cls[j - 1].ranges.r[0].lo; j--) {
			struct zm_class tc = zc->cls[j];
			zc->cls[j] = zc->cls[j - 1];
			zc->cls[j - 1] = tc;
			BDD tb = cls[j];
			cls[j] = cls[j - 1];
			cls[j - 1] = tb;
		}
	for (size_t i = 0; i < ncls; i++)
		cd[i] = bref(bdd_replace(cls[i], to_d));
	for (size_t i = 0; i < ncls; i++)
		for (size_t j = 0; j < ncls; j++) {
			BDD e = bref(bdd_and(a, cls[i]));
			band(&e, cd[j]);
			zc->edge[i * ncls + j] = e != bddfalse;
			bdd_delref(e);
		}
	for (size_t i = 0; i < ncls; i++) {
		bdd_delref(cls[i]);
		bdd_delref(cd[i]);
	}
	free(cls);
	free(cd);
	bdd_delref(srcset);
	bdd_delref(a);
	bdd_freepair(sw);
	bdd_freepair(to_d);
	an_walk_close(&an);
	return 0;
}

void zclasses_release(struct zclasses *zc)
{
	for (size_t i = 0; i < zc->n; i++)
		iset_release(&zc->cls[i].ranges);
	free(zc->cls);
	free(zc->edge);
	memset(zc, 0, sizeof(*zc));
}
