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
 * copier's next read, 8 MiB later, sees it); without either (small test
 * kernels) the child's file position is polled in /proc and the child is
 * stopped while the file is cut: make FILE large (sparse) there. Exits
 * with CMD's status, 125 if FILE was never read, 126 on a set-up error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	/* Data for the first 16 MiB, a hole after: large sources stay cheap. */
	while (off < size && off < (16ULL << 20)) {
		n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		off += n;
	}
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return -1;
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

/* Has @pid read from an fd open on @real (its position moved)? */
static int child_read(pid_t pid, const char *real)
{
	char dir[64], p[PATH_MAX], link[PATH_MAX], line[256];
	struct dirent *de;
	unsigned long long pos;
	int found = 0;
	ssize_t n;
	DIR *d;
	FILE *f;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		n = readlink(p, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strcmp(link, real))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fdinfo/%s", (int)pid, de->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "pos: %llu", &pos) == 1 && pos > 0)
				found = 1;
		fclose(f);
	}
	closedir(d);
	return found;
}

/* No notification API: poll the child, stop it, cut, let it go on. */
static int poll_mode(pid_t pid, const char *file, unsigned long long newsize)
{
	char real[PATH_MAX];
	struct timespec ts = { 0, 200000 };
	int status = 0, done = 0;

	if (!realpath(file, real))
		return 126;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (!done && child_read(pid, real)) {
			kill(pid, SIGSTOP);
			if (truncate(file, (off_t)newsize))
				perror("shrink_src: truncate");
			kill(pid, SIGCONT);
			done = 1;
			fprintf(stderr, "# shrink_src: %s cut to %llu bytes after a read (polled)\n",
				file, newsize);
		}
		nanosleep(&ts, NULL);
	}
	if (!done)
		return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
	/* SHRINK_SRC_POLL=1 forces the /proc polling (to test it). */
	nfd = getenv("SHRINK_SRC_POLL") ? -1 :
	      fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (nfd < 0 || fanotify_mark(nfd, FAN_MARK_ADD, FAN_ACCESS_PERM,
				     AT_FDCWD, argv[1])) {
		if (nfd >= 0)
			close(nfd);
		fan = 0;
		nfd = getenv("SHRINK_SRC_POLL") ? -1 : inotify_init1(IN_CLOEXEC);
		if (nfd < 0 || inotify_add_watch(nfd, argv[1], IN_ACCESS) < 0) {
			if (nfd >= 0)
				close(nfd);
			nfd = -1;
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
	if (nfd < 0)
		return poll_mode(pid, argv[1], newsize);
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
