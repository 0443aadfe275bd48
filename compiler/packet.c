/*
 * packet.c: packets as a user writes them, for `fwc trace`.
 *
 *   PROTO SRC[:PORT] -> DST[:PORT] [in IF] [out IF] [state S] [mark N]
 *         [connmark N] [type T] [code N] [flags F,F] [uid N] [fragment]
 *
 * IPv6 addresses with a port go in brackets: [2001:db8::1]:53. Errors name
 * the culprit's byte span so the caller can put a caret under it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"
#include "trace.h"

struct ptok {
	const char *s;
	size_t len, off;
};

static size_t split(const char *text, struct ptok *t, size_t max)
{
	size_t n = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *b = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (n < max)
			t[n++] = (struct ptok){ b, (size_t)(p - b), (size_t)(b - text) };
		else
			return max + 1;
	}
	return n;
}

static bool tok_is(const struct ptok *t, const char *w)
{
	return t->len == strlen(w) && !strncmp(t->s, w, t->len);
}

static int fail(char *err, size_t errlen, size_t *eo, size_t *el,
		const struct ptok *t, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	*eo = t ? t->off : 0;
	*el = t ? (t->len ? t->len : 1) : 1;
	return -1;
}

static bool parse_num(const struct ptok *t, unsigned long max, unsigned long *v)
{
	char buf[32];
	if (t->len == 0 || t->len >= sizeof(buf))
		return false;
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	char *end;
	/* decimal, or hex with 0x: "010" is ten, as in the policy language */
	bool hex = buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	unsigned long x = strtoul(buf, &end, hex ? 16 : 10);
	if (*end || buf[0] == '-' || x > max)
		return false;
	*v = x;
	return true;
}

/* "198.51.100.7:40000", "[2001:db8::5]:53", "2001:db8::5", "192.0.2.1" */
static int parse_endpoint(const struct ptok *t, int *fam, u128 *a, int *port,
			  char *err, size_t errlen, size_t *eo, size_t *el)
{
	const char *s = t->s, *e = t->s + t->len, *ps = NULL;
	char aerr[160];
	int plen;
	*port = -1;
	if (*s == '[') {
		const char *rb = memchr(s, ']', t->len);
		if (!rb) {
			char txt[64];
			snprintf(txt, sizeof(txt), "%.*s", (int)(t->len < 60 ? t->len : 60), t->s);
			return fail(err, errlen, eo, el, t, "missing ']' in '%s'", txt);
		}
		if (rb + 1 < e) {
			if (rb[1] != ':')
				return fail(err, errlen, eo, el, t, "expected ':PORT' after ']'%s", "");
			ps = rb + 2;
		}
		s++;
		e = rb;
	} else {
		size_t colons = 0;
		for (const char *p = s; p < e; p++)
			colons += *p == ':';
		if (colons == 1) {
			const char *c = memchr(s, ':', t->len);
			ps = c + 1;
			e = c;
		}
	}
	if (addr_parse(s, (size_t)(e - s), fam, a, &plen, aerr, sizeof(aerr)) < 0)
		return fail(err, errlen, eo, el, t, "%s", aerr);
	if (plen != (*fam == 4 ? 32 : 128))
		return fail(err, errlen, eo, el, t, "a packet has one address, not a prefix%s", "");
	if (ps) {
		struct ptok pt = { ps, (size_t)(t->s + t->len - ps), t->off + (size_t)(ps - t->s) };
		unsigned long v;
		if (!parse_num(&pt, 65535, &v))
			return fail(err, errlen, eo, el, &pt, "bad port (0-65535)%s", "");
		*port = (int)v;
	}
	return 0;
}

int packet_parse(const char *text, struct packet *p, char *err, size_t errlen,
		 size_t *eo, size_t *el)
{
	struct ptok t[40];
	size_t n = split(text, t, 39);
	memset(p, 0, sizeof(*p));
	p->sport = p->dport = -1;
	p->icmp_type = p->icmp_code = -1;
	p->state = CT_NEW;
	p->uid = -1;
	if (n > 39)
		return fail(err, errlen, eo, el, NULL, "packet description too long%s", "");
	if (n < 4)
		return fail(err, errlen, eo, el, n ? &t[n - 1] : NULL,
			    "expected 'PROTO SOURCE -> DESTINATION'%s", "");
	char pname[16];
	if (t[0].len >= sizeof(pname))
		return fail(err, errlen, eo, el, &t[0], "unknown protocol%s", "");
	memcpy(pname, t[0].s, t[0].len);
	pname[t[0].len] = '\0';
	p->proto = proto_by_name(pname);
	if (p->proto < 0)
		return fail(err, errlen, eo, el, &t[0], "unknown protocol '%s'", pname);
	int fs, fd;
	if (parse_endpoint(&t[1], &fs, &p->saddr, &p->sport, err, errlen, eo, el) < 0)
		return -1;
	if (!tok_is(&t[2], "->"))
		return fail(err, errlen, eo, el, &t[2], "expected '->'%s", "");
	if (parse_endpoint(&t[3], &fd, &p->daddr, &p->dport, err, errlen, eo, el) < 0)
		return -1;
	if (fs != fd)
		return fail(err, errlen, eo, el, &t[3], "source and destination are of different families%s", "");
	p->family = fs;
	bool porty = p->proto == 6 || p->proto == 17 || p->proto == 132 ||
		     p->proto == 33 || p->proto == 136;
	if (!porty && (p->sport >= 0 || p->dport >= 0))
		return fail(err, errlen, eo, el, &t[p->sport >= 0 ? 1 : 3],
			    "protocol '%s' has no ports", pname);
	if (p->proto == 1 && fs == 6)
		return fail(err, errlen, eo, el, &t[0], "icmp is IPv4; use icmpv6%s", "");
	if (p->proto == 58 && fs == 4)
		return fail(err, errlen, eo, el, &t[0], "icmpv6 is IPv6; use icmp%s", "");
	bool flags_given = false, state_given = false;
	for (size_t i = 4; i < n; i++) {
		const struct ptok *k = &t[i];
		const struct ptok *v = i + 1 < n ? &t[i + 1] : NULL;
		unsigned long x;
		if (tok_is(k, "fragment")) {
			if (fs != 4)
				return fail(err, errlen, eo, el, k, "fragment is for IPv4%s", "");
			p->fragment = true;
			continue;
		}
		static const char *const words[] = { "in", "out", "state", "mark", "connmark",
						     "type", "code", "flags", "uid", NULL };
		bool known = false;
		for (size_t w = 0; words[w]; w++)
			known |= tok_is(k, words[w]);
		if (!known)
			return fail(err, errlen, eo, el, k,
				    "unknown word (in, out, state, mark, connmark, type, code, flags, uid, fragment)%s", "");
		if (!v) {
			char w[24];
			snprintf(w, sizeof(w), "%.*s", (int)(k->len < 20 ? k->len : 20), k->s);
			return fail(err, errlen, eo, el, k, "'%s' needs a value", w);
		}
		i++;
		if (tok_is(k, "in") || tok_is(k, "out")) {
			if (v->len >= 16)
				return fail(err, errlen, eo, el, v, "interface name longer than 15 characters%s", "");
			char *dst = tok_is(k, "in") ? p->iif : p->oif;
			memcpy(dst, v->s, v->len);
			dst[v->len] = '\0';
		} else if (tok_is(k, "state")) {
			static const char *const sn[] = { "new", "established", "related",
							  "invalid", "untracked" };
			int found = -1;
			for (int j = 0; j < 5; j++)
				if (tok_is(v, sn[j]))
					found = j;
			if (found < 0)
				return fail(err, errlen, eo, el, v,
					    "unknown state (new, established, related, invalid, untracked)%s", "");
			p->state = 1u << found;
			state_given = true;
		} else if (tok_is(k, "mark") || tok_is(k, "connmark")) {
			if (!parse_num(v, 0xffffffffu, &x))
				return fail(err, errlen, eo, el, v, "bad mark (a 32-bit number)%s", "");
			if (tok_is(k, "mark"))
				p->mark = (uint32_t)x;
			else
				p->ctmark = (uint32_t)x;
		} else if (tok_is(k, "type")) {
			if (p->proto != 1 && p->proto != 58)
				return fail(err, errlen, eo, el, k, "'type' is for icmp and icmpv6%s", "");
			char tn[40];
			if (v->len >= sizeof(tn))
				return fail(err, errlen, eo, el, v, "unknown icmp type%s", "");
			memcpy(tn, v->s, v->len);
			tn[v->len] = '\0';
			int ty = icmp_type_by_name(fs, tn);
			if (ty < 0 && parse_num(v, 255, &x))
				ty = (int)x;
			if (ty < 0)
				return fail(err, errlen, eo, el, v, "unknown icmp type '%s'", tn);
			p->icmp_type = ty;
		} else if (tok_is(k, "code")) {
			if (p->proto != 1 && p->proto != 58)
				return fail(err, errlen, eo, el, k, "'code' is for icmp and icmpv6%s", "");
			if (!parse_num(v, 255, &x))
				return fail(err, errlen, eo, el, v, "bad icmp code (0-255)%s", "");
			p->icmp_code = (int)x;
		} else if (tok_is(k, "flags")) {
			if (p->proto != 6)
				return fail(err, errlen, eo, el, k, "'flags' is for tcp%s", "");
			p->tcpflags = 0;
			flags_given = true;
			if (tok_is(v, "none"))
				continue;
			const char *s = v->s, *e = v->s + v->len;
			while (s < e) {
				const char *c = memchr(s, ',', (size_t)(e - s));
				if (!c)
					c = e;
				bool ok = false;
				if (c == s || (c < e && c + 1 == e)) {
					/* ",," or a trailing ",": point at the gap */
					const char *at = c == s ? s : c;
					struct ptok ft = { at, 1, v->off + (size_t)(at - v->s) };
					return fail(err, errlen, eo, el, &ft, "empty tcp flag in the list%s", "");
				}
				for (uint32_t b = 1; b < 256; b <<= 1)
					if ((size_t)(c - s) == strlen(tcp_flag_name(b)) &&
					    !strncmp(s, tcp_flag_name(b), (size_t)(c - s))) {
						p->tcpflags |= b;
						ok = true;
					}
				if (!ok) {
					struct ptok ft = { s, (size_t)(c - s), v->off + (size_t)(s - v->s) };
					return fail(err, errlen, eo, el, &ft,
						    "unknown tcp flag (fin, syn, rst, psh, ack, urg, ece, cwr)%s", "");
				}
				s = c + 1;
			}
			flags_given = true;
		} else if (tok_is(k, "uid")) {
			if (!parse_num(v, 0xffffffffu, &x))
				return fail(err, errlen, eo, el, v, "bad uid (a number)%s", "");
			p->uid = (long)x;
		} else {
			return fail(err, errlen, eo, el, k,
				    "unknown word (in, out, state, mark, connmark, type, code, flags, uid, fragment)%s", "");
		}
	}
	if (!p->iif[0] && !p->oif[0])
		return fail(err, errlen, eo, el, &t[n - 1],
			    "say where the packet is: 'in IF' (to this host), 'out IF' (from it), or both (forwarded)%s", "");
	if (p->proto == 6 && !flags_given)
		p->tcpflags = p->state == CT_NEW ? TCPF_SYN : TCPF_ACK;
	if ((p->proto == 1 || p->proto == 58) && p->icmp_type < 0)
		p->icmp_type = p->family == 4 ? 8 : 128;   /* echo-request */
	/* conntrack does not track neighbour discovery and MLD: unless the
	 * user said otherwise, such a packet is untracked, as in the kernel */
	if (p->proto == 58 && !state_given &&
	    ((p->icmp_type >= 130 && p->icmp_type <= 137) || p->icmp_type == 143))
		p->state = CT_UNTRACKED;
	if (p->uid >= 0 && p->iif[0]) {
		const struct ptok *u = &t[0];
		for (size_t i = 4; i < n; i++)
			if (tok_is(&t[i], "uid"))
				u = &t[i];
		return fail(err, errlen, eo, el, u, "'uid' is for packets this host sends (no 'in')%s", "");
	}
	return 0;
}

void packet_format(char *buf, size_t n, const struct packet *p)
{
	char a[64], b[64];
	FILE *f = fmemopen(buf, n, "w");
	if (!f) {
		snprintf(buf, n, "?");
		return;
	}
	addr_format(a, sizeof(a), p->family, p->saddr);
	addr_format(b, sizeof(b), p->family, p->daddr);
	const char *pn = proto_name(p->proto);
	if (pn)
		fputs(pn, f);
	else
		fprintf(f, "%d", p->proto);
	if (p->sport >= 0)
		fprintf(f, p->family == 6 ? " [%s]:%d" : " %s:%d", a, p->sport);
	else
		fprintf(f, " %s", a);
	if (p->dport >= 0)
		fprintf(f, p->family == 6 ? " -> [%s]:%d" : " -> %s:%d", b, p->dport);
	else
		fprintf(f, " -> %s", b);
	if (p->iif[0])
		fprintf(f, " in %s", p->iif);
	if (p->oif[0])
		fprintf(f, " out %s", p->oif);
	fprintf(f, " state %s", ct_state_name(p->state));
	if (p->mark)
		fprintf(f, " mark 0x%x", p->mark);
	if (p->ctmark)
		fprintf(f, " connmark 0x%x", p->ctmark);
	if (p->icmp_type >= 0) {
		const char *tn = icmp_type_name(p->family, p->icmp_type);
		if (tn)
			fprintf(f, " type %s", tn);
		else
			fprintf(f, " type %d", p->icmp_type);
	}
	if (p->icmp_code >= 0)
		fprintf(f, " code %d", p->icmp_code);
	if (p->proto == 6) {
		fputs(" flags ", f);
		bool first = true;
		for (uint32_t bit = 1; bit < 256; bit <<= 1)
			if (p->tcpflags & bit) {
				fprintf(f, "%s%s", first ? "" : ",", tcp_flag_name(bit));
				first = false;
			}
		if (first)
			fputs("none", f);
	}
	if (p->uid >= 0)
		fprintf(f, " uid %ld", p->uid);
	if (p->fragment)
		fputs(" fragment", f);
	fclose(f);
}

int packet_file_read(const char *path, struct packet **out, size_t *n, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 0, lcap = 0;
	unsigned long lineno = 0;
	char *line = NULL;
	ssize_t len;
	int rc = 0;
	*out = NULL;
	*n = 0;
	while ((len = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		struct packet p;
		char e[160];
		size_t eo, el;
		if (packet_parse(line, &p, e, sizeof(e), &eo, &el) < 0) {
			snprintf(err, errlen, "%s:%lu: %s", path, lineno, e);
			rc = -1;
			break;
		}
		VEC_PUSH(*out, *n, cap);
		(*out)[(*n)++] = p;
	}
	free(line);
	fclose(f);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}
