/*
 * bpf.c: `fwc compile -t bpf -o DIR`: the XDP placement (analyzer/xdp.c)
 * as a map image for fwc's XDP program, next to the nft ruleset that
 * keeps deciding everything the program passes.
 *
 * DIR/xdp.img        the map image (backends/xdpimg.h, docs/bpf.md)
 * DIR/nft.fw         the whole policy for nft (`nft -f`)
 * DIR/placement.txt  which drop rules went to XDP, which stayed in nft, why
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "bpf/fwc_xdp.h"
#include "source.h"
#include "xdp.h"
#include "xdpimg.h"

const struct xdp_opts bpf_default_opts = {
	.max_rules = FWC_MAX_RULES,
	.pass_budget = 64,
	.policy_budget = 256,
};

static void rule_words(char *buf, size_t n, const struct xdp_item *it)
{
	if (!it->rule) {
		snprintf(buf, n, "the drop policies");
	} else if (it->rule->origin || !it->rule->loc.file) {
		snprintf(buf, n, "%s", it->rule->origin ? it->rule->origin : "generated rule");
	} else {
		loc_short(&it->rule->loc, buf, n);
	}
}

static void bpf_report(FILE *out, const struct ir *ir, const struct xdp_plan *pl)
{
	size_t in_xdp = 0, nd = 0, np = 0;
	for (size_t i = 0; i < pl->nitem; i++)
		if (pl->item[i].rule && pl->item[i].where == XW_XDP)
			in_xdp++;
	for (size_t b = 0; b < pl->nbox; b++)
		pl->box[b].act == XA_DROP ? nd++ : np++;
	fprintf(out, "# XDP placement for %s\n", ir->source ? ir->source : "-");
	fprintf(out, "# %zu of %zu drop rules on the ingress paths dropped in XDP; %zu XDP rules "
		"(%zu drop, %zu pass)\n", in_xdp, pl->ninput, pl->nbox, nd, np);
	fprintf(out, "# nft.fw holds the whole policy: nft decides every packet XDP passes.\n");
	fprintf(out, "# conntrack: %s\n", pl->ct_any ?
		"any packet may belong to a tracked connection (--xdp-conntrack any)" :
		"a packet is established or related only as this policy's accepted connections "
		"make it (their packets, their replies, ICMP errors); connections an earlier "
		"policy admitted are not kept (--xdp-conntrack any keeps them)");
	for (size_t i = 0; i < pl->nitem; i++) {
		const struct xdp_item *it = &pl->item[i];
		char w[200];
		rule_words(w, sizeof(w), it);
		if (it->where == XW_XDP)
			fprintf(out, "xdp  %s: %zu XDP rule%s%s: %s\n", w, it->ndrop + it->npass,
				it->ndrop + it->npass == 1 ? "" : "s",
				it->npass ? " (with its exceptions)" : "", it->why);
		else
			fprintf(out, "nft  %s: %s\n", w, it->why);
	}
}

static int put(const char *dir, const char *name, const char *buf, size_t len)
{
	char *p = xasprintf("%s/%s", dir, name);
	int rc = write_file_atomic(p, buf, len, 0644);
	free(p);
	return rc;
}

int bpf_compile(const struct ir *ir, const char *dir, const char *nft, size_t nftlen,
		FILE *report, bool ct_any)
{
	struct xdp_plan pl;
	char err[600];
	struct xdp_opts o = bpf_default_opts;
	o.ct_any = ct_any;
	if (xdp_plan_build(ir, &o, &pl, err, sizeof(err)) < 0) {
		fprintf(stderr, "fwc: %s\n", err);
		return -1;
	}
	struct xdp_image img;
	if (ximg_build(&pl, ir->source, &img, err, sizeof(err)) < 0) {
		fprintf(stderr, "fwc: %s\n", err);
		xdp_plan_release(&pl);
		return -1;
	}
	char *ib = NULL, *rb = NULL;
	size_t il = 0, rl = 0;
	FILE *m = open_memstream(&ib, &il), *r = open_memstream(&rb, &rl);
	if (!m || !r)
		die("out of memory");
	ximg_write(m, &img);
	bpf_report(r, ir, &pl);
	fclose(m);
	fclose(r);
	int rc = 0;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "fwc: cannot create '%s': %s\n", dir, strerror(errno));
		rc = -1;
	}
	if (!rc)
		rc = put(dir, "nft.fw", nft, nftlen);
	if (!rc)
		rc = put(dir, "placement.txt", rb, rl);
	if (!rc)
		rc = put(dir, "xdp.img", ib, il);
	if (!rc && report)
		fwrite(rb, 1, rl, report);
	free(ib);
	free(rb);
	ximg_release(&img);
	xdp_plan_release(&pl);
	return rc;
}
