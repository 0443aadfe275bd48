/*
 * backend.h: the one interface between the IR and the output formats.
 * Each backend is one file and reads only the IR. A backend that meets
 * something its target cannot express queues a located error and returns
 * -1; the caller then writes nothing.
 */
#ifndef FWC_BACKEND_H
#define FWC_BACKEND_H

#include <stdio.h>

#include "ir.h"

/* For the kernel referee: every rule's comment ends in " #ID" (its IR
 * rule id) and nft rules get a counter, so hits map back to IR rules. */
extern bool backend_rule_ids;

/* nft: one `table inet fwc`, replaced atomically in one transaction. */
int nft_emit(FILE *out, const struct ir *ir);
/* iptables-restore (family 4) or ip6tables-restore (family 6) text. */
int ipt_emit(FILE *out, const struct ir *ir, int family);
/* `ipset restore` text for the named sets the iptables output uses. */
int ipset_emit(FILE *out, const struct ir *ir);
/* The ipset name of a named set ("fwc-blocklist-4"); buf >= 32 bytes. */
void ipset_name(char *buf, size_t n, const struct ir_set *s);

/* BPF/XDP: the placement of the policy's certain drops in fwc's XDP
 * program, as DIR/xdp.img, with DIR/nft.fw (nft, the text given) and
 * DIR/placement.txt, also written to report (NULL: not). -1 with a
 * message on stderr; then no xdp.img is written. */
struct xdp_opts;
extern const struct xdp_opts bpf_default_opts;
int bpf_compile(const struct ir *ir, const char *dir, const char *nft, size_t nftlen,
		FILE *report, bool ct_any);

#endif
