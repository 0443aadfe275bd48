/*
 * test_space.c: the packet space's sets against iset membership, and its
 * packets against the matches that trace.c evaluates.
 */
#include <stdlib.h>
#include <string.h>

#include "space.h"
#include "testutil.h"

static uint64_t rs = 88172645463325252ull;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static bool member(struct space *s, BDD set, const struct packet *p)
{
	BDD pk = space_packet(s, p);
	BDD t = bref(bdd_and(pk, set));
	bool in = t != bddfalse;
	bdd_delref(t);
	bdd_delref(pk);
	return in;
}

/* Random address and port sets (with straddling ranges, single values,
 * prefixes): the BDD holds a value iff the iset does, at the edges of
 * every interval and at random points. */
static void check_sets(int family)
{
	struct ir *ir = ir_new();
	struct space s;
	space_init(&s, ir);
	int bits = family == 4 ? 32 : 128;
	for (int round = 0; round < 40; round++) {
		struct iset a, pt;
		iset_init(&a, bits);
		iset_init(&pt, 16);
		int n = 1 + (int)(rnd() % (round < 20 ? 8 : 300));
		for (int i = 0; i < n; i++) {
			u128 lo = family == 4 ? (u128)(uint32_t)rnd()
					      : ((u128)rnd() << 64 | rnd());
			if (rnd() % 2)   /* a prefix */
				iset_add_prefix(&a, lo, (int)(rnd() % (bits + 1)));
			else {
				u128 len = (u128)(rnd() % 100000);
				u128 hi = lo + len < lo ? lo : lo + len;
				if (family == 4 && hi > 0xffffffffu)
					hi = 0xffffffffu;
				iset_add_range(&a, lo, hi);
			}
			unsigned p = (unsigned)(rnd() % 65536);
			unsigned q = p + (rnd() % 3 ? 0 : (unsigned)(rnd() % 500));
			iset_add_range(&pt, p, q > 65535 ? 65535 : q);
		}
		iset_normalize(&a);
		iset_normalize(&pt);
		struct ir_match ms = { .kind = M_SADDR, .set = a };
		struct ir_match mp = { .kind = M_DPORT, .set = pt };
		BDD sb = space_match(&s, &ms, family, true);
		BDD pb = space_match(&s, &mp, family, true);
		struct packet p = { .family = family, .proto = 6, .sport = 1, .dport = 1,
				    .state = CT_NEW, .uid = -1, .icmp_type = -1 };
		strcpy(p.iif, "eth0");
		/* interval edges and their neighbours, and random points */
		for (size_t i = 0; i < a.n + 50; i++) {
			u128 v[3];
			if (i < a.n) {
				v[0] = a.r[i].lo;
				v[1] = a.r[i].hi;
				v[2] = a.r[i].lo - 1;
			} else {
				v[0] = family == 4 ? (u128)(uint32_t)rnd() : ((u128)rnd() << 64 | rnd());
				v[1] = v[0] + 1;
				v[2] = v[0] - 1;
			}
			for (int k = 0; k < 3; k++) {
				if (family == 4)
					v[k] &= 0xffffffffu;
				p.saddr = v[k];
				bool want = iset_contains(&a, v[k]);
				check_at(__LINE__, member(&s, sb, &p) == want,
					 "IPv%d set of %zu ranges: membership of a value is %d", family,
					 a.n, want);
			}
		}
		for (int i = 0; i < 200; i++) {
			int port = i < 100 && (size_t)i / 2 < pt.n
				   ? (int)(i % 2 ? pt.r[i / 2].hi : pt.r[i / 2].lo)
				   : (int)(rnd() % 65536);
			p.dport = port;
			bool want = iset_contains(&pt, (u128)port);
			check_at(__LINE__, member(&s, pb, &p) == want,
				 "port %d: membership %d", port, want);
		}
		bdd_delref(sb);
		bdd_delref(pb);
		iset_release(&a);
		iset_release(&pt);
	}
	space_done(&s);
	ir_free(ir);
}

static void test_sets4(void)
{
	check_sets(4);
}

static void test_sets6(void)
{
	check_sets(6);
}

/* A witness picked from a set is in the set. */
static void test_pick(void)
{
	struct ir *ir = ir_new();
	struct space s;
	space_init(&s, ir);
	struct iset a;
	iset_init(&a, 32);
	iset_add_prefix(&a, 0xc6336400u, 24);   /* 198.51.100.0/24 */
	iset_normalize(&a);
	struct ir_match ms = { .kind = M_SADDR, .set = a };
	BDD sb = space_match(&s, &ms, 4, true);
	BDD in = space_path(&s, PATH_INPUT);
	band(&in, s.dom);
	band(&in, sb);
	struct packet p;
	space_pick(&s, in, &p);
	check_at(__LINE__, p.family == 4 && (p.saddr >> 8) == 0xc63364,
		 "picked source 0x%x, family %d", (unsigned)p.saddr, p.family);
	check_at(__LINE__, p.iif[0] && !p.oif[0], "input path: in '%s' out '%s'", p.iif, p.oif);
	check_at(__LINE__, member(&s, in, &p), "the pick is in the set");
	bdd_delref(in);
	bdd_delref(sb);
	iset_release(&a);
	space_done(&s);
	ir_free(ir);
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "IPv4 and port sets vs iset", test_sets4 },
		{ "IPv6 and port sets vs iset", test_sets6 },
		{ "a witness is in its set", test_pick },
	};
	return run_suite("space", NULL, NULL, tests, sizeof(tests) / sizeof(tests[0]));
}
