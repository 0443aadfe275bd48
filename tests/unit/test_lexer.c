/*
 * test_lexer.c: CUnit tests for the re2c scanner (grammar/lexer.re).
 *
 * Each case lexes a text built in memory (src_from_text) and checks every
 * token's kind, text and exact location (line, column, length), then the
 * diagnostics the scanner queued (rendered with diag_print, so the location
 * and the caret under the culprit are checked too). Token kinds are lemon's
 * TK_* codes from build/parser.h.
 */
#include "diag.h"
#include "lexer.h"
#include "parser.h"
#include "source.h"
#include "testutil.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_NAME "t.fw"
#define MAX_TOKENS 4096

/* ---- helpers ---- */

struct tk {
	int kind;
	const char *text;
	uint32_t line, col;
};

/* An expected token: kind without TK_, its text, line and column. The
 * expected length is the length of the text. */
#define T(k, s, l, c) { TK_##k, (s), (l), (c) }

static const struct srcfile *file;
static struct token toks[MAX_TOKENS];
static size_t ntoks;          /* tokens before end of input */
static struct token eof_tok;  /* the end-of-input token */

static void reset(void)
{
	diag_free_all();
	src_free_all();
	file = NULL;
	ntoks = 0;
}

static const char *kind_str(int kind)
{
	const char *n = token_kind_name(kind);
	return n ? n : "keyword";
}

/* Lex n bytes of text (NULs included) to the end; the scanner must stop. */
static void lex(const char *text, size_t n)
{
	reset();
	char *buf = xmalloc(n + 1);
	memcpy(buf, text, n);
	buf[n] = '\0';
	file = src_from_text(FILE_NAME, buf, n, NULL);
	struct lexer lx;
	lexer_init(&lx, file);
	for (;;) {
		struct token t;
		int k = lexer_next(&lx, &t);
		CU_ASSERT_EQUAL_FATAL(k, t.kind);
		if (k == 0) {
			eof_tok = t;
			break;
		}
		CU_ASSERT_FATAL(ntoks < MAX_TOKENS);
		toks[ntoks++] = t;
	}
}

/* The token stream must be exactly exp; ndiag errors queued. */
static void check_lex(int line, const char *src, size_t n,
		      const struct tk *exp, size_t ne, size_t ndiag)
{
	lex(src, n);
	check_at(line, ntoks == ne, "%zu tokens, expected %zu", ntoks, ne);
	for (size_t i = 0; i < ntoks && i < ne; i++) {
		const struct token *t = &toks[i];
		const struct tk *e = &exp[i];
		size_t el = strlen(e->text);
		check_at(line, t->kind == e->kind,
			 "token %zu '%.*s': kind %d (%s), expected %d (%s)", i,
			 (int)t->len, t->s, t->kind, kind_str(t->kind), e->kind,
			 kind_str(e->kind));
		check_at(line, t->len == el && !memcmp(t->s, e->text, el),
			 "token %zu: text '%.*s', expected '%s'", i, (int)t->len,
			 t->s, e->text);
		check_at(line, t->loc.line == e->line && t->loc.col == e->col,
			 "token %zu '%s': at %u:%u, expected %u:%u", i, e->text,
			 t->loc.line, t->loc.col, e->line, e->col);
		check_at(line, t->loc.len == el,
			 "token %zu '%s': loc.len %u, expected %zu", i, e->text,
			 t->loc.len, el);
		check_at(line, t->loc.file == file, "token %zu: wrong file", i);
	}
	check_at(line, diag_count(DIAG_ERROR) == ndiag, "%zu errors, expected %zu",
		 diag_count(DIAG_ERROR), ndiag);
}

#define LEX(src, ndiag, ...) do {                                         \
		static const struct tk exp_[] = { __VA_ARGS__ };          \
		check_lex(__LINE__, (src), sizeof(src) - 1, exp_,         \
			  sizeof(exp_) / sizeof(exp_[0]), (ndiag));        \
	} while (0)

/* Lex a literal (NULs included), checks left to the caller. */
#define LEXS(src) lex((src), sizeof(src) - 1)

/* No token at all, ndiag errors. */
#define LEX0(src, ndiag) \
	check_lex(__LINE__, (src), sizeof(src) - 1, NULL, 0, (ndiag))

/* One token alone: kind and the whole text. */
#define ONE(src, k) LEX(src, 0, T(k, src, 1, 1))

#define CHECK_EOF(l, c) check_at(__LINE__,                                \
		eof_tok.kind == 0 && eof_tok.len == 0 &&                  \
		eof_tok.loc.line == (l) && eof_tok.loc.col == (c) &&      \
		eof_tok.loc.len == 1,                                     \
		"end of input at %u:%u len %u (token len %u), expected %u:%u", \
		eof_tok.loc.line, eof_tok.loc.col, eof_tok.loc.len,       \
		eof_tok.len, (unsigned)(l), (unsigned)(c))

/* The diagnostics as diag_print renders them (malloc'd). */
/* The rendered diagnostics contain want (header, source line and caret). */
#define DIAG_HAS(want) do {                                               \
		char *d_ = diag_text();                                   \
		check_at(__LINE__, strstr(d_, (want)) != NULL,            \
			 "diagnostics lack:\n%s\n  got:\n%s", (want), d_);   \
		free(d_);                                                 \
	} while (0)

/* ---- tests ---- */

static void test_empty(void)
{
	lex("", 0);
	CU_ASSERT_EQUAL(ntoks, 0);
	CHECK_EOF(1, 1);
	CU_ASSERT_EQUAL(eof_tok.loc.file, file);
	CU_ASSERT_EQUAL(diag_count(DIAG_ERROR), 0);

	/* end of input is sticky */
	struct lexer lx;
	struct token t;
	lexer_init(&lx, file);
	CU_ASSERT_EQUAL(lexer_next(&lx, &t), 0);
	CU_ASSERT_EQUAL(lexer_next(&lx, &t), 0);
	CU_ASSERT_EQUAL(lexer_next(&lx, &t), 0);
	CU_ASSERT_EQUAL(t.loc.line, 1);
	CU_ASSERT_EQUAL(t.loc.col, 1);

	/* only blanks and comments */
	LEX0("  \t\n\f\v # only a comment\n\n", 0);
	CU_ASSERT_EQUAL(ntoks, 0);
	CHECK_EOF(4, 1);
	CU_ASSERT_EQUAL(diag_count(DIAG_ERROR), 0);

	/* a comment without a final newline */
	LEX0("# no newline", 0);
	CU_ASSERT_EQUAL(ntoks, 0);
	CHECK_EOF(1, 13);

	/* after a token without a final newline */
	LEX("drop", 0, T(DROP, "drop", 1, 1));
	CHECK_EOF(1, 5);
	LEX("drop;\n", 0, T(DROP, "drop", 1, 1), T(SEMI, ";", 1, 5));
	CHECK_EOF(2, 1);
}

static void test_punctuation(void)
{
	LEX(";{},=/-:@!", 0,
	    T(SEMI, ";", 1, 1), T(LBRACE, "{", 1, 2), T(RBRACE, "}", 1, 3),
	    T(COMMA, ",", 1, 4), T(EQ, "=", 1, 5), T(SLASH, "/", 1, 6),
	    T(MINUS, "-", 1, 7), T(COLON, ":", 1, 8), T(AT, "@", 1, 9),
	    T(NOT, "!", 1, 10));
	LEX(" ; { }\t,  = / - : @ ! ", 0,
	    T(SEMI, ";", 1, 2), T(LBRACE, "{", 1, 4), T(RBRACE, "}", 1, 6),
	    T(COMMA, ",", 1, 8), T(EQ, "=", 1, 11), T(SLASH, "/", 1, 13),
	    T(MINUS, "-", 1, 15), T(COLON, ":", 1, 17), T(AT, "@", 1, 19),
	    T(NOT, "!", 1, 21));
	/* "@set" is AT NAME */
	LEX("@blocklist", 0, T(AT, "@", 1, 1), T(NAME, "blocklist", 1, 2));
}

static void test_keywords(void)
{
	static const struct {
		const char *w;
		int kind;
	} kw[] = {
		{ "include", TK_INCLUDE }, { "define", TK_DEFINE },
		{ "set", TK_SET }, { "from", TK_FROM },
		{ "service", TK_SERVICE }, { "firewalld", TK_FIREWALLD },
		{ "zone", TK_ZONE }, { "interface", TK_INTERFACE },
		{ "network", TK_NETWORK }, { "policy", TK_POLICY },
		{ "management", TK_MANAGEMENT }, { "input", TK_INPUT },
		{ "forward", TK_FORWARD }, { "output", TK_OUTPUT },
		{ "prerouting", TK_PREROUTING }, { "postrouting", TK_POSTROUTING },
		{ "nat", TK_NAT }, { "mangle", TK_MANGLE }, { "raw", TK_RAW },
		{ "filter", TK_FILTER }, { "chain", TK_CHAIN },
		{ "implicit", TK_IMPLICIT }, { "on", TK_ON }, { "off", TK_OFF },
		{ "to", TK_TO }, { "source", TK_SOURCE },
		{ "destination", TK_DESTINATION }, { "proto", TK_PROTO },
		{ "sport", TK_SPORT }, { "dport", TK_DPORT }, { "port", TK_PORT },
		{ "icmp", TK_ICMP }, { "icmpv4", TK_ICMPV4 },
		{ "icmpv6", TK_ICMPV6 }, { "type", TK_TYPE },
		{ "state", TK_STATE }, { "in", TK_IN }, { "out", TK_OUT },
		{ "mark", TK_MARK }, { "connmark", TK_CONNMARK }, { "uid", TK_UID },
		{ "tcp-flags", TK_TCPFLAGS }, { "fragment", TK_FRAGMENT },
		{ "rate", TK_RATE }, { "burst", TK_BURST }, { "per", TK_PER },
		{ "connlimit", TK_CONNLIMIT }, { "recent", TK_RECENT },
		{ "name", TK_NAMEKW }, { "hits", TK_HITS },
		{ "seconds", TK_SECONDS }, { "update", TK_UPDATE },
		{ "check", TK_CHECK }, { "remove", TK_REMOVE }, { "nth", TK_NTH },
		{ "every", TK_EVERY }, { "packet", TK_PACKET }, { "with", TK_WITH },
		{ "prefix", TK_PREFIX }, { "level", TK_LEVEL }, { "not", TK_NOT },
		{ "accept", TK_ACCEPT }, { "drop", TK_DROP },
		{ "reject", TK_REJECT }, { "log", TK_LOG }, { "jump", TK_JUMP },
		{ "goto", TK_GOTO }, { "return", TK_RETURN },
		{ "masquerade", TK_MASQUERADE }, { "snat", TK_SNAT },
		{ "dnat", TK_DNAT }, { "redirect", TK_REDIRECT },
		{ "clamp-mss", TK_CLAMPMSS }, { "notrack", TK_NOTRACK },
		{ "save", TK_SAVE }, { "restore", TK_RESTORE },
	};
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		const char *w = kw[i].w;
		size_t n = strlen(w);
		char buf[64];

		/* the keyword alone, after blanks */
		snprintf(buf, sizeof(buf), "  %s", w);
		lex(buf, n + 2);
		check_at(__LINE__, ntoks == 1 && toks[0].kind == kw[i].kind &&
			 toks[0].len == n && toks[0].loc.col == 3 &&
			 toks[0].loc.len == n && diag_count(DIAG_ERROR) == 0,
			 "'%s': %zu tokens, kind %d (want %d)", w, ntoks,
			 ntoks ? toks[0].kind : -1, kw[i].kind);
		/* a longer name wins over the keyword: "inputs", "drop_2",
		 * "accept-all", "mark.x" */
		static const char *const tails[] = { "s", "_2", "-all", ".x", "9" };
		for (size_t j = 0; j < sizeof(tails) / sizeof(tails[0]); j++) {
			snprintf(buf, sizeof(buf), "%s%s", w, tails[j]);
			size_t bl = strlen(buf);
			lex(buf, bl);
			check_at(__LINE__, ntoks == 1 && toks[0].kind == TK_NAME &&
				 toks[0].len == bl && toks[0].loc.len == bl,
				 "'%s': %zu tokens, kind %d, len %u (want one name)",
				 buf, ntoks, ntoks ? toks[0].kind : -1,
				 ntoks ? toks[0].len : 0);
		}
		/* keywords are lower case: "Accept" is a name */
		snprintf(buf, sizeof(buf), "%s", w);
		buf[0] = (char)(buf[0] - 'a' + 'A');
		lex(buf, n);
		check_at(__LINE__, ntoks == 1 && toks[0].kind == TK_NAME &&
			 toks[0].len == n, "'%s' is not a name", buf);
	}
}

static void test_names(void)
{
	LEX("input inputs ssh-guard echo-request lan.hosts a.b-c _x x9", 0,
	    T(INPUT, "input", 1, 1), T(NAME, "inputs", 1, 7),
	    T(NAME, "ssh-guard", 1, 14), T(NAME, "echo-request", 1, 24),
	    T(NAME, "lan.hosts", 1, 37), T(NAME, "a.b-c", 1, 47),
	    T(NAME, "_x", 1, 53), T(NAME, "x9", 1, 56));
	/* prefixes of keywords and keywords inside names */
	LEX("in int icmp icmpv6 icmpv6x tcp-flags tcp-flag tcp", 0,
	    T(IN, "in", 1, 1), T(NAME, "int", 1, 4), T(ICMP, "icmp", 1, 8),
	    T(ICMPV6, "icmpv6", 1, 13), T(NAME, "icmpv6x", 1, 20),
	    T(TCPFLAGS, "tcp-flags", 1, 28), T(NAME, "tcp-flag", 1, 38),
	    T(NAME, "tcp", 1, 47));
	/* names that start with hex digits are still names */
	LEX("deadbeef cafe face-b00c add fd00 abc.def", 0,
	    T(NAME, "deadbeef", 1, 1), T(NAME, "cafe", 1, 10),
	    T(NAME, "face-b00c", 1, 15), T(NAME, "add", 1, 25),
	    T(NAME, "fd00", 1, 29), T(NAME, "abc.def", 1, 34));
	/* a name ends where a non-name character starts */
	LEX("eth0;lan,wan}", 0,
	    T(NAME, "eth0", 1, 1), T(SEMI, ";", 1, 5), T(NAME, "lan", 1, 6),
	    T(COMMA, ",", 1, 9), T(NAME, "wan", 1, 10), T(RBRACE, "}", 1, 13));
	/* a trailing '-' or '.' belongs to the name */
	LEX("a- b.", 0, T(NAME, "a-", 1, 1), T(NAME, "b.", 1, 4));
}

static void test_numbers(void)
{
	ONE("0", NUMBER);
	ONE("42", NUMBER);
	ONE("65535", NUMBER);
	ONE("0x10", NUMBER);
	ONE("0xdeadBEEF", NUMBER);
	ONE("18446744073709551616", NUMBER);   /* range is the parser's job */
	LEX("3/0xff 1000 0x10;", 0,
	    T(NUMBER, "3", 1, 1), T(SLASH, "/", 1, 2), T(NUMBER, "0xff", 1, 3),
	    T(NUMBER, "1000", 1, 8), T(NUMBER, "0x10", 1, 13),
	    T(SEMI, ";", 1, 17));
	/* "0x" without digits: the number 0, then a name */
	LEX("0x", 0, T(NUMBER, "0", 1, 1), T(NAME, "x", 1, 2));
	/* rate: NUMBER SLASH NAME */
	LEX("rate 5/minute", 0,
	    T(RATE, "rate", 1, 1), T(NUMBER, "5", 1, 6), T(SLASH, "/", 1, 7),
	    T(NAME, "minute", 1, 8));
}

static void test_ipv4(void)
{
	ONE("192.0.2.1", ADDR);
	ONE("192.0.2.0/24", ADDR);
	ONE("0.0.0.0/0", ADDR);
	ONE("255.255.255.255/32", ADDR);
	ONE("10.0.0.0/8", ADDR);
	/* values are checked later (addr_parse), not by the scanner */
	ONE("999.1.1.1", ADDR);
	LEX("source 198.51.100.0/24;", 0,
	    T(SOURCE, "source", 1, 1), T(ADDR, "198.51.100.0/24", 1, 8),
	    T(SEMI, ";", 1, 23));
	/* a prefix with blanks is not one token */
	LEX("10.0.0.0 / 8", 0,
	    T(ADDR, "10.0.0.0", 1, 1), T(SLASH, "/", 1, 10),
	    T(NUMBER, "8", 1, 12));
}

static void test_ipv6(void)
{
	ONE("::1", ADDR);
	ONE("::", ADDR);
	ONE("fd00:1::/64", ADDR);
	ONE("2001:db8::", ADDR);
	ONE("2001:db8::/32", ADDR);
	ONE("::ffff:192.0.2.1", ADDR);
	ONE("::ffff:0.0.0.0/96", ADDR);
	ONE("fe80::1:2:3:4", ADDR);
	ONE("2001:db8:0:0:1:0:0:1", ADDR);
	ONE("2001:DB8::A", ADDR);
	ONE("2001:db8:1::/48", ADDR);
	/* in context, with exact columns */
	LEX("{ 198.51.100.0/24, 2001:db8:1::/48 };", 0,
	    T(LBRACE, "{", 1, 1), T(ADDR, "198.51.100.0/24", 1, 3),
	    T(COMMA, ",", 1, 18), T(ADDR, "2001:db8:1::/48", 1, 20),
	    T(RBRACE, "}", 1, 36), T(SEMI, ";", 1, 37));
	/* "x:y" with one colon is not an address */
	LEX("a:b", 0, T(NAME, "a", 1, 1), T(COLON, ":", 1, 2),
	    T(NAME, "b", 1, 3));
	LEX("1:2", 0, T(NUMBER, "1", 1, 1), T(COLON, ":", 1, 2),
	    T(NUMBER, "2", 1, 3));
	LEX("cafe:80", 0, T(NAME, "cafe", 1, 1), T(COLON, ":", 1, 5),
	    T(NUMBER, "80", 1, 6));
	LEX("squid:3128", 0, T(NAME, "squid", 1, 1), T(COLON, ":", 1, 6),
	    T(NUMBER, "3128", 1, 7));
	LEX(":", 0, T(COLON, ":", 1, 1));
	LEX(": :", 0, T(COLON, ":", 1, 1), T(COLON, ":", 1, 3));
}

static void test_addrport(void)
{
	ONE("192.0.2.1:8080", ADDRPORT);
	ONE("[2001:db8::1]:8080", ADDRPORT);
	ONE("[::1]:22", ADDRPORT);
	LEX("dnat to 192.0.2.1:8080;", 0,
	    T(DNAT, "dnat", 1, 1), T(TO, "to", 1, 6),
	    T(ADDRPORT, "192.0.2.1:8080", 1, 9), T(SEMI, ";", 1, 23));
	LEX("to [2001:db8::1]:8080 ;", 0,
	    T(TO, "to", 1, 1), T(ADDRPORT, "[2001:db8::1]:8080", 1, 4),
	    T(SEMI, ";", 1, 23));
}

static void test_ranges(void)
{
	LEX("192.0.2.10-192.0.2.20", 0,
	    T(ADDR, "192.0.2.10", 1, 1), T(MINUS, "-", 1, 11),
	    T(ADDR, "192.0.2.20", 1, 12));
	LEX("10.0.0.1 - 10.0.0.9", 0,
	    T(ADDR, "10.0.0.1", 1, 1), T(MINUS, "-", 1, 10),
	    T(ADDR, "10.0.0.9", 1, 12));
	LEX("2001:db8::1-2001:db8::ff", 0,
	    T(ADDR, "2001:db8::1", 1, 1), T(MINUS, "-", 1, 12),
	    T(ADDR, "2001:db8::ff", 1, 13));
	LEX("fd00::a-fd00::f", 0,
	    T(ADDR, "fd00::a", 1, 1), T(MINUS, "-", 1, 8),
	    T(ADDR, "fd00::f", 1, 9));
}

static void test_ports(void)
{
	LEX("60000-61000", 0,
	    T(NUMBER, "60000", 1, 1), T(MINUS, "-", 1, 6),
	    T(NUMBER, "61000", 1, 7));
	LEX("service mosh = udp 60000-61000;", 0,
	    T(SERVICE, "service", 1, 1), T(NAME, "mosh", 1, 9),
	    T(EQ, "=", 1, 14), T(NAME, "udp", 1, 16),
	    T(NUMBER, "60000", 1, 20), T(MINUS, "-", 1, 25),
	    T(NUMBER, "61000", 1, 26), T(SEMI, ";", 1, 31));
	LEX("tcp 80, 443", 0,
	    T(NAME, "tcp", 1, 1), T(NUMBER, "80", 1, 5), T(COMMA, ",", 1, 7),
	    T(NUMBER, "443", 1, 9));
	LEX("dport 1-1024,8080", 0,
	    T(DPORT, "dport", 1, 1), T(NUMBER, "1", 1, 7), T(MINUS, "-", 1, 8),
	    T(NUMBER, "1024", 1, 9), T(COMMA, ",", 1, 13),
	    T(NUMBER, "8080", 1, 14));
	LEX("to port 3128", 0,
	    T(TO, "to", 1, 1), T(PORT, "port", 1, 4), T(NUMBER, "3128", 1, 9));
}

static void test_strings(void)
{
	ONE("\"in-drop: \"", STRING);
	ONE("\"\"", STRING);
	LEX("log prefix \"a # not a comment\" level info", 0,
	    T(LOG, "log", 1, 1), T(PREFIX, "prefix", 1, 5),
	    T(STRING, "\"a # not a comment\"", 1, 12),
	    T(LEVEL, "level", 1, 32), T(NAME, "info", 1, 38));
	LEX("include \"common.fw\";", 0,
	    T(INCLUDE, "include", 1, 1), T(STRING, "\"common.fw\"", 1, 9),
	    T(SEMI, ";", 1, 20));
	/* two strings back to back */
	LEX("\"a\"\"b\"", 0, T(STRING, "\"a\"", 1, 1), T(STRING, "\"b\"", 1, 4));
	/* keywords inside strings are not keywords */
	LEX("\"accept drop\"", 0, T(STRING, "\"accept drop\"", 1, 1));
}

static void test_comments(void)
{
	LEX("accept # drop;\n  drop#x y z\n#\nlog # last", 0,
	    T(ACCEPT, "accept", 1, 1), T(DROP, "drop", 2, 3),
	    T(LOG, "log", 4, 1));
	CHECK_EOF(4, 11);
	/* '#' right after a token */
	LEX("drop;# x", 0, T(DROP, "drop", 1, 1), T(SEMI, ";", 1, 5));
	/* a comment holding a quote does not start a string */
	LEX("# \"\nx", 0, T(NAME, "x", 2, 1));
	CU_ASSERT_EQUAL(diag_count(DIAG_ERROR), 0);
}

static void test_lines(void)
{
	LEX("policy input drop;\n\naccept\n  ;", 0,
	    T(POLICY, "policy", 1, 1), T(INPUT, "input", 1, 8),
	    T(DROP, "drop", 1, 14), T(SEMI, ";", 1, 18),
	    T(ACCEPT, "accept", 3, 1), T(SEMI, ";", 4, 3));
	/* columns count bytes: a tab is one column */
	LEX("\taccept\t\tdrop", 0,
	    T(ACCEPT, "accept", 1, 2), T(DROP, "drop", 1, 10));

	/* many lines */
	size_t n = 3 * 1000;
	char *big = xmalloc(n + 1);
	for (size_t i = 0; i < 1000; i++)
		memcpy(big + 3 * i, "x;\n", 3);
	lex(big, n);
	free(big);
	CU_ASSERT_EQUAL(ntoks, 2000);
	if (ntoks == 2000) {
		CU_ASSERT_EQUAL(toks[1998].loc.line, 1000);
		CU_ASSERT_EQUAL(toks[1998].loc.col, 1);
		CU_ASSERT_EQUAL(toks[1999].loc.line, 1000);
		CU_ASSERT_EQUAL(toks[1999].loc.col, 2);
	}
	CHECK_EOF(1001, 1);
}

static void test_crlf(void)
{
	LEX("policy input drop;\r\n\r\naccept;\r\n", 0,
	    T(POLICY, "policy", 1, 1), T(INPUT, "input", 1, 8),
	    T(DROP, "drop", 1, 14), T(SEMI, ";", 1, 18),
	    T(ACCEPT, "accept", 3, 1), T(SEMI, ";", 3, 7));
	CHECK_EOF(4, 1);
	/* a comment before CRLF, a string before CRLF */
	LEX("drop # c\r\nlog prefix \"p\"\r\n  x", 0,
	    T(DROP, "drop", 1, 1), T(LOG, "log", 2, 1),
	    T(PREFIX, "prefix", 2, 5), T(STRING, "\"p\"", 2, 12),
	    T(NAME, "x", 3, 3));
	/* a CR ends a name, an address and a number */
	LEX("eth0\r\n10.0.0.0/8\r\n80\r\n", 0,
	    T(NAME, "eth0", 1, 1), T(ADDR, "10.0.0.0/8", 2, 1),
	    T(NUMBER, "80", 3, 1));
	CHECK_EOF(4, 1);
}

static void test_invalid(void)
{
	LEX("accept $ drop;\n  %\xc3\xa9 log", 3,
	    T(ACCEPT, "accept", 1, 1), T(DROP, "drop", 1, 10),
	    T(SEMI, ";", 1, 14), T(LOG, "log", 2, 7));
	DIAG_HAS("t.fw:1:8: error: invalid character '$'\n"
		 "accept $ drop;\n"
		 "       ^\n");
	DIAG_HAS("t.fw:2:3: error: invalid character '%'\n");
	/* a UTF-8 character is one error, not one per byte */
	DIAG_HAS("t.fw:2:4: error: non-ASCII text '\xc3\xa9' (only ASCII is allowed outside strings and comments)\n");

	/* brackets alone; the address between them is still lexed */
	LEX("[::1]", 2, T(ADDR, "::1", 1, 2));
	DIAG_HAS("t.fw:1:1: error: invalid character '['\n");
	DIAG_HAS("t.fw:1:5: error: invalid character ']'\n");

	/* on a later line, after CRLF */
	LEX("a\r\nb ~ c\r\n", 1,
	    T(NAME, "a", 1, 1), T(NAME, "b", 2, 1), T(NAME, "c", 2, 5));
	DIAG_HAS("t.fw:2:3: error: invalid character '~'\n");
	/* control characters */
	LEX("a\x01" "b", 1, T(NAME, "a", 1, 1), T(NAME, "b", 1, 3));
	DIAG_HAS("t.fw:1:2: error: invalid character 0x01\n");
	LEX0("\x7f", 1);
	DIAG_HAS("t.fw:1:1: error: invalid character 0x7f\n");
	CHECK_EOF(1, 2);
}

static void test_unterminated(void)
{
	LEX("log prefix \"abc\nlog;", 1,
	    T(LOG, "log", 1, 1), T(PREFIX, "prefix", 1, 5),
	    T(LOG, "log", 2, 1), T(SEMI, ";", 2, 4));
	DIAG_HAS("t.fw:1:12: error: unterminated string\n"
		 "log prefix \"abc\n"
		 "           ^^^^\n");
	/* at the end of the input */
	LEX("x \"abc", 1, T(NAME, "x", 1, 1));
	DIAG_HAS("t.fw:1:3: error: unterminated string\n"
		 "x \"abc\n"
		 "  ^^^^\n");
	CHECK_EOF(1, 7);
	/* a lone quote */
	LEX0("\"", 1);
	DIAG_HAS("t.fw:1:1: error: unterminated string\n");
	/* before CRLF: the CR is inside the (unterminated) string */
	LEX("\"ab\r\nx", 1, T(NAME, "x", 2, 1));
	DIAG_HAS("t.fw:1:1: error: unterminated string\n");
}

static void test_nul(void)
{
	LEX("accept\0drop;", 1,
	    T(ACCEPT, "accept", 1, 1), T(DROP, "drop", 1, 8),
	    T(SEMI, ";", 1, 12));
	DIAG_HAS("t.fw:1:7: error: invalid character 0x00\n");
	CHECK_EOF(1, 13);
	/* on a later line, and as the very last byte */
	LEX("a;\n\0\0b\0", 3,
	    T(NAME, "a", 1, 1), T(SEMI, ";", 1, 2), T(NAME, "b", 2, 3));
	DIAG_HAS("t.fw:2:1: error: invalid character 0x00\n");
	DIAG_HAS("t.fw:2:2: error: invalid character 0x00\n");
	DIAG_HAS("t.fw:2:4: error: invalid character 0x00\n");
	CHECK_EOF(2, 5);
	/* in a string: the string stops there, unterminated */
	LEXS("\"ab\0cd\"\nx");
	CU_ASSERT(diag_count(DIAG_ERROR) >= 2);
	DIAG_HAS("t.fw:1:1: error: unterminated string\n");
	DIAG_HAS("t.fw:1:4: error: invalid character 0x00\n");
	CU_ASSERT(ntoks >= 1 && toks[ntoks - 1].kind == TK_NAME &&
		  toks[ntoks - 1].loc.line == 2);
	/* in a comment: reported, and the next line is lexed normally */
	LEXS("# a\0b\nx");
	CU_ASSERT(diag_count(DIAG_ERROR) >= 1);
	DIAG_HAS("t.fw:1:4: error: invalid character 0x00\n");
	CU_ASSERT(ntoks >= 1 && toks[ntoks - 1].kind == TK_NAME &&
		  toks[ntoks - 1].loc.line == 2 && toks[ntoks - 1].loc.col == 1);
	/* inside an address: it ends the address */
	LEX("10.0.0.1\0/8", 1,
	    T(ADDR, "10.0.0.1", 1, 1), T(SLASH, "/", 1, 10),
	    T(NUMBER, "8", 1, 11));
}

static void test_statement(void)
{
	LEX("define admins = { 198.51.100.0/24, 2001:db8:1::/48 };\n"
	    "zone lan { interface eth1; network 192.168.1.0/24, fd00:1::/64; }\n"
	    "input {\n"
	    "    accept service ssh source admins rate 5/minute burst 10 per source;\n"
	    "    dnat from wan service web to 203.0.113.5:8080;\n"
	    "    drop source @blocklist;  # set\n"
	    "}\n", 0,
	    T(DEFINE, "define", 1, 1), T(NAME, "admins", 1, 8),
	    T(EQ, "=", 1, 15), T(LBRACE, "{", 1, 17),
	    T(ADDR, "198.51.100.0/24", 1, 19), T(COMMA, ",", 1, 34),
	    T(ADDR, "2001:db8:1::/48", 1, 36), T(RBRACE, "}", 1, 52),
	    T(SEMI, ";", 1, 53),
	    T(ZONE, "zone", 2, 1), T(NAME, "lan", 2, 6), T(LBRACE, "{", 2, 10),
	    T(INTERFACE, "interface", 2, 12), T(NAME, "eth1", 2, 22),
	    T(SEMI, ";", 2, 26), T(NETWORK, "network", 2, 28),
	    T(ADDR, "192.168.1.0/24", 2, 36), T(COMMA, ",", 2, 50),
	    T(ADDR, "fd00:1::/64", 2, 52), T(SEMI, ";", 2, 63),
	    T(RBRACE, "}", 2, 65),
	    T(INPUT, "input", 3, 1), T(LBRACE, "{", 3, 7),
	    T(ACCEPT, "accept", 4, 5), T(SERVICE, "service", 4, 12),
	    T(NAME, "ssh", 4, 20), T(SOURCE, "source", 4, 24),
	    T(NAME, "admins", 4, 31), T(RATE, "rate", 4, 38),
	    T(NUMBER, "5", 4, 43), T(SLASH, "/", 4, 44),
	    T(NAME, "minute", 4, 45), T(BURST, "burst", 4, 52),
	    T(NUMBER, "10", 4, 58), T(PER, "per", 4, 61),
	    T(SOURCE, "source", 4, 65), T(SEMI, ";", 4, 71),
	    T(DNAT, "dnat", 5, 5), T(FROM, "from", 5, 10),
	    T(NAME, "wan", 5, 15), T(SERVICE, "service", 5, 19),
	    T(NAME, "web", 5, 27), T(TO, "to", 5, 31),
	    T(ADDRPORT, "203.0.113.5:8080", 5, 34), T(SEMI, ";", 5, 50),
	    T(DROP, "drop", 6, 5), T(SOURCE, "source", 6, 10),
	    T(AT, "@", 6, 17), T(NAME, "blocklist", 6, 18),
	    T(SEMI, ";", 6, 27),
	    T(RBRACE, "}", 7, 1));
	CHECK_EOF(8, 1);
}

/* Token text points into the file, at its column. */
static void test_text_pointers(void)
{
	LEXS("zone  wan\n  { x }");
	CU_ASSERT_EQUAL_FATAL(ntoks, 5);
	CU_ASSERT_PTR_EQUAL(toks[0].s, file->text);
	CU_ASSERT_PTR_EQUAL(toks[1].s, file->text + 6);
	CU_ASSERT_PTR_EQUAL(toks[2].s, file->text + 12);
	CU_ASSERT_PTR_EQUAL(toks[3].s, file->text + 14);
	CU_ASSERT_PTR_EQUAL(toks[4].s, file->text + 16);
	CU_ASSERT_PTR_EQUAL(eof_tok.s, file->text + 17);
	for (size_t i = 0; i < ntoks; i++) {
		size_t len;
		const char *l = src_line(file, toks[i].loc.line, &len);
		CU_ASSERT_PTR_EQUAL(l + toks[i].loc.col - 1, toks[i].s);
	}
}

static void test_kind_names(void)
{
	CU_ASSERT_STRING_EQUAL(token_kind_name(0), "end of file");
	CU_ASSERT_STRING_EQUAL(token_kind_name(TK_SEMI), "';'");
	CU_ASSERT_STRING_EQUAL(token_kind_name(TK_LBRACE), "'{'");
	CU_ASSERT_STRING_EQUAL(token_kind_name(TK_AT), "'@'");
	CU_ASSERT_STRING_EQUAL(token_kind_name(TK_NAME), "name");
	CU_ASSERT_STRING_EQUAL(token_kind_name(TK_NUMBER), "number");
	CU_ASSERT_STRING_EQUAL(token_kind_name(TK_ADDR), "address");
	CU_ASSERT_STRING_EQUAL(token_kind_name(TK_ADDRPORT), "address:port");
	CU_ASSERT_STRING_EQUAL(token_kind_name(TK_STRING), "string");
	/* keywords: the caller quotes the text */
	CU_ASSERT_PTR_NULL(token_kind_name(TK_ACCEPT));
	CU_ASSERT_PTR_NULL(token_kind_name(TK_RESTORE));
	CU_ASSERT_PTR_NULL(token_kind_name(-1));
	CU_ASSERT_PTR_NULL(token_kind_name(100000));
}

int main(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "empty input and end of input", test_empty },
		{ "punctuation", test_punctuation },
		{ "every keyword vs longer names", test_keywords },
		{ "names", test_names },
		{ "numbers", test_numbers },
		{ "IPv4 addresses and prefixes", test_ipv4 },
		{ "IPv6 addresses and one-colon fallbacks", test_ipv6 },
		{ "address:port", test_addrport },
		{ "address ranges", test_ranges },
		{ "port ranges and lists", test_ports },
		{ "strings", test_strings },
		{ "comments", test_comments },
		{ "line and column counting", test_lines },
		{ "CRLF line endings", test_crlf },
		{ "invalid characters", test_invalid },
		{ "unterminated strings", test_unterminated },
		{ "NUL bytes", test_nul },
		{ "a whole policy fragment", test_statement },
		{ "token text pointers", test_text_pointers },
		{ "token_kind_name", test_kind_names },
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite suite = CU_add_suite("lexer", NULL, NULL);
	if (!suite)
		goto fail;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!CU_add_test(suite, tests[i].name, tests[i].fn))
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	unsigned failures = CU_get_number_of_failures();
	reset();
	CU_cleanup_registry();
	return failures ? 1 : 0;
fail:
	fprintf(stderr, "CUnit error: %s\n", CU_get_error_msg());
	reset();
	CU_cleanup_registry();
	return 1;
}
