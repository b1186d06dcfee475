// SPDX-License-Identifier: GPL-2.0
/*
 * famfs creat: create and allocate files, optionally filled with the seeded
 * test stream. -M name,size[,seed] creates many files on one handle, and
 * --from reads such lines from a file: one lock and one log scan for a
 * whole tree, where xargs would start a process (and a scan) per batch.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

#define CREAT_MAX_THREADS 64

struct creat_item {
	const char *path;
	uint64_t size;
	uint32_t seed;
	bool fill;
	/* set by creat_one() */
	bool open, existed;
	int ret;
	char *rel;		/* malloc()ed by creat_one() */
	char *line;		/* the --from line @path points into, or NULL */
	struct cli_dst dst;
};

/* The files to create: -M arguments, --from lines and FILE, in order. */
struct creat_list {
	struct creat_item *v;
	size_t n, cap;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs creat -s SIZE [-r [-S SEED]] [-m MODE] [-u UID] [-g GID]\n"
		"                   [-N NSTRIPS [-B NBUCKETS] [-C CHUNK]] [--device DEV] FILE\n"
		"       famfs creat -M NAME,SIZE[,SEED] [-M ...] [options]\n"
		"       famfs creat --from LIST [options]\n"
		"\n"
		"Create FILE and allocate SIZE bytes of famfs memory for it. Creating\n"
		"a file that exists with the same size does nothing; a different\n"
		"size is an error. Only the master host may create files.\n"
		"\n"
		"  -s, --size SIZE       file size (4096, 0x1000, 4k, 2m, 8MiB, 1GiB)\n"
		"  -r, --randomize       fill with the seeded stream (see verify)\n"
		"  -S, --seed SEED       seed for -r (default: picked and printed)\n"
		"  -M, --multi N,S[,SEED] create file N of size S (filled if SEED\n"
		"                        is given, or with -r); repeatable\n"
		"  -F, --from LIST       one NAME,SIZE[,SEED] per line of LIST (- for\n"
		"                        stdin), as -M; blank lines are skipped\n"
		"  -m, --mode MODE       octal permission bits (default 0644)\n"
		"  -u, --uid UID         owner (default: the caller)\n"
		"  -g, --gid GID         group (default: the caller's)\n"
		"  -N, --nstrips N       interleave over N strips (1..16)\n"
		"  -B, --nbuckets N      split the device into N buckets (<= 64)\n"
		"  -C, --chunksize SIZE  interleave chunk (power of two, 2m multiple,\n"
		"                        at most 1g)\n"
		"  -t, --threadct N      fill the -M files with N threads (1..64)\n"
		"  -v, --verbose         print each file created\n"
		"  -j, --json            JSON output: each file, its size and seed\n"
		"  -D, --device DEV      work on the unmounted device or image DEV;\n"
		"                        FILE is then relative to the root\n"
		"  -h, --help            this text\n"
		"\n"
		"Filling (-r) 64 MiB or more shows progress when stderr is a terminal.\n"
		"Without -N, a mounted file system's .meta/.alloc.cfg decides the\n"
		"interleave; otherwise each file is one contiguous extent.\n"
		"\n" CLI_EXIT_CODES_HELP);
}

/* "name,size[,seed]"; the name itself may not contain a comma. */
static bool parse_multi(char *arg, struct creat_item *it, const char *where)
{
	char *size = strchr(arg, ',');
	char safe[CLI_SAFE_LEN];
	char *seed;

	if (!size || size == arg) {
		cli_err("invalid %s '%s' (expected NAME,SIZE[,SEED])", where,
			cli_safe(arg, safe, sizeof(safe)));
		return false;
	}
	*size++ = '\0';
	seed = strchr(size, ',');
	if (seed)
		*seed++ = '\0';
	it->path = arg;
	if (!cli_opt_size("size", size, &it->size)) {
		cli_err("in %s", where);
		return false;
	}
	if (seed) {
		if (!cli_opt_u32("seed", seed, &it->seed)) {
			cli_err("in %s", where);
			return false;
		}
		it->fill = true;
	}
	return true;
}

/* A new zeroed item at the end of @l, or NULL (out of memory). */
static struct creat_item *list_add(struct creat_list *l)
{
	struct creat_item *v;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			cli_err("out of memory for %zu files", l->n + 1);
			return NULL;
		}
		l->v = v;
		l->cap = cap;
	}
	v = &l->v[l->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

/* --from LIST: each non-blank line is an -M argument. */
static bool read_list(struct creat_list *l, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char safe[CLI_SAFE_LEN], where[CLI_SAFE_LEN + 32];
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool good = true;

	cli_safe(path, safe, sizeof(safe));
	if (!f) {
		cli_err("cannot read %s: %s", safe, strerror(errno));
		return false;
	}
	while (good && (len = getline(&line, &cap, f)) >= 0) {
		struct creat_item *it;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		if (strlen(line) != (size_t)len) {
			cli_err("%s:%lu: a NUL byte in the line", safe, lineno);
			good = false;
			break;
		}
		snprintf(where, sizeof(where), "line %lu of %s", lineno, safe);
		it = list_add(l);
		if (!it) {
			good = false;
			break;
		}
		it->line = line;
		good = parse_multi(line, it, where);
		line = NULL;
		cap = 0;
	}
	if (good && ferror(f)) {
		cli_err("cannot read %s: %s", safe, strerror(errno));
		good = false;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return good;
}

static void list_free(struct creat_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].rel);
		free(l->v[i].line);
	}
	free(l->v);
}

static bool creat_json;	/* --json: no text on stdout */

/* One file's object of the --json "files" array. */
static void json_item(struct cli_json *j, const struct creat_item *it)
{
	bool filled = it->fill && !it->ret;

	cli_json_obj_begin(j, NULL);
	cli_json_str(j, "path", it->path);
	cli_json_u64(j, "size", it->size);
	cli_json_bool(j, "created", !it->existed);
	cli_json_bool(j, "filled", filled);
	if (filled)
		cli_json_u64(j, "seed", it->seed);
	cli_json_obj_end(j);
}

/* Create (allocate and log) one file; its data is written later. */
static int creat_one(struct famfs_fs *fs, struct creat_item *it,
		     const struct cli_attr *a, const struct famfs_interleave *il,
		     bool verbose)
{
	struct cli_dst *d = &it->dst;
	char safe[CLI_SAFE_LEN], rel[PATH_MAX];
	uint8_t *map = NULL;
	int rc;

	cli_safe(it->path, safe, sizeof(safe));
	if (cli_fs_relpath(fs, it->path, rel, sizeof(rel)))
		return CLI_EXIT_FAIL;
	it->rel = strdup(rel);
	if (!it->rel) {
		cli_err("out of memory");
		return CLI_EXIT_FAIL;
	}
	/*
	 * Only a file to fill needs its bytes, and a mapping holds no file
	 * descriptor: -M with thousands of files stays within the fd limit.
	 */
	rc = famfs_fs_creat(fs, it->rel, it->size, a->mode, a->uid, a->gid, il,
			    NULL, it->fill ? &map : NULL);
	if (rc < 0) {
		cli_liberr(rc, "cannot create %s", safe);
		return cli_exit_for(rc);
	}
	memset(d, 0, sizeof(*d));
	d->fs = fs;
	d->relpath = it->rel;
	d->map = map;
	d->map_online = map && famfs_fs_mountpoint(fs);
	d->fd = -1;
	d->size = it->size;
	it->open = true;
	if (rc == 1) {
		/* Same name, same size: nothing to do (idempotent). */
		if (!creat_json)
			printf("%s exists with size %llu: unchanged\n", safe,
			       (unsigned long long)it->size);
		it->fill = false;
		it->existed = true;
	} else if (verbose) {
		printf("created %s: %llu bytes%s\n", safe,
		       (unsigned long long)it->size,
		       il ? " (interleaved)" : "");
	}
	return CLI_EXIT_OK;
}

struct fill_run {
	struct creat_item *items;
	size_t n, next;
	pthread_mutex_t lock;
};

static void *fill_worker(void *arg)
{
	struct fill_run *r = arg;
	struct cli_progress prog;
	struct creat_item *it;
	int rc;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		while (r->next < r->n && !r->items[r->next].fill)
			r->next++;
		it = r->next < r->n ? &r->items[r->next++] : NULL;
		pthread_mutex_unlock(&r->lock);
		if (!it)
			return NULL;
		cli_progress_start(&prog, "filling", it->size);
		rc = cli_dst_fill_seeded(&it->dst, it->seed, &prog);
		cli_progress_end(&prog);
		if (rc) {
			char safe[CLI_SAFE_LEN];

			cli_liberr(rc, "cannot fill %s",
				   cli_safe(it->path, safe, sizeof(safe)));
			it->ret = CLI_EXIT_FAIL;
		}
	}
}

/* Fill the created files that want the seeded stream, by @threads. */
static void fill_all(struct creat_item *items, size_t n, uint32_t threads)
{
	struct fill_run r = { .items = items, .n = n };
	pthread_t tids[CREAT_MAX_THREADS];
	uint32_t i, started = 0;

	pthread_mutex_init(&r.lock, NULL);
	if (threads > n)
		threads = (uint32_t)n;
	if (threads > 1)
		for (i = 0; i < threads; i++)
			if (pthread_create(&tids[started], NULL, fill_worker, &r) == 0)
				started++;
	fill_worker(&r);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&r.lock);
}

int cmd_creat(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "randomize", no_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "multi", required_argument, NULL, 'M' },
		{ "from", required_argument, NULL, 'F' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "nstrips", required_argument, NULL, 'N' },
		{ "nbuckets", required_argument, NULL, 'B' },
		{ "chunksize", required_argument, NULL, 'C' },
		{ "device", required_argument, NULL, 'D' },
		{ "threadct", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_json json, *j = NULL;
	struct cli_attr a = { .mode = 0644 };
	struct cli_il ilo = { 0 };
	struct famfs_interleave il;
	struct creat_list list = { 0 };
	struct creat_item *items, *it;
	const char *device = NULL;
	uint64_t size = 0;
	uint32_t seed = 0, threads = 1;
	bool from = false, verbose = false, have_size = false, randomize = false, have_seed = false, use_il;
	struct famfs_fs *fs;
	size_t n, i;
	int c, rc, ret = CLI_EXIT_OK;

	a.uid = getuid();
	a.gid = getgid();
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:rS:M:F:m:u:g:N:B:C:D:t:vjh", lopts,
				NULL)) != -1) {
		if (cli_attr_opt(c, optarg, &a) < 0 ||
		    cli_il_opt(c, optarg, &ilo) < 0)
			goto usage;
		switch (c) {
		case 's':
			if (!cli_opt_size("size", optarg, &size))
				goto usage;
			have_size = true;
			break;
		case 'r':
			randomize = true;
			break;
		case 'S':
			if (!cli_opt_u32("seed", optarg, &seed))
				goto usage;
			have_seed = true;
			break;
		case 'M':
			it = list_add(&list);
			if (!it) {
				ret = CLI_EXIT_FAIL;
				goto out;
			}
			if (!parse_multi(optarg, it, "-M"))
				goto usage;
			break;
		case 'F':
			from = true;
			if (!read_list(&list, optarg))
				goto usage;
			break;
		case 'D':
			device = optarg;
			break;
		case 't':
			if (!cli_opt_u32("thread count", optarg, &threads))
				goto usage;
			if (threads < 1 || threads > CREAT_MAX_THREADS) {
				cli_err("thread count must be 1..%d, not %u",
					CREAT_MAX_THREADS, threads);
				goto usage;
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'j':
			j = &json;
			creat_json = true;
			break;
		case 'h':
			usage(stdout);
			list_free(&list);
			return CLI_EXIT_OK;
		case 'm': case 'u': case 'g': case 'N': case 'B': case 'C':
			break;
		default:
			goto usage;
		}
	}
	if (have_seed && !randomize) {
		cli_err("-S SEED needs -r");
		goto usage;
	}
	if (randomize && !have_seed)
		seed = cli_pick_seed();
	if (seed == 0 && have_seed)
		seed = cli_pick_seed();	/* seed 0 means "pick one" */
	items = list.v;
	n = list.n;
	/* -M items without their own seed get -r's stream. */
	for (i = 0; i < n; i++) {
		if (!items[i].fill && randomize) {
			items[i].fill = true;
			items[i].seed = seed;
		} else if (items[i].fill && items[i].seed == 0) {
			items[i].seed = cli_pick_seed();
		}
	}
	if (optind < argc) {
		if (optind != argc - 1) {
			cli_err("too many arguments (one FILE, or -M)");
			goto usage;
		}
		if (!have_size) {
			cli_err("missing -s SIZE");
			goto usage;
		}
		it = list_add(&list);
		if (!it) {
			ret = CLI_EXIT_FAIL;
			goto out;
		}
		it->path = argv[optind];
		it->size = size;
		it->fill = randomize;
		it->seed = seed;
		items = list.v;
		n = list.n;
	} else if (!n) {
		cli_err(from ? "no files to create: the --from list is empty" :
			"missing FILE");
		goto usage;
	} else if (have_size) {
		cli_err("-s applies to FILE; -M and --from entries carry their own size");
		goto usage;
	}

	/* JSON replaces the text; lines of parallel fills would overlap. */
	if (j || threads > 1)
		cli_progress_off = true;
	if (j)
		verbose = false;
	ret = cli_fs_open(device, items[0].path, true, &fs);
	if (ret)
		goto out;
	ret = cli_il_resolve(&ilo, fs, &il, &use_il);
	/* All files are created first (one after the other: one bitmap, one
	 * log), then filled, by -t threads. */
	for (i = 0; i < n && ret == CLI_EXIT_OK; i++) {
		rc = creat_one(fs, &items[i], &a, use_il ? &il : NULL, verbose);
		if (rc)
			ret = rc;
	}
	for (i = n; i-- > 0; )
		if (!items[i].open)
			items[i].fill = false;
	fill_all(items, n, threads);
	if (j) {
		cli_json_init(j, stdout);
		cli_json_obj_begin(j, NULL);
		cli_json_arr_begin(j, "files");
	}
	for (i = 0; i < n; i++) {
		if (!items[i].open)
			continue;
		cli_dst_finish(&items[i].dst);
		if (j)
			json_item(j, &items[i]);
		if (items[i].ret) {
			if (ret == CLI_EXIT_OK)
				ret = items[i].ret;
		} else if (items[i].fill && !j) {
			char safe[CLI_SAFE_LEN];

			printf("%s: %llu bytes, seed %u\n",
			       cli_safe(items[i].path, safe, sizeof(safe)),
			       (unsigned long long)items[i].size, items[i].seed);
		}
	}
	famfs_fs_close(fs);
	if (j) {
		/* Also after a failure: what was created is logged. */
		cli_json_arr_end(j);
		cli_json_u64(j, "exit", (uint64_t)ret);
		cli_json_obj_end(j);
		cli_json_finish(j);
	}
out:
	list_free(&list);
	return ret;
usage:
	list_free(&list);
	return cli_usage_hint();
}
