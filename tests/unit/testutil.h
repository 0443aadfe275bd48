/*
 * testutil.h: helpers the CUnit programs share (each is its own binary,
 * so these are static functions in a header).
 */
#ifndef FWC_TESTUTIL_H
#define FWC_TESTUTIL_H

#include <CUnit/Basic.h>
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

/* One suite's tests, run in verbose mode: the exit status of main(). */
struct unit_test {
	const char *name;
	CU_TestFunc fn;
};

static int run_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean,
		     const struct unit_test *t, size_t n) __attribute__((unused));
static int run_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean,
		     const struct unit_test *t, size_t n)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite suite = CU_add_suite(name, init, clean);
	if (!suite)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (!CU_add_test(suite, t[i].name, t[i].fn))
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	unsigned failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
fail:
	fprintf(stderr, "CUnit error: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 1;
}

#endif
