/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer helpers: an in-memory famfs image built from a compact input.
 *
 * Input ("image head"): one flags byte, the 200-byte superblock, then the
 * bytes of the log (header and entries) as they sit at the log offset.
 * The image is FUZZ_DEV_SIZE bytes of memory; everything not given is 0.
 * Flags repair checksums so mutations reach past the CRC checks:
 *   bit 0  recompute the superblock CRC
 *   bit 1  recompute the log header CRC
 *   bit 2  set each given entry's seqnum to its index and recompute its CRC
 *   bit 3  set next_index/next_seqnum to the number of entries given
 * Seeds are the heads of images made by mkfs.famfs -d (make-seeds.sh).
 */
#ifndef FAMFS_FUZZ_IMAGE_H
#define FAMFS_FUZZ_IMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libfamfs.h"

#define FUZZ_DEV_SIZE	(64ULL << 20)

struct fuzz_image {
	uint8_t *base;		/* FUZZ_DEV_SIZE bytes */
	uint64_t dirty;		/* bytes after the log offset written last time */
	struct famfs_superblock *sb;
	struct famfs_log *log;
	uint64_t nentries;	/* entries given by the input */
};

static inline void fuzz_image_load(struct fuzz_image *im, const uint8_t *data,
				   size_t size)
{
	const uint64_t room = FUZZ_DEV_SIZE - FAMFS_LOG_OFFSET;
	uint8_t flags = size ? data[0] : 0;
	uint64_t loglen = 0, i, cap;

	if (!im->base) {
		im->base = calloc(1, FUZZ_DEV_SIZE);
		if (!im->base)
			abort();
	}
	memset(im->base, 0, sizeof(struct famfs_superblock));
	memset(im->base + FAMFS_LOG_OFFSET, 0, im->dirty);
	im->sb = (struct famfs_superblock *)im->base;
	im->log = (struct famfs_log *)(im->base + FAMFS_LOG_OFFSET);
	if (size) {
		data++;
		size--;
	}
	memcpy(im->base, data, size < 200 ? size : 200);
	if (size > 200) {
		loglen = size - 200 < room ? size - 200 : room;
		memcpy(im->base + FAMFS_LOG_OFFSET, data + 200, loglen);
	}
	im->dirty = loglen > sizeof(struct famfs_log) ? loglen : sizeof(struct famfs_log);
	im->nentries = loglen > sizeof(struct famfs_log) ?
		       (loglen - sizeof(struct famfs_log)) / sizeof(struct famfs_log_entry) : 0;
	if (flags & 1)
		im->sb->crc = famfs_sb_crc(im->sb);
	if (flags & 2)
		im->log->crc = famfs_log_hdr_crc(im->log);
	cap = im->sb->log_len >= sizeof(struct famfs_log) + sizeof(struct famfs_log_entry) &&
	      im->sb->log_len <= room ? FAMFS_LOG_NENTRIES(im->sb->log_len) : 0;
	if (im->nentries > cap)
		im->nentries = cap;
	if (flags & 4)
		for (i = 0; i < im->nentries; i++) {
			im->log->entries[i].seqnum = i;
			im->log->entries[i].crc = famfs_log_entry_crc(&im->log->entries[i]);
		}
	if (flags & 8)
		im->log->next_index = im->log->next_seqnum = im->nentries;
}

/* The log, if the superblock says where it is and it fits the image. */
static inline const struct famfs_log *fuzz_image_log(const struct fuzz_image *im)
{
	if (famfs_sb_check(im->sb, FUZZ_DEV_SIZE))
		return NULL;
	return im->log;
}

#endif /* FAMFS_FUZZ_IMAGE_H */
