// SPDX-License-Identifier: GPL-2.0
/*
 * pmem_read: read one file as fast as possible, through mmap or read(2),
 * for the famfs vs ext4-dax benchmark (pmem-read.sh).
 *
 *   pmem_read fill FILE SIZE        create/extend (fallocate where allowed)
 *                                   and write FILE once with write(2)
 *   pmem_read mmap FILE [PASSES]    each pass: fresh mmap, load every
 *                                   8-byte word, munmap (faults included)
 *   pmem_read read FILE [PASSES]    each pass: read(2) the file in 2 MiB
 *                                   blocks into one buffer
 *
 * Prints per-pass times and a line
 *   RESULT mode=M bytes=N best_gbps=X median_gbps=Y
 * GB/s are 10^9 bytes per second.
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what, const char *file)
{
	fprintf(stderr, "pmem_read: %s %s: %s\n", what, file, strerror(errno));
	return 2;
}

static int fill(const char *file, uint64_t size)
{
	uint64_t off, *buf, i;
	struct stat st;
	int fd;

	fd = open(file, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return die("open", file);
	if (fstat(fd, &st))
		return die("stat", file);
	/* famfs files come with their size and refuse fallocate */
	if ((uint64_t)st.st_size < size && posix_fallocate(fd, 0, size))
		return die("fallocate", file);
	buf = malloc(BLOCK);
	if (!buf)
		return die("malloc", file);
	for (off = 0; off < size; off += BLOCK) {
		for (i = 0; i < BLOCK / 8; i++)
			buf[i] = off + i * 8;
		if (pwrite(fd, buf, BLOCK, off) != (ssize_t)BLOCK)
			return die("write", file);
	}
	if (fsync(fd))
		return die("fsync", file);
	free(buf);
	close(fd);
	return 0;
}

static uint64_t pass_mmap(int fd, uint64_t size)
{
	const volatile uint64_t *p;
	uint64_t sum = 0, i;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("pmem_read: mmap");
		exit(2);
	}
	for (i = 0; i < size / 8; i++)
		sum += p[i];
	munmap((void *)p, size);
	return sum;
}

static uint64_t pass_read(int fd, uint64_t size, char *buf)
{
	uint64_t off = 0, sum = 0;
	ssize_t n;

	while (off < size) {
		n = pread(fd, buf, BLOCK, off);
		if (n <= 0) {
			perror("pmem_read: read");
			exit(2);
		}
		sum += *(const uint64_t *)buf;
		off += n;
	}
	return sum;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double t[MAX_PASSES], start, best, median;
	int fd, passes = 3, i, is_mmap;
	uint64_t size, sum = 0;
	struct stat st;
	char *buf;

	if (argc >= 4 && !strcmp(argv[1], "fill"))
		return fill(argv[2], strtoull(argv[3], NULL, 0));
	if (argc < 3 || (strcmp(argv[1], "mmap") && strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: pmem_read fill FILE SIZE | mmap|read FILE [PASSES]\n");
		return 1;
	}
	is_mmap = !strcmp(argv[1], "mmap");
	if (argc > 3)
		passes = atoi(argv[3]);
	if (passes < 1 || passes > MAX_PASSES)
		passes = 3;
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return die("open", argv[2]);
	size = st.st_size & ~(BLOCK - 1);
	buf = aligned_alloc(4096, BLOCK);
	if (!size || !buf)
		return die("size/alloc", argv[2]);
	printf("%s %s:", argv[1], argv[2]);
	for (i = 0; i < passes; i++) {
		start = now();
		sum += is_mmap ? pass_mmap(fd, size) : pass_read(fd, size, buf);
		t[i] = now() - start;
		printf(" %.3fs", t[i]);
	}
	qsort(t, passes, sizeof(t[0]), cmp_double);
	best = size / t[0] / 1e9;
	median = size / t[passes / 2] / 1e9;
	printf(" (checksum %llx)\n", (unsigned long long)sum);
	printf("RESULT mode=%s bytes=%llu best_gbps=%.4f median_gbps=%.4f\n",
	       argv[1], (unsigned long long)size, best, median);
	free(buf);
	close(fd);
	return 0;
}
