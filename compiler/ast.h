/*
 * ast.h: the syntax tree the parser builds, one node kind per construct.
 *
 * Nodes live in the parse arena; names point to NUL-terminated arena
 * copies of token text. Every node carries the location it came from.
 */
#ifndef FWC_AST_H
#define FWC_AST_H

#include "arena.h"
#include "source.h"

/* Tables and hooks are shared with the IR. */
/* kernel order at a hook: raw, mangle, nat (prerouting/output), filter,
 * security; the importer alone produces TBL_SECURITY */
enum fwc_table { TBL_RAW, TBL_MANGLE, TBL_NAT, TBL_FILTER, TBL_SECURITY, TBL_MAX };
enum fwc_hook {
	HOOK_PREROUTING, HOOK_INPUT, HOOK_FORWARD, HOOK_OUTPUT,
	HOOK_POSTROUTING, HOOK_MAX,
	HOOK_NONE = HOOK_MAX,        /* user chain */
};

struct token {
	int kind;                    /* TK_* from the parser */
	const char *s;               /* into the source text */
	uint32_t len;
	struct loc loc;
};

enum av_kind {
	AV_ADDR,       /* text: "192.0.2.0/24", "2001:db8::1" */
	AV_RANGE,      /* text: lo, text2: hi */
	AV_NAME,       /* a define, set, zone or interface name */
	AV_SETREF,     /* @name */
	AV_LIST,       /* { child, child->next, ... } */
	AV_NOT,        /* not child */
};

struct ast_val {
	enum av_kind kind;
	struct loc loc;
	const char *text, *text2;
	int port;                    /* -1: none; "to 192.0.2.1:8080" */
	struct ast_val *child;
	struct ast_val *next;        /* next list element */
};

struct ast_port {                    /* port or port range */
	uint32_t lo, hi;
	struct loc loc;
	struct ast_port *next;
};

struct ast_svc {                     /* "tcp 80, 443" within a service */
	const char *proto;
	struct loc proto_loc;
	struct ast_port *ports;      /* NULL: every port of proto */
	struct ast_svc *next;
};

enum term_kind {
	TM_FROM, TM_TO, TM_TO_PORT, TM_SOURCE, TM_DEST, TM_SERVICE, TM_PROTO,
	TM_SPORT, TM_DPORT, TM_ICMP, TM_ICMPV4, TM_ICMPV6, TM_STATE, TM_IN,
	TM_OUT, TM_MARK, TM_CONNMARK, TM_UID, TM_TCPFLAGS, TM_FRAGMENT,
	TM_RATE, TM_CONNLIMIT, TM_RECENT, TM_NTH, TM_WITH, TM_PREFIX,
	TM_LEVEL,
};

enum per_kind { PER_NONE, PER_SOURCE, PER_DEST };

enum recent_mode { RECENT_UPDATE, RECENT_SET, RECENT_CHECK, RECENT_REMOVE };

struct ast_term {
	enum term_kind kind;
	struct loc loc;              /* the whole term */
	bool neg;
	struct ast_val *val, *val2;  /* addresses, names, tcp flags */
	struct ast_port *ports;
	struct ast_svc *svc;         /* inline service: "service tcp 8080" */
	uint64_t n1, n2, n3;         /* mark/mask, rate/burst, nth, ... */
	bool has_n2;
	const char *word;            /* rate unit, icmp type, reject kind, ... */
	struct loc word_loc;
	enum per_kind per;
	enum recent_mode recent;
	struct ast_term *next;
};

enum act_kind {
	ACT_ACCEPT, ACT_DROP, ACT_REJECT, ACT_LOG, ACT_MARK, ACT_CONNMARK,
	ACT_JUMP, ACT_GOTO, ACT_RETURN, ACT_MASQUERADE, ACT_SNAT, ACT_DNAT,
	ACT_REDIRECT, ACT_CLAMP_MSS, ACT_NOTRACK,
	ACT_OTHER,                   /* imported target fwc does not model */
};

enum connmark_op { CM_SET, CM_SAVE, CM_RESTORE };

struct ast_rule {
	struct loc loc;              /* the action word */
	enum act_kind act;
	uint64_t mark, mask;         /* mark/connmark set; mask 0: none */
	enum connmark_op cm;
	const char *target;          /* jump/goto chain */
	struct loc target_loc;
	struct ast_term *terms;
	struct ast_rule *next;
};

enum stmt_kind {
	ST_INCLUDE, ST_DEFINE, ST_SET, ST_SERVICE, ST_ZONE, ST_POLICY,
	ST_MANAGEMENT, ST_BLOCK, ST_IMPLICIT,
};

enum svc_source { SVC_INLINE, SVC_ETC, SVC_FIREWALLD };

struct ast_stmt {
	enum stmt_kind kind;
	struct loc loc;              /* the keyword */
	const char *name;            /* define/set/service/zone/chain name */
	struct loc name_loc;
	struct ast_val *val;         /* define value, set elements */
	const char *path;            /* include/set file, firewalld name */
	struct loc path_loc;
	struct ast_svc *svc;         /* inline service */
	enum svc_source svc_src;
	struct ast_val *ifaces, *networks;   /* zone */
	enum fwc_table table;        /* block, policy */
	enum fwc_hook hook;          /* block (HOOK_NONE: user chain/nat) */
	bool nat_any;                /* "nat { }": hook chosen per rule */
	enum act_kind policy;        /* policy */
	struct ast_term *terms;      /* management */
	struct ast_rule *rules;      /* block */
	bool on;                     /* implicit */
	struct ast_val *hooks;       /* implicit: names of hooks, NULL = all */
	bool broken;                 /* had a syntax error: skip follow-ups */
	struct ast_stmt *next;
};

struct ast_file {
	struct ast_stmt *head, **tail;
};

#endif
