/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs on-media format: superblock, log header, log entries.
 *
 * Byte-exact with superblock version 48 / on-media format 2.2 (see
 * shared/spec/on-media-format.md). Native little-endian, x86_64 LP64.
 * Every size and every offset listed in the spec is checked at compile time
 * at the end of this file, so a layout mistake cannot build.
 */
#ifndef FAMFS_FORMAT_H
#define FAMFS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define FAMFS_SB_MAGIC		0x87b282ffULL
#define FAMFS_VERSION		48ULL
#define FAMFS_VERSION_OLD	47ULL	/* identical layout, accepted */
/*
 * version: the low 32 bits are the base layout (47 or 48), the high 32 bits
 * incompatible-feature bits (user/FORMAT-delete.md section 1).
 */
#define FAMFS_VERSION_BASE_MASK	0xffffffffULL
#define FAMFS_FEAT_DELETE	(1ULL << 32)	/* DELETE entries, host table */
#define FAMFS_FEAT_KNOWN	FAMFS_FEAT_DELETE
#define FAMFS_OMF_MAJOR		2U
#define FAMFS_OMF_MINOR		2U

#define FAMFS_MiB		(1ULL << 20)
#define FAMFS_GiB		(1ULL << 30)

#define FAMFS_ALLOC_UNIT	(2 * FAMFS_MiB)
#define FAMFS_SB_AREA_LEN	(2 * FAMFS_MiB)	/* [0, 2 MiB) superblock area */
#define FAMFS_LOG_OFFSET	(2 * FAMFS_MiB)
#define FAMFS_LOG_LEN_DEFAULT	(8 * FAMFS_MiB)
#define FAMFS_LOG_LEN_MIN	(8 * FAMFS_MiB)

#define FAMFS_LOG_MAGIC		0xbadcafef00dULL

#define FAMFS_MAX_PATHLEN	80	/* bytes incl. NUL: at most 79 chars */
#define FAMFS_MAX_SIMPLE_EXT	16
#define FAMFS_MAX_STRIPS	16
#define FAMFS_DEVNAME_LEN	64

/* FILE entry flags: upstream always writes "all hosts read-write". */
#define FAMFS_FM_ALL_HOSTS_RO	1U
#define FAMFS_FM_ALL_HOSTS_RW	2U

/* Log entry types (famfs_log_entry.type). */
enum famfs_log_entry_type {
	FAMFS_LOG_FILE = 0,
	FAMFS_LOG_MKDIR = 1,
	FAMFS_LOG_DELETE = 2,		/* defined, never written upstream */
	FAMFS_LOG_ADD_DAXDEV = 3,	/* readers skip it */
	FAMFS_LOG_INVALID = 4,
};

/* Extent map types (famfs_log_fmap.ext_type). */
enum famfs_log_ext_type {
	FAMFS_EXT_SIMPLE = 0,
	FAMFS_EXT_INTERLEAVE = 1,
};

/* Superblock: 200 bytes at device offset 0. */
struct famfs_superblock {
	uint64_t magic;
	uint64_t version;
	uint64_t log_offset;
	uint64_t log_len;
	uint64_t alloc_unit;
	uint32_t omf_major;
	uint32_t omf_minor;
	uint8_t fs_uuid[16];
	uint8_t dev_uuid[16];
	uint8_t system_uuid[16];
	uint64_t crc;		/* crc32 of bytes [0, 96) */
	uint32_t sb_flags;	/* outside the CRC */
	uint32_t pad;
	uint64_t dev_size;	/* outside the CRC */
	uint8_t dev_uuid2[16];
	char dev_name[FAMFS_DEVNAME_LEN];	/* may lack a NUL */
};

#define FAMFS_SB_CRC_LEN	96

/* Simple extent: 24 bytes. */
struct famfs_simple_extent {
	uint64_t devindex;
	uint64_t offset;
	uint64_t len;
};

/* Interleaved extent: 400 bytes. */
struct famfs_interleaved_ext {
	uint64_t nstrips;
	uint64_t chunk_size;
	struct famfs_simple_extent strips[FAMFS_MAX_STRIPS];
};

/* Extent map of a FILE entry: 416 bytes. */
struct famfs_log_fmap {
	uint32_t ext_type;	/* enum famfs_log_ext_type */
	uint32_t pad0;
	uint32_t count;		/* simple extents, or interleaved extents (1) */
	uint32_t pad1;
	union {
		struct famfs_simple_extent se[FAMFS_MAX_SIMPLE_EXT];
		struct famfs_interleaved_ext ie[1];
	};
};

/* FILE body: 520 bytes. */
struct famfs_log_file {
	uint64_t size;
	uint32_t flags;
	uint32_t uid;
	uint32_t gid;
	uint32_t mode;		/* permission bits only */
	char relpath[FAMFS_MAX_PATHLEN];
	struct famfs_log_fmap fmap;
};

/* MKDIR body: 92 bytes. */
struct famfs_log_mkdir {
	uint32_t uid;
	uint32_t gid;
	uint32_t mode;
	char relpath[FAMFS_MAX_PATHLEN];
};

/* ADD_DAXDEV body: 32 bytes (28 used). */
struct famfs_log_daxdev {
	uint64_t dev_size;
	uint8_t dev_uuid[16];
	uint32_t dev_index;
	uint32_t pad;
};

/* DELETE body (type 2): 520 bytes (FORMAT-delete.md section 3). */
struct famfs_log_delete {
	uint64_t target;	/* index of the FILE or MKDIR entry deleted */
	uint32_t target_type;	/* FAMFS_LOG_FILE or FAMFS_LOG_MKDIR */
	uint32_t flags;		/* 0 */
	char relpath[FAMFS_MAX_PATHLEN];	/* the target's, NUL-terminated */
	uint8_t reserved[424];
};

/* Log entry: 544 bytes. The CRC covers everything before it, padding too. */
struct famfs_log_entry {
	uint64_t seqnum;	/* must equal the entry index */
	uint32_t type;		/* enum famfs_log_entry_type */
	uint32_t pad;
	union {
		struct famfs_log_file file;
		struct famfs_log_mkdir mkdir;
		struct famfs_log_daxdev daxdev;
		struct famfs_log_delete del;
		uint8_t raw[520];
	};
	uint64_t crc;		/* crc32 of bytes [0, 536) */
};

#define FAMFS_LOG_ENTRY_CRC_LEN	536

/* Log header: 48 bytes at log_offset, followed by the entries. */
struct famfs_log {
	uint64_t magic;
	uint64_t len;		/* = superblock log_len */
	uint64_t last_index;	/* inclusive */
	uint64_t crc;		/* crc32 of bytes [0, 24) */
	uint64_t next_seqnum;	/* outside the CRC */
	uint64_t next_index;	/* outside the CRC: number of valid entries */
	struct famfs_log_entry entries[];
};

#define FAMFS_LOG_HDR_CRC_LEN	24

/* Number of entries a log of @len bytes holds (last_index + 1). */
#define FAMFS_LOG_NENTRIES(len) \
	(((uint64_t)(len) - sizeof(struct famfs_log)) / \
	 sizeof(struct famfs_log_entry))

/*
 * Host table (FORMAT-delete.md section 2): [1 MiB, 2 MiB) of the device, in
 * the superblock area. A 256-byte header, then 2040 slots of 512 bytes at
 * 4096 from the table start; the last slot ends exactly at 2 MiB.
 */
#define FAMFS_HT_OFFSET		FAMFS_MiB
#define FAMFS_HT_MAGIC		0x31544846534d4146ULL	/* "FAMFSHT1" */
#define FAMFS_HT_NSLOTS		2040U
#define FAMFS_HT_SLOT_SIZE	512U
#define FAMFS_HT_SLOTS_OFFSET	4096U
#define FAMFS_HT_HDR_CRC_LEN	248
#define FAMFS_HT_REC_CRC_LEN	120

/* Host record states and roles. */
#define FAMFS_HOST_FREE		0U
#define FAMFS_HOST_MOUNTED	1U
#define FAMFS_HOST_LEFT		2U
#define FAMFS_HOST_MASTER	0U
#define FAMFS_HOST_CLIENT	1U
/* Fence record states. */
#define FAMFS_FENCE_NONE	0U
#define FAMFS_FENCE_EVICTED	1U

struct famfs_ht_header {
	uint64_t magic;
	uint8_t fs_uuid[16];
	uint32_t nslots;
	uint32_t slot_size;
	uint32_t slots_offset;
	uint32_t flags;
	uint8_t reserved[208];
	uint64_t crc;		/* crc32 of bytes [0, 248) */
};

/* Written only by the host that owns the slot. */
struct famfs_host_rec {
	uint64_t seq;
	uint8_t host_uuid[16];
	uint32_t state;		/* FAMFS_HOST_* */
	uint32_t role;		/* FAMFS_HOST_MASTER / _CLIENT */
	uint64_t mount_gen;
	uint64_t replayed;	/* log entries replayed (a log index) */
	uint64_t released;	/* DELETE entries below this index released */
	uint64_t heartbeat;	/* CLOCK_REALTIME ns of this write */
	uint64_t mounted_at;	/* CLOCK_REALTIME ns of the mount */
	uint8_t reserved[48];
	uint64_t crc;		/* crc32 of bytes [0, 120) */
};

/* Written only by the master. */
struct famfs_fence_rec {
	uint64_t seq;
	uint8_t host_uuid[16];
	uint32_t state;		/* FAMFS_FENCE_* */
	uint32_t reserved0;
	uint64_t mount_gen;	/* the generation evicted */
	uint64_t evicted_at;	/* CLOCK_REALTIME ns */
	uint64_t log_index;	/* log next_index at eviction */
	uint8_t reserved[64];
	uint64_t crc;		/* crc32 of bytes [0, 120) */
};

/* One slot: two copies of each record (torn-write safe). */
struct famfs_ht_slot {
	struct famfs_host_rec host[2];
	struct famfs_fence_rec fence[2];
};

/* Compile-time layout checks against the spec tables. */
#define FAMFS_OFF(t, f, o) \
	_Static_assert(offsetof(struct t, f) == (o), #t "." #f " offset")
#define FAMFS_SIZE(t, s) \
	_Static_assert(sizeof(struct t) == (s), #t " size")

FAMFS_SIZE(famfs_superblock, 200);
FAMFS_OFF(famfs_superblock, magic, 0);
FAMFS_OFF(famfs_superblock, version, 8);
FAMFS_OFF(famfs_superblock, log_offset, 16);
FAMFS_OFF(famfs_superblock, log_len, 24);
FAMFS_OFF(famfs_superblock, alloc_unit, 32);
FAMFS_OFF(famfs_superblock, omf_major, 40);
FAMFS_OFF(famfs_superblock, omf_minor, 44);
FAMFS_OFF(famfs_superblock, fs_uuid, 48);
FAMFS_OFF(famfs_superblock, dev_uuid, 64);
FAMFS_OFF(famfs_superblock, system_uuid, 80);
FAMFS_OFF(famfs_superblock, crc, 96);
FAMFS_OFF(famfs_superblock, sb_flags, 104);
FAMFS_OFF(famfs_superblock, pad, 108);
FAMFS_OFF(famfs_superblock, dev_size, 112);
FAMFS_OFF(famfs_superblock, dev_uuid2, 120);
FAMFS_OFF(famfs_superblock, dev_name, 136);

FAMFS_SIZE(famfs_log, 48);
FAMFS_OFF(famfs_log, magic, 0);
FAMFS_OFF(famfs_log, len, 8);
FAMFS_OFF(famfs_log, last_index, 16);
FAMFS_OFF(famfs_log, crc, 24);
FAMFS_OFF(famfs_log, next_seqnum, 32);
FAMFS_OFF(famfs_log, next_index, 40);
FAMFS_OFF(famfs_log, entries, 48);

FAMFS_SIZE(famfs_log_entry, 544);
FAMFS_OFF(famfs_log_entry, seqnum, 0);
FAMFS_OFF(famfs_log_entry, type, 8);
FAMFS_OFF(famfs_log_entry, pad, 12);
FAMFS_OFF(famfs_log_entry, file, 16);
FAMFS_OFF(famfs_log_entry, mkdir, 16);
FAMFS_OFF(famfs_log_entry, daxdev, 16);
FAMFS_OFF(famfs_log_entry, crc, 536);

FAMFS_SIZE(famfs_log_delete, 520);
FAMFS_OFF(famfs_log_delete, target, 0);
FAMFS_OFF(famfs_log_delete, target_type, 8);
FAMFS_OFF(famfs_log_delete, flags, 12);
FAMFS_OFF(famfs_log_delete, relpath, 16);
FAMFS_OFF(famfs_log_delete, reserved, 96);
FAMFS_OFF(famfs_log_entry, del, 16);

FAMFS_SIZE(famfs_ht_header, 256);
FAMFS_OFF(famfs_ht_header, magic, 0);
FAMFS_OFF(famfs_ht_header, fs_uuid, 8);
FAMFS_OFF(famfs_ht_header, nslots, 24);
FAMFS_OFF(famfs_ht_header, slot_size, 28);
FAMFS_OFF(famfs_ht_header, slots_offset, 32);
FAMFS_OFF(famfs_ht_header, flags, 36);
FAMFS_OFF(famfs_ht_header, reserved, 40);
FAMFS_OFF(famfs_ht_header, crc, FAMFS_HT_HDR_CRC_LEN);

FAMFS_SIZE(famfs_host_rec, 128);
FAMFS_OFF(famfs_host_rec, seq, 0);
FAMFS_OFF(famfs_host_rec, host_uuid, 8);
FAMFS_OFF(famfs_host_rec, state, 24);
FAMFS_OFF(famfs_host_rec, role, 28);
FAMFS_OFF(famfs_host_rec, mount_gen, 32);
FAMFS_OFF(famfs_host_rec, replayed, 40);
FAMFS_OFF(famfs_host_rec, released, 48);
FAMFS_OFF(famfs_host_rec, heartbeat, 56);
FAMFS_OFF(famfs_host_rec, mounted_at, 64);
FAMFS_OFF(famfs_host_rec, reserved, 72);
FAMFS_OFF(famfs_host_rec, crc, FAMFS_HT_REC_CRC_LEN);

FAMFS_SIZE(famfs_fence_rec, 128);
FAMFS_OFF(famfs_fence_rec, seq, 0);
FAMFS_OFF(famfs_fence_rec, host_uuid, 8);
FAMFS_OFF(famfs_fence_rec, state, 24);
FAMFS_OFF(famfs_fence_rec, reserved0, 28);
FAMFS_OFF(famfs_fence_rec, mount_gen, 32);
FAMFS_OFF(famfs_fence_rec, evicted_at, 40);
FAMFS_OFF(famfs_fence_rec, log_index, 48);
FAMFS_OFF(famfs_fence_rec, reserved, 56);
FAMFS_OFF(famfs_fence_rec, crc, FAMFS_HT_REC_CRC_LEN);

FAMFS_SIZE(famfs_ht_slot, FAMFS_HT_SLOT_SIZE);
FAMFS_OFF(famfs_ht_slot, host, 0);
FAMFS_OFF(famfs_ht_slot, fence, 256);
_Static_assert(FAMFS_HT_OFFSET + FAMFS_HT_SLOTS_OFFSET +
	       (uint64_t)FAMFS_HT_NSLOTS * FAMFS_HT_SLOT_SIZE == FAMFS_SB_AREA_LEN,
	       "host table fills [1 MiB, 2 MiB) exactly");

FAMFS_SIZE(famfs_log_file, 520);
FAMFS_OFF(famfs_log_file, size, 0);
FAMFS_OFF(famfs_log_file, flags, 8);
FAMFS_OFF(famfs_log_file, uid, 12);
FAMFS_OFF(famfs_log_file, gid, 16);
FAMFS_OFF(famfs_log_file, mode, 20);
FAMFS_OFF(famfs_log_file, relpath, 24);
FAMFS_OFF(famfs_log_file, fmap, 104);

FAMFS_SIZE(famfs_log_mkdir, 92);
FAMFS_OFF(famfs_log_mkdir, uid, 0);
FAMFS_OFF(famfs_log_mkdir, gid, 4);
FAMFS_OFF(famfs_log_mkdir, mode, 8);
FAMFS_OFF(famfs_log_mkdir, relpath, 12);

FAMFS_SIZE(famfs_log_daxdev, 32);
FAMFS_OFF(famfs_log_daxdev, dev_size, 0);
FAMFS_OFF(famfs_log_daxdev, dev_uuid, 8);
FAMFS_OFF(famfs_log_daxdev, dev_index, 24);

FAMFS_SIZE(famfs_log_fmap, 416);
FAMFS_OFF(famfs_log_fmap, ext_type, 0);
FAMFS_OFF(famfs_log_fmap, count, 8);
FAMFS_OFF(famfs_log_fmap, se, 16);
FAMFS_OFF(famfs_log_fmap, ie, 16);

FAMFS_SIZE(famfs_simple_extent, 24);
FAMFS_OFF(famfs_simple_extent, devindex, 0);
FAMFS_OFF(famfs_simple_extent, offset, 8);
FAMFS_OFF(famfs_simple_extent, len, 16);

FAMFS_SIZE(famfs_interleaved_ext, 400);
FAMFS_OFF(famfs_interleaved_ext, nstrips, 0);
FAMFS_OFF(famfs_interleaved_ext, chunk_size, 8);
FAMFS_OFF(famfs_interleaved_ext, strips, 16);

#endif /* FAMFS_FORMAT_H */
