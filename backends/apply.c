/*
 * apply.c: fwc apply / confirm / rollback / status.
 *
 * The state directory (default /var/lib/fwc, mode 0700, files 0600):
 *
 *   lock        flock()ed by whoever changes the state; holds its pid
 *   pending     a rollback waits: id, deadline, the rollback process,
 *               the backend, the policy, when it was applied
 *   applied     the last policy kept (confirmed, or --no-rollback)
 *   snap.*      what the apply replaced, exactly: nft: table inet fwc
 *               (or its absence); iptables: every table of each family
 *               the policy writes, and fwc's ipsets (and which of them
 *               did not exist)
 *   new.*       what was loaded (kernel errors point into these)
 *   log         one line per event (applied, confirmed, rolled back,
 *               with the deadline and how late)
 *
 * The rollback is a process of its own: forked twice, in a session of its
 * own (setsid), SIGHUP ignored, its standard streams on /dev/null, no
 * descriptor of the client kept: neither the terminal hanging up nor the
 * client being killed stops it. It polls the pending file every 50 ms
 * (fwc confirm removes it) and at the deadline restores the snapshot under
 * the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "backend.h"
#include "bpfload.h"
#include "util.h"
#include "xdp.h"
#include "xdpimg.h"

/* ---- small helpers ---- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *path_in(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static char *slurp(const char *path)
{
	size_t len;
	return read_file(path, &len);
}

/* Write a file atomically (temporary, fsync, rename), mode 0600. */
static int put_file(const char *path, const char *text, size_t len)
{
	return write_file_atomic(path, text, len, 0600);
}

static int put_str(const char *path, const char *text)
{
	return put_file(path, text, strlen(text));
}

static void log_event(const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_event(const char *dir, const char *fmt, ...)
{
	char *p = path_in(dir, "log");
	int fd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0600);
	free(p);
	if (fd < 0)
		return;
	char when[64];
	time_t t = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime_r(&t, &tm));
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(fd, "%s %s\n", when, msg);
	close(fd);
}

/* key=value lines */
static char *kv_get(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			char *v = xmalloc(len - kl);
			memcpy(v, p + kl + 1, len - kl - 1);
			v[len - kl - 1] = '\0';
			return v;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static long long kv_num(const char *text, const char *key)
{
	char *v = kv_get(text, key);
	long long n = v ? strtoll(v, NULL, 10) : -1;
	free(v);
	return n;
}

static void when_str(char *buf, size_t n, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
}

/* ---- running the loaders ---- */

/* Run argv with standard input from in_path (NULL: /dev/null), standard
 * output into *out (NULL: discarded), standard error into *err. Returns
 * the exit status, or -1 when it could not run (127: not found). */
static int run_into(const char *const argv[], const char *in_path, char **out, char **err,
		    char *otmp, char *etmp);

static int run(const char *const argv[], const char *in_path, char **out, char **err)
{
	const char *td = getenv("TMPDIR");
	char *otmp = xasprintf("%s/fwc-out.XXXXXX", td && *td ? td : "/tmp");
	char *etmp = xasprintf("%s/fwc-err.XXXXXX", td && *td ? td : "/tmp");
	int rc = run_into(argv, in_path, out, err, otmp, etmp);
	free(otmp);
	free(etmp);
	return rc;
}

static int run_into(const char *const argv[], const char *in_path, char **out, char **err,
		    char *otmp, char *etmp)
{
	int ofd = mkstemp(otmp), efd = mkstemp(etmp);
	if (ofd < 0 || efd < 0) {
		if (ofd >= 0) { close(ofd); unlink(otmp); }
		if (efd >= 0) { close(efd); unlink(etmp); }
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(ofd); close(efd); unlink(otmp); unlink(etmp);
		return -1;
	}
	if (pid == 0) {
		int ifd = open(in_path ? in_path : "/dev/null", O_RDONLY);
		if (ifd < 0)
			_exit(126);
		dup2(ifd, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(ofd);
	close(efd);
	if (out)
		*out = slurp(otmp);
	if (err)
		*err = slurp(etmp);
	unlink(otmp);
	unlink(etmp);
	if (out && !*out)
		*out = xstrdup("");
	if (err && !*err)
		*err = xstrdup("");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The compiled text for one loader: 0 nft, 4 and 6 iptables, 1 ipset. */
static char *emit(const struct ir *ir, int what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		die("out of memory");
	int rc = what == 0 ? nft_emit(m, ir) : what == 1 ? ipset_emit(m, ir)
		 : ipt_emit(m, ir, what);
	fclose(m);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the state directory and its lock ---- */

static int state_open(const char *dir)
{
	umask(077);
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || mkdir(dir, 0700) != 0) {
			fprintf(stderr, "fwc: cannot create the state directory '%s': %s\n", dir,
				strerror(errno));
			return -1;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "fwc: the state directory '%s' is not a directory\n", dir);
		return -1;
	} else if (st.st_uid != geteuid()) {
		fprintf(stderr, "fwc: the state directory '%s' belongs to another user\n", dir);
		return -1;
	} else if ((st.st_mode & 077) && chmod(dir, 0700) != 0) {
		fprintf(stderr, "fwc: cannot make '%s' private: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Take the lock (blocking or not). Returns the descriptor, or -1 with a
 * message (busy: who holds it). */
static int lock_take(const char *dir, bool wait)
{
	char *p = path_in(dir, "lock");
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "fwc: cannot open '%s': %s\n", p, strerror(errno));
		free(p);
		return -1;
	}
	if (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
		char buf[32] = "";
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "fwc: another fwc apply, confirm or rollback (pid %ld) is "
			"running on '%s'; try again when it is done\n", atol(buf), dir);
		close(fd);
		free(p);
		return -1;
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, pid, (size_t)n, 0);
	free(p);
	return fd;
}

static void lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* ---- snapshots ---- */

/* nft: table inet fwc as it is, or its absence, as a script that puts it
 * back in one transaction. */
static int snapshot_nft(const char *dir)
{
	const char *argv[] = { "nft", "-s", "list", "table", "inet", "fwc", NULL };
	char *out = NULL, *err = NULL;
	int rc = run(argv, NULL, &out, &err);
	char *script;
	if (rc == 0)
		script = xasprintf("table inet fwc\ndelete table inet fwc\n%s", out);
	else if (strstr(err, "No such file or directory"))
		script = xstrdup("table inet fwc\ndelete table inet fwc\n");
	else {
		fprintf(stderr, "fwc: cannot read the current ruleset (nft list table inet fwc): %s",
			rc == 127 ? "nft not found\n" : err);
		free(out);
		free(err);
		return -1;
	}
	char *p = path_in(dir, "snap.nft");
	int r = put_str(p, script);
	free(p);
	free(script);
	free(out);
	free(err);
	return r;
}

/* the tables a restore file writes ("*filter" lines) */
static size_t restore_tables(const char *text, char names[][16], size_t max)
{
	size_t n = 0;
	for (const char *p = text; p && *p;) {
		if (*p == '*' && n < max) {
			size_t len = strcspn(p + 1, "\n");
			if (len >= 16)
				len = 15;
			memcpy(names[n], p + 1, len);
			names[n][len] = '\0';
			n++;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* The sets an ipset restore file creates. */
static size_t ipset_names(const char *text, char names[][64], size_t max)
{
	size_t n = 0;
	for (const char *p = text; p && *p;) {
		if (!strncmp(p, "create ", 7) && n < max) {
			size_t len = strcspn(p + 7, " \n");
			if (len >= 64)
				len = 63;
			memcpy(names[n], p + 7, len);
			names[n][len] = '\0';
			n++;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

static bool has_line(const char *text, const char *line)
{
	size_t l = strlen(line);
	for (const char *p = text; p && *p;) {
		if (!strncmp(p, line, l) && (p[l] == '\n' || p[l] == '\0'))
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

enum { MAXT = 8, MAXS = 256 };

/* iptables: for each family, the tables the new rules write, saved as
 * they are (and which of them did not exist); fwc's ipsets likewise.
 * Says which chains in those tables fwc does not write (they will be
 * replaced). */
static int snapshot_ipt(const char *dir, const char *new4, const char *new6,
			const char *newsets)
{
	for (int fam = 4; fam <= 6; fam += 2) {
		const char *nw = fam == 4 ? new4 : new6;
		const char *save = fam == 4 ? "iptables-save" : "ip6tables-save";
		char tabs[MAXT][16];
		size_t nt = restore_tables(nw, tabs, MAXT);
		/* the tables that exist now */
		const char *all[] = { save, NULL };
		char *cur = NULL, *err = NULL;
		int rc = run(all, NULL, &cur, &err);
		if (rc != 0) {
			fprintf(stderr, "fwc: %s failed: %s", save, rc == 127 ? "not found\n" : err);
			free(cur);
			free(err);
			return -1;
		}
		free(err);
		struct { char *text; size_t len, cap; } snap = { 0 };
		char *absent = xstrdup("");
		for (size_t t = 0; t < nt; t++) {
			char star[20];
			snprintf(star, sizeof(star), "*%s", tabs[t]);
			if (!has_line(cur, star)) {
				char *a = xasprintf("%s%s\n", absent, tabs[t]);
				free(absent);
				absent = a;
				continue;
			}
			const char *one[] = { save, "-t", tabs[t], NULL };
			char *o = NULL, *e = NULL;
			if (run(one, NULL, &o, &e) != 0) {
				fprintf(stderr, "fwc: %s -t %s failed: %s", save, tabs[t], e);
				free(o);
				free(e);
				free(cur);
				free(absent);
				free(snap.text);
				return -1;
			}
			/* chains there that the new rules do not define */
			for (const char *p = o; p && *p;) {
				if (*p == ':') {
					size_t len = strcspn(p + 1, " \n");
					char name[64];
					if (len >= sizeof(name))
						len = sizeof(name) - 1;
					memcpy(name, p + 1, len);
					name[len] = '\0';
					char decl[80];
					snprintf(decl, sizeof(decl), ":%s ", name);
					if (!strstr(nw, decl))
						fprintf(stderr, "fwc: note: the %s table %s has a chain fwc does "
							"not write, %s; this apply replaces it (the rollback "
							"puts it back)\n", fam == 4 ? "IPv4" : "IPv6", tabs[t],
							name);
				}
				p = strchr(p, '\n');
				if (p)
					p++;
			}
			size_t ol = strlen(o);
			if (snap.len + ol + 1 > snap.cap) {
				snap.cap = (snap.len + ol + 1) * 2;
				snap.text = xrealloc(snap.text, snap.cap);
			}
			memcpy(snap.text + snap.len, o, ol + 1);
			snap.len += ol;
			free(o);
			free(e);
		}
		free(cur);
		char *p = path_in(dir, fam == 4 ? "snap.ipt4" : "snap.ipt6");
		int r = put_file(p, snap.text ? snap.text : "", snap.len);
		free(p);
		free(snap.text);
		p = path_in(dir, fam == 4 ? "snap.ipt4-absent" : "snap.ipt6-absent");
		if (r == 0)
			r = put_str(p, absent);
		free(p);
		free(absent);
		if (r != 0)
			return -1;
	}
	/* ipsets: the ones fwc creates; those that exist are saved */
	char (*sets)[64] = xcalloc(MAXS, sizeof(*sets));
	size_t ns = ipset_names(newsets, sets, MAXS);
	const char *ls[] = { "ipset", "list", "-n", NULL };
	char *have = NULL, *err = NULL;
	int rc = ns ? run(ls, NULL, &have, &err) : 0;
	if (rc != 0) {
		fprintf(stderr, "fwc: ipset list failed: %s", rc == 127 ? "ipset not found\n" : err);
		free(have);
		free(err);
		free(sets);
		return -1;
	}
	free(err);
	char *saved = xstrdup(""), *absent = xstrdup("");
	for (size_t i = 0; i < ns; i++) {
		char *acc;
		if (have && has_line(have, sets[i])) {
			const char *sv[] = { "ipset", "save", sets[i], NULL };
			char *o = NULL, *e = NULL;
			if (run(sv, NULL, &o, &e) != 0) {
				fprintf(stderr, "fwc: ipset save %s failed: %s", sets[i], e);
				free(o);
				free(e);
				free(saved);
				free(absent);
				free(have);
				free(sets);
				return -1;
			}
			acc = xasprintf("%s%s", saved, o);
			free(saved);
			saved = acc;
			free(o);
			free(e);
		} else {
			acc = xasprintf("%s%s\n", absent, sets[i]);
			free(absent);
			absent = acc;
		}
	}
	free(have);
	free(sets);
	char *p = path_in(dir, "snap.ipset");
	int r = put_str(p, saved);
	free(p);
	p = path_in(dir, "snap.ipset-absent");
	if (r == 0)
		r = put_str(p, absent);
	free(p);
	free(saved);
	free(absent);
	return r;
}

/* ---- restoring ---- */

static int restore_nft(const char *dir, char **err)
{
	char *p = path_in(dir, "snap.nft");
	const char *argv[] = { "nft", "-f", p, NULL };
	int rc = run(argv, NULL, NULL, err);
	free(p);
	return rc == 0 ? 0 : -1;
}

/* iptables' nf_tables variant keeps a table it was given; deleting it is
 * what "it did not exist" means there */
static bool ipt_is_nft(void)
{
	const char *argv[] = { "iptables", "-V", NULL };
	char *out = NULL;
	bool nft = run(argv, NULL, &out, NULL) == 0 && strstr(out, "nf_tables");
	free(out);
	return nft;
}

static int restore_ipt(const char *dir, char **err)
{
	int bad = 0;
	*err = xstrdup("");
	for (int fam = 4; fam <= 6; fam += 2) {
		char *snap = path_in(dir, fam == 4 ? "snap.ipt4" : "snap.ipt6");
		char *abs_p = path_in(dir, fam == 4 ? "snap.ipt4-absent" : "snap.ipt6-absent");
		char *absent = slurp(abs_p);
		const char *rst = fam == 4 ? "iptables-restore" : "ip6tables-restore";
		/* the tables that did not exist, one name a line */
		char tabs[MAXT][16];
		size_t nt = 0;
		for (char *l = absent; l && *l && nt < MAXT;) {
			size_t len = strcspn(l, "\n");
			snprintf(tabs[nt++], sizeof(tabs[0]), "%.*s", (int)len, l);
			l += len + (l[len] == '\n');
		}
		/* emptied first (one restore) */
		if (nt) {
			char *empty = xstrdup("");
			for (size_t t = 0; t < nt; t++) {
				char *e = xasprintf("%s*%s\nCOMMIT\n", empty, tabs[t]);
				free(empty);
				empty = e;
			}
			char *ep = path_in(dir, fam == 4 ? "empty.ipt4" : "empty.ipt6");
			put_str(ep, empty);
			const char *argv[] = { rst, ep, NULL };
			char *e = NULL;
			if (run(argv, NULL, NULL, &e) != 0) {
				char *m = xasprintf("%s%s: %s", *err, rst, e);
				free(*err);
				*err = m;
				bad = 1;
			}
			free(e);
			free(ep);
			free(empty);
		}
		size_t len = 0;
		char *text = read_file(snap, &len);
		if (text && len) {
			const char *argv[] = { rst, snap, NULL };
			char *e = NULL;
			if (run(argv, NULL, NULL, &e) != 0) {
				char *m = xasprintf("%s%s: %s", *err, rst, e);
				free(*err);
				*err = m;
				bad = 1;
			}
			free(e);
		}
		free(text);
		/* and, with iptables-nft, removed, so the ruleset lists as it
		 * did */
		if (nt && ipt_is_nft()) {
			for (size_t t = 0; t < nt; t++) {
				const char *argv[] = { "nft", "delete", "table",
						       fam == 4 ? "ip" : "ip6", tabs[t], NULL };
				run(argv, NULL, NULL, NULL);
			}
		}
		free(absent);
		free(abs_p);
		free(snap);
	}
	/* ipsets: contents back; the ones fwc created go */
	char *sp = path_in(dir, "snap.ipset");
	size_t len = 0;
	char *text = read_file(sp, &len);
	if (text && len) {
		/* "create" would fail on an existing set: flush and refill */
		char *script = xstrdup("");
		for (char *l = text; *l;) {
			char *nl = strchr(l, '\n');
			if (nl)
				*nl = '\0';
			char *s;
			if (!strncmp(l, "create ", 7)) {
				size_t nlen = strcspn(l + 7, " ");
				s = xasprintf("%s%s -exist\nflush %.*s\n", script, l, (int)nlen, l + 7);
			} else {
				s = xasprintf("%s%s\n", script, l);
			}
			free(script);
			script = s;
			l = nl ? nl + 1 : l + strlen(l);
		}
		char *rp = path_in(dir, "restore.ipset");
		put_str(rp, script);
		const char *argv[] = { "ipset", "restore", "-file", rp, NULL };
		char *e = NULL;
		if (run(argv, NULL, NULL, &e) != 0) {
			char *m = xasprintf("%sipset restore: %s", *err, e);
			free(*err);
			*err = m;
			bad = 1;
		}
		free(e);
		free(rp);
		free(script);
	}
	free(text);
	free(sp);
	char *ap = path_in(dir, "snap.ipset-absent");
	char *absent = slurp(ap);
	for (char *l = absent; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		const char *argv[] = { "ipset", "destroy", l, NULL };
		char *e = NULL;
		if (run(argv, NULL, NULL, &e) != 0) {
			char *m = xasprintf("%sipset destroy %s: %s", *err, l, e);
			free(*err);
			*err = m;
			bad = 1;
		}
		free(e);
		l = nl ? nl + 1 : l + strlen(l);
	}
	free(absent);
	free(ap);
	return bad ? -1 : 0;
}

/* ---- XDP (apply -t bpf) ---- */

/* What is on the device now: snap.xdp holds fwc's image there, or
 * "none"; snap.xdp.dev the device, bpffs and mode to restore it with. */
static int snapshot_xdp(const char *dir, const struct apply_opts *o)
{
	const char *pin = o->pin_root ? o->pin_root : "/sys/fs/bpf";
	char *lp = xasprintf("%s/fwc/%s/link", pin, o->xdp_dev);
	char *sp = xdp_state_image(o->xdp_dev, dir);
	char *img = access(lp, F_OK) == 0 ? slurp(sp) : NULL;
	char *p = path_in(dir, "snap.xdp"), *pm = path_in(dir, "snap.xdp.dev");
	char *meta = xasprintf("dev=%s\npin_root=%s\nskb=%d\n", o->xdp_dev, pin, o->xdp_skb);
	int r = put_str(p, img ? img : "none\n");
	if (!r)
		r = put_str(pm, meta);
	free(lp);
	free(sp);
	free(img);
	free(p);
	free(pm);
	free(meta);
	return r;
}

static int restore_xdp(const char *dir, char **err)
{
	char *pm = path_in(dir, "snap.xdp.dev"), *p = path_in(dir, "snap.xdp");
	char *meta = slurp(pm);
	char *dev = meta ? kv_get(meta, "dev") : NULL, *pin = meta ? kv_get(meta, "pin_root") : NULL;
	int rc = -1;
	FILE *f = NULL;
	if (!dev || !pin) {
		*err = xasprintf("no XDP snapshot in %s\n", dir);
		goto out;
	}
	f = fopen(p, "r");
	char first[32] = "";
	if (!f || !fgets(first, sizeof(first), f)) {
		*err = xasprintf("cannot read %s\n", p);
		goto out;
	}
	if (!strcmp(first, "none\n")) {
		rc = xdp_detach(dev, pin, dir, true) < 0 ? -1 : 0;
		if (rc)
			*err = xasprintf("cannot detach fwc's XDP program from %s\n", dev);
		goto out;
	}
	rewind(f);
	struct xdp_image img;
	char e[512];
	if (ximg_read(f, p, &img, e, sizeof(e)) != 0) {
		*err = xasprintf("%s\n", e);
		goto out;
	}
	rc = xdp_attach(dev, &img, pin, dir, kv_num(meta, "skb") == 1, true) == 0 ? 0 : -1;
	if (rc)
		*err = xasprintf("cannot put the old XDP image back on %s\n", dev);
	ximg_release(&img);
out:
	if (f)
		fclose(f);
	free(meta);
	free(dev);
	free(pin);
	free(pm);
	free(p);
	return rc;
}

static int restore(const char *dir, const char *backend, char **err)
{
	if (!strcmp(backend, "nft"))
		return restore_nft(dir, err);
	if (!strcmp(backend, "bpf")) {
		/* XDP first: it must not drop what the old rules accept */
		int x = restore_xdp(dir, err);
		char *e2 = NULL;
		int n = restore_nft(dir, &e2);
		if (e2) {
			char *m = xasprintf("%s%s", *err ? *err : "", e2);
			free(*err);
			*err = m;
			free(e2);
		}
		return x || n ? -1 : 0;
	}
	return restore_ipt(dir, err);
}

/* ---- loading ---- */

/* Print the lines of a kernel error, and the line of the file it names
 * (nft: FILE:LINE:COL; iptables-restore: "line N failed"). */
static void report_load_error(const char *what, const char *file, const char *err)
{
	fprintf(stderr, "fwc: the kernel refused the new rules (%s); nothing was changed:\n", what);
	fputs(err, stderr);
	if (err[0] && err[strlen(err) - 1] != '\n')
		fputc('\n', stderr);
	long line = -1;
	const char *p = strstr(err, "line ");
	if (p && strstr(err, "failed"))
		line = strtol(p + 5, NULL, 10);
	if (line > 0 && file) {
		size_t len;
		char *text = read_file(file, &len);
		long n = 1;
		for (char *l = text; text && *l; n++) {
			char *nl = strchr(l, '\n');
			if (n == line) {
				fprintf(stderr, "fwc: %s:%ld: %.*s\n", file, line,
					(int)(nl ? nl - l : (long)strlen(l)), l);
				break;
			}
			if (!nl)
				break;
			l = nl + 1;
		}
		free(text);
	}
}

static int load_nft(const char *dir, const char *script)
{
	char *p = path_in(dir, "new.nft");
	if (put_str(p, script) != 0) {
		free(p);
		return -1;
	}
	const char *argv[] = { "nft", "-f", p, NULL };
	char *err = NULL;
	int rc = run(argv, NULL, NULL, &err);
	if (rc != 0)
		report_load_error(rc == 127 ? "nft not found" : "nft -f", p, err);
	free(err);
	free(p);
	return rc == 0 ? 0 : -1;
}

static int load_ipt(const char *dir, const char *v4, const char *v6, const char *sets)
{
	char *ps = path_in(dir, "new.ipset"), *p4 = path_in(dir, "new.ipt4"),
	     *p6 = path_in(dir, "new.ipt6");
	int rc = -1;
	char *err = NULL;
	if (put_str(ps, sets) || put_str(p4, v4) || put_str(p6, v6))
		goto out;
	/* the sets first (the rules use them), then each family */
	const char *a0[] = { "ipset", "restore", "-file", ps, NULL };
	const char *a4[] = { "iptables-restore", p4, NULL };
	const char *a6[] = { "ip6tables-restore", p6, NULL };
	const char *const *steps[] = { a0, a4, a6 };
	const char *files[] = { ps, p4, p6 };
	for (int i = 0; i < 3; i++) {
		if (i == 0 && !*sets)
			continue;
		free(err);
		err = NULL;
		int r = run(steps[i], NULL, NULL, &err);
		if (r != 0) {
			/* what went before is undone from the snapshot */
			char *e2 = NULL;
			int back = restore_ipt(dir, &e2);
			report_load_error(steps[i][0], files[i], err);
			if (back != 0)
				fprintf(stderr, "fwc: and putting the old rules back failed too:\n%s",
					e2);
			free(e2);
			goto out;
		}
	}
	rc = 0;
out:
	free(err);
	free(ps);
	free(p4);
	free(p6);
	return rc;
}

/* ---- the rollback process ---- */

/* In the grandchild: wait for the deadline unless the pending file goes
 * away or names another apply; then restore under the lock. */
static void __attribute__((noreturn)) rollback_process(const char *dir, const char *id,
						       long long deadline)
{
	char *pp = path_in(dir, "pending");
	for (;;) {
		char *pend = slurp(pp);
		char *pid = pend ? kv_get(pend, "id") : NULL;
		bool mine = pid && !strcmp(pid, id);
		free(pid);
		free(pend);
		if (!mine && access(pp, F_OK) != 0)
			_exit(0);   /* confirmed or rolled back by someone else */
		if (now_ms() >= deadline)
			break;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	int lk = lock_take(dir, true);
	char *pend = slurp(pp);
	char *pid = pend ? kv_get(pend, "id") : NULL;
	if (pid && !strcmp(pid, id)) {
		char *backend = kv_get(pend, "backend");
		char *err = NULL;
		long long t0 = now_ms();
		int rc = restore(dir, backend ? backend : "nft", &err);
		long long t1 = now_ms();
		if (rc == 0) {
			unlink(pp);
			log_event(dir, "rolled back apply %s: no confirmation by the deadline; "
				  "restored at +%lld ms after the deadline (took %lld ms)", id,
				  t1 - deadline, t1 - t0);
		} else {
			log_event(dir, "rollback of apply %s FAILED: %s", id, err ? err : "");
		}
		free(err);
		free(backend);
	}
	free(pid);
	free(pend);
	free(pp);
	lock_release(lk);
	_exit(0);
}

/* Start the rollback process; returns its pid or -1. */
static long start_rollback(const char *dir, const char *id, long long deadline, int lockfd)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	fflush(NULL);
	pid_t c1 = fork();
	if (c1 < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (c1 == 0) {
		close(pfd[0]);
		setsid();
		pid_t c2 = fork();
		if (c2 == 0) {
			/* the rollback process: nothing of the client's */
			signal(SIGHUP, SIG_IGN);
			signal(SIGINT, SIG_IGN);
			signal(SIGQUIT, SIG_IGN);
			signal(SIGPIPE, SIG_IGN);
			close(lockfd);
			int nul = open("/dev/null", O_RDWR);
			if (nul >= 0) {
				dup2(nul, 0);
				dup2(nul, 1);
				dup2(nul, 2);
				if (nul > 2)
					close(nul);
			}
			for (int fd = 3; fd < 1024; fd++)
				if (fd != pfd[1])
					close(fd);
			close(pfd[1]);
			if (chdir("/") != 0)
				_exit(1);
			rollback_process(dir, id, deadline);
		}
		long v = c2 > 0 ? (long)c2 : -1;
		(void)!write(pfd[1], &v, sizeof(v));
		_exit(0);
	}
	close(pfd[1]);
	long pid = -1;
	if (read(pfd[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		pid = -1;
	close(pfd[0]);
	int st;
	while (waitpid(c1, &st, 0) < 0 && errno == EINTR)
		;
	return pid;
}

/* ---- commands ---- */

static char *abs_path(const char *p)
{
	char *r = p && strcmp(p, "-") ? realpath(p, NULL) : NULL;
	return r ? r : xstrdup(p ? p : "");
}

/* A pending rollback refuses a new apply. Returns 0 when none. */
static int check_pending(const char *dir, const char *verb)
{
	char *pp = path_in(dir, "pending");
	char *pend = slurp(pp);
	free(pp);
	if (!pend)
		return 0;
	char *policy = kv_get(pend, "policy");
	long long deadline = kv_num(pend, "deadline");
	long pid = (long)kv_num(pend, "pid");
	char when[64];
	when_str(when, sizeof(when), deadline);
	if (pid_alive(pid))
		fprintf(stderr, "fwc: cannot %s: the rules applied from %s wait for a "
			"confirmation; they are rolled back at %s (in %lld s) unless `fwc confirm`; "
			"confirm or roll back first\n", verb, policy ? policy : "?", when,
			(deadline - now_ms() + 999) / 1000);
	else
		fprintf(stderr, "fwc: cannot %s: the rules applied from %s were to be rolled "
			"back at %s, but the rollback process (pid %ld) is gone (a reboot?); run "
			"`fwc rollback` to restore what was there before, or `fwc confirm` to keep "
			"them\n", verb, policy ? policy : "?", when, pid);
	free(policy);
	free(pend);
	return -1;
}

int apply_run(const struct ir *ir, const struct apply_opts *o)
{
	const char *dir = o->state_dir ? o->state_dir : APPLY_STATE_DIR;
	if (state_open(dir) != 0)
		return 2;
	int lk = lock_take(dir, false);
	if (lk < 0)
		return 1;
	int ret = 1;
	char *nft = NULL, *v4 = NULL, *v6 = NULL, *sets = NULL, *policy = abs_path(o->policy);
	struct xdp_image img = { 0 };
	bool has_img = false;
	if (check_pending(dir, "apply") != 0)
		goto out;
	const char *backend = o->backend == APPLY_NFT ? "nft" : o->backend == APPLY_BPF ? "bpf"
										   : "iptables";
	if (o->backend == APPLY_BPF) {
		if (!o->xdp_dev || !if_nametoindex(o->xdp_dev)) {
			fprintf(stderr, "fwc: no device '%s'\n", o->xdp_dev ? o->xdp_dev : "");
			goto out;
		}
		struct xdp_opts xo = bpf_default_opts;
		xo.ct_any = o->xdp_ct_any;
		struct xdp_plan pl;
		char e[600];
		if (xdp_plan_build(ir, &xo, &pl, e, sizeof(e)) < 0 ||
		    ximg_build(&pl, o->policy, &img, e, sizeof(e)) < 0) {
			fprintf(stderr, "fwc: %s\n", e);
			if (pl.item || pl.box)
				xdp_plan_release(&pl);
			goto out;
		}
		has_img = true;
		xdp_plan_release(&pl);
	}
	if (o->backend == APPLY_NFT || o->backend == APPLY_BPF) {
		nft = emit(ir, 0);
		if (!nft) {
			fputs("fwc: the policy cannot be written for nft\n", stderr);
			goto out;
		}
	} else {
		v4 = emit(ir, 4);
		v6 = emit(ir, 6);
		sets = emit(ir, 1);
		if (!v4 || !v6 || !sets) {
			fputs("fwc: the policy cannot be written for iptables\n", stderr);
			goto out;
		}
	}
	if (!o->no_rollback) {
		int r = o->backend == APPLY_IPTABLES ? snapshot_ipt(dir, v4, v6, sets) : snapshot_nft(dir);
		if (r == 0 && o->backend == APPLY_BPF)
			r = snapshot_xdp(dir, o);
		if (r != 0) {
			fputs("fwc: no snapshot of the current rules: nothing applied\n", stderr);
			goto out;
		}
	}
	if (getenv("FWC_APPLY_BREAK")) {
		/* tests: a rule the kernel refuses, at the end of the output */
		if (nft) {
			char *b = xasprintf("%sadd rule inet fwc input meta nosuchkey 1 accept\n", nft);
			free(nft);
			nft = b;
		} else {
			char *b = xasprintf("%s*filter\n-A INPUT -m nosuchmatch -j ACCEPT\nCOMMIT\n", v6);
			free(v6);
			v6 = b;
		}
	}
	int lr = o->backend == APPLY_IPTABLES ? load_ipt(dir, v4, v6, sets) : load_nft(dir, nft);
	if (lr != 0)
		goto out;
	if (o->backend == APPLY_BPF &&
	    xdp_attach(o->xdp_dev, &img, o->pin_root ? o->pin_root : "/sys/fs/bpf", dir, o->xdp_skb,
		       true) != 0) {
		char *e = NULL;
		if (!o->no_rollback && restore_nft(dir, &e) == 0)
			fputs("fwc: XDP not loaded: the old nft rules are back\n", stderr);
		else
			fprintf(stderr, "fwc: XDP not loaded, and the nft rules are the new ones%s%s",
				e ? ": " : "\n", e ? e : "");
		free(e);
		goto out;
	}
	/* the records name the XDP device too (confirm, rollback, status) */
	char xdp_rec[48] = "";
	if (o->backend == APPLY_BPF)
		snprintf(xdp_rec, sizeof(xdp_rec), "xdp_dev=%s\n", o->xdp_dev);
	long long now = now_ms();
	char id[64];
	snprintf(id, sizeof(id), "%lld-%ld", now, (long)getpid());
	if (o->no_rollback) {
		char *rec = xasprintf("policy=%s\nbackend=%s\n%sapplied=%lld\nconfirmed=%lld\n"
				      "how=no-rollback\n", policy, backend, xdp_rec, now, now);
		char *ap = path_in(dir, "applied");
		put_str(ap, rec);
		free(ap);
		free(rec);
		log_event(dir, "applied %s (%s) without rollback", policy, backend);
		fprintf(stderr, "fwc: applied %s (%s), no rollback\n", policy, backend);
		ret = 0;
		goto out;
	}
	long long deadline = now + (long long)o->timeout * 1000;
	/* the pending record first, then the process that watches it */
	char *pp = path_in(dir, "pending");
	char *rec = xasprintf("id=%s\npolicy=%s\nbackend=%s\n%sapplied=%lld\ndeadline=%lld\npid=0\n",
			      id, policy, backend, xdp_rec, now, deadline);
	if (put_str(pp, rec) != 0) {
		char *e = NULL;
		restore(dir, backend, &e);
		fputs("fwc: the old rules are back\n", stderr);
		free(e);
		free(rec);
		free(pp);
		goto out;
	}
	long pid = start_rollback(dir, id, deadline, lk);
	if (pid < 0) {
		char *e = NULL;
		restore(dir, backend, &e);
		unlink(pp);
		fprintf(stderr, "fwc: cannot start the rollback process (%s): the old rules are back\n",
			strerror(errno));
		free(e);
		free(rec);
		free(pp);
		goto out;
	}
	free(rec);
	rec = xasprintf("id=%s\npolicy=%s\nbackend=%s\n%sapplied=%lld\ndeadline=%lld\npid=%ld\n",
			id, policy, backend, xdp_rec, now, deadline, pid);
	put_str(pp, rec);
	free(rec);
	free(pp);
	log_event(dir, "applied %s (%s) as apply %s; rollback at deadline %lld by pid %ld",
		  policy, backend, id, deadline, pid);
	lock_release(lk);
	lk = -1;
	char when[64];
	when_str(when, sizeof(when), deadline);
	if (o->detach || !isatty(0)) {
		fprintf(stderr, "fwc: applied %s (%s); it is rolled back at %s (in %d s) unless "
			"`fwc confirm`%s\n", policy, backend, when, o->timeout,
			o->detach ? "" : " (no terminal to ask on)");
		ret = 0;
		goto out;
	}
	fprintf(stderr, "fwc: applied %s (%s). Type yes within %d s to keep it (rolled back at "
		"%s otherwise): ", policy, backend, o->timeout, when);
	fflush(stderr);
	char line[64] = "";
	size_t n = 0;
	bool eof = false;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		struct pollfd pfd = { 0, POLLIN, 0 };
		int pr = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		char ch;
		ssize_t r = read(0, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			eof = true;   /* the terminal went away, or ^D */
			break;
		}
		if (ch == '\n')
			break;
		if (n < sizeof(line) - 1)
			line[n++] = ch;
	}
	line[n] = '\0';
	if (!strcmp(line, "yes")) {
		ret = apply_confirm(dir);
	} else if (eof || now_ms() >= deadline) {
		/* no answer: the rollback process does what it is there for */
		fprintf(stderr, "\nfwc: no confirmation: the old rules come back at %s\n", when);
		ret = 1;
	} else {
		fprintf(stderr, "fwc: not confirmed: rolling back now\n");
		apply_rollback(dir);
		ret = 1;
	}
out:
	lock_release(lk);
	if (has_img)
		ximg_release(&img);
	free(nft);
	free(v4);
	free(v6);
	free(sets);
	free(policy);
	return ret;
}

int apply_confirm(const char *dir)
{
	if (state_open(dir) != 0)
		return 2;
	int lk = lock_take(dir, true);
	if (lk < 0)
		return 1;
	char *pp = path_in(dir, "pending");
	char *pend = slurp(pp);
	int ret = 0;
	if (!pend) {
		fprintf(stderr, "fwc: nothing to confirm: no rollback is pending in %s\n", dir);
		ret = 1;
	} else {
		char *policy = kv_get(pend, "policy"), *backend = kv_get(pend, "backend"),
		     *id = kv_get(pend, "id");
		long long applied = kv_num(pend, "applied");
		long pid = (long)kv_num(pend, "pid");
		char *dev = kv_get(pend, "xdp_dev");
		char *rec = xasprintf("policy=%s\nbackend=%s%s%s\napplied=%lld\nconfirmed=%lld\nhow=confirmed\n",
				      policy ? policy : "?", backend ? backend : "?",
				      dev ? "\nxdp_dev=" : "", dev ? dev : "", applied, now_ms());
		free(dev);
		char *ap = path_in(dir, "applied");
		if (put_str(ap, rec) == 0 && unlink(pp) == 0) {
			if (pid_alive(pid))
				kill((pid_t)pid, SIGTERM);
			log_event(dir, "confirmed apply %s (%s)", id ? id : "?", policy ? policy : "?");
			fprintf(stderr, "fwc: confirmed: the rules from %s stay\n", policy ? policy : "?");
		} else {
			ret = 2;
		}
		free(ap);
		free(rec);
		free(policy);
		free(backend);
		free(id);
	}
	free(pend);
	free(pp);
	lock_release(lk);
	return ret;
}

int apply_rollback(const char *dir)
{
	if (state_open(dir) != 0)
		return 2;
	int lk = lock_take(dir, true);
	if (lk < 0)
		return 1;
	char *pp = path_in(dir, "pending");
	char *pend = slurp(pp);
	int ret = 0;
	if (!pend) {
		fprintf(stderr, "fwc: nothing to roll back: no apply waits for a confirmation in %s\n",
			dir);
		ret = 1;
	} else {
		char *backend = kv_get(pend, "backend"), *policy = kv_get(pend, "policy"),
		     *id = kv_get(pend, "id");
		long pid = (long)kv_num(pend, "pid");
		char *err = NULL;
		if (restore(dir, backend ? backend : "nft", &err) == 0) {
			unlink(pp);
			if (pid_alive(pid))
				kill((pid_t)pid, SIGTERM);
			log_event(dir, "rolled back apply %s by request", id ? id : "?");
			fprintf(stderr, "fwc: rolled back: the rules from before %s are back\n",
				policy ? policy : "the apply");
		} else {
			fprintf(stderr, "fwc: the rollback failed (the snapshot stays in %s):\n%s", dir,
				err ? err : "");
			log_event(dir, "rollback of apply %s by request FAILED", id ? id : "?");
			ret = 1;
		}
		free(err);
		free(backend);
		free(policy);
		free(id);
	}
	free(pend);
	free(pp);
	lock_release(lk);
	return ret;
}

int apply_status(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		printf("nothing applied by fwc (no state in %s)\n", dir);
		return 0;
	}
	char *ap = path_in(dir, "applied"), *pp = path_in(dir, "pending");
	char *app = slurp(ap), *pend = slurp(pp);
	char when[64];
	if (app) {
		char *policy = kv_get(app, "policy"), *backend = kv_get(app, "backend"),
		     *how = kv_get(app, "how");
		char *dev = kv_get(app, "xdp_dev");
		when_str(when, sizeof(when), kv_num(app, "applied"));
		printf("applied: %s (%s%s%s) at %s, %s\n", policy ? policy : "?", backend ? backend : "?",
		       dev ? ", XDP on " : "", dev ? dev : "",
		       when, how && !strcmp(how, "no-rollback") ? "without rollback" : "confirmed");
		free(dev);
		free(policy);
		free(backend);
		free(how);
	} else {
		printf("applied: nothing kept yet\n");
	}
	if (pend) {
		char *policy = kv_get(pend, "policy"), *backend = kv_get(pend, "backend");
		long long deadline = kv_num(pend, "deadline");
		long pid = (long)kv_num(pend, "pid");
		char w2[64];
		when_str(w2, sizeof(w2), kv_num(pend, "applied"));
		when_str(when, sizeof(when), deadline);
		char *dev = kv_get(pend, "xdp_dev");
		printf("pending: %s (%s%s%s) applied at %s; rollback at %s (in %lld s) by pid %ld%s\n",
		       policy ? policy : "?", backend ? backend : "?", dev ? ", XDP on " : "",
		       dev ? dev : "", w2, when,
		       (deadline - now_ms() + 999) / 1000, pid,
		       pid_alive(pid) ? "" : " (NOT RUNNING: run fwc rollback or fwc confirm)");
		free(dev);
		free(policy);
		free(backend);
	} else {
		printf("pending: no rollback\n");
	}
	free(app);
	free(pend);
	free(ap);
	free(pp);
	return 0;
}
