/*
 * frontend.h: from a policy file to the IR.
 *
 * frontend_load() parses the top file and follows includes; the resolver
 * and lowering in frontend.c check every name, value and combination and
 * produce the IR. All problems are queued diagnostics; the caller prints
 * them and checks diag_count(DIAG_ERROR).
 */
#ifndef FWC_FRONTEND_H
#define FWC_FRONTEND_H

#include <stdio.h>

#include "ir.h"

struct fwc_opts {
	const char *services_file;          /* default /etc/services */
	const char *const *firewalld_dirs;  /* NULL-terminated */
	const char *datadir;                /* IANA registries */
};

enum fwc_dump { DUMP_NONE, DUMP_TOKENS, DUMP_AST, DUMP_IR, DUMP_IR_SEMANTIC };

/* NULL when there were errors (diagnostics queued) or for DUMP_TOKENS and
 * DUMP_AST, which print to out and stop. */
struct ir *frontend_compile(const char *path, const struct fwc_opts *o,
			    enum fwc_dump dump, FILE *out);

/* Deep copy of a rule into chain c (used for zone dispatch). */
struct ir_rule *ir_rule_copy(struct ir *ir, struct ir_chain *c,
			     const struct ir_rule *src);

void ast_dump(FILE *out, const struct ast_stmt *s);

#endif
