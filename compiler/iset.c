/*
 * iset.c: sets of integers as sorted, disjoint, merged inclusive intervals.
 *
 * Design: a set is an array of [lo, hi] intervals. Building appends
 * unsorted intervals and marks the set dirty; iset_normalize() sorts them
 * once (qsort, O(n log n)) and merges overlapping and adjacent neighbours in
 * one linear pass. A normalized set therefore has lo <= hi, and between two
 * consecutive intervals a gap of at least one value (r[i].hi + 1 < r[i+1].lo).
 * Every other operation checks that its inputs are clean (need_clean()) and
 * works by a linear merge of the sorted arrays into a fresh array, which is
 * then swapped into dst: that makes dst aliasing either input safe.
 *
 * Overflow: with bits = 128 the top of the universe is ~(u128)0, so
 * "hi + 1" is never computed without first checking hi < universe max.
 *
 * Address text: IPv4 is parsed by hand (strict dotted quad, no leading
 * zeros to avoid octal ambiguity); IPv6 goes through inet_pton() on a
 * NUL-terminated copy. Output is inet_ntop() form.
 */
#include "iset.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U128_MAX (~(u128)0)

static void check_bits(int bits)
{
	if (bits != 16 && bits != 32 && bits != 128)
		BUG("iset: unsupported width %d bits", bits);
}

/* Largest value of the universe [0, 2^bits - 1]. */
static u128 umax(int bits)
{
	check_bits(bits);
	return bits == 128 ? U128_MAX : ((u128)1 << bits) - 1;
}

static void need_clean(const struct iset *s)
{
	if (s->dirty)
		BUG("iset: set used before iset_normalize()");
}

static void need_same(const struct iset *a, const struct iset *b)
{
	if (a->bits != b->bits)
		BUG("iset: mixing %d-bit and %d-bit sets", a->bits, b->bits);
}

static int ctz128(u128 v)
{
	uint64_t lo = (uint64_t)v, hi = (uint64_t)(v >> 64);

	if (lo)
		return __builtin_ctzll(lo);
	if (hi)
		return 64 + __builtin_ctzll(hi);
	return 128;
}

static int clz128(u128 v)
{
	uint64_t lo = (uint64_t)v, hi = (uint64_t)(v >> 64);

	if (hi)
		return __builtin_clzll(hi);
	if (lo)
		return 64 + __builtin_clzll(lo);
	return 128;
}

/* 2^k - 1 for 0 <= k <= 128. */
static u128 low_mask(int k)
{
	return k >= 128 ? U128_MAX : ((u128)1 << k) - 1;
}

void iset_init(struct iset *s, int bits)
{
	check_bits(bits);
	s->r = NULL;
	s->n = 0;
	s->cap = 0;
	s->bits = bits;
	s->dirty = false;
}

void iset_release(struct iset *s)
{
	free(s->r);
	s->r = NULL;
	s->n = 0;
	s->cap = 0;
	s->dirty = false;
}

void iset_clear(struct iset *s)
{
	s->n = 0;
	s->dirty = false;
}

/* Append without marking dirty (used by the linear merges). */
static void push(struct iset_range **r, size_t *n, size_t *cap, u128 lo, u128 hi)
{
	VEC_PUSH(*r, *n, *cap);
	(*r)[*n].lo = lo;
	(*r)[*n].hi = hi;
	(*n)++;
}

/* Append [lo, hi] to a sorted array being built, merging with the last
 * interval when they overlap or touch. Requires lo >= last lo. */
static void push_merge(struct iset_range **r, size_t *n, size_t *cap,
		       u128 lo, u128 hi)
{
	if (*n) {
		struct iset_range *last = &(*r)[*n - 1];

		/* lo > last->hi implies lo >= 1, so lo - 1 cannot wrap. */
		if (lo <= last->hi || lo - 1 == last->hi) {
			if (hi > last->hi)
				last->hi = hi;
			return;
		}
	}
	push(r, n, cap, lo, hi);
}

/* Replace the contents of dst with a freshly built array. */
static void install(struct iset *dst, int bits, struct iset_range *r,
		    size_t n, size_t cap)
{
	free(dst->r);
	dst->r = r;
	dst->n = n;
	dst->cap = cap;
	dst->bits = bits;
	dst->dirty = false;
}

void iset_add_range(struct iset *s, u128 lo, u128 hi)
{
	u128 max = umax(s->bits);

	if (lo > hi)
		BUG("iset: empty interval added (lo > hi)");
	if (hi > max)
		BUG("iset: value beyond the %d-bit universe", s->bits);
	push(&s->r, &s->n, &s->cap, lo, hi);
	s->dirty = true;
}

void iset_add_value(struct iset *s, u128 v)
{
	iset_add_range(s, v, v);
}

void iset_add_prefix(struct iset *s, u128 addr, int plen)
{
	u128 max = umax(s->bits);

	if (plen < 0 || plen > s->bits)
		BUG("iset: prefix length %d out of range for %d bits", plen,
		    s->bits);
	if (addr > max)
		BUG("iset: prefix address beyond the %d-bit universe", s->bits);
	u128 host = low_mask(s->bits - plen);
	iset_add_range(s, addr & ~host, addr | host);
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct iset_range *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return 0;
}

void iset_normalize(struct iset *s)
{
	if (!s->dirty)
		return;
	if (s->n > 1)
		qsort(s->r, s->n, sizeof(*s->r), range_cmp);

	/* In-place merge: out trails i, so r[out] is the last kept interval. */
	size_t out = 0;
	for (size_t i = 1; i < s->n; i++) {
		struct iset_range *last = &s->r[out], *cur = &s->r[i];

		if (cur->lo <= last->hi || cur->lo - 1 == last->hi) {
			if (cur->hi > last->hi)
				last->hi = cur->hi;
		} else {
			s->r[++out] = *cur;
		}
	}
	if (s->n)
		s->n = out + 1;
	s->dirty = false;
}

void iset_copy(struct iset *dst, const struct iset *src)
{
	need_clean(src);
	if (dst == src)
		return;
	struct iset_range *r = NULL;
	size_t cap = 0;

	if (src->n) {
		cap = src->n;
		r = xmalloc(cap * sizeof(*r));
		memcpy(r, src->r, src->n * sizeof(*r));
	}
	install(dst, src->bits, r, src->n, cap);
}

void iset_union(struct iset *dst, const struct iset *a, const struct iset *b)
{
	need_clean(a);
	need_clean(b);
	need_same(a, b);

	struct iset_range *r = NULL;
	size_t n = 0, cap = 0, i = 0, j = 0;

	while (i < a->n || j < b->n) {
		const struct iset_range *x;

		if (j >= b->n || (i < a->n && a->r[i].lo <= b->r[j].lo))
			x = &a->r[i++];
		else
			x = &b->r[j++];
		push_merge(&r, &n, &cap, x->lo, x->hi);
	}
	install(dst, a->bits, r, n, cap);
}

void iset_intersect(struct iset *dst, const struct iset *a, const struct iset *b)
{
	need_clean(a);
	need_clean(b);
	need_same(a, b);

	struct iset_range *r = NULL;
	size_t n = 0, cap = 0, i = 0, j = 0;

	while (i < a->n && j < b->n) {
		u128 lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
		u128 hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;

		if (lo <= hi)
			push(&r, &n, &cap, lo, hi);
		/* Drop whichever interval ends first; it cannot meet more. */
		if (a->r[i].hi < b->r[j].hi)
			i++;
		else
			j++;
	}
	install(dst, a->bits, r, n, cap);
}

void iset_subtract(struct iset *dst, const struct iset *a, const struct iset *b)
{
	need_clean(a);
	need_clean(b);
	need_same(a, b);

	struct iset_range *r = NULL;
	size_t n = 0, cap = 0, j = 0;

	for (size_t i = 0; i < a->n; i++) {
		u128 lo = a->r[i].lo, hi = a->r[i].hi;
		bool gone = false;

		/* Skip b intervals entirely below what is left of a->r[i]. */
		while (j < b->n && b->r[j].hi < lo)
			j++;
		for (size_t k = j; k < b->n && b->r[k].lo <= hi; k++) {
			if (b->r[k].lo > lo)
				push(&r, &n, &cap, lo, b->r[k].lo - 1);
			if (b->r[k].hi >= hi) {
				gone = true;
				break;
			}
			lo = b->r[k].hi + 1;   /* b->r[k].hi < hi <= max */
		}
		if (!gone)
			push(&r, &n, &cap, lo, hi);
	}
	install(dst, a->bits, r, n, cap);
}

void iset_complement(struct iset *dst, const struct iset *a)
{
	need_clean(a);

	u128 max = umax(a->bits), next = 0;
	bool done = false;      /* next would be max + 1 */
	struct iset_range *r = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < a->n; i++) {
		if (a->r[i].lo > next)
			push(&r, &n, &cap, next, a->r[i].lo - 1);
		if (a->r[i].hi == max) {
			done = true;
			break;
		}
		next = a->r[i].hi + 1;
	}
	if (!done)
		push(&r, &n, &cap, next, max);
	install(dst, a->bits, r, n, cap);
}

bool iset_contains(const struct iset *s, u128 v)
{
	need_clean(s);

	size_t lo = 0, hi = s->n;       /* search in [lo, hi) */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v < s->r[mid].lo)
			hi = mid;
		else if (v > s->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool iset_is_empty(const struct iset *s)
{
	need_clean(s);
	return s->n == 0;
}

bool iset_is_full(const struct iset *s)
{
	need_clean(s);
	return s->n == 1 && s->r[0].lo == 0 && s->r[0].hi == umax(s->bits);
}

bool iset_equal(const struct iset *a, const struct iset *b)
{
	need_clean(a);
	need_clean(b);
	need_same(a, b);
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->r[i].lo != b->r[i].lo || a->r[i].hi != b->r[i].hi)
			return false;
	return true;
}

bool iset_subset(const struct iset *a, const struct iset *b)
{
	need_clean(a);
	need_clean(b);
	need_same(a, b);

	/* b is merged, so each interval of a must lie inside one of b's. */
	size_t j = 0;

	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && b->r[j].hi < a->r[i].lo)
			j++;
		if (j == b->n || b->r[j].lo > a->r[i].lo ||
		    b->r[j].hi < a->r[i].hi)
			return false;
	}
	return true;
}

bool iset_overlaps(const struct iset *a, const struct iset *b)
{
	need_clean(a);
	need_clean(b);
	need_same(a, b);

	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		if (a->r[i].hi < b->r[j].lo)
			i++;
		else if (b->r[j].hi < a->r[i].lo)
			j++;
		else
			return true;
	}
	return false;
}

u128 iset_size(const struct iset *s)
{
	need_clean(s);

	u128 total = 0;

	for (size_t i = 0; i < s->n; i++) {
		u128 d = s->r[i].hi - s->r[i].lo;   /* count - 1 */

		if (d == U128_MAX || total > U128_MAX - d - 1)
			return U128_MAX;
		total += d + 1;
	}
	return total;
}

bool range_is_prefix(u128 lo, u128 hi, int bits, int *plen)
{
	u128 max = umax(bits);

	if (lo > hi || hi > max)
		BUG("range_is_prefix: bad interval for %d bits", bits);

	u128 d = hi - lo;

	/* d must be 2^k - 1 (d + 1 wraps to 0 for k = 128) and lo aligned. */
	if ((d & (d + 1)) != 0 || (lo & d) != 0)
		return false;
	if (plen)
		*plen = bits - (128 - clz128(d));
	return true;
}

size_t range_to_prefixes(u128 lo, u128 hi, int bits, iset_prefix_cb cb, void *ctx)
{
	u128 max = umax(bits);

	if (lo > hi || hi > max)
		BUG("range_to_prefixes: bad interval for %d bits", bits);

	size_t count = 0;

	for (;;) {
		/* Largest block aligned at lo ... */
		int k = ctz128(lo);
		if (k > bits)
			k = bits;
		/* ... that does not reach past hi: 2^k <= hi - lo + 1. */
		u128 d = hi - lo;
		int fit = d == U128_MAX ? 128 : 127 - clz128(d + 1);
		if (fit < k)
			k = fit;

		u128 end = lo + low_mask(k);    /* <= hi, no overflow */
		if (cb)
			cb(lo, bits - k, ctx);
		count++;
		if (end == hi)
			break;
		lo = end + 1;
	}
	return count;
}

size_t iset_prefixes(const struct iset *s, iset_prefix_cb cb, void *ctx)
{
	need_clean(s);

	size_t count = 0;

	for (size_t i = 0; i < s->n; i++)
		count += range_to_prefixes(s->r[i].lo, s->r[i].hi, s->bits,
					   cb, ctx);
	return count;
}

/* Address text. */

static int clamp_int(size_t n)
{
	return n > INT_MAX ? INT_MAX : (int)n;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Strict dotted quad: exactly four 1-3 digit decimal octets, 0..255. */
static int parse_ipv4(const char *s, size_t len, u128 *addr, char *err,
		      size_t errlen)
{
	uint32_t v = 0;
	size_t i = 0;

	for (int oct = 0; oct < 4; oct++) {
		size_t start = i;
		unsigned val = 0;

		if (oct > 0) {
			if (i >= len || s[i] != '.')
				goto bad;
			start = ++i;
		}
		while (i < len && is_digit(s[i]) && i - start < 3)
			val = val * 10 + (unsigned)(s[i++] - '0');
		if (i == start || (i < len && is_digit(s[i])))
			goto bad;
		if (i - start > 1 && s[start] == '0') {
			snprintf(err, errlen, "leading zero in '%.*s'",
				 (int)(i - start), s + start);
			return -1;
		}
		if (val > 255) {
			snprintf(err, errlen, "octet %u out of range in '%.*s'",
				 val, clamp_int(len), s);
			return -1;
		}
		v = v << 8 | val;
	}
	if (i != len)
		goto bad;
	*addr = v;
	return 0;
bad:
	snprintf(err, errlen, "invalid IPv4 address '%.*s'", clamp_int(len), s);
	return -1;
}

static int parse_ipv6(const char *s, size_t len, u128 *addr, char *err,
		      size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char b[16];

	if (len > 45) {
		snprintf(err, errlen, "IPv6 address too long: '%.*s'",
			 clamp_int(len), s);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(s, '\0', len) || inet_pton(AF_INET6, buf, b) != 1) {
		snprintf(err, errlen, "invalid IPv6 address '%.*s'",
			 clamp_int(len), s);
		return -1;
	}
	u128 v = 0;
	for (int k = 0; k < 16; k++)
		v = v << 8 | b[k];
	*addr = v;
	return 0;
}

int addr_parse(const char *s, size_t len, int *family, u128 *addr, int *plen,
	       char *err, size_t errlen)
{
	char dummy[1];

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (len == 0) {
		snprintf(err, errlen, "empty address");
		return -1;
	}

	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	int fam = memchr(s, ':', alen) ? 6 : 4;
	int bits = fam == 4 ? 32 : 128;
	u128 a;

	if (alen == 0) {
		snprintf(err, errlen, "missing address before '/' in '%.*s'",
			 clamp_int(len), s);
		return -1;
	}
	if (fam == 4) {
		for (size_t i = 0; i < alen; i++)
			if (!is_digit(s[i]) && s[i] != '.') {
				snprintf(err, errlen, "invalid address '%.*s'",
					 clamp_int(alen), s);
				return -1;
			}
		if (parse_ipv4(s, alen, &a, err, errlen) < 0)
			return -1;
	} else if (parse_ipv6(s, alen, &a, err, errlen) < 0) {
		return -1;
	}

	int p = bits;

	if (slash) {
		const char *ps = slash + 1;
		size_t plen_len = len - alen - 1;
		unsigned v = 0;

		if (plen_len == 0) {
			snprintf(err, errlen,
				 "missing prefix length after '/' in '%.*s'",
				 clamp_int(len), s);
			return -1;
		}
		for (size_t i = 0; i < plen_len; i++) {
			if (!is_digit(ps[i])) {
				snprintf(err, errlen,
					 "invalid prefix length '%.*s'",
					 clamp_int(plen_len), ps);
				return -1;
			}
			if (v <= 1000)          /* saturate, no overflow */
				v = v * 10 + (unsigned)(ps[i] - '0');
		}
		if (v > (unsigned)bits) {
			snprintf(err, errlen,
				 "prefix length '%.*s' out of range for IPv%d (0-%d)",
				 clamp_int(plen_len), ps, fam, bits);
			return -1;
		}
		p = (int)v;
	}

	u128 host = low_mask(bits - p);

	if (a & host) {
		char net[64];

		prefix_format(net, sizeof(net), fam, a & ~host, p);
		snprintf(err, errlen, "host bits set in %.*s (did you mean %s?)",
			 clamp_int(len), s, net);
		return -1;
	}
	if (family)
		*family = fam;
	if (addr)
		*addr = a;
	if (plen)
		*plen = p;
	return 0;
}

void addr_format(char *buf, size_t n, int family, u128 addr)
{
	char tmp[INET6_ADDRSTRLEN];

	if (family == 4) {
		struct in_addr in;

		if (addr > 0xffffffffu)
			BUG("addr_format: IPv4 address beyond 32 bits");
		in.s_addr = htonl((uint32_t)addr);
		if (!inet_ntop(AF_INET, &in, tmp, sizeof(tmp)))
			BUG("inet_ntop(AF_INET) failed");
	} else if (family == 6) {
		unsigned char b[16];

		for (int k = 15; k >= 0; k--) {
			b[k] = (unsigned char)addr;
			addr >>= 8;
		}
		if (!inet_ntop(AF_INET6, b, tmp, sizeof(tmp)))
			BUG("inet_ntop(AF_INET6) failed");
	} else {
		BUG("addr_format: bad family %d", family);
	}
	snprintf(buf, n, "%s", tmp);
}

void prefix_format(char *buf, size_t n, int family, u128 addr, int plen)
{
	char a[INET6_ADDRSTRLEN];
	int bits = family == 4 ? 32 : 128;

	addr_format(a, sizeof(a), family, addr);
	if (plen < 0 || plen > bits)
		BUG("prefix_format: prefix length %d out of range", plen);
	if (plen == bits)
		snprintf(buf, n, "%s", a);
	else
		snprintf(buf, n, "%s/%d", a, plen);
}

void range_format(char *buf, size_t n, int family, u128 lo, u128 hi)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int plen;

	if (family != 4 && family != 6)
		BUG("range_format: bad family %d", family);
	if (range_is_prefix(lo, hi, family == 4 ? 32 : 128, &plen)) {
		prefix_format(buf, n, family, lo, plen);
		return;
	}
	addr_format(a, sizeof(a), family, lo);
	addr_format(b, sizeof(b), family, hi);
	snprintf(buf, n, "%s-%s", a, b);
}
