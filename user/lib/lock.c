// SPDX-License-Identifier: GPL-2.0
/*
 * The offline writer lock: flock(LOCK_EX) on the device or image file.
 * Every process that changes an unmounted famfs takes it (creat, mkdir,
 * cp, clone with --device, mkfs.famfs, fsck --repair), so one log has one
 * writer at a time. A process that finds it taken waits, up to a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "famfs_priv.h"

static int lock_timeout_override = -1;	/* ms; -1: environment or default */

void famfs_set_lock_timeout_ms(int ms)
{
	lock_timeout_override = ms < 0 ? -1 : ms;
}

/* Seconds as text ("5", "0.25") to ms; -1 if it is not a sane number. */
int famfs_parse_lock_timeout(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !(v >= 0) || v > 86400.0)
		return -1;
	return (int)(v * 1000.0 + 0.5);
}

int famfs_lock_timeout_ms(void)
{
	int ms;

	if (lock_timeout_override >= 0)
		return lock_timeout_override;
	ms = famfs_parse_lock_timeout(getenv(FAMFS_LOCK_TIMEOUT_ENV));
	return ms >= 0 ? ms : FAMFS_LOCK_TIMEOUT_DEFAULT_MS;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The pid holding a flock on the file of @fd, from /proc/locks; 0 unknown. */
static long lock_holder(int fd)
{
	unsigned int maj, min;
	unsigned long long ino;
	char *line = NULL, kind[16], mode[16];
	size_t cap = 0;
	struct stat st;
	long pid, found = 0;
	FILE *f;

	if (fstat(fd, &st))
		return 0;
	f = fopen("/proc/locks", "r");
	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		/* "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" */
		if (sscanf(line, "%*s %15s %*s %15s %ld %x:%x:%llu", kind, mode,
			   &pid, &maj, &min, &ino) != 6)
			continue;
		if (!strcmp(kind, "FLOCK") && ino == (unsigned long long)st.st_ino &&
		    makedev(maj, min) == st.st_dev && pid > 0 && pid != getpid())
			found = pid;
	}
	free(line);
	fclose(f);
	return found;
}

int famfs_dev_lock(struct famfs_dev *d, int timeout_ms)
{
	unsigned int nap_us = 500, jitter = (unsigned int)getpid() * 2654435761u;
	double start, waited;
	struct timespec nap;
	long holder;

	if (!d || d->fd < 0)
		return famfs_fail(-EINVAL, "lock: device not open");
	if (timeout_ms < 0)
		timeout_ms = famfs_lock_timeout_ms();
	start = now_ms();
	for (;;) {
		if (flock(d->fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return famfs_fail(-errno, "flock %s: %s", d->path,
					  strerror(errno));
		waited = now_ms() - start;
		if (waited >= timeout_ms)
			break;
		/* Short naps first (writers hold it for milliseconds). */
		if (waited + nap_us / 1e3 > timeout_ms)
			nap_us = (unsigned int)((timeout_ms - waited) * 1e3) + 1;
		nap.tv_sec = nap_us / 1000000;
		nap.tv_nsec = (long)(nap_us % 1000000) * 1000;
		nanosleep(&nap, NULL);
		/* Grow to ~20 ms, with per-process jitter against lockstep. */
		jitter = jitter * 1103515245u + 12345u;
		if (nap_us < 20000)
			nap_us = nap_us * 3 / 2 + (jitter >> 16) % 500;
	}
	holder = lock_holder(d->fd);
	if (holder)
		return famfs_fail(-EBUSY,
				  "%s is in use by another famfs writer (pid %ld); gave up waiting for its lock after %.1f s (%s)",
				  d->path, holder, timeout_ms / 1e3,
				  FAMFS_LOCK_TIMEOUT_ENV);
	return famfs_fail(-EBUSY,
			  "%s is in use by another famfs writer; gave up waiting for its lock after %.1f s (%s)",
			  d->path, timeout_ms / 1e3, FAMFS_LOCK_TIMEOUT_ENV);
}
