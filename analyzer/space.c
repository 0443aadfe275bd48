/*
 * space.c: fields, matches, rewrites and witnesses over BuDDy BDDs.
 *
 * The model is exactly what trace.c simulates: a rule matches a BDD
 * element iff rule_matches() accepts the packet it decodes to. Fields
 * that no rule of the packet's kind can test are pinned to one value in
 * the domain (ports of portless protocols, tcp flags of non-TCP packets,
 * icmp type of non-ICMP ones), so counting or enumerating the space counts
 * real, distinct packets.
 */
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "space.h"
#include "trace.h"

/* BuDDy's node constructor: declared in its kernel.h, not in bdd.h, but
 * exported by libbdd (its fdd and bvec modules are built on it). A path
 * made bit by bit with bdd_and costs an operation per bit (a setjmp, an
 * operator-cache lookup and insert); this costs the node. The caller
 * holds a reference to low and high (a garbage collection inside keeps
 * them), and the level is above both. */
extern int bdd_makenode(unsigned int level, int low, int high);
extern int bdderrorcond;

/* The preferences of space_pick, in order (referenced); returns how
 * many. */
static size_t pick_prefs(const struct space *s, BDD *pp);

BDD bref(BDD b)
{
	return bdd_addref(b);
}

static void replace_ref(BDD *a, BDD n)
{
	bdd_addref(n);
	bdd_delref(*a);
	*a = n;
}

void band(BDD *a, BDD b) { replace_ref(a, bdd_and(*a, b)); }
/* not b, consuming the reference to b */
static BDD bnot(BDD b)
{
	BDD r = bref(bdd_not(b));
	bdd_delref(b);
	return r;
}

void bor(BDD *a, BDD b) { replace_ref(a, bdd_or(*a, b)); }
/* and-not, see diff2 in analyze.c */
void bdiff(BDD *a, BDD b)
{
	if (b == bddfalse || *a == bddfalse)
		return;
	replace_ref(a, bdd_ite(b, bddfalse, *a));
}

static int var_of(const struct field *f, int i, bool orig)
{
	/* a field no action rewrites has one copy: orig is cur */
	return (orig && f->orig >= 0 ? f->orig : f->cur) + i * f->stride;
}

static bool bit_of(u128 v, int bits, int i)
{
	return (v >> (bits - 1 - i)) & 1;
}

/* A field of `bits` starting at bit `first` (MSB first): the IPv4 part of
 * an address field is its last 32 bits. */
static BDD eq_bits(const struct field *f, int first, int bits, u128 v, bool orig)
{
	BDD r = bref(bddtrue);
	for (int i = bits - 1; i >= 0; i--) {
		int var = var_of(f, first + i, orig);
		BDD lit = bit_of(v, bits, i) ? bdd_ithvar(var) : bdd_nithvar(var);
		band(&r, lit);
	}
	return r;
}

/* lo <= x <= hi over bits [first, first + bits), and tail (a set over
 * variables below them, so that a prefix is made right on top of it:
 * one node per bit, no path made twice), built from the least
 * significant bit up, so every step adds one node on top. */
static BDD range_tail(const struct field *f, int first, int bits, u128 lo,
		      u128 hi, bool orig, BDD tail)
{
	/* a prefix (the common case: addresses, single ports) is a path
	 * over its fixed bits only */
	int plen;
	if ((bits == 16 || bits == 32 || bits == 128) &&
	    range_is_prefix(lo, hi, bits, &plen)) {
		BDD r = bref(tail);
		for (int i = plen - 1; i >= 0; i--) {
			int var = var_of(f, first + i, orig);
			bool bit = bit_of(lo, bits, i);
			if (r >= 2 && bdd_var(r) <= var) {   /* not above r: and */
				band(&r, bit ? bdd_ithvar(var) : bdd_nithvar(var));
				continue;
			}
			/* above r: the node itself, no operation around it */
			unsigned lv = (unsigned)bdd_var2level(var);
			BDD n = bit ? bdd_makenode(lv, bddfalse, r) : bdd_makenode(lv, r, bddfalse);
			if (bdderrorcond)
				die("BDD library error: %s", bdd_errstring(bdderrorcond));
			bdd_addref(n);
			bdd_delref(r);
			r = n;
		}
		return r;
	}
	BDD le = bref(bddtrue), ge = bref(bddtrue);
	for (int i = bits - 1; i >= 0; i--) {
		int var = var_of(f, first + i, orig);
		if (bit_of(hi, bits, i))
			replace_ref(&le, bdd_or(bdd_nithvar(var), le));
		else
			replace_ref(&le, bdd_and(bdd_nithvar(var), le));
		if (bit_of(lo, bits, i))
			replace_ref(&ge, bdd_and(bdd_ithvar(var), ge));
		else
			replace_ref(&ge, bdd_or(bdd_ithvar(var), ge));
	}
	band(&le, ge);
	bdd_delref(ge);
	band(&le, tail);
	return le;
}

static BDD range_bits(const struct field *f, int first, int bits, u128 lo,
		      u128 hi, bool orig)
{
	return range_tail(f, first, bits, lo, hi, orig, bddtrue);
}

BDD fld_eq(const struct space *s, enum fld f, u128 v, bool orig)
{
	return eq_bits(&s->f[f], 0, s->f[f].bits, v, orig);
}

BDD fld_range(const struct space *s, enum fld f, u128 lo, u128 hi, bool orig)
{
	return range_bits(&s->f[f], 0, s->f[f].bits, lo, hi, orig);
}

BDD fam_is(const struct space *s, int family)
{
	return bref(family == 6 ? bdd_ithvar(s->f[F_FAM].cur)
				: bdd_nithvar(s->f[F_FAM].cur));
}

/* Union of the intervals [a, b) of a set, halving: each level is one or. */
/* The set of the sorted, disjoint intervals r[0..n) within the block of
 * values whose top `depth` bits are those of `base`: one node per bit
 * where the block is split, made directly (bdd_ite on a variable above
 * both branches builds exactly that node), so a 100,000-prefix block list
 * costs its own size and no intermediate unions. */
static BDD iset_block(const struct field *f, int first, int bits, int depth,
		      u128 base, const struct iset_range *r, size_t n, bool orig)
{
	if (n == 0)
		return bref(bddfalse);
	u128 span = depth == 0 ? ~(u128)0 >> (128 - bits)
			       : (((u128)1 << (bits - depth)) - 1);
	if (bits - depth >= 128)
		span = ~(u128)0;
	u128 top = base + span;
	if (n == 1 && r[0].lo <= base && r[0].hi >= top)
		return bref(bddtrue);
	/* split at the middle of the block */
	u128 mid = base + (span >> 1) + 1;   /* first value of the upper half */
	size_t k = 0;
	while (k < n && r[k].hi < mid)
		k++;
	/* r[k] may straddle mid: it goes to both halves */
	struct iset_range lo_part[1], hi_part[1];
	const struct iset_range *L = r, *H = r + k;
	size_t nl = k, nh = n - k;
	BDD lo, hi;
	if (k < n && r[k].lo < mid) {
		lo_part[0].lo = r[k].lo;
		lo_part[0].hi = mid - 1;
		hi_part[0].lo = mid;
		hi_part[0].hi = r[k].hi;
		/* the lower half: r[0..k) and the straddler's lower part */
		struct iset_range *tmp = xmalloc((k + 1) * sizeof(*tmp));
		memcpy(tmp, r, k * sizeof(*tmp));
		tmp[k] = lo_part[0];
		lo = iset_block(f, first, bits, depth + 1, base, tmp, k + 1, orig);
		free(tmp);
		if (nh == 1) {
			hi = iset_block(f, first, bits, depth + 1, mid, hi_part, 1, orig);
		} else {
			struct iset_range *t2 = xmalloc(nh * sizeof(*t2));
			memcpy(t2, H, nh * sizeof(*t2));
			t2[0] = hi_part[0];
			hi = iset_block(f, first, bits, depth + 1, mid, t2, nh, orig);
			free(t2);
		}
	} else {
		lo = iset_block(f, first, bits, depth + 1, base, L, nl, orig);
		hi = iset_block(f, first, bits, depth + 1, mid, H, nh, orig);
	}
	BDD v = bdd_ithvar(var_of(f, first + depth, orig));
	BDD res = bref(bdd_ite(v, hi, lo));
	bdd_delref(lo);
	bdd_delref(hi);
	return res;
}

static BDD iset_rec(const struct field *f, int first, int bits,
		    const struct iset_range *r, size_t n, bool orig, BDD tail)
{
	if (n == 1)   /* one range: its prefix path or the range chain */
		return range_tail(f, first, bits, r[0].lo, r[0].hi, orig, tail);
	BDD b = iset_block(f, first, bits, 0, 0, r, n, orig);
	band(&b, tail);
	return b;
}

/* An address or port set, and tail (see range_tail()); addresses also
 * pin the family. */
static BDD set_tail(const struct space *s, enum fld f, const struct iset *set,
		    bool orig, BDD tail)
{
	const struct field *fl = &s->f[f];
	if (f == F_SADDR || f == F_DADDR) {
		int fam = set->bits == 32 ? 4 : 6;
		BDD r = iset_rec(fl, 0, set->bits, set->r, set->n, orig, tail);
		BDD fb = fam_is(s, fam);
		band(&r, fb);
		bdd_delref(fb);
		return r;
	}
	return iset_rec(fl, 0, fl->bits, set->r, set->n, orig, tail);
}

static BDD set_bdd(const struct space *s, enum fld f, const struct iset *set,
		   bool orig)
{
	return set_tail(s, f, set, orig, bddtrue);
}

BDD space_set(const struct space *s, enum fld f, const struct iset *set)
{
	return set_bdd(s, f, set, false);
}

size_t space_if_index(const struct space *s, const char *name)
{
	if (!name[0])
		return 0;
	for (size_t i = 1; i <= s->nif; i++)
		if (!strcmp(s->ifnames[i], name))
			return i;
	return s->nif + 1;
}

static void add_name(struct space *s, size_t *cap, const char *name)
{
	size_t len = strlen(name);
	if (len && name[len - 1] == '+') {
		for (size_t i = 0; i < s->nwild; i++)
			if (!strcmp(s->wild[i], name))
				return;
		s->wild = xrealloc(s->wild, (s->nwild + 1) * sizeof(*s->wild));
		s->wild[s->nwild++] = name;
		return;
	}
	for (size_t i = 1; i <= s->nif; i++)
		if (!strcmp(s->ifnames[i], name))
			return;
	if (s->nif + 2 >= *cap) {
		*cap = *cap ? *cap * 2 : 16;
		s->ifnames = xrealloc(s->ifnames, *cap * sizeof(*s->ifnames));
	}
	s->ifnames[++s->nif] = name;
}

static long uid_resolve(const char *str)
{
	char *end;
	long v = strtol(str, &end, 10);
	if (*str && !*end)
		return v;
	struct passwd *pw = getpwnam(str);
	return pw ? (long)pw->pw_uid : -1;
}

static void add_uid(struct space *s, size_t *cap, long uid)
{
	if (uid < 0)
		return;
	for (size_t i = 1; i <= s->nuid; i++)
		if (s->uids[i] == uid)
			return;
	if (s->nuid + 2 >= *cap) {
		*cap = *cap ? *cap * 2 : 8;
		s->uids = xrealloc(s->uids, *cap * sizeof(*s->uids));
	}
	s->uids[++s->nuid] = uid;
}

static size_t uid_index(const struct space *s, long uid)
{
	for (size_t i = 1; i <= s->nuid; i++)
		if (s->uids[i] == uid)
			return i;
	return s->nuid + 1;
}

static int bits_for(size_t values)
{
	int b = 1;
	while (((size_t)1 << b) < values)
		b++;
	return b;
}

static void collect_rule(struct space *s, size_t *ifcap, size_t *uidcap,
			 const struct ir_rule *r)
{
	for (size_t j = 0; j < r->nm; j++) {
		const struct ir_match *m = &r->m[j];
		if (m->kind == M_IIF || m->kind == M_OIF)
			for (size_t k = 0; k < m->nnames; k++)
				add_name(s, ifcap, m->names[k]);
		if (m->kind == M_UID)
			add_uid(s, uidcap, uid_resolve(m->str));
	}
}

static void bdd_fail(int code)
{
	die("BDD library error: %s", bdd_errstring(code));
}

static void no_gbc_message(int pre, bddGbcStat *st)
{
	if (!pre && getenv("FWC_LINT_PROFILE"))
		fprintf(stderr, "gc %d: %d nodes, %d free, %ld ms this, %ld ms total\n", st->num,
			st->nodes, st->freenodes, st->time * 1000 / CLOCKS_PER_SEC,
			st->sumtime * 1000 / CLOCKS_PER_SEC);
}

static int alloc_field(struct space *s, enum fld f, int bits, bool copy, int next)
{
	s->f[f].bits = bits;
	if (copy) {
		s->f[f].orig = next;
		s->f[f].cur = next + 1;
		s->f[f].stride = 2;
		return next + 2 * bits;
	}
	s->f[f].orig = -1;
	s->f[f].cur = next;
	s->f[f].stride = 1;
	return next + bits;
}

static const enum fld copied[] = { F_OIF, F_STATE, F_MARK, F_CTMARK, F_DADDR,
				   F_DPORT };
#define NCOPIED (sizeof(copied) / sizeof(copied[0]))

static BDD domain(const struct space *s)
{
	BDD d = bref(bddtrue), t;
	/* enumerated fields stay within their names */
	/* cur copies only: with `same`, the orig ones follow */
	t = fld_range(s, F_OIF, 0, s->nif + 1, false);
	band(&d, t);
	bdd_delref(t);
	t = fld_range(s, F_STATE, 0, 4, false);
	band(&d, t);
	bdd_delref(t);
	t = fld_range(s, F_IIF, 0, s->nif + 1, false);
	band(&d, t);
	bdd_delref(t);
	t = fld_range(s, F_UID, 0, s->nuid + 1, false);
	band(&d, t);
	bdd_delref(t);
	/* a packet has an input or an output interface (or both); a uid only
	 * when this host sends it */
	BDD noiif = fld_eq(s, F_IIF, 0, false);
	BDD nooif = fld_eq(s, F_OIF, 0, false);
	BDD nouid = fld_eq(s, F_UID, 0, false);
	BDD hasoif = bnot(bref(nooif));
	BDD hasiif = bnot(bref(noiif));
	t = bref(bdd_imp(noiif, hasoif));
	band(&d, t);
	bdd_delref(t);
	t = bref(bdd_imp(hasiif, nouid));
	bdd_delref(hasoif);
	bdd_delref(hasiif);
	band(&d, t);
	bdd_delref(t);
	bdd_delref(noiif);
	bdd_delref(nooif);
	bdd_delref(nouid);
	/* IPv4 addresses are the top 32 bits of the address fields; the
	 * other 96 are left free (never tested), which keeps IPv4 paths
	 * short */
	BDD v4 = fam_is(s, 4);
	/* fragments are an IPv4 notion; icmp is v4, icmpv6 is v6 */
	BDD frag = bref(bdd_ithvar(s->f[F_FRAG].cur));
	t = bref(bdd_imp(frag, v4));
	band(&d, t);
	bdd_delref(t);
	bdd_delref(frag);
	BDD icmp4 = fld_eq(s, F_PROTO, 1, false);
	BDD icmp6 = fld_eq(s, F_PROTO, 58, false);
	t = bref(bdd_imp(icmp4, v4));
	band(&d, t);
	bdd_delref(t);
	BDD v6 = fam_is(s, 6);
	t = bref(bdd_imp(icmp6, v6));
	bdd_delref(v6);
	band(&d, t);
	bdd_delref(t);
	/* fields a packet of this protocol does not have (ports, tcp flags,
	 * icmp type) are left free: every rule testing them also tests the
	 * protocol, so no rule tells their values apart */

	bdd_delref(icmp4);
	bdd_delref(icmp6);
	bdd_delref(v4);
	return d;
}

void space_init(struct space *s, const struct ir *ir)
{
	memset(s, 0, sizeof(*s));
	size_t ifcap = 0, uidcap = 0;
	add_name(s, &ifcap, "lo");
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++)
			collect_rule(s, &ifcap, &uidcap, ir->chains[i]->rules[j]);
	for (size_t i = 0; i < ir->nmgmt; i++)
		collect_rule(s, &ifcap, &uidcap, ir->mgmt[i]);
	/* a concrete name for each wildcard: one that no rule names and no
	 * longer wildcard matches, so "eth+ but not eth0" has a witness */
	s->wildrep = xcalloc(s->nwild + 1, 16);
	for (size_t w = 0; w < s->nwild; w++) {
		size_t pl = strlen(s->wild[w]) - 1;
		char *rep = s->wildrep + 16 * w;
		for (int k = 0; k < 1000; k++) {
			snprintf(rep, 16, "%.*s%d", (int)(pl > 12 ? 12 : pl), s->wild[w], k);
			if (pl > 12)
				snprintf(rep, 16, "%.*s%c", (int)pl, s->wild[w], "0123456789abcdefgh"[k % 18]);
			bool bad = space_if_index(s, rep) != s->nif + 1;
			for (size_t v = 0; v < s->nwild && !bad; v++)
				if (strlen(s->wild[v]) > pl + 1 && ifname_match(s->wild[v], rep))
					bad = true;
			if (!bad)
				break;
		}
		add_name(s, &ifcap, rep);
	}
	if (!s->ifnames)
		s->ifnames = xcalloc(2, sizeof(*s->ifnames));
	s->ifnames[0] = "";
	/* a name no rule uses, for "any other interface" */
	for (int k = 0;; k++) {
		snprintf(s->other_if, sizeof(s->other_if), k ? "other%d" : "other", k);
		bool bad = space_if_index(s, s->other_if) != s->nif + 1;
		for (size_t v = 0; v < s->nwild && !bad && k < 1000; v++)
			if (ifname_match(s->wild[v], s->other_if))
				bad = true;
		if (!bad)
			break;
	}
	if (!s->uids)
		s->uids = xcalloc(2, sizeof(*s->uids));
	s->uids[0] = -1;
	s->other_uid = 65534;
	while (uid_index(s, s->other_uid) != s->nuid + 1)
		s->other_uid--;

	int ifb = bits_for(s->nif + 2), uidb = bits_for(s->nuid + 2);
	int v = 0;
	v = alloc_field(s, F_FAM, 1, false, v);
	v = alloc_field(s, F_IIF, ifb, false, v);
	/* copies only for what some action rewrites: a copy doubles the
	 * work on its field */
	bool cmark = false, cstate = false, cdst = false, cdport = false, coif = false;
	bool readmark = false;
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++) {
			const struct ir_rule *r = ir->chains[i]->rules[j];
			for (size_t k = 0; k < r->nm; k++)
				readmark |= r->m[k].kind == M_MARK || r->m[k].kind == M_CONNMARK;
		}
	for (size_t i = 0; i < ir->nmgmt; i++)
		for (size_t k = 0; k < ir->mgmt[i]->nm; k++)
			readmark |= ir->mgmt[i]->m[k].kind == M_MARK ||
				    ir->mgmt[i]->m[k].kind == M_CONNMARK;
	/* marks no rule tests change no verdict: then setting them is not
	 * modelled at all (no copies, no rewrite) */
	s->marks_matter = readmark;
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++) {
			enum act_kind k = ir->chains[i]->rules[j]->act.kind;
			cmark |= readmark && (k == ACT_MARK || k == ACT_CONNMARK);
			cstate |= k == ACT_NOTRACK;
			cdst |= k == ACT_DNAT;
			cdport |= k == ACT_DNAT || k == ACT_REDIRECT;
			coif |= k == ACT_REDIRECT;
		}
	/* Where the source goes: a policy written per source host (an
	 * imported university firewall: "-s H -m mac M -j RETURN; -s H -j
	 * DROP" for thousands of hosts) takes one host out of a flow after
	 * another, cheap when the source is near the top and a copy of every
	 * protocol/state branch when it is below them (TUM: 2.0 s -> 0.5 s).
	 * A policy of services (protocol and ports per rule) is the other
	 * way round (10,000 generated rules: 3.1 s -> 5.1 s with the source
	 * on top). So: on top when a quarter of the rules that test the
	 * source test no protocol or port. */
	size_t n_src = 0, n_src_only = 0;
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++) {
			const struct ir_rule *r = ir->chains[i]->rules[j];
			bool src = false, l4 = false;
			for (size_t k = 0; k < r->nm; k++) {
				enum ir_mkind mk = r->m[k].kind;
				src |= mk == M_SADDR || mk == M_SSET;
				l4 |= mk == M_PROTO || mk == M_SPORT || mk == M_DPORT;
			}
			n_src += src;
			n_src_only += src && !l4;
		}
	bool src_top = n_src >= 64 && n_src_only * 4 >= n_src;
	/* for the tests: the analysis must not depend on the order */
	const char *force = getenv("FWC_SPACE_SRC_TOP");
	if (force && *force)
		src_top = *force == '1';
	if (src_top)
		v = alloc_field(s, F_SADDR, 128, false, v);
	v = alloc_field(s, F_OIF, ifb, coif, v);
	v = alloc_field(s, F_UID, uidb, false, v);
	v = alloc_field(s, F_PROTO, 8, false, v);
	v = alloc_field(s, F_STATE, 3, cstate, v);
	v = alloc_field(s, F_FRAG, 1, false, v);
	v = alloc_field(s, F_TCPFLAGS, 8, false, v);
	v = alloc_field(s, F_ICMP, 8, false, v);
	/* the source above ports: rules are mostly keyed by source, and a
	 * set of packets then stays a list of prefixes, each with its few
	 * ports, instead of a product of every port boundary and every
	 * prefix. The destination below the ports: rules seldom test it in
	 * input, and its orig == cur chain (with DNAT) is then one shared
	 * tail instead of a copy under every port range. */
	if (!src_top)
		v = alloc_field(s, F_SADDR, 128, false, v);
	v = alloc_field(s, F_SPORT, 16, false, v);
	v = alloc_field(s, F_DPORT, 16, cdport, v);
	v = alloc_field(s, F_DADDR, 128, cdst, v);
	/* marks last: they are set from the fields above (mark 3 for this
	 * source...), so below those each set of packets carries its mark as
	 * a short tail; above them every mark value would split every set.
	 * Mark and connmark bit by bit together: connmark save and restore
	 * relate them bitwise, which is linear only when interleaved. */
	if (cmark) {
		s->f[F_MARK] = (struct field){ 32, v + 1, v, 4 };
		s->f[F_CTMARK] = (struct field){ 32, v + 3, v + 2, 4 };
		v += 4 * 32;
	} else {
		s->f[F_MARK] = (struct field){ 32, v, -1, 2 };
		s->f[F_CTMARK] = (struct field){ 32, v + 1, -1, 2 };
		v += 2 * 32;
	}
	s->nvars = v;

	if (bdd_isrunning())
		BUG("one packet space at a time");
	/* a small policy needs a small table: initializing 2^18 nodes alone
	 * takes 30 ms, most of a small dump's lint */
	size_t want = ir->nrules * 256 + 8192;
	int nodes = want < (1u << 18) ? (int)want : 1 << 18;
	bdd_init(nodes, nodes / 4 < (1 << 16) ? nodes / 4 : 1 << 16);
	bdd_error_hook(bdd_fail);
	bdd_gbc_hook(no_gbc_message);
	bdd_setmaxincrease(1<<20);
	bdd_setminfreenodes(50);
	bdd_setvarnum(s->nvars);

	s->dom = domain(s);
	s->npick = pick_prefs(s, s->pick);
	s->same = bref(bddtrue);
	s->curset = bref(bddtrue);
	s->cur2orig = bdd_newpair();
	s->orig2cur = bdd_newpair();
	for (size_t k = 0; k < NCOPIED; k++) {
		const struct field *f = &s->f[copied[k]];
		if (f->orig < 0)
			continue;
		BDD low = bref(bddtrue);   /* daddr bits 32..127: IPv6 only */
		for (int i = f->bits - 1; i >= 0; i--) {
			BDD e = bref(bdd_biimp(bdd_ithvar(var_of(f, i, true)),
					       bdd_ithvar(var_of(f, i, false))));
			if (copied[k] == F_DADDR && i == 31) {
				/* IPv4 leaves the rest free: equal or not, no rule
				 * tells; keeping them apart shortens every path */
				BDD v6 = fam_is(s, 6);
				BDD t = bref(bdd_imp(v6, low));
				band(&s->same, t);
				bdd_delref(t);
				bdd_delref(v6);
			}
			if (copied[k] == F_DADDR && i >= 32)
				band(&low, e);
			else
				band(&s->same, e);
			bdd_delref(e);
			band(&s->curset, bdd_ithvar(var_of(f, i, false)));
			bdd_setpair(s->cur2orig, var_of(f, i, false), var_of(f, i, true));
			bdd_setpair(s->orig2cur, var_of(f, i, true), var_of(f, i, false));
		}
		bdd_delref(low);
	}
	/* the reply of a packet, from its cur fields to an incoming packet:
	 * source <-> destination, ports, interfaces */
	s->swap = bdd_newpair();
	const struct { enum fld a, b; } sw[] = {
		{ F_SADDR, F_DADDR }, { F_SPORT, F_DPORT }, { F_IIF, F_OIF },
	};
	for (size_t k = 0; k < 3; k++) {
		const struct field *a = &s->f[sw[k].a], *b = &s->f[sw[k].b];
		for (int i = 0; i < a->bits; i++) {
			bdd_setpair(s->swap, var_of(a, i, false), var_of(b, i, true));
			bdd_setpair(s->swap, var_of(b, i, false), var_of(a, i, false));
		}
	}
	/* what a reply does not inherit: every orig copy, and the fields
	 * of its own (marks, state, uid, flags, icmp type, fragment) */
	s->volatile_set = bref(bddtrue);
	for (size_t k = 0; k < NCOPIED; k++) {
		const struct field *f = &s->f[copied[k]];
		if (f->orig < 0)
			continue;
		for (int i = 0; i < f->bits; i++)
			band(&s->volatile_set, bdd_ithvar(var_of(f, i, true)));
	}
	const enum fld vol[] = { F_MARK, F_CTMARK, F_STATE, F_UID, F_TCPFLAGS,
				 F_ICMP, F_FRAG };
	for (size_t k = 0; k < sizeof(vol) / sizeof(vol[0]); k++) {
		const struct field *f = &s->f[vol[k]];
		for (int i = 0; i < f->bits; i++)
			band(&s->volatile_set, bdd_ithvar(var_of(f, i, false)));
	}
	s->nsetcache = ir->nsets;
	for (int k = 0; k < 2; k++) {
		s->setcache[k] = xcalloc(ir->nsets + 1, sizeof(BDD));
		for (size_t i = 0; i < ir->nsets; i++)
			s->setcache[k][i] = -1;
	}
}

void space_done(struct space *s)
{
	bdd_freepair(s->cur2orig);
	bdd_freepair(s->orig2cur);
	bdd_freepair(s->swap);
	bdd_delref(s->volatile_set);
	free(s->setcache[0]);
	free(s->setcache[1]);
	free(s->ifnames);
	free(s->wild);
	free(s->wildrep);
	free(s->uids);
	free(s->mcache);   /* its BDDs go with bdd_done() */
	bdd_done();
	memset(s, 0, sizeof(*s));
}

bool rule_is_stateful(const struct ir_rule *r)
{
	for (size_t i = 0; i < r->nm; i++) {
		switch (r->m[i].kind) {
		case M_LIMIT:
		case M_CONNLIMIT:
		case M_NTH:
		case M_UNKNOWN:
			return true;
		case M_RECENT:
			if (r->m[i].recent != RECENT_SET)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

static BDD negate_if(BDD b, bool neg)
{
	return neg ? bnot(b) : b;
}

/* Matches that many rules share (protocols, port sets, states,
 * interfaces) are built once: keyed by their contents. */
static bool cacheable(const struct ir_match *m)
{
	switch (m->kind) {
	case M_PROTO: case M_SPORT: case M_DPORT: case M_ICMP_TYPE:
	case M_CTSTATE: case M_TCPFLAGS:
		return true;
	default:
		return false;
	}
}

static uint64_t match_hash(const struct ir_match *m)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
	MIX(m->kind);
	MIX(m->neg);
	MIX(m->proto);
	MIX(m->icmp_type);
	MIX(m->state);
	MIX(m->value);
	MIX(m->mask);
	for (size_t i = 0; i < m->set.n; i++) {
		MIX((uint64_t)m->set.r[i].lo);
		MIX((uint64_t)m->set.r[i].hi);
	}
#undef MIX
	return h;
}

static bool match_same(const struct ir_match *a, const struct ir_match *b)
{
	return a->kind == b->kind && a->neg == b->neg && a->proto == b->proto &&
	       a->icmp_type == b->icmp_type && a->state == b->state &&
	       a->value == b->value && a->mask == b->mask &&
	       (a->kind != M_SPORT && a->kind != M_DPORT ? true
		: iset_equal(&a->set, &b->set));
}

static BDD space_match_uncached(struct space *s, const struct ir_match *m,
				int family, bool may);

BDD space_match(struct space *s, const struct ir_match *m, int family, bool may)
{
	if (!cacheable(m))
		return space_match_uncached(s, m, family, may);
	if (!s->mcache) {
		s->mcap = 4096;
		s->mcache = xcalloc(s->mcap, sizeof(*s->mcache));
	}
	uint64_t h = match_hash(m);
	size_t i = (size_t)h & (s->mcap - 1);
	for (size_t probe = 0; probe < 16; probe++, i = (i + 1) & (s->mcap - 1)) {
		struct mcache_entry *e = &s->mcache[i];
		if (!e->m) {
			e->m = m;
			e->h = h;
			e->b = space_match_uncached(s, m, family, may);
			return bref(e->b);
		}
		if (e->h == h && match_same(e->m, m))
			return bref(e->b);
	}
	return space_match_uncached(s, m, family, may);
}

static BDD space_match_uncached(struct space *s, const struct ir_match *m,
				int family, bool may)
{
	BDD r, t;
	switch (m->kind) {
	case M_IIF:
	case M_OIF:
		r = bref(bddfalse);
		for (size_t i = 0; i < m->nnames; i++) {
			enum fld f = m->kind == M_IIF ? F_IIF : F_OIF;
			size_t len = strlen(m->names[i]);
			if (!len || m->names[i][len - 1] != '+') {
				t = fld_eq(s, f, space_if_index(s, m->names[i]), false);
				bor(&r, t);
				bdd_delref(t);
				continue;
			}
			for (size_t k = 0; k <= s->nif + 1; k++) {
				const char *n = k == 0 ? "" : k <= s->nif ? s->ifnames[k] : s->other_if;
				if (!ifname_match(m->names[i], n))
					continue;
				t = fld_eq(s, f, k, false);
				bor(&r, t);
				bdd_delref(t);
			}
		}
		return negate_if(r, m->neg);
	case M_SADDR:
		return set_bdd(s, F_SADDR, &m->set, false);
	case M_DADDR:
		return set_bdd(s, F_DADDR, &m->set, false);
	case M_SSET:
	case M_DSET: {
		int k = m->kind == M_DSET;
		BDD *c = &s->setcache[k][m->named->id];
		if (m->named->id >= s->nsetcache)
			BUG("set id %zu out of range", m->named->id);
		if (*c == -1) {
			*c = set_bdd(s, k ? F_DADDR : F_SADDR, &m->named->elems, false);
			t = fam_is(s, m->named->family);
			band(c, t);   /* an empty set still pins the family */
			bdd_delref(t);
		}
		return negate_if(bref(*c), m->neg);
	}
	case M_PROTO:
		return negate_if(fld_eq(s, F_PROTO, (u128)m->proto, false), m->neg);
	case M_SPORT:
		return set_bdd(s, F_SPORT, &m->set, false);
	case M_DPORT:
		return set_bdd(s, F_DPORT, &m->set, false);
	case M_ICMP_TYPE:
		return negate_if(fld_eq(s, F_ICMP, (u128)m->icmp_type, false), m->neg);
	case M_CTSTATE:
		r = bref(bddfalse);
		for (int b = 0; b < 5; b++)
			if (m->state & (1u << b)) {
				t = fld_eq(s, F_STATE, (u128)b, false);
				bor(&r, t);
				bdd_delref(t);
			}
		return negate_if(r, m->neg);
	case M_MARK:
	case M_CONNMARK: {
		const struct field *f = &s->f[m->kind == M_MARK ? F_MARK : F_CTMARK];
		r = bref(bddtrue);
		for (int i = 31; i >= 0; i--)
			if (bit_of(m->mask, 32, i)) {
				int var = var_of(f, i, false);
				band(&r, bit_of(m->value, 32, i) ? bdd_ithvar(var)
								 : bdd_nithvar(var));
			} else if (bit_of(m->value, 32, i)) {
				/* (mark & mask) can never have this bit */
				bdd_delref(r);
				r = bref(bddfalse);
				break;
			}
		return negate_if(r, m->neg);
	}
	case M_UID: {
		long uid = uid_resolve(m->str);
		r = uid < 0 ? bref(bddfalse) : fld_eq(s, F_UID, uid_index(s, uid), false);
		return negate_if(r, m->neg);
	}
	case M_TCPFLAGS: {
		r = fld_eq(s, F_PROTO, 6, false);
		const struct field *f = &s->f[F_TCPFLAGS];
		for (int i = 0; i < 8; i++) {
			/* bit i of the field, MSB first, is flag 1 << (7 - i) */
			uint32_t fl = 1u << (7 - i);
			if (m->mask & fl)
				band(&r, (m->value & fl) ? bdd_ithvar(var_of(f, i, false))
							 : bdd_nithvar(var_of(f, i, false)));
			else if (m->value & fl) {
				bdd_delref(r);
				return bref(bddfalse);
			}
		}
		return r;
	}
	case M_FRAGMENT:
		return bref(m->neg ? bdd_nithvar(s->f[F_FRAG].cur) : bdd_ithvar(s->f[F_FRAG].cur));
	case M_RECENT:
		if (m->recent == RECENT_SET)
			return bref(bddtrue);
		return bref(may ? bddtrue : bddfalse);
	case M_LIMIT:
	case M_CONNLIMIT:
	case M_NTH:
	case M_UNKNOWN:
	default:
		return bref(may ? bddtrue : bddfalse);
	}
}

/* A source or destination address match made in space_rule right on
 * top of the conditions below it; its depth is that of its first bit. */
static bool addr_on_tail(const struct ir_match *m)
{
	return m->kind == M_SADDR || m->kind == M_DADDR;
}

struct rpart {
	int depth;
	BDD b;                         /* or -1: m, made on the tail */
	const struct ir_match *m;
};

static int rpart_cmp(const void *pa, const void *pb)
{
	const struct rpart *a = pa, *b = pb;
	return a->depth > b->depth ? -1 : a->depth < b->depth;
}

BDD space_rule(struct space *s, const struct ir_rule *r, bool may)
{
	/* conjoin the deepest condition first: each step then only adds the
	 * nodes of a condition above the ones already there, instead of
	 * copying a growing path again */
	struct rpart parts[r->nm + 1];
	size_t n = 0;
	BDD fb = r->family ? fam_is(s, r->family) : bref(bddtrue);
	parts[n++] = (struct rpart){ fb < 2 ? 1 << 30 : bdd_var(fb), fb, NULL };
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		if (addr_on_tail(m)) {
			enum fld f = m->kind == M_SADDR ? F_SADDR : F_DADDR;
			parts[n++] = (struct rpart){ var_of(&s->f[f], 0, false), -1, m };
			continue;
		}
		BDD b = space_match(s, m, r->family, may);
		parts[n++] = (struct rpart){ b < 2 ? 1 << 30 : bdd_var(b), b, NULL };
	}
	qsort(parts, n, sizeof(parts[0]), rpart_cmp);
	BDD b = bref(bddtrue);
	for (size_t i = 0; i < n; i++) {
		if (parts[i].b == -1) {
			const struct ir_match *m = parts[i].m;
			BDD t = set_tail(s, m->kind == M_SADDR ? F_SADDR : F_DADDR, &m->set,
					 false, b);
			bdd_delref(b);
			b = t;
			continue;
		}
		band(&b, parts[i].b);
		bdd_delref(parts[i].b);
	}
	return b;
}

BDD space_path(const struct space *s, enum path p)
{
	BDD iif = fld_eq(s, F_IIF, 0, false);
	BDD oif = fld_eq(s, F_OIF, 0, false);
	if (p != PATH_OUTPUT)
		iif = bnot(iif);
	if (p != PATH_INPUT)
		oif = bnot(oif);
	band(&iif, oif);
	bdd_delref(oif);
	return iif;
}

static BDD field_varset(const struct space *s, enum fld f, int first, int bits)
{
	BDD set = bref(bddtrue);
	for (int i = first; i < first + bits; i++)
		band(&set, bdd_ithvar(var_of(&s->f[f], i, false)));
	return set;
}

/* x with the cur copy of field f (bits [first, first+bits)) replaced by
 * the value `val` (a BDD over that field). */
static BDD assign(const struct space *s, BDD x, enum fld f, int first, int bits,
		  BDD val)
{
	BDD vs = field_varset(s, f, first, bits);
	BDD r = bref(bdd_exist(x, vs));
	band(&r, val);
	bdd_delref(vs);
	return r;
}

/* field a := field b, bit by bit (cur copies, same width) */
static BDD copy_field(const struct space *s, BDD x, enum fld a, enum fld b)
{
	BDD vs = field_varset(s, a, 0, s->f[a].bits);
	BDD r = bref(bdd_exist(x, vs));
	for (int i = s->f[a].bits - 1; i >= 0; i--) {
		BDD e = bref(bdd_biimp(bdd_ithvar(var_of(&s->f[a], i, false)),
				       bdd_ithvar(var_of(&s->f[b], i, false))));
		band(&r, e);
		bdd_delref(e);
	}
	bdd_delref(vs);
	return r;
}

/* mark := (mark & ~mask) ^ value */
static BDD set_mark(const struct space *s, BDD x, enum fld f, uint32_t mask,
		    uint32_t value)
{
	const struct field *fl = &s->f[f];
	BDD r = bref(x);
	bddPair *flip = NULL;
	for (int i = 0; i < 32; i++) {
		int var = var_of(fl, i, false);
		if (bit_of(mask, 32, i)) {
			BDD vs = bref(bdd_ithvar(var));
			replace_ref(&r, bdd_exist(r, vs));
			bdd_delref(vs);
			band(&r, bit_of(value, 32, i) ? bdd_ithvar(var) : bdd_nithvar(var));
		} else if (bit_of(value, 32, i)) {
			if (!flip)
				flip = bdd_newpair();
			bdd_setbddpair(flip, var, bdd_nithvar(var));
		}
	}
	if (flip) {
		replace_ref(&r, bdd_veccompose(r, flip));
		bdd_freepair(flip);
	}
	return r;
}

BDD space_apply(struct space *s, const struct ir_rule *r, BDD x)
{
	const struct ir_action *a = &r->act;
	BDD v, res, t;
	switch (a->kind) {
	case ACT_MARK:
		if (!s->marks_matter)
			return bref(x);
		return set_mark(s, x, F_MARK, a->mask, a->mark);
	case ACT_CONNMARK:
		if (!s->marks_matter)
			return bref(x);
		if (a->cm == CM_SAVE)
			return copy_field(s, x, F_CTMARK, F_MARK);
		if (a->cm == CM_RESTORE)
			return copy_field(s, x, F_MARK, F_CTMARK);
		return set_mark(s, x, F_CTMARK, a->mask, a->mark);
	case ACT_NOTRACK:
		v = fld_eq(s, F_STATE, 4, false);
		res = assign(s, x, F_STATE, 0, 3, v);
		bdd_delref(v);
		return res;
	case ACT_DNAT:
		if (!a->has_addr) {
			res = bref(x);
		} else if (r->family == 4 || a->addr >> 32 == 0) {
			/* an IPv4 rule: the low 32 bits (the high ones are 0) */
			v = eq_bits(&s->f[F_DADDR], 0, 32, a->addr, false);
			res = assign(s, x, F_DADDR, 0, 32, v);
			bdd_delref(v);
		} else {
			v = fld_eq(s, F_DADDR, a->addr, false);
			res = assign(s, x, F_DADDR, 0, 128, v);
			bdd_delref(v);
		}
		if (a->port_lo >= 0) {
			v = fld_eq(s, F_DPORT, (u128)a->port_lo, false);
			t = assign(s, res, F_DPORT, 0, 16, v);
			bdd_delref(v);
			bdd_delref(res);
			res = t;
		}
		return res;
	case ACT_REDIRECT: {
		v = fld_eq(s, F_DPORT, (u128)(a->port_lo < 0 ? 0 : a->port_lo), false);
		res = assign(s, x, F_DPORT, 0, 16, v);
		bdd_delref(v);
		/* a forwarded packet becomes one for this host: no output
		 * interface from here (trace.c does the same) */
		BDD noiif = fld_eq(s, F_IIF, 0, false);
		BDD fwd = bref(bdd_apply(res, noiif, bddop_diff));
		band(&res, noiif);
		bdd_delref(noiif);
		v = fld_eq(s, F_OIF, 0, false);
		t = assign(s, fwd, F_OIF, 0, s->f[F_OIF].bits, v);
		bdd_delref(v);
		bdd_delref(fwd);
		bor(&res, t);
		bdd_delref(t);
		return res;
	}
	default:
		/* SNAT and MASQUERADE rewrite the source at the last step of
		 * a path, where no rule looks any more: the identity keeps the
		 * incoming source in the relation */
		return bref(x);
	}
}

BDD space_orig(const struct space *s, BDD x)
{
	return bref(bdd_exist(x, s->curset));
}

BDD space_to_orig(const struct space *s, BDD x)
{
	/* x has no orig variables: a renaming */
	return bref(bdd_replace(x, s->cur2orig));
}

BDD space_reply(const struct space *s, BDD x)
{
	BDD y = bref(bdd_exist(x, s->volatile_set));
	/* a permutation of variables the exist left out: a renaming */
	BDD r = bref(bdd_replace(y, s->swap));
	bdd_delref(y);
	BDD est = fld_eq(s, F_STATE, 1, true);
	band(&r, est);
	bdd_delref(est);
	return r;
}

BDD space_packet(const struct space *s, const struct packet *p)
{
	struct { enum fld f; u128 v; } v[F_MAX];
	int n = 0;
	bool porty = p->proto == 6 || p->proto == 17 || p->proto == 132 ||
		     p->proto == 33 || p->proto == 136;
	bool icmp = p->proto == 1 || p->proto == 58;
	int st = 0;
	while (st < 4 && !(p->state & (1u << st)))
		st++;
	size_t uid = p->uid < 0 ? 0 : uid_index(s, p->uid);
	v[n].f = F_FAM; v[n++].v = p->family == 6;
	v[n].f = F_IIF; v[n++].v = space_if_index(s, p->iif);
	v[n].f = F_OIF; v[n++].v = space_if_index(s, p->oif);
	v[n].f = F_UID; v[n++].v = uid;
	v[n].f = F_PROTO; v[n++].v = (u128)p->proto;
	v[n].f = F_STATE; v[n++].v = (u128)st;
	v[n].f = F_FRAG; v[n++].v = p->fragment;
	v[n].f = F_TCPFLAGS; v[n++].v = p->proto == 6 ? p->tcpflags : 0;
	v[n].f = F_ICMP; v[n++].v = icmp && p->icmp_type >= 0 ? (u128)p->icmp_type : 0;
	v[n].f = F_MARK; v[n++].v = p->mark;
	v[n].f = F_CTMARK; v[n++].v = p->ctmark;
	/* IPv4: the top 32 bits */
	v[n].f = F_SADDR; v[n++].v = p->family == 4 ? p->saddr << 96 : p->saddr;
	v[n].f = F_DADDR; v[n++].v = p->family == 4 ? p->daddr << 96 : p->daddr;
	v[n].f = F_SPORT; v[n++].v = porty && p->sport > 0 ? (u128)p->sport : 0;
	v[n].f = F_DPORT; v[n++].v = porty && p->dport > 0 ? (u128)p->dport : 0;
	BDD r = bref(bddtrue);
	for (int i = n - 1; i >= 0; i--) {
		BDD t = fld_eq(s, v[i].f, v[i].v, false);
		band(&r, t);
		bdd_delref(t);
	}
	return r;
}

/* ---- witnesses ---- */

static u128 read_field(const struct space *s, const char *val, enum fld f,
		       bool orig)
{
	const struct field *fl = &s->f[f];
	bool o = orig && fl->orig >= 0;
	u128 v = 0;
	for (int i = 0; i < fl->bits; i++)
		v = (v << 1) | (u128)(val[var_of(fl, i, o)] == 1);
	return v;
}

static BDD not_prefix(const struct space *s, enum fld f, bool orig, int fam,
		      u128 addr, int plen)
{
	int first = 0, bits = fam == 4 ? 32 : 128;
	u128 host = plen >= bits ? 0 : (((u128)1 << (bits - plen)) - 1);
	if (bits == 128 && plen == 0)
		host = ~(u128)0;
	BDD in = range_bits(&s->f[f], first, bits, addr, addr | host, orig);
	BDD fb = fam_is(s, fam);
	band(&in, fb);
	bdd_delref(fb);
	return bnot(in);
}

static size_t pick_prefs(const struct space *s, BDD *pp)
{
	size_t n = 0;
	/* not a special address on either side */
	static const struct { int fam; const char *a; int plen; } martian[] = {
		{ 4, "0.0.0.0", 8 }, { 4, "127.0.0.0", 8 }, { 4, "224.0.0.0", 3 },
		{ 4, "169.254.0.0", 16 }, { 6, "::", 8 }, { 6, "fe80::", 10 },
		{ 6, "ff00::", 8 },
	};
	for (size_t k = 0; k < sizeof(martian) / sizeof(martian[0]); k++) {
		int fam, plen;
		u128 a;
		char err[64];
		addr_parse(martian[k].a, strlen(martian[k].a), &fam, &a, &plen, err,
			   sizeof(err));
		pp[n++] = not_prefix(s, F_SADDR, false, martian[k].fam, a, martian[k].plen);
		pp[n++] = not_prefix(s, F_DADDR, true, martian[k].fam, a, martian[k].plen);
	}
	/* interfaces the policy names, a client port, no marks */
	pp[n++] = bnot(fld_eq(s, F_IIF, s->nif + 1, false));
	pp[n++] = bnot(fld_eq(s, F_OIF, s->nif + 1, true));
	/* lo is index 1: not for packets that cross the host */
	pp[n++] = bnot(fld_eq(s, F_IIF, 1, false));
	pp[n++] = bnot(fld_eq(s, F_OIF, 1, true));
	pp[n++] = fld_range(s, F_SPORT, 1024, 65535, false);
	pp[n++] = fld_range(s, F_DPORT, 1, 65535, true);
	pp[n++] = fld_eq(s, F_MARK, 0, true);
	pp[n++] = fld_eq(s, F_CTMARK, 0, true);
	pp[n++] = bref(bdd_nithvar(s->f[F_FRAG].cur));
	pp[n++] = fld_eq(s, F_STATE, 0, true);
	pp[n++] = fld_eq(s, F_PROTO, 6, false);
	BDD tcp = fld_eq(s, F_PROTO, 6, false);
	BDD syn = fld_eq(s, F_TCPFLAGS, TCPF_SYN, false);
	BDD ack = fld_eq(s, F_TCPFLAGS, TCPF_ACK, false);
	BDD isnew = fld_eq(s, F_STATE, 0, true);
	/* the flags a packet of that state would carry */
	BDD want = bref(bdd_ite(isnew, syn, ack));
	pp[n++] = bref(bdd_imp(tcp, want));
	bdd_delref(want);
	bdd_delref(isnew);
	bdd_delref(syn);
	bdd_delref(ack);
	bdd_delref(tcp);
	if (n > SPACE_NPICK)
		BUG("%zu preferences", n);
	return n;
}

/* The least assignment of a ∧ b in the variable order (0 before 1,
 * variables neither tests 0) into val: the path bdd_satone would take in
 * a ∧ b, found by a depth-first search that makes no node (the pairs
 * that led nowhere are remembered). */
struct pickmemo {
	struct { BDD a, b; } *k;
	size_t cap, n;
};

static bool pick_seen(struct pickmemo *m, BDD a, BDD b)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct pickmemo g = { NULL, m->cap ? m->cap * 2 : 256, 0 };
		g.k = xcalloc(g.cap, sizeof(*g.k));
		for (size_t i = 0; i < m->cap; i++)
			if (m->k[i].a) {
				size_t h = (size_t)(((uint64_t)(unsigned)m->k[i].a << 32 |
						     (unsigned)m->k[i].b) * 0x9e3779b97f4a7c15ull >> 20) &
					   (g.cap - 1);
				while (g.k[h].a)
					h = (h + 1) & (g.cap - 1);
				g.k[h] = m->k[i];
				g.n++;
			}
		free(m->k);
		*m = g;
	}
	/* a is never 0 here (false ends the search before) */
	size_t h = (size_t)(((uint64_t)(unsigned)a << 32 | (unsigned)b) *
			    0x9e3779b97f4a7c15ull >> 20) & (m->cap - 1);
	while (m->k[h].a) {
		if (m->k[h].a == a && m->k[h].b == b)
			return true;
		h = (h + 1) & (m->cap - 1);
	}
	m->k[h].a = a;
	m->k[h].b = b;
	m->n++;
	return false;
}

static bool pick_rec(struct pickmemo *m, BDD a, BDD b, char *val)
{
	if (a == bddfalse || b == bddfalse)
		return false;
	if (a == bddtrue && b == bddtrue)
		return true;
	if (pick_seen(m, a, b))
		return false;   /* seen and not on the path: it led nowhere */
	int va = a == bddtrue ? INT_MAX : bdd_var(a), vb = b == bddtrue ? INT_MAX : bdd_var(b);
	int v = va < vb ? va : vb;
	for (int bit = 0; bit < 2; bit++) {
		BDD a1 = va == v ? (bit ? bdd_high(a) : bdd_low(a)) : a;
		BDD b1 = vb == v ? (bit ? bdd_high(b) : bdd_low(b)) : b;
		val[v] = (char)bit;
		if (pick_rec(m, a1, b1, val))
			return true;
	}
	val[v] = 0;
	return false;
}

static bool pick_meets(BDD a, BDD b, char *val)
{
	struct pickmemo m = { 0 };
	bool r = pick_rec(&m, a, b, val);
	free(m.k);
	return r;
}

void space_pick(const struct space *s, BDD x, struct packet *p)
{
	/* x narrowed by each preference in turn, skipping one that would
	 * leave nothing: x ∧ (the preferences kept), where only the
	 * preferences' conjunction is made (small) and x ∧ it is searched,
	 * not made; the packet is its least member, the one bdd_satone
	 * would give */
	char *val = xcalloc((size_t)s->nvars, 1);
	BDD keep = bref(bddtrue);
	for (size_t k = 0; k < s->npick; k++) {
		BDD t = bref(bdd_and(keep, s->pick[k]));
		if (t != bddfalse && pick_meets(x, t, val)) {
			bdd_delref(keep);
			keep = t;
		} else {
			bdd_delref(t);
		}
	}
	memset(val, 0, (size_t)s->nvars);
	pick_meets(x, keep, val);
	bdd_delref(keep);

	memset(p, 0, sizeof(*p));
	p->family = read_field(s, val, F_FAM, false) ? 6 : 4;
	size_t iif = (size_t)read_field(s, val, F_IIF, false);
	size_t oif = (size_t)read_field(s, val, F_OIF, true);
	snprintf(p->iif, sizeof(p->iif), "%s", iif > s->nif ? s->other_if : s->ifnames[iif]);
	snprintf(p->oif, sizeof(p->oif), "%s", oif > s->nif ? s->other_if : s->ifnames[oif]);
	size_t uid = (size_t)read_field(s, val, F_UID, false);
	p->uid = uid == 0 ? -1 : uid > s->nuid ? s->other_uid : s->uids[uid];
	p->proto = (int)read_field(s, val, F_PROTO, false);
	p->state = 1u << (int)read_field(s, val, F_STATE, true);
	p->fragment = read_field(s, val, F_FRAG, false);
	p->tcpflags = 0;
	u128 fl = read_field(s, val, F_TCPFLAGS, false);
	for (int i = 0; i < 8; i++)
		if (fl & ((u128)1 << i))
			p->tcpflags |= 1u << i;
	p->mark = (uint32_t)read_field(s, val, F_MARK, true);
	p->ctmark = (uint32_t)read_field(s, val, F_CTMARK, true);
	p->saddr = read_field(s, val, F_SADDR, false);
	p->daddr = read_field(s, val, F_DADDR, true);
	if (p->family == 4) {   /* the top 32 bits */
		p->saddr >>= 96;
		p->daddr >>= 96;
	}
	bool porty = p->proto == 6 || p->proto == 17 || p->proto == 132 ||
		     p->proto == 33 || p->proto == 136;
	p->sport = porty ? (int)read_field(s, val, F_SPORT, false) : -1;
	p->dport = porty ? (int)read_field(s, val, F_DPORT, true) : -1;
	bool icmp_p = p->proto == 1 || p->proto == 58;
	p->icmp_type = icmp_p ? (int)read_field(s, val, F_ICMP, false) : -1;
	p->icmp_code = -1;
	free(val);
}
