/* SPDX-License-Identifier: GPL-2.0 */
/* Library-internal: relpath -> log entry index (see nameidx.c). */
#ifndef FAMFS_NAMEIDX_H
#define FAMFS_NAMEIDX_H

#include "famfs_priv.h"

struct famfs_nameidx {
	const struct famfs_log *log;
	uint64_t cap, used;
	uint64_t *slots;	/* entry index + 1; 0 = empty */
};

/* @skip (may be NULL): bit per index of entries not to index (deleted). */
int famfs_nameidx_build(struct famfs_nameidx *x, const struct famfs_log *log,
			uint64_t nvalid, const uint64_t *skip);
/* Forget the name of FILE/MKDIR entry @index if the index maps it there. */
int famfs_nameidx_remove(struct famfs_nameidx *x, uint64_t index);
int famfs_nameidx_add(struct famfs_nameidx *x, uint64_t index);
/* Entry index of the first valid FILE/MKDIR entry named @name, or -1. */
int64_t famfs_nameidx_get(struct famfs_nameidx *x, const char *name);
void famfs_nameidx_free(struct famfs_nameidx *x);

#endif /* FAMFS_NAMEIDX_H */
