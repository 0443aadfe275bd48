// SPDX-License-Identifier: GPL-2.0
/*
 * fwc_xdp.bpf.c: fwc's XDP dataplane. Fixed code; the policy is the
 * contents of the maps below (layouts in fwc_xdp.h). It may only drop what
 * the compiler proved the whole policy drops; everything else goes on to
 * the stack and nft.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fwc_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwc_conf);
} fwc_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWC_MAX_CLASSES);
	__type(key, __u32);
	__type(value, struct fwc_bits);
} fwc_classes SEC(".maps");

#define CLASS_ARRAY(name, n)                        \
	struct {                                    \
		__uint(type, BPF_MAP_TYPE_ARRAY);   \
		__uint(max_entries, n);             \
		__type(key, __u32);                 \
		__type(value, __u32);               \
	} name SEC(".maps")

CLASS_ARRAY(fwc_base, 512);
CLASS_ARRAY(fwc_sport, 65536);
CLASS_ARRAY(fwc_dport, 65536);
CLASS_ARRAY(fwc_tcpflags, 256);
CLASS_ARRAY(fwc_icmp, 512);

#define LPM(name, keytype)                                  \
	struct {                                            \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);        \
		__uint(max_entries, FWC_MAX_PREFIXES);      \
		__uint(map_flags, BPF_F_NO_PREALLOC);       \
		__type(key, keytype);                       \
		__type(value, __u32);                       \
	} name SEC(".maps")

LPM(fwc_src4, struct fwc_lpm4);
LPM(fwc_dst4, struct fwc_lpm4);
LPM(fwc_src6, struct fwc_lpm6);
LPM(fwc_dst6, struct fwc_lpm6);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWC_MAX_RULES);
	__type(key, __u32);
	__type(value, __u32);
} fwc_action SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWC_HIT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} fwc_hits SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&fwc_hits, &slot);
	if (c)
		*c += 1;
}

static __always_inline int unparsed(void)
{
	count(FWC_HIT_UNPARSED);
	return XDP_PASS;
}

/* index of the lowest set bit of x (x != 0) */
static __always_inline __u32 lowbit(__u64 x)
{
	__u32 n = 0;
	x &= -x;
	if (!(x & 0xffffffffULL)) { n += 32; x >>= 32; }
	if (!(x & 0xffffULL))     { n += 16; x >>= 16; }
	if (!(x & 0xffULL))       { n += 8;  x >>= 8; }
	if (!(x & 0xfULL))        { n += 4;  x >>= 4; }
	if (!(x & 0x3ULL))        { n += 2;  x >>= 2; }
	if (!(x & 0x1ULL))        { n += 1; }
	return n;
}

static __always_inline struct fwc_bits *class_of(void *map, const void *key)
{
	__u32 *c = bpf_map_lookup_elem(map, key);
	__u32 all = FWC_CLASS_ALL;
	return bpf_map_lookup_elem(&fwc_classes, c ? c : &all);
}

static __always_inline int has_ports(__u8 p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_DCCP ||
	       p == IPPROTO_SCTP || p == IPPROTO_UDPLITE;
}

/* IPv6 next headers that are extension headers (or none): the program
 * does not walk them; such packets go to the stack unclassified. */
static __always_inline int ipv6_ext(__u8 nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 50 || nh == 51 ||
	       nh == 59 || nh == 60 || nh == 135 || nh == 139 || nh == 140 ||
	       nh == 253 || nh == 254;
}

SEC("xdp")
int fwc_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return unparsed();
	__u32 zero = 0;
	struct fwc_conf *conf = bpf_map_lookup_elem(&fwc_conf, &zero);
	if (!conf)
		return unparsed();


	__u32 fam;
	__u8 proto;
	void *l4;
	struct fwc_bits *bs, *bd;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return unparsed();
		__u32 ihl = ip->ihl;
		if (ihl < 5 || ip->version != 4)
			return unparsed();
		/* any fragment: MF set or an offset */
		if (ip->frag_off & bpf_htons(0x3fff))
			return unparsed();
		fam = 0;
		proto = ip->protocol;
		l4 = (void *)ip + ihl * 4;
		struct fwc_lpm4 k = { .prefixlen = 32 };
		__builtin_memcpy(k.addr, &ip->saddr, 4);
		bs = class_of(&fwc_src4, &k);
		__builtin_memcpy(k.addr, &ip->daddr, 4);
		bd = class_of(&fwc_dst4, &k);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return unparsed();
		if (ip6->version != 6 || ipv6_ext(ip6->nexthdr))
			return unparsed();
		fam = 1;
		proto = ip6->nexthdr;
		l4 = ip6 + 1;
		struct fwc_lpm6 k = { .prefixlen = 128 };
		__builtin_memcpy(k.addr, &ip6->saddr, 16);
		bs = class_of(&fwc_src6, &k);
		__builtin_memcpy(k.addr, &ip6->daddr, 16);
		bd = class_of(&fwc_dst6, &k);
	} else {
		return unparsed();
	}

	if (conf->nrules == 0) {
		count(FWC_HIT_NOMATCH);
		return XDP_PASS;
	}
	__u32 key = fam * 256 + proto;
	struct fwc_bits *bb = class_of(&fwc_base, &key);
	__u32 all = FWC_CLASS_ALL;
	struct fwc_bits *bsp, *bdp, *bfl, *bic;
	bsp = bdp = bfl = bic = bpf_map_lookup_elem(&fwc_classes, &all);
	if (has_ports(proto)) {
		__u8 *p = l4;
		if ((void *)(p + 4) > end)
			return unparsed();
		__u32 sp = ((__u32)p[0] << 8) | p[1];
		__u32 dp = ((__u32)p[2] << 8) | p[3];
		bsp = class_of(&fwc_sport, &sp);
		bdp = class_of(&fwc_dport, &dp);
		if (proto == IPPROTO_TCP) {
			if ((void *)(p + 14) > end)
				return unparsed();
			__u32 fl = p[13];
			bfl = class_of(&fwc_tcpflags, &fl);
		}
	} else if ((fam == 0 && proto == IPPROTO_ICMP) ||
		   (fam == 1 && proto == IPPROTO_ICMPV6)) {
		__u8 *p = l4;
		if ((void *)(p + 1) > end)
			return unparsed();
		__u32 t = fam * 256 + p[0];
		bic = class_of(&fwc_icmp, &t);
	}
	if (!bb || !bs || !bd || !bsp || !bdp || !bfl || !bic)
		return unparsed();   /* cannot happen: class 0 always exists */

	/* words where every field has some rule, lowest first */
	__u64 cand = bb->sum & bs->sum & bd->sum & bsp->sum & bdp->sum &
		     bfl->sum & bic->sum;
	for (int i = 0; i < FWC_MAX_WORDS && cand; i++) {
		__u32 w = lowbit(cand) & (FWC_MAX_WORDS - 1);
		cand &= cand - 1;
		__u64 x = bb->w[w] & bs->w[w] & bd->w[w] & bsp->w[w] &
			  bdp->w[w] & bfl->w[w] & bic->w[w];
		if (!x)
			continue;
		__u32 rule = w * 64 + lowbit(x);
		__u32 *act = bpf_map_lookup_elem(&fwc_action, &rule);
		count(rule);
		if (act && *act == FWC_ACT_DROP)
			return XDP_DROP;
		return XDP_PASS;
	}
	count(FWC_HIT_NOMATCH);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
