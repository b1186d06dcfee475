// SPDX-License-Identifier: GPL-2.0
/* famfs verify: compare a file with the seeded stream of "creat -r". */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

#define VERIFY_CHUNK (4U << 20)	/* a multiple of 4: the stream stays aligned */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs verify -S SEED -f FILE [--device DEV]\n"
		"\n"
		"Check that FILE holds exactly the pseudo-random stream of SEED\n"
		"(what 'famfs creat -r -S SEED' writes) and report the first\n"
		"mismatching offset. Files of 64 MiB or more show progress when\n"
		"stderr is a terminal.\n"
		"\n"
		"  -S, --seed SEED    the seed (1..4294967295)\n"
		"  -f, --filename F   the file\n"
		"  -D, --device DEV   read F (relative to the root) from the\n"
		"                     unmounted device or image DEV\n"
		"  -h, --help         this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"  (3 here means: the data does not match the stream)\n");
}

int cmd_verify(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 'S' },
		{ "filename", required_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL, *file = NULL;
	struct famfs_prng p;
	struct cli_src s;
	struct cli_progress prog;
	bool have_seed = false;
	uint64_t off;
	uint32_t seed = 0;
	uint8_t *buf;
	size_t n, bad;
	int c, rc, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "S:f:D:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (!cli_opt_u32("seed", optarg, &seed))
				return cli_usage_hint();
			have_seed = true;
			break;
		case 'f':
			file = optarg;
			break;
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
	if (!file && optind == argc - 1)
		file = argv[optind++];
	if (optind != argc) {
		cli_err("too many arguments");
		return cli_usage_hint();
	}
	if (!have_seed || !file) {
		cli_err(!have_seed ? "missing -S SEED" : "missing -f FILE");
		return cli_usage_hint();
	}
	if (seed == 0) {
		cli_err("seed 0 means \"random\" at creation; give the seed "
			"that creat printed");
		return cli_usage_hint();
	}
	ret = cli_src_open(&s, device, file);
	if (ret)
		return ret;
	buf = malloc(VERIFY_CHUNK);
	if (!buf) {
		cli_src_close(&s);
		return CLI_EXIT_FAIL;
	}
	famfs_prng_init(&p, seed);
	cli_progress_start(&prog, "verifying", s.size);
	for (off = 0; off < s.size; off += n) {
		n = s.size - off < VERIFY_CHUNK ? (size_t)(s.size - off)
						: VERIFY_CHUNK;
		rc = cli_src_read(&s, off, buf, n);
		if (rc) {
			cli_liberr(rc, "read %s at offset %llu", file,
				   (unsigned long long)off);
			ret = CLI_EXIT_FAIL;
			break;
		}
		bad = famfs_prng_verify(&p, buf, n);
		if (bad < n) {
			printf("%s: mismatch at offset %llu (seed %u, size "
			       "%llu)\n", file,
			       (unsigned long long)(off + bad), seed,
			       (unsigned long long)s.size);
			ret = CLI_EXIT_CORRUPT;
			break;
		}
		cli_progress_add(&prog, n);
	}
	cli_progress_end(&prog);
	if (ret == CLI_EXIT_OK)
		printf("%s: %llu bytes match seed %u\n", file,
		       (unsigned long long)s.size, seed);
	free(buf);
	cli_src_close(&s);
	return ret;
}
