// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny program around lib/flush.c alone, built natively and cross-built
 * for arm64 by tests/cli/12-flush-arch.sh: flush and invalidate a shared
 * file mapping (unaligned start, odd length), check that the bytes survive
 * and that msync wrote them to the file, print the cache line size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flush.h"

#define LEN (3 * 4096 + 300)

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[4096], back[LEN];
	size_t line = famfs_cache_line_size(), i;
	unsigned char *m;
	int fd;

	if (line < 16 || line > 2048 || (line & (line - 1))) {
		fprintf(stderr, "implausible cache line size %zu\n", line);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/flush-test.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return fail("mkstemp");
	unlink(path);
	if (ftruncate(fd, LEN) < 0)
		return fail("ftruncate");
	m = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return fail("mmap");
	/* Not a DAX file: msync must still write the bytes to it. */
	famfs_flush_note_map(fd, m, LEN);
	for (i = 0; i < LEN; i++)
		m[i] = (unsigned char)(i * 7 + 3);
	famfs_flush(NULL, 0);			/* no-ops */
	famfs_flush(m, 0);
	famfs_invalidate(NULL, 0);
	famfs_flush(m + 5, LEN - 5 - 11);	/* unaligned both ends */
	famfs_flush(m, 1);
	famfs_flush(m + LEN - 1, 1);
	if (pread(fd, back, LEN, 0) != LEN)
		return fail("pread");
	if (memcmp(back, m, LEN)) {
		fprintf(stderr, "file differs from the mapping after a flush\n");
		return 1;
	}
	famfs_invalidate(m + 3, LEN - 3);
	for (i = 0; i < LEN; i++) {
		if (m[i] != (unsigned char)(i * 7 + 3)) {
			fprintf(stderr, "byte %zu changed by the flushes\n", i);
			return 1;
		}
	}
	famfs_flush_forget_map(m);
	munmap(m, LEN);
	close(fd);
	printf("flush ok: %s, cache line %zu bytes, %d bytes flushed and invalidated\n",
#if defined(__aarch64__)
	       "arm64",
#elif defined(__x86_64__)
	       "x86_64",
#else
	       "other",
#endif
	       line, LEN);
	return 0;
}
