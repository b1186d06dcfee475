// SPDX-License-Identifier: GPL-2.0
/* Host roles: the system UUID file and master detection (spec §8). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs_priv.h"

static int mkdir_p(char *dir)
{
	char *p;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int create_uuid_file(const char *path, uuid_t out)
{
	char dir[PATH_MAX], text[40], tmp[PATH_MAX + 16];
	char *slash;
	int fd, rc;

	if (strlen(path) >= sizeof(dir))
		return famfs_fail(-ENAMETOOLONG, "system uuid path too long");
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		rc = mkdir_p(dir);
		if (rc)
			return famfs_fail(rc, "cannot create %s: %s", dir, strerror(-rc));
	}
	uuid_generate(out);
	uuid_unparse_lower(out, text);
	strcat(text, "\n");
	/* Write a temp file and link it in, so concurrent first users agree. */
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return famfs_fail(-errno, "cannot create %s: %s", tmp, strerror(errno));
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd)) {
		rc = errno ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		return famfs_fail(rc, "cannot write %s", tmp);
	}
	close(fd);
	rc = link(tmp, path) ? -errno : 0;
	unlink(tmp);
	if (rc == -EEXIST)
		return 1;	/* someone else won: read theirs */
	if (rc)
		return famfs_fail(rc, "cannot create %s: %s", path, strerror(-rc));
	return 0;
}

static int read_uuid_file(const char *path, uuid_t out)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return famfs_fail(-EIO, "%s: read failed", path);
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
			 buf[n - 1] == ' '))
		buf[--n] = 0;
	if (n != 36 || uuid_parse(buf, out))
		return famfs_fail(-EINVAL,
				  "%s: malformed system uuid (expected 36-character UUID text)",
				  path);
	return 0;
}

/* The identity files in lookup order; returns how many (1 or 2). */
static int uuid_paths(char paths[2][PATH_MAX])
{
	const char *env = getenv(FAMFS_SYSTEM_UUID_ENV);
	const char *root = getenv(FAMFS_SYSTEM_UUID_ROOT_ENV);

	if (env && *env) {
		snprintf(paths[0], PATH_MAX, "%s", env);
		return 1;
	}
	if (!root)
		root = "";
	snprintf(paths[0], PATH_MAX, "%s%s", root, FAMFS_SYSTEM_UUID_FILE_DEFAULT);
	snprintf(paths[1], PATH_MAX, "%s%s", root, FAMFS_SYSTEM_UUID_FILE_UPSTREAM);
	return 2;
}

int famfs_system_uuid_ex(uuid_t out, bool create, bool *created, char *path,
			 size_t len)
{
	char paths[2][PATH_MAX];
	int i, n, rc;

	if (created)
		*created = false;
	if (!out)
		return famfs_fail(-EINVAL, "system uuid: no result");
	n = uuid_paths(paths);
	for (i = 0; i < n; i++) {
		rc = read_uuid_file(paths[i], out);
		if (rc == -ENOENT)
			continue;
		if (path)
			snprintf(path, len, "%s", paths[i]);
		if (rc && rc != -EINVAL && rc != -EIO)
			return famfs_fail(rc, "%s: %s", paths[i], strerror(-rc));
		return rc;
	}
	if (path)
		snprintf(path, len, "%s", paths[0]);
	if (!create)
		return famfs_fail(-ENOENT, "this host has no system uuid yet (%s)",
				  paths[0]);
	rc = create_uuid_file(paths[0], out);
	if (rc == 1)
		return read_uuid_file(paths[0], out);
	if (rc == 0 && created)
		*created = true;
	return rc;
}

int famfs_system_uuid(uuid_t out)
{
	return famfs_system_uuid_ex(out, true, NULL, NULL, 0);
}

bool famfs_sb_is_master(const struct famfs_superblock *sb, const uuid_t me)
{
	return sb && me && memcmp(sb->system_uuid, me, sizeof(sb->system_uuid)) == 0;
}
