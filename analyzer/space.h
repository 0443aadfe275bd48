/*
 * space.h: the packet space as BuDDy BDDs.
 *
 * One boolean variable per bit of every field a rule can test. Fields the
 * rules may rewrite on the way (mark, connmark, conntrack state, output
 * interface, destination address and port) have two copies: "cur", what
 * the next rule sees, and "orig", the packet as it entered the firewall.
 * A set over both copies is a relation between incoming packets and what
 * they have become, so a witness found deep in the pipeline can always be
 * written as the packet to send.
 *
 * Variable order, top first: family, interfaces, uid, protocol, state,
 * fragment, tcp flags, icmp type, source, ports, destination, marks.
 * Copies are interleaved bit by bit (orig just above cur), which keeps the
 * "orig == cur" relation linear. Addresses and ports are most significant
 * bit first, so a prefix or a port range is a short path.
 *
 * Every BDD a caller keeps holds a reference: the functions here return
 * referenced BDDs (the caller calls bdd_delref when done).
 */
#ifndef FWC_SPACE_H
#define FWC_SPACE_H

#include <bdd.h>

#include "ir.h"
#include "trace.h"

struct field {
	int bits;
	int cur;       /* variable of the most significant bit; bit i (MSB
			  first) is var cur + i * stride */
	int orig;      /* -1: no copy */
	int stride;    /* 1; 2 interleaved with its copy; 4 for the marks */
};

enum fld {
	F_FAM, F_IIF, F_OIF, F_UID, F_PROTO, F_STATE, F_FRAG, F_TCPFLAGS,
	F_ICMP, F_MARK, F_CTMARK, F_SADDR, F_DADDR, F_SPORT, F_DPORT, F_MAX,
};

struct mcache_entry {
	const struct ir_match *m;
	uint64_t h;
	BDD b;
};

enum { SPACE_NPICK = 32 };

struct space {
	struct field f[F_MAX];
	int nvars;
	/* interface names: index 0 is "none", 1..n the names the IR uses,
	 * n + 1 "any other"; other_if is its printable name */
	const char **ifnames;
	size_t nif;
	char other_if[16];
	/* wildcard names ("eth+") the rules use; each has a representative
	 * concrete name among ifnames ("eth0" when no rule names it) */
	const char **wild;
	size_t nwild;
	char *wildrep;        /* 16 bytes per wildcard */
	/* uids: index 0 none, 1..n the resolved uids used, n + 1 another */
	long *uids;
	size_t nuid;
	long other_uid;
	/* cached BDDs (referenced) */
	bool marks_matter;     /* some rule tests a mark */
	BDD dom;               /* valid packets */
	BDD same;              /* orig == cur on every copied field */
	BDD curset;            /* the cur variables of copied fields */
	bddPair *cur2orig;     /* rename cur -> orig on copied fields */
	bddPair *orig2cur;     /* and back */
	bddPair *swap;         /* reply direction: cur fields to the orig
				  copies of the swapped ones */
	BDD volatile_set;      /* what a reply does not inherit */
	BDD pick[SPACE_NPICK]; /* space_pick's preferences, in order */
	size_t npick;
	BDD *setcache[2];      /* named sets per id: [0] source, [1] dest */
	struct mcache_entry *mcache;   /* shared matches (space_match) */
	size_t mcap;
	size_t nsetcache;
};

/* Lay out the variables for this IR and start BuDDy. One space at a time. */
void space_init(struct space *s, const struct ir *ir);
void space_done(struct space *s);

BDD bref(BDD b);           /* bdd_addref, for chaining */
/* a = op(a, b), releasing the old a. */
void band(BDD *a, BDD b);
void bor(BDD *a, BDD b);
void bdiff(BDD *a, BDD b);

/* field == v, field in [lo, hi] (cur copy, or the orig copy) */
BDD fld_eq(const struct space *s, enum fld f, u128 v, bool orig);
BDD fld_range(const struct space *s, enum fld f, u128 lo, u128 hi, bool orig);
/* field in set (cur copy); an address set (32 or 128 bits) also pins
 * the family; other fields take values below 2^bits */
BDD space_set(const struct space *s, enum fld f, const struct iset *set);
/* the packets of one family (4 or 6), referenced */
BDD fam_is(const struct space *s, int family);

/* index of an interface name (0 for "", nif + 1 for one not named) */
size_t space_if_index(const struct space *s, const char *name);

/* The packets one match accepts / a whole rule's condition. `may`: the
 * stateful and unknown matches count as matching (else as not matching,
 * so the result is what the rule matches for certain). */
BDD space_match(struct space *s, const struct ir_match *m, int family, bool may);
BDD space_rule(struct space *s, const struct ir_rule *r, bool may);
bool rule_is_stateful(const struct ir_rule *r);

/* Path domains (as trace.c picks the path from the interfaces). */
BDD space_path(const struct space *s, enum path p);
/* What the rule's action does to the packets in x (x not released). */
BDD space_apply(struct space *s, const struct ir_rule *r, BDD x);
/* Forget the cur copies: the incoming packets of a relation. */
BDD space_orig(const struct space *s, BDD x);
/* A condition on cur fields, moved to the orig copies. */
BDD space_to_orig(const struct space *s, BDD x);
/* The replies of packets x (their cur fields), as incoming packets in
 * state established (orig copies and shared fields). */
BDD space_reply(const struct space *s, BDD x);

/* The one packet p (cur copies). */
BDD space_packet(const struct space *s, const struct packet *p);

/* One packet of x (x non-empty), preferring ordinary-looking values; the
 * incoming packet (orig copies). */
void space_pick(const struct space *s, BDD x, struct packet *p);

#endif
