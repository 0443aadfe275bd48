/*
 * graph.h: fwc graph: chain graphs and zone matrices, with graphviz.
 */
#ifndef FWC_GRAPH_H
#define FWC_GRAPH_H

#include <stddef.h>

#include "ir.h"

struct lint_result;

enum graph_kind { GRAPH_CHAINS, GRAPH_ZONES };
enum graph_format { GRAPH_SVG, GRAPH_DOT, GRAPH_PNG };
/* zones: a graph (nodes and edges) or one table; auto: the table when
 * there are more than 8 nodes */
enum graph_layout { GRAPH_LAYOUT_AUTO, GRAPH_LAYOUT_GRAPH, GRAPH_LAYOUT_MATRIX };

struct graph_opts {
	enum graph_kind kind;
	enum graph_format format;
	int table;                  /* enum fwc_table, or -1: every table */
	const char *chain;          /* NULL, or draw from this chain on */
	int depth;                  /* with chain: jumps followed */
	const char *services_file;  /* port names (default /etc/services) */
	enum graph_layout layout;   /* zones */
	int svc_proto;              /* zones of a dump: the address classes */
	unsigned svc_port;          /* for this service (default tcp/22) */
};

/* The graph in *out (malloc'ed, *outlen bytes; NUL-terminated). res: the
 * lint findings to count on their chains (chains kind; may be NULL).
 * Returns 0, or -1 with a diagnostic queued (nothing in *out). */
int graph_write(char **out, size_t *outlen, const struct ir *ir,
		const struct lint_result *res, const struct graph_opts *o);

#endif
