/*
 * bogons.h: the built-in address sets bogons4 and bogons6.
 *
 * They are derived from IANA's IPv4 and IPv6 Special-Purpose Address
 * Registries, shipped as data (data/README.md says which version and how
 * the sets are derived): every block whose "Globally Reachable" is False
 * or N/A, minus every block whose "Globally Reachable" is True.
 */
#ifndef FWC_BOGONS_H
#define FWC_BOGONS_H

#include "iset.h"

#define BOGONS_V4_FILE     "iana-ipv4-special-registry.csv"
#define BOGONS_V6_FILE     "iana-ipv6-special-registry.csv"
#define BOGONS_DATES_FILE  "iana-registry-dates"
#define BOGONS_DATE_LEN    11   /* "YYYY-MM-DD" and its NUL */

/* Reads <datadir>/BOGONS_V4_FILE, BOGONS_V6_FILE and BOGONS_DATES_FILE.
 * v4 and v6 must be initialised with 32 and 128 bits; on success their
 * contents are replaced by the (normalized) bogon sets, and date4/date6
 * (each datelen >= BOGONS_DATE_LEN bytes; either may be NULL) receive the
 * registries' "Last Updated" dates as YYYY-MM-DD. Returns 0.
 * On failure returns -1, leaves v4, v6, date4 and date6 untouched and
 * writes a lowercase message into err: "cannot open <path>: <reason>",
 * "<path>:<line>: <what>" for malformed data, "<path>: <what>" for a
 * problem of the file as a whole. */
int bogons_load(const char *datadir, struct iset *v4, struct iset *v6,
		char *date4, char *date6, size_t datelen,
		char *err, size_t errlen);

#endif
