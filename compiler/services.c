/*
 * services.c: services(5) table and firewalld service XML.
 *
 * svcdb_load() reads the whole file once (read_file) and cuts it into
 * NUL-terminated tokens in place; every name and alias becomes one entry
 * (name -> proto, port) pointing into that buffer. The entries are sorted
 * by (name, proto, port) and exact duplicates dropped, so a lookup is a
 * binary search for the first entry of a name followed by a copy of the
 * run, which is then already ordered by proto and port.
 *
 * services(5) lines are "name port/proto [alias...]", '#' starts a comment
 * anywhere. Malformed lines are errors ("path:line: ..."). A protocol must
 * be one that has ports (tcp, udp, sctp, dccp, udplite, by name or number);
 * the one exception is "ddp" (AppleTalk Datagram Delivery Protocol, in
 * Debian's /etc/services): it is not an IP protocol and its "ports" are
 * AppleTalk sockets, so its lines are checked for a valid port and then
 * skipped. Any other protocol is an error rather than a silent skip, so a
 * typo cannot make a service lose a port.
 *
 * firewalld_lookup() reads <dir>/<name>.xml from the first directory that
 * has it, with libxml2 (no network, no error printing: libxml2's last
 * error goes into err). <include service=> is followed through all the
 * directories again, as firewalld does, with the chain of names being
 * loaded kept as a stack for cycle detection. What one lookup appends is
 * sorted and deduplicated (includes often repeat ports), and on error
 * nothing is left appended.
 */
#include "services.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- protocols ---- */

static const struct {
	const char *name;
	int proto;
} protos[] = {
	/* The first name of a number is the one proto_name() gives. */
	{ "icmp", 1 },
	{ "igmp", 2 },
	{ "tcp", 6 },
	{ "udp", 17 },
	{ "dccp", 33 },
	{ "gre", 47 },
	{ "esp", 50 },
	{ "ah", 51 },
	{ "icmpv6", 58 },
	{ "ipv6-icmp", 58 },
	{ "sctp", 132 },
	{ "udplite", 136 },
};

int proto_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(name, protos[i].name))
			return protos[i].proto;
	/* A decimal number 0-255, at most three digits. */
	size_t len = strlen(name);
	if (len == 0 || len > 3)
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v <= 255 ? v : -1;
}

const char *proto_name(int proto)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return NULL;
}

bool proto_has_ports(int proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 ||
		proto == 136;
}

/* Parse a decimal port from [s, end): 0 ok, -1 not a number, -2 > 65535. */
static int parse_port(const char *s, const char *end, uint16_t *out)
{
	if (s == end)
		return -1;
	unsigned long v = 0;
	bool big = false;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (!big) {
			v = v * 10 + (unsigned long)(*p - '0');
			if (v > 65535)
				big = true;
		}
	}
	if (big)
		return -2;
	*out = (uint16_t)v;
	return 0;
}

static int svc_port_cmp(const void *a, const void *b)
{
	const struct svc_port *x = a, *y = b;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return (int)x->any_port - (int)y->any_port;
}

static void svc_append(struct svc_list *l, struct svc_port p)
{
	VEC_PUSH(l->v, l->n, l->cap);
	l->v[l->n++] = p;
}

/* Sort l->v[start..] and drop duplicates there. */
static void svc_sort_tail(struct svc_list *l, size_t start)
{
	size_t n = l->n - start;
	if (n < 2)
		return;
	struct svc_port *v = l->v + start;
	qsort(v, n, sizeof(*v), svc_port_cmp);
	size_t w = 1;
	for (size_t i = 1; i < n; i++)
		if (svc_port_cmp(&v[i], &v[w - 1]))
			v[w++] = v[i];
	l->n = start + w;
}

void svc_list_release(struct svc_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- services(5) ---- */

struct svc_ent {
	const char *name;       /* points into svcdb.buf */
	int proto;
	uint16_t port;
	bool primary;           /* the line's name, not an alias */
};

struct svcdb {
	char *buf;
	struct svc_ent *v;
	size_t n, cap;
};

static int svc_ent_cmp(const void *a, const void *b)
{
	const struct svc_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (int)x->port - (int)y->port;
}

static const char ws[] = " \t\r\v\f";

/* One line, already cut at '#' and NUL-terminated. 0 ok, -1 error. */
static int svcdb_line(struct svcdb *db, char *line, const char *path,
		      unsigned long lineno, char *err, size_t errlen)
{
	char *save;
	char *name = strtok_r(line, ws, &save);
	if (!name)
		return 0;
	char *pp = strtok_r(NULL, ws, &save);
	if (!pp) {
		seterr(err, errlen, "%s:%lu: missing port for '%s'", path,
		       lineno, name);
		return -1;
	}
	char *slash = strchr(pp, '/');
	if (!slash || !slash[1]) {
		seterr(err, errlen, "%s:%lu: missing protocol in '%s'", path,
		       lineno, pp);
		return -1;
	}
	uint16_t port;
	int r = parse_port(pp, slash, &port);
	if (r) {
		seterr(err, errlen, r == -2 ? "%s:%lu: port '%.*s' out of range"
		       : "%s:%lu: bad port '%.*s'", path, lineno,
		       (int)(slash - pp), pp);
		return -1;
	}
	const char *pname = slash + 1;
	if (!strcmp(pname, "ddp"))
		return 0;       /* AppleTalk, not IP: see the top comment */
	int proto = proto_by_name(pname);
	if (proto < 0) {
		seterr(err, errlen, "%s:%lu: unknown protocol '%s'", path,
		       lineno, pname);
		return -1;
	}
	if (!proto_has_ports(proto)) {
		seterr(err, errlen, "%s:%lu: protocol '%s' has no ports", path,
		       lineno, pname);
		return -1;
	}
	for (char *n = name; n; n = strtok_r(NULL, ws, &save)) {
		VEC_PUSH(db->v, db->n, db->cap);
		db->v[db->n++] = (struct svc_ent){ n, proto, port, n == name };
	}
	return 0;
}

struct svcdb *svcdb_load(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (!buf) {
		seterr(err, errlen, "cannot open %s: %s", path,
		       strerror(errno));
		return NULL;
	}
	struct svcdb *db = xcalloc(1, sizeof(*db));
	db->buf = buf;
	char *p = buf, *end = buf + len;
	for (unsigned long lineno = 1; p < end; lineno++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		if (memchr(p, '\0', (size_t)(eol - p))) {
			seterr(err, errlen, "%s:%lu: NUL byte in line", path,
			       lineno);
			svcdb_free(db);
			return NULL;
		}
		*eol = '\0';
		char *hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		if (svcdb_line(db, p, path, lineno, err, errlen)) {
			svcdb_free(db);
			return NULL;
		}
		p = eol + 1;
	}
	if (db->n > 1) {
		qsort(db->v, db->n, sizeof(*db->v), svc_ent_cmp);
		size_t w = 1;
		for (size_t i = 1; i < db->n; i++) {
			if (svc_ent_cmp(&db->v[i], &db->v[w - 1]))
				db->v[w++] = db->v[i];
			else
				/* a line's name and another's alias: a name */
				db->v[w - 1].primary |= db->v[i].primary;
		}
		db->n = w;
	}
	return db;
}

void svcdb_free(struct svcdb *db)
{
	if (!db)
		return;
	free(db->v);
	free(db->buf);
	free(db);
}

size_t svcdb_lookup(const struct svcdb *db, const char *name,
		    struct svc_list *out)
{
	/* Lower bound: the first entry whose name is >= name. */
	size_t lo = 0, hi = db->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(db->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t k = 0;
	for (size_t i = lo; i < db->n && !strcmp(db->v[i].name, name); i++) {
		/* Sorted and unique by (name, proto, port) since the load. */
		svc_append(out, (struct svc_port){
			.proto = db->v[i].proto,
			.lo = db->v[i].port,
			.hi = db->v[i].port,
			.any_port = false,
		});
		k++;
	}
	return k;
}

const char *svcdb_name_of(const struct svcdb *db, int proto, unsigned port)
{
	const char *best = NULL;
	for (size_t i = 0; i < db->n; i++) {
		const struct svc_ent *e = &db->v[i];
		if (e->proto != proto || e->port != port || !e->primary)
			continue;
		if (!best || strcmp(e->name, best) < 0)
			best = e->name;
	}
	return best;
}

void svcdb_foreach_name(const struct svcdb *db,
			void (*cb)(const char *name, void *ctx), void *ctx)
{
	for (size_t i = 0; i < db->n; i++)
		if (i == 0 || strcmp(db->v[i].name, db->v[i - 1].name))
			cb(db->v[i].name, ctx);
}

/* ---- firewalld ---- */

struct fw_ctx {
	const char *const *dirs;
	struct svc_list *out;
	char *err;
	size_t errlen;
	const char **stack;     /* names being loaded, outermost first */
	size_t depth, cap;
};

/* A plain file name: not empty, no '/', no leading '.'. */
static bool fw_name_ok(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/');
}

/* Find <dir>/<name>.xml: 1 found (*pathp set, caller frees), 0 not found,
 * -1 error. */
static int fw_find(struct fw_ctx *c, const char *name, char **pathp)
{
	for (const char *const *d = c->dirs; *d; d++) {
		char *path = xasprintf("%s/%s.xml", *d, name);
		struct stat st;
		if (!stat(path, &st)) {
			*pathp = path;
			return 1;
		}
		int e = errno;
		if (e != ENOENT && e != ENOTDIR) {
			seterr(c->err, c->errlen, "cannot open %s: %s", path,
			       strerror(e));
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

static void fw_xml_error(struct fw_ctx *c, const char *path)
{
	const xmlError *e = xmlGetLastError();
	const char *msg = e && e->message ? e->message : "cannot parse";
	size_t len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	if (e && e->line > 0)
		seterr(c->err, c->errlen, "%s:%d: %.*s", path, e->line,
		       (int)len, msg);
	else
		seterr(c->err, c->errlen, "%s: %.*s", path, (int)len, msg);
}

/* A required attribute; NULL (and err set) if missing. Caller xmlFree()s. */
static char *fw_attr(struct fw_ctx *c, const char *path, xmlNode *n,
		     const char *attr)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST attr);
	if (!v)
		seterr(c->err, c->errlen, "%s:%ld: <%s> without %s attribute",
		       path, xmlGetLineNo(n), (const char *)n->name, attr);
	return (char *)v;
}

static int fw_port(struct fw_ctx *c, const char *path, xmlNode *n)
{
	long line = xmlGetLineNo(n);
	int ret = -1;
	char *proto = NULL, *port = fw_attr(c, path, n, "port");
	if (!port)
		goto out;
	proto = fw_attr(c, path, n, "protocol");
	if (!proto)
		goto out;
	int pr = proto_by_name(proto);
	if (pr < 0) {
		seterr(c->err, c->errlen, "%s:%ld: unknown protocol '%s'",
		       path, line, proto);
		goto out;
	}
	if (!proto_has_ports(pr)) {
		seterr(c->err, c->errlen, "%s:%ld: protocol '%s' has no ports",
		       path, line, proto);
		goto out;
	}
	const char *end = port + strlen(port);
	const char *dash = strchr(port, '-');
	uint16_t lo = 0, hi = 0;
	int r = parse_port(port, dash ? dash : end, &lo);
	if (!r && dash)
		r = parse_port(dash + 1, end, &hi);
	else if (!r)
		hi = lo;
	if (r) {
		seterr(c->err, c->errlen, r == -2 ?
		       "%s:%ld: port '%s' out of range" :
		       "%s:%ld: bad port '%s'", path, line, port);
		goto out;
	}
	if (lo > hi) {
		seterr(c->err, c->errlen, "%s:%ld: bad port range '%s'", path,
		       line, port);
		goto out;
	}
	svc_append(c->out, (struct svc_port){ pr, lo, hi, false });
	ret = 0;
out:
	xmlFree(proto);
	xmlFree(port);
	return ret;
}

static int fw_protocol(struct fw_ctx *c, const char *path, xmlNode *n)
{
	char *v = fw_attr(c, path, n, "value");
	if (!v)
		return -1;
	int pr = proto_by_name(v);
	if (pr < 0) {
		seterr(c->err, c->errlen, "%s:%ld: unknown protocol '%s'",
		       path, xmlGetLineNo(n), v);
		xmlFree(v);
		return -1;
	}
	xmlFree(v);
	svc_append(c->out, (struct svc_port){ pr, 0, 65535, true });
	return 0;
}

static int fw_load(struct fw_ctx *c, const char *name, const char *path);

static int fw_include(struct fw_ctx *c, const char *path, xmlNode *n)
{
	long line = xmlGetLineNo(n);
	char *name = fw_attr(c, path, n, "service");
	if (!name)
		return -1;
	int ret = -1;
	char *ipath = NULL;
	if (!fw_name_ok(name)) {
		seterr(c->err, c->errlen, "%s:%ld: bad service name '%s'",
		       path, line, name);
		goto out;
	}
	for (size_t i = 0; i < c->depth; i++) {
		if (strcmp(c->stack[i], name))
			continue;
		size_t len = 0;
		for (size_t j = i; j < c->depth; j++)
			len += strlen(c->stack[j]) + 4;
		char *chain = xmalloc(len + strlen(name) + 1), *p = chain;
		for (size_t j = i; j < c->depth; j++)
			p += sprintf(p, "%s -> ", c->stack[j]);
		strcpy(p, name);
		seterr(c->err, c->errlen, "%s:%ld: include cycle: %s", path,
		       line, chain);
		free(chain);
		goto out;
	}
	int r = fw_find(c, name, &ipath);
	if (r < 0)
		goto out;
	if (r == 0) {
		seterr(c->err, c->errlen,
		       "%s:%ld: included service '%s' not found", path, line,
		       name);
		goto out;
	}
	ret = fw_load(c, name, ipath);
out:
	free(ipath);
	xmlFree(name);
	return ret;
}

/* Load the service `name` from `path`. 0 ok, -1 error. */
static int fw_load(struct fw_ctx *c, const char *name, const char *path)
{
	xmlResetLastError();
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET |
				  XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		fw_xml_error(c, path);
		return -1;
	}
	int ret = -1;
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root) {
		seterr(c->err, c->errlen, "%s: no root element", path);
		goto out;
	}
	if (xmlStrcmp(root->name, BAD_CAST "service")) {
		seterr(c->err, c->errlen,
		       "%s:%ld: root element is <%s>, expected <service>",
		       path, xmlGetLineNo(root), (const char *)root->name);
		goto out;
	}
	VEC_PUSH(c->stack, c->depth, c->cap);
	c->stack[c->depth++] = name;
	for (xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		int r = 0;
		if (!xmlStrcmp(n->name, BAD_CAST "port"))
			r = fw_port(c, path, n);
		else if (!xmlStrcmp(n->name, BAD_CAST "protocol"))
			r = fw_protocol(c, path, n);
		else if (!xmlStrcmp(n->name, BAD_CAST "include"))
			r = fw_include(c, path, n);
		if (r) {
			c->depth--;
			goto out;
		}
	}
	c->depth--;
	ret = 0;
out:
	xmlFreeDoc(doc);
	return ret;
}

int firewalld_lookup(const char *const *dirs, const char *name,
		     struct svc_list *out, char *err, size_t errlen)
{
	if (!fw_name_ok(name)) {
		seterr(err, errlen, "bad service name '%s'", name);
		return -1;
	}
	struct fw_ctx c = {
		.dirs = dirs, .out = out, .err = err, .errlen = errlen,
	};
	size_t start = out->n;
	char *path = NULL;
	int r = fw_find(&c, name, &path);
	if (r > 0) {
		if (fw_load(&c, name, path)) {
			out->n = start;
			r = -1;
		} else {
			svc_sort_tail(out, start);
		}
	}
	free(path);
	free(c.stack);
	return r;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void firewalld_foreach_name(const char *const *dirs,
			    void (*cb)(const char *name, void *ctx), void *ctx)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	for (const char *const *d = dirs; *d; d++) {
		DIR *dir = opendir(*d);
		if (!dir)
			continue;
		struct dirent *de;
		while ((de = readdir(dir))) {
			size_t len = strlen(de->d_name);
			if (de->d_type == DT_DIR || len <= 4 ||
			    strcmp(de->d_name + len - 4, ".xml") ||
			    !fw_name_ok(de->d_name))
				continue;
			VEC_PUSH(v, n, cap);
			v[n++] = xstrndup(de->d_name, len - 4);
		}
		closedir(dir);
	}
	/* Sorted, and a name in several directories given once. */
	if (n)
		qsort(v, n, sizeof(*v), strp_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]))
			cb(v[i], ctx);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
