/*
 * lexer.h: the re2c scanner (grammar/lexer.re). It returns lemon's TK_*
 * codes directly; 0 is end of input. Invalid characters are reported as
 * located diagnostics and skipped.
 */
#ifndef FWC_LEXER_H
#define FWC_LEXER_H

#include "ast.h"

struct lexer {
	const struct srcfile *file;
	const char *cur, *lim, *tok, *bol, *mark;
	uint32_t line;
};

void lexer_init(struct lexer *lx, const struct srcfile *f);
int lexer_next(struct lexer *lx, struct token *t);
/* "NAME", "';'", "'accept'", for dumps and syntax errors. */
const char *token_kind_name(int kind);

#endif
