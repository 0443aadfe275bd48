/*
 * test_import.c: CUnit tests for the iptables-save importer
 * (compiler/import.c, import_dump()).
 *
 * Each case writes a small dump into a private temporary directory
 * (mkdtemp/mkstemp under /tmp), imports it and checks the IR structurally:
 * chains (names, the dump's names, tables, hooks, policies), rules (count,
 * family, source line, match kinds in order and their values, action).
 * Error cases check that import_dump() returns NULL with located errors
 * queued. tests/import.sh holds the same importer to golden IR dumps; this
 * file checks the values behind them (sets, masks, state bits).
 *
 * Run from the repository root.
 */
#include "diag.h"
#include "import.h"
#include "ir.h"
#include "source.h"
#include "testutil.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IP4(a, b, c, d) \
	((u128)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
		((uint32_t)(c) << 8) | (uint32_t)(d)))

/* The usual head of a filter table. */
#define FILTER_HEAD "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n" \
		    ":OUTPUT ACCEPT [0:0]\n"

/* ---- temporary files ---- */

static char tmpdir[] = "/tmp/fwc-test-import-XXXXXX";
static char *made[256];
static size_t nmade;
static char *last_path;         /* the dump imported last */

static char *put_dump(const char *text)
{
	char *p = xasprintf("%s/dump-XXXXXX", tmpdir);
	int fd = mkstemp(p);
	CU_ASSERT_FATAL(fd >= 0);
	size_t n = strlen(text);
	CU_ASSERT_FATAL(write(fd, text, n) == (ssize_t)n);
	CU_ASSERT_FATAL(close(fd) == 0);
	CU_ASSERT_FATAL(nmade < sizeof(made) / sizeof(made[0]));
	made[nmade++] = p;
	return p;
}

static int suite_init(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	return 0;
}

static int suite_clean(void)
{
	diag_free_all();
	src_free_all();
	for (size_t i = 0; i < nmade; i++) {
		unlink(made[i]);
		free(made[i]);
	}
	nmade = 0;
	rmdir(tmpdir);
	return 0;
}

/* ---- checking helpers ---- */

static void reset(void)
{
	diag_free_all();
	src_free_all();
}

static struct ir *import_at(int line, const char *text, int family)
{
	reset();
	last_path = put_dump(text);
	struct ir *ir = import_dump(last_path, family, DUMP_NONE, NULL);
	if (!ir || diag_count(DIAG_ERROR)) {
		char *d = diag_text();
		check_at(line, false, "import failed:\n%s", d);
		free(d);
	}
	return ir;
}

/* Import text (family from the dump); a failure stops the test. */
#define IMPORT(text) ({                                                   \
		struct ir *ir_ = import_at(__LINE__, (text), 0);          \
		CU_ASSERT_PTR_NOT_NULL_FATAL(ir_);                        \
		ir_;                                                      \
	})
#define IMPORT_FAMILY(text, fam) ({                                       \
		struct ir *ir_ = import_at(__LINE__, (text), (fam));      \
		CU_ASSERT_PTR_NOT_NULL_FATAL(ir_);                        \
		ir_;                                                      \
	})

static void done(struct ir *ir)
{
	ir_free(ir);
	reset();
}

/* The dump must be refused with an error whose text holds want ("LINE:COL:
 * error: msg", matched after the file name). */
#define FAILS(text, want) do {                                            \
		reset();                                                  \
		last_path = put_dump(text);                               \
		struct ir *ir_ = import_dump(last_path, 0, DUMP_NONE, NULL); \
		check_at(__LINE__, ir_ == NULL, "import did not fail");   \
		check_at(__LINE__, diag_count(DIAG_ERROR) > 0, "no error queued"); \
		ir_free(ir_);                                             \
		char *d_ = diag_text();                                   \
		char *w_ = xasprintf("%s:%s", last_path, (want));         \
		check_at(__LINE__, strstr(d_, w_) != NULL,                \
			 "diagnostics lack '%s'; got:\n%s", w_, d_);        \
		free(w_);                                                 \
		free(d_);                                                 \
		reset();                                                  \
	} while (0)

static const char *const mkind_names[] = {
	"IIF", "OIF", "SADDR", "DADDR", "SSET", "DSET", "PROTO", "SPORT",
	"DPORT", "ICMP_TYPE", "CTSTATE", "MARK", "CONNMARK", "UID", "TCPFLAGS",
	"FRAGMENT", "LIMIT", "CONNLIMIT", "RECENT", "NTH", "UNKNOWN",
};

static void kinds_str(const struct ir_rule *r, char *buf, size_t n)
{
	buf[0] = '\0';
	size_t off = 0;
	for (size_t i = 0; i < r->nm && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s", i ? " " : "",
					r->m[i].kind <= M_UNKNOWN
					? mkind_names[r->m[i].kind] : "?");
}

/* The rule's match kinds in order, e.g. "PROTO DPORT". */
static void kinds_at(int line, const struct ir_rule *r, const char *want)
{
	char got[512];
	kinds_str(r, got, sizeof(got));
	check_at(line, !strcmp(got, want), "matches are '%s', expected '%s'", got, want);
}
#define KINDS(r, want) kinds_at(__LINE__, (r), (want))

/* Chain by IR name (any table); the test stops when it is missing. */
static struct ir_chain *chain_at(int line, struct ir *ir, const char *name)
{
	for (size_t i = 0; i < ir->nchains; i++)
		if (!strcmp(ir->chains[i]->name, name))
			return ir->chains[i];
	check_at(line, false, "no chain '%s'", name);
	return NULL;
}
#define CHAIN(ir, name) ({                                                \
		struct ir_chain *c_ = chain_at(__LINE__, (ir), (name));   \
		CU_ASSERT_PTR_NOT_NULL_FATAL(c_);                         \
		c_;                                                       \
	})

/* Rule i of a chain that must have n rules. */
static struct ir_rule *rule_at(int line, const struct ir_chain *c, size_t n, size_t i)
{
	check_at(line, c->n == n, "chain %s has %zu rules, expected %zu", c->name, c->n, n);
	return i < c->n ? c->rules[i] : NULL;
}
#define RULE(c, n, i) ({                                                  \
		struct ir_rule *r_ = rule_at(__LINE__, (c), (n), (i));    \
		CU_ASSERT_PTR_NOT_NULL_FATAL(r_);                         \
		r_;                                                       \
	})

/* The match of a kind (the first); the test stops when there is none. */
#define MATCH(r, k) ({                                                    \
		const struct ir_match *m_ = ir_rule_match((r), (k));      \
		check_at(__LINE__, m_ != NULL, "no match %s", mkind_names[k]); \
		CU_ASSERT_PTR_NOT_NULL_FATAL(m_);                         \
		m_;                                                       \
	})

/* A set must be exactly [lo1,hi1] (, [lo2,hi2]): n ranges. */
static void set_at(int line, const struct iset *s, size_t n, u128 lo1, u128 hi1, u128 lo2,
		   u128 hi2)
{
	check_at(line, s->n == n, "set has %zu ranges, expected %zu", s->n, n);
	if (s->n >= 1)
		check_at(line, s->r[0].lo == lo1 && s->r[0].hi == hi1, "first range differs");
	if (n >= 2 && s->n >= 2)
		check_at(line, s->r[1].lo == lo2 && s->r[1].hi == hi2, "second range differs");
}
#define SET1(s, lo, hi) set_at(__LINE__, (s), 1, (lo), (hi), 0, 0)
#define SET2(s, lo1, hi1, lo2, hi2) set_at(__LINE__, (s), 2, (lo1), (hi1), (lo2), (hi2))

/* ---- tests ---- */

static void test_chains_and_policies(void)
{
	struct ir *ir = IMPORT("# Generated by iptables-save v1.8.9 on Mon Jan  6 10:00:00 2025\n"
			       "*filter\n"
			       ":INPUT DROP [12:3456]\n"
			       ":FORWARD DROP [0:0]\n"
			       ":OUTPUT ACCEPT [0:0]\n"
			       ":svc - [0:0]\n"
			       "-A INPUT -i lo -j ACCEPT\n"            /* 7 */
			       "-A INPUT -p tcp -j svc\n"              /* 8 */
			       "-A INPUT -i eth1 -g svc\n"             /* 9 */
			       "-A svc -p tcp -m tcp --dport 22 -j ACCEPT\n"
			       "-A svc -j RETURN\n"
			       "COMMIT\n");
	CU_ASSERT_EQUAL(ir->family, 4);
	CU_ASSERT_EQUAL(ir->nchains, 4);
	CU_ASSERT_EQUAL(ir->nrules, 5);
	struct ir_chain *in = CHAIN(ir, "input"), *fw = CHAIN(ir, "forward"),
			*out = CHAIN(ir, "output"), *svc = CHAIN(ir, "svc");
	CU_ASSERT_EQUAL(in->table, TBL_FILTER);
	CU_ASSERT_EQUAL(in->hook, HOOK_INPUT);
	CU_ASSERT_EQUAL(in->policy, ACT_DROP);
	CU_ASSERT_EQUAL(fw->hook, HOOK_FORWARD);
	CU_ASSERT_EQUAL(fw->policy, ACT_DROP);
	CU_ASSERT_EQUAL(out->hook, HOOK_OUTPUT);
	CU_ASSERT_EQUAL(out->policy, ACT_ACCEPT);
	CU_ASSERT_EQUAL(svc->hook, HOOK_NONE);
	CU_ASSERT_PTR_NULL(svc->ipt_name);
	CU_ASSERT(svc->used);
	CU_ASSERT_EQUAL(fw->n, 0);

	struct ir_rule *r = RULE(in, 3, 0);
	CU_ASSERT_EQUAL(r->family, 4);
	CU_ASSERT_EQUAL(r->loc.line, 7);
	KINDS(r, "IIF");
	const struct ir_match *m = MATCH(r, M_IIF);
	CU_ASSERT_EQUAL(m->nnames, 1);
	CU_ASSERT_STRING_EQUAL(m->names[0], "lo");
	CU_ASSERT_FALSE(m->neg);
	CU_ASSERT_EQUAL(r->act.kind, ACT_ACCEPT);

	r = RULE(in, 3, 1);
	CU_ASSERT_EQUAL(r->loc.line, 8);
	KINDS(r, "PROTO");
	CU_ASSERT_EQUAL(MATCH(r, M_PROTO)->proto, 6);
	CU_ASSERT_EQUAL(r->act.kind, ACT_JUMP);
	CU_ASSERT_PTR_EQUAL(r->act.target, svc);

	r = RULE(in, 3, 2);
	CU_ASSERT_EQUAL(r->act.kind, ACT_GOTO);
	CU_ASSERT_PTR_EQUAL(r->act.target, svc);

	r = RULE(svc, 2, 0);
	KINDS(r, "PROTO DPORT");
	SET1(&MATCH(r, M_DPORT)->set, 22, 22);
	CU_ASSERT_EQUAL(RULE(svc, 2, 1)->act.kind, ACT_RETURN);
	done(ir);
}

static void test_addresses(void)
{
	struct ir *ir = IMPORT(FILTER_HEAD
			       "-A INPUT ! -s 10.0.0.0/8 -j DROP\n"
			       "-A INPUT -s 192.168.1.77/255.255.255.0 -d 192.0.2.1/32 -j ACCEPT\n"
			       "-A INPUT -s 0.0.0.0/0 -j ACCEPT\n"
			       "-A INPUT -m iprange --src-range 192.0.2.10-192.0.2.20 -j ACCEPT\n"
			       "-A INPUT ! -i eth+ -o ppp0 -j ACCEPT\n"
			       "COMMIT\n");
	struct ir_chain *in = CHAIN(ir, "input");
	/* ! -s 10.0.0.0/8: the complement, as a positive set */
	struct ir_rule *r = RULE(in, 5, 0);
	KINDS(r, "SADDR");
	const struct ir_match *m = MATCH(r, M_SADDR);
	CU_ASSERT_FALSE(m->neg);
	CU_ASSERT_EQUAL(m->set.bits, 32);
	SET2(&m->set, 0, IP4(9, 255, 255, 255), IP4(11, 0, 0, 0), IP4(255, 255, 255, 255));
	struct iset ten, comp;
	iset_init(&ten, 32);
	iset_add_prefix(&ten, IP4(10, 0, 0, 0), 8);
	iset_normalize(&ten);
	iset_init(&comp, 32);
	iset_complement(&comp, &ten);
	CU_ASSERT(iset_equal(&m->set, &comp));
	iset_release(&ten);
	iset_release(&comp);

	/* a dotted netmask; the host bits cleared */
	r = RULE(in, 5, 1);
	KINDS(r, "SADDR DADDR");
	SET1(&MATCH(r, M_SADDR)->set, IP4(192, 168, 1, 0), IP4(192, 168, 1, 255));
	SET1(&MATCH(r, M_DADDR)->set, IP4(192, 0, 2, 1), IP4(192, 0, 2, 1));

	/* /0 is no condition */
	KINDS(RULE(in, 5, 2), "");

	r = RULE(in, 5, 3);
	KINDS(r, "SADDR");
	SET1(&MATCH(r, M_SADDR)->set, IP4(192, 0, 2, 10), IP4(192, 0, 2, 20));

	r = RULE(in, 5, 4);
	KINDS(r, "IIF OIF");
	m = MATCH(r, M_IIF);
	CU_ASSERT(m->neg);
	CU_ASSERT_STRING_EQUAL(m->names[0], "eth+");
	m = MATCH(r, M_OIF);
	CU_ASSERT_FALSE(m->neg);
	CU_ASSERT_STRING_EQUAL(m->names[0], "ppp0");
	done(ir);
}

static void test_tcp_flags_and_states(void)
{
	struct ir *ir = IMPORT(FILTER_HEAD
			       "-A INPUT -p tcp -m tcp --syn -j ACCEPT\n"
			       "-A INPUT -m state ! --state NEW -j ACCEPT\n"
			       "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
			       "-A INPUT -p tcp -m tcp --tcp-flags ALL NONE -j DROP\n"
			       "-A INPUT -p tcp -m tcp ! --syn -j DROP\n"
			       "-A INPUT -p tcp -m state --state NEW --dport 22 -j ACCEPT\n"
			       "COMMIT\n");
	struct ir_chain *in = CHAIN(ir, "input");
	/* --syn: FIN,SYN,RST,ACK must be SYN */
	struct ir_rule *r = RULE(in, 6, 0);
	KINDS(r, "PROTO TCPFLAGS");
	const struct ir_match *m = MATCH(r, M_TCPFLAGS);
	CU_ASSERT_EQUAL(m->mask, TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_ACK);
	CU_ASSERT_EQUAL(m->value, TCPF_SYN);

	/* ! --state NEW: the other four states */
	r = RULE(in, 6, 1);
	KINDS(r, "CTSTATE");
	CU_ASSERT_EQUAL(MATCH(r, M_CTSTATE)->state,
			CT_ESTABLISHED | CT_RELATED | CT_INVALID | CT_UNTRACKED);
	CU_ASSERT_FALSE(MATCH(r, M_CTSTATE)->neg);

	r = RULE(in, 6, 2);
	CU_ASSERT_EQUAL(MATCH(r, M_CTSTATE)->state, CT_ESTABLISHED | CT_RELATED);

	r = RULE(in, 6, 3);
	m = MATCH(r, M_TCPFLAGS);
	CU_ASSERT_EQUAL(m->mask, 0x3f);
	CU_ASSERT_EQUAL(m->value, 0);

	/* ! --syn is not modelled: kept as text */
	r = RULE(in, 6, 4);
	KINDS(r, "PROTO UNKNOWN");
	m = MATCH(r, M_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(m->str, "-m tcp ! --syn");
	CU_ASSERT_STRING_EQUAL(m->module, "tcp");

	/* --dport after -m state belongs to the implicit tcp match */
	r = RULE(in, 6, 5);
	KINDS(r, "PROTO DPORT CTSTATE");
	SET1(&MATCH(r, M_DPORT)->set, 22, 22);
	CU_ASSERT_EQUAL(MATCH(r, M_CTSTATE)->state, CT_NEW);
	done(ir);
}

static void test_ports_and_icmp(void)
{
	struct ir *ir = IMPORT(FILTER_HEAD
			       "-A INPUT -p tcp -m tcp ! --dport 1:1023 -j ACCEPT\n"
			       "-A INPUT -p udp -m multiport --dports 53,67:68,123 -j ACCEPT\n"
			       "-A INPUT -p icmp -m icmp --icmp-type echo-request -j ACCEPT\n"
			       "-A INPUT -p icmp -m icmp --icmp-type 3/4 -j ACCEPT\n"
			       "-A INPUT ! -p udp -f -j DROP\n"
			       "COMMIT\n");
	struct ir_chain *in = CHAIN(ir, "input");
	struct ir_rule *r = RULE(in, 5, 0);
	KINDS(r, "PROTO DPORT");
	SET2(&MATCH(r, M_DPORT)->set, 0, 0, 1024, 65535);

	r = RULE(in, 5, 1);
	KINDS(r, "PROTO DPORT");
	CU_ASSERT_EQUAL(MATCH(r, M_PROTO)->proto, 17);
	const struct iset *s = &MATCH(r, M_DPORT)->set;
	CU_ASSERT_EQUAL(s->n, 3);
	CU_ASSERT(iset_contains(s, 53) && iset_contains(s, 67) && iset_contains(s, 68) &&
		  iset_contains(s, 123));
	CU_ASSERT_FALSE(iset_contains(s, 66) || iset_contains(s, 69));

	r = RULE(in, 5, 2);
	KINDS(r, "PROTO ICMP_TYPE");
	CU_ASSERT_EQUAL(MATCH(r, M_PROTO)->proto, 1);
	CU_ASSERT_EQUAL(MATCH(r, M_ICMP_TYPE)->icmp_type, 8);

	/* a type with a code: text */
	r = RULE(in, 5, 3);
	KINDS(r, "PROTO UNKNOWN");
	CU_ASSERT_STRING_EQUAL(MATCH(r, M_UNKNOWN)->str, "-m icmp --icmp-type 3/4");

	r = RULE(in, 5, 4);
	KINDS(r, "PROTO FRAGMENT");
	CU_ASSERT(MATCH(r, M_PROTO)->neg);
	CU_ASSERT_EQUAL(MATCH(r, M_PROTO)->proto, 17);
	CU_ASSERT_FALSE(MATCH(r, M_FRAGMENT)->neg);
	done(ir);
}

static void test_marks(void)
{
	struct ir *ir = IMPORT("*mangle\n"
			       ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
			       ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
			       ":POSTROUTING ACCEPT [0:0]\n"
			       "-A PREROUTING -j MARK --set-mark 0x1/0xff\n"
			       "-A PREROUTING -j MARK --or-mark 4\n"
			       "-A PREROUTING -j MARK --and-mark 0xf0\n"
			       "-A PREROUTING -j MARK --xor-mark 0x8\n"
			       "-A PREROUTING -j MARK --set-xmark 0x2/0xff\n"
			       "-A PREROUTING -j MARK --set-mark 0x3\n"
			       "-A PREROUTING -m mark ! --mark 0x10/0xf0 -j CONNMARK --save-mark\n"
			       "-A PREROUTING -m connmark --mark 0x4 -j CONNMARK --restore-mark\n"
			       "-A PREROUTING -j CONNMARK --set-mark 0x20/0xf0\n"
			       "COMMIT\n");
	struct ir_chain *pre = CHAIN(ir, "mangle-prerouting");
	CU_ASSERT_EQUAL(pre->table, TBL_MANGLE);
	CU_ASSERT_EQUAL(pre->hook, HOOK_PREROUTING);
	static const struct { uint32_t mark, mask; } want[] = {
		{ 0x1, 0xff },                /* (mark & ~0xff) | 1 */
		{ 0x4, 0x4 },                 /* mark | 4 */
		{ 0x0, 0xffffff0f },          /* mark & 0xf0 */
		{ 0x8, 0x0 },                 /* mark ^ 8 */
		{ 0x2, 0xff },
		{ 0x3, 0xffffffff },
	};
	for (size_t i = 0; i < 6; i++) {
		const struct ir_rule *r = RULE(pre, 9, i);
		check_at(__LINE__, r->act.kind == ACT_MARK, "rule %zu: not a mark", i);
		check_at(__LINE__, r->act.mark == want[i].mark && r->act.mask == want[i].mask,
			 "rule %zu: mark 0x%x/0x%x, expected 0x%x/0x%x", i, r->act.mark,
			 r->act.mask, want[i].mark, want[i].mask);
	}
	struct ir_rule *r = RULE(pre, 9, 6);
	const struct ir_match *m = MATCH(r, M_MARK);
	CU_ASSERT(m->neg);
	CU_ASSERT_EQUAL(m->value, 0x10);
	CU_ASSERT_EQUAL(m->mask, 0xf0);
	CU_ASSERT_EQUAL(r->act.kind, ACT_CONNMARK);
	CU_ASSERT_EQUAL(r->act.cm, CM_SAVE);

	r = RULE(pre, 9, 7);
	m = MATCH(r, M_CONNMARK);
	CU_ASSERT_FALSE(m->neg);
	CU_ASSERT_EQUAL(m->value, 0x4);
	CU_ASSERT_EQUAL(m->mask, 0xffffffff);
	CU_ASSERT_EQUAL(r->act.cm, CM_RESTORE);

	r = RULE(pre, 9, 8);
	CU_ASSERT_EQUAL(r->act.kind, ACT_CONNMARK);
	CU_ASSERT_EQUAL(r->act.cm, CM_SET);
	CU_ASSERT_EQUAL(r->act.mark, 0x20);
	CU_ASSERT_EQUAL(r->act.mask, 0xf0);
	done(ir);
}

static void test_targets(void)
{
	struct ir *ir = IMPORT("*nat\n"
			       ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
			       ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
			       "-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.10:80\n"
			       "-A PREROUTING -p tcp -m tcp --dport 443 -j DNAT --to-destination 192.168.1.20-192.168.1.22\n"
			       "-A PREROUTING -p tcp -m tcp --dport 3128 -j REDIRECT --to-ports 3000-3010\n"
			       "-A POSTROUTING -o eth0 -j MASQUERADE\n"
			       "-A POSTROUTING -o eth1 -j SNAT --to-source 203.0.113.1\n"
			       "COMMIT\n"
			       FILTER_HEAD
			       "-A INPUT -j REJECT --reject-with icmp-host-prohibited\n"
			       "-A INPUT -j REJECT --reject-with icmp-port-unreachable\n"
			       "-A INPUT -j LOG --log-prefix \"in: \" --log-level 6 --log-uid\n"
			       "-A INPUT -p icmp\n"
			       "-A INPUT -j NFQUEUE --queue-num 3\n"
			       "COMMIT\n");
	struct ir_chain *pre = CHAIN(ir, "nat-prerouting"), *post = CHAIN(ir, "nat-postrouting");
	struct ir_rule *r = RULE(pre, 3, 0);
	CU_ASSERT_EQUAL(r->act.kind, ACT_DNAT);
	CU_ASSERT(r->act.has_addr);
	CU_ASSERT(r->act.addr == IP4(192, 168, 1, 10));
	CU_ASSERT_EQUAL(r->act.port_lo, 80);
	CU_ASSERT_EQUAL(r->act.port_hi, 80);

	/* an address range is more than fwc's DNAT: text, terminal */
	r = RULE(pre, 3, 1);
	CU_ASSERT_EQUAL(r->act.kind, ACT_OTHER);
	CU_ASSERT_STRING_EQUAL(r->act.text, "DNAT --to-destination 192.168.1.20-192.168.1.22");
	CU_ASSERT_EQUAL(r->act.ov, OV_ACCEPT);

	r = RULE(pre, 3, 2);
	CU_ASSERT_EQUAL(r->act.kind, ACT_REDIRECT);
	CU_ASSERT_FALSE(r->act.has_addr);
	CU_ASSERT_EQUAL(r->act.port_lo, 3000);
	CU_ASSERT_EQUAL(r->act.port_hi, 3010);

	CU_ASSERT_EQUAL(RULE(post, 2, 0)->act.kind, ACT_MASQUERADE);
	r = RULE(post, 2, 1);
	CU_ASSERT_EQUAL(r->act.kind, ACT_SNAT);
	CU_ASSERT(r->act.addr == IP4(203, 0, 113, 1));
	CU_ASSERT_EQUAL(r->act.port_lo, -1);

	struct ir_chain *in = CHAIN(ir, "input");
	r = RULE(in, 5, 0);
	CU_ASSERT_EQUAL(r->act.kind, ACT_REJECT);
	CU_ASSERT_STRING_EQUAL(r->act.reject_with, "host-prohibited");
	/* port-unreachable is REJECT's default: no reject_with */
	r = RULE(in, 5, 1);
	CU_ASSERT_EQUAL(r->act.kind, ACT_REJECT);
	CU_ASSERT_PTR_NULL(r->act.reject_with);

	r = RULE(in, 5, 2);
	CU_ASSERT_EQUAL(r->act.kind, ACT_LOG);
	CU_ASSERT_STRING_EQUAL(r->act.log_prefix, "in: ");
	CU_ASSERT_EQUAL(r->act.log_level, 6);
	CU_ASSERT_EQUAL(r->act.log_flags, LOGF_UID);

	/* no target: counted only, the packet goes on */
	r = RULE(in, 5, 3);
	CU_ASSERT_EQUAL(r->act.kind, ACT_OTHER);
	CU_ASSERT_PTR_NULL(r->act.text);
	CU_ASSERT_EQUAL(r->act.ov, OV_CONTINUE);

	r = RULE(in, 5, 4);
	CU_ASSERT_EQUAL(r->act.kind, ACT_OTHER);
	CU_ASSERT_STRING_EQUAL(r->act.text, "NFQUEUE --queue-num 3");
	CU_ASSERT_STRING_EQUAL(r->act.nft, "queue num 3");
	CU_ASSERT_EQUAL(r->act.ov, OV_ACCEPT);
	CU_ASSERT_EQUAL(diag_count(DIAG_WARNING), 0);
	done(ir);
}

static void test_rates(void)
{
	struct ir *ir = IMPORT(FILTER_HEAD
			       "-A INPUT -m limit --limit 10/min --limit-burst 20 -j ACCEPT\n"
			       "-A INPUT -p tcp -m connlimit --connlimit-above 20 --connlimit-mask 32 --connlimit-saddr -j DROP\n"
			       "-A INPUT -m recent --update --seconds 60 --hitcount 4 --name SSH --mask 255.255.255.255 --rsource -j DROP\n"
			       "-A INPUT -m statistic --mode nth --every 3 --packet 1 -j ACCEPT\n"
			       "-A OUTPUT -m owner --uid-owner 33 -j ACCEPT\n"
			       "COMMIT\n");
	struct ir_chain *in = CHAIN(ir, "input");
	const struct ir_match *m = MATCH(RULE(in, 4, 0), M_LIMIT);
	CU_ASSERT_EQUAL(m->rate, 10);
	CU_ASSERT_EQUAL(m->unit, RATE_MINUTE);
	CU_ASSERT_EQUAL(m->burst, 20);

	m = MATCH(RULE(in, 4, 1), M_CONNLIMIT);
	CU_ASSERT_EQUAL(m->n1, 20);
	CU_ASSERT(m->neg);                 /* above */
	CU_ASSERT_EQUAL(m->per, PER_SOURCE);

	m = MATCH(RULE(in, 4, 2), M_RECENT);
	CU_ASSERT_EQUAL(m->recent, RECENT_UPDATE);
	CU_ASSERT_STRING_EQUAL(m->str, "SSH");
	CU_ASSERT_EQUAL(m->n1, 4);
	CU_ASSERT_EQUAL(m->n2, 60);

	m = MATCH(RULE(in, 4, 3), M_NTH);
	CU_ASSERT_EQUAL(m->n1, 3);
	CU_ASSERT_EQUAL(m->n2, 1);

	m = MATCH(RULE(CHAIN(ir, "output"), 1, 0), M_UID);
	CU_ASSERT_STRING_EQUAL(m->str, "33");
	done(ir);
}

static void test_unknown_match_and_target(void)
{
	struct ir *ir = IMPORT(FILTER_HEAD
			       "-A INPUT -m mac --mac-source 00:11:22:33:44:55 -j ACCEPT\n"
			       "-A INPUT -m u32 --u32 \"0x0>>0x16&0x3c@0xc>>0x1a=0x1\" -j DROP\n"
			       "-A INPUT -p tcp -m string --string \"a b\" --algo bm -j DROP\n"
			       "-A INPUT -m comment --comment \"ssh: from \\\"lan\\\"\" -j FROB --x 1\n"
			       "-A INPUT -m comment --comment \"policy.fw:12\" -j ACCEPT\n"
			       "COMMIT\n");
	struct ir_chain *in = CHAIN(ir, "input");
	struct ir_rule *r = RULE(in, 5, 0);
	KINDS(r, "UNKNOWN");
	const struct ir_match *m = MATCH(r, M_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(m->str, "-m mac --mac-source 00:11:22:33:44:55");
	CU_ASSERT_STRING_EQUAL(m->module, "mac");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->nft);
	CU_ASSERT_STRING_EQUAL(m->nft, "ether saddr 00:11:22:33:44:55");

	m = MATCH(RULE(in, 5, 1), M_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(m->module, "u32");
	CU_ASSERT_STRING_EQUAL(m->str, "-m u32 --u32 0x0>>0x16&0x3c@0xc>>0x1a=0x1");
	CU_ASSERT_PTR_NULL(m->nft);

	/* the space inside the quotes stays in one argument, quoted again */
	r = RULE(in, 5, 2);
	KINDS(r, "PROTO UNKNOWN");
	CU_ASSERT_STRING_EQUAL(MATCH(r, M_UNKNOWN)->str, "-m string --string \"a b\" --algo bm");

	/* an unknown target: text, goes on, one warning; the user's comment
	 * unquoted */
	r = RULE(in, 5, 3);
	KINDS(r, "");
	CU_ASSERT_STRING_EQUAL(r->comment, "ssh: from \"lan\"");
	CU_ASSERT_EQUAL(r->act.kind, ACT_OTHER);
	CU_ASSERT_STRING_EQUAL(r->act.text, "FROB --x 1");
	CU_ASSERT_EQUAL(r->act.ov, OV_CONTINUE);
	CU_ASSERT_EQUAL(diag_count(DIAG_WARNING), 1);
	char *d = diag_text();
	char *w = xasprintf("%s:8:54: warning: target 'FROB' is unknown to fwc", last_path);
	check_at(__LINE__, strstr(d, w) != NULL, "diagnostics lack '%s'; got:\n%s", w, d);
	free(w);
	free(d);

	/* fwc's own comment (its iptables output) is not the user's */
	CU_ASSERT_PTR_NULL(RULE(in, 5, 4)->comment);
	done(ir);
}

static void test_chain_name_clash(void)
{
	struct ir *ir = IMPORT("*nat\n"
			       ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
			       ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
			       ":common - [0:0]\n"
			       "-A PREROUTING -j common\n"
			       "COMMIT\n"
			       FILTER_HEAD
			       ":common - [0:0]\n"
			       ":mine - [0:0]\n"
			       "-A INPUT -j common\n"
			       "-A INPUT -j mine\n"
			       "COMMIT\n");
	struct ir_chain *nc = CHAIN(ir, "nat-common"), *fc = CHAIN(ir, "filter-common"),
			*mine = CHAIN(ir, "mine");
	CU_ASSERT_EQUAL(nc->table, TBL_NAT);
	CU_ASSERT_EQUAL(fc->table, TBL_FILTER);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nc->ipt_name);
	CU_ASSERT_STRING_EQUAL(nc->ipt_name, "common");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fc->ipt_name);
	CU_ASSERT_STRING_EQUAL(fc->ipt_name, "common");
	CU_ASSERT_PTR_NULL(mine->ipt_name);
	/* each jump goes to the chain of its own table */
	CU_ASSERT_PTR_EQUAL(RULE(CHAIN(ir, "nat-prerouting"), 1, 0)->act.target, nc);
	CU_ASSERT_PTR_EQUAL(RULE(CHAIN(ir, "input"), 2, 0)->act.target, fc);
	CU_ASSERT_PTR_EQUAL(RULE(CHAIN(ir, "input"), 2, 1)->act.target, mine);
	done(ir);
}

static void test_ipv6(void)
{
	/* from the header */
	struct ir *ir = IMPORT("# Generated by ip6tables-save v1.8.9 on Mon Jan  6 10:00:00 2025\n"
			       FILTER_HEAD
			       "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT\n"
			       "-A INPUT -p tcp -j REJECT --reject-with icmp6-adm-prohibited\n"
			       "COMMIT\n");
	CU_ASSERT_EQUAL(ir->family, 6);
	struct ir_chain *in = CHAIN(ir, "input");
	struct ir_rule *r = RULE(in, 2, 0);
	CU_ASSERT_EQUAL(r->family, 6);
	KINDS(r, "PROTO ICMP_TYPE");
	CU_ASSERT_EQUAL(MATCH(r, M_PROTO)->proto, 58);
	CU_ASSERT_EQUAL(MATCH(r, M_ICMP_TYPE)->icmp_type, 128);
	CU_ASSERT_STRING_EQUAL(RULE(in, 2, 1)->act.reject_with, "admin-prohibited");
	done(ir);

	/* no header: from the first address */
	ir = IMPORT(FILTER_HEAD
		    "-A INPUT -i lo -j ACCEPT\n"
		    "-A INPUT -s 2001:db8::/32 -j ACCEPT\n"
		    "COMMIT\n");
	CU_ASSERT_EQUAL(ir->family, 6);
	r = RULE(CHAIN(ir, "input"), 2, 1);
	const struct ir_match *m = MATCH(r, M_SADDR);
	CU_ASSERT_EQUAL(m->set.bits, 128);
	SET1(&m->set, (u128)0x20010db8 << 96, ((u128)0x20010db8 << 96) | (((u128)1 << 96) - 1));
	done(ir);

	/* the caller's family wins (--from ip6tables-save) */
	ir = IMPORT_FAMILY(FILTER_HEAD "-A INPUT -i lo -j ACCEPT\nCOMMIT\n", 6);
	CU_ASSERT_EQUAL(ir->family, 6);
	CU_ASSERT_EQUAL(RULE(CHAIN(ir, "input"), 1, 0)->family, 6);
	done(ir);
	ir = IMPORT(FILTER_HEAD "-A INPUT -i lo -j ACCEPT\nCOMMIT\n");
	CU_ASSERT_EQUAL(ir->family, 4);
	done(ir);
}

static void test_format_tolerance(void)
{
	/* -I, comma lists, counters, a built-in chain without its line */
	struct ir *ir = IMPORT("*filter\n"
			       ":FORWARD ACCEPT [0:0]\n"
			       ":OUTPUT ACCEPT [0:0]\n"
			       "[3:180] -A INPUT -s 192.0.2.1/32 -j ACCEPT\n"       /* 4 */
			       "-I INPUT -s 192.0.2.2/32 -j DROP\n"                  /* 5 */
			       "-I INPUT 2 -s 192.0.2.3/32 -j DROP\n"                /* 6 */
			       "-A INPUT -s 10.0.0.1,10.0.0.2 -d 10.1.0.1,10.1.0.2 -j ACCEPT\n"
			       "COMMIT\n");
	struct ir_chain *in = CHAIN(ir, "input");
	CU_ASSERT_EQUAL(in->policy, ACT_ACCEPT);
	CU_ASSERT_EQUAL(diag_count(DIAG_WARNING), 1);   /* no :INPUT line */
	static const uint32_t lines[] = { 5, 6, 4, 7, 7, 7, 7 };
	for (size_t i = 0; i < 7; i++)
		check_at(__LINE__, RULE(in, 7, i)->loc.line == lines[i],
			 "rule %zu from line %u, expected %u", i, in->rules[i]->loc.line, lines[i]);
	/* source first: (s1,d1) (s1,d2) (s2,d1) (s2,d2) */
	static const uint8_t s[] = { 1, 1, 2, 2 }, d[] = { 1, 2, 1, 2 };
	for (size_t i = 0; i < 4; i++) {
		const struct ir_rule *r = RULE(in, 7, 3 + i);
		SET1(&MATCH(r, M_SADDR)->set, IP4(10, 0, 0, s[i]), IP4(10, 0, 0, s[i]));
		SET1(&MATCH(r, M_DADDR)->set, IP4(10, 1, 0, d[i]), IP4(10, 1, 0, d[i]));
	}
	done(ir);

	/* CR LF, text before and after, a repeated table */
	ir = IMPORT("some text\r\n"
		    "*filter\r\n:INPUT ACCEPT [0:0]\r\n:FORWARD ACCEPT [0:0]\r\n"
		    ":OUTPUT ACCEPT [0:0]\r\n:old - [0:0]\r\n-A INPUT -j old\r\nCOMMIT\r\n"
		    "*filter\r\n:INPUT DROP [0:0]\r\n:FORWARD ACCEPT [0:0]\r\n"
		    ":OUTPUT ACCEPT [0:0]\r\n-A INPUT -i lo -j ACCEPT\r\nCOMMIT\r\n"
		    "more text\r\n");
	CU_ASSERT_EQUAL(diag_count(DIAG_WARNING), 4);
	CU_ASSERT_EQUAL(ir->nchains, 3);
	in = CHAIN(ir, "input");
	CU_ASSERT_EQUAL(in->policy, ACT_DROP);
	CU_ASSERT_EQUAL(RULE(in, 1, 0)->loc.line, 13);
	CU_ASSERT_STRING_EQUAL(MATCH(in->rules[0], M_IIF)->names[0], "lo");
	done(ir);
}

static void test_dump_and_stdin(void)
{
	const char *text = FILTER_HEAD "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n";
	reset();
	char *path = put_dump(text);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	/* with a dump: printed, NULL returned, no error */
	CU_ASSERT_PTR_NULL(import_dump(path, 0, DUMP_IR_SEMANTIC, f));
	fclose(f);
	CU_ASSERT_EQUAL(diag_count(DIAG_ERROR), 0);
	CU_ASSERT_STRING_EQUAL(buf, "table filter\n"
			       "  chain input (hook input, policy accept)\n"
			       "     ip proto 6 dport { 22 } -> accept\n");
	free(buf);

	/* "-": standard input */
	FILE *in = freopen(path, "r", stdin);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	struct ir *ir = import_dump("-", 0, DUMP_NONE, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ir);
	struct ir_rule *r = RULE(CHAIN(ir, "input"), 1, 0);
	CU_ASSERT_STRING_EQUAL(r->loc.file->path, "<stdin>");
	CU_ASSERT_EQUAL(r->loc.line, 5);
	KINDS(r, "PROTO DPORT");
	done(ir);
}

static void test_errors(void)
{
	FAILS(FILTER_HEAD "-A nochain -j DROP\nCOMMIT\n",
	      "5:4: error: chain 'nochain' is not declared in table filter");
	FAILS(FILTER_HEAD "-A INPUT -g nochain\nCOMMIT\n",
	      "5:13: error: -g needs a user chain of table filter; 'nochain' is none");
	FAILS(FILTER_HEAD "-A INPUT -g OUTPUT\nCOMMIT\n",
	      "5:13: error: cannot jump to built-in chain 'OUTPUT'");
	FAILS(FILTER_HEAD "-A INPUT -m comment --comment \"open -j ACCEPT\nCOMMIT\n",
	      "5:31: error: unterminated quoted string");
	FAILS(FILTER_HEAD "-A INPUT -s 192.0.2.0/33 -j ACCEPT\nCOMMIT\n",
	      "5:13: error: prefix length /33 is longer than 32 bits");
	FAILS("# Generated by iptables-save v1.8.9\n" FILTER_HEAD
	      "-A INPUT -d 2001:db8::1 -j ACCEPT\nCOMMIT\n",
	      "6:13: error: an IPv6 address in an iptables-save (IPv4) dump");
	FAILS(FILTER_HEAD "-A INPUT -j ACCEPT\n",
	      "1:1: error: table filter has no COMMIT line");
	FAILS("*filtre\nCOMMIT\n", "1:1: error: unknown table 'filtre'");
	FAILS(FILTER_HEAD "-A INPUT -m tcp --dport 22 -j ACCEPT\nCOMMIT\n",
	      "5:1: error: port or tcp-flag options need '-p tcp' or '-p udp'");
	FAILS(FILTER_HEAD "-A INPUT --bogus 1 -j ACCEPT\nCOMMIT\n",
	      "5:10: error: unknown option '--bogus'");
	FAILS(FILTER_HEAD "-A INPUT -j DNAT --to-destination 192.0.2.1\nCOMMIT\n",
	      "5:13: error: DNAT is a target of table nat");
	FAILS("# Generated by iptables-save v1.8.9\n" FILTER_HEAD
	      "-A INPUT -j REJECT --reject-with icmp6-no-route\nCOMMIT\n",
	      "6:34: error: unknown reject type 'icmp6-no-route' for IPv4");
	/* no dump at all (a script, an empty file): the error names the file */
	static const char *const nodump[] = { "#!/bin/sh\niptables -A INPUT -j ACCEPT\n", "" };
	for (size_t i = 0; i < 2; i++) {
		reset();
		last_path = put_dump(nodump[i]);
		CU_ASSERT_PTR_NULL(import_dump(last_path, 0, DUMP_NONE, NULL));
		CU_ASSERT_EQUAL(diag_count(DIAG_ERROR), 1);
		char *d = diag_text();
		char *w = xasprintf("error: '%s' is not an iptables-save dump", last_path);
		check_at(__LINE__, strstr(d, w) != NULL, "diagnostics lack '%s'; got:\n%s", w, d);
		free(w);
		free(d);
	}
	reset();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "chains, policies, jumps, gotos", test_chains_and_policies },
		{ "addresses, netmasks, negation, interfaces", test_addresses },
		{ "tcp flags and conntrack states", test_tcp_flags_and_states },
		{ "ports, icmp types, protocols, fragments", test_ports_and_icmp },
		{ "MARK and CONNMARK", test_marks },
		{ "targets: nat, reject, log, none, text", test_targets },
		{ "limit, connlimit, recent, nth, owner", test_rates },
		{ "unknown matches and targets, comments", test_unknown_match_and_target },
		{ "user chain names clashing across tables", test_chain_name_clash },
		{ "IPv6: header, addresses, caller's family", test_ipv6 },
		{ "-I, comma lists, counters, CR LF, repeated tables", test_format_tolerance },
		{ "--dump and standard input", test_dump_and_stdin },
		{ "errors", test_errors },
	};
	return run_suite("import", suite_init, suite_clean, tests, sizeof(tests) / sizeof(tests[0]));
}
