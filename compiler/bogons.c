/*
 * bogons.c: bogons4 / bogons6 from IANA's special-purpose registries.
 *
 * The registries are shipped in IANA's own CSV form, so refreshing them
 * is replacing two files and two dates (data/README.md). The sets are
 *
 *     (union of the blocks whose "Globally Reachable" is False or N/A)
 *   - (union of the blocks whose "Globally Reachable" is True)
 *
 * so a reachable block inside an unreachable one (192.0.0.9/32 in
 * 192.0.0.0/24) stays out. A terminated entry, whose flags IANA leaves
 * empty (192.88.99.0/24, 2001:10::/28), adds nothing either way.
 *
 * The CSV reader is RFC 4180 as IANA writes it: records end in CRLF (LF
 * alone is fine too), quoted fields hold commas, doubled quotes and line
 * breaks, one Address Block cell may list several blocks
 * ("192.0.0.170/32, 192.0.0.171/32"), and cells may carry footnote marks
 * (" [2]", "False [1]") which are dropped. Columns are found by their
 * header names. Anything else unexpected is an error naming the file and
 * the line the record starts on, never a skipped row: a bogon set that
 * silently lost a block is worse than no set.
 */
#include "bogons.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Always -1, so that callers can "return fail(...)". */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A value as it goes into a message: at most 40 bytes, control
 * characters (a line break in a quoted cell) shown as '?'. */
static const char *show(char buf[48], const char *s)
{
	size_t i;
	for (i = 0; s[i] && i < 40; i++)
		buf[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* Drops footnote marks ("[2]" and the blanks before it) and the blanks
 * around the value, in place. References such as "[RFC1918]" are not
 * footnotes: only digits in brackets are. */
static char *clean(char *s)
{
	char *w = s;
	for (char *p = s; *p;) {
		if (*p == '[') {
			char *q = p + 1;
			while (is_digit(*q))
				q++;
			if (q > p + 1 && *q == ']') {
				while (w > s && is_blank(w[-1]))
					w--;
				p = q + 1;
				continue;
			}
		}
		*w++ = *p++;
	}
	while (w > s && is_blank(w[-1]))
		w--;
	*w = '\0';
	size_t lead = 0;
	while (is_blank(s[lead]))
		lead++;
	memmove(s, s + lead, (size_t)(w - s) - lead + 1);
	return s;
}

/* "YYYY-MM-DD", or also "YYYY-MM" (IANA's allocation and termination
 * dates) when month_only is allowed; a real calendar date. */
static bool valid_date(const char *s, bool month_only)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	size_t n = strlen(s);
	if (n != 10 && !(month_only && n == 7))
		return false;
	for (size_t i = 0; i < n; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i]))
			return false;
	int y = atoi(s), m = atoi(s + 5);
	if (m < 1 || m > 12)
		return false;
	if (n == 7)
		return true;
	int d = atoi(s + 8);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d >= 1 && d <= mdays[m - 1] + (m == 2 && leap);
}

/* ---- CSV ---- */

struct csv {
	const char *path;
	const char *p, *end;
	int line;               /* the line p is on */
};

struct record {
	char **f;               /* NUL-terminated fields */
	size_t n, cap;
	int line;               /* the line the record starts on */
};

static void record_clear(struct record *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	r->n = 0;
}

static void record_release(struct record *r)
{
	record_clear(r);
	free(r->f);
	r->f = NULL;
	r->cap = 0;
}

struct text {
	char *s;
	size_t n, cap;
};

static void text_add(struct text *t, char c)
{
	VEC_PUSH(t->s, t->n, t->cap);
	t->s[t->n++] = c;
}

/* Reads the next record into r: 1, 0 at the end of the file, -1 on
 * malformed input. Empty lines between records are skipped. */
static int csv_record(struct csv *c, struct record *r, char *err,
		      size_t errlen)
{
	struct text t = {0};
	int rc = -1;

	record_clear(r);
	for (;;) {
		if (c->p < c->end && c->p[0] == '\n')
			c->p += 1;
		else if (c->end - c->p >= 2 && c->p[0] == '\r' && c->p[1] == '\n')
			c->p += 2;
		else
			break;
		c->line++;
	}
	if (c->p >= c->end)
		return 0;
	r->line = c->line;
	for (;;) {
		t.n = 0;
		if (*c->p == '"') {
			int start = c->line;
			c->p++;
			for (;;) {
				if (c->p >= c->end) {
					fail(err, errlen, "%s:%d: unterminated quoted field",
					     c->path, start);
					goto out;
				}
				char ch = *c->p++;
				if (ch == '"') {
					if (c->p < c->end && *c->p == '"') {
						c->p++;
						text_add(&t, '"');
						continue;
					}
					break;
				}
				if (ch == '\0') {
					fail(err, errlen, "%s:%d: NUL byte", c->path,
					     c->line);
					goto out;
				}
				if (ch == '\n')
					c->line++;
				text_add(&t, ch);
			}
			if (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
			    *c->p != '\r') {
				fail(err, errlen, "%s:%d: text after a closing quote",
				     c->path, c->line);
				goto out;
			}
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
			       *c->p != '\r') {
				if (*c->p == '"' || *c->p == '\0') {
					fail(err, errlen, *c->p ? "%s:%d: quote inside an unquoted field"
							       : "%s:%d: NUL byte",
					     c->path, c->line);
					goto out;
				}
				text_add(&t, *c->p++);
			}
		}
		VEC_PUSH(r->f, r->n, r->cap);
		r->f[r->n++] = t.n ? xstrndup(t.s, t.n) : xstrdup("");
		if (c->p >= c->end)
			break;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p == '\r') {
			if (c->end - c->p < 2 || c->p[1] != '\n') {
				fail(err, errlen, "%s:%d: carriage return without a line feed",
				     c->path, c->line);
				goto out;
			}
			c->p++;
		}
		c->p++;         /* '\n' */
		c->line++;
		break;
	}
	rc = 1;
out:
	free(t.s);
	return rc;
}

/* ---- registries ---- */

struct columns {
	int block, term, reach;
};

static int column(const struct record *hdr, const char *name)
{
	for (size_t i = 0; i < hdr->n; i++)
		if (!strcasecmp(hdr->f[i], name))
			return (int)i;
	return -1;
}

/* One registry entry: its blocks go into no (not globally reachable),
 * yes (globally reachable) or, terminated, nowhere. */
static int entry(const char *path, int family, struct record *r,
		 const struct columns *col, struct iset *no, struct iset *yes,
		 char *err, size_t errlen)
{
	char shown[48];
	const char *reach = clean(r->f[col->reach]);
	const char *term = clean(r->f[col->term]);
	struct iset *dst;

	if (!strcmp(reach, "True"))
		dst = yes;
	else if (!strcmp(reach, "False") || !strcmp(reach, "N/A"))
		dst = no;
	else if (*reach)
		return fail(err, errlen,
			    "%s:%d: 'Globally Reachable' is '%s', not True, False or N/A",
			    path, r->line, show(shown, reach));
	else if (valid_date(term, true))
		dst = NULL;     /* terminated: IANA empties every flag */
	else
		return fail(err, errlen,
			    "%s:%d: empty 'Globally Reachable' in an entry that is not terminated",
			    path, r->line);

	/* Blocks are checked even for a terminated entry. */
	size_t blocks = 0;
	char *p = clean(r->f[col->block]);
	for (;;) {
		while (*p == ',' || is_blank(*p))
			p++;
		if (!*p)
			break;
		char *q = p;
		while (*q && *q != ',' && !is_blank(*q))
			q++;
		int len = q - p > 40 ? 40 : (int)(q - p);
		int fam, plen;
		u128 addr;
		char why[160];
		if (addr_parse(p, (size_t)(q - p), &fam, &addr, &plen, why,
			       sizeof(why)) < 0)
			return fail(err, errlen, "%s:%d: bad address block '%.*s': %s",
				    path, r->line, len, p, why);
		if (fam != family)
			return fail(err, errlen, "%s:%d: %.*s is not an IPv%d block",
				    path, r->line, len, p, family);
		if (dst)
			iset_add_prefix(dst, addr, plen);
		blocks++;
		p = q;
	}
	if (!blocks)
		return fail(err, errlen, "%s:%d: empty address block", path,
			    r->line);
	return 0;
}

/* out (initialised, 32 or 128 bits for family 4 or 6) receives the
 * registry's bogons. */
static int load_registry(const char *path, int family, struct iset *out,
			 char *err, size_t errlen)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (!buf)
		return fail(err, errlen, "cannot open %s: %s", path,
			    strerror(errno));

	struct csv c = { path, buf, buf + len, 1 };
	struct record hdr = {0}, r = {0};
	struct iset no, yes;
	size_t entries = 0;
	int rc = -1, got;

	iset_init(&no, out->bits);
	iset_init(&yes, out->bits);
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		c.p += 3;       /* UTF-8 byte order mark */

	got = csv_record(&c, &hdr, err, errlen);
	if (got <= 0) {
		if (got == 0)
			fail(err, errlen, "%s: empty file", path);
		goto out;
	}
	for (size_t i = 0; i < hdr.n; i++)
		clean(hdr.f[i]);
	struct columns col = {
		column(&hdr, "Address Block"),
		column(&hdr, "Termination Date"),
		column(&hdr, "Globally Reachable"),
	};
	const char *missing = col.block < 0 ? "Address Block"
			    : col.term < 0 ? "Termination Date"
			    : col.reach < 0 ? "Globally Reachable" : NULL;
	if (missing) {
		fail(err, errlen, "%s:%d: no '%s' column in the header", path,
		     hdr.line, missing);
		goto out;
	}

	while ((got = csv_record(&c, &r, err, errlen)) > 0) {
		if (r.n != hdr.n) {
			fail(err, errlen, "%s:%d: %zu fields, the header has %zu",
			     path, r.line, r.n, hdr.n);
			goto out;
		}
		if (entry(path, family, &r, &col, &no, &yes, err, errlen) < 0)
			goto out;
		entries++;
	}
	if (got < 0)
		goto out;
	if (!entries) {
		fail(err, errlen, "%s: no entries", path);
		goto out;
	}
	iset_normalize(&no);
	iset_normalize(&yes);
	iset_subtract(out, &no, &yes);
	rc = 0;
out:
	record_release(&hdr);
	record_release(&r);
	iset_release(&no);
	iset_release(&yes);
	free(buf);
	return rc;
}

/* "ipv4 YYYY-MM-DD" and "ipv6 YYYY-MM-DD", one each, in any order; blank
 * lines and '#' comments are allowed. d4 and d6 hold BOGONS_DATE_LEN. */
static int load_dates(const char *path, char *d4, char *d6, char *err,
		      size_t errlen)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (!buf)
		return fail(err, errlen, "cannot open %s: %s", path,
			    strerror(errno));

	char shown[48];
	int rc = -1, line = 0;
	d4[0] = d6[0] = '\0';
	for (char *p = buf; p < buf + len;) {
		char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		char *eol = nl ? nl : buf + len;
		line++;
		if (memchr(p, '\0', (size_t)(eol - p))) {
			fail(err, errlen, "%s:%d: NUL byte", path, line);
			goto out;
		}
		*eol = '\0';
		char *s = clean(p);
		p = eol + 1;
		if (!*s || *s == '#')
			continue;

		char *key = s, *val = s;
		while (*val && !is_blank(*val))
			val++;
		if (*val)
			*val++ = '\0';
		while (is_blank(*val))
			val++;
		if (!*val || strpbrk(val, " \t")) {
			fail(err, errlen, "%s:%d: expected 'ipv4 YYYY-MM-DD' or 'ipv6 YYYY-MM-DD'",
			     path, line);
			goto out;
		}
		char *dst = !strcmp(key, "ipv4") ? d4
			  : !strcmp(key, "ipv6") ? d6 : NULL;
		if (!dst) {
			fail(err, errlen, "%s:%d: unknown registry '%s' (expected ipv4 or ipv6)",
			     path, line, show(shown, key));
			goto out;
		}
		if (*dst) {
			fail(err, errlen, "%s:%d: second %s date", path, line, key);
			goto out;
		}
		if (!valid_date(val, false)) {
			fail(err, errlen, "%s:%d: bad date '%s' (expected YYYY-MM-DD)",
			     path, line, show(shown, val));
			goto out;
		}
		memcpy(dst, val, BOGONS_DATE_LEN);
	}
	if (!*d4 || !*d6) {
		fail(err, errlen, "%s: no %s date", path, *d4 ? "ipv6" : "ipv4");
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int bogons_load(const char *datadir, struct iset *v4, struct iset *v6,
		char *date4, char *date6, size_t datelen,
		char *err, size_t errlen)
{
	if (v4->bits != 32 || v6->bits != 128)
		BUG("bogons_load: sets of %d and %d bits", v4->bits, v6->bits);
	if ((date4 || date6) && datelen < BOGONS_DATE_LEN)
		BUG("bogons_load: date buffer of %zu bytes", datelen);

	size_t dl = strlen(datadir);
	const char *sep = dl && datadir[dl - 1] == '/' ? "" : "/";
	char *p4 = xasprintf("%s%s%s", datadir, sep, BOGONS_V4_FILE);
	char *p6 = xasprintf("%s%s%s", datadir, sep, BOGONS_V6_FILE);
	char *pd = xasprintf("%s%s%s", datadir, sep, BOGONS_DATES_FILE);
	char d4[BOGONS_DATE_LEN], d6[BOGONS_DATE_LEN];
	struct iset s4, s6;
	int rc = -1;

	iset_init(&s4, 32);
	iset_init(&s6, 128);
	if (load_registry(p4, 4, &s4, err, errlen) < 0 ||
	    load_registry(p6, 6, &s6, err, errlen) < 0 ||
	    load_dates(pd, d4, d6, err, errlen) < 0)
		goto out;
	iset_copy(v4, &s4);
	iset_copy(v6, &s6);
	if (date4)
		memcpy(date4, d4, BOGONS_DATE_LEN);
	if (date6)
		memcpy(date6, d6, BOGONS_DATE_LEN);
	rc = 0;
out:
	iset_release(&s4);
	iset_release(&s6);
	free(p4);
	free(p6);
	free(pd);
	return rc;
}
