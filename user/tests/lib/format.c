// SPDX-License-Identifier: GPL-2.0
/* On-media format: layout, mkfs bytes, CRC and seeded-stream known answers. */
#include <stddef.h>
#include <sys/mman.h>

#include "test_util.h"

#define OFF(t, f, o) is(offsetof(struct t, f), o, #t "." #f " at offset " #o)
#define SZ(t, s) is(sizeof(struct t), s, "sizeof(struct " #t ") == " #s)

static void layout(void)
{
	SZ(famfs_superblock, 200);
	OFF(famfs_superblock, magic, 0);
	OFF(famfs_superblock, version, 8);
	OFF(famfs_superblock, log_offset, 16);
	OFF(famfs_superblock, log_len, 24);
	OFF(famfs_superblock, alloc_unit, 32);
	OFF(famfs_superblock, omf_major, 40);
	OFF(famfs_superblock, omf_minor, 44);
	OFF(famfs_superblock, fs_uuid, 48);
	OFF(famfs_superblock, dev_uuid, 64);
	OFF(famfs_superblock, system_uuid, 80);
	OFF(famfs_superblock, crc, 96);
	OFF(famfs_superblock, sb_flags, 104);
	OFF(famfs_superblock, dev_size, 112);
	OFF(famfs_superblock, dev_uuid2, 120);
	OFF(famfs_superblock, dev_name, 136);
	SZ(famfs_log, 48);
	OFF(famfs_log, magic, 0);
	OFF(famfs_log, len, 8);
	OFF(famfs_log, last_index, 16);
	OFF(famfs_log, crc, 24);
	OFF(famfs_log, next_seqnum, 32);
	OFF(famfs_log, next_index, 40);
	SZ(famfs_log_entry, 544);
	OFF(famfs_log_entry, seqnum, 0);
	OFF(famfs_log_entry, type, 8);
	OFF(famfs_log_entry, file, 16);
	OFF(famfs_log_entry, crc, 536);
	SZ(famfs_log_file, 520);
	OFF(famfs_log_file, size, 0);
	OFF(famfs_log_file, flags, 8);
	OFF(famfs_log_file, uid, 12);
	OFF(famfs_log_file, gid, 16);
	OFF(famfs_log_file, mode, 20);
	OFF(famfs_log_file, relpath, 24);
	OFF(famfs_log_file, fmap, 104);
	SZ(famfs_log_mkdir, 92);
	OFF(famfs_log_mkdir, uid, 0);
	OFF(famfs_log_mkdir, gid, 4);
	OFF(famfs_log_mkdir, mode, 8);
	OFF(famfs_log_mkdir, relpath, 12);
	SZ(famfs_log_daxdev, 32);
	OFF(famfs_log_daxdev, dev_size, 0);
	OFF(famfs_log_daxdev, dev_uuid, 8);
	OFF(famfs_log_daxdev, dev_index, 24);
	SZ(famfs_log_fmap, 416);
	OFF(famfs_log_fmap, ext_type, 0);
	OFF(famfs_log_fmap, count, 8);
	OFF(famfs_log_fmap, se, 16);
	SZ(famfs_simple_extent, 24);
	SZ(famfs_interleaved_ext, 400);
	OFF(famfs_interleaved_ext, nstrips, 0);
	OFF(famfs_interleaved_ext, chunk_size, 8);
	OFF(famfs_interleaved_ext, strips, 16);
	is(FAMFS_LOG_NENTRIES(8 * FAMFS_MiB), 15420, "8 MiB log holds 15420 entries");
	is(FAMFS_LOG_NENTRIES(256 * FAMFS_MiB), 493447, "256 MiB log holds 493447 entries");
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void mkfs_bytes(void)
{
	const char *img = t_image("fmt.img", 64 * FAMFS_MiB);
	uint8_t nonzero = 0;
	struct famfs_dev d;
	uuid_t me;
	const uint8_t *b, *l;
	uint64_t i;
	int rc;

	rc = famfs_system_uuid(me);
	is(rc, 0, "system uuid created in the temp dir");
	rc = famfs_dev_open(img, true, &d);
	if (!is(rc, 0, "open 64 MiB image")) {
		diag(famfs_errmsg());
		return;
	}
	is(d.kind, FAMFS_DEV_IMAGE, "image detected as FAMFS_DEV_IMAGE");
	memset(d.base + 4096, 0xa5, 4096);	/* garbage in the sb area beyond the struct */
	is(famfs_mkfs(&d, 0, me, false), 0, "mkfs with the default log length");
	b = d.base;
	is(rd64(b + 0), 0x87b282ff, "magic at offset 0");
	is(rd64(b + 8), 48, "version 48 at offset 8");
	is(rd64(b + 16), 0x200000, "log_offset at 16");
	is(rd64(b + 24), 0x800000, "log_len 8 MiB at 24");
	is(rd64(b + 32), 0x200000, "alloc_unit at 32");
	is(rd32(b + 40), 2, "omf_major 2 at 40");
	is(rd32(b + 44), 2, "omf_minor 2 at 44");
	ok(!memcmp(b + 80, me, 16), "system_uuid at 80 is this host's");
	is(rd64(b + 96), famfs_sb_crc((const void *)b), "CRC at 96 is crc32 of [0, 96)");
	is(rd64(b + 112), 64 * FAMFS_MiB, "dev_size at 112");
	ok(!strncmp((const char *)b + 136, img, 64), "dev_name at 136");
	is(famfs_sb_check((const void *)b, d.size), 0, "fresh superblock validates");
	l = b + 0x200000;
	is(rd64(l + 0), 0xbadcafef00d, "log magic");
	is(rd64(l + 8), 8 * FAMFS_MiB, "log len");
	is(rd64(l + 16), 15419, "log last_index 15419");
	is(rd64(l + 24), 0xa5875078, "log header CRC (known answer from python zlib)");
	is(rd64(l + 32), 0, "log next_seqnum 0");
	is(rd64(l + 40), 0, "log next_index 0");
	for (i = 48; i < 8 * FAMFS_MiB; i++)
		nonzero |= l[i];
	is(nonzero, 0, "log entries area zeroed");
	is(famfs_log_check((const void *)l, 8 * FAMFS_MiB), 0, "fresh log validates");
	is(famfs_mkfs(&d, 0, me, false), -EEXIST, "mkfs refuses a valid superblock without force");
	is(famfs_mkfs(&d, 0, me, true), 0, "mkfs with force overwrites");
	is(famfs_mkfs(&d, 12 * FAMFS_MiB, me, true), -EINVAL, "log_len 12 MiB (not 2^n) refused");
	is(famfs_mkfs(&d, 4 * FAMFS_MiB, me, true), -EINVAL, "log_len 4 MiB (< 8 MiB) refused");
	is(famfs_mkfs(&d, 64 * FAMFS_MiB, me, true), -EINVAL, "log larger than the device refused");
	is(famfs_kill_sb(&d), 0, "kill superblock");
	is(rd64(b), 0, "kill zeroes the magic");
	is(rd64(b + 8), 48, "kill leaves the rest (version)");
	is(famfs_sb_check((const void *)b, d.size), -ENODATA, "killed superblock -> ENODATA");
	famfs_dev_close(&d);

	t_image("odd.img", 64 * FAMFS_MiB + 4096);
	is(famfs_dev_open(t_image("odd.img", 64 * FAMFS_MiB + 4096), true, &d), -EINVAL,
	   "image size not a multiple of 2 MiB refused");
	ok(strstr(famfs_errmsg(), "multiple of 2 MiB") != NULL, "message says why: %s",
	   famfs_errmsg());
	is(famfs_dev_open(t_image("tiny.img", 10 * FAMFS_MiB), true, &d), -EINVAL,
	   "10 MiB image (no room for a data unit) refused");
	is(famfs_dev_open(t_image("min.img", FAMFS_DEV_MIN_SIZE), true, &d), 0,
	   "12 MiB image (sb + 8 MiB log + 1 AU) accepted");
	is(famfs_mkfs(&d, 0, me, false), 0, "mkfs on the minimum size");
	famfs_dev_close(&d);
	is(famfs_dev_open("/nonexistent/x", false, &d), -ENOENT, "missing device -> ENOENT");
}

static void crc_kat(void)
{
	struct famfs_superblock sb;
	uint8_t *p = (uint8_t *)&sb;
	int i;

	memset(&sb, 0, sizeof(sb));
	sb.magic = FAMFS_SB_MAGIC;
	sb.version = 48;
	sb.log_offset = 2 * FAMFS_MiB;
	sb.log_len = 8 * FAMFS_MiB;
	sb.alloc_unit = 2 * FAMFS_MiB;
	sb.omf_major = 2;
	sb.omf_minor = 2;
	for (i = 0; i < 48; i++)
		p[48 + i] = i;
	/* Computed independently: python3 zlib.crc32 of the same 96 bytes. */
	is(famfs_sb_crc(&sb), 0x5eff8a3a, "superblock CRC known answer");
	sb.dev_size = 12345;
	sb.sb_flags = 7;
	is(famfs_sb_crc(&sb), 0x5eff8a3a, "dev_size and sb_flags are outside the CRC");
}

static void prng_kat(void)
{
	static const uint8_t s1[16] = { 0x28, 0x49, 0x91, 0xee, 0x66, 0xb6, 0xfb, 0x34,
					0x3a, 0x87, 0xca, 0x18, 0xde, 0x44, 0x17, 0x78 };
	static const uint8_t s42[16] = { 0x98, 0x5f, 0x52, 0xe2, 0x7a, 0xfb, 0x0c, 0x3d,
					 0xf8, 0x8c, 0x82, 0x2b, 0x40, 0x22, 0x49, 0xe5 };
	uint8_t buf[16], whole[4096 + 3], chunks[4096 + 3];
	struct famfs_prng p;
	size_t off, n;

	famfs_prng_init(&p, 1);
	famfs_prng_fill(&p, buf, 16);
	ok(!memcmp(buf, s1, 16), "seed 1: first 16 bytes match the python reference");
	famfs_prng_init(&p, 42);
	famfs_prng_fill(&p, buf, 16);
	ok(!memcmp(buf, s42, 16), "seed 42: first 16 bytes match the python reference");
	famfs_prng_init(&p, 1);
	memset(buf, 0, sizeof(buf));
	famfs_prng_fill(&p, buf, 7);
	ok(!memcmp(buf, s1, 7) && buf[7] == 0, "7-byte fill: tail takes the leading bytes of the next word");

	famfs_prng_init(&p, 7);
	famfs_prng_fill(&p, whole, sizeof(whole));
	famfs_prng_init(&p, 7);
	for (off = 0, n = 4; off < sizeof(chunks); off += n, n = n * 2 % 1024 + 4) {
		if (n > sizeof(chunks) - off)
			n = sizeof(chunks) - off;
		famfs_prng_fill(&p, chunks + off, n);
	}
	ok(!memcmp(whole, chunks, sizeof(whole)), "fill in 4-byte-multiple chunks == one fill");
	famfs_prng_init(&p, 7);
	is(famfs_prng_verify(&p, whole, sizeof(whole)), sizeof(whole), "verify accepts the stream");
	whole[1000] ^= 1;
	famfs_prng_init(&p, 7);
	is(famfs_prng_verify(&p, whole, sizeof(whole)), 1000, "verify finds the flipped byte");
}

static void sizes(void)
{
	uint64_t v = 0;

	ok(!famfs_parse_size("2m", &v) && v == 2 * FAMFS_MiB, "parse 2m");
	ok(!famfs_parse_size("1G", &v) && v == FAMFS_GiB, "parse 1G");
	ok(!famfs_parse_size("4096", &v) && v == 4096, "parse 4096");
	ok(!famfs_parse_size("3MiB", &v) && v == 3 * FAMFS_MiB, "parse 3MiB");
	ok(!famfs_parse_size("8 KiB", &v) && v == 8192, "parse 8 KiB");
	ok(!famfs_parse_size("1TiB", &v) && v == 1024 * FAMFS_GiB, "parse 1TiB");
	ok(!famfs_parse_size("64.0 MiB", &v) && v == 64 * FAMFS_MiB,
	   "parse 64.0 MiB (as the tools print it)");
	ok(!famfs_parse_size("1.5k", &v) && v == 1536, "parse 1.5k");
	ok(!famfs_parse_size("0x200000", &v) && v == 2 * FAMFS_MiB, "parse 0x200000");
	is(famfs_parse_size("010", &v), -EINVAL, "010 refused (octal-looking)");
	is(famfs_parse_size("1.1k", &v), -EINVAL, "1.1k refused (not whole bytes)");
	is(famfs_parse_size("1.5", &v), -EINVAL, "1.5 refused (fraction without unit)");
	is(famfs_parse_size("3MiX", &v), -EINVAL, "3MiX refused");
	is(famfs_parse_size("", &v), -EINVAL, "empty size refused");
	is(famfs_parse_size("-1", &v), -EINVAL, "negative size refused");
	is(famfs_parse_size("12x", &v), -EINVAL, "garbage suffix refused");
	is(famfs_parse_size("99999999999999999999", &v), -EINVAL, "overflow refused");
	is(famfs_parse_size("20000000t", &v), -EINVAL, "shift overflow refused");
}

int main(void)
{
	t_setup();
	layout();
	crc_kat();
	prng_kat();
	sizes();
	mkfs_bytes();
	return tap_done();
}
