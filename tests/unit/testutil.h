/*
 * testutil.h: helpers the CUnit programs share (each is its own binary,
 * so these are static functions in a header).
 */
#ifndef FWC_TESTUTIL_H
#define FWC_TESTUTIL_H

#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

/* A failed check with its own message and the caller's line. */
static void check_at_file(const char *file, int line, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), unused));

static void check_at_file(const char *file, int line, bool ok, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(ok, (unsigned)line, msg, file, "", CU_FALSE);
	if (!ok)
		fprintf(stderr, "\n  %s:%d: %s", file, line, msg);
}

#define check_at(line, ok, ...) check_at_file(__FILE__, (line), (ok), __VA_ARGS__)

/* Everything queued so far, as `fwc` would print it (no colour). */
static char *diag_text(void) __attribute__((unused));
static char *diag_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	diag_print(f, false);
	fclose(f);
	return buf;
}

#endif
