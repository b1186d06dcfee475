// SPDX-License-Identifier: GPL-2.0
/*
 * famfs verify: compare files with the seeded stream of "creat -r"; with
 * -m FILE,SEED (repeatable) several files, by -t threads.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

#define VERIFY_CHUNK (4U << 20)	/* a multiple of 4: the stream stays aligned */
#define VERIFY_MAX_THREADS 64

struct verify_item {
	const char *file;
	uint32_t seed;
	int ret;
};

struct verify_run {
	const char *device;
	struct verify_item *items;
	size_t n, next;
	bool quiet, verbose;
	pthread_mutex_t lock;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs verify -S SEED -f FILE [-q] [-v] [--device DEV]\n"
		"       famfs verify -m FILE,SEED [-m ...] [-t N] [-q] [-v] [--device DEV]\n"
		"\n"
		"Check that FILE holds exactly the pseudo-random stream of SEED\n"
		"(what 'famfs creat -r -S SEED' writes) and report the first\n"
		"mismatching offset. Files of 64 MiB or more show progress when\n"
		"stderr is a terminal.\n"
		"\n"
		"  -S, --seed SEED    the seed (1..4294967295)\n"
		"  -f, --filename F   the file\n"
		"  -m, --multi F,SEED verify file F against SEED; repeatable, not\n"
		"                     with -S/-f\n"
		"  -t, --threadct N   with -m: verify N files at a time (1..64,\n"
		"                     default 1)\n"
		"  -q, --quiet        print only mismatches and errors\n"
		"  -v, --verbose      name each file before reading it\n"
		"  -D, --device DEV   read F (relative to the root) from the\n"
		"                     unmounted device or image DEV\n"
		"  -h, --help         this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"  (3 here means: the data does not match the stream)\n");
}

/* Verify one file; prints its result line. Returns an exit code. */
static int verify_one(const struct verify_run *r, const char *file,
		      uint32_t seed)
{
	char safe[CLI_SAFE_LEN];
	struct famfs_prng p;
	struct cli_src s;
	struct cli_progress prog;
	uint64_t off;
	uint8_t *buf;
	size_t n, bad;
	int rc, ret;

	cli_safe(file, safe, sizeof(safe));
	ret = cli_src_open(&s, r->device, file);
	if (ret)
		return ret;
	if (r->verbose)
		printf("%s: verifying %llu bytes against seed %u\n", safe,
		       (unsigned long long)s.size, seed);
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
			cli_liberr(rc, "read %s at offset %llu", safe,
				   (unsigned long long)off);
			ret = CLI_EXIT_FAIL;
			break;
		}
		bad = famfs_prng_verify(&p, buf, n);
		if (bad < n) {
			printf("%s: mismatch at offset %llu (seed %u, size "
			       "%llu)\n", safe,
			       (unsigned long long)(off + bad), seed,
			       (unsigned long long)s.size);
			ret = CLI_EXIT_CORRUPT;
			break;
		}
		cli_progress_add(&prog, n);
	}
	cli_progress_end(&prog);
	if (ret == CLI_EXIT_OK && !r->quiet)
		printf("%s: %llu bytes match seed %u\n", safe,
		       (unsigned long long)s.size, seed);
	free(buf);
	cli_src_close(&s);
	return ret;
}

static void *verify_worker(void *arg)
{
	struct verify_run *r = arg;
	struct verify_item *it;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		it = r->next < r->n ? &r->items[r->next++] : NULL;
		pthread_mutex_unlock(&r->lock);
		if (!it)
			return NULL;
		it->ret = verify_one(r, it->file, it->seed);
	}
}

/* "FILE,SEED": the last comma splits, so FILE may hold commas. */
static bool parse_multi(char *arg, struct verify_item *it)
{
	char *comma = strrchr(arg, ',');

	if (!comma || comma == arg || !comma[1]) {
		cli_err("invalid -m '%s' (expected FILE,SEED)", arg);
		return false;
	}
	*comma = '\0';
	it->file = arg;
	if (!cli_opt_u32("seed", comma + 1, &it->seed))
		return false;
	if (it->seed == 0) {
		cli_err("-m %s: seed 0 means \"random\" at creation; give the "
			"seed that creat printed", arg);
		return false;
	}
	return true;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 'S' },
		{ "filename", required_argument, NULL, 'f' },
		{ "multi", required_argument, NULL, 'm' },
		{ "threadct", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_run r = { .device = NULL };
	const char *file = NULL;
	pthread_t tids[VERIFY_MAX_THREADS];
	bool have_seed = false, have_threads = false;
	uint32_t seed = 0, threads = 1, started = 0, i;
	size_t k;
	int c, ret = CLI_EXIT_OK;

	r.items = calloc((size_t)argc + 1, sizeof(*r.items));
	if (!r.items)
		return CLI_EXIT_FAIL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "S:f:m:t:qvD:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (!cli_opt_u32("seed", optarg, &seed))
				goto usage;
			have_seed = true;
			break;
		case 'f':
			file = optarg;
			break;
		case 'm':
			if (!parse_multi(optarg, &r.items[r.n]))
				goto usage;
			r.n++;
			break;
		case 't':
			if (!cli_opt_u32("thread count", optarg, &threads))
				goto usage;
			if (threads < 1 || threads > VERIFY_MAX_THREADS) {
				cli_err("thread count must be 1..%d, not %u",
					VERIFY_MAX_THREADS, threads);
				goto usage;
			}
			have_threads = true;
			break;
		case 'q':
			r.quiet = true;
			break;
		case 'v':
			r.verbose = true;
			break;
		case 'D':
			r.device = optarg;
			break;
		case 'h':
			usage(stdout);
			free(r.items);
			return CLI_EXIT_OK;
		default:
			goto usage;
		}
	}
	if (r.n) {
		if (have_seed || file || optind != argc) {
			cli_err("-m cannot be combined with -S, -f or a FILE operand");
			goto usage;
		}
	} else {
		if (have_threads) {
			cli_err("-t applies to -m (several files)");
			goto usage;
		}
		if (!file && optind == argc - 1)
			file = argv[optind++];
		if (optind != argc) {
			cli_err("too many arguments");
			goto usage;
		}
		if (!have_seed || !file) {
			cli_err(!have_seed ? "missing -S SEED" : "missing -f FILE");
			goto usage;
		}
		if (seed == 0) {
			cli_err("seed 0 means \"random\" at creation; give the seed "
				"that creat printed");
			goto usage;
		}
		r.items[0].file = file;
		r.items[0].seed = seed;
		r.n = 1;
	}
	pthread_mutex_init(&r.lock, NULL);
	if (threads > r.n)
		threads = (uint32_t)r.n;
	/* Lines from parallel workers would overwrite each other. */
	if (threads > 1 || r.quiet)
		cli_progress_off = true;
	if (threads > 1)
		for (i = 0; i < threads; i++)
			if (pthread_create(&tids[started], NULL, verify_worker, &r) == 0)
				started++;
	verify_worker(&r);	/* this thread works too (all of it without -t) */
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&r.lock);
	/* The worst result wins: corruption (3) over failure (2). */
	for (k = 0; k < r.n; k++)
		if (r.items[k].ret > ret)
			ret = r.items[k].ret;
	if (r.n > 1 && !r.quiet) {
		size_t nbad = 0;

		for (k = 0; k < r.n; k++)
			nbad += r.items[k].ret != CLI_EXIT_OK;
		printf("verified %zu files: %zu good, %zu bad\n", r.n,
		       r.n - nbad, nbad);
	}
	free(r.items);
	return ret;
usage:
	free(r.items);
	return cli_usage_hint();
}
