// SPDX-License-Identifier: GPL-2.0
/* xdp_drop.bpf.c: the calibration for bench/bpf.sh: an XDP program that
 * drops every frame, i.e. the cost of BPF_PROG_TEST_RUN itself. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
