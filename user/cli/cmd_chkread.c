// SPDX-License-Identifier: GPL-2.0
/*
 * famfs chkread: read every byte of a file through read(2) and through
 * mmap and compare: both paths of the file system must agree.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"

#define CHK_CHUNK (2U << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs chkread FILE...\n"
		"\n"
		"Read every byte of each FILE with read(2) and through mmap, and\n"
		"compare. Reports the first differing offset.\n"
		"\n"
		"  -h, --help   this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"  (3 here means: read(2) and mmap disagree)\n");
}

static int chk_one(const char *path, uint8_t *buf)
{
	const uint8_t *m = NULL;
	uint64_t size, off = 0, i;
	struct stat st;
	ssize_t n;
	int fd, ret = CLI_EXIT_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		cli_err("cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_EXIT_FAIL;
	}
	size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode)) {
		cli_err("%s is not a regular file", path);
		close(fd);
		return CLI_EXIT_FAIL;
	}
	if (size) {
		m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			cli_err("cannot mmap %s: %s", path, strerror(errno));
			close(fd);
			return CLI_EXIT_FAIL;
		}
	}
	while (off < size) {
		n = pread(fd, buf, CHK_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cli_err("read %s at %llu: %s", path,
				(unsigned long long)off,
				n < 0 ? strerror(errno) : "unexpected end");
			ret = CLI_EXIT_FAIL;
			break;
		}
		if (memcmp(buf, m + off, (size_t)n)) {
			for (i = 0; buf[i] == m[off + i]; i++)
				;
			printf("%s: read(2) and mmap differ at offset %llu\n",
			       path, (unsigned long long)(off + i));
			ret = CLI_EXIT_CORRUPT;
			break;
		}
		off += (uint64_t)n;
	}
	if (ret == CLI_EXIT_OK)
		printf("%s: %llu bytes, read(2) and mmap agree\n", path,
		       (unsigned long long)size);
	if (size)
		munmap((void *)m, size);
	close(fd);
	return ret;
}

int cmd_chkread(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t *buf;
	int c, i, rc, ret = CLI_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		return cli_usage_hint();
	}
	if (optind >= argc) {
		cli_err("missing FILE");
		return cli_usage_hint();
	}
	buf = malloc(CHK_CHUNK);
	if (!buf)
		return CLI_EXIT_FAIL;
	for (i = optind; i < argc; i++) {
		rc = chk_one(argv[i], buf);
		if (rc > ret)
			ret = rc;
	}
	free(buf);
	return ret;
}
