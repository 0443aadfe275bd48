/*
 * xdp.h: what of a policy fwc's XDP program may do, decided on the packet
 * space (analyzer/xdp.c), and the rules it becomes (the BPF backend turns
 * them into map contents: backends/bpf.c).
 *
 * XDP runs before conntrack, NAT and every nft chain, on one device's
 * incoming frames, and sees only the header fields: family, interface,
 * addresses, protocol, ports, tcp flags, icmp type. So it may drop a
 * packet only when the whole policy drops it whatever the fields it cannot
 * see hold (conntrack state, marks, the output interface the route picks,
 * rate limits): D below. Everything else passes to the stack, where the
 * full policy (nft) still decides.
 *
 * The plan is a first-match list of XDP rules ("boxes": per field a set of
 * values), each belonging to one decision ("item") about one policy rule,
 * or about the drop policies. For each DROP rule the policy has on the
 * ingress paths, in order: its condition on the visible fields, less what
 * earlier XDP rules take, must lie in D; if part of it does not (packets
 * the policy may accept), that part is excluded by PASS rules placed
 * before it, when it can be written as a few; otherwise the rule stays in
 * nft alone. Then what D holds beyond the placed rules (packets no accept
 * rule can reach under a drop policy) is placed as the policies' own
 * rules, when it can be written as a bounded number of them. At the end
 * the drop set of the whole list, with the program's own reading of each
 * field, is computed and checked to lie in D; a plan that fails is never
 * written.
 */
#ifndef FWC_XDP_PLAN_H
#define FWC_XDP_PLAN_H

#include "ir.h"
#include "iset.h"
#include "trace.h"

/* the fields of a box; small ones are 16-bit sets of small values */
enum xfield {
	XF_IIF,     /* interface index: see xdp_plan_if_index() */
	XF_PROTO, XF_TCPFLAGS, XF_ICMP,
	XF_SADDR, XF_DADDR,     /* 32 bits (family 4) or 128 */
	XF_SPORT, XF_DPORT,
	XF_MAX,
};

enum xdp_act { XA_PASS = 0, XA_DROP = 1 };

struct xdp_box {
	int family;                 /* 4 or 6 */
	enum xdp_act act;
	size_t item;                /* index in plan->item */
	struct iset f[XF_MAX];
};

enum xdp_where {
	XW_XDP,        /* placed: dropped in XDP */
	XW_NFT,        /* left to nft alone */
};

struct xdp_item {
	const struct ir_rule *rule; /* NULL: the drop policies */
	const struct ir_chain *chain;
	enum xdp_where where;
	size_t ndrop, npass;        /* XDP rules it became */
	char why[800];
};

struct xdp_plan {
	struct xdp_box *box;
	size_t nbox, capbox;
	struct xdp_item *item;
	size_t nitem, capitem;
	/* the interface numbering: 0 none, 1..nif the names the policy
	 * uses (wildcard representatives among them), nif + 1 any other */
	char **ifname;
	size_t nif;
	char **wild;                /* "eth+" */
	size_t *wildidx;            /* its representative's index */
	size_t nwild;
	int family;                 /* the IR's: 0, or 4/6 for a dump */
	bool ct_any;                /* decided with xdp_opts.ct_any */
	size_t ninput;              /* drop rules considered */
};

struct xdp_opts {
	/* false (default): a packet can be in state established or related
	 * only as this policy's accepted connections make it (their later
	 * packets and replies, ICMP errors); true: any packet can (also
	 * those of connections an earlier policy let in) */
	bool ct_any;
	size_t max_rules;           /* XDP rule ids */
	size_t pass_budget;         /* PASS rules one exception may take */
	size_t policy_budget;       /* rules for the policies' part */
};

/* Decide; 0, or -1 with a message in err (nothing usable in plan). */
int xdp_plan_build(const struct ir *ir, const struct xdp_opts *lim,
		   struct xdp_plan *plan, char *err, size_t errlen);
void xdp_plan_release(struct xdp_plan *plan);

/* The interface index a device name has in the plan's numbering. */
size_t xdp_plan_if_index(const struct xdp_plan *plan, const char *name);

/* The program's decision for one packet arriving on device iif (the
 * reference for the tests): the XDP rule that takes it (first match, each
 * field read as the program reads it), or -1. */
long xdp_plan_classify(const struct xdp_plan *plan, const struct packet *p);

#endif
