// SPDX-License-Identifier: GPL-2.0
/*
 * dax_read: read DAX memory as fast as possible through mmap or read(2),
 * for the DAX read benchmarks (bench/kernel/pmem-read.sh and
 * bench/devdax/devdax-read.sh). One reader for every side of a comparison,
 * so the sides differ only in the kernel path under test.
 *
 *   dax_read fill FILE SIZE               create/extend FILE (fallocate
 *                                         where the file is short; famfs
 *                                         files come sized) and write it
 *                                         once with pwrite(2), then fsync
 *   dax_read mmap PATH SIZE|0 [PASSES]    each pass: fresh MAP_SHARED mmap
 *                                         of SIZE bytes, load every 8-byte
 *                                         word, munmap (faults included)
 *   dax_read read FILE SIZE|0 [PASSES]    each pass: pread(2) 2 MiB blocks
 *   dax_read fault PATH SIZE|0 [PASSES]   each pass: fresh mmap, load one
 *                                         word per 2 MiB, munmap: the cost
 *                                         of the faults (and mmap/munmap)
 *                                         without the bulk of the loads
 *   dax_read warm PATH SIZE|0 [PASSES]    one mmap, faulted in untimed;
 *                                         each pass loads every word of it:
 *                                         the loads without faults/munmap
 *
 * SIZE 0 means the file size (a /dev/daxX.Y has none: give it). SIZE is
 * rounded down to 2 MiB. DAX_READ_OFFSET (env, 2 MiB aligned, default 0)
 * starts mmap/fault/read there: a raw device side reads the very bytes of
 * the file it is compared with. PASSES defaults to 3 (1..32). Prints the pass
 * times, then
 *   RESULT mode=M bytes=N best_gbps=X median_gbps=Y pass_s=T1,T2,...
 * (GB/s are 10^9 bytes per second; pass_s in the order run).
 * Exit: 0 ok, 1 usage, 2 I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (2UL << 20)
#define MAX_PASSES 32

static uint64_t start_off;	/* DAX_READ_OFFSET */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "dax_read: %s %s: %s\n", what, path, strerror(errno));
	return 2;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: dax_read fill FILE SIZE\n"
		"       dax_read mmap PATH SIZE|0 [PASSES]\n"
		"       dax_read read FILE SIZE|0 [PASSES]\n"
		"       dax_read fault PATH SIZE|0 [PASSES]\n"
		"       dax_read warm PATH SIZE|0 [PASSES]\n");
	return 1;
}

/* Whole-string unsigned parse; 0 on success. */
static int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static int fill(const char *file, uint64_t size)
{
	uint64_t off, *buf, i;
	struct stat st;
	int fd, rc;

	fd = open(file, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return fail("open", file);
	if (fstat(fd, &st)) {
		close(fd);
		return fail("stat", file);
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < size) {
		rc = posix_fallocate(fd, 0, size);
		if (rc) {
			errno = rc;
			close(fd);
			return fail("fallocate", file);
		}
	}
	buf = malloc(BLOCK);
	if (!buf) {
		close(fd);
		return fail("malloc", file);
	}
	for (off = 0; off < size; off += BLOCK) {
		for (i = 0; i < BLOCK / 8; i++)
			buf[i] = off + i * 8;
		if (pwrite(fd, buf, BLOCK, off) != (ssize_t)BLOCK) {
			free(buf);
			close(fd);
			return fail("write", file);
		}
	}
	free(buf);
	if (S_ISREG(st.st_mode) && fsync(fd)) {
		close(fd);
		return fail("fsync", file);
	}
	close(fd);
	return 0;
}

/* Load a word every @stride bytes of [p, p + size). */
static void load_words(const volatile uint64_t *p, uint64_t size,
		       uint64_t stride, uint64_t *sum)
{
	uint64_t off;

	for (off = 0; off < size; off += stride)
		*sum += p[off / 8];
}

/*
 * One pass over a fresh mapping: load a word every @stride bytes (8: every
 * word, the bandwidth pass; 2 MiB: one per PMD, the fault-cost pass).
 */
static int pass_map(int fd, uint64_t size, uint64_t stride, uint64_t *sum)
{
	const volatile uint64_t *p;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)start_off);
	if (p == MAP_FAILED)
		return -1;
	load_words(p, size, stride, sum);
	munmap((void *)p, size);
	return 0;
}

static int pass_read(int fd, uint64_t size, uint64_t *buf, uint64_t *sum)
{
	uint64_t off = 0;
	ssize_t n;

	while (off < size) {
		n = pread(fd, buf, BLOCK, (off_t)(start_off + off));
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		*sum += buf[0];
		off += n;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double t[MAX_PASSES], sorted[MAX_PASSES], start;
	const volatile uint64_t *warm = NULL;
	uint64_t size, passes = 3, sum = 0, *buf;
	const char *mode, *path;
	struct stat st;
	int fd, rc;
	unsigned int i;

	if (argc < 2)
		return usage();
	mode = argv[1];
	if (!strcmp(mode, "fill")) {
		if (argc != 4 || parse_u64(argv[3], &size) || !size)
			return usage();
		return fill(argv[2], size);
	}
	if ((strcmp(mode, "mmap") && strcmp(mode, "read") && strcmp(mode, "fault") &&
	     strcmp(mode, "warm")) || argc < 4 || argc > 5)
		return usage();
	path = argv[2];
	if (parse_u64(argv[3], &size))
		return usage();
	if (argc == 5 && (parse_u64(argv[4], &passes) || !passes || passes > MAX_PASSES))
		return usage();

	if (getenv("DAX_READ_OFFSET") &&
	    (parse_u64(getenv("DAX_READ_OFFSET"), &start_off) ||
	     start_off % BLOCK)) {
		fprintf(stderr, "dax_read: DAX_READ_OFFSET must be a multiple of 2 MiB\n");
		return 1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("open", path);
	if (fstat(fd, &st)) {
		close(fd);
		return fail("stat", path);
	}
	if (!size)
		size = st.st_size;
	size &= ~(BLOCK - 1);
	if (!size) {
		errno = EINVAL;
		close(fd);
		return fail("size (under 2 MiB or unknown: give SIZE)", path);
	}
	buf = aligned_alloc(4096, BLOCK);
	if (!buf) {
		close(fd);
		return fail("alloc", path);
	}
	if (!strcmp(mode, "warm")) {
		warm = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)start_off);
		if (warm == MAP_FAILED) {
			free(buf);
			close(fd);
			return fail("mmap", path);
		}
		load_words(warm, size, BLOCK, &sum);
	}
	printf("%s %s:", mode, path);
	for (i = 0; i < passes; i++) {
		start = now();
		rc = 0;
		if (warm)
			load_words(warm, size, 8, &sum);
		else if (!strcmp(mode, "mmap"))
			rc = pass_map(fd, size, 8, &sum);
		else if (!strcmp(mode, "fault"))
			rc = pass_map(fd, size, BLOCK, &sum);
		else
			rc = pass_read(fd, size, buf, &sum);
		if (rc) {
			printf("\n");
			free(buf);
			close(fd);
			return fail(mode, path);
		}
		t[i] = now() - start;
		printf(" %.4fs", t[i]);
	}
	memcpy(sorted, t, passes * sizeof(t[0]));
	qsort(sorted, passes, sizeof(sorted[0]), cmp_double);
	printf(" (checksum %llx)\n", (unsigned long long)sum);
	printf("RESULT mode=%s bytes=%llu best_gbps=%.4f median_gbps=%.4f pass_s=",
	       mode, (unsigned long long)size, size / sorted[0] / 1e9,
	       size / sorted[passes / 2] / 1e9);
	for (i = 0; i < passes; i++)
		printf("%s%.6f", i ? "," : "", t[i]);
	printf("\n");
	if (warm)
		munmap((void *)warm, size);
	free(buf);
	close(fd);
	return 0;
}
