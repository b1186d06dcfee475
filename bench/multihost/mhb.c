// SPDX-License-Identifier: GPL-2.0
/*
 * mhb: in-guest helper of the multi-host benchmarks (bench/multihost/).
 *
 * The guests run busybox, whose date(1) has no sub-second format and
 * whose shell forks a process for every timestamp. This helper gives
 * the benchmarks what they need at low cost:
 *
 *   mhb now          print CLOCK_REALTIME as seconds.nanoseconds
 *   mhb timed [-s] [-r N]
 *                    read commands from stdin, one per line (words split
 *                    on blanks, no quoting), run each with fork+execvp
 *                    and print for each one
 *                        OP <n> <start> <end> <exit status>
 *                    (CLOCK_REALTIME seconds; a command killed by a
 *                    signal reports 128+signal). With -r N a command
 *                    that fails is run again, up to N more times, each
 *                    retry reported as
 *                        RETRY <n> <exit status of the failed try>
 *                    (OP then spans every try). With -s it stops after
 *                    the first command that fails (after its retries)
 *                    and prints
 *                        STOPPED <n> <exit status>
 *                    The commands' own output goes to stdout/stderr.
 *
 * Exit status: 0 when every command ran (timed: and, with -s, none
 * failed), 1 when a command failed under -s, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORDS 64
#define MAX_LINE 4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_one(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("mhb: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "mhb: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("mhb: waitpid");
			return 127;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 127;
}

static int timed(int stop_on_error, long retries)
{
	char line[MAX_LINE];
	char *argv[MAX_WORDS + 1];
	unsigned long n = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *save = NULL, *w;
		int argc = 0;
		double t0, t1;
		int rc;

		for (w = strtok_r(line, " \t\r\n", &save); w && argc < MAX_WORDS;
		     w = strtok_r(NULL, " \t\r\n", &save))
			argv[argc++] = w;
		if (argc == 0 || argv[0][0] == '#')
			continue;
		argv[argc] = NULL;
		t0 = now();
		rc = run_one(argv);
		for (long r = 0; rc && r < retries; r++) {
			printf("RETRY %lu %d\n", n, rc);
			rc = run_one(argv);
		}
		t1 = now();
		printf("OP %lu %.6f %.6f %d\n", n, t0, t1, rc);
		fflush(stdout);
		if (rc && stop_on_error) {
			printf("STOPPED %lu %d\n", n, rc);
			return 1;
		}
		n++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%.6f\n", now());
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "timed")) {
		int stop = 0, i;
		long retries = 0;
		char *end;

		for (i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "-s")) {
				stop = 1;
			} else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
				retries = strtol(argv[++i], &end, 10);
				if (*end || retries < 0 || retries > 100)
					break;
			} else {
				break;
			}
		}
		if (i == argc)
			return timed(stop, retries);
	}
	fprintf(stderr, "usage: mhb now | mhb timed [-s] [-r N] < COMMANDS\n");
	return 2;
}
