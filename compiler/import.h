/*
 * import.h: iptables-save / ip6tables-save text to the IR.
 *
 * The dump's rules become IR rules located at their lines, so lint,
 * trace and the backends work on a running firewall as on a policy file.
 * What fwc models (addresses, ports, protocols, states, marks, rates, ...)
 * becomes typed matches; any other match stays as its text (M_UNKNOWN,
 * "may match" for the analyzer, emitted verbatim by the iptables backend),
 * any other target as ACT_OTHER. Problems are queued diagnostics.
 */
#ifndef FWC_IMPORT_H
#define FWC_IMPORT_H

#include <stdio.h>

#include "frontend.h"
#include "ir.h"

/* family: 4 (iptables-save), 6 (ip6tables-save) or 0 (from the dump's
 * header, its addresses and modules). path "-" reads standard input.
 * NULL when there were errors (diagnostics queued). With DUMP_IR the IR
 * is printed to out and NULL returned. */
struct ir *import_dump(const char *path, int family, enum fwc_dump dump, FILE *out);

#endif
