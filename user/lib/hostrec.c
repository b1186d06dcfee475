// SPDX-License-Identifier: GPL-2.0
/*
 * This host's record in the host table of a mounted famfs with the delete
 * feature (user/FORMAT-delete.md sections 2 and 4): claimed at mount,
 * updated with the release mark by logplay and every --follow poll, and
 * checked against the master's fence record.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs_priv.h"

/*
 * Map [0, 2 MiB) of the mount through .meta/.superblock: read-write, or
 * read-only (*@ro) where the kernel refuses writes (a client mount of a
 * kernel without host-table support).
 */
static int map_area(const char *mpt, void **out, int *fdp, bool *ro)
{
	char p[PATH_MAX + 32];
	struct stat st;
	void *m;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", mpt, FAMFS_META_SB);
	*ro = false;
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == EROFS) {
		*ro = true;
		fd = open(p, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return famfs_fail(-errno, "%s (for this host's slot in the host table): %s",
				  p, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)FAMFS_SB_AREA_LEN) {
		close(fd);
		return famfs_fail(-EINVAL, "%s is shorter than the 2 MiB superblock area",
				  p);
	}
	m = mmap(NULL, FAMFS_SB_AREA_LEN, *ro ? PROT_READ : PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int rc = famfs_fail(-errno, "mmap %s: %s", p, strerror(errno));

		close(fd);
		return rc;
	}
	*out = m;
	*fdp = fd;
	return 0;
}

int famfs_host_update(const char *mpt, enum famfs_host_op op, uint64_t replayed,
		      uint64_t appended_from, struct famfs_host_status *st)
{
	struct famfs_host_status local;
	struct famfs_superblock *sb;
	struct famfs_host_rec rec, prev;
	struct famfs_fence_rec f;
	const struct famfs_log *log = NULL;
	uint64_t min_tag = UINT64_MAX, now;
	struct famfs_ht_slot *s;
	bool master;
	uuid_t me;
	void *area = NULL, *ht;
	uint32_t slot;
	bool ro;
	int fd = -1, rc;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (!mpt)
		return famfs_fail(-EINVAL, "host record: no mount point");
	rc = map_area(mpt, &area, &fd, &ro);
	if (rc)
		return rc;
	sb = area;
	/* The table's header and records invalidate what they read. */
	famfs_invalidate(sb, sizeof(*sb));
	if (famfs_sb_check(sb, 0)) {
		rc = 0;		/* not a usable superblock: others report it */
		goto out;
	}
	st->enabled = famfs_sb_has_delete(sb);
	rc = famfs_system_uuid(me);
	if (rc)
		goto out;
	master = famfs_sb_is_master(sb, me);
	ht = (uint8_t *)area + FAMFS_HT_OFFSET;
	/*
	 * Every host registers, delete enabled or not, so that enabling it
	 * later knows every mounted host. Without a table (an upstream
	 * mkfs), the master's mount writes an empty one.
	 */
	rc = famfs_ht_check(ht, sb);
	if (rc && (st->enabled || !master || ro || op != FAMFS_HOST_CLAIM)) {
		if (!st->enabled)
			rc = 0;
		goto out;
	}
	if (rc)
		famfs_ht_init(ht, sb);
	if (ro) {
		rc = !st->enabled ? 0 :
		     famfs_fail(-EROFS,
				"%s/%s is read-only on this client mount, so this host cannot write its slot in the host table; a client of a file system with the delete feature needs a kernel that lets root write it; refusing rather than hold memory the master cannot see",
				mpt, FAMFS_META_SB);
		goto out;
	}
	now = famfs_now_ns();
	(void)log;
	if (op != FAMFS_HOST_CLAIM) {
		rc = famfs_kpending(fd, &min_tag, NULL);
		/* A module without FAMFSIOC_PENDING has deleted nothing. */
		if (rc == -ENOTTY && !st->enabled)
			rc = 0;
		if (rc)
			goto out;
	}
	if (op == FAMFS_HOST_CLAIM || famfs_ht_find(ht, me, &slot)) {
		/*
		 * A new mount: nothing deleted before @replayed (the log's
		 * next_index now) is ever instantiated by its replay.
		 */
		memset(&rec, 0, sizeof(rec));
		rec.state = FAMFS_HOST_MOUNTED;
		rec.role = master ? FAMFS_HOST_MASTER : FAMFS_HOST_CLIENT;
		rec.replayed = replayed;
		rec.released = replayed < min_tag ? replayed : min_tag;
		rec.heartbeat = now;
		rec.mounted_at = now;
		rc = famfs_ht_claim(ht, me, &rec, 100, &slot, &prev, &f);
		if (rc)
			goto out;
		st->slot = slot;
		st->rec = rec;
		if (f.state == FAMFS_FENCE_EVICTED && f.mount_gen == prev.mount_gen &&
		    !memcmp(f.host_uuid, me, sizeof(uuid_t))) {
			st->was_evicted = true;
			st->fence = f;
		}
		goto out;
	}
	s = famfs_ht_slot(ht, slot);
	st->slot = slot;
	if (famfs_host_rec_read(s, &rec) || memcmp(rec.host_uuid, me, sizeof(uuid_t))) {
		rc = famfs_fail(-EBADMSG, "host table slot %u of this host is unreadable", slot);
		goto out;
	}
	if (!famfs_fence_rec_read(s, &f) && famfs_host_evicted(&rec, &f)) {
		st->evicted = true;
		st->fence = f;
		st->rec = rec;
		rc = famfs_fail(-ESHUTDOWN,
				"this host (mount generation %llu) was evicted by the master at log index %llu; its mount must shut down (a new mount makes it live again)",
				(unsigned long long)f.mount_gen,
				(unsigned long long)f.log_index);
		goto out;
	}
	if (op == FAMFS_HOST_LEAVE) {
		rec.state = FAMFS_HOST_LEFT;
	} else {
		rec.state = FAMFS_HOST_MOUNTED;
		/* The entries this host just appended are applied here too. */
		if (appended_from != UINT64_MAX && rec.replayed >= appended_from &&
		    replayed > rec.replayed)
			rec.replayed = replayed;
		else if (appended_from == UINT64_MAX && replayed > rec.replayed)
			rec.replayed = replayed;
		rec.released = rec.replayed < min_tag ? rec.replayed : min_tag;
	}
	rec.heartbeat = now;
	rc = famfs_host_rec_write(s, &rec);
	st->rec = rec;
out:
	munmap(area, FAMFS_SB_AREA_LEN);
	close(fd);
	return rc;
}

int famfs_shutdown_mount(const char *mpt)
{
	int fd, rc;

	fd = open(mpt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return famfs_fail(-errno, "%s: %s", mpt, strerror(errno));
	rc = famfs_kshutdown(fd);
	close(fd);
	return rc ? famfs_fail_ctx(rc, "%s", mpt) : 0;
}

int famfs_host_leave_device(const char *devpath, const uuid_t fs_uuid,
			    const uuid_t me, uint64_t mount_gen)
{
	const struct famfs_superblock *sb;
	struct famfs_host_rec rec;
	struct famfs_fence_rec f;
	struct famfs_dev d;
	struct famfs_ht_slot *s;
	char mpt[PATH_MAX];
	uint32_t slot;
	void *ht;
	int rc;

	if (!devpath || !fs_uuid || !me)
		return famfs_fail(-EINVAL, "leave: missing argument");
	rc = famfs_dev_open(devpath, true, &d);
	if (rc)
		return famfs_fail_ctx(rc, "cannot open %s after the unmount", devpath);
	/* Mounted again meanwhile (here): that mount owns the record now. */
	if (famfs_dev_mountpoint(&d, mpt, sizeof(mpt)) == 1) {
		rc = famfs_fail(1, "%s is mounted again", devpath);
		goto out;
	}
	sb = (const struct famfs_superblock *)d.base;
	famfs_invalidate(sb, sizeof(*sb));
	if (famfs_sb_check(sb, d.size) ||
	    memcmp(sb->fs_uuid, fs_uuid, sizeof(uuid_t))) {
		rc = famfs_fail(-ESTALE, "%s no longer holds the file system that was mounted", devpath);
		goto out;
	}
	ht = d.base + FAMFS_HT_OFFSET;
	rc = famfs_ht_check(ht, sb);
	if (rc)
		goto out;
	if (famfs_ht_find(ht, me, &slot)) {
		rc = famfs_fail(1, "this host has no slot in the host table");
		goto out;
	}
	s = famfs_ht_slot(ht, slot);
	if (famfs_host_rec_read(s, &rec) || memcmp(rec.host_uuid, me, sizeof(uuid_t)) ||
	    rec.state != FAMFS_HOST_MOUNTED || rec.mount_gen != mount_gen) {
		rc = famfs_fail(1, "this host's record is not the one of the mount (a newer mount, or no record)");
		goto out;
	}
	if (!famfs_fence_rec_read(s, &f) && famfs_host_evicted(&rec, &f)) {
		rc = famfs_fail(1, "this host was evicted: nothing to mark");
		goto out;
	}
	rec.state = FAMFS_HOST_LEFT;
	rec.heartbeat = famfs_now_ns();
	rc = famfs_host_rec_write(s, &rec);
out:
	famfs_dev_close(&d);
	return rc;
}

int famfs_host_mounted_rec(const char *mpt, struct famfs_host_rec *out,
			   uuid_t fs_uuid)
{
	struct famfs_superblock *sb;
	uint32_t slot;
	void *area, *ht;
	uuid_t me;
	bool ro;
	int fd, rc;

	if (!mpt || !out || !fs_uuid)
		return famfs_fail(-EINVAL, "host record: missing argument");
	rc = famfs_system_uuid_ex(me, false, NULL, NULL, 0);
	if (rc)
		return famfs_fail_ctx(rc, "this host has no system uuid");
	rc = map_area(mpt, &area, &fd, &ro);
	if (rc)
		return rc;
	sb = area;
	famfs_invalidate(sb, sizeof(*sb));
	ht = (uint8_t *)area + FAMFS_HT_OFFSET;
	memcpy(fs_uuid, sb->fs_uuid, sizeof(uuid_t));
	if (famfs_sb_check(sb, 0) || famfs_ht_check(ht, sb))
		rc = famfs_fail(-ENOENT, "%s has no usable host table", mpt);
	else if (famfs_ht_find(ht, me, &slot) ||
		 famfs_host_rec_read(famfs_ht_slot(ht, slot), out) ||
		 memcmp(out->host_uuid, me, sizeof(uuid_t)))
		rc = famfs_fail(-ENOENT, "this host has no record in the host table of %s", mpt);
	munmap(area, FAMFS_SB_AREA_LEN);
	close(fd);
	return rc;
}
