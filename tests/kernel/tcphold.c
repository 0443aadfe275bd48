/*
 * tcphold.c: hold one TCP connection open, for tests/kernel/apply.sh (an
 * "SSH-like session" whose packets fwc apply's live lockout check traces).
 *
 *   tcphold listen ADDR PORT     accept one connection, print "PEER PORT"
 *                                of the client on a line, hold it until
 *                                killed or the peer closes
 *   tcphold connect ADDR PORT    connect, print "ok", hold until killed
 *
 * IPv4 or IPv6 addresses. No external tool (nc, socat) needed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "listen") && strcmp(argv[1], "connect"))) {
		fprintf(stderr, "usage: tcphold listen|connect ADDR PORT\n");
		return 2;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	int port = atoi(argv[3]);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, argv[2], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[2], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else {
		fprintf(stderr, "tcphold: bad address '%s'\n", argv[2]);
		return 2;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("tcphold: socket");
		return 1;
	}
	char buf[256];
	if (!strcmp(argv[1], "listen")) {
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1) != 0) {
			perror("tcphold: bind/listen");
			return 1;
		}
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		int c = accept(fd, (struct sockaddr *)&peer, &pl);
		if (c < 0) {
			perror("tcphold: accept");
			return 1;
		}
		char a[INET6_ADDRSTRLEN];
		int pp;
		if (peer.ss_family == AF_INET) {
			struct sockaddr_in *p = (struct sockaddr_in *)&peer;
			inet_ntop(AF_INET, &p->sin_addr, a, sizeof(a));
			pp = ntohs(p->sin_port);
		} else {
			struct sockaddr_in6 *p = (struct sockaddr_in6 *)&peer;
			inet_ntop(AF_INET6, &p->sin6_addr, a, sizeof(a));
			pp = ntohs(p->sin6_port);
		}
		printf("%s %d\n", a, pp);
		fflush(stdout);
		while (read(c, buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		perror("tcphold: connect");
		return 1;
	}
	printf("ok\n");
	fflush(stdout);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return 0;
}
