/*
 * iptables.c: the IR as iptables-restore / ip6tables-restore files, and the
 * ipset restore file for the named sets they reference.
 *
 * One IR rule may become several iptables rules: iptables takes one
 * interface, one address prefix or range and at most 15 ports per rule.
 * The pieces are disjoint in every dimension (the IR's sets are
 * normalized), so a packet matches at most one piece and the split keeps
 * first-match semantics, also for log and mark. Rates use hashlimit with
 * one name per policy rule, so the pieces share one bucket.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "backend.h"
#include "diag.h"
#include "services.h"

#define MULTIPORT_MAX 15

void ipset_name(char *buf, size_t n, const struct ir_set *s)
{
	/* ipset names are at most 31 characters */
	snprintf(buf, n, "fwc-%.22s-%d", s->name, s->family);
}

static const char *builtin_chain(enum fwc_hook h)
{
	static const char *const n[] = { "PREROUTING", "INPUT", "FORWARD",
					 "OUTPUT", "POSTROUTING" };
	return n[h];
}

static const char *chain_name(const struct ir_chain *c)
{
	if (c->hook != HOOK_NONE)
		return builtin_chain(c->hook);
	return c->ipt_name ? c->ipt_name : c->name;
}

/* The builtin chains of each table, in iptables-save order. */
static const enum fwc_hook table_hooks[TBL_MAX][6] = {
	[TBL_RAW] = { HOOK_PREROUTING, HOOK_OUTPUT, HOOK_MAX },
	[TBL_MANGLE] = { HOOK_PREROUTING, HOOK_INPUT, HOOK_FORWARD, HOOK_OUTPUT,
			 HOOK_POSTROUTING, HOOK_MAX },
	[TBL_NAT] = { HOOK_PREROUTING, HOOK_INPUT, HOOK_OUTPUT, HOOK_POSTROUTING,
		      HOOK_MAX },
	[TBL_FILTER] = { HOOK_INPUT, HOOK_FORWARD, HOOK_OUTPUT, HOOK_MAX },
	[TBL_SECURITY] = { HOOK_INPUT, HOOK_FORWARD, HOOK_OUTPUT, HOOK_MAX },
};

/* A set whose complement (in its family) is one prefix: written as
 * "! -s PREFIX", as the dump it may come from had it. */
static bool neg_prefix(const struct iset *s, u128 *addr, int *plen)
{
	if (s->n < 1 || s->n > 2)
		return false;
	struct iset c;
	iset_init(&c, s->bits);
	iset_complement(&c, s);
	bool one = c.n == 1 && range_is_prefix(c.r[0].lo, c.r[0].hi, c.bits, plen);
	if (one)
		*addr = c.r[0].lo;
	iset_release(&c);
	return one;
}

/* One expansion dimension: a list of alternative text fragments. */
struct dim {
	char **alt;
	size_t n, cap;
};

static void dim_add(struct dim *d, char *s)
{
	VEC_PUSH(d->alt, d->n, d->cap);
	d->alt[d->n++] = s;
}

static void dim_free(struct dim *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->alt[i]);
	free(d->alt);
}

static void addr_dim(struct dim *d, const struct iset *s, int fam, bool src)
{
	char lo[64], hi[64], buf[80];
	u128 na;
	int np;
	if (neg_prefix(s, &na, &np)) {
		prefix_format(buf, sizeof(buf), fam, na, np);
		dim_add(d, xasprintf(" ! %s %s", src ? "-s" : "-d", buf));
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		int plen;
		if (range_is_prefix(s->r[i].lo, s->r[i].hi, s->bits, &plen)) {
			prefix_format(buf, sizeof(buf), fam, s->r[i].lo, plen);
			dim_add(d, xasprintf(" %s %s", src ? "-s" : "-d", buf));
		} else {
			addr_format(lo, sizeof(lo), fam, s->r[i].lo);
			addr_format(hi, sizeof(hi), fam, s->r[i].hi);
			dim_add(d, xasprintf(" -m iprange --%s-range %s-%s",
					     src ? "src" : "dst", lo, hi));
		}
	}
}

/* iptables has port matches for tcp, udp, sctp and dccp; udplite ports
 * only through multiport (which also takes one port or one range). */
static void port_dim(struct dim *d, const struct iset *s, bool src, int proto)
{
	if (s->n == 2 && proto != 136 && s->r[0].lo == 0 && s->r[1].hi == 65535) {
		/* all but one port or range: "! --dport" */
		u128 lo = s->r[0].hi + 1, hi = s->r[1].lo - 1;
		if (lo == hi)
			dim_add(d, xasprintf(" ! --%s %u", src ? "sport" : "dport", (unsigned)lo));
		else
			dim_add(d, xasprintf(" ! --%s %u:%u", src ? "sport" : "dport",
					     (unsigned)lo, (unsigned)hi));
		return;
	}
	if (s->n == 1 && proto != 136) {
		if (s->r[0].lo == s->r[0].hi)
			dim_add(d, xasprintf(" --%s %u", src ? "sport" : "dport",
					     (unsigned)s->r[0].lo));
		else
			dim_add(d, xasprintf(" --%s %u:%u", src ? "sport" : "dport",
					     (unsigned)s->r[0].lo, (unsigned)s->r[0].hi));
		return;
	}
	/* multiport: 15 slots, a range takes two */
	size_t i = 0;
	while (i < s->n) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		fprintf(f, " -m multiport --%s ", src ? "sports" : "dports");
		int slots = 0;
		bool first = true;
		while (i < s->n) {
			int need = s->r[i].lo == s->r[i].hi ? 1 : 2;
			if (slots + need > MULTIPORT_MAX)
				break;
			if (s->r[i].lo == s->r[i].hi)
				fprintf(f, "%s%u", first ? "" : ",", (unsigned)s->r[i].lo);
			else
				fprintf(f, "%s%u:%u", first ? "" : ",", (unsigned)s->r[i].lo,
					(unsigned)s->r[i].hi);
			first = false;
			slots += need;
			i++;
		}
		fclose(f);
		dim_add(d, buf);
	}
}

static const char *ipt_proto(int p, int fam)
{
	static char num[8];
	if (p == 58)
		return "ipv6-icmp";
	const char *n = proto_name(p);
	(void)fam;
	if (n)
		return n;
	snprintf(num, sizeof(num), "%d", p);
	return num;
}

static const char *reject_type(const char *w, int fam)
{
	if (!w || !strcmp(w, "port-unreachable"))
		return fam == 6 ? "icmp6-port-unreachable" : "icmp-port-unreachable";
	if (!strcmp(w, "tcp-reset"))
		return "tcp-reset";
	if (!strcmp(w, "host-unreachable"))
		return fam == 6 ? "icmp6-addr-unreachable" : "icmp-host-unreachable";
	if (!strcmp(w, "no-route"))
		return fam == 6 ? "icmp6-no-route" : "icmp-net-unreachable";
	if (!strcmp(w, "admin-prohibited"))
		return fam == 6 ? "icmp6-adm-prohibited" : "icmp-admin-prohibited";
	if (fam == 4 && !strcmp(w, "proto-unreachable"))
		return "icmp-proto-unreachable";
	if (fam == 4 && !strcmp(w, "net-prohibited"))
		return "icmp-net-prohibited";
	if (fam == 4 && !strcmp(w, "host-prohibited"))
		return "icmp-host-prohibited";
	if (fam == 6 && !strcmp(w, "policy-fail"))
		return "icmp6-policy-fail";
	if (fam == 6 && !strcmp(w, "reject-route"))
		return "icmp6-reject-route";
	return NULL;
}

static void put_flags(FILE *f, uint32_t bits)
{
	bool first = true;
	if (!bits)
		fputs("NONE", f);
	for (uint32_t b = 1; b < 256; b <<= 1)
		if (bits & b) {
			fputs(first ? "" : ",", f);
			for (const char *p = tcp_flag_name(b); *p; p++)
				fputc(*p - 32, f);
			first = false;
		}
}

static void rate_text(FILE *f, const struct ir_match *m)
{
	static const char *const u[] = { "second", "minute", "hour", "day" };
	fprintf(f, "%u/%s", m->rate, u[m->unit]);
}

/* A rule is a sequence of segments: fixed text, or a dimension of
 * alternatives; the output is their product, options in order. */
struct seg {
	bool is_dim;
	char *text;
	struct dim d;
};

struct rulebuf {
	struct seg seg[32];
	size_t n;
	FILE *f;          /* open fixed segment */
	char *buf;
	size_t len;
};

static void rb_open(struct rulebuf *b)
{
	b->buf = NULL;
	b->len = 0;
	b->f = open_memstream(&b->buf, &b->len);
	if (!b->f)
		die("out of memory");
}

static void rb_close(struct rulebuf *b)
{
	fclose(b->f);
	if (b->n >= 32)
		BUG("too many rule segments");
	b->seg[b->n].is_dim = false;
	b->seg[b->n++].text = b->buf;
}

static struct dim *rb_dim(struct rulebuf *b)
{
	rb_close(b);
	if (b->n >= 32)
		BUG("too many rule segments");
	struct seg *s = &b->seg[b->n++];
	s->is_dim = true;
	memset(&s->d, 0, sizeof(s->d));
	rb_open(b);
	return &s->d;
}

static void rb_emit(FILE *out, struct rulebuf *b, const char *chain)
{
	size_t idx[32] = { 0 };
	for (size_t i = 0; i < b->n; i++)
		if (b->seg[i].is_dim && b->seg[i].d.n == 0)
			return;   /* an empty dimension: nothing to emit */
	for (;;) {
		fprintf(out, "-A %s", chain);
		for (size_t i = 0; i < b->n; i++)
			fputs(b->seg[i].is_dim ? b->seg[i].d.alt[idx[i]] : b->seg[i].text, out);
		fputc('\n', out);
		/* odometer: the last dimension turns fastest */
		ssize_t i = (ssize_t)b->n - 1;
		for (; i >= 0; i--) {
			if (!b->seg[i].is_dim)
				continue;
			if (++idx[i] < b->seg[i].d.n)
				break;
			idx[i] = 0;
		}
		if (i < 0)
			return;
	}
}

static void rb_free(struct rulebuf *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->seg[i].is_dim)
			dim_free(&b->seg[i].d);
		else
			free(b->seg[i].text);
	}
}

static int put_rule(FILE *out, const struct ir_rule *r, int fam, const char *chain)
{
	if (ir_rule_never(r))
		return 0;
	struct rulebuf rb = { 0 };
	int proto = -1;
	int rc = 0;
	rb_open(&rb);
	FILE *f;
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		f = rb.f;
		switch (m->kind) {
		case M_IIF:
		case M_OIF: {
			const char *opt = m->kind == M_IIF ? "-i" : "-o";
			if (m->neg && m->nnames > 1) {
				diag_error(&r->loc, "iptables cannot negate several interfaces in one rule");
				rc = -1;
				break;
			}
			struct dim *d = rb_dim(&rb);
			for (size_t k = 0; k < m->nnames; k++)
				dim_add(d, xasprintf(" %s%s %s", m->neg ? "! " : "", opt,
						     m->names[k]));
			break;
		}
		case M_SADDR:
		case M_DADDR:
			addr_dim(rb_dim(&rb), &m->set, fam, m->kind == M_SADDR);
			break;
		case M_SSET:
		case M_DSET: {
			char buf[40];
			ipset_name(buf, sizeof(buf), m->named);
			fprintf(f, " -m set %s--match-set %s %s", m->neg ? "! " : "", buf,
				m->kind == M_SSET ? "src" : "dst");
			break;
		}
		case M_PROTO:
			proto = m->neg ? -1 : m->proto;
			fprintf(f, " %s-p %s", m->neg ? "! " : "", ipt_proto(m->proto, fam));
			break;
		case M_SPORT:
		case M_DPORT:
			port_dim(rb_dim(&rb), &m->set, m->kind == M_SPORT, proto);
			break;
		case M_ICMP_TYPE:
			if (proto == 58)
				fprintf(f, " -m icmp6 %s--icmpv6-type %d", m->neg ? "! " : "",
					m->icmp_type);
			else
				fprintf(f, " -m icmp %s--icmp-type %d", m->neg ? "! " : "",
					m->icmp_type);
			break;
		case M_CTSTATE: {
			fprintf(f, " -m conntrack %s--ctstate ", m->neg ? "! " : "");
			bool first = true;
			for (uint32_t b = 1; b <= m->state; b <<= 1)
				if (m->state & b) {
					fputs(first ? "" : ",", f);
					for (const char *p = ct_state_name(b); *p; p++)
						fputc(*p - 32, f);
					first = false;
				}
			break;
		}
		case M_MARK:
		case M_CONNMARK:
			fprintf(f, " -m %s %s--mark 0x%x", m->kind == M_MARK ? "mark" : "connmark",
				m->neg ? "! " : "", m->value);
			if (m->mask != 0xffffffffu)
				fprintf(f, "/0x%x", m->mask);
			break;
		case M_UID:
			fprintf(f, " -m owner %s--uid-owner %s", m->neg ? "! " : "", m->str);
			break;
		case M_TCPFLAGS: {
			/* --tcp-flags knows FIN..URG; ECE and CWR are the ecn
			 * match's, one bit each */
			uint32_t low = 0x3f;
			if (m->mask & low) {
				fputs(" --tcp-flags ", f);
				put_flags(f, m->mask & low);
				fputc(' ', f);
				put_flags(f, m->value & low);
			}
			if (m->mask & ~low) {
				fputs(" -m ecn", f);
				if (m->mask & TCPF_ECE)
					fputs(m->value & TCPF_ECE ? " --ecn-tcp-ece" : " ! --ecn-tcp-ece", f);
				if (m->mask & TCPF_CWR)
					fputs(m->value & TCPF_CWR ? " --ecn-tcp-cwr" : " ! --ecn-tcp-cwr", f);
			}
			break;
		}
		case M_FRAGMENT:
			fputs(m->neg ? " ! -f" : " -f", f);
			break;
		case M_LIMIT:
			fputs(" -m hashlimit --hashlimit-upto ", f);
			rate_text(f, m);
			fprintf(f, " --hashlimit-burst %u", m->burst);
			if (m->per != PER_NONE)
				fprintf(f, " --hashlimit-mode %s", m->per == PER_SOURCE ? "srcip" : "dstip");
			fprintf(f, " --hashlimit-name fwc-rate-%u", m->n1);
			break;
		case M_CONNLIMIT:
			fprintf(f, " -m connlimit --connlimit-%s %u --connlimit-mask %d",
				m->neg ? "above" : "upto", m->n1,
				m->per == PER_NONE ? 0 : fam == 6 ? 128 : 32);
			fputs(m->per == PER_DEST ? " --connlimit-daddr" : " --connlimit-saddr", f);
			break;
		case M_RECENT: {
			static const char *const mode[] = { "--update", "--set", "--rcheck",
							    "--remove" };
			fprintf(f, " -m recent %s --name %s", mode[m->recent], m->str);
			if (m->n2)
				fprintf(f, " --seconds %u", m->n2);
			if (m->n1)
				fprintf(f, " --hitcount %u", m->n1);
			break;
		}
		case M_NTH:
			fprintf(f, " -m statistic --mode nth --every %u --packet %u", m->n1, m->n2);
			break;
		case M_UNKNOWN:
			fprintf(f, " %s", m->str);
			break;
		}
	}
	f = rb.f;
	const struct ir_action *a = &r->act;
	char buf[80];
	if (r->comment) {
		fputs(" -m comment --comment \"", f);
		for (const char *p = r->comment; *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', f);
			fputc(*p, f);
		}
		fputc('"', f);
	}
	if (r->origin)
		fprintf(f, " -m comment --comment \"fwc: %s", r->origin);
	else {
		loc_short(&r->loc, buf, sizeof(buf));
		fprintf(f, " -m comment --comment \"%s", buf);
	}
	if (backend_rule_ids)
		fprintf(f, " #%zu", r->id);
	fputc('"', f);
	switch (a->kind) {
	case ACT_ACCEPT: fputs(" -j ACCEPT", f); break;
	case ACT_DROP: fputs(" -j DROP", f); break;
	case ACT_RETURN: fputs(" -j RETURN", f); break;
	case ACT_REJECT: {
		const char *rt = reject_type(a->reject_with, fam);
		if (!rt) {
			diag_error(&r->loc, "reject with %s has no IPv%d form", a->reject_with, fam);
			rc = -1;
			break;
		}
		fprintf(f, " -j REJECT --reject-with %s", rt);
		break;
	}
	case ACT_LOG:
		fputs(" -j LOG", f);
		if (a->log_prefix)
			fprintf(f, " --log-prefix \"%s\"", a->log_prefix);
		if (a->log_level >= 0)
			fprintf(f, " --log-level %d", a->log_level);
		if (a->log_flags & LOGF_TCP_SEQ)
			fputs(" --log-tcp-sequence", f);
		if (a->log_flags & LOGF_TCP_OPT)
			fputs(" --log-tcp-options", f);
		if (a->log_flags & LOGF_IP_OPT)
			fputs(" --log-ip-options", f);
		if (a->log_flags & LOGF_UID)
			fputs(" --log-uid", f);
		if (a->log_flags & LOGF_MAC)
			fputs(" --log-macdecode", f);
		break;
	case ACT_MARK:
		fprintf(f, " -j MARK --set-xmark 0x%x/0x%x", a->mark, a->mask);
		break;
	case ACT_CONNMARK:
		if (a->cm == CM_SAVE)
			fputs(" -j CONNMARK --save-mark", f);
		else if (a->cm == CM_RESTORE)
			fputs(" -j CONNMARK --restore-mark", f);
		else
			fprintf(f, " -j CONNMARK --set-xmark 0x%x/0x%x", a->mark, a->mask);
		break;
	case ACT_JUMP: fprintf(f, " -j %s", chain_name(a->target)); break;
	case ACT_GOTO: fprintf(f, " -g %s", chain_name(a->target)); break;
	case ACT_MASQUERADE: fputs(" -j MASQUERADE", f); break;
	case ACT_SNAT:
	case ACT_DNAT:
		addr_format(buf, sizeof(buf), fam, a->addr);
		fprintf(f, " -j %s --to-%s ", a->kind == ACT_SNAT ? "SNAT" : "DNAT",
			a->kind == ACT_SNAT ? "source" : "destination");
		if (fam == 6 && a->port_lo >= 0)
			fprintf(f, "[%s]", buf);
		else
			fputs(buf, f);
		if (a->port_lo >= 0) {
			fprintf(f, ":%d", a->port_lo);
			if (a->port_hi != a->port_lo)
				fprintf(f, "-%d", a->port_hi);
		}
		break;
	case ACT_REDIRECT:
		fputs(" -j REDIRECT", f);
		if (a->port_lo < 0)
			break;
		fprintf(f, " --to-ports %d", a->port_lo);
		if (a->port_hi != a->port_lo)
			fprintf(f, "-%d", a->port_hi);
		break;
	case ACT_CLAMP_MSS: fputs(" -j TCPMSS --clamp-mss-to-pmtu", f); break;
	case ACT_NOTRACK: fputs(" -j CT --notrack", f); break;
	case ACT_OTHER:
		if (a->text)
			fprintf(f, " -j %s", a->text);
		break;
	}
	rb_close(&rb);
	if (rc == 0)
		rb_emit(out, &rb, chain);
	rb_free(&rb);
	return rc;
}

/* Names iptables cannot hold: chains over 28 characters, two sets whose
 * ipset names collide after truncation. */
static int check_names(const struct ir *ir)
{
	int rc = 0;
	for (size_t i = 0; i < ir->nchains; i++) {
		const struct ir_chain *c = ir->chains[i];
		if (c->hook == HOOK_NONE && strlen(chain_name(c)) > 28) {
			diag_error(c->loc.file ? &c->loc : NULL,
				   "chain name '%s' is longer than the 28 characters iptables allows",
				   chain_name(c));
			rc = -1;
		}
	}
	for (size_t i = 0; i < ir->nsets; i++)
		for (size_t j = i + 1; j < ir->nsets; j++) {
			char a[40], b[40];
			ipset_name(a, sizeof(a), ir->sets[i]);
			ipset_name(b, sizeof(b), ir->sets[j]);
			if (!strcmp(a, b)) {
				struct diag *d = diag_error(&ir->sets[j]->loc,
					"sets '%s' and '%s' would both be ipset '%s'; shorten one name",
					ir->sets[i]->name, ir->sets[j]->name, a);
				diag_related(d, &ir->sets[i]->loc, "the other set");
				rc = -1;
			}
		}
	return rc;
}

/* A table appears when it has a rule for this family or a user chain;
 * filter always does. */
static bool table_used(const struct ir *ir, enum fwc_table t, int fam)
{
	if (t == TBL_FILTER)
		return true;
	for (size_t i = 0; i < ir->nchains; i++) {
		const struct ir_chain *c = ir->chains[i];
		if (c->table != t)
			continue;
		if (c->hook == HOOK_NONE)
			return true;
		for (size_t j = 0; j < c->n; j++)
			if (!c->rules[j]->family || c->rules[j]->family == fam)
				return true;
	}
	return false;
}

int ipt_emit(FILE *out, const struct ir *ir, int fam)
{
	int rc = check_names(ir);
	fprintf(out, "# generated by fwc from %s for %s-restore; do not edit.\n",
		ir->source ? ir->source : "-", fam == 6 ? "ip6tables" : "iptables");
	for (int t = 0; t < TBL_MAX; t++) {
		if (!table_used(ir, (enum fwc_table)t, fam))
			continue;
		fprintf(out, "*%s\n", table_name((enum fwc_table)t));
		for (const enum fwc_hook *h = table_hooks[t]; *h != HOOK_MAX; h++) {
			enum act_kind pol = ACT_ACCEPT;
			for (size_t i = 0; i < ir->nchains; i++)
				if (ir->chains[i]->table == (enum fwc_table)t &&
				    ir->chains[i]->hook == *h)
					pol = ir->chains[i]->policy;
			fprintf(out, ":%s %s [0:0]\n", builtin_chain(*h),
				pol == ACT_DROP ? "DROP" : "ACCEPT");
		}
		for (size_t i = 0; i < ir->nchains; i++) {
			const struct ir_chain *c = ir->chains[i];
			if (c->table == (enum fwc_table)t && c->hook == HOOK_NONE)
				fprintf(out, ":%s - [0:0]\n", chain_name(c));
		}
		for (size_t i = 0; i < ir->nchains; i++) {
			const struct ir_chain *c = ir->chains[i];
			if (c->table != (enum fwc_table)t)
				continue;
			for (size_t j = 0; j < c->n; j++) {
				const struct ir_rule *r = c->rules[j];
				if (r->family && r->family != fam)
					continue;
				if (put_rule(out, r, fam, chain_name(c)) < 0)
					rc = -1;
			}
		}
		fputs("COMMIT\n", out);
	}
	return rc;
}

static bool set_used(const struct ir *ir, const struct ir_set *s)
{
	for (size_t i = 0; i < ir->nchains; i++)
		for (size_t j = 0; j < ir->chains[i]->n; j++) {
			const struct ir_rule *r = ir->chains[i]->rules[j];
			for (size_t k = 0; k < r->nm; k++)
				if (r->m[k].named == s)
					return true;
		}
	return false;
}

struct ipset_ctx {
	FILE *out;
	const char *name;
	int fam;
};

static void ipset_add_cb(u128 addr, int plen, void *vctx)
{
	struct ipset_ctx *c = vctx;
	char buf[80];
	if (plen == 0) {
		/* hash:net cannot hold /0: two halves */
		u128 half = (u128)1 << (c->fam == 4 ? 31 : 127);
		prefix_format(buf, sizeof(buf), c->fam, 0, 1);
		fprintf(c->out, "add %s %s\n", c->name, buf);
		prefix_format(buf, sizeof(buf), c->fam, half, 1);
		fprintf(c->out, "add %s %s\n", c->name, buf);
		return;
	}
	prefix_format(buf, sizeof(buf), c->fam, addr, plen);
	fprintf(c->out, "add %s %s\n", c->name, buf);
}

int ipset_emit(FILE *out, const struct ir *ir)
{
	if (check_names(ir) < 0)
		return -1;
	fprintf(out, "# generated by fwc from %s for ipset restore; do not edit.\n",
		ir->source ? ir->source : "-");
	for (size_t i = 0; i < ir->nsets; i++) {
		const struct ir_set *s = ir->sets[i];
		if (s->builtin && !set_used(ir, s))
			continue;
		char name[40];
		ipset_name(name, sizeof(name), s);
		size_t n = 0;
		for (size_t k = 0; k < s->elems.n; k++)
			n += range_to_prefixes(s->elems.r[k].lo, s->elems.r[k].hi,
					       s->elems.bits, NULL, NULL);
		size_t maxelem = 65536;
		while (maxelem < n + 2)
			maxelem *= 2;
		fprintf(out, "create %s hash:net family %s maxelem %zu -exist\n", name,
			s->family == 4 ? "inet" : "inet6", maxelem);
		fprintf(out, "flush %s\n", name);
		struct ipset_ctx c = { out, name, s->family };
		iset_prefixes(&s->elems, ipset_add_cb, &c);
	}
	return 0;
}
