// SPDX-License-Identifier: GPL-2.0
/* famfs cat: write files' bytes to stdout (offline through --device). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

#define CAT_CHUNK (1U << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs cat [--device DEV] FILE...\n"
		"\n"
		"Write the bytes of each FILE to standard output. With --device,\n"
		"FILE is relative to the root of the unmounted device or image\n"
		"and is read through its log entry's extent map.\n"
		"\n"
		"  -D, --device DEV   read from the unmounted device or image DEV\n"
		"  -v, --verbose      name each FILE and its size on stderr (not\n"
		"                     cat(1)'s -v: the bytes are never changed)\n"
		"  -h, --help         this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

static int write_all(const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int cat_one(const char *device, const char *path, uint8_t *buf,
		   bool verbose)
{
	char safe[CLI_SAFE_LEN];
	struct cli_src s;
	uint64_t off;
	size_t n;
	int rc, ret;

	ret = cli_src_open(&s, device, path);
	if (ret)
		return ret;
	for (off = 0; off < s.size; off += n) {
		n = s.size - off < CAT_CHUNK ? (size_t)(s.size - off)
					     : CAT_CHUNK;
		rc = cli_src_read(&s, off, buf, n);
		if (rc) {
			cli_liberr(rc, "read %s", cli_safe(path, safe, sizeof(safe)));
			ret = CLI_EXIT_FAIL;
			break;
		}
		rc = write_all(buf, n);
		if (rc) {
			cli_err("write to stdout: %s", strerror(-rc));
			ret = CLI_EXIT_FAIL;
			break;
		}
	}
	if (verbose && ret == CLI_EXIT_OK)
		fprintf(stderr, "%s: %s: %llu bytes\n", cli_prog,
			cli_safe(path, safe, sizeof(safe)),
			(unsigned long long)s.size);
	cli_src_close(&s);
	return ret;
}

int cmd_cat(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL;
	uint8_t *buf;
	bool verbose = false;
	int c, i, rc, ret = CLI_EXIT_OK;

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
	if (optind >= argc) {
		cli_err("missing FILE");
		return cli_usage_hint();
	}
	buf = malloc(CAT_CHUNK);
	if (!buf)
		return CLI_EXIT_FAIL;
	for (i = optind; i < argc; i++) {
		rc = cat_one(device, argv[i], buf, verbose);
		if (rc)
			ret = rc;
	}
	free(buf);
	return ret;
}
