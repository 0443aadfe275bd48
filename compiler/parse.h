/*
 * parse.h: parse one file into statements (grammar/parser.y drives lemon).
 */
#ifndef FWC_PARSE_H
#define FWC_PARSE_H

#include "ast.h"

struct parse_ctx {
	struct arena *arena;
	const struct srcfile *file;
	struct ast_stmt *head, **tail;
	struct loc last_loc;          /* of the token being fed */
	struct loc prev_loc;          /* of the token before it */
	int prev_kind;
};

/* Parse f; appends its statements (includes not yet followed) to the
 * list in ctx. Syntax errors are queued as diagnostics. */
void parse_file(struct parse_ctx *ctx, const struct srcfile *f);

/* Span from a to b when on one line, else a. */
struct loc loc_join(struct loc a, struct loc b);

/* Print the token stream of f (--dump=tokens). */
void dump_tokens(FILE *out, const struct srcfile *f);

#endif
