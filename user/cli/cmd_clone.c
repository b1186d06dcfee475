// SPDX-License-Identifier: GPL-2.0
/*
 * famfs clone (offline test tool): log DST with the very map of SRC in an
 * unmounted device or image. The result is two cross-linked files on
 * purpose, which fsck reports and replay leaves unmapped. Never on a mount.
 */
#include <getopt.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs clone --device DEV SRC DST\n"
		"\n"
		"OFFLINE TEST TOOL for making cross-linked test images. Log a new\n"
		"file DST that shares SRC's memory (same extent map) in the\n"
		"unmounted device or image DEV. 'famfs fsck' reports DST as\n"
		"cross-linked (exit 3) and replay leaves it unmapped. Refused on a\n"
		"mount (exit 1). Never use it on data you care about.\n"
		"\n"
		"  -D, --device DEV   the unmounted device or image (required)\n"
		"  -v, --verbose      say what was cloned\n"
		"  -h, --help         this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

int cmd_clone(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL;
	char src[4096], dst[4096];
	struct famfs_fs *fs;
	bool verbose = false;
	int c, rc, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "D:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			device = optarg;
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
	if (argc - optind != 2) {
		cli_err("expected SRC and DST");
		return cli_usage_hint();
	}
	if (!device) {
		cli_err("clone is an offline test tool for making cross-linked "
			"images: it needs --device DEV (an unmounted device or "
			"image) and refuses to cross-link files in a mount");
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
		} else if (verbose) {
			printf("cloned %s to %s (cross-linked)\n", src, dst);
		}
	}
	famfs_fs_close(fs);
	return ret;
}
