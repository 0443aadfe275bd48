/*
 * test_iset.c: CUnit tests for compiler/iset.c.
 *
 * Hand-written cases for the edges (adjacency, the top of the 128-bit
 * universe, CIDR decomposition, address text), a randomized cross-check of
 * the set algebra against a brute-force bitmap over the 16-bit universe,
 * and death tests (in a forked child) for the BUG() contracts.
 */
#include "iset.h"
#include "testutil.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define U128_MAX (~(u128)0)
#define IP4(a, b, c, d) \
	((u128)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
		((uint32_t)(c) << 8) | (uint32_t)(d)))

/* Does s hold exactly the intervals in want (pairs lo, hi)? */
static bool is(const struct iset *s, size_t n, const u128 *want)
{
	if (s->dirty || s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s->r[i].lo != want[2 * i] || s->r[i].hi != want[2 * i + 1])
			return false;
	return true;
}

#define IS(s, ...) ({                                                     \
		const u128 want_[] = { __VA_ARGS__ };                     \
		is((s), sizeof(want_) / sizeof(want_[0]) / 2, want_);     \
	})

/* Sorted, disjoint, non-adjacent, inside the universe. */
static bool well_formed(const struct iset *s)
{
	u128 max = s->bits == 128 ? U128_MAX : ((u128)1 << s->bits) - 1;

	if (s->dirty)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		if (s->r[i].lo > s->r[i].hi || s->r[i].hi > max)
			return false;
		if (i && s->r[i - 1].hi + 1 >= s->r[i].lo)
			return false;
	}
	return true;
}

/* ---- normalize ---- */

static void test_normalize(void)
{
	struct iset s;

	iset_init(&s, 32);
	iset_normalize(&s);
	CU_ASSERT(s.n == 0 && !s.dirty);
	CU_ASSERT(iset_is_empty(&s));

	/* overlap */
	iset_add_range(&s, 10, 20);
	iset_add_range(&s, 15, 30);
	CU_ASSERT(s.dirty);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 10, 30));

	/* adjacent */
	iset_clear(&s);
	iset_add_range(&s, 10, 20);
	iset_add_range(&s, 21, 30);
	iset_add_range(&s, 32, 40);     /* gap of one: stays apart */
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 10, 30, 32, 40));

	/* contained */
	iset_clear(&s);
	iset_add_range(&s, 10, 100);
	iset_add_range(&s, 20, 30);
	iset_add_range(&s, 10, 10);
	iset_add_range(&s, 100, 100);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 10, 100));

	/* unsorted */
	iset_clear(&s);
	iset_add_value(&s, 50);
	iset_add_value(&s, 5);
	iset_add_range(&s, 70, 80);
	iset_add_value(&s, 6);
	iset_add_range(&s, 0, 3);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 0, 3, 5, 6, 50, 50, 70, 80));

	/* duplicates */
	iset_clear(&s);
	for (int i = 0; i < 5; i++) {
		iset_add_range(&s, 7, 9);
		iset_add_value(&s, 1);
	}
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 1, 1, 7, 9));

	/* a long chain of adjacent values collapses to one interval */
	iset_clear(&s);
	for (u128 v = 1000; v-- > 0;)
		iset_add_value(&s, v);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 0, 999));

	/* a later interval merges with an earlier kept one, not its neighbour */
	iset_clear(&s);
	iset_add_range(&s, 0, 100);
	iset_add_range(&s, 5, 6);
	iset_add_range(&s, 101, 101);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 0, 101));

	/* prefixes, host bits ignored */
	iset_clear(&s);
	iset_add_prefix(&s, IP4(192, 0, 2, 77), 24);
	iset_add_prefix(&s, IP4(192, 0, 3, 0), 24);
	iset_add_prefix(&s, IP4(10, 1, 2, 3), 32);
	iset_add_prefix(&s, 0x12345678, 0);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 0, 0xffffffff));
	CU_ASSERT(iset_is_full(&s));

	iset_clear(&s);
	iset_add_prefix(&s, IP4(192, 0, 2, 77), 24);
	iset_add_prefix(&s, IP4(192, 0, 3, 0), 24);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, IP4(192, 0, 2, 0), IP4(192, 0, 3, 255)));

	/* normalizing twice changes nothing */
	iset_normalize(&s);
	CU_ASSERT(IS(&s, IP4(192, 0, 2, 0), IP4(192, 0, 3, 255)));

	iset_release(&s);
	CU_ASSERT(s.r == NULL && s.n == 0 && s.bits == 32);
	CU_ASSERT(iset_is_empty(&s));
	iset_release(&s);       /* twice is fine */
}

static void test_normalize_128(void)
{
	struct iset s;

	iset_init(&s, 128);
	/* adjacency right below the top must not overflow */
	iset_add_range(&s, U128_MAX, U128_MAX);
	iset_add_range(&s, U128_MAX - 10, U128_MAX - 1);
	iset_add_range(&s, 0, 0);
	iset_add_range(&s, 2, 2);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 0, 0, 2, 2, U128_MAX - 10, U128_MAX));

	iset_clear(&s);
	iset_add_range(&s, 5, U128_MAX);
	iset_add_range(&s, U128_MAX, U128_MAX);
	iset_add_range(&s, 0, 4);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, 0, U128_MAX));
	CU_ASSERT(iset_is_full(&s));
	CU_ASSERT(iset_size(&s) == U128_MAX);   /* saturated */

	iset_clear(&s);
	iset_add_prefix(&s, U128_MAX, 0);
	iset_normalize(&s);
	CU_ASSERT(iset_is_full(&s));

	iset_clear(&s);
	iset_add_prefix(&s, (u128)0x20010db8 << 96 | 0xabcd, 32);
	iset_normalize(&s);
	CU_ASSERT(IS(&s, (u128)0x20010db8 << 96,
		     (u128)0x20010db8 << 96 | (((u128)1 << 96) - 1)));
	iset_release(&s);
}

static void test_normalize_big(void)
{
	struct iset s;
	uint32_t x = 12345;

	iset_init(&s, 32);
	/* 100,000 random /24../32 prefixes plus a contiguous run of /24s */
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (i % 10 == 0)
			iset_add_prefix(&s, IP4(10, 0, 0, 0) | (u128)(i / 10) << 8, 24);
		else
			iset_add_prefix(&s, x, 24 + (int)(x % 9));
	}
	CU_ASSERT(s.n == 100000);
	iset_normalize(&s);
	CU_ASSERT(well_formed(&s));
	CU_ASSERT(s.n > 1 && s.n < 100000);
	/* 10,000 consecutive /24s from 10.0.0.0: one interval covers them */
	CU_ASSERT(iset_contains(&s, IP4(10, 0, 0, 0)));
	CU_ASSERT(iset_contains(&s, IP4(10, 0, 39, 15)));
	struct iset t;
	iset_init(&t, 32);
	iset_add_range(&t, IP4(10, 0, 0, 0), IP4(10, 0, 0, 0) + 10000 * 256 - 1);
	iset_normalize(&t);
	CU_ASSERT(iset_subset(&t, &s));
	iset_release(&t);
	iset_release(&s);
}

/* ---- algebra ---- */

static void test_algebra(void)
{
	struct iset a, b, d, e, full;

	iset_init(&a, 32);
	iset_init(&b, 32);
	iset_init(&d, 32);
	iset_init(&e, 32);
	iset_init(&full, 32);
	iset_add_range(&full, 0, 0xffffffff);
	iset_normalize(&full);
	iset_normalize(&e);

	iset_add_range(&a, 10, 20);
	iset_add_range(&a, 40, 50);
	iset_normalize(&a);
	iset_add_range(&b, 15, 25);
	iset_add_range(&b, 26, 30);
	iset_add_range(&b, 51, 60);
	iset_normalize(&b);
	CU_ASSERT(IS(&b, 15, 30, 51, 60));

	iset_union(&d, &a, &b);
	CU_ASSERT(IS(&d, 10, 30, 40, 60));       /* 50 and 51 are adjacent */
	iset_intersect(&d, &a, &b);
	CU_ASSERT(IS(&d, 15, 20));
	iset_subtract(&d, &a, &b);
	CU_ASSERT(IS(&d, 10, 14, 40, 50));
	iset_subtract(&d, &b, &a);
	CU_ASSERT(IS(&d, 21, 30, 51, 60));
	iset_complement(&d, &a);
	CU_ASSERT(IS(&d, 0, 9, 21, 39, 51, 0xffffffff));

	/* subtract splitting one interval into several */
	iset_clear(&b);
	iset_add_value(&b, 12);
	iset_add_range(&b, 14, 15);
	iset_add_range(&b, 20, 45);
	iset_normalize(&b);
	iset_subtract(&d, &a, &b);
	CU_ASSERT(IS(&d, 10, 11, 13, 13, 16, 19, 46, 50));

	/* empty and full operands */
	iset_union(&d, &a, &e);
	CU_ASSERT(iset_equal(&d, &a));
	iset_union(&d, &e, &e);
	CU_ASSERT(iset_is_empty(&d));
	iset_union(&d, &a, &full);
	CU_ASSERT(iset_is_full(&d));
	iset_intersect(&d, &a, &e);
	CU_ASSERT(iset_is_empty(&d));
	iset_intersect(&d, &a, &full);
	CU_ASSERT(iset_equal(&d, &a));
	iset_subtract(&d, &a, &e);
	CU_ASSERT(iset_equal(&d, &a));
	iset_subtract(&d, &a, &full);
	CU_ASSERT(iset_is_empty(&d));
	iset_subtract(&d, &e, &a);
	CU_ASSERT(iset_is_empty(&d));
	iset_subtract(&d, &full, &a);
	CU_ASSERT(IS(&d, 0, 9, 21, 39, 51, 0xffffffff));
	iset_complement(&d, &e);
	CU_ASSERT(iset_is_full(&d));
	CU_ASSERT(IS(&d, 0, 0xffffffff));
	iset_complement(&d, &full);
	CU_ASSERT(iset_is_empty(&d));

	/* complement of sets touching either end */
	iset_clear(&b);
	iset_add_range(&b, 0, 5);
	iset_add_range(&b, 0xfffffff0, 0xffffffff);
	iset_normalize(&b);
	iset_complement(&d, &b);
	CU_ASSERT(IS(&d, 6, 0xffffffef));
	iset_complement(&d, &d);
	CU_ASSERT(iset_equal(&d, &b));

	/* aliasing: dst == a, dst == b, all three the same */
	iset_copy(&d, &a);
	CU_ASSERT(iset_equal(&d, &a));
	iset_copy(&d, &d);
	CU_ASSERT(iset_equal(&d, &a));
	iset_union(&d, &d, &b);
	CU_ASSERT(IS(&d, 0, 5, 10, 20, 40, 50, 0xfffffff0, 0xffffffff));
	iset_intersect(&d, &a, &d);
	CU_ASSERT(iset_equal(&d, &a));
	iset_subtract(&d, &d, &d);
	CU_ASSERT(iset_is_empty(&d));
	iset_copy(&d, &a);
	iset_union(&d, &d, &d);
	CU_ASSERT(iset_equal(&d, &a));
	iset_intersect(&d, &d, &d);
	CU_ASSERT(iset_equal(&d, &a));

	/* copy replaces contents and width */
	struct iset p;
	iset_init(&p, 16);
	iset_add_value(&p, 80);
	iset_normalize(&p);
	iset_copy(&d, &p);
	CU_ASSERT(d.bits == 16);
	CU_ASSERT(IS(&d, 80, 80));
	iset_complement(&d, &d);
	CU_ASSERT(IS(&d, 0, 79, 81, 65535));
	iset_release(&p);

	iset_release(&a);
	iset_release(&b);
	iset_release(&d);
	iset_release(&e);
	iset_release(&full);
}

static void test_algebra_128(void)
{
	struct iset a, b, d;

	iset_init(&a, 128);
	iset_init(&b, 128);
	iset_init(&d, 128);

	iset_add_range(&a, U128_MAX - 100, U128_MAX);
	iset_add_range(&a, 0, 100);
	iset_normalize(&a);
	iset_add_range(&b, U128_MAX - 50, U128_MAX - 40);
	iset_add_range(&b, U128_MAX - 39, U128_MAX);   /* adjacent */
	iset_normalize(&b);
	CU_ASSERT(IS(&b, U128_MAX - 50, U128_MAX));

	iset_union(&d, &a, &b);
	CU_ASSERT(iset_equal(&d, &a));
	iset_intersect(&d, &a, &b);
	CU_ASSERT(iset_equal(&d, &b));
	iset_subtract(&d, &a, &b);
	CU_ASSERT(IS(&d, 0, 100, U128_MAX - 100, U128_MAX - 51));
	iset_subtract(&d, &b, &a);
	CU_ASSERT(iset_is_empty(&d));
	iset_complement(&d, &a);
	CU_ASSERT(IS(&d, 101, U128_MAX - 101));
	iset_complement(&d, &d);
	CU_ASSERT(iset_equal(&d, &a));
	CU_ASSERT(iset_size(&a) == 202);

	/* b ends exactly at max: subtract of a tail that runs to max */
	iset_clear(&a);
	iset_add_range(&a, 0, U128_MAX);
	iset_normalize(&a);
	iset_subtract(&d, &a, &b);
	CU_ASSERT(IS(&d, 0, U128_MAX - 51));
	CU_ASSERT(iset_size(&d) == U128_MAX - 50);
	iset_union(&d, &d, &b);
	CU_ASSERT(iset_is_full(&d));
	iset_complement(&d, &d);
	CU_ASSERT(iset_is_empty(&d));
	CU_ASSERT(iset_size(&d) == 0);

	/* subtract a single top value */
	iset_clear(&b);
	iset_add_value(&b, U128_MAX);
	iset_add_value(&b, 0);
	iset_normalize(&b);
	iset_subtract(&d, &a, &b);
	CU_ASSERT(IS(&d, 1, U128_MAX - 1));
	CU_ASSERT(iset_size(&d) == U128_MAX - 1);
	CU_ASSERT(!iset_contains(&d, U128_MAX));
	CU_ASSERT(!iset_contains(&d, 0));
	CU_ASSERT(iset_contains(&d, U128_MAX - 1));
	CU_ASSERT(iset_contains(&a, U128_MAX));

	/* size saturation over several intervals */
	iset_clear(&a);
	iset_add_range(&a, 0, ((u128)1 << 127) - 1);
	iset_add_range(&a, ((u128)1 << 127) + 1, U128_MAX);
	iset_normalize(&a);
	CU_ASSERT(iset_size(&a) == U128_MAX);   /* exactly 2^128 - 1 */
	iset_add_value(&a, (u128)1 << 127);
	iset_normalize(&a);
	CU_ASSERT(iset_size(&a) == U128_MAX);   /* 2^128 saturates */

	iset_release(&a);
	iset_release(&b);
	iset_release(&d);
}

static void test_predicates(void)
{
	struct iset a, b, e;

	iset_init(&a, 16);
	iset_init(&b, 16);
	iset_init(&e, 16);
	iset_normalize(&e);

	iset_add_range(&a, 10, 20);
	iset_add_range(&a, 30, 40);
	iset_add_value(&a, 65535);
	iset_normalize(&a);

	CU_ASSERT(!iset_contains(&a, 9));
	CU_ASSERT(iset_contains(&a, 10));
	CU_ASSERT(iset_contains(&a, 15));
	CU_ASSERT(iset_contains(&a, 20));
	CU_ASSERT(!iset_contains(&a, 21));
	CU_ASSERT(!iset_contains(&a, 29));
	CU_ASSERT(iset_contains(&a, 30));
	CU_ASSERT(iset_contains(&a, 40));
	CU_ASSERT(!iset_contains(&a, 41));
	CU_ASSERT(iset_contains(&a, 65535));
	CU_ASSERT(!iset_contains(&a, 0));
	CU_ASSERT(!iset_contains(&e, 0));
	CU_ASSERT(iset_size(&a) == 23);
	CU_ASSERT(iset_size(&e) == 0);
	CU_ASSERT(!iset_is_empty(&a));
	CU_ASSERT(!iset_is_full(&a));
	CU_ASSERT(iset_is_empty(&e));

	/* subset */
	iset_add_range(&b, 12, 18);
	iset_add_range(&b, 30, 40);
	iset_normalize(&b);
	CU_ASSERT(iset_subset(&b, &a));
	CU_ASSERT(!iset_subset(&a, &b));
	CU_ASSERT(iset_subset(&a, &a));
	CU_ASSERT(iset_subset(&e, &a));
	CU_ASSERT(iset_subset(&e, &e));
	CU_ASSERT(!iset_subset(&a, &e));
	iset_add_value(&b, 25);         /* falls into a's gap */
	iset_normalize(&b);
	CU_ASSERT(!iset_subset(&b, &a));
	iset_clear(&b);
	iset_add_range(&b, 15, 35);     /* spans a's gap */
	iset_normalize(&b);
	CU_ASSERT(!iset_subset(&b, &a));
	iset_clear(&b);
	iset_add_range(&b, 5, 50);
	iset_normalize(&b);
	CU_ASSERT(!iset_subset(&b, &a));
	CU_ASSERT(!iset_subset(&a, &b));        /* 65535 */

	/* equal */
	CU_ASSERT(iset_equal(&a, &a));
	CU_ASSERT(iset_equal(&e, &e));
	CU_ASSERT(!iset_equal(&a, &e));
	CU_ASSERT(!iset_equal(&a, &b));
	iset_clear(&b);
	iset_add_range(&b, 30, 35);
	iset_add_value(&b, 65535);
	iset_add_range(&b, 36, 40);
	iset_add_range(&b, 10, 20);
	iset_normalize(&b);
	CU_ASSERT(iset_equal(&a, &b));
	iset_clear(&b);
	iset_add_range(&b, 10, 20);
	iset_add_range(&b, 30, 41);
	iset_add_value(&b, 65535);
	iset_normalize(&b);
	CU_ASSERT(!iset_equal(&a, &b));

	/* overlaps */
	CU_ASSERT(iset_overlaps(&a, &b));
	CU_ASSERT(!iset_overlaps(&a, &e));
	CU_ASSERT(!iset_overlaps(&e, &e));
	iset_clear(&b);
	iset_add_range(&b, 21, 29);
	iset_add_range(&b, 0, 9);
	iset_add_range(&b, 41, 65534);
	iset_normalize(&b);
	CU_ASSERT(!iset_overlaps(&a, &b));
	CU_ASSERT(!iset_overlaps(&b, &a));
	iset_add_value(&b, 40);
	iset_normalize(&b);
	CU_ASSERT(iset_overlaps(&a, &b));
	CU_ASSERT(iset_overlaps(&b, &a));

	/* full 16-bit set */
	iset_clear(&b);
	iset_add_range(&b, 0, 65535);
	iset_normalize(&b);
	CU_ASSERT(iset_is_full(&b));
	CU_ASSERT(iset_size(&b) == 65536);
	CU_ASSERT(iset_subset(&a, &b));

	iset_release(&a);
	iset_release(&b);
	iset_release(&e);
}

/* ---- CIDR ---- */

struct pfx_list {
	u128 addr[300];
	int plen[300];
	size_t n;
};

static void collect(u128 addr, int plen, void *ctx)
{
	struct pfx_list *l = ctx;

	if (l->n < 300) {
		l->addr[l->n] = addr;
		l->plen[l->n] = plen;
	}
	l->n++;
}

/* The prefixes are ascending, contiguous and cover exactly [lo, hi]. */
static bool tiles(const struct pfx_list *l, u128 lo, u128 hi, int bits)
{
	u128 next = lo;

	if (l->n == 0 || l->n > 300)
		return false;
	for (size_t i = 0; i < l->n; i++) {
		int k = bits - l->plen[i];
		u128 m = k >= 128 ? U128_MAX : ((u128)1 << k) - 1;

		if (l->plen[i] < 0 || l->plen[i] > bits)
			return false;
		if (l->addr[i] != next || (l->addr[i] & m))
			return false;
		if (i + 1 == l->n)
			return l->addr[i] + m == hi;
		next = l->addr[i] + m + 1;
	}
	return false;
}

static void test_range_to_prefixes(void)
{
	struct pfx_list l = { .n = 0 };
	size_t n;

	n = range_to_prefixes(IP4(192, 0, 2, 10), IP4(192, 0, 2, 20), 32,
			      collect, &l);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(l.n, 4);
	CU_ASSERT(l.addr[0] == IP4(192, 0, 2, 10) && l.plen[0] == 31);
	CU_ASSERT(l.addr[1] == IP4(192, 0, 2, 12) && l.plen[1] == 30);
	CU_ASSERT(l.addr[2] == IP4(192, 0, 2, 16) && l.plen[2] == 30);
	CU_ASSERT(l.addr[3] == IP4(192, 0, 2, 20) && l.plen[3] == 32);

	l.n = 0;
	n = range_to_prefixes(0, 0xffffffff, 32, collect, &l);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT(l.n == 1 && l.addr[0] == 0 && l.plen[0] == 0);

	l.n = 0;
	n = range_to_prefixes(1, 0xfffffffe, 32, collect, &l);
	CU_ASSERT_EQUAL(n, 62);
	CU_ASSERT(tiles(&l, 1, 0xfffffffe, 32));
	CU_ASSERT(l.addr[0] == 1 && l.plen[0] == 32);
	CU_ASSERT(l.addr[1] == 2 && l.plen[1] == 31);
	CU_ASSERT(l.addr[30] == 0x40000000 && l.plen[30] == 2);
	CU_ASSERT(l.addr[31] == 0x80000000 && l.plen[31] == 2);
	CU_ASSERT(l.addr[61] == 0xfffffffe && l.plen[61] == 32);

	l.n = 0;
	n = range_to_prefixes(0, U128_MAX, 128, collect, &l);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT(l.n == 1 && l.addr[0] == 0 && l.plen[0] == 0);

	l.n = 0;
	n = range_to_prefixes(1, U128_MAX, 128, collect, &l);
	CU_ASSERT_EQUAL(n, 128);
	CU_ASSERT(tiles(&l, 1, U128_MAX, 128));
	CU_ASSERT(l.addr[127] == (u128)1 << 127 && l.plen[127] == 1);

	l.n = 0;
	n = range_to_prefixes(1, U128_MAX - 1, 128, collect, &l);
	CU_ASSERT_EQUAL(n, 254);
	CU_ASSERT(tiles(&l, 1, U128_MAX - 1, 128));

	l.n = 0;
	n = range_to_prefixes(U128_MAX, U128_MAX, 128, collect, &l);
	CU_ASSERT(n == 1 && l.addr[0] == U128_MAX && l.plen[0] == 128);

	l.n = 0;
	n = range_to_prefixes(0, 0, 16, collect, &l);
	CU_ASSERT(n == 1 && l.addr[0] == 0 && l.plen[0] == 16);

	l.n = 0;
	n = range_to_prefixes(1024, 65535, 16, collect, &l);
	CU_ASSERT_EQUAL(n, 6);  /* /6 /5 /4 /3 /2 /1 */
	CU_ASSERT(tiles(&l, 1024, 65535, 16));

	/* NULL callback just counts */
	CU_ASSERT_EQUAL(range_to_prefixes(1, 0xfffffffe, 32, NULL, NULL), 62);

	/* over a set */
	struct iset s;
	iset_init(&s, 32);
	iset_add_range(&s, IP4(192, 0, 2, 10), IP4(192, 0, 2, 20));
	iset_add_prefix(&s, IP4(10, 0, 0, 0), 8);
	iset_normalize(&s);
	l.n = 0;
	n = iset_prefixes(&s, collect, &l);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT(l.addr[0] == IP4(10, 0, 0, 0) && l.plen[0] == 8);
	CU_ASSERT(l.addr[1] == IP4(192, 0, 2, 10) && l.plen[1] == 31);
	CU_ASSERT(l.addr[4] == IP4(192, 0, 2, 20) && l.plen[4] == 32);
	iset_clear(&s);
	iset_normalize(&s);
	CU_ASSERT_EQUAL(iset_prefixes(&s, collect, &l), 0);
	iset_release(&s);
}

static void test_range_is_prefix(void)
{
	int plen = -1;

	CU_ASSERT(range_is_prefix(IP4(192, 0, 2, 0), IP4(192, 0, 2, 255), 32, &plen));
	CU_ASSERT_EQUAL(plen, 24);
	CU_ASSERT(range_is_prefix(IP4(192, 0, 2, 1), IP4(192, 0, 2, 1), 32, &plen));
	CU_ASSERT_EQUAL(plen, 32);
	CU_ASSERT(range_is_prefix(0, 0xffffffff, 32, &plen));
	CU_ASSERT_EQUAL(plen, 0);
	CU_ASSERT(range_is_prefix(0, U128_MAX, 128, &plen));
	CU_ASSERT_EQUAL(plen, 0);
	CU_ASSERT(range_is_prefix((u128)1 << 127, U128_MAX, 128, &plen));
	CU_ASSERT_EQUAL(plen, 1);
	CU_ASSERT(range_is_prefix(U128_MAX, U128_MAX, 128, &plen));
	CU_ASSERT_EQUAL(plen, 128);
	CU_ASSERT(range_is_prefix(0, 65535, 16, &plen));
	CU_ASSERT_EQUAL(plen, 0);
	CU_ASSERT(range_is_prefix(8, 15, 16, NULL));
	plen = -1;
	CU_ASSERT(!range_is_prefix(IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), 32, &plen));
	CU_ASSERT(!range_is_prefix(4, 11, 16, &plen));  /* size 8, misaligned */
	CU_ASSERT(!range_is_prefix(0, 2, 16, &plen));   /* size 3 */
	CU_ASSERT(!range_is_prefix(1, U128_MAX, 128, &plen));
	CU_ASSERT(!range_is_prefix(0, U128_MAX - 1, 128, &plen));
	CU_ASSERT_EQUAL(plen, -1);      /* untouched on false */
}

/* ---- address text ---- */

static void parse_ok(const char *text, int want_fam, u128 want_addr, int want_plen)
{
	int fam = -1, plen = -1;
	u128 addr = 12345;
	char err[256] = "";
	int rc = addr_parse(text, strlen(text), &fam, &addr, &plen, err, sizeof(err));

	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(fam, want_fam);
	CU_ASSERT(addr == want_addr);
	CU_ASSERT_EQUAL(plen, want_plen);
	if (rc != 0)
		fprintf(stderr, "\n  addr_parse(\"%s\") failed: %s\n", text, err);
}

static void parse_bad(const char *text, size_t len, const char *want_err)
{
	int fam = -1, plen = -1;
	u128 addr = 12345;
	char err[256] = "";
	int rc = addr_parse(text, len, &fam, &addr, &plen, err, sizeof(err));

	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_STRING_EQUAL(err, want_err);
	CU_ASSERT(fam == -1 && plen == -1 && addr == 12345);
	if (strcmp(err, want_err) != 0)
		fprintf(stderr, "\n  addr_parse(\"%.*s\"): got \"%s\", want \"%s\"\n",
			(int)len, text, err, want_err);
}

#define BAD(text, msg) parse_bad((text), strlen(text), (msg))

static void test_addr_parse(void)
{
	u128 db8 = (u128)0x20010db8 << 96;

	parse_ok("192.0.2.1", 4, IP4(192, 0, 2, 1), 32);
	parse_ok("0.0.0.0", 4, 0, 32);
	parse_ok("255.255.255.255", 4, 0xffffffff, 32);
	parse_ok("0.0.0.0/0", 4, 0, 0);
	parse_ok("192.0.2.0/24", 4, IP4(192, 0, 2, 0), 24);
	parse_ok("192.0.2.1/32", 4, IP4(192, 0, 2, 1), 32);
	parse_ok("10.0.0.0/8", 4, IP4(10, 0, 0, 0), 8);
	parse_ok("100.64.0.0/10", 4, IP4(100, 64, 0, 0), 10);
	parse_ok("::", 6, 0, 128);
	parse_ok("::/0", 6, 0, 0);
	parse_ok("::1", 6, 1, 128);
	parse_ok("2001:db8::/32", 6, db8, 32);
	parse_ok("2001:DB8::1", 6, db8 | 1, 128);
	parse_ok("2001:db8:0:0:0:0:0:ff/128", 6, db8 | 0xff, 128);
	parse_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6, U128_MAX, 128);
	parse_ok("::ffff:192.0.2.1", 6, (u128)0xffff << 32 | IP4(192, 0, 2, 1), 128);
	parse_ok("fe80::/10", 6, (u128)0xfe80 << 112, 10);

	/* len bounds the text: trailing bytes are not read */
	{
		int fam, plen;
		u128 addr;
		char err[64];
		CU_ASSERT_EQUAL(addr_parse("10.1.2.3/8xyz", 10, &fam, &addr, &plen,
					   err, sizeof(err)), -1);
		CU_ASSERT_STRING_EQUAL(err, "host bits set in 10.1.2.3/8 "
				       "(did you mean 10.0.0.0/8?)");
		CU_ASSERT_EQUAL(addr_parse("10.0.0.0/8, 1.2.3.4", 10, &fam, &addr,
					   &plen, err, sizeof(err)), 0);
		CU_ASSERT(fam == 4 && addr == IP4(10, 0, 0, 0) && plen == 8);
		CU_ASSERT_EQUAL(addr_parse("::1]:80", 3, &fam, &addr, &plen,
					   err, sizeof(err)), 0);
		CU_ASSERT(fam == 6 && addr == 1 && plen == 128);
		/* a small error buffer truncates, never overflows */
		char small[8];
		CU_ASSERT_EQUAL(addr_parse("1.2.3", 5, &fam, &addr, &plen,
					   small, sizeof(small)), -1);
		CU_ASSERT_STRING_EQUAL(small, "invalid");
	}

	BAD("192.0.2.1/24", "host bits set in 192.0.2.1/24 (did you mean 192.0.2.0/24?)");
	BAD("10.1.0.0/8", "host bits set in 10.1.0.0/8 (did you mean 10.0.0.0/8?)");
	BAD("0.0.0.1/0", "host bits set in 0.0.0.1/0 (did you mean 0.0.0.0/0?)");
	BAD("2001:db8::1/32", "host bits set in 2001:db8::1/32 (did you mean 2001:db8::/32?)");
	BAD("2001:db8::1/127", "host bits set in 2001:db8::1/127 (did you mean 2001:db8::/127?)");
	BAD("01.2.3.4", "leading zero in '01'");
	BAD("1.2.3.00", "leading zero in '00'");
	BAD("1.2.010.4", "leading zero in '010'");
	BAD("1.2.3.256", "octet 256 out of range in '1.2.3.256'");
	BAD("999.0.0.0/8", "octet 999 out of range in '999.0.0.0'");
	BAD("1.2.3.1000", "invalid IPv4 address '1.2.3.1000'");
	BAD("1.2.3", "invalid IPv4 address '1.2.3'");
	BAD("1.2.3.4.5", "invalid IPv4 address '1.2.3.4.5'");
	BAD("1.2.3.4.", "invalid IPv4 address '1.2.3.4.'");
	BAD(".1.2.3", "invalid IPv4 address '.1.2.3'");
	BAD("1..2.3", "invalid IPv4 address '1..2.3'");
	BAD("1234", "invalid IPv4 address '1234'");
	BAD("+1.2.3.4", "invalid address '+1.2.3.4'");
	BAD("1.2.3.-4", "invalid address '1.2.3.-4'");
	BAD(" 1.2.3.4", "invalid address ' 1.2.3.4'");
	BAD("1.2.3.4 ", "invalid address '1.2.3.4 '");
	BAD("host.example", "invalid address 'host.example'");
	BAD("0x01.2.3.4", "invalid address '0x01.2.3.4'");
	BAD("", "empty address");
	BAD("/24", "missing address before '/' in '/24'");
	BAD("1.2.3.0/", "missing prefix length after '/' in '1.2.3.0/'");
	BAD("1.2.3.0/33", "prefix length '33' out of range for IPv4 (0-32)");
	BAD("1.2.3.0/99999999999999999999",
	    "prefix length '99999999999999999999' out of range for IPv4 (0-32)");
	BAD("::/129", "prefix length '129' out of range for IPv6 (0-128)");
	BAD("1.2.3.0/-1", "invalid prefix length '-1'");
	BAD("1.2.3.0/+8", "invalid prefix length '+8'");
	BAD("1.2.3.0/8/8", "invalid prefix length '8/8'");
	BAD("1.2.3.0/ 8", "invalid prefix length ' 8'");
	BAD("2001:db8::g", "invalid IPv6 address '2001:db8::g'");
	BAD("1:2:3:4:5:6:7:8:9", "invalid IPv6 address '1:2:3:4:5:6:7:8:9'");
	BAD("2001:db8:::1", "invalid IPv6 address '2001:db8:::1'");
	BAD("fe80::1%eth0", "invalid IPv6 address 'fe80::1%eth0'");
	BAD("0000:0000:0000:0000:0000:0000:0000:0000:1",
	    "invalid IPv6 address '0000:0000:0000:0000:0000:0000:0000:0000:1'");
	BAD("0000:0000:0000:0000:0000:0000:0000:0000:0000:1",
	    "IPv6 address too long: '0000:0000:0000:0000:0000:0000:0000:0000:0000:1'");
	parse_bad("::1\0zz", 6, "invalid IPv6 address '::1'");
	parse_bad("1.2.3.4\0", 8, "invalid address '1.2.3.4'");
}

static void test_format(void)
{
	char buf[128];
	u128 db8 = (u128)0x20010db8 << 96;

	addr_format(buf, sizeof(buf), 4, IP4(192, 0, 2, 1));
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.1");
	addr_format(buf, sizeof(buf), 4, 0);
	CU_ASSERT_STRING_EQUAL(buf, "0.0.0.0");
	addr_format(buf, sizeof(buf), 4, 0xffffffff);
	CU_ASSERT_STRING_EQUAL(buf, "255.255.255.255");
	addr_format(buf, sizeof(buf), 6, 0);
	CU_ASSERT_STRING_EQUAL(buf, "::");
	addr_format(buf, sizeof(buf), 6, 1);
	CU_ASSERT_STRING_EQUAL(buf, "::1");
	addr_format(buf, sizeof(buf), 6, db8 | 0xab);
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::ab");
	addr_format(buf, sizeof(buf), 6, U128_MAX);
	CU_ASSERT_STRING_EQUAL(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

	prefix_format(buf, sizeof(buf), 4, IP4(192, 0, 2, 0), 24);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.0/24");
	prefix_format(buf, sizeof(buf), 4, IP4(192, 0, 2, 7), 32);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.7");
	prefix_format(buf, sizeof(buf), 4, 0, 0);
	CU_ASSERT_STRING_EQUAL(buf, "0.0.0.0/0");
	prefix_format(buf, sizeof(buf), 6, db8, 32);
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::/32");
	prefix_format(buf, sizeof(buf), 6, 1, 128);
	CU_ASSERT_STRING_EQUAL(buf, "::1");
	prefix_format(buf, sizeof(buf), 6, 0, 0);
	CU_ASSERT_STRING_EQUAL(buf, "::/0");

	range_format(buf, sizeof(buf), 4, IP4(192, 0, 2, 10), IP4(192, 0, 2, 20));
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.10-192.0.2.20");
	range_format(buf, sizeof(buf), 4, IP4(192, 0, 2, 0), IP4(192, 0, 2, 255));
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.0/24");
	range_format(buf, sizeof(buf), 4, IP4(192, 0, 2, 9), IP4(192, 0, 2, 9));
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.9");
	range_format(buf, sizeof(buf), 4, 0, 0xffffffff);
	CU_ASSERT_STRING_EQUAL(buf, "0.0.0.0/0");
	range_format(buf, sizeof(buf), 6, 0, U128_MAX);
	CU_ASSERT_STRING_EQUAL(buf, "::/0");
	range_format(buf, sizeof(buf), 6, 1, U128_MAX);
	CU_ASSERT_STRING_EQUAL(buf, "::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	range_format(buf, sizeof(buf), 6, db8 | 1, db8 | 2);
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::1-2001:db8::2");

	/* truncation is safe */
	char small[6];
	addr_format(small, sizeof(small), 4, IP4(192, 0, 2, 1));
	CU_ASSERT_STRING_EQUAL(small, "192.0");

	/* round trip: format then parse */
	const u128 samples[] = { 0, 1, db8, db8 | 0x1234, U128_MAX,
				 (u128)0xffff << 32 | 0x01020304 };
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		int fam, plen;
		u128 back;
		char err[128];

		addr_format(buf, sizeof(buf), 6, samples[i]);
		CU_ASSERT_EQUAL(addr_parse(buf, strlen(buf), &fam, &back, &plen,
					   err, sizeof(err)), 0);
		CU_ASSERT(fam == 6 && back == samples[i] && plen == 128);
	}
}

/* ---- randomized cross-check against a bitmap (bits = 16) ---- */

#define NBITS 65536

struct bitmap {
	uint8_t b[NBITS / 8];
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void bm_set(struct bitmap *m, unsigned v)
{
	m->b[v >> 3] |= (uint8_t)(1u << (v & 7));
}

static bool bm_get(const struct bitmap *m, unsigned v)
{
	return m->b[v >> 3] >> (v & 7) & 1;
}

static void bm_from_set(struct bitmap *m, const struct iset *s)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < s->n; i++)
		for (unsigned v = (unsigned)s->r[i].lo; v <= (unsigned)s->r[i].hi; v++)
			bm_set(m, v);
}

/* A random set, built through the public add API, and its bitmap. */
static void random_set(struct iset *s, struct bitmap *m)
{
	unsigned kind = (unsigned)(rng() % 16);
	unsigned count = (unsigned)(rng() % 40);

	iset_clear(s);
	memset(m, 0, sizeof(*m));
	if (kind == 0) {                /* empty */
		count = 0;
	} else if (kind == 1) {         /* full */
		iset_add_range(s, 0, 65535);
		memset(m->b, 0xff, sizeof(m->b));
		count = 0;
	}
	for (unsigned i = 0; i < count; i++) {
		unsigned what = (unsigned)(rng() % 8), lo, hi;

		if (what == 0) {                        /* single value */
			lo = hi = (unsigned)(rng() % NBITS);
			iset_add_value(s, lo);
		} else if (what == 1) {                 /* prefix */
			int plen = (int)(rng() % 17);
			unsigned a = (unsigned)(rng() % NBITS);
			unsigned size = 1u << (16 - plen);

			lo = a & ~(size - 1);
			hi = lo + size - 1;
			iset_add_prefix(s, a, plen);
		} else {
			/* ranges, small ones near a few hot spots so that
			 * adjacency and overlap happen often, some at the edges */
			unsigned base;
			switch (what) {
			case 2: base = 0; break;
			case 3: base = NBITS - 64; break;
			default: base = (unsigned)(rng() % 8) * 8192 + 4000; break;
			}
			lo = base + (unsigned)(rng() % 64);
			hi = lo + (unsigned)(rng() % (what == 7 ? 5000 : 16));
			if (hi >= NBITS)
				hi = NBITS - 1;
			iset_add_range(s, lo, hi);
		}
		for (unsigned v = lo; v <= hi; v++)
			bm_set(m, v);
	}
	iset_normalize(s);
}

/* Minimal number of prefixes covering the bitmap: trie recursion. */
static size_t bm_min_prefixes(const struct bitmap *m, unsigned lo, unsigned size)
{
	unsigned set = 0;

	for (unsigned v = lo; v < lo + size; v++)
		set += bm_get(m, v);
	if (set == 0)
		return 0;
	if (set == size)
		return 1;
	return bm_min_prefixes(m, lo, size / 2) +
	       bm_min_prefixes(m, lo + size / 2, size / 2);
}

struct bm_cover {
	struct bitmap m;
	u128 next;      /* prefixes must come in ascending order */
	bool ok;
};

static void cover_cb(u128 addr, int plen, void *ctx)
{
	struct bm_cover *c = ctx;
	unsigned size = 1u << (16 - plen);

	if (plen < 0 || plen > 16 || addr < c->next || (addr & (size - 1)) ||
	    addr + size > NBITS) {
		c->ok = false;
		return;
	}
	for (unsigned v = (unsigned)addr; v < addr + size; v++) {
		if (bm_get(&c->m, v))
			c->ok = false;          /* overlap */
		bm_set(&c->m, v);
	}
	c->next = addr + size;
}

static void test_random_bitmap(void)
{
	struct iset a, b, d;
	static struct bitmap ma, mb, md, want;
	int ok_norm = 0, ok_union = 0, ok_inter = 0, ok_sub = 0, ok_comp = 0;
	int ok_alias = 0, ok_pred = 0, ok_pfx = 0, ok_contains = 0;
	const int rounds = 400;

	iset_init(&a, 16);
	iset_init(&b, 16);
	iset_init(&d, 16);

	for (int round = 0; round < rounds; round++) {
		random_set(&a, &ma);
		random_set(&b, &mb);
		if (round % 7 == 0)     /* sometimes b is a subset of a */
			iset_intersect(&b, &b, &a), bm_from_set(&mb, &b);

		/* normalize produced exactly the bitmap, well formed */
		bm_from_set(&md, &a);
		ok_norm += well_formed(&a) && well_formed(&b) &&
			   !memcmp(&md, &ma, sizeof(md));

		iset_union(&d, &a, &b);
		for (size_t k = 0; k < sizeof(want.b); k++)
			want.b[k] = ma.b[k] | mb.b[k];
		bm_from_set(&md, &d);
		ok_union += well_formed(&d) && !memcmp(&md, &want, sizeof(md));

		iset_intersect(&d, &a, &b);
		for (size_t k = 0; k < sizeof(want.b); k++)
			want.b[k] = ma.b[k] & mb.b[k];
		bm_from_set(&md, &d);
		ok_inter += well_formed(&d) && !memcmp(&md, &want, sizeof(md));

		iset_subtract(&d, &a, &b);
		for (size_t k = 0; k < sizeof(want.b); k++)
			want.b[k] = ma.b[k] & (uint8_t)~mb.b[k];
		bm_from_set(&md, &d);
		ok_sub += well_formed(&d) && !memcmp(&md, &want, sizeof(md));

		iset_complement(&d, &a);
		for (size_t k = 0; k < sizeof(want.b); k++)
			want.b[k] = (uint8_t)~ma.b[k];
		bm_from_set(&md, &d);
		ok_comp += well_formed(&d) && !memcmp(&md, &want, sizeof(md));

		/* aliasing: d = a; d = d - b must equal a - b */
		iset_copy(&d, &a);
		iset_subtract(&d, &d, &b);
		for (size_t k = 0; k < sizeof(want.b); k++)
			want.b[k] = ma.b[k] & (uint8_t)~mb.b[k];
		bm_from_set(&md, &d);
		bool alias = well_formed(&d) && !memcmp(&md, &want, sizeof(md));
		iset_copy(&d, &b);
		iset_union(&d, &a, &d);
		for (size_t k = 0; k < sizeof(want.b); k++)
			want.b[k] = ma.b[k] | mb.b[k];
		bm_from_set(&md, &d);
		alias = alias && well_formed(&d) && !memcmp(&md, &want, sizeof(md));
		ok_alias += alias;

		/* predicates */
		bool inter = false, sub = true, eq = true;
		u128 size = 0;
		for (size_t k = 0; k < sizeof(ma.b); k++) {
			if (ma.b[k] & mb.b[k])
				inter = true;
			if (ma.b[k] & ~mb.b[k])
				sub = false;
			if (ma.b[k] != mb.b[k])
				eq = false;
			size += (u128)__builtin_popcount(ma.b[k]);
		}
		bool full = size == NBITS;
		ok_pred += iset_overlaps(&a, &b) == inter &&
			   iset_overlaps(&b, &a) == inter &&
			   iset_subset(&a, &b) == sub &&
			   iset_equal(&a, &b) == eq &&
			   iset_equal(&b, &a) == eq &&
			   iset_size(&a) == size &&
			   iset_is_empty(&a) == (size == 0) &&
			   iset_is_full(&a) == full;

		/* contains: every value */
		bool cont = true;
		for (unsigned v = 0; v < NBITS; v++)
			if (iset_contains(&a, v) != bm_get(&ma, v)) {
				cont = false;
				break;
			}
		ok_contains += cont;

		/* prefixes: ascending, disjoint, exact and minimal */
		static struct bm_cover c;
		memset(&c, 0, sizeof(c));
		c.ok = true;
		size_t np = iset_prefixes(&a, cover_cb, &c);
		ok_pfx += c.ok && !memcmp(&c.m, &ma, sizeof(ma)) &&
			  np == bm_min_prefixes(&ma, 0, NBITS);
	}
	CU_ASSERT_EQUAL(ok_norm, rounds);
	CU_ASSERT_EQUAL(ok_union, rounds);
	CU_ASSERT_EQUAL(ok_inter, rounds);
	CU_ASSERT_EQUAL(ok_sub, rounds);
	CU_ASSERT_EQUAL(ok_comp, rounds);
	CU_ASSERT_EQUAL(ok_alias, rounds);
	CU_ASSERT_EQUAL(ok_pred, rounds);
	CU_ASSERT_EQUAL(ok_contains, rounds);
	CU_ASSERT_EQUAL(ok_pfx, rounds);

	iset_release(&a);
	iset_release(&b);
	iset_release(&d);
}

/* ---- BUG() contracts, checked in a child process ---- */

static struct iset death_a, death_b;

static void die_dirty_union(void)
{
	iset_init(&death_a, 32);
	iset_init(&death_b, 32);
	iset_add_value(&death_a, 1);            /* not normalized */
	iset_union(&death_b, &death_a, &death_b);
}

static void die_dirty_contains(void)
{
	iset_init(&death_a, 16);
	iset_add_value(&death_a, 1);
	(void)iset_contains(&death_a, 1);
}

static void die_dirty_prefixes(void)
{
	iset_init(&death_a, 16);
	iset_add_value(&death_a, 1);
	(void)iset_prefixes(&death_a, NULL, NULL);
}

static void die_lo_gt_hi(void)
{
	iset_init(&death_a, 32);
	iset_add_range(&death_a, 5, 4);
}

static void die_beyond_universe(void)
{
	iset_init(&death_a, 16);
	iset_add_value(&death_a, 65536);
}

static void die_beyond_universe32(void)
{
	iset_init(&death_a, 32);
	iset_add_prefix(&death_a, (u128)1 << 32, 8);
}

static void die_bad_plen(void)
{
	iset_init(&death_a, 32);
	iset_add_prefix(&death_a, 0, 33);
}

static void die_bad_bits(void)
{
	iset_init(&death_a, 24);
}

static void die_mixed_bits(void)
{
	iset_init(&death_a, 32);
	iset_init(&death_b, 128);
	iset_normalize(&death_a);
	iset_normalize(&death_b);
	(void)iset_overlaps(&death_a, &death_b);
}

static void die_range_beyond(void)
{
	(void)range_to_prefixes(0, 0x100000000ull, 32, NULL, NULL);
}

static bool aborts(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(100);
		fn();
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void test_bugs(void)
{
	CU_ASSERT(aborts(die_dirty_union));
	CU_ASSERT(aborts(die_dirty_contains));
	CU_ASSERT(aborts(die_dirty_prefixes));
	CU_ASSERT(aborts(die_lo_gt_hi));
	CU_ASSERT(aborts(die_beyond_universe));
	CU_ASSERT(aborts(die_beyond_universe32));
	CU_ASSERT(aborts(die_bad_plen));
	CU_ASSERT(aborts(die_bad_bits));
	CU_ASSERT(aborts(die_mixed_bits));
	CU_ASSERT(aborts(die_range_beyond));
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "normalize", test_normalize },
		{ "normalize at the 128-bit edges", test_normalize_128 },
		{ "normalize 100,000 prefixes", test_normalize_big },
		{ "union/intersect/subtract/complement", test_algebra },
		{ "algebra at the 128-bit edges", test_algebra_128 },
		{ "contains/subset/equal/overlaps/size", test_predicates },
		{ "range_to_prefixes", test_range_to_prefixes },
		{ "range_is_prefix", test_range_is_prefix },
		{ "addr_parse", test_addr_parse },
		{ "addr/prefix/range_format", test_format },
		{ "random sets vs bitmap (16 bits)", test_random_bitmap },
		{ "BUG() contracts", test_bugs },
	};

	return run_suite("iset", NULL, NULL, tests, sizeof(tests) / sizeof(tests[0]));
}
