// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: log parsing and replay planning. Invariant: every file the
 * plan creates has a map that passes famfs_map_check() and owns memory no
 * other created file owns (what the kernel's range index will demand).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_image.h"

static struct fuzz_image im;

/* A namespace where "have" is a directory and "have/f" a file. */
static int lookup(void *ctx, const char *rel)
{
	(void)ctx;
	if (!strcmp(rel, "have"))
		return FAMFS_LOOKUP_DIR;
	if (!strcmp(rel, "have/f"))
		return FAMFS_LOOKUP_FILE;
	return FAMFS_LOOKUP_ABSENT;
}

static void check_plan(const struct famfs_log *log, uint64_t log_len, famfs_lookup_fn fn)
{
	struct famfs_map_limits lim = { .dev_size = FUZZ_DEV_SIZE, .log_len = log_len };
	struct famfs_action *acts;
	struct famfs_log_fmap *maps;
	size_t n, i, j, nmaps = 0;

	if (famfs_replay_plan(log, log_len, FUZZ_DEV_SIZE, fn, NULL, &acts, &n))
		return;
	maps = calloc(n + 1, sizeof(*maps));
	if (!maps)
		abort();
	for (i = 0; i < n; i++) {
		const struct famfs_action *a = &acts[i];

		if (i && a->index <= acts[i - 1].index)
			abort();	/* one action per entry, in log order */
		if (memchr(a->relpath, 0, sizeof(a->relpath)) == NULL)
			abort();
		if (a->type == FAMFS_ACT_BAD && !a->err)
			abort();
		if (a->type != FAMFS_ACT_CREATE)
			continue;
		if (famfs_map_check(&lim, &a->fmap, a->size))
			abort();
		if (famfs_relpath_check(a->relpath))
			abort();
		for (j = 0; j < nmaps; j++) {
			/* Pairwise: created maps never share memory. */
			uint64_t u, k;

			for (k = 0; k < famfs_fmap_bytes(&a->fmap); k += FAMFS_ALLOC_UNIT) {
				uint64_t av, d = famfs_fmap_devoff(&a->fmap, k, &av);

				for (u = 0; d != UINT64_MAX && u < famfs_fmap_bytes(&maps[j]);
				     u += FAMFS_ALLOC_UNIT)
					if (famfs_fmap_devoff(&maps[j], u, NULL) == d)
						abort();
			}
		}
		maps[nmaps++] = a->fmap;
	}
	free(maps);
	free(acts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct famfs_alloc_report rep;
	struct famfs_log_scan scan;
	const struct famfs_log *log;
	struct famfs_alloc *a;
	uint64_t log_len;

	fuzz_image_load(&im, data, size);
	log = fuzz_image_log(&im);
	if (!log)
		return 0;
	log_len = im.sb->log_len;
	if (famfs_log_check(log, log_len))
		return 0;
	if (famfs_log_scan(log, log_len, &scan) || scan.nvalid > log->next_index)
		abort();
	check_plan(log, log_len, famfs_lookup_empty);
	check_plan(log, log_len, lookup);
	if (famfs_alloc_build(&a, im.sb, log, &rep) == 0) {
		if (rep.used_bytes > rep.size_bytes)
			abort();
		famfs_alloc_free(a);
	}
	return 0;
}
