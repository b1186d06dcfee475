// SPDX-License-Identifier: GPL-2.0
/*
 * famfs rm / famfs rmdir: delete files and directories by logging DELETE
 * entries (user/FORMAT-delete.md). The memory is reused only after every
 * mounted host has released it.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f, bool rmdir)
{
	if (rmdir) {
		fprintf(f,
			"Usage: famfs rmdir [--device DEV] DIR...\n"
			"\n"
			"Delete empty famfs directories (a DELETE log entry each).\n"
			"Only the master host may do this, and only on a file system\n"
			"with the delete feature (see famfs rm --enable-delete).\n"
			"\n"
			"  -D, --device DEV     work on the unmounted device or image DEV;\n"
			"                       DIR is then relative to the file system root\n"
			"  -v, --verbose        print each directory deleted\n"
			"  -h, --help           this text\n"
			"\n" CLI_EXIT_CODES_HELP);
		return;
	}
	fprintf(f,
		"Usage: famfs rm [-r] [--enable-delete] [--device DEV] PATH...\n"
		"\n"
		"Delete famfs files (and with -r directory trees): a DELETE log\n"
		"entry each; hosts drop the names when they replay the log. The\n"
		"memory is reused only after every mounted host has released it\n"
		"(see famfs host list, famfs fsck). Only the master host may do this.\n"
		"\n"
		"  -r, --recursive      delete directories and everything under them\n"
		"      --enable-delete  enable the delete feature on this file system\n"
		"                       first (once; famfs tools without delete\n"
		"                       support then refuse the file system)\n"
		"  -D, --device DEV     work on the unmounted device or image DEV;\n"
		"                       PATH is then relative to the file system root\n"
		"  -v, --verbose        print each path deleted\n"
		"  -h, --help           this text\n"
		"\n"
		"A missing PATH, a non-empty directory without -r, a client host,\n"
		"a file system without the delete feature or a full log change\n"
		"nothing.\n"
		"\n" CLI_EXIT_CODES_HELP);
}

static int run(int argc, char **argv, bool rmdir)
{
	static const struct option lopts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "enable-delete", no_argument, NULL, 'E' },
		{ "device", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL;
	char rel[4096], safe[CLI_SAFE_LEN];
	bool recursive = false, enable = false, verbose = false;
	struct famfs_fs *fs;
	unsigned int flags;
	uint64_t n, n0;
	int c, i, rc, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, rmdir ? "D:vh" : "rRD:vh", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'R':
			recursive = true;
			break;
		case 'E':
			if (rmdir) {
				cli_err("unrecognized option '--enable-delete'");
				return cli_usage_hint();
			}
			enable = true;
			break;
		case 'D':
			device = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout, rmdir);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (rmdir && recursive) {
		cli_err("rmdir has no -r; use famfs rm -r");
		return cli_usage_hint();
	}
	if (optind >= argc && !enable) {
		cli_err(rmdir ? "missing DIR" : "missing PATH");
		return cli_usage_hint();
	}
	ret = cli_fs_open(device, optind < argc ? argv[optind] : ".", true, &fs);
	if (ret)
		return ret;
	if (enable) {
		bool had = famfs_sb_has_delete(famfs_fs_sb(fs));

		rc = famfs_fs_enable_delete(fs);
		if (rc) {
			cli_liberr(rc, "cannot enable the delete feature");
			famfs_fs_close(fs);
			return cli_exit_for(rc);
		}
		if (!had)
			printf("delete feature enabled (superblock version 48 | 1<<32)\n");
	}
	flags = rmdir ? FAMFS_RM_DIR : (recursive ? FAMFS_RM_RECURSIVE : 0);
	n0 = famfs_fs_log(fs)->next_index;
	for (i = optind; i < argc; i++) {
		if (cli_fs_relpath(fs, argv[i], rel, sizeof(rel))) {
			ret = CLI_EXIT_FAIL;
			continue;
		}
		if (!rel[0]) {
			cli_err("refusing to delete the root of the file system");
			ret = CLI_EXIT_FAIL;
			continue;
		}
		rc = famfs_fs_rm(fs, rel, flags, &n);
		if (rc) {
			cli_liberr(rc, "cannot delete %s", argv[i]);
			ret = rc == -EOPNOTSUPP ? CLI_EXIT_REFUSED : cli_exit_for(rc);
			if (rc == -ENOSPC || rc == -EROFS || rc == -EOPNOTSUPP)
				break;
		} else if (verbose) {
			printf("deleted %s (%llu log entr%s)\n",
			       cli_safe(argv[i], safe, sizeof(safe)),
			       (unsigned long long)n, n == 1 ? "y" : "ies");
		}
	}
	/*
	 * Online: the master's mount has every entry of the log (each append
	 * went through it, offline writers are refused while it is mounted),
	 * its own deletes included; say so in its record.
	 */
	if (famfs_fs_mountpoint(fs) && famfs_sb_has_delete(famfs_fs_sb(fs)) &&
	    famfs_fs_log(fs)->next_index > n0 &&
	    cli_host_update(famfs_fs_mountpoint(fs), famfs_fs_log(fs)->next_index,
			    UINT64_MAX))
		ret = CLI_EXIT_FAIL;
	famfs_fs_close(fs);
	return ret;
}

int cmd_rm(int argc, char **argv)
{
	return run(argc, argv, false);
}

int cmd_rmdir(int argc, char **argv)
{
	return run(argc, argv, true);
}
