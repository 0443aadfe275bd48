/*
 * test_trace.c: CUnit tests for the packet simulator behind `fwc trace`
 * (compiler/packet.c: packet_parse/packet_format; compiler/trace.c:
 * trace_packet, trace_print_json, trace_print_text, ifaddr_parse).
 *
 * Parser: every accepted form with its defaults, every error with its
 * exact message and byte span (written as a caret line under the text, as
 * `fwc trace` shows it), and parse(format(p)) == p.
 *
 * Simulator: each action kind in a small policy compiled from a temporary
 * file (mkdtemp/mkstemp under /tmp), the kernel order of tables and hooks
 * on the three paths, NAT only for new connections, the assumptions for
 * stateful matches, and the JSON output (exact for small cases, checked
 * with a small JSON validator for the rest).
 *
 * Tests that show bugs found while writing this file are in a separate
 * suite as regressions (see the "regressions" section).
 *
 * Run from the repository root.
 */
#include "diag.h"
#include "frontend.h"
#include "ir.h"
#include "source.h"
#include "trace.h"
#include "util.h"
#include "testutil.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define IP4(a, b, c, d) \
	((u128)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
		((uint32_t)(c) << 8) | (uint32_t)(d)))
/* 2001:db8::X and fd00::X */
#define DOC6(x) (((u128)0x20010db8 << 96) | (u128)(x))

static const struct fwc_opts opts = {
	.services_file = "/etc/services",
	.datadir = "data",
};

/* the defaults of `fwc trace`: rate=under, recent=miss, nth=miss,
 * unknown=match */
static const struct trace_opts defaults = {
	ASSUME_MATCH, ASSUME_NOMATCH, ASSUME_NOMATCH, ASSUME_MATCH, NULL, 0,
};

/* ---- temporary files ---- */

static char tmpdir[] = "/tmp/fwc-test-trace-XXXXXX";
static char *made[256];
static size_t nmade;
static char *top_path;          /* the policy compiled last */

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
	for (size_t i = nmade; i-- > 0;) {
		unlink(made[i]);
		free(made[i]);
	}
	nmade = 0;
	rmdir(tmpdir);
	return 0;
}

static char *put_policy(const char *text)
{
	char *p = xasprintf("%s/policy-XXXXXX", tmpdir);
	int fd = mkstemp(p);
	CU_ASSERT_FATAL(fd >= 0);
	size_t n = strlen(text);
	CU_ASSERT_FATAL(write(fd, text, n) == (ssize_t)n);
	CU_ASSERT_FATAL(close(fd) == 0);
	CU_ASSERT_FATAL(nmade < sizeof(made) / sizeof(made[0]));
	made[nmade++] = p;
	return p;
}

/* ---- checking helpers ---- */

static void reset(void)
{
	diag_free_all();
	src_free_all();
}

static struct ir *compile_at(int line, const char *text)
{
	top_path = put_policy(text);
	reset();
	struct ir *ir = frontend_compile(top_path, &opts, DUMP_NONE, NULL);
	if (!ir || diag_count(DIAG_ERROR)) {
		char *d = diag_text();
		check_at(line, false, "compile failed:\n%s", d);
		free(d);
	}
	return ir;
}

#define COMPILE(text) ({                                                  \
		struct ir *ir_ = compile_at(__LINE__, (text));            \
		CU_ASSERT_PTR_NOT_NULL_FATAL(ir_);                        \
		ir_;                                                      \
	})

static void done(struct ir *ir)
{
	ir_free(ir);
	reset();
}

/* ---- packets ---- */

static struct packet pkt_at(int line, const char *text)
{
	struct packet p;
	char err[256] = "";
	size_t eo = 0, el = 0;
	int rc = packet_parse(text, &p, err, sizeof(err), &eo, &el);
	check_at(line, rc == 0, "packet '%s' rejected: %s (at %zu, %zu bytes)",
		 text, err, eo, el);
	return p;
}

#define PKT(text) pkt_at(__LINE__, (text))

/* text must be rejected with exactly msg; caret is spaces, then one '^'
 * per byte of the reported span (as `fwc trace` draws it). */
static void perr_at(int line, const char *text, const char *caret,
		    const char *msg)
{
	struct packet p;
	char err[256] = "";
	size_t eo = 9999, el = 9999;
	int rc = packet_parse(text, &p, err, sizeof(err), &eo, &el);
	size_t off = strspn(caret, " ");
	size_t len = strspn(caret + off, "^");
	check_at(line, rc == -1, "'%s' was accepted", text);
	check_at(line, !strcmp(err, msg), "'%s': message\n    '%s', expected\n    '%s'",
		 text, err, msg);
	check_at(line, eo == off && el == len,
		 "'%s': span (%zu, %zu), expected (%zu, %zu)", text, eo, el, off, len);
}

#define PERR(text, caret, msg) perr_at(__LINE__, (text), (caret), (msg))

static bool packet_eq(const struct packet *a, const struct packet *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       a->saddr == b->saddr && a->daddr == b->daddr &&
	       a->sport == b->sport && a->dport == b->dport &&
	       !strcmp(a->iif, b->iif) && !strcmp(a->oif, b->oif) &&
	       a->state == b->state && a->mark == b->mark &&
	       a->ctmark == b->ctmark && a->icmp_type == b->icmp_type &&
	       a->icmp_code == b->icmp_code && a->tcpflags == b->tcpflags &&
	       a->fragment == b->fragment && a->uid == b->uid;
}

/* ---- traces ---- */

static void trace_at(int line, const struct ir *ir, const char *text,
		     const struct trace_opts *o, struct trace_result *res)
{
	struct packet p = pkt_at(line, text);
	trace_packet(ir, &p, o ? o : &defaults, res);
	check_at(line, res->error[0] == '\0', "trace error: %s", res->error);
}

#define TRACE(ir, text, o, res) trace_at(__LINE__, (ir), (text), (o), (res))

/* "chain:LINE action", "chain:ORIGIN action" or "chain:policy" */
static void step_str(const struct trace_step *s, char *buf, size_t n)
{
	if (!s->rule)
		snprintf(buf, n, "%s:policy", s->chain->name);
	else if (s->rule->origin)
		snprintf(buf, n, "%s:%s %s", s->chain->name, s->rule->origin,
			 act_name(s->rule->act.kind));
	else
		snprintf(buf, n, "%s:%u %s", s->chain->name, s->rule->loc.line,
			 act_name(s->rule->act.kind));
}

static void steps_at(int line, const struct trace_result *res,
		     const char *const *want)
{
	char got[4096] = "", exp[4096] = "";
	size_t off = 0;
	for (size_t i = 0; i < res->n && off < sizeof(got); i++) {
		char s[256];
		step_str(&res->steps[i], s, sizeof(s));
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%s",
					i ? " | " : "", s);
	}
	off = 0;
	for (size_t i = 0; want[i] && off < sizeof(exp); i++)
		off += (size_t)snprintf(exp + off, sizeof(exp) - off, "%s%s",
					i ? " | " : "", want[i]);
	check_at(line, !strcmp(got, exp), "steps:\n    got  %s\n    want %s",
		 got, exp);
}

#define STEPS(res, ...) \
	steps_at(__LINE__, (res), (const char *const[]){ __VA_ARGS__, NULL })

/* The (table, hook) pairs of the steps in order, repeats folded:
 * "raw prerouting, mangle prerouting, ...". Each step's chain must be of
 * that table, and base chains of that hook. */
static void hooks_at(int line, const struct trace_result *res,
		     const char *const *want)
{
	char got[1024] = "", exp[1024] = "";
	size_t off = 0;
	for (size_t i = 0; i < res->n && off < sizeof(got); i++) {
		const struct trace_step *s = &res->steps[i];
		check_at(line, s->chain->table == s->table &&
			 (s->chain->hook == HOOK_NONE || s->chain->hook == s->hook),
			 "step %zu: chain %s in %s %s", i, s->chain->name,
			 table_name(s->table), hook_name(s->hook));
		if (i && s->table == res->steps[i - 1].table &&
		    s->hook == res->steps[i - 1].hook)
			continue;
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%s %s",
					off ? ", " : "", table_name(s->table),
					hook_name(s->hook));
	}
	off = 0;
	for (size_t i = 0; want[i] && off < sizeof(exp); i++)
		off += (size_t)snprintf(exp + off, sizeof(exp) - off, "%s%s",
					i ? ", " : "", want[i]);
	check_at(line, !strcmp(got, exp), "hooks:\n    got  %s\n    want %s",
		 got, exp);
}

#define HOOKS(res, ...) \
	hooks_at(__LINE__, (res), (const char *const[]){ __VA_ARGS__, NULL })

/* The verdict; for drop and reject also the deciding rule (its source
 * line, 0: a chain policy, verdict_rule NULL) and chain. */
static void verdict_at(int line, const struct trace_result *res,
		       enum act_kind v, unsigned rule_line, const char *chain)
{
	check_at(line, res->verdict == v, "verdict %s, expected %s",
		 act_name(res->verdict), act_name(v));
	if (v == ACT_ACCEPT)
		return;
	if (rule_line == 0)
		check_at(line, res->verdict_rule == NULL,
			 "verdict by a rule (line %u), expected the policy",
			 res->verdict_rule ? res->verdict_rule->loc.line : 0);
	else
		check_at(line, res->verdict_rule &&
			 res->verdict_rule->loc.line == rule_line,
			 "verdict rule line %u, expected %u",
			 res->verdict_rule ? res->verdict_rule->loc.line : 0, rule_line);
	check_at(line, res->verdict_chain &&
		 !strcmp(res->verdict_chain->name, chain),
		 "verdict chain %s, expected %s",
		 res->verdict_chain ? res->verdict_chain->name : "(null)", chain);
}

#define VERDICT(res, v, l, chain) verdict_at(__LINE__, (res), (v), (l), (chain))

static void note_at(int line, const struct trace_result *res, size_t i,
		    const char *want)
{
	check_at(line, i < res->n, "no step %zu", i);
	if (i < res->n)
		check_at(line, !strcmp(res->steps[i].note, want),
			 "step %zu note '%s', expected '%s'", i,
			 res->steps[i].note, want);
}

#define NOTE(res, i, want) note_at(__LINE__, (res), (i), (want))

static void assumed_at(int line, const struct trace_result *res, bool rate,
		       bool recent, bool nth, bool unknown)
{
	check_at(line, res->assumed_rate == rate && res->assumed_recent == recent &&
		 res->assumed_nth == nth && res->assumed_unknown == unknown,
		 "assumed rate=%d recent=%d nth=%d unknown=%d, expected %d %d %d %d",
		 res->assumed_rate, res->assumed_recent, res->assumed_nth,
		 res->assumed_unknown, rate, recent, nth, unknown);
}

#define ASSUMED(res, r, rc, n, u) assumed_at(__LINE__, (res), (r), (rc), (n), (u))

static char *json_of(const struct packet *p, const struct trace_result *res,
		     const struct trace_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	trace_print_json(f, p, res, o);
	fclose(f);
	return buf;
}

static char *text_of(const struct packet *p, const struct trace_result *res,
		     const struct trace_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	trace_print_text(f, p, res, o);
	fclose(f);
	return buf;
}

/* ---- a small JSON validator (RFC 8259 grammar, no semantics) ---- */

static bool jvalue(const char **s, int depth);

static void jws(const char **s)
{
	while (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')
		(*s)++;
}

static bool jstring(const char **s)
{
	if (**s != '"')
		return false;
	(*s)++;
	for (;;) {
		unsigned char c = (unsigned char)**s;
		if (c == '"') {
			(*s)++;
			return true;
		}
		if (c < 0x20)           /* raw control character or the end */
			return false;
		(*s)++;
		if (c != '\\')
			continue;
		c = (unsigned char)**s;
		if (c == 'u') {
			for (int k = 1; k <= 4; k++)
				if (!isxdigit((unsigned char)(*s)[k]))
					return false;
			*s += 5;
		} else if (c && strchr("\"\\/bfnrt", c)) {
			(*s)++;
		} else {
			return false;
		}
	}
}

static bool jdigits(const char **s)
{
	if (!isdigit((unsigned char)**s))
		return false;
	while (isdigit((unsigned char)**s))
		(*s)++;
	return true;
}

static bool jnumber(const char **s)
{
	if (**s == '-')
		(*s)++;
	if (**s == '0')
		(*s)++;
	else if (!jdigits(s))
		return false;
	if (**s == '.') {
		(*s)++;
		if (!jdigits(s))
			return false;
	}
	if (**s == 'e' || **s == 'E') {
		(*s)++;
		if (**s == '+' || **s == '-')
			(*s)++;
		if (!jdigits(s))
			return false;
	}
	return true;
}

static bool jlist(const char **s, int depth, char close, bool object)
{
	(*s)++;
	jws(s);
	if (**s == close) {
		(*s)++;
		return true;
	}
	for (;;) {
		jws(s);
		if (object) {
			if (!jstring(s))
				return false;
			jws(s);
			if (**s != ':')
				return false;
			(*s)++;
		}
		if (!jvalue(s, depth + 1))
			return false;
		jws(s);
		if (**s == ',') {
			(*s)++;
			continue;
		}
		if (**s != close)
			return false;
		(*s)++;
		return true;
	}
}

static bool jvalue(const char **s, int depth)
{
	if (depth > 64)
		return false;
	jws(s);
	switch (**s) {
	case '{':
		return jlist(s, depth, '}', true);
	case '[':
		return jlist(s, depth, ']', false);
	case '"':
		return jstring(s);
	case 't':
		return !strncmp(*s, "true", 4) && (*s += 4, true);
	case 'f':
		return !strncmp(*s, "false", 5) && (*s += 5, true);
	case 'n':
		return !strncmp(*s, "null", 4) && (*s += 4, true);
	default:
		return jnumber(s);
	}
}

/* One JSON object, then one newline and nothing else. */
static bool json_line_valid(const char *text)
{
	const char *s = text;
	jws(&s);
	if (*s != '{' || !jvalue(&s, 0))
		return false;
	return s[0] == '\n' && s[1] == '\0';
}

/* ================================================================== */
/* packet parser                                                      */
/* ================================================================== */

static void test_parse_ipv4(void)
{
	struct packet p = PKT("tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0");
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.proto, 6);
	CU_ASSERT(p.saddr == IP4(198, 51, 100, 7));
	CU_ASSERT(p.daddr == IP4(192, 0, 2, 1));
	CU_ASSERT_EQUAL(p.sport, 40000);
	CU_ASSERT_EQUAL(p.dport, 22);
	CU_ASSERT_STRING_EQUAL(p.iif, "eth0");
	CU_ASSERT_STRING_EQUAL(p.oif, "");
	/* defaults */
	CU_ASSERT_EQUAL(p.state, CT_NEW);
	CU_ASSERT_EQUAL(p.tcpflags, TCPF_SYN);
	CU_ASSERT_EQUAL(p.mark, 0);
	CU_ASSERT_EQUAL(p.ctmark, 0);
	CU_ASSERT_EQUAL(p.icmp_type, -1);
	CU_ASSERT_EQUAL(p.icmp_code, -1);
	CU_ASSERT(!p.fragment);
	CU_ASSERT_EQUAL(p.uid, -1);

	/* no ports: -1; no tcp flags for udp; out only */
	p = PKT("udp 198.51.100.7 -> 192.0.2.1 out eth1");
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT_EQUAL(p.sport, -1);
	CU_ASSERT_EQUAL(p.dport, -1);
	CU_ASSERT_EQUAL(p.tcpflags, 0);
	CU_ASSERT_STRING_EQUAL(p.iif, "");
	CU_ASSERT_STRING_EQUAL(p.oif, "eth1");
	CU_ASSERT_EQUAL(p.icmp_type, -1);

	/* a port on one side only; ports 0 and 65535 */
	p = PKT("tcp 198.51.100.7 -> 192.0.2.1:0 in eth0");
	CU_ASSERT_EQUAL(p.sport, -1);
	CU_ASSERT_EQUAL(p.dport, 0);
	p = PKT("tcp 198.51.100.7:65535 -> 192.0.2.1 in eth0");
	CU_ASSERT_EQUAL(p.sport, 65535);
	CU_ASSERT_EQUAL(p.dport, -1);

	/* an IPv4 address in brackets */
	p = PKT("tcp [192.0.2.9]:80 -> [192.0.2.1] in eth0");
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT(p.saddr == IP4(192, 0, 2, 9));
	CU_ASSERT_EQUAL(p.sport, 80);
	CU_ASSERT_EQUAL(p.dport, -1);

	/* in and out: forwarded; any whitespace */
	p = PKT("  udp\t192.0.2.9:5000   ->\t192.0.2.1:53 in eth0  out eth1\t");
	CU_ASSERT_STRING_EQUAL(p.iif, "eth0");
	CU_ASSERT_STRING_EQUAL(p.oif, "eth1");
	CU_ASSERT_EQUAL(p.sport, 5000);
	CU_ASSERT_EQUAL(p.dport, 53);
	/* a 15-character interface name */
	p = PKT("udp 192.0.2.9 -> 192.0.2.1 in abcdefghijklmno");
	CU_ASSERT_STRING_EQUAL(p.iif, "abcdefghijklmno");
}

static void test_parse_ipv6(void)
{
	struct packet p = PKT("udp [2001:db8::5]:53 -> [2001:db8::1]:5353 in eth0 out eth1");
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT(p.saddr == DOC6(5));
	CU_ASSERT(p.daddr == DOC6(1));
	CU_ASSERT_EQUAL(p.sport, 53);
	CU_ASSERT_EQUAL(p.dport, 5353);
	CU_ASSERT_STRING_EQUAL(p.iif, "eth0");
	CU_ASSERT_STRING_EQUAL(p.oif, "eth1");

	/* without brackets: no port (the colons are the address's) */
	p = PKT("tcp 2001:db8::5 -> 2001:db8::1 out eth1");
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT(p.saddr == DOC6(5));
	CU_ASSERT(p.daddr == DOC6(1));
	CU_ASSERT_EQUAL(p.sport, -1);
	CU_ASSERT_EQUAL(p.dport, -1);
	CU_ASSERT_EQUAL(p.tcpflags, TCPF_SYN);

	/* brackets without a port */
	p = PKT("tcp [2001:db8::5] -> [2001:db8::1]:443 out eth1");
	CU_ASSERT(p.saddr == DOC6(5));
	CU_ASSERT_EQUAL(p.sport, -1);
	CU_ASSERT_EQUAL(p.dport, 443);

	/* other protocols with ports */
	p = PKT("sctp [2001:db8::5]:5000 -> [2001:db8::1]:38412 in eth0");
	CU_ASSERT_EQUAL(p.proto, 132);
	CU_ASSERT_EQUAL(p.dport, 38412);
	p = PKT("dccp 192.0.2.9:1 -> 192.0.2.1:2 in eth0");
	CU_ASSERT_EQUAL(p.proto, 33);
	CU_ASSERT_EQUAL(p.tcpflags, 0);
	p = PKT("udplite 192.0.2.9:1 -> 192.0.2.1:2 in eth0");
	CU_ASSERT_EQUAL(p.proto, 136);
}

static void test_parse_options(void)
{
	/* every state; TCP gets SYN when new, ACK otherwise */
	static const struct {
		const char *name;
		uint32_t bit;
	} st[] = {
		{ "new", CT_NEW }, { "established", CT_ESTABLISHED },
		{ "related", CT_RELATED }, { "invalid", CT_INVALID },
		{ "untracked", CT_UNTRACKED },
	};
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		char *t = xasprintf("tcp 192.0.2.9:1 -> 192.0.2.1:2 in eth0 state %s",
				    st[i].name);
		struct packet p = PKT(t);
		check_at(__LINE__, p.state == st[i].bit, "state %s: 0x%x", st[i].name,
			 p.state);
		check_at(__LINE__, p.tcpflags == (st[i].bit == CT_NEW ? TCPF_SYN : TCPF_ACK),
			 "state %s: flags 0x%x", st[i].name, p.tcpflags);
		free(t);
		t = xasprintf("udp 192.0.2.9 -> 192.0.2.1 in eth0 state %s", st[i].name);
		p = PKT(t);
		check_at(__LINE__, p.state == st[i].bit && p.tcpflags == 0,
			 "udp state %s: 0x%x flags 0x%x", st[i].name, p.state, p.tcpflags);
		free(t);
	}

	/* marks: decimal and hex */
	struct packet p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 mark 16 connmark 0x2a");
	CU_ASSERT_EQUAL(p.mark, 16);
	CU_ASSERT_EQUAL(p.ctmark, 42);
	p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 mark 0x10");
	CU_ASSERT_EQUAL(p.mark, 16);
	CU_ASSERT_EQUAL(p.ctmark, 0);
	p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 mark 0xffffffff connmark 4294967295");
	CU_ASSERT_EQUAL(p.mark, 0xffffffffu);
	CU_ASSERT_EQUAL(p.ctmark, 0xffffffffu);
	p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 connmark 0");
	CU_ASSERT_EQUAL(p.ctmark, 0);

	/* keywords in any order */
	p = PKT("tcp 192.0.2.9:1 -> 192.0.2.1:2 state related out eth1 mark 7 in eth0");
	CU_ASSERT_EQUAL(p.state, CT_RELATED);
	CU_ASSERT_EQUAL(p.tcpflags, TCPF_ACK);
	CU_ASSERT_EQUAL(p.mark, 7);
	CU_ASSERT_STRING_EQUAL(p.iif, "eth0");
	CU_ASSERT_STRING_EQUAL(p.oif, "eth1");

	/* tcp flags: a list, all of them, none */
	p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 flags syn,ack");
	CU_ASSERT_EQUAL(p.tcpflags, TCPF_SYN | TCPF_ACK);
	p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 flags fin,syn,rst,psh,ack,urg,ece,cwr");
	CU_ASSERT_EQUAL(p.tcpflags, 0xff);
	p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 flags none");
	CU_ASSERT_EQUAL(p.tcpflags, 0);
	CU_ASSERT_EQUAL(p.state, CT_NEW);
	/* given flags win over the state's default */
	p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 flags rst state established");
	CU_ASSERT_EQUAL(p.tcpflags, TCPF_RST);
	p = PKT("tcp 192.0.2.9 -> 192.0.2.1 in eth0 state established flags fin");
	CU_ASSERT_EQUAL(p.tcpflags, TCPF_FIN);

	/* uid: only for packets from this host */
	p = PKT("tcp 192.0.2.1:5000 -> 198.51.100.7:443 out eth0 uid 1000");
	CU_ASSERT_EQUAL(p.uid, 1000);
	p = PKT("tcp 192.0.2.1 -> 198.51.100.7 out eth0 uid 0");
	CU_ASSERT_EQUAL(p.uid, 0);

	/* fragment */
	p = PKT("udp 192.0.2.9 -> 192.0.2.1 in eth0 fragment");
	CU_ASSERT(p.fragment);
	p = PKT("udp 192.0.2.9 -> 192.0.2.1 fragment in eth0");
	CU_ASSERT(p.fragment);
	CU_ASSERT_STRING_EQUAL(p.iif, "eth0");
}

static void test_parse_icmp_and_protocols(void)
{
	/* no type: echo-request of the family */
	struct packet p = PKT("icmp 192.0.2.9 -> 192.0.2.1 in eth0");
	CU_ASSERT_EQUAL(p.proto, 1);
	CU_ASSERT_EQUAL(p.icmp_type, 8);
	CU_ASSERT_EQUAL(p.icmp_code, -1);
	CU_ASSERT_EQUAL(p.tcpflags, 0);
	CU_ASSERT_EQUAL(p.sport, -1);
	CU_ASSERT_EQUAL(p.dport, -1);
	p = PKT("icmpv6 2001:db8::5 -> 2001:db8::1 in eth0");
	CU_ASSERT_EQUAL(p.proto, 58);
	CU_ASSERT_EQUAL(p.icmp_type, 128);
	p = PKT("ipv6-icmp 2001:db8::5 -> 2001:db8::1 in eth0");
	CU_ASSERT_EQUAL(p.proto, 58);
	CU_ASSERT_EQUAL(p.icmp_type, 128);

	/* type by name (per family) and by number, code */
	p = PKT("icmp 192.0.2.9 -> 192.0.2.1 in eth0 type echo-reply");
	CU_ASSERT_EQUAL(p.icmp_type, 0);
	p = PKT("icmp 192.0.2.9 -> 192.0.2.1 in eth0 type destination-unreachable code 4");
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.icmp_code, 4);
	p = PKT("icmp 192.0.2.9 -> 192.0.2.1 in eth0 type 3 code 1");
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.icmp_code, 1);
	p = PKT("icmp 192.0.2.9 -> 192.0.2.1 in eth0 type 200 code 255");
	CU_ASSERT_EQUAL(p.icmp_type, 200);
	CU_ASSERT_EQUAL(p.icmp_code, 255);
	p = PKT("icmp 192.0.2.9 -> 192.0.2.1 in eth0 type 0x0b");
	CU_ASSERT_EQUAL(p.icmp_type, 11);
	p = PKT("icmp 192.0.2.9 -> 192.0.2.1 in eth0 code 0");   /* type defaults */
	CU_ASSERT_EQUAL(p.icmp_type, 8);
	CU_ASSERT_EQUAL(p.icmp_code, 0);
	p = PKT("icmpv6 2001:db8::5 -> 2001:db8::1 in eth0 type nd-neighbor-solicit");
	CU_ASSERT_EQUAL(p.icmp_type, 135);
	/* the kernel does not track neighbour discovery: untracked by default */
	CU_ASSERT_EQUAL(p.state, CT_UNTRACKED);
	p = PKT("icmpv6 2001:db8::5 -> 2001:db8::1 in eth0 type nd-neighbor-solicit state new");
	CU_ASSERT_EQUAL(p.state, CT_NEW);
	p = PKT("icmpv6 2001:db8::5 -> 2001:db8::1 in eth0 type echo-request");
	CU_ASSERT_EQUAL(p.state, CT_NEW);
	p = PKT("icmpv6 2001:db8::5 -> 2001:db8::1 in eth0 type destination-unreachable code 3");
	CU_ASSERT_EQUAL(p.icmp_type, 1);
	CU_ASSERT_EQUAL(p.icmp_code, 3);
	p = PKT("icmpv6 2001:db8::5 -> 2001:db8::1 in eth0 type echo-reply");
	CU_ASSERT_EQUAL(p.icmp_type, 129);

	/* protocols by number */
	p = PKT("47 192.0.2.9 -> 192.0.2.1 in eth0");
	CU_ASSERT_EQUAL(p.proto, 47);
	CU_ASSERT_EQUAL(p.icmp_type, -1);
	p = PKT("6 192.0.2.9:1 -> 192.0.2.1:2 in eth0");
	CU_ASSERT_EQUAL(p.proto, 6);
	CU_ASSERT_EQUAL(p.tcpflags, TCPF_SYN);
	CU_ASSERT_EQUAL(p.dport, 2);
	p = PKT("1 192.0.2.9 -> 192.0.2.1 in eth0");
	CU_ASSERT_EQUAL(p.proto, 1);
	CU_ASSERT_EQUAL(p.icmp_type, 8);
	p = PKT("0 192.0.2.9 -> 192.0.2.1 in eth0");
	CU_ASSERT_EQUAL(p.proto, 0);
	p = PKT("255 192.0.2.9 -> 192.0.2.1 in eth0");
	CU_ASSERT_EQUAL(p.proto, 255);
	p = PKT("esp 2001:db8::5 -> 2001:db8::1 in eth0");
	CU_ASSERT_EQUAL(p.proto, 50);
}

static void test_parse_errors(void)
{
	/* too short */
	PERR("",
	     "^", "expected 'PROTO SOURCE -> DESTINATION'");
	PERR("   ",
	     "^", "expected 'PROTO SOURCE -> DESTINATION'");
	PERR("tcp 10.0.0.1 ->",
	     "             ^^", "expected 'PROTO SOURCE -> DESTINATION'");

	/* unknown protocol */
	PERR("foo 10.0.0.1 -> 10.0.0.2 in eth0",
	     "^^^", "unknown protocol 'foo'");
	PERR("256 10.0.0.1 -> 10.0.0.2 in eth0",
	     "^^^", "unknown protocol '256'");
	PERR("TCP 10.0.0.1 -> 10.0.0.2 in eth0",
	     "^^^", "unknown protocol 'TCP'");
	PERR("averyveryverylongproto 10.0.0.1 -> 10.0.0.2 in eth0",
	     "^^^^^^^^^^^^^^^^^^^^^^", "unknown protocol");

	/* missing '->' */
	PERR("tcp 10.0.0.1 => 10.0.0.2 in eth0",
	     "             ^^", "expected '->'");
	PERR("tcp 10.0.0.1 10.0.0.2 in eth0",
	     "             ^^^^^^^^", "expected '->'");

	/* bad addresses: addr_parse's message, the whole endpoint */
	PERR("tcp 10.0.0.300 -> 10.0.0.2 in eth0",
	     "    ^^^^^^^^^^", "octet 300 out of range in '10.0.0.300'");
	PERR("tcp host -> 10.0.0.2 in eth0",
	     "    ^^^^", "invalid address 'host'");
	PERR("tcp 10.0.0.1 -> 2001:db8::zz in eth0",
	     "                ^^^^^^^^^^^^", "invalid IPv6 address '2001:db8::zz'");
	PERR("tcp 10.0.0.1 -> 10.0.0 in eth0",
	     "                ^^^^^^", "invalid IPv4 address '10.0.0'");
	PERR("tcp 10.0.0.1/24 -> 10.0.0.2 in eth0",
	     "    ^^^^^^^^^^^", "host bits set in 10.0.0.1/24 (did you mean 10.0.0.0/24?)");
	PERR("tcp []:80 -> 10.0.0.2 in eth0",
	     "    ^^^^^", "empty address");
	PERR("tcp [2001:db8::1]x -> [2001:db8::2] in eth0",
	     "    ^^^^^^^^^^^^^^", "expected ':PORT' after ']'");
	/* (the message of a missing ']' is checked in the known-bugs suite) */
	{
		struct packet p;
		char err[256];
		size_t eo, el;
		CU_ASSERT_EQUAL(packet_parse("tcp [2001:db8::1 -> 2001:db8::2 in eth0", &p,
					     err, sizeof(err), &eo, &el), -1);
		CU_ASSERT(!strncmp(err, "missing ']'", 11));
		CU_ASSERT_EQUAL(eo, 4);
		CU_ASSERT_EQUAL(el, 12);
	}

	/* a prefix, not an address */
	PERR("tcp 10.0.0.0/24 -> 10.0.0.2 in eth0",
	     "    ^^^^^^^^^^^", "a packet has one address, not a prefix");
	PERR("tcp 10.0.0.1 -> 2001:db8::/64 in eth0",
	     "                ^^^^^^^^^^^^^", "a packet has one address, not a prefix");

	/* bad ports: the span is the port alone */
	PERR("tcp 10.0.0.1:70000 -> 10.0.0.2 in eth0",
	     "             ^^^^^", "bad port (0-65535)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2:ssh in eth0",
	     "                         ^^^", "bad port (0-65535)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2:-1 in eth0",
	     "                         ^^", "bad port (0-65535)");
	PERR("tcp 10.0.0.1: -> 10.0.0.2 in eth0",
	     "             ^", "bad port (0-65535)");
	PERR("udp [2001:db8::1]:99999 -> [2001:db8::2]:53 in eth0",
	     "                  ^^^^^", "bad port (0-65535)");

	/* ports on a protocol without them */
	PERR("icmp 10.0.0.1:5 -> 10.0.0.2 in eth0",
	     "     ^^^^^^^^^^", "protocol 'icmp' has no ports");
	PERR("icmp 10.0.0.1 -> 10.0.0.2:7 in eth0",
	     "                 ^^^^^^^^^^", "protocol 'icmp' has no ports");
	PERR("gre 10.0.0.1:5 -> 10.0.0.2:7 in eth0",
	     "    ^^^^^^^^^^", "protocol 'gre' has no ports");
	PERR("47 10.0.0.1 -> 10.0.0.2:7 in eth0",
	     "               ^^^^^^^^^^", "protocol '47' has no ports");

	/* families */
	PERR("tcp 10.0.0.1 -> 2001:db8::1 in eth0",
	     "                ^^^^^^^^^^^", "source and destination are of different families");
	PERR("udp [2001:db8::1]:5 -> 10.0.0.1:53 in eth0",
	     "                       ^^^^^^^^^^^", "source and destination are of different families");
	PERR("icmp 2001:db8::1 -> 2001:db8::2 in eth0",
	     "^^^^", "icmp is IPv4; use icmpv6");
	PERR("1 2001:db8::1 -> 2001:db8::2 in eth0",
	     "^", "icmp is IPv4; use icmpv6");
	PERR("icmpv6 10.0.0.1 -> 10.0.0.2 in eth0",
	     "^^^^^^", "icmpv6 is IPv6; use icmp");
	PERR("udp 2001:db8::1 -> 2001:db8::2 in eth0 fragment",
	     "                                       ^^^^^^^^", "fragment is for IPv4");

	/* unknown words, missing values */
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 colour red",
	     "                                 ^^^^^^",
	     "unknown word (in, out, state, mark, connmark, type, code, flags, uid, fragment)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 IN eth0",
	     "                         ^^",
	     "unknown word (in, out, state, mark, connmark, type, code, flags, uid, fragment)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 state",
	     "                                 ^^^^^", "'state' needs a value");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in",
	     "                         ^^", "'in' needs a value");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 out eth0 mark",
	     "                                  ^^^^", "'mark' needs a value");

	/* where the packet is */
	PERR("tcp 10.0.0.1 -> 10.0.0.2",
	     "                ^^^^^^^^",
	     "say where the packet is: 'in IF' (to this host), 'out IF' (from it), or both (forwarded)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 state new mark 3",
	     "                                        ^",
	     "say where the packet is: 'in IF' (to this host), 'out IF' (from it), or both (forwarded)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0123456789abc",
	     "                            ^^^^^^^^^^^^^^^^",
	     "interface name longer than 15 characters");

	/* uid with 'in' (the span is checked in the known-bugs suite) */
	{
		struct packet p;
		char err[256];
		size_t eo, el;
		CU_ASSERT_EQUAL(packet_parse("tcp 10.0.0.1 -> 10.0.0.2 in eth0 uid 0", &p,
					     err, sizeof(err), &eo, &el), -1);
		CU_ASSERT_STRING_EQUAL(err, "'uid' is for packets this host sends (no 'in')");
		CU_ASSERT_EQUAL(packet_parse("tcp 10.0.0.1 -> 10.0.0.2 uid 5 out eth1 in eth0",
					     &p, err, sizeof(err), &eo, &el), -1);
		CU_ASSERT_STRING_EQUAL(err, "'uid' is for packets this host sends (no 'in')");
	}
	PERR("tcp 10.0.0.1 -> 10.0.0.2 out eth0 uid root",
	     "                                      ^^^^", "bad uid (a number)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 out eth0 uid -1",
	     "                                      ^^", "bad uid (a number)");

	/* state, marks */
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 state bogus",
	     "                                       ^^^^^",
	     "unknown state (new, established, related, invalid, untracked)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 state New",
	     "                                       ^^^",
	     "unknown state (new, established, related, invalid, untracked)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 mark 0x100000000",
	     "                                      ^^^^^^^^^^^", "bad mark (a 32-bit number)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 connmark x",
	     "                                          ^", "bad mark (a 32-bit number)");

	/* tcp flags: the span is the one bad flag */
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 flags syn,foo",
	     "                                           ^^^",
	     "unknown tcp flag (fin, syn, rst, psh, ack, urg, ece, cwr)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 flags SYN",
	     "                                       ^^^",
	     "unknown tcp flag (fin, syn, rst, psh, ack, urg, ece, cwr)");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 flags syn,,ack",
	     "                                           ^",
	     "empty tcp flag in the list");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 flags syn,",
	     "                                          ^",
	     "empty tcp flag in the list");
	PERR("udp 10.0.0.1 -> 10.0.0.2 in eth0 flags syn",
	     "                                 ^^^^^", "'flags' is for tcp");

	/* icmp types and codes */
	PERR("icmp 10.0.0.1 -> 10.0.0.2 in eth0 type bogus",
	     "                                       ^^^^^", "unknown icmp type 'bogus'");
	PERR("icmp 10.0.0.1 -> 10.0.0.2 in eth0 type 256",
	     "                                       ^^^", "unknown icmp type '256'");
	PERR("icmp 10.0.0.1 -> 10.0.0.2 in eth0 type nd-neighbor-solicit",
	     "                                       ^^^^^^^^^^^^^^^^^^^",
	     "unknown icmp type 'nd-neighbor-solicit'");
	PERR("icmpv6 2001:db8::1 -> 2001:db8::2 in eth0 type timestamp-request",
	     "                                               ^^^^^^^^^^^^^^^^^",
	     "unknown icmp type 'timestamp-request'");
	PERR("icmp 10.0.0.1 -> 10.0.0.2 in eth0 type abcdefghijklmnopqrstuvwxyzabcdefghijklmn",
	     "                                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
	     "unknown icmp type");
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 type echo-request",
	     "                                 ^^^^", "'type' is for icmp and icmpv6");
	PERR("icmp 10.0.0.1 -> 10.0.0.2 in eth0 code 256",
	     "                                       ^^^", "bad icmp code (0-255)");

	/* too many words */
	{
		char *t = xstrdup("tcp 10.0.0.1 -> 10.0.0.2 in eth0");
		for (int i = 0; i < 18; i++) {
			char *u = xasprintf("%s mark 1", t);
			free(t);
			t = u;
		}
		/* 6 + 36 = 42 words */
		PERR(t, "^", "packet description too long");
		free(t);
		/* 39 words are fine */
		t = xstrdup("tcp 10.0.0.1 -> 10.0.0.2 in eth0 fragment");
		for (int i = 0; i < 16; i++) {
			char *u = xasprintf("%s mark 1", t);
			free(t);
			t = u;
		}
		struct packet p = PKT(t);
		CU_ASSERT_EQUAL(p.mark, 1);
		free(t);
	}

	/* a failed parse leaves the defaults, not garbage */
	{
		struct packet p;
		char err[256];
		size_t eo, el;
		memset(&p, 0x5a, sizeof(p));
		CU_ASSERT_EQUAL(packet_parse("tcp 10.0.0.1 -> 10.0.0.2", &p, err,
					     sizeof(err), &eo, &el), -1);
		CU_ASSERT_EQUAL(p.uid, -1);
		CU_ASSERT_EQUAL(p.mark, 0);
	}
}

static void test_format_roundtrip(void)
{
	static const struct {
		const char *in, *canon;
	} t[] = {
		{ "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0",
		  "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 state new flags syn" },
		{ "udp 198.51.100.7 -> 192.0.2.1 out eth1",
		  "udp 198.51.100.7 -> 192.0.2.1 out eth1 state new" },
		{ "udp [2001:db8::5]:53 -> [2001:db8::1]:5353 in eth0 out eth1 mark 16",
		  "udp [2001:db8::5]:53 -> [2001:db8::1]:5353 in eth0 out eth1 state new mark 0x10" },
		{ "tcp 2001:db8::5 -> [2001:db8::1]:443 out eth1 state established",
		  "tcp 2001:db8::5 -> [2001:db8::1]:443 out eth1 state established flags ack" },
		{ "tcp [::ffff:192.0.2.1]:1 -> [::1]:0 in lo flags none connmark 0xabc",
		  "tcp [::ffff:192.0.2.1]:1 -> [::1]:0 in lo state new connmark 0xabc flags none" },
		{ "icmp 192.0.2.9 -> 192.0.2.1 in eth0",
		  "icmp 192.0.2.9 -> 192.0.2.1 in eth0 state new type echo-request" },
		{ "icmp 192.0.2.9 -> 192.0.2.1 in eth0 type 3 code 1 state related",
		  "icmp 192.0.2.9 -> 192.0.2.1 in eth0 state related type destination-unreachable code 1" },
		{ "icmp 192.0.2.9 -> 192.0.2.1 in eth0 type 200",
		  "icmp 192.0.2.9 -> 192.0.2.1 in eth0 state new type 200" },
		{ "icmpv6 2001:db8::5 -> 2001:db8::1 out eth0 type nd-neighbor-solicit",
		  "icmpv6 2001:db8::5 -> 2001:db8::1 out eth0 state untracked type nd-neighbor-solicit" },
		{ "ipv6-icmp 2001:db8::5 -> 2001:db8::1 in eth0",
		  "icmpv6 2001:db8::5 -> 2001:db8::1 in eth0 state new type echo-request" },
		{ "47 192.0.2.9 -> 192.0.2.1 in eth0 state invalid",
		  "gre 192.0.2.9 -> 192.0.2.1 in eth0 state invalid" },
		{ "99 192.0.2.9 -> 192.0.2.1 in eth0",
		  "99 192.0.2.9 -> 192.0.2.1 in eth0 state new" },
		{ "tcp 192.0.2.1:5000 -> 198.51.100.7:443 out eth0 uid 1000 flags fin,ack",
		  "tcp 192.0.2.1:5000 -> 198.51.100.7:443 out eth0 state new flags fin,ack uid 1000" },
		{ "udp 192.0.2.9:1 -> 192.0.2.1:2 in eth0 fragment state untracked mark 0xffffffff",
		  "udp 192.0.2.9:1 -> 192.0.2.1:2 in eth0 state untracked mark 0xffffffff fragment" },
		{ "tcp 192.0.2.9 -> 192.0.2.1 in eth0 flags fin,syn,rst,psh,ack,urg,ece,cwr",
		  "tcp 192.0.2.9 -> 192.0.2.1 in eth0 state new flags fin,syn,rst,psh,ack,urg,ece,cwr" },
		{ "sctp [2001:db8::5]:5000 -> [2001:db8::1]:38412 in abcdefghijklmno out x",
		  "sctp [2001:db8::5]:5000 -> [2001:db8::1]:38412 in abcdefghijklmno out x state new" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct packet p = PKT(t[i].in), q;
		char buf[256], buf2[256], err[256] = "";
		size_t eo, el;
		packet_format(buf, sizeof(buf), &p);
		check_at(__LINE__, !strcmp(buf, t[i].canon), "format '%s':\n    got  '%s'\n    want '%s'",
			 t[i].in, buf, t[i].canon);
		int rc = packet_parse(buf, &q, err, sizeof(err), &eo, &el);
		check_at(__LINE__, rc == 0, "'%s' does not parse: %s", buf, err);
		check_at(__LINE__, rc == 0 && packet_eq(&p, &q), "'%s': parse(format(p)) != p", buf);
		packet_format(buf2, sizeof(buf2), &q);
		check_at(__LINE__, !strcmp(buf, buf2), "format not stable: '%s' then '%s'", buf, buf2);
	}

	/* a packet built by hand (as trace's final packet is) */
	struct packet h;
	memset(&h, 0, sizeof(h));
	h.family = 6;
	h.proto = 17;
	h.saddr = DOC6(0x1234);
	h.daddr = ((u128)0xfd000000 << 96) | 1;
	h.sport = 1;
	h.dport = 65535;
	strcpy(h.iif, "wg0");
	h.state = CT_ESTABLISHED;
	h.mark = 1;
	h.ctmark = 2;
	h.icmp_type = h.icmp_code = -1;
	h.uid = -1;
	char buf[256], err[256] = "";
	size_t eo, el;
	packet_format(buf, sizeof(buf), &h);
	CU_ASSERT_STRING_EQUAL(buf, "udp [2001:db8::1234]:1 -> [fd00::1]:65535 in wg0 "
			       "state established mark 0x1 connmark 0x2");
	struct packet q;
	CU_ASSERT_EQUAL(packet_parse(buf, &q, err, sizeof(err), &eo, &el), 0);
	CU_ASSERT(packet_eq(&h, &q));

	/* a small buffer: truncated, still a string */
	char small[12];
	memset(small, 'x', sizeof(small));
	packet_format(small, sizeof(small), &h);
	CU_ASSERT_PTR_NOT_NULL(memchr(small, '\0', sizeof(small)));
	CU_ASSERT(!strncmp(small, "udp [2001:d", strlen(small)));
}

static void test_ifaddr_parse(void)
{
	struct trace_ifaddr a;
	CU_ASSERT_EQUAL(ifaddr_parse("eth1=192.168.1.1", &a), 0);
	CU_ASSERT_STRING_EQUAL(a.name, "eth1");
	CU_ASSERT_EQUAL(a.family, 4);
	CU_ASSERT(a.addr == IP4(192, 168, 1, 1));
	CU_ASSERT_EQUAL(ifaddr_parse("abcdefghijklmno=2001:db8::1", &a), 0);
	CU_ASSERT_STRING_EQUAL(a.name, "abcdefghijklmno");
	CU_ASSERT_EQUAL(a.family, 6);
	CU_ASSERT(a.addr == DOC6(1));
	CU_ASSERT_EQUAL(ifaddr_parse("eth1=192.168.1.1/32", &a), 0);
	CU_ASSERT_EQUAL(ifaddr_parse("eth1", &a), -1);
	CU_ASSERT_EQUAL(ifaddr_parse("=192.168.1.1", &a), -1);
	CU_ASSERT_EQUAL(ifaddr_parse("eth1=", &a), -1);
	CU_ASSERT_EQUAL(ifaddr_parse("eth1=192.168.1.0/24", &a), -1);
	CU_ASSERT_EQUAL(ifaddr_parse("eth1=bogus", &a), -1);
	CU_ASSERT_EQUAL(ifaddr_parse("abcdefghijklmnop=192.168.1.1", &a), -1);
}

/* ================================================================== */
/* the simulator: actions                                             */
/* ================================================================== */

static void test_accept_drop_reject(void)
{
	struct ir *ir = COMPILE(
		"input {\n"
		"    accept proto tcp dport 22;\n"          /* 2 */
		"    drop proto tcp dport 23;\n"            /* 3 */
		"    reject proto tcp dport 24;\n"          /* 4 */
		"}\n");
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", NULL, &res);
	CU_ASSERT_EQUAL(res.path, PATH_INPUT);
	STEPS(&res, "input:2 accept");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	CU_ASSERT_FATAL(res.n >= 1);
	CU_ASSERT_EQUAL(res.steps[0].table, TBL_FILTER);
	CU_ASSERT_EQUAL(res.steps[0].hook, HOOK_INPUT);
	CU_ASSERT_STRING_EQUAL(res.steps[0].note, "");
	ASSUMED(&res, false, false, false, false);
	CU_ASSERT(!res.nat_skipped);
	trace_result_release(&res);
	CU_ASSERT_PTR_NULL(res.steps);
	CU_ASSERT_EQUAL(res.n, 0);

	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:23 in eth0", NULL, &res);
	STEPS(&res, "input:3 drop");
	VERDICT(&res, ACT_DROP, 3, "input");
	CU_ASSERT_FATAL(res.n >= 1);
	CU_ASSERT_PTR_EQUAL(res.verdict_rule, res.steps[0].rule);
	trace_result_release(&res);

	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:24 in eth0", NULL, &res);
	STEPS(&res, "input:4 reject");
	VERDICT(&res, ACT_REJECT, 4, "input");
	trace_result_release(&res);

	/* nothing matches: the chain's policy (drop), no rule */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:25 in eth0", NULL, &res);
	STEPS(&res, "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	NOTE(&res, 0, "end of chain: policy drop");
	trace_result_release(&res);

	/* the output chain's policy is accept */
	TRACE(ir, "tcp 192.0.2.1:40000 -> 198.51.100.7:25 out eth0", NULL, &res);
	CU_ASSERT_EQUAL(res.path, PATH_OUTPUT);
	STEPS(&res, "output:policy");
	NOTE(&res, 0, "end of chain: policy accept");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	done(ir);
}

static void test_log(void)
{
	struct ir *ir = COMPILE(
		"input {\n"
		"    log prefix \"ssh: \" proto tcp dport 22;\n"   /* 2 */
		"    log level info;\n"                          /* 3 */
		"    accept proto tcp dport 22;\n"               /* 4 */
		"}\n");
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", NULL, &res);
	STEPS(&res, "input:2 log", "input:3 log", "input:4 accept");
	NOTE(&res, 0, "logged with prefix \"ssh: \"");
	NOTE(&res, 1, "logged");
	NOTE(&res, 2, "");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* log does not decide: the policy does */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:3 log", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	done(ir);
}

static void test_mark(void)
{
	struct ir *ir = COMPILE(
		"mangle prerouting {\n"
		"    mark 0x5/0xf;\n"                            /* 2 */
		"    mark 0x30/0xf0;\n"                          /* 3 */
		"}\n"
		"input {\n"
		"    accept mark 0xabcd35/0xffffff proto tcp;\n" /* 6 */
		"}\n");
	struct trace_result res;
	/* (mark & ~mask) ^ value */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 mark 0xabcd0f", NULL, &res);
	STEPS(&res, "mangle-prerouting:2 mark", "mangle-prerouting:3 mark",
	      "mangle-prerouting:policy", "input:6 accept");
	NOTE(&res, 0, "mark set to 0xabcd05");
	NOTE(&res, 1, "mark set to 0xabcd35");
	NOTE(&res, 2, "end of chain: policy accept");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	CU_ASSERT_EQUAL(res.final.mark, 0xabcd35);
	CU_ASSERT_EQUAL(res.final.ctmark, 0);
	trace_result_release(&res);

	/* other bits of the start mark survive, and the later match sees them */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 mark 0x1100ff", NULL, &res);
	CU_ASSERT_EQUAL(res.final.mark, 0x110035);
	STEPS(&res, "mangle-prerouting:2 mark", "mangle-prerouting:3 mark",
	      "mangle-prerouting:policy", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	done(ir);

	/* without a mask the whole mark is set */
	ir = COMPILE("mangle prerouting { mark 7; }\n"
		     "input { accept mark 7; }\n");
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 mark 0xffff0000", NULL, &res);
	NOTE(&res, 0, "mark set to 0x7");
	CU_ASSERT_EQUAL(res.final.mark, 7);
	STEPS(&res, "mangle-prerouting:1 mark", "mangle-prerouting:policy", "input:2 accept");
	trace_result_release(&res);
	done(ir);

	/* A value with bits outside its mask toggles them (iptables' xmark).
	 * The DSL refuses such a value ("mark value 0x13 has bits outside its
	 * mask 0xf"), the importer need not: IR built by hand. */
	ir = ir_new();
	struct ir_chain *m = ir_chain_add(ir, "mangle-prerouting", TBL_MANGLE, HOOK_PREROUTING);
	struct ir_rule *r = ir_rule_add(ir, m, NULL);
	r->origin = "xmark";
	r->act.kind = ACT_MARK;
	r->act.mark = 0x13;
	r->act.mask = 0xf;
	r = ir_rule_add(ir, m, NULL);
	r->origin = "ctxmark";
	r->act.kind = ACT_CONNMARK;
	r->act.cm = CM_SET;
	r->act.mark = 0x13;
	r->act.mask = 0xf;
	ir_sort(ir);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 mark 0xabcd35 connmark 0xa0",
	      NULL, &res);
	STEPS(&res, "mangle-prerouting:xmark mark", "mangle-prerouting:ctxmark connmark",
	      "mangle-prerouting:policy");
	NOTE(&res, 0, "mark set to 0xabcd23");      /* 0xabcd30 ^ 0x13 */
	NOTE(&res, 1, "mark 0xabcd23, connmark 0xb3");   /* 0xa0 ^ 0x13 */
	CU_ASSERT_EQUAL(res.final.mark, 0xabcd23);
	CU_ASSERT_EQUAL(res.final.ctmark, 0xb3);
	trace_result_release(&res);
	ir_free(ir);
}

static void test_connmark(void)
{
	struct ir *ir = COMPILE(
		"mangle prerouting {\n"
		"    connmark set 0x5/0xf;\n"     /* 2 */
		"    mark 0x7;\n"                 /* 3 */
		"    connmark save;\n"            /* 4 */
		"    mark 0x9;\n"                 /* 5 */
		"    connmark restore;\n"         /* 6 */
		"}\n"
		"input { accept connmark 0x7 mark 0x7; }\n");   /* 8 */
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 connmark 0xa0", NULL, &res);
	STEPS(&res, "mangle-prerouting:2 connmark", "mangle-prerouting:3 mark",
	      "mangle-prerouting:4 connmark", "mangle-prerouting:5 mark",
	      "mangle-prerouting:6 connmark", "mangle-prerouting:policy",
	      "input:8 accept");
	NOTE(&res, 0, "mark 0x0, connmark 0xa5");      /* (0xa0 & ~0xf) ^ 5 */
	NOTE(&res, 1, "mark set to 0x7");
	NOTE(&res, 2, "mark 0x7, connmark 0x7");       /* save */
	NOTE(&res, 3, "mark set to 0x9");
	NOTE(&res, 4, "mark 0x7, connmark 0x7");       /* restore */
	CU_ASSERT_EQUAL(res.final.mark, 7);
	CU_ASSERT_EQUAL(res.final.ctmark, 7);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	done(ir);

	/* connmark N without 'set' sets the whole connection mark */
	ir = COMPILE("mangle prerouting { connmark 0x3; }\n"
		     "input { accept connmark 0x3; }\n");
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 connmark 0xf0f0 mark 0x1", NULL, &res);
	NOTE(&res, 0, "mark 0x1, connmark 0x3");
	CU_ASSERT_EQUAL(res.final.ctmark, 3);
	CU_ASSERT_EQUAL(res.final.mark, 1);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	done(ir);
}

static void test_jump_return(void)
{
	struct ir *ir = COMPILE(
		"chain c1 {\n"
		"    return proto udp;\n"             /* 2 */
		"    log;\n"                          /* 3 */
		"    accept proto tcp dport 22;\n"    /* 4 */
		"}\n"
		"input {\n"
		"    jump c1;\n"                      /* 7 */
		"    accept proto udp;\n"             /* 8 */
		"}\n");
	struct trace_result res;
	/* return: back to the rule after the jump */
	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0", NULL, &res);
	STEPS(&res, "input:7 jump", "c1:2 return", "input:8 accept");
	CU_ASSERT_FATAL(res.n >= 2);
	CU_ASSERT_EQUAL(res.steps[1].table, TBL_FILTER);
	CU_ASSERT_EQUAL(res.steps[1].hook, HOOK_INPUT);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* an accept in the called chain decides */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", NULL, &res);
	STEPS(&res, "input:7 jump", "c1:3 log", "c1:4 accept");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* the end of the called chain: back to the caller, then its policy */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:7 jump", "c1:3 log", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	done(ir);

	/* a drop in a called chain: verdict rule and chain are the callee's */
	ir = COMPILE("chain c2 { drop proto tcp; }\n"
		     "input { jump c2; accept; }\n");
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:2 jump", "c2:1 drop");
	VERDICT(&res, ACT_DROP, 1, "c2");
	trace_result_release(&res);
	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:2 jump", "input:2 accept");
	trace_result_release(&res);
	done(ir);
}

static void test_goto(void)
{
	struct ir *ir = COMPILE(
		"chain g {\n"
		"    return proto udp;\n"             /* 2 */
		"    log;\n"                          /* 3 */
		"}\n"
		"chain j { goto g; }\n"              /* 5 */
		"input {\n"
		"    jump j proto tcp dport 99;\n"    /* 7 */
		"    accept proto tcp dport 99;\n"    /* 8 */
		"    goto g;\n"                       /* 9 */
		"    accept;\n"                       /* 10: never after the goto */
		"}\n");
	struct trace_result res;
	/* the end of a goto'd chain: the base chain's policy, not rule 10 */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:9 goto", "g:3 log", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	CU_ASSERT_FATAL(res.n >= 1);
	CU_ASSERT_PTR_EQUAL(res.verdict_chain, res.steps[0].chain);
	trace_result_release(&res);

	/* return in a goto'd chain: the policy as well */
	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:9 goto", "g:2 return", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);

	/* a goto inside a jumped chain: its end returns to the jump's caller */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:99 in eth0", NULL, &res);
	STEPS(&res, "input:7 jump", "j:5 goto", "g:3 log", "input:8 accept");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	done(ir);

	/* with policy accept the goto'd chain's end accepts */
	ir = COMPILE("policy input accept;\n"
		     "chain g { log; }\n"
		     "input { goto g; drop; }\n");
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:3 goto", "g:2 log", "input:policy");
	NOTE(&res, 2, "end of chain: policy accept");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	done(ir);
}

static void test_return_in_base_chain(void)
{
	struct ir *ir = COMPILE(
		"input {\n"
		"    return proto tcp;\n"    /* 2 */
		"    accept;\n"              /* 3 */
		"}\n");
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", NULL, &res);
	STEPS(&res, "input:2 return", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0", NULL, &res);
	STEPS(&res, "input:3 accept");
	trace_result_release(&res);
	done(ir);

	ir = COMPILE("policy input accept;\n"
		     "input { return proto tcp; drop; }\n");
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", NULL, &res);
	STEPS(&res, "input:2 return", "input:policy");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	done(ir);
}

static void test_zone_dispatch(void)
{
	struct ir *ir = COMPILE(
		"zone lan { interface eth1; }\n"
		"zone wan { interface eth0; }\n"
		"input {\n"
		"    accept from lan proto tcp dport 22;\n"   /* 4 */
		"    drop from wan proto tcp dport 22;\n"     /* 5 */
		"    accept proto tcp dport 80;\n"            /* 6 */
		"}\n");
	const struct ir_chain *lan = ir_chain_find(ir, TBL_FILTER, "input-lan");
	const struct ir_chain *wan = ir_chain_find(ir, TBL_FILTER, "input-wan");
	CU_ASSERT_PTR_NOT_NULL_FATAL(lan);
	CU_ASSERT_PTR_NOT_NULL_FATAL(wan);
	struct trace_result res;
	TRACE(ir, "tcp 192.168.1.5:40000 -> 192.168.1.1:22 in eth1", NULL, &res);
	STEPS(&res, "input:zone dispatch goto", "input-lan:4 accept");
	CU_ASSERT_FATAL(res.n >= 2 && res.steps[0].rule);
	CU_ASSERT_PTR_EQUAL(res.steps[0].rule->act.target, lan);
	CU_ASSERT_PTR_EQUAL(res.steps[1].chain, lan);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* the zone chain's end: the base chain's policy (goto) */
	TRACE(ir, "tcp 192.168.1.5:40000 -> 192.168.1.1:443 in eth1", NULL, &res);
	STEPS(&res, "input:zone dispatch goto", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);

	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:22 in eth0", NULL, &res);
	STEPS(&res, "input:zone dispatch goto", "input-wan:5 drop");
	CU_ASSERT_FATAL(res.n >= 1 && res.steps[0].rule);
	CU_ASSERT_PTR_EQUAL(res.steps[0].rule->act.target, wan);
	VERDICT(&res, ACT_DROP, 5, "input-wan");
	trace_result_release(&res);

	/* a zone-less rule is in both zone chains */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:zone dispatch goto", "input-wan:6 accept");
	trace_result_release(&res);

	/* an interface of no zone: no dispatch, the base chain's own rules */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in eth2", NULL, &res);
	STEPS(&res, "input:6 accept");
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:22 in eth2", NULL, &res);
	STEPS(&res, "input:policy");
	trace_result_release(&res);
	done(ir);
}

static void test_snat_masquerade(void)
{
	struct ir *ir = COMPILE(
		"nat {\n"
		"    snat out eth0 source 192.168.1.0/24 proto udp to 203.0.113.1;\n"  /* 2 */
		"    masquerade out eth0 source 192.168.1.0/24;\n"                      /* 3 */
		"}\n"
		"policy forward accept;\n");
	struct trace_result res;
	TRACE(ir, "udp 192.168.1.5:5000 -> 198.51.100.1:53 in eth1 out eth0", NULL, &res);
	CU_ASSERT_EQUAL(res.path, PATH_FORWARD);
	STEPS(&res, "forward:policy", "nat-postrouting:2 snat");
	HOOKS(&res, "filter forward", "nat postrouting");
	NOTE(&res, 1, "source rewritten to 203.0.113.1");
	CU_ASSERT(res.final.saddr == IP4(203, 0, 113, 1));
	CU_ASSERT_EQUAL(res.final.sport, 5000);
	CU_ASSERT(res.final.daddr == IP4(198, 51, 100, 1));
	CU_ASSERT_EQUAL(res.final.dport, 53);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* masquerade: a note, the address is not known */
	TRACE(ir, "tcp 192.168.1.5:40000 -> 198.51.100.1:443 in eth1 out eth0", NULL, &res);
	STEPS(&res, "forward:policy", "nat-postrouting:3 masquerade");
	NOTE(&res, 1, "source rewritten to the address of eth0");
	CU_ASSERT(res.final.saddr == IP4(192, 168, 1, 5));
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* another source: nat chain ends with its policy, nothing rewritten */
	TRACE(ir, "tcp 10.0.0.5:40000 -> 198.51.100.1:443 in eth1 out eth0", NULL, &res);
	STEPS(&res, "forward:policy", "nat-postrouting:policy");
	CU_ASSERT(res.final.saddr == IP4(10, 0, 0, 5));
	trace_result_release(&res);

	/* from this host too (output path) */
	TRACE(ir, "tcp 192.168.1.1:40000 -> 198.51.100.1:443 out eth0", NULL, &res);
	STEPS(&res, "output:policy", "nat-postrouting:3 masquerade");
	HOOKS(&res, "filter output", "nat postrouting");
	trace_result_release(&res);
	done(ir);
}

static void test_dnat(void)
{
	struct ir *ir = COMPILE(
		"nat {\n"
		"    dnat in eth0 proto tcp dport 8080 to 192.168.1.10:80;\n"   /* 2 */
		"    dnat in eth0 proto tcp dport 2222 to 192.168.1.11;\n"      /* 3 */
		"}\n"
		"forward {\n"
		"    accept destination 192.168.1.10 proto tcp dport 80;\n"     /* 6 */
		"    accept destination 192.168.1.11 proto tcp dport 2222;\n"   /* 7 */
		"}\n");
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in eth0 out eth1", NULL, &res);
	STEPS(&res, "nat-prerouting:2 dnat", "forward:6 accept");
	NOTE(&res, 0, "destination rewritten to 192.168.1.10 port 80");
	CU_ASSERT(res.final.daddr == IP4(192, 168, 1, 10));
	CU_ASSERT_EQUAL(res.final.dport, 80);
	CU_ASSERT(res.final.saddr == IP4(198, 51, 100, 7));
	CU_ASSERT_EQUAL(res.final.sport, 40000);
	CU_ASSERT_EQUAL(res.path, PATH_FORWARD);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* without a port: the port stays */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:2222 in eth0 out eth1", NULL, &res);
	STEPS(&res, "nat-prerouting:3 dnat", "forward:7 accept");
	NOTE(&res, 0, "destination rewritten to 192.168.1.11");
	CU_ASSERT(res.final.daddr == IP4(192, 168, 1, 11));
	CU_ASSERT_EQUAL(res.final.dport, 2222);
	trace_result_release(&res);

	/* no dnat: the filter sees the original destination */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.168.1.10:8081 in eth0 out eth1", NULL, &res);
	STEPS(&res, "nat-prerouting:policy", "forward:policy");
	VERDICT(&res, ACT_DROP, 0, "forward");
	CU_ASSERT(res.final.daddr == IP4(192, 168, 1, 10));
	trace_result_release(&res);
	done(ir);

	/* IPv6 target with a port, from this host (nat output) */
	ir = COMPILE("nat { dnat from self proto tcp dport 80 to [2001:db8::80]:8080; }\n");
	TRACE(ir, "tcp [2001:db8::1]:40000 -> [2001:db8::99]:80 out eth0", NULL, &res);
	STEPS(&res, "nat-output:1 dnat", "output:policy");
	NOTE(&res, 0, "destination rewritten to 2001:db8::80 port 8080");
	CU_ASSERT(res.final.daddr == DOC6(0x80));
	CU_ASSERT_EQUAL(res.final.dport, 8080);
	trace_result_release(&res);
	done(ir);
}

static void test_redirect(void)
{
	struct ir *ir = COMPILE(
		"nat { redirect in eth1 proto tcp dport 80 to port 3128; }\n"   /* 1 */
		"input { accept proto tcp dport 3128; }\n"                       /* 2 */
		"forward { accept; }\n");                                       /* 3 */
	struct trace_ifaddr ifa[3];
	CU_ASSERT_EQUAL_FATAL(ifaddr_parse("eth0=203.0.113.1", &ifa[0]), 0);
	CU_ASSERT_EQUAL_FATAL(ifaddr_parse("eth1=fd00::1", &ifa[1]), 0);
	CU_ASSERT_EQUAL_FATAL(ifaddr_parse("eth1=192.168.1.1", &ifa[2]), 0);
	struct trace_opts o = defaults;
	o.ifaddrs = ifa;
	o.nifaddrs = 3;
	struct trace_result res;

	/* a forwarded packet becomes one for this host */
	TRACE(ir, "tcp 192.168.1.5:40000 -> 198.51.100.1:80 in eth1 out eth0", &o, &res);
	CU_ASSERT_EQUAL(res.path, PATH_INPUT);
	STEPS(&res, "nat-prerouting:1 redirect", "input:2 accept");
	HOOKS(&res, "nat prerouting", "filter input");
	NOTE(&res, 0, "redirected to this host (192.168.1.1) port 3128");
	CU_ASSERT(res.final.daddr == IP4(192, 168, 1, 1));
	CU_ASSERT_EQUAL(res.final.dport, 3128);
	CU_ASSERT_STRING_EQUAL(res.final.oif, "");
	CU_ASSERT_STRING_EQUAL(res.final.iif, "eth1");
	CU_ASSERT(res.final.saddr == IP4(192, 168, 1, 5));
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* without the interface's address: the destination address stays */
	TRACE(ir, "tcp 192.168.1.5:40000 -> 198.51.100.1:80 in eth1 out eth0", NULL, &res);
	CU_ASSERT_EQUAL(res.path, PATH_INPUT);
	NOTE(&res, 0, "redirected to this host (the address of eth1) port 3128");
	CU_ASSERT(res.final.daddr == IP4(198, 51, 100, 1));
	CU_ASSERT_EQUAL(res.final.dport, 3128);
	CU_ASSERT_STRING_EQUAL(res.final.oif, "");
	STEPS(&res, "nat-prerouting:1 redirect", "input:2 accept");
	trace_result_release(&res);

	/* only an address of the other family is known: not used */
	o.ifaddrs = &ifa[1];
	o.nifaddrs = 1;
	TRACE(ir, "tcp 192.168.1.5:40000 -> 198.51.100.1:80 in eth1 out eth0", &o, &res);
	CU_ASSERT(res.final.daddr == IP4(198, 51, 100, 1));
	NOTE(&res, 0, "redirected to this host (the address of eth1) port 3128");
	trace_result_release(&res);

	/* an IPv6 packet gets the IPv6 address (the rule is for both) */
	TRACE(ir, "tcp [fd00::5]:40000 -> [2001:db8::1]:80 in eth1 out eth0", &o, &res);
	CU_ASSERT(res.final.daddr == (((u128)0xfd000000 << 96) | 1));
	NOTE(&res, 0, "redirected to this host (fd00::1) port 3128");
	CU_ASSERT_EQUAL(res.path, PATH_INPUT);
	trace_result_release(&res);

	/* not redirected: forwarded as it was */
	TRACE(ir, "tcp 192.168.1.5:40000 -> 198.51.100.1:443 in eth1 out eth0", NULL, &res);
	CU_ASSERT_EQUAL(res.path, PATH_FORWARD);
	STEPS(&res, "nat-prerouting:policy", "forward:3 accept");
	CU_ASSERT_STRING_EQUAL(res.final.oif, "eth0");
	trace_result_release(&res);
	done(ir);
}

static void test_notrack(void)
{
	struct ir *ir = COMPILE(
		"raw prerouting { notrack in eth0 proto udp dport 53; }\n"          /* 1 */
		"nat { dnat in eth0 proto udp to 192.0.2.99; }\n"                   /* 2 */
		"input { accept state untracked proto udp dport 53; }\n");         /* 3 */
	struct trace_result res;
	TRACE(ir, "udp 198.51.100.7:5000 -> 192.0.2.1:53 in eth0", NULL, &res);
	STEPS(&res, "raw-prerouting:1 notrack", "raw-prerouting:policy", "input:3 accept");
	NOTE(&res, 0, "not tracked: state untracked from here");
	CU_ASSERT_EQUAL(res.final.state, CT_UNTRACKED);
	/* untracked: no NAT */
	CU_ASSERT(res.nat_skipped);
	CU_ASSERT(res.final.daddr == IP4(192, 0, 2, 1));
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* tracked: NAT applies, the untracked rule does not match */
	TRACE(ir, "udp 198.51.100.7:5000 -> 192.0.2.1:54 in eth0", NULL, &res);
	STEPS(&res, "raw-prerouting:policy", "nat-prerouting:2 dnat", "input:policy");
	CU_ASSERT(!res.nat_skipped);
	CU_ASSERT_EQUAL(res.final.state, CT_NEW);
	CU_ASSERT(res.final.daddr == IP4(192, 0, 2, 99));
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	done(ir);
}

static void test_clamp_mss(void)
{
	struct ir *ir = COMPILE(
		"mangle forward { clamp-mss; }\n"   /* 1 */
		"policy forward accept;\n");
	struct trace_result res;
	TRACE(ir, "tcp 192.168.1.5:40000 -> 198.51.100.1:443 in eth1 out eth0", NULL, &res);
	STEPS(&res, "mangle-forward:1 clamp-mss", "mangle-forward:policy", "forward:policy");
	NOTE(&res, 0, "tcp mss clamped to the path mtu");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	/* only SYN */
	TRACE(ir, "tcp 192.168.1.5:40000 -> 198.51.100.1:443 in eth1 out eth0 flags ack", NULL, &res);
	STEPS(&res, "mangle-forward:policy", "forward:policy");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.168.1.5:40000 -> 198.51.100.1:443 in eth1 out eth0 flags syn,rst", NULL, &res);
	STEPS(&res, "mangle-forward:policy", "forward:policy");
	trace_result_release(&res);
	TRACE(ir, "udp 192.168.1.5:40000 -> 198.51.100.1:443 in eth1 out eth0", NULL, &res);
	STEPS(&res, "mangle-forward:policy", "forward:policy");
	trace_result_release(&res);
	done(ir);
}

/* NAT sees only a connection's first packet. */
static void test_nat_skipped(void)
{
	struct ir *ir = COMPILE(
		"nat {\n"
		"    dnat in eth0 proto tcp dport 80 to 192.168.1.10;\n"   /* 2 */
		"    masquerade out eth0;\n"                               /* 3 */
		"}\n");
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in eth0 out eth1 state established",
	      NULL, &res);
	CU_ASSERT(res.nat_skipped);
	CU_ASSERT(res.final.daddr == IP4(203, 0, 113, 1));
	STEPS(&res, "forward:implicit: established,related accept");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	/* related and invalid are not new either */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in eth0 out eth1 state related",
	      NULL, &res);
	CU_ASSERT(res.nat_skipped);
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in eth0 out eth1 state invalid",
	      NULL, &res);
	CU_ASSERT(res.nat_skipped);
	STEPS(&res, "forward:implicit: invalid drop");
	trace_result_release(&res);

	/* a new packet: NAT consulted */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in eth0 out eth1", NULL, &res);
	CU_ASSERT(!res.nat_skipped);
	CU_ASSERT(res.final.daddr == IP4(192, 168, 1, 10));
	STEPS(&res, "nat-prerouting:2 dnat", "forward:policy");
	trace_result_release(&res);

	/* on the input path only the nat prerouting chain exists: skipped */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in eth0 state established", NULL, &res);
	CU_ASSERT(res.nat_skipped);
	trace_result_release(&res);
	done(ir);

	/* no nat chain at all: nothing skipped */
	ir = COMPILE("input { accept proto tcp dport 22; }\n");
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 state established", NULL, &res);
	CU_ASSERT(!res.nat_skipped);
	trace_result_release(&res);
	done(ir);
}

static void test_implicit_rules(void)
{
	struct ir *ir = COMPILE("input { accept proto tcp dport 22; }\n");
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0 state established", NULL, &res);
	STEPS(&res, "input:implicit: established,related accept");
	CU_ASSERT_FATAL(res.n >= 1 && res.steps[0].rule);
	CU_ASSERT_PTR_NOT_NULL(res.steps[0].rule->origin);
	CU_ASSERT_PTR_NULL(res.steps[0].rule->loc.file);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);

	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0 state related", NULL, &res);
	STEPS(&res, "input:implicit: established,related accept");
	trace_result_release(&res);

	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 state invalid", NULL, &res);
	STEPS(&res, "input:implicit: invalid drop");
	CU_ASSERT_EQUAL(res.verdict, ACT_DROP);
	CU_ASSERT(res.verdict_rule && res.verdict_rule->origin &&
		  !strcmp(res.verdict_rule->origin, "implicit: invalid"));
	trace_result_release(&res);

	TRACE(ir, "tcp 127.0.0.1:40000 -> 127.0.0.1:80 in lo", NULL, &res);
	STEPS(&res, "input:implicit: loopback accept");
	trace_result_release(&res);
	TRACE(ir, "tcp 127.0.0.1:40000 -> 127.0.0.1:80 out lo", NULL, &res);
	STEPS(&res, "output:implicit: loopback accept");
	trace_result_release(&res);

	/* untracked: neither established nor invalid */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0 state untracked", NULL, &res);
	STEPS(&res, "input:policy");
	trace_result_release(&res);
	done(ir);

	/* switched off: the established packet meets the policy */
	ir = COMPILE("implicit established off;\ninput { accept proto tcp dport 22; }\n");
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in eth0 state established", NULL, &res);
	STEPS(&res, "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	done(ir);
}

static void test_family(void)
{
	struct ir *ir = COMPILE(
		"input {\n"
		"    drop source 0.0.0.0/1 proto tcp;\n"   /* 2: IPv4 only */
		"    drop source ::/96 proto udp;\n"       /* 3: IPv6 only */
		"    accept;\n"                            /* 4 */
		"}\n");
	const struct ir_chain *in = ir_chain_find(ir, TBL_FILTER, "input");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_EQUAL_FATAL(in->n, 3 + 3);
	CU_ASSERT_EQUAL(in->rules[3]->family, 4);
	CU_ASSERT_EQUAL(in->rules[4]->family, 6);
	CU_ASSERT_EQUAL(in->rules[5]->family, 0);
	struct trace_result res;
	/* ::5 is numerically inside 0.0.0.0/1: only the family keeps the
	 * IPv4 rule away from it */
	TRACE(ir, "tcp [::5]:40000 -> [::6]:22 in eth0", NULL, &res);
	STEPS(&res, "input:4 accept");
	trace_result_release(&res);
	TRACE(ir, "tcp 10.0.0.5:40000 -> 10.0.0.6:22 in eth0", NULL, &res);
	STEPS(&res, "input:2 drop");
	VERDICT(&res, ACT_DROP, 2, "input");
	trace_result_release(&res);
	/* and 10.0.0.5 is numerically inside ::/96 */
	TRACE(ir, "udp 10.0.0.5:40000 -> 10.0.0.6:53 in eth0", NULL, &res);
	STEPS(&res, "input:4 accept");
	trace_result_release(&res);
	TRACE(ir, "udp [::5]:40000 -> [::6]:53 in eth0", NULL, &res);
	STEPS(&res, "input:3 drop");
	trace_result_release(&res);
	done(ir);

	/* icmp types are per family */
	ir = COMPILE("input { accept icmp type echo-request; }\n");
	TRACE(ir, "icmp 10.0.0.5 -> 10.0.0.6 in eth0", NULL, &res);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	TRACE(ir, "icmpv6 2001:db8::5 -> 2001:db8::6 in eth0", NULL, &res);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	TRACE(ir, "icmp 10.0.0.5 -> 10.0.0.6 in eth0 type echo-reply", NULL, &res);
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	/* ICMPv6 type 8 is not echo-request */
	TRACE(ir, "icmpv6 2001:db8::5 -> 2001:db8::6 in eth0 type 8", NULL, &res);
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	done(ir);
}

/* Other matches against the packet's fields. */
static void test_matches(void)
{
	struct ir *ir = COMPILE(
		"set blk = { 198.51.100.0/24, 2001:db8:bad::/48 };\n"
		"input {\n"
		"    drop source @blk;\n"                                    /* 3 */
		"    accept in eth1, eth2 proto udp sport 53;\n"             /* 4 */
		"    accept proto tcp tcp-flags syn / syn,ack dport 80;\n"   /* 5 */
		"    accept fragment;\n"                                     /* 6 */
		"    accept connmark 0x10/0x10;\n"                           /* 7 */
		"    accept mark not 0x1/0x1 proto udp;\n"                   /* 8 */
		"}\n"
		"output {\n"
		"    reject uid 1000 proto tcp;\n"                           /* 11 */
		"    jump u;\n"                                              /* 12 */
		"}\n"
		"chain u { drop in not eth0 destination 192.0.2.66; }\n");   /* 14 */
	struct trace_result res;
	TRACE(ir, "udp 198.51.100.7:53 -> 192.0.2.1:5000 in eth1", NULL, &res);
	STEPS(&res, "input:3 drop");
	trace_result_release(&res);
	TRACE(ir, "udp [2001:db8:bad::1]:53 -> [2001:db8::1]:5000 in eth1", NULL, &res);
	STEPS(&res, "input:3 drop");
	trace_result_release(&res);
	TRACE(ir, "udp 192.0.2.7:53 -> 192.0.2.1:5000 in eth2 mark 1", NULL, &res);
	STEPS(&res, "input:4 accept");
	trace_result_release(&res);
	/* eth3: not in the list; mark 1 fails 'mark not 0x1/0x1' */
	TRACE(ir, "udp 192.0.2.7:53 -> 192.0.2.1:5000 in eth3 mark 1", NULL, &res);
	STEPS(&res, "input:policy");
	trace_result_release(&res);
	TRACE(ir, "udp 192.0.2.7:53 -> 192.0.2.1:5000 in eth3 mark 2", NULL, &res);
	STEPS(&res, "input:8 accept");
	trace_result_release(&res);
	/* tcp flags: syn without ack */
	TRACE(ir, "tcp 192.0.2.7:4000 -> 192.0.2.1:80 in eth0", NULL, &res);
	STEPS(&res, "input:5 accept");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.0.2.7:4000 -> 192.0.2.1:80 in eth0 flags syn,ack", NULL, &res);
	STEPS(&res, "input:policy");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.0.2.7:4000 -> 192.0.2.1:80 in eth0 flags syn,fin", NULL, &res);
	STEPS(&res, "input:5 accept");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.0.2.7 -> 192.0.2.1:80 in eth0 flags syn fragment", NULL, &res);
	STEPS(&res, "input:5 accept");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.0.2.7 -> 192.0.2.1:81 in eth0 fragment mark 1", NULL, &res);
	STEPS(&res, "input:6 accept");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.0.2.7 -> 192.0.2.1:81 in eth0 connmark 0x31", NULL, &res);
	STEPS(&res, "input:7 accept");
	trace_result_release(&res);
	/* uid: only packets that have one */
	TRACE(ir, "tcp 192.0.2.1:4000 -> 192.0.2.7:22 out eth0 uid 1000", NULL, &res);
	STEPS(&res, "output:11 reject");
	VERDICT(&res, ACT_REJECT, 11, "output");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.0.2.1:4000 -> 192.0.2.7:22 out eth0 uid 1001", NULL, &res);
	STEPS(&res, "output:12 jump", "output:policy");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.0.2.1:4000 -> 192.0.2.7:22 out eth0", NULL, &res);
	STEPS(&res, "output:12 jump", "output:policy");
	trace_result_release(&res);
	/* a negated interface matches a packet without one */
	TRACE(ir, "tcp 192.0.2.1:4000 -> 192.0.2.66:22 out eth0", NULL, &res);
	STEPS(&res, "output:12 jump", "u:14 drop");
	trace_result_release(&res);
	done(ir);
}

/* ================================================================== */
/* the simulator: kernel order                                        */
/* ================================================================== */

static const char every_hook[] =
	"policy input accept; policy forward accept; policy output accept;\n"
	"raw prerouting { log; }\n"
	"raw output { log; }\n"
	"mangle prerouting { log; }\n"
	"mangle input { log; }\n"
	"mangle forward { log; }\n"
	"mangle output { log; }\n"
	"mangle postrouting { log; }\n"
	"nat prerouting { log; }\n"
	"nat input { log; }\n"
	"nat output { log; }\n"
	"nat postrouting { log; }\n"
	"input { log; }\n"
	"forward { log; }\n"
	"output { log; }\n";

static void test_paths(void)
{
	struct ir *ir = COMPILE(every_hook);
	struct trace_result res;

	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", NULL, &res);
	CU_ASSERT_EQUAL(res.path, PATH_INPUT);
	HOOKS(&res, "raw prerouting", "mangle prerouting", "nat prerouting",
	      "mangle input", "filter input", "nat input");
	STEPS(&res, "raw-prerouting:2 log", "raw-prerouting:policy",
	      "mangle-prerouting:4 log", "mangle-prerouting:policy",
	      "nat-prerouting:9 log", "nat-prerouting:policy",
	      "mangle-input:5 log", "mangle-input:policy",
	      "input:13 log", "input:policy",
	      "nat-input:10 log", "nat-input:policy");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	CU_ASSERT(!res.nat_skipped);
	trace_result_release(&res);

	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.168.1.10:22 in eth0 out eth1", NULL, &res);
	CU_ASSERT_EQUAL(res.path, PATH_FORWARD);
	HOOKS(&res, "raw prerouting", "mangle prerouting", "nat prerouting",
	      "mangle forward", "filter forward", "mangle postrouting",
	      "nat postrouting");
	CU_ASSERT_EQUAL(res.n, 14);
	trace_result_release(&res);

	TRACE(ir, "tcp 192.0.2.1:40000 -> 198.51.100.7:443 out eth0", NULL, &res);
	CU_ASSERT_EQUAL(res.path, PATH_OUTPUT);
	HOOKS(&res, "raw output", "mangle output", "nat output", "filter output",
	      "mangle postrouting", "nat postrouting");
	CU_ASSERT_EQUAL(res.n, 12);
	trace_result_release(&res);

	/* not new: the nat chains are left out */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 state established", NULL, &res);
	HOOKS(&res, "raw prerouting", "mangle prerouting", "mangle input", "filter input");
	STEPS(&res, "raw-prerouting:2 log", "raw-prerouting:policy",
	      "mangle-prerouting:4 log", "mangle-prerouting:policy",
	      "mangle-input:5 log", "mangle-input:policy",
	      "input:implicit: established,related accept");
	CU_ASSERT(res.nat_skipped);
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.168.1.10:22 in eth0 out eth1 state established",
	      NULL, &res);
	HOOKS(&res, "raw prerouting", "mangle prerouting", "mangle forward",
	      "filter forward", "mangle postrouting");
	trace_result_release(&res);
	TRACE(ir, "tcp 192.0.2.1:40000 -> 198.51.100.7:443 out eth0 state established", NULL, &res);
	HOOKS(&res, "raw output", "mangle output", "filter output", "mangle postrouting");
	trace_result_release(&res);
	done(ir);

	/* an accept ends one table's chain; a drop ends the packet */
	ir = COMPILE("mangle prerouting { drop proto udp; accept; log; }\n"   /* 1 */
		     "input { log; }\n");                                     /* 2 */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", NULL, &res);
	STEPS(&res, "mangle-prerouting:1 accept", "input:2 log", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0", NULL, &res);
	STEPS(&res, "mangle-prerouting:1 drop");
	VERDICT(&res, ACT_DROP, 1, "mangle-prerouting");
	HOOKS(&res, "mangle prerouting");
	trace_result_release(&res);
	done(ir);
}

/* ================================================================== */
/* the simulator: assumptions                                         */
/* ================================================================== */

static void test_assumptions(void)
{
	struct ir *ir = COMPILE(
		"input {\n"
		"    accept proto udp rate 5/second;\n"                /* 2 */
		"    accept proto tcp dport 1 rate 5/second;\n"        /* 3 */
		"    accept proto tcp dport 2 recent name x check;\n"  /* 4 */
		"    accept proto tcp dport 3 nth every 2;\n"          /* 5 */
		"    accept proto tcp dport 4 recent name x set;\n"    /* 6 */
		"    accept proto tcp dport 5 connlimit 3;\n"          /* 7 */
		"    accept proto tcp dport 6 recent name x remove;\n" /* 8 */
		"}\n");
	/* the stateful match comes last in each rule */
	const struct ir_chain *in = ir_chain_find(ir, TBL_FILTER, "input");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_EQUAL_FATAL(in->n, 3 + 9);   /* rate: one rule per family */
	for (size_t i = 3; i < in->n; i++) {
		const struct ir_rule *r = in->rules[i];
		enum ir_mkind k = r->m[r->nm - 1].kind;
		CU_ASSERT(k == M_LIMIT || k == M_RECENT || k == M_NTH || k == M_CONNLIMIT);
	}
	struct trace_opts yes = defaults, no = defaults;
	yes.rate = yes.recent = yes.nth = yes.unknown = ASSUME_MATCH;
	no.rate = no.recent = no.nth = no.unknown = ASSUME_NOMATCH;
	struct trace_result res;

	/* no stateful match evaluated: nothing assumed */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:9 in eth0", &yes, &res);
	ASSUMED(&res, false, false, false, false);
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);

	/* rate */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:1 in eth0", &yes, &res);
	STEPS(&res, "input:3 accept");
	ASSUMED(&res, true, false, false, false);
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:1 in eth0", &no, &res);
	STEPS(&res, "input:policy");
	ASSUMED(&res, true, false, false, false);
	trace_result_release(&res);
	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:1 in eth0", &yes, &res);
	STEPS(&res, "input:2 accept");
	ASSUMED(&res, true, false, false, false);
	trace_result_release(&res);
	/* connlimit counts as a rate */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:5 in eth0", &yes, &res);
	STEPS(&res, "input:7 accept");
	ASSUMED(&res, true, false, false, false);
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:5 in eth0", &no, &res);
	STEPS(&res, "input:policy");
	ASSUMED(&res, true, false, false, false);
	trace_result_release(&res);

	/* recent check and remove: hit or miss */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:2 in eth0", &yes, &res);
	STEPS(&res, "input:4 accept");
	ASSUMED(&res, false, true, false, false);
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:2 in eth0", &no, &res);
	STEPS(&res, "input:policy");
	ASSUMED(&res, false, true, false, false);
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:6 in eth0", &yes, &res);
	STEPS(&res, "input:8 accept");
	ASSUMED(&res, false, true, false, false);
	trace_result_release(&res);
	/* recent set always matches, nothing assumed */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:4 in eth0", &no, &res);
	STEPS(&res, "input:6 accept");
	ASSUMED(&res, false, false, false, false);
	trace_result_release(&res);

	/* nth */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:3 in eth0", &yes, &res);
	STEPS(&res, "input:5 accept");
	ASSUMED(&res, false, false, true, false);
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:3 in eth0", &no, &res);
	STEPS(&res, "input:policy");
	ASSUMED(&res, false, false, true, false);
	trace_result_release(&res);

	/* the defaults of fwc trace: rate under, recent miss, nth miss */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:1 in eth0", NULL, &res);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:2 in eth0", NULL, &res);
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:3 in eth0", NULL, &res);
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	done(ir);
}

/* What only the importer makes: targets kept as text (go on, accept,
 * drop; no target at all), negated protocol and fragment matches, "eth+"
 * wildcards, the security table after filter. */
static void test_imported_kinds(void)
{
	struct ir *ir = ir_new();
	struct ir_chain *c = ir_chain_add(ir, "input", TBL_FILTER, HOOK_INPUT);
	c->policy = ACT_DROP;
	struct ir_rule *r = ir_rule_add(ir, c, NULL);
	r->origin = "count";                       /* no target */
	r->family = 4;
	r->act.kind = ACT_OTHER;
	r = ir_rule_add(ir, c, NULL);
	r->origin = "nflog";                       /* goes on */
	r->family = 4;
	r->act.kind = ACT_OTHER;
	r->act.text = "NFLOG --nflog-group 2";
	r->act.ov = OV_CONTINUE;
	r = ir_rule_add(ir, c, NULL);
	r->origin = "not-tcp";                     /* ! -p tcp -> TARPIT (drop) */
	r->family = 4;
	struct ir_match *m = ir_match_add(r, M_PROTO);
	m->proto = 6;
	m->neg = true;
	r->act.kind = ACT_OTHER;
	r->act.text = "TARPIT";
	r->act.ov = OV_DROP;
	r = ir_rule_add(ir, c, NULL);
	r->origin = "wild";                        /* -i ppp+ ! -f -> NFQUEUE */
	r->family = 4;
	m = ir_match_add(r, M_IIF);
	static const char *ppp[] = { "ppp+" };
	m->names = ppp;
	m->nnames = 1;
	ir_match_add(r, M_FRAGMENT)->neg = true;
	r->act.kind = ACT_OTHER;
	r->act.text = "NFQUEUE --queue-num 3";
	r->act.ov = OV_ACCEPT;
	struct ir_chain *sec = ir_chain_add(ir, "security-input", TBL_SECURITY, HOOK_INPUT);
	sec->policy = ACT_ACCEPT;
	r = ir_rule_add(ir, sec, NULL);
	r->origin = "secmark";
	r->family = 4;
	r->act.kind = ACT_OTHER;
	r->act.text = "SECMARK --selctx x";
	r->act.ov = OV_CONTINUE;
	ir_sort(ir);

	struct trace_opts o = defaults;
	struct trace_result res;
	/* udp: not tcp, so the TARPIT rule takes it */
	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:53 in ppp0", &o, &res);
	STEPS(&res, "input:count other", "input:nflog other", "input:not-tcp other");
	CU_ASSERT(res.verdict == ACT_DROP && res.verdict_rule &&
		  !strcmp(res.verdict_rule->origin, "not-tcp"));
	trace_result_release(&res);
	/* tcp in ppp0: the wildcard and "! -f" match, NFQUEUE accepts, then
	 * the security table */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in ppp0", &o, &res);
	STEPS(&res, "input:count other", "input:nflog other", "input:wild other",
	      "security-input:secmark other", "security-input:policy");
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	/* tcp in eth0: no wildcard match, the policy drops it */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", &o, &res);
	STEPS(&res, "input:count other", "input:nflog other", "input:policy");
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	/* a fragment in ppp0: "! -f" fails */
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in ppp0 fragment", &o, &res);
	STEPS(&res, "input:count other", "input:nflog other", "input:policy");
	trace_result_release(&res);
	CU_ASSERT(ifname_match("ppp+", "ppp0"));
	CU_ASSERT(ifname_match("ppp+", "ppp"));
	CU_ASSERT(!ifname_match("ppp+", "pp"));
	CU_ASSERT(ifname_match("+", "eth0"));
	CU_ASSERT(!ifname_match("eth0", "eth00"));
	ir_free(ir);
}

/* A match fwc cannot model only comes from the importer: build the IR by
 * hand. */
static void test_assume_unknown(void)
{
	struct ir *ir = ir_new();
	struct ir_chain *c = ir_chain_add(ir, "input", TBL_FILTER, HOOK_INPUT);
	c->policy = ACT_DROP;
	struct ir_rule *r = ir_rule_add(ir, c, NULL);
	r->origin = "imported: -m foo";
	r->family = 4;
	ir_match_add(r, M_PROTO)->proto = 6;
	ir_match_add(r, M_UNKNOWN)->str = "-m foo --bar";
	r->act.kind = ACT_ACCEPT;
	ir_sort(ir);

	struct trace_opts o = defaults;
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", &o, &res);
	STEPS(&res, "input:imported: -m foo accept");
	ASSUMED(&res, false, false, false, true);
	trace_result_release(&res);
	o.unknown = ASSUME_NOMATCH;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", &o, &res);
	STEPS(&res, "input:policy");
	ASSUMED(&res, false, false, false, true);
	VERDICT(&res, ACT_DROP, 0, "input");
	trace_result_release(&res);
	/* not evaluated (udp fails the protocol first) */
	TRACE(ir, "udp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", &o, &res);
	ASSUMED(&res, false, false, false, false);
	trace_result_release(&res);
	/* not evaluated (IPv6) */
	TRACE(ir, "tcp [2001:db8::7]:40000 -> [2001:db8::1]:22 in eth0", &o, &res);
	ASSUMED(&res, false, false, false, false);
	trace_result_release(&res);

	char *j;
	struct packet p = PKT("tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0");
	o.unknown = ASSUME_MATCH;
	trace_packet(ir, &p, &o, &res);
	j = json_of(&p, &res, &o);
	CU_ASSERT(json_line_valid(j));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"rule\":{\"origin\":\"imported: -m foo\",\"id\":0,\"action\":\"accept\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"assumed\":[\"unknown=match\"]"));
	free(j);
	trace_result_release(&res);
	ir_free(ir);
}

/* A trace that cannot finish: jumps nested deeper than the simulator's
 * stack. The error is reported, the packet counts as dropped. */
static char *deep_policy(int n)
{
	char *t = xstrdup("");
	for (int i = 1; i <= n; i++) {
		char *u = i < n ? xasprintf("%schain c%d { jump c%d; }\n", t, i, i + 1)
				: xasprintf("%schain c%d { accept; }\n", t, i);
		free(t);
		t = u;
	}
	char *u = xasprintf("%sinput { jump c1; }\n", t);
	free(t);
	return u;
}

static void test_trace_error(void)
{
	/* 64 nested jumps are fine */
	char *text = deep_policy(64);
	struct ir *ir = COMPILE(text);
	free(text);
	struct trace_result res;
	TRACE(ir, "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0", NULL, &res);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	CU_ASSERT_EQUAL(res.n, 65);
	trace_result_release(&res);
	done(ir);

	/* 65 are not */
	text = deep_policy(65);
	ir = COMPILE(text);
	free(text);
	struct packet p = PKT("tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0");
	trace_packet(ir, &p, &defaults, &res);
	CU_ASSERT_STRING_EQUAL(res.error, "jumps nested deeper than 64");
	CU_ASSERT_EQUAL(res.verdict, ACT_DROP);
	CU_ASSERT_PTR_NULL(res.verdict_rule);
	char *j = json_of(&p, &res, &defaults);
	CU_ASSERT(json_line_valid(j));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"verdict\":\"drop\",\"verdict_rule\":null,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, ",\"assumed\":[],\"error\":\"jumps nested deeper than 64\"}\n"));
	free(j);
	trace_result_release(&res);
	done(ir);
}

/* ================================================================== */
/* output                                                             */
/* ================================================================== */

static void test_json_checker(void)
{
	/* the checker itself */
	CU_ASSERT(json_line_valid("{}\n"));
	CU_ASSERT(json_line_valid("{\"a\":[1,-2.5e3,true,false,null,\"x\\u0009\\\"\"],\"b\":{}}\n"));
	CU_ASSERT(!json_line_valid("{}"));
	CU_ASSERT(!json_line_valid("{}\n{}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":1,}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":\"tab\there\"}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":\"\\q\"}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":01}\n"));
	CU_ASSERT(!json_line_valid("{\"a\" 1}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":[1 2]}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":\"open}\n"));
}

static void test_json_exact(void)
{
	struct ir *ir = COMPILE("input { accept proto tcp dport 22; }\n");
	struct trace_result res;
	struct packet p = PKT("tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0");
	trace_packet(ir, &p, &defaults, &res);
	char *j = json_of(&p, &res, &defaults);
	char *want = xasprintf(
		"{\"packet\":\"tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 state new flags syn\","
		"\"path\":\"input\",\"steps\":[{\"table\":\"filter\",\"hook\":\"input\","
		"\"chain\":\"input\",\"rule\":{\"file\":\"%s\",\"line\":1,\"column\":9,"
		"\"id\":3,\"action\":\"accept\"}}],\"verdict\":\"accept\",\"verdict_rule\":null,"
		"\"packet_after\":\"tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 state new flags syn\","
		"\"assumed\":[]}\n", top_path);
	check_at(__LINE__, !strcmp(j, want), "json:\n    got  %s    want %s", j, want);
	CU_ASSERT(json_line_valid(j));
	free(want);
	free(j);
	trace_result_release(&res);

	/* the policy decides: rule null, a note */
	p = PKT("udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0");
	trace_packet(ir, &p, &defaults, &res);
	j = json_of(&p, &res, &defaults);
	CU_ASSERT_STRING_EQUAL(j,
		"{\"packet\":\"udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0 state new\","
		"\"path\":\"input\",\"steps\":[{\"table\":\"filter\",\"hook\":\"input\","
		"\"chain\":\"input\",\"rule\":null,\"note\":\"end of chain: policy drop\"}],"
		"\"verdict\":\"drop\",\"verdict_rule\":null,"
		"\"packet_after\":\"udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0 state new\","
		"\"assumed\":[]}\n");
	free(j);
	trace_result_release(&res);

	/* a generated rule: its origin */
	p = PKT("udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0 state invalid");
	trace_packet(ir, &p, &defaults, &res);
	j = json_of(&p, &res, &defaults);
	CU_ASSERT_STRING_EQUAL(j,
		"{\"packet\":\"udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0 state invalid\","
		"\"path\":\"input\",\"steps\":[{\"table\":\"filter\",\"hook\":\"input\","
		"\"chain\":\"input\",\"rule\":{\"origin\":\"implicit: invalid\",\"id\":2,"
		"\"action\":\"drop\"}}],\"verdict\":\"drop\",\"verdict_rule\":{\"origin\":"
		"\"implicit: invalid\",\"id\":2,\"action\":\"drop\"},"
		"\"packet_after\":\"udp 198.51.100.7:40000 -> 192.0.2.1:53 in eth0 state invalid\","
		"\"assumed\":[]}\n");
	free(j);
	trace_result_release(&res);
	done(ir);
}

/* Notes with quotes, a backslash and a tab; rewrites; assumptions. */
static void test_json_valid(void)
{
	struct ir *ir = COMPILE(
		"nat { dnat in eth0 proto tcp dport 8080 to 192.168.1.10:80; }\n"   /* 1 */
		"mangle prerouting { mark 0x10; }\n"                                /* 2 */
		"forward {\n"
		"    log prefix \"q\\\\ \t\\\" proto tcp;\n"                       /* 4 */
		"    accept proto tcp dport 80 rate 3/second;\n"                    /* 5 */
		"}\n");
	struct trace_opts o = defaults;
	o.rate = ASSUME_NOMATCH;
	struct trace_result res;
	/* the prefix is q\\ <tab>\ (strings have no escapes) */
	struct packet p = PKT("tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in eth0 out eth1");
	trace_packet(ir, &p, &o, &res);
	STEPS(&res, "mangle-prerouting:2 mark", "mangle-prerouting:policy",
	      "nat-prerouting:1 dnat", "forward:4 log", "forward:policy");
	NOTE(&res, 3, "logged with prefix \"q\\\\ \t\\\"");
	char *j = json_of(&p, &res, &o);
	check_at(__LINE__, json_line_valid(j), "invalid JSON: %s", j);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"note\":\"logged with prefix \\\"q\\\\\\\\ \\u0009\\\\\\\"\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"note\":\"destination rewritten to 192.168.1.10 port 80\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"packet_after\":\"tcp 198.51.100.7:40000 -> "
				      "192.168.1.10:80 in eth0 out eth1 state new mark 0x10 flags syn\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"assumed\":[\"rate=over\"]}\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"path\":\"forward\""));
	free(j);
	trace_result_release(&res);

	/* an established packet: nat skipped, stated */
	p = PKT("tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in eth0 out eth1 state established");
	trace_packet(ir, &p, &o, &res);
	j = json_of(&p, &res, &o);
	CU_ASSERT(json_line_valid(j));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"assumed\":[\"nat=existing-connection\"]}\n"));
	free(j);
	trace_result_release(&res);
	done(ir);

	/* every assumption at once, in order */
	ir = COMPILE("input { accept proto tcp rate 1/second recent name r check nth every 2; }\n");
	struct trace_opts all = { ASSUME_MATCH, ASSUME_MATCH, ASSUME_NOMATCH, ASSUME_MATCH, NULL, 0 };
	p = PKT("tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0");
	trace_packet(ir, &p, &all, &res);
	ASSUMED(&res, true, true, true, false);
	j = json_of(&p, &res, &all);
	CU_ASSERT(json_line_valid(j));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"assumed\":[\"rate=under\",\"recent=hit\",\"nth=miss\"]}\n"));
	free(j);
	trace_result_release(&res);
	done(ir);
}

static void test_text_output(void)
{
	struct ir *ir = COMPILE(
		"nat { dnat in eth0 proto tcp dport 8080 to 192.168.1.10:80; }\n"   /* 1 */
		"forward { drop proto tcp dport 80; }\n");                           /* 2 */
	struct trace_result res;
	struct packet p = PKT("tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in eth0 out eth1");
	trace_packet(ir, &p, &defaults, &res);
	char *t = text_of(&p, &res, &defaults);
	char *want = xasprintf("verdict: drop (%s:2)\n", top_path);
	check_at(__LINE__, strstr(t, want) != NULL, "no '%s' in:\n%s", want, t);
	free(want);
	const char *head = "packet: tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in eth0 out eth1 "
			   "state new flags syn\npath: forward\n";
	CU_ASSERT(!strncmp(t, head, strlen(head)));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "[destination rewritten to 192.168.1.10 port 80]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "packet after: tcp 198.51.100.7:40000 -> 192.168.1.10:80 "
				      "in eth0 out eth1 state new flags syn\n"));
	CU_ASSERT_PTR_NULL(strstr(t, "assumed"));
	free(t);
	trace_result_release(&res);

	/* unchanged packet: no "packet after"; the policy named */
	p = PKT("udp 198.51.100.7:40000 -> 203.0.113.1:53 in eth0 out eth1");
	trace_packet(ir, &p, &defaults, &res);
	t = text_of(&p, &res, &defaults);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "verdict: drop (policy of chain forward)\n"));
	CU_ASSERT_PTR_NULL(strstr(t, "packet after"));
	free(t);
	trace_result_release(&res);

	/* established: accept, nat skipped stated */
	p = PKT("tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in eth0 out eth1 state established");
	trace_packet(ir, &p, &defaults, &res);
	t = text_of(&p, &res, &defaults);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "verdict: accept\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "assumed: not a new connection: nat rules not consulted"));
	free(t);
	trace_result_release(&res);
	done(ir);
}

/* ================================================================== */
/* regressions: bugs found while writing this file, now fixed          */
/* ================================================================== */

/* REGRESSION, was a bug (trace.c, trace_print_text): when a trace stops with an error
 * (res->error: "jumps nested deeper than 64", or "trace did not end"),
 * run_chain returns OUT_DROP without setting verdict_chain, so verdict is
 * drop, verdict_rule NULL and verdict_chain NULL; trace_print_text then
 * prints "policy of chain %s" with res->verdict_chain->name: a NULL
 * dereference (`fwc trace POLICY PACKET` segfaults; --format json is
 * fine). Run in a child so the crash is a failure, not the end of the
 * test program. */
static void test_bug_text_after_error_crashes(void)
{
	char *text = deep_policy(65);
	struct ir *ir = COMPILE(text);
	free(text);
	struct trace_result res;
	struct packet p = PKT("tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0");
	trace_packet(ir, &p, &defaults, &res);
	CU_ASSERT_STRING_EQUAL(res.error, "jumps nested deeper than 64");
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		FILE *f = fopen("/dev/null", "w");
		if (!f)
			_exit(2);
		trace_print_text(f, &p, &res, &defaults);
		fclose(f);
		_exit(0);
	}
	int st = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	check_at(__LINE__, WIFEXITED(st) && WEXITSTATUS(st) == 0,
		 "trace_print_text after a trace error: %s %d",
		 WIFSIGNALED(st) ? "killed by signal" : "exit status",
		 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	trace_result_release(&res);
	done(ir);
}

/* REGRESSION, was a bug (trace.c, run_chain): the budget of 1,000,000 rule evaluations per
 * base chain ("loops are impossible in valid IR; be safe") is reached by a
 * valid, loop-free policy: input jumps to k1, k1 jumps 100 times to k2, k2
 * 100 times to k3, k3 has 100 rules that do not match (1,010,100
 * evaluations). The trace then fails with "trace did not end (chain
 * loop?)" and a drop, where the kernel accepts (the rule after the jump). */
static void test_bug_budget_on_valid_policy(void)
{
	char *t = xstrdup("chain k1 {\n");
	for (int c = 1; c <= 3; c++) {
		for (int i = 0; i < 100; i++) {
			char *u = c < 3 ? xasprintf("%s    jump k%d;\n", t, c + 1)
					: xasprintf("%s    accept proto udp;\n", t);
			free(t);
			t = u;
		}
		char *u = c < 3 ? xasprintf("%s}\nchain k%d {\n", t, c + 1)
				: xasprintf("%s}\ninput { jump k1; accept; }\n", t);
		free(t);
		t = u;
	}
	struct ir *ir = COMPILE(t);
	free(t);
	struct trace_result res;
	struct packet p = PKT("tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0");
	trace_packet(ir, &p, &defaults, &res);
	check_at(__LINE__, res.error[0] == '\0', "trace error: %s", res.error);
	VERDICT(&res, ACT_ACCEPT, 0, NULL);
	trace_result_release(&res);
	done(ir);
}

/* REGRESSION, was a bug (packet.c, packet_parse): "uid with in" blames the protocol: the
 * span is t[0] ("tcp"), not the 'uid' word (nor 'in'). `fwc trace` puts
 * the caret under "tcp". */
static void test_bug_uid_in_span(void)
{
	PERR("tcp 10.0.0.1 -> 10.0.0.2 in eth0 uid 0",
	     "                                 ^^^",
	     "'uid' is for packets this host sends (no 'in')");
}

/* REGRESSION, was a bug (packet.c, parse_endpoint): a missing ']' says "missing ']' in
 * 'address'": the format's %s gets the literal "address", not the text. */
static void test_bug_missing_bracket_message(void)
{
	PERR("tcp [2001:db8::1 -> 2001:db8::2 in eth0",
	     "    ^^^^^^^^^^^^",
	     "missing ']' in '[2001:db8::1'");
}

/* REGRESSION, was a bug (packet.c, packet_parse): an unknown word at the end is reported as
 * a keyword missing its value ("'fragmnet' needs a value") because the
 * value check comes before the keyword check; the same word elsewhere
 * gives "unknown word (...)". */
static void test_bug_unknown_last_word(void)
{
	PERR("udp 10.0.0.1 -> 10.0.0.2 in eth0 fragmnet",
	     "                                 ^^^^^^^^",
	     "unknown word (in, out, state, mark, connmark, type, code, flags, uid, fragment)");
}

/* REGRESSION, was a bug (packet.c, packet_parse): 'code' is accepted for any protocol
 * ("udp ... code 3" parses, and packet_format prints "code 3" for UDP),
 * while 'type' is rejected outside icmp/icmpv6. */
/* packet_file_read: comments, blank lines and CR LF skipped; the first bad
 * line refused with its file and line, nothing returned */
static void test_packet_file_read(void)
{
	char path[] = "/tmp/fwc-pkts-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	const char *good = "# two packets\r\n\ntcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0\r\n"
			   "icmpv6 2001:db8::1 -> 2001:db8::2 type echo-request in eth1\n";
	CU_ASSERT(write(fd, good, strlen(good)) == (ssize_t)strlen(good));
	close(fd);
	struct packet *p = NULL;
	size_t n = 0;
	char err[256] = "";
	CU_ASSERT_EQUAL(packet_file_read(path, &p, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 2);
	if (n == 2) {
		CU_ASSERT_EQUAL(p[0].dport, 22);
		CU_ASSERT_STRING_EQUAL(p[0].iif, "eth0");
		CU_ASSERT_EQUAL(p[1].family, 6);
		CU_ASSERT_EQUAL(p[1].proto, 58);
	}
	free(p);
	FILE *f = fopen(path, "a");
	fputs("tcp 198.51.100.7:40000 -> 192.0.2.1:99999 in eth0\n", f);
	fclose(f);
	p = NULL;
	CU_ASSERT_EQUAL(packet_file_read(path, &p, &n, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(n, 0);
	char want[64];
	snprintf(want, sizeof(want), "%s:5: ", path);
	CU_ASSERT(strncmp(err, want, strlen(want)) == 0);
	unlink(path);
	CU_ASSERT_EQUAL(packet_file_read(path, &p, &n, err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "No such file") != NULL);
}

static void test_bug_code_on_non_icmp(void)
{
	PERR("udp 10.0.0.1 -> 10.0.0.2 in eth0 code 3",
	     "                                 ^^^^",
	     "'code' is for icmp and icmpv6");
}

/* ================================================================== */

int main(void)
{
	static const struct unit_test tests[] = {
		{ "parse: IPv4 forms and defaults", test_parse_ipv4 },
		{ "parse: IPv6 forms", test_parse_ipv6 },
		{ "parse: state, marks, flags, uid, fragment", test_parse_options },
		{ "parse: icmp types and codes, protocols", test_parse_icmp_and_protocols },
		{ "parse: errors, messages and spans", test_parse_errors },
		{ "format: canonical text, parse(format(p)) == p", test_format_roundtrip },
		{ "ifaddr_parse", test_ifaddr_parse },
		{ "trace: accept, drop, reject, policy", test_accept_drop_reject },
		{ "trace: log", test_log },
		{ "trace: mark with masks", test_mark },
		{ "trace: connmark set, save, restore", test_connmark },
		{ "trace: jump and return", test_jump_return },
		{ "trace: goto", test_goto },
		{ "trace: return in a base chain", test_return_in_base_chain },
		{ "trace: zone dispatch", test_zone_dispatch },
		{ "trace: snat and masquerade", test_snat_masquerade },
		{ "trace: dnat", test_dnat },
		{ "trace: redirect", test_redirect },
		{ "trace: notrack", test_notrack },
		{ "trace: clamp-mss", test_clamp_mss },
		{ "trace: nat only for new connections", test_nat_skipped },
		{ "trace: implicit rules", test_implicit_rules },
		{ "trace: families", test_family },
		{ "trace: other matches", test_matches },
		{ "trace: tables and hooks per path", test_paths },
		{ "trace: rate, recent, nth assumptions", test_assumptions },
		{ "trace: unknown match assumption", test_assume_unknown },
		{ "trace: kinds only the importer makes", test_imported_kinds },
		{ "trace: an error stops the trace", test_trace_error },
		{ "json: the checker", test_json_checker },
		{ "json: exact output", test_json_exact },
		{ "json: escapes, rewrites, assumptions", test_json_valid },
		{ "text output", test_text_output },
		/* regressions: bugs found while writing this file, fixed */
		{ "text output after a trace error", test_bug_text_after_error_crashes },
		{ "a valid policy with many jumps ends", test_bug_budget_on_valid_policy },
		{ "uid with 'in' blames uid", test_bug_uid_in_span },
		{ "missing ']' quotes the text", test_bug_missing_bracket_message },
		{ "an unknown last word is unknown", test_bug_unknown_last_word },
		{ "'code' is for icmp only", test_bug_code_on_non_icmp },
		{ "packet files: comments, CR LF, the first bad line located", test_packet_file_read },
	};
	return run_suite("trace", suite_init, suite_clean, tests, sizeof(tests) / sizeof(tests[0]));
}
