// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: a source file that shrinks while it is being copied.
 *
 *   shrink_src FILE SIZE NEWSIZE CMD [ARG...]
 *
 * Writes FILE with SIZE bytes, runs CMD, and truncates FILE to NEWSIZE at
 * the first read(2) of it. With fanotify permission events (root, a kernel
 * with CONFIG_FANOTIFY_ACCESS_PERMISSIONS) the reader is held until the
 * truncation is done, so the copy sees the short file deterministically;
 * otherwise inotify IN_ACCESS truncates right after the first read (the
 * copier's next read, 8 MiB later, sees it). Exits with CMD's status, 125
 * if FILE was never read, 126 on a set-up error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

static int make_file(const char *path, unsigned long long size)
{
	static char buf[1 << 16];
	unsigned long long off = 0;
	size_t n, i;
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0)
		return -1;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	while (off < size) {
		n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		off += n;
	}
	return close(fd);
}

/* Drain pending events; returns how many read events there were. */
static int drain(int nfd, int fan)
{
	char buf[4096] __attribute__((aligned(8)));
	struct fanotify_event_metadata *m;
	struct fanotify_response r;
	ssize_t len;
	int seen = 0;

	len = read(nfd, buf, sizeof(buf));
	if (len <= 0)
		return 0;
	if (!fan)
		return 1;
	for (m = (void *)buf; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
		seen++;
		if (m->mask & FAN_ACCESS_PERM) {
			r.fd = m->fd;
			r.response = FAN_ALLOW;
			/* The caller truncated before this answer (seen). */
			if (write(nfd, &r, sizeof(r)) < 0)
				perror("shrink_src: fanotify response");
		}
		if (m->fd >= 0)
			close(m->fd);
	}
	return seen;
}

int main(int argc, char **argv)
{
	unsigned long long size, newsize;
	int nfd, fan = 1, done = 0, status = 0;
	struct pollfd pfd;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: shrink_src FILE SIZE NEWSIZE CMD [ARG...]\n");
		return 126;
	}
	size = strtoull(argv[2], NULL, 0);
	newsize = strtoull(argv[3], NULL, 0);
	if (make_file(argv[1], size)) {
		perror(argv[1]);
		return 126;
	}
	nfd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (nfd < 0 || fanotify_mark(nfd, FAN_MARK_ADD, FAN_ACCESS_PERM,
				     AT_FDCWD, argv[1])) {
		if (nfd >= 0)
			close(nfd);
		fan = 0;
		nfd = inotify_init1(IN_CLOEXEC);
		if (nfd < 0 || inotify_add_watch(nfd, argv[1], IN_ACCESS) < 0) {
			perror("shrink_src: inotify");
			return 126;
		}
	}
	pid = fork();
	if (pid < 0)
		return 126;
	if (pid == 0) {
		execvp(argv[4], argv + 4);
		perror(argv[4]);
		_exit(127);
	}
	pfd.fd = nfd;
	pfd.events = POLLIN;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if (!done) {
			/* The first read: shrink before it is answered. */
			if (truncate(argv[1], (off_t)newsize)) {
				perror("shrink_src: truncate");
				return 126;
			}
			done = 1;
			fprintf(stderr, "# shrink_src: %s cut to %llu bytes at its first read (%s)\n",
				argv[1], newsize, fan ? "fanotify" : "inotify");
		}
		drain(nfd, fan);
	}
	close(nfd);
	if (!done)
		return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
