/*
 * services.h: service definitions from /etc/services and firewalld XML.
 *
 * svcdb_load() reads a services(5) file once into a table (name and
 * aliases -> port/proto entries); svcdb_lookup() then answers in O(log n).
 * firewalld_lookup() reads <name>.xml from the given directories, earlier
 * directories overriding later ones (as firewalld does: /etc before /usr/lib),
 * with libxml2.
 */
#ifndef FWC_SERVICES_H
#define FWC_SERVICES_H

#include "util.h"

/* One protocol and port interval. proto is an IP protocol number
 * (6 tcp, 17 udp, 132 sctp, 33 dccp, 136 udplite); for a firewalld
 * <protocol value="..."/> entry (no ports) lo = 0, hi = 65535 and
 * any_port = true. */
struct svc_port {
	int proto;
	uint16_t lo, hi;
	bool any_port;
};

struct svc_list {
	struct svc_port *v;
	size_t n, cap;
};

void svc_list_release(struct svc_list *l);

struct svcdb;

/* Returns NULL on failure with a lowercase message in err
 * ("cannot open /x: No such file or directory", or "/x:12: bad port 'abc'"
 * for a malformed line: malformed lines are reported, not skipped silently;
 * comments and blank lines are fine). */
struct svcdb *svcdb_load(const char *path, char *err, size_t errlen);
void svcdb_free(struct svcdb *db);
/* Appends every entry whose name or alias is `name` (several protocols:
 * "domain" gives 53/tcp and 53/udp), ordered by proto then port, duplicates
 * removed. Returns the number appended (0: unknown name). */
size_t svcdb_lookup(const struct svcdb *db, const char *name, struct svc_list *out);
/* The name services(5) gives proto/port (not an alias; the first in
 * alphabetical order when several lines give it), or NULL. */
const char *svcdb_name_of(const struct svcdb *db, int proto, unsigned port);
/* Iterate over every known name and alias (for "did you mean"). */
void svcdb_foreach_name(const struct svcdb *db,
			void (*cb)(const char *name, void *ctx), void *ctx);

/* firewalld service XML. dirs is a NULL-terminated list, searched in order;
 * the first <dir>/<name>.xml found wins. Supported elements: <port
 * protocol= port=> (single or "lo-hi"), <protocol value=>, <include
 * service=> (followed recursively, cycles are an error), others (short,
 * description, source-port, module, destination, helper) ignored.
 * Returns 1 found (entries appended), 0 not found in any directory, -1 on
 * a malformed file (message in err, with the file path). */
int firewalld_lookup(const char *const *dirs, const char *name,
		     struct svc_list *out, char *err, size_t errlen);
/* Names of every service file in dirs (for "did you mean"). */
void firewalld_foreach_name(const char *const *dirs,
			    void (*cb)(const char *name, void *ctx), void *ctx);

/* "tcp" -> 6 etc. (from a fixed table, not /etc/protocols, so output is
 * the same everywhere); -1 if unknown. And back: NULL if unknown. */
int proto_by_name(const char *name);
/* Protocols whose packets carry port numbers (tcp udp dccp sctp udplite). */
bool proto_has_ports(int proto);
const char *proto_name(int proto);

#endif
