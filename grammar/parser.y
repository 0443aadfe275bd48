/*
 * parser.y: the fwc policy grammar (lemon).
 *
 * Statements are collected in order into the parse context; includes are
 * followed later (compiler/frontend.c). Keywords fall back to NAME where a
 * name is expected, so "zone input { ... }" still parses. Error recovery
 * resynchronises at ';' and '}' so one run reports several errors.
 */

%include {
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "lexer.h"
#include "parse.h"

#define A_NEW(T) ((T *)arena_alloc(ctx->arena, sizeof(T)))

static const char *tstr(struct parse_ctx *ctx, struct token t)
{
	return arena_strndup(ctx->arena, t.s, t.len);
}

static struct ast_val *mkval(struct parse_ctx *ctx, enum av_kind k, struct loc l)
{
	struct ast_val *v = A_NEW(struct ast_val);
	v->kind = k;
	v->loc = l;
	v->port = -1;
	return v;
}

static struct ast_term *mkterm(struct parse_ctx *ctx, enum term_kind k, struct loc l)
{
	struct ast_term *t = A_NEW(struct ast_term);
	t->kind = k;
	t->loc = l;
	return t;
}

static uint64_t num(struct parse_ctx *ctx, struct token t)
{
	char buf[32];
	if (t.len >= sizeof(buf)) {
		diag_error(&t.loc, "number too large");
		return 0;
	}
	memcpy(buf, t.s, t.len);
	buf[t.len] = '\0';
	char *end;
	errno = 0;
	/* decimal, or hex with 0x: a leading zero is not octal */
	bool hex = buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	unsigned long long v = strtoull(buf, &end, hex ? 16 : 10);
	if (errno || *end) {
		diag_error(&t.loc, "number too large");
		return 0;
	}
	return v;
}

static struct ast_port *mkport(struct parse_ctx *ctx, struct token a, struct token b, bool range)
{
	struct ast_port *p = A_NEW(struct ast_port);
	p->lo = (uint32_t)(num(ctx, a) > 0xffffffffu ? 0xffffffffu : num(ctx, a));
	p->hi = range ? (uint32_t)(num(ctx, b) > 0xffffffffu ? 0xffffffffu : num(ctx, b)) : p->lo;
	p->loc = range ? loc_join(a.loc, b.loc) : a.loc;
	return p;
}

static void add_stmt(struct parse_ctx *ctx, struct ast_stmt *s)
{
	*ctx->tail = s;
	ctx->tail = &s->next;
}

static struct ast_stmt *mkstmt(struct parse_ctx *ctx, enum stmt_kind k, struct loc l)
{
	struct ast_stmt *s = A_NEW(struct ast_stmt);
	s->kind = k;
	s->loc = l;
	return s;
}

/* Long lists (rules, terms, values, ports) are built reversed: left
 * recursion prepends in O(1), and the list is turned round once where it
 * is used (LIST_REVERSE). Short lists (zone items) append. */
#define LIST_REVERSE(head) do {                                          \
		__typeof__(head) prev_ = NULL, cur_ = (head);            \
		while (cur_) {                                           \
			__typeof__(head) nx_ = cur_->next;               \
			cur_->next = prev_;                              \
			prev_ = cur_;                                    \
			cur_ = nx_;                                      \
		}                                                        \
		(head) = prev_;                                          \
	} while (0)

#define LIST_APPEND(head, item) do {                                     \
		__typeof__(item) *pp_ = &(head);                        \
		while (*pp_) pp_ = &(*pp_)->next;                        \
		*pp_ = (item);                                           \
	} while (0)
}

%name fwcParse
%token_prefix TK_
%token_type { struct token }
%extra_context { struct parse_ctx *ctx }
%start_symbol file

%syntax_error {
	const char *kn = token_kind_name(yymajor);
	char hint[64] = "";
	/* the commonest slip: a statement's ';' forgotten at a line end */
	if (ctx->prev_kind != TK_SEMI && ctx->prev_kind != TK_LBRACE &&
	    ctx->prev_kind != TK_RBRACE && yymajor != TK_SEMI &&
	    TOKEN.loc.line > ctx->prev_loc.line)
		snprintf(hint, sizeof(hint), " (missing ';' at the end of line %u?)",
			 ctx->prev_loc.line);
	if (yymajor == 0)
		diag_error(&TOKEN.loc, "syntax error: unexpected end of file%s", hint);
	else if (kn && kn[0] == '\'')
		diag_error(&TOKEN.loc, "syntax error: unexpected %s%s", kn, hint);
	else if (kn)
		diag_error(&TOKEN.loc, "syntax error: unexpected %s '%.*s'%s", kn,
			   (int)TOKEN.len, TOKEN.s, hint);
	else
		diag_error(&TOKEN.loc, "syntax error: unexpected keyword '%.*s'%s",
			   (int)TOKEN.len, TOKEN.s, hint);
}
%parse_failure {
	/* already reported by %syntax_error */
}
%stack_overflow {
	diag_error(&ctx->last_loc, "syntax error: nesting too deep");
}

%token SEMI LBRACE RBRACE COMMA EQ SLASH MINUS COLON AT NOT
       NAME NUMBER ADDR ADDRPORT STRING.
%token INCLUDE DEFINE SET FROM SERVICE FIREWALLD ZONE INTERFACE NETWORK
       POLICY MANAGEMENT INPUT FORWARD OUTPUT PREROUTING POSTROUTING NAT
       MANGLE RAW FILTER CHAIN IMPLICIT ON OFF TO SOURCE DESTINATION PROTO
       SPORT DPORT PORT ICMP ICMPV4 ICMPV6 TYPE STATE IN OUT MARK CONNMARK UID
       TCPFLAGS FRAGMENT RATE BURST PER CONNLIMIT RECENT NAMEKW HITS SECONDS
       UPDATE CHECK REMOVE NTH EVERY PACKET WITH PREFIX LEVEL ACCEPT DROP
       REJECT LOG JUMP GOTO RETURN MASQUERADE SNAT DNAT REDIRECT CLAMPMSS
       NOTRACK SAVE RESTORE.

%fallback NAME INCLUDE DEFINE SET FROM SERVICE FIREWALLD ZONE INTERFACE
       NETWORK POLICY MANAGEMENT INPUT FORWARD OUTPUT PREROUTING POSTROUTING
       NAT MANGLE RAW FILTER CHAIN IMPLICIT ON OFF TO SOURCE DESTINATION
       PROTO SPORT DPORT PORT ICMP ICMPV4 ICMPV6 TYPE STATE IN OUT MARK
       CONNMARK UID TCPFLAGS FRAGMENT RATE BURST PER CONNLIMIT RECENT NAMEKW
       HITS SECONDS UPDATE CHECK REMOVE NTH EVERY PACKET WITH PREFIX LEVEL
       ACCEPT DROP REJECT LOG JUMP GOTO RETURN MASQUERADE SNAT DNAT REDIRECT
       CLAMPMSS NOTRACK SAVE RESTORE.

%type val { struct ast_val * }
%type vallist { struct ast_val * }
%type namelist { struct ast_val * }
%type hooklist { struct ast_val * }
%type ports { struct ast_port * }
%type port { struct ast_port * }
%type svcitems { struct ast_svc * }
%type svcitem { struct ast_svc * }
%type terms { struct ast_term * }
%type term { struct ast_term * }
%type rules { struct ast_rule * }
%type rule { struct ast_rule * }
%type action { struct ast_rule * }
%type zitems { struct ast_stmt * }
%type block_head { struct ast_stmt * }
%type per { int }
%type burst { struct token }
%type recent_opts { struct ast_term * }
%type hook { int }
%type table { struct token }
%type onoff { int }
%type markval { struct ast_term * }

file ::= stmts.
stmts ::= stmts stmt.
stmts ::= .

stmt ::= INCLUDE(K) STRING(S) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_INCLUDE, K.loc);
	s->path = arena_strndup(ctx->arena, S.s + 1, S.len - 2);
	s->path_loc = S.loc;
	add_stmt(ctx, s);
}
stmt ::= DEFINE(K) NAME(N) EQ val(V) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_DEFINE, K.loc);
	s->name = tstr(ctx, N);
	s->name_loc = N.loc;
	s->val = V;
	add_stmt(ctx, s);
}
stmt ::= SET(K) NAME(N) EQ val(V) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_SET, K.loc);
	s->name = tstr(ctx, N);
	s->name_loc = N.loc;
	s->val = V;
	add_stmt(ctx, s);
}
stmt ::= SET(K) NAME(N) FROM STRING(S) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_SET, K.loc);
	s->name = tstr(ctx, N);
	s->name_loc = N.loc;
	s->path = arena_strndup(ctx->arena, S.s + 1, S.len - 2);
	s->path_loc = S.loc;
	add_stmt(ctx, s);
}
stmt ::= SERVICE(K) NAME(N) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_SERVICE, K.loc);
	s->name = tstr(ctx, N);
	s->name_loc = N.loc;
	s->svc_src = SVC_ETC;
	add_stmt(ctx, s);
}
stmt ::= SERVICE(K) NAME(N) EQ svcitems(L) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_SERVICE, K.loc);
	s->name = tstr(ctx, N);
	s->name_loc = N.loc;
	s->svc_src = SVC_INLINE;
	s->svc = L;
	add_stmt(ctx, s);
}
stmt ::= SERVICE(K) NAME(N) FROM FIREWALLD STRING(S) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_SERVICE, K.loc);
	s->name = tstr(ctx, N);
	s->name_loc = N.loc;
	s->svc_src = SVC_FIREWALLD;
	s->path = arena_strndup(ctx->arena, S.s + 1, S.len - 2);
	s->path_loc = S.loc;
	add_stmt(ctx, s);
}
stmt ::= ZONE(K) NAME(N) LBRACE zitems(Z) RBRACE. {
	Z->loc = K.loc;
	Z->name = tstr(ctx, N);
	Z->name_loc = N.loc;
	add_stmt(ctx, Z);
}
stmt ::= POLICY(K) hook(H) ACCEPT SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_POLICY, K.loc);
	s->hook = H; s->policy = ACT_ACCEPT; s->table = TBL_FILTER;
	add_stmt(ctx, s);
}
stmt ::= POLICY(K) hook(H) DROP SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_POLICY, K.loc);
	s->hook = H; s->policy = ACT_DROP; s->table = TBL_FILTER;
	add_stmt(ctx, s);
}
stmt ::= MANAGEMENT(K) terms(T) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_MANAGEMENT, K.loc);
	LIST_REVERSE(T);
	s->terms = T;
	add_stmt(ctx, s);
}
stmt ::= IMPLICIT(K) NAME(W) onoff(O) hooklist(H) SEMI. {
	struct ast_stmt *s = mkstmt(ctx, ST_IMPLICIT, K.loc);
	s->name = tstr(ctx, W);
	s->name_loc = W.loc;
	s->on = O;
	s->hooks = H;
	add_stmt(ctx, s);
}
stmt ::= block_head(B) LBRACE rules(R) RBRACE. {
	LIST_REVERSE(R);
	B->rules = R;
	add_stmt(ctx, B);
}
stmt ::= error SEMI.
stmt ::= error RBRACE.
stmt ::= SEMI.

onoff(A) ::= ON. { A = 1; }
onoff(A) ::= OFF. { A = 0; }
hooklist(A) ::= . { A = NULL; }
hooklist(A) ::= hooklist(L) NAME(N). {
	struct ast_val *v = mkval(ctx, AV_NAME, N.loc);
	v->text = tstr(ctx, N);
	A = L;
	LIST_APPEND(A, v);
}

hook(A) ::= PREROUTING. { A = HOOK_PREROUTING; }
hook(A) ::= INPUT. { A = HOOK_INPUT; }
hook(A) ::= FORWARD. { A = HOOK_FORWARD; }
hook(A) ::= OUTPUT. { A = HOOK_OUTPUT; }
hook(A) ::= POSTROUTING. { A = HOOK_POSTROUTING; }

table(A) ::= FILTER(K). { A = K; A.kind = TBL_FILTER; }
table(A) ::= NAT(K). { A = K; A.kind = TBL_NAT; }
table(A) ::= MANGLE(K). { A = K; A.kind = TBL_MANGLE; }
table(A) ::= RAW(K). { A = K; A.kind = TBL_RAW; }

block_head(A) ::= INPUT(K). {
	A = mkstmt(ctx, ST_BLOCK, K.loc); A->table = TBL_FILTER; A->hook = HOOK_INPUT;
}
block_head(A) ::= FORWARD(K). {
	A = mkstmt(ctx, ST_BLOCK, K.loc); A->table = TBL_FILTER; A->hook = HOOK_FORWARD;
}
block_head(A) ::= OUTPUT(K). {
	A = mkstmt(ctx, ST_BLOCK, K.loc); A->table = TBL_FILTER; A->hook = HOOK_OUTPUT;
}
block_head(A) ::= NAT(K). {
	A = mkstmt(ctx, ST_BLOCK, K.loc); A->table = TBL_NAT; A->hook = HOOK_NONE;
	A->nat_any = true;
}
block_head(A) ::= table(T) hook(H). {
	A = mkstmt(ctx, ST_BLOCK, T.loc); A->table = T.kind; A->hook = H;
}
block_head(A) ::= CHAIN(K) NAME(N). {
	A = mkstmt(ctx, ST_BLOCK, K.loc); A->table = TBL_FILTER; A->hook = HOOK_NONE;
	A->name = tstr(ctx, N); A->name_loc = N.loc;
}
block_head(A) ::= table(T) CHAIN(K) NAME(N). {
	A = mkstmt(ctx, ST_BLOCK, K.loc); A->table = T.kind; A->hook = HOOK_NONE;
	A->name = tstr(ctx, N); A->name_loc = N.loc;
}

zitems(A) ::= . { A = mkstmt(ctx, ST_ZONE, ctx->last_loc); }
zitems(A) ::= zitems(Z) INTERFACE namelist(L) SEMI. {
	A = Z;
	LIST_APPEND(A->ifaces, L);
}
zitems(A) ::= zitems(Z) NETWORK vallist(L) SEMI. {
	A = Z;
	LIST_REVERSE(L);
	LIST_APPEND(A->networks, L);
}
zitems(A) ::= zitems(Z) error SEMI. { A = Z; A->broken = true; }
/* the last item may omit its ';' before the '}' */
zitems(A) ::= zitems(Z) INTERFACE namelist(L). {
	A = Z;
	LIST_APPEND(A->ifaces, L);
}
zitems(A) ::= zitems(Z) NETWORK vallist(L). {
	A = Z;
	LIST_REVERSE(L);
	LIST_APPEND(A->networks, L);
}

namelist(A) ::= NAME(N). {
	A = mkval(ctx, AV_NAME, N.loc);
	A->text = tstr(ctx, N);
}
namelist(A) ::= namelist(L) COMMA NAME(N). {
	struct ast_val *v = mkval(ctx, AV_NAME, N.loc);
	v->text = tstr(ctx, N);
	A = L;
	LIST_APPEND(A, v);
}

val(A) ::= NAME(N). {
	A = mkval(ctx, AV_NAME, N.loc);
	A->text = tstr(ctx, N);
}
val(A) ::= NAME(N) COLON NUMBER(P). {
	A = mkval(ctx, AV_NAME, loc_join(N.loc, P.loc));
	A->text = tstr(ctx, N);
	uint64_t p = num(ctx, P);
	A->port = p > 65535 ? 65536 : (int)p;
}
val(A) ::= ADDR(T). {
	A = mkval(ctx, AV_ADDR, T.loc);
	A->text = tstr(ctx, T);
}
val(A) ::= ADDRPORT(T). {
	/* "192.0.2.1:8080" or "[2001:db8::1]:8080" */
	A = mkval(ctx, AV_ADDR, T.loc);
	const char *colon = NULL;
	for (const char *p = T.s; p < T.s + T.len; p++)
		if (*p == ':')
			colon = p;
	const char *b = T.s, *e = colon;
	if (*b == '[') {
		b++;
		e--;
	}
	A->text = arena_strndup(ctx->arena, b, (size_t)(e - b));
	struct token pt = T;
	pt.s = colon + 1;
	pt.len = (uint32_t)(T.s + T.len - pt.s);
	uint64_t p = num(ctx, pt);
	A->port = p > 65535 ? 65536 : (int)p;
}
val(A) ::= ADDR(L) MINUS ADDR(H). {
	A = mkval(ctx, AV_RANGE, loc_join(L.loc, H.loc));
	A->text = tstr(ctx, L);
	A->text2 = tstr(ctx, H);
}
val(A) ::= AT(K) NAME(N). {
	A = mkval(ctx, AV_SETREF, loc_join(K.loc, N.loc));
	A->text = tstr(ctx, N);
}
val(A) ::= LBRACE(K) vallist(L) RBRACE(E). {
	A = mkval(ctx, AV_LIST, loc_join(K.loc, E.loc));
	LIST_REVERSE(L);
	A->child = L;
}
val(A) ::= LBRACE(K) vallist(L) COMMA RBRACE(E). {
	A = mkval(ctx, AV_LIST, loc_join(K.loc, E.loc));
	LIST_REVERSE(L);
	A->child = L;
}
val(A) ::= NOT(K) val(V). {
	A = mkval(ctx, AV_NOT, loc_join(K.loc, V->loc));
	A->child = V;
}

vallist(A) ::= val(V). { A = V; }
vallist(A) ::= vallist(L) COMMA val(V). { A = V; A->next = L; }

port(A) ::= NUMBER(N). { A = mkport(ctx, N, N, false); }
port(A) ::= NUMBER(L) MINUS NUMBER(H). { A = mkport(ctx, L, H, true); }
ports(A) ::= port(P). { A = P; }
ports(A) ::= ports(L) COMMA port(P). { A = P; A->next = L; }

/* "tcp 80, 443, udp 53": a flat list; a bare port belongs to the protocol
 * before it (frontend checks that one came first). */
svcitems(A) ::= svcitem(I). { A = I; }
svcitems(A) ::= svcitems(L) COMMA svcitem(I). { A = L; LIST_APPEND(A, I); }
svcitem(A) ::= NAME(P). {
	A = A_NEW(struct ast_svc);
	A->proto = tstr(ctx, P);
	A->proto_loc = P.loc;
}
svcitem(A) ::= NAME(P) port(N). {
	A = A_NEW(struct ast_svc);
	A->proto = tstr(ctx, P);
	A->proto_loc = P.loc;
	A->ports = N;
}
svcitem(A) ::= port(N). {
	A = A_NEW(struct ast_svc);
	A->ports = N;
	A->proto_loc = N->loc;
}

rules(A) ::= . { A = NULL; }
rules(A) ::= rules(L) rule(R). { A = L; if (R) { R->next = L; A = R; } }
rules(A) ::= rules(L) error SEMI. { A = L; }
rules(A) ::= rules(L) SEMI. { A = L; }

rule(A) ::= action(R) terms(T) SEMI. { A = R; LIST_REVERSE(T); A->terms = T; }

action(A) ::= ACCEPT(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_ACCEPT; }
action(A) ::= DROP(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_DROP; }
action(A) ::= REJECT(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_REJECT; }
action(A) ::= LOG(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_LOG; }
action(A) ::= RETURN(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_RETURN; }
action(A) ::= MASQUERADE(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_MASQUERADE; }
action(A) ::= SNAT(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_SNAT; }
action(A) ::= DNAT(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_DNAT; }
action(A) ::= REDIRECT(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_REDIRECT; }
action(A) ::= CLAMPMSS(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_CLAMP_MSS; }
action(A) ::= NOTRACK(K). { A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_NOTRACK; }
action(A) ::= MARK(K) markval(M). {
	A = A_NEW(struct ast_rule); A->loc = loc_join(K.loc, M->loc); A->act = ACT_MARK;
	A->mark = M->n1; A->mask = M->has_n2 ? M->n2 : 0;
}
action(A) ::= CONNMARK(K) markval(M). {
	A = A_NEW(struct ast_rule); A->loc = loc_join(K.loc, M->loc); A->act = ACT_CONNMARK;
	A->cm = CM_SET; A->mark = M->n1; A->mask = M->has_n2 ? M->n2 : 0;
}
action(A) ::= CONNMARK(K) SET markval(M). {
	A = A_NEW(struct ast_rule); A->loc = loc_join(K.loc, M->loc); A->act = ACT_CONNMARK;
	A->cm = CM_SET; A->mark = M->n1; A->mask = M->has_n2 ? M->n2 : 0;
}
action(A) ::= CONNMARK(K) SAVE(E). {
	A = A_NEW(struct ast_rule); A->loc = loc_join(K.loc, E.loc); A->act = ACT_CONNMARK; A->cm = CM_SAVE;
}
action(A) ::= CONNMARK(K) RESTORE(E). {
	A = A_NEW(struct ast_rule); A->loc = loc_join(K.loc, E.loc); A->act = ACT_CONNMARK; A->cm = CM_RESTORE;
}
action(A) ::= JUMP(K) NAME(N). {
	A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_JUMP;
	A->target = tstr(ctx, N); A->target_loc = N.loc;
}
action(A) ::= GOTO(K) NAME(N). {
	A = A_NEW(struct ast_rule); A->loc = K.loc; A->act = ACT_GOTO;
	A->target = tstr(ctx, N); A->target_loc = N.loc;
}

markval(A) ::= NUMBER(N). {
	A = mkterm(ctx, TM_MARK, N.loc);
	A->n1 = num(ctx, N);
}
markval(A) ::= NUMBER(N) SLASH NUMBER(M). {
	A = mkterm(ctx, TM_MARK, loc_join(N.loc, M.loc));
	A->n1 = num(ctx, N);
	A->n2 = num(ctx, M);
	A->has_n2 = true;
}

terms(A) ::= . { A = NULL; }
terms(A) ::= terms(L) term(T). { A = T; A->next = L; }

term(A) ::= FROM(K) val(V). { A = mkterm(ctx, TM_FROM, loc_join(K.loc, V->loc)); A->val = V; }
term(A) ::= TO(K) val(V). { A = mkterm(ctx, TM_TO, loc_join(K.loc, V->loc)); A->val = V; }
term(A) ::= TO(K) PORT port(P). { A = mkterm(ctx, TM_TO_PORT, loc_join(K.loc, P->loc)); A->ports = P; }
term(A) ::= SOURCE(K) val(V). { A = mkterm(ctx, TM_SOURCE, loc_join(K.loc, V->loc)); A->val = V; }
term(A) ::= DESTINATION(K) val(V). { A = mkterm(ctx, TM_DEST, loc_join(K.loc, V->loc)); A->val = V; }
term(A) ::= SERVICE(K) val(V). { A = mkterm(ctx, TM_SERVICE, loc_join(K.loc, V->loc)); A->val = V; }
term(A) ::= PROTO(K) NAME(N). {
	A = mkterm(ctx, TM_PROTO, loc_join(K.loc, N.loc));
	A->word = tstr(ctx, N); A->word_loc = N.loc;
}
term(A) ::= PROTO(K) NUMBER(N). {
	A = mkterm(ctx, TM_PROTO, loc_join(K.loc, N.loc));
	A->word = tstr(ctx, N); A->word_loc = N.loc;
}
term(A) ::= SPORT(K) ports(P). { A = mkterm(ctx, TM_SPORT, K.loc); LIST_REVERSE(P); A->ports = P; }
term(A) ::= DPORT(K) ports(P). { A = mkterm(ctx, TM_DPORT, K.loc); LIST_REVERSE(P); A->ports = P; }
term(A) ::= SPORT(K) NOT ports(P). { A = mkterm(ctx, TM_SPORT, K.loc); LIST_REVERSE(P); A->ports = P; A->neg = true; }
term(A) ::= DPORT(K) NOT ports(P). { A = mkterm(ctx, TM_DPORT, K.loc); LIST_REVERSE(P); A->ports = P; A->neg = true; }
term(A) ::= ICMP(K). { A = mkterm(ctx, TM_ICMP, K.loc); }
term(A) ::= ICMPV4(K). { A = mkterm(ctx, TM_ICMPV4, K.loc); }
term(A) ::= ICMPV6(K). { A = mkterm(ctx, TM_ICMPV6, K.loc); }
term(A) ::= ICMP(K) TYPE NAME(N). {
	A = mkterm(ctx, TM_ICMP, loc_join(K.loc, N.loc)); A->word = tstr(ctx, N); A->word_loc = N.loc;
}
term(A) ::= ICMPV4(K) TYPE NAME(N). {
	A = mkterm(ctx, TM_ICMPV4, loc_join(K.loc, N.loc)); A->word = tstr(ctx, N); A->word_loc = N.loc;
}
term(A) ::= ICMPV6(K) TYPE NAME(N). {
	A = mkterm(ctx, TM_ICMPV6, loc_join(K.loc, N.loc)); A->word = tstr(ctx, N); A->word_loc = N.loc;
}
term(A) ::= STATE(K) namelist(L). { A = mkterm(ctx, TM_STATE, K.loc); A->val = L; }
term(A) ::= IN(K) namelist(L). { A = mkterm(ctx, TM_IN, K.loc); A->val = L; }
term(A) ::= OUT(K) namelist(L). { A = mkterm(ctx, TM_OUT, K.loc); A->val = L; }
term(A) ::= IN(K) NOT namelist(L). { A = mkterm(ctx, TM_IN, K.loc); A->val = L; A->neg = true; }
term(A) ::= OUT(K) NOT namelist(L). { A = mkterm(ctx, TM_OUT, K.loc); A->val = L; A->neg = true; }
term(A) ::= MARK(K) markval(M). { A = M; A->kind = TM_MARK; A->loc = loc_join(K.loc, M->loc); }
term(A) ::= MARK(K) NOT markval(M). { A = M; A->kind = TM_MARK; A->loc = loc_join(K.loc, M->loc); A->neg = true; }
term(A) ::= CONNMARK(K) markval(M). { A = M; A->kind = TM_CONNMARK; A->loc = loc_join(K.loc, M->loc); }
term(A) ::= CONNMARK(K) NOT markval(M). { A = M; A->kind = TM_CONNMARK; A->loc = loc_join(K.loc, M->loc); A->neg = true; }
term(A) ::= UID(K) NAME(N). {
	A = mkterm(ctx, TM_UID, loc_join(K.loc, N.loc)); A->word = tstr(ctx, N); A->word_loc = N.loc;
}
term(A) ::= UID(K) NUMBER(N). {
	A = mkterm(ctx, TM_UID, loc_join(K.loc, N.loc)); A->word = tstr(ctx, N); A->word_loc = N.loc;
}
term(A) ::= TCPFLAGS(K) namelist(L). { A = mkterm(ctx, TM_TCPFLAGS, K.loc); A->val = L; }
term(A) ::= TCPFLAGS(K) namelist(L) SLASH namelist(M). {
	A = mkterm(ctx, TM_TCPFLAGS, K.loc); A->val = L; A->val2 = M;
}
term(A) ::= FRAGMENT(K). { A = mkterm(ctx, TM_FRAGMENT, K.loc); }
term(A) ::= RATE(K) NUMBER(N) SLASH NAME(U) burst(B) per(P). {
	A = mkterm(ctx, TM_RATE, loc_join(K.loc, U.loc));
	A->n1 = num(ctx, N);
	A->word = tstr(ctx, U); A->word_loc = U.loc;
	if (B.len) { A->n2 = num(ctx, B); A->has_n2 = true; }
	A->per = P;
}
term(A) ::= CONNLIMIT(K) NUMBER(N) per(P). {
	A = mkterm(ctx, TM_CONNLIMIT, loc_join(K.loc, N.loc));
	A->n1 = num(ctx, N);
	A->per = P;
}
term(A) ::= RECENT(K) recent_opts(R). { A = R; A->loc = K.loc; }
term(A) ::= NTH(K) EVERY NUMBER(N). {
	A = mkterm(ctx, TM_NTH, loc_join(K.loc, N.loc)); A->n1 = num(ctx, N); A->n2 = 0;
}
term(A) ::= NTH(K) EVERY NUMBER(N) PACKET NUMBER(P). {
	A = mkterm(ctx, TM_NTH, loc_join(K.loc, P.loc)); A->n1 = num(ctx, N); A->n2 = num(ctx, P);
	A->has_n2 = true;
}
term(A) ::= WITH(K) NAME(N). {
	A = mkterm(ctx, TM_WITH, loc_join(K.loc, N.loc)); A->word = tstr(ctx, N); A->word_loc = N.loc;
}
term(A) ::= PREFIX(K) STRING(S). {
	A = mkterm(ctx, TM_PREFIX, loc_join(K.loc, S.loc));
	A->word = arena_strndup(ctx->arena, S.s + 1, S.len - 2); A->word_loc = S.loc;
}
term(A) ::= LEVEL(K) NAME(N). {
	A = mkterm(ctx, TM_LEVEL, loc_join(K.loc, N.loc)); A->word = tstr(ctx, N); A->word_loc = N.loc;
}

burst(A) ::= . { A.len = 0; A.s = NULL; }
burst(A) ::= BURST NUMBER(N). { A = N; }
per(A) ::= . { A = PER_NONE; }
per(A) ::= PER SOURCE. { A = PER_SOURCE; }
per(A) ::= PER DESTINATION. { A = PER_DEST; }

recent_opts(A) ::= . { A = mkterm(ctx, TM_RECENT, ctx->last_loc); A->recent = RECENT_UPDATE; }
recent_opts(A) ::= recent_opts(R) NAMEKW NAME(N). { A = R; A->word = tstr(ctx, N); A->word_loc = N.loc; }
recent_opts(A) ::= recent_opts(R) HITS NUMBER(N). { A = R; A->n1 = num(ctx, N); }
recent_opts(A) ::= recent_opts(R) SECONDS NUMBER(N). { A = R; A->n2 = num(ctx, N); A->has_n2 = true; }
recent_opts(A) ::= recent_opts(R) SET. { A = R; A->recent = RECENT_SET; }
recent_opts(A) ::= recent_opts(R) UPDATE. { A = R; A->recent = RECENT_UPDATE; }
recent_opts(A) ::= recent_opts(R) CHECK. { A = R; A->recent = RECENT_CHECK; }
recent_opts(A) ::= recent_opts(R) REMOVE. { A = R; A->recent = RECENT_REMOVE; }
