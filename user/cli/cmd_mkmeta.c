// SPDX-License-Identifier: GPL-2.0
/* famfs mkmeta: create the .meta files of a mounted famfs device. */
#include <getopt.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs mkmeta DEVICE\n"
		"\n"
		"Create .meta/, .meta/.superblock and .meta/.log in the famfs\n"
		"mount of DEVICE (famfs mount does this itself; use mkmeta after\n"
		"a bare mount(8) -t famfs). Existing meta files are left alone.\n"
		"\n"
		"  -v, --verbose  say where the meta files are\n"
		"  -h, --help     this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

int cmd_mkmeta(int argc, char **argv)
{
	bool verbose = false;
	int rc;

	rc = cli_opts_verbose(argc, argv, usage, false, &verbose);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1) {
		cli_err("expected one DEVICE");
		return cli_usage_hint();
	}
	rc = famfs_mkmeta(argv[optind]);
	if (rc) {
		cli_liberr(rc, "cannot create the meta files of %s",
			   argv[optind]);
		return cli_exit_for(rc);
	}
	if (verbose) {
		char mpt[4096];

		if (famfs_path_mountpoint(argv[optind], mpt, sizeof(mpt)) == 1)
			printf("meta files of %s: %s/.meta\n", argv[optind], mpt);
	}
	return CLI_EXIT_OK;
}
