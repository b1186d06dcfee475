// SPDX-License-Identifier: GPL-2.0
/*
 * Mount records: which fs UUID a famfs mount was made for. Another host may
 * re-format the shared memory under a live mount; comparing the record with
 * the live superblock tells a stale mount from a good one.
 * One file per mount, named <major>:<minor> of the mount's st_dev.
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
	char p[PATH_MAX], tmp[PATH_MAX + 16], text[40];
	ssize_t n;
	int fd, rc;

	rc = mkdir_p(run_dir());
	if (rc)
		return rc;
	rc = record_path(mpt, p, sizeof(p));
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", p, (long)getpid());
	uuid_unparse(fs_uuid, text);
	strcat(text, "\n");
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
	char p[PATH_MAX], text[64], live[40];
	uuid_t rec;
	ssize_t n;
	int fd, rc;

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
	text[strcspn(text, "\n")] = 0;
	if (uuid_parse(text, rec))
		return 0;	/* unreadable record is not evidence of a re-format */
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
