/*
 * lexer.re: the scanner for the fwc policy language (re2c).
 *
 * The whole file is in memory and NUL-terminated, so the NUL is the
 * sentinel (re2c:eof); a NUL before the end is an invalid character.
 * Keywords are rules listed before NAME: on a tie re2c takes the first
 * rule, and a longer name ("inputs") still wins by length. The parser's
 * %fallback turns a keyword back into a NAME where a name is expected.
 */
#include <string.h>

#include "diag.h"
#include "lexer.h"
#include "parser.h"

void lexer_init(struct lexer *lx, const struct srcfile *f)
{
	lx->file = f;
	lx->cur = f->text;
	lx->lim = f->text + f->len;
	lx->bol = f->text;
	lx->line = 1;
}

static int tok(struct lexer *lx, struct token *t, int kind)
{
	t->kind = kind;
	t->s = lx->tok;
	t->len = (uint32_t)(lx->cur - lx->tok);
	t->loc.file = lx->file;
	t->loc.line = lx->line;
	t->loc.col = (uint32_t)(lx->tok - lx->bol) + 1;
	t->loc.len = t->len ? t->len : 1;
	return kind;
}

static void newline(struct lexer *lx)
{
	lx->line++;
	lx->bol = lx->cur;
}

/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:define:YYCURSOR = "lx->cur";
	re2c:define:YYMARKER = "lx->mark";
	re2c:define:YYLIMIT = "lx->lim";
	re2c:yyfill:enable = 0;
	re2c:eof = 0;
	re2c:flags:utf-8 = 0;

	dec   = [0-9]+;
	hex   = "0x" [0-9a-fA-F]+;
	oct   = [0-9]{1,3};
	ipv4  = oct "." oct "." oct "." oct;
	h16   = [0-9a-fA-F]{1,4};
	ipv6  = (h16? ":")+ ":"? (h16 | ipv4)? ;
	plen  = "/" dec;
	name  = [A-Za-z_][A-Za-z0-9_.\-]*;
*/

int lexer_next(struct lexer *lx, struct token *t)
{
	for (;;) {
		lx->tok = lx->cur;
	/*!re2c
		$ { return tok(lx, t, 0); }
		[ \t\r\f\v]+ { continue; }
		"\n" { newline(lx); continue; }
		"#" [^\n\x00]* { continue; }

		";" { return tok(lx, t, TK_SEMI); }
		"{" { return tok(lx, t, TK_LBRACE); }
		"}" { return tok(lx, t, TK_RBRACE); }
		"," { return tok(lx, t, TK_COMMA); }
		"=" { return tok(lx, t, TK_EQ); }
		"/" { return tok(lx, t, TK_SLASH); }
		"-" { return tok(lx, t, TK_MINUS); }
		":" { return tok(lx, t, TK_COLON); }
		"@" { return tok(lx, t, TK_AT); }
		"!" { return tok(lx, t, TK_NOT); }

		"include"     { return tok(lx, t, TK_INCLUDE); }
		"define"      { return tok(lx, t, TK_DEFINE); }
		"set"         { return tok(lx, t, TK_SET); }
		"from"        { return tok(lx, t, TK_FROM); }
		"service"     { return tok(lx, t, TK_SERVICE); }
		"firewalld"   { return tok(lx, t, TK_FIREWALLD); }
		"zone"        { return tok(lx, t, TK_ZONE); }
		"interface"   { return tok(lx, t, TK_INTERFACE); }
		"network"     { return tok(lx, t, TK_NETWORK); }
		"policy"      { return tok(lx, t, TK_POLICY); }
		"management"  { return tok(lx, t, TK_MANAGEMENT); }
		"input"       { return tok(lx, t, TK_INPUT); }
		"forward"     { return tok(lx, t, TK_FORWARD); }
		"output"      { return tok(lx, t, TK_OUTPUT); }
		"prerouting"  { return tok(lx, t, TK_PREROUTING); }
		"postrouting" { return tok(lx, t, TK_POSTROUTING); }
		"nat"         { return tok(lx, t, TK_NAT); }
		"mangle"      { return tok(lx, t, TK_MANGLE); }
		"raw"         { return tok(lx, t, TK_RAW); }
		"filter"      { return tok(lx, t, TK_FILTER); }
		"chain"       { return tok(lx, t, TK_CHAIN); }
		"implicit"    { return tok(lx, t, TK_IMPLICIT); }
		"on"          { return tok(lx, t, TK_ON); }
		"off"         { return tok(lx, t, TK_OFF); }
		"to"          { return tok(lx, t, TK_TO); }
		"source"      { return tok(lx, t, TK_SOURCE); }
		"destination" { return tok(lx, t, TK_DESTINATION); }
		"proto"       { return tok(lx, t, TK_PROTO); }
		"sport"       { return tok(lx, t, TK_SPORT); }
		"dport"       { return tok(lx, t, TK_DPORT); }
		"port"        { return tok(lx, t, TK_PORT); }
		"icmp"        { return tok(lx, t, TK_ICMP); }
		"icmpv4"      { return tok(lx, t, TK_ICMPV4); }
		"icmpv6"      { return tok(lx, t, TK_ICMPV6); }
		"type"        { return tok(lx, t, TK_TYPE); }
		"state"       { return tok(lx, t, TK_STATE); }
		"in"          { return tok(lx, t, TK_IN); }
		"out"         { return tok(lx, t, TK_OUT); }
		"mark"        { return tok(lx, t, TK_MARK); }
		"connmark"    { return tok(lx, t, TK_CONNMARK); }
		"uid"         { return tok(lx, t, TK_UID); }
		"tcp-flags"   { return tok(lx, t, TK_TCPFLAGS); }
		"fragment"    { return tok(lx, t, TK_FRAGMENT); }
		"rate"        { return tok(lx, t, TK_RATE); }
		"burst"       { return tok(lx, t, TK_BURST); }
		"per"         { return tok(lx, t, TK_PER); }
		"connlimit"   { return tok(lx, t, TK_CONNLIMIT); }
		"recent"      { return tok(lx, t, TK_RECENT); }
		"name"        { return tok(lx, t, TK_NAMEKW); }
		"hits"        { return tok(lx, t, TK_HITS); }
		"seconds"     { return tok(lx, t, TK_SECONDS); }
		"update"      { return tok(lx, t, TK_UPDATE); }
		"check"       { return tok(lx, t, TK_CHECK); }
		"remove"      { return tok(lx, t, TK_REMOVE); }
		"nth"         { return tok(lx, t, TK_NTH); }
		"every"       { return tok(lx, t, TK_EVERY); }
		"packet"      { return tok(lx, t, TK_PACKET); }
		"with"        { return tok(lx, t, TK_WITH); }
		"prefix"      { return tok(lx, t, TK_PREFIX); }
		"level"       { return tok(lx, t, TK_LEVEL); }
		"not"         { return tok(lx, t, TK_NOT); }
		"accept"      { return tok(lx, t, TK_ACCEPT); }
		"drop"        { return tok(lx, t, TK_DROP); }
		"reject"      { return tok(lx, t, TK_REJECT); }
		"log"         { return tok(lx, t, TK_LOG); }
		"jump"        { return tok(lx, t, TK_JUMP); }
		"goto"        { return tok(lx, t, TK_GOTO); }
		"return"      { return tok(lx, t, TK_RETURN); }
		"masquerade"  { return tok(lx, t, TK_MASQUERADE); }
		"snat"        { return tok(lx, t, TK_SNAT); }
		"dnat"        { return tok(lx, t, TK_DNAT); }
		"redirect"    { return tok(lx, t, TK_REDIRECT); }
		"clamp-mss"   { return tok(lx, t, TK_CLAMPMSS); }
		"notrack"     { return tok(lx, t, TK_NOTRACK); }
		"save"        { return tok(lx, t, TK_SAVE); }
		"restore"     { return tok(lx, t, TK_RESTORE); }

		dec | hex     { return tok(lx, t, TK_NUMBER); }
		ipv4 plen?    { return tok(lx, t, TK_ADDR); }
		ipv4 ":" dec  { return tok(lx, t, TK_ADDRPORT); }
		ipv6 plen?    {
			/* the loose pattern also matches "1:2" or ":"; a real
			 * IPv6 address has at least two colons */
			int colons = 0;
			for (const char *p = lx->tok; p < lx->cur; p++)
				colons += *p == ':';
			if (colons >= 2)
				return tok(lx, t, TK_ADDR);
			lx->cur = lx->tok + 1;
			if (*lx->tok == ':')
				return tok(lx, t, TK_COLON);
			lx->cur = lx->tok;
			while (lx->cur < lx->lim && *lx->cur >= '0' && *lx->cur <= '9')
				lx->cur++;
			if (lx->cur > lx->tok)
				return tok(lx, t, TK_NUMBER);
			while (lx->cur < lx->lim && (strchr("abcdefABCDEF", *lx->cur) ||
			       (*lx->cur >= '0' && *lx->cur <= '9') || *lx->cur == '_' ||
			       *lx->cur == '-' || *lx->cur == '.' ||
			       (*lx->cur >= 'g' && *lx->cur <= 'z') ||
			       (*lx->cur >= 'G' && *lx->cur <= 'Z')))
				lx->cur++;
			return tok(lx, t, TK_NAME);
		}
		"[" ipv6 "]" ":" dec { return tok(lx, t, TK_ADDRPORT); }
		name          { return tok(lx, t, TK_NAME); }

		["] [^"\n\x00]* ["] { return tok(lx, t, TK_STRING); }
		["] [^"\n\x00]* {
			tok(lx, t, TK_STRING);
			diag_error(&t->loc, "unterminated string");
			continue;
		}
		[\x80-\xff]+ {
			/* one error for a run of non-ASCII bytes (a UTF-8
			 * character such as an en dash), not one per byte */
			tok(lx, t, 0);
			diag_error(&t->loc, "non-ASCII text '%.*s' (only ASCII is allowed outside strings and comments)",
				   (int)t->len, t->s);
			continue;
		}
		* {
			tok(lx, t, 0);
			unsigned char c = (unsigned char)*lx->tok;
			if (c >= 0x20 && c < 0x7f)
				diag_error(&t->loc, "invalid character '%c'", c);
			else
				diag_error(&t->loc, "invalid character 0x%02x", c);
			continue;
		}
	*/
	}
}

const char *token_kind_name(int kind)
{
	static const char *const names[] = {
		[0] = "end of file",
		[TK_SEMI] = "';'", [TK_LBRACE] = "'{'", [TK_RBRACE] = "'}'",
		[TK_COMMA] = "','", [TK_EQ] = "'='", [TK_SLASH] = "'/'",
		[TK_MINUS] = "'-'", [TK_COLON] = "':'", [TK_AT] = "'@'",
		[TK_NAME] = "name", [TK_NUMBER] = "number",
		[TK_ADDR] = "address", [TK_ADDRPORT] = "address:port",
		[TK_STRING] = "string",
	};
	if (kind >= 0 && (size_t)kind < sizeof(names) / sizeof(names[0]) &&
	    names[kind])
		return names[kind];
	return NULL;   /* a keyword: the caller quotes its text */
}
