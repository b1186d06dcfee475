// SPDX-License-Identifier: GPL-2.0
/*
 * Mutations and data access on a file system handle. Online, the kernel
 * must accept a file's map before its log entry is written, so a failure
 * never leaves a logged file without memory; offline only the log changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_priv.h"

int famfs_fs_names(struct famfs_fs *fs)
{
	struct famfs_log_scan scan;
	int rc;

	if (fs->names_built)
		return 0;
	rc = famfs_log_scan(fs->log, fs->sb->log_len, &scan);
	if (rc)
		return rc;
	rc = famfs_nameidx_build(&fs->names, fs->log, scan.nvalid);
	if (rc)
		return rc;
	fs->names_built = true;
	return 0;
}

/* Can this handle change the file system? */
static int may_modify(struct famfs_fs *fs)
{
	struct famfs_log_scan scan;
	char me[37], master[37];

	if (!fs->master) {
		uuid_unparse_lower(fs->me, me);
		uuid_unparse_lower(fs->sb->system_uuid, master);
		return famfs_fail(-EROFS,
				  "client hosts cannot modify the file system; only the master (system uuid %s) can (this host is %s)",
				  master, me);
	}
	if (!fs->write)
		return famfs_fail(-EBADF, "file system handle opened read-only");
	if (famfs_log_check(fs->log, fs->sb->log_len))
		return famfs_fail_ctx(-EBADMSG, "log header damaged; run fsck");
	/* We hold the lock: after one full scan only we append. */
	if (!fs->log_scanned) {
		famfs_log_scan(fs->log, fs->sb->log_len, &scan);
		if (scan.damaged)
			return famfs_fail(-EBADMSG, "log damaged (%s); run fsck",
					  scan.why);
		fs->log_scanned = true;
	}
	if (fs->log->next_index > fs->log->last_index)
		return famfs_fail(-ENOSPC, "log full (%llu entries)",
				  (unsigned long long)(fs->log->last_index + 1));
	return famfs_fs_names(fs);
}

/* Kind of @rel per the log: FAMFS_LOOKUP_*; the root is a directory. */
static int kind_of(struct famfs_fs *fs, const char *rel, size_t len, int64_t *idx)
{
	char buf[FAMFS_MAX_PATHLEN];
	int64_t i;

	if (len == 0)
		return FAMFS_LOOKUP_DIR;
	memcpy(buf, rel, len);
	buf[len] = 0;
	i = famfs_nameidx_get(&fs->names, buf);
	if (idx)
		*idx = i;
	if (i < 0)
		return FAMFS_LOOKUP_ABSENT;
	return fs->log->entries[i].type == FAMFS_LOG_MKDIR ? FAMFS_LOOKUP_DIR :
							     FAMFS_LOOKUP_FILE;
}

static int parent_ok(struct famfs_fs *fs, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	int k;

	if (!slash)
		return 0;
	k = kind_of(fs, rel, slash - rel, NULL);
	if (k == FAMFS_LOOKUP_DIR)
		return 0;
	if (k == FAMFS_LOOKUP_FILE)
		return famfs_fail(-ENOTDIR, "parent of '%s' is a file", rel);
	return famfs_fail(-ENOENT, "parent directory of '%s' does not exist", rel);
}

static int full_path(struct famfs_fs *fs, const char *rel, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", fs->mpt, rel) >= len)
		return famfs_fail(-ENAMETOOLONG, "path too long");
	return 0;
}

static int append(struct famfs_fs *fs, struct famfs_log_entry *e)
{
	int rc = famfs_log_append(fs->log, fs->sb->log_len, e);

	if (rc)
		return rc;
	return famfs_nameidx_add(&fs->names, fs->log->next_index - 1) ?
	       famfs_fail(-ENOMEM, "out of memory") : 0;
}

static int mkdir_one(struct famfs_fs *fs, const char *rel, uint32_t mode,
		     uint32_t uid, uint32_t gid)
{
	struct famfs_log_entry e;
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	bool made = false;
	int rc;

	rc = famfs_entry_mkdir(&e, rel, mode, uid, gid);
	if (rc)
		return rc;
	if (fs->log->next_index > fs->log->last_index)
		return famfs_fail(-ENOSPC, "log full (%llu entries)",
				  (unsigned long long)(fs->log->last_index + 1));
	if (fs->online) {
		struct stat st;

		rc = full_path(fs, rel, p, sizeof(p));
		if (rc)
			return rc;
		if (mkdir(p, mode & 07777) == 0) {
			made = true;
		} else if (errno != EEXIST || lstat(p, &st) || !S_ISDIR(st.st_mode)) {
			return famfs_fail(-errno ? -errno : -EEXIST, "mkdir %s: %s", p,
					  strerror(errno));
		}
		if (chown(p, uid, gid) < 0 || chmod(p, mode & 07777) < 0) {
			rc = famfs_fail(-errno, "chown/chmod %s: %s", p, strerror(errno));
			goto undo;
		}
	}
	rc = append(fs, &e);
	if (!rc)
		return 0;
undo:
	if (made)
		rmdir(p);
	return rc;
}

int famfs_fs_mkdir(struct famfs_fs *fs, const char *relpath, uint32_t mode,
		   uint32_t uid, uint32_t gid, bool parents)
{
	const char *p;
	int rc, k;

	rc = famfs_relpath_check(relpath);
	if (rc)
		return rc;
	rc = may_modify(fs);
	if (rc)
		return rc;
	if (parents) {
		for (p = strchr(relpath, '/'); p; p = strchr(p + 1, '/')) {
			char part[FAMFS_MAX_PATHLEN];

			k = kind_of(fs, relpath, p - relpath, NULL);
			if (k == FAMFS_LOOKUP_DIR)
				continue;
			if (k == FAMFS_LOOKUP_FILE)
				return famfs_fail(-ENOTDIR, "'%.*s' is a file",
						  (int)(p - relpath), relpath);
			memcpy(part, relpath, p - relpath);
			part[p - relpath] = 0;
			rc = mkdir_one(fs, part, mode, uid, gid);
			if (rc)
				return rc;
		}
	}
	k = kind_of(fs, relpath, strlen(relpath), NULL);
	if (k == FAMFS_LOOKUP_DIR && parents)
		return 0;
	if (k != FAMFS_LOOKUP_ABSENT)
		return famfs_fail(-EEXIST, "'%s' already exists", relpath);
	rc = parent_ok(fs, relpath);
	if (rc)
		return rc;
	return mkdir_one(fs, relpath, mode, uid, gid);
}

/* Hand out the file's bytes: a mapping online, the device bytes offline. */
static int give_access(struct famfs_fs *fs, const char *rel,
		       const struct famfs_log_file *f, int fd, int *out_fd,
		       uint8_t **out_map)
{
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	void *m;
	int rc;

	if (out_map)
		*out_map = NULL;
	if (out_fd)
		*out_fd = -1;
	if (!fs->online) {
		if (out_map && f->fmap.ext_type == FAMFS_EXT_SIMPLE && f->fmap.count == 1)
			*out_map = fs->dev.base + f->fmap.se[0].offset;
		return 0;
	}
	if (!out_fd && !out_map) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (fd < 0) {
		rc = full_path(fs, rel, p, sizeof(p));
		if (rc)
			return rc;
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return famfs_fail(-errno, "%s: %s", p, strerror(errno));
	}
	if (out_map && f->size) {
		m = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			rc = famfs_fail(-errno, "mmap %s: %s", rel, strerror(errno));
			close(fd);
			return rc;
		}
		*out_map = m;
	}
	if (out_fd)
		*out_fd = fd;
	else
		close(fd);
	return 0;
}

void famfs_fs_unmap(struct famfs_fs *fs, uint8_t *map, uint64_t size)
{
	if (fs->online && map && size)
		munmap(map, size);
}

/* Online: create the file and give it its memory; undone on failure. */
static int kernel_create(struct famfs_fs *fs, const char *rel,
			 const struct famfs_log_file *f, int *fdp)
{
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	int fd, rc;

	rc = full_path(fs, rel, p, sizeof(p));
	if (rc)
		return rc;
	fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, f->mode & 07777);
	if (fd < 0)
		return famfs_fail(-errno, "create %s: %s", p, strerror(errno));
	if (fchown(fd, f->uid, f->gid) < 0 || fchmod(fd, f->mode & 07777) < 0) {
		rc = famfs_fail(-errno, "chown/chmod %s: %s", p, strerror(errno));
		goto undo;
	}
	rc = famfs_kmap_v2(fd, FAMFS_REG, f->size, &f->fmap);
	if (rc) {
		famfs_fail_ctx(rc, "%s", p);
		goto undo;
	}
	*fdp = fd;
	return 0;
undo:
	close(fd);
	unlink(p);
	return rc;
}

/* Log (and online instantiate) a FILE entry built in @e. */
static int commit_file(struct famfs_fs *fs, const char *rel,
		       struct famfs_log_entry *e, int *fdp)
{
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	int rc;

	*fdp = -1;
	if (fs->online) {
		rc = kernel_create(fs, rel, &e->file, fdp);
		if (rc)
			return rc;
	}
	rc = append(fs, e);
	if (rc && fs->online) {
		close(*fdp);
		*fdp = -1;
		if (!full_path(fs, rel, p, sizeof(p)))
			unlink(p);
	}
	return rc;
}

static int existing_file(struct famfs_fs *fs, const char *rel, uint64_t size,
			 int64_t idx, int *out_fd, uint8_t **out_map)
{
	struct famfs_log_entry copy = fs->log->entries[idx];
	const struct famfs_log_file *f = &copy.file;
	int rc;

	if (f->size != size)
		return famfs_fail(-EEXIST,
				  "'%s' already exists with size %llu (requested %llu)",
				  rel, (unsigned long long)f->size,
				  (unsigned long long)size);
	if (famfs_fmap_check(&f->fmap, f->size, fs->dev_size))
		return famfs_fail_ctx(-EINVAL, "existing '%s' has a bad map", rel);
	rc = give_access(fs, rel, f, -1, out_fd, out_map);
	return rc ? rc : 1;
}

int famfs_fs_creat(struct famfs_fs *fs, const char *relpath, uint64_t size,
		   uint32_t mode, uint32_t uid, uint32_t gid,
		   const struct famfs_interleave *il, int *out_fd,
		   uint8_t **out_map)
{
	struct famfs_log_fmap fmap;
	struct famfs_log_entry e;
	int64_t idx;
	int rc, k, fd;

	if (out_fd)
		*out_fd = -1;
	if (out_map)
		*out_map = NULL;
	rc = famfs_relpath_check(relpath);
	if (rc)
		return rc;
	k = FAMFS_LOOKUP_ABSENT;
	rc = famfs_fs_names(fs);
	if (rc)
		return rc;
	k = kind_of(fs, relpath, strlen(relpath), &idx);
	if (k == FAMFS_LOOKUP_FILE && fs->master && fs->write)
		return existing_file(fs, relpath, size, idx, out_fd, out_map);
	rc = may_modify(fs);
	if (rc)
		return rc;
	if (k == FAMFS_LOOKUP_DIR)
		return famfs_fail(-EEXIST, "'%s' exists and is a directory", relpath);
	rc = parent_ok(fs, relpath);
	if (rc)
		return rc;
	if (!fs->alloc) {
		rc = famfs_alloc_build(&fs->alloc, fs->sb, fs->log, NULL);
		if (rc)
			return rc;
	}
	rc = il ? famfs_alloc_interleaved(fs->alloc, size, il, &fmap) :
		  famfs_alloc_contig(fs->alloc, size, &fmap);
	if (rc)
		return rc;
	rc = famfs_entry_file(&e, relpath, size, mode, uid, gid, &fmap);
	if (!rc)
		rc = commit_file(fs, relpath, &e, &fd);
	if (rc) {
		famfs_alloc_release(fs->alloc, &fmap);
		return rc;
	}
	rc = give_access(fs, relpath, &e.file, fd, out_fd, out_map);
	return rc;
}

int famfs_fs_clone(struct famfs_fs *fs, const char *src, const char *dst)
{
	struct famfs_log_entry e, copy;
	const struct famfs_log_file *f;
	int64_t idx;
	int rc, fd;

	rc = famfs_relpath_check(dst);
	if (rc)
		return rc;
	rc = may_modify(fs);
	if (rc)
		return rc;
	if (kind_of(fs, src, strlen(src), &idx) != FAMFS_LOOKUP_FILE)
		return famfs_fail(-ENOENT, "clone source '%s' is not a file in the log", src);
	if (kind_of(fs, dst, strlen(dst), NULL) != FAMFS_LOOKUP_ABSENT)
		return famfs_fail(-EEXIST, "'%s' already exists", dst);
	rc = parent_ok(fs, dst);
	if (rc)
		return rc;
	copy = fs->log->entries[idx];
	f = &copy.file;
	if (famfs_fmap_check(&f->fmap, f->size, fs->dev_size))
		return famfs_fail_ctx(-EINVAL, "clone source '%s'", src);
	rc = famfs_entry_file(&e, dst, f->size, f->mode, f->uid, f->gid, &f->fmap);
	if (rc)
		return rc;
	rc = commit_file(fs, dst, &e, &fd);
	if (fd >= 0)
		close(fd);
	return rc;
}

int famfs_fs_lookup(struct famfs_fs *fs, const char *relpath,
		    struct famfs_log_entry *out)
{
	int64_t idx;
	int rc;

	rc = famfs_fs_names(fs);
	if (rc)
		return rc;
	idx = famfs_nameidx_get(&fs->names, relpath);
	if (idx < 0)
		return famfs_fail(-ENOENT, "'%s' is not in the log", relpath);
	memcpy(out, &fs->log->entries[idx], sizeof(*out));
	return 0;
}

/* Find a readable/writable FILE entry and check the I/O range. */
static int io_file(struct famfs_fs *fs, const char *rel, uint64_t off,
		   size_t len, struct famfs_log_entry *e)
{
	uint64_t end;
	int rc;

	rc = famfs_fs_lookup(fs, rel, e);
	if (rc)
		return rc;
	if (e->type != FAMFS_LOG_FILE)
		return famfs_fail(-EISDIR, "'%s' is a directory", rel);
	if (famfs_add_overflows(off, len, &end) || end > e->file.size)
		return famfs_fail(-EINVAL, "I/O [%llu, +%zu) beyond the size of '%s' (%llu)",
				  (unsigned long long)off, len, rel,
				  (unsigned long long)e->file.size);
	if (famfs_fmap_check(&e->file.fmap, e->file.size, fs->dev_size))
		return famfs_fail_ctx(-EINVAL, "'%s'", rel);
	return 0;
}

static int online_io(struct famfs_fs *fs, const char *rel, uint64_t off,
		     void *buf, size_t len, bool wr)
{
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	size_t done = 0;
	ssize_t n;
	int fd, rc;

	rc = full_path(fs, rel, p, sizeof(p));
	if (rc)
		return rc;
	fd = open(p, (wr ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return famfs_fail(-errno, "%s: %s", p, strerror(errno));
	while (done < len) {
		n = wr ? pwrite(fd, (char *)buf + done, len - done, off + done) :
			 pread(fd, (char *)buf + done, len - done, off + done);
		if (n <= 0) {
			rc = famfs_fail(n < 0 ? -errno : -EIO, "%s %s: %s",
					wr ? "write" : "read", p,
					n < 0 ? strerror(errno) : "short I/O");
			close(fd);
			return rc;
		}
		done += n;
	}
	close(fd);
	return 0;
}

static int device_io(struct famfs_fs *fs, const struct famfs_log_file *f,
		     uint64_t off, void *buf, size_t len, bool wr)
{
	size_t done = 0;

	while (done < len) {
		uint64_t avail, dev = famfs_fmap_devoff(&f->fmap, off + done, &avail);
		size_t n = len - done < avail ? len - done : avail;

		if (dev == UINT64_MAX || dev + n > fs->dev.size)
			return famfs_fail(-EIO, "offset %llu not mapped",
					  (unsigned long long)(off + done));
		if (wr) {
			memcpy(fs->dev.base + dev, (char *)buf + done, n);
			famfs_flush(fs->dev.base + dev, n);
		} else {
			memcpy((char *)buf + done, fs->dev.base + dev, n);
		}
		done += n;
	}
	return 0;
}

int famfs_fs_write(struct famfs_fs *fs, const char *relpath, uint64_t off,
		   const void *buf, size_t len)
{
	struct famfs_log_entry e;
	int rc;

	if (!fs->write || (!fs->online && !fs->dev.writable))
		return famfs_fail(-EBADF, "file system handle opened read-only");
	rc = io_file(fs, relpath, off, len, &e);
	if (rc)
		return rc;
	if (fs->online)
		return online_io(fs, relpath, off, (void *)buf, len, true);
	return device_io(fs, &e.file, off, (void *)buf, len, true);
}

int famfs_fs_read(struct famfs_fs *fs, const char *relpath, uint64_t off,
		  void *buf, size_t len)
{
	struct famfs_log_entry e;
	int rc;

	rc = io_file(fs, relpath, off, len, &e);
	if (rc)
		return rc;
	if (fs->online)
		return online_io(fs, relpath, off, buf, len, false);
	return device_io(fs, &e.file, off, buf, len, false);
}

int famfs_fs_alloc_report(struct famfs_fs *fs, struct famfs_alloc_report *r)
{
	struct famfs_alloc *a;
	int rc;

	rc = famfs_alloc_build(&a, fs->sb, fs->log, r);
	if (rc)
		return rc;
	famfs_alloc_free(a);
	return 0;
}
