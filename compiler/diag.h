/*
 * diag.h: diagnostics as records, queued by any pass, printed once.
 *
 * A record has a severity, an optional check id (for the analyzer), a
 * message, a location and related locations. diag_print() renders them in
 * the style of nft and gcc: "file:line:col: error: msg", the source line, a
 * caret line, and the include chain.
 */
#ifndef FWC_DIAG_H
#define FWC_DIAG_H

#include <stdio.h>

#include "source.h"

enum diag_sev {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

struct diag_related {
	struct loc loc;
	char *msg;
};

struct diag {
	enum diag_sev sev;
	const char *check;            /* NULL for front-end errors */
	char *msg;
	struct loc loc;
	struct diag_related *rel;
	size_t nrel, caprel;
};

/* Queue a record; returns it so related locations can be added. */
struct diag *diag_add(enum diag_sev sev, const struct loc *loc,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define diag_error(loc, ...) diag_add(DIAG_ERROR, (loc), __VA_ARGS__)
#define diag_warn(loc, ...) diag_add(DIAG_WARNING, (loc), __VA_ARGS__)
void diag_related(struct diag *d, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

size_t diag_count(enum diag_sev sev);
/* Print every queued record in order; colour when `color`. */
void diag_print(FILE *out, bool color);
/* Print one record, queued or not (the analyzer's findings are not: they
 * are not front-end errors and must not count against DIAG_MAX_ERRORS). */
void diag_print_one(FILE *out, const struct diag *d, bool color);
void diag_free_all(void);

/* Errors past this many are counted but not queued (one bad file cannot
 * flood the terminal). */
#define DIAG_MAX_ERRORS 50

/* "did you mean": collects candidate names and picks the closest one. */
struct suggest {
	const char *want;
	const char *best;
	int best_d;
};
void suggest_init(struct suggest *s, const char *want);
void suggest_offer(struct suggest *s, const char *name);
/* "; did you mean 'x'?" or "" */
const char *suggest_text(struct suggest *s, char *buf, size_t n);

#endif
