// SPDX-License-Identifier: GPL-2.0
/*
 * Index of the names in the log (relpath -> first valid entry), so a batch
 * of creates looks up parents and duplicates in O(1) instead of rescanning
 * the log for every file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nameidx.h"

/* Names are bounded by the relpath field, even if the memory changes. */
static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	int n = FAMFS_MAX_PATHLEN;

	while (n-- && *s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static const char *entry_name(const struct famfs_log *log, uint64_t i)
{
	const struct famfs_log_entry *e = &log->entries[i];

	return e->type == FAMFS_LOG_FILE ? e->file.relpath : e->mkdir.relpath;
}

/* A removed name (delete): probing goes on past it. */
#define TOMBSTONE UINT64_MAX

static uint64_t *slot_for(struct famfs_nameidx *x, const char *name)
{
	uint64_t i = hash_name(name) & (x->cap - 1);

	for (;; i = (i + 1) & (x->cap - 1)) {
		uint64_t *s = &x->slots[i];

		if (*s == TOMBSTONE)
			continue;
		if (!*s || !strncmp(entry_name(x->log, *s - 1), name,
				    FAMFS_MAX_PATHLEN))
			return s;
	}
}

static int grow(struct famfs_nameidx *x)
{
	uint64_t *old = x->slots, oldcap = x->cap, i;

	x->cap = oldcap ? oldcap * 2 : 1024;
	x->slots = calloc(x->cap, sizeof(*x->slots));
	if (!x->slots) {
		x->slots = old;
		x->cap = oldcap;
		return -ENOMEM;
	}
	x->used = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i] && old[i] != TOMBSTONE && ++x->used)
			*slot_for(x, entry_name(x->log, old[i] - 1)) = old[i];
	free(old);
	return 0;
}

int famfs_nameidx_add(struct famfs_nameidx *x, uint64_t index)
{
	const struct famfs_log_entry *e = &x->log->entries[index];
	const char *name;
	uint64_t *s;

	if (e->type != FAMFS_LOG_FILE && e->type != FAMFS_LOG_MKDIR)
		return 0;
	name = entry_name(x->log, index);
	if (famfs_relpath_len(name) < 0)
		return 0;	/* unterminated: never reachable by name */
	if ((x->used + 1) * 2 > x->cap && grow(x))
		return -ENOMEM;
	s = slot_for(x, name);
	if (!*s) {
		*s = index + 1;	/* the first entry for a name wins */
		x->used++;
	}
	return 0;
}

int famfs_nameidx_remove(struct famfs_nameidx *x, uint64_t index)
{
	uint64_t *s;

	if (!x->cap)
		return 0;
	s = slot_for(x, entry_name(x->log, index));
	if (*s == index + 1)
		*s = TOMBSTONE;	/* still counted in used: it takes a slot */
	return 0;
}

int famfs_nameidx_build(struct famfs_nameidx *x, const struct famfs_log *log,
			uint64_t nvalid, const uint64_t *skip)
{
	uint64_t i;

	memset(x, 0, sizeof(*x));
	x->log = log;
	for (i = 0; i < nvalid; i++)
		if ((!skip || !(skip[i / 64] & (1ULL << (i % 64)))) &&
		    famfs_nameidx_add(x, i)) {
			famfs_nameidx_free(x);
			return famfs_fail(-ENOMEM, "out of memory indexing the log");
		}
	return 0;
}

int64_t famfs_nameidx_get(struct famfs_nameidx *x, const char *name)
{
	uint64_t *s;

	if (!x->cap)
		return -1;
	s = slot_for(x, name);
	return *s && *s != TOMBSTONE ? (int64_t)(*s - 1) : -1;
}

void famfs_nameidx_free(struct famfs_nameidx *x)
{
	free(x->slots);
	memset(x, 0, sizeof(*x));
}
