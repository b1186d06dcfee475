// SPDX-License-Identifier: GPL-2.0
/* famfs check: every file in a mount must have a map (MAP_GET_V2 works). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static struct {
	bool verbose;
	unsigned long nfiles, ndirs, nbad;
} chk;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs check [-v] MOUNTPOINT\n"
		"\n"
		"Check that every file in the famfs mounted on MOUNTPOINT has an\n"
		"extent map in the kernel (MAP_GET_V2 succeeds on it) and list\n"
		"the ones that do not (e.g. created behind famfs's back).\n"
		"\n"
		"  -v, --verbose   list every file checked\n"
		"  -h, --help      this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"  (3 here means: files without a map were found)\n");
}

static int check_entry(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	struct famfs_ioc_get_fmap k;
	int fd, rc;

	(void)st;
	(void)ftw;
	if (flag == FTW_D) {
		chk.ndirs++;
		return 0;
	}
	if (flag == FTW_DNR || flag == FTW_NS) {
		printf("unreadable: %s\n", path);
		chk.nbad++;
		return 0;
	}
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	chk.nfiles++;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		printf("cannot open: %s: %s\n", path, strerror(errno));
		chk.nbad++;
		return 0;
	}
	rc = famfs_kmap_get(fd, &k);
	close(fd);
	if (rc) {
		printf("no map: %s (%s)\n", path, strerror(-rc));
		chk.nbad++;
	} else if (chk.verbose) {
		printf("ok: %s (%llu bytes)\n", path,
		       (unsigned long long)k.iocmap.fioc_file_size);
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct famfs_fs *fs;
	const char *root;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			chk.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (argc - optind != 1) {
		cli_err("expected one MOUNTPOINT");
		return cli_usage_hint();
	}
	rc = famfs_fs_open(argv[optind], false, &fs);
	if (rc) {
		cli_liberr(rc, "%s is not a famfs mount", argv[optind]);
		return CLI_EXIT_FAIL;
	}
	root = famfs_fs_mountpoint(fs);
	/* Physical walk, never leaving this file system. */
	rc = nftw(root, check_entry, 32, FTW_PHYS | FTW_MOUNT);
	famfs_fs_close(fs);
	if (rc) {
		cli_err("walking %s: %s", argv[optind], strerror(errno));
		return CLI_EXIT_FAIL;
	}
	printf("%lu files, %lu directories checked, %lu without a map\n",
	       chk.nfiles, chk.ndirs, chk.nbad);
	return chk.nbad ? CLI_EXIT_CORRUPT : CLI_EXIT_OK;
}
