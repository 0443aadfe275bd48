/*
 * parse.c: feeds the re2c token stream to the lemon parser.
 */
#include <stdlib.h>

#include "diag.h"
#include "lexer.h"
#include "parse.h"
#include "parser.h"

void *fwcParseAlloc(void *(*mallocProc)(size_t), struct parse_ctx *ctx);
void fwcParseFree(void *p, void (*freeProc)(void *));
void fwcParse(void *p, int major, struct token minor);

struct loc loc_join(struct loc a, struct loc b)
{
	if (a.file == b.file && a.line == b.line && b.col >= a.col)
		a.len = b.col + b.len - a.col;
	return a;
}

void parse_file(struct parse_ctx *ctx, const struct srcfile *f)
{
	struct lexer lx;
	struct token t;
	void *p = fwcParseAlloc(xmalloc, ctx);
	ctx->file = f;
	if (!ctx->tail)
		ctx->tail = &ctx->head;
	lexer_init(&lx, f);
	int kind;
	ctx->prev_kind = TK_SEMI;
	do {
		kind = lexer_next(&lx, &t);
		ctx->last_loc = t.loc;
		fwcParse(p, kind, t);
		ctx->prev_kind = kind;
		ctx->prev_loc = t.loc;
	} while (kind != 0);
	fwcParseFree(p, free);
}

void dump_tokens(FILE *out, const struct srcfile *f)
{
	struct lexer lx;
	struct token t;
	lexer_init(&lx, f);
	while (lexer_next(&lx, &t) != 0) {
		const char *kn = token_kind_name(t.kind);
		fprintf(out, "%s:%u:%u\t%s\t%.*s\n", f->path, t.loc.line,
			t.loc.col, kn ? kn : "keyword", (int)t.len, t.s);
	}
}
