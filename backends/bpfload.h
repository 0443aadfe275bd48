/*
 * bpfload.h: fwc's XDP program in the kernel (libbpf; the program is
 * built into fwc as a bpftool skeleton): load it with a map image, run
 * frames through it (BPF_PROG_TEST_RUN), and the `fwc bpf` command that
 * attaches, swaps, reports and detaches it on a device.
 */
#ifndef FWC_BPFLOAD_H
#define FWC_BPFLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"
#include "xdpimg.h"

struct xprog;

/* A loaded (not attached) program with its maps sized to img and filled
 * for the device whose interface index (img's numbering) is ifx. NULL
 * with a message on failure. */
struct xprog *xprog_load(const struct xdp_image *img, size_t ifx, char *err,
			 size_t errlen);
void xprog_close(struct xprog *x);
int xprog_fd(const struct xprog *x);

/* One frame, repeat times: the XDP return code and the mean ns per run
 * (the kernel's figure). 0, or -errno. */
int xprog_run(const struct xprog *x, const void *frame, size_t len, int repeat,
	      int *ret, uint32_t *ns);
/* Hits per slot (FWC_HIT_SLOTS of them), summed over the CPUs. */
int xprog_hits(const struct xprog *x, uint64_t *out);

/* The Ethernet frame of a packet (IPv4 or IPv6 with its TCP, UDP, ICMP
 * header; a non-first fragment for p->fragment); its length, 0 when buf is
 * too small. */
size_t xdp_frame(const struct packet *p, uint8_t *buf, size_t cap);

/* Attach fwc's XDP program with img to dev, or swap img in when it is
 * attached: pinned under PIN/fwc/DEV, img kept as STATE/xdp-DEV.img.
 * 0, or -1 with a message. */
int xdp_attach(const char *dev, const struct xdp_image *img, const char *pin_root,
	       const char *state_dir, bool skb, bool quiet);
/* Detach it: 0, 1 when none was there, -1 on an error (message). */
int xdp_detach(const char *dev, const char *pin_root, const char *state_dir, bool quiet);
/* STATE/xdp-DEV.img: what xdp_attach keeps (malloc'd path). */
char *xdp_state_image(const char *dev, const char *state_dir);

/* `fwc bpf load|unload|status`: argv[0] is "bpf". */
int cmd_bpf(int argc, char **argv);

#endif
