// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the host table of the delete feature (user/FORMAT-delete.md
 * section 2): header check, record reading (two copies, seq parity, CRC),
 * the release floor, host listing, lookup by UUID, and fsck's table
 * repair, against an independent model of the rules.
 *
 * Input: a flags byte, the 256-byte header, then any number of
 * [slot (2 bytes, little-endian, modulo the slot count)][512-byte slot].
 * Flags repair checksums so mutations reach past them:
 *   bit 0  recompute the header CRC
 *   bit 1  recompute the CRC of every record copy given
 *   bit 2  the superblock's fs_uuid is the header's (else zero)
 * Seeds: tables of images with hosts registered and deletes pending
 * (make-seeds.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libfamfs.h"

#define HT_LEN (FAMFS_SB_AREA_LEN - FAMFS_HT_OFFSET)

static uint8_t *table, *copy;

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* The model: a copy counts with a good CRC, its parity and known values. */
static bool host_valid(const struct famfs_host_rec *r, unsigned int i)
{
	return r->crc == famfs_host_rec_crc(r) && r->seq % 2 == i &&
	       r->state <= FAMFS_HOST_LEFT && r->role <= FAMFS_HOST_CLIENT;
}

static bool fence_valid(const struct famfs_fence_rec *r, unsigned int i)
{
	return r->crc == famfs_fence_rec_crc(r) && r->seq % 2 == i &&
	       r->state <= FAMFS_FENCE_EVICTED;
}

/* min(released) of the MOUNTED, non-evicted hosts; 0 for an unreadable one. */
static uint64_t model_floor(const uint8_t *ht)
{
	uint64_t floor = UINT64_MAX;
	uint32_t i;

	for (i = 0; i < FAMFS_HT_NSLOTS; i++) {
		const struct famfs_ht_slot *s = famfs_ht_slot(ht, i);
		const struct famfs_host_rec *h = NULL;
		const struct famfs_fence_rec *f = NULL;
		unsigned int c;

		for (c = 0; c < 2; c++) {
			if (host_valid(&s->host[c], c) && (!h || s->host[c].seq > h->seq))
				h = &s->host[c];
			if (fence_valid(&s->fence[c], c) && (!f || s->fence[c].seq > f->seq))
				f = &s->fence[c];
		}
		if (!h) {
			if (!zero(s->host, sizeof(s->host)))
				return 0;
			continue;
		}
		if (h->state != FAMFS_HOST_MOUNTED)
			continue;
		if (f && f->state == FAMFS_FENCE_EVICTED && f->mount_gen == h->mount_gen &&
		    !memcmp(f->host_uuid, h->host_uuid, sizeof(uuid_t)))
			continue;
		if (h->released < floor)
			floor = h->released;
	}
	return floor;
}

static void fix_crcs(struct famfs_ht_slot *s)
{
	unsigned int c;

	for (c = 0; c < 2; c++) {
		s->host[c].crc = famfs_host_rec_crc(&s->host[c]);
		s->fence[c].crc = famfs_fence_rec_crc(&s->fence[c]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct famfs_superblock sb;
	struct famfs_ht_header *h;
	struct famfs_ht_repair plan, again;
	struct famfs_ht_host hosts[8];
	struct famfs_host_rec before, after;
	uint8_t flags;
	size_t n, k;
	uint32_t i, slot;
	uint64_t floor;
	bool ok;

	if (!table) {
		table = calloc(1, HT_LEN);
		copy = calloc(1, HT_LEN);
		if (!table || !copy)
			abort();
	}
	memset(table, 0, HT_LEN);
	memset(&sb, 0, sizeof(sb));
	if (!size)
		return 0;
	flags = data[0];
	data++;
	size--;
	h = (struct famfs_ht_header *)table;
	memcpy(table, data, size < sizeof(*h) ? size : sizeof(*h));
	data += size < sizeof(*h) ? size : sizeof(*h);
	size -= size < sizeof(*h) ? size : sizeof(*h);
	while (size >= 2 + FAMFS_HT_SLOT_SIZE) {
		struct famfs_ht_slot *s;

		slot = (data[0] | (uint32_t)data[1] << 8) % FAMFS_HT_NSLOTS;
		s = famfs_ht_slot(table, slot);
		memcpy(s, data + 2, FAMFS_HT_SLOT_SIZE);
		if (flags & 2)
			fix_crcs(s);
		data += 2 + FAMFS_HT_SLOT_SIZE;
		size -= 2 + FAMFS_HT_SLOT_SIZE;
	}
	if (flags & 1)
		h->crc = famfs_ht_hdr_crc(h);
	if (flags & 4)
		memcpy(sb.fs_uuid, h->fs_uuid, sizeof(sb.fs_uuid));

	ok = famfs_ht_check(table, &sb) == 0;
	if (!ok && !famfs_errmsg()[0])
		abort();	/* a refusal says why */
	floor = famfs_ht_release_floor(table);
	if (floor != model_floor(table))
		abort();
	if (famfs_ht_hosts(table, hosts, 8, &n))
		abort();
	for (k = 0; k < n && k < 8; k++) {
		if (hosts[k].holds && hosts[k].has_host && hosts[k].host.released < floor)
			abort();	/* a holder is below the floor it sets */
		if (hosts[k].damaged && floor)
			abort();
		if (hosts[k].has_host &&
		    (famfs_ht_find(table, hosts[k].host.host_uuid, &slot) ||
		     slot >= FAMFS_HT_NSLOTS))
			abort();
	}

	/* Repair: a valid header, every readable record kept, nothing unreadable. */
	memcpy(copy, table, HT_LEN);
	if (famfs_ht_repair_plan(copy, &sb, &plan))
		abort();
	if (plan.needed == false && (!ok || plan.ndamaged || plan.nfence_damaged))
		abort();
	if (famfs_ht_repair_apply(copy, &sb, &plan))
		abort();
	if (famfs_ht_check(copy, &sb) || famfs_ht_repair_plan(copy, &sb, &again) ||
	    again.needed)
		abort();
	for (i = 0; i < FAMFS_HT_NSLOTS; i++) {
		const struct famfs_ht_slot *s0 = famfs_ht_slot(table, i);
		const struct famfs_ht_slot *s1 = famfs_ht_slot(copy, i);
		bool had = !famfs_host_rec_read(s0, &before);

		if (famfs_host_rec_read(s1, &after)) {
			if (!zero(s1->host, sizeof(s1->host)))
				abort();
			continue;
		}
		if (had && memcmp(&before, &after, sizeof(before)))
			abort();	/* a record that verified was changed */
		if (!had && (after.state != FAMFS_HOST_MOUNTED || after.released))
			abort();	/* an unknown host must hold everything */
	}
	if (plan.ndamaged && famfs_ht_release_floor(copy))
		abort();
	return 0;
}
