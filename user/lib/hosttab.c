// SPDX-License-Identifier: GPL-2.0
/*
 * The host table of the delete feature (user/FORMAT-delete.md section 2):
 * one slot per host, each with a host record written only by that host and
 * a fence record written only by the master, both kept in two copies so a
 * torn write leaves the previous record readable.
 *
 * Every record comes from shared memory: it is copied first and only the
 * copy is checked and used.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "famfs_priv.h"

static uint64_t crc_of(const void *p, size_t n)
{
	return crc32(crc32(0L, Z_NULL, 0), (const Bytef *)p, n);
}

uint64_t famfs_ht_hdr_crc(const struct famfs_ht_header *h)
{
	return h ? crc_of(h, FAMFS_HT_HDR_CRC_LEN) : 0;
}

uint64_t famfs_host_rec_crc(const struct famfs_host_rec *r)
{
	return r ? crc_of(r, FAMFS_HT_REC_CRC_LEN) : 0;
}

uint64_t famfs_fence_rec_crc(const struct famfs_fence_rec *r)
{
	return r ? crc_of(r, FAMFS_HT_REC_CRC_LEN) : 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

int famfs_ht_check(const void *ht, const struct famfs_superblock *sb)
{
	struct famfs_ht_header h;

	if (!ht || !sb)
		return famfs_fail(-EINVAL, "host table: missing argument");
	famfs_invalidate(ht, sizeof(h));
	memcpy(&h, ht, sizeof(h));
	if (h.magic != FAMFS_HT_MAGIC)
		return famfs_fail(-EBADMSG,
				  "host table damaged: bad magic 0x%llx (expected 0x%llx); fsck --repair rewrites it",
				  (unsigned long long)h.magic, FAMFS_HT_MAGIC);
	if (h.crc != famfs_ht_hdr_crc(&h))
		return famfs_fail(-EBADMSG,
				  "host table damaged: header CRC mismatch (stored 0x%llx, computed 0x%llx); fsck --repair rewrites it",
				  (unsigned long long)h.crc,
				  (unsigned long long)famfs_ht_hdr_crc(&h));
	if (memcmp(h.fs_uuid, sb->fs_uuid, sizeof(h.fs_uuid)))
		return famfs_fail(-EBADMSG,
				  "host table damaged: it belongs to another file system (fs_uuid differs); fsck --repair rewrites it");
	if (h.nslots != FAMFS_HT_NSLOTS || h.slot_size != FAMFS_HT_SLOT_SIZE ||
	    h.slots_offset != FAMFS_HT_SLOTS_OFFSET || h.flags ||
	    !all_zero(h.reserved, sizeof(h.reserved)))
		return famfs_fail(-EBADMSG,
				  "host table damaged: geometry %u slots of %u bytes at %u, flags 0x%x (expected %u of %u at %u, 0)",
				  h.nslots, h.slot_size, h.slots_offset, h.flags,
				  FAMFS_HT_NSLOTS, FAMFS_HT_SLOT_SIZE,
				  FAMFS_HT_SLOTS_OFFSET);
	return 0;
}

void famfs_ht_init(void *ht, const struct famfs_superblock *sb)
{
	struct famfs_ht_header *h = ht;
	size_t len = FAMFS_SB_AREA_LEN - FAMFS_HT_OFFSET;

	if (!ht || !sb)
		return;
	memset(ht, 0, len);
	h->magic = FAMFS_HT_MAGIC;
	memcpy(h->fs_uuid, sb->fs_uuid, sizeof(h->fs_uuid));
	h->nslots = FAMFS_HT_NSLOTS;
	h->slot_size = FAMFS_HT_SLOT_SIZE;
	h->slots_offset = FAMFS_HT_SLOTS_OFFSET;
	h->crc = famfs_ht_hdr_crc(h);
	famfs_flush(ht, len);
}

struct famfs_ht_slot *famfs_ht_slot(const void *ht, uint32_t i)
{
	if (!ht || i >= FAMFS_HT_NSLOTS)
		return NULL;
	return (struct famfs_ht_slot *)((uint8_t *)ht + FAMFS_HT_SLOTS_OFFSET +
					(size_t)i * FAMFS_HT_SLOT_SIZE);
}

/*
 * A copy is valid with a good CRC, a sequence number of its parity (copy A
 * holds even, copy B odd numbers) and known values.
 */
static bool host_ok(const struct famfs_host_rec *r, unsigned int copy)
{
	return r->crc == famfs_host_rec_crc(r) && r->seq % 2 == copy &&
	       r->state <= FAMFS_HOST_LEFT && r->role <= FAMFS_HOST_CLIENT;
}

static bool fence_ok(const struct famfs_fence_rec *r, unsigned int copy)
{
	return r->crc == famfs_fence_rec_crc(r) && r->seq % 2 == copy &&
	       r->state <= FAMFS_FENCE_EVICTED;
}

/* Both copies of @s's host record, fresh from memory. */
static void host_part_copy(const struct famfs_ht_slot *s,
			   struct famfs_host_rec c[2])
{
	famfs_invalidate(s->host, sizeof(s->host));
	memcpy(c, s->host, sizeof(s->host));
}

/* The newer valid copy of @c into @out; -ENOENT if neither is valid. */
static int host_pick(const struct famfs_host_rec c[2], struct famfs_host_rec *out)
{
	bool ok[2];
	int i;

	for (i = 0; i < 2; i++)
		ok[i] = host_ok(&c[i], i);
	if (!ok[0] && !ok[1]) {
		memset(out, 0, sizeof(*out));
		return -ENOENT;
	}
	i = ok[0] && ok[1] ? c[1].seq > c[0].seq : ok[1];
	*out = c[i];
	return 0;
}

int famfs_host_rec_read(const struct famfs_ht_slot *s, struct famfs_host_rec *out)
{
	struct famfs_host_rec c[2];

	if (!s || !out)
		return -EINVAL;
	host_part_copy(s, c);
	return host_pick(c, out);
}

/*
 * A host part that is not zero but has no valid copy: some host wrote it
 * and nobody can say which, nor what it holds. It counts as holding all
 * deleted memory until fsck --repair names it and an operator evicts it.
 */
bool famfs_ht_slot_damaged(const struct famfs_ht_slot *s)
{
	struct famfs_host_rec c[2];

	if (!s)
		return false;
	host_part_copy(s, c);
	return !host_ok(&c[0], 0) && !host_ok(&c[1], 1) &&
	       !all_zero((const uint8_t *)c, sizeof(c));
}

void famfs_ht_slot_copies(const struct famfs_ht_slot *s,
			  struct famfs_ht_copies *out)
{
	struct famfs_ht_slot c;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	famfs_invalidate(s, sizeof(*s));
	memcpy(&c, s, sizeof(c));
	for (i = 0; i < 2; i++) {
		if (host_ok(&c.host[i], i))
			out->host_ok |= 1U << i;
		else if (!all_zero((const uint8_t *)&c.host[i], sizeof(c.host[i])))
			out->host_bad |= 1U << i;
		if (fence_ok(&c.fence[i], i))
			out->fence_ok |= 1U << i;
		else if (!all_zero((const uint8_t *)&c.fence[i], sizeof(c.fence[i])))
			out->fence_bad |= 1U << i;
	}
}

int famfs_fence_rec_read(const struct famfs_ht_slot *s, struct famfs_fence_rec *out)
{
	struct famfs_fence_rec c[2];
	bool ok[2];
	int i;

	if (!s || !out)
		return -EINVAL;
	famfs_invalidate(s->fence, sizeof(s->fence));
	memcpy(c, s->fence, sizeof(c));
	for (i = 0; i < 2; i++)
		ok[i] = fence_ok(&c[i], i);
	if (!ok[0] && !ok[1]) {
		memset(out, 0, sizeof(*out));
		return -ENOENT;
	}
	i = ok[0] && ok[1] ? c[1].seq > c[0].seq : ok[1];
	*out = c[i];
	return 0;
}

int famfs_host_rec_write(struct famfs_ht_slot *s, struct famfs_host_rec *rec)
{
	struct famfs_host_rec cur;
	unsigned int copy;

	if (!s || !rec)
		return famfs_fail(-EINVAL, "host record: missing argument");
	rec->seq = famfs_host_rec_read(s, &cur) ? 0 : cur.seq + 1;
	memset(rec->reserved, 0, sizeof(rec->reserved));
	rec->crc = famfs_host_rec_crc(rec);
	copy = rec->seq % 2;
	memcpy(&s->host[copy], rec, sizeof(*rec));
	famfs_flush(&s->host[copy], sizeof(*rec));
	return 0;
}

int famfs_fence_rec_write(struct famfs_ht_slot *s, struct famfs_fence_rec *rec)
{
	struct famfs_fence_rec cur;
	unsigned int copy;

	if (!s || !rec)
		return famfs_fail(-EINVAL, "fence record: missing argument");
	rec->seq = famfs_fence_rec_read(s, &cur) ? 0 : cur.seq + 1;
	rec->reserved0 = 0;
	memset(rec->reserved, 0, sizeof(rec->reserved));
	rec->crc = famfs_fence_rec_crc(rec);
	copy = rec->seq % 2;
	memcpy(&s->fence[copy], rec, sizeof(*rec));
	famfs_flush(&s->fence[copy], sizeof(*rec));
	return 0;
}

bool famfs_host_evicted(const struct famfs_host_rec *h, const struct famfs_fence_rec *f)
{
	return h && f && f->state == FAMFS_FENCE_EVICTED &&
	       !memcmp(f->host_uuid, h->host_uuid, sizeof(f->host_uuid)) &&
	       f->mount_gen == h->mount_gen;
}

int famfs_ht_find(const void *ht, const uuid_t uuid, uint32_t *slot)
{
	struct famfs_host_rec h;
	struct famfs_fence_rec f;
	uint32_t start, n, i;

	if (!ht || !uuid)
		return -EINVAL;
	/* From where a claim starts probing: usually the first slot read. */
	start = crc_of(uuid, sizeof(uuid_t)) % FAMFS_HT_NSLOTS;
	for (n = 0; n < FAMFS_HT_NSLOTS; n++) {
		const struct famfs_ht_slot *s;

		i = (start + n) % FAMFS_HT_NSLOTS;
		s = famfs_ht_slot(ht, i);

		if ((!famfs_host_rec_read(s, &h) &&
		     !memcmp(h.host_uuid, uuid, sizeof(uuid_t))) ||
		    (!famfs_fence_rec_read(s, &f) &&
		     !memcmp(f.host_uuid, uuid, sizeof(uuid_t)))) {
			if (slot)
				*slot = i;
			return 0;
		}
	}
	return -ENOENT;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t famfs_now_ns(void)
{
	return now_ns();
}

int famfs_ht_claim(void *ht, const uuid_t uuid, struct famfs_host_rec *rec,
		   unsigned int wait_ms, uint32_t *slot,
		   struct famfs_host_rec *prev, struct famfs_fence_rec *fence)
{
	struct famfs_host_rec h, again;
	struct famfs_fence_rec f;
	uint32_t start, n, i;
	int rc;

	if (!ht || !uuid || !rec || !slot)
		return famfs_fail(-EINVAL, "host table claim: missing argument");
	if (prev)
		memset(prev, 0, sizeof(*prev));
	if (fence)
		memset(fence, 0, sizeof(*fence));
	memcpy(rec->host_uuid, uuid, sizeof(rec->host_uuid));
	if (!famfs_ht_find(ht, uuid, &i)) {
		struct famfs_ht_slot *s = famfs_ht_slot(ht, i);

		rec->mount_gen = 1;
		if (!famfs_host_rec_read(s, &h)) {
			rec->mount_gen = h.mount_gen + 1;
			if (prev)
				*prev = h;
		}
		if (!famfs_fence_rec_read(s, &f) && fence)
			*fence = f;
		if (!famfs_fence_rec_read(s, &f) && f.mount_gen >= rec->mount_gen)
			rec->mount_gen = f.mount_gen + 1;
		rc = famfs_host_rec_write(s, rec);
		if (!rc)
			*slot = i;
		return rc;
	}
	rec->mount_gen = 1;
	start = crc_of(uuid, sizeof(uuid_t)) % FAMFS_HT_NSLOTS;
	for (n = 0; n < FAMFS_HT_NSLOTS; n++) {
		struct famfs_ht_slot *s;

		i = (start + n) % FAMFS_HT_NSLOTS;
		s = famfs_ht_slot(ht, i);
		if (!famfs_host_rec_read(s, &h) || !famfs_fence_rec_read(s, &f) ||
		    famfs_ht_slot_damaged(s))
			continue;
		rc = famfs_host_rec_write(s, rec);
		if (rc)
			return rc;
		if (wait_ms) {
			struct timespec ts = { wait_ms / 1000,
					       (long)(wait_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (famfs_host_rec_read(s, &again) ||
		    memcmp(again.host_uuid, uuid, sizeof(uuid_t)))
			continue;	/* another host claimed it at the same time */
		*slot = i;
		return 0;
	}
	return famfs_fail(-ENOSPC, "host table full: all %u slots are in use",
			  FAMFS_HT_NSLOTS);
}

int famfs_ht_hosts(const void *ht, struct famfs_ht_host *out, size_t room,
		   size_t *n)
{
	size_t k = 0;
	uint32_t i;

	if (!ht || !n)
		return famfs_fail(-EINVAL, "host table: missing argument");
	for (i = 0; i < FAMFS_HT_NSLOTS; i++) {
		const struct famfs_ht_slot *s = famfs_ht_slot(ht, i);
		struct famfs_ht_host x;

		memset(&x, 0, sizeof(x));
		x.slot = i;
		x.has_host = !famfs_host_rec_read(s, &x.host);
		x.has_fence = !famfs_fence_rec_read(s, &x.fence);
		x.damaged = !x.has_host && famfs_ht_slot_damaged(s);
		if (!x.has_host && !x.has_fence && !x.damaged)
			continue;
		x.evicted = x.has_host && x.has_fence &&
			    famfs_host_evicted(&x.host, &x.fence);
		/* A fence for a host whose record is gone still fences it. */
		if (!x.has_host && x.has_fence && x.fence.state == FAMFS_FENCE_EVICTED)
			x.evicted = true;
		x.holds = (x.has_host && x.host.state == FAMFS_HOST_MOUNTED &&
			   !x.evicted) || x.damaged;
		if (k < room && out)
			out[k] = x;
		k++;
	}
	*n = k;
	return 0;
}

uint64_t famfs_ht_release_floor(const void *ht)
{
	struct famfs_host_rec c[2], h;
	struct famfs_fence_rec f;
	uint64_t floor = UINT64_MAX;
	uint32_t i;

	if (!ht)
		return 0;	/* no table: nothing is known to be released */
	/*
	 * Every command of the master runs this over all slots: each host
	 * part is read once, and a never-used (zero) one costs no CRC.
	 */
	for (i = 0; i < FAMFS_HT_NSLOTS; i++) {
		const struct famfs_ht_slot *s = famfs_ht_slot(ht, i);

		host_part_copy(s, c);
		if (all_zero((const uint8_t *)c, sizeof(c)))
			continue;
		if (host_pick(c, &h))
			return 0;	/* damaged: an unknown host may hold anything */
		if (h.state != FAMFS_HOST_MOUNTED)
			continue;
		if (!famfs_fence_rec_read(s, &f) && famfs_host_evicted(&h, &f))
			continue;
		if (h.released < floor)
			floor = h.released;
	}
	return floor;
}

int famfs_ht_enable(struct famfs_superblock *sb, size_t map_len)
{
	void *ht;

	if (!sb || map_len < FAMFS_SB_AREA_LEN)
		return famfs_fail(-EINVAL,
				  "cannot enable delete: the superblock area [0, 2 MiB) is not mapped (%zu bytes)",
				  map_len);
	if (famfs_sb_has_delete(sb))
		return 0;
	ht = (uint8_t *)sb + FAMFS_HT_OFFSET;
	/*
	 * The table first: a crash before the version leaves an unused
	 * table. A valid one is kept: the hosts registered in it are the
	 * mounts the release protocol must wait for.
	 */
	if (famfs_ht_check(ht, sb))
		famfs_ht_init(ht, sb);
	sb->version = FAMFS_VERSION | FAMFS_FEAT_DELETE;
	sb->crc = famfs_sb_crc(sb);
	famfs_flush(sb, sizeof(*sb));
	return 0;
}
