/*
 * apply.h: fwc apply, confirm, rollback, status: load a compiled policy
 * into the kernel with a dead-man rollback that belongs to the system,
 * not to the session (docs/apply.md).
 */
#ifndef FWC_APPLY_H
#define FWC_APPLY_H

#include <stdbool.h>

#include "ir.h"

enum apply_backend { APPLY_NFT, APPLY_IPTABLES, APPLY_BPF };

struct apply_opts {
	const char *state_dir;      /* default /var/lib/fwc */
	enum apply_backend backend;
	int timeout;                /* seconds until the rollback */
	bool detach;                /* return at once; confirm later */
	bool no_rollback;           /* boot: load, record, no snapshot */
	const char *policy;         /* the policy's path, for the record */
	/* APPLY_BPF: nft plus fwc's XDP program on this device */
	const char *xdp_dev;
	bool xdp_ct_any;            /* --xdp-conntrack any */
	bool xdp_skb;               /* generic XDP */
	const char *pin_root;       /* bpffs (default /sys/fs/bpf) */
};

#define APPLY_STATE_DIR "/var/lib/fwc"

/* Load the compiled IR (the caller has compiled and linted it). Returns
 * an exit status (0 applied, 1 refused or the kernel rejected it, 2 a
 * usage or I/O problem); messages on stderr. */
int apply_run(const struct ir *ir, const struct apply_opts *o);
int apply_confirm(const char *state_dir);
int apply_rollback(const char *state_dir);
int apply_status(const char *state_dir);

#endif
