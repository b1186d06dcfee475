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
#include "libfamfs.h"

#define CHK_CHUNK (2U << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs chkread [-s|-l] [-v] FILE...\n"
		"\n"
		"Read every byte of each FILE with read(2) and through mmap, and\n"
		"compare. Reports the first differing offset.\n"
		"\n"
		"  -s, --superblock  FILE is a famfs superblock (.meta/.superblock):\n"
		"                    also validate it and print its main fields\n"
		"  -l, --log         FILE is a famfs log (.meta/.log): also\n"
		"                    validate its header and print its counts\n"
		"  -v, --verbose     name each FILE before reading it\n"
		"  -h, --help        this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"  (3 here means: read(2) and mmap disagree, or with -s/-l: the\n"
		"  superblock or log is not valid)\n");
}

enum chk_kind { CHK_DATA, CHK_SB, CHK_LOG };

/* -s / -l: the bytes (already read both ways) as a superblock or log. */
static int chk_meta(const char *path, const uint8_t *m, uint64_t size,
		    enum chk_kind kind)
{
	const struct famfs_superblock *sb = (const void *)m;
	const struct famfs_log *log = (const void *)m;
	char fs[37], master[37];
	int rc;

	if (kind == CHK_SB) {
		rc = size < sizeof(*sb) ? -EINVAL : famfs_sb_check(sb, UINT64_MAX);
		if (rc) {
			printf("%s: not a valid famfs superblock: %s\n", path,
			       size < sizeof(*sb) ? "too short" : famfs_errmsg());
			return CLI_EXIT_CORRUPT;
		}
		uuid_unparse(sb->fs_uuid, fs);
		uuid_unparse(sb->system_uuid, master);
		printf("%s: superblock version %llu, fs uuid %s, master %s, "
		       "log %llu bytes at %llu\n", path,
		       (unsigned long long)sb->version, fs, master,
		       (unsigned long long)sb->log_len,
		       (unsigned long long)sb->log_offset);
		return CLI_EXIT_OK;
	}
	rc = size < sizeof(*log) ? -EINVAL : famfs_log_check(log, size);
	if (rc) {
		printf("%s: not a valid famfs log: %s\n", path,
		       size < sizeof(*log) ? "too short" : famfs_errmsg());
		return CLI_EXIT_CORRUPT;
	}
	printf("%s: log of %llu bytes, %llu of %llu entries used\n", path,
	       (unsigned long long)log->len,
	       (unsigned long long)log->next_index,
	       (unsigned long long)log->last_index + 1);
	return CLI_EXIT_OK;
}

static int chk_one(const char *path, uint8_t *buf, enum chk_kind kind,
		   bool verbose)
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
	if (verbose)
		printf("%s: reading %llu bytes\n", path,
		       (unsigned long long)size);
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
	if (ret == CLI_EXIT_OK && kind != CHK_DATA)
		ret = chk_meta(path, m, size, kind);
	if (size)
		munmap((void *)m, size);
	close(fd);
	return ret;
}

int cmd_chkread(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "superblock", no_argument, NULL, 's' },
		{ "log", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum chk_kind kind = CHK_DATA;
	bool verbose = false;
	uint8_t *buf;
	int c, i, rc, ret = CLI_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "slvh", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'l':
			if (kind != CHK_DATA && kind != (c == 's' ? CHK_SB : CHK_LOG)) {
				cli_err("-s and -l cannot be combined");
				return cli_usage_hint();
			}
			kind = c == 's' ? CHK_SB : CHK_LOG;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (optind >= argc) {
		cli_err("missing FILE");
		return cli_usage_hint();
	}
	buf = malloc(CHK_CHUNK);
	if (!buf)
		return CLI_EXIT_FAIL;
	for (i = optind; i < argc; i++) {
		rc = chk_one(argv[i], buf, kind, verbose);
		if (rc > ret)
			ret = rc;
	}
	free(buf);
	return ret;
}
