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

int famfs_mount_record_write(const char *mpt, const uuid_t fs_uuid)
{
	char p[PATH_MAX], tmp[PATH_MAX + 16], text[80];
	unsigned long long id;
	ssize_t n;
	int fd, rc;

	if (!mpt || !fs_uuid || strlen(mpt) >= PATH_MAX)
		return famfs_fail(-EINVAL, "mount record: bad argument");
	id = mount_id(mpt);
	rc = mkdir_p(run_dir());
	if (rc)
		return rc;
	rc = record_path(mpt, p, sizeof(p));
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", p, (long)getpid());
	uuid_unparse(fs_uuid, text);
	strcat(text, "\n");
	if (id)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "mnt_id %llu\n", id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return famfs_fail(-errno, "%s: %s", tmp, strerror(errno));
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text) || close(fd) < 0) {
		rc = famfs_fail(n < 0 ? -errno : -EIO, "write %s failed", tmp);
		if (n != (ssize_t)strlen(text))
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

int famfs_mount_record_check(const char *mpt, const uuid_t live_uuid)
{
	char p[PATH_MAX], text[128], live[40];
	unsigned long long rec_id, id;
	const char *id_line;
	uuid_t rec;
	ssize_t n;
	int fd, rc;

	if (!mpt || !live_uuid || strlen(mpt) >= PATH_MAX)
		return famfs_fail(-EINVAL, "mount record: bad argument");
	rc = record_path(mpt, p, sizeof(p));
	if (rc)
		return rc;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* no record (older mount, or /run cleared): nothing to compare */
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return 0;
	text[n] = 0;
	id_line = strstr(text, "\nmnt_id ");
	text[strcspn(text, "\n")] = 0;
	if (uuid_parse(text, rec))
		return 0;	/* unreadable record is not evidence of a re-format */
	id = mount_id(mpt);
	if (id_line && sscanf(id_line + 1, "mnt_id %llu", &rec_id) == 1 &&
	    id && rec_id != id) {
		/* left by an earlier mount at this st_dev, unmounted since */
		unlink(p);
		return 0;
	}
	if (!memcmp(rec, live_uuid, 16))
		return 0;
	uuid_unparse(live_uuid, live);
	return famfs_fail(-ESTALE,
			  "file system was re-formatted: mounted fs uuid %s, the memory now holds %s; unmount and mount again",
			  text, live);
}

bool famfs_kernel_has_client_option(void)
{
	return access(FAMFS_CLIENT_PARAM, F_OK) == 0;
}
