// SPDX-License-Identifier: GPL-2.0
/*
 * Validation and arithmetic of FILE extent maps (spec §1, §4.1, §5).
 *
 * famfs_map_check() is the one place that decides whether a logged map may
 * be trusted: replay planning, fsck, the allocator, data I/O, reusing an
 * existing file, clone and every append go through it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "famfs_priv.h"

/* ------------------------------------------------------------------ */
/* Sets of 2 MiB units (memory owned by live files)                   */

struct famfs_units {
	uint64_t nunits;
	uint64_t *bits;
};

int famfs_units_new(struct famfs_units **out, uint64_t dev_size)
{
	struct famfs_units *u;

	*out = NULL;
	if (dev_size > FAMFS_UNITS_MAX_DEV)
		return famfs_fail(-EINVAL, "device of %llu bytes is too large (at most %llu)",
				  (unsigned long long)dev_size,
				  (unsigned long long)FAMFS_UNITS_MAX_DEV);
	u = calloc(1, sizeof(*u));
	if (!u)
		return famfs_fail(-ENOMEM, "out of memory");
	u->nunits = dev_size / FAMFS_ALLOC_UNIT;
	u->bits = calloc((u->nunits + 63) / 64 + 1, sizeof(uint64_t));
	if (!u->bits) {
		free(u);
		return famfs_fail(-ENOMEM, "out of memory for a unit bitmap");
	}
	*out = u;
	return 0;
}

void famfs_units_free(struct famfs_units *u)
{
	if (!u)
		return;
	free(u->bits);
	free(u);
}

/* The extents (or strips) of a structurally checked map. */
static const struct famfs_simple_extent *map_extents(const struct famfs_log_fmap *f,
						      unsigned int *n)
{
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		*n = f->count <= FAMFS_MAX_SIMPLE_EXT ? f->count : 0;
		return f->se;
	}
	*n = f->count == 1 && f->ie[0].nstrips <= FAMFS_MAX_STRIPS ?
	     (unsigned int)f->ie[0].nstrips : 0;
	return f->ie[0].strips;
}

static bool unit_test(const struct famfs_units *u, uint64_t i)
{
	return i < u->nunits && (u->bits[i / 64] & (1ULL << (i % 64)));
}

/* Units of @f already in @u (the map must have passed famfs_map_check). */
uint64_t famfs_units_overlap(const struct famfs_units *u,
			     const struct famfs_log_fmap *f)
{
	const struct famfs_simple_extent *se;
	unsigned int n, i;
	uint64_t k, hits = 0;

	se = map_extents(f, &n);
	for (i = 0; i < n; i++)
		for (k = se[i].offset / FAMFS_ALLOC_UNIT;
		     k < (se[i].offset + se[i].len) / FAMFS_ALLOC_UNIT && k < u->nunits; k++)
			hits += unit_test(u, k);
	return hits;
}

void famfs_units_del(struct famfs_units *u, const struct famfs_log_fmap *f)
{
	const struct famfs_simple_extent *se;
	unsigned int n, i;
	uint64_t k;

	se = map_extents(f, &n);
	for (i = 0; i < n; i++)
		for (k = se[i].offset / FAMFS_ALLOC_UNIT;
		     k < (se[i].offset + se[i].len) / FAMFS_ALLOC_UNIT && k < u->nunits; k++)
			u->bits[k / 64] &= ~(1ULL << (k % 64));
}

void famfs_units_add(struct famfs_units *u, const struct famfs_log_fmap *f)
{
	const struct famfs_simple_extent *se;
	unsigned int n, i;
	uint64_t k;

	se = map_extents(f, &n);
	for (i = 0; i < n; i++)
		for (k = se[i].offset / FAMFS_ALLOC_UNIT;
		     k < (se[i].offset + se[i].len) / FAMFS_ALLOC_UNIT && k < u->nunits; k++)
			u->bits[k / 64] |= 1ULL << (k % 64);
}

/* ------------------------------------------------------------------ */
/* The map check                                                       */

static int extent_check(const struct famfs_simple_extent *se, const char *what,
			unsigned int i, const struct famfs_map_limits *lim,
			uint64_t meta_end)
{
	uint64_t end;

	if (se->devindex != 0)
		return famfs_fail(-EINVAL, "%s %u: devindex %llu (only device 0 exists)",
				  what, i, (unsigned long long)se->devindex);
	if (se->offset == 0)
		return famfs_fail(-EINVAL, "%s %u: offset 0 belongs to the superblock",
				  what, i);
	if (se->len == 0)
		return famfs_fail(-EINVAL, "%s %u: zero length", what, i);
	if (se->offset % FAMFS_ALLOC_UNIT || se->len % FAMFS_ALLOC_UNIT)
		return famfs_fail(-EINVAL,
				  "%s %u: offset 0x%llx / length 0x%llx not 2 MiB aligned",
				  what, i, (unsigned long long)se->offset,
				  (unsigned long long)se->len);
	if (famfs_add_overflows(se->offset, se->len, &end) ||
	    (lim->dev_size && end > lim->dev_size))
		return famfs_fail(-EINVAL,
				  "%s %u: [0x%llx, +0x%llx) beyond the device (%llu bytes)",
				  what, i, (unsigned long long)se->offset,
				  (unsigned long long)se->len,
				  (unsigned long long)lim->dev_size);
	if (se->offset < meta_end)
		return famfs_fail(-EINVAL,
				  "%s %u: [0x%llx, +0x%llx) overlaps the superblock and log [0, 0x%llx)",
				  what, i, (unsigned long long)se->offset,
				  (unsigned long long)se->len,
				  (unsigned long long)meta_end);
	return 0;
}

/* Extents of one map must not share memory (the kernel refuses it too). */
static int self_overlap(const struct famfs_simple_extent *se, unsigned int n,
			const char *what)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (se[i].offset < se[j].offset + se[j].len &&
			    se[j].offset < se[i].offset + se[i].len)
				return famfs_fail(-EINVAL, "%ss %u and %u of one map overlap",
						  what, i, j);
	return 0;
}

/* Bytes addressable through the stripe arithmetic: nstrips * shortest strip. */
static uint64_t interleave_reach(const struct famfs_interleaved_ext *ie)
{
	uint64_t min = UINT64_MAX, i, r;

	for (i = 0; i < ie->nstrips; i++)
		if (ie->strips[i].len < min)
			min = ie->strips[i].len;
	if (__builtin_mul_overflow(min / ie->chunk_size * ie->chunk_size,
				   ie->nstrips, &r))
		return UINT64_MAX;
	return r;
}

int famfs_map_check(const struct famfs_map_limits *lim,
		    const struct famfs_log_fmap *f, uint64_t size)
{
	const struct famfs_simple_extent *se;
	uint64_t total = 0, meta_end, hits;
	const char *what;
	unsigned int i, n;
	int rc;

	if (!lim || !f)
		return famfs_fail(-EINVAL, "map check: no map or no limits");
	if (famfs_log_len_check(lim->log_len))
		return famfs_fail_ctx(-EINVAL, "map check");
	meta_end = FAMFS_LOG_OFFSET + lim->log_len;
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		if (f->count == 0 || f->count > FAMFS_MAX_SIMPLE_EXT)
			return famfs_fail(-EINVAL, "simple map with %u extents (1..%d allowed)",
					  f->count, FAMFS_MAX_SIMPLE_EXT);
		what = "extent";
		for (i = 0; i < f->count; i++) {
			rc = extent_check(&f->se[i], what, i, lim, meta_end);
			if (rc)
				return rc;
			if (famfs_add_overflows(total, f->se[i].len, &total))
				return famfs_fail(-EINVAL, "extent lengths overflow");
		}
	} else if (f->ext_type == FAMFS_EXT_INTERLEAVE) {
		const struct famfs_interleaved_ext *ie = &f->ie[0];

		if (f->count != 1)
			return famfs_fail(-EINVAL,
					  "interleaved map with %u interleaved extents (1 allowed)",
					  f->count);
		if (ie->nstrips == 0 || ie->nstrips > FAMFS_MAX_STRIPS)
			return famfs_fail(-EINVAL, "interleaved map with %llu strips (1..%d allowed)",
					  (unsigned long long)ie->nstrips, FAMFS_MAX_STRIPS);
		if (!famfs_is_pow2(ie->chunk_size) || ie->chunk_size % FAMFS_ALLOC_UNIT ||
		    ie->chunk_size > FAMFS_CHUNK_MAX)
			return famfs_fail(-EINVAL,
					  "chunk size %llu is not a power of two multiple of 2 MiB up to %llu",
					  (unsigned long long)ie->chunk_size,
					  (unsigned long long)FAMFS_CHUNK_MAX);
		what = "strip";
		for (i = 0; i < ie->nstrips; i++) {
			rc = extent_check(&ie->strips[i], what, i, lim, meta_end);
			if (rc)
				return rc;
			if (ie->strips[i].len % ie->chunk_size)
				return famfs_fail(-EINVAL,
						  "strip %u: length 0x%llx not a multiple of the chunk size",
						  i, (unsigned long long)ie->strips[i].len);
		}
		total = interleave_reach(ie);
	} else {
		return famfs_fail(-EINVAL, "unknown extent type %u", f->ext_type);
	}
	se = map_extents(f, &n);
	rc = self_overlap(se, n, what);
	if (rc)
		return rc;
	if (size > total)
		return famfs_fail(-EINVAL, "file size %llu exceeds the %llu bytes the map covers",
				  (unsigned long long)size, (unsigned long long)total);
	if (lim->owned) {
		hits = famfs_units_overlap(lim->owned, f);
		if (hits)
			return famfs_fail(-EADDRINUSE,
					  "cross-linked: %llu MiB of its memory belong to another file",
					  (unsigned long long)(hits * 2));
	}
	return 0;
}

uint64_t famfs_fmap_bytes(const struct famfs_log_fmap *f)
{
	uint64_t total = 0;
	unsigned int i;

	if (!f)
		return 0;
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		for (i = 0; i < f->count && i < FAMFS_MAX_SIMPLE_EXT; i++)
			if (famfs_add_overflows(total, f->se[i].len, &total))
				return UINT64_MAX;
	} else if (f->ext_type == FAMFS_EXT_INTERLEAVE && f->count == 1) {
		for (i = 0; i < f->ie[0].nstrips && i < FAMFS_MAX_STRIPS; i++)
			if (famfs_add_overflows(total, f->ie[0].strips[i].len, &total))
				return UINT64_MAX;
	}
	return total;
}

uint64_t famfs_fmap_devoff(const struct famfs_log_fmap *f, uint64_t off,
			   uint64_t *avail)
{
	unsigned int i;

	if (!f)
		return UINT64_MAX;
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		for (i = 0; i < f->count && i < FAMFS_MAX_SIMPLE_EXT; i++) {
			if (off < f->se[i].len) {
				if (avail)
					*avail = f->se[i].len - off;
				return f->se[i].offset + off;
			}
			off -= f->se[i].len;
		}
		return UINT64_MAX;
	}
	if (f->ext_type == FAMFS_EXT_INTERLEAVE && f->count == 1) {
		const struct famfs_interleaved_ext *ie = &f->ie[0];
		uint64_t c = ie->chunk_size, chunk, strip, stripe, in;

		if (!ie->nstrips || ie->nstrips > FAMFS_MAX_STRIPS || !c)
			return UINT64_MAX;
		chunk = off / c;
		strip = chunk % ie->nstrips;
		stripe = chunk / ie->nstrips;
		if (__builtin_mul_overflow(stripe, c, &in) ||
		    famfs_add_overflows(in, off % c, &in))
			return UINT64_MAX;
		if (in >= ie->strips[strip].len)
			return UINT64_MAX;
		if (avail)
			*avail = c - off % c;
		return ie->strips[strip].offset + in;
	}
	return UINT64_MAX;
}
