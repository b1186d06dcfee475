// SPDX-License-Identifier: GPL-2.0
/* Superblock and log header validation, plus random-input fuzzing. */
#include "test_util.h"

static struct famfs_superblock good(void)
{
	struct famfs_superblock sb;
	uuid_t u;

	uuid_generate(u);
	famfs_sb_init(&sb, 64 * FAMFS_MiB, 8 * FAMFS_MiB, u, "/dev/test");
	return sb;
}

static void recrc(struct famfs_superblock *sb)
{
	sb->crc = famfs_sb_crc(sb);
}

static void sb_checks(void)
{
	struct famfs_superblock sb;
	const uint64_t dev = 64 * FAMFS_MiB;

	sb = good();
	is(famfs_sb_check(&sb, dev), 0, "good superblock accepted");
	sb = good();
	sb.magic ^= 1;
	is(famfs_sb_check(&sb, dev), -ENODATA, "bad magic -> ENODATA");
	ok(strstr(famfs_errmsg(), "no famfs superblock") != NULL, "message: %s", famfs_errmsg());
	sb = good();
	sb.version = 47;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), 0, "version 47 accepted");
	sb = good();
	sb.version = 49;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EPROTONOSUPPORT, "version 49 -> EPROTONOSUPPORT");
	ok(strstr(famfs_errmsg(), "49 not compatible") != NULL, "message: %s", famfs_errmsg());
	sb = good();
	sb.version = 48 | FAMFS_FEAT_DELETE;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), 0, "version 48 | FEAT_DELETE accepted");
	ok(famfs_sb_has_delete(&sb), "delete feature seen");
	sb = good();
	ok(!famfs_sb_has_delete(&sb), "plain 48 has no delete feature");
	sb.version = 47 | FAMFS_FEAT_DELETE;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EPROTONOSUPPORT, "47 | FEAT_DELETE refused");
	sb = good();
	sb.version = 48 | FAMFS_FEAT_DELETE | (1ULL << 40);
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EPROTONOSUPPORT, "unknown feature bit 40 refused");
	ok(strstr(famfs_errmsg(), "unknown incompatible feature bits 0x10000000000") != NULL,
	   "the unknown bit is named: %s", famfs_errmsg());
	sb = good();
	sb.version = 48 | (1ULL << 63);
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EPROTONOSUPPORT, "unknown feature bit 63 refused");
	ok(strstr(famfs_errmsg(), "0x8000000000000000") != NULL, "bit 63 named: %s",
	   famfs_errmsg());
	sb = good();
	sb.version = 49;	/* version is checked before the CRC, as upstream */
	is(famfs_sb_check(&sb, dev), -EPROTONOSUPPORT, "wrong version reported before the CRC");
	sb = good();
	sb.fs_uuid[3] ^= 0x40;
	is(famfs_sb_check(&sb, dev), -EBADMSG, "flipped bit inside the CRC range -> EBADMSG");
	sb = good();
	sb.dev_name[0] ^= 1;
	is(famfs_sb_check(&sb, dev), 0, "dev_name is outside the CRC");
	sb = good();
	sb.alloc_unit = 8192;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EINVAL, "alloc_unit 8192 -> EINVAL");
	sb = good();
	sb.alloc_unit = 4096;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), 0, "alloc_unit 4096 tolerated like upstream");
	sb = good();
	sb.log_offset = 4 * FAMFS_MiB;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EINVAL, "log_offset != 2 MiB -> EINVAL");
	sb = good();
	sb.log_len = 12 * FAMFS_MiB;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EINVAL, "log_len not a power of two -> EINVAL");
	ok(strstr(famfs_errmsg(), "power of two") != NULL, "message: %s", famfs_errmsg());
	sb = good();
	sb.log_len = 4 * FAMFS_MiB;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EINVAL, "log_len 4 MiB -> EINVAL");
	sb = good();
	sb.log_len = 64 * FAMFS_MiB;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EINVAL, "log beyond the device -> EINVAL");
	ok(strstr(famfs_errmsg(), "beyond the device") != NULL, "message: %s", famfs_errmsg());
	sb = good();
	sb.log_len = 1ULL << 63;
	recrc(&sb);
	is(famfs_sb_check(&sb, 0), -EINVAL, "huge log_len refused without overflow");
	sb = good();
	sb.omf_minor = 3;
	recrc(&sb);
	is(famfs_sb_check(&sb, dev), -EINVAL, "omf 2.3 -> EINVAL");
	ok(strstr(famfs_errmsg(), "2.3") != NULL, "message names the version: %s", famfs_errmsg());
}

static void log_checks(void)
{
	struct famfs_log h;
	const uint64_t len = 8 * FAMFS_MiB;

	famfs_log_init(&h, len);
	is(famfs_log_check(&h, len), 0, "fresh log header accepted");
	h.magic = 0;
	is(famfs_log_check(&h, len), -EBADMSG, "bad log magic -> EBADMSG");
	famfs_log_init(&h, len);
	h.last_index++;
	is(famfs_log_check(&h, len), -EBADMSG, "last_index changed without CRC -> EBADMSG");
	h.crc = famfs_log_hdr_crc(&h);
	is(famfs_log_check(&h, len), -EINVAL, "wrong last_index (CRC ok) -> EINVAL");
	famfs_log_init(&h, len);
	is(famfs_log_check(&h, 16 * FAMFS_MiB), -EINVAL, "log len differs from the superblock -> EINVAL");
	famfs_log_init(&h, len);
	h.next_index = h.next_seqnum = 15421;
	is(famfs_log_check(&h, len), -EINVAL, "next_index > last_index + 1 -> EINVAL");
	h.next_index = h.next_seqnum = 15420;
	is(famfs_log_check(&h, len), 0, "next_index == last_index + 1 (full) accepted");
	h.next_seqnum = 3;
	is(famfs_log_check(&h, len), -EINVAL, "next_seqnum != next_index -> EINVAL");
}

static uint64_t rnd64(void)
{
	return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^ random();
}

/* Plausible-ish values so the fuzzer reaches the later checks too. */
static uint64_t pick(uint64_t plausible)
{
	switch (random() % 4) {
	case 0:
		return rnd64();
	case 1:
		return plausible ^ (1ULL << (random() % 64));
	default:
		return plausible;
	}
}

static void fuzz(void)
{
	const uint64_t len = 8 * FAMFS_MiB;
	uint64_t accepted = 0, i, scans = 0;
	struct famfs_log *log;
	int crash_free = 1;

	srandom(12345);
	for (i = 0; i < 2000; i++) {
		struct famfs_superblock sb = good();
		uint8_t *p = (uint8_t *)&sb;
		size_t k;

		if (i % 2) {
			for (k = 0; k < sizeof(sb); k++)
				p[k] = random();
		} else {
			sb.magic = pick(sb.magic);
			sb.version = pick(sb.version);
			sb.log_len = pick(sb.log_len);
			sb.log_offset = pick(sb.log_offset);
			sb.alloc_unit = pick(sb.alloc_unit);
			sb.omf_major = pick(sb.omf_major);
			if (random() % 2)
				recrc(&sb);
		}
		if (famfs_sb_check(&sb, random() % 2 ? 0 : rnd64()) == 0)
			accepted++;
	}
	ok(crash_free, "2000 random superblocks checked without a crash (%llu accepted)",
	   (unsigned long long)accepted);

	log = calloc(1, len);
	accepted = 0;
	for (i = 0; i < 2000; i++) {
		struct famfs_log_scan s;
		uint8_t *p = (uint8_t *)log;
		size_t k;

		famfs_log_init(log, len);
		if (i % 2) {
			for (k = 0; k < sizeof(*log); k++)
				p[k] = random();
		} else {
			log->len = pick(log->len);
			log->last_index = pick(log->last_index);
			log->next_index = pick(log->next_index % 15421);
			log->next_seqnum = random() % 2 ? log->next_index : rnd64();
			if (random() % 2)
				log->crc = famfs_log_hdr_crc(log);
		}
		/* random entries in the first few slots */
		for (k = 0; k < 4 * sizeof(struct famfs_log_entry); k++)
			p[sizeof(*log) + k] = random();
		if (famfs_log_check(log, len) == 0) {
			accepted++;
			if (famfs_log_scan(log, len, &s) == 0 && s.nvalid <= s.hdr_next_index)
				scans++;
		}
	}
	ok(1, "2000 random log headers checked without a crash (%llu accepted)",
	   (unsigned long long)accepted);
	is(scans, accepted, "every accepted header scans to a valid prefix");
	free(log);
}

int main(void)
{
	t_setup();
	sb_checks();
	log_checks();
	fuzz();
	return tap_done();
}
