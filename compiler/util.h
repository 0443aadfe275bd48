/*
 * util.h: allocation, fatal errors and small helpers shared by every stage.
 *
 * Failure kinds are kept apart (see docs/STYLE): user errors are diagnostics
 * (diag.h) and exit FWC_EXIT_ERROR; broken invariants are BUG() and abort;
 * out of memory exits FWC_EXIT_NOMEM from xmalloc and friends.
 */
#ifndef FWC_UTIL_H
#define FWC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes: one documented enum (README, fwc(1)). */
enum fwc_exit {
	FWC_EXIT_OK = 0,
	FWC_EXIT_ERROR = 1,   /* user error: bad policy, findings at error level */
	FWC_EXIT_USAGE = 2,   /* bad command line, unreadable input */
	FWC_EXIT_NOMEM = 3,   /* out of memory */
	FWC_EXIT_BUG = 4,     /* internal error (BUG) */
};

typedef unsigned __int128 u128;

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* path replaced by text in one step (a temporary file next to it, synced,
 * renamed); nothing changes on failure, which is reported on stderr. */
int write_file_atomic(const char *path, const char *text, size_t len, int mode);

/* die(): fatal, not a user-policy error (I/O on output, bad usage). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void bug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

/* Grow an array (p, n, cap) so that one more element fits. */
#define VEC_PUSH(p, n, cap) do {                                          \
		if ((n) >= (cap)) {                                       \
			(cap) = (cap) ? (cap) * 2 : 8;                    \
			(p) = xrealloc((p), (cap) * sizeof(*(p)));        \
		}                                                         \
	} while (0)

/* Read a whole file; returns NULL and sets errno on failure. The buffer is
 * NUL-terminated and has *len bytes before the NUL. */
char *read_file(const char *path, size_t *len);   /* "-": standard input */

/* Edit distance counting a swap of neighbours as one (optimal string
 * alignment), for "did you mean". */
int edit_distance(const char *a, const char *b);

#endif
