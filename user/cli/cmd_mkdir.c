// SPDX-License-Identifier: GPL-2.0
/* famfs mkdir: create directories (logged, and made in the mount). */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs mkdir [-p] [-m MODE] [-u UID] [-g GID] [--device DEV] DIR...\n"
		"\n"
		"Create directories in famfs: a MKDIR log entry each, and the\n"
		"directory in the mount. Only the master host may do this.\n"
		"\n"
		"  -p, --parents        create missing parents; no error if DIR exists\n"
		"  -m, --mode MODE      octal permission bits (default 0755)\n"
		"  -u, --uid UID        owner (default: the caller)\n"
		"  -g, --gid GID        group (default: the caller's)\n"
		"  -D, --device DEV     work on the unmounted device or image DEV;\n"
		"                       DIR is then relative to the file system root\n"
		"  -v, --verbose        print each directory created\n"
		"  -h, --help           this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

int cmd_mkdir(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "parents", no_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "device", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_attr a = { .mode = 0755 };
	const char *device = NULL;
	char rel[4096];
	struct famfs_fs *fs;
	char safe[CLI_SAFE_LEN];
	bool parents = false, verbose = false;
	int c, i, rc, ret;

	a.uid = getuid();
	a.gid = getgid();
	optind = 1;
	while ((c = getopt_long(argc, argv, "pm:u:g:D:vh", lopts, NULL)) != -1) {
		if (cli_attr_opt(c, optarg, &a) < 0)
			return cli_usage_hint();
		switch (c) {
		case 'p':
			parents = true;
			break;
		case 'D':
			device = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'm':
		case 'u':
		case 'g':
			break;
		default:
			return cli_usage_hint();
		}
	}
	if (optind >= argc) {
		cli_err("missing DIR");
		return cli_usage_hint();
	}
	ret = cli_fs_open(device, argv[optind], true, &fs);
	if (ret)
		return ret;
	for (i = optind; i < argc; i++) {
		if (cli_fs_relpath(fs, argv[i], rel, sizeof(rel))) {
			ret = CLI_EXIT_FAIL;
			continue;
		}
		rc = famfs_fs_mkdir(fs, rel, a.mode, a.uid, a.gid, parents);
		if (rc) {
			cli_liberr(rc, "cannot create directory %s", argv[i]);
			ret = cli_exit_for(rc);
			if (rc == -ENOSPC || rc == -EROFS)
				break;
		} else if (verbose) {
			printf("created directory %s\n",
			       cli_safe(argv[i], safe, sizeof(safe)));
		}
	}
	famfs_fs_close(fs);
	return ret;
}
