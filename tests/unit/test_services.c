/*
 * test_services.c: CUnit tests for compiler/services.c.
 *
 * Run from the repository root: fixtures are tests/data/services* and
 * tests/data/firewalld/{etc,lib} (etc overrides lib, like /etc/firewalld
 * over /usr/lib/firewalld). One suite also reads the real /etc/services.
 * Exit status is non-zero if any assertion fails.
 */
#include "services.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <libxml/parser.h>

#define DATA "tests/data/"
#define FWDIR DATA "firewalld/"
#define FWETC FWDIR "etc"
#define FWLIB FWDIR "lib"

#define TCP 6
#define UDP 17

static const char *const fw_dirs[] = { FWETC, FWLIB, NULL };

/* ---- helpers ---- */

#define P(proto, lo, hi) ((struct svc_port){ (proto), (lo), (hi), false })
#define ANY(proto) ((struct svc_port){ (proto), 0, 65535, true })

/* Assert that l->v[from..] is exactly exp[0..n-1]. Mismatches are printed,
 * since a CUnit failure inside a helper only names the helper's line. */
#define CHECK_LIST(l, from, ...) do {                                     \
		const struct svc_port exp_[] = { __VA_ARGS__ };           \
		check_list_at(__LINE__, (l), (from), exp_,                \
			      sizeof(exp_) / sizeof(exp_[0]));            \
	} while (0)

static void check_list_at(int line, const struct svc_list *l, size_t from,
			  const struct svc_port *exp, size_t n)
{
	bool ok = l->n == from + n;
	for (size_t i = 0; ok && i < n; i++) {
		const struct svc_port *g = &l->v[from + i];
		ok = g->proto == exp[i].proto && g->lo == exp[i].lo &&
			g->hi == exp[i].hi && g->any_port == exp[i].any_port;
	}
	CU_ASSERT(ok);
	if (ok)
		return;
	fprintf(stderr, "\n  line %d: expected", line);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %d:%u-%u%s", exp[i].proto, exp[i].lo,
			exp[i].hi, exp[i].any_port ? "*" : "");
	fprintf(stderr, "\n  line %d: got     ", line);
	for (size_t i = from; i < l->n; i++)
		fprintf(stderr, " %d:%u-%u%s", l->v[i].proto, l->v[i].lo,
			l->v[i].hi, l->v[i].any_port ? "*" : "");
	fputc('\n', stderr);
}

static void check_msg_at(int line, const char *got, const char *exp)
{
	bool ok = !strcmp(got, exp);
	CU_ASSERT(ok);
	if (!ok)
		fprintf(stderr, "\n  line %d: expected '%s'\n  line %d: got      '%s'\n",
			line, exp, line, got);
}
#define CHECK_MSG(got, exp) check_msg_at(__LINE__, (got), (exp))

struct names {
	char **v;
	size_t n, cap;
};

static void collect_name(const char *name, void *ctx)
{
	struct names *ns = ctx;
	VEC_PUSH(ns->v, ns->n, ns->cap);
	ns->v[ns->n++] = xstrdup(name);
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	*ns = (struct names){ 0 };
}

#define CHECK_NAMES(ns, ...) do {                                         \
		const char *const exp_[] = { __VA_ARGS__ };               \
		check_names_at(__LINE__, (ns), exp_,                      \
			       sizeof(exp_) / sizeof(exp_[0]));           \
	} while (0)

static void check_names_at(int line, const struct names *ns,
			   const char *const *exp, size_t n)
{
	bool ok = ns->n == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = !strcmp(ns->v[i], exp[i]);
	CU_ASSERT(ok);
	if (ok)
		return;
	fprintf(stderr, "\n  line %d: got", line);
	for (size_t i = 0; i < ns->n; i++)
		fprintf(stderr, " %s", ns->v[i]);
	fputc('\n', stderr);
}

/* ---- protocols ---- */

static void test_proto_by_name(void)
{
	CU_ASSERT_EQUAL(proto_by_name("icmp"), 1);
	CU_ASSERT_EQUAL(proto_by_name("igmp"), 2);
	CU_ASSERT_EQUAL(proto_by_name("tcp"), 6);
	CU_ASSERT_EQUAL(proto_by_name("udp"), 17);
	CU_ASSERT_EQUAL(proto_by_name("dccp"), 33);
	CU_ASSERT_EQUAL(proto_by_name("gre"), 47);
	CU_ASSERT_EQUAL(proto_by_name("esp"), 50);
	CU_ASSERT_EQUAL(proto_by_name("ah"), 51);
	CU_ASSERT_EQUAL(proto_by_name("icmpv6"), 58);
	CU_ASSERT_EQUAL(proto_by_name("ipv6-icmp"), 58);
	CU_ASSERT_EQUAL(proto_by_name("sctp"), 132);
	CU_ASSERT_EQUAL(proto_by_name("udplite"), 136);
	/* Decimal numbers 0-255. */
	CU_ASSERT_EQUAL(proto_by_name("0"), 0);
	CU_ASSERT_EQUAL(proto_by_name("6"), 6);
	CU_ASSERT_EQUAL(proto_by_name("112"), 112);
	CU_ASSERT_EQUAL(proto_by_name("255"), 255);
	CU_ASSERT_EQUAL(proto_by_name("256"), -1);
	CU_ASSERT_EQUAL(proto_by_name("1000"), -1);
	CU_ASSERT_EQUAL(proto_by_name("-1"), -1);
	CU_ASSERT_EQUAL(proto_by_name("+6"), -1);
	CU_ASSERT_EQUAL(proto_by_name(" 6"), -1);
	CU_ASSERT_EQUAL(proto_by_name("6a"), -1);
	CU_ASSERT_EQUAL(proto_by_name(""), -1);
	/* Fixed table, exact names. */
	CU_ASSERT_EQUAL(proto_by_name("TCP"), -1);
	CU_ASSERT_EQUAL(proto_by_name("vrrp"), -1);
	CU_ASSERT_EQUAL(proto_by_name("ddp"), -1);
}

static void test_proto_name(void)
{
	CU_ASSERT_STRING_EQUAL(proto_name(1), "icmp");
	CU_ASSERT_STRING_EQUAL(proto_name(2), "igmp");
	CU_ASSERT_STRING_EQUAL(proto_name(6), "tcp");
	CU_ASSERT_STRING_EQUAL(proto_name(17), "udp");
	CU_ASSERT_STRING_EQUAL(proto_name(33), "dccp");
	CU_ASSERT_STRING_EQUAL(proto_name(47), "gre");
	CU_ASSERT_STRING_EQUAL(proto_name(50), "esp");
	CU_ASSERT_STRING_EQUAL(proto_name(51), "ah");
	CU_ASSERT_STRING_EQUAL(proto_name(58), "icmpv6");
	CU_ASSERT_STRING_EQUAL(proto_name(132), "sctp");
	CU_ASSERT_STRING_EQUAL(proto_name(136), "udplite");
	CU_ASSERT_PTR_NULL(proto_name(0));
	CU_ASSERT_PTR_NULL(proto_name(112));
	CU_ASSERT_PTR_NULL(proto_name(-1));
	CU_ASSERT_PTR_NULL(proto_name(256));
	/* Round trip through every name. */
	const char *names[] = { "icmp", "igmp", "tcp", "udp", "dccp", "gre",
				"esp", "ah", "icmpv6", "sctp", "udplite" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CU_ASSERT_STRING_EQUAL(proto_name(proto_by_name(names[i])),
				       names[i]);
}

/* ---- services(5): fixture ---- */

static struct svcdb *fixture_db;

static int svcdb_suite_init(void)
{
	char err[256] = "";
	fixture_db = svcdb_load(DATA "services", err, sizeof(err));
	if (!fixture_db)
		fprintf(stderr, "\nload failed: %s\n", err);
	return fixture_db ? 0 : -1;
}

static int svcdb_suite_clean(void)
{
	svcdb_free(fixture_db);
	fixture_db = NULL;
	return 0;
}

static void test_svcdb_single(void)
{
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "ssh", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 22, 22));
	svc_list_release(&l);
	CU_ASSERT_PTR_NULL(l.v);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_EQUAL(l.cap, 0);

	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "tcpmux", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 1, 1));
	svc_list_release(&l);
}

static void test_svcdb_multi_proto(void)
{
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "domain", &l), 2);
	CHECK_LIST(&l, 0, P(TCP, 53, 53), P(UDP, 53, 53));
	svc_list_release(&l);

	/* Ordered by protocol number: tcp (6) before sctp (132). */
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "amqp", &l), 2);
	CHECK_LIST(&l, 0, P(TCP, 5672, 5672), P(132, 5672, 5672));
	svc_list_release(&l);

	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "https", &l), 2);
	CHECK_LIST(&l, 0, P(TCP, 443, 443), P(UDP, 443, 443));
	svc_list_release(&l);
}

/* The reverse lookup the zone graph names ports with: the line's name,
 * never an alias; of two lines for one port, the first name in
 * alphabetical order; the protocol counts. */
static void test_svcdb_name_of(void)
{
	CU_ASSERT_STRING_EQUAL(svcdb_name_of(fixture_db, 6, 22), "ssh");
	CU_ASSERT_STRING_EQUAL(svcdb_name_of(fixture_db, 6, 80), "http");
	/* 8080/tcp: "webcache" (alias http-alt) and "http-alt" */
	CU_ASSERT_STRING_EQUAL(svcdb_name_of(fixture_db, 6, 8080), "http-alt");
	CU_ASSERT_STRING_EQUAL(svcdb_name_of(fixture_db, 17, 443), "https");
	CU_ASSERT_PTR_NULL(svcdb_name_of(fixture_db, 17, 80));
	CU_ASSERT_PTR_NULL(svcdb_name_of(fixture_db, 6, 65000));
}

static void test_svcdb_aliases(void)
{
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "www", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 80, 80));
	svc_list_release(&l);

	const char *krb[] = { "kerberos", "kerberos5", "krb5", "kerberos-sec" };
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, krb[i], &l), 2);
		CHECK_LIST(&l, 0, P(TCP, 88, 88), P(UDP, 88, 88));
		svc_list_release(&l);
	}

	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "null", &l), 2);
	CHECK_LIST(&l, 0, P(TCP, 9, 9), P(UDP, 9, 9));
	svc_list_release(&l);

	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "dccpt", &l), 1);
	CHECK_LIST(&l, 0, P(33, 5004, 5004));
	svc_list_release(&l);
}

static void test_svcdb_dedup(void)
{
	/* http-alt is both a name and an alias of webcache, same 8080/tcp. */
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "http-alt", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 8080, 8080));
	svc_list_release(&l);
}

static void test_svcdb_edges(void)
{
	struct svc_list l = { 0 };
	/* "9999/6#comment": numeric protocol, comment without a space. */
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "numeric", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 9999, 9999));
	svc_list_release(&l);

	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "zero", &l), 1);
	CHECK_LIST(&l, 0, P(UDP, 0, 0));
	svc_list_release(&l);

	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "top", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 65535, 65535));
	svc_list_release(&l);
}

static void test_svcdb_ddp_skipped(void)
{
	struct svc_list l = { 0 };
	/* rtmp exists only as 1/ddp; echo's 4/ddp line adds nothing. */
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "rtmp", &l), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "echo", &l), 2);
	CHECK_LIST(&l, 0, P(TCP, 7, 7), P(UDP, 7, 7));
	svc_list_release(&l);
}

static void test_svcdb_unknown(void)
{
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "nope", &l), 0);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "", &l), 0);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "SSH", &l), 0);
	/* Comment words and port/proto fields are not names. */
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "WorldWideWeb", &l), 0);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "#", &l), 0);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "22/tcp", &l), 0);
	/* Before and after every name in sort order. */
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "a", &l), 0);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "zzz", &l), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_PTR_NULL(l.v);
}

static void test_svcdb_appends(void)
{
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "ssh", &l), 1);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "domain", &l), 2);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "nope", &l), 0);
	CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "ssh", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 22, 22), P(TCP, 53, 53), P(UDP, 53, 53),
		   P(TCP, 22, 22));
	/* Enough lookups to make the list grow past its first capacity. */
	for (int i = 0; i < 20; i++)
		CU_ASSERT_EQUAL(svcdb_lookup(fixture_db, "kerberos", &l), 2);
	CU_ASSERT_EQUAL(l.n, 44);
	CU_ASSERT_EQUAL(l.v[43].proto, UDP);
	CU_ASSERT_EQUAL(l.v[43].lo, 88);
	svc_list_release(&l);
}

static void test_svcdb_foreach(void)
{
	struct names ns = { 0 };
	svcdb_foreach_name(fixture_db, collect_name, &ns);
	CHECK_NAMES(&ns, "amqp", "dccp-test", "dccpt", "discard", "domain",
		    "echo", "http", "http-alt", "https", "iax", "kerberos",
		    "kerberos-sec", "kerberos5", "krb5", "null", "numeric",
		    "sink", "ssh", "tcpmux", "top", "webcache", "www", "zero");
	names_free(&ns);
}

static void test_svcdb_crlf_and_empty(void)
{
	char err[256] = "";
	struct svcdb *db = svcdb_load(DATA "services-crlf", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(svcdb_lookup(db, "ssh", &l), 1);
	CU_ASSERT_EQUAL(svcdb_lookup(db, "domain", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 22, 22), P(UDP, 53, 53));
	svc_list_release(&l);
	svcdb_free(db);

	db = svcdb_load("/dev/null", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	CU_ASSERT_EQUAL(svcdb_lookup(db, "ssh", &l), 0);
	struct names ns = { 0 };
	svcdb_foreach_name(db, collect_name, &ns);
	CU_ASSERT_EQUAL(ns.n, 0);
	svcdb_free(db);

	svcdb_free(NULL);
}

/* ---- services(5): errors ---- */

static void check_load_error_at(int line, const char *path, const char *msg)
{
	char err[256] = "";
	struct svcdb *db = svcdb_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NULL(db);
	svcdb_free(db);
	check_msg_at(line, err, msg);
}
#define CHECK_LOAD_ERROR(path, msg) check_load_error_at(__LINE__, path, msg)

static void test_svcdb_errors(void)
{
	CHECK_LOAD_ERROR(DATA "no-such-file",
			 "cannot open tests/data/no-such-file: No such file or directory");
	CHECK_LOAD_ERROR(DATA "services-bad-port",
			 "tests/data/services-bad-port:2: bad port 'abc'");
	CHECK_LOAD_ERROR(DATA "services-bad-range",
			 "tests/data/services-bad-range:2: port '65536' out of range");
	CHECK_LOAD_ERROR(DATA "services-bad-hugeport",
			 "tests/data/services-bad-hugeport:2: port '99999999999999999999999' out of range");
	CHECK_LOAD_ERROR(DATA "services-bad-noproto",
			 "tests/data/services-bad-noproto:3: missing protocol in '22'");
	CHECK_LOAD_ERROR(DATA "services-bad-emptyproto",
			 "tests/data/services-bad-emptyproto:2: missing protocol in '22/'");
	CHECK_LOAD_ERROR(DATA "services-bad-proto",
			 "tests/data/services-bad-proto:2: unknown protocol 'xtp'");
	CHECK_LOAD_ERROR(DATA "services-bad-noport",
			 "tests/data/services-bad-noport:2: missing port for 'lonely'");
	CHECK_LOAD_ERROR(DATA "services-bad-portless",
			 "tests/data/services-bad-portless:1: protocol 'icmp' has no ports");
	CHECK_LOAD_ERROR(DATA "services-bad-nul",
			 "tests/data/services-bad-nul:2: NUL byte in line");
	/* A directory opens but cannot be read. */
	CHECK_LOAD_ERROR(DATA "firewalld",
			 "cannot open tests/data/firewalld: Is a directory");
}

static void test_svcdb_error_truncated(void)
{
	char err[8];
	memset(err, 'x', sizeof(err));
	CU_ASSERT_PTR_NULL(svcdb_load(DATA "services-bad-port", err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "tests/d");
	/* No buffer at all is allowed. */
	CU_ASSERT_PTR_NULL(svcdb_load(DATA "services-bad-port", NULL, 0));
}

/* ---- services(5): the system's /etc/services ---- */

static void test_svcdb_system(void)
{
	char err[256] = "";
	struct svcdb *db = svcdb_load("/etc/services", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(db);
	if (!db) {
		fprintf(stderr, "\n  /etc/services: %s\n", err);
		return;
	}
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(svcdb_lookup(db, "ssh", &l), 1);
	CHECK_LIST(&l, 0, P(TCP, 22, 22));
	svc_list_release(&l);

	CU_ASSERT_EQUAL(svcdb_lookup(db, "domain", &l), 2);
	CHECK_LIST(&l, 0, P(TCP, 53, 53), P(UDP, 53, 53));
	svc_list_release(&l);

	/* http is 80/tcp everywhere; some files also list 80/udp or sctp. */
	size_t n = svcdb_lookup(db, "http", &l);
	CU_ASSERT(n >= 1);
	CU_ASSERT_EQUAL(l.n, n);
	if (n >= 1) {
		CU_ASSERT_EQUAL(l.v[0].proto, TCP);
		CU_ASSERT_EQUAL(l.v[0].lo, 80);
		CU_ASSERT_EQUAL(l.v[0].hi, 80);
		CU_ASSERT_FALSE(l.v[0].any_port);
	}
	for (size_t i = 1; i < l.n; i++) {
		CU_ASSERT_EQUAL(l.v[i].lo, 80);
		CU_ASSERT(l.v[i].proto > l.v[i - 1].proto);
	}
	svc_list_release(&l);
	svcdb_free(db);
}

/* ---- firewalld ---- */

static void test_fw_simple(void)
{
	char err[256] = "";
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "http", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(TCP, 80, 80));
	svc_list_release(&l);

	/* <destination>, <source-port>, <helper> are ignored. */
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "mdns", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(UDP, 5353, 5353));
	svc_list_release(&l);
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "dhcpv6-client", &l, err,
					 sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(UDP, 546, 546));
	svc_list_release(&l);
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "samba-client", &l, err,
					 sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(UDP, 137, 137), P(UDP, 138, 138));
	svc_list_release(&l);
}

static void test_fw_override(void)
{
	char err[256] = "";
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "ssh", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(TCP, 2222, 2222));
	svc_list_release(&l);

	const char *const lib_only[] = { FWLIB, NULL };
	CU_ASSERT_EQUAL(firewalld_lookup(lib_only, "ssh", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(TCP, 22, 22));
	svc_list_release(&l);

	/* Order of dirs decides, not which one is called etc. */
	const char *const lib_first[] = { FWLIB, FWETC, NULL };
	CU_ASSERT_EQUAL(firewalld_lookup(lib_first, "ssh", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(TCP, 22, 22));
	svc_list_release(&l);

	/* Only in etc. */
	const char *const etc_only[] = { FWETC, NULL };
	CU_ASSERT_EQUAL(firewalld_lookup(etc_only, "mdns", &l, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(l.n, 0);
}

static void test_fw_range(void)
{
	char err[256] = "";
	struct svc_list l = { 0 };
	/* mosh includes ssh, which resolves through etc (2222) again. */
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "mosh", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(TCP, 2222, 2222), P(UDP, 60000, 61000));
	svc_list_release(&l);
}

static void test_fw_protocol(void)
{
	char err[256] = "";
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "igmp", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, ANY(2));
	svc_list_release(&l);

	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "ipsec", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(UDP, 500, 500), P(UDP, 4500, 4500), ANY(50), ANY(51));
	svc_list_release(&l);
}

static void test_fw_include(void)
{
	char err[256] = "";
	struct svc_list l = { 0 };
	/* samba lists 137/udp itself and through samba-client: once. */
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "samba", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(TCP, 139, 139), P(TCP, 445, 445), P(UDP, 137, 137),
		   P(UDP, 138, 138));
	svc_list_release(&l);

	/* etc/webapp.xml includes lib/http.xml. */
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "webapp", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(TCP, 80, 80), P(TCP, 443, 443), P(TCP, 8000, 8009),
		   P(UDP, 443, 443));
	svc_list_release(&l);
}

static void test_fw_appends(void)
{
	char err[256] = "";
	struct svc_list l = { 0 };
	svc_list_release(&l);
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "mdns", &l, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "samba", &l, err, sizeof(err)), 1);
	/* Earlier entries stay first: only the new ones are sorted. */
	CHECK_LIST(&l, 0, P(UDP, 5353, 5353), P(TCP, 139, 139), P(TCP, 445, 445),
		   P(UDP, 137, 137), P(UDP, 138, 138));
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "mdns", &l, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(l.n, 6);
	svc_list_release(&l);
}

static void test_fw_not_found(void)
{
	char err[256] = "untouched";
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "no-such-service", &l, err,
					 sizeof(err)), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_STRING_EQUAL(err, "untouched");

	/* Missing directories, and a file used as a directory, are skipped. */
	const char *const odd[] = { FWDIR "missing", DATA "services", FWLIB, NULL };
	CU_ASSERT_EQUAL(firewalld_lookup(odd, "ssh", &l, err, sizeof(err)), 1);
	CHECK_LIST(&l, 0, P(TCP, 22, 22));
	svc_list_release(&l);

	const char *const none[] = { NULL };
	CU_ASSERT_EQUAL(firewalld_lookup(none, "ssh", &l, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(l.n, 0);
}

/* Lookup must fail with msg and leave the one entry already in the list. */
static void check_fw_error_at(int line, const char *name, const char *msg)
{
	char err[256] = "";
	struct svc_list l = { 0 };
	VEC_PUSH(l.v, l.n, l.cap);
	l.v[l.n++] = P(TCP, 1, 1);
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, name, &l, err, sizeof(err)), -1);
	check_msg_at(line, err, msg);
	check_list_at(line, &l, 0, &P(TCP, 1, 1), 1);
	svc_list_release(&l);
}
#define CHECK_FW_ERROR(name, msg) check_fw_error_at(__LINE__, name, msg)

static void test_fw_bad_xml(void)
{
	CHECK_FW_ERROR("broken",
		       "tests/data/firewalld/lib/broken.xml:5: Opening and ending tag mismatch: service line 2 and servic");
	/* The included file is named; what the includer added is dropped. */
	CHECK_FW_ERROR("includes-broken",
		       "tests/data/firewalld/lib/broken.xml:5: Opening and ending tag mismatch: service line 2 and servic");
	CHECK_FW_ERROR("wrong-root",
		       "tests/data/firewalld/lib/wrong-root.xml:2: root element is <zone>, expected <service>");
}

static void test_fw_bad_attrs(void)
{
	CHECK_FW_ERROR("bad-port",
		       "tests/data/firewalld/lib/bad-port.xml:5: port '70000' out of range");
	CHECK_FW_ERROR("bad-port-text",
		       "tests/data/firewalld/lib/bad-port-text.xml:4: bad port 'http'");
	CHECK_FW_ERROR("bad-range",
		       "tests/data/firewalld/lib/bad-range.xml:4: bad port range '61000-60000'");
	CHECK_FW_ERROR("bad-proto",
		       "tests/data/firewalld/lib/bad-proto.xml:4: unknown protocol 'tpc'");
	CHECK_FW_ERROR("bad-portless",
		       "tests/data/firewalld/lib/bad-portless.xml:4: protocol 'icmp' has no ports");
	CHECK_FW_ERROR("bad-protocol-value",
		       "tests/data/firewalld/lib/bad-protocol-value.xml:4: unknown protocol 'vrrpp'");
	CHECK_FW_ERROR("missing-attr",
		       "tests/data/firewalld/lib/missing-attr.xml:4: <port> without port attribute");
}

static void test_fw_bad_include(void)
{
	CHECK_FW_ERROR("include-missing",
		       "tests/data/firewalld/lib/include-missing.xml:4: included service 'no-such-service' not found");
	CHECK_FW_ERROR("include-path",
		       "tests/data/firewalld/lib/include-path.xml:4: bad service name '../etc/ssh'");
}

static void test_fw_cycle(void)
{
	CHECK_FW_ERROR("loop-a",
		       "tests/data/firewalld/lib/loop-b.xml:5: include cycle: loop-a -> loop-b -> loop-a");
	CHECK_FW_ERROR("loop-b",
		       "tests/data/firewalld/lib/loop-a.xml:5: include cycle: loop-b -> loop-a -> loop-b");
	CHECK_FW_ERROR("self-include",
		       "tests/data/firewalld/lib/self-include.xml:4: include cycle: self-include -> self-include");
}

static void test_fw_bad_name(void)
{
	/* lib/.hidden.xml exists: the name is refused before any lookup. */
	CHECK_FW_ERROR(".hidden", "bad service name '.hidden'");
	CHECK_FW_ERROR("../lib/ssh", "bad service name '../lib/ssh'");
	CHECK_FW_ERROR("lib/ssh", "bad service name 'lib/ssh'");
	CHECK_FW_ERROR("", "bad service name ''");
}

static void test_fw_error_no_buffer(void)
{
	struct svc_list l = { 0 };
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "loop-a", &l, NULL, 0), -1);
	CU_ASSERT_EQUAL(l.n, 0);
	char err[12];
	CU_ASSERT_EQUAL(firewalld_lookup(fw_dirs, "broken", &l, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "tests/data/");
	CU_ASSERT_EQUAL(l.n, 0);
	svc_list_release(&l);
}

static void test_fw_foreach(void)
{
	const char *const dirs[] = { FWETC, FWDIR "missing", FWLIB, NULL };
	struct names ns = { 0 };
	firewalld_foreach_name(dirs, collect_name, &ns);
	/* Sorted, ssh once although in etc and lib; no README, no .hidden. */
	CHECK_NAMES(&ns, "bad-port", "bad-port-text", "bad-portless",
		    "bad-proto", "bad-protocol-value", "bad-range", "broken",
		    "dhcpv6-client", "http", "igmp", "include-missing",
		    "include-path", "includes-broken", "ipsec", "loop-a",
		    "loop-b", "mdns", "missing-attr", "mosh", "samba",
		    "samba-client", "self-include", "ssh", "webapp",
		    "wrong-root");
	names_free(&ns);

	const char *const etc_only[] = { FWETC, NULL };
	firewalld_foreach_name(etc_only, collect_name, &ns);
	CHECK_NAMES(&ns, "ssh", "webapp");
	names_free(&ns);

	const char *const nothing[] = { FWDIR "missing", NULL };
	firewalld_foreach_name(nothing, collect_name, &ns);
	CU_ASSERT_EQUAL(ns.n, 0);
	names_free(&ns);
}

/* ---- main ---- */

struct test {
	const char *name;
	CU_TestFunc fn;
};

static bool add_suite(const char *name, CU_InitializeFunc init,
		      CU_CleanupFunc clean, const struct test *t)
{
	CU_pSuite s = CU_add_suite(name, init, clean);
	if (!s)
		return false;
	for (; t->name; t++)
		if (!CU_add_test(s, t->name, t->fn))
			return false;
	return true;
}

int main(void)
{
	static const struct test proto_tests[] = {
		{ "proto_by_name", test_proto_by_name },
		{ "proto_name", test_proto_name },
		{ NULL, NULL },
	};
	static const struct test svcdb_tests[] = {
		{ "single", test_svcdb_single },
		{ "multi_proto", test_svcdb_multi_proto },
		{ "aliases", test_svcdb_aliases },
		{ "name_of", test_svcdb_name_of },
		{ "dedup", test_svcdb_dedup },
		{ "edges", test_svcdb_edges },
		{ "ddp_skipped", test_svcdb_ddp_skipped },
		{ "unknown", test_svcdb_unknown },
		{ "appends", test_svcdb_appends },
		{ "foreach", test_svcdb_foreach },
		{ NULL, NULL },
	};
	static const struct test svcdb_other_tests[] = {
		{ "crlf_and_empty", test_svcdb_crlf_and_empty },
		{ "errors", test_svcdb_errors },
		{ "error_truncated", test_svcdb_error_truncated },
		{ "system_etc_services", test_svcdb_system },
		{ NULL, NULL },
	};
	static const struct test fw_tests[] = {
		{ "simple", test_fw_simple },
		{ "override", test_fw_override },
		{ "range", test_fw_range },
		{ "protocol", test_fw_protocol },
		{ "include", test_fw_include },
		{ "appends", test_fw_appends },
		{ "not_found", test_fw_not_found },
		{ "bad_xml", test_fw_bad_xml },
		{ "bad_attrs", test_fw_bad_attrs },
		{ "bad_include", test_fw_bad_include },
		{ "cycle", test_fw_cycle },
		{ "bad_name", test_fw_bad_name },
		{ "error_no_buffer", test_fw_error_no_buffer },
		{ "foreach", test_fw_foreach },
		{ NULL, NULL },
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (!add_suite("protocols", NULL, NULL, proto_tests) ||
	    !add_suite("svcdb", svcdb_suite_init, svcdb_suite_clean,
		       svcdb_tests) ||
	    !add_suite("svcdb_files", NULL, NULL, svcdb_other_tests) ||
	    !add_suite("firewalld", NULL, NULL, fw_tests)) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() +
		CU_get_number_of_suites_failed() +
		CU_get_number_of_tests_failed();
	bool err = CU_get_error() != CUE_SUCCESS;
	CU_cleanup_registry();
	xmlCleanupParser();
	return failed || err ? 1 : 0;
}
