/*
 * test_report.c: CUnit tests for the analyzer's reports (analyzer/report.c):
 * the check registry, lint_add's severities, "# fwc-ignore" suppression,
 * and the four formats. Findings are built by hand on sources made in
 * memory, so these tests do not depend on the checks themselves.
 *
 * Text and JSON are compared exactly; JUnit is parsed back with libxml2
 * and checked element by element; SARIF is checked with a small JSON
 * validator, then its results compared exactly.
 */
#include "diag.h"
#include "ir.h"
#include "lint.h"
#include "source.h"
#include "util.h"
#include "testutil.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* report.c's fallback when the build does not set one */
#ifdef FWC_VERSION
#define FWC_VERSION_TEST FWC_VERSION
#else
#define FWC_VERSION_TEST "0.1.0"
#endif

static int suite_clean(void)
{
	src_free_all();
	xmlCleanupParser();
	return 0;
}

static struct srcfile *src(const char *path, const char *text)
{
	return src_from_text(path, xstrdup(text), strlen(text), NULL);
}

static struct loc at(const struct srcfile *f, uint32_t line, uint32_t col,
		     uint32_t len)
{
	struct loc l = { f, line, col, len };
	return l;
}

/* The report as a string; the write must succeed. */
static char *render(const struct lint_result *res, enum lint_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = lint_write(f, fmt, res, false);
	fclose(f);
	CU_ASSERT_EQUAL(rc, 0);
	return buf;
}

/* Points at the first difference, for readable failures. */
static void check_same(int line, const char *got, const char *want)
{
	size_t i = 0;
	while (got[i] && got[i] == want[i])
		i++;
	check_at(line, !strcmp(got, want),
		 "output differs at byte %zu:\n  got:  %.80s\n  want: %.80s",
		 i, got + i, want + i);
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
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
		if (c < 0x20)
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

static bool jnumber(const char **s)
{
	if (**s == '-')
		(*s)++;
	if (!isdigit((unsigned char)**s))
		return false;
	if (**s == '0')
		(*s)++;
	else
		while (isdigit((unsigned char)**s))
			(*s)++;
	return true;   /* the reports write integers only */
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

static void test_json_checker(void)
{
	CU_ASSERT(json_line_valid("{\"a\":[1,true,null,\"x\\u0009\"],\"b\":{}}\n"));
	CU_ASSERT(!json_line_valid("{}"));
	CU_ASSERT(!json_line_valid("{\"a\":1,}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":\"tab\there\"}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":[1 2]}\n"));
	CU_ASSERT(!json_line_valid("{\"a\":{\"b\":1}\n"));
}

/* ================================================================== */
/* registry, options, lint_add                                        */
/* ================================================================== */

static void test_registry(void)
{
	static const char *const ids[CHK_MAX] = {
		"shadowed", "redundant", "empty-match", "mark-order",
		"mark-overwritten", "nat-bypass", "lockout", "unused",
		"unreachable-chain", "unknown-match",
	};
	for (int c = 0; c < CHK_MAX; c++) {
		check_at(__LINE__, !strcmp(lint_checks[c].id, ids[c]),
			 "check %d is '%s', want '%s'", c, lint_checks[c].id, ids[c]);
		CU_ASSERT_EQUAL((int)lint_check_by_id(ids[c]), c);
		CU_ASSERT_PTR_NOT_NULL(lint_checks[c].summary);
		CU_ASSERT_EQUAL(lint_checks[c].sev,
				c == CHK_LOCKOUT ? DIAG_ERROR :
				c == CHK_UNKNOWN_MATCH ? DIAG_NOTE : DIAG_WARNING);
	}
	CU_ASSERT_STRING_EQUAL(lint_checks[CHK_REDUNDANT].summary,
			       "removing the rule changes no verdict");
	CU_ASSERT_EQUAL(lint_check_by_id("shadow"), CHK_MAX);
	CU_ASSERT_EQUAL(lint_check_by_id(""), CHK_MAX);
	CU_ASSERT_EQUAL(lint_check_by_id(NULL), CHK_MAX);

	struct lint_opts o;
	memset(&o, 0x55, sizeof(o));
	lint_opts_default(&o);
	for (int c = 0; c < CHK_MAX; c++)
		CU_ASSERT(o.enabled[c]);
	CU_ASSERT(!o.witness);
	CU_ASSERT(!o.has_ssh_client);
	CU_ASSERT_EQUAL(o.ssh_port, -1);
}

static void test_add(void)
{
	struct srcfile *f = src("a.fw", "x\ny\n");
	struct loc l = at(f, 2, 1, 1);
	struct lint_result r = { 0 };

	struct lint_finding *x = lint_add(&r, CHK_LOCKOUT, true, &l, "n=%d", 4);
	CU_ASSERT_EQUAL(x->sev, DIAG_ERROR);
	CU_ASSERT_STRING_EQUAL(x->msg, "n=4");
	CU_ASSERT_EQUAL(x->rule_id, (size_t)-1);
	CU_ASSERT_EQUAL(x->loc.line, 2);
	CU_ASSERT_PTR_EQUAL(x->loc.file, f);
	CU_ASSERT(!x->has_witness);
	lint_related_add(x, &l, "cuts", "drops %s", "it");
	lint_related_add(x, NULL, "policy", "the policy");
	CU_ASSERT_EQUAL(x->nrel, 2);
	CU_ASSERT_STRING_EQUAL(x->rel[0].role, "cuts");
	CU_ASSERT_STRING_EQUAL(x->rel[0].msg, "drops it");
	CU_ASSERT_PTR_NULL(x->rel[1].loc.file);

	/* possible findings are one step quieter, notes stay notes */
	CU_ASSERT_EQUAL(lint_add(&r, CHK_LOCKOUT, false, &l, "e")->sev, DIAG_WARNING);
	CU_ASSERT_EQUAL(lint_add(&r, CHK_SHADOWED, false, &l, "w")->sev, DIAG_NOTE);
	CU_ASSERT_EQUAL(lint_add(&r, CHK_SHADOWED, true, &l, "w")->sev, DIAG_WARNING);
	CU_ASSERT_EQUAL(lint_add(&r, CHK_UNKNOWN_MATCH, false, NULL, "n")->sev, DIAG_NOTE);
	CU_ASSERT_PTR_NULL(r.f[4].loc.file);
	CU_ASSERT(!r.f[4].certain);
	/* many, to make the array move */
	for (int i = 0; i < 100; i++)
		lint_add(&r, CHK_UNUSED, true, &l, "u%d", i);
	CU_ASSERT_EQUAL(r.n, 105);
	CU_ASSERT_STRING_EQUAL(r.f[0].rel[1].msg, "the policy");
	CU_ASSERT_STRING_EQUAL(r.f[104].msg, "u99");

	r.reach = xcalloc(3, sizeof(*r.reach));
	r.nreach = r.capreach = 3;
	lint_result_release(&r);
	CU_ASSERT_PTR_NULL(r.f);
	CU_ASSERT_PTR_NULL(r.reach);
	CU_ASSERT_EQUAL(r.n, 0);
}

/* ================================================================== */
/* suppression                                                        */
/* ================================================================== */

static void test_suppress(void)
{
	struct srcfile *f = src("s.fw",
		"zone lan interface eth1;\n"                                    /* 1 */
		"# fwc-ignore: shadowed\n"                                      /* 2 */
		"input accept service ssh;\n"                                   /* 3 */
		"input accept service http;\t#fwc-ignore:redundant ,  shadowed\n" /* 4 */
		"input accept service dns; # fwc-ignore\n"                      /* 5 */
		"input drop log prefix \"# fwc-ignore\";\n"                     /* 6 */
		"input accept service ntp; # fwc-ignore: redundant\n"           /* 7 */
		"input accept service smtp;\n"                                  /* 8 */
		"input accept service imap; # fwc-ignored\n"                    /* 9 */
		" \t # fwc-ignore: unknown-match -- imported as is\n"           /* 10 */
		"input accept service pop3;\n"                                  /* 11 */
		"input drop log prefix \"#x\"; # fwc-ignore: shadowed\n"        /* 12 */
		"input drop; # fwc-ignore: unused, nat-bypass\n"                /* 13 */
		"input drop; # fwc-ignore: mark-order\r\n"                      /* 14 */
		"input drop;\n");                                               /* 15 */
	static const struct {
		enum lint_check c;
		uint32_t line;
		bool kept;
	} in[] = {
		{ CHK_SHADOWED, 3, false },      /* comment line before */
		{ CHK_REDUNDANT, 3, true },      /* not listed */
		{ CHK_SHADOWED, 4, false },      /* listed second, spaces */
		{ CHK_UNUSED, 4, true },
		{ CHK_LOCKOUT, 5, false },       /* no list: every check */
		{ CHK_SHADOWED, 6, true },       /* '#' in a string */
		{ CHK_REDUNDANT, 7, false },
		{ CHK_REDUNDANT, 8, true },      /* trailing comment is line 7's */
		{ CHK_SHADOWED, 9, true },       /* "fwc-ignored" is prose */
		{ CHK_UNKNOWN_MATCH, 11, false },/* indented comment line */
		{ CHK_SHADOWED, 11, true },
		{ CHK_SHADOWED, 12, false },     /* string closed before '#' */
		{ CHK_NAT_BYPASS, 13, false },
		{ CHK_MARK_ORDER, 14, false },   /* CRLF line */
		{ CHK_MARK_ORDER, 15, true },
		{ CHK_UNUSED, 0, true },         /* no location */
	};
	size_t n = sizeof(in) / sizeof(in[0]), want_dropped = 0;
	struct lint_result r = { 0 };
	for (size_t i = 0; i < n; i++) {
		struct loc l = at(in[i].line ? f : NULL, in[i].line, 1, 3);
		struct lint_finding *x = lint_add(&r, in[i].c, true, &l, "finding %zu", i);
		lint_related_add(x, &l, "r", "related %zu", i);
		want_dropped += !in[i].kept;
	}
	size_t dropped = lint_suppress(&r);
	CU_ASSERT_EQUAL(dropped, want_dropped);
	CU_ASSERT_EQUAL(r.n, n - want_dropped);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!in[i].kept)
			continue;
		char want[32];
		snprintf(want, sizeof(want), "finding %zu", i);
		check_at(__LINE__, k < r.n && !strcmp(r.f[k].msg, want),
			 "finding %zu (%s, line %u) was dropped or moved",
			 i, lint_checks[in[i].c].id, in[i].line);
		k++;
	}
	/* nothing left to drop: a second pass keeps everything */
	CU_ASSERT_EQUAL(lint_suppress(&r), 0);
	CU_ASSERT_EQUAL(r.n, n - want_dropped);
	lint_result_release(&r);
}

/* ================================================================== */
/* formats                                                            */
/* ================================================================== */

static struct srcfile *two;

/* A shadowed rule with a witness, and a possible lockout with no place
 * decided by a chain's policy. */
static void two_findings(struct lint_result *r)
{
	if (!two)
		two = src("t.fw", "input accept service ssh;\ninput drop service ssh;\n");
	memset(r, 0, sizeof(*r));
	struct loc l2 = at(two, 2, 1, 23), l1 = at(two, 1, 1, 25);
	struct lint_finding *f = lint_add(r, CHK_SHADOWED, true, &l2,
					  "rule can never match");
	lint_related_add(f, &l1, "covering", "accepts it first");
	f->has_witness = true;
	snprintf(f->witness.packet, sizeof(f->witness.packet), "%s",
		 "tcp 198.51.100.1:1024 -> 192.0.2.1:22 in eth0");
	f->witness.rule = l1;
	f->witness.chain = "input";
	f->witness.table = TBL_FILTER;

	f = lint_add(r, CHK_LOCKOUT, false, NULL, "loopback is dropped");
	lint_related_add(f, NULL, "cuts", "the input policy");
	f->has_witness = true;
	snprintf(f->witness.packet, sizeof(f->witness.packet), "%s",
		 "udp 127.0.0.1:53 -> 127.0.0.1:53 in lo");
	f->witness.chain = "input";
	f->witness.table = TBL_FILTER;
	f->witness.rule_is_policy = true;
}

static void test_text(void)
{
	struct lint_result r;
	two_findings(&r);
	char *t = render(&r, LF_TEXT);
	check_same(__LINE__, t,
		"t.fw:2:1: warning: rule can never match [shadowed]\n"
		"input drop service ssh;\n"
		"^^^^^^^^^^^^^^^^^^^^^^^\n"
		"t.fw:1:1: note: accepts it first\n"
		"input accept service ssh;\n"
		"~~~~~~~~~~~~~~~~~~~~~~~~~\n"
		"note: witness: tcp 198.51.100.1:1024 -> 192.0.2.1:22 in eth0 "
		"(first matched by t.fw:1 in filter chain input)\n"
		"warning: loopback is dropped [lockout]\n"
		"note: the input policy\n"
		"note: witness: udp 127.0.0.1:53 -> 127.0.0.1:53 in lo "
		"(no rule matches: the policy of filter chain input decides)\n"
		"fwc lint: 0 errors, 2 warnings, 0 notes\n");
	free(t);
	/* the queue is not used: nothing left in it */
	CU_ASSERT_EQUAL(diag_count(DIAG_WARNING), 0);
	lint_result_release(&r);

	/* singular forms, and an empty report */
	struct loc l = at(two, 1, 7, 6);
	lint_add(&r, CHK_LOCKOUT, true, &l, "e");
	lint_add(&r, CHK_UNUSED, true, &l, "w");
	lint_add(&r, CHK_UNKNOWN_MATCH, true, &l, "n");
	t = render(&r, LF_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nfwc lint: 1 error, 1 warning, 1 note\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "t.fw:1:7: error: e [lockout]\n"
				      "input accept service ssh;\n      ^^^^^^\n"));
	free(t);
	lint_result_release(&r);
	t = render(&r, LF_TEXT);
	CU_ASSERT_STRING_EQUAL(t, "fwc lint: 0 errors, 0 warnings, 0 notes\n");
	free(t);
}

static void test_json(void)
{
	struct lint_result r;
	two_findings(&r);
	char *j = render(&r, LF_JSON);
	check_same(__LINE__, j,
		"{\"version\":1,\"findings\":["
		"{\"check\":\"shadowed\",\"severity\":\"warning\",\"certain\":true,"
		"\"message\":\"rule can never match\","
		"\"location\":{\"file\":\"t.fw\",\"line\":2,\"column\":1},"
		"\"related\":[{\"file\":\"t.fw\",\"line\":1,\"column\":1,"
		"\"role\":\"covering\",\"message\":\"accepts it first\"}],"
		"\"witness\":{\"packet\":\"tcp 198.51.100.1:1024 -> 192.0.2.1:22 in eth0\","
		"\"rule\":{\"file\":\"t.fw\",\"line\":1,\"column\":1},"
		"\"chain\":\"input\",\"table\":\"filter\"}},"
		"{\"check\":\"lockout\",\"severity\":\"warning\",\"certain\":false,"
		"\"message\":\"loopback is dropped\",\"location\":null,"
		"\"related\":[{\"file\":null,\"line\":null,\"column\":null,"
		"\"role\":\"cuts\",\"message\":\"the input policy\"}],"
		"\"witness\":{\"packet\":\"udp 127.0.0.1:53 -> 127.0.0.1:53 in lo\","
		"\"rule\":null,\"chain\":\"input\",\"table\":\"filter\"}}],"
		"\"summary\":{\"errors\":0,\"warnings\":2,\"notes\":0}}\n");
	CU_ASSERT(json_line_valid(j));
	free(j);
	lint_result_release(&r);

	j = render(&r, LF_JSON);
	CU_ASSERT_STRING_EQUAL(j, "{\"version\":1,\"findings\":[],"
			       "\"summary\":{\"errors\":0,\"warnings\":0,\"notes\":0}}\n");
	free(j);
}

static void test_json_escapes(void)
{
	struct lint_result r = { 0 };
	struct srcfile *f = src("dir/\"odd\"\\name.fw", "x\n");
	struct loc l = at(f, 1, 1, 1);
	/* quotes, backslash, controls, UTF-8 kept, a stray byte replaced */
	lint_add(&r, CHK_UNUSED, true, &l, "a \"q\" \\ b\n\t\x01 caf\xc3\xa9 \xff end");
	char *j = render(&r, LF_JSON);
	CU_ASSERT(json_line_valid(j));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"message\":\"a \\\"q\\\" \\\\ b\\u000a\\u0009"
				      "\\u0001 caf\xc3\xa9 \\ufffd end\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"file\":\"dir/\\\"odd\\\"\\\\name.fw\""));
	free(j);
	lint_result_release(&r);
}

/* ---- JUnit, read back with libxml2 ---- */

static xmlNode *next_elem(xmlNode *n, const char *name)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return n;
	return NULL;
}

static size_t count_elems(xmlNode *parent, const char *name)
{
	size_t k = 0;
	for (xmlNode *n = next_elem(parent->children, name); n; n = next_elem(n->next, name))
		k++;
	return k;
}

/* the attribute's value ("" when absent), in a static buffer */
static const char *attr(xmlNode *n, const char *name)
{
	static char buf[4][1024];
	static int k;
	char *b = buf[k++ & 3];
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	snprintf(b, 1024, "%s", v ? (const char *)v : "");
	xmlFree(v);
	return b;
}

static bool has_attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	xmlFree(v);
	return v != NULL;
}

static xmlNode *suite_named(xmlNode *root, const char *name)
{
	for (xmlNode *n = next_elem(root->children, "testsuite"); n;
	     n = next_elem(n->next, "testsuite"))
		if (!strcmp(attr(n, "name"), name))
			return n;
	return NULL;
}

#define ATTR_IS(node, name, want) \
	check_at(__LINE__, !strcmp(attr((node), (name)), (want)), \
		 "%s=\"%s\", want \"%s\"", (name), attr((node), (name)), (want))

static void test_junit(void)
{
	struct lint_result r;
	two_findings(&r);   /* shadowed t.fw:2 with witness, lockout nowhere */
	struct loc l1 = at(two, 1, 1, 25);
	lint_add(&r, CHK_SHADOWED, true, &l1,
		 "rule never matches; <the> \"rule\" & more \x02 \xfe");
	lint_add(&r, CHK_UNUSED, true, &l1,
		 "set 'averyveryverylongname' is defined but no rule, zone or chain ever "
		 "refers to it");
	r.disabled[CHK_MARK_ORDER] = true;
	r.disabled[CHK_UNUSED] = true;     /* has a finding: stays */

	char *x = render(&r, LF_JUNIT);
	CU_ASSERT(!strncmp(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39));
	xmlDoc *doc = xmlReadMemory(x, (int)strlen(x), "junit.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	xmlNode *root = xmlDocGetRootElement(doc);
	CU_ASSERT_STRING_EQUAL(root->name, "testsuites");
	ATTR_IS(root, "name", "fwc lint");
	/* 4 findings in 3 suites, 6 passing suites, mark-order left out */
	ATTR_IS(root, "tests", "10");
	ATTR_IS(root, "failures", "4");
	CU_ASSERT_EQUAL(count_elems(root, "testsuite"), CHK_MAX - 1);
	CU_ASSERT_PTR_NULL(suite_named(root, "mark-order"));

	/* registry order */
	xmlNode *s = next_elem(root->children, "testsuite");
	ATTR_IS(s, "name", "shadowed");
	s = next_elem(s->next, "testsuite");
	ATTR_IS(s, "name", "redundant");

	s = suite_named(root, "shadowed");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	ATTR_IS(s, "tests", "2");
	ATTR_IS(s, "failures", "2");
	ATTR_IS(s, "errors", "0");
	CU_ASSERT_EQUAL(count_elems(s, "testcase"), 2);
	xmlNode *c = next_elem(s->children, "testcase");
	ATTR_IS(c, "name", "t.fw:2: rule can never match");
	ATTR_IS(c, "classname", "fwc.lint.shadowed");
	ATTR_IS(c, "file", "t.fw");
	ATTR_IS(c, "line", "2");
	xmlNode *fl = next_elem(c->children, "failure");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
	ATTR_IS(fl, "message", "rule can never match");
	ATTR_IS(fl, "type", "warning");
	xmlChar *body = xmlNodeGetContent(fl);
	CU_ASSERT_STRING_EQUAL(body,
		"t.fw:2:1: warning: rule can never match [shadowed]\n"
		"t.fw:1:1: covering: accepts it first\n"
		"witness: tcp 198.51.100.1:1024 -> 192.0.2.1:22 in eth0 "
		"(first matched by t.fw:1 in filter chain input)\n");
	xmlFree(body);

	/* the name stops at ';'; XML specials survive, controls do not */
	c = next_elem(c->next, "testcase");
	ATTR_IS(c, "name", "t.fw:1: rule never matches");
	fl = next_elem(c->children, "failure");
	ATTR_IS(fl, "message", "rule never matches; <the> \"rule\" & more ? \xef\xbf\xbd");

	s = suite_named(root, "lockout");
	ATTR_IS(s, "tests", "1");
	ATTR_IS(s, "failures", "1");
	c = next_elem(s->children, "testcase");
	ATTR_IS(c, "name", "loopback is dropped");
	CU_ASSERT(!has_attr(c, "file"));
	CU_ASSERT(!has_attr(c, "line"));
	fl = next_elem(c->children, "failure");
	ATTR_IS(fl, "type", "warning");    /* possible: one step down */
	body = xmlNodeGetContent(fl);
	CU_ASSERT_STRING_EQUAL(body,
		"warning: loopback is dropped [lockout] (possible)\n"
		"cuts: the input policy\n"
		"witness: udp 127.0.0.1:53 -> 127.0.0.1:53 in lo "
		"(no rule matches: the policy of filter chain input decides)\n");
	xmlFree(body);

	/* long names are cut at 72 bytes of message */
	s = suite_named(root, "unused");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	c = next_elem(s->children, "testcase");
	ATTR_IS(c, "name", "t.fw:1: set 'averyveryverylongname' is defined but no rule, "
		"zone or chain ever...");

	/* a check with nothing to say passes */
	s = suite_named(root, "redundant");
	ATTR_IS(s, "tests", "1");
	ATTR_IS(s, "failures", "0");
	CU_ASSERT_EQUAL(count_elems(s, "testcase"), 1);
	c = next_elem(s->children, "testcase");
	ATTR_IS(c, "name", "redundant");
	ATTR_IS(c, "classname", "fwc.lint");
	CU_ASSERT_PTR_NULL(c->children ? next_elem(c->children, "failure") : NULL);

	xmlFreeDoc(doc);
	free(x);
	lint_result_release(&r);
}

/* ---- SARIF ---- */

static void test_sarif(void)
{
	struct lint_result r;
	two_findings(&r);
	char *j = render(&r, LF_SARIF);
	CU_ASSERT(json_line_valid(j));
	static const char head[] =
		"{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
		"\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"fwc\","
		"\"informationUri\":\"https://github.com/fwc/fwc\",";
	CU_ASSERT(!strncmp(j, head, sizeof(head) - 1));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"rules\":[{\"id\":\"shadowed\",\"shortDescription\":"
				      "{\"text\":\"rule can never match: earlier rules together "
				      "cover it, and decide differently\"},"
				      "\"defaultConfiguration\":{\"level\":\"warning\"}},"
				      "{\"id\":\"redundant\","));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"id\":\"lockout\",\"shortDescription\":{\"text\":"
				      "\"management access, loopback or replies of allowed "
				      "connections are dropped\"},"
				      "\"defaultConfiguration\":{\"level\":\"error\"}}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"id\":\"unknown-match\",\"shortDescription\""));
	CU_ASSERT_EQUAL(count_str(j, "\"defaultConfiguration\""), CHK_MAX);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"version\":\"" FWC_VERSION_TEST "\""));
	const char *res = strstr(j, "\"results\":");
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	check_same(__LINE__, res,
		"\"results\":["
		"{\"ruleId\":\"shadowed\",\"ruleIndex\":0,\"level\":\"warning\","
		"\"message\":{\"text\":\"rule can never match\"},"
		"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"t.fw\"},"
		"\"region\":{\"startLine\":2,\"startColumn\":1,\"endColumn\":24}}}],"
		"\"relatedLocations\":[{\"id\":0,\"physicalLocation\":{\"artifactLocation\":"
		"{\"uri\":\"t.fw\"},\"region\":{\"startLine\":1,\"startColumn\":1,\"endColumn\":26}},"
		"\"message\":{\"text\":\"accepts it first\"}}],"
		"\"properties\":{\"certain\":true,\"witness\":{"
		"\"packet\":\"tcp 198.51.100.1:1024 -> 192.0.2.1:22 in eth0\","
		"\"rule\":{\"file\":\"t.fw\",\"line\":1,\"column\":1},"
		"\"chain\":\"input\",\"table\":\"filter\"}}},"
		"{\"ruleId\":\"lockout\",\"ruleIndex\":6,\"level\":\"warning\","
		"\"message\":{\"text\":\"loopback is dropped\"},"
		"\"relatedLocations\":[{\"id\":0,\"message\":{\"text\":\"the input policy\"}}],"
		"\"properties\":{\"certain\":false,\"witness\":{"
		"\"packet\":\"udp 127.0.0.1:53 -> 127.0.0.1:53 in lo\","
		"\"rule\":null,\"chain\":\"input\",\"table\":\"filter\"}}}]}]}\n");
	free(j);
	lint_result_release(&r);

	/* paths become URI references */
	struct srcfile *a = src("/etc/fwc/my policy.fw", "x\n");
	struct srcfile *b = src("a:b#c.fw", "x\n");
	struct loc la = at(a, 1, 1, 1), lb = at(b, 1, 1, 1);
	lint_add(&r, CHK_UNUSED, true, &la, "a");
	lint_add(&r, CHK_UNUSED, true, &lb, "b");
	j = render(&r, LF_SARIF);
	CU_ASSERT(json_line_valid(j));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"uri\":\"file:///etc/fwc/my%20policy.fw\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"uri\":\"a%3Ab%23c.fw\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"ruleId\":\"unused\",\"ruleIndex\":7,"));
	free(j);
	lint_result_release(&r);

	j = render(&r, LF_SARIF);
	CU_ASSERT(json_line_valid(j));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"results\":[]}]}\n"));
	free(j);
}

/* ---- write errors ---- */

static void test_write_error(void)
{
	struct lint_result r;
	two_findings(&r);
	for (int fmt = LF_TEXT; fmt <= LF_SARIF; fmt++) {
		FILE *f = fopen("/dev/full", "w");
		if (!f) {
			fprintf(stderr, "\n  no /dev/full: skipped");
			break;
		}
		errno = 0;
		int rc = lint_write(f, (enum lint_format)fmt, &r, false);
		int err = errno;
		fclose(f);
		check_at(__LINE__, rc == -1 && err == ENOSPC,
			 "format %d on /dev/full: rc %d, errno %d (%s)", fmt, rc,
			 err, strerror(err));
	}
	lint_result_release(&r);
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "json: the checker", test_json_checker },
		{ "registry and options", test_registry },
		{ "lint_add, severities, release", test_add },
		{ "suppression", test_suppress },
		{ "text", test_text },
		{ "json: exact", test_json },
		{ "json: escapes", test_json_escapes },
		{ "junit: read back", test_junit },
		{ "sarif", test_sarif },
		{ "write errors", test_write_error },
	};
	return run_suite("report", NULL, suite_clean, tests, sizeof(tests) / sizeof(tests[0]));
}
