// SPDX-License-Identifier: GPL-2.0
/*
 * famfs clone (test tool): log DST with the very map of SRC. The result is
 * two cross-linked files on purpose, which fsck must report.
 */
#include <getopt.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs clone [--device DEV] SRC DST\n"
		"\n"
		"TEST TOOL. Log a new file DST that shares SRC's memory (same\n"
		"extent map). This makes cross-linked files: 'famfs fsck' reports\n"
		"them as collisions (exit 3). Never use it on data you care about.\n"
		"\n"
		"  -D, --device DEV   work on the unmounted device or image DEV\n"
		"  -h, --help         this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

int cmd_clone(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL;
	char src[4096], dst[4096];
	struct famfs_fs *fs;
	int c, rc, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "D:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			device = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (argc - optind != 2) {
		cli_err("expected SRC and DST");
		return cli_usage_hint();
	}
	ret = cli_fs_open(device, argv[optind], true, &fs);
	if (ret)
		return ret;
	ret = cli_fs_relpath(fs, argv[optind], src, sizeof(src));
	if (!ret)
		ret = cli_fs_relpath(fs, argv[optind + 1], dst, sizeof(dst));
	if (!ret) {
		rc = famfs_fs_clone(fs, src, dst);
		if (rc) {
			cli_liberr(rc, "cannot clone %s to %s", argv[optind],
				   argv[optind + 1]);
			ret = cli_exit_for(rc);
		}
	}
	famfs_fs_close(fs);
	return ret;
}
