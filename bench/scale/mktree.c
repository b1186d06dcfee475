// SPDX-License-Identifier: GPL-2.0
/*
 * mktree: make the source trees and argument lists of the scale benchmarks
 * in a guest (busybox has no fast way to make 100,000 files).
 *
 *   mktree tree DIR N PERDIR SIZE   N files of SIZE bytes, PERDIR to a
 *                                   directory: DIR/dNNNN/fNNNNNNN
 *   mktree dirs PREFIX N PERDIR     the directory names of that tree
 *   mktree list PREFIX N PERDIR SIZE
 *                                   "PREFIX/dNNNN/fNNNNNNN,SIZE" lines: the
 *                                   list for famfs creat --from
 *   mktree file PATH SIZE           one file of SIZE bytes
 *
 * File contents are a pattern that differs from file to file (not zeros).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF (1 << 20)

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "mktree: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int fill(const char *path, unsigned long long size, uint64_t seed)
{
	static uint64_t buf[BUF / 8];
	unsigned long long done = 0;
	size_t i;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "mktree: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < BUF / 8; i++)
		buf[i] = (seed + i) * 0x9e3779b97f4a7c15ULL;
	while (done < size) {
		size_t n = size - done < BUF ? size - done : BUF;
		ssize_t w = write(fd, buf, n);

		if (w <= 0) {
			fprintf(stderr, "mktree: write %s: %s\n", path,
				w < 0 ? strerror(errno) : "short write");
			close(fd);
			return -1;
		}
		done += (unsigned long long)w;
		buf[0]++;
	}
	return close(fd);
}

int main(int argc, char **argv)
{
	unsigned long long n, per, size = 0, i;
	const char *mode = argc > 1 ? argv[1] : "";
	char path[4096];

	if (!strcmp(mode, "file") && argc == 4)
		return fill(argv[2], num(argv[3]), 1) ? 1 : 0;
	if (!((!strcmp(mode, "tree") && argc == 6) ||
	      (!strcmp(mode, "dirs") && argc == 5) ||
	      (!strcmp(mode, "list") && argc == 6))) {
		fprintf(stderr,
			"usage: mktree tree DIR N PERDIR SIZE | dirs PREFIX N PERDIR |\n"
			"       mktree list PREFIX N PERDIR SIZE | file PATH SIZE\n");
		return 2;
	}
	n = num(argv[3]);
	per = num(argv[4]);
	if (argc == 6)
		size = num(argv[5]);
	if (!per) {
		fprintf(stderr, "mktree: PERDIR must be > 0\n");
		return 2;
	}
	if (!strcmp(mode, "tree") && mkdir(argv[2], 0755) && errno != EEXIST) {
		fprintf(stderr, "mktree: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (i % per == 0) {
			snprintf(path, sizeof(path), "%s/d%04llu", argv[2], i / per);
			if (!strcmp(mode, "dirs")) {
				printf("%s\n", path);
			} else if (!strcmp(mode, "tree") && mkdir(path, 0755)) {
				fprintf(stderr, "mktree: %s: %s\n", path,
					strerror(errno));
				return 1;
			}
		}
		snprintf(path, sizeof(path), "%s/d%04llu/f%07llu", argv[2],
			 i / per, i);
		if (!strcmp(mode, "list"))
			printf("%s,%llu\n", path, size);
		else if (!strcmp(mode, "tree") && fill(path, size, i + 1))
			return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
