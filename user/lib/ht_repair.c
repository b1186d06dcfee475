// SPDX-License-Identifier: GPL-2.0
/*
 * Host table repair for fsck --repair (user/FORMAT-delete.md section 2.3).
 * The header holds only constants and the fs_uuid, so it can always be
 * written again; slots are kept, since they are the only record of which
 * hosts may still map deleted memory. A slot nobody can read becomes an
 * "unknown host" that holds everything until an operator evicts it:
 * freeing it would be a guess.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "famfs_priv.h"

void famfs_ht_unknown_uuid(uint32_t slot, uuid_t out)
{
	if (!out)
		return;
	memset(out, 0xff, sizeof(uuid_t));
	out[12] = (uint8_t)(slot >> 24);
	out[13] = (uint8_t)(slot >> 16);
	out[14] = (uint8_t)(slot >> 8);
	out[15] = (uint8_t)slot;
}

int famfs_ht_repair_plan(const void *ht, const struct famfs_superblock *sb,
			 struct famfs_ht_repair *r)
{
	struct famfs_ht_copies c;
	uint32_t i;

	if (!ht || !sb || !r)
		return famfs_fail(-EINVAL, "host table repair: missing argument");
	memset(r, 0, sizeof(*r));
	r->first_damaged = UINT32_MAX;
	if (famfs_ht_check(ht, sb)) {
		r->header_bad = true;
		snprintf(r->why, sizeof(r->why), "%s", famfs_errmsg());
	}
	for (i = 0; i < FAMFS_HT_NSLOTS; i++) {
		famfs_ht_slot_copies(famfs_ht_slot(ht, i), &c);
		if (!c.host_ok && c.host_bad) {
			if (!r->ndamaged++)
				r->first_damaged = i;
		} else if (c.host_bad) {
			r->ntorn++;
		}
		if (!c.fence_ok && c.fence_bad)
			r->nfence_damaged++;
		else if (c.fence_bad)
			r->ntorn++;
	}
	r->needed = r->header_bad || r->ndamaged || r->nfence_damaged;
	return 0;
}

/* The placeholder of a slot nobody can read: holds every deleted file. */
static int write_unknown(struct famfs_ht_slot *s, uint32_t slot)
{
	struct famfs_host_rec rec;

	memset(s->host, 0, sizeof(s->host));
	famfs_flush(s->host, sizeof(s->host));
	memset(&rec, 0, sizeof(rec));
	famfs_ht_unknown_uuid(slot, rec.host_uuid);
	rec.state = FAMFS_HOST_MOUNTED;
	rec.role = FAMFS_HOST_CLIENT;
	rec.mount_gen = 1;
	rec.released = 0;	/* below every DELETE entry */
	return famfs_host_rec_write(s, &rec);
}

int famfs_ht_repair_apply(void *ht, const struct famfs_superblock *sb,
			  const struct famfs_ht_repair *r)
{
	struct famfs_ht_header *h = ht;
	struct famfs_ht_copies c;
	uint32_t i;
	int rc;

	if (!ht || !sb || !r)
		return famfs_fail(-EINVAL, "host table repair: missing argument");
	if (!r->needed)
		return 0;
	/* Slots first: a reader that finds the header valid sees them fixed. */
	for (i = 0; i < FAMFS_HT_NSLOTS; i++) {
		struct famfs_ht_slot *s = famfs_ht_slot(ht, i);

		famfs_ht_slot_copies(s, &c);
		if (!c.host_ok && c.host_bad) {
			rc = write_unknown(s, i);
			if (rc)
				return rc;
		}
		if (!c.fence_ok && c.fence_bad) {
			memset(s->fence, 0, sizeof(s->fence));
			famfs_flush(s->fence, sizeof(s->fence));
		}
	}
	if (r->header_bad || famfs_ht_check(ht, sb)) {
		memset(h, 0, sizeof(*h));
		h->magic = FAMFS_HT_MAGIC;
		memcpy(h->fs_uuid, sb->fs_uuid, sizeof(h->fs_uuid));
		h->nslots = FAMFS_HT_NSLOTS;
		h->slot_size = FAMFS_HT_SLOT_SIZE;
		h->slots_offset = FAMFS_HT_SLOTS_OFFSET;
		h->crc = famfs_ht_hdr_crc(h);
		famfs_flush(h, sizeof(*h));
	}
	return famfs_ht_check(ht, sb);
}
