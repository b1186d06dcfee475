// SPDX-License-Identifier: GPL-2.0
/*
 * Opening a famfs: online through the meta files of a mount, or offline
 * through the device itself. Both give the same handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flush.h"
#include "fs_priv.h"

static struct famfs_fs *fs_alloc(void)
{
	struct famfs_fs *fs = calloc(1, sizeof(*fs));

	if (fs) {
		fs->sb_fd = -1;
		fs->log_fd = -1;
		fs->dev.fd = -1;
	}
	return fs;
}

void famfs_fs_close(struct famfs_fs *fs)
{
	if (!fs)
		return;
	/* A create nobody committed never reaches the log. */
	famfs_fs_stage_abort_all(fs);
	famfs_alloc_free(fs->alloc);
	famfs_nameidx_free(&fs->names);
	famfs_units_free(fs->owned);
	free(fs->live);
	free(fs->dead);
	if (fs->online) {
		if (fs->sb) {
			famfs_flush_forget_map(fs->sb);
			munmap(fs->sb, fs->sb_map_len);
		}
		if (fs->log) {
			famfs_flush_forget_map(fs->log);
			munmap(fs->log, fs->log_map_len);
		}
	}
	if (fs->sb_fd >= 0)
		close(fs->sb_fd);
	if (fs->log_fd >= 0)
		close(fs->log_fd);	/* drops the flock */
	famfs_dev_close(&fs->dev);	/* drops the flock */
	free(fs);
}

/* Validate superblock and log; common to both kinds of handles. */
static int fs_check(struct famfs_fs *fs)
{
	int rc;

	rc = famfs_sb_check(fs->sb, fs->dev_size);
	if (rc)
		return rc;
	if (fs->sb->dev_size > fs->dev_size || fs->sb->dev_size <=
	    FAMFS_LOG_OFFSET + fs->sb->log_len)
		return famfs_fail(-EINVAL,
				  "superblock dev_size %llu does not fit the device (%llu bytes)",
				  (unsigned long long)fs->sb->dev_size,
				  (unsigned long long)fs->dev_size);
	rc = famfs_log_check(fs->log, fs->sb->log_len);
	if (rc)
		return rc;
	rc = famfs_system_uuid(fs->me);
	if (rc)
		return rc;
	fs->master = famfs_sb_is_master(fs->sb, fs->me);
	return 0;
}

/* Is @dir a famfs mount root? Opens .meta/.log and probes it. */
static int is_root(const char *dir)
{
	char p[PATH_MAX + 16];
	int fd, yes;

	snprintf(p, sizeof(p), "%s/%s", strcmp(dir, "/") ? dir : "", FAMFS_META_LOG);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	yes = famfs_is_famfs_fd(fd);
	close(fd);
	return yes;
}

static int find_root(const char *path, char *root)
{
	char buf[PATH_MAX];
	char *slash;

	if (!realpath(path, buf))
		return famfs_fail(-errno, "%s: %s", path, strerror(errno));
	for (;;) {
		if (is_root(buf)) {
			strcpy(root, buf);
			return 0;
		}
		if (!strcmp(buf, "/"))
			break;
		slash = strrchr(buf, '/');
		if (slash == buf)
			slash[1] = 0;
		else
			*slash = 0;
	}
	return famfs_fail(-ENOENT,
			  "%s is not inside a famfs mount (no .meta/.log found above it)",
			  path);
}

static int map_meta(struct famfs_fs *fs, const char *name, bool rw, int *fdp,
		    void **map, size_t *len)
{
	char p[PATH_MAX + 32];
	struct stat st;
	void *m;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", fs->mpt, name);
	fd = open(p, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return famfs_fail(-errno, "%s: %s", p, strerror(errno));
	*fdp = fd;
	if (fstat(fd, &st) < 0)
		return famfs_fail(-errno, "%s: %s", p, strerror(errno));
	if (st.st_size < (off_t)sizeof(struct famfs_superblock))
		return famfs_fail(-EINVAL, "%s: too small (%lld bytes)", p,
				  (long long)st.st_size);
	m = mmap(NULL, st.st_size, PROT_READ | (rw ? PROT_WRITE : 0), MAP_SHARED,
		 fd, 0);
	if (m == MAP_FAILED)
		return famfs_fail(-errno, "%s: mmap: %s", p, strerror(errno));
	famfs_flush_note_map(fd, m, st.st_size);
	*map = m;
	*len = st.st_size;
	return 0;
}

int famfs_fs_open(const char *path_in_mount, bool write, struct famfs_fs **out)
{
	struct famfs_fs *fs;
	void *m;
	int rc;

	if (!out)
		return famfs_fail(-EINVAL, "open: no result");
	*out = NULL;
	if (!path_in_mount)
		return famfs_fail(-EINVAL, "open: no path");
	fs = fs_alloc();
	if (!fs)
		return famfs_fail(-ENOMEM, "out of memory");
	fs->online = true;
	rc = find_root(path_in_mount, fs->mpt);
	if (rc)
		goto fail;
	rc = map_meta(fs, FAMFS_META_SB, false, &fs->sb_fd, &m, &fs->sb_map_len);
	if (rc)
		goto fail;
	fs->sb = m;
	fs->dev_size = fs->sb->dev_size;
	if (fs->sb->magic == FAMFS_SB_MAGIC) {
		/* The meta file maps the live memory: was it re-formatted? */
		rc = famfs_mount_record_check(fs->mpt, fs->sb->fs_uuid);
		if (rc)
			goto fail;
		if (famfs_system_uuid(fs->me) == 0)
			fs->master = famfs_sb_is_master(fs->sb, fs->me);
	}
	rc = map_meta(fs, FAMFS_META_LOG, write && fs->master, &fs->log_fd, &m,
		      &fs->log_map_len);
	if (rc)
		goto fail;
	fs->log = m;
	rc = fs_check(fs);
	if (rc)
		goto fail;
	if (fs->log_map_len < fs->sb->log_len) {
		rc = famfs_fail(-EINVAL, "%s/%s is shorter than the log (%zu < %llu)",
				fs->mpt, FAMFS_META_LOG, fs->log_map_len,
				(unsigned long long)fs->sb->log_len);
		goto fail;
	}
	fs->write = write;
	if (write && fs->master && flock(fs->log_fd, LOCK_EX) < 0) {
		rc = famfs_fail(-errno, "flock %s/%s: %s", fs->mpt, FAMFS_META_LOG,
				strerror(errno));
		goto fail;
	}
	*out = fs;
	return 0;
fail:
	if (rc)
		famfs_fail_ctx(rc, "%s", fs->mpt[0] ? fs->mpt : path_in_mount);
	famfs_fs_close(fs);
	return rc;
}

int famfs_fs_open_device(const char *dev, bool write, struct famfs_fs **out)
{
	char mpt[PATH_MAX];
	struct famfs_fs *fs;
	int rc;

	if (!out)
		return famfs_fail(-EINVAL, "open: no result");
	*out = NULL;
	if (!dev)
		return famfs_fail(-EINVAL, "open: no device");
	fs = fs_alloc();
	if (!fs)
		return famfs_fail(-ENOMEM, "out of memory");
	rc = famfs_dev_open(dev, write, &fs->dev);
	if (rc)
		goto fail;
	rc = famfs_dev_mountpoint(&fs->dev, mpt, sizeof(mpt));
	if (rc > 0)
		rc = famfs_fail(-EBUSY, "%s is mounted at %s; use the mount instead",
				dev, mpt);
	if (rc)
		goto fail;
	fs->dev_size = fs->dev.size;
	fs->sb = (struct famfs_superblock *)fs->dev.base;
	fs->log = (struct famfs_log *)(fs->dev.base + FAMFS_LOG_OFFSET);
	/*
	 * Writers wait for the lock first and check the metadata after: a
	 * writer or mkfs that held it may have changed everything.
	 */
	if (write) {
		rc = famfs_dev_lock(&fs->dev, -1);
		if (rc)
			goto fail;
	}
	rc = fs_check(fs);
	if (rc)
		goto fail;
	fs->write = write;
	*out = fs;
	return 0;
fail:
	famfs_fs_close(fs);
	return rc;
}

const struct famfs_superblock *famfs_fs_sb(const struct famfs_fs *fs)
{
	return fs ? fs->sb : NULL;
}

const struct famfs_log *famfs_fs_log(const struct famfs_fs *fs)
{
	return fs ? fs->log : NULL;
}

bool famfs_fs_is_master(const struct famfs_fs *fs)
{
	return fs && fs->master;
}

const char *famfs_fs_mountpoint(const struct famfs_fs *fs)
{
	return fs && fs->online ? fs->mpt : NULL;
}

uint64_t famfs_fs_dev_size(const struct famfs_fs *fs)
{
	return fs ? fs->dev_size : 0;
}

static int rel_of(const struct famfs_fs *fs, const char *abs, char *rel, size_t len)
{
	size_t n = strlen(fs->mpt);
	const char *r;

	if (!strcmp(fs->mpt, "/"))
		n = 0;
	if (strncmp(abs, fs->mpt, n) || (abs[n] && abs[n] != '/'))
		return famfs_fail(-EXDEV, "%s is outside the famfs mount %s", abs, fs->mpt);
	r = abs + n;
	while (*r == '/')
		r++;
	if (strlen(r) >= len)
		return famfs_fail(-ENAMETOOLONG, "path '%s' too long", r);
	strcpy(rel, r);
	return 0;
}

int famfs_fs_relpath(const struct famfs_fs *fs, const char *path, char *rel,
		     size_t len)
{
	char buf[PATH_MAX], dir[PATH_MAX], *slash;
	const char *base;
	int rc;

	if (!fs || !path || !rel || !len)
		return famfs_fail(-EINVAL, "relpath: missing argument");
	if (!fs->online) {
		while (*path == '/')
			path++;
		if (strlen(path) >= len)
			return famfs_fail(-ENAMETOOLONG, "path '%s' too long", path);
		strcpy(rel, path);
		return rel[0] ? famfs_relpath_check(rel) : 0;
	}
	if (realpath(path, buf)) {
		rc = rel_of(fs, buf, rel, len);
	} else {
		/* The last component may not exist yet: resolve its parent. */
		if (strlen(path) >= sizeof(dir))
			return famfs_fail(-ENAMETOOLONG, "path too long");
		strcpy(dir, path);
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = 0;
			base = slash + 1;
			if (!dir[0])
				strcpy(dir, "/");
		} else {
			base = path;
			strcpy(dir, ".");
		}
		if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
			return famfs_fail(-EINVAL, "bad path '%s'", path);
		if (!realpath(dir, buf))
			return famfs_fail(-errno, "%s: %s", dir, strerror(errno));
		if (strlen(buf) + 1 + strlen(base) >= sizeof(buf))
			return famfs_fail(-ENAMETOOLONG, "path too long");
		if (strcmp(buf, "/"))
			strcat(buf, "/");
		strcat(buf, base);
		rc = rel_of(fs, buf, rel, len);
	}
	if (rc)
		return rc;
	return rel[0] ? famfs_relpath_check(rel) : 0;
}
