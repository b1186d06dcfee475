// SPDX-License-Identifier: GPL-2.0
/*
 * famfs mount / mount.famfs: mount a famfs device, create the .meta files
 * and replay the log (all in famfs_mount()).
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs mount [-r] [-o OPTIONS] DEVICE MOUNTPOINT\n"
		"       mount.famfs DEVICE MOUNTPOINT [-o OPTIONS]\n"
		"\n"
		"Check the superblock and log of DEVICE (/dev/pmemN or\n"
		"/dev/daxX.Y), mount it on MOUNTPOINT (dax=always), create .meta/\n"
		"(.superblock, .log) and replay the log: every logged directory\n"
		"and file appears. On a client host files are read-only. If a\n"
		"step after mount(2) fails, the file system is unmounted again.\n"
		"\n"
		"  -r, --dry-run      only validate DEVICE (superblock, log); mount\n"
		"                     nothing\n"
		"  -o, --options OPTS extra mount options (e.g. mode=0700)\n"
		"  -h, --help         this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

static int do_mount(const char *dev, const char *mpt, const char *opts,
		    bool dry)
{
	int rc = famfs_mount(dev, mpt, opts, dry);

	if (rc) {
		cli_liberr(rc, "cannot mount %s on %s", dev, mpt);
		return cli_exit_for(rc);
	}
	if (dry)
		printf("%s: famfs superblock and log are valid (not mounted)\n",
		       dev);
	return CLI_EXIT_OK;
}

int cmd_mount(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "dry-run", no_argument, NULL, 'r' },
		{ "options", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opts = NULL;
	bool dry = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ro:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			dry = true;
			break;
		case 'o':
			opts = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (argc - optind != 2) {
		cli_err("expected DEVICE and MOUNTPOINT");
		return cli_usage_hint();
	}
	return do_mount(argv[optind], argv[optind + 1], opts, dry);
}

/*
 * mount(8) runs helpers as "mount.famfs SPEC DIR [-sfnv] [-N NS] [-o OPTS]
 * [-t TYPE]": -f (fake) maps to a dry run, -s -n -v are accepted.
 */
int cmd_mount_famfs(int argc, char **argv)
{
	const char *opts = NULL, *pos[2];
	bool dry = false;
	int c, npos = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	optind = 1;
	/* Leading '-': positional arguments may come before the options. */
	while ((c = getopt(argc, argv, "-sfnvo:t:N:h")) != -1) {
		switch (c) {
		case 1:
			if (npos == 2) {
				cli_err("too many arguments");
				return cli_usage_hint();
			}
			pos[npos++] = optarg;
			break;
		case 'f':
			dry = true;
			break;
		case 'o':
			opts = optarg;
			break;
		case 's': case 'n': case 'v': case 't': case 'N':
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (npos != 2) {
		cli_err("expected DEVICE and MOUNTPOINT");
		return cli_usage_hint();
	}
	return do_mount(pos[0], pos[1], opts, dry);
}
