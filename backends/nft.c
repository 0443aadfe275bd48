/*
 * nft.c: the IR as one nft script.
 *
 * Everything fwc owns is one `table inet fwc`. The script first creates the
 * table if it is missing and deletes it, then declares it whole, so
 * `nft -f` replaces the old ruleset in one transaction and loading twice
 * gives the same ruleset. Named sets become interval sets per family;
 * rates without a key become named limit objects so that every rule a
 * policy rule was split into shares one bucket; per-source rates and
 * connection limits use dynamic sets.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "diag.h"
#include "services.h"

bool backend_rule_ids;

static const char *fam_kw(int fam)
{
	return fam == 6 ? "ip6" : "ip";
}

static void put_iset_elems(FILE *out, const struct iset *s, int fam)
{
	char buf[128];
	for (size_t i = 0; i < s->n; i++) {
		if (fam)
			range_format(buf, sizeof(buf), fam, s->r[i].lo, s->r[i].hi);
		else if (s->r[i].lo == s->r[i].hi)
			snprintf(buf, sizeof(buf), "%u", (unsigned)s->r[i].lo);
		else
			snprintf(buf, sizeof(buf), "%u-%u", (unsigned)s->r[i].lo,
				 (unsigned)s->r[i].hi);
		fprintf(out, "%s%s", i ? ", " : "", buf);
	}
}

static void put_iset(FILE *out, const struct iset *s, int fam)
{
	bool single = s->n == 1;
	if (!single)
		fputs("{ ", out);
	put_iset_elems(out, s, fam);
	if (!single)
		fputs(" }", out);
}

/* iptables' "eth+" is nft's "eth*" */
static void put_ifname(FILE *out, const char *n)
{
	size_t len = strlen(n);
	if (len && n[len - 1] == '+')
		fprintf(out, "\"%.*s*\"", (int)(len - 1), n);
	else
		fprintf(out, "\"%s\"", n);
}

static void put_names(FILE *out, const char *kw, const struct ir_match *m)
{
	fprintf(out, "%s %s", kw, m->neg ? "!= " : "");
	if (m->nnames == 1) {
		put_ifname(out, m->names[0]);
		return;
	}
	fputs("{ ", out);
	for (size_t i = 0; i < m->nnames; i++) {
		fputs(i ? ", " : "", out);
		put_ifname(out, m->names[i]);
	}
	fputs(" }", out);
}

static void put_bits(FILE *out, uint32_t bits, const char *(*name)(uint32_t),
		     const char *sep)
{
	bool first = true;
	for (uint32_t b = 1; b && b <= bits; b <<= 1)
		if (bits & b) {
			fprintf(out, "%s%s", first ? "" : sep, name(b));
			first = false;
		}
}

/* nft's names for the TCP flags: ECE is "ecn" there. */
static const char *nft_tcp_flag(uint32_t bit)
{
	return bit == TCPF_ECE ? "ecn" : tcp_flag_name(bit);
}

static void set_name(char *buf, size_t n, const struct ir_set *s)
{
	snprintf(buf, n, "%s_v%d", s->name, s->family);
}

static void limit_name(char *buf, size_t n, const struct ir_match *m, int fam,
		       size_t rule_id)
{
	/* one bucket per policy rule and family: iptables keeps hashlimit
	 * tables per family, and both backends must count alike */
	if (m->kind == M_LIMIT) {
		if (fam == 0)
			snprintf(buf, n, "fwc_rate_%u", m->n1);
		else
			snprintf(buf, n, "fwc_rate_%u_v%d", m->n1, fam);
	} else {
		/* per IR rule, as iptables' connlimit counts per rule */
		snprintf(buf, n, "fwc_conn_%zu", rule_id);
	}
}

static const char *l4_kw(int p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 132: return "sctp";
	case 33: return "dccp";
	case 136: return "udplite";
	}
	return NULL;
}

static int put_rule(FILE *out, const struct ir_rule *r)
{
	if (ir_rule_never(r))
		return 0;
	int fam = r->family;
	bool implied = false;
	int proto = -1;
	for (size_t i = 0; i < r->nm; i++) {
		enum ir_mkind k = r->m[i].kind;
		if (k == M_SADDR || k == M_DADDR || k == M_SSET || k == M_DSET ||
		    k == M_FRAGMENT || k == M_ICMP_TYPE)
			implied = true;
	}
	fputc('\t', out);
	fputc('\t', out);
	bool first = true;
#define SEP() do { if (!first) fputc(' ', out); first = false; } while (0)
	if (fam && !implied) {
		SEP();
		fprintf(out, "meta nfproto ipv%d", fam);
	}
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		char buf[64];
		switch (m->kind) {
		case M_IIF:
		case M_OIF:
			SEP();
			put_names(out, m->kind == M_IIF ? "iifname" : "oifname", m);
			continue;
		case M_SADDR:
		case M_DADDR:
			SEP();
			fprintf(out, "%s %s ", fam_kw(fam), m->kind == M_SADDR ? "saddr" : "daddr");
			put_iset(out, &m->set, fam);
			continue;
		case M_SSET:
		case M_DSET:
			SEP();
			set_name(buf, sizeof(buf), m->named);
			fprintf(out, "%s %s %s@%s", fam_kw(fam),
				m->kind == M_SSET ? "saddr" : "daddr", m->neg ? "!= " : "", buf);
			continue;
		case M_PROTO: {
			proto = m->proto;
			/* ports imply the protocol; icmp types too */
			bool has_ports = i + 1 < r->nm && (r->m[i + 1].kind == M_SPORT ||
							   r->m[i + 1].kind == M_DPORT);
			bool has_icmp = i + 1 < r->nm && r->m[i + 1].kind == M_ICMP_TYPE;
			bool has_flags = false;
			for (size_t j = i + 1; j < r->nm; j++)
				if (r->m[j].kind == M_TCPFLAGS)
					has_flags = true;
			if ((has_ports || has_icmp || has_flags) && !m->neg)
				continue;
			SEP();
			const char *pn = proto_name(m->proto);
			const char *ne = m->neg ? "!= " : "";
			if (m->neg)
				proto = -1;
			if (pn && strcmp(pn, "icmpv6"))
				fprintf(out, "meta l4proto %s%s", ne, pn);
			else if (m->proto == 58)
				fprintf(out, "meta l4proto %sipv6-icmp", ne);
			else
				fprintf(out, "meta l4proto %s%d", ne, m->proto);
			continue;
		}
		case M_SPORT:
		case M_DPORT:
			SEP();
			if (!proto_has_ports(proto))
				BUG("ports without a port protocol");
			fprintf(out, "%s %s ", l4_kw(proto), m->kind == M_SPORT ? "sport" : "dport");
			put_iset(out, &m->set, 0);
			continue;
		case M_ICMP_TYPE: {
			SEP();
			int f = proto == 58 ? 6 : 4;
			const char *n = icmp_type_name(f, m->icmp_type);
			const char *ne = m->neg ? "!= " : "";
			if (n)
				fprintf(out, "%s type %s%s", f == 6 ? "icmpv6" : "icmp", ne, n);
			else
				fprintf(out, "%s type %s%d", f == 6 ? "icmpv6" : "icmp", ne, m->icmp_type);
			continue;
		}
		case M_CTSTATE:
			SEP();
			fprintf(out, "ct state %s", m->neg ? "!= " : "");
			if (m->neg && __builtin_popcount(m->state) > 1)
				BUG("negated state set");
			put_bits(out, m->state, ct_state_name, ",");
			continue;
		case M_MARK:
		case M_CONNMARK:
			SEP();
			fputs(m->kind == M_MARK ? "meta mark" : "ct mark", out);
			if (m->mask != 0xffffffffu)
				fprintf(out, " & 0x%08x", m->mask);
			fprintf(out, " %s0x%08x", m->neg ? "!= " : (m->mask != 0xffffffffu ? "== " : ""),
				m->value);
			continue;
		case M_UID:
			SEP();
			fprintf(out, "meta skuid %s%s", m->neg ? "!= " : "", m->str);
			continue;
		case M_TCPFLAGS:
			SEP();
			fputs("tcp flags & (", out);
			put_bits(out, m->mask, nft_tcp_flag, " | ");
			fputs(") == ", out);
			if (m->value)
				put_bits(out, m->value, nft_tcp_flag, " | ");
			else
				fputs("0x0", out);
			continue;
		case M_FRAGMENT:
			SEP();
			fputs(m->neg ? "ip frag-off & 0x1fff == 0" : "ip frag-off & 0x1fff != 0", out);
			continue;
		case M_LIMIT:
			SEP();
			limit_name(buf, sizeof(buf), m, fam, r->id);
			if (m->per == PER_NONE)
				fprintf(out, "limit name \"%s\"", buf);
			else
				fprintf(out, "update @%s { %s %s limit rate %u/%s burst %u packets }",
					buf, fam_kw(fam), m->per == PER_SOURCE ? "saddr" : "daddr",
					m->rate, rate_unit_name(m->unit), m->burst);
			continue;
		case M_CONNLIMIT:
			SEP();
			if (m->per == PER_NONE) {
				fprintf(out, "ct count %s%u", m->neg ? "over " : "", m->n1);
			} else {
				limit_name(buf, sizeof(buf), m, fam, r->id);
				fprintf(out, "add @%s { %s %s ct count %s%u }", buf, fam_kw(fam),
					m->per == PER_SOURCE ? "saddr" : "daddr",
					m->neg ? "over " : "", m->n1);
			}
			continue;
		case M_NTH:
			SEP();
			fprintf(out, "numgen inc mod %u %u", m->n1, m->n2);
			continue;
		case M_RECENT:
			diag_error(&r->loc, "'recent' has no nft equivalent; use "
				   "'rate N/unit per source' or compile with -t iptables");
			return -1;
		case M_UNKNOWN:
			if (m->nft) {
				SEP();
				fputs(m->nft, out);
				continue;
			}
			diag_error(&r->loc, "'%s' has no nft translation in fwc; compile "
				   "with -t iptables", m->str);
			return -1;
		}
	}
	const struct ir_action *a = &r->act;
	char buf[80];
	if (backend_rule_ids) {
		SEP();
		fputs("counter", out);
	}
	SEP();
	switch (a->kind) {
	case ACT_ACCEPT:
	case ACT_DROP:
	case ACT_RETURN:
		fputs(act_name(a->kind), out);
		break;
	case ACT_REJECT:
		if (!a->reject_with || !strcmp(a->reject_with, "port-unreachable"))
			fputs(fam == 0 ? "reject" : "reject", out);
		else if (!strcmp(a->reject_with, "tcp-reset"))
			fputs("reject with tcp reset", out);
		else if (fam == 0)
			fprintf(out, "reject with icmpx type %s", a->reject_with);
		else if (fam == 4)
			fprintf(out, "reject with icmp type %s",
				!strcmp(a->reject_with, "no-route") ? "net-unreachable" :
				!strcmp(a->reject_with, "proto-unreachable") ? "prot-unreachable" :
				a->reject_with);
		else
			fprintf(out, "reject with icmpv6 type %s",
				!strcmp(a->reject_with, "host-unreachable") ? "addr-unreachable" :
				a->reject_with);
		break;
	case ACT_LOG:
		fputs("log", out);
		if (a->log_prefix)
			fprintf(out, " prefix \"%s\"", a->log_prefix);
		if (a->log_level >= 0)
			fprintf(out, " level %s", log_level_name(a->log_level));
		if (a->log_flags) {
			static const char *const fl[] = { "tcp sequence", "tcp options",
							  "ip options", "skuid", "ether" };
			bool first_f = true;
			fputs(" flags ", out);
			for (int k = 0; k < 5; k++)
				if (a->log_flags & (1u << k)) {
					fprintf(out, "%s%s", first_f ? "" : ",", fl[k]);
					first_f = false;
				}
		}
		break;
	case ACT_MARK:
		if (a->mask == 0xffffffffu)
			fprintf(out, "meta mark set 0x%08x", a->mark);
		else
			fprintf(out, "meta mark set meta mark & 0x%08x | 0x%08x", ~a->mask,
				a->mark);
		break;
	case ACT_CONNMARK:
		if (a->cm == CM_SAVE)
			fputs("ct mark set meta mark", out);
		else if (a->cm == CM_RESTORE)
			fputs("meta mark set ct mark", out);
		else if (a->mask == 0xffffffffu)
			fprintf(out, "ct mark set 0x%08x", a->mark);
		else
			fprintf(out, "ct mark set ct mark & 0x%08x | 0x%08x", ~a->mask, a->mark);
		break;
	case ACT_JUMP:
	case ACT_GOTO:
		fprintf(out, "%s %s", act_name(a->kind), a->target->name);
		break;
	case ACT_MASQUERADE:
		fputs("masquerade", out);
		break;
	case ACT_SNAT:
	case ACT_DNAT:
		addr_format(buf, sizeof(buf), fam, a->addr);
		fprintf(out, "%s %s to ", act_name(a->kind), fam_kw(fam));
		if (fam == 6 && a->port_lo >= 0)
			fprintf(out, "[%s]", buf);
		else
			fputs(buf, out);
		if (a->port_lo >= 0) {
			fprintf(out, ":%d", a->port_lo);
			if (a->port_hi != a->port_lo)
				fprintf(out, "-%d", a->port_hi);
		}
		break;
	case ACT_REDIRECT:
		if (a->port_lo < 0) {
			fputs("redirect", out);
			break;
		}
		fprintf(out, "redirect to :%d", a->port_lo);
		if (a->port_hi != a->port_lo)
			fprintf(out, "-%d", a->port_hi);
		break;
	case ACT_CLAMP_MSS:
		fputs("tcp option maxseg size set rt mtu", out);
		break;
	case ACT_NOTRACK:
		fputs("notrack", out);
		break;
	case ACT_OTHER:
		if (!a->text) {
			if (!backend_rule_ids)
				fputs("counter", out);
			break;
		}
		if (!a->nft) {
			diag_error(&r->loc, "target '%s' has no nft translation in fwc; "
				   "compile with -t iptables", a->text);
			return -1;
		}
		fputs(a->nft, out);
		/* a kept target that ends the packet's way: its verdict,
		 * unless the statement is one (queue, the nat statements) */
		if (a->ov == OV_ACCEPT && strncmp(a->nft, "queue", 5) &&
		    strncmp(a->nft, "masquerade", 10) && strncmp(a->nft, "snat", 4) &&
		    strncmp(a->nft, "dnat", 4) && strncmp(a->nft, "redirect", 8))
			fputs(" accept", out);
		else if (a->ov == OV_DROP)
			fputs(" drop", out);
		break;
	}
	if (r->origin)
		fprintf(out, " comment \"fwc: %s", r->origin);
	else {
		loc_short(&r->loc, buf, sizeof(buf));
		fprintf(out, " comment \"%s", buf);
	}
	if (r->comment) {
		/* nft keeps 128 bytes of comment */
		fputs(": ", out);
		size_t room = 100 > strlen(buf) ? 100 - strlen(buf) : 0;
		for (const char *p = r->comment; *p && room; p++, room--)
			if (*p != '"' && *p != '\\')
				fputc(*p, out);
	}
	if (backend_rule_ids)
		fprintf(out, " #%zu", r->id);
	fputc('"', out);
	fputc('\n', out);
#undef SEP
	return 0;
}

static const char *base_type(const struct ir_chain *c)
{
	if (c->table == TBL_NAT)
		return "nat";
	if (c->table == TBL_MANGLE && c->hook == HOOK_OUTPUT)
		return "route";
	return "filter";
}

static const char *base_prio(const struct ir_chain *c)
{
	switch (c->table) {
	case TBL_RAW:
		return "raw";
	case TBL_MANGLE:
		return "mangle";
	case TBL_SECURITY:
		return "security";
	case TBL_NAT:
		/* nft 1.0.6 knows dstnat/srcnat only for pre/postrouting */
		return c->hook == HOOK_PREROUTING ? "dstnat" :
		       c->hook == HOOK_POSTROUTING ? "srcnat" :
		       c->hook == HOOK_OUTPUT ? "-100" : "100";
	default:
		return "filter";
	}
}

/* Stateful objects the rules refer to: declared once per table. */
static void put_objects(FILE *out, const struct ir *ir)
{
	/* ids are small and dense; remember which were declared */
	size_t cap = 64;
	unsigned char *seen = xcalloc(cap, 1);
	char buf[64];
	for (size_t ci = 0; ci < ir->nchains; ci++) {
		const struct ir_chain *c = ir->chains[ci];
		for (size_t ri = 0; ri < c->n; ri++) {
			const struct ir_rule *r = c->rules[ri];
			for (size_t mi = 0; mi < r->nm; mi++) {
				const struct ir_match *m = &r->m[mi];
				if (m->kind != M_LIMIT && !(m->kind == M_CONNLIMIT && m->per))
					continue;
				size_t id = m->kind == M_LIMIT ? m->n1 : r->id;
				int fi = r->family == 6 ? 2 : r->family == 4 ? 1 : 0;
				size_t slot = ((size_t)id * 3 + (size_t)fi) * 2 +
					      (m->kind == M_CONNLIMIT);
				if (slot >= cap) {
					size_t nc = (slot + 1) * 2;
					seen = xrealloc(seen, nc);
					memset(seen + cap, 0, nc - cap);
					cap = nc;
				}
				if (seen[slot])
					continue;
				seen[slot] = 1;
				limit_name(buf, sizeof(buf), m, r->family, r->id);
				if (m->kind == M_LIMIT && m->per == PER_NONE) {
					fprintf(out, "\tlimit %s {\n\t\trate %u/%s burst %u packets\n\t}\n",
						buf, m->rate, rate_unit_name(m->unit), m->burst);
					continue;
				}
				fprintf(out, "\tset %s {\n\t\ttype %s\n\t\tsize 65535\n", buf,
					r->family == 6 ? "ipv6_addr" : "ipv4_addr");
				if (m->kind == M_LIMIT) {
					/* an entry lives while its bucket may still be short */
					static const unsigned secs[] = { 1, 60, 3600, 86400 };
					unsigned long t = (unsigned long)secs[m->unit] *
							  (m->burst + 1) / m->rate + 60;
					fprintf(out, "\t\tflags dynamic,timeout\n\t\ttimeout %lus\n", t);
				} else {
					fputs("\t\tflags dynamic\n", out);
				}
				fputs("\t}\n", out);
			}
		}
	}
	free(seen);
}

static bool is_dispatch(const struct ir_rule *r)
{
	return r->origin && !strcmp(r->origin, "zone dispatch");
}

/* A run of zone dispatch rules becomes one verdict map; returns the index
 * after the run. */
static size_t put_vmap(FILE *out, const struct ir_chain *c, size_t j)
{
	const struct ir_match *m0 = &c->rules[j]->m[0];
	fprintf(out, "\t\t%s vmap { ", m0->kind == M_IIF ? "iifname" : "oifname");
	bool first = true;
	for (; j < c->n && is_dispatch(c->rules[j]); j++) {
		const struct ir_rule *r = c->rules[j];
		for (size_t k = 0; k < r->m[0].nnames; k++) {
			fprintf(out, "%s\"%s\" : goto %s", first ? "" : ", ",
				r->m[0].names[k], r->act.target->name);
			first = false;
		}
	}
	fputs(" } comment \"fwc: zone dispatch\"\n", out);
	return j;
}

int nft_emit(FILE *out, const struct ir *ir)
{
	int rc = 0;
	fprintf(out, "#!/usr/sbin/nft -f\n"
		     "# generated by fwc from %s; do not edit: edit the policy and recompile.\n"
		     "# Replaces table inet fwc in one transaction; other tables are not touched.\n"
		     "table inet fwc\n"
		     "delete table inet fwc\n"
		     "table inet fwc {\n", ir->source ? ir->source : "-");
	for (size_t i = 0; i < ir->nsets; i++) {
		const struct ir_set *s = ir->sets[i];
		char buf[80];
		set_name(buf, sizeof(buf), s);
		fprintf(out, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n",
			buf, s->family == 4 ? "ipv4_addr" : "ipv6_addr");
		if (s->elems.n) {
			fputs("\t\telements = { ", out);
			char eb[128];
			for (size_t k = 0; k < s->elems.n; k++) {
				range_format(eb, sizeof(eb), s->family, s->elems.r[k].lo,
					     s->elems.r[k].hi);
				fprintf(out, "%s%s", k ? (k % 4 ? ", " : ",\n\t\t\t     ") : "", eb);
			}
			fputs(" }\n", out);
		}
		fputs("\t}\n", out);
	}
	put_objects(out, ir);
	for (size_t i = 0; i < ir->nchains; i++) {
		const struct ir_chain *c = ir->chains[i];
		fprintf(out, "\n\tchain %s {\n", c->name);
		if (c->hook != HOOK_NONE)
			fprintf(out, "\t\ttype %s hook %s priority %s; policy %s;\n",
				base_type(c), hook_name(c->hook), base_prio(c),
				act_name(c->policy));
		for (size_t j = 0; j < c->n; j++) {
			if (is_dispatch(c->rules[j]) && !backend_rule_ids) {
				j = put_vmap(out, c, j) - 1;
				continue;
			}
			if (put_rule(out, c->rules[j]) < 0)
				rc = -1;
		}
		fputs("\t}\n", out);
	}
	fputs("}\n", out);
	return rc;
}
