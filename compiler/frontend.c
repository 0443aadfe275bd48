/*
 * frontend.c: includes, name resolution and lowering of the AST into the IR.
 *
 * Three steps, in order:
 *  1. load: parse the top file; splice each include's statements in place
 *     of the include (relative to the including file, cycles and depth
 *     checked), so rule order is the order a reader sees;
 *  2. declare: every define, set, service and zone goes into one table
 *     (definitions are order-free); values are resolved lazily, so a define
 *     may use one declared later, and cycles are reported;
 *  3. lower: each rule becomes one IR rule per address family and protocol
 *     it needs (a mixed v4/v6 rule is split, a service over tcp and udp is
 *     split), filter hooks get the implicit rules and zone dispatch chains.
 * Everything wrong is a located diagnostic; lowering goes on after an error
 * so one run reports as much as it can.
 */
#include "frontend.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bogons.h"
#include "diag.h"
#include "parse.h"
#include "services.h"

#define INCLUDE_DEPTH_MAX 16

/* ------------------------------------------------------------------ */
/* symbols                                                             */

enum sym_kind { SYM_DEFINE, SYM_SET, SYM_ZONE, SYM_SERVICE, SYM_CHAIN };

/* An address value: either literal intervals per family or one named set
 * (possibly negated). */
struct aspec {
	bool is_set;
	struct iset v4, v6;
	struct ir_set *set4, *set6;
	bool neg;
	struct loc loc;
};

struct zone {
	const char **ifaces;
	size_t nifaces;
	bool has_net;
	struct aspec net;
	bool self;
};

struct sym {
	const char *name;
	enum sym_kind kind;
	struct ast_stmt *st;
	struct loc loc;
	int state;                /* 0 unresolved, 1 resolving, 2 done, 3 bad */
	bool used;
	struct aspec val;         /* define, set (is_set) */
	struct zone zone;
	struct svc_list svc;
	struct ir_chain *chain;   /* SYM_CHAIN */
	const char *builtin;      /* non-NULL for built-ins: what they are */
};

struct fe {
	struct arena arena;       /* AST */
	struct ir *ir;
	const struct fwc_opts *o;
	struct sym **syms;        /* sorted by (kind-space, name) after declare */
	size_t nsyms, capsyms;
	struct svcdb *svcdb;
	bool svcdb_failed;
	bool bogons_loaded, bogons_failed;
	struct iset bog4, bog6;
	/* per filter hook: policy, implicit switches */
	enum act_kind policy[HOOK_MAX];
	struct loc policy_loc[HOOK_MAX];
	bool have_policy[HOOK_MAX];
	bool imp_loopback[HOOK_MAX], imp_est[HOOK_MAX], imp_invalid[HOOK_MAX];
	size_t rate_ids;
};

static const struct loc noloc;

/* Which namespace a kind lives in: defines, sets and zones share one (all
 * can appear where an address is expected), services and chains have their
 * own. */
static int space(enum sym_kind k)
{
	return k == SYM_SERVICE ? 1 : k == SYM_CHAIN ? 2 : 0;
}

static const char *kind_name(enum sym_kind k)
{
	static const char *const n[] = { "define", "set", "zone", "service",
					 "chain" };
	return n[k];
}

static struct sym *sym_find(struct fe *fe, int sp, const char *name)
{
	for (size_t i = 0; i < fe->nsyms; i++)
		if (space(fe->syms[i]->kind) == sp &&
		    !strcmp(fe->syms[i]->name, name))
			return fe->syms[i];
	return NULL;
}

static struct sym *sym_add(struct fe *fe, enum sym_kind k, const char *name,
			   const struct loc *loc, struct ast_stmt *st)
{
	struct sym *old = sym_find(fe, space(k), name);
	if (old) {
		if (old->builtin) {
			diag_error(loc, "'%s' is built in (%s) and cannot be redefined",
				   name, old->builtin);
		} else {
			struct diag *d = diag_error(loc, "redefinition of '%s'", name);
			diag_related(d, &old->loc, "previous definition of '%s' (%s) is here",
				     name, kind_name(old->kind));
		}
		return NULL;
	}
	struct sym *s = arena_alloc(&fe->arena, sizeof(*s));
	s->name = name;
	s->kind = k;
	s->st = st;
	if (loc)
		s->loc = *loc;
	iset_init(&s->val.v4, 32);
	iset_init(&s->val.v6, 128);
	VEC_PUSH(fe->syms, fe->nsyms, fe->capsyms);
	fe->syms[fe->nsyms++] = s;
	return s;
}

static void suggest_space(struct fe *fe, int sp, const char *want,
			  char *buf, size_t n, const char *const *extra)
{
	struct suggest sg;
	suggest_init(&sg, want);
	for (size_t i = 0; i < fe->nsyms; i++)
		if (space(fe->syms[i]->kind) == sp)
			suggest_offer(&sg, fe->syms[i]->name);
	for (; extra && *extra; extra++)
		suggest_offer(&sg, *extra);
	suggest_text(&sg, buf, n);
	if (!sg.best || sg.best_d == 0)
		buf[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* aspec                                                               */

static void aspec_init(struct aspec *a)
{
	memset(a, 0, sizeof(*a));
	iset_init(&a->v4, 32);
	iset_init(&a->v6, 128);
}

static void aspec_release(struct aspec *a)
{
	iset_release(&a->v4);
	iset_release(&a->v6);
}

static void aspec_copy(struct aspec *dst, const struct aspec *src)
{
	dst->is_set = src->is_set;
	dst->set4 = src->set4;
	dst->set6 = src->set6;
	dst->neg = src->neg;
	dst->loc = src->loc;
	iset_copy(&dst->v4, &src->v4);
	iset_copy(&dst->v6, &src->v6);
}

/* ------------------------------------------------------------------ */
/* step 1: load and includes                                           */

static char *resolve_path(const struct srcfile *from, const char *path)
{
	if (path[0] == '/' || !from)
		return xstrdup(path);
	char *dup = xstrdup(from->path);
	char *dir = dirname(dup);
	char *r = strcmp(dir, ".") ? xasprintf("%s/%s", dir, path)
				   : xstrdup(path);
	free(dup);
	return r;
}

static bool same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	if (!realpath(a, ra) || !realpath(b, rb))
		return !strcmp(a, b);
	return !strcmp(ra, rb);
}

static struct ast_stmt *load_file(struct fe *fe, const char *path,
				  const struct loc *inc_loc)
{
	struct srcfile *f = src_load(path, inc_loc);
	if (!f) {
		if (inc_loc)
			diag_error(inc_loc, "cannot read '%s': %s", path, strerror(errno));
		else
			diag_error(NULL, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct parse_ctx ctx = { .arena = &fe->arena };
	parse_file(&ctx, f);
	return ctx.head;
}

static struct ast_stmt *load_all(struct fe *fe, const char *path)
{
	struct ast_stmt *head = load_file(fe, path, NULL);
	for (struct ast_stmt *s = head; s; s = s->next) {
		if (s->kind != ST_INCLUDE)
			continue;
		const struct srcfile *from = s->path_loc.file;
		char *p = resolve_path(from, s->path);
		/* cycle: the file is already on the include chain */
		bool cycle = false;
		for (const struct srcfile *f = from; f;
		     f = f->included_from.file) {
			if (same_file(f->path, p)) {
				/* name the whole loop: a.fw -> b.fw -> a.fw */
				char *chain = xstrdup(p);
				for (const struct srcfile *g = from; g; g = g->included_from.file) {
					char *n = xasprintf("%s -> %s", g->path, chain);
					free(chain);
					chain = n;
					if (g == f)
						break;
				}
				diag_error(&s->path_loc, "include cycle: %s", chain);
				free(chain);
				cycle = true;
				break;
			}
		}
		if (!cycle && from && from->depth + 1 > INCLUDE_DEPTH_MAX) {
			diag_error(&s->path_loc, "includes nested too deeply (more than %d)",
				   INCLUDE_DEPTH_MAX);
			cycle = true;
		}
		if (!cycle) {
			struct ast_stmt *sub = load_file(fe, p, &s->path_loc);
			if (sub) {
				struct ast_stmt *last = sub;
				while (last->next)
					last = last->next;
				last->next = s->next;
				s->next = sub;
			}
		}
		free(p);
	}
	return head;
}

/* ------------------------------------------------------------------ */
/* step 2: values                                                      */

static bool eval_val(struct fe *fe, const struct ast_val *v, struct aspec *out,
		     const char *ctxname);

static bool parse_addr(const char *text, const struct loc *loc, int *fam,
		       u128 *a, int *plen)
{
	char err[160];
	if (addr_parse(text, strlen(text), fam, a, plen, err, sizeof(err)) < 0) {
		diag_error(loc, "%s", err);
		return false;
	}
	return true;
}

static struct iset *fam_set(struct aspec *a, int fam)
{
	return fam == 4 ? &a->v4 : &a->v6;
}

static bool resolve_sym(struct fe *fe, struct sym *s);

static bool eval_name(struct fe *fe, const struct ast_val *v,
		      struct aspec *out)
{
	struct sym *s = sym_find(fe, 0, v->text);
	if (!s) {
		char sg[96];
		suggest_space(fe, 0, v->text, sg, sizeof(sg), NULL);
		diag_error(&v->loc, "unknown name '%s'%s", v->text, sg);
		return false;
	}
	s->used = true;
	if (s->kind == SYM_ZONE) {
		diag_error(&v->loc, "'%s' is a zone; use 'from %s' or 'to %s' to match it",
			   v->text, v->text, v->text);
		return false;
	}
	if (!resolve_sym(fe, s))
		return false;
	aspec_copy(out, &s->val);
	out->loc = v->loc;
	return true;
}

static bool eval_val(struct fe *fe, const struct ast_val *v, struct aspec *out,
		     const char *ctxname)
{
	int fam, fam2, plen, plen2;
	u128 a, b;
	out->loc = v->loc;
	switch (v->kind) {
	case AV_ADDR:
		if (v->port >= 0) {
			diag_error(&v->loc, "a port is not allowed here");
			return false;
		}
		if (!parse_addr(v->text, &v->loc, &fam, &a, &plen))
			return false;
		iset_add_prefix(fam_set(out, fam), a, plen);
		iset_normalize(fam_set(out, fam));
		return true;
	case AV_RANGE:
		if (!parse_addr(v->text, &v->loc, &fam, &a, &plen) ||
		    !parse_addr(v->text2, &v->loc, &fam2, &b, &plen2))
			return false;
		if (fam != fam2) {
			diag_error(&v->loc, "range mixes IPv%d and IPv%d", fam, fam2);
			return false;
		}
		if (plen != (fam == 4 ? 32 : 128) || plen2 != plen) {
			diag_error(&v->loc, "a range takes addresses, not prefixes");
			return false;
		}
		if (a > b) {
			diag_error(&v->loc, "range is backwards: %s is above %s",
				   v->text, v->text2);
			return false;
		}
		iset_add_range(fam_set(out, fam), a, b);
		iset_normalize(fam_set(out, fam));
		return true;
	case AV_NAME:
		if (v->port >= 0) {
			diag_error(&v->loc, "a port is not allowed here");
			return false;
		}
		return eval_name(fe, v, out);
	case AV_SETREF: {
		struct sym *s = sym_find(fe, 0, v->text);
		if (!s || s->kind != SYM_SET) {
			char sg[96] = "";
			if (!s) {
				struct suggest g;
				suggest_init(&g, v->text);
				for (size_t i = 0; i < fe->nsyms; i++)
					if (fe->syms[i]->kind == SYM_SET)
						suggest_offer(&g, fe->syms[i]->name);
				suggest_text(&g, sg, sizeof(sg));
				if (!g.best)
					sg[0] = '\0';
				diag_error(&v->loc, "unknown set '%s'%s", v->text, sg);
			} else {
				diag_error(&v->loc, "'%s' is a %s, not a set", v->text,
					   kind_name(s->kind));
			}
			return false;
		}
		s->used = true;
		if (!resolve_sym(fe, s))
			return false;
		aspec_copy(out, &s->val);
		out->loc = v->loc;
		return true;
	}
	case AV_LIST: {
		bool ok = true;
		size_t n = 0;
		bool any_set = false;
		for (const struct ast_val *c = v->child; c; c = c->next) {
			struct aspec sub;
			aspec_init(&sub);
			n++;
			if (!eval_val(fe, c, &sub, ctxname)) {
				ok = false;
			} else if (sub.is_set || sub.neg) {
				if (sub.is_set) {
					any_set = true;
					aspec_release(out);
					*out = sub;   /* moved; isets are empty */
					out->loc = v->loc;
					continue;
				}
			} else {
				struct iset t;
				iset_init(&t, 32);
				iset_union(&t, &out->v4, &sub.v4);
				iset_copy(&out->v4, &t);
				iset_release(&t);
				iset_init(&t, 128);
				iset_union(&t, &out->v6, &sub.v6);
				iset_copy(&out->v6, &t);
				iset_release(&t);
			}
			aspec_release(&sub);
		}
		if (ok && any_set && n > 1) {
			diag_error(&v->loc, "a list cannot contain a named set; "
				   "write one rule per set");
			return false;
		}
		return ok;
	}
	case AV_NOT: {
		if (!eval_val(fe, v->child, out, ctxname))
			return false;
		if (out->is_set) {
			out->neg = !out->neg;
		} else {
			struct iset t;
			iset_init(&t, 32);
			iset_complement(&t, &out->v4);
			iset_copy(&out->v4, &t);
			iset_release(&t);
			iset_init(&t, 128);
			iset_complement(&t, &out->v6);
			iset_copy(&out->v6, &t);
			iset_release(&t);
		}
		out->loc = v->loc;
		return true;
	}
	}
	BUG("bad value kind %d", v->kind);
}

static bool load_bogons(struct fe *fe, const struct loc *loc)
{
	if (fe->bogons_loaded)
		return !fe->bogons_failed;
	fe->bogons_loaded = true;
	char err[256], d4[32], d6[32];
	iset_init(&fe->bog4, 32);
	iset_init(&fe->bog6, 128);
	if (bogons_load(fe->o->datadir, &fe->bog4, &fe->bog6, d4, d6,
			sizeof(d4), err, sizeof(err)) < 0) {
		diag_error(loc, "cannot load the bogon registries: %s", err);
		fe->bogons_failed = true;
		return false;
	}
	snprintf(fe->ir->bogons_date4, sizeof(fe->ir->bogons_date4), "%s", d4);
	snprintf(fe->ir->bogons_date6, sizeof(fe->ir->bogons_date6), "%s", d6);
	return true;
}

/* A set file: one address, prefix or range per line; '#' comments. Each
 * bad line is its own located error. */
static void load_set_file(struct fe *fe, struct sym *s, struct aspec *out)
{
	struct ast_stmt *st = s->st;
	char *p = resolve_path(st->path_loc.file, st->path);
	struct srcfile *f = src_load(p, &st->path_loc);
	if (!f) {
		diag_error(&st->path_loc, "cannot read set file '%s': %s", p,
			   strerror(errno));
		free(p);
		return;
	}
	f->data = true;
	free(p);
	const char *t = f->text, *end = f->text + f->len;
	uint32_t line = 0;
	while (t < end) {
		line++;
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		const char *le = nl ? nl : end;
		const char *b = t, *e = le;
		const char *hash = memchr(b, '#', (size_t)(e - b));
		if (hash)
			e = hash;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (b < e) {
			struct loc l = { f, line, (uint32_t)(b - t) + 1,
					 (uint32_t)(e - b) };
			char err[160];
			int fam, fam2, plen, plen2;
			u128 a, z;
			const char *dash = memchr(b, '-', (size_t)(e - b));
			const char *nul = memchr(b, '\0', (size_t)(e - b));
			if (nul) {
				l.col = (uint32_t)(nul - t) + 1;
				l.len = 1;
				diag_error(&l, "NUL byte in set file");
			} else if (dash) {
				if (addr_parse(b, (size_t)(dash - b), &fam, &a, &plen, err, sizeof(err)) < 0 ||
				    addr_parse(dash + 1, (size_t)(e - dash - 1), &fam2, &z, &plen2, err, sizeof(err)) < 0)
					diag_error(&l, "%s", err);
				else if (fam != fam2)
					diag_error(&l, "range mixes IPv%d and IPv%d", fam, fam2);
				else if (plen != (fam == 4 ? 32 : 128) || plen2 != plen)
					diag_error(&l, "a range takes addresses, not prefixes");
				else if (a > z)
					diag_error(&l, "range is backwards");
				else
					iset_add_range(fam_set(out, fam), a, z);
			} else if (addr_parse(b, (size_t)(e - b), &fam, &a, &plen, err, sizeof(err)) < 0) {
				diag_error(&l, "%s", err);
			} else {
				iset_add_prefix(fam_set(out, fam), a, plen);
			}
		}
		t = nl ? nl + 1 : end;
	}
	iset_normalize(&out->v4);
	iset_normalize(&out->v6);
}

static bool resolve_sym(struct fe *fe, struct sym *s)
{
	if (s->state == 2)
		return true;
	if (s->state == 3)
		return false;
	if (s->state == 1) {
		diag_error(&s->loc, "'%s' is defined in terms of itself", s->name);
		s->state = 3;
		return false;
	}
	s->state = 1;
	bool ok = true;
	switch (s->kind) {
	case SYM_DEFINE:
		ok = eval_val(fe, s->st->val, &s->val, s->name);
		break;
	case SYM_SET: {
		struct aspec lit;
		aspec_init(&lit);
		if (s->builtin) {
			ok = load_bogons(fe, &s->loc);
			if (ok) {
				if (strcmp(s->name, "bogons6"))
					iset_copy(&lit.v4, &fe->bog4);
				if (strcmp(s->name, "bogons4"))
					iset_copy(&lit.v6, &fe->bog6);
			}
		} else if (s->st->path) {
			size_t before = diag_count(DIAG_ERROR);
			load_set_file(fe, s, &lit);
			ok = diag_count(DIAG_ERROR) == before;
		} else {
			ok = eval_val(fe, s->st->val, &lit, s->name);
			if (ok && (lit.is_set || lit.neg)) {
				diag_error(&s->st->val->loc, "a set holds addresses, "
					   "not other sets");
				ok = false;
			}
		}
		if (ok) {
			bool b4 = !s->builtin || strcmp(s->name, "bogons6");
			bool b6 = !s->builtin || strcmp(s->name, "bogons4");
			s->val.is_set = true;
			if (b4) {
				s->val.set4 = ir_set_add(fe->ir, s->name, 4, &s->loc);
				iset_copy(&s->val.set4->elems, &lit.v4);
				s->val.set4->builtin = s->builtin != NULL;
			}
			if (b6) {
				s->val.set6 = ir_set_add(fe->ir, s->name, 6, &s->loc);
				iset_copy(&s->val.set6->elems, &lit.v6);
				s->val.set6->builtin = s->builtin != NULL;
			}
		}
		aspec_release(&lit);
		break;
	}
	default:
		break;
	}
	s->state = ok ? 2 : 3;
	return ok;
}

/* ------------------------------------------------------------------ */
/* services                                                            */

static const char *const default_fw_dirs[] = {
	"/etc/firewalld/services", "/usr/lib/firewalld/services", NULL
};

static struct svcdb *get_svcdb(struct fe *fe, const struct loc *loc)
{
	if (fe->svcdb || fe->svcdb_failed)
		return fe->svcdb;
	char err[256];
	const char *path = fe->o->services_file ? fe->o->services_file
						: "/etc/services";
	fe->svcdb = svcdb_load(path, err, sizeof(err));
	if (!fe->svcdb) {
		diag_error(loc, "cannot load services: %s", err);
		fe->svcdb_failed = true;
	}
	return fe->svcdb;
}

static void offer_cb(const char *name, void *ctx)
{
	suggest_offer(ctx, name);
}

/* For names that do not outlive the callback (firewalld's directory
 * listing): keep a copy of the best one. */
struct offer_copy {
	struct suggest sg;
	char best[256];
};

static void offer_copy_cb(const char *name, void *ctx)
{
	struct offer_copy *oc = ctx;
	const char *before = oc->sg.best;
	suggest_offer(&oc->sg, name);
	if (oc->sg.best != before) {
		snprintf(oc->best, sizeof(oc->best), "%s", name);
		oc->sg.best = oc->best;
	}
}

static const char *suggest_proto(const char *want, char *buf, size_t n)
{
	struct suggest sg;
	suggest_init(&sg, want);
	for (int p = 0; p < 256; p++) {
		const char *name = proto_name(p);
		if (name)
			suggest_offer(&sg, name);
	}
	return suggest_text(&sg, buf, n);
}

static bool svc_inline(struct fe *fe, struct sym *s)
{
	int proto = -1;
	bool ok = true;
	for (struct ast_svc *it = s->st->svc; it; it = it->next) {
		if (it->proto) {
			proto = proto_by_name(it->proto);
			if (proto < 0) {
				char buf[96];
				diag_error(&it->proto_loc, "unknown protocol '%s'%s", it->proto,
					   suggest_proto(it->proto, buf, sizeof(buf)));
				ok = false;
				continue;
			}
		}
		if (proto < 0) {
			diag_error(&it->proto_loc, "a port needs a protocol before it "
				   "(e.g. 'tcp %u')", it->ports ? it->ports->lo : 0);
			ok = false;
			continue;
		}
		bool porty = proto == 6 || proto == 17 || proto == 132 ||
			     proto == 33 || proto == 136;
		if (!it->ports) {
			/* "tcp" alone: every port, "icmp": the protocol */
			if (it->next && !it->next->proto)
				continue;   /* ports follow */
			VEC_PUSH(s->svc.v, s->svc.n, s->svc.cap);
			s->svc.v[s->svc.n++] = (struct svc_port){ proto, 0, 65535, true };
			continue;
		}
		for (struct ast_port *pt = it->ports; pt; pt = pt->next) {
			if (!porty) {
				diag_error(&pt->loc, "protocol '%s' has no ports",
					   proto_name(proto));
				ok = false;
			} else if (pt->lo > 65535 || pt->hi > 65535) {
				diag_error(&pt->loc, "port out of range (0-65535)");
				ok = false;
			} else if (pt->lo > pt->hi) {
				diag_error(&pt->loc, "port range is backwards");
				ok = false;
			} else {
				VEC_PUSH(s->svc.v, s->svc.n, s->svc.cap);
				s->svc.v[s->svc.n++] = (struct svc_port){
					proto, (uint16_t)pt->lo, (uint16_t)pt->hi, false };
			}
		}
	}
	return ok;
}

static bool resolve_service(struct fe *fe, struct sym *s)
{
	if (s->state == 2)
		return true;
	if (s->state == 3)
		return false;
	bool ok = true;
	if (s->st && s->st->svc_src == SVC_INLINE) {
		ok = svc_inline(fe, s);
	} else if (s->st && s->st->svc_src == SVC_FIREWALLD) {
		const char *const *dirs = fe->o->firewalld_dirs ? fe->o->firewalld_dirs
								: default_fw_dirs;
		char err[512];
		int r = firewalld_lookup(dirs, s->st->path, &s->svc, err, sizeof(err));
		if (r < 0) {
			diag_error(&s->st->path_loc, "%s", err);
			ok = false;
		} else if (r == 0) {
			struct offer_copy oc;
			char buf[300], where[512] = "";
			suggest_init(&oc.sg, s->st->path);
			firewalld_foreach_name(dirs, offer_copy_cb, &oc);
			for (size_t i = 0; dirs[i]; i++) {
				size_t l = strlen(where);
				snprintf(where + l, sizeof(where) - l, "%s%s",
					 i ? (dirs[i + 1] ? ", " : " or ") : "", dirs[i]);
			}
			diag_error(&s->st->path_loc, "no firewalld service '%s' in %s%s",
				   s->st->path, where[0] ? where : "(no directory)",
				   suggest_text(&oc.sg, buf, sizeof(buf)));
			ok = false;
		}
	} else {
		/* /etc/services, by the service's own name */
		const struct loc *l = s->st ? &s->st->name_loc : &s->loc;
		struct svcdb *db = get_svcdb(fe, l);
		if (!db) {
			ok = false;
		} else if (svcdb_lookup(db, s->name, &s->svc) == 0) {
			struct suggest sg;
			char buf[96];
			suggest_init(&sg, s->name);
			svcdb_foreach_name(db, offer_cb, &sg);
			for (size_t i = 0; i < fe->nsyms; i++)
				if (fe->syms[i]->kind == SYM_SERVICE && fe->syms[i] != s)
					suggest_offer(&sg, fe->syms[i]->name);
			diag_error(l, "unknown service '%s' (not in %s)%s", s->name,
				   fe->o->services_file ? fe->o->services_file
							: "/etc/services",
				   suggest_text(&sg, buf, sizeof(buf)));
			ok = false;
		}
	}
	s->state = ok ? 2 : 3;
	return ok;
}

/* A service named in a rule: declared, else looked up in /etc/services. */
static struct sym *service_ref(struct fe *fe, const char *name,
			       const struct loc *loc)
{
	struct sym *s = sym_find(fe, 1, name);
	if (!s) {
		struct svcdb *db = get_svcdb(fe, loc);
		if (!db)
			return NULL;
		struct svc_list tmp = { 0 };
		size_t n = svcdb_lookup(db, name, &tmp);
		svc_list_release(&tmp);
		if (n == 0) {
			struct suggest sg;
			char buf[96];
			suggest_init(&sg, name);
			for (size_t i = 0; i < fe->nsyms; i++)
				if (fe->syms[i]->kind == SYM_SERVICE)
					suggest_offer(&sg, fe->syms[i]->name);
			svcdb_foreach_name(db, offer_cb, &sg);
			diag_error(loc, "unknown service '%s'%s", name,
				   suggest_text(&sg, buf, sizeof(buf)));
			return NULL;
		}
		s = sym_add(fe, SYM_SERVICE, arena_strdup(&fe->arena, name), loc, NULL);
		s->builtin = "from the services file";
	}
	s->used = true;
	return resolve_service(fe, s) ? s : NULL;
}

/* ------------------------------------------------------------------ */
/* zones                                                               */

static bool resolve_zone(struct fe *fe, struct sym *s)
{
	if (s->state)
		return s->state == 2;
	s->state = 2;
	struct zone *z = &s->zone;
	if (s->builtin)
		return true;
	for (struct ast_val *v = s->st->ifaces; v; v = v->next) {
		if (strlen(v->text) >= 16) {
			diag_error(&v->loc, "interface name '%s' is longer than 15 characters",
				   v->text);
			s->state = 3;
			continue;
		}
		z->ifaces = xrealloc(z->ifaces, (z->nifaces + 1) * sizeof(char *));
		z->ifaces[z->nifaces++] = v->text;
	}
	aspec_init(&z->net);
	for (struct ast_val *v = s->st->networks; v; v = v->next) {
		struct aspec a;
		aspec_init(&a);
		if (!eval_val(fe, v, &a, s->name)) {
			s->state = 3;
		} else if (a.is_set) {
			diag_error(&v->loc, "a zone network must be addresses, not a set");
			s->state = 3;
		} else {
			struct iset t;
			iset_init(&t, 32);
			iset_union(&t, &z->net.v4, &a.v4);
			iset_copy(&z->net.v4, &t);
			iset_release(&t);
			iset_init(&t, 128);
			iset_union(&t, &z->net.v6, &a.v6);
			iset_copy(&z->net.v6, &t);
			iset_release(&t);
			z->has_net = true;
		}
		aspec_release(&a);
	}
	if (s->st->broken) {
		s->state = 3;   /* its syntax error was reported; stay quiet */
	} else if (!z->nifaces && !z->has_net && s->state != 3) {
		diag_error(&s->st->name_loc, "zone '%s' has neither an interface nor a network",
			   s->name);
		s->state = 3;
	}
	return s->state == 2;
}

static struct sym *zone_ref(struct fe *fe, const struct ast_val *v)
{
	if (v->kind != AV_NAME) {
		diag_error(&v->loc, "expected a zone name");
		return NULL;
	}
	struct sym *s = sym_find(fe, 0, v->text);
	if (!s || s->kind != SYM_ZONE) {
		char sg[96] = "";
		struct suggest g;
		suggest_init(&g, v->text);
		for (size_t i = 0; i < fe->nsyms; i++)
			if (fe->syms[i]->kind == SYM_ZONE)
				suggest_offer(&g, fe->syms[i]->name);
		suggest_text(&g, sg, sizeof(sg));
		if (!g.best)
			sg[0] = '\0';
		if (s)
			diag_error(&v->loc, "'%s' is a %s, not a zone%s", v->text,
				   kind_name(s->kind), sg);
		else
			diag_error(&v->loc, "unknown zone '%s'%s", v->text, sg);
		return NULL;
	}
	s->used = true;
	return resolve_zone(fe, s) ? s : NULL;
}

/* ------------------------------------------------------------------ */
/* step 2: declare                                                     */

/* Base chains are named after their hook ("input", "nat-prerouting"),
 * zone dispatch chains "HOOK-ZONE" (checked when they are made). */
static bool chain_name_reserved(const char *n)
{
	for (int h = 0; h < HOOK_MAX; h++) {
		if (!strcmp(n, hook_name((enum fwc_hook)h)))
			return true;
		for (int t = 0; t < TBL_MAX; t++) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s-%s", table_name((enum fwc_table)t),
				 hook_name((enum fwc_hook)h));
			if (!strcmp(n, buf))
				return true;
		}
	}
	return !strncmp(n, "fwc", 3);
}

static void declare(struct fe *fe, struct ast_stmt *head)
{
	static const struct {
		const char *name;
		const char *what;
	} builtin_sets[] = {
		{ "bogons", "IANA special-purpose addresses, IPv4 and IPv6" },
		{ "bogons4", "IANA special-purpose addresses, IPv4" },
		{ "bogons6", "IANA special-purpose addresses, IPv6" },
	};
	for (size_t i = 0; i < 3; i++) {
		struct sym *s = sym_add(fe, SYM_SET, builtin_sets[i].name, &noloc, NULL);
		s->builtin = builtin_sets[i].what;
	}
	struct sym *self = sym_add(fe, SYM_ZONE, "self", &noloc, NULL);
	self->builtin = "this host";
	self->zone.self = true;
	aspec_init(&self->zone.net);

	for (struct ast_stmt *s = head; s; s = s->next) {
		switch (s->kind) {
		case ST_DEFINE:
			sym_add(fe, SYM_DEFINE, s->name, &s->name_loc, s);
			break;
		case ST_SET:
			if (!strncmp(s->name, "fwc", 3)) {
				diag_error(&s->name_loc, "set names starting with 'fwc' are reserved");
				break;
			}
			sym_add(fe, SYM_SET, s->name, &s->name_loc, s);
			break;
		case ST_SERVICE:
			sym_add(fe, SYM_SERVICE, s->name, &s->name_loc, s);
			break;
		case ST_ZONE:
			sym_add(fe, SYM_ZONE, s->name, &s->name_loc, s);
			break;
		case ST_BLOCK:
			if (s->name && chain_name_reserved(s->name)) {
				diag_error(&s->name_loc, "chain name '%s' is reserved for fwc's own chains",
					   s->name);
				break;
			}
			if (s->name) {
				struct sym *c = sym_add(fe, SYM_CHAIN, s->name, &s->name_loc, s);
				if (c) {
					c->chain = ir_chain_add(fe->ir, s->name, s->table, HOOK_NONE);
					c->chain->loc = s->name_loc;
				}
			}
			break;
		default:
			break;
		}
	}
	/* resolve everything declared, so errors in unused definitions are
	 * reported too */
	for (size_t i = 0; i < fe->nsyms; i++) {
		struct sym *s = fe->syms[i];
		if (s->builtin)
			continue;
		if (s->kind == SYM_SERVICE)
			resolve_service(fe, s);
		else if (s->kind == SYM_ZONE)
			resolve_zone(fe, s);
		else if (s->kind != SYM_CHAIN)
			resolve_sym(fe, s);
	}
	/* an interface belongs to at most one zone */
	for (size_t i = 0; i < fe->nsyms; i++) {
		struct sym *a = fe->syms[i];
		if (a->kind != SYM_ZONE)
			continue;
		for (size_t j = i + 1; j < fe->nsyms; j++) {
			struct sym *b = fe->syms[j];
			if (b->kind != SYM_ZONE)
				continue;
			for (size_t x = 0; x < a->zone.nifaces; x++)
				for (size_t y = 0; y < b->zone.nifaces; y++)
					if (!strcmp(a->zone.ifaces[x], b->zone.ifaces[y])) {
						struct diag *d = diag_error(&b->loc,
							"interface '%s' is in zones '%s' and '%s'",
							b->zone.ifaces[y], a->name, b->name);
						diag_related(d, &a->loc, "zone '%s' is here", a->name);
					}
		}
	}
}

/* ------------------------------------------------------------------ */
/* step 3: lowering rules                                              */

static bool hook_has_iif(enum fwc_hook h)
{
	return h == HOOK_PREROUTING || h == HOOK_INPUT || h == HOOK_FORWARD ||
	       h == HOOK_NONE;
}

static bool hook_has_oif(enum fwc_hook h)
{
	return h == HOOK_FORWARD || h == HOOK_OUTPUT || h == HOOK_POSTROUTING ||
	       h == HOOK_NONE;
}

static bool porty(int proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 33 ||
	       proto == 136;
}

/* One protocol alternative of a rule. */
struct palt {
	int proto;          /* -1: none; 1/58 resolved per family for icmp */
	bool icmp;          /* "icmp": proto 1 for v4, 58 for v6 */
	struct iset dports, sports;
	bool has_dports, has_sports;
	bool plain_reject;  /* the non-TCP part of "reject with tcp-reset" */
};

/* Everything a rule says, resolved, before it is split per family. */
struct lrule {
	const struct ast_rule *ar;
	enum fwc_table table;
	enum fwc_hook hook;
	struct sym *from, *to;
	struct aspec *src, *dst;        /* constraints, ANDed */
	size_t nsrc, capsrc, ndst, capdst;
	struct palt *alts;
	size_t nalts, capalts;
	bool has_alts;                  /* a protocol constraint exists */
	int icmp4, icmp6;               /* type, -1 none; -2 excluded */
	bool icmp_only4, icmp_only6;
	const char **iif, **oif;
	size_t niif, noif;
	bool iif_neg, oif_neg;
	struct ir_match extra[16];      /* stateful and misc matches */
	size_t nextra;
	const char *reject_with;
	const char *log_prefix;
	int log_level;
	bool has_nat_addr;
	int nat_fam;
	u128 nat_addr;
	int port_lo, port_hi;
	bool fragment;
	int tcpflags_mask, tcpflags_val;
	bool has_tcpflags;
	bool rate_per;                  /* per-source/dest: split families */
	struct sym *key;                /* dispatch zone (filter hooks) */
	bool ok;
};

static void lrule_release(struct lrule *lr)
{
	for (size_t i = 0; i < lr->nsrc; i++)
		aspec_release(&lr->src[i]);
	for (size_t i = 0; i < lr->ndst; i++)
		aspec_release(&lr->dst[i]);
	free(lr->src);
	free(lr->dst);
	for (size_t i = 0; i < lr->nalts; i++) {
		iset_release(&lr->alts[i].dports);
		iset_release(&lr->alts[i].sports);
	}
	free(lr->alts);
	free(lr->iif);
	free(lr->oif);
}

static struct aspec *push_aspec(struct aspec **v, size_t *n, size_t *cap)
{
	VEC_PUSH(*v, *n, *cap);
	struct aspec *a = &(*v)[(*n)++];
	aspec_init(a);
	return a;
}

static struct palt *push_alt(struct lrule *lr, int proto)
{
	VEC_PUSH(lr->alts, lr->nalts, lr->capalts);
	struct palt *p = &lr->alts[lr->nalts++];
	memset(p, 0, sizeof(*p));
	p->proto = proto;
	iset_init(&p->dports, 16);
	iset_init(&p->sports, 16);
	return p;
}

static const char *term_word(enum term_kind k)
{
	static const char *const n[] = {
		"from", "to", "to port", "source", "destination", "service",
		"proto", "sport", "dport", "icmp", "icmpv4", "icmpv6", "state",
		"in", "out", "mark", "connmark", "uid", "tcp-flags", "fragment",
		"rate", "connlimit", "recent", "nth", "with", "prefix", "level",
	};
	return n[k];
}

static bool ports_to_iset(const struct ast_port *p, struct iset *s)
{
	bool ok = true;
	for (; p; p = p->next) {
		if (p->lo > 65535 || p->hi > 65535) {
			diag_error(&p->loc, "port out of range (0-65535)");
			ok = false;
		} else if (p->lo > p->hi) {
			diag_error(&p->loc, "port range is backwards");
			ok = false;
		} else {
			iset_add_range(s, p->lo, p->hi);
		}
	}
	iset_normalize(s);
	return ok;
}

static int level_by_name(const char *n)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
					     "warn", "notice", "info", "debug" };
	for (int i = 0; i < 8; i++)
		if (!strcmp(n, names[i]))
			return i;
	if (!strcmp(n, "warning"))
		return 4;
	if (!strcmp(n, "error"))
		return 3;
	return -1;
}

static const char *canon_reject(const char *w)
{
	static const char *const ok[] = {
		"tcp-reset", "port-unreachable", "host-unreachable",
		"admin-prohibited", "no-route", NULL,
	};
	for (size_t i = 0; ok[i]; i++)
		if (!strcmp(w, ok[i]))
			return ok[i];
	/* ICMP's name for what ICMPv6 calls no route */
	if (!strcmp(w, "net-unreachable"))
		return "no-route";
	return NULL;
}

static bool act_allowed_in(enum act_kind a, enum fwc_table t, enum fwc_hook h,
			   bool nat_any)
{
	switch (a) {
	case ACT_ACCEPT:
	case ACT_DROP:
	case ACT_RETURN:
	case ACT_JUMP:
	case ACT_GOTO:
	case ACT_LOG:
		return !(t == TBL_NAT && a == ACT_DROP);
	case ACT_REJECT:
		return t == TBL_FILTER;
	case ACT_MARK:
	case ACT_CONNMARK:
		return t == TBL_MANGLE || t == TBL_FILTER;
	case ACT_MASQUERADE:
		return t == TBL_NAT && (nat_any || h == HOOK_POSTROUTING || h == HOOK_NONE);
	case ACT_SNAT:
		return t == TBL_NAT && (nat_any || h == HOOK_POSTROUTING ||
					h == HOOK_INPUT || h == HOOK_NONE);
	case ACT_DNAT:
	case ACT_REDIRECT:
		return t == TBL_NAT && (nat_any || h == HOOK_PREROUTING ||
					h == HOOK_OUTPUT || h == HOOK_NONE);
	case ACT_CLAMP_MSS:
		return t == TBL_MANGLE || t == TBL_FILTER;
	case ACT_NOTRACK:
		return t == TBL_RAW;
	case ACT_OTHER:
		return false;   /* imported dumps only */
	}
	return false;
}

static bool parse_ctstates(const struct ast_val *v, uint32_t *bits)
{
	bool ok = true;
	*bits = 0;
	for (; v; v = v->next) {
		static const char *const n[] = { "new", "established", "related",
						 "invalid", "untracked" };
		bool found = false;
		for (int i = 0; i < 5; i++)
			if (!strcmp(v->text, n[i])) {
				*bits |= 1u << i;
				found = true;
			}
		if (!found) {
			struct suggest sg;
			char buf[96];
			suggest_init(&sg, v->text);
			for (int i = 0; i < 5; i++)
				suggest_offer(&sg, n[i]);
			diag_error(&v->loc, "unknown connection state '%s'%s", v->text,
				   suggest_text(&sg, buf, sizeof(buf)));
			ok = false;
		}
	}
	return ok;
}

static bool parse_tcpflags(const struct ast_val *v, int *bits)
{
	static const char *const n[] = { "fin", "syn", "rst", "psh", "ack",
					 "urg", "ece", "cwr" };
	bool ok = true;
	*bits = 0;
	for (; v; v = v->next) {
		bool found = false;
		for (int i = 0; i < 8; i++)
			if (!strcmp(v->text, n[i])) {
				*bits |= 1 << i;
				found = true;
			}
		if (!found) {
			diag_error(&v->loc, "unknown tcp flag '%s' (fin, syn, rst, psh, ack, urg, ece, cwr)",
				   v->text);
			ok = false;
		}
	}
	return ok;
}

static struct ir_match *extra(struct lrule *lr, enum ir_mkind k)
{
	if (lr->nextra >= sizeof(lr->extra) / sizeof(lr->extra[0]))
		return NULL;
	struct ir_match *m = &lr->extra[lr->nextra++];
	memset(m, 0, sizeof(*m));
	m->kind = k;
	return m;
}

static bool apply_service_term(struct fe *fe, struct lrule *lr,
			       const struct ast_term *t)
{
	/* collect services: a name or a { list } of names */
	const struct ast_val *names = t->val;
	const struct ast_val *first = names->kind == AV_LIST ? names->child : names;
	if (names->kind == AV_NOT) {
		diag_error(&names->loc, "'not' is not supported for services; "
			   "write the exception as an earlier rule");
		return false;
	}
	struct svc_list all = { 0 };
	bool ok = true;
	for (const struct ast_val *v = first; v; v = names->kind == AV_LIST ? v->next : NULL) {
		if (v->kind != AV_NAME) {
			diag_error(&v->loc, "expected a service name");
			ok = false;
			continue;
		}
		if (v->port >= 0) {
			diag_error(&v->loc, "a port is not allowed here");
			ok = false;
			continue;
		}
		struct sym *s = service_ref(fe, v->text, &v->loc);
		if (!s) {
			ok = false;
			continue;
		}
		for (size_t i = 0; i < s->svc.n; i++) {
			VEC_PUSH(all.v, all.n, all.cap);
			all.v[all.n++] = s->svc.v[i];
		}
	}
	if (ok) {
		if (lr->has_alts) {
			diag_error(&t->loc, "only one 'service' or 'proto' per rule; "
				   "use 'service { a, b }'");
			ok = false;
		}
		lr->has_alts = true;
		/* group by protocol, in protocol order */
		for (int proto = 0; proto < 256 && ok; proto++) {
			struct palt *p = NULL;
			for (size_t i = 0; i < all.n; i++) {
				if (all.v[i].proto != proto)
					continue;
				if (!p)
					p = push_alt(lr, proto);
				if (all.v[i].any_port) {
					p->has_dports = false;
					iset_clear(&p->dports);
					p->dports.bits = 16;
					/* any port wins over specific ones */
					p->proto = proto;
					goto next_proto;
				}
				p->has_dports = true;
				iset_add_range(&p->dports, all.v[i].lo, all.v[i].hi);
			}
			if (p)
				iset_normalize(&p->dports);
next_proto:
			if (p && !p->has_dports)
				iset_clear(&p->dports);
		}
	}
	svc_list_release(&all);
	return ok;
}

static void add_ifaces(const char ***v, size_t *n, const char *const *src,
		       size_t ns)
{
	for (size_t i = 0; i < ns; i++) {
		*v = xrealloc(*v, (*n + 1) * sizeof(char *));
		(*v)[(*n)++] = src[i];
	}
}

/* Zone terms: what `from Z` / `to Z` become in this hook. */
static bool apply_zone(struct fe *fe, struct lrule *lr, const struct ast_term *t,
		       bool is_from)
{
	struct sym *z = zone_ref(fe, t->val);
	if (!z)
		return false;
	enum fwc_hook h = lr->hook;
	if (is_from)
		lr->from = z;
	else
		lr->to = z;
	if (z->zone.self) {
		bool fine = is_from ? (h == HOOK_OUTPUT) : (h == HOOK_INPUT);
		if (!fine && h != HOOK_NONE) {
			diag_error(&t->loc, "'%s self' never matches in %s %s",
				   is_from ? "from" : "to", table_name(lr->table),
				   hook_name(h));
			return false;
		}
		return true;
	}
	if (is_from && h == HOOK_OUTPUT) {
		diag_error(&t->loc, "output packets come from this host; "
			   "'from %s' never matches (did you mean 'to %s'?)",
			   z->name, z->name);
		return false;
	}
	if (!is_from && h == HOOK_INPUT) {
		diag_error(&t->loc, "input packets go to this host; "
			   "'to %s' never matches (did you mean 'from %s'?)",
			   z->name, z->name);
		return false;
	}
	bool ifok = is_from ? hook_has_iif(h) : hook_has_oif(h);
	if (z->zone.nifaces && ifok) {
		bool dispatch = lr->table == TBL_FILTER &&
				((is_from && (h == HOOK_INPUT || h == HOOK_FORWARD)) ||
				 (!is_from && h == HOOK_OUTPUT));
		if (dispatch)
			lr->key = z;
		else if (is_from)
			add_ifaces(&lr->iif, &lr->niif, z->zone.ifaces, z->zone.nifaces);
		else
			add_ifaces(&lr->oif, &lr->noif, z->zone.ifaces, z->zone.nifaces);
	} else if (!z->zone.has_net) {
		diag_error(&t->loc, "zone '%s' has no network, and its interfaces cannot "
			   "be matched in %s %s; give the zone a 'network'",
			   z->name, table_name(lr->table), hook_name(h));
		return false;
	}
	if (z->zone.has_net) {
		struct aspec *a = is_from ? push_aspec(&lr->src, &lr->nsrc, &lr->capsrc)
					  : push_aspec(&lr->dst, &lr->ndst, &lr->capdst);
		aspec_copy(a, &z->zone.net);
		a->loc = t->loc;
	}
	return true;
}

static bool nat_target(struct fe *fe, struct lrule *lr, const struct ast_term *t)
{
	const struct ast_val *v = t->val;
	int fam, plen;
	u128 a;
	if (v->kind == AV_ADDR) {
		if (!parse_addr(v->text, &v->loc, &fam, &a, &plen))
			return false;
		if (plen != (fam == 4 ? 32 : 128)) {
			diag_error(&v->loc, "a NAT target is one address, not a prefix");
			return false;
		}
	} else if (v->kind == AV_NAME) {
		struct sym *s = sym_find(fe, 0, v->text);
		if (s && s->kind == SYM_ZONE) {
			diag_error(&v->loc, "'%s %s' names a zone; a %s target must be an address",
				   act_name(lr->ar->act), v->text, act_name(lr->ar->act));
			return false;
		}
		struct aspec as;
		aspec_init(&as);
		struct ast_val nv = *v;
		nv.port = -1;
		bool ok = eval_name(fe, &nv, &as);
		size_t n4 = as.v4.n, n6 = as.v6.n;
		bool single = ok && !as.is_set && n4 + n6 == 1 &&
			((n4 && as.v4.r[0].lo == as.v4.r[0].hi) ||
			 (n6 && as.v6.r[0].lo == as.v6.r[0].hi));
		if (ok && !single) {
			diag_error(&v->loc, "'%s' is not a single address", v->text);
			ok = false;
		}
		if (ok) {
			fam = n4 ? 4 : 6;
			a = n4 ? as.v4.r[0].lo : as.v6.r[0].lo;
		}
		aspec_release(&as);
		if (!ok)
			return false;
	} else {
		diag_error(&v->loc, "a %s target must be one address",
			   act_name(lr->ar->act));
		return false;
	}
	if (v->port > 65535) {
		diag_error(&v->loc, "port out of range (0-65535)");
		return false;
	}
	lr->has_nat_addr = true;
	lr->nat_fam = fam;
	lr->nat_addr = a;
	if (v->port >= 0)
		lr->port_lo = lr->port_hi = v->port;
	return true;
}

static bool lower_terms(struct fe *fe, struct lrule *lr, const struct ast_term *terms)
{
	bool ok = true;
	enum act_kind act = lr->ar->act;
	bool is_nat_target = act == ACT_SNAT || act == ACT_DNAT;
	bool seen[TM_LEVEL + 1] = { 0 };
	const struct ast_term *to_terms[8];
	size_t nto = 0;
	for (const struct ast_term *t = terms; t; t = t->next) {
		bool once = t->kind != TM_SOURCE && t->kind != TM_DEST && t->kind != TM_TO;
		if (once && seen[t->kind]) {
			diag_error(&t->loc, "'%s' given twice in one rule", term_word(t->kind));
			ok = false;
			continue;
		}
		seen[t->kind] = true;
		switch (t->kind) {
		case TM_FROM:
			ok &= apply_zone(fe, lr, t, true);
			break;
		case TM_TO:
			if (nto < 8)
				to_terms[nto++] = t;
			break;
		case TM_TO_PORT:
			if (act != ACT_REDIRECT && act != ACT_DNAT) {
				diag_error(&t->loc, "'to port' is for redirect and dnat");
				ok = false;
				break;
			}
			if (t->ports->next || t->ports->lo > 65535 || t->ports->hi > 65535 ||
			    t->ports->lo > t->ports->hi) {
				diag_error(&t->loc, "'to port' takes one port or range (0-65535)");
				ok = false;
				break;
			}
			lr->port_lo = (int)t->ports->lo;
			lr->port_hi = (int)t->ports->hi;
			break;
		case TM_SOURCE:
		case TM_DEST: {
			struct aspec *a = t->kind == TM_SOURCE
				? push_aspec(&lr->src, &lr->nsrc, &lr->capsrc)
				: push_aspec(&lr->dst, &lr->ndst, &lr->capdst);
			ok &= eval_val(fe, t->val, a, NULL);
			a->loc = t->loc;
			break;
		}
		case TM_SERVICE:
			ok &= apply_service_term(fe, lr, t);
			break;
		case TM_PROTO: {
			int p = proto_by_name(t->word);
			if (p < 0) {
				char buf[96];
				diag_error(&t->word_loc, "unknown protocol '%s'%s", t->word,
					   suggest_proto(t->word, buf, sizeof(buf)));
				ok = false;
				break;
			}
			for (size_t i = 0; i < lr->nalts; i++)
				if (lr->alts[i].icmp) {
					diag_error(&t->loc, "'proto' cannot be combined with 'icmp'");
					ok = false;
				}
			if (!ok)
				break;
			if (lr->has_alts) {
				/* narrow the service's protocols */
				bool any = false;
				for (size_t i = 0; i < lr->nalts; i++) {
					if (lr->alts[i].proto != p)
						lr->alts[i].proto = -2;   /* dropped */
					else
						any = true;
				}
				if (!any) {
					diag_error(&t->loc, "'proto %s' excludes every protocol of the rule's service",
						   t->word);
					ok = false;
				}
			} else {
				lr->has_alts = true;
				push_alt(lr, p);
			}
			break;
		}
		case TM_SPORT:
		case TM_DPORT:
			break;   /* after protocols are known, below */
		case TM_ICMP:
		case TM_ICMPV4:
		case TM_ICMPV6: {
			if (lr->has_alts) {
				diag_error(&t->loc, "'%s' cannot be combined with 'service' or 'proto'",
					   term_word(t->kind));
				ok = false;
				break;
			}
			lr->has_alts = true;
			struct palt *p = push_alt(lr, 1);
			p->icmp = true;
			lr->icmp_only4 = t->kind == TM_ICMPV4;
			lr->icmp_only6 = t->kind == TM_ICMPV6;
			lr->icmp4 = lr->icmp6 = -1;
			if (t->word) {
				int t4 = t->kind == TM_ICMPV6 ? -1 : icmp_type_by_name(4, t->word);
				int t6 = t->kind == TM_ICMPV4 ? -1 : icmp_type_by_name(6, t->word);
				if (t4 < 0 && t6 < 0) {
					struct suggest sg;
					char buf[96];
					suggest_init(&sg, t->word);
					for (int fam = 4; fam <= 6; fam += 2) {
						if ((fam == 4 && t->kind == TM_ICMPV6) ||
						    (fam == 6 && t->kind == TM_ICMPV4))
							continue;
						for (int ty = 0; ty < 256; ty++) {
							const char *n = icmp_type_name(fam, ty);
							if (n)
								suggest_offer(&sg, n);
						}
					}
					diag_error(&t->word_loc, "unknown %s type '%s'%s",
						   t->kind == TM_ICMPV6 ? "icmpv6" : "icmp",
						   t->word, suggest_text(&sg, buf, sizeof(buf)));
					ok = false;
					break;
				}
				lr->icmp4 = t4 < 0 ? -2 : t4;
				lr->icmp6 = t6 < 0 ? -2 : t6;
			}
			break;
		}
		case TM_STATE: {
			uint32_t bits;
			if (!parse_ctstates(t->val, &bits)) {
				ok = false;
				break;
			}
			struct ir_match *m = extra(lr, M_CTSTATE);
			m->state = bits;
			break;
		}
		case TM_IN:
		case TM_OUT: {
			bool in = t->kind == TM_IN;
			if (in ? !hook_has_iif(lr->hook) : !hook_has_oif(lr->hook)) {
				diag_error(&t->loc, "'%s' cannot be matched in %s %s (no %s interface there)",
					   in ? "in" : "out", table_name(lr->table),
					   hook_name(lr->hook), in ? "input" : "output");
				ok = false;
				break;
			}
			for (const struct ast_val *v = t->val; v; v = v->next) {
				if (strlen(v->text) >= 16) {
					diag_error(&v->loc, "interface name '%s' is longer than 15 characters",
						   v->text);
					ok = false;
				} else if (in) {
					add_ifaces(&lr->iif, &lr->niif, &v->text, 1);
				} else {
					add_ifaces(&lr->oif, &lr->noif, &v->text, 1);
				}
			}
			if (in)
				lr->iif_neg = t->neg;
			else
				lr->oif_neg = t->neg;
			break;
		}
		case TM_MARK:
		case TM_CONNMARK: {
			if (t->n1 > 0xffffffffu || t->n2 > 0xffffffffu) {
				diag_error(&t->loc, "mark is a 32-bit value");
				ok = false;
				break;
			}
			struct ir_match *m = extra(lr, t->kind == TM_MARK ? M_MARK : M_CONNMARK);
			m->value = (uint32_t)t->n1;
			m->mask = t->has_n2 ? (uint32_t)t->n2 : 0xffffffffu;
			m->neg = t->neg;
			if (m->value & ~m->mask) {
				diag_error(&t->loc, "mark value 0x%x has bits outside its mask 0x%x",
					   m->value, m->mask);
				ok = false;
			}
			break;
		}
		case TM_UID: {
			if (lr->hook != HOOK_OUTPUT && lr->hook != HOOK_POSTROUTING &&
			    lr->hook != HOOK_NONE) {
				diag_error(&t->loc, "'uid' only matches locally generated packets "
					   "(output, postrouting)");
				ok = false;
				break;
			}
			struct ir_match *m = extra(lr, M_UID);
			m->str = t->word;
			break;
		}
		case TM_TCPFLAGS: {
			int a, b;
			if (!parse_tcpflags(t->val, &a) ||
			    (t->val2 && !parse_tcpflags(t->val2, &b))) {
				ok = false;
				break;
			}
			if (!t->val2)
				b = TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN;
			if (a & ~b) {
				diag_error(&t->loc, "tcp flags set must be part of the mask after '/'");
				ok = false;
				break;
			}
			lr->has_tcpflags = true;
			lr->tcpflags_val = a;
			lr->tcpflags_mask = b | a;
			break;
		}
		case TM_FRAGMENT:
			lr->fragment = true;
			break;
		case TM_RATE: {
			static const char *const units[] = { "second", "minute", "hour", "day" };
			int u = -1;
			for (int i = 0; i < 4; i++) {
				size_t l = strlen(units[i]);
				if (!strcmp(t->word, units[i]) ||
				    (!strncmp(t->word, units[i], l) && !strcmp(t->word + l, "s")) ||
				    (t->word[0] == units[i][0] && !t->word[1]))
					u = i;
			}
			if (u < 0) {
				diag_error(&t->word_loc, "unknown rate unit '%s' (second, minute, hour, day)",
					   t->word);
				ok = false;
				break;
			}
			if (t->n1 == 0 || t->n1 > 10000000 || t->n2 > 10000) {
				diag_error(&t->loc, "rate must be 1 to 10000000 and burst at most 10000");
				ok = false;
				break;
			}
			struct ir_match *m = extra(lr, M_LIMIT);
			m->rate = (uint32_t)t->n1;
			m->unit = (enum rate_unit)u;
			m->burst = t->has_n2 ? (uint32_t)t->n2 : 5;
			if (m->burst == 0) {
				diag_error(&t->loc, "burst must be at least 1");
				ok = false;
			}
			m->per = t->per;
			/* a bucket per family, as iptables and ip6tables
			 * keep theirs: the rule is split per family */
			lr->rate_per = true;
			m->n1 = (uint32_t)fe->rate_ids++;
			break;
		}
		case TM_CONNLIMIT: {
			if (t->n1 > 0xffffffffu) {
				diag_error(&t->loc, "connlimit too large");
				ok = false;
				break;
			}
			struct ir_match *m = extra(lr, M_CONNLIMIT);
			m->n1 = (uint32_t)t->n1;
			m->per = t->per;
			if (t->per != PER_NONE)
				lr->rate_per = true;
			m->n2 = (uint32_t)fe->rate_ids++;
			break;
		}
		case TM_RECENT: {
			if (!t->word) {
				diag_error(&t->loc, "'recent' needs 'name NAME'");
				ok = false;
				break;
			}
			if ((t->recent == RECENT_SET || t->recent == RECENT_REMOVE) &&
			    (t->n1 || t->has_n2)) {
				diag_error(&t->loc, "'hits' and 'seconds' go with update or check, not set or remove");
				ok = false;
				break;
			}
			if (t->n1 > 255 || t->n2 > 0xffffffffu) {
				diag_error(&t->loc, "'hits' is at most 255");
				ok = false;
				break;
			}
			struct ir_match *m = extra(lr, M_RECENT);
			m->str = t->word;
			m->recent = t->recent;
			m->n1 = (uint32_t)t->n1;
			m->n2 = (uint32_t)t->n2;
			break;
		}
		case TM_NTH: {
			if (t->n1 < 2 || t->n1 > 0xffffffffu || t->n2 >= t->n1) {
				diag_error(&t->loc, "'nth every N packet K' needs N >= 2 and 0 <= K < N");
				ok = false;
				break;
			}
			struct ir_match *m = extra(lr, M_NTH);
			m->n1 = (uint32_t)t->n1;
			m->n2 = (uint32_t)t->n2;
			break;
		}
		case TM_WITH:
			if (act != ACT_REJECT) {
				diag_error(&t->loc, "'with' goes with reject");
				ok = false;
			} else if (!(lr->reject_with = canon_reject(t->word))) {
				struct suggest sg;
				char buf[96];
				static const char *const names[] = {
					"tcp-reset", "port-unreachable", "host-unreachable",
					"net-unreachable", "admin-prohibited", "no-route" };
				suggest_init(&sg, t->word);
				for (size_t i = 0; i < 6; i++)
					suggest_offer(&sg, names[i]);
				diag_error(&t->word_loc, "unknown reject type '%s'%s", t->word,
					   suggest_text(&sg, buf, sizeof(buf)));
				ok = false;
			}
			break;
		case TM_PREFIX:
			if (act != ACT_LOG) {
				diag_error(&t->loc, "'prefix' goes with log");
				ok = false;
			} else if (strlen(t->word) > 29) {
				diag_error(&t->word_loc, "log prefix is longer than 29 characters");
				ok = false;
			} else {
				lr->log_prefix = t->word;
			}
			break;
		case TM_LEVEL:
			if (act != ACT_LOG) {
				diag_error(&t->loc, "'level' goes with log");
				ok = false;
			} else if ((lr->log_level = level_by_name(t->word)) < 0) {
				static const char *const lv[] = { "emerg", "alert", "crit", "err",
								  "warn", "notice", "info", "debug" };
				struct suggest sg;
				char buf[96];
				suggest_init(&sg, t->word);
				for (size_t i = 0; i < 8; i++)
					suggest_offer(&sg, lv[i]);
				diag_error(&t->word_loc, "unknown log level '%s' (emerg, alert, crit, err, warn, notice, info, debug)%s",
					   t->word, suggest_text(&sg, buf, sizeof(buf)));
				ok = false;
			}
			break;
		}
	}
	/* "to X": the NAT target for snat/dnat when X is an address (or a
	 * define); a zone otherwise */
	for (size_t i = 0; i < nto; i++) {
		const struct ast_term *t = to_terms[i];
		struct sym *s = t->val->kind == AV_NAME ? sym_find(fe, 0, t->val->text) : NULL;
		bool is_zone = s && s->kind == SYM_ZONE && t->val->port < 0;
		if (is_nat_target && !is_zone) {
			if (lr->has_nat_addr) {
				diag_error(&t->loc, "%s has one target", act_name(act));
				ok = false;
			} else {
				ok &= nat_target(fe, lr, t);
			}
		} else {
			if (lr->to) {
				diag_error(&t->loc, "'to' zone given twice in one rule");
				ok = false;
			} else {
				ok &= apply_zone(fe, lr, t, false);
			}
		}
	}
	/* named sets per direction: checked once here, not per family */
	for (int dir = 0; dir < 2; dir++) {
		struct aspec *v = dir ? lr->dst : lr->src;
		size_t n = dir ? lr->ndst : lr->nsrc, sets = 0;
		for (size_t i = 0; i < n; i++)
			if (v[i].is_set && ++sets == 9) {
				diag_error(&v[i].loc, "at most 8 named sets per %s in one rule",
					   dir ? "destination" : "source");
				ok = false;
			}
	}
	/* ports, now that protocols are known */
	for (const struct ast_term *t = terms; t; t = t->next) {
		if (t->kind != TM_SPORT && t->kind != TM_DPORT)
			continue;
		struct iset ps;
		iset_init(&ps, 16);
		if (!ports_to_iset(t->ports, &ps)) {
			ok = false;
			iset_release(&ps);
			continue;
		}
		if (t->neg) {
			struct iset c;
			iset_init(&c, 16);
			iset_complement(&c, &ps);
			iset_copy(&ps, &c);
			iset_release(&c);
		}
		if (!lr->has_alts) {
			diag_error(&t->loc, "'%s' needs a protocol: add 'proto tcp' or 'proto udp', or use a service",
				   term_word(t->kind));
			ok = false;
			iset_release(&ps);
			continue;
		}
		bool any = false;
		for (size_t i = 0; i < lr->nalts; i++) {
			struct palt *p = &lr->alts[i];
			if (p->proto == -2)
				continue;
			if (p->icmp || !porty(p->proto)) {
				diag_error(&t->loc, "protocol '%s' has no ports",
					   p->icmp ? "icmp" : proto_name(p->proto));
				ok = false;
				p->proto = -2;
				continue;
			}
			struct iset *dst = t->kind == TM_DPORT ? &p->dports : &p->sports;
			bool *has = t->kind == TM_DPORT ? &p->has_dports : &p->has_sports;
			if (*has) {
				struct iset x;
				iset_init(&x, 16);
				iset_intersect(&x, dst, &ps);
				iset_copy(dst, &x);
				iset_release(&x);
			} else {
				iset_copy(dst, &ps);
				*has = true;
			}
			if (iset_is_empty(dst))
				p->proto = -2;
			else
				any = true;
		}
		if (!any && ok) {
			diag_error(&t->loc, "'%s' leaves no port of the rule's service", term_word(t->kind));
			ok = false;
		}
		iset_release(&ps);
	}
	/* tcp flags and tcp-reset need tcp */
	if (lr->has_tcpflags || act == ACT_CLAMP_MSS ||
	    (lr->reject_with && !strcmp(lr->reject_with, "tcp-reset"))) {
		if (!lr->has_alts) {
			lr->has_alts = true;
			push_alt(lr, 6);
			/* "reject with tcp-reset" alone: TCP gets a reset,
			 * everything else the default ICMP error */
			if (act == ACT_REJECT)
				push_alt(lr, -1)->plain_reject = true;
		} else {
			bool any = false;
			for (size_t i = 0; i < lr->nalts; i++) {
				if (lr->alts[i].proto == 6 && !lr->alts[i].icmp)
					any = true;
				else if (lr->alts[i].proto != -2) {
					if (act == ACT_REJECT)
						lr->alts[i].plain_reject = true;
					else
						lr->alts[i].proto = -2;
				}
			}
			if (!any) {
				diag_error(&lr->ar->loc, "%s needs TCP, and this rule matches no TCP",
					   lr->has_tcpflags ? "tcp-flags" :
					   act == ACT_CLAMP_MSS ? "clamp-mss" : "reject with tcp-reset");
				ok = false;
			}
		}
		if (act == ACT_CLAMP_MSS && !lr->has_tcpflags) {
			lr->has_tcpflags = true;
			lr->tcpflags_val = TCPF_SYN;
			lr->tcpflags_mask = TCPF_SYN | TCPF_RST;
		}
	}
	return ok;
}

/* Per-family address constraints: the literal intersection and the named
 * sets. Returns false when the family is excluded, with the culprit. */
struct famaddr {
	bool has_lit;
	struct iset lit;
	struct ir_set *sets[8];
	bool negs[8];
	size_t nsets;
};

static bool fam_addr(struct aspec *v, size_t n, int fam, struct famaddr *out,
		     const struct aspec **culprit)
{
	int bits = fam == 4 ? 32 : 128;
	iset_init(&out->lit, bits);
	out->has_lit = false;
	out->nsets = 0;
	for (size_t i = 0; i < n; i++) {
		struct aspec *a = &v[i];
		if (a->is_set) {
			struct ir_set *s = fam == 4 ? a->set4 : a->set6;
			if (!s) {
				if (a->neg)
					continue;
				*culprit = a;
				return false;
			}
			if (out->nsets >= 8)
				BUG("more than 8 sets passed lower_terms");
			out->negs[out->nsets] = a->neg;
			out->sets[out->nsets++] = s;
			continue;
		}
		struct iset *l = fam == 4 ? &a->v4 : &a->v6;
		if (!out->has_lit) {
			iset_copy(&out->lit, l);
			out->has_lit = true;
		} else {
			struct iset x;
			iset_init(&x, bits);
			iset_intersect(&x, &out->lit, l);
			iset_copy(&out->lit, &x);
			iset_release(&x);
		}
		if (iset_is_empty(&out->lit)) {
			*culprit = a;
			return false;
		}
	}
	if (out->has_lit && iset_is_full(&out->lit))
		out->has_lit = false;
	return true;
}

static void emit_names(struct ir *ir, struct ir_rule *r, enum ir_mkind k,
		       const char **names, size_t n, bool neg)
{
	if (!n)
		return;
	struct ir_match *m = ir_match_add(r, k);
	m->names = arena_alloc(&ir->arena, n * sizeof(char *));
	/* sorted, unique: output does not depend on the order of zone lists */
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < out && strcmp(m->names[j], names[i]) < 0)
			j++;
		if (j < out && !strcmp(m->names[j], names[i]))
			continue;
		memmove(&m->names[j + 1], &m->names[j], (out - j) * sizeof(char *));
		m->names[j] = names[i];
		out++;
	}
	m->nnames = out;
	m->neg = neg;
}

/* Build the IR rules of one lowered rule into `into` (a scratch chain). */
static void emit_rules(struct fe *fe, struct lrule *lr, struct ir_chain *into,
		       struct ir_chain *target)
{
	struct famaddr fs[2], fd[2];
	const struct aspec *cs[2] = { 0 }, *cd[2] = { 0 };
	bool fam_ok[2];
	const char *why[2] = { 0 };
	for (int i = 0; i < 2; i++) {
		int fam = i ? 6 : 4;
		bool a = fam_addr(lr->src, lr->nsrc, fam, &fs[i], &cs[i]);
		bool b = fam_addr(lr->dst, lr->ndst, fam, &fd[i], &cd[i]);
		fam_ok[i] = a && b;
		if (!a)
			why[i] = "source";
		else if (!b)
			why[i] = "destination";
		if (fam_ok[i] && lr->has_alts) {
			/* icmp type known in this family? */
			bool anyalt = false;
			for (size_t k = 0; k < lr->nalts; k++) {
				struct palt *p = &lr->alts[k];
				if (p->proto == -2)
					continue;
				if (p->icmp) {
					int ty = i ? lr->icmp6 : lr->icmp4;
					if (ty == -2 || (i ? lr->icmp_only4 : lr->icmp_only6))
						continue;
				}
				anyalt = true;
			}
			if (!anyalt) {
				fam_ok[i] = false;
				why[i] = "icmp type";
			}
		}
		if (fam_ok[i] && lr->fragment && fam == 6) {
			fam_ok[i] = false;
			why[i] = "fragment (IPv4 only)";
		}
		if (fam_ok[i] && lr->has_nat_addr && lr->nat_fam != fam) {
			fam_ok[i] = false;
			why[i] = "NAT target";
		}
	}
	if (!fam_ok[0] && !fam_ok[1]) {
		struct diag *d = diag_error(&lr->ar->loc,
			"rule matches no packet: no IPv4 (%s) and no IPv6 (%s)",
			why[0], why[1]);
		if (cs[0] || cd[0])
			diag_related(d, cs[0] ? &cs[0]->loc : &cd[0]->loc,
				     "this excludes IPv4");
		if (cs[1] || cd[1])
			diag_related(d, cs[1] ? &cs[1]->loc : &cd[1]->loc,
				     "this excludes IPv6");
		goto out;
	}
	/* one rule for both families when nothing is family-specific */
	bool neutral = fam_ok[0] && fam_ok[1] && !fs[0].has_lit && !fs[1].has_lit &&
		       !fd[0].has_lit && !fd[1].has_lit && !fs[0].nsets &&
		       !fd[0].nsets && !fs[1].nsets && !fd[1].nsets && !lr->rate_per;
	for (size_t k = 0; neutral && k < lr->nalts; k++)
		if (lr->alts[k].icmp && lr->alts[k].proto != -2)
			neutral = false;
	for (int i = 0; i < 2; i++) {
		if (!fam_ok[i])
			continue;
		int fam = neutral ? 0 : i ? 6 : 4;
		size_t nalts = lr->has_alts ? lr->nalts : 1;
		for (size_t k = 0; k < nalts; k++) {
			struct palt *p = lr->has_alts ? &lr->alts[k] : NULL;
			if (p && p->proto == -2)
				continue;
			if (p && p->icmp) {
				int ty = i ? lr->icmp6 : lr->icmp4;
				if (ty == -2 || (i ? lr->icmp_only4 : lr->icmp_only6))
					continue;
			}
			struct ir_rule *r = ir_rule_add(fe->ir, into, &lr->ar->loc);
			r->family = fam;
			emit_names(fe->ir, r, M_IIF, lr->iif, lr->niif, lr->iif_neg);
			emit_names(fe->ir, r, M_OIF, lr->oif, lr->noif, lr->oif_neg);
			if (fs[i].has_lit) {
				struct ir_match *m = ir_match_add(r, M_SADDR);
				iset_init(&m->set, fs[i].lit.bits);
				iset_copy(&m->set, &fs[i].lit);
			}
			for (size_t s = 0; s < fs[i].nsets; s++) {
				struct ir_match *m = ir_match_add(r, M_SSET);
				m->named = fs[i].sets[s];
				m->neg = fs[i].negs[s];
			}
			if (fd[i].has_lit) {
				struct ir_match *m = ir_match_add(r, M_DADDR);
				iset_init(&m->set, fd[i].lit.bits);
				iset_copy(&m->set, &fd[i].lit);
			}
			for (size_t s = 0; s < fd[i].nsets; s++) {
				struct ir_match *m = ir_match_add(r, M_DSET);
				m->named = fd[i].sets[s];
				m->neg = fd[i].negs[s];
			}
			if (p && p->proto >= 0) {
				struct ir_match *m = ir_match_add(r, M_PROTO);
				m->proto = p->icmp ? (i ? 58 : 1) : p->proto;
				if (p->has_sports) {
					m = ir_match_add(r, M_SPORT);
					iset_init(&m->set, 16);
					iset_copy(&m->set, &p->sports);
				}
				if (p->has_dports) {
					m = ir_match_add(r, M_DPORT);
					iset_init(&m->set, 16);
					iset_copy(&m->set, &p->dports);
				}
				int ty = i ? lr->icmp6 : lr->icmp4;
				if (p->icmp && ty >= 0) {
					m = ir_match_add(r, M_ICMP_TYPE);
					m->icmp_type = ty;
				}
				if (lr->has_tcpflags && p->proto == 6 && !p->icmp) {
					m = ir_match_add(r, M_TCPFLAGS);
					m->value = (uint32_t)lr->tcpflags_val;
					m->mask = (uint32_t)lr->tcpflags_mask;
				}
			}
			if (lr->fragment)
				ir_match_add(r, M_FRAGMENT);
			for (size_t e = 0; e < lr->nextra; e++) {
				struct ir_match *m = ir_match_add(r, lr->extra[e].kind);
				*m = lr->extra[e];
				memset(&m->set, 0, sizeof(m->set));
			}
			/* action */
			struct ir_action *a = &r->act;
			a->kind = lr->ar->act;
			a->mark = (uint32_t)lr->ar->mark;
			a->mask = lr->ar->mask ? (uint32_t)lr->ar->mask : 0xffffffffu;
			a->cm = lr->ar->cm;
			a->target = target;
			a->log_prefix = lr->log_prefix;
			a->log_level = lr->log_level;
			a->reject_with = lr->reject_with;
			if (a->kind == ACT_REJECT && p && p->plain_reject)
				a->reject_with = NULL;   /* non-TCP part */
			a->has_addr = lr->has_nat_addr;
			a->addr = lr->nat_addr;
			a->port_lo = lr->port_lo;
			a->port_hi = lr->port_hi;
		}
		if (neutral)
			break;
	}
out:
	for (int i = 0; i < 2; i++) {
		iset_release(&fs[i].lit);
		iset_release(&fd[i].lit);
	}
}

static struct sym *chain_ref(struct fe *fe, const struct ast_rule *ar,
			     enum fwc_table table)
{
	struct sym *s = sym_find(fe, 2, ar->target);
	if (!s || !s->chain) {
		char sg[96];
		suggest_space(fe, 2, ar->target, sg, sizeof(sg), NULL);
		diag_error(&ar->target_loc, "unknown chain '%s'%s", ar->target, sg);
		return NULL;
	}
	if (s->chain->table != table) {
		diag_error(&ar->target_loc, "chain '%s' is in the %s table, this rule in %s",
			   ar->target, table_name(s->chain->table), table_name(table));
		return NULL;
	}
	s->used = true;
	s->chain->used = true;
	return s;
}

/* The hook of a rule in a "nat { }" block, by its action: source NAT in
 * postrouting, destination NAT in prerouting, or in output for packets
 * "from self". HOOK_NONE for actions that are not NAT. */
static enum fwc_hook nat_hook(const struct ast_rule *ar)
{
	switch (ar->act) {
	case ACT_MASQUERADE:
	case ACT_SNAT:
		return HOOK_POSTROUTING;
	case ACT_DNAT:
	case ACT_REDIRECT:
		for (const struct ast_term *t = ar->terms; t; t = t->next)
			if (t->kind == TM_FROM && t->val->kind == AV_NAME &&
			    !strcmp(t->val->text, "self"))
				return HOOK_OUTPUT;
		return HOOK_PREROUTING;
	default:
		return HOOK_NONE;
	}
}

/* Lower one AST rule into scratch; sets *key for zone dispatch. */
static void lower_rule(struct fe *fe, const struct ast_rule *ar,
		       enum fwc_table table, enum fwc_hook hook, bool nat_any,
		       struct ir_chain *scratch, struct sym **key)
{
	struct lrule lr;
	memset(&lr, 0, sizeof(lr));
	lr.ar = ar;
	lr.table = table;
	lr.hook = hook;
	lr.log_level = -1;
	lr.port_lo = lr.port_hi = -1;
	lr.icmp4 = lr.icmp6 = -1;
	*key = NULL;
	if (nat_any) {
		lr.hook = nat_hook(ar);
		if (lr.hook == HOOK_NONE) {
			diag_error(&ar->loc, "'%s' in a 'nat { }' block: write it in "
				   "'nat prerouting { }' or 'nat postrouting { }'",
				   act_name(ar->act));
			return;
		}
	}
	if (!act_allowed_in(ar->act, table, lr.hook, false)) {
		diag_error(&ar->loc, "'%s' is not allowed in %s %s", act_name(ar->act),
			   table_name(table), hook == HOOK_NONE && !nat_any ? "chains" : hook_name(lr.hook));
		return;
	}
	struct ir_chain *target = NULL;
	if (ar->act == ACT_JUMP || ar->act == ACT_GOTO) {
		struct sym *s = chain_ref(fe, ar, table);
		if (!s)
			return;
		target = s->chain;
	}
	bool ok = lower_terms(fe, &lr, ar->terms);
	if (ok && ar->act == ACT_SNAT && !lr.has_nat_addr) {
		diag_error(&ar->loc, "snat needs 'to ADDRESS'");
		ok = false;
	}
	if (ok && ar->act == ACT_DNAT && !lr.has_nat_addr) {
		diag_error(&ar->loc, "dnat needs 'to ADDRESS' or 'to ADDRESS:PORT'");
		ok = false;
	}
	if (ok && ar->act == ACT_REDIRECT && lr.port_lo < 0) {
		diag_error(&ar->loc, "redirect needs 'to port PORT'");
		ok = false;
	}
	if (ok && (ar->act == ACT_MARK || ar->act == ACT_CONNMARK) &&
	    (ar->mark > 0xffffffffu || ar->mask > 0xffffffffu)) {
		diag_error(&ar->loc, "mark is a 32-bit value");
		ok = false;
	} else if (ok && (ar->act == ACT_MARK || (ar->act == ACT_CONNMARK && ar->cm == CM_SET)) &&
		   ar->mask && (ar->mark & ~ar->mask)) {
		diag_error(&ar->loc, "mark value 0x%llx has bits outside its mask 0x%llx",
			   (unsigned long long)ar->mark, (unsigned long long)ar->mask);
		ok = false;
	}
	if (ok && lr.port_lo >= 0 && ar->act == ACT_DNAT) {
		bool portful = lr.has_alts;
		for (size_t i = 0; i < lr.nalts; i++)
			if (lr.alts[i].proto != -2 && !porty(lr.alts[i].proto))
				portful = false;
		if (!portful) {
			diag_error(&ar->loc, "dnat to a port needs a TCP or UDP service or proto");
			ok = false;
		}
	}
	if (ok && ar->act == ACT_REDIRECT) {
		bool portful = lr.has_alts;
		for (size_t i = 0; i < lr.nalts; i++)
			if (lr.alts[i].proto != -2 && !porty(lr.alts[i].proto))
				portful = false;
		if (!portful) {
			diag_error(&ar->loc, "redirect needs a TCP or UDP service or proto");
			ok = false;
		}
	}
	if (ok) {
		emit_rules(fe, &lr, scratch, target);
		*key = lr.key;
	}
	lrule_release(&lr);
}

static struct ir_match *copy_match(struct ir_rule *r, const struct ir_match *src)
{
	struct ir_match *m = ir_match_add(r, src->kind);
	*m = *src;
	if (src->set.bits) {
		memset(&m->set, 0, sizeof(m->set));
		iset_init(&m->set, src->set.bits);
		iset_copy(&m->set, &src->set);
	}
	return m;
}

struct ir_rule *ir_rule_copy(struct ir *ir, struct ir_chain *c,
			     const struct ir_rule *src)
{
	struct ir_rule *r = ir_rule_add(ir, c, &src->loc);
	size_t id = r->id;
	r->origin = src->origin;
	r->family = src->family;
	r->act = src->act;
	r->id = id;
	for (size_t i = 0; i < src->nm; i++)
		copy_match(r, &src->m[i]);
	return r;
}

static void move_rules(struct ir_chain *dst, struct ir_chain *src)
{
	for (size_t i = 0; i < src->n; i++) {
		VEC_PUSH(dst->rules, dst->n, dst->cap);
		dst->rules[dst->n++] = src->rules[i];
	}
	src->n = 0;
}

static struct ir_rule *implicit_rule(struct fe *fe, struct ir_chain *c,
				     const char *origin)
{
	struct ir_rule *r = ir_rule_add(fe->ir, c, NULL);
	r->origin = origin;
	return r;
}

/* The filter hooks: implicit rules, zone dispatch, user rules. */
struct hookrules {
	struct ir_chain scratch;        /* all lowered rules, in order */
	struct sym **keys;              /* per scratch rule */
	size_t nkeys, capkeys;
};

static void build_filter_hook(struct fe *fe, enum fwc_hook h, struct hookrules *hr)
{
	static const char *const base_name[] = { NULL, "input", "forward", "output" };
	struct ir_chain *base = ir_chain_add(fe->ir, base_name[h], TBL_FILTER, h);
	base->policy = fe->have_policy[h] ? fe->policy[h]
					  : (h == HOOK_OUTPUT ? ACT_ACCEPT : ACT_DROP);
	if (fe->have_policy[h])
		base->loc = fe->policy_loc[h];
	if (fe->imp_loopback[h] && (h == HOOK_INPUT || h == HOOK_OUTPUT)) {
		struct ir_rule *r = implicit_rule(fe, base, "implicit: loopback");
		static const char *lo = "lo";
		emit_names(fe->ir, r, h == HOOK_INPUT ? M_IIF : M_OIF, &lo, 1, false);
		r->act.kind = ACT_ACCEPT;
	}
	if (fe->imp_est[h]) {
		struct ir_rule *r = implicit_rule(fe, base, "implicit: established,related");
		ir_match_add(r, M_CTSTATE)->state = CT_ESTABLISHED | CT_RELATED;
		r->act.kind = ACT_ACCEPT;
	}
	if (fe->imp_invalid[h]) {
		struct ir_rule *r = implicit_rule(fe, base, "implicit: invalid");
		ir_match_add(r, M_CTSTATE)->state = CT_INVALID;
		r->act.kind = ACT_DROP;
	}
	/* zones used as dispatch keys, in declaration order */
	for (size_t zi = 0; zi < fe->nsyms; zi++) {
		struct sym *z = fe->syms[zi];
		if (z->kind != SYM_ZONE)
			continue;
		bool used = false;
		for (size_t i = 0; i < hr->nkeys; i++)
			if (hr->keys[i] == z)
				used = true;
		if (!used)
			continue;
		char *name = xasprintf("%s-%s", base_name[h], z->name);
		struct sym *clash = sym_find(fe, 2, name);
		if (clash) {
			diag_error(&clash->loc, "chain name '%s' is taken by the dispatch chain of zone '%s'",
				   name, z->name);
			free(name);
			continue;
		}
		struct ir_chain *zc = ir_chain_add(fe->ir, name, TBL_FILTER, HOOK_NONE);
		free(name);
		zc->zone = z->name;
		zc->loc = z->loc;
		zc->used = true;
		for (size_t i = 0; i < hr->scratch.n; i++)
			if (!hr->keys[i] || hr->keys[i] == z)
				ir_rule_copy(fe->ir, zc, hr->scratch.rules[i]);
		struct ir_rule *d = implicit_rule(fe, base, "dispatch");
		d->loc = z->loc;
		emit_names(fe->ir, d, h == HOOK_OUTPUT ? M_OIF : M_IIF,
			   z->zone.ifaces, z->zone.nifaces, false);
		d->act.kind = ACT_GOTO;
		d->act.target = zc;
		d->origin = arena_strdup(&fe->ir->arena, "zone dispatch");
	}
	for (size_t i = 0; i < hr->scratch.n; i++)
		if (!hr->keys[i])
			ir_rule_copy(fe->ir, base, hr->scratch.rules[i]);
}

static void free_scratch(struct ir_chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		ir_rule_release(c->rules[i]);
	free(c->rules);
}

static void lower_all(struct fe *fe, struct ast_stmt *head)
{
	for (int h = 0; h < HOOK_MAX; h++) {
		fe->imp_loopback[h] = fe->imp_est[h] = fe->imp_invalid[h] = true;
	}
	/* declarations that shape the filter hooks */
	for (struct ast_stmt *s = head; s; s = s->next) {
		if (s->kind == ST_POLICY) {
			if (s->hook != HOOK_INPUT && s->hook != HOOK_FORWARD &&
			    s->hook != HOOK_OUTPUT) {
				diag_error(&s->loc, "a policy is set for input, forward or output");
				continue;
			}
			if (fe->have_policy[s->hook]) {
				struct diag *d = diag_error(&s->loc, "policy for %s given twice",
							    hook_name(s->hook));
				diag_related(d, &fe->policy_loc[s->hook], "first given here");
				continue;
			}
			fe->have_policy[s->hook] = true;
			fe->policy[s->hook] = s->policy;
			fe->policy_loc[s->hook] = s->loc;
		} else if (s->kind == ST_IMPLICIT) {
			bool *arr;
			if (!strcmp(s->name, "loopback"))
				arr = fe->imp_loopback;
			else if (!strcmp(s->name, "established"))
				arr = fe->imp_est;
			else if (!strcmp(s->name, "invalid"))
				arr = fe->imp_invalid;
			else {
				struct suggest sg;
				char buf[96];
				suggest_init(&sg, s->name);
				suggest_offer(&sg, "loopback");
				suggest_offer(&sg, "established");
				suggest_offer(&sg, "invalid");
				diag_error(&s->name_loc, "unknown implicit rule '%s' (loopback, established, invalid)%s",
					   s->name, suggest_text(&sg, buf, sizeof(buf)));
				continue;
			}
			if (!s->hooks) {
				arr[HOOK_INPUT] = arr[HOOK_FORWARD] = arr[HOOK_OUTPUT] = s->on;
				continue;
			}
			for (struct ast_val *v = s->hooks; v; v = v->next) {
				int hk = !strcmp(v->text, "input") ? HOOK_INPUT :
					 !strcmp(v->text, "forward") ? HOOK_FORWARD :
					 !strcmp(v->text, "output") ? HOOK_OUTPUT : -1;
				if (hk < 0)
					diag_error(&v->loc, "'%s' is not a filter hook (input, forward, output)",
						   v->text);
				else if (arr == fe->imp_loopback && hk == HOOK_FORWARD)
					diag_error(&v->loc, "the loopback rule is for input and output; "
						   "forwarded packets never use lo");
				else
					arr[hk] = s->on;
			}
		}
	}
	struct hookrules hr[HOOK_MAX];
	memset(hr, 0, sizeof(hr));
	/* non-filter base chains, created on first use */
	struct ir_chain *other[TBL_MAX][HOOK_MAX];
	memset(other, 0, sizeof(other));
	for (struct ast_stmt *s = head; s; s = s->next) {
		if (s->kind == ST_MANAGEMENT) {
			/* "management from admins": from takes addresses too */
			for (struct ast_term *t = s->terms; t; t = t->next) {
				if (t->kind != TM_FROM)
					continue;
				struct sym *z = t->val->kind == AV_NAME
					? sym_find(fe, 0, t->val->text) : NULL;
				if (!z || z->kind != SYM_ZONE)
					t->kind = TM_SOURCE;
			}
			struct ast_rule ar = { .loc = s->loc, .act = ACT_ACCEPT,
					       .terms = s->terms };
			struct ir_chain scratch = { 0 };
			struct sym *key;
			lower_rule(fe, &ar, TBL_FILTER, HOOK_INPUT, false, &scratch, &key);
			for (size_t i = 0; i < scratch.n; i++) {
				struct ir_rule *r = scratch.rules[i];
				if (key)
					emit_names(fe->ir, r, M_IIF, key->zone.ifaces,
						   key->zone.nifaces, false);
				VEC_PUSH(fe->ir->mgmt, fe->ir->nmgmt, fe->ir->capmgmt);
				fe->ir->mgmt[fe->ir->nmgmt++] = r;
			}
			free(scratch.rules);
			continue;
		}
		if (s->kind != ST_BLOCK)
			continue;
		if (s->table == TBL_FILTER && s->hook == HOOK_PREROUTING) {
			diag_error(&s->loc, "the filter table has no prerouting hook");
			continue;
		}
		if (s->table == TBL_RAW && s->hook != HOOK_PREROUTING &&
		    s->hook != HOOK_OUTPUT && s->hook != HOOK_NONE) {
			diag_error(&s->loc, "the raw table has only prerouting and output");
			continue;
		}
		if (s->table == TBL_NAT && s->hook == HOOK_FORWARD) {
			diag_error(&s->loc, "the nat table has no forward hook");
			continue;
		}
		for (struct ast_rule *ar = s->rules; ar; ar = ar->next) {
			if (s->table == TBL_FILTER && s->hook != HOOK_NONE) {
				struct hookrules *h = &hr[s->hook];
				size_t before = h->scratch.n;
				struct sym *key;
				lower_rule(fe, ar, TBL_FILTER, s->hook, false, &h->scratch, &key);
				for (size_t i = before; i < h->scratch.n; i++) {
					VEC_PUSH(h->keys, h->nkeys, h->capkeys);
					h->keys[h->nkeys++] = key;
				}
				continue;
			}
			if (s->hook == HOOK_NONE && !s->nat_any) {
				struct sym *cs = sym_find(fe, 2, s->name);
				if (!cs || !cs->chain || cs->st != s)
					break;   /* redefinition, reported */
				struct ir_chain scratch = { 0 };
				struct sym *key;
				lower_rule(fe, ar, s->table, HOOK_NONE, false, &scratch, &key);
				move_rules(cs->chain, &scratch);
				free(scratch.rules);
				continue;
			}
			struct ir_chain scratch = { 0 };
			struct sym *key;
			enum fwc_hook hk = s->hook;
			lower_rule(fe, ar, s->table, hk, s->nat_any, &scratch, &key);
			if (scratch.n) {
				if (s->nat_any)
					hk = nat_hook(ar);
				struct ir_chain **slot = &other[s->table][hk];
				if (!*slot) {
					char *n = xasprintf("%s-%s", table_name(s->table), hook_name(hk));
					*slot = ir_chain_add(fe->ir, n, s->table, hk);
					free(n);
				}
				move_rules(*slot, &scratch);
			}
			free(scratch.rules);
		}
	}
	for (int h = HOOK_INPUT; h <= HOOK_OUTPUT; h++) {
		build_filter_hook(fe, (enum fwc_hook)h, &hr[h]);
		free_scratch(&hr[h].scratch);
		free(hr[h].keys);
	}
	/* unused user chains are still emitted; the analyzer reports them */
}

/* Jumps and gotos between user chains must not loop: the kernel refuses
 * such a ruleset. Depth-first search; each loop is reported once, at the
 * jump that closes it. */
static bool find_loop(struct ir_chain *c, struct ir_chain **path, size_t depth,
		      int *mark, struct ir *ir)
{
	size_t ci = 0;
	while (ir->chains[ci] != c)
		ci++;
	if (mark[ci] == 2)
		return false;
	mark[ci] = 1;
	path[depth] = c;
	for (size_t j = 0; j < c->n; j++) {
		struct ir_rule *r = c->rules[j];
		if ((r->act.kind != ACT_JUMP && r->act.kind != ACT_GOTO) ||
		    r->act.target->hook != HOOK_NONE)
			continue;
		struct ir_chain *t = r->act.target;
		size_t ti = 0;
		while (ir->chains[ti] != t)
			ti++;
		if (mark[ti] == 1) {
			char buf[512] = "";
			size_t k = 0;
			while (path[k] != t)
				k++;
			for (; k <= depth; k++) {
				size_t l = strlen(buf);
				snprintf(buf + l, sizeof(buf) - l, "%s -> ", path[k]->name);
			}
			size_t l = strlen(buf);
			snprintf(buf + l, sizeof(buf) - l, "%s", t->name);
			diag_error(&r->loc, "jump loop: %s", buf);
			mark[ci] = 2;
			return true;
		}
		if (mark[ti] == 0 && depth + 1 < 64 &&
		    find_loop(t, path, depth + 1, mark, ir)) {
			mark[ci] = 2;
			return true;
		}
	}
	mark[ci] = 2;
	return false;
}

static void check_loops(struct ir *ir)
{
	int *mark = xcalloc(ir->nchains, sizeof(int));
	struct ir_chain *path[64];
	for (size_t i = 0; i < ir->nchains; i++)
		if (ir->chains[i]->hook == HOOK_NONE && !mark[i])
			find_loop(ir->chains[i], path, 0, mark, ir);
	free(mark);
}

/* ------------------------------------------------------------------ */
/* AST dump                                                            */

static void dump_val(FILE *out, const struct ast_val *v)
{
	switch (v->kind) {
	case AV_ADDR:
		fputs(v->text, out);
		if (v->port >= 0)
			fprintf(out, ":%d", v->port);
		break;
	case AV_RANGE:
		fprintf(out, "%s-%s", v->text, v->text2);
		break;
	case AV_NAME:
		fputs(v->text, out);
		if (v->port >= 0)
			fprintf(out, ":%d", v->port);
		break;
	case AV_SETREF:
		fprintf(out, "@%s", v->text);
		break;
	case AV_LIST:
		fputs("{ ", out);
		for (const struct ast_val *c = v->child; c; c = c->next) {
			dump_val(out, c);
			fputs(c->next ? ", " : " ", out);
		}
		fputc('}', out);
		break;
	case AV_NOT:
		fputs("not ", out);
		dump_val(out, v->child);
		break;
	}
}

static void dump_ports(FILE *out, const struct ast_port *p)
{
	for (; p; p = p->next) {
		if (p->lo == p->hi)
			fprintf(out, "%u", p->lo);
		else
			fprintf(out, "%u-%u", p->lo, p->hi);
		if (p->next)
			fputs(", ", out);
	}
}

static void dump_terms(FILE *out, const struct ast_term *t)
{
	for (; t; t = t->next) {
		fprintf(out, " (%s", term_word(t->kind));
		if (t->neg)
			fputs(" not", out);
		if (t->val) {
			fputc(' ', out);
			for (const struct ast_val *v = t->val; v; v = v->next) {
				dump_val(out, v);
				if (v->next)
					fputc(',', out);
				if (t->kind != TM_STATE && t->kind != TM_IN &&
				    t->kind != TM_OUT && t->kind != TM_TCPFLAGS)
					break;
			}
		}
		if (t->val2) {
			fputs(" /", out);
			for (const struct ast_val *v = t->val2; v; v = v->next)
				fprintf(out, " %s", v->text);
		}
		if (t->ports) {
			fputc(' ', out);
			dump_ports(out, t->ports);
		}
		if (t->word)
			fprintf(out, " \"%s\"", t->word);
		if (t->kind == TM_MARK || t->kind == TM_CONNMARK) {
			fprintf(out, " %llu", (unsigned long long)t->n1);
			if (t->has_n2)
				fprintf(out, "/%llu", (unsigned long long)t->n2);
		} else if (t->kind == TM_RATE || t->kind == TM_CONNLIMIT ||
			   t->kind == TM_NTH || t->kind == TM_RECENT) {
			fprintf(out, " %llu %llu", (unsigned long long)t->n1,
				(unsigned long long)t->n2);
			if (t->per)
				fprintf(out, " per %s", t->per == PER_SOURCE ? "source" : "destination");
		}
		fputc(')', out);
	}
}

void ast_dump(FILE *out, const struct ast_stmt *s)
{
	static const char *const kn[] = { "include", "define", "set", "service",
					  "zone", "policy", "management", "block",
					  "implicit" };
	for (; s; s = s->next) {
		fprintf(out, "%s:%u:%u %s", s->loc.file ? s->loc.file->path : "?",
			s->loc.line, s->loc.col, kn[s->kind]);
		if (s->name)
			fprintf(out, " %s", s->name);
		switch (s->kind) {
		case ST_INCLUDE:
			fprintf(out, " \"%s\"", s->path);
			break;
		case ST_DEFINE:
		case ST_SET:
			if (s->path)
				fprintf(out, " from \"%s\"", s->path);
			if (s->val) {
				fputs(" = ", out);
				dump_val(out, s->val);
			}
			break;
		case ST_SERVICE:
			if (s->svc_src == SVC_FIREWALLD)
				fprintf(out, " from firewalld \"%s\"", s->path);
			else if (s->svc_src == SVC_ETC)
				fputs(" from services", out);
			for (const struct ast_svc *v = s->svc; v; v = v->next) {
				fprintf(out, " %s", v->proto ? v->proto : "");
				if (v->ports) {
					fputc(' ', out);
					dump_ports(out, v->ports);
				}
				fputc(';', out);
			}
			break;
		case ST_ZONE:
			for (const struct ast_val *v = s->ifaces; v; v = v->next)
				fprintf(out, " interface %s", v->text);
			for (const struct ast_val *v = s->networks; v; v = v->next) {
				fputs(" network ", out);
				dump_val(out, v);
			}
			break;
		case ST_POLICY:
			fprintf(out, " %s %s", hook_name(s->hook), act_name(s->policy));
			break;
		case ST_MANAGEMENT:
			dump_terms(out, s->terms);
			break;
		case ST_IMPLICIT:
			fprintf(out, " %s", s->on ? "on" : "off");
			for (const struct ast_val *v = s->hooks; v; v = v->next)
				fprintf(out, " %s", v->text);
			break;
		case ST_BLOCK:
			fprintf(out, " %s %s", table_name(s->table),
				s->nat_any ? "any" : hook_name(s->hook));
			fputc('\n', out);
			for (const struct ast_rule *r = s->rules; r; r = r->next) {
				fprintf(out, "  %u:%u %s", r->loc.line, r->loc.col,
					act_name(r->act));
				if (r->act == ACT_MARK || (r->act == ACT_CONNMARK && r->cm == CM_SET))
					fprintf(out, " %llu/%llu", (unsigned long long)r->mark,
						(unsigned long long)r->mask);
				if (r->target)
					fprintf(out, " %s", r->target);
				dump_terms(out, r->terms);
				fputc('\n', out);
			}
			continue;
		}
		fputc('\n', out);
	}
}

/* ------------------------------------------------------------------ */

static int zone_loc_cmp(const void *pa, const void *pb)
{
	const struct ir_zone *a = pa, *b = pb;
	int c = strcmp(a->loc.file ? a->loc.file->path : "",
		       b->loc.file ? b->loc.file->path : "");
	if (c)
		return c;
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	return a->loc.col < b->loc.col ? -1 : a->loc.col > b->loc.col;
}

static int svc_cmp(const void *pa, const void *pb)
{
	const struct ir_service *a = pa, *b = pb;
	if (a->declared != b->declared)
		return a->declared ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* The zones and services the graph labels with: every zone declared
 * (and resolved), every service declared or named in a rule. */
static void export_zones_services(struct fe *fe)
{
	struct ir *ir = fe->ir;
	for (size_t i = 0; i < fe->nsyms; i++) {
		struct sym *s = fe->syms[i];
		if (s->kind == SYM_ZONE && !s->builtin && s->state == 2) {
			VEC_PUSH(ir->zones, ir->nzones, ir->capzones);
			struct ir_zone *z = &ir->zones[ir->nzones++];
			memset(z, 0, sizeof(*z));
			z->name = s->name;
			z->loc = s->loc;
			z->nifaces = s->zone.nifaces;
			z->ifaces = arena_alloc(&ir->arena, (z->nifaces + 1) * sizeof(char *));
			for (size_t k = 0; k < z->nifaces; k++)
				z->ifaces[k] = s->zone.ifaces[k];
			z->has_net = s->zone.has_net;
			iset_init(&z->net4, 32);
			iset_init(&z->net6, 128);
			if (z->has_net) {
				iset_copy(&z->net4, &s->zone.net.v4);
				iset_copy(&z->net6, &s->zone.net.v6);
			}
		} else if (s->kind == SYM_SERVICE && s->state == 2 && s->svc.n &&
			   (s->used || !s->builtin)) {
			VEC_PUSH(ir->svcs, ir->nsvcs, ir->capsvcs);
			struct ir_service *v = &ir->svcs[ir->nsvcs++];
			v->name = s->name;
			v->declared = !s->builtin;
			v->np = s->svc.n;
			v->p = arena_alloc(&ir->arena, v->np * sizeof(*v->p));
			for (size_t k = 0; k < v->np; k++) {
				v->p[k].proto = s->svc.v[k].proto;
				v->p[k].lo = s->svc.v[k].lo;
				v->p[k].hi = s->svc.v[k].hi;
				v->p[k].any_port = s->svc.v[k].any_port;
			}
		}
	}
	if (ir->nzones > 1)
		qsort(ir->zones, ir->nzones, sizeof(*ir->zones), zone_loc_cmp);
	if (ir->nsvcs > 1)
		qsort(ir->svcs, ir->nsvcs, sizeof(*ir->svcs), svc_cmp);
}

struct ir *frontend_compile(const char *path, const struct fwc_opts *o,
			    enum fwc_dump dump, FILE *out)
{
	struct fe fe;
	memset(&fe, 0, sizeof(fe));
	fe.o = o;
	if (dump == DUMP_TOKENS) {
		struct srcfile *f = src_load(path, NULL);
		if (!f) {
			diag_error(NULL, "cannot read '%s': %s", path, strerror(errno));
			return NULL;
		}
		dump_tokens(out, f);
		return NULL;
	}
	struct ast_stmt *head = load_all(&fe, path);
	if (dump == DUMP_AST) {
		ast_dump(out, head);
		arena_free(&fe.arena);
		return NULL;
	}
	fe.ir = ir_new();
	fe.ir->source = path;
	declare(&fe, head);
	lower_all(&fe, head);
	check_loops(fe.ir);
	ir_sort(fe.ir);
	export_zones_services(&fe);
	for (size_t i = 0; i < fe.nsyms; i++) {
		struct sym *s = fe.syms[i];
		if (!s->builtin && s->kind != SYM_CHAIN && s->loc.file) {
			struct ir *ir = fe.ir;
			VEC_PUSH(ir->defs, ir->ndefs, ir->capdefs);
			struct ir_def *d = &ir->defs[ir->ndefs++];
			d->kind = kind_name(s->kind);
			d->name = s->name;
			d->loc = s->loc;
			d->used = s->used;
		}
		aspec_release(&s->val);
		if (s->kind == SYM_ZONE) {
			free(s->zone.ifaces);
			aspec_release(&s->zone.net);
		}
		svc_list_release(&s->svc);
	}
	free(fe.syms);
	if (fe.svcdb)
		svcdb_free(fe.svcdb);
	if (fe.bogons_loaded) {
		iset_release(&fe.bog4);
		iset_release(&fe.bog6);
	}
	/* AST text (names, prefixes) is referenced by the IR: keep the arena
	 * alive as long as the IR by chaining it in */
	fe.ir->ast_arena = fe.arena;
	if (diag_count(DIAG_ERROR)) {
		ir_free(fe.ir);
		return NULL;
	}
	if (dump == DUMP_IR)
		ir_dump(out, fe.ir);
	else if (dump == DUMP_IR_SEMANTIC)
		ir_dump_semantic(out, fe.ir);
	return fe.ir;
}
