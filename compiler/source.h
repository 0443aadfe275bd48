/*
 * source.h: source files and locations.
 *
 * A policy file is read whole and kept for the life of the run; tokens,
 * AST nodes, IR rules and diagnostics point into it with a struct loc.
 * Each file remembers where it was included from, so every diagnostic can
 * show the include chain.
 */
#ifndef FWC_SOURCE_H
#define FWC_SOURCE_H

#include "util.h"

struct srcfile;

struct loc {
	const struct srcfile *file;   /* NULL: generated, see `what` */
	uint32_t line, col;           /* 1-based; col counts bytes */
	uint32_t len;                 /* bytes under the caret, >= 1 */
};

struct srcfile {
	char *path;                   /* as shown to the user */
	char *text;                   /* whole file, NUL-terminated */
	size_t len;
	struct loc included_from;     /* .file NULL for the top file */
	int depth;                    /* include depth, 0 for the top file */
	bool data;                    /* a set file, not policy text */
	size_t *line_start;           /* src_line()'s index, built lazily */
	size_t nlines;
};

/* Load a file; NULL with errno set on failure. The returned file lives until
 * src_free_all(). */
struct srcfile *src_load(const char *path, const struct loc *included_from);
/* A file from memory (tests, stdin). Takes ownership of text. */
struct srcfile *src_from_text(const char *path, char *text, size_t len,
			      const struct loc *included_from);
void src_free_all(void);

/* Pointer to the start of line `line` and its length (without newline). */
const char *src_line(const struct srcfile *f, uint32_t line, size_t *len);

/* "file:line" into buf, for comments in generated output. */
void loc_short(const struct loc *l, char *buf, size_t n);

#endif
