// SPDX-License-Identifier: GPL-2.0
/* Opening and mapping a famfs device: image file, devdax or pmem. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#include "famfs_priv.h"

static int dax_size(const struct stat *st, const char *path, uint64_t *size)
{
	char sys[128];
	unsigned long long v;
	FILE *f;
	int n;

	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u/size",
		 major(st->st_rdev), minor(st->st_rdev));
	f = fopen(sys, "r");
	if (!f)
		return famfs_fail(-errno, "%s: cannot read %s: %s", path, sys,
				  strerror(errno));
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return famfs_fail(-EINVAL, "%s: unreadable size in %s", path, sys);
	*size = v;
	return 0;
}

static int dev_size(struct famfs_dev *d, const struct stat *st)
{
	if (S_ISREG(st->st_mode)) {
		d->kind = FAMFS_DEV_IMAGE;
		d->size = st->st_size;
		d->rdev = 0;
		return 0;
	}
	if (S_ISCHR(st->st_mode)) {
		d->kind = FAMFS_DEV_DAX;
		d->rdev = st->st_rdev;
		return dax_size(st, d->path, &d->size);
	}
	if (S_ISBLK(st->st_mode)) {
		uint64_t sz;

		d->kind = FAMFS_DEV_PMEM;
		d->rdev = st->st_rdev;
		if (ioctl(d->fd, BLKGETSIZE64, &sz) < 0)
			return famfs_fail(-errno, "%s: BLKGETSIZE64: %s", d->path,
					  strerror(errno));
		d->size = sz;
		/*
		 * pmem goes through the page cache for read(2)/mmap: drop it so
		 * a re-format by another host is seen. Needs CAP_SYS_ADMIN.
		 */
		if (ioctl(d->fd, BLKFLSBUF, 0) < 0 && errno != EACCES &&
		    errno != EPERM && errno != ENOTTY)
			return famfs_fail(-errno, "%s: BLKFLSBUF: %s", d->path,
					  strerror(errno));
		return 0;
	}
	return famfs_fail(-ENODEV,
			  "%s: not a regular file, dax character device or block device",
			  d->path);
}

int famfs_dev_open(const char *path, bool writable, struct famfs_dev *d)
{
	struct stat st;
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *p;
	int rc;

	if (!d)
		return famfs_fail(-EINVAL, "device open: no result");
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (!path)
		return famfs_fail(-EINVAL, "device open: no path");
	if (strlen(path) >= sizeof(d->path))
		return famfs_fail(-ENAMETOOLONG, "device path too long");
	strcpy(d->path, path);
	d->writable = writable;
	/*
	 * Look before opening: opening a FIFO (or a tty) would block or have
	 * side effects. O_NONBLOCK covers the race with a path swapped
	 * between stat and open; fstat below checks the object opened.
	 */
	if (stat(path, &st) < 0)
		return famfs_fail(-errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return famfs_fail(-ENODEV,
				  "%s: a %s, not a regular file, dax character device or block device",
				  path, S_ISFIFO(st.st_mode) ? "FIFO" :
				  S_ISDIR(st.st_mode) ? "directory" :
				  S_ISSOCK(st.st_mode) ? "socket" : "special file");
	d->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK |
		     O_NOCTTY);
	if (d->fd < 0)
		return famfs_fail(-errno, "%s: %s", path, strerror(errno));
	if (fstat(d->fd, &st) < 0) {
		rc = famfs_fail(-errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	rc = dev_size(d, &st);
	if (rc)
		goto fail;
	if (d->size % FAMFS_ALLOC_UNIT) {
		rc = famfs_fail(-EINVAL,
				"%s: size %llu is not a multiple of 2 MiB",
				path, (unsigned long long)d->size);
		goto fail;
	}
	if (d->size < FAMFS_DEV_MIN_SIZE) {
		rc = famfs_fail(-EINVAL,
				"%s: size %llu is too small (need at least %llu: superblock, 8 MiB log, one 2 MiB unit)",
				path, (unsigned long long)d->size,
				(unsigned long long)FAMFS_DEV_MIN_SIZE);
		goto fail;
	}
	if (d->size > SIZE_MAX) {
		rc = famfs_fail(-EFBIG, "%s: too large to map", path);
		goto fail;
	}
	p = mmap(NULL, d->size, prot, MAP_SHARED, d->fd, 0);
	if (p == MAP_FAILED) {
		rc = famfs_fail(-errno, "%s: mmap of %llu bytes: %s", path,
				(unsigned long long)d->size, strerror(errno));
		goto fail;
	}
	d->base = p;
	return 0;
fail:
	close(d->fd);
	d->fd = -1;
	return rc;
}

void famfs_dev_close(struct famfs_dev *d)
{
	if (!d)
		return;
	if (d->base)
		munmap(d->base, d->size);
	if (d->fd >= 0)
		close(d->fd);
	d->base = NULL;
	d->fd = -1;
}

/* Unescape octal \040 style sequences used in mountinfo, in place. */
static void unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = 0;
}

/*
 * Find a famfs mount whose source is the device @rdev. mountinfo's
 * "major:minor" field is the superblock's s_dev (anonymous for famfs), so
 * the source field is stat()ed instead and matched by st_rdev.
 */
static int find_mount(dev_t rdev, char *mpt, size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return famfs_fail(-errno, "/proc/self/mountinfo: %s", strerror(errno));
	while (!found && getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - ");
		char mp[PATH_MAX], fstype[64], src[PATH_MAX];
		struct stat st;

		if (!sep)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		if (sscanf(sep + 3, "%63s %4095s", fstype, src) != 2)
			continue;
		if (strcmp(fstype, "famfs"))
			continue;
		unescape(src);
		unescape(mp);
		if (stat(src, &st) || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) ||
		    st.st_rdev != rdev)
			continue;
		if (strlen(mp) >= len) {
			found = famfs_fail(-ENAMETOOLONG, "mount point too long");
			break;
		}
		strcpy(mpt, mp);
		found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

int famfs_dev_mountpoint(const struct famfs_dev *d, char *mpt, size_t len)
{
	if (!d || !mpt || !len)
		return famfs_fail(-EINVAL, "mountpoint: missing argument");
	if (d->kind == FAMFS_DEV_IMAGE || !d->rdev)
		return 0;
	return find_mount(d->rdev, mpt, len);
}

int famfs_path_mountpoint(const char *devpath, char *mpt, size_t len)
{
	struct stat st;

	if (!devpath || !mpt || !len)
		return famfs_fail(-EINVAL, "mountpoint: missing argument");
	if (stat(devpath, &st) < 0)
		return famfs_fail(-errno, "%s: %s", devpath, strerror(errno));
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return 0;
	return find_mount(st.st_rdev, mpt, len);
}
