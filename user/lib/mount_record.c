// SPDX-License-Identifier: GPL-2.0
/*
 * Mount records: which fs UUID a famfs mount was made for. Another host may
 * re-format the shared memory under a live mount; comparing the record with
 * the live superblock tells a stale mount from a good one.
 * One file per mount, named <major>:<minor> of the mount's st_dev, holding
 * the fs UUID and the mount's id. A plain umount leaves the file behind; the
 * mount id tells it from the record of the mount now at that st_dev.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "famfs_priv.h"

#define FAMFS_RUN_DIR_DEFAULT "/run/famfs/mounts"

/* Linux 6.8+: a 64-bit mount id never reused until reboot (uapi stat.h). */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

/*
 * The id of the mount holding @mpt: the unique one where the kernel has it,
 * else the reusable STATX_MNT_ID, else 0 (unknown).
 */
static unsigned long long mount_id(const char *mpt)
{
	struct statx stx;

	if (statx(AT_FDCWD, mpt, 0, STATX_MNT_ID_UNIQUE | STATX_MNT_ID, &stx))
		return 0;
	if (stx.stx_mask & (STATX_MNT_ID_UNIQUE | STATX_MNT_ID))
		return stx.stx_mnt_id;
	return 0;
}

static const char *run_dir(void)
{
	const char *d = getenv(FAMFS_RUN_DIR_ENV);

	return d && *d ? d : FAMFS_RUN_DIR_DEFAULT;
}

static int record_path(const char *mpt, char *p, size_t len)
{
	struct stat st;

	if (stat(mpt, &st) < 0)
		return famfs_fail(-errno, "%s: %s", mpt, strerror(errno));
	if ((size_t)snprintf(p, len, "%s/%u:%u", run_dir(), major(st.st_dev),
			     minor(st.st_dev)) >= len)
		return famfs_fail(-ENAMETOOLONG, "%s: run directory path too long",
				  run_dir());
	return 0;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX], *s, c;

	if (strlen(dir) >= sizeof(buf))
		return famfs_fail(-ENAMETOOLONG, "%s: path too long", dir);
	strcpy(buf, dir);
	for (s = buf + 1; ; s++) {
		if (*s && *s != '/')
			continue;
		c = *s;
		*s = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return famfs_fail(-errno, "mkdir %s: %s", buf, strerror(errno));
		*s = c;
		if (!c)
			return 0;
	}
}

/* What a record file holds. */
struct record {
	uuid_t uuid;
	char uuid_text[40];
	bool has_id;
	unsigned long long id;
	bool has_log;		/* "log N CRC": the mount replayed N entries */
	uint64_t log_n;
	uint64_t log_crc;	/* stored CRC of entry N - 1 */
};

/* 1: read, 0: none or unreadable (never evidence of anything), <0 error. */
static int record_read(const char *p, struct record *r)
{
	char text[512], *line, *save;
	ssize_t n;
	int fd;

	memset(r, 0, sizeof(*r));
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* no record (older mount, or /run cleared) */
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return 0;
	text[n] = 0;
	line = strtok_r(text, "\n", &save);
	if (!line || strlen(line) >= sizeof(r->uuid_text) || uuid_parse(line, r->uuid))
		return 0;
	strcpy(r->uuid_text, line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		unsigned long long a, b;

		if (sscanf(line, "mnt_id %llu", &a) == 1) {
			r->has_id = true;
			r->id = a;
		} else if (sscanf(line, "log %llu %llx", &a, &b) == 2) {
			r->has_log = true;
			r->log_n = a;
			r->log_crc = b;
		}
	}
	return 1;
}

static int record_write(const char *p, const struct record *r)
{
	char tmp[PATH_MAX + 16], text[256];
	size_t len;
	ssize_t n;
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", p, (long)getpid());
	uuid_unparse(r->uuid, text);
	strcat(text, "\n");
	if (r->has_id)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "mnt_id %llu\n", r->id);
	if (r->has_log)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "log %llu 0x%llx\n", (unsigned long long)r->log_n,
			 (unsigned long long)r->log_crc);
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return famfs_fail(-errno, "%s: %s", tmp, strerror(errno));
	n = write(fd, text, len);
	if (n != (ssize_t)len || close(fd) < 0) {
		rc = famfs_fail(n < 0 ? -errno : -EIO, "write %s failed", tmp);
		if (n != (ssize_t)len)
			close(fd);
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, p) < 0) {
		rc = famfs_fail(-errno, "rename %s: %s", p, strerror(errno));
		unlink(tmp);
		return rc;
	}
	return 0;
}

int famfs_mount_record_write(const char *mpt, const uuid_t fs_uuid)
{
	char p[PATH_MAX];
	struct record r = { 0 };
	int rc;

	if (!mpt || !fs_uuid || strlen(mpt) >= PATH_MAX)
		return famfs_fail(-EINVAL, "mount record: bad argument");
	r.id = mount_id(mpt);
	r.has_id = r.id != 0;
	memcpy(r.uuid, fs_uuid, sizeof(r.uuid));
	rc = mkdir_p(run_dir());
	if (rc)
		return rc;
	rc = record_path(mpt, p, sizeof(p));
	if (rc)
		return rc;
	return record_write(p, &r);
}

/*
 * The record of @mpt if it belongs to the mount there now; a record left
 * by an earlier mount at this st_dev is removed. 1: @r filled, 0: none.
 */
static int record_current(const char *mpt, char *p, size_t plen, struct record *r)
{
	unsigned long long id;
	int rc;

	rc = record_path(mpt, p, plen);
	if (rc)
		return rc;
	if (record_read(p, r) != 1)
		return 0;
	id = mount_id(mpt);
	if (r->has_id && id && r->id != id) {
		/* left by an earlier mount at this st_dev, unmounted since */
		unlink(p);
		return 0;
	}
	return 1;
}

int famfs_mount_record_check(const char *mpt, const uuid_t live_uuid)
{
	char p[PATH_MAX], live[40];
	struct record r;
	int rc;

	if (!mpt || !live_uuid || strlen(mpt) >= PATH_MAX)
		return famfs_fail(-EINVAL, "mount record: bad argument");
	rc = record_current(mpt, p, sizeof(p), &r);
	if (rc <= 0)
		return rc;
	if (!memcmp(r.uuid, live_uuid, 16))
		return 0;
	uuid_unparse(live_uuid, live);
	return famfs_fail(-ESTALE,
			  "file system was re-formatted: mounted fs uuid %s, the memory now holds %s; unmount and mount again",
			  r.uuid_text, live);
}

int famfs_mount_record_log(const char *mpt, const uuid_t fs_uuid,
			   const struct famfs_log *log, uint64_t nreplayed)
{
	char p[PATH_MAX];
	struct record r;
	int rc;

	if (!mpt || !fs_uuid || !log || strlen(mpt) >= PATH_MAX)
		return famfs_fail(-EINVAL, "mount record: bad argument");
	rc = record_current(mpt, p, sizeof(p), &r);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		/* No record yet (mounted by other tools): start one. */
		memset(&r, 0, sizeof(r));
		memcpy(r.uuid, fs_uuid, sizeof(r.uuid));
		r.id = mount_id(mpt);
		r.has_id = r.id != 0;
		rc = mkdir_p(run_dir());
		if (rc)
			return rc;
	} else if (memcmp(r.uuid, fs_uuid, 16)) {
		return 0;	/* another file system: the uuid check reports it */
	}
	if (r.has_log && r.log_n >= nreplayed)
		return 0;	/* only ever moves forward */
	if (nreplayed == 0)
		return 0;
	r.has_log = true;
	r.log_n = nreplayed;
	r.log_crc = log->entries[nreplayed - 1].crc;
	return record_write(p, &r);
}

int famfs_mount_record_check_log(const char *mpt, const struct famfs_log *log,
				 uint64_t log_len)
{
	struct famfs_log_scan scan;
	char p[PATH_MAX];
	struct record r;
	int rc;

	if (!mpt || !log || strlen(mpt) >= PATH_MAX)
		return famfs_fail(-EINVAL, "mount record: bad argument");
	rc = record_current(mpt, p, sizeof(p), &r);
	if (rc <= 0 || !r.has_log || r.log_n == 0)
		return rc < 0 ? rc : 0;
	if (famfs_log_check(log, log_len) || famfs_log_scan(log, log_len, &scan))
		return famfs_fail(-ESTALE,
				  "the log is unreadable, but this mount replayed %llu entries of it; unmount and mount again (famfs fsck the device)",
				  (unsigned long long)r.log_n);
	return famfs_mount_record_check_scan(mpt, log, &scan);
}

int famfs_mount_record_check_scan(const char *mpt, const struct famfs_log *log,
				  const struct famfs_log_scan *scan)
{
	char p[PATH_MAX];
	struct record r;
	uint64_t crc;
	int rc;

	if (!mpt || !log || !scan || strlen(mpt) >= PATH_MAX)
		return famfs_fail(-EINVAL, "mount record: bad argument");
	rc = record_current(mpt, p, sizeof(p), &r);
	if (rc <= 0 || !r.has_log || r.log_n == 0)
		return rc < 0 ? rc : 0;
	if (scan->nvalid < r.log_n)
		return famfs_fail(-ESTALE,
				  "the log is shorter than what this mount replayed: %llu valid entries now, %llu replayed (truncated by 'famfs fsck --repair'?); files of the dropped entries may be reused: unmount and mount again",
				  (unsigned long long)scan->nvalid,
				  (unsigned long long)r.log_n);
	crc = log->entries[r.log_n - 1].crc;
	if (crc != r.log_crc)
		return famfs_fail(-ESTALE,
				  "log entry %llu changed since this mount replayed it (the log was truncated and written again); unmount and mount again",
				  (unsigned long long)(r.log_n - 1));
	return 0;
}

bool famfs_kernel_has_client_option(void)
{
	return access(FAMFS_CLIENT_PARAM, F_OK) == 0;
}
