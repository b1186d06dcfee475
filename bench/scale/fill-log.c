// SPDX-License-Identifier: GPL-2.0
/*
 * fill-log: fill a formatted famfs device's log to a given percentage, fast,
 * for the scale benchmarks (bench/scale/). One process appends every entry
 * with libfamfs (the same append the tools use), so filling a 256 MiB log
 * takes seconds, not the hours 493,447 famfs commands would.
 *
 *   fill-log DEV PERCENT [FILE_EVERY]
 *   fill-log --tree DIR ENTRIES [FILE_EVERY]
 *
 * The namespace is groups of 100 entries: a top-level directory gNNNNN,
 * then 99 entries in it; one entry in FILE_EVERY (default 100, i.e. 1 %)
 * is a 2 MiB file, the others are directories. Files take consecutive
 * allocation units after the log. --tree makes the same namespace in an
 * ordinary directory with mkdir(2) and open(2)+ftruncate(2): the peer a
 * replay is compared with. Prints "entries N dirs D files F".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libfamfs.h"

#define GROUP 100

/* Name of entry @n; true if it is a file. */
static bool entry_name(uint64_t n, unsigned long every, char *rel, size_t len)
{
	unsigned long long g = n / GROUP, k = n % GROUP;

	if (k == 0) {
		snprintf(rel, len, "g%05llu", g);
		return false;
	}
	if (n % every == 1 % every) {
		snprintf(rel, len, "g%05llu/f%02llu", g, k);
		return true;
	}
	snprintf(rel, len, "g%05llu/d%02llu", g, k);
	return false;
}

static int fill_tree(const char *dir, uint64_t want, unsigned long every)
{
	uint64_t n, dirs = 0, files = 0;
	char rel[FAMFS_MAX_PATHLEN], path[4096];

	for (n = 0; n < want; n++) {
		bool file = entry_name(n, every, rel, sizeof(rel));

		snprintf(path, sizeof(path), "%s/%s", dir, rel);
		if (file) {
			int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);

			if (fd < 0 || ftruncate(fd, FAMFS_ALLOC_UNIT) || close(fd)) {
				perror(path);
				return 1;
			}
			files++;
		} else {
			if (mkdir(path, 0755)) {
				perror(path);
				return 1;
			}
			dirs++;
		}
	}
	printf("entries %llu dirs %llu files %llu\n", (unsigned long long)n,
	       (unsigned long long)dirs, (unsigned long long)files);
	return 0;
}

static int die(const char *what, int rc)
{
	fprintf(stderr, "fill-log: %s: %s (%s)\n", what, famfs_errmsg(),
		strerror(-rc));
	return 1;
}

static int fill_log(const char *dev, double pct, unsigned long every)
{
	uint64_t want, n, dirs = 0, files = 0, next_unit, nunits;
	struct famfs_log_entry e;
	struct famfs_log_fmap fm;
	struct famfs_log *log;
	struct famfs_dev d;
	char rel[FAMFS_MAX_PATHLEN];
	int rc;

	rc = famfs_dev_open(dev, true, &d);
	if (rc)
		return die(dev, rc);
	rc = famfs_sb_check((const struct famfs_superblock *)d.base, d.size);
	if (rc)
		return die("superblock", rc);
	log = (struct famfs_log *)(d.base + FAMFS_LOG_OFFSET);
	want = (uint64_t)((double)(log->last_index + 1) * pct / 100.0);
	next_unit = (FAMFS_LOG_OFFSET + log->len) / FAMFS_ALLOC_UNIT;
	nunits = d.size / FAMFS_ALLOC_UNIT;
	for (n = log->next_index; n < want; n++) {
		if (entry_name(n, every, rel, sizeof(rel))) {
			if (next_unit >= nunits) {
				fprintf(stderr, "fill-log: device full after %llu files\n",
					(unsigned long long)files);
				return 1;
			}
			memset(&fm, 0, sizeof(fm));
			fm.ext_type = FAMFS_EXT_SIMPLE;
			fm.count = 1;
			fm.se[0].offset = next_unit++ * FAMFS_ALLOC_UNIT;
			fm.se[0].len = FAMFS_ALLOC_UNIT;
			rc = famfs_entry_file(&e, rel, FAMFS_ALLOC_UNIT, 0644, 0, 0, &fm);
			files++;
		} else {
			rc = famfs_entry_mkdir(&e, rel, 0755, 0, 0);
			dirs++;
		}
		if (!rc)
			rc = famfs_log_append(log, log->len, &e);
		if (rc)
			return die(rel, rc);
	}
	famfs_dev_close(&d);
	printf("entries %llu dirs %llu files %llu\n", (unsigned long long)n,
	       (unsigned long long)dirs, (unsigned long long)files);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fill-log DEV PERCENT [FILE_EVERY]\n"
		"       fill-log --tree DIR ENTRIES [FILE_EVERY]\n");
	return 2;
}

int main(int argc, char **argv)
{
	bool tree = argc > 1 && !strcmp(argv[1], "--tree");
	unsigned long every = 100;
	double num;

	if (tree) {
		argc--;
		argv++;
	}
	if (argc < 3 || argc > 4)
		return usage();
	num = strtod(argv[2], NULL);
	if (argc == 4)
		every = strtoul(argv[3], NULL, 10);
	if (num <= 0 || (!tree && num > 100) || every == 0)
		return usage();
	return tree ? fill_tree(argv[1], (uint64_t)num, every) :
		      fill_log(argv[1], num, every);
}
