// SPDX-License-Identifier: GPL-2.0
/*
 * tm: time one command in a guest, whose busybox has no sub-second clock.
 *
 *   tm LABEL CMD [ARG...]
 *
 * Runs CMD with its output discarded and prints "TIME LABEL SECONDS RC".
 * Exits with CMD's status (128 + signal if it was killed).
 */
#include <fcntl.h>
#include <stdio.h>
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
	double t0;
	int st, rc;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: tm LABEL CMD [ARG...]\n");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0) {
		perror("waitpid");
		return 2;
	}
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("TIME %s %.6f %d\n", argv[1], now() - t0, rc);
	return rc;
}
