// SPDX-License-Identifier: GPL-2.0
/* Validation and arithmetic of FILE extent maps (spec §4.1, §5). */
#include <errno.h>
#include <stdio.h>

#include "famfs_priv.h"

static int extent_check(const struct famfs_simple_extent *se, const char *what,
			unsigned int i, uint64_t dev_size)
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
	if (famfs_add_overflows(se->offset, se->len, &end) || end > dev_size)
		return famfs_fail(-EINVAL,
				  "%s %u: [0x%llx, +0x%llx) beyond the device (%llu bytes)",
				  what, i, (unsigned long long)se->offset,
				  (unsigned long long)se->len,
				  (unsigned long long)dev_size);
	return 0;
}

/* Bytes addressable through the stripe arithmetic: nstrips * shortest strip. */
static uint64_t interleave_reach(const struct famfs_interleaved_ext *ie)
{
	uint64_t min = UINT64_MAX, i;

	for (i = 0; i < ie->nstrips; i++)
		if (ie->strips[i].len < min)
			min = ie->strips[i].len;
	return min / ie->chunk_size * ie->chunk_size * ie->nstrips;
}

int famfs_fmap_check(const struct famfs_log_fmap *f, uint64_t size,
		     uint64_t dev_size)
{
	uint64_t total = 0;
	unsigned int i;
	int rc;

	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		if (f->count == 0 || f->count > FAMFS_MAX_SIMPLE_EXT)
			return famfs_fail(-EINVAL, "simple map with %u extents (1..%d allowed)",
					  f->count, FAMFS_MAX_SIMPLE_EXT);
		for (i = 0; i < f->count; i++) {
			rc = extent_check(&f->se[i], "extent", i, dev_size);
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
		if (!famfs_is_pow2(ie->chunk_size) || ie->chunk_size % FAMFS_ALLOC_UNIT)
			return famfs_fail(-EINVAL,
					  "chunk size %llu is not a power of two multiple of 2 MiB",
					  (unsigned long long)ie->chunk_size);
		for (i = 0; i < ie->nstrips; i++) {
			rc = extent_check(&ie->strips[i], "strip", i, dev_size);
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
	if (size > total)
		return famfs_fail(-EINVAL, "file size %llu exceeds the %llu bytes the map covers",
				  (unsigned long long)size, (unsigned long long)total);
	return 0;
}

uint64_t famfs_fmap_bytes(const struct famfs_log_fmap *f)
{
	uint64_t total = 0;
	unsigned int i;

	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		for (i = 0; i < f->count && i < FAMFS_MAX_SIMPLE_EXT; i++)
			total += f->se[i].len;
	} else if (f->ext_type == FAMFS_EXT_INTERLEAVE && f->count == 1) {
		for (i = 0; i < f->ie[0].nstrips && i < FAMFS_MAX_STRIPS; i++)
			total += f->ie[0].strips[i].len;
	}
	return total;
}

uint64_t famfs_fmap_devoff(const struct famfs_log_fmap *f, uint64_t off,
			   uint64_t *avail)
{
	unsigned int i;

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
		in = stripe * c + off % c;
		if (in >= ie->strips[strip].len)
			return UINT64_MAX;
		if (avail)
			*avail = c - off % c;
		return ie->strips[strip].offset + in;
	}
	return UINT64_MAX;
}
