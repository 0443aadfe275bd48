/*
 * trace.h: one packet through the IR, in kernel order.
 *
 * The simulator walks the hooks a packet crosses (prerouting, input or
 * forward, output, postrouting) and in each hook the tables in netfilter's
 * priority order (raw, mangle, nat, filter; nat's source rewriting after
 * filter), through user chains, jumps, gotos and returns, applying marks
 * and NAT rewrites on the way. Stateful matches (rate, connlimit, recent,
 * nth) and matches fwc does not understand get a stated assumption.
 */
#ifndef FWC_TRACE_H
#define FWC_TRACE_H

#include <stdio.h>

#include "ir.h"

struct packet {
	int family;                /* 4 or 6 */
	int proto;                 /* IP protocol number */
	u128 saddr, daddr;
	int sport, dport;          /* -1: not given (0 is assumed) */
	char iif[16], oif[16];     /* "" when absent */
	uint32_t state;            /* one CT_* bit; CT_NEW by default */
	uint32_t mark, ctmark;
	int icmp_type, icmp_code;  /* -1: not given */
	uint32_t tcpflags;         /* TCPF_*; SYN for a new TCP packet */
	bool fragment;
	long uid;                  /* -1: none (not locally generated) */
};

/* Parse "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0 state new".
 * On error returns -1 with a message and the byte span of the culprit. */
int packet_parse(const char *text, struct packet *p, char *err, size_t errlen,
		 size_t *err_off, size_t *err_len);
/* A file of packets, one a line (blank lines and # comments skipped):
 * *out (malloc'd) and *n. -1 with "FILE:LINE: message" (or the I/O
 * error) in err at the first line that is not a packet. */
int packet_file_read(const char *path, struct packet **out, size_t *n, char *err,
		     size_t errlen);
/* The packet as text, in the same syntax (canonical form). */
void packet_format(char *buf, size_t n, const struct packet *p);

enum assume { ASSUME_MATCH, ASSUME_NOMATCH };

struct trace_ifaddr {
	char name[16];
	int family;
	u128 addr;
};

struct trace_opts {
	enum assume rate;          /* rate/connlimit: under the limit = match */
	enum assume recent;        /* recent update/check: a hit = match */
	enum assume nth;           /* nth: this is the counted packet = match */
	enum assume unknown;       /* imported matches fwc cannot model */
	/* This host's address per interface and family, where known: a
	 * redirect sends the packet to the input interface's address. */
	const struct trace_ifaddr *ifaddrs;
	size_t nifaddrs;
};

/* "eth0=198.18.0.1" -> a; -1 on a malformed argument. */
int ifaddr_parse(const char *text, struct trace_ifaddr *a);

enum path { PATH_INPUT, PATH_FORWARD, PATH_OUTPUT };

/* The (hook, table) steps of a path in kernel order, ending with
 * { HOOK_MAX, TBL_MAX }. A redirect on the forward path continues with the
 * input path's steps after nat prerouting (index 3 on). */
struct hookstep {
	enum fwc_hook hook;
	enum fwc_table table;
};
const struct hookstep *path_steps(enum path p);
/* An interface name against a rule's name ("eth+": any name starting "eth"). */
bool ifname_match(const char *pat, const char *name);
/* The base chain of a table at a hook, or NULL. */
const struct ir_chain *base_chain(const struct ir *ir, enum fwc_table t,
				  enum fwc_hook h);

struct trace_step {
	enum fwc_table table;
	enum fwc_hook hook;
	const struct ir_chain *chain;
	const struct ir_rule *rule;   /* NULL: the chain's policy was used */
	char note[160];               /* what the rule did: "mark 0x3", ... */
};

struct trace_result {
	enum path path;
	struct trace_step *steps;
	size_t n, cap;
	enum act_kind verdict;        /* ACCEPT, DROP or REJECT */
	const struct ir_rule *verdict_rule;   /* NULL: a policy decided */
	const struct ir_chain *verdict_chain;
	struct packet final;          /* after marks and NAT */
	bool assumed_rate, assumed_recent, assumed_nth, assumed_unknown;
	bool nat_skipped;             /* not a new connection: NAT not consulted */
	char error[160];              /* non-empty: the trace could not finish */
};

void trace_packet(const struct ir *ir, const struct packet *p,
		  const struct trace_opts *o, struct trace_result *res);
void trace_result_release(struct trace_result *res);

void trace_print_text(FILE *out, const struct packet *p,
		      const struct trace_result *res, const struct trace_opts *o);
void trace_print_json(FILE *out, const struct packet *p,
		      const struct trace_result *res, const struct trace_opts *o);

const char *path_name(enum path p);

#endif
