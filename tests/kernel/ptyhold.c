/*
 * ptyhold.c: run a command on a pseudo-terminal, then hang the terminal
 * up, for tests/kernel/apply.sh ("the SSH session dies").
 *
 *   ptyhold SECONDS CMD [ARG...]
 *
 * CMD runs as the session leader of a new pseudo-terminal (forkpty); what
 * it writes is copied to standard output. After SECONDS (decimal) the
 * master side is closed: the kernel hangs the terminal up and sends
 * SIGHUP to CMD, as when an SSH connection drops. ptyhold then waits up
 * to 3 s and prints how CMD ended: "exit N", "signal N" or "running" (then
 * it leaves it be). Its own exit status is 0 when it could do all that.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ptyhold SECONDS CMD [ARG...]\n");
		return 2;
	}
	double secs = atof(argv[1]);
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0) {
		perror("ptyhold: forkpty");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "ptyhold: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	double end = now() + secs;
	char buf[4096];
	for (;;) {
		double left = end - now();
		if (left <= 0)
			break;
		struct pollfd p = { master, POLLIN, 0 };
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n <= 0)
				break;   /* the command closed its side */
			fwrite(buf, 1, (size_t)n, stdout);
			fflush(stdout);
		}
	}
	close(master);   /* the hang-up */
	int st;
	for (int i = 0; i < 30; i++) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			if (WIFSIGNALED(st))
				printf("\nptyhold: signal %d\n", WTERMSIG(st));
			else
				printf("\nptyhold: exit %d\n", WEXITSTATUS(st));
			return 0;
		}
		usleep(100000);
	}
	printf("\nptyhold: running\n");
	return 0;
}
