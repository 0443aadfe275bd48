/*
 * xdpbench.c: ns per packet of fwc's XDP program in BPF_PROG_TEST_RUN
 * (bench/bpf.sh runs it; root).
 *
 *   xdpbench IMAGE CALIB.o ROUNDS REPEAT PACKET...
 *
 * Loads IMAGE (fwc compile -t bpf's xdp.img) for device eth0, and CALIB.o
 * (an XDP program that only drops). For each PACKET (fwc trace syntax,
 * "in eth0"): ROUNDS test runs of REPEAT frames each; prints the median of
 * the rounds' ns per frame for fwc's program and for the calibration, and
 * the verdict: "PACKET<TAB>ns<TAB>calib_ns<TAB>drop|pass".
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "bpfload.h"
#include "xdpimg.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static uint32_t median_run(int fd, const uint8_t *fr, size_t len, int rounds, int repeat, int *ret)
{
	uint32_t *v = calloc((size_t)rounds, sizeof(uint32_t));
	for (int r = 0; r < rounds; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = fr, .data_size_in = (uint32_t)len,
			    .repeat = repeat);
		if (bpf_prog_test_run_opts(fd, &o)) {
			perror("xdpbench: test run");
			exit(1);
		}
		v[r] = o.duration;
		*ret = (int)o.retval;
	}
	qsort(v, (size_t)rounds, sizeof(*v), cmp_u32);
	uint32_t m = v[rounds / 2];
	free(v);
	return m;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: xdpbench IMAGE CALIB.o ROUNDS REPEAT PACKET...\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	struct xdp_image img;
	char err[512];
	if (ximg_read(f, argv[1], &img, err, sizeof(err))) {
		fprintf(stderr, "xdpbench: %s\n", err);
		return 1;
	}
	fclose(f);
	struct xprog *x = xprog_load(&img, ximg_if_index(&img, "eth0"), err, sizeof(err));
	if (!x) {
		fprintf(stderr, "xdpbench: %s\n", err);
		return 1;
	}
	struct bpf_object *cal = bpf_object__open_file(argv[2], NULL);
	if (!cal || bpf_object__load(cal)) {
		fprintf(stderr, "xdpbench: cannot load %s\n", argv[2]);
		return 1;
	}
	int cfd = bpf_program__fd(bpf_object__next_program(cal, NULL));
	int rounds = atoi(argv[3]), repeat = atoi(argv[4]);
	for (int i = 5; i < argc; i++) {
		struct packet p;
		size_t eo, el;
		if (packet_parse(argv[i], &p, err, sizeof(err), &eo, &el) < 0) {
			fprintf(stderr, "xdpbench: %s: %s\n", argv[i], err);
			return 1;
		}
		uint8_t fr[128];
		size_t len = xdp_frame(&p, fr, sizeof(fr));
		int ret, cret;
		uint32_t ns = median_run(xprog_fd(x), fr, len, rounds, repeat, &ret);
		uint32_t cns = median_run(cfd, fr, len, rounds, repeat, &cret);
		printf("%s\t%u\t%u\t%s\n", argv[i], ns, cns,
		       ret == XDP_DROP ? "drop" : ret == XDP_PASS ? "pass" : "other");
	}
	bpf_object__close(cal);
	xprog_close(x);
	ximg_release(&img);
	return 0;
}
