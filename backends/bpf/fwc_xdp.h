/*
 * fwc_xdp.h: the contract between fwc's XDP program (fwc_xdp.bpf.c) and
 * its loader (backends/bpfload.c). Both include this file and nothing
 * else defines these layouts.
 *
 * The program is fixed; a policy is map contents. Classification is
 * first match over rule ids 0..nrules-1, done as lookups: each field of
 * the packet selects a *class*, a bitmap of the rule ids whose condition
 * on that field the packet meets; the AND of the bitmaps of every field
 * holds the rules that match, its lowest set bit is the first, and
 * fwc_action says what that rule does (drop, or pass to the kernel's
 * stack, where nft decides). No rule matching: pass.
 *
 * Fields and their maps (all lookups give a class index into fwc_classes):
 *   fwc_base   [family * 256 + protocol]   family 0 = IPv4, 1 = IPv6; the
 *                                          interface is folded in by the
 *                                          loader (one device per program)
 *   fwc_src4/fwc_dst4, fwc_src6/fwc_dst6  LPM tries on the addresses; every
 *                                          prefix's class also holds the
 *                                          rules of the shorter prefixes
 *                                          that contain it; /0 always there
 *   fwc_sport/fwc_dport [port]             protocols with ports only
 *                                          (tcp, udp, dccp, sctp, udplite)
 *   fwc_tcpflags [flags byte]              tcp only
 *   fwc_icmp   [family * 256 + type]       icmp (IPv4) and icmpv6 only
 * A field the packet does not have uses class FWC_CLASS_ALL (every bit
 * set): the rules that test it also test the protocol.
 *
 * What the program never classifies (passes as it is): non-IP frames,
 * VLAN-tagged frames, IPv4 fragments (first ones too: the stack
 * reassembles them before nft sees them), IPv6 with extension headers,
 * truncated headers.
 */
#ifndef FWC_XDP_H
#define FWC_XDP_H

#include <linux/types.h>

#define FWC_XDP_VERSION     1
/* Rule ids per program: 64 words of 64 bits. */
#define FWC_MAX_WORDS       64
#define FWC_MAX_RULES       (FWC_MAX_WORDS * 64)
/* Classes (distinct bitmaps) and LPM entries a program may hold; the
 * loader sizes each map to the image, up to these. */
#define FWC_MAX_CLASSES     65536
#define FWC_MAX_PREFIXES    1048576

#define FWC_CLASS_ALL       0      /* every rule id */

/* fwc_action values */
#define FWC_ACT_PASS        0
#define FWC_ACT_DROP        1

/* fwc_hits: per rule id, then these counters */
#define FWC_HIT_NOMATCH     (FWC_MAX_RULES + 0)   /* classified, no rule */
#define FWC_HIT_UNPARSED    (FWC_MAX_RULES + 1)   /* passed unclassified */
#define FWC_HIT_SLOTS       (FWC_MAX_RULES + 2)

struct fwc_bits {
	__u64 sum;                      /* bit i: w[i] != 0 */
	__u64 w[FWC_MAX_WORDS];
};

struct fwc_lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct fwc_lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

struct fwc_conf {
	__u32 version;                  /* FWC_XDP_VERSION */
	__u32 nrules;
	__u32 nwords;                   /* (nrules + 63) / 64 */
	__u32 pad;
};

#endif
