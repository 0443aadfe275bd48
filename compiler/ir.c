/*
 * ir.c: building, ordering and dumping the IR (--dump=ir).
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

struct ir *ir_new(void)
{
	return xcalloc(1, sizeof(struct ir));
}

void ir_rule_release(struct ir_rule *r)
{
	for (size_t k = 0; k < r->nm; k++)
		iset_release(&r->m[k].set);
	free(r->m);
	r->m = NULL;
	r->nm = r->capm = 0;
}

void ir_free(struct ir *ir)
{
	if (!ir)
		return;
	for (size_t i = 0; i < ir->nchains; i++) {
		struct ir_chain *c = ir->chains[i];
		for (size_t j = 0; j < c->n; j++)
			ir_rule_release(c->rules[j]);
		free(c->rules);
	}
	for (size_t i = 0; i < ir->nmgmt; i++)
		ir_rule_release(ir->mgmt[i]);
	free(ir->mgmt);
	free(ir->defs);
	for (size_t i = 0; i < ir->nzones; i++) {
		iset_release(&ir->zones[i].net4);
		iset_release(&ir->zones[i].net6);
	}
	free(ir->zones);
	free(ir->svcs);
	for (size_t i = 0; i < ir->nsets; i++)
		iset_release(&ir->sets[i]->elems);
	free(ir->chains);
	free(ir->sets);
	arena_free(&ir->arena);
	arena_free(&ir->ast_arena);
	free(ir);
}

struct ir_chain *ir_chain_add(struct ir *ir, const char *name,
			      enum fwc_table table, enum fwc_hook hook)
{
	struct ir_chain *c = arena_alloc(&ir->arena, sizeof(*c));
	c->name = arena_strdup(&ir->arena, name);
	c->table = table;
	c->hook = hook;
	c->policy = ACT_ACCEPT;
	VEC_PUSH(ir->chains, ir->nchains, ir->capchains);
	ir->chains[ir->nchains++] = c;
	return c;
}

struct ir_chain *ir_chain_find(struct ir *ir, enum fwc_table table,
			       const char *name)
{
	for (size_t i = 0; i < ir->nchains; i++)
		if (ir->chains[i]->table == table &&
		    !strcmp(ir->chains[i]->name, name))
			return ir->chains[i];
	return NULL;
}

struct ir_rule *ir_rule_add(struct ir *ir, struct ir_chain *c,
			    const struct loc *loc)
{
	struct ir_rule *r = arena_alloc(&ir->arena, sizeof(*r));
	if (loc)
		r->loc = *loc;
	r->act.log_level = -1;
	r->act.port_lo = r->act.port_hi = -1;
	r->id = ir->nrules++;
	VEC_PUSH(c->rules, c->n, c->cap);
	c->rules[c->n++] = r;
	return r;
}

struct ir_match *ir_match_add(struct ir_rule *r, enum ir_mkind kind)
{
	/* most rules have 2-5 matches: start small, 100,000 rules add up */
	if (r->nm >= r->capm) {
		r->capm = r->capm ? r->capm * 2 : 4;
		r->m = xrealloc(r->m, r->capm * sizeof(*r->m));
	}
	struct ir_match *m = &r->m[r->nm++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	return m;
}

const struct ir_match *ir_rule_match(const struct ir_rule *r,
				     enum ir_mkind kind)
{
	for (size_t i = 0; i < r->nm; i++)
		if (r->m[i].kind == kind)
			return &r->m[i];
	return NULL;
}

struct ir_set *ir_set_add(struct ir *ir, const char *name, int family,
			  const struct loc *loc)
{
	struct ir_set *s = arena_alloc(&ir->arena, sizeof(*s));
	s->name = arena_strdup(&ir->arena, name);
	s->family = family;
	iset_init(&s->elems, family == 4 ? 32 : 128);
	if (loc)
		s->loc = *loc;
	s->id = ir->nsets;
	VEC_PUSH(ir->sets, ir->nsets, ir->capsets);
	ir->sets[ir->nsets++] = s;
	return s;
}

static int chain_rank(const struct ir_chain *c)
{
	return c->table * (HOOK_MAX + 2) + (int)c->hook;
}

void ir_sort(struct ir *ir)
{
	/* stable insertion sort: few chains, creation order kept for ties */
	for (size_t i = 1; i < ir->nchains; i++) {
		struct ir_chain *c = ir->chains[i];
		size_t j = i;
		while (j > 0 && chain_rank(ir->chains[j - 1]) > chain_rank(c)) {
			ir->chains[j] = ir->chains[j - 1];
			j--;
		}
		ir->chains[j] = c;
	}
	size_t id = 0;
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++)
			ir->chains[i]->rules[j]->id = id++;
}

bool ir_table_used(const struct ir *ir, enum fwc_table t)
{
	for (size_t i = 0; i < ir->nchains; i++)
		if (ir->chains[i]->table == t)
			return true;
	return false;
}

bool ir_rule_never(const struct ir_rule *r)
{
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		switch (m->kind) {
		case M_SADDR:
		case M_DADDR:
		case M_SPORT:
		case M_DPORT:
			if (iset_is_empty(&m->set))
				return true;
			break;
		case M_CTSTATE:
			if (!m->state && !m->neg)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

bool ir_rule_terminal(const struct ir_rule *r)
{
	switch (r->act.kind) {
	case ACT_LOG:
	case ACT_MARK:
	case ACT_CONNMARK:
	case ACT_JUMP:
	case ACT_CLAMP_MSS:
	case ACT_NOTRACK:
		return false;
	case ACT_OTHER:
		return r->act.ov != OV_CONTINUE;
	default:
		return true;
	}
}

const char *table_name(enum fwc_table t)
{
	static const char *const n[] = { "raw", "mangle", "nat", "filter",
					 "security" };
	return t < TBL_MAX ? n[t] : "?";
}

const char *hook_name(enum fwc_hook h)
{
	static const char *const n[] = { "prerouting", "input", "forward",
					 "output", "postrouting" };
	return h < HOOK_MAX ? n[h] : "none";
}

const char *act_name(enum act_kind a)
{
	static const char *const n[] = {
		"accept", "drop", "reject", "log", "mark", "connmark", "jump",
		"goto", "return", "masquerade", "snat", "dnat", "redirect",
		"clamp-mss", "notrack", "other",
	};
	return n[a];
}

const char *ct_state_name(uint32_t bit)
{
	switch (bit) {
	case CT_NEW: return "new";
	case CT_ESTABLISHED: return "established";
	case CT_RELATED: return "related";
	case CT_INVALID: return "invalid";
	case CT_UNTRACKED: return "untracked";
	}
	return "?";
}

const char *tcp_flag_name(uint32_t bit)
{
	static const char *const n[] = { "fin", "syn", "rst", "psh", "ack",
					 "urg", "ece", "cwr" };
	for (int i = 0; i < 8; i++)
		if (bit == (1u << i))
			return n[i];
	return "?";
}

const char *rate_unit_name(enum rate_unit u)
{
	static const char *const n[] = { "second", "minute", "hour", "day" };
	return n[u];
}

const char *log_level_name(int level)
{
	static const char *const n[] = { "emerg", "alert", "crit", "err",
					 "warn", "notice", "info", "debug" };
	return level >= 0 && level < 8 ? n[level] : "warn";
}

struct icmp_name {
	const char *name;
	int type;
};

/* nft's names; the numbers are what iptables output uses. */
static const struct icmp_name icmp4[] = {
	{ "echo-reply", 0 }, { "destination-unreachable", 3 },
	{ "source-quench", 4 }, { "redirect", 5 }, { "echo-request", 8 },
	{ "router-advertisement", 9 }, { "router-solicitation", 10 },
	{ "time-exceeded", 11 }, { "parameter-problem", 12 },
	{ "timestamp-request", 13 }, { "timestamp-reply", 14 },
	{ "info-request", 15 }, { "info-reply", 16 },
	{ "address-mask-request", 17 }, { "address-mask-reply", 18 },
};
static const struct icmp_name icmp6[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 },
	{ "time-exceeded", 3 }, { "parameter-problem", 4 },
	{ "echo-request", 128 }, { "echo-reply", 129 },
	{ "mld-listener-query", 130 }, { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 }, { "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 }, { "nd-neighbor-solicit", 135 },
	{ "nd-neighbor-advert", 136 }, { "nd-redirect", 137 },
	{ "router-renumbering", 138 },
};

int icmp_type_by_name(int family, const char *name)
{
	const struct icmp_name *t = family == 4 ? icmp4 : icmp6;
	size_t n = family == 4 ? sizeof(icmp4) / sizeof(icmp4[0])
			       : sizeof(icmp6) / sizeof(icmp6[0]);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return t[i].type;
	return -1;
}

const char *icmp_type_name(int family, int type)
{
	const struct icmp_name *t = family == 4 ? icmp4 : icmp6;
	size_t n = family == 4 ? sizeof(icmp4) / sizeof(icmp4[0])
			       : sizeof(icmp6) / sizeof(icmp6[0]);
	for (size_t i = 0; i < n; i++)
		if (t[i].type == type)
			return t[i].name;
	return NULL;
}

/* ---- dump ---- */

static void dump_iset(FILE *out, const struct iset *s, int family)
{
	char buf[128];
	fputc('{', out);
	for (size_t i = 0; i < s->n; i++) {
		if (family)
			range_format(buf, sizeof(buf), family, s->r[i].lo,
				     s->r[i].hi);
		else if (s->r[i].lo == s->r[i].hi)
			snprintf(buf, sizeof(buf), "%u", (unsigned)s->r[i].lo);
		else
			snprintf(buf, sizeof(buf), "%u-%u",
				 (unsigned)s->r[i].lo, (unsigned)s->r[i].hi);
		fprintf(out, "%s%s", i ? ", " : " ", buf);
	}
	fputs(" }", out);
}

static void dump_bits(FILE *out, uint32_t bits, const char *(*name)(uint32_t))
{
	bool first = true;
	if (!bits)
		fputs("none", out);
	for (uint32_t b = 1; b && b <= bits; b <<= 1)
		if (bits & b) {
			fprintf(out, "%s%s", first ? "" : ",", name(b));
			first = false;
		}
}

void ir_match_dump(FILE *out, const struct ir_match *m, int family)
{
	const char *neg = m->neg ? "!= " : "";
	switch (m->kind) {
	case M_IIF:
	case M_OIF:
		fprintf(out, "%s %s", m->kind == M_IIF ? "iif" : "oif", neg);
		for (size_t i = 0; i < m->nnames; i++)
			fprintf(out, "%s%s", i ? "," : "", m->names[i]);
		break;
	case M_SADDR:
	case M_DADDR:
		fprintf(out, "%s ", m->kind == M_SADDR ? "saddr" : "daddr");
		dump_iset(out, &m->set, m->set.bits == 32 ? 4 : 6);
		break;
	case M_SSET:
	case M_DSET:
		fprintf(out, "%s %s@%s/%d", m->kind == M_SSET ? "saddr" : "daddr",
			neg, m->named->name, m->named->family);
		break;
	case M_PROTO:
		fprintf(out, "proto %s%d", neg, m->proto);
		break;
	case M_SPORT:
	case M_DPORT:
		fprintf(out, "%s ", m->kind == M_SPORT ? "sport" : "dport");
		dump_iset(out, &m->set, 0);
		break;
	case M_ICMP_TYPE:
		fprintf(out, "icmp-type %s%d", neg, m->icmp_type);
		break;
	case M_CTSTATE:
		fprintf(out, "ct-state %s", neg);
		dump_bits(out, m->state, ct_state_name);
		break;
	case M_MARK:
	case M_CONNMARK:
		fprintf(out, "%s %s0x%x/0x%x", m->kind == M_MARK ? "mark" : "connmark",
			neg, m->value, m->mask);
		break;
	case M_UID:
		fprintf(out, "uid %s%s", neg, m->str);
		break;
	case M_TCPFLAGS:
		fputs("tcp-flags ", out);
		dump_bits(out, m->value, tcp_flag_name);
		fputs(" / ", out);
		dump_bits(out, m->mask, tcp_flag_name);
		break;
	case M_FRAGMENT:
		fprintf(out, "%sfragment", neg);
		break;
	case M_LIMIT:
		fprintf(out, "rate %u/%s burst %u%s", m->rate,
			rate_unit_name(m->unit), m->burst,
			m->per == PER_SOURCE ? " per source" :
			m->per == PER_DEST ? " per destination" : "");
		break;
	case M_CONNLIMIT:
		fprintf(out, "connlimit %s%u%s", neg, m->n1,
			m->per == PER_SOURCE ? " per source" :
			m->per == PER_DEST ? " per destination" : "");
		break;
	case M_RECENT: {
		static const char *const mode[] = { "update", "set", "check",
						    "remove" };
		fprintf(out, "recent %s name %s", mode[m->recent], m->str);
		if (m->n1)
			fprintf(out, " hits %u", m->n1);
		if (m->n2)
			fprintf(out, " seconds %u", m->n2);
		break;
	}
	case M_NTH:
		fprintf(out, "nth every %u packet %u", m->n1, m->n2);
		break;
	case M_UNKNOWN:
		fprintf(out, "unknown \"%s\"", m->str);
		break;
	}
	(void)family;
}

void ir_action_dump(FILE *out, const struct ir_rule *r)
{
	const struct ir_action *a = &r->act;
	char buf[64];
	fputs(act_name(a->kind), out);
	switch (a->kind) {
	case ACT_REJECT:
		if (a->reject_with)
			fprintf(out, " with %s", a->reject_with);
		break;
	case ACT_LOG:
		if (a->log_prefix)
			fprintf(out, " prefix \"%s\"", a->log_prefix);
		if (a->log_level >= 0)
			fprintf(out, " level %s", log_level_name(a->log_level));
		if (a->log_flags)
			fprintf(out, " flags 0x%x", a->log_flags);
		break;
	case ACT_OTHER:
		if (!a->text) {
			fputs(" (no target: counts only)", out);
			break;
		}
		fprintf(out, " \"%s\" (%s)", a->text,
			a->ov == OV_ACCEPT ? "then accept" : a->ov == OV_DROP ? "then drop"
									 : "continue");
		break;
	case ACT_MARK:
		fprintf(out, " 0x%x/0x%x", a->mark, a->mask);
		break;
	case ACT_CONNMARK:
		if (a->cm == CM_SET)
			fprintf(out, " set 0x%x/0x%x", a->mark, a->mask);
		else
			fputs(a->cm == CM_SAVE ? " save" : " restore", out);
		break;
	case ACT_JUMP:
	case ACT_GOTO:
		fprintf(out, " %s", a->target->name);
		break;
	case ACT_SNAT:
	case ACT_DNAT:
	case ACT_REDIRECT:
		if (a->has_addr) {
			addr_format(buf, sizeof(buf), r->family, a->addr);
			fprintf(out, " to %s", buf);
		}
		if (a->port_lo >= 0) {
			fprintf(out, " port %d", a->port_lo);
			if (a->port_hi != a->port_lo)
				fprintf(out, "-%d", a->port_hi);
		}
		break;
	default:
		break;
	}
}

static void dump_ir(FILE *out, const struct ir *ir, bool locs);

void ir_dump(FILE *out, const struct ir *ir)
{
	dump_ir(out, ir, true);
}

void ir_dump_semantic(FILE *out, const struct ir *ir)
{
	dump_ir(out, ir, false);
}

static void dump_ir(FILE *out, const struct ir *ir, bool locs)
{
	char buf[64];
	for (size_t i = 0; i < ir->nsets; i++) {
		const struct ir_set *s = ir->sets[i];
		fprintf(out, "set %s/%d (%zu intervals", s->name, s->family, s->elems.n);
		if (s->builtin)
			fprintf(out, ", built in: IANA special-purpose registry of %s",
				s->family == 4 ? ir->bogons_date4 : ir->bogons_date6);
		fputc(')', out);
		if (s->elems.n <= 16) {
			fputc(' ', out);
			dump_iset(out, &s->elems, s->family);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < ir->nmgmt; i++) {
		const struct ir_rule *r = ir->mgmt[i];
		loc_short(&r->loc, buf, sizeof(buf));
		fprintf(out, "management %s:", buf);
		if (r->family)
			fprintf(out, " ip%s", r->family == 6 ? "6" : "");
		for (size_t k = 0; k < r->nm; k++) {
			fputc(' ', out);
			ir_match_dump(out, &r->m[k], r->family);
		}
		fputc('\n', out);
	}
	int table = -1;
	for (size_t i = 0; i < ir->nchains; i++) {
		const struct ir_chain *c = ir->chains[i];
		/* an empty base chain that accepts is no chain at all */
		if (!locs && c->hook != HOOK_NONE && !c->n && c->policy == ACT_ACCEPT)
			continue;
		if ((int)c->table != table) {
			table = (int)c->table;
			fprintf(out, "table %s\n", table_name(c->table));
		}
		fprintf(out, "  chain %s", c->name);
		if (c->hook != HOOK_NONE)
			fprintf(out, " (hook %s, policy %s)", hook_name(c->hook),
				act_name(c->policy));
		else if (c->zone)
			fprintf(out, " (zone %s)", c->zone);
		fputc('\n', out);
		for (size_t j = 0; j < c->n; j++) {
			const struct ir_rule *r = c->rules[j];
			/* a rule that matches nothing has no semantics; the
			 * backends do not write it */
			if (!locs && ir_rule_never(r))
				continue;
			if (r->origin)
				snprintf(buf, sizeof(buf), "%s", r->origin);
			else
				loc_short(&r->loc, buf, sizeof(buf));
			if (locs)
				fprintf(out, "    [%zu] %s:", r->id, buf);
			else
				fputs("    ", out);
			if (r->family)
				fprintf(out, " ip%s", r->family == 6 ? "6" : "");
			for (size_t k = 0; k < r->nm; k++) {
				fputc(' ', out);
				ir_match_dump(out, &r->m[k], r->family);
			}
			fputs(" -> ", out);
			ir_action_dump(out, r);
			if (r->comment)
				fprintf(out, " comment \"%s\"", r->comment);
			fputc('\n', out);
		}
	}
}
