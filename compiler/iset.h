/*
 * iset.h: sets of integers as sorted, disjoint, merged inclusive intervals.
 *
 * One module serves addresses (IPv4: 32 bits, IPv6: 128 bits) and ports
 * (16 bits). The resolver builds sets from the policy, the analyzer and the
 * backends read them. Values are u128; an IPv4 address is kept in the low
 * 32 bits, host order (192.0.2.1 == 0xc0000201).
 *
 * Building is append-then-normalize so that 100,000-entry block lists cost
 * one sort: iset_add_*() append, iset_normalize() sorts and merges
 * overlapping and adjacent intervals. Every other operation requires
 * normalized inputs (BUG() otherwise) and yields a normalized output.
 */
#ifndef FWC_ISET_H
#define FWC_ISET_H

#include "util.h"

struct iset_range {
	u128 lo, hi;    /* inclusive */
};

struct iset {
	struct iset_range *r;
	size_t n, cap;
	int bits;       /* 16, 32 or 128: the universe is [0, 2^bits - 1] */
	bool dirty;     /* appended to since the last normalize */
};

void iset_init(struct iset *s, int bits);
void iset_release(struct iset *s);           /* frees, leaves an empty set */
void iset_clear(struct iset *s);

/* Append; lo > hi or values beyond the universe are a BUG(). */
void iset_add_range(struct iset *s, u128 lo, u128 hi);
void iset_add_value(struct iset *s, u128 v);
/* The host bits of addr are ignored (masked off). 0 <= plen <= bits. */
void iset_add_prefix(struct iset *s, u128 addr, int plen);
void iset_normalize(struct iset *s);

/* dst must be initialised (any contents are replaced); dst may alias a. */
void iset_copy(struct iset *dst, const struct iset *src);
void iset_union(struct iset *dst, const struct iset *a, const struct iset *b);
void iset_intersect(struct iset *dst, const struct iset *a, const struct iset *b);
void iset_subtract(struct iset *dst, const struct iset *a, const struct iset *b);
void iset_complement(struct iset *dst, const struct iset *a);

bool iset_contains(const struct iset *s, u128 v);
bool iset_is_empty(const struct iset *s);
bool iset_is_full(const struct iset *s);
bool iset_equal(const struct iset *a, const struct iset *b);
bool iset_subset(const struct iset *a, const struct iset *b);  /* a ⊆ b */
bool iset_overlaps(const struct iset *a, const struct iset *b);
/* Number of values, saturating at 2^128 - 1. */
u128 iset_size(const struct iset *s);

/* Is the interval exactly one CIDR prefix? Sets *plen if so. */
bool range_is_prefix(u128 lo, u128 hi, int bits, int *plen);
/* Minimal CIDR cover of [lo, hi]: calls cb once per prefix, in ascending
 * order, and returns how many. */
typedef void (*iset_prefix_cb)(u128 addr, int plen, void *ctx);
size_t range_to_prefixes(u128 lo, u128 hi, int bits, iset_prefix_cb cb, void *ctx);
/* The same over every interval of a normalized set. */
size_t iset_prefixes(const struct iset *s, iset_prefix_cb cb, void *ctx);

/* Address text. family is 4 or 6. */
/* Parse "192.0.2.1", "192.0.2.0/24", "2001:db8::/32" (len bytes, not NUL
 * terminated). Host bits set under the prefix are an error. On error
 * returns -1 and writes a lowercase message into err. */
int addr_parse(const char *s, size_t len, int *family, u128 *addr, int *plen,
	       char *err, size_t errlen);
/* Canonical text (inet_ntop form) of one address; buf >= 64 bytes. */
void addr_format(char *buf, size_t n, int family, u128 addr);
/* "a" when plen is the full width, "a/plen" otherwise. */
void prefix_format(char *buf, size_t n, int family, u128 addr, int plen);
/* An interval as text: a prefix where it is one, "lo-hi" otherwise. */
void range_format(char *buf, size_t n, int family, u128 lo, u128 hi);

#endif
