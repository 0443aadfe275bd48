/*
 * lint.h: the analyzer's findings and the checks that produce them.
 *
 * analyze() (analyzer/analyze.c) walks the IR over an exact packet space
 * (analyzer/space.c, BuDDy) and appends findings; the report writers
 * (analyzer/report.c) render them as text, JSON, JUnit XML or SARIF.
 * A finding is *certain* when it holds whatever the stateful matches
 * (rate, connlimit, recent, nth) and unknown imported matches do, and
 * *possible* otherwise (reported one severity lower).
 */
#ifndef FWC_LINT_H
#define FWC_LINT_H

#include <stdio.h>

#include "diag.h"
#include "ir.h"
#include "trace.h"

enum lint_check {
	CHK_SHADOWED,
	CHK_REDUNDANT,
	CHK_EMPTY_MATCH,
	CHK_MARK_ORDER,
	CHK_MARK_OVERWRITTEN,
	CHK_NAT_BYPASS,
	CHK_LOCKOUT,
	CHK_UNUSED,
	CHK_UNREACHABLE_CHAIN,
	CHK_UNKNOWN_MATCH,
	CHK_MAX,
};

struct space;

struct lint_check_info {
	const char *id;             /* stable: "shadowed" */
	enum diag_sev sev;          /* default severity of a certain finding */
	const char *summary;        /* one line, for SARIF rules and --help */
};

extern const struct lint_check_info lint_checks[CHK_MAX];
/* CHK_MAX when unknown. */
enum lint_check lint_check_by_id(const char *id);

struct lint_related {
	struct loc loc;             /* .file NULL: generated (see msg) */
	char *role;                 /* "covering", "marks", "cuts", ... */
	char *msg;                  /* human text: "drops it first" */
};

struct lint_witness {
	char packet[256];           /* packet syntax, fwc trace accepts it */
	struct loc rule;            /* the rule the packet hits (its first
				       match in the chain concerned) */
	const char *chain;          /* that rule's chain */
	enum fwc_table table;
	bool rule_is_policy;        /* the chain's policy decides */
};

struct lint_finding {
	enum lint_check check;
	enum diag_sev sev;
	bool certain;
	char *msg;
	struct loc loc;             /* .file NULL: whole policy (see msg) */
	struct lint_related *rel;
	size_t nrel, caprel;
	bool has_witness;
	struct lint_witness witness;
	size_t rule_id;             /* IR rule id, or (size_t)-1 */
	bool dead;                  /* says the rule never matches */
};

struct lint_result {
	struct lint_finding *f;
	size_t n, cap;
	/* with --witness: one packet for every reachable rule */
	struct lint_witness *reach;
	size_t nreach, capreach;
	size_t rules_analyzed;
	const char *policy;         /* the top file, for findings of no line */
	/* per IR rule id: some packet reaches it and matches (may) */
	bool *rule_hit;
	/* checks turned off (-Wno-): left out of the JUnit report, where
	 * every other check is a test suite, passing when it found nothing */
	bool disabled[CHK_MAX];
};

struct lint_opts {
	bool enabled[CHK_MAX];      /* -W / -Wno- */
	bool witness;               /* --witness */
	bool gate;                  /* compile's check: the management and
				       loopback packets only (lockout) */
	bool has_ssh_client;        /* --ssh-client ADDR[:PORT] */
	int ssh_family;
	u128 ssh_addr;
	int ssh_port;               /* -1: any source port */
	/* tests: analyse only these packets (the exactness test compares
	 * with a brute-force trace of each); NULL: every packet */
	const struct packet *universe;
	size_t nuniverse;
	/* tests: analyse only the packets of the BDD this returns (over the
	 * cur variables of the space it is given; see analyzer/space.h), e.g.
	 * what the kernel referee's test network can send */
	int (*restrict_fn)(const struct space *s, void *ctx);
	void *restrict_ctx;
};

void lint_opts_default(struct lint_opts *o);

/* Run every enabled check; findings in source order. Returns 0, or -1
 * when the analysis could not run (message queued as a diagnostic). */
int analyze(const struct ir *ir, const struct lint_opts *o,
	    struct lint_result *res);
void lint_result_release(struct lint_result *res);

/* Adding findings (used by the checks). */
struct lint_finding *lint_add(struct lint_result *res, enum lint_check c,
			      bool certain, const struct loc *loc,
			      const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void lint_related_add(struct lint_finding *f, const struct loc *loc,
		      const char *role, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- the zone matrix (fwc graph --kind zones) ---- */

enum zm_kind { ZN_ZONE, ZN_IFACE, ZN_OTHER, ZN_SELF };

struct zm_node {
	const char *name;
	enum zm_kind kind;
	const struct ir_zone *zone;     /* ZN_ZONE */
};

/* One protocol and destination port interval a new connection may use
 * (a protocol without ports: 0-65535); full when every such packet
 * between the two nodes is accepted (for certain), else only some
 * (some sources or destinations, some states of a stateful match). */
struct zm_item {
	int proto;
	uint16_t lo, hi;
	bool full;
};

struct zm_edge {
	size_t from, to;                /* node indices */
	struct zm_item *it;             /* by protocol, then port */
	size_t n, cap;
	bool v4, v6;                    /* families possible between them */
};

struct zmatrix {
	struct zm_node *node;           /* the zones (or interfaces), self last */
	size_t nnode, capnode;
	struct zm_edge *e;              /* the pairs with something allowed */
	size_t ne, cape;
};

/* Which new connections the policy accepts between its zones (a dump:
 * its interfaces), from the exact packet space: the from side as the
 * packet came in, the to side and the service after the rewrites (so a
 * port forward shows at its target). Returns 0, or -1 (diagnostic). */
int analyze_matrix(const struct ir *ir, struct zmatrix *zm);

/* The packet space after the walk, for the XDP placement (analyzer/xdp.c).
 * What a packet coming in may get, in orig terms (see space.h): */
struct ingress {
	int kept;       /* accepted or rejected by the input or forward path */
	int free;       /* the states any packet can be in: all of them, or
			   (ct_policy) new, invalid, untracked */
	int est[4];     /* ct_policy: where a packet can be established: the
			   union of these (each in state established) */
	size_t nest;
	int rel;        /* where a packet can be related (state related) */
	const int *hit; /* per rule id: the packets it is first to match
			   (may; a relation) */
};
/* fn's return is returned; the space lives until fn returns. ct_policy:
 * a packet can be established or related only as far as this policy's
 * own accepted connections make it so (see xdp.h). */
typedef int (*ingress_fn)(struct space *s, const struct ingress *ig, void *ctx);
int analyze_ingress(const struct ir *ir, bool ct_policy, ingress_fn fn, void *ctx);
void zmatrix_release(struct zmatrix *zm);

/* Address classes of a dump for one service (like fffuu's service
 * matrix): the addresses split into classes whose members are treated
 * alike, as sources and as destinations, for new forwarded connections
 * of that protocol and destination port; edge[i * n + j]: class i may
 * open such connections to class j. */
struct zm_class {
	struct iset ranges;             /* its first 64 ranges */
	bool more;                      /* and more than those */
	double size;                    /* addresses in it */
};

struct zclasses {
	int family, proto;
	unsigned port;
	struct zm_class *cls;
	size_t n;
	bool *edge;
};

int analyze_classes(const struct ir *ir, int proto, unsigned port, struct zclasses *zc);
void zclasses_release(struct zclasses *zc);

/* ---- report.c ---- */

/* Drop findings suppressed by a "# fwc-ignore: CHECK[, CHECK...]" comment
 * (or "# fwc-ignore" alone: every check) on the finding's line or on the
 * line before it. Returns how many were dropped. */
size_t lint_suppress(struct lint_result *res);

enum lint_format { LF_TEXT, LF_JSON, LF_JUNIT, LF_SARIF };

/* Render every finding. text goes through the diagnostic printer (carets,
 * related locations with ~~~, colour when `color`). Returns 0, or -1 on a
 * write error (errno set). */
int lint_write(FILE *out, enum lint_format fmt, const struct lint_result *res,
	       bool color);

#endif
