/*
 * graph.c: the policy drawn, with graphviz's cgraph (the graph) and gvc
 * (layout and rendering), never by running `dot`.
 *
 * Two kinds:
 *  - chains: one cluster per table, the hooks in kernel order as entry
 *    nodes (with their policy), user and zone dispatch chains with their
 *    rule counts, an edge per jump or goto (merged when one chain jumps
 *    to another from many rules), findings counted on their chain, chains
 *    no packet reaches greyed;
 *  - zones: the zones (a dump: its interfaces) and `self`, an edge for
 *    every pair between which new connections are accepted, labelled
 *    with the services, from the exact packet space (analyze_matrix());
 *    a dashed edge for what is allowed only in part.
 *
 * The graph is built first; the output is either the DOT text of the
 * graph as built (agwrite: no layout, stable for golden tests) or a
 * rendering (gvLayout + gvRenderData) in memory, so a failed run writes
 * nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "diag.h"
#include "graph.h"
#include "lint.h"
#include "services.h"
#include "util.h"

/* graphviz's headers have a `struct path`, fwc's trace.h an `enum path` */
#define path gv_path
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#undef path

/* ---- small text helpers ---- */

struct sb {
	char *s;
	size_t n, cap;
};

static void sb_printf(struct sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			die("out of memory");
		if (b->s && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 64) * 2;
		b->s = xrealloc(b->s, b->cap);
		if (b->n == 0)
			b->s[0] = '\0';
	}
}

/* text for an HTML-like label: & < > " escaped */
static void sb_html(struct sb *b, const char *t)
{
	for (; *t; t++) {
		switch (*t) {
		case '&': sb_printf(b, "&amp;"); break;
		case '<': sb_printf(b, "&lt;"); break;
		case '>': sb_printf(b, "&gt;"); break;
		case '"': sb_printf(b, "&quot;"); break;
		default: sb_printf(b, "%c", *t); break;
		}
	}
}

static void set(void *obj, const char *name, const char *value)
{
	agsafeset(obj, (char *)name, (char *)value, "");
}

static void set_html(Agraph_t *g, void *obj, const char *name, const char *html)
{
	char *h = agstrdup_html(g, (char *)html);
	agsafeset(obj, (char *)name, h, "");
	agstrfree(g, h);
}

/* element k of a set: a port or port range, a prefix or address range */
static void iset_range_str(const struct iset *s, size_t k, char *buf, size_t n)
{
	if (k >= s->n) {
		snprintf(buf, n, "none");
		return;
	}
	u128 lo = s->r[k].lo, hi = s->r[k].hi;
	if (s->bits == 16) {
		if (lo == hi)
			snprintf(buf, n, "%u", (unsigned)lo);
		else
			snprintf(buf, n, "%u-%u", (unsigned)lo, (unsigned)hi);
		return;
	}
	range_format(buf, n, s->bits == 32 ? 4 : 6, lo, hi);
}

/* ---- chains ---- */

/* A short summary of what a rule matches, for an edge label. */
static void rule_summary(struct sb *b, const struct ir_rule *r)
{
	char addr[96];
	size_t start = b->n;
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		if (b->n > start)
			sb_printf(b, " ");
		switch (m->kind) {
		case M_IIF:
		case M_OIF:
			sb_printf(b, "%s%s %s%s", m->kind == M_IIF ? "in" : "out",
				  m->neg ? " !" : "", m->nnames ? m->names[0] : "",
				  m->nnames > 1 ? ",…" : "");
			break;
		case M_SADDR:
		case M_DADDR:
			iset_range_str(&m->set, 0, addr, sizeof(addr));
			sb_printf(b, "%s %s%s", m->kind == M_SADDR ? "src" : "dst", addr,
				  m->set.n > 1 ? ",…" : "");
			break;
		case M_SSET:
		case M_DSET:
			sb_printf(b, "%s %s@%s", m->kind == M_SSET ? "src" : "dst",
				  m->neg ? "!" : "", m->named->name);
			break;
		case M_PROTO: {
			const char *pn = proto_name(m->proto);
			if (pn)
				sb_printf(b, "%s%s", m->neg ? "! " : "", pn);
			else
				sb_printf(b, "%sproto %d", m->neg ? "! " : "", m->proto);
			break;
		}
		case M_SPORT:
		case M_DPORT:
			iset_range_str(&m->set, 0, addr, sizeof(addr));
			sb_printf(b, "%s %s%s", m->kind == M_SPORT ? "sport" : "dport", addr,
				  m->set.n > 1 ? ",…" : "");
			break;
		case M_CTSTATE: {
			sb_printf(b, "%sstate ", m->neg ? "! " : "");
			bool first = true;
			for (uint32_t bit = 1; bit <= CT_UNTRACKED; bit <<= 1)
				if (m->state & bit) {
					sb_printf(b, "%s%s", first ? "" : ",", ct_state_name(bit));
					first = false;
				}
			break;
		}
		case M_MARK:
		case M_CONNMARK:
			sb_printf(b, "%s%s 0x%x", m->kind == M_MARK ? "mark" : "connmark",
				  m->neg ? " !" : "", m->value);
			break;
		case M_ICMP_TYPE: {
			const char *tn = icmp_type_name(r->family, m->icmp_type);
			if (tn)
				sb_printf(b, "%s", tn);
			else
				sb_printf(b, "icmp type %d", m->icmp_type);
			break;
		}
		case M_UNKNOWN:
			sb_printf(b, "-m %s", m->module ? m->module : "?");
			break;
		case M_LIMIT: sb_printf(b, "limit"); break;
		case M_CONNLIMIT: sb_printf(b, "connlimit"); break;
		case M_RECENT: sb_printf(b, "recent"); break;
		case M_NTH: sb_printf(b, "nth"); break;
		case M_UID: sb_printf(b, "uid %s", m->str ? m->str : "?"); break;
		case M_TCPFLAGS: sb_printf(b, "tcp-flags"); break;
		case M_FRAGMENT: sb_printf(b, "%sfragment", m->neg ? "! " : ""); break;
		}
		if (b->n - start > 36)
			break;
	}
	if (b->n == start)
		sb_printf(b, "all");
	if (b->n - start > 40) {
		/* cut at a character boundary, then the ellipsis */
		size_t cut = start + 38;
		while (cut > start && ((unsigned char)b->s[cut] & 0xc0) == 0x80)
			cut--;
		b->n = cut;
		b->s[b->n] = '\0';
		sb_printf(b, "…");
	}
}

static const char *loc_str(char *buf, size_t n, const struct ir_rule *r)
{
	if (r->loc.file)
		snprintf(buf, n, "%s:%u", r->loc.file->path, r->loc.line);
	else
		snprintf(buf, n, "%s", r->origin ? r->origin : "generated");
	return buf;
}

static bool is_jump(const struct ir_rule *r)
{
	return (r->act.kind == ACT_JUMP || r->act.kind == ACT_GOTO) && r->act.target;
}

static size_t chain_index(const struct ir *ir, const struct ir_chain *c)
{
	for (size_t i = 0; i < ir->nchains; i++)
		if (ir->chains[i] == c)
			return i;
	return (size_t)-1;
}

static const char *chain_title(const struct ir_chain *c)
{
	return c->ipt_name ? c->ipt_name : c->name;
}

/* the hook name as iptables spells it */
static const char *hook_title(enum fwc_hook h)
{
	switch (h) {
	case HOOK_PREROUTING: return "PREROUTING";
	case HOOK_INPUT: return "INPUT";
	case HOOK_FORWARD: return "FORWARD";
	case HOOK_OUTPUT: return "OUTPUT";
	case HOOK_POSTROUTING: return "POSTROUTING";
	default: return "?";
	}
}

static int chains_graph(Agraph_t *g, const struct ir *ir, const struct lint_result *res,
			const struct graph_opts *o)
{
	size_t nc = ir->nchains;
	bool *shown = xcalloc(nc + 1, sizeof(bool));
	bool *reached = xcalloc(nc + 1, sizeof(bool));
	size_t *nsr = xcalloc(nc + 1, sizeof(size_t));   /* shadowed/redundant */
	size_t *nbad = xcalloc(nc + 1, sizeof(size_t));  /* lockout, marks, nat */
	struct ir_chain **byid = xcalloc(ir->nrules + 1, sizeof(*byid));
	for (size_t i = 0; i < nc; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++)
			byid[ir->chains[i]->rules[j]->id] = ir->chains[i];
	/* findings per chain, each rule once per kind */
	for (size_t i = 0; res && i < res->n; i++) {
		const struct lint_finding *f = &res->f[i];
		if (f->rule_id == (size_t)-1 || f->rule_id > ir->nrules || !byid[f->rule_id])
			continue;
		size_t ci = chain_index(ir, byid[f->rule_id]);
		if (f->check == CHK_SHADOWED || f->check == CHK_REDUNDANT)
			nsr[ci]++;
		else if (f->check == CHK_LOCKOUT || f->check == CHK_MARK_ORDER ||
			 f->check == CHK_MARK_OVERWRITTEN || f->check == CHK_NAT_BYPASS)
			nbad[ci]++;
	}
	/* reached: base chains; a chain some reached jump rule matches */
	for (size_t i = 0; i < nc; i++)
		reached[i] = ir->chains[i]->hook != HOOK_NONE;
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < nc; i++) {
			if (!reached[i])
				continue;
			const struct ir_chain *c = ir->chains[i];
			for (size_t j = 0; j < c->n; j++) {
				const struct ir_rule *r = c->rules[j];
				if (!is_jump(r) || (res && res->rule_hit && !res->rule_hit[r->id]))
					continue;
				size_t t = chain_index(ir, r->act.target);
				if (t != (size_t)-1 && !reached[t]) {
					reached[t] = more = true;
				}
			}
		}
	}
	/* which chains to draw: --table, --chain NAME --depth N */
	size_t start = (size_t)-1;
	if (o->chain) {
		for (size_t i = 0; i < nc; i++) {
			const struct ir_chain *c = ir->chains[i];
			if ((o->table < 0 || (int)c->table == o->table) &&
			    (!strcmp(c->name, o->chain) ||
			     (c->ipt_name && !strcmp(c->ipt_name, o->chain)) ||
			     (c->hook != HOOK_NONE && !strcasecmp(hook_title(c->hook), o->chain)))) {
				start = i;
				break;
			}
		}
		if (start == (size_t)-1) {
			struct suggest sg;
			char sb[96];
			suggest_init(&sg, o->chain);
			for (size_t i = 0; i < nc; i++)
				suggest_offer(&sg, chain_title(ir->chains[i]));
			diag_error(NULL, "no chain '%s'%s%s%s", o->chain,
				   o->table >= 0 ? " in table " : "",
				   o->table >= 0 ? table_name((enum fwc_table)o->table) : "",
				   suggest_text(&sg, sb, sizeof(sb)));
			free(shown);
			free(reached);
			free(nsr);
			free(nbad);
			free(byid);
			return -1;
		}
		int *depth = xcalloc(nc, sizeof(int));
		size_t *queue = xcalloc(nc, sizeof(size_t));
		size_t qh = 0, qt = 0;
		queue[qt++] = start;
		shown[start] = true;
		while (qh < qt) {
			size_t i = queue[qh++];
			if (depth[i] >= o->depth)
				continue;
			const struct ir_chain *c = ir->chains[i];
			for (size_t j = 0; j < c->n; j++) {
				if (!is_jump(c->rules[j]))
					continue;
				size_t t = chain_index(ir, c->rules[j]->act.target);
				if (t != (size_t)-1 && !shown[t]) {
					shown[t] = true;
					depth[t] = depth[i] + 1;
					queue[qt++] = t;
				}
			}
		}
		free(depth);
		free(queue);
	} else {
		for (size_t i = 0; i < nc; i++)
			shown[i] = o->table < 0 || (int)ir->chains[i]->table == o->table;
	}

	Agnode_t **node = xcalloc(nc + 1, sizeof(*node));
	Agraph_t *cl[TBL_MAX] = { 0 };
	Agnode_t *prev_hook[TBL_MAX] = { 0 };
	struct sb b = { 0 };
	/* the clusters, made last table first: dot stacks them bottom up,
	 * so raw ends up on top and filter below it, as the kernel runs
	 * them */
	for (int t = TBL_MAX - 1; t >= 0; t--) {
		bool any = false;
		for (size_t i = 0; i < nc && !any; i++)
			any = shown[i] && (int)ir->chains[i]->table == t;
		if (!any)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "cluster_%s", table_name((enum fwc_table)t));
		cl[t] = agsubg(g, name, 1);
		snprintf(name, sizeof(name), "table %s", table_name((enum fwc_table)t));
		set(cl[t], "label", name);
		set(cl[t], "style", "rounded");
		set(cl[t], "color", "#9aa5b1");
		set(cl[t], "fontname", "Helvetica");
	}
	/* nodes made last table first, too: dot stacks disconnected parts
	 * bottom up in the order their nodes were made */
	for (int tb = TBL_MAX - 1; tb >= 0; tb--)
	for (size_t i = 0; i < nc; i++) {
		if (!shown[i] || (int)ir->chains[i]->table != tb)
			continue;
		const struct ir_chain *c = ir->chains[i];
		if (!cl[c->table]) {
			char name[64];
			snprintf(name, sizeof(name), "cluster_%s", table_name(c->table));
			cl[c->table] = agsubg(g, name, 1);
			snprintf(name, sizeof(name), "table %s", table_name(c->table));
			set(cl[c->table], "label", name);
			set(cl[c->table], "style", "rounded");
			set(cl[c->table], "color", "#9aa5b1");
			set(cl[c->table], "fontname", "Helvetica");
		}
		char id[512];
		snprintf(id, sizeof(id), "%s/%s", table_name(c->table), c->name);
		Agraph_t *in = cl[c->table];
		if (c->hook != HOOK_NONE) {
			/* the hooks in one column, in kernel order */
			char rk[64];
			snprintf(rk, sizeof(rk), "hooks_%s", table_name(c->table));
			in = agsubg(cl[c->table], rk, 1);
			set(in, "rank", "same");
		}
		Agnode_t *n = agnode(in, id, 1);
		node[i] = n;
		b.n = 0;
		sb_printf(&b, "<b>");
		sb_html(&b, c->hook != HOOK_NONE ? hook_title(c->hook) : chain_title(c));
		sb_printf(&b, "</b>");
		if (c->hook != HOOK_NONE)
			sb_printf(&b, "<br/>policy %s", c->policy == ACT_DROP ? "drop" : "accept");
		else if (c->zone) {
			sb_printf(&b, "<br/>zone ");
			sb_html(&b, c->zone);
		}
		sb_printf(&b, "<br/>%zu rule%s", c->n, c->n == 1 ? "" : "s");
		if (nsr[i])
			sb_printf(&b, "<br/><font color=\"#b35900\">%zu shadowed/redundant</font>",
				  nsr[i]);
		if (nbad[i])
			sb_printf(&b, "<br/><font color=\"#c00000\">%zu lockout/order/nat</font>",
				  nbad[i]);
		set_html(g, n, "label", b.s);
		b.n = 0;
		sb_printf(&b, "%s chain %s", table_name(c->table), chain_title(c));
		if (c->loc.file) {
			sb_printf(&b, " (%s:%u)", c->loc.file->path, c->loc.line);
		}
		set(n, "tooltip", b.s);
		if (c->hook != HOOK_NONE) {
			set(n, "shape", "box");
			set(n, "style", "filled,bold");
			set(n, "fillcolor", c->policy == ACT_DROP ? "#f8d7d3" : "#d9efd9");
			/* hooks left to right in kernel order within the table */
			if (prev_hook[c->table]) {
				/* rankdir LR: a flat edge's head goes above its
				 * tail, so the edge runs from the later hook */
				Agedge_t *e = agedge(cl[c->table], n, prev_hook[c->table], "order", 1);
				set(e, "style", "invis");
			}
			prev_hook[c->table] = n;
		} else {
			set(n, "shape", "box");
			set(n, "style", reached[i] ? "rounded" : "rounded,dashed");
		}
		if (nbad[i]) {
			set(n, "color", "#c00000");
			set(n, "penwidth", "2");
		} else if (nsr[i]) {
			set(n, "color", "#d98c00");
			set(n, "penwidth", "2");
		}
		if (!reached[i]) {
			set(n, "color", "#a0a0a0");
			set(n, "fontcolor", "#a0a0a0");
			set(n, "tooltip", "no packet reaches this chain");
		}
	}
	/* edges: per (from, to, jump or goto); one edge per rule up to 3,
	 * else one edge for them all */
	for (size_t i = 0; i < nc; i++) {
		if (!node[i])
			continue;
		const struct ir_chain *c = ir->chains[i];
		size_t *done = xcalloc(c->n + 1, sizeof(size_t));
		for (size_t j = 0; j < c->n; j++) {
			const struct ir_rule *r = c->rules[j];
			if (!is_jump(r) || done[j])
				continue;
			size_t t = chain_index(ir, r->act.target);
			if (t == (size_t)-1 || !node[t])
				continue;
			size_t k = 0;
			for (size_t x = j; x < c->n; x++)
				if (is_jump(c->rules[x]) && c->rules[x]->act.target == r->act.target &&
				    c->rules[x]->act.kind == r->act.kind)
					k++;
			char lb[256], key[64];
			b.n = 0;
			if (k <= 3) {
				done[j] = 1;
				rule_summary(&b, r);
				snprintf(key, sizeof(key), "r%zu", r->id);
				Agedge_t *e = agedge(g, node[i], node[t], key, 1);
				set(e, "label", b.s);
				set(e, "tooltip", loc_str(lb, sizeof(lb), r));
				if (r->act.kind == ACT_GOTO)
					set(e, "style", "dashed");
				if (res && res->rule_hit && !res->rule_hit[r->id])
					set(e, "color", "#a0a0a0");
				continue;
			}
			struct sb tip = { 0 };
			size_t shown_lines = 0;
			for (size_t x = j; x < c->n; x++) {
				const struct ir_rule *y = c->rules[x];
				if (!is_jump(y) || y->act.target != r->act.target ||
				    y->act.kind != r->act.kind)
					continue;
				done[x] = 1;
				if (shown_lines++ < 12) {
					struct sb s1 = { 0 };
					rule_summary(&s1, y);
					sb_printf(&tip, "%s%s: %s", shown_lines > 1 ? "\n" : "",
						  loc_str(lb, sizeof(lb), y), s1.s);
					free(s1.s);
				}
			}
			if (shown_lines > 12)
				sb_printf(&tip, "\n… and %zu more", shown_lines - 12);
			sb_printf(&b, "%zu rules", k);
			snprintf(key, sizeof(key), "r%zu", r->id);
			Agedge_t *e = agedge(g, node[i], node[t], key, 1);
			set(e, "label", b.s);
			set(e, "tooltip", tip.s);
			set(e, "penwidth", "2");
			if (r->act.kind == ACT_GOTO)
				set(e, "style", "dashed");
			free(tip.s);
		}
		free(done);
	}
	free(b.s);
	free(node);
	free(shown);
	free(reached);
	free(nsr);
	free(nbad);
	free(byid);
	return 0;
}

/* ---- zones ---- */

static const char *proto_label(char *buf, size_t n, int proto)
{
	const char *pn = proto == 58 ? "icmpv6" : proto_name(proto);
	if (pn)
		snprintf(buf, n, "%s", pn);
	else
		snprintf(buf, n, "proto %d", proto);
	return buf;
}

/* Does the edge have items allowed in full (or in part)? */
static bool has_items(const struct zm_edge *e, bool full)
{
	for (size_t k = 0; k < e->n; k++)
		if (e->it[k].full == full)
			return true;
	return false;
}

/* Does the item list (full ones, or partial ones) cover every port of
 * service v? Then it is named, and its ports are taken. */
static bool svc_covered(const struct ir_service *v, const struct zm_edge *e, bool full)
{
	for (size_t k = 0; k < v->np; k++) {
		bool ok = false;
		for (size_t i = 0; i < e->n && !ok; i++) {
			const struct zm_item *it = &e->it[i];
			if (it->full == full && it->proto == v->p[k].proto &&
			    it->lo <= v->p[k].lo && v->p[k].hi <= it->hi)
				ok = true;
		}
		if (!ok)
			return false;
	}
	return true;
}

static bool item_in_svc(const struct zm_item *it, const struct ir_service *v)
{
	for (size_t k = 0; k < v->np; k++)
		if (v->p[k].proto == it->proto && v->p[k].lo <= it->lo && it->hi <= v->p[k].hi)
			return true;
	return false;
}

/* The label of one edge's items (full or partial). */
static void edge_label(struct sb *b, const struct ir *ir, const struct svcdb *db,
		       const struct zm_edge *e, bool full, size_t cap, bool wrap)
{
	size_t start = b->n;
	/* whole protocols: every port (port 0, which no packet uses, may be
	 * left out: "--dport 1:65535") */
	bool whole[256] = { false };
	size_t nwhole = 0;
	for (size_t i = 0; i < e->n; i++) {
		const struct zm_item *it = &e->it[i];
		if (it->full == full && it->lo <= 1 && it->hi == 65535 && !whole[it->proto]) {
			whole[it->proto] = true;
			nwhole++;
		}
	}
	/* no packet between the two has the icmp of a family they exclude
	 * (a dump of one family, zones of IPv4 networks) */
	int absent[2] = { e->v4 ? -1 : 1, e->v6 ? -1 : 58 };
	for (int k = 0; k < 2; k++)
		if (absent[k] >= 0 && !whole[absent[k]]) {
			whole[absent[k]] = true;
			nwhole++;
		}
	if (nwhole == 256) {
		sb_printf(b, "any");
		return;
	}
	bool *named = xcalloc(e->n + 1, sizeof(bool));
	size_t nlab = 0;
	if (nwhole >= 128) {
		/* most protocols: say which are not whole */
		sb_printf(b, "any protocol but");
		size_t k = 0;
		for (int p = 0; p < 256; p++) {
			if (whole[p])
				continue;
			char pb[32];
			if (k++ == 6) {
				sb_printf(b, " …");
				break;
			}
			sb_printf(b, "%s %s", k > 1 ? "," : "", proto_label(pb, sizeof(pb), p));
		}
		nlab++;
		for (size_t i = 0; i < e->n; i++)
			if (e->it[i].full == full && whole[e->it[i].proto])
				named[i] = true;
	}
	/* the policy's services, declared ones first */
	for (size_t s = 0; s < ir->nsvcs; s++) {
		const struct ir_service *v = &ir->svcs[s];
		if (!svc_covered(v, e, full))
			continue;
		if (nwhole >= 128) {
			/* in "any protocol but ..." already */
			bool in_whole = true;
			for (size_t k = 0; k < v->np; k++)
				in_whole &= whole[v->p[k].proto];
			if (in_whole)
				continue;
		}
		sb_printf(b, "%s%s", b->n > start ? ", " : "", v->name);
		nlab++;
		for (size_t i = 0; i < e->n; i++)
			if (e->it[i].full == full && item_in_svc(&e->it[i], v))
				named[i] = true;
	}
	/* the rest: protocol/ports, with the services(5) name of a port */
	for (size_t i = 0; i < e->n; i++) {
		const struct zm_item *it = &e->it[i];
		if (it->full != full || named[i])
			continue;
		char pb[32];
		proto_label(pb, sizeof(pb), it->proto);
		if (nlab >= cap) {
			sb_printf(b, ", …");
			break;
		}
		nlab++;
		const char *sep = b->n > start ? ", " : "";
		if (!proto_has_ports(it->proto) || (it->lo <= 1 && it->hi == 65535)) {
			sb_printf(b, "%s%s", sep, pb);
		} else if (it->lo == it->hi) {
			const char *sn = db ? svcdb_name_of(db, it->proto, it->lo) : NULL;
			if (sn)
				sb_printf(b, "%s%s (%s/%u)", sep, sn, pb, it->lo);
			else
				sb_printf(b, "%s%s/%u", sep, pb, it->lo);
		} else {
			sb_printf(b, "%s%s/%u-%u", sep, pb, it->lo, it->hi);
		}
	}
	free(named);
	/* wrap long labels: a line break after every third entry */
	int commas = 0;
	for (size_t i = start; wrap && i + 1 < b->n; i++)
		if (b->s[i] == ',' && b->s[i + 1] == ' ' && ++commas % 3 == 0)
			b->s[i + 1] = '\n';
}

/* Many nodes (a dump with twenty interfaces): one table, a row per
 * "from", a column per "to", the services in the cells (what is allowed
 * only in part in grey italics), the whole list as the cell's tooltip. */
static void zones_table(Agraph_t *g, const struct ir *ir, const struct svcdb *db,
			const struct zmatrix *zm)
{
	struct sb b = { 0 }, t = { 0 };
	sb_printf(&b, "<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" "
		  "cellpadding=\"4\"><tr><td bgcolor=\"#dde3ea\"><b>from \\ to</b></td>");
	for (size_t j = 0; j < zm->nnode; j++) {
		sb_printf(&b, "<td bgcolor=\"#dde3ea\"><b>");
		sb_html(&b, zm->node[j].name);
		sb_printf(&b, "</b></td>");
	}
	sb_printf(&b, "</tr>");
	for (size_t i = 0; i < zm->nnode; i++) {
		sb_printf(&b, "<tr><td bgcolor=\"#dde3ea\"><b>");
		sb_html(&b, zm->node[i].name);
		sb_printf(&b, "</b></td>");
		for (size_t j = 0; j < zm->nnode; j++) {
			const struct zm_edge *e = NULL;
			for (size_t k = 0; k < zm->ne && !e; k++)
				if (zm->e[k].from == i && zm->e[k].to == j)
					e = &zm->e[k];
			if (!e) {
				sb_printf(&b, "<td><font color=\"#b0b0b0\">-</font></td>");
				continue;
			}
			t.n = 0;
			sb_printf(&t, "%s -> %s:", zm->node[i].name, zm->node[j].name);
			for (int pass = 0; pass < 2; pass++) {
				bool full = pass == 0;
				if (!has_items(e, full))
					continue;
				sb_printf(&t, full ? " all of " : " part of ");
				edge_label(&t, ir, db, e, full, 64, false);
			}
			sb_printf(&b, "<td tooltip=\"");
			sb_html(&b, t.s);
			sb_printf(&b, "\" href=\"#\">");
			for (int pass = 0; pass < 2; pass++) {
				bool full = pass == 0;
				if (!has_items(e, full))
					continue;
				t.n = 0;
				edge_label(&t, ir, db, e, full, 5, true);
				if (pass == 1 && b.s[b.n - 1] != '>')
					sb_printf(&b, "<br/>");
				sb_printf(&b, full ? "" : "<font color=\"#7a7a7a\"><i>");
				for (const char *c = t.s; *c; c++) {
					if (*c == '\n') {
						sb_printf(&b, "<br/>");
						continue;
					}
					char one[2] = { *c, 0 };
					sb_html(&b, one);
				}
				sb_printf(&b, full ? "" : "</i></font>");
			}
			sb_printf(&b, "</td>");
		}
		sb_printf(&b, "</tr>");
	}
	sb_printf(&b, "</table>");
	Agnode_t *n = agnode(g, "matrix", 1);
	set(n, "shape", "plaintext");
	set_html(g, n, "label", b.s);
	free(b.s);
	free(t.s);
}

/* A dump: its address classes for one service, as a cluster of their own
 * (like fffuu's service matrix). */
static int classes_cluster(Agraph_t *g, const struct ir *ir, const struct graph_opts *o)
{
	struct zclasses zc;
	if (analyze_classes(ir, o->svc_proto, o->svc_port, &zc) < 0)
		return -1;
	char name[96], pb[32];
	Agraph_t *cl = agsubg(g, "cluster_classes", 1);
	proto_label(pb, sizeof(pb), o->svc_proto);
	if (proto_has_ports(o->svc_proto))
		snprintf(name, sizeof(name), "address classes: new forwarded %s/%u connections",
			 pb, o->svc_port);
	else
		snprintf(name, sizeof(name), "address classes: new forwarded %s connections", pb);
	set(cl, "label", name);
	set(cl, "style", "rounded");
	set(cl, "color", "#9aa5b1");
	set(cl, "fontname", "Helvetica");
	Agnode_t **node = xcalloc(zc.n + 1, sizeof(*node));
	struct sb b = { 0 };
	for (size_t i = 0; i < zc.n; i++) {
		const struct zm_class *c = &zc.cls[i];
		char id[32];
		snprintf(id, sizeof(id), "class %zu", i + 1);
		node[i] = agnode(cl, id, 1);
		b.n = 0;
		sb_printf(&b, "<b>class %zu</b>", i + 1);
		char a[96];
		for (size_t k = 0; k < c->ranges.n && k < 3; k++) {
			range_format(a, sizeof(a), zc.family, c->ranges.r[k].lo, c->ranges.r[k].hi);
			sb_printf(&b, "<br/>");
			sb_html(&b, a);
		}
		if (c->ranges.n > 3 || c->more)
			sb_printf(&b, "<br/>and %s%zu more range%s", c->more ? "over " : "",
				  c->ranges.n - 3, c->ranges.n - 3 == 1 && !c->more ? "" : "s");
		if (c->size < 1e6)
			sb_printf(&b, "<br/>%.0f address%s", c->size, c->size == 1 ? "" : "es");
		else
			sb_printf(&b, "<br/>%.3g addresses", c->size);
		set_html(g, node[i], "label", b.s);
		set(node[i], "shape", "box");
		set(node[i], "style", "rounded,filled");
		set(node[i], "fillcolor", "#eef5e8");
	}
	for (size_t i = 0; i < zc.n; i++)
		for (size_t j = 0; j < zc.n; j++) {
			if (!zc.edge[i * zc.n + j])
				continue;
			char key[48];
			snprintf(key, sizeof(key), "c%zu-%zu", i, j);
			Agedge_t *e = agedge(cl, node[i], node[j], key, 1);
			snprintf(name, sizeof(name), "class %zu may open connections to class %zu",
				 i + 1, j + 1);
			set(e, "tooltip", name);
		}
	free(b.s);
	free(node);
	zclasses_release(&zc);
	return 0;
}

static int zones_graph(Agraph_t *g, const struct ir *ir, const struct graph_opts *o)
{
	if (!ir->nzones && classes_cluster(g, ir, o) < 0)
		return -1;
	struct zmatrix zm;
	if (analyze_matrix(ir, &zm) < 0)
		return -1;
	struct svcdb *db = NULL;
	char err[256];
	db = svcdb_load(o->services_file ? o->services_file : "/etc/services", err,
			sizeof(err));
	/* without the file, ports go unnamed: not an error */
	bool table = o->layout == GRAPH_LAYOUT_MATRIX ||
		     (o->layout == GRAPH_LAYOUT_AUTO && zm.nnode > 8);
	if (table) {
		zones_table(g, ir, db, &zm);
		Agnode_t *first = agnode(g, "class 1", 0);
		if (first) {
			/* the class graph below the table, not beside it (a wide
			 * table and a wide graph side by side make a drawing
			 * nobody can read): top to bottom, an invisible edge */
			agsafeset(g, "rankdir", "TB", "");
			Agedge_t *e = agedge(g, agnode(g, "matrix", 0), first, "below", 1);
			set(e, "style", "invis");
		}
		if (db)
			svcdb_free(db);
		zmatrix_release(&zm);
		return 0;
	}
	Agnode_t **node = xcalloc(zm.nnode + 1, sizeof(*node));
	struct sb b = { 0 };
	for (size_t i = 0; i < zm.nnode; i++) {
		const struct zm_node *zn = &zm.node[i];
		Agnode_t *n = agnode(g, (char *)zn->name, 1);
		node[i] = n;
		b.n = 0;
		sb_printf(&b, "<b>");
		sb_html(&b, zn->name);
		sb_printf(&b, "</b>");
		if (zn->kind == ZN_ZONE) {
			const struct ir_zone *z = zn->zone;
			for (size_t k = 0; k < z->nifaces && k < 4; k++) {
				sb_printf(&b, "%s", k ? ", " : "<br/>");
				sb_html(&b, z->ifaces[k]);
			}
			if (z->nifaces > 4)
				sb_printf(&b, ", …");
			char a[96];
			size_t shown = 0;
			for (int fam = 4; fam <= 6; fam += 2) {
				const struct iset *s = fam == 4 ? &z->net4 : &z->net6;
				for (size_t k = 0; k < s->n; k++) {
					if (shown++ == 3) {
						sb_printf(&b, "<br/>…");
						break;
					}
					iset_range_str(s, k, a, sizeof(a));
					sb_printf(&b, "<br/>");
					sb_html(&b, a);
				}
			}
			set(n, "shape", "box");
			set(n, "style", "rounded,filled");
			set(n, "fillcolor", "#e8eef7");
		} else if (zn->kind == ZN_SELF) {
			sb_printf(&b, "<br/>this host");
			set(n, "shape", "doubleoctagon");
			set(n, "style", "filled");
			set(n, "fillcolor", "#fff3c4");
		} else {
			sb_printf(&b, "<br/>%s", zn->kind == ZN_OTHER ? "any other interface"
								: "interface");
			set(n, "shape", "box");
			set(n, "style", "rounded,filled");
			set(n, "fillcolor", "#e8eef7");
		}
		set_html(g, n, "label", b.s);
	}
	for (size_t i = 0; i < zm.ne; i++) {
		const struct zm_edge *e = &zm.e[i];
		for (int pass = 0; pass < 2; pass++) {
			bool full = pass == 0;
			if (!has_items(e, full))
				continue;
			b.n = 0;
			edge_label(&b, ir, db, e, full, 12, true);
			char key[64];
			snprintf(key, sizeof(key), "%s", full ? "all" : "some");
			Agedge_t *ed = agedge(g, node[e->from], node[e->to], key, 1);
			set(ed, "label", b.s);
			struct sb tip = { 0 };
			sb_printf(&tip, "%s -> %s: %s%s", zm.node[e->from].name, zm.node[e->to].name,
				  full ? "" : "only some sources, destinations or packets: ", b.s);
			set(ed, "tooltip", tip.s);
			free(tip.s);
			if (!full) {
				set(ed, "style", "dashed");
				set(ed, "color", "#7a7a7a");
			}
		}
	}
	free(b.s);
	free(node);
	if (db)
		svcdb_free(db);
	zmatrix_release(&zm);
	return 0;
}

/* ---- object IDs in creation order ----
 *
 * cgraph's default discipline makes a named object's ID the address of
 * its interned name, and orders subgraphs by ID: the DOT text and the
 * layout (which cluster goes on top) then depend on the allocator. These
 * IDs count up instead: named objects get even IDs in the order their
 * names were first seen, anonymous ones odd IDs, as in the default. */

struct idstate {
	Agraph_t *g;
	char **name;            /* name of ID 2 * (i + 1): a cgraph string
				   (agstrdup: agwrite asks it whether it is
				   HTML), freed with the graph */
	size_t n, cap;
	IDTYPE anon;
};

static void *id_open(Agraph_t *g, Agdisc_t *disc)
{
	(void)disc;
	struct idstate *st = xcalloc(1, sizeof(*st));
	st->g = g;
	st->anon = 1;
	return st;
}

static long id_map(void *state, int objtype, char *str, IDTYPE *id, int createflag)
{
	struct idstate *st = state;
	(void)objtype;
	if (!str) {
		*id = st->anon;
		st->anon += 2;
		return 1;
	}
	/* few names (chains, zones, edge keys): a linear search will do */
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->name[i], str)) {
			*id = (IDTYPE)(2 * (i + 1));
			return 1;
		}
	if (!createflag)
		return 0;
	VEC_PUSH(st->name, st->n, st->cap);
	st->name[st->n++] = agstrdup(st->g, str);
	*id = (IDTYPE)(2 * st->n);
	return 1;
}

static long id_alloc(void *state, int objtype, IDTYPE request)
{
	(void)state;
	(void)objtype;
	(void)request;
	return 0;   /* no object asks for an ID of its own choosing */
}

static void id_free(void *state, int objtype, IDTYPE id)
{
	(void)state;
	(void)objtype;
	(void)id;   /* names stay until the graph is closed */
}

static char *id_print(void *state, int objtype, IDTYPE id)
{
	struct idstate *st = state;
	(void)objtype;
	if (id % 2 || id == 0 || id / 2 > st->n)
		return NULL;
	return st->name[id / 2 - 1];
}

static void id_close(void *state)
{
	struct idstate *st = state;
	free(st->name);
	free(st);
}

static void id_register(void *state, int objtype, void *obj)
{
	(void)state;
	(void)objtype;
	(void)obj;
}

static Agiddisc_t seq_id_disc = {
	id_open, id_map, id_alloc, id_free, id_print, id_close, id_register,
};

/* ---- output ---- */

int graph_write(char **out, size_t *outlen, const struct ir *ir,
		const struct lint_result *res, const struct graph_opts *o)
{
	*out = NULL;
	*outlen = 0;
	static Agdisc_t disc;
	disc.mem = &AgMemDisc;
	disc.id = &seq_id_disc;
	disc.io = &AgIoDisc;
	Agraph_t *g = agopen((char *)(o->kind == GRAPH_ZONES ? "zones" : "chains"),
			     Agdirected, &disc);
	if (!g) {
		diag_error(NULL, "graphviz could not create a graph");
		return -1;
	}
	agattr(g, AGRAPH, "fontname", "Helvetica");
	agattr(g, AGNODE, "fontname", "Helvetica");
	agattr(g, AGEDGE, "fontname", "Helvetica");
	agattr(g, AGEDGE, "fontsize", "10");
	agattr(g, AGRAPH, "rankdir", "LR");
	if (o->kind == GRAPH_ZONES) {
		agattr(g, AGRAPH, "nodesep", "0.6");
		agattr(g, AGRAPH, "ranksep", "1.2");
	}
	{
		char lbl[512];
		const char *src = ir->source ? ir->source : "policy";
		const char *slash = strrchr(src, '/');
		snprintf(lbl, sizeof(lbl), "%s: %s", slash && slash[1] ? slash + 1 : src,
			 o->kind == GRAPH_ZONES ? "what new connections may go where"
						: "chains and jumps");
		agattr(g, AGRAPH, "label", lbl);
		agattr(g, AGRAPH, "labelloc", "t");
	}
	int rc = o->kind == GRAPH_ZONES ? zones_graph(g, ir, o) : chains_graph(g, ir, res, o);
	if (rc < 0) {
		agclose(g);
		return -1;
	}
	if (o->format == GRAPH_DOT) {
		FILE *m = open_memstream(out, outlen);
		if (!m)
			die("out of memory");
		agwrite(g, m);
		fclose(m);
		agclose(g);
		return 0;
	}
	GVC_t *gvc = gvContext();
	if (!gvc || gvLayout(gvc, g, "dot") != 0) {
		diag_error(NULL, "graphviz could not lay the graph out (is the 'dot' layout plugin "
			   "installed? Debian package: libgvc6, then 'dot -c')");
		if (gvc)
			gvFreeContext(gvc);
		agclose(g);
		return -1;
	}
	char *data = NULL;
	unsigned int len = 0;
	const char *fmt = o->format == GRAPH_PNG ? "png" : "svg";
	if (gvRenderData(gvc, g, fmt, &data, &len) != 0 || !data) {
		diag_error(NULL, "graphviz could not render %s (its plugin missing?)", fmt);
		gvFreeLayout(gvc, g);
		gvFreeContext(gvc);
		agclose(g);
		return -1;
	}
	*out = xmalloc(len + 1);
	memcpy(*out, data, len);
	(*out)[len] = '\0';
	*outlen = len;
	gvFreeRenderData(data);
	gvFreeLayout(gvc, g);
	agclose(g);
	gvFreeContext(gvc);
	return 0;
}
