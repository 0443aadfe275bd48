/*
 * xdpimg.c: the XDP map image (see xdpimg.h): built from a placement,
 * written and read as text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/fwc_xdp.h"
#include "iset.h"
#include "source.h"
#include "trace.h"
#include "xdp.h"
#include "xdpimg.h"

/* ---- classes: distinct bitmaps, interned ---- */

struct interner {
	struct xdp_image *img;
	uint32_t *slot;         /* class id + 1, 0 empty */
	size_t cap;
	bool full;
};

static uint64_t bits_hash(const uint64_t *w, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ w[i]) * 1099511628211ull, h ^= h >> 29;
	return h;
}

static void in_grow(struct interner *in)
{
	size_t cap = in->cap ? in->cap * 2 : 1024;
	uint32_t *s = xcalloc(cap, sizeof(*s));
	struct xdp_image *img = in->img;
	for (size_t c = 0; c < img->ncls; c++) {
		size_t h = bits_hash(img->cls + c * img->nwords, img->nwords) & (cap - 1);
		while (s[h])
			h = (h + 1) & (cap - 1);
		s[h] = (uint32_t)c + 1;
	}
	free(in->slot);
	in->slot = s;
	in->cap = cap;
}

static uint32_t intern(struct interner *in, const uint64_t *w)
{
	struct xdp_image *img = in->img;
	size_t nw = img->nwords;
	if ((img->ncls + 1) * 2 > in->cap)
		in_grow(in);
	size_t h = bits_hash(w, nw) & (in->cap - 1);
	while (in->slot[h]) {
		uint32_t c = in->slot[h] - 1;
		if (!memcmp(img->cls + (size_t)c * nw, w, nw * 8))
			return c;
		h = (h + 1) & (in->cap - 1);
	}
	if (img->ncls >= FWC_MAX_CLASSES) {
		in->full = true;
		return 0;
	}
	if (img->ncls == img->capcls) {
		img->capcls = img->capcls ? img->capcls * 2 : 256;
		img->cls = xrealloc(img->cls, img->capcls * nw * 8);
	}
	memcpy(img->cls + img->ncls * nw, w, nw * 8);
	in->slot[h] = (uint32_t)img->ncls + 1;
	return (uint32_t)img->ncls++;
}

/* ---- small fields: a class per value, by sweeping interval ends ---- */

struct ev {
	uint32_t at;
	uint32_t box;
	int on;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->on - y->on;   /* off before on: sets are per box disjoint */
}

/* out[v] for v < nvals: the class of the boxes (those keep() accepts)
 * whose field set holds v */
static void sweep(const struct xdp_plan *pl, int field, bool (*keep)(const struct xdp_box *, const void *),
		  const void *ctx, uint32_t nvals, struct interner *in, uint32_t *out)
{
	size_t n = 0, cap = 0;
	struct ev *e = NULL;
	for (size_t b = 0; b < pl->nbox; b++) {
		const struct xdp_box *x = &pl->box[b];
		if (!keep(x, ctx))
			continue;
		const struct iset *s = &x->f[field];
		for (size_t i = 0; i < s->n; i++) {
			if (s->r[i].lo >= nvals)
				break;
			u128 hi = s->r[i].hi < nvals - 1 ? s->r[i].hi : nvals - 1;
			VEC_PUSH(e, n, cap);
			e[n++] = (struct ev){ (uint32_t)s->r[i].lo, (uint32_t)b, 1 };
			if (hi + 1 < nvals) {
				VEC_PUSH(e, n, cap);
				e[n++] = (struct ev){ (uint32_t)(hi + 1), (uint32_t)b, 0 };
			}
		}
	}
	if (n)
		qsort(e, n, sizeof(*e), ev_cmp);
	size_t nw = in->img->nwords;
	uint64_t *cur = xcalloc(nw, 8);
	size_t k = 0;
	for (uint32_t v = 0; v < nvals;) {
		while (k < n && e[k].at == v) {
			if (e[k].on)
				cur[e[k].box / 64] |= 1ull << (e[k].box % 64);
			else
				cur[e[k].box / 64] &= ~(1ull << (e[k].box % 64));
			k++;
		}
		uint32_t next = k < n ? e[k].at : nvals;
		uint32_t c = intern(in, cur);
		for (uint32_t u = v; u < next; u++)
			out[u] = c;
		v = next;
	}
	free(cur);
	free(e);
}

struct famif {
	int fam;
	size_t ifx;
};

static bool keep_famif(const struct xdp_box *b, const void *ctx)
{
	const struct famif *f = ctx;
	return b->family == f->fam && iset_contains(&b->f[XF_IIF], f->ifx);
}

static bool keep_fam(const struct xdp_box *b, const void *ctx)
{
	return b->family == *(const int *)ctx;
}

static bool keep_all(const struct xdp_box *b, const void *ctx)
{
	return true;
}

/* ---- address tries: a class per prefix, holding the boxes of every
 * prefix that contains it ---- */

struct pb {
	u128 addr;
	int len;
	uint32_t box;
};

static int pb_cmp(const void *a, const void *b)
{
	const struct pb *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->len != y->len)
		return x->len - y->len;
	return (x->box > y->box) - (x->box < y->box);
}

struct pbv {
	struct pb *v;
	size_t n, cap;
	uint32_t box;
};

static void pb_add(u128 addr, int plen, void *ctx)
{
	struct pbv *p = ctx;
	VEC_PUSH(p->v, p->n, p->cap);
	p->v[p->n++] = (struct pb){ addr, plen, p->box };
}

static bool contains(u128 a, int alen, u128 b, int blen, int bits)
{
	if (alen > blen)
		return false;
	if (alen == 0)
		return true;
	int sh = bits - alen;
	return (a >> sh) == (b >> sh);
}

static void trie(const struct xdp_plan *pl, int field, int fam, struct interner *in,
		 struct xdp_image *img, int which)
{
	int bits = fam == 4 ? 32 : 128;
	struct pbv p = { 0 };
	for (size_t b = 0; b < pl->nbox; b++) {
		if (pl->box[b].family != fam)
			continue;
		p.box = (uint32_t)b;
		iset_prefixes(&pl->box[b].f[field], pb_add, &p);
	}
	/* the root always */
	p.box = UINT32_MAX;
	pb_add(0, 0, &p);
	qsort(p.v, p.n, sizeof(*p.v), pb_cmp);
	size_t nw = img->nwords;
	struct { u128 addr; int len; uint64_t *w; } st[130];
	int top = -1;
	for (size_t i = 0; i < p.n;) {
		u128 a = p.v[i].addr;
		int len = p.v[i].len;
		while (top >= 0 && !contains(st[top].addr, st[top].len, a, len, bits))
			free(st[top--].w);
		uint64_t *w = xcalloc(nw, 8);
		if (top >= 0)
			memcpy(w, st[top].w, nw * 8);
		for (; i < p.n && p.v[i].addr == a && p.v[i].len == len; i++)
			if (p.v[i].box != UINT32_MAX)
				w[p.v[i].box / 64] |= 1ull << (p.v[i].box % 64);
		st[++top].addr = a;
		st[top].len = len;
		st[top].w = w;
		VEC_PUSH(img->pfx[which], img->npfx[which], img->cappfx[which]);
		img->pfx[which][img->npfx[which]++] = (struct ximg_pfx){ a, len, intern(in, w) };
	}
	while (top >= 0)
		free(st[top--].w);
	free(p.v);
}

static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s = NULL;
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		s = xstrdup("");
	return s;
}

int ximg_build(const struct xdp_plan *pl, const char *source, struct xdp_image *img,
	       char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	if (pl->nbox > FWC_MAX_RULES) {
		snprintf(err, errlen, "the XDP program holds at most %d rules; the placement "
			 "needs %zu", FWC_MAX_RULES, pl->nbox);
		return -1;
	}
	img->source = xstrdup(source ? source : "-");
	img->nrules = (uint32_t)pl->nbox;
	img->nwords = img->nrules ? (img->nrules + 63) / 64 : 1;
	img->rule = xcalloc(pl->nbox + 1, sizeof(*img->rule));
	for (size_t b = 0; b < pl->nbox; b++) {
		const struct xdp_item *it = &pl->item[pl->box[b].item];
		char w[200];
		if (it->rule && it->rule->loc.file && !it->rule->origin)
			loc_short(&it->rule->loc, w, sizeof(w));
		else if (it->rule)
			snprintf(w, sizeof(w), "%s", it->rule->origin ? it->rule->origin : "generated");
		else
			snprintf(w, sizeof(w), "policy");
		img->rule[b].act = pl->box[b].act == XA_DROP ? FWC_ACT_DROP : FWC_ACT_PASS;
		img->rule[b].where = pl->box[b].act == XA_DROP ? fmt("%s", w)
							       : fmt("%s (exception)", w);
	}
	img->nif = pl->nif;
	img->ifname = xcalloc(pl->nif + 2, sizeof(char *));
	for (size_t i = 0; i <= pl->nif; i++)
		img->ifname[i] = xstrdup(pl->ifname[i] ? pl->ifname[i] : "");
	img->nwild = pl->nwild;
	img->wild = xcalloc(pl->nwild + 1, sizeof(char *));
	img->wildidx = xcalloc(pl->nwild + 1, sizeof(size_t));
	for (size_t w = 0; w < pl->nwild; w++) {
		img->wild[w] = xstrdup(pl->wild[w]);
		img->wildidx[w] = pl->wildidx[w];
	}

	struct interner in = { .img = img };
	size_t nw = img->nwords;
	uint64_t *all = xcalloc(nw, 8);
	for (uint32_t r = 0; r < img->nrules; r++)
		all[r / 64] |= 1ull << (r % 64);
	if (intern(&in, all) != FWC_CLASS_ALL)
		BUG("class 0");
	free(all);

	size_t nifx = pl->nif + 2;
	img->base = xcalloc(nifx * 512, sizeof(uint32_t));
	for (size_t i = 0; i < nifx; i++)
		for (int f = 0; f < 2; f++) {
			struct famif fi = { f ? 6 : 4, i };
			sweep(pl, XF_PROTO, keep_famif, &fi, 256, &in, img->base + i * 512 + f * 256);
		}
	sweep(pl, XF_TCPFLAGS, keep_all, NULL, 256, &in, img->tcpflags);
	for (int f = 0; f < 2; f++) {
		int fam = f ? 6 : 4;
		sweep(pl, XF_ICMP, keep_fam, &fam, 256, &in, img->icmp + f * 256);
	}
	img->sport = xcalloc(65536, sizeof(uint32_t));
	img->dport = xcalloc(65536, sizeof(uint32_t));
	sweep(pl, XF_SPORT, keep_all, NULL, 65536, &in, img->sport);
	sweep(pl, XF_DPORT, keep_all, NULL, 65536, &in, img->dport);
	trie(pl, XF_SADDR, 4, &in, img, XI_SRC4);
	trie(pl, XF_DADDR, 4, &in, img, XI_DST4);
	trie(pl, XF_SADDR, 6, &in, img, XI_SRC6);
	trie(pl, XF_DADDR, 6, &in, img, XI_DST6);
	free(in.slot);
	if (in.full) {
		snprintf(err, errlen, "the XDP program holds at most %d distinct rule sets "
			 "(classes); this placement needs more", FWC_MAX_CLASSES);
		ximg_release(img);
		return -1;
	}
	for (int t = 0; t < 4; t++)
		if (img->npfx[t] > FWC_MAX_PREFIXES) {
			snprintf(err, errlen, "the XDP program holds at most %d prefixes per "
				 "address map; this placement needs %zu", FWC_MAX_PREFIXES,
				 img->npfx[t]);
			ximg_release(img);
			return -1;
		}
	return 0;
}

void ximg_release(struct xdp_image *img)
{
	free(img->source);
	if (img->rule)
		for (uint32_t r = 0; r < img->nrules; r++)
			free(img->rule[r].where);
	free(img->rule);
	if (img->ifname)
		for (size_t i = 0; i <= img->nif; i++)
			free(img->ifname[i]);
	free(img->ifname);
	for (size_t w = 0; w < img->nwild; w++)
		free(img->wild[w]);
	free(img->wild);
	free(img->wildidx);
	free(img->cls);
	free(img->base);
	free(img->sport);
	free(img->dport);
	for (int t = 0; t < 4; t++)
		free(img->pfx[t]);
	memset(img, 0, sizeof(*img));
}

size_t ximg_if_index(const struct xdp_image *img, const char *dev)
{
	for (size_t i = 1; i <= img->nif; i++)
		if (!strcmp(img->ifname[i], dev))
			return i;
	size_t best = img->nif + 1, blen = 0;
	for (size_t w = 0; w < img->nwild; w++)
		if (ifname_match(img->wild[w], dev) && strlen(img->wild[w]) > blen) {
			blen = strlen(img->wild[w]);
			best = img->wildidx[w];
		}
	return best;
}

/* ---- text ---- */

static void ranges(FILE *out, const char *head, const uint32_t *v, uint32_t n)
{
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		while (j + 1 < n && v[j + 1] == v[i])
			j++;
		fprintf(out, "%s %u-%u %u\n", head, i, j, v[i]);
		i = j + 1;
	}
}

static const char *const pfx_head[4] = { "src4", "dst4", "src6", "dst6" };

int ximg_write(FILE *out, const struct xdp_image *img)
{
	fprintf(out, "fwc-xdp-image %d\n", FWC_XDP_VERSION);
	fprintf(out, "source %s\n", img->source);
	fprintf(out, "rules %u\n", img->nrules);
	for (uint32_t r = 0; r < img->nrules; r++)
		fprintf(out, "rule %u %s %s\n", r, img->rule[r].act == FWC_ACT_DROP ? "drop" : "pass",
			img->rule[r].where);
	for (size_t i = 1; i <= img->nif; i++)
		fprintf(out, "iface %zu %s\n", i, img->ifname[i]);
	for (size_t w = 0; w < img->nwild; w++)
		fprintf(out, "wild %s %zu\n", img->wild[w], img->wildidx[w]);
	fprintf(out, "other %zu\n", img->nif + 1);
	fprintf(out, "classes %zu %u\n", img->ncls, img->nwords);
	for (size_t c = 0; c < img->ncls; c++) {
		fprintf(out, "class %zu", c);
		for (uint32_t w = 0; w < img->nwords; w++)
			fprintf(out, " %llx", (unsigned long long)img->cls[c * img->nwords + w]);
		fputc('\n', out);
	}
	char head[64];
	for (size_t i = 0; i < img->nif + 2; i++)
		for (int f = 0; f < 2; f++) {
			snprintf(head, sizeof(head), "base %zu %d", i, f ? 6 : 4);
			ranges(out, head, img->base + i * 512 + f * 256, 256);
		}
	ranges(out, "tcpflags", img->tcpflags, 256);
	ranges(out, "icmp 4", img->icmp, 256);
	ranges(out, "icmp 6", img->icmp + 256, 256);
	ranges(out, "sport", img->sport, 65536);
	ranges(out, "dport", img->dport, 65536);
	for (int t = 0; t < 4; t++)
		for (size_t i = 0; i < img->npfx[t]; i++) {
			char a[80];
			prefix_format(a, sizeof(a), t < 2 ? 4 : 6, img->pfx[t][i].addr,
				      img->pfx[t][i].len);
			if (img->pfx[t][i].len == (t < 2 ? 32 : 128))
				snprintf(a + strlen(a), sizeof(a) - strlen(a), "/%d", img->pfx[t][i].len);
			fprintf(out, "%s %s %u\n", pfx_head[t], a, img->pfx[t][i].cls);
		}
	fprintf(out, "end\n");
	return ferror(out) ? -1 : 0;
}

/* ---- reading ---- */

struct rd {
	const char *name;
	unsigned long line;
	char *err;
	size_t errlen;
};

static int bad(struct rd *r, const char *f, ...)
{
	char m[256];
	va_list ap;
	va_start(ap, f);
	vsnprintf(m, sizeof(m), f, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "%s:%lu: %s", r->name, r->line, m);
	return -1;
}

static bool num(const char **p, unsigned long long *v, int base)
{
	char *end;
	errno = 0;
	if (!**p || **p == ' ' || **p == '-')
		return false;
	*v = strtoull(*p, &end, base);
	if (errno || end == *p)
		return false;
	*p = end;
	return true;
}

static bool lit(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/* "LO-HI CLASS" into v[LO..HI], each value once */
static int fill(struct rd *r, const char *p, uint32_t *v, uint8_t *seen, uint32_t n,
		const struct xdp_image *img)
{
	unsigned long long lo, hi, c;
	if (!num(&p, &lo, 10) || !lit(&p, '-') || !num(&p, &hi, 10) || !lit(&p, ' ') ||
	    !num(&p, &c, 10) || *p)
		return bad(r, "expected LO-HI CLASS");
	if (lo > hi || hi >= n)
		return bad(r, "range %llu-%llu outside 0-%u", lo, hi, n - 1);
	if (c >= img->ncls)
		return bad(r, "class %llu not defined (%zu classes)", c, img->ncls);
	for (unsigned long long i = lo; i <= hi; i++) {
		if (seen[i])
			return bad(r, "value %llu given twice", i);
		seen[i] = 1;
		v[i] = (uint32_t)c;
	}
	return 0;
}

int ximg_read(FILE *in, const char *name, struct xdp_image *img, char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	struct rd r = { name, 0, err, errlen };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = -1;
	bool has_rules = false, has_classes = false, ended = false, has_other = false;
	size_t nclass_seen = 0, nrule_seen = 0, nif_cap = 0;
	uint8_t *seen_base = NULL, seen_fl[256] = { 0 }, seen_ic[512] = { 0 };
	uint8_t *seen_sp = xcalloc(65536, 1), *seen_dp = xcalloc(65536, 1);
	img->sport = xcalloc(65536, sizeof(uint32_t));
	img->dport = xcalloc(65536, sizeof(uint32_t));
	bool root[4] = { false };
	while ((len = getline(&line, &cap, in)) >= 0) {
		r.line++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (ended) {
			bad(&r, "text after 'end'");
			goto out;
		}
		if (r.line == 1) {
			unsigned long long v;
			const char *p = line;
			if (strncmp(p, "fwc-xdp-image ", 14)) {
				bad(&r, "not an fwc XDP map image (first line must be 'fwc-xdp-image %d')",
				    FWC_XDP_VERSION);
				goto out;
			}
			p += 14;
			if (!num(&p, &v, 10) || *p || v != FWC_XDP_VERSION) {
				bad(&r, "image version %s; this fwc reads version %d", line + 14,
				    FWC_XDP_VERSION);
				goto out;
			}
			continue;
		}
		char *sp = strchr(line, ' ');
		if (!sp) {
			if (!strcmp(line, "end")) {
				ended = true;
				continue;
			}
			bad(&r, "unknown line '%s'", line);
			goto out;
		}
		*sp = '\0';
		const char *kw = line, *p = sp + 1;
		unsigned long long a, b, c;
		if (!strcmp(kw, "source")) {
			free(img->source);
			img->source = xstrdup(p);
		} else if (!strcmp(kw, "rules")) {
			if (has_rules || !num(&p, &a, 10) || *p || a > FWC_MAX_RULES) {
				bad(&r, "'rules N' once, N at most %d", FWC_MAX_RULES);
				goto out;
			}
			has_rules = true;
			img->nrules = (uint32_t)a;
			img->nwords = a ? (uint32_t)((a + 63) / 64) : 1;
			img->rule = xcalloc(a + 1, sizeof(*img->rule));
		} else if (!strcmp(kw, "rule")) {
			if (!has_rules || !num(&p, &a, 10) || a != nrule_seen || a >= img->nrules ||
			    !lit(&p, ' ')) {
				bad(&r, "expected 'rule %zu ...' after 'rules'", nrule_seen);
				goto out;
			}
			if (!strncmp(p, "drop ", 5))
				img->rule[a].act = FWC_ACT_DROP;
			else if (!strncmp(p, "pass ", 5))
				img->rule[a].act = FWC_ACT_PASS;
			else {
				bad(&r, "a rule's action is drop or pass");
				goto out;
			}
			img->rule[a].where = xstrdup(p + 5);
			nrule_seen++;
		} else if (!strcmp(kw, "iface")) {
			char *nm = strchr(p, ' ');
			if (!nm || !num(&p, &a, 10) || p != nm || a != img->nif + 1 || !nm[1] ||
			    strlen(nm + 1) >= 16) {
				bad(&r, "expected 'iface %zu NAME'", img->nif + 1);
				goto out;
			}
			if (img->nif + 2 >= nif_cap) {
				nif_cap = nif_cap ? nif_cap * 2 : 16;
				img->ifname = xrealloc(img->ifname, nif_cap * sizeof(char *));
			}
			if (!img->nif)
				img->ifname[0] = xstrdup("");
			img->ifname[++img->nif] = xstrdup(nm + 1);
		} else if (!strcmp(kw, "wild")) {
			char *sp2 = strchr(p, ' ');
			const char *q = sp2 ? sp2 + 1 : "";
			if (!sp2 || sp2 == p || sp2[-1] != '+' || !num(&q, &a, 10) || *q || a == 0) {
				bad(&r, "expected 'wild PATTERN+ INDEX'");
				goto out;
			}
			img->wild = xrealloc(img->wild, (img->nwild + 1) * sizeof(char *));
			img->wildidx = xrealloc(img->wildidx, (img->nwild + 1) * sizeof(size_t));
			img->wild[img->nwild] = xstrndup(p, (size_t)(sp2 - p));
			img->wildidx[img->nwild++] = (size_t)a;
		} else if (!strcmp(kw, "other")) {
			if (!num(&p, &a, 10) || *p || a != img->nif + 1 || has_other) {
				bad(&r, "expected 'other %zu' after the interfaces", img->nif + 1);
				goto out;
			}
			has_other = true;
			if (!img->ifname) {
				img->ifname = xcalloc(2, sizeof(char *));
				img->ifname[0] = xstrdup("");
			}
			for (size_t w = 0; w < img->nwild; w++)
				if (img->wildidx[w] > img->nif) {
					bad(&r, "wildcard %s: index %zu is not an interface",
					    img->wild[w], img->wildidx[w]);
					goto out;
				}
			seen_base = xcalloc((img->nif + 2) * 512, 1);
			img->base = xcalloc((img->nif + 2) * 512, sizeof(uint32_t));
		} else if (!strcmp(kw, "classes")) {
			if (!has_rules || has_classes || !num(&p, &a, 10) || !lit(&p, ' ') ||
			    !num(&p, &b, 10) || *p || a == 0 || a > FWC_MAX_CLASSES || b != img->nwords) {
				bad(&r, "expected 'classes N %u' after 'rules', N from 1 to %d",
				    img->nwords, FWC_MAX_CLASSES);
				goto out;
			}
			has_classes = true;
			img->ncls = img->capcls = (size_t)a;
			img->cls = xcalloc(a * img->nwords, 8);
		} else if (!strcmp(kw, "class")) {
			if (!has_classes || !num(&p, &a, 10) || a != nclass_seen) {
				bad(&r, "expected 'class %zu ...' after 'classes'", nclass_seen);
				goto out;
			}
			for (uint32_t w = 0; w < img->nwords; w++) {
				if (!lit(&p, ' ') || !num(&p, &c, 16)) {
					bad(&r, "a class has %u hexadecimal words", img->nwords);
					goto out;
				}
				img->cls[a * img->nwords + w] = c;
			}
			if (*p) {
				bad(&r, "a class has %u hexadecimal words", img->nwords);
				goto out;
			}
			nclass_seen++;
		} else if (!strcmp(kw, "base")) {
			if (!has_other || !has_classes || !num(&p, &a, 10) || !lit(&p, ' ') ||
			    !num(&p, &b, 10) || !lit(&p, ' ') || a > img->nif + 1 || (b != 4 && b != 6)) {
				bad(&r, "expected 'base IFINDEX 4|6 LO-HI CLASS' (after 'other' and 'classes')");
				goto out;
			}
			size_t off = a * 512 + (b == 6) * 256;
			if (fill(&r, p, img->base + off, seen_base + off, 256, img))
				goto out;
		} else if (!strcmp(kw, "tcpflags") || !strcmp(kw, "sport") || !strcmp(kw, "dport")) {
			if (!has_classes) {
				bad(&r, "'%s' before 'classes'", kw);
				goto out;
			}
			int w = kw[0] == 't' ? 0 : kw[0] == 's' ? 1 : 2;
			if (fill(&r, p, w == 0 ? img->tcpflags : w == 1 ? img->sport : img->dport,
				 w == 0 ? seen_fl : w == 1 ? seen_sp : seen_dp, w ? 65536 : 256, img))
				goto out;
		} else if (!strcmp(kw, "icmp")) {
			if (!has_classes || !num(&p, &b, 10) || !lit(&p, ' ') || (b != 4 && b != 6)) {
				bad(&r, "expected 'icmp 4|6 LO-HI CLASS' (after 'classes')");
				goto out;
			}
			size_t off = (b == 6) * 256;
			if (fill(&r, p, img->icmp + off, seen_ic + off, 256, img))
				goto out;
		} else {
			int t = -1;
			for (int k = 0; k < 4; k++)
				if (!strcmp(kw, pfx_head[k]))
					t = k;
			if (t < 0) {
				bad(&r, "unknown line '%s'", kw);
				goto out;
			}
			const char *cs = strchr(p, ' ');
			int fam = 0, plen = 0;
			u128 addr;
			char e[128];
			const char *q = cs ? cs + 1 : "";
			if (!cs || addr_parse(p, (size_t)(cs - p), &fam, &addr, &plen, e, sizeof(e)) ||
			    fam != (t < 2 ? 4 : 6) || !has_classes || !num(&q, &c, 10) || *q ||
			    c >= img->ncls) {
				bad(&r, "expected '%s PREFIX CLASS' with an IPv%d prefix and a defined class",
				    kw, t < 2 ? 4 : 6);
				goto out;
			}
			if (img->npfx[t] >= FWC_MAX_PREFIXES) {
				bad(&r, "more than %d prefixes in %s", FWC_MAX_PREFIXES, kw);
				goto out;
			}
			root[t] |= plen == 0;
			VEC_PUSH(img->pfx[t], img->npfx[t], img->cappfx[t]);
			img->pfx[t][img->npfx[t]++] = (struct ximg_pfx){ addr, plen, (uint32_t)c };
		}
	}
	r.line++;
	if (!ended) {
		bad(&r, "the image ends before 'end' (cut short?)");
		goto out;
	}
	if (!has_rules || !has_classes || !has_other || nrule_seen != img->nrules ||
	    nclass_seen != img->ncls) {
		bad(&r, "incomplete image: %s", !has_rules ? "no 'rules'" : !has_classes ? "no 'classes'" :
		    !has_other ? "no 'other'" : nrule_seen != img->nrules ? "rules missing" :
		    "classes missing");
		goto out;
	}
	for (size_t i = 0; i < (img->nif + 2) * 512; i++)
		if (!seen_base[i]) {
			bad(&r, "base %zu %d %zu not given", i / 512, i % 512 < 256 ? 4 : 6, i % 256);
			goto out;
		}
	for (size_t i = 0; i < 65536; i++)
		if (!seen_sp[i] || !seen_dp[i] || (i < 256 && !seen_fl[i]) || (i < 512 && !seen_ic[i])) {
			bad(&r, "value %zu of %s not given", i, !seen_sp[i] ? "sport" : !seen_dp[i] ? "dport" :
			    (i < 256 && !seen_fl[i]) ? "tcpflags" : "icmp");
			goto out;
		}
	for (int t = 0; t < 4; t++)
		if (!root[t]) {
			bad(&r, "no /0 entry in %s", pfx_head[t]);
			goto out;
		}
	rc = 0;
out:
	free(line);
	free(seen_base);
	free(seen_sp);
	free(seen_dp);
	if (rc)
		ximg_release(img);
	if (!img->source && !rc)
		img->source = xstrdup("-");
	return rc;
}
