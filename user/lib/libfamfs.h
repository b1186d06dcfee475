/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libfamfs: the famfs user-space library (format, log, allocator, replay,
 * kernel map ioctls, mount support, online/offline file system handles).
 *
 * Conventions:
 * - Functions returning int return 0 (or a documented positive value) on
 *   success and a negative errno on failure. On failure they record a
 *   human-readable message, retrievable with famfs_errmsg() (thread-local,
 *   valid until the next failing call on the same thread).
 * - "relpath" is a path relative to the mount root, no leading '/',
 *   at most 79 bytes, no "." / ".." components, no "//".
 */
#ifndef LIBFAMFS_H
#define LIBFAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uuid/uuid.h>
#include <linux/famfs_ioctl.h>

#include "famfs_format.h"

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/**
 * famfs_errmsg() - message describing the last failure on this thread.
 *
 * Return: a NUL-terminated string, "" if nothing failed yet.
 */
const char *famfs_errmsg(void);

/**
 * famfs_parse_size() - parse "4096", "0x1000", "2m", "1g", "8MiB", "1.5 GiB".
 * @s:   text: a decimal number (no leading zero: "010" is refused, never
 *       octal) or 0x hex; units k/m/g/t (either case, optionally followed
 *       by "b" or "ib", one space allowed before the unit); a decimal
 *       fraction only with a unit and only if the result is whole bytes.
 * @out: parsed byte count.
 *
 * Return: 0, or -EINVAL for garbage, empty text or overflow.
 */
int famfs_parse_size(const char *s, uint64_t *out);

/* ------------------------------------------------------------------ */
/* Device access (dev.c)                                               */

enum famfs_dev_kind {
	FAMFS_DEV_IMAGE = 1,	/* regular file */
	FAMFS_DEV_DAX = 2,	/* character /dev/daxX.Y */
	FAMFS_DEV_PMEM = 3,	/* block device, e.g. /dev/pmem0 */
};

struct famfs_dev {
	int fd;
	int kind;		/* enum famfs_dev_kind */
	uint64_t size;
	uint8_t *base;		/* whole device, MAP_SHARED */
	bool writable;
	dev_t rdev;		/* st_rdev (0 for images) */
	char path[4096];
};

/* Smallest device: superblock area + minimum log + one allocation unit. */
#define FAMFS_DEV_MIN_SIZE \
	(FAMFS_SB_AREA_LEN + FAMFS_LOG_LEN_MIN + FAMFS_ALLOC_UNIT)

/**
 * famfs_dev_open() - open and mmap a whole device or image, MAP_SHARED.
 * @path:     regular file, /dev/daxX.Y or a block device.
 * @writable: open O_RDWR and map PROT_READ|PROT_WRITE.
 * @d:        filled on success (d->fd = -1, d->base = NULL on failure).
 *
 * Return: 0; -EINVAL if the size is not a multiple of 2 MiB or is smaller
 * than FAMFS_DEV_MIN_SIZE; -ENODEV for other file types; or the errno
 * of the failing open/stat/mmap.
 */
int famfs_dev_open(const char *path, bool writable, struct famfs_dev *d);

/** famfs_dev_close() - unmap and close; safe on a failed/zeroed dev. */
void famfs_dev_close(struct famfs_dev *d);

/**
 * famfs_flush() - write [addr, addr+len) back from the CPU caches.
 *
 * Other hosts read the memory without cache coherence, so every metadata
 * write is followed by a flush. x86_64: clflush over every 64-byte line,
 * then sfence; arm64: DC CVAC over every line (size from CTR_EL0), then
 * DSB SY; then msync() (harmless on DAX mappings, needed for image files).
 */
void famfs_flush(const void *addr, size_t len);

/**
 * famfs_invalidate() - drop this host's cached copy of [addr, addr+len)
 * before reading memory that another host may have written.
 *
 * x86_64: clflush (write back and invalidate), then sfence; arm64:
 * DC CIVAC (clean and invalidate; a local store is never lost), then
 * DSB SY. No msync.
 */
void famfs_invalidate(const void *addr, size_t len);

/** famfs_cache_line_size() - the line size famfs_flush() steps by. */
size_t famfs_cache_line_size(void);

/**
 * famfs_dev_mountpoint() - is this device mounted as famfs on this host?
 * @d:   an open device (matched by st_rdev; images are never mounted).
 * @mpt: receives the mount point when mounted.
 * @len: size of @mpt.
 *
 * Return: 1 mounted (mpt filled), 0 not mounted, <0 error.
 */
int famfs_dev_mountpoint(const struct famfs_dev *d, char *mpt, size_t len);

/**
 * famfs_path_mountpoint() - the same, by device path (opens nothing).
 * Return: 1 mounted (mpt filled), 0 not mounted, <0 error (e.g. -ENOENT).
 */
int famfs_path_mountpoint(const char *devpath, char *mpt, size_t len);

/*
 * The offline writer lock (lock.c): flock(LOCK_EX) on the device or image.
 * Offline writers (famfs_fs_open_device(write), famfs_mkfs, famfs_kill_sb,
 * fsck repair) take it and wait for it up to a timeout: the process-wide
 * value set by famfs_set_lock_timeout_ms(), else $FAMFS_LOCK_TIMEOUT
 * (seconds, fractions allowed, 0: do not wait), else 60 seconds. Waiters
 * block in flock(2) and get the lock in about the order they asked.
 */
#define FAMFS_LOCK_TIMEOUT_ENV "FAMFS_LOCK_TIMEOUT"
#define FAMFS_LOCK_TIMEOUT_DEFAULT_MS 60000

/**
 * famfs_dev_lock() - take the writer lock of an open device.
 * @timeout_ms: how long to wait; < 0: famfs_lock_timeout_ms().
 * Holding it already through @d is fine (flock is per open file).
 * Return: 0; -EBUSY when still taken after the timeout (the message names
 * the holder's pid when /proc/locks shows it); other -errno.
 */
int famfs_dev_lock(struct famfs_dev *d, int timeout_ms);

/** famfs_lock_timeout_ms() - the wait in force (see above), in ms. */
int famfs_lock_timeout_ms(void);

/** famfs_set_lock_timeout_ms() - override for this process (< 0: none). */
void famfs_set_lock_timeout_ms(int ms);

/**
 * famfs_parse_lock_timeout() - "5", "0.5", "0" seconds to ms.
 * Return: ms, or -1 for anything else (negative, garbage, > 1 day).
 */
int famfs_parse_lock_timeout(const char *s);

/* ------------------------------------------------------------------ */
/* Roles (role.c)                                                      */

/* This host's identity: the first that exists is used, the first is made. */
#define FAMFS_SYSTEM_UUID_FILE_DEFAULT "/etc/famfs/system_uuid"
#define FAMFS_SYSTEM_UUID_FILE_UPSTREAM "/opt/famfs/system_uuid"
/* Overrides both: the only file read and created. */
#define FAMFS_SYSTEM_UUID_ENV "FAMFS_SYSTEM_UUID_FILE"
/* Tests only: a directory prefixed to both default paths. */
#define FAMFS_SYSTEM_UUID_ROOT_ENV "FAMFS_TEST_ROOT"

/**
 * famfs_system_uuid() - this host's system UUID.
 * @out: the UUID.
 *
 * Reads the 36-char text UUID from $FAMFS_SYSTEM_UUID_FILE if set, else
 * from /etc/famfs/system_uuid, else from /opt/famfs/system_uuid (where the
 * upstream famfs tools keep it); if none exists, creates
 * /etc/famfs/system_uuid (or $FAMFS_SYSTEM_UUID_FILE), and its directory,
 * with a random UUID.
 *
 * Return: 0, -EINVAL for a malformed file, or an I/O errno.
 */
int famfs_system_uuid(uuid_t out);

/**
 * famfs_system_uuid_ex() - famfs_system_uuid() that may not create it.
 * @out:     the UUID.
 * @create:  create the identity file if none exists.
 * @created: if not NULL, set to whether the file was created now.
 * @path:    if not NULL, the file read or created (or that would be).
 * @len:     size of @path.
 *
 * Return: 0; -ENOENT (without @create) if this host has no identity yet;
 * -EINVAL for a malformed file, or an I/O errno.
 */
int famfs_system_uuid_ex(uuid_t out, bool create, bool *created, char *path,
			 size_t len);

/** famfs_sb_is_master() - true if @me equals the superblock system_uuid. */
bool famfs_sb_is_master(const struct famfs_superblock *sb, const uuid_t me);

/* Mount records (fs UUID per mount), see mount_record.c. */
#define FAMFS_RUN_DIR_ENV "FAMFS_RUN_DIR"
/* Present when the famfs module knows the "client" mount option. */
#define FAMFS_CLIENT_PARAM "/sys/module/famfs/parameters/client_mounts"

/**
 * famfs_mount_record_write() - remember that @mpt was mounted for @fs_uuid.
 * Writes $FAMFS_RUN_DIR (default /run/famfs/mounts)/<major>:<minor> of the
 * mount's st_dev atomically (temp file + rename). Returns 0 or -errno.
 */
int famfs_mount_record_write(const char *mpt, const uuid_t fs_uuid);

/**
 * famfs_mount_record_check() - compare the record of @mpt with @live_uuid.
 * Returns 0 if they match or there is no usable record, -ESTALE (with a
 * message) if the memory was re-formatted since the mount.
 */
int famfs_mount_record_check(const char *mpt, const uuid_t live_uuid);

/**
 * famfs_mount_record_log() - remember in @mpt's record that the mount
 * replayed the first @nreplayed (valid) entries of @log, with the CRC of
 * the last one. Only moves forward. Starts a record if there is none.
 * Returns 0 or -errno.
 */
int famfs_mount_record_log(const char *mpt, const uuid_t fs_uuid,
			   const struct famfs_log *log, uint64_t nreplayed);

/**
 * famfs_mount_record_check_log() - is @log still the log this mount
 * replayed? Returns 0 (also with no record, or one without a log
 * position); -ESTALE with a message if the valid log is now shorter than
 * what was replayed (truncated, e.g. by fsck --repair) or the last
 * replayed entry changed (truncated and appended again).
 */
int famfs_mount_record_check_log(const char *mpt, const struct famfs_log *log,
				 uint64_t log_len);

struct famfs_log_scan;

/**
 * famfs_mount_record_check_scan() - famfs_mount_record_check_log() with
 * the caller's fresh famfs_log_scan() of @log (@scan), so a replay reads
 * and CRC-checks the log once instead of twice.
 */
int famfs_mount_record_check_scan(const char *mpt, const struct famfs_log *log,
				  const struct famfs_log_scan *scan);

/** famfs_kernel_has_client_option() - may "client" be passed to mount(2)? */
bool famfs_kernel_has_client_option(void);

/* ------------------------------------------------------------------ */
/* Superblock and log (superblock.c, log.c)                            */

/** CRCs exactly as stored: zlib crc32 zero-extended to 64 bits. */
uint64_t famfs_sb_crc(const struct famfs_superblock *sb);
uint64_t famfs_log_hdr_crc(const struct famfs_log *log);
uint64_t famfs_log_entry_crc(const struct famfs_log_entry *e);

/**
 * famfs_sb_check() - validate a superblock, in upstream order.
 * @sb:       superblock (may be hostile garbage).
 * @dev_size: size of the device it came from (0: skip the fit check).
 *
 * Return: 0; -ENODATA no famfs superblock (bad magic);
 * -EPROTONOSUPPORT version not compatible; -EBADMSG CRC mismatch;
 * -EINVAL bad alloc_unit, log_offset, log_len (not a power of two,
 * < 8 MiB), log beyond the device, or omf version.
 */
int famfs_sb_check(const struct famfs_superblock *sb, uint64_t dev_size);

/**
 * famfs_sb_version_check() - accept 47, 48 and 48 | FAMFS_FEAT_DELETE.
 * Unknown high (incompatible-feature) bits are refused and named.
 * Return: 0 or -EPROTONOSUPPORT with a message.
 */
int famfs_sb_version_check(uint64_t version);

/** famfs_sb_has_delete() - does the file system have the delete feature? */
bool famfs_sb_has_delete(const struct famfs_superblock *sb);

/**
 * famfs_sb_init() - fill a fresh superblock (new random fs/dev UUIDs).
 * @sb:          zeroed and filled, CRC included.
 * @dev_size:    device size.
 * @log_len:     log length (caller validated).
 * @system_uuid: master host UUID.
 * @devname:     recorded in dev_name (truncated to 64 bytes, may be NULL).
 */
void famfs_sb_init(struct famfs_superblock *sb, uint64_t dev_size,
		   uint64_t log_len, const uuid_t system_uuid,
		   const char *devname);

/**
 * famfs_log_len_check() - is @log_len a valid log length?
 * Return: 0, or -EINVAL (power of two >= 8 MiB and < 2^40 required).
 */
int famfs_log_len_check(uint64_t log_len);

/**
 * famfs_log_check() - validate a log header.
 * @log:     header (entries are not read).
 * @log_len: the superblock's log_len.
 *
 * Return: 0, or -EBADMSG (magic, CRC) / -EINVAL (len, last_index,
 * next_index > last_index + 1, next_seqnum != next_index) with a message.
 */
int famfs_log_check(const struct famfs_log *log, uint64_t log_len);

/** famfs_log_init() - write an empty log header (does not touch entries). */
void famfs_log_init(struct famfs_log *log, uint64_t log_len);

struct famfs_log_scan {
	uint64_t nvalid;	/* entries [0, nvalid) are valid */
	uint64_t hdr_next_index;/* what the header claims */
	bool damaged;		/* nvalid < min(hdr_next_index, last_index+1) */
	uint64_t bad_index;	/* first bad entry when damaged */
	char why[160];		/* what is wrong with it (without its index) */
};

/**
 * famfs_log_scan() - find the valid prefix of the log.
 *
 * Walks entries [0, min(next_index, last_index + 1)) and stops at the first
 * entry with a bad CRC or seqnum != index. The header must have passed
 * famfs_log_check() (the function re-checks the bounds it relies on).
 *
 * Return: 0 (damage is reported in @s, not as an error), -EINVAL if the
 * header is unusable.
 */
int famfs_log_scan(const struct famfs_log *log, uint64_t log_len,
		   struct famfs_log_scan *s);

/**
 * famfs_log_scan_from() - famfs_log_scan() of a log whose entries
 * [0, @from) the caller already found valid (the log is append-only):
 * only [@from, next_index) are CRC-checked, and @s says what
 * famfs_log_scan() would (nvalid is min(@from, next_index) at least).
 * A follower keeps the CRC of its last entry to notice a rewritten log.
 */
int famfs_log_scan_from(const struct famfs_log *log, uint64_t log_len,
			uint64_t from, struct famfs_log_scan *s);

/**
 * famfs_log_entry_valid() - does entry @index pass the reader's test
 * (seqnum == index and a matching CRC)? @why (may be NULL) gets the reason
 * when it does not.
 */
bool famfs_log_entry_valid(const struct famfs_log_entry *e, uint64_t index,
			   char *why, size_t len);

/**
 * famfs_log_append() - append one entry.
 * @log:     mapped log (writable).
 * @log_len: log length.
 * @e:       entry; seqnum and crc are set here.
 *
 * Writes the entry at entries[next_index] and flushes it, then bumps
 * next_seqnum/next_index and flushes the header. A reader never sees a
 * partial entry as valid.
 *
 * Return: 0; -ENOSPC "log full (N entries)" (nothing written);
 * -EINVAL bad header or bad entry type.
 */
int famfs_log_append(struct famfs_log *log, uint64_t log_len,
		     struct famfs_log_entry *e);

/**
 * famfs_relpath_check() - validate a relpath for a new entry.
 * Return: 0; -ENAMETOOLONG (> 79 bytes); -EINVAL empty, absolute, "//",
 * "." or ".." component, trailing '/'.
 */
int famfs_relpath_check(const char *relpath);

/**
 * famfs_entry_file() - build a FILE entry (zeroed first; flags = RW).
 * @fmap: copied into the entry (validated by famfs_log_append and the
 *        file system layer with famfs_map_check).
 * Return: 0, or the famfs_relpath_check() error. Never truncates.
 */
int famfs_entry_file(struct famfs_log_entry *e, const char *relpath,
		     uint64_t size, uint32_t mode, uint32_t uid, uint32_t gid,
		     const struct famfs_log_fmap *fmap);

/** famfs_entry_mkdir() - build a MKDIR entry; errors as famfs_entry_file. */
int famfs_entry_mkdir(struct famfs_log_entry *e, const char *relpath,
		      uint32_t mode, uint32_t uid, uint32_t gid);

/**
 * famfs_mkfs() - format a device: superblock + empty log.
 * @d:           writable device.
 * @log_len:     power of two >= 8 MiB (0 means 8 MiB).
 * @system_uuid: master UUID recorded in the superblock.
 * @force:       overwrite an existing valid superblock.
 *
 * Upstream refuses devices below 4 GiB; this library accepts anything with
 * room for the superblock area, the log and at least one 2 MiB allocation
 * unit, so that tests can use small images.
 *
 * Return: 0; -EEXIST valid superblock present and !force; -EINVAL bad
 * log_len or device too small; -EBUSY device mounted on this host.
 */
int famfs_mkfs(struct famfs_dev *d, uint64_t log_len,
	       const uuid_t system_uuid, bool force);

/** famfs_kill_sb() - zero only the superblock magic (mkfs -f -k). */
int famfs_kill_sb(struct famfs_dev *d);

/* ------------------------------------------------------------------ */
/* Extent maps and the allocator (alloc.c)                             */

struct famfs_alloc;	/* opaque bitmap of 2 MiB units */

struct famfs_alloc_report {
	uint64_t nfiles;	/* valid FILE entries seen */
	uint64_t ndirs;		/* MKDIR entries */
	uint64_t nbad;		/* FILE entries with an invalid map */
	uint64_t ncollisions;	/* allocation units claimed twice */
	uint64_t used_bytes;	/* incl. superblock area and log */
	uint64_t size_bytes;	/* device size covered by the bitmap */
	char first_problem[200];
	/* Delete feature: deleted files, and those whose memory is still
	 * held (pending release; counted in used_bytes). */
	uint64_t ndeleted;
	uint64_t npending;
	uint64_t pending_bytes;	/* units only pending files hold */
	uint64_t release_floor;	/* famfs_ht_release_floor() used */
};

struct famfs_interleave {
	uint64_t nbuckets;	/* 0: default (the device in 1 GiB buckets, <= 64) */
	uint64_t nstrips;	/* 1..16 */
	uint64_t chunk_size;	/* power of two, multiple of 2 MiB */
};

/* Largest interleave chunk: 1 GiB, the size of the smallest bucket. */
#define FAMFS_CHUNK_MAX		FAMFS_GiB

struct famfs_units;	/* opaque: memory owned by live files */

/* What a FILE map is checked against (famfs_map_check). */
struct famfs_map_limits {
	uint64_t dev_size;	/* maps end within it; 0: unknown, not checked */
	uint64_t log_len;	/* required: [0, 2 MiB + log_len) is metadata */
	const struct famfs_units *owned;	/* NULL: no cross-link check */
};

/**
 * famfs_map_check() - may this FILE map be trusted? The one check used
 * everywhere a map is trusted: replay planning, fsck, the allocator, data
 * I/O, reuse of an existing file, clone, and before every append.
 * @lim:  device size, log length and (optionally) the memory of live files.
 * @f:    map (may be hostile garbage).
 * @size: file size the map must cover.
 *
 * Checks: type and counts (1..16 extents, or one interleaved extent of
 * 1..16 strips with a power-of-two chunk, a multiple of 2 MiB, at most
 * FAMFS_CHUNK_MAX, dividing every strip length); devindex 0; every offset
 * and length a non-zero multiple of 2 MiB; inside the device (overflow
 * checked); outside the superblock and log [0, 2 MiB + log_len); no two
 * extents/strips of the map overlap; the map covers @size; and, with
 * @lim->owned, no memory already owned by another live file.
 * Return: 0; -EADDRINUSE cross-linked (overlaps @lim->owned); -EINVAL
 * anything else; both with a precise message.
 */
int famfs_map_check(const struct famfs_map_limits *lim,
		    const struct famfs_log_fmap *f, uint64_t size);

/** famfs_fmap_bytes() - bytes allocated by a (checked) map. */
uint64_t famfs_fmap_bytes(const struct famfs_log_fmap *f);

/**
 * famfs_fmap_devoff() - device offset of file offset @off.
 * @f:     checked map.
 * @off:   file offset.
 * @avail: if not NULL, receives the contiguous bytes available there.
 *
 * Simple maps walk the extents; interleaved maps use spec §5:
 * chunk = off / C, strip = chunk % nstrips, stripe = chunk / nstrips.
 * Return: device offset, or UINT64_MAX if @off is beyond the map.
 */
uint64_t famfs_fmap_devoff(const struct famfs_log_fmap *f, uint64_t off,
			   uint64_t *avail);

/**
 * famfs_alloc_build() - rebuild the allocation bitmap from the log.
 * @out: new allocator (free with famfs_alloc_free).
 * @sb:  checked superblock (dev_size, log_len).
 * @log: checked log; only the scan's valid prefix is used.
 * @rep: optional report.
 *
 * Marks [0, 2 MiB + log_len), then every extent / strip of every valid
 * FILE entry. A unit already set counts as a collision; an invalid map
 * (famfs_fmap_check fails) counts as bad and marks nothing.
 * Return: 0 or -ENOMEM / -EINVAL.
 */
/**
 * famfs_alloc_build_ht() - famfs_alloc_build() for a file system with the
 * delete feature: a deleted file's memory stays used until the DELETE
 * entry is below the release floor of the host table @ht (NULL: nothing is
 * known to be released, so it all stays used).
 */
int famfs_alloc_build_ht(struct famfs_alloc **out,
			 const struct famfs_superblock *sb,
			 const struct famfs_log *log, const void *ht,
			 struct famfs_alloc_report *rep);

int famfs_alloc_build(struct famfs_alloc **out,
		      const struct famfs_superblock *sb,
		      const struct famfs_log *log,
		      struct famfs_alloc_report *rep);

/**
 * famfs_alloc_contig() - allocate one simple extent (first fit, rotating
 * hint) of @size rounded up to 2 MiB. @size 0 allocates one unit.
 * Return: 0; -ENOSPC "out of space: need X, largest free Y".
 */
int famfs_alloc_contig(struct famfs_alloc *a, uint64_t size,
		       struct famfs_log_fmap *out);

/**
 * famfs_alloc_interleaved() - allocate a striped map (spec §5).
 *
 * The device is split into nbuckets equal parts (<= 64, each >= 1 GiB);
 * each of the nstrips strips is one contiguous extent of nstripes * chunk
 * bytes in a distinct bucket.
 * Return: 0; -EINVAL bad parameters or device too small for the buckets;
 * -ENOSPC not enough buckets with room.
 */
int famfs_alloc_interleaved(struct famfs_alloc *a, uint64_t size,
			    const struct famfs_interleave *il,
			    struct famfs_log_fmap *out);

/**
 * famfs_alloc_claim() - mark @f (allocated earlier, not logged yet) used in
 * a bitmap built again from the log. Return: 0; -EINVAL for a bad map;
 * -EADDRINUSE if part of it is in use already (it is marked anyway).
 */
int famfs_alloc_claim(struct famfs_alloc *a, const struct famfs_log_fmap *f);

/** famfs_alloc_release() - give back a map that was never logged. */
void famfs_alloc_release(struct famfs_alloc *a,
			 const struct famfs_log_fmap *f);

void famfs_alloc_free(struct famfs_alloc *a);
uint64_t famfs_alloc_free_bytes(const struct famfs_alloc *a);

/**
 * famfs_interleave_check() - validate interleave parameters.
 * Return: 0 or -EINVAL with a message.
 */
int famfs_interleave_check(const struct famfs_interleave *il);

/* ------------------------------------------------------------------ */
/* Alloc config (alloc_cfg.c): .meta/.alloc.cfg                        */

#define FAMFS_ALLOC_CFG_NAME ".alloc.cfg"

/**
 * famfs_alloc_cfg_parse() - parse the YAML interleave defaults:
 *
 *     interleaved_alloc:
 *       nbuckets: 8
 *       nstrips: 4
 *       chunk_size: 2m
 *
 * Return: 0 (il filled; missing keys keep their value in @il);
 * -EINVAL for YAML errors, unknown keys, bad numbers, with a message.
 */
int famfs_alloc_cfg_parse(const char *yaml_text, size_t len,
			  struct famfs_interleave *il);

/* ------------------------------------------------------------------ */
/* Host table of the delete feature (hosttab.c, FORMAT-delete.md §2)  */

/** famfs_ht_of() - the host table of a mapping of [0, 2 MiB), or NULL. */
static inline void *famfs_ht_of(const struct famfs_superblock *sb, size_t map_len)
{
	return sb && map_len >= FAMFS_SB_AREA_LEN ?
	       (uint8_t *)sb + FAMFS_HT_OFFSET : NULL;
}

uint64_t famfs_ht_hdr_crc(const struct famfs_ht_header *h);
uint64_t famfs_host_rec_crc(const struct famfs_host_rec *r);
uint64_t famfs_fence_rec_crc(const struct famfs_fence_rec *r);

/**
 * famfs_ht_check() - validate the header at @ht for the file system @sb.
 * Return: 0 or -EBADMSG ("host table damaged: ...").
 */
int famfs_ht_check(const void *ht, const struct famfs_superblock *sb);

/** famfs_ht_init() - write an empty table (1 MiB at @ht) and flush it. */
void famfs_ht_init(void *ht, const struct famfs_superblock *sb);

/** famfs_ht_slot() - slot @i (NULL if out of range). */
struct famfs_ht_slot *famfs_ht_slot(const void *ht, uint32_t i);

/**
 * famfs_host_rec_read() / famfs_fence_rec_read() - the current record of a
 * slot: the valid copy (CRC, parity of seq, known values) with the larger
 * seq. Return: 0, or -ENOENT if neither copy is valid (@out zeroed).
 */
int famfs_host_rec_read(const struct famfs_ht_slot *s, struct famfs_host_rec *out);
int famfs_fence_rec_read(const struct famfs_ht_slot *s, struct famfs_fence_rec *out);

/**
 * famfs_host_rec_write() / famfs_fence_rec_write() - write @rec (seq and
 * crc are set here) to the copy that does not hold the current record, then
 * flush it.
 */
int famfs_host_rec_write(struct famfs_ht_slot *s, struct famfs_host_rec *rec);
int famfs_fence_rec_write(struct famfs_ht_slot *s, struct famfs_fence_rec *rec);

/**
 * famfs_ht_slot_damaged() - is the host part of slot @s written (not zero)
 * but without a valid copy? Such a slot counts as a host that holds all
 * deleted memory (release floor 0) and is never claimed.
 */
bool famfs_ht_slot_damaged(const struct famfs_ht_slot *s);

/* Per copy (bit 0: copy A, bit 1: copy B) of a slot: valid, or written but bad. */
struct famfs_ht_copies {
	unsigned int host_ok, host_bad, fence_ok, fence_bad;
};

/** famfs_ht_slot_copies() - which copies of slot @s are valid or bad. */
void famfs_ht_slot_copies(const struct famfs_ht_slot *s,
			  struct famfs_ht_copies *out);

/*
 * Host table repair (ht_repair.c), for fsck --repair on an unmounted file
 * system with the delete feature. Data and the log are never touched.
 * - A damaged header is written again (its fields are constants and the
 *   superblock's fs_uuid); every slot is kept as it is.
 * - A slot whose host part has no valid copy gets a placeholder record:
 *   an "unknown host" (FAMFS_HT_UNKNOWN_UUID with the slot number in its
 *   last bytes), MOUNTED, release mark 0: it holds all deleted memory
 *   until an operator evicts it (famfs host evict), since the host that
 *   owned the slot may be alive and mapping memory.
 * - A fence part with no valid copy is cleared: its host counts as not
 *   evicted, so it holds its memory again until evicted again.
 * - One bad copy next to a good one is what a torn write leaves: the good
 *   one is used, the next write replaces the bad one; nothing to repair.
 */
#define FAMFS_HT_UNKNOWN_UUID_PREFIX "ffffffff-ffff-ffff-ffff-ffff"

struct famfs_ht_repair {
	bool header_bad;	/* the header is rewritten */
	char why[200];		/* what is wrong with it */
	uint32_t ndamaged;	/* host parts without a valid copy */
	uint32_t nfence_damaged;/* fence parts without a valid copy */
	uint32_t ntorn;		/* single bad copies (informational) */
	uint32_t first_damaged;	/* slot of the first damaged host part */
	bool needed;
};

/**
 * famfs_ht_repair_plan() - what repair would do to the table at @ht of
 * the file system @sb. Return: 0 (plan in @r), -EINVAL.
 */
int famfs_ht_repair_plan(const void *ht, const struct famfs_superblock *sb,
			 struct famfs_ht_repair *r);

/**
 * famfs_ht_repair_apply() - carry out @r (made for this @ht and @sb) on a
 * writable, unmounted table. Return: 0 or -EINVAL.
 */
int famfs_ht_repair_apply(void *ht, const struct famfs_superblock *sb,
			  const struct famfs_ht_repair *r);

/** famfs_ht_unknown_uuid() - the placeholder UUID of slot @slot. */
void famfs_ht_unknown_uuid(uint32_t slot, uuid_t out);

/**
 * famfs_host_mounted_rec() - this host's record in the host table of the
 * mount at @mpt (read through .meta/.superblock), and the fs_uuid.
 * Return: 0; -ENOENT no table or no record of this host.
 */
int famfs_host_mounted_rec(const char *mpt, struct famfs_host_rec *out,
			   uuid_t fs_uuid);

/**
 * famfs_host_leave_device() - after a clean unmount, mark this host's slot
 * LEFT (FORMAT-delete.md 2.2) through the unmounted device @devpath: only
 * if its record is still the MOUNTED one of generation @mount_gen, not
 * evicted, and the device still holds file system @fs_uuid. A host that
 * left holds nothing: it no longer blocks releases.
 * Return: 0 written; 1 nothing to mark (message says why); <0 error (the
 * device cannot be opened after unmount, e.g. a dax device in fsdev mode).
 */
int famfs_host_leave_device(const char *devpath, const uuid_t fs_uuid,
			    const uuid_t me, uint64_t mount_gen);

/** famfs_host_evicted() - does fence @f evict this generation of host @h? */
bool famfs_host_evicted(const struct famfs_host_rec *h, const struct famfs_fence_rec *f);

/** famfs_ht_find() - the slot naming @uuid (host or fence record); -ENOENT. */
int famfs_ht_find(const void *ht, const uuid_t uuid, uint32_t *slot);

/**
 * famfs_ht_claim() - take this host's slot (its own one, or a free one by
 * probing from crc32(uuid) % nslots) and write @rec there with
 * mount_gen = the previous generation + 1. A new slot is re-read after
 * @wait_ms to catch a simultaneous claim by another host.
 * @prev, @fence (may be NULL): the slot's previous host and fence records.
 */
int famfs_ht_claim(void *ht, const uuid_t uuid, struct famfs_host_rec *rec,
		   unsigned int wait_ms, uint32_t *slot,
		   struct famfs_host_rec *prev, struct famfs_fence_rec *fence);

/** One used slot, as famfs_ht_hosts() reports it. */
struct famfs_ht_host {
	uint32_t slot;
	bool has_host, has_fence;
	bool evicted;		/* the fence evicts the current mount_gen */
	bool holds;		/* MOUNTED and not evicted: its mark counts */
	struct famfs_host_rec host;
	struct famfs_fence_rec fence;
	bool damaged;		/* host part unreadable: holds everything */
};

/** famfs_ht_hosts() - the used slots; *@n may exceed @room. */
int famfs_ht_hosts(const void *ht, struct famfs_ht_host *out, size_t room,
		   size_t *n);

/**
 * famfs_ht_release_floor() - min(released) over the MOUNTED, non-evicted
 * hosts: every DELETE entry with an index below it is released everywhere.
 * UINT64_MAX with no such host; 0 when @ht is NULL (nothing is known).
 */
uint64_t famfs_ht_release_floor(const void *ht);

/**
 * famfs_ht_enable() - enable delete on a mapped superblock area of
 * @map_len bytes: write the host table, flush, then the new version and
 * CRC, flush. No-op if already enabled.
 */
int famfs_ht_enable(struct famfs_superblock *sb, size_t map_len);

enum famfs_host_op {
	FAMFS_HOST_CLAIM,	/* a new mount: claim the slot, new mount_gen */
	FAMFS_HOST_UPDATE,	/* after a replay: replayed, released, heartbeat */
	FAMFS_HOST_LEAVE,	/* clean unmount: LEFT, holds nothing */
};

struct famfs_host_status {
	bool enabled;		/* the file system has the delete feature */
	uint32_t slot;
	struct famfs_host_rec rec;	/* as written */
	bool evicted;		/* UPDATE: this mount generation is fenced */
	bool was_evicted;	/* CLAIM: the previous generation had been */
	struct famfs_fence_rec fence;
};

/**
 * famfs_host_update() - write this host's record for the mount at @mpt
 * (through .meta/.superblock, read-write: root). No-op without the delete
 * feature. CLAIM: @replayed is the log's next_index before the replay.
 * UPDATE: @replayed entries were replayed; released = min(FAMFSIOC_PENDING
 * min_tag, replayed). @appended_from (UPDATE, else UINT64_MAX): this host
 * itself appended the entries [@appended_from, @replayed) and applied them,
 * which counts only if it had replayed everything before them.
 * Return: 0; -ESHUTDOWN if the master evicted this mount generation (the
 * caller shuts the mount down); other errors with a message.
 */
int famfs_host_update(const char *mpt, enum famfs_host_op op, uint64_t replayed,
		      uint64_t appended_from, struct famfs_host_status *st);

/** famfs_shutdown_mount() - FAMFSIOC_SHUTDOWN on the mount at @mpt. */
int famfs_shutdown_mount(const char *mpt);

/** famfs_now_ns() - CLOCK_REALTIME in nanoseconds. */
uint64_t famfs_now_ns(void);

/* ------------------------------------------------------------------ */
/* Replay planning (replay.c): pure, no kernel, no file system         */

enum famfs_act_type {
	FAMFS_ACT_MKDIR,
	FAMFS_ACT_CREATE,
	FAMFS_ACT_EXISTS,	/* same type already there: nothing to do */
	FAMFS_ACT_BAD,		/* invalid entry or conflict: report it */
	FAMFS_ACT_DELETE,	/* valid DELETE entry: remove the target */
};

struct famfs_action {
	enum famfs_act_type type;
	uint64_t index;		/* log entry index */
	char relpath[FAMFS_MAX_PATHLEN];
	uint32_t mode, uid, gid;
	uint64_t size;
	struct famfs_log_fmap fmap;
	bool is_dir;		/* entry was MKDIR (meaningful for EXISTS/BAD) */
	int err;		/* negative errno for BAD */
	char why[160];
	/* DELETE: @index is the DELETE entry, @target the entry it removes;
	 * relpath, is_dir, size and fmap are the target's. */
	uint64_t target;
	/* CREATE/MKDIR of a plan on an empty namespace: a later valid DELETE
	 * (entry @deleted_by) removes it. */
	bool deleted;
	uint64_t deleted_by;
};

/* Lookup result of famfs_lookup_fn. */
#define FAMFS_LOOKUP_ABSENT	0
#define FAMFS_LOOKUP_FILE	1
#define FAMFS_LOOKUP_DIR	2

/** Return 0 absent, 1 regular file, 2 directory (<0: treat as absent). */
typedef int (*famfs_lookup_fn)(void *ctx, const char *relpath);

/** famfs_lookup_empty() - a lookup for an empty namespace (ctx unused). */
int famfs_lookup_empty(void *ctx, const char *relpath);

/** famfs_lookup_mount() - lstat under a mount root; ctx is the root path. */
int famfs_lookup_mount(void *ctx, const char *relpath);

/**
 * famfs_replay_plan() - plan how to instantiate the log.
 * @log, @log_len: checked log; entries past the scan's end are ignored.
 * @dev_size:      device size for famfs_fmap_check.
 * @lookup, @ctx:  what already exists.
 * @acts, @nacts:  the plan, one action per valid FILE/MKDIR entry, in log
 *                 order (free() it).
 *
 * Return: 0 (bad entries are BAD actions, not errors), -ENOMEM, -EINVAL.
 */
int famfs_replay_plan(const struct famfs_log *log, uint64_t log_len,
		      uint64_t dev_size, famfs_lookup_fn lookup, void *ctx,
		      struct famfs_action **acts, size_t *nacts);

/* famfs_replay_plan_ex() flags */
#define FAMFS_PLAN_DELETE	1U	/* the file system has FAMFS_FEAT_DELETE */

/**
 * famfs_replay_plan_ex() - famfs_replay_plan() that knows DELETE entries.
 * With FAMFS_PLAN_DELETE, DELETE entries are validated against the log alone
 * (FORMAT-delete.md section 3): a valid one is a DELETE action, an invalid
 * one a BAD action. On an empty namespace every CREATE/MKDIR says whether
 * (and by which entry) it is deleted later; with another lookup, deleted
 * entries get no action and the DELETE action removes what the mount has
 * (the executor must check the map). Without the flag DELETE entries are
 * ignored, as upstream does.
 */
int famfs_replay_plan_ex(const struct famfs_log *log, uint64_t log_len,
			 uint64_t dev_size, unsigned int flags,
			 famfs_lookup_fn lookup, void *ctx,
			 struct famfs_action **acts, size_t *nacts);

/**
 * famfs_replay_plan_n() - famfs_replay_plan_ex() of the first @nvalid
 * entries, which the caller has just found valid with famfs_log_scan():
 * the log is not scanned (CRC-checked) a second time.
 */
int famfs_replay_plan_n(const struct famfs_log *log, uint64_t log_len,
			uint64_t dev_size, unsigned int flags,
			famfs_lookup_fn lookup, void *ctx, uint64_t nvalid,
			struct famfs_action **acts, size_t *nacts);

/** famfs_plan_flags() - the famfs_replay_plan_ex() flags for @sb. */
unsigned int famfs_plan_flags(const struct famfs_superblock *sb);

/*
 * Incremental planning, for a follower that plans each poll's new entries
 * only. Entries are planned in log order and the planner keeps what it
 * learnt (names, owned memory, the canonical delete pass), so feeding
 * [0, a) and then [a, b) gives for [a, b) exactly what
 * famfs_replay_plan_n(..., nvalid = b) gives for those indices with the
 * same lookup answers. A valid DELETE of an entry fed earlier makes that
 * feed re-plan its mount pass from entry 0 (what a full plan costs).
 */
struct famfs_planner;

/**
 * famfs_planner_new() - a planner for a log of @log_len bytes on a device
 * of @dev_size bytes; @flags, @lookup and @ctx as famfs_replay_plan_n().
 * Returns NULL with a message on bad arguments or no memory.
 */
struct famfs_planner *famfs_planner_new(uint64_t log_len, uint64_t dev_size,
					unsigned int flags,
					famfs_lookup_fn lookup, void *ctx);

/**
 * famfs_planner_feed() - plan entries [famfs_planner_fed(), @to), which
 * the caller found valid (famfs_log_scan_from()). @acts (free() it) gets
 * the actions of those entries only, in log order. After an error the
 * planner refuses further feeds: free it and start again.
 */
int famfs_planner_feed(struct famfs_planner *p, const struct famfs_log *log,
		       uint64_t to, struct famfs_action **acts, size_t *nacts);

/** famfs_planner_set_lookup() - answer later feeds' lookups with @lookup. */
void famfs_planner_set_lookup(struct famfs_planner *p, famfs_lookup_fn lookup,
			      void *ctx);

/** famfs_planner_fed() - entries planned so far. */
uint64_t famfs_planner_fed(const struct famfs_planner *p);

/** famfs_planner_replans() - feeds that re-planned from entry 0. */
uint64_t famfs_planner_replans(const struct famfs_planner *p);

void famfs_planner_free(struct famfs_planner *p);

/* ------------------------------------------------------------------ */
/* Kernel map ioctls (kmap.c)                                          */

/** famfs_kmap_v2() - FAMFSIOC_MAP_CREATE_V2 from a log map. */
int famfs_kmap_v2(int fd, uint32_t file_type, uint64_t size,
		  const struct famfs_log_fmap *fmap);

/** famfs_kmap_v1() - FAMFSIOC_MAP_CREATE, one simple extent (meta files). */
int famfs_kmap_v1(int fd, uint32_t file_type, uint64_t size, uint64_t off,
		  uint64_t len);

/** famfs_kmap_get() - FAMFSIOC_MAP_GET_V2. */
int famfs_kmap_get(int fd, struct famfs_ioc_get_fmap *out);

/** famfs_kdelete() - FAMFSIOC_DELETE on @fd with release tag @tag. */
int famfs_kdelete(int fd, uint64_t tag);

/** famfs_kpending() - FAMFSIOC_PENDING: smallest pending tag (~0: none). */
int famfs_kpending(int fd, uint64_t *min_tag, uint32_t *count);

/** famfs_kshutdown() - FAMFSIOC_SHUTDOWN: fail all further I/O (fenced). */
int famfs_kshutdown(int fd);

/** famfs_is_famfs_fd() - 1 if FAMFSIOC_NOP succeeds on @fd, else 0. */
int famfs_is_famfs_fd(int fd);

/* ------------------------------------------------------------------ */
/* Mount support (mount.c)                                             */

#define FAMFS_META_DIR	".meta"
#define FAMFS_META_SB	".meta/.superblock"
#define FAMFS_META_LOG	".meta/.log"
#define FAMFS_META_CFG	".meta/.alloc.cfg"

struct famfs_apply_stats {
	uint64_t ndirs;		/* directories created */
	uint64_t nfiles;	/* files created */
	uint64_t nexisting;	/* already present */
	uint64_t nbad;		/* BAD actions (reported, skipped) */
	uint64_t ncrosslinked;	/* of which cross-linked: left unmapped */
	uint64_t nerrors;	/* creations that failed */
	uint64_t ndeleted;	/* deleted files and directories released */
	/* Delete feature, mount: the previous mount generation of this host
	 * had been evicted (fenced) by the master. */
	bool was_evicted;
	uint64_t evicted_at;	/* CLOCK_REALTIME ns */
	uint64_t evicted_gen;
	char first_error[200];
};

/**
 * famfs_apply_plan() - instantiate a plan under mount point @mpt.
 *
 * CREATE: open(O_CREAT|O_EXCL|O_RDWR), fchown, MAP_CREATE_V2; on any
 * failure the half-made file is unlinked. MKDIR: mkdir + chown. On a
 * client (@client) files get mode & ~0222.
 * Return: 0 if every action succeeded or was EXISTS; -EIO if any failed
 * or was BAD (details in @st and the message).
 */
int famfs_apply_plan(const char *mpt, const struct famfs_action *acts,
		     size_t n, bool client, struct famfs_apply_stats *st);

/**
 * famfs_mount() - mount a famfs device and instantiate its log.
 * @dev:  /dev/pmemN or /dev/daxX.Y.
 * @mpt:  existing directory.
 * @opts: extra mount options (may be NULL), appended to "dax=always".
 *        "ro" (the last of ro/rw wins) is not sent to the kernel: the
 *        mount is made read-only (MOUNT_ATTR_RDONLY) once the meta files
 *        exist and the log is replayed.
 * @dry:  only validate the device (superblock, log); mount nothing.
 *
 * On failure after mount(2) succeeded (meta files), the file system is
 * unmounted. Bad log entries do not unmount it: they are reported with -EIO
 * while the valid files stay usable.
 * Return: 0, -EIO (mounted, some entries bad), or another negative errno.
 */
int famfs_mount(const char *dev, const char *mpt, const char *opts, bool dry);

/**
 * famfs_mount_ex() - famfs_mount() that also returns the replay counts.
 *
 * Return: 0; -EIO if the file system was mounted but some log entries were
 * bad or could not be instantiated (it stays mounted; see @st and the
 * message); other negative errno: not mounted.
 */
int famfs_mount_ex(const char *dev, const char *mpt, const char *opts,
		   bool dry, struct famfs_apply_stats *st);

/**
 * famfs_mkmeta() - create .meta, .meta/.superblock and .meta/.log in the
 * famfs mount of @dev (found via /proc/self/mountinfo). Existing meta files
 * are left alone.
 * Return: 0, -ENOENT if @dev is not mounted, or an errno.
 */
int famfs_mkmeta(const char *dev);

/**
 * famfs_mkmeta_at() - the same with a known mount point.
 * @sb:     the superblock if already read, or NULL: then it is read through
 *          .meta/.superblock (no raw device access) and @client is derived
 *          from this host's system UUID.
 * @client: .meta/.log gets mode 0444 instead of 0644.
 */
int famfs_mkmeta_at(const char *mpt, const struct famfs_superblock *sb,
		    bool client);

/**
 * famfs_logplay() - replay the log of the famfs mounted at @mpt (any
 * path inside it works).
 * @dry: plan only; @st counts what would be done.
 * Return: as famfs_apply_plan.
 */
int famfs_logplay(const char *mpt, bool dry, struct famfs_apply_stats *st);

/* ------------------------------------------------------------------ */
/* File system handles (fs.c): online (mounted) or offline (device)    */

struct famfs_fs;

/**
 * famfs_fs_open() - open the famfs mounted around @path_in_mount.
 * @write: take flock(LOCK_EX) on .meta/.log (master only, else -EROFS on
 *         the first mutation).
 *
 * Walks up from @path_in_mount to the directory holding .meta (verified
 * with FAMFSIOC_NOP on .meta/.log), maps .meta/.superblock and .meta/.log
 * (read-only on clients) and checks both.
 * Return: 0; -ENOENT/-ENOTTY not in a famfs mount; -EBADMSG etc.
 */
int famfs_fs_open(const char *path_in_mount, bool write,
		  struct famfs_fs **out);

/**
 * famfs_fs_open_device() - open an unmounted device or image.
 * Return: 0; -EBUSY if mounted on this host or locked by another process.
 */
int famfs_fs_open_device(const char *dev, bool write, struct famfs_fs **out);

void famfs_fs_close(struct famfs_fs *fs);

const struct famfs_superblock *famfs_fs_sb(const struct famfs_fs *fs);
const struct famfs_log *famfs_fs_log(const struct famfs_fs *fs);
bool famfs_fs_is_master(const struct famfs_fs *fs);
/** Mount root, or NULL for an offline handle. */
const char *famfs_fs_mountpoint(const struct famfs_fs *fs);
/** Size of the mapped device (offline) or sb->dev_size (online). */
uint64_t famfs_fs_dev_size(const struct famfs_fs *fs);

/**
 * famfs_fs_relpath() - turn a user path into a relpath.
 * Online: relative paths are taken from the cwd; the result is the path
 * below the mount root (the final component need not exist).
 * Offline: the path is already relative to the root ('/'-prefix allowed).
 * The mount root itself gives "" (return 0).
 * Return: 0, -EXDEV outside the mount, or a relpath error.
 */
int famfs_fs_relpath(const struct famfs_fs *fs, const char *path,
		     char *rel, size_t len);

/**
 * famfs_fs_mkdir() - create a directory (log entry, and online mkdir).
 * @parents: create missing parents; an existing directory is then OK.
 * Return: 0; -EEXIST exists (and !parents or it is a file); -ENOENT parent
 * missing; -EROFS client; -ENOSPC log full.
 */
int famfs_fs_mkdir(struct famfs_fs *fs, const char *relpath, uint32_t mode,
		   uint32_t uid, uint32_t gid, bool parents);

/**
 * famfs_fs_creat() - create a file of @size bytes.
 * @il:      NULL for one contiguous extent, else interleaved.
 * @out_fd:  online: an O_RDWR fd of the new file (close it); offline: -1.
 *           May be NULL.
 * @out_map: contiguous data: pointer to the file bytes (online: a fresh
 *           MAP_SHARED mapping of @size bytes, release with
 *           famfs_fs_unmap(); offline: inside the device mapping).
 *           Interleaved offline: NULL (use famfs_fs_write). May be NULL.
 *
 * Online the file is created and mapped in the kernel first; the log entry
 * is appended only after the kernel accepted the map (else the file is
 * removed and the space returned). An existing file with the same size is
 * returned as is (return value 1); a different size gives -EEXIST.
 * Return: 0 created, 1 already existed; -EROFS client; -ENOSPC log full or
 * out of space; -ENOENT parent directory missing.
 */
int famfs_fs_creat(struct famfs_fs *fs, const char *relpath, uint64_t size,
		   uint32_t mode, uint32_t uid, uint32_t gid,
		   const struct famfs_interleave *il, int *out_fd,
		   uint8_t **out_map);

/*
 * Two-phase create, for callers that write the data before the file may
 * exist for other hosts (famfs cp): the file is allocated and, online,
 * created and mapped in the kernel, but its log entry is written only by
 * famfs_fs_stage_commit(). famfs_fs_stage_abort() (or closing the handle)
 * removes it from the mount again (FAMFSIOC_DELETE) and frees its memory,
 * so a copy that failed is never logged.
 */
struct famfs_staged;

/**
 * famfs_fs_creat_staged() - famfs_fs_creat() without the log entry.
 * @out: the staged create (return 0); NULL when an existing file of the
 *       same size is returned (return 1: it is in the log already).
 * Other arguments and errors as famfs_fs_creat(); a name staged already
 * on this handle is -EEXIST.
 */
int famfs_fs_creat_staged(struct famfs_fs *fs, const char *relpath,
			  uint64_t size, uint32_t mode, uint32_t uid,
			  uint32_t gid, const struct famfs_interleave *il,
			  struct famfs_staged **out, int *out_fd,
			  uint8_t **out_map);

/**
 * famfs_fs_stage_commit() - append the log entry of @st; @st is consumed.
 * On failure the create is aborted (see famfs_fs_stage_abort()). Release
 * the fd and mapping first online: a mapping keeps an aborted file's
 * memory held on this host until it goes.
 * Return: 0, or -errno (-ENOSPC log full, -EEXIST name logged meanwhile).
 */
int famfs_fs_stage_commit(struct famfs_fs *fs, struct famfs_staged *st);

/**
 * famfs_fs_stage_abort() - drop @st: online FAMFSIOC_DELETE of the file,
 * then its memory goes back to the allocator. @st is consumed.
 * Return: 0, or -errno if the file could not be taken out of the mount
 * (it is still not in the log; the next mount drops it).
 */
int famfs_fs_stage_abort(struct famfs_fs *fs, struct famfs_staged *st);

/** famfs_fs_stage_abort_all() - abort every staged create of @fs. */
void famfs_fs_stage_abort_all(struct famfs_fs *fs);

/**
 * famfs_fs_stage_io() - offline data I/O on a staged file, following its
 * map (interleaved files have no contiguous mapping). @wr: write.
 * Return: 0; -EINVAL beyond the size; -EOPNOTSUPP online (use the fd).
 */
int famfs_fs_stage_io(struct famfs_fs *fs, struct famfs_staged *st,
		      uint64_t off, void *buf, size_t len, bool wr);

/** famfs_fs_unmap() - release a mapping returned by famfs_fs_creat. */
void famfs_fs_unmap(struct famfs_fs *fs, uint8_t *map, uint64_t size);

/**
 * famfs_fs_lookup() - the FILE or MKDIR entry that created @relpath
 * (first valid one in the log).
 * Return: 0 (copied to @out), -ENOENT.
 */
int famfs_fs_lookup(struct famfs_fs *fs, const char *relpath,
		    struct famfs_log_entry *out);

/**
 * famfs_fs_write() / famfs_fs_read() - file data I/O following the map
 * (stripe arithmetic for interleaved files). Online uses the mounted file,
 * offline the device mapping. I/O beyond the file size is -EINVAL.
 */
int famfs_fs_write(struct famfs_fs *fs, const char *relpath, uint64_t off,
		   const void *buf, size_t len);
int famfs_fs_read(struct famfs_fs *fs, const char *relpath, uint64_t off,
		  void *buf, size_t len);

/**
 * famfs_fs_clone() - log a new file @dst sharing the map of @src (test
 * tool; creates cross-linked files on purpose, fsck reports them).
 * Return: 0 or errno.
 */
int famfs_fs_clone(struct famfs_fs *fs, const char *src, const char *dst);

/* famfs_fs_rm() flags */
#define FAMFS_RM_RECURSIVE	1U	/* a directory and everything under it */
#define FAMFS_RM_DIR		2U	/* rmdir: only an empty directory */

/**
 * famfs_fs_rm() - delete a file (or a directory) by appending DELETE
 * entries (FORMAT-delete.md); online the kernel drops the name first.
 * Master only; the file system must have the delete feature. Everything is
 * checked before the first entry: a missing path, a non-empty directory
 * without FAMFS_RM_RECURSIVE or too little log room change nothing.
 * @ndeleted: entries deleted (may be NULL).
 */
int famfs_fs_rm(struct famfs_fs *fs, const char *relpath, unsigned int flags,
		uint64_t *ndeleted);

/**
 * famfs_fs_enable_delete() - set FAMFS_FEAT_DELETE (host table first).
 * Master only; offline or online. No-op if already enabled.
 */
int famfs_fs_enable_delete(struct famfs_fs *fs);

/* A host whose heartbeat is younger than this is evicted only by force. */
#define FAMFS_EVICT_QUIET_NS	(60ULL * 1000000000ULL)

/**
 * famfs_fs_evict() - fence the current mount generation of @host (master
 * only): its release mark no longer counts and, when it sees the fence,
 * it shuts its mount down. Refuses this host, a host that is not mounted
 * (-EALREADY) and, without @force, one whose heartbeat is younger than
 * 60 s (-EBUSY). Return: 0 evicted, 1 already evicted, <0 error.
 */
int famfs_fs_evict(struct famfs_fs *fs, const uuid_t host, bool force,
		   struct famfs_fence_rec *out);

/** famfs_fs_ht() - the handle's host table mapping (NULL if not mapped). */
void *famfs_fs_ht(const struct famfs_fs *fs);

/** famfs_fs_alloc_report() - allocation report of the current log. */
int famfs_fs_alloc_report(struct famfs_fs *fs, struct famfs_alloc_report *r);

/* ------------------------------------------------------------------ */
/* fsck (fsck.c)                                                       */

#define FAMFS_FSCK_MAX_PROBLEMS 16

struct famfs_fsck_report {
	int sb_err;			/* famfs_sb_check result */
	int log_err;			/* famfs_log_check result */
	struct famfs_log_scan scan;
	struct famfs_alloc_report alloc;
	uint64_t log_capacity;		/* last_index + 1 */
	uint64_t nbad_entries;		/* BAD in replay of an empty namespace */
	uint64_t nconflicts;		/* of which namespace conflicts */
	uint64_t ncrosslinked;		/* files left unmapped: memory owned by
					 * an earlier file (counted in the
					 * collisions, not in nbad_entries) */
	uint64_t nerrors;		/* total problems; 0 = clean */
	unsigned int nproblems;		/* messages stored (<= MAX) */
	char problems[FAMFS_FSCK_MAX_PROBLEMS][200];
	/* Delete feature (famfs_fsck_ht()). */
	bool delete_enabled;
	bool ht_checked;		/* a host table was given and read */
	int ht_err;			/* famfs_ht_check result */
};

/**
 * famfs_fsck() - check superblock, log header, entries (torn entries are
 * errors), allocation (collisions, bad maps) and namespace conflicts.
 * @sb, @log: the mapped metadata (log may be NULL if the sb is bad).
 * @dev_size: size of the device or of the .meta/.superblock's device.
 *
 * Return: 0 clean, 1 corruption found (see @r), <0 could not check.
 */
int famfs_fsck(const struct famfs_superblock *sb, const struct famfs_log *log,
	       uint64_t dev_size, struct famfs_fsck_report *r);

/**
 * famfs_fsck_ht() - famfs_fsck() that also checks the host table @ht of a
 * file system with the delete feature (a damaged header is an error) and
 * counts the memory of deleted files still held by a host as used
 * (@r->alloc.npending). @ht NULL: the table is not checked and all deleted
 * memory counts as held.
 */
int famfs_fsck_ht(const struct famfs_superblock *sb, const struct famfs_log *log,
		  const void *ht, uint64_t dev_size, struct famfs_fsck_report *r);

/*
 * Log repair (repair.c): truncate the log to its longest valid prefix.
 * Entries are never rewritten or reordered; the header is made to say
 * what a reader already sees (next_index = next_seqnum = valid entries),
 * which both this project's and the upstream tools accept, and the slots
 * of the dropped entries are zeroed. File data is never touched.
 */
struct famfs_log_repair {
	bool needed;		/* anything to do at all */
	bool header_rebuilt;	/* magic/len/last_index/CRC were bad */
	bool header_count_bad;	/* next_index beyond the log, or next_seqnum
				 * differing from next_index */
	uint64_t old_next_index;	/* as found (may be garbage) */
	uint64_t old_next_seqnum;
	uint64_t nvalid;	/* the valid prefix: the new next_index */
	uint64_t drop_end;	/* entries [nvalid, drop_end) are dropped */
	uint64_t ndropped;	/* of which hold anything (not all zero) */
	char why[200];		/* the first problem, for messages */
};

/**
 * famfs_log_repair_plan() - what a repair of @log would do.
 * @sb:  a superblock that passed famfs_sb_check() (gives log_len).
 * @log: the log, possibly hostile garbage (only read).
 * Return: 0 (see @r), -EINVAL bad arguments.
 */
int famfs_log_repair_plan(const struct famfs_superblock *sb,
			  const struct famfs_log *log,
			  struct famfs_log_repair *r);

/** famfs_log_entry_is_zero() - is the slot all zero bytes (never used)? */
bool famfs_log_entry_is_zero(const struct famfs_log_entry *e);

/**
 * famfs_log_repair_apply() - carry out a plan on a writable log: rebuild
 * the header's checked part if needed, set next_index and next_seqnum to
 * the valid prefix, flush; then zero the dropped slots and flush. The
 * caller holds the writer lock (famfs_dev_lock) and made sure nothing
 * has the file system mounted here.
 * Return: 0; -EINVAL if @r does not fit @log (replan).
 */
int famfs_log_repair_apply(const struct famfs_superblock *sb,
			   struct famfs_log *log,
			   const struct famfs_log_repair *r);

/* ------------------------------------------------------------------ */
/* Seeded test data (prng.c), spec §9                                  */

struct famfs_prng {
	uint64_t s[2];
};

/** famfs_prng_init() - seed via splitmix64 (seed 0 is used as given). */
void famfs_prng_init(struct famfs_prng *p, uint32_t seed);

/** famfs_prng_next() - next 64-bit xoroshiro128+ output. */
uint64_t famfs_prng_next(struct famfs_prng *p);

/**
 * famfs_prng_fill() - fill @buf with 4-byte little-endian words (low 32
 * bits of each output); a tail < 4 bytes takes leading bytes of one more
 * word. Chunks that are multiples of 4 concatenate to one whole fill.
 */
void famfs_prng_fill(struct famfs_prng *p, void *buf, size_t len);

/**
 * famfs_prng_verify() - compare @buf with the stream; return the index
 * of the first mismatching byte or @len if all match.
 */
size_t famfs_prng_verify(struct famfs_prng *p, const void *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Progress (progress.c)                                               */
/* ------------------------------------------------------------------ */

/**
 * typedef famfs_progress_fn - progress of a long walk over the log.
 * @arg:   the caller's pointer given to famfs_set_progress().
 * @phase: "scan" (famfs_log_scan), "alloc" (famfs_alloc_build) or "plan"
 *         (famfs_replay_plan); famfs_fsck() runs scan, alloc (itself a
 *         scan and a walk) and plan (a scan and a walk).
 * @done:  entries done so far in this walk (starts at 0 for each walk).
 * @total: entries this walk covers.
 */
typedef void (*famfs_progress_fn)(void *arg, const char *phase,
				  uint64_t done, uint64_t total);

/**
 * famfs_set_progress() - call @fn (every few thousand entries) during the
 * walks of this thread; NULL turns it off.
 */
void famfs_set_progress(famfs_progress_fn fn, void *arg);

/**
 * famfs_stats_report() - with FAMFS_REPLAY_STATS=1 in the environment,
 * print to stderr one line "famfs-stats: @what ..." with this thread's
 * replay statistics since the last report (entries, system calls of
 * planning and applying, seconds per phase), then reset them. A
 * diagnostic for benchmarks; the line's fields may change.
 */
void famfs_stats_report(const char *what);

#endif /* LIBFAMFS_H */
