/*
 * xdpsend.c: traffic for the XDP veth test (tests/bpf/veth.sh).
 *
 *   xdpsend frames DEV PACKETS [POLICY PEERDEV]
 *       each packet of PACKETS (fwc trace syntax) once, as an Ethernet
 *       frame to 02:00:00:00:00:01 on DEV (AF_PACKET). With POLICY: first
 *       prints what fwc's XDP program on PEERDEV must count, one line per
 *       policy rule as `fwc bpf status` prints them: "COUNT ACT WHERE".
 *   xdpsend udp ADDR PORT N GAP_US
 *       N datagrams (4 bytes: their number) to ADDR:PORT, GAP_US apart.
 *   xdpsend recv PORT QUIET_MS
 *       counts datagrams on PORT (IPv4 and IPv6) until QUIET_MS pass with
 *       none after the first; prints the count and the distinct numbers.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "bpf/fwc_xdp.h"
#include "bpfload.h"
#include "diag.h"
#include "frontend.h"
#include "xdp.h"

static int expect(const char *policy, const char *peer, const struct packet *pk, size_t n)
{
	struct fwc_opts fo = { 0 };
	fo.datadir = getenv("FWC_DATADIR") ? getenv("FWC_DATADIR") : "data";
	struct ir *ir = frontend_compile(policy, &fo, DUMP_NONE, NULL);
	if (!ir) {
		diag_print(stderr, false);
		return -1;
	}
	struct xdp_plan pl;
	char err[600];
	if (xdp_plan_build(ir, &bpf_default_opts, &pl, err, sizeof(err)) < 0) {
		fprintf(stderr, "xdpsend: %s\n", err);
		ir_free(ir);
		return -1;
	}
	struct xdp_image img;
	if (ximg_build(&pl, policy, &img, err, sizeof(err)) < 0) {
		fprintf(stderr, "xdpsend: %s\n", err);
		return -1;
	}
	uint64_t *cnt = xcalloc(img.nrules + 2, 8);
	for (size_t i = 0; i < n; i++) {
		struct packet p = pk[i];
		snprintf(p.iif, sizeof(p.iif), "%s", peer);
		long b = xdp_plan_classify(&pl, &p);
		cnt[b >= 0 ? (size_t)b : img.nrules + (p.fragment ? 1u : 0u)]++;
	}
	bool *done = xcalloc(img.nrules + 1, 1);
	for (uint32_t r = 0; r < img.nrules; r++) {
		if (done[r])
			continue;
		uint64_t sum = 0;
		for (uint32_t q = r; q < img.nrules; q++)
			if (!done[q] && img.rule[q].act == img.rule[r].act &&
			    !strcmp(img.rule[q].where, img.rule[r].where)) {
				sum += cnt[q];
				done[q] = true;
			}
		printf("%llu %s %s\n", (unsigned long long)sum,
		       img.rule[r].act == FWC_ACT_DROP ? "drop" : "pass", img.rule[r].where);
	}
	printf("%llu pass no rule matched\n", (unsigned long long)cnt[img.nrules]);
	printf("%llu pass not classified\n", (unsigned long long)cnt[img.nrules + 1]);
	free(done);
	free(cnt);
	ximg_release(&img);
	xdp_plan_release(&pl);
	ir_free(ir);
	return 0;
}

static int frames(int argc, char **argv)
{
	if (argc != 4 && argc != 6)
		return 2;
	struct packet *pk = NULL;
	size_t n = 0;
	char perr[256];
	if (packet_file_read(argv[3], &pk, &n, perr, sizeof(perr)) < 0) {
		fprintf(stderr, "xdpsend: %s\n", perr);
		return 1;
	}
	if (argc == 6 && expect(argv[4], argv[5], pk, n) < 0)
		return 1;
	fflush(stdout);
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	unsigned ifx = if_nametoindex(argv[2]);
	if (s < 0 || !ifx) {
		perror("xdpsend: AF_PACKET");
		return 1;
	}
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = (int)ifx, .sll_halen = 6 };
	for (size_t i = 0; i < n; i++) {
		uint8_t fr[128];
		size_t len = xdp_frame(&pk[i], fr, sizeof(fr));
		memcpy(sa.sll_addr, fr, 6);
		if (sendto(s, fr, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)len) {
			perror("xdpsend: sendto");
			return 1;
		}
		if (i % 64 == 63)
			usleep(1000);   /* the peer's backlog is finite */
	}
	close(s);
	free(pk);
	return 0;
}

static int udp(int argc, char **argv)
{
	if (argc != 6)
		return 2;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	int port = atoi(argv[3]);
	if (inet_pton(AF_INET, argv[2], &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, argv[2], &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*a6);
	} else {
		return 2;
	}
	int s = socket(ss.ss_family, SOCK_DGRAM, 0);
	long cnt = atol(argv[4]), gap = atol(argv[5]);
	for (long i = 0; i < cnt; i++) {
		uint32_t v = htonl((uint32_t)i);
		if (sendto(s, &v, 4, 0, (struct sockaddr *)&ss, sl) != 4) {
			perror("xdpsend: udp");
			return 1;
		}
		if (gap)
			usleep((useconds_t)gap);
	}
	close(s);
	return 0;
}

static int recv_count(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	int off = 0, big = 8 << 20;
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(argv[2])) };
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("xdpsend: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	long quiet = atol(argv[3]), n = 0, distinct = 0;
	size_t cap = 1 << 20;
	uint8_t *seen = xcalloc(cap, 1);
	bool started = false;
	for (;;) {
		struct pollfd pf = { s, POLLIN, 0 };
		int r = poll(&pf, 1, started ? (int)quiet : 60000);
		if (r <= 0)
			break;
		uint32_t v;
		if (recv(s, &v, 4, 0) == 4) {
			started = true;
			n++;
			v = ntohl(v);
			if (v < cap && !seen[v]++)
				distinct++;
		}
	}
	printf("%ld %ld\n", n, distinct);
	free(seen);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;
	if (argc >= 2 && !strcmp(argv[1], "frames"))
		rc = frames(argc, argv);
	else if (argc >= 2 && !strcmp(argv[1], "udp"))
		rc = udp(argc, argv);
	else if (argc >= 2 && !strcmp(argv[1], "recv"))
		rc = recv_count(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage: xdpsend frames DEV PACKETS [POLICY PEERDEV]\n"
				"       xdpsend udp ADDR PORT N GAP_US\n"
				"       xdpsend recv PORT QUIET_MS\n");
	return rc;
}
