/*
 * test_bogons.c: bogons_load() on the shipped registries (data/) and on
 * the fixtures under tests/data/bogons-good and tests/data/bogons-bad.
 * Run from the repository root.
 */
#include "bogons.h"

#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BAD "tests/data/bogons-bad/"

static struct iset b4, b6;
static char d4[BOGONS_DATE_LEN], d6[BOGONS_DATE_LEN];
static char load_err[512];
static int load_rc = -1;

static int suite_init(void)
{
	iset_init(&b4, 32);
	iset_init(&b6, 128);
	load_rc = bogons_load("data", &b4, &b6, d4, d6, sizeof(d4), load_err,
			      sizeof(load_err));
	if (load_rc)
		fprintf(stderr, "bogons_load(data): %s\n", load_err);
	return 0;
}

static int suite_clean(void)
{
	iset_release(&b4);
	iset_release(&b6);
	return 0;
}

/* A failed check with its own message (CUnit copies it). */
static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(ok, __LINE__, msg, __FILE__, "", CU_FALSE);
}

static void is_bogon(const char *addr, bool want)
{
	int fam, plen;
	u128 a;
	char err[128];
	if (addr_parse(addr, strlen(addr), &fam, &a, &plen, err, sizeof(err))) {
		check(false, "%s: %s", addr, err);
		return;
	}
	bool got = iset_contains(fam == 4 ? &b4 : &b6, a);
	check(got == want, "%s is %sa bogon, expected %s", addr,
	      got ? "" : "not ", want ? "one" : "none");
}

/* The set as text: each interval by range_format, space separated. */
static void set_text(char *buf, size_t n, const struct iset *s)
{
	int fam = s->bits == 32 ? 4 : 6;
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n && used < n; i++) {
		char r[128];
		range_format(r, sizeof(r), fam, s->r[i].lo, s->r[i].hi);
		used += (size_t)snprintf(buf + used, n - used, "%s%s",
					 i ? " " : "", r);
	}
}

static void set_is(const struct iset *s, const char *want)
{
	char got[4096];
	set_text(got, sizeof(got), s);
	check(!strcmp(got, want), "set is\n  %s\nexpected\n  %s", got, want);
}

static void test_loads(void)
{
	CU_ASSERT_EQUAL_FATAL(load_rc, 0);
	CU_ASSERT_FALSE(b4.dirty);
	CU_ASSERT_FALSE(b6.dirty);
	/* The dates are whatever data/iana-registry-dates says; check form. */
	CU_ASSERT_EQUAL(strlen(d4), 10);
	CU_ASSERT_EQUAL(strlen(d6), 10);
	CU_ASSERT(d4[4] == '-' && d4[7] == '-');
	CU_ASSERT(d6[4] == '-' && d6[7] == '-');
}

static void test_v4(void)
{
	CU_ASSERT_EQUAL_FATAL(load_rc, 0);
	const char *yes[] = {
		"10.0.0.1", "192.168.1.1", "198.18.0.1", "198.19.255.255",
		"100.64.0.1", "240.0.0.1", "127.0.0.1", "0.0.0.0",
		"0.1.2.3", "169.254.1.1", "172.16.0.1", "172.31.255.255",
		"192.0.0.1", "192.0.0.8", "192.0.0.11", "192.0.0.170",
		"192.0.0.171", "192.0.0.255", "192.0.2.1", "198.51.100.1",
		"203.0.113.1", "255.255.255.255",
		/* 6a44 relay anycast: listed on its own, Globally Reachable
		 * False, inside the terminated 6to4 relay entry. */
		"192.88.99.2",
	};
	const char *no[] = {
		"8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0",
		"100.63.255.255", "100.128.0.0", "172.32.0.0",
		/* True inside 192.0.0.0/24 (False): stays out. */
		"192.0.0.9", "192.0.0.10",
		/* 192.88.99.0/24, deprecated 6to4 relay anycast: terminated
		 * 2015-03, IANA gives it no flags at all, so the registry
		 * does not call it unreachable and it is not a bogon. */
		"192.88.99.1", "192.88.99.3",
		/* Globally reachable anycast services. */
		"192.31.196.1", "192.52.193.1", "192.175.48.1",
		/* Multicast is not in the special-purpose registry. */
		"224.0.0.1", "239.255.255.255",
		"192.0.1.1", "223.255.255.255",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		is_bogon(yes[i], true);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		is_bogon(no[i], false);
}

static void test_v6(void)
{
	CU_ASSERT_EQUAL_FATAL(load_rc, 0);
	const char *yes[] = {
		"::1", "::", "fe80::1", "febf::1", "fc00::1", "fd12:3456::1",
		"2001:db8::1", "::ffff:10.0.0.1", "::ffff:8.8.8.8",
		"64:ff9b:1::1", "100::1", "100:0:0:1::1", "3fff::1",
		"5f00::1", "2001:2::1",
		/* N/A counts as not globally reachable: Teredo and 6to4. */
		"2001::1", "2002::1",
		/* Inside 2001::/23 (False), not taken out by a True entry:
		 * deprecated ORCHID, and unassigned protocol space. */
		"2001:10::1", "2001:1::4", "2001:4:113::1", "2001:40::1",
		"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	const char *no[] = {
		"2600::1", "2001:1::1", "2001:1::2", "2001:1::3",
		"2001:3::1", "2001:4:112::1", "2001:20::1", "2001:3f::1",
		"64:ff9b::808:808", "2620:4f:8000::1", "2001:200::1",
		"2001:4860:4860::8888", "fec0::1", "ff02::1", "::2",
		"4000::1",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		is_bogon(yes[i], true);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		is_bogon(no[i], false);
}

/* The whole derived sets, so that a change to the data or the rule shows
 * up as a diff. Update together with data/ when refreshing it. */
static void test_exact_sets(void)
{
	CU_ASSERT_EQUAL_FATAL(load_rc, 0);
	set_is(&b4,
	       "0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 "
	       "169.254.0.0/16 172.16.0.0/12 192.0.0.0-192.0.0.8 "
	       "192.0.0.11-192.0.0.255 192.0.2.0/24 192.88.99.2 "
	       "192.168.0.0/16 198.18.0.0/15 198.51.100.0/24 "
	       "203.0.113.0/24 240.0.0.0/4");
	set_is(&b6,
	       "::/127 ::ffff:0.0.0.0/96 64:ff9b:1::/48 100::/63 "
	       "2001::-2001:1:: "
	       "2001:1::4-2001:2:ffff:ffff:ffff:ffff:ffff:ffff "
	       "2001:4::-2001:4:111:ffff:ffff:ffff:ffff:ffff "
	       "2001:4:113::-2001:1f:ffff:ffff:ffff:ffff:ffff:ffff "
	       "2001:40::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff "
	       "2001:db8::/32 2002::/16 3fff::/20 5f00::/16 fc00::/7 "
	       "fe80::/10");
}

/* BOM, LF endings without a final one, blank lines, reordered and
 * lower-case header, footnotes on blocks and flags, quoted cells with
 * commas, doubled quotes and line breaks, several blocks in a cell, a
 * bare address, terminated entries, CRLF, a dates file with comments. */
static void test_quirks(void)
{
	struct iset v4, v6;
	char a[BOGONS_DATE_LEN], b[BOGONS_DATE_LEN], err[512] = "";
	iset_init(&v4, 32);
	iset_init(&v6, 128);
	int rc = bogons_load("tests/data/bogons-good/", &v4, &v6, a, b,
			     sizeof(a), err, sizeof(err));
	check(rc == 0, "bogons-good: %s", err);
	if (rc == 0) {
		set_is(&v4, "127.0.0.0/8 192.0.0.0-192.0.0.8 "
		       "192.0.0.10-192.0.0.255 192.0.2.1 192.88.99.2 "
		       "198.51.100.0/24 203.0.113.0/24");
		set_is(&v6, "2001::-2001:1:: "
		       "2001:1::2-2001:1f:ffff:ffff:ffff:ffff:ffff:ffff "
		       "2001:30::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff");
		CU_ASSERT_STRING_EQUAL(a, "2013-05-01");
		CU_ASSERT_STRING_EQUAL(b, "2024-02-29");
	}
	/* Dates are optional outputs. */
	rc = bogons_load("tests/data/bogons-good", &v4, &v6, NULL, NULL, 0,
			 err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	iset_release(&v4);
	iset_release(&v6);
}

/* dir fails with exactly want, and leaves the outputs alone. */
static void fails(const char *dir, const char *want)
{
	struct iset v4, v6;
	char a[BOGONS_DATE_LEN] = "unchanged", b[BOGONS_DATE_LEN] = "unchanged";
	char err[512] = "";
	iset_init(&v4, 32);
	iset_init(&v6, 128);
	iset_add_value(&v4, 0x01020304);
	iset_normalize(&v4);
	int rc = bogons_load(dir, &v4, &v6, a, b, sizeof(a), err, sizeof(err));
	check(rc == -1, "%s: returned %d", dir, rc);
	check(!strcmp(err, want), "%s: error\n  %s\nexpected\n  %s", dir, err,
	      want);
	CU_ASSERT(v4.n == 1 && v4.r[0].lo == 0x01020304 && v4.r[0].hi == 0x01020304);
	CU_ASSERT(iset_is_empty(&v6));
	CU_ASSERT_STRING_EQUAL(a, "unchanged");
	CU_ASSERT_STRING_EQUAL(b, "unchanged");
	iset_release(&v4);
	iset_release(&v6);
}

#define V4(d) BAD d "/iana-ipv4-special-registry.csv"
#define V6(d) BAD d "/iana-ipv6-special-registry.csv"
#define DATES(d) BAD d "/iana-registry-dates"

static void test_files(void)
{
	fails(BAD "no-such-dir", "cannot open " V4("no-such-dir")
	      ": No such file or directory");
	fails(BAD "empty", V4("empty") ": empty file");
	fails(BAD "header-only", V4("header-only") ": no entries");
	fails(BAD "no-column", V4("no-column")
	      ":1: no 'Globally Reachable' column in the header");
}

static void test_csv_syntax(void)
{
	fails(BAD "unterminated-quote", V4("unterminated-quote")
	      ":3: unterminated quoted field");
	fails(BAD "text-after-quote", V4("text-after-quote")
	      ":2: text after a closing quote");
	fails(BAD "quote-in-field", V4("quote-in-field")
	      ":2: quote inside an unquoted field");
	fails(BAD "bare-cr", V4("bare-cr")
	      ":2: carriage return without a line feed");
	fails(BAD "nul-byte", V4("nul-byte") ":2: NUL byte");
	fails(BAD "field-count", V4("field-count")
	      ":2: 9 fields, the header has 10");
	/* The record starts on line 4, after one with a line break in a
	 * quoted cell, and has two of its own. */
	fails(BAD "v6-line-count", V6("v6-line-count")
	      ":4: 'Globally Reachable' is 'Perhaps', not True, False or N/A");
}

static void test_entries(void)
{
	fails(BAD "bad-reach", V4("bad-reach")
	      ":2: 'Globally Reachable' is 'Maybe', not True, False or N/A");
	fails(BAD "empty-reach", V4("empty-reach")
	      ":2: empty 'Globally Reachable' in an entry that is not terminated");
	fails(BAD "bad-prefix", V4("bad-prefix")
	      ":2: bad address block '10.0.0.0/33': prefix length '33' out of "
	      "range for IPv4 (0-32)");
	fails(BAD "host-bits", V4("host-bits")
	      ":2: bad address block '10.0.0.1/8': host bits set in 10.0.0.1/8 "
	      "(did you mean 10.0.0.0/8?)");
	fails(BAD "multi-block", V4("multi-block")
	      ":2: bad address block '192.0.0.1714/32': invalid IPv4 address "
	      "'192.0.0.1714'");
	fails(BAD "wrong-family", V4("wrong-family")
	      ":2: 2001:db8::/32 is not an IPv4 block");
	fails(BAD "v6-v4-block", V6("v6-v4-block")
	      ":2: 10.0.0.0/8 is not an IPv6 block");
	fails(BAD "empty-block", V4("empty-block") ":2: empty address block");
}

static void test_dates(void)
{
	fails(BAD "dates-missing", "cannot open " DATES("dates-missing")
	      ": No such file or directory");
	fails(BAD "dates-bad-date", DATES("dates-bad-date")
	      ":1: bad date '2025-02-29' (expected YYYY-MM-DD)");
	fails(BAD "dates-unknown", DATES("dates-unknown")
	      ":2: unknown registry 'ipv5' (expected ipv4 or ipv6)");
	fails(BAD "dates-duplicate", DATES("dates-duplicate")
	      ":3: second ipv4 date");
	fails(BAD "dates-no-v6", DATES("dates-no-v6") ": no ipv6 date");
	fails(BAD "dates-extra", DATES("dates-extra")
	      ":1: expected 'ipv4 YYYY-MM-DD' or 'ipv6 YYYY-MM-DD'");
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("bogons", suite_init, suite_clean);
	if (!s ||
	    !CU_add_test(s, "loads data/", test_loads) ||
	    !CU_add_test(s, "IPv4 bogons", test_v4) ||
	    !CU_add_test(s, "IPv6 bogons", test_v6) ||
	    !CU_add_test(s, "exact sets", test_exact_sets) ||
	    !CU_add_test(s, "CSV quirks", test_quirks) ||
	    !CU_add_test(s, "file errors", test_files) ||
	    !CU_add_test(s, "CSV syntax errors", test_csv_syntax) ||
	    !CU_add_test(s, "entry errors", test_entries) ||
	    !CU_add_test(s, "dates file errors", test_dates)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() +
			  CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
