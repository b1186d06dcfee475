// SPDX-License-Identifier: GPL-2.0
/*
 * famfs flush: write files' bytes back from this host's CPU caches, so that
 * other hosts (no cache coherence) see them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs flush [-v] FILE...\n"
		"\n"
		"Flush the CPU caches over each FILE's memory (through its mmap),\n"
		"so that other hosts sharing the memory see the current bytes.\n"
		"\n"
		"  -v, --verbose   print each file flushed\n"
		"  -h, --help      this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

static int flush_one(const char *path, bool verbose)
{
	struct stat st;
	void *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		cli_err("cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_EXIT_FAIL;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_err("%s is not a regular file", path);
		close(fd);
		return CLI_EXIT_FAIL;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd,
			 0);
		if (p == MAP_FAILED) {
			cli_err("cannot mmap %s: %s", path, strerror(errno));
			close(fd);
			return CLI_EXIT_FAIL;
		}
		famfs_flush(p, (size_t)st.st_size);
		munmap(p, (size_t)st.st_size);
	}
	close(fd);
	if (verbose)
		printf("flushed %s (%llu bytes)\n", path,
		       (unsigned long long)st.st_size);
	return CLI_EXIT_OK;
}

int cmd_flush(int argc, char **argv)
{
	bool verbose = false;
	int i, ret;

	ret = cli_opts_verbose(argc, argv, usage, false, &verbose);
	if (ret >= 0)
		return ret;
	ret = CLI_EXIT_OK;
	if (optind >= argc) {
		cli_err("missing FILE");
		return cli_usage_hint();
	}
	for (i = optind; i < argc; i++)
		if (flush_one(argv[i], verbose))
			ret = CLI_EXIT_FAIL;
	return ret;
}
