/*
 * main.c: the fwc command line.
 *
 *   fwc compile [-t nft|iptables|ip6tables|ipset] [-o FILE] [options] POLICY
 *
 * Output goes to a temporary file next to FILE and is renamed into place
 * only when everything succeeded: a failed run never leaves a half-written
 * or stale-looking output.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "bpfload.h"
#include "backend.h"
#include "diag.h"
#include "frontend.h"
#include "graph.h"
#include "import.h"
#include "lint.h"
#include "services.h"
#include "trace.h"

#ifndef FWC_VERSION
#define FWC_VERSION "0.1.0"
#endif
#ifndef FWC_DATADIR
#define FWC_DATADIR "/usr/local/share/fwc"
#endif

static void usage(FILE *out)
{
	fputs("usage: fwc compile [-t nft|iptables|ip6tables|ipset] [-o FILE] [options] POLICY\n"
	      "       fwc compile -t bpf -o DIR [--xdp-conntrack policy|any] [options] POLICY\n"
	      "       fwc trace [options] POLICY PACKET...\n"
	      "       fwc lint [options] POLICY\n"
	      "       fwc graph [options] POLICY\n"
	      "       fwc apply [-t nft|iptables] [--timeout S] [--detach] [options] POLICY\n"
	      "       fwc apply -t bpf --dev IFACE [--xdp-conntrack M] [--skb] [options] POLICY\n"
	      "       fwc confirm | rollback | status [--state-dir DIR]\n"
	      "       fwc bpf load|unload|status --dev IFACE [options] [DIR]\n"
	      "       fwc --version | --help\n"
	      "\n"
	      "compile options:\n"
	      "  -t, --target T        nft (default), iptables, ip6tables, ipset, bpf (a\n"
	      "                        directory: the XDP map image, nft.fw, placement.txt)\n"
	      "      --xdp-conntrack M with -t bpf: policy (default: a packet can be\n"
	      "                        established or related only as this policy's accepted\n"
	      "                        connections make it) or any (any packet can be)\n"
	      "  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
	      "      --dump=WHAT       print tokens, ast, ir or ir-semantic (the IR without\n"
	      "                        locations) instead of compiling\n"
	      "      --from FORMAT     the input: policy (default), iptables-save or\n"
	      "                        ip6tables-save (FILE or '-'; also for trace, lint)\n"
	      "      --services FILE   services database (default /etc/services)\n"
	      "      --firewalld-dir D firewalld service XML directory (repeatable;\n"
	      "                        default /etc/firewalld/services then\n"
	      "                        /usr/lib/firewalld/services)\n"
	      "      --datadir DIR     where the IANA registries are\n"
	      "      --color=WHEN      auto (default), always, never\n"
	      "      --rule-ids        end each rule's comment with #ID (its IR rule)\n"
	      "                        and count hits in nft (for the kernel referee)\n"
	      "      --force           emit even when a lint check reports an error\n"
	      "                        (lockout)\n"
	      "\n"
	      "trace options (fwc trace [options] POLICY PACKET...):\n"
	      "  PACKET                e.g. 'tcp 198.51.100.7:40000 -> 192.0.2.1:22 in eth0'\n"
	      "      --packets FILE    read packets from FILE, one a line ('-': stdin)\n"
	      "      --format F        text (default) or json (one object a line)\n"
	      "      --assume K=V      rate=under|over, recent=hit|miss, nth=hit|miss,\n"
	      "                        unknown=match|nomatch (defaults: under, miss,\n"
	      "                        miss, match)\n"
	      "      --ifaddr IF=ADDR  this host's address on IF (where a redirect\n"
	      "                        sends packets); repeatable, v4 and v6\n"
	      "      --services, --firewalld-dir, --datadir as for compile\n"
	      "\n"
	      "lint options (fwc lint [options] POLICY):\n"
	      "      --format F        text (default), json, junit, sarif\n"
	      "  -o, --output FILE     write the report to FILE (atomically)\n"
	      "  -W CHECK, -Wno-CHECK  enable / disable one check (-Wall: every one)\n"
	      "      --werror          warnings also make the exit status 1\n"
	      "      --witness         a packet for every reachable rule and finding\n"
	      "      --ssh-client A[:P] check that the SSH session from A (port P)\n"
	      "                        survives the policy\n"
	      "      --color, --services, --firewalld-dir, --datadir as for compile\n"
	      "  checks: shadowed redundant empty-match mark-order mark-overwritten\n"
	      "          nat-bypass lockout unused unreachable-chain unknown-match\n"
	      "\n"
	      "graph options (fwc graph [options] POLICY):\n"
	      "      --kind K          chains (default): tables, hooks, chains, jumps;\n"
	      "                        zones: which services new connections may use\n"
	      "                        between zones (a dump: interfaces) and self\n"
	      "      --format F        svg (default), dot, png\n"
	      "  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
	      "      --table T         chains: only table T (filter, nat, mangle, raw,\n"
	      "                        security)\n"
	      "      --chain NAME      chains: NAME and the chains it jumps to\n"
	      "      --depth N         with --chain: follow N levels of jumps (default 2)\n"
	      "      --layout L        zones: graph, matrix (one table), or auto (default:\n"
	      "                        the table for more than 8 zones or interfaces)\n"
	      "      --service P/N     zones of a dump (or a policy without zones): also\n"
	      "                        the address classes for this service (default\n"
	      "                        tcp/22), like fffuu's service matrix\n"
	      "      --from, --services, --firewalld-dir, --datadir as for compile\n"
	      "\n"
	      "apply options (fwc apply [options] POLICY; docs/apply.md):\n"
	      "  -t, --target T        nft (default: replaces table inet fwc only),\n"
	      "                        iptables (the tables the policy writes, both\n"
	      "                        families, and fwc's ipsets), or bpf (nft, then\n"
	      "                        fwc's XDP program on --dev; rolled back together)\n"
	      "      --dev IFACE       -t bpf: the device for XDP (also --skb, --pin-root DIR,\n"
	      "                        --xdp-conntrack policy|any, as for fwc bpf / compile)\n"
	      "      --timeout S       roll back after S seconds unless confirmed\n"
	      "                        (default 30)\n"
	      "      --detach          return at once; `fwc confirm` keeps the rules\n"
	      "      --force           apply despite error-level lint findings (a lockout,\n"
	      "                        the SSH session cut)\n"
	      "      --ssh-client A[:P] the session to keep (default: $SSH_CONNECTION)\n"
	      "      --no-rollback     load and record, no snapshot, no rollback (boot)\n"
	      "      --state-dir DIR   default /var/lib/fwc (also for confirm, rollback,\n"
	      "                        status)\n"
	      "\n"
	      "bpf options (fwc bpf load|unload|status --dev IFACE [DIR]; docs/bpf.md):\n"
	      "      --dev IFACE       the device\n"
	      "      --skb             generic XDP (devices without native XDP)\n"
	      "      --pin-root DIR    bpffs for the link and counters (default /sys/fs/bpf)\n"
	      "      --state-dir DIR   where the loaded image is kept (default /var/lib/fwc)\n"
	      "\n"
	      "exit status: 0 ok, 1 errors in the policy, 2 usage or I/O error,\n"
	      "             3 out of memory, 4 internal error\n", out);
}

/* --datadir, $FWC_DATADIR, next to the binary (the build tree's data/, or
 * an installed tree's share/fwc/ wherever it was copied), the configured
 * install path. */
static const char *find_datadir(const char *opt)
{
	static char buf[PATH_MAX];
	if (opt)
		return opt;
	const char *env = getenv("FWC_DATADIR");
	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 32);
	if (n > 0) {
		buf[n] = '\0';
		char *slash = strrchr(buf, '/');
		static const char *const rel[] = { "/../data", "/../share/fwc" };
		for (size_t i = 0; slash && i < 2; i++) {
			strcpy(slash, rel[i]);
			char probe[PATH_MAX + 40];
			snprintf(probe, sizeof(probe), "%s/iana-registry-dates", buf);
			if (access(probe, R_OK) == 0)
				return buf;
		}
	}
	return FWC_DATADIR;
}

/* The options every command that reads a policy takes. */
#define POLICY_LONGOPTS                                                   \
	{ "from", required_argument, NULL, 'X' },                         \
	{ "services", required_argument, NULL, 'S' },                     \
	{ "firewalld-dir", required_argument, NULL, 'F' },                \
	{ "datadir", required_argument, NULL, 'd' }

struct policy_opts {
	struct fwc_opts o;
	int from;                       /* 0 policy, -1 iptables-save (family
					   from the dump), 6 ip6tables-save */
	const char *fwdirs[17];
	size_t nfw;
	const char *datadir;
};

static int policy_opt(struct policy_opts *po, int c, const char *arg)
{
	switch (c) {
	case 'S':
		po->o.services_file = arg;
		return 0;
	case 'F':
		if (po->nfw >= 16) {
			fputs("fwc: too many --firewalld-dir\n", stderr);
			return -1;
		}
		po->fwdirs[po->nfw++] = arg;
		return 0;
	case 'd':
		po->datadir = arg;
		return 0;
	case 'X':
		if (!strcmp(arg, "policy") || !strcmp(arg, "fwc"))
			po->from = 0;
		else if (!strcmp(arg, "iptables-save"))
			po->from = -1;
		else if (!strcmp(arg, "ip6tables-save"))
			po->from = 6;
		else {
			fprintf(stderr, "fwc: unknown input format '%s' (policy, iptables-save, "
				"ip6tables-save)\n", arg);
			return -1;
		}
		return 0;
	}
	BUG("policy option %c", c);
}

/* The IR from a policy file or, with --from, a dump ("-": stdin). */
static struct ir *load_ir(const struct policy_opts *po, const char *path,
			  enum fwc_dump dump, FILE *out)
{
	if (!po->from)
		return frontend_compile(path, &po->o, dump, out);
	if (dump == DUMP_TOKENS || dump == DUMP_AST) {
		fputs("fwc: --dump=tokens and --dump=ast are for policy files; a dump "
		      "has --dump=ir\n", stderr);
		return NULL;
	}
	return import_dump(path, po->from < 0 ? 0 : po->from, dump, out);
}

/* Readable input: a file, or "-" for a dump on stdin. */
static bool input_ok(const struct policy_opts *po, const char *path)
{
	if (!strcmp(path, "-")) {
		if (po->from)
			return true;
		fputs("fwc: a policy is read from a file; standard input ('-') is for "
		      "--from iptables-save\n", stderr);
		return false;
	}
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "fwc: cannot read '%s': %s\n", path, strerror(errno));
		return false;
	}
	return true;
}

/* Finish the options once parsed: firewalld directories, data directory. */
static const struct fwc_opts *policy_opts_done(struct policy_opts *po)
{
	po->fwdirs[po->nfw] = NULL;
	if (po->nfw)
		po->o.firewalld_dirs = po->fwdirs;
	po->o.datadir = find_datadir(po->datadir);
	return &po->o;
}

enum target { T_NFT, T_IPT4, T_IPT6, T_IPSET, T_BPF };

/* --xdp-conntrack policy|any (compile -t bpf, apply -t bpf) */
static int parse_xdp_conntrack(const char *arg, bool *ct_any)
{
	if (strcmp(arg, "policy") && strcmp(arg, "any")) {
		fprintf(stderr, "fwc: --xdp-conntrack is policy or any, not '%s'\n", arg);
		return -1;
	}
	*ct_any = !strcmp(arg, "any");
	return 0;
}

/* True when -o names a regular file or nothing yet. */
static bool is_regular_target(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return true;
	return S_ISREG(st.st_mode);
}

/* Write the compiled text: to stdout; to a device or pipe directly (a
 * rename would replace /dev/null); to a regular file through a temporary
 * file next to it, renamed into place, so FILE is never half-written.
 * -1 (message printed) on an I/O error. */
static int put_output(const char *path, const char *buf, size_t len)
{
	if (!path) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
			die("write error on standard output: %s", strerror(errno));
		return 0;
	}
	if (is_regular_target(path))
		return write_file_atomic(path, buf, len, 0666);
	/* a device or a pipe: written directly */
	FILE *f = fopen(path, "w");
	bool ok = f && fwrite(buf, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "fwc: cannot write '%s': %s\n", path, strerror(errno));
	return ok ? 0 : -1;
}

static int write_output(const struct ir *ir, enum target t, FILE *f)
{
	switch (t) {
	case T_NFT:
		return nft_emit(f, ir);
	case T_IPT4:
		return ipt_emit(f, ir, 4);
	case T_IPT6:
		return ipt_emit(f, ir, 6);
	case T_IPSET:
		return ipset_emit(f, ir);
	case T_BPF:
		return nft_emit(f, ir);   /* DIR/nft.fw; the map image after the gate */
	}
	return -1;
}

static int finish(bool color)
{
	diag_print(stderr, color);
	size_t e = diag_count(DIAG_ERROR);
	if (e)
		fprintf(stderr, "fwc: %zu error%s\n", e, e == 1 ? "" : "s");
	return e ? FWC_EXIT_ERROR : FWC_EXIT_OK;
}

/* Run the error-level checks; print their findings. -1 if any. */
static int lint_gate(const struct ir *ir, bool color)
{
	struct lint_opts lo;
	lint_opts_default(&lo);
	for (int c = 0; c < CHK_MAX; c++)
		lo.enabled[c] = lint_checks[c].sev == DIAG_ERROR;
	lo.gate = true;
	struct lint_result res = { 0 };
	analyze(ir, &lo, &res);
	lint_suppress(&res);
	size_t errors = 0;
	for (size_t i = 0; i < res.n; i++)
		if (res.f[i].sev == DIAG_ERROR)
			errors++;
	if (errors)
		lint_write(stderr, LF_TEXT, &res, color);
	lint_result_release(&res);
	return errors ? -1 : 0;
}

static int cmd_compile(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "dump", required_argument, NULL, 'D' },
		POLICY_LONGOPTS,
		{ "color", required_argument, NULL, 'C' },
		{ "rule-ids", no_argument, NULL, 'R' },
		{ "force", no_argument, NULL, 'f' },
		{ "xdp-conntrack", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool force = false, ct_any = false, ct_given = false;
	enum target target = T_NFT;
	const char *outpath = NULL;
	struct policy_opts po = { 0 };
	enum fwc_dump dump = DUMP_NONE;
	int colormode = -1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!strcmp(optarg, "nft"))
				target = T_NFT;
			else if (!strcmp(optarg, "iptables"))
				target = T_IPT4;
			else if (!strcmp(optarg, "ip6tables"))
				target = T_IPT6;
			else if (!strcmp(optarg, "ipset"))
				target = T_IPSET;
			else if (!strcmp(optarg, "bpf"))
				target = T_BPF;
			else {
				fprintf(stderr, "fwc: unknown target '%s' (nft, iptables, ip6tables, ipset, bpf)\n",
					optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'D':
			if (!strcmp(optarg, "tokens"))
				dump = DUMP_TOKENS;
			else if (!strcmp(optarg, "ast"))
				dump = DUMP_AST;
			else if (!strcmp(optarg, "ir"))
				dump = DUMP_IR;
			else if (!strcmp(optarg, "ir-semantic"))
				dump = DUMP_IR_SEMANTIC;
			else {
				fprintf(stderr, "fwc: unknown dump '%s' (tokens, ast, ir, ir-semantic)\n", optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'S':
		case 'F':
		case 'd':
		case 'X':
			if (policy_opt(&po, c, optarg) < 0)
				return FWC_EXIT_USAGE;
			break;
		case 'C':
			colormode = !strcmp(optarg, "always") ? 1 : !strcmp(optarg, "never") ? 0 : -1;
			break;
		case 'R':
			backend_rule_ids = true;
			break;
		case 'f':
			force = true;
			break;
		case 'x':
			if (parse_xdp_conntrack(optarg, &ct_any) < 0)
				return FWC_EXIT_USAGE;
			ct_given = true;
			break;
		case 'h':
			usage(stdout);
			return FWC_EXIT_OK;
		default:
			usage(stderr);
			return FWC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(optind < argc ? "fwc: compile takes one policy file\n"
				    : "fwc: compile needs a policy file\n", stderr);
		usage(stderr);
		return FWC_EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (ct_given && target != T_BPF) {
		fputs("fwc: --xdp-conntrack is for -t bpf\n", stderr);
		return FWC_EXIT_USAGE;
	}
	if (target == T_BPF && !outpath && dump == DUMP_NONE) {
		fputs("fwc: -t bpf writes a directory: give it with -o DIR\n", stderr);
		return FWC_EXIT_USAGE;
	}
	if (!input_ok(&po, path))
		return FWC_EXIT_USAGE;
	policy_opts_done(&po);
	bool color = colormode < 0 ? isatty(2) && getenv("NO_COLOR") == NULL : colormode;

	FILE *dumpout = stdout;
	struct ir *ir = load_ir(&po, path, dump, dumpout);
	if (dump != DUMP_NONE || !ir) {
		ir_free(ir);
		return finish(color);
	}
	if ((target == T_IPT4 && ir->family == 6) || (target == T_IPT6 && ir->family == 4)) {
		fprintf(stderr, "fwc: '%s' is an IPv%d dump: compile it with -t %s\n", path,
			ir->family, ir->family == 6 ? "ip6tables" : "iptables");
		ir_free(ir);
		return FWC_EXIT_USAGE;
	}
	/* the whole text first: an error in a backend writes nothing */
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		die("out of memory");
	int rc = write_output(ir, target, m);
	fclose(m);
	/* then the error-level checks gate the output */
	if (rc == 0 && !diag_count(DIAG_ERROR) && !force && lint_gate(ir, color) != 0) {
		ir_free(ir);
		free(buf);
		finish(color);
		fputs("fwc: not compiled: the policy fails an error-level check "
		      "(use --force to compile anyway)\n", stderr);
		return FWC_EXIT_ERROR;
	}
	if (target == T_BPF) {
		if (rc == 0 && !diag_count(DIAG_ERROR) && bpf_compile(ir, outpath, buf, len, stdout, ct_any) < 0) {
			ir_free(ir);
			free(buf);
			finish(color);
			return FWC_EXIT_ERROR;
		}
		ir_free(ir);
		free(buf);
		return finish(color);
	}
	ir_free(ir);
	if (rc == 0 && !diag_count(DIAG_ERROR) && put_output(outpath, buf, len) < 0) {
		free(buf);
		return FWC_EXIT_USAGE;
	}
	free(buf);
	return finish(color);
}

static int parse_assume(const char *kv, struct trace_opts *o)
{
	static const struct {
		const char *text;
		size_t off;
		enum assume v;
	} t[] = {
		{ "rate=under", offsetof(struct trace_opts, rate), ASSUME_MATCH },
		{ "rate=over", offsetof(struct trace_opts, rate), ASSUME_NOMATCH },
		{ "recent=hit", offsetof(struct trace_opts, recent), ASSUME_MATCH },
		{ "recent=miss", offsetof(struct trace_opts, recent), ASSUME_NOMATCH },
		{ "nth=hit", offsetof(struct trace_opts, nth), ASSUME_MATCH },
		{ "nth=miss", offsetof(struct trace_opts, nth), ASSUME_NOMATCH },
		{ "unknown=match", offsetof(struct trace_opts, unknown), ASSUME_MATCH },
		{ "unknown=nomatch", offsetof(struct trace_opts, unknown), ASSUME_NOMATCH },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(kv, t[i].text)) {
			*(enum assume *)((char *)o + t[i].off) = t[i].v;
			return 0;
		}
	fprintf(stderr, "fwc: unknown assumption '%s' (rate=under|over, recent=hit|miss, "
		"nth=hit|miss, unknown=match|nomatch)\n", kv);
	return -1;
}

/* One packet: parse, trace, print. Returns 0, or 1 for a bad packet. */
static int trace_one(const struct ir *ir, const char *text, const char *where,
		     const struct trace_opts *o, bool json)
{
	struct packet p;
	char err[200];
	size_t eo, el;
	if (packet_parse(text, &p, err, sizeof(err), &eo, &el) < 0) {
		fprintf(stderr, "%s%serror: bad packet: %s\n%s\n", where ? where : "",
			where ? ": " : "fwc: ", err, text);
		for (size_t i = 0; i < eo; i++)
			fputc(text[i] == '\t' ? '\t' : ' ', stderr);
		for (size_t i = 0; i < el; i++)
			fputc('^', stderr);
		fputc('\n', stderr);
		return 1;
	}
	struct trace_result res;
	trace_packet(ir, &p, o, &res);
	if (json)
		trace_print_json(stdout, &p, &res, o);
	else
		trace_print_text(stdout, &p, &res, o);
	trace_result_release(&res);
	return 0;
}

static int cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "packets", required_argument, NULL, 'P' },
		{ "format", required_argument, NULL, 'f' },
		{ "assume", required_argument, NULL, 'A' },
		{ "ifaddr", required_argument, NULL, 'I' },
		POLICY_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct trace_opts to = { ASSUME_MATCH, ASSUME_NOMATCH, ASSUME_NOMATCH, ASSUME_MATCH,
				 NULL, 0 };
	struct trace_ifaddr ifaddrs[32];
	struct policy_opts po = { 0 };
	const char *packets = NULL;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			packets = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "text")) {
				fprintf(stderr, "fwc: unknown format '%s' (text, json)\n", optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'A':
			if (parse_assume(optarg, &to) < 0)
				return FWC_EXIT_USAGE;
			break;
		case 'I':
			if (to.nifaddrs >= 32 || ifaddr_parse(optarg, &ifaddrs[to.nifaddrs]) < 0) {
				fprintf(stderr, "fwc: bad --ifaddr '%s' (IF=ADDRESS, at most 32)\n", optarg);
				return FWC_EXIT_USAGE;
			}
			to.nifaddrs++;
			to.ifaddrs = ifaddrs;
			break;
		case 'S':
		case 'F':
		case 'd':
		case 'X':
			if (policy_opt(&po, c, optarg) < 0)
				return FWC_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return FWC_EXIT_OK;
		default:
			usage(stderr);
			return FWC_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("fwc: trace needs a policy file and packets\n", stderr);
		usage(stderr);
		return FWC_EXIT_USAGE;
	}
	if (optind == argc - 1 && !packets) {
		fputs("fwc: trace needs at least one packet (or --packets FILE)\n", stderr);
		return FWC_EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (!input_ok(&po, path))
		return FWC_EXIT_USAGE;
	policy_opts_done(&po);
	bool color = isatty(2) && getenv("NO_COLOR") == NULL;
	struct ir *ir = load_ir(&po, path, DUMP_NONE, NULL);
	if (!ir)
		return finish(color);
	int bad = 0;
	for (int i = optind + 1; i < argc; i++)
		bad |= trace_one(ir, argv[i], NULL, &to, json);
	if (packets) {
		FILE *f = strcmp(packets, "-") ? fopen(packets, "r") : stdin;
		if (!f) {
			fprintf(stderr, "fwc: cannot read '%s': %s\n", packets, strerror(errno));
			ir_free(ir);
			return FWC_EXIT_USAGE;
		}
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		unsigned lineno = 0;
		while ((len = getline(&line, &cap, f)) >= 0) {
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			const char *s = line;
			while (*s == ' ' || *s == '\t')
				s++;
			if (!*s || *s == '#')
				continue;
			char where[PATH_MAX + 32];
			snprintf(where, sizeof(where), "%s:%u", packets, lineno);
			bad |= trace_one(ir, line, where, &to, json);
		}
		free(line);
		if (f != stdin)
			fclose(f);
	}
	fflush(stdout);
	ir_free(ir);
	int rc = finish(color);
	return rc ? rc : bad ? FWC_EXIT_ERROR : FWC_EXIT_OK;
}

static int parse_ssh_client(const char *arg, struct lint_opts *lo)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", arg);
	char *addr = buf, *port = NULL;
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');
		if (!end)
			return -1;
		*end = '\0';
		addr = buf + 1;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -1;
	} else {
		char *colon = strchr(buf, ':');
		if (colon && !strchr(colon + 1, ':')) {
			*colon = '\0';
			port = colon + 1;
		}
	}
	int plen;
	char err[128];
	if (addr_parse(addr, strlen(addr), &lo->ssh_family, &lo->ssh_addr, &plen,
		       err, sizeof(err)) < 0 ||
	    plen != (lo->ssh_family == 4 ? 32 : 128))
		return -1;
	lo->ssh_port = -1;
	if (port) {
		char *end;
		long v = strtol(port, &end, 10);
		if (!*port || *end || v < 0 || v > 65535)
			return -1;
		lo->ssh_port = (int)v;
	}
	lo->has_ssh_client = true;
	return 0;
}

/* $SSH_CONNECTION is "client-ip client-port server-ip server-port" */
static int ssh_from_env(struct lint_opts *lo)
{
	const char *e = getenv("SSH_CONNECTION");
	char ip[64];
	unsigned port;
	if (!e || sscanf(e, "%63s %u", ip, &port) != 2)
		return -1;
	char arg[96];
	snprintf(arg, sizeof(arg), strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
	return parse_ssh_client(arg, lo);
}

static int cmd_lint(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'T' },
		{ "output", required_argument, NULL, 'o' },
		{ "werror", no_argument, NULL, 'E' },
		{ "witness", no_argument, NULL, 'w' },
		{ "ssh-client", required_argument, NULL, 's' },
		POLICY_LONGOPTS,
		{ "color", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct lint_opts lo;
	lint_opts_default(&lo);
	enum lint_format fmt = LF_TEXT;
	const char *outpath = NULL;
	bool werror = false;
	struct policy_opts po = { 0 };
	int colormode = -1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "W:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if (!strcmp(optarg, "text"))
				fmt = LF_TEXT;
			else if (!strcmp(optarg, "json"))
				fmt = LF_JSON;
			else if (!strcmp(optarg, "junit"))
				fmt = LF_JUNIT;
			else if (!strcmp(optarg, "sarif"))
				fmt = LF_SARIF;
			else {
				fprintf(stderr, "fwc: unknown format '%s' (text, json, junit, sarif)\n",
					optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'W': {
			bool on = strncmp(optarg, "no-", 3) != 0;
			const char *id = on ? optarg : optarg + 3;
			if (!strcmp(id, "all")) {
				for (int k = 0; k < CHK_MAX; k++)
					lo.enabled[k] = on;
				break;
			}
			if (!strcmp(id, "error")) {
				werror = on;
				break;
			}
			enum lint_check k = lint_check_by_id(id);
			if (k == CHK_MAX) {
				struct suggest sg;
				char sb[96];
				suggest_init(&sg, id);
				for (int j = 0; j < CHK_MAX; j++)
					suggest_offer(&sg, lint_checks[j].id);
				fprintf(stderr, "fwc: unknown check '%s'%s\n", id,
					suggest_text(&sg, sb, sizeof(sb)));
				return FWC_EXIT_USAGE;
			}
			lo.enabled[k] = on;
			break;
		}
		case 'E':
			werror = true;
			break;
		case 'w':
			lo.witness = true;
			break;
		case 's':
			if (parse_ssh_client(optarg, &lo) < 0) {
				fprintf(stderr, "fwc: bad --ssh-client '%s' (ADDR, ADDR:PORT or [V6]:PORT)\n",
					optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'S':
		case 'F':
		case 'd':
		case 'X':
			if (policy_opt(&po, c, optarg) < 0)
				return FWC_EXIT_USAGE;
			break;
		case 'C':
			colormode = !strcmp(optarg, "always") ? 1 : !strcmp(optarg, "never") ? 0 : -1;
			break;
		case 'h':
			usage(stdout);
			return FWC_EXIT_OK;
		default:
			usage(stderr);
			return FWC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(optind < argc ? "fwc: lint takes one policy file\n"
				    : "fwc: lint needs a policy file\n", stderr);
		usage(stderr);
		return FWC_EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (!input_ok(&po, path))
		return FWC_EXIT_USAGE;
	if (!lo.has_ssh_client)
		ssh_from_env(&lo);
	policy_opts_done(&po);
	bool tty = outpath ? false : isatty(1);
	bool color = colormode < 0 ? tty && getenv("NO_COLOR") == NULL : colormode;
	struct ir *ir = load_ir(&po, path, DUMP_NONE, NULL);
	if (!ir)
		return finish(color);
	/* front-end warnings go to stderr, the report to stdout or -o */
	diag_print(stderr, color && isatty(2));
	struct lint_result res = { 0 };
	analyze(ir, &lo, &res);
	lint_suppress(&res);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		die("out of memory");
	lint_write(m, fmt, &res, color);
	fclose(m);
	size_t errors = 0, warnings = 0;
	for (size_t i = 0; i < res.n; i++) {
		if (res.f[i].sev == DIAG_ERROR)
			errors++;
		else if (res.f[i].sev == DIAG_WARNING)
			warnings++;
	}
	lint_result_release(&res);
	ir_free(ir);
	int rc = put_output(outpath, buf, len);
	free(buf);
	if (rc < 0)
		return FWC_EXIT_USAGE;
	return errors || (werror && warnings) ? FWC_EXIT_ERROR : FWC_EXIT_OK;
}

static int cmd_graph(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'T' },
		{ "output", required_argument, NULL, 'o' },
		{ "table", required_argument, NULL, 't' },
		{ "chain", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'D' },
		{ "layout", required_argument, NULL, 'L' },
		{ "service", required_argument, NULL, 'V' },
		POLICY_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct graph_opts go = { GRAPH_CHAINS, GRAPH_SVG, -1, NULL, 2, NULL, GRAPH_LAYOUT_AUTO, 6, 22 };
	const char *outpath = NULL;
	struct policy_opts po = { 0 };
	bool depth_given = false, layout_given = false, service_given = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (!strcmp(optarg, "chains"))
				go.kind = GRAPH_CHAINS;
			else if (!strcmp(optarg, "zones"))
				go.kind = GRAPH_ZONES;
			else {
				fprintf(stderr, "fwc: unknown graph kind '%s' (chains, zones)\n", optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'T':
			if (!strcmp(optarg, "svg"))
				go.format = GRAPH_SVG;
			else if (!strcmp(optarg, "dot"))
				go.format = GRAPH_DOT;
			else if (!strcmp(optarg, "png"))
				go.format = GRAPH_PNG;
			else {
				fprintf(stderr, "fwc: unknown graph format '%s' (svg, dot, png)\n",
					optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'o':
			outpath = optarg;
			break;
		case 't': {
			int t = -1;
			for (int k = 0; k < TBL_MAX; k++)
				if (!strcmp(optarg, table_name((enum fwc_table)k)))
					t = k;
			if (t < 0) {
				fprintf(stderr, "fwc: unknown table '%s' (raw, mangle, nat, filter, "
					"security)\n", optarg);
				return FWC_EXIT_USAGE;
			}
			go.table = t;
			break;
		}
		case 'c':
			go.chain = optarg;
			break;
		case 'V': {
			char pn[16];
			unsigned port = 0;
			int k = 0;
			if (sscanf(optarg, "%15[a-z0-9]/%u%n", pn, &port, &k) == 2 &&
			    optarg[k] == '\0' && port <= 65535 && proto_by_name(pn) >= 0 &&
			    proto_has_ports(proto_by_name(pn))) {
				go.svc_proto = proto_by_name(pn);
				go.svc_port = port;
			} else if (sscanf(optarg, "%15[a-z0-9]%n", pn, &k) == 1 && optarg[k] == '\0' &&
				   proto_by_name(pn) >= 0 && !proto_has_ports(proto_by_name(pn))) {
				go.svc_proto = proto_by_name(pn);
				go.svc_port = 0;
			} else {
				fprintf(stderr, "fwc: bad --service '%s' (PROTO/PORT such as tcp/22, or "
					"a protocol without ports such as icmp)\n", optarg);
				return FWC_EXIT_USAGE;
			}
			service_given = true;
			break;
		}
		case 'L':
			if (!strcmp(optarg, "auto"))
				go.layout = GRAPH_LAYOUT_AUTO;
			else if (!strcmp(optarg, "graph"))
				go.layout = GRAPH_LAYOUT_GRAPH;
			else if (!strcmp(optarg, "matrix"))
				go.layout = GRAPH_LAYOUT_MATRIX;
			else {
				fprintf(stderr, "fwc: unknown zones layout '%s' (auto, graph, matrix)\n",
					optarg);
				return FWC_EXIT_USAGE;
			}
			layout_given = true;
			break;
		case 'D': {
			char *end;
			long d = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || d < 0 || d > 1000) {
				fprintf(stderr, "fwc: bad --depth '%s' (0 to 1000)\n", optarg);
				return FWC_EXIT_USAGE;
			}
			go.depth = (int)d;
			depth_given = true;
			break;
		}
		case 'S':
		case 'F':
		case 'd':
		case 'X':
			if (policy_opt(&po, c, optarg) < 0)
				return FWC_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return FWC_EXIT_OK;
		default:
			usage(stderr);
			return FWC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(optind < argc ? "fwc: graph takes one policy file\n"
				    : "fwc: graph needs a policy file\n", stderr);
		usage(stderr);
		return FWC_EXIT_USAGE;
	}
	if (go.kind == GRAPH_ZONES && (go.chain || go.table >= 0 || depth_given)) {
		fputs("fwc: --table, --chain and --depth narrow the chains graph, not the "
		      "zones graph\n", stderr);
		return FWC_EXIT_USAGE;
	}
	if (service_given && go.kind != GRAPH_ZONES) {
		fputs("fwc: --service is for --kind zones (the address classes of a dump)\n", stderr);
		return FWC_EXIT_USAGE;
	}
	if (layout_given && go.kind != GRAPH_ZONES) {
		fputs("fwc: --layout is for --kind zones\n", stderr);
		return FWC_EXIT_USAGE;
	}
	if (depth_given && !go.chain) {
		fputs("fwc: --depth goes with --chain\n", stderr);
		return FWC_EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (!input_ok(&po, path))
		return FWC_EXIT_USAGE;
	policy_opts_done(&po);
	go.services_file = po.o.services_file;
	bool color = isatty(2) && getenv("NO_COLOR") == NULL;
	struct ir *ir = load_ir(&po, path, DUMP_NONE, NULL);
	if (!ir)
		return finish(color);
	diag_print(stderr, color);
	struct lint_result res = { 0 };
	bool linted = false;
	if (go.kind == GRAPH_CHAINS) {
		/* the findings and reachability drawn on the chains */
		struct lint_opts lo;
		lint_opts_default(&lo);
		analyze(ir, &lo, &res);
		lint_suppress(&res);
		linted = true;
	}
	char *buf = NULL;
	size_t len = 0;
	int rc = graph_write(&buf, &len, ir, linted ? &res : NULL, &go);
	if (linted)
		lint_result_release(&res);
	ir_free(ir);
	if (rc < 0) {
		free(buf);
		return finish(color);
	}
	rc = put_output(outpath, buf, len);
	free(buf);
	return rc < 0 ? FWC_EXIT_USAGE : FWC_EXIT_OK;
}

static int cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "detach", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "no-rollback", no_argument, NULL, 'N' },
		{ "state-dir", required_argument, NULL, 'Z' },
		{ "ssh-client", required_argument, NULL, 's' },
		{ "dev", required_argument, NULL, 'v' },
		{ "xdp-conntrack", required_argument, NULL, 'x' },
		{ "skb", no_argument, NULL, 'k' },
		{ "pin-root", required_argument, NULL, 'p' },
		POLICY_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct apply_opts ao = { .state_dir = APPLY_STATE_DIR, .backend = APPLY_NFT, .timeout = 30 };
	struct lint_opts lo;
	lint_opts_default(&lo);
	struct policy_opts po = { 0 };
	bool force = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!strcmp(optarg, "nft"))
				ao.backend = APPLY_NFT;
			else if (!strcmp(optarg, "iptables"))
				ao.backend = APPLY_IPTABLES;
			else if (!strcmp(optarg, "bpf"))
				ao.backend = APPLY_BPF;
			else {
				fprintf(stderr, "fwc: apply loads nft, iptables (both families and "
					"ipsets) or bpf (nft and XDP), not '%s'\n", optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'T': {
			char *end;
			long t = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || t < 1 || t > 86400) {
				fprintf(stderr, "fwc: bad --timeout '%s' (1 to 86400 seconds)\n", optarg);
				return FWC_EXIT_USAGE;
			}
			ao.timeout = (int)t;
			break;
		}
		case 'D':
			ao.detach = true;
			break;
		case 'f':
			force = true;
			break;
		case 'N':
			ao.no_rollback = true;
			break;
		case 'Z':
			ao.state_dir = optarg;
			break;
		case 'v':
			ao.xdp_dev = optarg;
			break;
		case 'x':
			if (parse_xdp_conntrack(optarg, &ao.xdp_ct_any) < 0)
				return FWC_EXIT_USAGE;
			break;
		case 'k':
			ao.xdp_skb = true;
			break;
		case 'p':
			ao.pin_root = optarg;
			break;
		case 's':
			if (parse_ssh_client(optarg, &lo) < 0) {
				fprintf(stderr, "fwc: bad --ssh-client '%s' (ADDR, ADDR:PORT or [V6]:PORT)\n",
					optarg);
				return FWC_EXIT_USAGE;
			}
			break;
		case 'S':
		case 'F':
		case 'd':
		case 'X':
			if (policy_opt(&po, c, optarg) < 0)
				return FWC_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return FWC_EXIT_OK;
		default:
			usage(stderr);
			return FWC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(optind < argc ? "fwc: apply takes one policy file\n"
				    : "fwc: apply needs a policy file\n", stderr);
		usage(stderr);
		return FWC_EXIT_USAGE;
	}
	if ((ao.backend == APPLY_BPF) != (ao.xdp_dev != NULL)) {
		fputs(ao.xdp_dev ? "fwc: --dev is for -t bpf\n"
				 : "fwc: -t bpf needs --dev IFACE (the device for XDP)\n", stderr);
		return FWC_EXIT_USAGE;
	}
	if (ao.no_rollback && ao.detach) {
		fputs("fwc: --detach is for a rollback to wait on; --no-rollback has none\n", stderr);
		return FWC_EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (!input_ok(&po, path))
		return FWC_EXIT_USAGE;
	if (!lo.has_ssh_client)
		ssh_from_env(&lo);
	policy_opts_done(&po);
	bool color = isatty(2) && getenv("NO_COLOR") == NULL;
	struct ir *ir = load_ir(&po, path, DUMP_NONE, NULL);
	if (!ir)
		return finish(color);
	diag_print(stderr, color);
	/* every check; error-level findings (a lockout, the live session
	 * cut) refuse the apply unless --force */
	struct lint_result res = { 0 };
	analyze(ir, &lo, &res);
	lint_suppress(&res);
	size_t errors = 0, others = 0;
	for (size_t i = 0; i < res.n; i++) {
		if (res.f[i].sev == DIAG_ERROR)
			errors++;
		else
			others++;
	}
	if (!errors && others)
		fprintf(stderr, "fwc: lint: %zu warning%s or note%s (`fwc lint %s` shows them)\n",
			others, others == 1 ? "" : "s", others == 1 ? "" : "s", path);
	if (errors) {
		lint_write(stderr, LF_TEXT, &res, color);
		if (!force) {
			fprintf(stderr, "fwc: not applied: %zu error-level finding%s (--force applies "
				"anyway)\n", errors, errors == 1 ? "" : "s");
			lint_result_release(&res);
			ir_free(ir);
			return FWC_EXIT_ERROR;
		}
		fprintf(stderr, "fwc: --force: applying despite %zu error-level finding%s\n",
			errors, errors == 1 ? "" : "s");
	}
	lint_result_release(&res);
	ao.policy = path;
	int rc = apply_run(ir, &ao);
	ir_free(ir);
	return rc;
}

/* fwc confirm | rollback | status [--state-dir DIR] */
static int cmd_state(int argc, char **argv, int (*fn)(const char *))
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = APPLY_STATE_DIR;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'Z':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return FWC_EXIT_OK;
		default:
			usage(stderr);
			return FWC_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fwc: %s takes no argument ('%s')\n", argv[0], argv[optind]);
		return FWC_EXIT_USAGE;
	}
	return fn(dir);
}

/* The analysis makes millions of BDD nodes in tables BuDDy allocates
 * with malloc; with 4 KiB pages, faulting them in is a large part of a
 * big lint (on a VM, ~11 us per page: 0.4 s for 140 MiB) and the node
 * lookups miss the TLB. glibc (2.35 and later) backs its allocations
 * with transparent huge pages when the tunable glibc.malloc.hugetlb is
 * 1, and reads tunables only at start: so fwc starts itself again once
 * with it set (10,000-rule lint: 35,700 -> 6,100 page faults). Unknown
 * tunables are ignored by older glibc; FWC_NO_HUGEPAGES=1 turns this
 * off; if the exec fails, fwc goes on as it is. */
static void want_huge_pages(char **argv)
{
	const char *t = getenv("GLIBC_TUNABLES");
	if ((t && strstr(t, "glibc.malloc.hugetlb")) || getenv("FWC_NO_HUGEPAGES"))
		return;
	char *old = t ? xstrdup(t) : NULL;
	size_t n = (t ? strlen(t) + 1 : 0) + sizeof("glibc.malloc.hugetlb=1");
	char *v = xmalloc(n);
	snprintf(v, n, "%s%sglibc.malloc.hugetlb=1", t ? t : "", t ? ":" : "");
	/* the program's own path, not /proc/self/exe: the process name
	 * (comm, what ps and pgrep show) comes from the file executed */
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0 && setenv("GLIBC_TUNABLES", v, 1) == 0) {
		self[len] = 0;
		execv(self, argv);
	}
	if (old)
		setenv("GLIBC_TUNABLES", old, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(old);
	free(v);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return FWC_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	int rc;
	if (!strcmp(cmd, "compile") || !strcmp(cmd, "trace") || !strcmp(cmd, "lint") ||
	    !strcmp(cmd, "graph") || !strcmp(cmd, "apply"))
		want_huge_pages(argv);
	if (!strcmp(cmd, "compile"))
		rc = cmd_compile(argc - 1, argv + 1);
	else if (!strcmp(cmd, "trace"))
		rc = cmd_trace(argc - 1, argv + 1);
	else if (!strcmp(cmd, "lint"))
		rc = cmd_lint(argc - 1, argv + 1);
	else if (!strcmp(cmd, "graph"))
		rc = cmd_graph(argc - 1, argv + 1);
	else if (!strcmp(cmd, "apply"))
		rc = cmd_apply(argc - 1, argv + 1);
	else if (!strcmp(cmd, "bpf"))
		rc = cmd_bpf(argc - 1, argv + 1);
	else if (!strcmp(cmd, "confirm"))
		rc = cmd_state(argc - 1, argv + 1, apply_confirm);
	else if (!strcmp(cmd, "rollback"))
		rc = cmd_state(argc - 1, argv + 1, apply_rollback);
	else if (!strcmp(cmd, "status"))
		rc = cmd_state(argc - 1, argv + 1, apply_status);
	else if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("fwc %s\n", FWC_VERSION);
		rc = FWC_EXIT_OK;
	} else if (!strcmp(cmd, "--help") || !strcmp(cmd, "help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		rc = FWC_EXIT_OK;
	} else {
		fprintf(stderr, "fwc: unknown command '%s'\n", cmd);
		usage(stderr);
		rc = FWC_EXIT_USAGE;
	}
	diag_free_all();
	src_free_all();
	return rc;
}
