/*
 * bpfload.c: fwc's XDP program in the kernel (see bpfload.h).
 *
 * On a device the program hangs from a bpf_link pinned at
 * PIN/fwc/DEV/link (PIN: /sys/fs/bpf), with its hit counters pinned next
 * to it. A new policy is a new program instance with new maps, filled
 * completely, then swapped in with one bpf_link_update(): the kernel
 * switches from the old program to the new between two packets, so no
 * packet sees half a policy. The image of what is loaded is kept in the
 * state directory (STATE/xdp-DEV.img) for `status`.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include "bpf/fwc_xdp.h"
#include "bpfload.h"
#include "fwc_xdp.skel.h"
#include "util.h"

struct xprog {
	struct fwc_xdp *skel;
};

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN && !getenv("FWC_BPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int xprog_fd(const struct xprog *x)
{
	return bpf_program__fd(x->skel->progs.fwc_xdp);
}

void xprog_close(struct xprog *x)
{
	if (!x)
		return;
	fwc_xdp__destroy(x->skel);
	free(x);
}

/* An array map filled from vals[0..n): in batches where the kernel can. */
static int fill_array(struct bpf_map *m, const void *vals, size_t vsize, uint32_t n)
{
	int fd = bpf_map__fd(m);
	uint32_t *keys = xcalloc(n, sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++)
		keys[i] = i;
	uint32_t count = n;
	int rc = bpf_map_update_batch(fd, keys, vals, &count, NULL);
	if (rc) {
		rc = 0;
		for (uint32_t i = 0; i < n && !rc; i++)
			rc = bpf_map_update_elem(fd, &keys[i], (const char *)vals + i * vsize, BPF_ANY);
	}
	free(keys);
	return rc;
}

static int fill(struct fwc_xdp *sk, const struct xdp_image *img, size_t ifx)
{
	uint32_t zero = 0;
	struct fwc_conf conf = { FWC_XDP_VERSION, img->nrules, img->nwords, 0 };
	int rc = bpf_map_update_elem(bpf_map__fd(sk->maps.fwc_conf), &zero, &conf, BPF_ANY);
	if (rc)
		return rc;
	struct fwc_bits *bits = xcalloc(img->ncls, sizeof(*bits));
	for (size_t c = 0; c < img->ncls; c++)
		for (uint32_t w = 0; w < img->nwords; w++) {
			bits[c].w[w] = img->cls[c * img->nwords + w];
			if (bits[c].w[w])
				bits[c].sum |= 1ull << w;
		}
	rc = fill_array(sk->maps.fwc_classes, bits, sizeof(*bits), (uint32_t)img->ncls);
	free(bits);
	if (!rc)
		rc = fill_array(sk->maps.fwc_base, img->base + ifx * 512, 4, 512);
	if (!rc)
		rc = fill_array(sk->maps.fwc_tcpflags, img->tcpflags, 4, 256);
	if (!rc)
		rc = fill_array(sk->maps.fwc_icmp, img->icmp, 4, 512);
	if (!rc)
		rc = fill_array(sk->maps.fwc_sport, img->sport, 4, 65536);
	if (!rc)
		rc = fill_array(sk->maps.fwc_dport, img->dport, 4, 65536);
	if (!rc && img->nrules) {
		uint32_t *act = xcalloc(img->nrules, 4);
		for (uint32_t r = 0; r < img->nrules; r++)
			act[r] = (uint32_t)img->rule[r].act;
		rc = fill_array(sk->maps.fwc_action, act, 4, img->nrules);
		free(act);
	}
	struct bpf_map *tries[4] = { sk->maps.fwc_src4, sk->maps.fwc_dst4, sk->maps.fwc_src6,
				     sk->maps.fwc_dst6 };
	for (int t = 0; t < 4 && !rc; t++) {
		int fd = bpf_map__fd(tries[t]);
		for (size_t i = 0; i < img->npfx[t] && !rc; i++) {
			const struct ximg_pfx *p = &img->pfx[t][i];
			if (t < 2) {
				struct fwc_lpm4 k = { (uint32_t)p->len, { 0 } };
				uint32_t a = htonl((uint32_t)p->addr);
				memcpy(k.addr, &a, 4);
				rc = bpf_map_update_elem(fd, &k, &p->cls, BPF_ANY);
			} else {
				struct fwc_lpm6 k = { (uint32_t)p->len, { 0 } };
				for (int b = 0; b < 16; b++)
					k.addr[b] = (uint8_t)(p->addr >> (8 * (15 - b)));
				rc = bpf_map_update_elem(fd, &k, &p->cls, BPF_ANY);
			}
		}
	}
	return rc ? -errno : 0;
}

struct xprog *xprog_load(const struct xdp_image *img, size_t ifx, char *err, size_t errlen)
{
	libbpf_set_print(quiet_print);
	if (ifx > img->nif + 1) {
		snprintf(err, errlen, "interface index %zu outside the image", ifx);
		return NULL;
	}
	struct fwc_xdp *sk = fwc_xdp__open();
	if (!sk) {
		snprintf(err, errlen, "cannot open fwc's XDP program: %s", strerror(errno));
		return NULL;
	}
	bpf_map__set_max_entries(sk->maps.fwc_classes, (uint32_t)img->ncls);
	struct bpf_map *tries[4] = { sk->maps.fwc_src4, sk->maps.fwc_dst4, sk->maps.fwc_src6,
				     sk->maps.fwc_dst6 };
	for (int t = 0; t < 4; t++)
		bpf_map__set_max_entries(tries[t], img->npfx[t] ? (uint32_t)img->npfx[t] : 1);
	int rc = fwc_xdp__load(sk);
	if (rc) {
		snprintf(err, errlen, "cannot load fwc's XDP program into the kernel: %s%s",
			 strerror(-rc), -rc == EPERM ? " (needs root, or CAP_BPF and CAP_NET_ADMIN)" : "");
		fwc_xdp__destroy(sk);
		return NULL;
	}
	rc = fill(sk, img, ifx);
	if (rc) {
		snprintf(err, errlen, "cannot fill the XDP maps: %s", strerror(-rc));
		fwc_xdp__destroy(sk);
		return NULL;
	}
	struct xprog *x = xcalloc(1, sizeof(*x));
	x->skel = sk;
	return x;
}

int xprog_run(const struct xprog *x, const void *frame, size_t len, int repeat, int *ret,
	      uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = repeat);
	int rc = bpf_prog_test_run_opts(xprog_fd(x), &o);
	if (rc)
		return -errno;
	*ret = (int)o.retval;
	if (ns)
		*ns = o.duration;
	return 0;
}

static int read_hits(int fd, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return -1;
	uint64_t *v = xcalloc((size_t)ncpu, 8);
	for (uint32_t k = 0; k < FWC_HIT_SLOTS; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, v)) {
			free(v);
			return -1;
		}
		for (int c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
	free(v);
	return 0;
}

int xprog_hits(const struct xprog *x, uint64_t *out)
{
	return read_hits(bpf_map__fd(x->skel->maps.fwc_hits), out);
}

/* ---- frames ---- */

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t xdp_frame(const struct packet *p, uint8_t *buf, size_t cap)
{
	size_t l3 = 14, ipl = p->family == 4 ? 20 : 40;
	size_t l4len = p->proto == 6 ? 20 : p->proto == 17 || p->proto == 136 ? 8 :
		       (p->proto == 1 || p->proto == 58) ? 8 : 8;
	size_t len = l3 + ipl + l4len;
	if (cap < len)
		return 0;
	memset(buf, 0, len);
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 1 }, smac[6] = { 0x02, 0, 0, 0, 0, 2 };
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	uint8_t *ip = buf + l3;
	if (p->family == 4) {
		buf[12] = 0x08;
		buf[13] = 0x00;
		ip[0] = 0x45;
		ip[2] = (uint8_t)((ipl + l4len) >> 8);
		ip[3] = (uint8_t)(ipl + l4len);
		if (p->fragment) {
			ip[6] = 0x00;   /* offset 1 (8 bytes): not the first */
			ip[7] = 0x01;
		} else {
			ip[6] = 0x40;   /* DF */
		}
		ip[8] = 64;
		ip[9] = (uint8_t)p->proto;
		uint32_t s = htonl((uint32_t)p->saddr), d = htonl((uint32_t)p->daddr);
		memcpy(ip + 12, &s, 4);
		memcpy(ip + 16, &d, 4);
		uint16_t c = csum(ip, 20);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	} else {
		buf[12] = 0x86;
		buf[13] = 0xdd;
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8);
		ip[5] = (uint8_t)l4len;
		ip[6] = (uint8_t)p->proto;
		ip[7] = 64;
		for (int b = 0; b < 16; b++) {
			ip[8 + b] = (uint8_t)(p->saddr >> (8 * (15 - b)));
			ip[24 + b] = (uint8_t)(p->daddr >> (8 * (15 - b)));
		}
	}
	uint8_t *l4 = ip + ipl;
	int sp = p->sport < 0 ? 0 : p->sport, dp = p->dport < 0 ? 0 : p->dport;
	if (p->proto == 1 || p->proto == 58) {
		l4[0] = (uint8_t)(p->icmp_type < 0 ? 0 : p->icmp_type);
		l4[1] = (uint8_t)(p->icmp_code < 0 ? 0 : p->icmp_code);
	} else {
		l4[0] = (uint8_t)(sp >> 8);
		l4[1] = (uint8_t)sp;
		l4[2] = (uint8_t)(dp >> 8);
		l4[3] = (uint8_t)dp;
		if (p->proto == 6) {
			l4[12] = 0x50;
			l4[13] = (uint8_t)p->tcpflags;
			l4[14] = 0xff;
		} else if (p->proto == 17) {
			l4[5] = 8;
		}
	}
	return len;
}

/* ---- fwc bpf load | unload | status ---- */

struct bpf_opts {
	const char *dev;
	const char *pin_root;
	const char *state_dir;
	bool skb;
};

static void bpf_usage(FILE *f)
{
	fputs("usage: fwc bpf load --dev IFACE [--skb] [options] DIR\n"
	      "       fwc bpf unload --dev IFACE [options]\n"
	      "       fwc bpf status --dev IFACE [options]\n"
	      "  DIR is what `fwc compile -t bpf -o DIR` wrote (DIR/xdp.img is loaded;\n"
	      "  DIR/nft.fw, the whole policy, is for nft: `nft -f DIR/nft.fw`).\n"
	      "  load attaches fwc's XDP program to IFACE, or swaps the new maps in\n"
	      "  atomically when it is attached already; unload detaches it; status\n"
	      "  prints the hits per rule.\n"
	      "  --dev IFACE          the device\n"
	      "  --skb                generic (skb) XDP, for devices without native XDP\n"
	      "  --pin-root DIR       bpffs where the link and maps are pinned\n"
	      "                       (default /sys/fs/bpf; DIR/fwc/IFACE/)\n"
	      "  --state-dir DIR      where the loaded image is kept (default /var/lib/fwc)\n", f);
}

static int ensure_bpffs(const char *root, bool is_default)
{
	struct statfs st;
	if (statfs(root, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (is_default) {
		mkdir(root, 0700);
		if (mount("bpf", root, "bpf", 0, "mode=0700") == 0)
			return 0;
		fprintf(stderr, "fwc: %s is not a bpf filesystem and mounting one failed: %s\n", root,
			strerror(errno));
		return -1;
	}
	fprintf(stderr, "fwc: %s is not a bpf filesystem (mount -t bpf bpf %s)\n", root, root);
	return -1;
}

static char *pin_dir(const struct bpf_opts *o)
{
	return xasprintf("%s/fwc/%s", o->pin_root, o->dev);
}

/* bpffs has no rename: the old pin goes, then the new one (status may
 * miss the counters for that moment; the program is already swapped). */
char *xdp_state_image(const char *dev, const char *state_dir)
{
	return xasprintf("%s/xdp-%s.img", state_dir, dev);
}

static int pin_map(struct bpf_map *m, const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	unlink(p);
	int rc = bpf_obj_pin(bpf_map__fd(m), p);
	if (rc)
		fprintf(stderr, "fwc: cannot pin %s: %s\n", p, strerror(errno));
	free(p);
	return rc ? -1 : 0;
}

static int read_image(const char *path, struct xdp_image *img)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "fwc: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	char err[512];
	int rc = ximg_read(f, path, img, err, sizeof(err));
	fclose(f);
	if (rc)
		fprintf(stderr, "fwc: %s\n", err);
	return rc;
}

int xdp_attach(const char *dev, const struct xdp_image *img, const char *pin_root,
	       const char *state_dir, bool skb, bool quiet)
{
	struct bpf_opts ob = { dev, pin_root, state_dir, skb }, *o = &ob;
	unsigned ifindex = if_nametoindex(o->dev);
	if (!ifindex) {
		fprintf(stderr, "fwc: no device '%s'\n", o->dev);
		return -1;
	}
	char err[512];
	size_t ifx = ximg_if_index(img, o->dev);
	struct xprog *x = xprog_load(img, ifx, err, sizeof(err));
	if (!x) {
		fprintf(stderr, "fwc: %s\n", err);
		return -1;
	}
	int ret = -1;
	char *pd = pin_dir(o), *lp = xasprintf("%s/link", pd), *top = xasprintf("%s/fwc", o->pin_root);
	if (ensure_bpffs(o->pin_root, !strcmp(o->pin_root, "/sys/fs/bpf")) < 0)
		goto out;
	mkdir(top, 0700);
	if (mkdir(pd, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "fwc: cannot create %s: %s\n", pd, strerror(errno));
		goto out;
	}
	int lfd = bpf_obj_get(lp);
	bool swapped = false;
	if (lfd >= 0) {
		struct bpf_link_info li;
		uint32_t ll = sizeof(li);
		memset(&li, 0, sizeof(li));
		if (bpf_obj_get_info_by_fd(lfd, &li, &ll) == 0 && li.type == BPF_LINK_TYPE_XDP &&
		    li.xdp.ifindex != ifindex) {
			fprintf(stderr, "fwc: %s is the link of another device (ifindex %u, not %u)\n", lp,
				li.xdp.ifindex, ifindex);
			close(lfd);
			goto out;
		}
		if (bpf_link_update(lfd, xprog_fd(x), NULL) != 0) {
			fprintf(stderr, "fwc: cannot swap the XDP program on %s: %s\n", o->dev,
				strerror(errno));
			close(lfd);
			goto out;
		}
		swapped = true;
	} else {
		LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = o->skb ? XDP_FLAGS_SKB_MODE : 0);
		lfd = bpf_link_create(xprog_fd(x), (int)ifindex, BPF_XDP, &lo);
		if (lfd < 0) {
			int e = errno;
			if (e == EBUSY || e == EEXIST)
				fprintf(stderr, "fwc: cannot attach XDP to %s: another XDP program is "
					"attached there (`ip link set dev %s xdp off` removes it)\n",
					o->dev, o->dev);
			else
				fprintf(stderr, "fwc: cannot attach XDP to %s: %s%s\n", o->dev, strerror(e),
					e == EOPNOTSUPP || e == EINVAL ? " (no native XDP here? try --skb)"
								       : "");
			goto out;
		}
		if (bpf_obj_pin(lfd, lp) != 0) {
			fprintf(stderr, "fwc: cannot pin %s: %s\n", lp, strerror(errno));
			close(lfd);   /* the link goes with its last fd: detached */
			goto out;
		}
	}
	close(lfd);
	/* every map, for bpftool and status: hits, and fwc_* by name */
	if (pin_map(x->skel->maps.fwc_hits, pd, "hits") < 0)
		goto out;
	struct bpf_map *mp;
	bool pinned = true;
	bpf_object__for_each_map(mp, x->skel->obj)
		if (strncmp(bpf_map__name(mp), "fwc_", 4) == 0 && pinned)
			pinned = pin_map(mp, pd, bpf_map__name(mp)) == 0;
	if (!pinned)
		goto out;
	/* what is loaded, for status (and apply's rollback) */
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		die("out of memory");
	ximg_write(m, img);
	fclose(m);
	mkdir(o->state_dir, 0700);
	char *sp = xdp_state_image(o->dev, o->state_dir);
	int wr = write_file_atomic(sp, buf, len, 0600);
	free(sp);
	free(buf);
	if (wr < 0)
		goto out;
	size_t nd = 0;
	for (uint32_t r = 0; r < img->nrules; r++)
		nd += img->rule[r].act == FWC_ACT_DROP;
	if (!quiet)
		printf("fwc: XDP on %s: %u rules (%zu drop, %zu pass) from %s, %s\n", o->dev,
		       img->nrules, nd, (size_t)img->nrules - nd, img->source,
		       swapped ? "swapped in atomically" : o->skb ? "attached (skb mode)" : "attached");
	ret = 0;
out:
	free(pd);
	free(lp);
	free(top);
	xprog_close(x);
	return ret;
}

static int bpf_load(const struct bpf_opts *o, const char *dir)
{
	char *ip = xasprintf("%s/xdp.img", dir);
	struct stat st;
	if (stat(dir, &st) == 0 && S_ISREG(st.st_mode)) {
		free(ip);
		ip = xstrdup(dir);   /* the image itself */
	}
	struct xdp_image img;
	int rc = read_image(ip, &img);
	free(ip);
	if (rc)
		return FWC_EXIT_ERROR;
	rc = xdp_attach(o->dev, &img, o->pin_root, o->state_dir, o->skb, false);
	ximg_release(&img);
	return rc ? FWC_EXIT_ERROR : FWC_EXIT_OK;
}

int xdp_detach(const char *dev, const char *pin_root, const char *state_dir, bool quiet)
{
	struct bpf_opts ob = { dev, pin_root, state_dir, false }, *o = &ob;
	char *pd = pin_dir(o), *lp = xasprintf("%s/link", pd), *hp = xasprintf("%s/hits", pd);
	int ret = 0;
	int lfd = bpf_obj_get(lp);
	if (lfd < 0) {
		if (!quiet)
			fprintf(stderr, "fwc: no fwc XDP program on %s (%s: %s)\n", o->dev, lp,
				strerror(errno));
		ret = 1;
	} else {
		if (bpf_link_detach(lfd) != 0 && errno != ENOLINK) {
			fprintf(stderr, "fwc: cannot detach XDP from %s: %s\n", o->dev, strerror(errno));
			ret = -1;
		}
		close(lfd);
	}
	if (ret == 0) {
		unlink(lp);
		unlink(hp);
		DIR *dd = opendir(pd);
		struct dirent *de;
		while (dd && (de = readdir(dd)))
			if (!strncmp(de->d_name, "fwc_", 4)) {
				char *q = xasprintf("%s/%s", pd, de->d_name);
				unlink(q);
				free(q);
			}
		if (dd)
			closedir(dd);
		rmdir(pd);
		char *sp = xdp_state_image(o->dev, o->state_dir);
		unlink(sp);
		free(sp);
		if (!quiet)
			printf("fwc: XDP on %s detached\n", o->dev);
	}
	free(pd);
	free(lp);
	free(hp);
	return ret;
}

static int bpf_unload(const struct bpf_opts *o)
{
	return xdp_detach(o->dev, o->pin_root, o->state_dir, false) == 0 ? FWC_EXIT_OK
									  : FWC_EXIT_ERROR;
}

static int bpf_status(const struct bpf_opts *o)
{
	char *pd = pin_dir(o), *lp = xasprintf("%s/link", pd), *hp = xasprintf("%s/hits", pd);
	char *sp = xdp_state_image(o->dev, o->state_dir);
	int ret = FWC_EXIT_ERROR;
	struct xdp_image img = { 0 };
	int lfd = bpf_obj_get(lp), hfd = -1;
	if (lfd < 0) {
		printf("device %s: no fwc XDP program\n", o->dev);
		ret = FWC_EXIT_OK;
		goto out;
	}
	struct bpf_link_info li;
	uint32_t ll = sizeof(li);
	memset(&li, 0, sizeof(li));
	bpf_obj_get_info_by_fd(lfd, &li, &ll);
	char ifn[IF_NAMESIZE] = "?";
	if (li.type == BPF_LINK_TYPE_XDP)
		if_indextoname(li.xdp.ifindex, ifn);
	hfd = bpf_obj_get(hp);
	if (hfd < 0 || read_image(sp, &img) < 0) {
		fprintf(stderr, "fwc: %s: the hit counters or the loaded image are missing\n", o->dev);
		goto out;
	}
	uint64_t *h = xcalloc(FWC_HIT_SLOTS, 8);
	if (read_hits(hfd, h) < 0) {
		fprintf(stderr, "fwc: cannot read %s: %s\n", hp, strerror(errno));
		free(h);
		goto out;
	}
	size_t nd = 0;
	for (uint32_t r = 0; r < img.nrules; r++)
		nd += img.rule[r].act == FWC_ACT_DROP;
	printf("device %s (%s): fwc XDP program %u, link %u; %u rules (%zu drop, %zu pass) from %s\n",
	       o->dev, ifn, li.prog_id, li.id, img.nrules, nd, (size_t)img.nrules - nd, img.source);
	/* per policy rule: the XDP rules of one `where` summed, in order */
	printf("%12s  %-4s  %s\n", "packets", "act", "rule");
	bool *done = xcalloc(img.nrules + 1, 1);
	for (uint32_t r = 0; r < img.nrules; r++) {
		if (done[r])
			continue;
		uint64_t sum = 0;
		size_t n = 0;
		for (uint32_t q = r; q < img.nrules; q++)
			if (!done[q] && img.rule[q].act == img.rule[r].act &&
			    !strcmp(img.rule[q].where, img.rule[r].where)) {
				sum += h[q];
				done[q] = true;
				n++;
			}
		printf("%12llu  %-4s  %s (%zu XDP rule%s)\n", (unsigned long long)sum,
		       img.rule[r].act == FWC_ACT_DROP ? "drop" : "pass", img.rule[r].where, n,
		       n == 1 ? "" : "s");
	}
	printf("%12llu  pass  no rule matched\n", (unsigned long long)h[FWC_HIT_NOMATCH]);
	printf("%12llu  pass  not classified (not IP, VLAN, fragment, IPv6 extension header, "
	       "short)\n", (unsigned long long)h[FWC_HIT_UNPARSED]);
	free(done);
	free(h);
	ret = FWC_EXIT_OK;
out:
	if (lfd >= 0)
		close(lfd);
	if (hfd >= 0)
		close(hfd);
	ximg_release(&img);
	free(pd);
	free(lp);
	free(hp);
	free(sp);
	return ret;
}

int cmd_bpf(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "skb", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		bpf_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? FWC_EXIT_USAGE : FWC_EXIT_OK;
	}
	const char *sub = argv[1];
	bool is_load = !strcmp(sub, "load"), is_unload = !strcmp(sub, "unload"),
	     is_status = !strcmp(sub, "status");
	if (!is_load && !is_unload && !is_status) {
		fprintf(stderr, "fwc: unknown bpf command '%s' (load, unload, status)\n", sub);
		bpf_usage(stderr);
		return FWC_EXIT_USAGE;
	}
	struct bpf_opts o = { NULL, "/sys/fs/bpf", "/var/lib/fwc", false };
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dev = optarg; break;
		case 'p': o.pin_root = optarg; break;
		case 's': o.state_dir = optarg; break;
		case 'k': o.skb = true; break;
		case 'h':
			bpf_usage(stdout);
			return FWC_EXIT_OK;
		default:
			bpf_usage(stderr);
			return FWC_EXIT_USAGE;
		}
	}
	if (!o.dev || !o.dev[0] || strlen(o.dev) >= IF_NAMESIZE || strchr(o.dev, '/')) {
		fputs("fwc: bpf needs --dev IFACE (a device name)\n", stderr);
		return FWC_EXIT_USAGE;
	}
	if (is_load != (optind == argc - 1)) {
		fputs(is_load ? "fwc: bpf load takes one directory (from `fwc compile -t bpf -o DIR`)\n"
			      : "fwc: too many arguments\n", stderr);
		bpf_usage(stderr);
		return FWC_EXIT_USAGE;
	}
	if (o.skb && !is_load) {
		fputs("fwc: --skb is for load\n", stderr);
		return FWC_EXIT_USAGE;
	}
	if (is_load)
		return bpf_load(&o, argv[optind]);
	return is_unload ? bpf_unload(&o) : bpf_status(&o);
}
