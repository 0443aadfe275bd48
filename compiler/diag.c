/*
 * diag.c: the diagnostic queue and its text rendering.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static struct diag **q;
static size_t nq, capq;
static size_t counts[3];

struct diag *diag_add(enum diag_sev sev, const struct loc *loc,
		      const char *fmt, ...)
{
	static struct diag overflow;   /* absorbs related notes past the cap */
	counts[sev]++;
	if (sev == DIAG_ERROR && counts[sev] > DIAG_MAX_ERRORS)
		return &overflow;
	struct diag *d = xcalloc(1, sizeof(*d));
	d->sev = sev;
	if (loc)
		d->loc = *loc;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&d->msg, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	VEC_PUSH(q, nq, capq);
	q[nq++] = d;
	return d;
}

void diag_related(struct diag *d, const struct loc *loc, const char *fmt, ...)
{
	if (!d->msg)
		return;   /* the overflow record */
	VEC_PUSH(d->rel, d->nrel, d->caprel);
	struct diag_related *r = &d->rel[d->nrel++];
	r->loc = *loc;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->msg, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
}

size_t diag_count(enum diag_sev sev)
{
	return counts[sev];
}

static const char *sev_name[] = { "error", "warning", "note" };
static const char *sev_color[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m" };

static void print_chain(FILE *out, const struct srcfile *f)
{
	/* gcc style: outermost last, each on its own line, before the message */
	const struct loc *inc = &f->included_from;
	if (!inc->file)
		return;
	print_chain(out, inc->file);
	fprintf(out, "%s %s:%u:%u:\n", f->data ? "In set file loaded from" :
		"In file included from", inc->file->path, inc->line, inc->col);
}

static void print_source(FILE *out, const struct loc *l, char mark, bool color)
{
	if (!l->file || l->line == 0)
		return;
	size_t len;
	const char *line = src_line(l->file, l->line, &len);
	/* a NUL would end the line early: show it as '?' */
	for (size_t i = 0; i < len; i++)
		fputc(line[i] ? line[i] : '?', out);
	fputc('\n', out);
	/* keep tabs so the caret lines up under the culprit */
	for (uint32_t i = 1; i < l->col && i - 1 < len; i++)
		fputc(line[i - 1] == '\t' ? '\t' : ' ', out);
	if (color)
		fputs("\033[1;32m", out);
	uint32_t n = l->len ? l->len : 1;
	if (l->col - 1 + n > len && len >= l->col)
		n = (uint32_t)(len - (l->col - 1));
	if (n == 0)
		n = 1;
	for (uint32_t i = 0; i < n; i++)
		fputc(mark, out);
	if (color)
		fputs("\033[0m", out);
	fputc('\n', out);
}

static void print_head(FILE *out, const struct loc *l, enum diag_sev sev,
		       const char *msg, const char *check, bool color)
{
	if (l->file) {
		print_chain(out, l->file);
		fprintf(out, "%s%s:%u:%u:%s ", color ? "\033[1m" : "",
			l->file->path, l->line, l->col, color ? "\033[0m" : "");
	}
	fprintf(out, "%s%s:%s %s", color ? sev_color[sev] : "", sev_name[sev],
		color ? "\033[0m" : "", msg);
	if (check)
		fprintf(out, " [%s]", check);
	fputc('\n', out);
}

void diag_print_one(FILE *out, const struct diag *d, bool color)
{
	print_head(out, &d->loc, d->sev, d->msg, d->check, color);
	print_source(out, &d->loc, '^', color);
	for (size_t j = 0; j < d->nrel; j++) {
		const struct diag_related *r = &d->rel[j];
		print_head(out, &r->loc, DIAG_NOTE, r->msg, NULL, color);
		print_source(out, &r->loc, '~', color);
	}
}

void diag_print(FILE *out, bool color)
{
	for (size_t i = 0; i < nq; i++)
		diag_print_one(out, q[i], color);
	if (counts[DIAG_ERROR] > DIAG_MAX_ERRORS)
		fprintf(out, "fwc: %zu more errors not shown\n",
			counts[DIAG_ERROR] - DIAG_MAX_ERRORS);
}

void diag_free_all(void)
{
	for (size_t i = 0; i < nq; i++) {
		for (size_t j = 0; j < q[i]->nrel; j++)
			free(q[i]->rel[j].msg);
		free(q[i]->rel);
		free(q[i]->msg);
		free(q[i]);
	}
	free(q);
	q = NULL;
	nq = capq = 0;
	memset(counts, 0, sizeof(counts));
}

void suggest_init(struct suggest *s, const char *want)
{
	s->want = want;
	s->best = NULL;
	s->best_d = 1000;
}

void suggest_offer(struct suggest *s, const char *name)
{
	int d = edit_distance(s->want, name);
	/* close enough to be a typo: at most a third of the word */
	int limit = (int)strlen(s->want) / 3 + 1;
	if (d <= limit && (d < s->best_d ||
			   (d == s->best_d && strcmp(name, s->best) < 0))) {
		s->best = name;
		s->best_d = d;
	}
}

const char *suggest_text(struct suggest *s, char *buf, size_t n)
{
	if (!s->best || s->best_d == 0)
		return "";
	snprintf(buf, n, "; did you mean '%s'?", s->best);
	return buf;
}
