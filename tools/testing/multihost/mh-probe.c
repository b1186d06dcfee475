// SPDX-License-Identifier: GPL-2.0
/*
 * mh-probe: small in-guest helper for the multi-host scenario.
 *
 * The guests run a busybox initramfs with no scripting language that can
 * issue raw system calls, so the kernel-side checks of the scenario (does
 * open(O_WRONLY) on a client file fail, with which errno? does a shared
 * writable mmap fail?) and the reads through read(2) and through mmap are
 * done by this program. Every operation prints one line
 *
 *     <op> <path>: <result>
 *
 * where result is "ok" or the errno name (EACCES, EROFS, ...), and exits 0
 * when the operation could be attempted, so the scenario, not this program,
 * decides what was expected. Exit 2 means the probe itself could not run
 * (bad arguments, missing file where one is needed to even try).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROBE_BAD 2

static const char *errname(int e)
{
	switch (e) {
	case 0: return "ok";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EROFS: return "EROFS";
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case EIO: return "EIO";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return strerrorname_np(e) ? strerrorname_np(e) : "E?";
	}
}

static int report(const char *op, const char *path, int err)
{
	printf("%s %s: %s\n", op, path, errname(err));
	return 0;
}

/* Drop to an unprivileged uid/gid so mode bits apply (root bypasses them). */
static int drop_to(const char *uidstr)
{
	char *end;
	unsigned long id = strtoul(uidstr, &end, 10);

	if (*uidstr == '\0' || *end != '\0' || id == 0 || id > 0xfffffffeUL) {
		fprintf(stderr, "mh-probe: bad uid '%s'\n", uidstr);
		return -1;
	}
	if (setgroups(0, NULL) || setgid((gid_t)id) || setuid((uid_t)id)) {
		perror("mh-probe: dropping privileges");
		return -1;
	}
	return 0;
}

static int op_open(const char *path, int flags, const char *op)
{
	int fd = open(path, flags);

	if (fd < 0)
		return report(op, path, errno);
	close(fd);
	return report(op, path, 0);
}

/* open(O_WRONLY) then write one byte at offset 0 (the byte read first). */
static int op_write(const char *path)
{
	unsigned char b = 0;
	int fd = open(path, O_RDWR);
	ssize_t n;

	if (fd < 0)
		return report("write", path, errno);
	if (pread(fd, &b, 1, 0) != 1) {
		int e = errno ? errno : EIO;

		close(fd);
		return report("write", path, e);
	}
	n = pwrite(fd, &b, 1, 0);	/* same byte: never damages data */
	report("write", path, n == 1 ? 0 : (n < 0 ? errno : EIO));
	close(fd);
	return 0;
}

/*
 * A writable shared mapping: first through an O_RDONLY fd (the VFS must
 * refuse it), then through an O_RDWR fd if one can be had, storing the byte
 * that is already there.
 */
static int op_mmap_write(const char *path)
{
	struct stat st;
	volatile unsigned char *p;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return PROBE_BAD;
	}
	len = st.st_size ? (size_t)st.st_size : 1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		report("mmap-write-rdonly-fd", path, errno);
	} else {
		p[0] = p[0];
		munmap((void *)p, len);
		report("mmap-write-rdonly-fd", path, 0);
	}
	close(fd);

	fd = open(path, O_RDWR);
	if (fd < 0)
		return report("mmap-write", path, errno);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		report("mmap-write", path, errno);
	} else {
		p[0] = p[0];
		msync((void *)p, len, MS_SYNC);
		munmap((void *)p, len);
		report("mmap-write", path, 0);
	}
	close(fd);
	return 0;
}

/* Copy the file to stdout through read(2) (use_mmap false) or a mapping. */
static int op_cat(const char *path, int use_mmap)
{
	static char buf[1 << 20];
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return PROBE_BAD;
	}
	if (use_mmap) {
		const char *p;
		size_t off = 0, len = (size_t)st.st_size;

		if (len == 0)
			return 0;
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return PROBE_BAD;
		}
		while (off < len) {
			ssize_t n = write(1, p + off, len - off);

			if (n <= 0) {
				perror("write");
				return PROBE_BAD;
			}
			off += (size_t)n;
		}
		munmap((void *)p, len);
	} else {
		for (;;) {
			ssize_t n = read(fd, buf, sizeof(buf)), w = 0;

			if (n < 0) {
				perror("read");
				return PROBE_BAD;
			}
			if (n == 0)
				break;
			while (w < n) {
				ssize_t k = write(1, buf + w, (size_t)(n - w));

				if (k <= 0) {
					perror("write");
					return PROBE_BAD;
				}
				w += k;
			}
		}
	}
	close(fd);
	return 0;
}

/*
 * Print the log header's next_index and the superblock's fs_uuid as seen
 * through the mount's meta files, read with read(2) (the famfs files are
 * DAX: this reads the shared memory, no page cache in between).
 */
static int op_state(const char *mpt)
{
	char path[4096];
	unsigned char u[16];
	uint64_t next_index;
	int fd;

	snprintf(path, sizeof(path), "%s/.meta/.log", mpt);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, &next_index, 8, 40) != 8) {
		perror(path);
		return PROBE_BAD;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/.meta/.superblock", mpt);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, u, 16, 48) != 16) {
		perror(path);
		return PROBE_BAD;
	}
	close(fd);
	printf("next_index %" PRIu64 "\nfs_uuid ", next_index);
	for (int i = 0; i < 16; i++)
		printf("%02x", u[i]);
	printf("\n");
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait (polling stat every millisecond) until @path exists; print the wait. */
static int op_wait(const char *path, const char *ms)
{
	double start = now(), limit = strtod(ms, NULL) / 1000.0;
	struct stat st;

	while (stat(path, &st) != 0) {
		if (now() - start > limit) {
			printf("wait %s: timeout after %.3f s\n", path, now() - start);
			return 1;
		}
		usleep(1000);
	}
	printf("wait %s: appeared after %.3f s\n", path, now() - start);
	return 0;
}

static volatile sig_atomic_t hold_stop;

static void hold_on_term(int sig)
{
	(void)sig;
	hold_stop = 1;
}

/* FNV-1a over a mapping, a 64-bit word at a time (TCG is slow). */
static uint64_t fnv1a(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * Map FILE and keep it mapped, re-reading all of it every 200 ms, until
 * SIGTERM; then unmap and close. Prints the first sum, one line for every
 * read that differs, and a summary. It stands for an application that holds
 * a file another host deletes: the file must keep its bytes, and the memory
 * must not be reused, until this process lets go.
 */
static int op_hold(const char *path)
{
	unsigned long checks = 0, changed = 0;
	const unsigned char *p;
	struct sigaction sa;
	uint64_t first, h;
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || st.st_size == 0) {
		perror(path);
		return PROBE_BAD;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return PROBE_BAD;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hold_on_term;
	sigaction(SIGTERM, &sa, NULL);
	first = fnv1a(p, (size_t)st.st_size);
	printf("hold %s: sum %016" PRIx64 "\n", path, first);
	fflush(stdout);
	while (!hold_stop) {
		usleep(200000);
		h = fnv1a(p, (size_t)st.st_size);
		checks++;
		if (h != first) {
			changed++;
			printf("hold %s: CHANGED %016" PRIx64 "\n", path, h);
			fflush(stdout);
		}
	}
	munmap((void *)p, (size_t)st.st_size);
	close(fd);
	printf("hold %s: released after %lu reads, %lu changed\n", path, checks,
	       changed);
	return 0;
}

/* Wait (polling stat every millisecond) until @path is gone. */
static int op_wait_gone(const char *path, const char *ms)
{
	double start = now(), limit = strtod(ms, NULL) / 1000.0;
	struct stat st;

	while (stat(path, &st) == 0) {
		if (now() - start > limit) {
			printf("wait-gone %s: timeout after %.3f s\n", path,
			       now() - start);
			return 1;
		}
		usleep(1000);
	}
	printf("wait-gone %s: gone after %.3f s\n", path, now() - start);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: mh-probe [-u UID] OP ARGS\n"
		"  open-wronly FILE | open-rdwr FILE | write FILE | mmap-write FILE\n"
		"  read-cat FILE | mmap-cat FILE | state MOUNTPOINT | wait FILE MS\n"
		"  hold FILE (until SIGTERM) | wait-gone FILE MS\n"
		"Prints '<op> <file>: ok' or the errno name; exit 0 if attempted,\n"
		"2 if the probe could not run.\n");
	return PROBE_BAD;
}

int main(int argc, char **argv)
{
	const char *op;

	if (argc >= 3 && strcmp(argv[1], "-u") == 0) {
		if (drop_to(argv[2]))
			return PROBE_BAD;
		argc -= 2;
		argv += 2;
	}
	if (argc < 3)
		return usage();
	op = argv[1];
	if (!strcmp(op, "open-wronly"))
		return op_open(argv[2], O_WRONLY, op);
	if (!strcmp(op, "open-rdwr"))
		return op_open(argv[2], O_RDWR, op);
	if (!strcmp(op, "write"))
		return op_write(argv[2]);
	if (!strcmp(op, "mmap-write"))
		return op_mmap_write(argv[2]);
	if (!strcmp(op, "read-cat"))
		return op_cat(argv[2], 0);
	if (!strcmp(op, "mmap-cat"))
		return op_cat(argv[2], 1);
	if (!strcmp(op, "state"))
		return op_state(argv[2]);
	if (!strcmp(op, "wait") && argc == 4)
		return op_wait(argv[2], argv[3]);
	if (!strcmp(op, "wait-gone") && argc == 4)
		return op_wait_gone(argv[2], argv[3]);
	if (!strcmp(op, "hold"))
		return op_hold(argv[2]);
	return usage();
}
