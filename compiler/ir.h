/*
 * ir.h: the intermediate representation at the centre of fwc.
 *
 * tables -> chains -> ordered rules with typed matches. The DSL lowering
 * (frontend.c) and the iptables-save importer produce it; the analyzer, the
 * simulator and every backend read it and nothing else. Named sets stay sets
 * (per family) so backends can emit ipsets, nft sets or BPF maps.
 *
 * Invariants the lowering guarantees (backends may rely on them):
 *  - a rule's family is 0 (both), 4 or 6; address matches agree with it;
 *  - M_SADDR/M_DADDR/M_SPORT/M_DPORT hold normalized, non-empty, positive
 *    sets (negation is applied during lowering), at most one of each;
 *  - port and tcp-flags matches come with an M_PROTO match before them;
 *  - M_ICMP_TYPE comes with family 4 or 6 and its M_PROTO.
 */
#ifndef FWC_IR_H
#define FWC_IR_H

#include <stdio.h>

#include "ast.h"
#include "iset.h"

enum ir_mkind {
	M_IIF, M_OIF,          /* names[], neg */
	M_SADDR, M_DADDR,      /* set (32 or 128 bits) */
	M_SSET, M_DSET,        /* named set, neg */
	M_PROTO,               /* proto */
	M_SPORT, M_DPORT,      /* set (16 bits) */
	M_ICMP_TYPE,           /* icmp_type (per family) */
	M_CTSTATE,             /* state bits */
	M_MARK, M_CONNMARK,    /* value, mask, neg */
	M_UID,                 /* str */
	M_TCPFLAGS,            /* (flags & mask) == value */
	M_FRAGMENT,            /* non-first fragment (IPv4) */
	M_LIMIT,               /* rate/unit burst per */
	M_CONNLIMIT,           /* count per */
	M_RECENT,              /* str (list name), recent mode, n1 hits, n2 s */
	M_NTH,                 /* n1 every, n2 packet */
	M_UNKNOWN,             /* importer: str is the iptables text as
				  written ("-m mac --mac-source ..."),
				  module what it is ("mac"), nft its nft
				  translation or NULL */
};

enum ct_state_bit {
	CT_NEW = 1, CT_ESTABLISHED = 2, CT_RELATED = 4, CT_INVALID = 8,
	CT_UNTRACKED = 16,
};

enum tcp_flag_bit {
	TCPF_FIN = 1, TCPF_SYN = 2, TCPF_RST = 4, TCPF_PSH = 8, TCPF_ACK = 16,
	TCPF_URG = 32, TCPF_ECE = 64, TCPF_CWR = 128,
};

enum rate_unit { RATE_SECOND, RATE_MINUTE, RATE_HOUR, RATE_DAY };

struct ir_set {
	const char *name;      /* as the user wrote it: "blocklist" */
	int family;            /* 4 or 6 */
	struct iset elems;
	struct loc loc;
	bool builtin;
	size_t id;
};

struct ir_match {
	enum ir_mkind kind;
	bool neg;
	struct iset set;
	struct ir_set *named;
	const char **names;
	size_t nnames;
	int proto;
	int icmp_type;
	uint32_t state;
	uint32_t value, mask;
	const char *str;
	uint32_t rate, burst;
	enum rate_unit unit;
	enum per_kind per;
	enum recent_mode recent;
	uint32_t n1, n2;
	const char *module;    /* M_UNKNOWN */
	const char *nft;       /* M_UNKNOWN */
};

struct ir_chain;

/* ACT_OTHER: a target fwc does not model; what it does to the verdict. */
enum other_verdict { OV_CONTINUE, OV_ACCEPT, OV_DROP };

enum log_flag_bit {
	LOGF_TCP_SEQ = 1, LOGF_TCP_OPT = 2, LOGF_IP_OPT = 4, LOGF_UID = 8,
	LOGF_MAC = 16,
};

struct ir_action {
	enum act_kind kind;
	uint32_t mark, mask;           /* MARK/CONNMARK set: mask 0xffffffff
					  when the user gave none */
	enum connmark_op cm;
	struct ir_chain *target;       /* jump/goto */
	const char *log_prefix;        /* NULL: none */
	int log_level;                 /* syslog level 0-7, -1: default */
	const char *reject_with;       /* canonical: "port-unreachable", ... */
	bool has_addr;                 /* snat/dnat target */
	u128 addr;
	int port_lo, port_hi;          /* -1: none (dnat/redirect port) */
	unsigned log_flags;            /* LOGF_* */
	const char *text;              /* ACT_OTHER: iptables target text */
	const char *nft;               /* ACT_OTHER: nft statement or NULL */
	enum other_verdict ov;         /* ACT_OTHER */
};

struct ir_rule {
	struct loc loc;                /* the DSL rule or dump line */
	const char *origin;            /* non-NULL: generated ("implicit: ...") */
	const char *comment;           /* the user's comment (imported) */
	int family;                    /* 0, 4, 6 */
	struct ir_match *m;
	size_t nm, capm;
	struct ir_action act;
	size_t id;                     /* index in the whole IR, stable */
};

struct ir_chain {
	const char *name;              /* nft/iptables name, unique in the IR */
	const char *ipt_name;          /* imported: the dump's name, when
					  name had to differ (NULL: name) */
	enum fwc_table table;
	enum fwc_hook hook;            /* HOOK_NONE for user/zone chains */
	enum act_kind policy;          /* base chains: ACCEPT or DROP */
	const char *zone;              /* zone dispatch chains */
	struct loc loc;
	struct ir_rule **rules;
	size_t n, cap;
	bool used;                     /* referenced by a jump/goto/dispatch */
};

/* A name the policy defines (zone, set, service, define), for `unused`. */
struct ir_def {
	const char *kind;              /* "zone", "set", ... */
	const char *name;
	struct loc loc;
	bool used;
};

/* A zone the policy declares (for the zone graph): its interfaces and,
 * when it has them, its networks. */
struct ir_zone {
	const char *name;
	const char **ifaces;           /* arena */
	size_t nifaces;
	bool has_net;
	struct iset net4, net6;
	struct loc loc;
};

/* A service the policy names (declared, or from /etc/services or
 * firewalld), with its ports: names for the zone graph's labels. */
struct ir_service {
	const char *name;
	struct { int proto; uint16_t lo, hi; bool any_port; } *p;   /* arena */
	size_t np;
	bool declared;                 /* a `service` statement */
};

struct ir {
	struct arena arena;
	struct arena ast_arena;        /* names the IR points into */
	struct ir_chain **chains;      /* kernel order, see ir_sort() */
	size_t nchains, capchains;
	struct ir_set **sets;
	size_t nsets, capsets;
	size_t nrules;
	/* `management` declarations, lowered like rules (action accept) but
	 * in no chain: what the lockout check must find still allowed. */
	struct ir_rule **mgmt;
	size_t nmgmt, capmgmt;
	struct ir_def *defs;
	size_t ndefs, capdefs;
	struct ir_zone *zones;         /* declaration order */
	size_t nzones, capzones;
	struct ir_service *svcs;       /* declared first, then by name */
	size_t nsvcs, capsvcs;
	const char *source;            /* top file, for headers */
	int family;                    /* 0: both; 4 or 6: an imported dump,
					  which governs that family only */
	char bogons_date4[32], bogons_date6[32];   /* registry dates, if used */
};

struct ir *ir_new(void);
void ir_free(struct ir *ir);
struct ir_chain *ir_chain_add(struct ir *ir, const char *name,
			      enum fwc_table table, enum fwc_hook hook);
struct ir_chain *ir_chain_find(struct ir *ir, enum fwc_table table,
			       const char *name);
struct ir_rule *ir_rule_add(struct ir *ir, struct ir_chain *c,
			    const struct loc *loc);
struct ir_match *ir_match_add(struct ir_rule *r, enum ir_mkind kind);
/* Free a rule's matches (the rule itself lives in the arena). */
void ir_rule_release(struct ir_rule *r);
const struct ir_match *ir_rule_match(const struct ir_rule *r,
				     enum ir_mkind kind);
struct ir_set *ir_set_add(struct ir *ir, const char *name, int family,
			  const struct loc *loc);
/* Order chains: tables raw, mangle, nat, filter; base chains in hook order
 * first, then the others in creation order. Renumbers rule ids. */
void ir_sort(struct ir *ir);
bool ir_table_used(const struct ir *ir, enum fwc_table t);
bool ir_rule_terminal(const struct ir_rule *r);
/* An empty address or port set, no conntrack state: conditions that
 * exclude each other (an imported rule can have them). Backends write
 * no such rule: it matches nothing. */
bool ir_rule_never(const struct ir_rule *r);

const char *table_name(enum fwc_table t);
const char *hook_name(enum fwc_hook h);
const char *act_name(enum act_kind a);
const char *ct_state_name(uint32_t bit);
const char *tcp_flag_name(uint32_t bit);
const char *rate_unit_name(enum rate_unit u);
const char *log_level_name(int level);

/* icmp type names: returns the number or -1. */
int icmp_type_by_name(int family, const char *name);
const char *icmp_type_name(int family, int type);

void ir_dump(FILE *out, const struct ir *ir);
/* The same without locations and rule ids: what two IRs of the same
 * rules have in common (the importer's round trip compares these). */
void ir_dump_semantic(FILE *out, const struct ir *ir);
/* One match / one action in the dump's words (also used by trace). */
void ir_match_dump(FILE *out, const struct ir_match *m, int family);
void ir_action_dump(FILE *out, const struct ir_rule *r);

#endif
