/*
 * xdpimg.h: the XDP map image: what fwc's XDP program's maps hold for one
 * policy (layouts in backends/bpf/fwc_xdp.h), built from the placement
 * (analyzer/xdp.h), written by `fwc compile -t bpf` as DIR/xdp.img and
 * read back by the loader. The text format is documented in docs/bpf.md;
 * in short, one line per entry:
 *
 *   fwc-xdp-image 1
 *   source FILE                       the policy
 *   rules N                           rule ids 0..N-1
 *   rule ID drop|pass WHERE...        its action, the policy rule (file:line)
 *   iface INDEX NAME                  the interface numbering of `base`
 *   wild PATTERN INDEX                a name only "eth+" matches: INDEX
 *   other INDEX                       any other name
 *   classes N WORDS                   bitmaps of rule ids, WORDS x 64 bits
 *   class ID HEX...                   word 0 first; class 0 is every rule
 *   base IFINDEX 4|6 LO-HI CLASS      protocols LO..HI on that interface
 *   tcpflags LO-HI CLASS
 *   icmp 4|6 LO-HI CLASS
 *   sport LO-HI CLASS  /  dport LO-HI CLASS
 *   src4 PREFIX CLASS  /  dst4 ...  /  src6 ...  /  dst6 ...
 *   end
 *
 * Every value of every array map is covered exactly once; every trie has
 * its /0. A file that breaks a rule is refused with its line number.
 */
#ifndef FWC_XDPIMG_H
#define FWC_XDPIMG_H

#include <stdint.h>
#include <stdio.h>

#include "util.h"

struct xdp_plan;

struct ximg_range {
	uint32_t lo, hi, cls;
};

struct ximg_pfx {
	u128 addr;      /* IPv4 in the low 32 bits */
	int len;
	uint32_t cls;
};

struct ximg_rule {
	int act;        /* FWC_ACT_* */
	char *where;    /* "examples/x.fw:12 drop ..." */
};

struct xdp_image {
	char *source;
	uint32_t nrules, nwords;
	struct ximg_rule *rule;
	/* interfaces: names[1..nif], other = nif + 1 */
	char **ifname;
	size_t nif;
	char **wild;
	size_t *wildidx;
	size_t nwild;
	/* classes: ncls x nwords words */
	uint64_t *cls;
	size_t ncls, capcls;
	/* base per interface index 0..nif+1: 512 class ids (family * 256 +
	 * protocol, family 0 = IPv4) */
	uint32_t *base;
	uint32_t tcpflags[256];
	uint32_t icmp[512];
	uint32_t *sport, *dport;         /* 65536 each */
	struct ximg_pfx *pfx[4];         /* src4, dst4, src6, dst6 */
	size_t npfx[4], cappfx[4];
};

enum { XI_SRC4, XI_DST4, XI_SRC6, XI_DST6 };

/* From a placement; -1 with a message when over the program's limits. */
int ximg_build(const struct xdp_plan *plan, const char *source,
	       struct xdp_image *img, char *err, size_t errlen);
int ximg_write(FILE *out, const struct xdp_image *img);
/* Parse; -1 with "FILE:LINE: message" in err. */
int ximg_read(FILE *in, const char *name, struct xdp_image *img, char *err,
	      size_t errlen);
void ximg_release(struct xdp_image *img);

/* The interface index a device has in the image's numbering. */
size_t ximg_if_index(const struct xdp_image *img, const char *dev);

#endif
