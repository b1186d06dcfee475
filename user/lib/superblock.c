// SPDX-License-Identifier: GPL-2.0
/* Superblock CRC, validation and initialisation (spec §2). */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "famfs_priv.h"

uint64_t famfs_sb_crc(const struct famfs_superblock *sb)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	if (!sb)
		return 0;
	return crc32(crc, (const Bytef *)sb, FAMFS_SB_CRC_LEN);
}

int famfs_log_len_check(uint64_t log_len)
{
	if (log_len < FAMFS_LOG_LEN_MIN)
		return famfs_fail(-EINVAL,
				  "log length %llu is below the minimum of 8 MiB",
				  (unsigned long long)log_len);
	if (!famfs_is_pow2(log_len))
		return famfs_fail(-EINVAL,
				  "log length %llu is not a power of two",
				  (unsigned long long)log_len);
	if (log_len > (1ULL << 40))
		return famfs_fail(-EINVAL, "log length %llu is larger than 1 TiB",
				  (unsigned long long)log_len);
	return 0;
}

int famfs_sb_version_check(uint64_t version)
{
	uint64_t base = version & FAMFS_VERSION_BASE_MASK;
	uint64_t feat = version & ~FAMFS_VERSION_BASE_MASK;

	if (feat & ~FAMFS_FEAT_KNOWN)
		return famfs_fail(-EPROTONOSUPPORT,
				  "superblock version 0x%llx has unknown incompatible feature bits 0x%llx (this famfs knows 0x%llx = delete); a newer famfs made this file system",
				  (unsigned long long)version,
				  (unsigned long long)(feat & ~FAMFS_FEAT_KNOWN),
				  (unsigned long long)FAMFS_FEAT_KNOWN);
	if (base != FAMFS_VERSION && !(base == FAMFS_VERSION_OLD && !feat))
		return famfs_fail(-EPROTONOSUPPORT,
				  "superblock version %llu not compatible (expected %llu)",
				  (unsigned long long)base, FAMFS_VERSION);
	return 0;
}

bool famfs_sb_has_delete(const struct famfs_superblock *sb)
{
	return sb && (sb->version & FAMFS_FEAT_DELETE);
}

int famfs_sb_check(const struct famfs_superblock *sb, uint64_t dev_size)
{
	uint64_t end;
	int rc;

	if (!sb)
		return famfs_fail(-EINVAL, "no superblock");
	if (sb->magic != FAMFS_SB_MAGIC)
		return famfs_fail(-ENODATA,
				  "no famfs superblock (magic 0x%llx, expected 0x%llx)",
				  (unsigned long long)sb->magic, FAMFS_SB_MAGIC);
	rc = famfs_sb_version_check(sb->version);
	if (rc)
		return rc;
	if (sb->crc != famfs_sb_crc(sb))
		return famfs_fail(-EBADMSG,
				  "superblock CRC mismatch (stored 0x%llx, computed 0x%llx)",
				  (unsigned long long)sb->crc,
				  (unsigned long long)famfs_sb_crc(sb));
	if (sb->alloc_unit != FAMFS_ALLOC_UNIT && sb->alloc_unit != 4096)
		return famfs_fail(-EINVAL, "bad allocation unit %llu (expected 2 MiB)",
				  (unsigned long long)sb->alloc_unit);
	if (sb->log_offset != FAMFS_LOG_OFFSET)
		return famfs_fail(-EINVAL, "bad log offset 0x%llx (expected 0x%llx)",
				  (unsigned long long)sb->log_offset, FAMFS_LOG_OFFSET);
	rc = famfs_log_len_check(sb->log_len);
	if (rc)
		return famfs_fail_ctx(rc, "superblock");
	if (famfs_add_overflows(sb->log_offset, sb->log_len, &end) ||
	    (dev_size && end > dev_size))
		return famfs_fail(-EINVAL,
				  "log [0x%llx, +0x%llx) extends beyond the device (%llu bytes)",
				  (unsigned long long)sb->log_offset,
				  (unsigned long long)sb->log_len,
				  (unsigned long long)dev_size);
	if (sb->omf_major != FAMFS_OMF_MAJOR || sb->omf_minor != FAMFS_OMF_MINOR)
		return famfs_fail(-EINVAL,
				  "on-media format %u.%u not supported (expected %u.%u)",
				  sb->omf_major, sb->omf_minor, FAMFS_OMF_MAJOR,
				  FAMFS_OMF_MINOR);
	return 0;
}

void famfs_sb_init(struct famfs_superblock *sb, uint64_t dev_size,
		   uint64_t log_len, const uuid_t system_uuid,
		   const char *devname)
{
	if (!sb)
		return;
	memset(sb, 0, sizeof(*sb));
	sb->magic = FAMFS_SB_MAGIC;
	sb->version = FAMFS_VERSION;
	sb->log_offset = FAMFS_LOG_OFFSET;
	sb->log_len = log_len;
	sb->alloc_unit = FAMFS_ALLOC_UNIT;
	sb->omf_major = FAMFS_OMF_MAJOR;
	sb->omf_minor = FAMFS_OMF_MINOR;
	uuid_generate(sb->fs_uuid);
	uuid_generate(sb->dev_uuid);
	if (system_uuid)
		memcpy(sb->system_uuid, system_uuid, sizeof(sb->system_uuid));
	sb->dev_size = dev_size;
	/* Like upstream: up to 64 bytes, no NUL when exactly 64 long. */
	if (devname)
		memcpy(sb->dev_name, devname,
		       strnlen(devname, sizeof(sb->dev_name)));
	sb->crc = famfs_sb_crc(sb);
}
