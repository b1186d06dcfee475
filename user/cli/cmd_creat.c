// SPDX-License-Identifier: GPL-2.0
/*
 * famfs creat: create and allocate files, optionally filled with the seeded
 * test stream. -M name,size[,seed] creates many files on one handle.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

struct creat_item {
	const char *path;
	uint64_t size;
	uint32_t seed;
	bool fill;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs creat -s SIZE [-r [-S SEED]] [-m MODE] [-u UID] [-g GID]\n"
		"                   [-N NSTRIPS [-B NBUCKETS] [-C CHUNK]] [--device DEV] FILE\n"
		"       famfs creat -M NAME,SIZE[,SEED] [-M ...] [options]\n"
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
		"  -m, --mode MODE       octal permission bits (default 0644)\n"
		"  -u, --uid UID         owner (default: the caller)\n"
		"  -g, --gid GID         group (default: the caller's)\n"
		"  -N, --nstrips N       interleave over N strips (1..16)\n"
		"  -B, --nbuckets N      split the device into N buckets (<= 64)\n"
		"  -C, --chunksize SIZE  interleave chunk (power of two, 2m multiple,\n"
		"                        at most 1g)\n"
		"  -D, --device DEV      work on the unmounted device or image DEV;\n"
		"                        FILE is then relative to the root\n"
		"  -h, --help            this text\n"
		"\n"
		"Without -N, a mounted file system's .meta/.alloc.cfg decides the\n"
		"interleave; otherwise each file is one contiguous extent.\n"
		"\n" CLI_EXIT_CODES_HELP);
}

/* "name,size[,seed]"; the name itself may not contain a comma. */
static bool parse_multi(char *arg, struct creat_item *it)
{
	char *size = strchr(arg, ',');
	char *seed;

	if (!size || size == arg) {
		cli_err("invalid -M '%s' (expected NAME,SIZE[,SEED])", arg);
		return false;
	}
	*size++ = '\0';
	seed = strchr(size, ',');
	if (seed)
		*seed++ = '\0';
	it->path = arg;
	if (!cli_opt_size("size", size, &it->size))
		return false;
	if (seed) {
		if (!cli_opt_u32("seed", seed, &it->seed))
			return false;
		it->fill = true;
	}
	return true;
}

static int creat_one(struct famfs_fs *fs, const struct creat_item *it,
		     const struct cli_attr *a, const struct famfs_interleave *il)
{
	struct cli_dst d = { .fs = fs, .fd = -1 };
	char rel[4096];
	uint8_t *map = NULL;
	int fd = -1, rc;

	if (cli_fs_relpath(fs, it->path, rel, sizeof(rel)))
		return CLI_EXIT_FAIL;
	rc = famfs_fs_creat(fs, rel, it->size, a->mode, a->uid, a->gid, il,
			    &fd, &map);
	if (rc < 0) {
		cli_liberr(rc, "cannot create %s", it->path);
		return cli_exit_for(rc);
	}
	d.relpath = rel;
	d.map = map;
	d.map_online = map && famfs_fs_mountpoint(fs);
	d.fd = fd;
	d.size = it->size;
	if (rc == 1) {
		/* Same name, same size: nothing to do (idempotent). */
		printf("%s exists with size %llu: unchanged\n", it->path,
		       (unsigned long long)it->size);
		cli_dst_finish(&d);
		return CLI_EXIT_OK;
	}
	if (it->fill) {
		rc = cli_dst_fill_seeded(&d, it->seed);
		if (rc) {
			cli_liberr(rc, "cannot fill %s", it->path);
			cli_dst_finish(&d);
			return CLI_EXIT_FAIL;
		}
		printf("%s: %llu bytes, seed %u\n", it->path,
		       (unsigned long long)it->size, it->seed);
	}
	cli_dst_finish(&d);
	return CLI_EXIT_OK;
}

int cmd_creat(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "randomize", no_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "multi", required_argument, NULL, 'M' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "nstrips", required_argument, NULL, 'N' },
		{ "nbuckets", required_argument, NULL, 'B' },
		{ "chunksize", required_argument, NULL, 'C' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_attr a = { .mode = 0644 };
	struct cli_il ilo = { 0 };
	struct famfs_interleave il;
	struct creat_item *items;
	const char *device = NULL;
	uint64_t size = 0;
	uint32_t seed = 0;
	bool have_size = false, randomize = false, have_seed = false, use_il;
	struct famfs_fs *fs;
	size_t n = 0, i;
	int c, rc, ret = CLI_EXIT_OK;

	a.uid = getuid();
	a.gid = getgid();
	items = calloc((size_t)argc + 1, sizeof(*items));
	if (!items)
		return CLI_EXIT_FAIL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:rS:M:m:u:g:N:B:C:D:h", lopts,
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
			if (!parse_multi(optarg, &items[n]))
				goto usage;
			n++;
			break;
		case 'D':
			device = optarg;
			break;
		case 'h':
			usage(stdout);
			free(items);
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
		items[n].path = argv[optind];
		items[n].size = size;
		items[n].fill = randomize;
		items[n].seed = seed;
		n++;
	} else if (!n) {
		cli_err("missing FILE");
		goto usage;
	} else if (have_size) {
		cli_err("-s applies to FILE; -M entries carry their own size");
		goto usage;
	}

	ret = cli_fs_open(device, items[0].path, true, &fs);
	if (ret)
		goto out;
	ret = cli_il_resolve(&ilo, fs, &il, &use_il);
	for (i = 0; i < n && ret == CLI_EXIT_OK; i++) {
		rc = creat_one(fs, &items[i], &a, use_il ? &il : NULL);
		if (rc)
			ret = rc;
	}
	famfs_fs_close(fs);
out:
	free(items);
	return ret;
usage:
	free(items);
	return cli_usage_hint();
}
