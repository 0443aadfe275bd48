/*
 * report.c: the analyzer's findings and how they leave fwc.
 *
 * The check registry, adding findings (lint_add, used by the checks),
 * "# fwc-ignore" suppression, and four renderings: text through the
 * diagnostic printer, JSON, JUnit XML (libxml2's writer, for GitLab and
 * Jenkins) and SARIF 2.1.0 (code scanning). Every format is a pure
 * function of the result: the same findings give the same bytes.
 */
#include "lint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#ifndef FWC_VERSION
#define FWC_VERSION "0.1.0"
#endif

const struct lint_check_info lint_checks[CHK_MAX] = {
	[CHK_SHADOWED] = { "shadowed", DIAG_WARNING,
		"rule can never match: earlier rules together cover it, and decide differently" },
	[CHK_REDUNDANT] = { "redundant", DIAG_WARNING,
		"removing the rule changes no verdict" },
	[CHK_EMPTY_MATCH] = { "empty-match", DIAG_WARNING,
		"the rule's conditions contradict each other or its chain's entry conditions" },
	[CHK_MARK_ORDER] = { "mark-order", DIAG_WARNING,
		"an exemption placed after the MARK/CONNMARK it should exempt from" },
	[CHK_MARK_OVERWRITTEN] = { "mark-overwritten", DIAG_WARNING,
		"a MARK whose effect is always replaced by a later MARK" },
	[CHK_NAT_BYPASS] = { "nat-bypass", DIAG_WARNING,
		"DNAT'ed traffic the filter drops, or that skips the filtering written for it" },
	[CHK_LOCKOUT] = { "lockout", DIAG_ERROR,
		"management access, loopback or replies of allowed connections are dropped" },
	[CHK_UNUSED] = { "unused", DIAG_WARNING,
		"a zone, set, service or define defined but never used" },
	[CHK_UNREACHABLE_CHAIN] = { "unreachable-chain", DIAG_WARNING,
		"a user chain no rule jumps to" },
	[CHK_UNKNOWN_MATCH] = { "unknown-match", DIAG_NOTE,
		"an imported match fwc cannot model; treated as may-match" },
};

static const char *const sev_name[] = { "error", "warning", "note" };

enum lint_check lint_check_by_id(const char *id)
{
	for (int c = 0; id && c < CHK_MAX; c++)
		if (!strcmp(lint_checks[c].id, id))
			return (enum lint_check)c;
	return CHK_MAX;
}

void lint_opts_default(struct lint_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int c = 0; c < CHK_MAX; c++)
		o->enabled[c] = true;
	o->ssh_port = -1;
}

/* ---- building a result ---- */

struct lint_finding *lint_add(struct lint_result *res, enum lint_check c,
			      bool certain, const struct loc *loc,
			      const char *fmt, ...)
{
	if (c >= CHK_MAX)
		BUG("lint_add: check %d", (int)c);
	VEC_PUSH(res->f, res->n, res->cap);
	struct lint_finding *f = &res->f[res->n++];
	memset(f, 0, sizeof(*f));
	f->check = c;
	f->certain = certain;
	f->sev = lint_checks[c].sev;
	/* a possible finding is one step quieter; a note stays a note */
	if (!certain && f->sev != DIAG_NOTE)
		f->sev = (enum diag_sev)(f->sev + 1);
	if (loc)
		f->loc = *loc;
	f->rule_id = (size_t)-1;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&f->msg, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return f;
}

void lint_related_add(struct lint_finding *f, const struct loc *loc,
		      const char *role, const char *fmt, ...)
{
	VEC_PUSH(f->rel, f->nrel, f->caprel);
	struct lint_related *r = &f->rel[f->nrel++];
	memset(r, 0, sizeof(*r));
	if (loc)
		r->loc = *loc;
	r->role = xstrdup(role ? role : "related");
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->msg, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
}

static void finding_release(struct lint_finding *f)
{
	for (size_t i = 0; i < f->nrel; i++) {
		free(f->rel[i].role);
		free(f->rel[i].msg);
	}
	free(f->rel);
	free(f->msg);
}

void lint_result_release(struct lint_result *res)
{
	for (size_t i = 0; i < res->n; i++)
		finding_release(&res->f[i]);
	free(res->f);
	free(res->reach);
	free(res->rule_hit);
	memset(res, 0, sizeof(*res));
}

/* ---- suppression ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* The comment on a source line: what follows its first '#' outside a
 * string (strings have no escapes and end on their line), or NULL.
 * *alone: nothing but blanks before the '#'. */
static const char *line_comment(const char *p, size_t len, size_t *n, bool *alone)
{
	bool in_str = false;
	*alone = true;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"')
			in_str = !in_str;
		else if (p[i] == '#' && !in_str) {
			*n = len - i - 1;
			return p + i + 1;
		}
		if (!is_blank(p[i]))
			*alone = false;
	}
	return NULL;
}

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Does the comment [p, p + n) silence check c? "fwc-ignore" alone, or
 * followed by prose, silences every check; "fwc-ignore: a, b" those. */
static bool comment_ignores(const char *p, size_t n, enum lint_check c)
{
	static const char kw[] = "fwc-ignore";
	const char *e = p + n, *id = lint_checks[c].id;
	size_t idlen = strlen(id);

	while (p < e && is_blank(*p))
		p++;
	if ((size_t)(e - p) < sizeof(kw) - 1 || memcmp(p, kw, sizeof(kw) - 1))
		return false;
	p += sizeof(kw) - 1;
	if (p < e && id_char(*p))
		return false;   /* "fwc-ignored", "fwc-ignore-foo" */
	while (p < e && is_blank(*p))
		p++;
	if (p == e || *p != ':')
		return true;
	for (p++;;) {
		while (p < e && is_blank(*p))
			p++;
		const char *w = p;
		while (p < e && id_char(*p))
			p++;
		if ((size_t)(p - w) == idlen && !memcmp(w, id, idlen))
			return true;
		while (p < e && is_blank(*p))
			p++;
		if (p == e || *p != ',')
			return false;
		p++;
	}
}

/* A comment on the finding's own line (after code or alone), or alone on
 * the line before: a trailing comment speaks for its own line only. */
static bool line_ignores(const struct srcfile *file, uint32_t line,
			 bool own, enum lint_check c)
{
	size_t len, n;
	bool alone;
	const char *s = src_line(file, line, &len);
	const char *com = line_comment(s, len, &n, &alone);
	return com && (own || alone) && comment_ignores(com, n, c);
}

static bool suppressed(const struct lint_finding *f)
{
	const struct loc *l = &f->loc;
	if (!l->file || l->line == 0)
		return false;
	return line_ignores(l->file, l->line, true, f->check) ||
	       (l->line > 1 && line_ignores(l->file, l->line - 1, false, f->check));
}

size_t lint_suppress(struct lint_result *res)
{
	size_t kept = 0, dropped = 0;
	for (size_t i = 0; i < res->n; i++) {
		if (suppressed(&res->f[i])) {
			finding_release(&res->f[i]);
			dropped++;
			continue;
		}
		if (kept != i)
			res->f[kept] = res->f[i];
		kept++;
	}
	res->n = kept;
	return dropped;
}

/* ---- shared by the formats ---- */

/* Length of the valid UTF-8 sequence at s, 0 when invalid (overlong forms,
 * surrogates and values past U+10FFFF included): JSON and XML readers
 * reject such bytes, and policy strings and paths may hold anything. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t n;
	uint32_t cp, min;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void count_sev(const struct lint_result *res, size_t cnt[3])
{
	cnt[0] = cnt[1] = cnt[2] = 0;
	for (size_t i = 0; i < res->n; i++)
		cnt[res->f[i].sev]++;
}

/* "tcp 198.51.100.1:1024 -> 192.0.2.1:22 in eth0 (first matched by
 * x.fw:3 in filter chain input)" */
static void witness_text(const struct lint_witness *w, char *buf, size_t n)
{
	char chain[512] = "", rule[256];
	if (w->chain)
		snprintf(chain, sizeof(chain), "%s chain %s",
			 table_name(w->table), w->chain);
	if (w->rule_is_policy) {
		snprintf(buf, n, "%s (no rule matches: the policy of %s decides)",
			 w->packet, w->chain ? chain : "the chain");
		return;
	}
	if (w->rule.file)
		loc_short(&w->rule, rule, sizeof(rule));
	else
		snprintf(rule, sizeof(rule), "an implicit rule");
	snprintf(buf, n, "%s (first matched by %s%s%s)", w->packet, rule,
		 w->chain ? " in " : "", chain);
}

static int write_end(FILE *out)
{
	if (fflush(out) || ferror(out)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- text ---- */

static void write_text(FILE *out, const struct lint_result *res, bool color)
{
	char wbuf[1024], *witness = NULL;
	for (size_t i = 0; i < res->n; i++) {
		const struct lint_finding *f = &res->f[i];
		/* a record of the printer's own kind, not queued: findings
		 * must not count against the front end's error cap */
		struct diag d = {
			.sev = f->sev,
			.check = lint_checks[f->check].id,
			.msg = f->msg,
			.loc = f->loc,
			.nrel = f->nrel,
		};
		d.rel = xcalloc(f->nrel + 1, sizeof(*d.rel));
		for (size_t j = 0; j < f->nrel; j++) {
			d.rel[j].loc = f->rel[j].loc;
			d.rel[j].msg = f->rel[j].msg;
		}
		if (f->has_witness) {
			witness_text(&f->witness, wbuf, sizeof(wbuf));
			witness = xasprintf("witness: %s", wbuf);
			d.rel[d.nrel++].msg = witness;
		}
		diag_print_one(out, &d, color);
		free(witness);
		witness = NULL;
		free(d.rel);
	}
	for (size_t i = 0; i < res->nreach; i++) {
		witness_text(&res->reach[i], wbuf, sizeof(wbuf));
		fprintf(out, "reachable: %s\n", wbuf);
	}
	size_t c[3];
	count_sev(res, c);
	fprintf(out, "fwc lint: %zu error%s, %zu warning%s, %zu note%s\n",
		c[0], c[0] == 1 ? "" : "s", c[1], c[1] == 1 ? "" : "s",
		c[2], c[2] == 1 ? "" : "s");
}

/* ---- JSON ---- */

static void json_str(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_seq(p);
		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fputc('\\', out);
			fputc(*p++, out);
		} else if (*p < 0x20) {
			fprintf(out, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
	fputc('"', out);
}

/* "file":…,"line":…,"column":… (nulls for a generated place) */
static void json_loc_fields(FILE *out, const struct loc *l)
{
	if (!l->file) {
		fputs("\"file\":null,\"line\":null,\"column\":null", out);
		return;
	}
	fputs("\"file\":", out);
	json_str(out, l->file->path);
	fprintf(out, ",\"line\":%u,\"column\":%u", l->line, l->col);
}

static void json_witness_obj(FILE *out, const struct lint_witness *w)
{
	fputs("{\"packet\":", out);
	json_str(out, w->packet);
	fputs(",\"rule\":", out);
	if (w->rule_is_policy || !w->rule.file) {
		fputs("null", out);
	} else {
		fputc('{', out);
		json_loc_fields(out, &w->rule);
		fputc('}', out);
	}
	fputs(",\"chain\":", out);
	json_str(out, w->chain);
	fputs(",\"table\":", out);
	json_str(out, table_name(w->table));
	fputc('}', out);
}

static void json_witness(FILE *out, const struct lint_finding *f)
{
	if (!f->has_witness)
		fputs("null", out);
	else
		json_witness_obj(out, &f->witness);
}

static void write_json(FILE *out, const struct lint_result *res)
{
	fputs("{\"version\":1,\"findings\":[", out);
	for (size_t i = 0; i < res->n; i++) {
		const struct lint_finding *f = &res->f[i];
		fprintf(out, "%s{\"check\":\"%s\",\"severity\":\"%s\",\"certain\":%s,\"message\":",
			i ? "," : "", lint_checks[f->check].id, sev_name[f->sev],
			f->certain ? "true" : "false");
		json_str(out, f->msg);
		fputs(",\"location\":", out);
		if (f->loc.file) {
			fputc('{', out);
			json_loc_fields(out, &f->loc);
			fputc('}', out);
		} else {
			fputs("null", out);
		}
		fputs(",\"related\":[", out);
		for (size_t j = 0; j < f->nrel; j++) {
			const struct lint_related *r = &f->rel[j];
			fputs(j ? ",{" : "{", out);
			json_loc_fields(out, &r->loc);
			fputs(",\"role\":", out);
			json_str(out, r->role);
			fputs(",\"message\":", out);
			json_str(out, r->msg);
			fputc('}', out);
		}
		fputs("],\"witness\":", out);
		json_witness(out, f);
		fputc('}', out);
	}
	fputc(']', out);
	/* --witness: one packet for every reachable rule */
	if (res->nreach) {
		fputs(",\"reachable\":[", out);
		for (size_t i = 0; i < res->nreach; i++) {
			if (i)
				fputc(',', out);
			json_witness_obj(out, &res->reach[i]);
		}
		fputc(']', out);
	}
	size_t c[3];
	count_sev(res, c);
	fprintf(out, ",\"summary\":{\"errors\":%zu,\"warnings\":%zu,\"notes\":%zu}}\n",
		c[0], c[1], c[2]);
}

/* ---- JUnit XML ---- */

/* A copy XML 1.0 can carry: invalid UTF-8 becomes U+FFFD, control
 * characters other than tab, newline and return become '?'. */
static char *xml_clean(const char *s)
{
	size_t len = strlen(s);
	char *r = xmalloc(len * 3 + 1), *o = r;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_seq(p);
		if (n == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		} else if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
			*o++ = '?';
			p++;
		} else {
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
	return r;
}

static int xml_attr(xmlTextWriterPtr w, const char *name, const char *val)
{
	char *c = xml_clean(val);
	int rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST c);
	free(c);
	return rc;
}

static int xml_text(xmlTextWriterPtr w, const char *val)
{
	char *c = xml_clean(val);
	int rc = xmlTextWriterWriteString(w, BAD_CAST c);
	free(c);
	return rc;
}

/* The test case's name: "file:line: " and the message up to its first
 * ';', at most 72 bytes (cut on a character boundary). */
static char *junit_name(const struct lint_finding *f)
{
	const char *m = f->msg;
	size_t n = strcspn(m, ";"), cut = 0;
	bool more = false;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq((const unsigned char *)m + i);
		k = k ? k : 1;
		if (i + k > 72) {
			more = true;
			break;
		}
		i += k;
		cut = i;
	}
	if (more) {
		/* end on a word */
		size_t sp = cut;
		while (sp > 0 && m[sp - 1] != ' ')
			sp--;
		if (sp > cut / 2)
			cut = sp;
	}
	while (cut > 0 && m[cut - 1] == ' ')
		cut--;
	if (!f->loc.file)
		return xasprintf("%.*s%s", (int)cut, m, more ? "..." : "");
	return xasprintf("%s:%u: %.*s%s", f->loc.file->path, f->loc.line,
			 (int)cut, m, more ? "..." : "");
}

/* The failure's text: the finding, its related places and its witness,
 * one per line, in the text format's head lines. */
static char *junit_body(const struct lint_finding *f)
{
	char *buf = NULL, wbuf[1024];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		die("out of memory");
	if (f->loc.file)
		fprintf(m, "%s:%u:%u: ", f->loc.file->path, f->loc.line, f->loc.col);
	fprintf(m, "%s: %s [%s]%s\n", sev_name[f->sev], f->msg,
		lint_checks[f->check].id, f->certain ? "" : " (possible)");
	for (size_t j = 0; j < f->nrel; j++) {
		const struct lint_related *r = &f->rel[j];
		if (r->loc.file)
			fprintf(m, "%s:%u:%u: ", r->loc.file->path, r->loc.line, r->loc.col);
		fprintf(m, "%s: %s\n", r->role, r->msg);
	}
	if (f->has_witness) {
		witness_text(&f->witness, wbuf, sizeof(wbuf));
		fprintf(m, "witness: %s\n", wbuf);
	}
	if (fclose(m))
		die("out of memory");
	return buf;
}

static int junit_case(xmlTextWriterPtr w, const struct lint_finding *f)
{
	const char *id = lint_checks[f->check].id;
	char *name = junit_name(f), *body = junit_body(f), *cls;
	int rc = -1;

	cls = xasprintf("fwc.lint.%s", id);
	if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
	    xml_attr(w, "name", name) < 0 ||
	    xml_attr(w, "classname", cls) < 0)
		goto out;
	if (f->loc.file &&
	    (xml_attr(w, "file", f->loc.file->path) < 0 ||
	     xmlTextWriterWriteFormatAttribute(w, BAD_CAST "line", "%u", f->loc.line) < 0))
		goto out;
	if (xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 ||
	    xml_attr(w, "message", f->msg) < 0 ||
	    xml_attr(w, "type", sev_name[f->sev]) < 0 ||
	    xml_text(w, body) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		goto out;
	rc = 0;
out:
	free(cls);
	free(body);
	free(name);
	return rc;
}

static int junit_suites(xmlTextWriterPtr w, const struct lint_result *res)
{
	size_t per[CHK_MAX] = { 0 }, tests = 0, failures = 0;
	for (size_t i = 0; i < res->n; i++)
		per[res->f[i].check]++;
	for (int c = 0; c < CHK_MAX; c++) {
		if (res->disabled[c] && !per[c])
			continue;
		tests += per[c] ? per[c] : 1;
		failures += per[c];
	}

	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
	    xml_attr(w, "name", "fwc lint") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%zu", tests) < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%zu", failures) < 0)
		return -1;
	for (int c = 0; c < CHK_MAX; c++) {
		const char *id = lint_checks[c].id;
		if (res->disabled[c] && !per[c])
			continue;
		if (xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ||
		    xml_attr(w, "name", id) < 0 ||
		    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%zu",
						      per[c] ? per[c] : 1) < 0 ||
		    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%zu", per[c]) < 0 ||
		    xml_attr(w, "errors", "0") < 0)
			return -1;
		if (!per[c]) {
			/* a check that found nothing is a passing test */
			if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
			    xml_attr(w, "name", id) < 0 ||
			    xml_attr(w, "classname", "fwc.lint") < 0 ||
			    xmlTextWriterEndElement(w) < 0)
				return -1;
		}
		for (size_t i = 0; i < res->n; i++)
			if (res->f[i].check == (enum lint_check)c &&
			    junit_case(w, &res->f[i]) < 0)
				return -1;
		if (xmlTextWriterEndElement(w) < 0)
			return -1;
	}
	if (xmlTextWriterEndDocument(w) < 0)
		return -1;
	return 0;
}

/* libxml2 reports I/O errors on stderr itself; the caller reports ours */
static void xml_quiet(void *ctx, const char *msg, ...)
{
}

static int write_junit(FILE *out, const struct lint_result *res)
{
	/* the buffer writes through to `out` and does not close it */
	xmlOutputBufferPtr buf = xmlOutputBufferCreateFile(out, NULL);
	if (!buf)
		die("out of memory");
	xmlTextWriterPtr w = xmlNewTextWriter(buf);
	if (!w) {
		xmlOutputBufferClose(buf);
		die("out of memory");
	}
	xmlGenericErrorFunc old_err = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, xml_quiet);
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	int rc = junit_suites(w, res);
	if (xmlTextWriterFlush(w) < 0)
		rc = -1;
	xmlFreeTextWriter(w);   /* closes buf */
	xmlSetGenericErrorFunc(old_ctx, old_err);
	if (rc < 0) {
		/* libxml2 may stop without a stream error: report it as one */
		if (!ferror(out) || !errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- SARIF 2.1.0 ---- */

/* A file path as a URI reference: unreserved bytes and '/' as they are,
 * the rest %-encoded (a ':' in a relative path would read as a scheme);
 * absolute paths get the file scheme. */
static void sarif_uri(FILE *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	fputs(path[0] == '/' ? "\"file://" : "\"", out);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			fputc(*p, out);
		else
			fprintf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	fputc('"', out);
}

static void sarif_physical(FILE *out, const struct loc *l)
{
	fputs("\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
	sarif_uri(out, l->file->path);
	fputc('}', out);
	if (l->line) {
		fprintf(out, ",\"region\":{\"startLine\":%u", l->line);
		if (l->col)
			fprintf(out, ",\"startColumn\":%u,\"endColumn\":%u",
				l->col, l->col + (l->len ? l->len : 1));
		fputc('}', out);
	}
	fputc('}', out);
}

static void write_sarif(FILE *out, const struct lint_result *res)
{
	fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
	      "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
	      "\"name\":\"fwc\",\"informationUri\":\"https://github.com/fwc/fwc\","
	      "\"version\":", out);
	json_str(out, FWC_VERSION);
	fputs(",\"rules\":[", out);
	for (int c = 0; c < CHK_MAX; c++) {
		fprintf(out, "%s{\"id\":\"%s\",\"shortDescription\":{\"text\":", c ? "," : "",
			lint_checks[c].id);
		json_str(out, lint_checks[c].summary);
		fprintf(out, "},\"defaultConfiguration\":{\"level\":\"%s\"}}",
			sev_name[lint_checks[c].sev]);
	}
	fputs("]}},\"results\":[", out);
	for (size_t i = 0; i < res->n; i++) {
		const struct lint_finding *f = &res->f[i];
		fprintf(out, "%s{\"ruleId\":\"%s\",\"ruleIndex\":%d,\"level\":\"%s\","
			"\"message\":{\"text\":", i ? "," : "", lint_checks[f->check].id,
			(int)f->check, sev_name[f->sev]);
		json_str(out, f->msg);
		fputc('}', out);
		if (f->loc.file) {
			fputs(",\"locations\":[{", out);
			sarif_physical(out, &f->loc);
			fputs("}]", out);
		} else if (res->policy) {
			/* code scanning wants a place: the policy file itself */
			fputs(",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
			      "{\"uri\":", out);
			sarif_uri(out, res->policy);
			fputs("},\"region\":{\"startLine\":1}}}]", out);
		}
		if (f->nrel) {
			fputs(",\"relatedLocations\":[", out);
			for (size_t j = 0; j < f->nrel; j++) {
				const struct lint_related *r = &f->rel[j];
				fprintf(out, "%s{\"id\":%zu,", j ? "," : "", j);
				if (r->loc.file) {
					sarif_physical(out, &r->loc);
					fputc(',', out);
				}
				fputs("\"message\":{\"text\":", out);
				json_str(out, r->msg);
				fputs("}}", out);
			}
			fputc(']', out);
		}
		fprintf(out, ",\"properties\":{\"certain\":%s,\"witness\":",
			f->certain ? "true" : "false");
		json_witness(out, f);
		fputs("}}", out);
	}
	fputs("]}]}\n", out);
}

int lint_write(FILE *out, enum lint_format fmt, const struct lint_result *res,
	       bool color)
{
	switch (fmt) {
	case LF_TEXT:
		write_text(out, res, color);
		break;
	case LF_JSON:
		write_json(out, res);
		break;
	case LF_JUNIT:
		if (write_junit(out, res) < 0)
			return -1;
		break;
	case LF_SARIF:
		write_sarif(out, res);
		break;
	default:
		BUG("lint_write: format %d", (int)fmt);
	}
	return write_end(out);
}
