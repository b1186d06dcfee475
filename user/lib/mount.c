// SPDX-License-Identifier: GPL-2.0
/*
 * Mounting: mount(2), the meta files (spec §7) and log replay (applying a
 * plan from replay.c to the mounted namespace).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_priv.h"
#include "stats.h"

int famfs_lookup_mount(void *ctx, const char *relpath)
{
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	struct stat st;

	if (!ctx || !relpath ||
	    (size_t)snprintf(p, sizeof(p), "%s/%s", (const char *)ctx, relpath) >= sizeof(p))
		return -EINVAL;
	if (lstat(p, &st))
		return FAMFS_LOOKUP_ABSENT;
	return S_ISDIR(st.st_mode) ? FAMFS_LOOKUP_DIR : FAMFS_LOOKUP_FILE;
}

static void note(struct famfs_apply_stats *st, const struct famfs_action *a,
		 const char *msg)
{
	if (st->first_error[0])
		return;
	famfs_strfmt(st->first_error, sizeof(st->first_error),
		     "entry %llu (%.80s): %s", (unsigned long long)a->index,
		     a->relpath, msg);
}

/*
 * What mkdir/open(O_CREAT) leave to fix up. Skipping the chown and chmod
 * that change nothing halves the system calls of a replay. @mask is the
 * process umask; special bits (setuid, setgid, sticky) are always set
 * explicitly, since creation may drop them.
 */
static bool needs_chown(const struct famfs_action *a, uid_t uid, gid_t gid)
{
	return a->uid != uid || a->gid != gid;
}

static bool needs_chmod(uint32_t mode, mode_t mask)
{
	return (mode & mask) || (mode & 07000);
}

/*
 * The directory an action's name is created in, kept open across actions:
 * a replay creates names in log order, mostly many in one directory, and
 * mkdirat/openat on it spare the kernel a walk from the root each time.
 */
struct parent_dir {
	int rootfd;
	int fd;			/* of @rel, or -1 */
	char rel[FAMFS_MAX_PATHLEN];
	uid_t uid;		/* what a new name gets: asked once, not per entry */
	gid_t gid;
	mode_t mask;
};

static void parent_drop(struct parent_dir *pd)
{
	if (pd->fd >= 0 && pd->fd != pd->rootfd)
		close(pd->fd);
	pd->fd = -1;
	pd->rel[0] = 0;
}

/* Directory fd for @rel's parent and @rel's last component in @name. */
static int parent_of(struct parent_dir *pd, const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : 0;

	*name = slash ? slash + 1 : rel;
	if (pd->fd >= 0 && strlen(pd->rel) == len && !memcmp(pd->rel, rel, len))
		return pd->fd;
	parent_drop(pd);
	if (!len) {
		pd->fd = pd->rootfd;
		return pd->fd;
	}
	if (len >= sizeof(pd->rel))
		return -ENAMETOOLONG;
	memcpy(pd->rel, rel, len);
	pd->rel[len] = 0;
	famfs_stats_add(FAMFS_STAT_APPLY_CALLS, 1);
	pd->fd = openat(pd->rootfd, pd->rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pd->fd < 0) {
		int rc = -errno;

		pd->rel[0] = 0;
		return rc;
	}
	return pd->fd;
}

static int parent_fail(const char *mpt, const struct famfs_action *a, int rc)
{
	return famfs_fail(rc, "%s/%s: cannot open its directory: %s", mpt,
			  a->relpath, strerror(-rc));
}

static int apply_mkdir(int dfd, const char *name, const char *mpt,
		       const struct famfs_action *a, const struct parent_dir *pd)
{
	struct stat st;
	bool fresh = true;

	famfs_stats_add(FAMFS_STAT_APPLY_CALLS, 1);
	if (mkdirat(dfd, name, a->mode) < 0) {
		famfs_stats_add(FAMFS_STAT_APPLY_CALLS, 1);
		if (errno != EEXIST || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			return famfs_fail(-errno, "mkdir %s/%s: %s", mpt, a->relpath, strerror(errno));
		fresh = false;
	}
	if (!fresh || needs_chown(a, pd->uid, pd->gid)) {
		famfs_stats_add(FAMFS_STAT_APPLY_CALLS, 1);
		if (fchownat(dfd, name, a->uid, a->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return famfs_fail(-errno, "chown %s/%s: %s", mpt, a->relpath, strerror(errno));
	}
	if (!fresh || needs_chmod(a->mode, pd->mask)) {
		famfs_stats_add(FAMFS_STAT_APPLY_CALLS, 1);
		if (fchmodat(dfd, name, a->mode, 0) < 0)
			return famfs_fail(-errno, "chmod %s/%s: %s", mpt, a->relpath, strerror(errno));
	}
	return 0;
}

/* 0: created, 1: a regular file of that name exists already, <0: error. */
static int apply_create(int dfd, const char *name, const char *mpt,
			const struct famfs_action *a, bool client,
			const struct parent_dir *pd)
{
	uint32_t mode = client ? a->mode & ~0222u : a->mode;
	int fd, rc;

	famfs_stats_add(FAMFS_STAT_APPLY_CALLS, 3);	/* open, MAP_CREATE, close */
	fd = openat(dfd, name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		struct stat st;

		/* Someone else (a follower, another logplay) made it meanwhile. */
		if (errno == EEXIST && !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode))
			return 1;
		return famfs_fail(-errno, "create %s/%s: %s", mpt, a->relpath, strerror(errno));
	}
	if ((needs_chown(a, pd->uid, pd->gid) && fchown(fd, a->uid, a->gid) < 0) ||
	    (needs_chmod(mode, pd->mask) && fchmod(fd, mode) < 0)) {
		rc = famfs_fail(-errno, "chown/chmod %s/%s: %s", mpt, a->relpath, strerror(errno));
		goto undo;
	}
	rc = famfs_kmap_v2(fd, FAMFS_REG, a->size, &a->fmap);
	if (rc)
		goto undo;
	close(fd);
	return 0;
undo:
	close(fd);
	unlinkat(dfd, name, 0);
	return rc;
}

/* Does the kernel's map of @fd equal the log map @f of @size bytes? */
static bool kmap_equals(const struct famfs_ioc_get_fmap *k, uint64_t size,
			const struct famfs_log_fmap *f)
{
	uint32_t i;

	if (k->iocmap.fioc_file_size != size || k->iocmap.fioc_ext_type != f->ext_type)
		return false;
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		if (k->iocmap.fioc_nextents != f->count || f->count > FAMFS_MAX_SIMPLE_EXT)
			return false;
		for (i = 0; i < f->count; i++)
			if (k->ikse[i].offset != f->se[i].offset ||
			    k->ikse[i].len != f->se[i].len ||
			    k->ikse[i].devindex != f->se[i].devindex)
				return false;
		return true;
	}
	if (k->iocmap.fioc_niext != 1 || f->count != 1 ||
	    k->ks.ikie.ie_nstrips != f->ie[0].nstrips ||
	    k->ks.ikie.ie_chunk_size != f->ie[0].chunk_size ||
	    f->ie[0].nstrips > FAMFS_MAX_STRIPS)
		return false;
	for (i = 0; i < f->ie[0].nstrips; i++)
		if (k->ks.kie_strips[i].offset != f->ie[0].strips[i].offset ||
		    k->ks.kie_strips[i].len != f->ie[0].strips[i].len)
			return false;
	return true;
}

int famfs_kdelete(int fd, uint64_t tag)
{
	struct famfs_ioc_delete d = { .tag = tag, .flags = 0 };

	if (ioctl(fd, FAMFSIOC_DELETE, &d) < 0) {
		if (errno == ENOTTY)
			return famfs_fail(-EOPNOTSUPP,
					  "this kernel's famfs has no FAMFSIOC_DELETE (needs the delete feature)");
		return famfs_fail(-errno, "FAMFSIOC_DELETE: %s", strerror(errno));
	}
	return 0;
}

int famfs_kpending(int fd, uint64_t *min_tag, uint32_t *count)
{
	struct famfs_ioc_pending pd = { 0 };

	if (ioctl(fd, FAMFSIOC_PENDING, &pd) < 0) {
		if (errno == ENOTTY)
			return famfs_fail(-EOPNOTSUPP,
					  "this kernel's famfs has no FAMFSIOC_PENDING (needs the delete feature)");
		return famfs_fail(-errno, "FAMFSIOC_PENDING: %s", strerror(errno));
	}
	if (min_tag)
		*min_tag = pd.min_tag;
	if (count)
		*count = pd.count;
	return 0;
}

int famfs_kshutdown(int fd)
{
	uint32_t flags = 0;

	if (ioctl(fd, FAMFSIOC_SHUTDOWN, &flags) < 0)
		return famfs_fail(-errno, "FAMFSIOC_SHUTDOWN: %s", strerror(errno));
	return 0;
}

/*
 * Release one deleted file or directory on this host: only if what the
 * mount has at that name is the target (a file with the target's map).
 * 0: removed, 1: nothing there to remove, <0: error.
 */
static int apply_delete(const char *p, const struct famfs_action *a)
{
	struct famfs_ioc_get_fmap k;
	struct stat st;
	int fd, rc;

	if (lstat(p, &st))
		return 1;
	if (a->is_dir != !!S_ISDIR(st.st_mode) || (!a->is_dir && !S_ISREG(st.st_mode)))
		return 1;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
		  (a->is_dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return errno == ENOENT ? 1 : famfs_fail(-errno, "open %s: %s", p, strerror(errno));
	if (!a->is_dir) {
		rc = famfs_kmap_get(fd, &k);
		if (rc || !kmap_equals(&k, a->size, &a->fmap)) {
			close(fd);
			return 1;	/* a later file of that name (or no map) */
		}
	}
	rc = famfs_kdelete(fd, a->index);
	close(fd);
	/*
	 * A directory cannot be told from a later one of the same name: one
	 * that is not empty is the later one (every entry under the target
	 * was deleted before, and those deletes ran first); an empty later
	 * one that goes is made again by its own MKDIR further on.
	 */
	if (rc == -ENOENT || (a->is_dir && rc == -ENOTEMPTY))
		return 1;
	return rc ? famfs_fail_ctx(rc, "%s", p) : 0;
}

int famfs_apply_plan(const char *mpt, const struct famfs_action *acts,
		     size_t n, bool client, struct famfs_apply_stats *st)
{
	struct famfs_apply_stats local;
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	struct parent_dir pd = { .fd = -1 };
	uint64_t t0 = famfs_stats_now();
	const char *name;
	size_t i;
	int rc, dfd;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (!mpt || (!acts && n))
		return famfs_fail(-EINVAL, "apply plan: missing argument");
	pd.rootfd = open(mpt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pd.rootfd < 0)
		return famfs_fail(-errno, "%s: %s", mpt, strerror(errno));
	pd.mask = umask(0);
	umask(pd.mask);
	pd.uid = geteuid();
	pd.gid = getegid();
	for (i = 0; i < n; i++) {
		const struct famfs_action *a = &acts[i];

		switch (a->type) {
		case FAMFS_ACT_EXISTS:
			st->nexisting++;
			continue;
		case FAMFS_ACT_BAD:
			st->nbad++;
			if (a->err == -EADDRINUSE)
				st->ncrosslinked++;
			note(st, a, a->why);
			continue;
		case FAMFS_ACT_MKDIR:
			dfd = parent_of(&pd, a->relpath, &name);
			rc = dfd < 0 ? parent_fail(mpt, a, dfd) :
				       apply_mkdir(dfd, name, mpt, a, &pd);
			if (!rc)
				st->ndirs++;
			break;
		case FAMFS_ACT_DELETE:
			/* Rare; it may remove the cached parent: start afresh. */
			parent_drop(&pd);
			snprintf(p, sizeof(p), "%s/%s", mpt, a->relpath);
			rc = apply_delete(p, a);
			if (rc == 0)
				st->ndeleted++;
			if (rc == 1)
				rc = 0;
			break;
		case FAMFS_ACT_CREATE:
			dfd = parent_of(&pd, a->relpath, &name);
			rc = dfd < 0 ? parent_fail(mpt, a, dfd) :
				       apply_create(dfd, name, mpt, a, client, &pd);
			if (rc == -EADDRINUSE) {
				/*
				 * The kernel found another live file on this
				 * memory (one user space did not know of):
				 * cross-linked, left unmapped, like the plan's.
				 */
				st->nbad++;
				st->ncrosslinked++;
				note(st, a, "cross-linked: the kernel refused the map (EADDRINUSE); left unmapped");
				continue;
			}
			if (rc == 1) {
				st->nexisting++;
				rc = 0;
			} else if (!rc) {
				st->nfiles++;
			}
			break;
		default:
			rc = famfs_fail(-EINVAL, "unknown action %d", a->type);
			break;
		}
		if (rc) {
			st->nerrors++;
			note(st, a, famfs_errmsg());
		}
	}
	parent_drop(&pd);
	close(pd.rootfd);
	famfs_stats_add(FAMFS_STAT_ENTRIES, n);
	famfs_stats_since(FAMFS_STAT_NS_APPLY, t0);
	if (st->nerrors || st->nbad)
		return famfs_fail(-EIO, "log replay: %llu bad entries, %llu failures; first: %s",
				  (unsigned long long)st->nbad,
				  (unsigned long long)st->nerrors, st->first_error);
	return 0;
}

int famfs_logplay(const char *mpt, bool dry, struct famfs_apply_stats *st)
{
	struct famfs_apply_stats local;
	struct famfs_log_scan scan;
	struct famfs_action *acts;
	struct famfs_fs *fs;
	size_t n, i;
	uint64_t t;
	int rc;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (!mpt)
		return famfs_fail(-EINVAL, "logplay: no mount point");
	rc = famfs_fs_open(mpt, false, &fs);
	if (rc)
		return rc;
	rc = famfs_log_scan(fs->log, fs->sb->log_len, &scan);
	if (rc)
		goto out;
	/* A log shorter than what this mount replayed: like a re-format. */
	rc = famfs_mount_record_check_scan(fs->mpt, fs->log, &scan);
	if (rc)
		goto out;
	rc = famfs_replay_plan_n(fs->log, fs->sb->log_len, fs->dev_size,
				 famfs_plan_flags(fs->sb), famfs_lookup_mount,
				 fs->mpt, scan.nvalid, &acts, &n);
	if (rc)
		goto out;
	if (dry) {
		for (i = 0; i < n; i++) {
			switch (acts[i].type) {
			case FAMFS_ACT_MKDIR:
				st->ndirs++;
				break;
			case FAMFS_ACT_CREATE:
				st->nfiles++;
				break;
			case FAMFS_ACT_EXISTS:
				st->nexisting++;
				break;
			case FAMFS_ACT_DELETE:
				st->ndeleted++;
				break;
			default:
				st->nbad++;
				if (acts[i].err == -EADDRINUSE)
					st->ncrosslinked++;
				note(st, &acts[i], acts[i].why);
				break;
			}
		}
		rc = st->nbad ? famfs_fail(-EIO, "log replay: %llu bad entries; first: %s",
					   (unsigned long long)st->nbad, st->first_error) : 0;
	} else {
		rc = famfs_apply_plan(fs->mpt, acts, n, !fs->master, st);
		t = famfs_stats_now();
		/* Best effort: an unprivileged logplay may not write /run. */
		famfs_mount_record_log(fs->mpt, fs->sb->fs_uuid, fs->log, scan.nvalid);
		{
			int rc2 = famfs_host_update(fs->mpt, FAMFS_HOST_UPDATE,
						    scan.nvalid, UINT64_MAX, NULL);

			if (rc2 && rc2 != -ESHUTDOWN && !famfs_sb_has_delete(fs->sb))
				rc2 = 0;	/* best effort before delete is enabled */
			if (rc2 == -ESHUTDOWN) {
				famfs_shutdown_mount(fs->mpt);
				rc = famfs_fail(-ESHUTDOWN,
						"this host was evicted by the master: %s is shut down (mount it again to rejoin)",
						fs->mpt);
			} else if (rc2 && !rc) {
				rc = rc2;
			}
		}
		famfs_stats_since(FAMFS_STAT_NS_RECORD, t);
	}
	free(acts);
out:
	famfs_fs_close(fs);
	return rc;
}

/* Create one meta file mapped with a v1 map; an existing one is kept. */
static int meta_file(const char *mpt, const char *name, uint32_t type,
		     uint64_t off, uint64_t len, uint32_t mode)
{
	char p[PATH_MAX + 32];
	int fd, rc;

	snprintf(p, sizeof(p), "%s/%s", mpt, name);
	fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		return famfs_fail(-errno, "create %s: %s", p, strerror(errno));
	}
	if (fchmod(fd, mode) < 0) {
		rc = famfs_fail(-errno, "chmod %s: %s", p, strerror(errno));
		goto undo;
	}
	rc = famfs_kmap_v1(fd, type, len, off, len);
	if (rc) {
		famfs_fail_ctx(rc, "%s", p);
		goto undo;
	}
	close(fd);
	return 0;
undo:
	close(fd);
	unlink(p);
	return rc;
}

/* Read the superblock through .meta/.superblock. */
static int read_meta_sb(const char *mpt, struct famfs_superblock *sb)
{
	char p[PATH_MAX + 32];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", mpt, FAMFS_META_SB);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return famfs_fail(-errno, "%s: %s", p, strerror(errno));
	n = pread(fd, sb, sizeof(*sb), 0);
	close(fd);
	if (n != (ssize_t)sizeof(*sb))
		return famfs_fail(n < 0 ? -errno : -EIO, "%s: cannot read the superblock", p);
	return 0;
}

int famfs_mkmeta_at(const char *mpt, const struct famfs_superblock *sb,
		    bool client)
{
	struct famfs_superblock local;
	char p[PATH_MAX + 16];
	uuid_t me;
	int rc;

	if (!mpt || strlen(mpt) >= PATH_MAX)
		return famfs_fail(-EINVAL, "mkmeta: bad mount point");
	snprintf(p, sizeof(p), "%s/%s", mpt, FAMFS_META_DIR);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return famfs_fail(-errno, "mkdir %s: %s", p, strerror(errno));
	rc = meta_file(mpt, FAMFS_META_SB, FAMFS_SUPERBLOCK, 0, FAMFS_SB_AREA_LEN, 0444);
	if (rc)
		return rc;
	if (!sb) {
		/* No device access needed: read it back through the meta file. */
		rc = read_meta_sb(mpt, &local);
		if (rc)
			return rc;
		rc = famfs_sb_check(&local, 0);
		if (rc)
			return famfs_fail_ctx(rc, "%s/%s", mpt, FAMFS_META_SB);
		rc = famfs_system_uuid(me);
		if (rc)
			return rc;
		client = !famfs_sb_is_master(&local, me);
		sb = &local;
	}
	return meta_file(mpt, FAMFS_META_LOG, FAMFS_LOG, sb->log_offset, sb->log_len,
			 client ? 0444 : 0644);
}

int famfs_mkmeta(const char *dev)
{
	char mpt[PATH_MAX];
	int rc;

	if (!dev)
		return famfs_fail(-EINVAL, "mkmeta: no device");
	rc = famfs_path_mountpoint(dev, mpt, sizeof(mpt));
	if (rc < 0)
		return rc;
	if (rc == 0)
		return famfs_fail(-ENOENT, "%s is not mounted as famfs", dev);
	return famfs_mkmeta_at(mpt, NULL, false);
}

/* Pre-mount validation through the raw device, when it can be mapped. */
static int precheck(const char *dev, struct famfs_superblock *sb, bool *have)
{
	struct famfs_dev d;
	struct famfs_log *log;
	int rc;

	*have = false;
	rc = famfs_dev_open(dev, false, &d);
	if (rc) {
		struct stat st;

		/* fs-dax devdax refuses raw mmap: validate after mount instead. */
		if (!stat(dev, &st) && S_ISCHR(st.st_mode) && (rc == -ENXIO ||
		    rc == -ENODEV || rc == -EINVAL || rc == -EPERM || rc == -EBUSY))
			return 0;
		return rc;
	}
	rc = famfs_sb_check((struct famfs_superblock *)d.base, d.size);
	if (!rc) {
		memcpy(sb, d.base, sizeof(*sb));
		log = (struct famfs_log *)(d.base + FAMFS_LOG_OFFSET);
		rc = famfs_log_check(log, sb->log_len);
		*have = !rc;
	}
	famfs_dev_close(&d);
	return rc ? famfs_fail_ctx(rc, "%s", dev) : 0;
}

/*
 * "ro" and "rw" (the last one wins, as in mount(8)) are taken out of @opts
 * into @ro: the meta files and the log replay need a writable mount, so a
 * read-only mount is made read-only only once it is set up.
 */
static int take_ro(const char *opts, char *out, size_t len, bool *ro)
{
	char buf[512], *tok, *save = NULL;
	size_t used = 0;

	*ro = false;
	out[0] = '\0';
	if (!opts)
		return 0;
	if (strlen(opts) >= sizeof(buf) || strlen(opts) >= len)
		return -E2BIG;
	strcpy(buf, opts);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "ro") || !strcmp(tok, "rw")) {
			*ro = tok[1] == 'o';
			continue;
		}
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 used ? "," : "", tok);
	}
	return 0;
}

int famfs_mount_ex(const char *dev, const char *mpt, const char *opts,
		   bool dry, struct famfs_apply_stats *st)
{
	struct famfs_host_status hs = { 0 };
	struct famfs_superblock sb;
	char data[512], rest[512], root[PATH_MAX], src[PATH_MAX];
	bool have_sb, client = false, ro;
	bool can_client = famfs_kernel_has_client_option();
	uint64_t t;
	uuid_t me;
	int rc;

	if (st)
		memset(st, 0, sizeof(*st));
	if (!dev || !mpt)
		return famfs_fail(-EINVAL, "mount: no device or mount point");
	t = famfs_stats_now();
	rc = precheck(dev, &sb, &have_sb);
	if (rc)
		return rc;
	if (dry)
		return 0;
	if (take_ro(opts, rest, sizeof(rest), &ro))
		return famfs_fail(-EINVAL, "mount options too long");
	opts = rest;
	if (!realpath(mpt, root))
		return famfs_fail(-errno, "mount point %s: %s", mpt,
				  strerror(errno));
	/* An absolute source lets famfs_path_mountpoint() find it from anywhere. */
	if (!realpath(dev, src))
		return famfs_fail(-errno, "%s: %s", dev, strerror(errno));
	if (have_sb) {
		rc = famfs_system_uuid(me);
		if (rc)
			return rc;
		client = !famfs_sb_is_master(&sb, me);
	}
	/* Only a kernel that knows "client" accepts it (unknown = EINVAL). */
	if ((size_t)snprintf(data, sizeof(data), "dax=always%s%s%s",
			     client && can_client ? ",client" : "",
			     opts && *opts ? "," : "", opts ? opts : "") >= sizeof(data))
		return famfs_fail(-EINVAL, "mount options too long");
	rc = famfs_kernel_mount(src, root, data, client);
	if (rc)
		return rc;
	if (have_sb) {
		rc = famfs_mkmeta_at(root, &sb, client);
	} else {
		/* devdax in fs-dax mode: the superblock is only readable now. */
		rc = famfs_mkmeta_at(root, NULL, false);
		if (!rc)
			rc = read_meta_sb(root, &sb);
		if (!rc)
			rc = famfs_system_uuid(me);
		if (!rc && !famfs_sb_is_master(&sb, me) && can_client)
			rc = famfs_mount_make_client(root, data);
	}
	if (!rc)
		rc = famfs_mount_record_write(root, sb.fs_uuid);
	if (!rc) {
		/* This host's slot, before it maps anything. */
		struct famfs_fs *fs;
		uint64_t n0 = 0;

		if (!famfs_fs_open(root, false, &fs)) {
			n0 = fs->log->next_index;
			famfs_fs_close(fs);
		}
		rc = famfs_host_update(root, FAMFS_HOST_CLAIM, n0, UINT64_MAX, &hs);
		if (rc && !famfs_sb_has_delete(&sb))
			rc = 0;	/* nothing is deleted yet: registration is best effort */
		else if (rc)
			famfs_fail_ctx(rc, "cannot claim this host's slot in the host table");
	}
	famfs_stats_since(FAMFS_STAT_NS_MOUNT, t);
	if (rc)
		goto undo;
	rc = famfs_logplay(root, false, st);
	famfs_stats_report("mount");
	if (st && hs.was_evicted) {
		st->was_evicted = true;
		st->evicted_at = hs.fence.evicted_at;
		st->evicted_gen = hs.fence.mount_gen;
	}
	if (rc && rc != -EIO)
		goto undo;
	if (ro) {
		int rc2 = famfs_mount_set_rdonly(root);

		if (rc2) {
			rc = rc2;
			goto undo;
		}
	}
	return rc;	/* -EIO: mounted; bad entries reported, the rest usable */
undo:
	famfs_fail_ctx(rc, "mount %s", dev);
	umount2(root, 0);
	return rc;
}

int famfs_mount(const char *dev, const char *mpt, const char *opts, bool dry)
{
	return famfs_mount_ex(dev, mpt, opts, dry, NULL);
}
