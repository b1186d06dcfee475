// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - file offset <-> device offset arithmetic of a file's memory map.
 *
 * A map is either up to FAMFS_IOC_MAX_EXTENTS simple extents laid end to end,
 * or one interleave: nstrips strips of chunk_size (a power of two) chunks,
 * chunk i of the file living in strip i % nstrips, stripe i / nstrips.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/sched.h>

#include "famfs_internal.h"

/**
 * famfs_fmap_finish() - compute the derived fields of a freshly built map
 * @map: map whose type, file_size, next, ext[] and chunk_size are filled in
 *
 * For an interleave only whole stripes that every strip holds are usable, so
 * the file bytes covered are nstrips * chunk * (shortest strip / chunk).
 *
 * Extents come checked (each inside the device, so no sum overflows).
 *
 * Return: 0, or -EINVAL if two extents or strips overlap or the map cannot
 * hold file_size bytes.
 */
int famfs_fmap_finish(struct famfs_fmap *map)
{
	u64 covered = 0, dev_bytes = 0;
	u32 i, j;

	for (i = 0; i < map->next; i++)
		if (check_add_overflow(dev_bytes, map->ext[i].len, &dev_bytes))
			return -EINVAL;

	/* Two extents or strips of one map never share memory. */
	for (i = 0; i < map->next; i++) {
		const struct famfs_dev_extent *a = &map->ext[i];

		for (j = i + 1; j < map->next; j++) {
			const struct famfs_dev_extent *b = &map->ext[j];

			if (a->offset < b->offset + b->len &&
			    b->offset < a->offset + a->len)
				return -EINVAL;
		}
	}

	if (map->ext_type == FAMFS_IOC_EXT_INTERLEAVE) {
		u64 stripes = U64_MAX;

		map->chunk_shift = ilog2(map->chunk_size);
		for (i = 0; i < map->next; i++)
			stripes = min(stripes, map->ext[i].len >> map->chunk_shift);
		if (check_mul_overflow(stripes, (u64)map->next, &covered) ||
		    check_shl_overflow(covered, map->chunk_shift, &covered))
			return -EINVAL;
		if (map->ie_nbytes > covered)
			return -EINVAL;
	} else {
		covered = dev_bytes;
	}

	if (map->file_size > covered)
		return -EINVAL;
	map->covered = covered;
	map->dev_bytes = dev_bytes;
	return 0;
}

/**
 * famfs_fmap_resolve() - translate a file offset to a device offset
 * @map:     the file's map
 * @pos:     byte offset in the file
 * @dev_off: returns the byte offset in the device
 * @len:     returns how many bytes from @pos stay contiguous in the device
 *           (to the end of the extent or chunk)
 *
 * Return: 0, or -EIO if @pos is not backed by the map.
 */
int famfs_fmap_resolve(const struct famfs_fmap *map, u64 pos, u64 *dev_off,
		       u64 *len)
{
	const struct famfs_dev_extent *ext;
	u32 i;

	if (pos >= map->covered)
		return -EIO;

	if (map->ext_type == FAMFS_IOC_EXT_INTERLEAVE) {
		u64 within = pos & (map->chunk_size - 1);
		u64 stripe, strip_off;
		u32 strip;

		stripe = div_u64_rem(pos >> map->chunk_shift, map->next, &strip);
		ext = &map->ext[strip];
		strip_off = (stripe << map->chunk_shift) + within;
		if (strip_off >= ext->len)
			return -EIO;
		*dev_off = ext->offset + strip_off;
		*len = min(map->chunk_size - within, ext->len - strip_off);
		return 0;
	}

	for (i = 0; i < map->next; i++) {
		ext = &map->ext[i];
		if (pos < ext->len) {
			*dev_off = ext->offset + pos;
			*len = ext->len - pos;
			return 0;
		}
		pos -= ext->len;
	}
	return -EIO;
}

/**
 * famfs_fmap_dev_to_file() - find the file ranges backed by a device range
 * @map:     the file's map
 * @dev_off: first byte of the device range
 * @dev_len: length of the device range
 * @fn:      called for every file range backed by the device range
 * @ctx:     passed to @fn
 *
 * Used on memory failure to find what to unmap. @fn may sleep.
 */
void famfs_fmap_dev_to_file(const struct famfs_fmap *map, u64 dev_off,
			    u64 dev_len, famfs_file_range_fn fn, void *ctx)
{
	u64 dev_end, file_base = 0;
	u32 i;

	if (check_add_overflow(dev_off, dev_len, &dev_end))
		dev_end = U64_MAX;

	if (map->ext_type != FAMFS_IOC_EXT_INTERLEAVE) {
		for (i = 0; i < map->next; i++) {
			const struct famfs_dev_extent *ext = &map->ext[i];
			u64 a = max(dev_off, ext->offset);
			u64 b = min(dev_end, ext->offset + ext->len);

			if (a < b)
				fn(ctx, file_base + (a - ext->offset), b - a);
			file_base += ext->len;
		}
		return;
	}

	for (i = 0; i < map->next; i++) {
		const struct famfs_dev_extent *ext = &map->ext[i];
		/* Bytes of each strip that file offsets below covered reach. */
		u64 usable = div_u64(map->covered, map->next);
		u64 a = max(dev_off, ext->offset);
		u64 b = min(dev_end, ext->offset + usable);
		u64 r;

		if (a >= b)
			continue;
		for (r = a - ext->offset; r < b - ext->offset;) {
			u64 stripe = r >> map->chunk_shift;
			u64 within = r & (map->chunk_size - 1);
			u64 seg = min(map->chunk_size - within,
				      b - ext->offset - r);
			u64 chunk = stripe * map->next + i;

			fn(ctx, (chunk << map->chunk_shift) + within, seg);
			r += seg;
			cond_resched();
		}
	}
}
