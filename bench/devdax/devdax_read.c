// SPDX-License-Identifier: GPL-2.0
/*
 * devdax_read: read memory as fast as possible through mmap or read(2), for
 * the raw devdax vs famfs-on-fsdev benchmark (devdax-read.sh).
 *
 *   devdax_read fill FILE SIZE             write FILE once with write(2)
 *   devdax_read mmap PATH SIZE [PASSES]    each pass: fresh MAP_SHARED mmap
 *                                          of SIZE bytes (a /dev/daxX.Y or a
 *                                          file), load every 8-byte word,
 *                                          munmap (faults included)
 *   devdax_read read FILE SIZE [PASSES]    each pass: pread(2) in 2 MiB blocks
 *
 * SIZE 0 means the file size (character devices have none: give it).
 * Prints per-pass times and "RESULT mode=M bytes=N best_gbps=X median_gbps=Y"
 * (GB/s are 10^9 bytes per second).
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

static int die(const char *what, const char *path)
{
	fprintf(stderr, "devdax_read: %s %s: %s\n", what, path, strerror(errno));
	return 2;
}

static int fill(const char *file, uint64_t size)
{
	uint64_t off, *buf, i;
	int fd;

	fd = open(file, O_RDWR);
	if (fd < 0)
		return die("open", file);
	buf = malloc(BLOCK);
	if (!buf)
		return die("malloc", file);
	for (off = 0; off < size; off += BLOCK) {
		for (i = 0; i < BLOCK / 8; i++)
			buf[i] = off + i * 8;
		if (pwrite(fd, buf, BLOCK, off) != (ssize_t)BLOCK)
			return die("write", file);
	}
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
		perror("devdax_read: mmap");
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
			perror("devdax_read: read");
			exit(2);
		}
		sum += buf[0];
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
	double t[MAX_PASSES], start;
	int fd, passes = 3, i, is_mmap;
	uint64_t size, sum = 0;
	struct stat st;
	char *buf;

	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill(argv[2], strtoull(argv[3], NULL, 0));
	if (argc < 4 || (strcmp(argv[1], "mmap") && strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: devdax_read fill FILE SIZE | mmap|read PATH SIZE [PASSES]\n");
		return 1;
	}
	is_mmap = !strcmp(argv[1], "mmap");
	size = strtoull(argv[3], NULL, 0);
	if (argc > 4)
		passes = atoi(argv[4]);
	if (passes < 1 || passes > MAX_PASSES)
		passes = 3;
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return die("open", argv[2]);
	if (!size)
		size = st.st_size;
	size &= ~(BLOCK - 1);
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
	printf(" (sum %llx)\nRESULT mode=%s bytes=%llu best_gbps=%.3f median_gbps=%.3f\n",
	       (unsigned long long)sum, argv[1], (unsigned long long)size,
	       size / t[0] / 1e9, size / t[passes / 2] / 1e9);
	free(buf);
	close(fd);
	return 0;
}
