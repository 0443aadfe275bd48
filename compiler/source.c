/*
 * source.c: loading policy files and finding their lines again for
 * diagnostics. Files are kept in one list and freed once at exit.
 */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct srcfile **files;
static size_t nfiles, capfiles;

struct srcfile *src_from_text(const char *path, char *text, size_t len,
			      const struct loc *included_from)
{
	struct srcfile *f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	f->text = text;
	f->len = len;
	if (included_from) {
		f->included_from = *included_from;
		f->depth = included_from->file ? included_from->file->depth + 1 : 0;
	}
	VEC_PUSH(files, nfiles, capfiles);
	files[nfiles++] = f;
	return f;
}

struct srcfile *src_load(const char *path, const struct loc *included_from)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return NULL;
	return src_from_text(path, text, len, included_from);
}

void src_free_all(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i]->path);
		free(files[i]->text);
		free(files[i]->line_start);
		free(files[i]);
	}
	free(files);
	files = NULL;
	nfiles = capfiles = 0;
}

const char *src_line(const struct srcfile *f, uint32_t line, size_t *len)
{
	/* the line starts, indexed on first use: diagnostics and lint
	 * suppressions ask for many lines of one large file */
	struct srcfile *m = (struct srcfile *)f;
	if (!m->line_start) {
		size_t cap = 64;
		m->line_start = xmalloc(cap * sizeof(*m->line_start));
		m->nlines = 0;
		m->line_start[m->nlines++] = 0;
		for (const char *p = f->text, *end = f->text + f->len;
		     (p = memchr(p, '\n', (size_t)(end - p))); p++) {
			if (m->nlines == cap) {
				cap *= 2;
				m->line_start = xrealloc(m->line_start, cap * sizeof(*m->line_start));
			}
			m->line_start[m->nlines++] = (size_t)(p + 1 - f->text);
		}
	}
	const char *end = f->text + f->len;
	const char *p = line >= 1 && line <= m->nlines ? f->text + m->line_start[line - 1]
						      : end;
	const char *e = p;
	while (e < end && *e != '\n' && *e != '\r')
		e++;
	*len = (size_t)(e - p);
	return p;
}

void loc_short(const struct loc *l, char *buf, size_t n)
{
	if (!l->file)
		snprintf(buf, n, "implicit");
	else
		snprintf(buf, n, "%s:%u", l->file->path, l->line);
}
