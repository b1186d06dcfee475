// SPDX-License-Identifier: GPL-2.0
/*
 * famfs-agent: the in-guest end of the test harness control channel.
 *
 * Reads requests from a virtio-serial port, runs each with "sh -c" and
 * streams the output back. Framing (all headers are one ASCII line):
 *
 *   guest -> host  "READY <status>\n"        once, when the agent starts
 *   host -> guest  "RUN <timeout_s> <len>\n" followed by <len> bytes of command
 *   guest -> host  "OUT <len>\n" + <len> bytes   (zero or more)
 *   guest -> host  "END <rc>\n"              rc = exit status, 128+sig if killed
 *   host -> guest  "POWEROFF\n"              reply "END 0\n", sync, power off
 *
 * A command that outlives its timeout has its process group killed and
 * ends with rc 124 (as timeout(1)). Commands run one at a time; background
 * children that keep the output pipe open do not hold up the reply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMD (1 << 20)

static int port_fd;

static void die(const char *msg)
{
	fprintf(stderr, "famfs-agent: %s: %s\n", msg, strerror(errno));
	exit(1);
}

static void write_all(const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(port_fd, p, len);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				usleep(1000);
				continue;
			}
			die("write to control port");
		}
		p += n;
		len -= n;
	}
}

static void send_line(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	write_all(line, n);
}

/* Read one '\n'-terminated header line; returns its length, 0 on EOF. */
static size_t read_line(char *buf, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		ssize_t n = read(port_fd, buf + len, 1);

		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read from control port");
		}
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return len + 1;
		}
		len++;
	}
	buf[len] = '\0';
	return len;
}

static int read_exact(char *buf, size_t len)
{
	while (len) {
		ssize_t n = read(port_fd, buf, len);

		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read from control port");
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Forward what is readable on @fd; returns 0 at end of file. */
static int forward(int fd)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		send_line("OUT %zd\n", n);
		write_all(buf, n);
	}
	return n != 0;
}

/* Reap orphans reparented to us; remember the status of @pid if it ends. */
static int reap(pid_t pid, int *status)
{
	int st, found = 0;
	pid_t r;

	while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
		if (r == pid) {
			*status = st;
			found = 1;
		}
	}
	return found;
}

/* Send what is already buffered in @fd without waiting for more. */
static void drain(int fd)
{
	char buf[16384];
	ssize_t n;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		send_line("OUT %zd\n", n);
		write_all(buf, n);
	}
}

static void run_command(const char *cmd, int timeout)
{
	static const char killed[] = "famfs-agent: command timed out, killed\n";
	double deadline = now() + (timeout > 0 ? timeout : 1e9);
	int pipefd[2], status = 0, out_open = 1, rc;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);

	for (;;) {
		if (out_open) {
			struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };

			if (poll(&pfd, 1, 100) > 0) {
				if (pfd.revents & POLLIN)
					out_open = forward(pipefd[0]);
				else
					out_open = 0;
			}
		} else {
			usleep(100000);
		}
		if (reap(pid, &status))
			break;
		if (now() > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			drain(pipefd[0]);
			close(pipefd[0]);
			send_line("OUT %zu\n", sizeof(killed) - 1);
			write_all(killed, sizeof(killed) - 1);
			send_line("END 124\n");
			return;
		}
	}
	/* Background children may hold the pipe open: don't wait for them. */
	drain(pipefd[0]);
	close(pipefd[0]);
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		rc = 128 + WTERMSIG(status);
	else
		rc = 255;
	send_line("END %d\n", rc);
}

int main(int argc, char **argv)
{
	const char *status = argc > 2 ? argv[2] : "ok";
	char line[256];
	char *cmd;

	if (argc < 2) {
		fprintf(stderr, "usage: famfs-agent PORT [STATUS]\n");
		return 2;
	}
	port_fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (port_fd < 0)
		die(argv[1]);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	cmd = malloc(MAX_CMD + 1);
	if (!cmd)
		die("malloc");

	send_line("READY %s\n", status);
	for (;;) {
		int timeout = 0;
		size_t len = 0;

		if (!read_line(line, sizeof(line))) {
			/* Host side not connected yet or went away: retry. */
			sleep(1);
			continue;
		}
		if (!strcmp(line, "POWEROFF")) {
			send_line("END 0\n");
			sync();
			reboot(RB_POWER_OFF);
			die("reboot");
		}
		if (sscanf(line, "RUN %d %zu", &timeout, &len) != 2 || len > MAX_CMD) {
			static const char msg[] = "famfs-agent: bad request\n";

			/* Skip an oversized command so the stream stays framed. */
			while (strncmp(line, "RUN ", 4) == 0 && len > 0) {
				size_t n = len > MAX_CMD ? MAX_CMD : len;

				if (read_exact(cmd, n))
					break;
				len -= n;
			}
			send_line("OUT %zu\n", sizeof(msg) - 1);
			write_all(msg, sizeof(msg) - 1);
			send_line("END 2\n");
			continue;
		}
		if (read_exact(cmd, len))
			continue;
		cmd[len] = '\0';
		run_command(cmd, timeout);
	}
}
