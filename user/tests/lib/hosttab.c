// SPDX-License-Identifier: GPL-2.0
/* Host table (FORMAT-delete.md section 2): header, records, torn writes. */
#include "test_util.h"

static uint8_t area[FAMFS_SB_AREA_LEN];

static struct famfs_superblock *sb_of(void)
{
	return (struct famfs_superblock *)area;
}

static void *ht(void)
{
	return area + FAMFS_HT_OFFSET;
}

static void header(void)
{
	struct famfs_superblock *sb = sb_of();
	struct famfs_ht_header *h = ht();
	uuid_t me;

	memset(area, 0, sizeof(area));
	famfs_sb_init(sb, 64 * FAMFS_MiB, 8 * FAMFS_MiB, NULL, "test");
	uuid_generate(me);
	memcpy(sb->system_uuid, me, 16);
	sb->crc = famfs_sb_crc(sb);
	is(famfs_ht_check(ht(), sb), -EBADMSG, "no table: refused");
	ok(strstr(famfs_errmsg(), "host table damaged") != NULL, "says damaged: %s",
	   famfs_errmsg());
	is(famfs_ht_enable(sb, sizeof(area)), 0, "enable delete");
	is(sb->version, 48 | FAMFS_FEAT_DELETE, "version 48 | FEAT_DELETE");
	is(famfs_sb_check(sb, 64 * FAMFS_MiB), 0, "superblock still valid");
	is(famfs_ht_check(ht(), sb), 0, "fresh table accepted");
	is(famfs_ht_enable(sb, 4096), -EINVAL, "enable refuses a short mapping");
	h->nslots = 2041;
	is(famfs_ht_check(ht(), sb), -EBADMSG, "changed nslots: CRC refused");
	h->crc = famfs_ht_hdr_crc(h);
	is(famfs_ht_check(ht(), sb), -EBADMSG, "nslots 2041 with a good CRC refused");
	ok(strstr(famfs_errmsg(), "2041") != NULL, "names the geometry: %s", famfs_errmsg());
	h->nslots = FAMFS_HT_NSLOTS;
	h->fs_uuid[0] ^= 1;
	h->crc = famfs_ht_hdr_crc(h);
	is(famfs_ht_check(ht(), sb), -EBADMSG, "table of another file system refused");
	h->fs_uuid[0] ^= 1;
	h->reserved[7] = 1;
	h->crc = famfs_ht_hdr_crc(h);
	is(famfs_ht_check(ht(), sb), -EBADMSG, "non-zero reserved refused");
	h->reserved[7] = 0;
	h->crc = famfs_ht_hdr_crc(h);
	is(famfs_ht_check(ht(), sb), 0, "restored");
	is(famfs_ht_slot(ht(), FAMFS_HT_NSLOTS) == NULL, 1, "slot 2040 does not exist");
	is((uint8_t *)famfs_ht_slot(ht(), FAMFS_HT_NSLOTS - 1) + FAMFS_HT_SLOT_SIZE -
	   area, (long)FAMFS_SB_AREA_LEN, "last slot ends at 2 MiB");
}

static void records(void)
{
	struct famfs_ht_slot *s = famfs_ht_slot(ht(), 7);
	struct famfs_host_rec r, got;
	struct famfs_fence_rec f, fgot;

	is(famfs_host_rec_read(s, &got), -ENOENT, "empty slot: no host record");
	memset(&r, 0, sizeof(r));
	r.state = FAMFS_HOST_MOUNTED;
	r.released = 10;
	is(famfs_host_rec_write(s, &r), 0, "write record (seq 0, copy A)");
	is(r.seq, 0, "first seq 0");
	is(famfs_host_rec_read(s, &got), 0, "read back");
	is(got.released, 10, "released 10");
	r.released = 20;
	famfs_host_rec_write(s, &r);
	is(r.seq, 1, "second write seq 1 (copy B)");
	famfs_host_rec_read(s, &got);
	is(got.released, 20, "reader takes the larger seq");
	/* Tear the next write: it goes to copy A (seq 2). */
	r.released = 30;
	famfs_host_rec_write(s, &r);
	s->host[0].heartbeat ^= 0x5a;
	is(famfs_host_rec_read(s, &got), 0, "torn copy A: still a record");
	is(got.released, 20, "torn copy A: falls back to copy B (released 20)");
	is(got.seq, 1, "fallback seq 1");
	/* The next write goes to copy A again and wins. */
	r.released = 40;
	famfs_host_rec_write(s, &r);
	is(r.seq, 2, "rewrite after a tear reuses seq 2 in copy A");
	famfs_host_rec_read(s, &got);
	is(got.released, 40, "new record read");
	/* A copy in the wrong place (parity) is not believed. */
	memcpy(&s->host[1], &s->host[0], sizeof(s->host[0]));
	s->host[0].crc ^= 1;
	is(famfs_host_rec_read(s, &got), -ENOENT, "even seq in copy B refused");
	s->host[0].crc ^= 1;
	memset(&s->host[1], 0, sizeof(s->host[1]));
	/* Unknown state. */
	famfs_host_rec_read(s, &got);
	got.state = 9;
	got.seq = 3;
	got.crc = famfs_host_rec_crc(&got);
	memcpy(&s->host[1], &got, sizeof(got));
	famfs_host_rec_read(s, &got);
	is(got.released, 40, "state 9 with a good CRC is not a record");

	memset(&f, 0, sizeof(f));
	is(famfs_fence_rec_read(s, &fgot), -ENOENT, "no fence record");
	f.state = FAMFS_FENCE_EVICTED;
	f.mount_gen = 3;
	famfs_fence_rec_write(s, &f);
	famfs_fence_rec_write(s, &f);
	s->fence[1].evicted_at ^= 1;	/* tear the second write */
	is(famfs_fence_rec_read(s, &fgot), 0, "torn fence: first copy");
	is(fgot.seq, 0, "fence falls back to seq 0");
	s->fence[0].crc ^= 1;
	is(famfs_fence_rec_read(s, &fgot), -ENOENT, "both fence copies bad: no record");
	memset(s, 0, sizeof(*s));
}

static void claim_and_floor(void)
{
	struct famfs_host_rec r, prev, got;
	struct famfs_fence_rec fence, f;
	uuid_t a, b;
	uint32_t sa, sb2, again;
	size_t n;
	struct famfs_ht_host hosts[4];

	uuid_generate(a);
	uuid_generate(b);
	is(famfs_ht_release_floor(ht()), UINT64_MAX, "no host: floor is infinite");
	is(famfs_ht_release_floor(NULL), 0, "no table: nothing released");
	memset(&r, 0, sizeof(r));
	r.state = FAMFS_HOST_MOUNTED;
	r.released = 5;
	is(famfs_ht_claim(ht(), a, &r, 0, &sa, &prev, &fence), 0, "host A claims");
	is(r.mount_gen, 1, "first mount_gen 1");
	r.released = 9;
	is(famfs_ht_claim(ht(), b, &r, 0, &sb2, NULL, NULL), 0, "host B claims");
	ok(sa != sb2, "different slots (%u, %u)", sa, sb2);
	is(famfs_ht_release_floor(ht()), 5, "floor = min(5, 9)");
	r.released = 6;
	is(famfs_ht_claim(ht(), a, &r, 0, &again, &prev, NULL), 0, "host A remounts");
	is(again, sa, "same slot");
	is(r.mount_gen, 2, "mount_gen 2");
	is(prev.released, 5, "previous record reported");
	memset(&f, 0, sizeof(f));
	memcpy(f.host_uuid, a, 16);
	f.state = FAMFS_FENCE_EVICTED;
	f.mount_gen = 2;
	famfs_fence_rec_write(famfs_ht_slot(ht(), sa), &f);
	is(famfs_ht_release_floor(ht()), 9, "evicted A no longer counts");
	famfs_ht_hosts(ht(), hosts, 4, &n);
	is(n, 2, "two used slots");
	famfs_host_rec_read(famfs_ht_slot(ht(), sa), &got);
	ok(famfs_host_evicted(&got, &f), "A evicted");
	r.released = 11;
	famfs_ht_claim(ht(), a, &r, 0, &again, &prev, &fence);
	is(r.mount_gen, 3, "mount after eviction: new generation");
	is(fence.state, FAMFS_FENCE_EVICTED, "the eviction is reported");
	is(famfs_ht_release_floor(ht()), 9, "A is live again (11), floor 9");
	famfs_host_rec_read(famfs_ht_slot(ht(), sb2), &got);
	got.state = FAMFS_HOST_LEFT;
	famfs_host_rec_write(famfs_ht_slot(ht(), sb2), &got);
	is(famfs_ht_release_floor(ht()), 11, "B left: floor 11");
	/* A torn copy of A's record: the other copy still decides. */
	{
		struct famfs_ht_slot *s = famfs_ht_slot(ht(), sa);
		struct famfs_host_rec keep[2];
		uint32_t last = FAMFS_HT_NSLOTS - 1;

		memcpy(keep, s->host, sizeof(keep));
		is(famfs_host_rec_read(s, &got), 0, "read A's record");
		/* Tear the older copy: the newer one (seq % 2) stays. */
		memset(&s->host[got.seq % 2 ? 0 : 1], 0x5a, sizeof(s->host[0]));
		is(famfs_ht_release_floor(ht()), 11, "one copy of A torn: floor 11");
		memset(s->host, 0x5a, sizeof(s->host));
		is(famfs_ht_release_floor(ht()), 0,
		   "both copies of A garbage: floor 0 (holds all)");
		memcpy(s->host, keep, sizeof(keep));
		if (last == sa || last == sb2)
			last--;
		s = famfs_ht_slot(ht(), last);
		s->host[1].released = 1;	/* one nonzero byte, no valid copy */
		is(famfs_ht_release_floor(ht()), 0,
		   "a never-used slot with one stray byte: floor 0");
		memset(s->host, 0, sizeof(s->host));
		is(famfs_ht_release_floor(ht()), 11, "slot zero again: floor 11");
	}
}

int main(void)
{
	t_setup();
	header();
	records();
	claim_and_floor();
	return tap_done();
}
