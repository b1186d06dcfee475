// SPDX-License-Identifier: GPL-2.0
/*
 * The offline writer lock: flock(LOCK_EX) on the device or image file.
 * Every process that changes an unmounted famfs takes it (creat, mkdir,
 * cp, clone with --device, mkfs.famfs, fsck --repair), so one log has one
 * writer at a time. A process that finds it taken waits in line, up to a
 * timeout (famfs_lock_timeout_ms()).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/*
 * The pid holding a flock on the file of @fd, from /proc/locks; 0 when
 * none does, -1 when that cannot be told (no /proc).
 */
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
		return -1;
	f = fopen("/proc/locks", "r");
	if (!f)
		return -1;
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

static volatile sig_atomic_t lock_ticks;

static void lock_tick(int sig)
{
	(void)sig;
	lock_ticks++;
}

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* After the deadline, the timer keeps firing this often (see below). */
#define LOCK_TICK_NS 20000000L

static int arm(timer_t timer, int ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	its.it_interval.tv_nsec = LOCK_TICK_NS;
	return timer_settime(timer, 0, &its, NULL) ? -errno : 0;
}

/*
 * Wait for the lock in a blocking flock(2). The kernel queues blocked
 * exclusive waiters behind each other (a new one behind the last), so the
 * lock goes round in about arrival order, no waiter starves, and waiters
 * use no CPU. (Polling with LOCK_NB and naps, as before, let a process
 * that had just arrived take the lock from one that had waited a minute,
 * and 2000 pollers kept a 2-core machine busy.)
 *
 * @timeout_ms bounds how long one holder may keep us waiting, not the
 * whole wait: at each deadline, if the lock has changed hands since the
 * last one (another pid holds it now, or nobody: it is being handed on),
 * the queue is moving and we wait another @timeout_ms; if the same
 * process holds it (or /proc/locks cannot say), we give up. So the 2000th
 * of 2000 concurrent writers gets its turn, and a stuck writer is still
 * reported after @timeout_ms.
 *
 * The deadline is a POSIX timer that sends SIGALRM to this thread only:
 * the handler has no SA_RESTART, so flock() returns EINTR. After a
 * deadline it fires every 20 ms, so a signal that lands just before
 * flock() is entered cannot leave us blocked for good. The caller's
 * SIGALRM action and signal mask are restored.
 * Return: 0, -EWOULDBLOCK (given up; *@holder: the holder's pid, <= 0
 * unknown), other -errno.
 */
static int flock_timed(int fd, int timeout_ms, long *holder)
{
	struct sigaction sa, old_sa;
	struct sigevent sev;
	sigset_t alrm, old_mask;
	timer_t timer;
	double deadline;
	long now_holder;
	int rc;

	*holder = lock_holder(fd);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lock_tick;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old_sa))
		return -errno;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer)) {
		rc = -errno;
		sigaction(SIGALRM, &old_sa, NULL);
		return rc;
	}
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, &old_mask);
	deadline = now_ms() + timeout_ms;
	rc = arm(timer, timeout_ms);
	while (!rc) {
		if (flock(fd, LOCK_EX) == 0)
			break;
		rc = -errno;
		if (rc != -EINTR)
			break;
		rc = 0;
		/* Our tick or another signal: act only when due. */
		if (now_ms() < deadline)
			continue;
		now_holder = lock_holder(fd);
		if (now_holder < 0 ||
		    (now_holder > 0 && now_holder == *holder)) {
			*holder = now_holder;
			rc = -EWOULDBLOCK;
			break;
		}
		/* It changed hands: the queue moves, wait on. */
		*holder = now_holder;
		deadline = now_ms() + timeout_ms;
		rc = arm(timer, timeout_ms);
	}
	timer_delete(timer);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	return rc;
}

int famfs_dev_lock(struct famfs_dev *d, int timeout_ms)
{
	long holder = 0;
	int rc;

	if (!d || d->fd < 0)
		return famfs_fail(-EINVAL, "lock: device not open");
	if (timeout_ms < 0)
		timeout_ms = famfs_lock_timeout_ms();
	if (flock(d->fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	rc = -errno;
	if (rc == -EWOULDBLOCK && timeout_ms > 0)
		rc = flock_timed(d->fd, timeout_ms, &holder);
	else if (rc == -EWOULDBLOCK)
		holder = lock_holder(d->fd);
	if (rc == 0)
		return 0;
	if (rc != -EWOULDBLOCK)
		return famfs_fail(rc, "flock %s: %s", d->path, strerror(-rc));
	if (holder > 0)
		return famfs_fail(-EBUSY,
				  "%s is in use by another famfs writer (pid %ld), which kept its lock for %.1f s; gave up waiting (%s)",
				  d->path, holder, timeout_ms / 1e3,
				  FAMFS_LOCK_TIMEOUT_ENV);
	return famfs_fail(-EBUSY,
			  "%s is in use by another famfs writer, which kept its lock for %.1f s; gave up waiting (%s)",
			  d->path, timeout_ms / 1e3, FAMFS_LOCK_TIMEOUT_ENV);
}
