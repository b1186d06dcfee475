/* SPDX-License-Identifier: GPL-2.0 */
/* Library-internal: lookups under a mount root with few system calls. */
#ifndef FAMFS_DIRCACHE_H
#define FAMFS_DIRCACHE_H

#include <stdint.h>

struct famfs_dircache;

/* Open a cache for the namespace under directory @root. */
int famfs_dircache_new(const char *root, struct famfs_dircache **out);
void famfs_dircache_free(struct famfs_dircache *dc);
/* A famfs_lookup_fn: @ctx is a struct famfs_dircache. */
int famfs_dircache_lookup(void *ctx, const char *relpath);
/* System calls made so far (listings count one per call), for stats. */
uint64_t famfs_dircache_syscalls(const struct famfs_dircache *dc);

#endif /* FAMFS_DIRCACHE_H */
