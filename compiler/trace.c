/*
 * trace.c: the packet simulator behind `fwc trace` and the kernel referee.
 *
 * Kernel order, as netfilter runs it (and as the nft backend reproduces it
 * with priorities raw -300, mangle -150, dstnat -100, filter 0, srcnat 100):
 *   to this host:  prerouting (raw, mangle, nat) -> input (mangle, filter, nat)
 *   forwarded:     prerouting (raw, mangle, nat) -> forward (mangle, filter)
 *                  -> postrouting (mangle, nat)
 *   from it:       output (raw, mangle, nat, filter) -> postrouting (mangle, nat)
 * An accept ends one table's chain in one hook; drop and reject end the
 * packet. The nat chains see only the first packet of a connection.
 * The walk ends: the front end refuses jump loops, and calls nest at most
 * CALL_DEPTH_MAX deep (the kernel's own limit is 16 for iptables).
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"
#include "trace.h"

#define CALL_DEPTH_MAX 64

const char *path_name(enum path p)
{
	static const char *const n[] = { "input", "forward", "output" };
	return n[p];
}

static const struct hookstep path_input[] = {
	{ HOOK_PREROUTING, TBL_RAW }, { HOOK_PREROUTING, TBL_MANGLE },
	{ HOOK_PREROUTING, TBL_NAT }, { HOOK_INPUT, TBL_MANGLE },
	{ HOOK_INPUT, TBL_FILTER }, { HOOK_INPUT, TBL_SECURITY },
	{ HOOK_INPUT, TBL_NAT },
	{ HOOK_MAX, TBL_MAX },
};
static const struct hookstep path_forward[] = {
	{ HOOK_PREROUTING, TBL_RAW }, { HOOK_PREROUTING, TBL_MANGLE },
	{ HOOK_PREROUTING, TBL_NAT }, { HOOK_FORWARD, TBL_MANGLE },
	{ HOOK_FORWARD, TBL_FILTER }, { HOOK_FORWARD, TBL_SECURITY },
	{ HOOK_POSTROUTING, TBL_MANGLE },
	{ HOOK_POSTROUTING, TBL_NAT },
	{ HOOK_MAX, TBL_MAX },
};
static const struct hookstep path_output[] = {
	{ HOOK_OUTPUT, TBL_RAW }, { HOOK_OUTPUT, TBL_MANGLE },
	{ HOOK_OUTPUT, TBL_NAT }, { HOOK_OUTPUT, TBL_FILTER },
	{ HOOK_OUTPUT, TBL_SECURITY },
	{ HOOK_POSTROUTING, TBL_MANGLE }, { HOOK_POSTROUTING, TBL_NAT },
	{ HOOK_MAX, TBL_MAX },
};

const struct hookstep *path_steps(enum path p)
{
	return p == PATH_INPUT ? path_input : p == PATH_FORWARD ? path_forward
								: path_output;
}

const struct ir_chain *base_chain(const struct ir *ir, enum fwc_table t,
					 enum fwc_hook h)
{
	for (size_t i = 0; i < ir->nchains; i++)
		if (ir->chains[i]->table == t && ir->chains[i]->hook == h)
			return ir->chains[i];
	return NULL;
}

/* iptables' "eth+" matches every name that starts with "eth" */
bool ifname_match(const char *pat, const char *name)
{
	size_t n = strlen(pat);
	if (n && pat[n - 1] == '+')
		return !strncmp(pat, name, n - 1);
	return !strcmp(pat, name);
}

static bool name_in(const struct ir_match *m, const char *name)
{
	for (size_t i = 0; i < m->nnames; i++)
		if (ifname_match(m->names[i], name))
			return true;
	return false;
}

static bool uid_matches(const char *want, long uid)
{
	if (uid < 0)
		return false;
	char *end;
	long v = strtol(want, &end, 10);
	if (!*end)
		return v == uid;
	struct passwd *pw = getpwnam(want);
	return pw && (long)pw->pw_uid == uid;
}

static bool port_of(const struct packet *p, bool src, u128 *v)
{
	int port = src ? p->sport : p->dport;
	*v = port < 0 ? 0 : (u128)port;
	return true;
}

static bool assume(enum assume a)
{
	return a == ASSUME_MATCH;
}

static bool rule_matches(const struct ir_rule *r, const struct packet *p,
			 const struct trace_opts *o, struct trace_result *res)
{
	if (r->family && r->family != p->family)
		return false;
	for (size_t i = 0; i < r->nm; i++) {
		const struct ir_match *m = &r->m[i];
		bool ok;
		u128 v;
		switch (m->kind) {
		case M_IIF:
			ok = name_in(m, p->iif) != m->neg;
			break;
		case M_OIF:
			ok = name_in(m, p->oif) != m->neg;
			break;
		case M_SADDR:
			ok = iset_contains(&m->set, p->saddr);
			break;
		case M_DADDR:
			ok = iset_contains(&m->set, p->daddr);
			break;
		case M_SSET:
		case M_DSET:
			ok = m->named->family == p->family &&
			     iset_contains(&m->named->elems,
					   m->kind == M_SSET ? p->saddr : p->daddr);
			ok = ok != m->neg;
			break;
		case M_PROTO:
			ok = (p->proto == m->proto) != m->neg;
			break;
		case M_SPORT:
		case M_DPORT:
			port_of(p, m->kind == M_SPORT, &v);
			ok = iset_contains(&m->set, v);
			break;
		case M_ICMP_TYPE:
			ok = (p->icmp_type == m->icmp_type) != m->neg;
			break;
		case M_CTSTATE:
			ok = ((p->state & m->state) != 0) != m->neg;
			break;
		case M_MARK:
			ok = ((p->mark & m->mask) == m->value) != m->neg;
			break;
		case M_CONNMARK:
			ok = ((p->ctmark & m->mask) == m->value) != m->neg;
			break;
		case M_UID:
			ok = uid_matches(m->str, p->uid) != m->neg;
			break;
		case M_TCPFLAGS:
			ok = p->proto == 6 && (p->tcpflags & m->mask) == m->value;
			break;
		case M_FRAGMENT:
			ok = p->fragment != m->neg;
			break;
		case M_LIMIT:
		case M_CONNLIMIT:
			res->assumed_rate = true;
			ok = assume(o->rate);
			break;
		case M_RECENT:
			if (m->recent == RECENT_SET) {
				ok = true;
			} else {
				res->assumed_recent = true;
				ok = assume(o->recent);
			}
			break;
		case M_NTH:
			res->assumed_nth = true;
			ok = assume(o->nth);
			break;
		case M_UNKNOWN:
		default:
			res->assumed_unknown = true;
			ok = assume(o->unknown);
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

static struct trace_step *add_step(struct trace_result *res, enum fwc_table t,
				   enum fwc_hook h, const struct ir_chain *c,
				   const struct ir_rule *r)
{
	VEC_PUSH(res->steps, res->n, res->cap);
	struct trace_step *s = &res->steps[res->n++];
	memset(s, 0, sizeof(*s));
	s->table = t;
	s->hook = h;
	s->chain = c;
	s->rule = r;
	return s;
}

enum outcome { OUT_CONTINUE, OUT_ACCEPT, OUT_DROP, OUT_REJECT };

int ifaddr_parse(const char *text, struct trace_ifaddr *a)
{
	const char *eq = strchr(text, '=');
	char err[128];
	int plen;
	if (!eq || eq == text || (size_t)(eq - text) >= sizeof(a->name))
		return -1;
	memcpy(a->name, text, (size_t)(eq - text));
	a->name[eq - text] = '\0';
	if (addr_parse(eq + 1, strlen(eq + 1), &a->family, &a->addr, &plen, err,
		       sizeof(err)) < 0 || plen != (a->family == 4 ? 32 : 128))
		return -1;
	return 0;
}

static const struct trace_ifaddr *find_ifaddr(const struct trace_opts *o,
					const char *name, int family)
{
	for (size_t i = 0; i < o->nifaddrs; i++)
		if (o->ifaddrs[i].family == family && !strcmp(o->ifaddrs[i].name, name))
			return &o->ifaddrs[i];
	return NULL;
}

static void nat_apply(const struct ir_rule *r, struct packet *p,
		      struct trace_step *s, const struct trace_opts *o)
{
	const struct ir_action *a = &r->act;
	char buf[64];
	switch (a->kind) {
	case ACT_DNAT:
		p->daddr = a->addr;
		if (a->port_lo >= 0)
			p->dport = a->port_lo;
		addr_format(buf, sizeof(buf), p->family, a->addr);
		if (a->port_lo >= 0)
			snprintf(s->note, sizeof(s->note), "destination rewritten to %s port %d",
				 buf, a->port_lo);
		else
			snprintf(s->note, sizeof(s->note), "destination rewritten to %s", buf);
		break;
	case ACT_SNAT:
		p->saddr = a->addr;
		if (a->port_lo >= 0)
			p->sport = a->port_lo;
		addr_format(buf, sizeof(buf), p->family, a->addr);
		snprintf(s->note, sizeof(s->note), "source rewritten to %s", buf);
		break;
	case ACT_MASQUERADE:
		snprintf(s->note, sizeof(s->note),
			 "source rewritten to the address of %s", p->oif[0] ? p->oif : "the output interface");
		break;
	case ACT_REDIRECT: {
		if (a->port_lo >= 0)
			p->dport = a->port_lo;   /* else the port stays */
		const struct trace_ifaddr *ia = p->iif[0] ? find_ifaddr(o, p->iif, p->family) : NULL;
		if (ia) {
			p->daddr = ia->addr;
			addr_format(buf, sizeof(buf), p->family, ia->addr);
			snprintf(s->note, sizeof(s->note),
				 "redirected to this host (%s) port %d", buf, a->port_lo);
		} else {
			snprintf(s->note, sizeof(s->note),
				 "redirected to this host (the address of %s) port %d",
				 p->iif[0] ? p->iif : "lo", a->port_lo);
		}
		break;
	}
	default:
		break;
	}
}

/* Run one base chain and what it jumps to. */
static enum outcome run_chain(const struct ir_chain *base, enum fwc_table t,
			      enum fwc_hook h, struct packet *p,
			      const struct trace_opts *o, struct trace_result *res)
{
	struct {
		const struct ir_chain *c;
		size_t i;
	} stack[CALL_DEPTH_MAX];
	size_t sp = 0;
	const struct ir_chain *c = base;
	size_t i = 0;
	for (;;) {
		if (i >= c->n) {
			if (sp == 0) {
				struct trace_step *s = add_step(res, t, h, base, NULL);
				snprintf(s->note, sizeof(s->note), "end of chain: policy %s",
					 act_name(base->policy));
				if (base->policy == ACT_DROP) {
					res->verdict_rule = NULL;
					res->verdict_chain = base;
					return OUT_DROP;
				}
				return OUT_ACCEPT;
			}
			sp--;
			c = stack[sp].c;
			i = stack[sp].i;
			continue;
		}
		const struct ir_rule *r = c->rules[i++];
		if (!rule_matches(r, p, o, res))
			continue;
		struct trace_step *s = add_step(res, t, h, c, r);
		const struct ir_action *a = &r->act;
		switch (a->kind) {
		case ACT_ACCEPT:
			return OUT_ACCEPT;
		case ACT_DROP:
			res->verdict_rule = r;
			res->verdict_chain = c;
			return OUT_DROP;
		case ACT_REJECT:
			res->verdict_rule = r;
			res->verdict_chain = c;
			return OUT_REJECT;
		case ACT_RETURN:
			if (sp == 0) {
				i = c->n;   /* return from a base chain: its policy */
				c = base;
				i = base->n;
				continue;
			}
			sp--;
			c = stack[sp].c;
			i = stack[sp].i;
			continue;
		case ACT_JUMP:
			if (sp >= CALL_DEPTH_MAX) {
				snprintf(res->error, sizeof(res->error), "jumps nested deeper than %d",
					 CALL_DEPTH_MAX);
				res->verdict_rule = NULL;
				res->verdict_chain = c;
				return OUT_DROP;
			}
			stack[sp].c = c;
			stack[sp].i = i;
			sp++;
			c = a->target;
			i = 0;
			continue;
		case ACT_GOTO:
			c = a->target;
			i = 0;
			continue;
		case ACT_LOG:
			snprintf(s->note, sizeof(s->note), "logged%s%s%s",
				 a->log_prefix ? " with prefix \"" : "",
				 a->log_prefix ? a->log_prefix : "", a->log_prefix ? "\"" : "");
			continue;
		case ACT_MARK:
			p->mark = (p->mark & ~a->mask) ^ a->mark;
			snprintf(s->note, sizeof(s->note), "mark set to 0x%x", p->mark);
			continue;
		case ACT_CONNMARK:
			if (a->cm == CM_SAVE)
				p->ctmark = p->mark;
			else if (a->cm == CM_RESTORE)
				p->mark = p->ctmark;
			else
				p->ctmark = (p->ctmark & ~a->mask) ^ a->mark;
			snprintf(s->note, sizeof(s->note), "mark 0x%x, connmark 0x%x",
				 p->mark, p->ctmark);
			continue;
		case ACT_CLAMP_MSS:
			snprintf(s->note, sizeof(s->note), "tcp mss clamped to the path mtu");
			continue;
		case ACT_OTHER:
			if (!a->text) {
				snprintf(s->note, sizeof(s->note), "no target: counted only");
				continue;
			}
			snprintf(s->note, sizeof(s->note), "%.80s: %s", a->text,
				 a->ov == OV_ACCEPT ? "not modelled, assumed to accept" :
				 a->ov == OV_DROP ? "not modelled, assumed to drop" :
				 "not modelled, the packet goes on");
			if (a->ov == OV_ACCEPT)
				return OUT_ACCEPT;
			if (a->ov == OV_DROP) {
				res->verdict_rule = r;
				res->verdict_chain = c;
				return OUT_DROP;
			}
			continue;
		case ACT_NOTRACK:
			p->state = CT_UNTRACKED;
			snprintf(s->note, sizeof(s->note), "not tracked: state untracked from here");
			continue;
		case ACT_MASQUERADE:
		case ACT_SNAT:
		case ACT_DNAT:
		case ACT_REDIRECT:
			nat_apply(r, p, s, o);
			return OUT_ACCEPT;
		}
	}
}

void trace_packet(const struct ir *ir, const struct packet *pin,
		  const struct trace_opts *o, struct trace_result *res)
{
	memset(res, 0, sizeof(*res));
	struct packet p = *pin;
	res->path = p.iif[0] && p.oif[0] ? PATH_FORWARD : p.iif[0] ? PATH_INPUT
								     : PATH_OUTPUT;
	const struct hookstep *steps = path_steps(res->path);
	res->verdict = ACT_ACCEPT;
	for (const struct hookstep *hs = steps; hs->hook != HOOK_MAX; hs++) {
		if (hs->table == TBL_NAT && p.state != CT_NEW) {
			if (base_chain(ir, TBL_NAT, hs->hook))
				res->nat_skipped = true;
			continue;
		}
		const struct ir_chain *c = base_chain(ir, hs->table, hs->hook);
		if (!c)
			continue;
		size_t before = res->n;
		enum outcome out = run_chain(c, hs->table, hs->hook, &p, o, res);
		if (out == OUT_DROP || out == OUT_REJECT) {
			res->verdict = out == OUT_DROP ? ACT_DROP : ACT_REJECT;
			break;
		}
		/* a redirect makes a forwarded packet one for this host: the
		 * rest of its way is the input path */
		if (res->n > before && res->steps[res->n - 1].rule &&
		    res->steps[res->n - 1].rule->act.kind == ACT_REDIRECT &&
		    res->path == PATH_FORWARD) {
			res->path = PATH_INPUT;
			p.oif[0] = '\0';
			hs = &path_input[2];   /* continue after nat prerouting */
		}
	}
	res->final = p;
}

void trace_result_release(struct trace_result *res)
{
	free(res->steps);
	res->steps = NULL;
	res->n = res->cap = 0;
}

/* ---- output ---- */

static void where(char *buf, size_t n, const struct ir_rule *r)
{
	if (!r)
		snprintf(buf, n, "policy");
	else if (r->origin)
		snprintf(buf, n, "%s", r->origin);
	else
		loc_short(&r->loc, buf, n);
}

static void assumptions(FILE *out, const struct trace_result *res,
			const struct trace_opts *o, bool json)
{
	const char *sep = "";
	if (json)
		fputs("\"assumed\":[", out);
	else if (res->assumed_rate || res->assumed_recent || res->assumed_nth ||
		 res->assumed_unknown || res->nat_skipped)
		fputs("assumed:", out);
	if (res->assumed_rate) {
		fprintf(out, json ? "%s\"rate=%s\"" : "%s rate=%s (rates and connection limits %s)", sep,
			o->rate == ASSUME_MATCH ? "under" : "over",
			o->rate == ASSUME_MATCH ? "not exceeded" : "exceeded");
		sep = json ? "," : ";";
	}
	if (res->assumed_recent) {
		fprintf(out, json ? "%s\"recent=%s\"" : "%s recent=%s", sep,
			o->recent == ASSUME_MATCH ? "hit" : "miss");
		sep = json ? "," : ";";
	}
	if (res->assumed_nth) {
		fprintf(out, json ? "%s\"nth=%s\"" : "%s nth=%s", sep,
			o->nth == ASSUME_MATCH ? "hit" : "miss");
		sep = json ? "," : ";";
	}
	if (res->assumed_unknown) {
		fprintf(out, json ? "%s\"unknown=%s\"" : "%s unknown=%s", sep,
			o->unknown == ASSUME_MATCH ? "match" : "nomatch");
		sep = json ? "," : ";";
	}
	if (res->nat_skipped) {
		fprintf(out, json ? "%s\"nat=existing-connection\"" :
				    "%s not a new connection: nat rules not consulted (its mapping was made by the first packet)",
			sep);
	}
	if (json)
		fputc(']', out);
	else if (*sep || res->nat_skipped)
		fputc('\n', out);
}

void trace_print_text(FILE *out, const struct packet *p,
		      const struct trace_result *res, const struct trace_opts *o)
{
	char buf[256];
	packet_format(buf, sizeof(buf), p);
	fprintf(out, "packet: %s\n", buf);
	fprintf(out, "path: %s\n", path_name(res->path));
	for (size_t i = 0; i < res->n; i++) {
		const struct trace_step *s = &res->steps[i];
		where(buf, sizeof(buf), s->rule);
		fprintf(out, "  %s %s  chain %s  %s", table_name(s->table), hook_name(s->hook),
			s->chain->name, buf);
		if (s->rule) {
			fputs(": ", out);
			for (size_t k = 0; k < s->rule->nm; k++) {
				ir_match_dump(out, &s->rule->m[k], s->rule->family);
				fputc(' ', out);
			}
			fputs("-> ", out);
			ir_action_dump(out, s->rule);
		}
		if (s->note[0])
			fprintf(out, "  [%s]", s->note);
		fputc('\n', out);
	}
	if (res->error[0])
		fprintf(out, "error: %s\n", res->error);
	where(buf, sizeof(buf), res->verdict_rule);
	if (res->error[0])
		fprintf(out, "verdict: %s (the trace stopped)\n", act_name(res->verdict));
	else if (res->verdict == ACT_ACCEPT)
		fputs("verdict: accept\n", out);
	else if (res->verdict_rule || !res->verdict_chain)
		fprintf(out, "verdict: %s (%s)\n", act_name(res->verdict), buf);
	else
		fprintf(out, "verdict: %s (policy of chain %s)\n", act_name(res->verdict),
			res->verdict_chain->name);
	if (memcmp(&res->final, p, sizeof(*p))) {
		packet_format(buf, sizeof(buf), &res->final);
		fprintf(out, "packet after: %s\n", buf);
	}
	assumptions(out, res, o, false);
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_rule(FILE *out, const struct ir_rule *r)
{
	if (!r) {
		fputs("null", out);
		return;
	}
	fputs("{", out);
	if (r->origin) {
		fputs("\"origin\":", out);
		json_str(out, r->origin);
	} else {
		fputs("\"file\":", out);
		json_str(out, r->loc.file ? r->loc.file->path : "");
		fprintf(out, ",\"line\":%u,\"column\":%u", r->loc.line, r->loc.col);
	}
	fprintf(out, ",\"id\":%zu,\"action\":\"%s\"}", r->id, act_name(r->act.kind));
}

void trace_print_json(FILE *out, const struct packet *p,
		      const struct trace_result *res, const struct trace_opts *o)
{
	char buf[256];
	packet_format(buf, sizeof(buf), p);
	fputs("{\"packet\":", out);
	json_str(out, buf);
	fprintf(out, ",\"path\":\"%s\",\"steps\":[", path_name(res->path));
	for (size_t i = 0; i < res->n; i++) {
		const struct trace_step *s = &res->steps[i];
		fprintf(out, "%s{\"table\":\"%s\",\"hook\":\"%s\",\"chain\":", i ? "," : "",
			table_name(s->table), hook_name(s->hook));
		json_str(out, s->chain->name);
		fputs(",\"rule\":", out);
		json_rule(out, s->rule);
		if (s->note[0]) {
			fputs(",\"note\":", out);
			json_str(out, s->note);
		}
		fputc('}', out);
	}
	fprintf(out, "],\"verdict\":\"%s\",\"verdict_rule\":", act_name(res->verdict));
	json_rule(out, res->verdict == ACT_ACCEPT ? NULL : res->verdict_rule);
	packet_format(buf, sizeof(buf), &res->final);
	fputs(",\"packet_after\":", out);
	json_str(out, buf);
	fputc(',', out);
	assumptions(out, res, o, true);
	if (res->error[0]) {
		fputs(",\"error\":", out);
		json_str(out, res->error);
	}
	fputs("}\n", out);
}
