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

#include "flush.h"
#include "fs_priv.h"

void *famfs_fs_ht(const struct famfs_fs *fs)
{
	if (!fs->online)
		return fs->dev.base + FAMFS_HT_OFFSET;	/* the device is larger */
	return famfs_ht_of(fs->sb, fs->sb_map_len);
}

static int fs_live(struct famfs_fs *fs);

int famfs_fs_scan(struct famfs_fs *fs, struct famfs_log_scan *s)
{
	int rc;

	rc = famfs_log_scan_from(fs->log, fs->sb->log_len, fs->log_checked, s);
	/* A header that shrank shrinks what the next scan may skip. */
	fs->log_checked = rc ? 0 : s->nvalid;
	return rc;
}

int famfs_fs_names(struct famfs_fs *fs)
{
	struct famfs_log_scan scan;
	int rc;

	if (fs->names_built)
		return 0;
	if (famfs_sb_has_delete(fs->sb)) {
		/* Deleted entries have no name: the live set says which. */
		fs->live_built = false;
		rc = fs_live(fs);
		if (rc)
			return rc;
	}
	rc = famfs_fs_scan(fs, &scan);
	if (rc)
		return rc;
	if (fs->dead && fs->dead_n < scan.nvalid)
		return famfs_fail(-EAGAIN, "the log grew while it was read; try again");
	rc = famfs_nameidx_build(&fs->names, fs->log, scan.nvalid, fs->dead);
	if (rc)
		return rc;
	fs->names_built = true;
	return 0;
}

static int live_grow(struct famfs_fs *fs, uint64_t index)
{
	uint64_t cap = fs->live_cap, *n;

	if (index < cap)
		return 0;
	while (cap <= index)
		cap = cap ? cap * 2 : 1024;
	n = realloc(fs->live, cap / 8);
	if (!n)
		return famfs_fail(-ENOMEM, "out of memory");
	memset((uint8_t *)n + fs->live_cap / 8, 0, (cap - fs->live_cap) / 8);
	fs->live = n;
	fs->live_cap = cap;
	return 0;
}

static void live_set(struct famfs_fs *fs, uint64_t index)
{
	fs->live[index / 64] |= 1ULL << (index % 64);
}

/*
 * Which FILE entries are live: those a replay on an empty namespace maps
 * (valid map, the first file on its memory, a valid place in the tree).
 * Offline this is the file system; online it is what the log promises.
 */
static int fs_live(struct famfs_fs *fs)
{
	struct famfs_log_scan scan;
	struct famfs_action *acts;
	uint64_t floor = 0;
	size_t n, i;
	void *ht;
	int rc;

	if (fs->live_built)
		return 0;
	ht = famfs_fs_ht(fs);
	if (famfs_sb_has_delete(fs->sb))
		floor = famfs_alloc_floor(fs->sb, ht);
	fs->floor = floor;
	fs->floor_read = true;
	rc = famfs_fs_scan(fs, &scan);
	if (!rc)
		rc = famfs_replay_plan_n(fs->log, fs->sb->log_len, fs->dev_size,
					 famfs_plan_flags(fs->sb),
					 famfs_lookup_empty, NULL, scan.nvalid,
					 &acts, &n);
	if (rc)
		return rc;
	/* Start from nothing, also after an earlier attempt ran out of memory. */
	famfs_units_free(fs->owned);
	fs->owned = NULL;
	if (fs->live)
		memset(fs->live, 0, fs->live_cap / 8);
	rc = famfs_units_new(&fs->owned, fs->dev_size);
	free(fs->dead);
	fs->dead_n = n ? acts[n - 1].index + 1 : 0;
	if (fs->log->next_index > fs->dead_n)
		fs->dead_n = fs->log->next_index;
	fs->dead = calloc(fs->dead_n / 64 + 1, sizeof(uint64_t));
	if (!fs->dead && !rc)
		rc = famfs_fail(-ENOMEM, "out of memory");
	for (i = 0; i < n && !rc; i++) {
		if ((acts[i].type == FAMFS_ACT_CREATE ||
		     acts[i].type == FAMFS_ACT_MKDIR) && acts[i].deleted) {
			fs->dead[acts[i].index / 64] |= 1ULL << (acts[i].index % 64);
			/* Pending release: nobody may get this memory yet. */
			if (acts[i].type == FAMFS_ACT_CREATE &&
			    acts[i].deleted_by >= floor)
				famfs_units_add(fs->owned, &acts[i].fmap);
			continue;
		}
		if (acts[i].type == FAMFS_ACT_MKDIR) {
			/* Live directories too (rm walks them). */
			rc = live_grow(fs, acts[i].index);
			if (!rc)
				live_set(fs, acts[i].index);
			continue;
		}
		if (acts[i].type != FAMFS_ACT_CREATE)
			continue;
		rc = live_grow(fs, acts[i].index);
		if (rc)
			break;
		live_set(fs, acts[i].index);
		famfs_units_add(fs->owned, &acts[i].fmap);
	}
	free(acts);
	if (rc)
		return rc;
	fs->live_built = true;
	return 0;
}

static bool is_live(const struct famfs_fs *fs, int64_t index)
{
	return index >= 0 && (uint64_t)index < fs->live_cap &&
	       (fs->live[index / 64] & (1ULL << (index % 64)));
}

/*
 * May the map of FILE entry @idx (a private copy in @f) be used for I/O or
 * reuse? famfs_map_check() proves it is inside the device and outside the
 * superblock and log; the live set proves no other file owns its memory.
 */
static int trust_entry(struct famfs_fs *fs, const char *rel, int64_t idx,
		       const struct famfs_log_file *f)
{
	struct famfs_map_limits lim = { .dev_size = fs->dev_size,
					.log_len = fs->sb->log_len };
	int rc;

	rc = famfs_map_check(&lim, &f->fmap, f->size);
	if (rc)
		return famfs_fail_ctx(rc, "'%s' (log entry %lld) has a bad map; refusing to use it",
				      rel, (long long)idx);
	rc = fs_live(fs);
	if (rc)
		return rc;
	if (is_live(fs, idx))
		return 0;
	if (famfs_units_overlap(fs->owned, &f->fmap))
		return famfs_fail(-EADDRINUSE,
				  "'%s' (log entry %lld) is cross-linked: its memory belongs to an earlier file; refusing to use it (see famfs fsck)",
				  rel, (long long)idx);
	return famfs_fail(-EINVAL,
			  "'%s' (log entry %lld) is not a valid file of the log (see famfs fsck); refusing to use it",
			  rel, (long long)idx);
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
		famfs_fs_scan(fs, &scan);
		if (scan.damaged)
			return famfs_fail(-EBADMSG, "log damaged (%s); run fsck",
					  scan.why);
		fs->log_scanned = true;
	}
	if (fs->log->next_index > fs->log->last_index)
		return famfs_fail(-ENOSPC, "log full (%llu entries)" FAMFS_LOG_FULL_HINT,
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
	if (len >= sizeof(buf))
		return FAMFS_LOOKUP_ABSENT;
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

/*
 * Check a new FILE entry's map before it is logged: inside the device,
 * outside the metadata and, unless @crosslink (clone), on memory no live
 * file owns.
 */
static int check_new_file(struct famfs_fs *fs, const struct famfs_log_entry *e,
			  bool crosslink)
{
	struct famfs_map_limits lim = { .dev_size = fs->dev_size,
					.log_len = fs->sb->log_len };
	int rc;

	rc = fs_live(fs);
	if (rc)
		return rc;
	if (!crosslink)
		lim.owned = fs->owned;
	rc = famfs_map_check(&lim, &e->file.fmap, e->file.size);
	return rc ? famfs_fail_ctx(rc, "refusing to log '%.80s'", e->file.relpath) : 0;
}

static int append(struct famfs_fs *fs, struct famfs_log_entry *e, bool crosslink)
{
	uint64_t idx;
	int rc;

	if (e->type == FAMFS_LOG_FILE) {
		rc = check_new_file(fs, e, crosslink);
		if (rc)
			return rc;
		rc = live_grow(fs, fs->log->next_index);
		if (rc)
			return rc;
	}
	rc = famfs_log_append(fs->log, fs->sb->log_len, e);
	if (rc)
		return rc;
	idx = fs->log->next_index - 1;
	if (e->type == FAMFS_LOG_FILE && !crosslink) {
		live_set(fs, idx);
		famfs_units_add(fs->owned, &e->file.fmap);
	}
	return famfs_nameidx_add(&fs->names, idx) ?
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
		return famfs_fail(-ENOSPC, "log full (%llu entries)" FAMFS_LOG_FULL_HINT,
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
	rc = append(fs, &e, false);
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

	if (!fs)
		return famfs_fail(-EINVAL, "mkdir: no file system handle");
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
		famfs_flush_note_map(fd, m, f->size);
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
	if (fs && fs->online && map && size) {
		famfs_flush_forget_map(map);
		munmap(map, size);
	}
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
	unlink(p);	/* no map yet: the kernel allows it */
	return rc;
}

/*
 * Online: take a file that kernel_create() made, but that never reached the
 * log, out of this mount again. Once mapped, unlink(2) is refused, so this
 * is FAMFSIOC_DELETE, tagged with the index the entry would have had: if
 * someone still holds it, the release mark stays below memory it may map.
 * @fd is an open fd of the file (closed here) or -1 (the path is opened).
 * Keeps the caller's error message; returns 0 or -errno.
 */
static int kernel_discard(struct famfs_fs *fs, const char *rel, int fd)
{
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	char keep[512];
	int rc;

	snprintf(keep, sizeof(keep), "%s", famfs_errmsg());
	rc = full_path(fs, rel, p, sizeof(p));
	if (!rc && fd < 0) {
		fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			rc = errno == ENOENT ? 0 : -errno;
	}
	if (!rc && fd >= 0) {
		rc = famfs_kdelete(fd, fs->log->next_index);
		if (rc && unlink(p) == 0)
			rc = 0;		/* a kernel without FAMFSIOC_DELETE, no map */
	}
	if (fd >= 0)
		close(fd);
	if (rc)
		famfs_fail(rc, "%s; and %s could not be removed from this mount (%s): it is not in the log, the next mount drops it",
			   keep, p, strerror(-rc));
	else
		famfs_fail(-EIO, "%s", keep);	/* the caller's message again */
	return rc;
}

/* Check a new FILE entry and, online, make it in the kernel (no log yet). */
static int stage_file(struct famfs_fs *fs, const char *rel,
		      struct famfs_log_entry *e, int *fdp, bool crosslink)
{
	int rc;

	*fdp = -1;
	/* Before the kernel sees it too. */
	rc = check_new_file(fs, e, crosslink);
	if (rc)
		return rc;
	if (fs->online)
		return kernel_create(fs, rel, &e->file, fdp);
	return 0;
}

/* Log (and online instantiate) a FILE entry built in @e. */
static int commit_file(struct famfs_fs *fs, const char *rel,
		       struct famfs_log_entry *e, int *fdp, bool crosslink)
{
	int rc;

	rc = stage_file(fs, rel, e, fdp, crosslink);
	if (rc)
		return rc;
	rc = append(fs, e, crosslink);
	if (rc && fs->online) {
		kernel_discard(fs, rel, *fdp);
		*fdp = -1;
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
	rc = trust_entry(fs, rel, idx, f);
	if (rc)
		return rc;
	rc = give_access(fs, rel, f, -1, out_fd, out_map);
	return rc ? rc : 1;
}

/* A create whose data is being written: allocated, online in the kernel. */
struct famfs_staged {
	struct famfs_staged *next;	/* fs->staged */
	struct famfs_log_entry e;
};

static struct famfs_staged *staged_find(struct famfs_fs *fs, const char *rel)
{
	struct famfs_staged *st;

	for (st = fs->staged; st; st = st->next)
		if (!strcmp(st->e.file.relpath, rel))
			return st;
	return NULL;
}

/* Take @st off the handle's list and free it. */
static void staged_drop(struct famfs_fs *fs, struct famfs_staged *st)
{
	struct famfs_staged **pp;

	for (pp = &fs->staged; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	free(st);
}

/* The allocator, built from the log plus what is staged but not logged. */
static int need_alloc(struct famfs_fs *fs)
{
	struct famfs_log_scan scan;
	struct famfs_staged *st;
	int rc;

	if (fs->alloc)
		return 0;
	if (!fs->floor_read) {
		fs->floor = famfs_alloc_floor(fs->sb, famfs_fs_ht(fs));
		fs->floor_read = true;
	}
	rc = famfs_fs_scan(fs, &scan);
	if (!rc)
		rc = famfs_alloc_build_n(&fs->alloc, fs->sb, fs->log, fs->floor,
					 scan.nvalid, NULL);
	for (st = fs->staged; st && !rc; st = st->next)
		rc = famfs_alloc_claim(fs->alloc, &st->e.file.fmap);
	if (rc) {
		famfs_alloc_free(fs->alloc);
		fs->alloc = NULL;
	}
	return rc;
}

int famfs_fs_creat_staged(struct famfs_fs *fs, const char *relpath,
			  uint64_t size, uint32_t mode, uint32_t uid,
			  uint32_t gid, const struct famfs_interleave *il,
			  struct famfs_staged **out, int *out_fd,
			  uint8_t **out_map)
{
	struct famfs_log_fmap fmap;
	struct famfs_staged *st;
	int64_t idx;
	int rc, k, fd;

	if (out_fd)
		*out_fd = -1;
	if (out_map)
		*out_map = NULL;
	if (out)
		*out = NULL;
	if (!fs || !out)
		return famfs_fail(-EINVAL, "creat: missing argument");
	rc = famfs_relpath_check(relpath);
	if (rc)
		return rc;
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
	if (staged_find(fs, relpath))
		return famfs_fail(-EEXIST, "'%s' is being created already", relpath);
	rc = parent_ok(fs, relpath);
	if (rc)
		return rc;
	rc = need_alloc(fs);
	if (rc)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st)
		return famfs_fail(-ENOMEM, "out of memory");
	rc = il ? famfs_alloc_interleaved(fs->alloc, size, il, &fmap) :
		  famfs_alloc_contig(fs->alloc, size, &fmap);
	if (rc) {
		free(st);
		return rc;
	}
	rc = famfs_entry_file(&st->e, relpath, size, mode, uid, gid, &fmap);
	if (!rc)
		rc = stage_file(fs, relpath, &st->e, &fd, false);
	if (rc) {
		famfs_alloc_release(fs->alloc, &fmap);
		free(st);
		return rc;
	}
	rc = give_access(fs, relpath, &st->e.file, fd, out_fd, out_map);
	if (rc) {
		if (fs->online)
			kernel_discard(fs, relpath, -1);
		famfs_alloc_release(fs->alloc, &fmap);
		free(st);
		return rc;
	}
	st->next = fs->staged;
	fs->staged = st;
	*out = st;
	return 0;
}

int famfs_fs_stage_commit(struct famfs_fs *fs, struct famfs_staged *st)
{
	int rc;

	if (!fs || !st)
		return famfs_fail(-EINVAL, "commit: missing argument");
	rc = may_modify(fs);
	if (!rc && kind_of(fs, st->e.file.relpath, strlen(st->e.file.relpath),
			   NULL) != FAMFS_LOOKUP_ABSENT)
		rc = famfs_fail(-EEXIST, "'%s' appeared in the log meanwhile",
				st->e.file.relpath);
	if (!rc)
		rc = append(fs, &st->e, false);
	if (rc) {
		famfs_fs_stage_abort(fs, st);
		return rc;
	}
	staged_drop(fs, st);
	return 0;
}

int famfs_fs_stage_abort(struct famfs_fs *fs, struct famfs_staged *st)
{
	int rc = 0;

	if (!fs || !st)
		return famfs_fail(-EINVAL, "abort: missing argument");
	if (fs->online)
		rc = kernel_discard(fs, st->e.file.relpath, -1);
	famfs_alloc_release(fs->alloc, &st->e.file.fmap);
	staged_drop(fs, st);
	return rc;
}

void famfs_fs_stage_abort_all(struct famfs_fs *fs)
{
	while (fs && fs->staged)
		famfs_fs_stage_abort(fs, fs->staged);
}

static int device_io(struct famfs_fs *fs, const struct famfs_log_file *f,
		     uint64_t off, void *buf, size_t len, bool wr);

int famfs_fs_stage_io(struct famfs_fs *fs, struct famfs_staged *st,
		      uint64_t off, void *buf, size_t len, bool wr)
{
	uint64_t end;

	if (!fs || !st || (!buf && len))
		return famfs_fail(-EINVAL, "staged I/O: missing argument");
	if (famfs_add_overflows(off, len, &end) || end > st->e.file.size)
		return famfs_fail(-EINVAL, "I/O [%llu, +%zu) beyond the size of '%s'",
				  (unsigned long long)off, len, st->e.file.relpath);
	if (fs->online)
		return famfs_fail(-EOPNOTSUPP, "staged I/O is for offline handles; use the fd");
	if (wr && !fs->dev.writable)
		return famfs_fail(-EBADF, "device opened read-only");
	return device_io(fs, &st->e.file, off, buf, len, wr);
}

int famfs_fs_creat(struct famfs_fs *fs, const char *relpath, uint64_t size,
		   uint32_t mode, uint32_t uid, uint32_t gid,
		   const struct famfs_interleave *il, int *out_fd,
		   uint8_t **out_map)
{
	struct famfs_staged *st;
	int fd = -1, rc;
	uint8_t *map = NULL;

	if (out_fd)
		*out_fd = -1;
	if (out_map)
		*out_map = NULL;
	if (!fs)
		return famfs_fail(-EINVAL, "creat: no file system handle");
	rc = famfs_fs_creat_staged(fs, relpath, size, mode, uid, gid, il, &st,
				   out_fd ? &fd : NULL, out_map ? &map : NULL);
	if (rc == 0) {
		rc = famfs_fs_stage_commit(fs, st);
		if (rc) {
			famfs_fs_unmap(fs, map, size);
			if (fd >= 0)
				close(fd);
			return rc;
		}
	}
	if (rc < 0)
		return rc;
	if (out_fd)
		*out_fd = fd;
	if (out_map)
		*out_map = map;
	return rc;
}

int famfs_fs_clone(struct famfs_fs *fs, const char *src, const char *dst)
{
	struct famfs_log_entry e, copy;
	const struct famfs_log_file *f;
	int64_t idx;
	int rc, fd;

	if (!fs || !src || !dst)
		return famfs_fail(-EINVAL, "clone: missing argument");
	if (fs->online)
		return famfs_fail(-EOPNOTSUPP,
				  "clone is an offline test tool (it makes cross-linked files); open the unmounted device or image instead of a mount");
	rc = famfs_relpath_check(src);
	if (rc)
		return famfs_fail_ctx(rc, "clone source");
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
	rc = trust_entry(fs, src, idx, f);
	if (rc)
		return famfs_fail_ctx(rc, "clone source");
	rc = famfs_entry_file(&e, dst, f->size, f->mode, f->uid, f->gid, &f->fmap);
	if (rc)
		return rc;
	rc = commit_file(fs, dst, &e, &fd, true);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The log index of @rel's live entry, or a negative errno (reported). */
static int64_t find_entry(struct famfs_fs *fs, const char *rel, const char *what)
{
	int64_t idx;
	int rc;

	if (!fs || !rel)
		return famfs_fail(-EINVAL, "%s: missing argument", what);
	rc = famfs_relpath_check(rel);
	if (rc)
		return rc;
	rc = famfs_fs_names(fs);
	if (rc)
		return rc;
	idx = famfs_nameidx_get(&fs->names, rel);
	if (idx < 0)
		return famfs_fail(-ENOENT, "'%s' is not in the log", rel);
	return idx;
}

int famfs_fs_lookup(struct famfs_fs *fs, const char *relpath,
		    struct famfs_log_entry *out)
{
	int64_t idx;

	if (!out)
		return famfs_fail(-EINVAL, "lookup: missing argument");
	idx = find_entry(fs, relpath, "lookup");
	if (idx < 0)
		return (int)idx;
	memcpy(out, &fs->log->entries[idx], sizeof(*out));
	return 0;
}

/* Find a readable/writable FILE entry and check the I/O range. */
static int io_file(struct famfs_fs *fs, const char *rel, uint64_t off,
		   size_t len, struct famfs_log_entry *e)
{
	uint64_t end;
	int64_t idx;

	idx = find_entry(fs, rel, "I/O");
	if (idx < 0)
		return (int)idx;
	memcpy(e, &fs->log->entries[idx], sizeof(*e));
	if (e->type != FAMFS_LOG_FILE)
		return famfs_fail(-EISDIR, "'%s' is a directory", rel);
	if (famfs_add_overflows(off, len, &end) || end > e->file.size)
		return famfs_fail(-EINVAL, "I/O [%llu, +%zu) beyond the size of '%s' (%llu)",
				  (unsigned long long)off, len, rel,
				  (unsigned long long)e->file.size);
	return trust_entry(fs, rel, idx, &e->file);
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
	/* Non-temporal stores: visible elsewhere after fsync's fence. */
	if (wr && fdatasync(fd)) {
		rc = famfs_fail(-errno, "fdatasync %s: %s", p, strerror(errno));
		close(fd);
		return rc;
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

	if (!fs || (!buf && len))
		return famfs_fail(-EINVAL, "write: missing argument");
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

	if (!fs || (!buf && len))
		return famfs_fail(-EINVAL, "read: missing argument");
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

	if (!fs)
		return famfs_fail(-EINVAL, "alloc report: no file system handle");
	rc = famfs_alloc_build_ht(&a, fs->sb, fs->log, famfs_fs_ht(fs), r);
	if (rc)
		return rc;
	famfs_alloc_free(a);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Delete (FORMAT-delete.md)                                          */

static int need_delete_feature(struct famfs_fs *fs)
{
	if (famfs_sb_has_delete(fs->sb))
		return 0;
	return famfs_fail(-EOPNOTSUPP,
			  "the delete feature is not enabled on this file system; enable it with 'famfs rm --enable-delete' (or 'mkfs.famfs --enable-delete' for a new one); famfs tools without delete support then refuse the file system");
}

static int map_sb_area_rw(struct famfs_fs *fs, void **out);

int famfs_fs_enable_delete(struct famfs_fs *fs)
{
	void *m;
	int rc;

	if (!fs)
		return famfs_fail(-EINVAL, "enable delete: no file system handle");
	if (!fs->master || !fs->write)
		return may_modify(fs);
	if (famfs_sb_has_delete(fs->sb))
		return 0;
	if (!fs->online) {
		if (!fs->dev.writable)
			return famfs_fail(-EBADF, "device opened read-only");
		return famfs_ht_enable(fs->sb, FAMFS_SB_AREA_LEN);
	}
	rc = map_sb_area_rw(fs, &m);
	if (rc)
		return rc;
	rc = famfs_ht_enable(m, FAMFS_SB_AREA_LEN);
	munmap(m, FAMFS_SB_AREA_LEN);
	return rc;
}

/* Online: the superblock meta file, read-write, over [0, 2 MiB). */
static int map_sb_area_rw(struct famfs_fs *fs, void **out)
{
	char p[PATH_MAX + 32];
	struct stat st;
	void *m;
	int fd, rc;

	snprintf(p, sizeof(p), "%s/%s", fs->mpt, FAMFS_META_SB);
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return famfs_fail(-errno, "%s: %s", p, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)FAMFS_SB_AREA_LEN) {
		rc = famfs_fail(-EINVAL,
				"%s covers %lld bytes, not the 2 MiB superblock area the host table needs",
				p, (long long)st.st_size);
		close(fd);
		return rc;
	}
	m = mmap(NULL, FAMFS_SB_AREA_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return famfs_fail(-errno, "mmap %s: %s", p, strerror(errno));
	if (memcmp(((struct famfs_superblock *)m)->fs_uuid, fs->sb->fs_uuid, 16)) {
		munmap(m, FAMFS_SB_AREA_LEN);
		return famfs_fail(-ESTALE, "%s changed under us", p);
	}
	*out = m;
	return 0;
}

int famfs_fs_evict(struct famfs_fs *fs, const uuid_t host, bool force,
		   struct famfs_fence_rec *out)
{
	struct famfs_host_rec h;
	struct famfs_fence_rec f;
	char u[37];
	uint64_t now;
	uint32_t slot;
	void *area = NULL, *ht;
	int rc;

	if (!fs || !host)
		return famfs_fail(-EINVAL, "evict: missing argument");
	if (!fs->master || !fs->write)
		return may_modify(fs);
	rc = need_delete_feature(fs);
	if (rc)
		return rc;
	uuid_unparse_lower(host, u);
	if (!uuid_compare(host, fs->me))
		return famfs_fail(-EINVAL, "%s is this host (the master); it cannot evict itself", u);
	if (fs->online) {
		rc = map_sb_area_rw(fs, &area);
		if (rc)
			return rc;
		ht = (uint8_t *)area + FAMFS_HT_OFFSET;
	} else {
		ht = famfs_fs_ht(fs);
	}
	rc = famfs_ht_check(ht, fs->sb);
	if (rc)
		goto out;
	if (famfs_ht_find(ht, host, &slot)) {
		rc = famfs_fail(-ENOENT, "host %s has no slot in the host table", u);
		goto out;
	}
	if (famfs_host_rec_read(famfs_ht_slot(ht, slot), &h) ||
	    memcmp(h.host_uuid, host, sizeof(uuid_t))) {
		rc = famfs_fail(-ENOENT, "host %s has no host record (nothing to evict)", u);
		goto out;
	}
	if (!famfs_fence_rec_read(famfs_ht_slot(ht, slot), &f) &&
	    famfs_host_evicted(&h, &f)) {
		if (out)
			*out = f;
		rc = 1;		/* already evicted */
		goto out;
	}
	if (h.state != FAMFS_HOST_MOUNTED) {
		rc = famfs_fail(-EALREADY, "host %s is not mounted (state %s): it holds nothing; no eviction needed",
				u, h.state == FAMFS_HOST_LEFT ? "left" : "free");
		goto out;
	}
	now = famfs_now_ns();
	if (!force && h.heartbeat <= now &&
	    now - h.heartbeat < FAMFS_EVICT_QUIET_NS) {
		rc = famfs_fail(-EBUSY,
				"host %s wrote its heartbeat %llu s ago: it looks alive; evicting a live host shuts its mount down (use --force if it must go)",
				u, (unsigned long long)((now - h.heartbeat) / 1000000000ULL));
		goto out;
	}
	memset(&f, 0, sizeof(f));
	memcpy(f.host_uuid, host, sizeof(f.host_uuid));
	f.state = FAMFS_FENCE_EVICTED;
	f.mount_gen = h.mount_gen;
	f.evicted_at = now;
	f.log_index = fs->log->next_index;
	rc = famfs_fence_rec_write(famfs_ht_slot(ht, slot), &f);
	if (!rc && out)
		*out = f;
	if (!rc) {
		/* Memory it held may be free now. */
		fs->live_built = false;
		famfs_alloc_free(fs->alloc);
		fs->alloc = NULL;
	}
out:
	if (area)
		munmap(area, FAMFS_SB_AREA_LEN);
	return rc;
}

/* Online: drop @rel from this host's mount, tag = the DELETE entry's index. */
static int kernel_delete(struct famfs_fs *fs, const char *rel, bool dir,
			 uint64_t tag)
{
	char p[PATH_MAX + FAMFS_MAX_PATHLEN];
	struct stat st;
	int fd, rc;

	rc = full_path(fs, rel, p, sizeof(p));
	if (rc)
		return rc;
	if (lstat(p, &st) < 0) {
		if (errno == ENOENT)
			return 0;	/* not in this mount (yet): the log is enough */
		return famfs_fail(-errno, "%s: %s", p, strerror(errno));
	}
	if (!!S_ISDIR(st.st_mode) != dir)
		return famfs_fail(-EEXIST, "%s in the mount is not the %s the log has; run famfs logplay",
				  p, dir ? "directory" : "file");
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
		  (dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return famfs_fail(-errno, "%s: %s", p, strerror(errno));
	rc = famfs_kdelete(fd, tag);
	close(fd);
	return rc ? famfs_fail_ctx(rc, "%s", p) : 0;
}

static int rm_one(struct famfs_fs *fs, uint64_t idx)
{
	struct famfs_log_entry t = fs->log->entries[idx], e;
	const char *rel = t.type == FAMFS_LOG_FILE ? t.file.relpath : t.mkdir.relpath;
	int len = famfs_relpath_len(rel), rc;

	if (len < 0 || (t.type != FAMFS_LOG_FILE && t.type != FAMFS_LOG_MKDIR))
		return famfs_fail(-EINVAL, "log entry %llu changed under us",
				  (unsigned long long)idx);
	memset(&e, 0, sizeof(e));
	e.type = FAMFS_LOG_DELETE;
	e.del.target = idx;
	e.del.target_type = t.type;
	memcpy(e.del.relpath, rel, len + 1);
	if (fs->online) {
		/* The kernel first: a refusal there leaves the log unchanged. */
		rc = kernel_delete(fs, e.del.relpath, t.type == FAMFS_LOG_MKDIR,
				   fs->log->next_index);
		if (rc)
			return rc;
	}
	rc = famfs_log_append(fs->log, fs->sb->log_len, &e);
	if (rc)
		return rc;
	famfs_nameidx_remove(&fs->names, idx);
	if (idx < fs->live_cap)
		fs->live[idx / 64] &= ~(1ULL << (idx % 64));
	return 0;
}

int famfs_fs_rm(struct famfs_fs *fs, const char *relpath, unsigned int flags,
		uint64_t *ndeleted)
{
	struct famfs_log_scan scan;
	uint64_t *list = NULL, n = 0, cap = 0, j, need, room;
	struct famfs_log_entry t;
	size_t plen;
	int64_t idx;
	int rc;

	if (ndeleted)
		*ndeleted = 0;
	if (!fs || !relpath)
		return famfs_fail(-EINVAL, "rm: missing argument");
	rc = famfs_relpath_check(relpath);
	if (rc)
		return rc;
	rc = may_modify(fs);
	if (rc)
		return rc;
	rc = need_delete_feature(fs);
	if (rc)
		return rc;
	rc = fs_live(fs);
	if (rc)
		return rc;
	idx = famfs_nameidx_get(&fs->names, relpath);
	if (idx < 0)
		return famfs_fail(-ENOENT, "'%s' does not exist", relpath);
	t = fs->log->entries[idx];
	if (!is_live(fs, idx))
		return famfs_fail(-EINVAL,
				  "'%s' (log entry %lld) is not a valid file or directory of the log (see famfs fsck); it cannot be deleted",
				  relpath, (long long)idx);
	if (t.type == FAMFS_LOG_FILE && (flags & FAMFS_RM_DIR))
		return famfs_fail(-ENOTDIR, "'%s' is not a directory", relpath);
	if (t.type == FAMFS_LOG_MKDIR && !(flags & (FAMFS_RM_DIR | FAMFS_RM_RECURSIVE)))
		return famfs_fail(-EISDIR, "'%s' is a directory (use -r, or rmdir)",
				  relpath);
	famfs_fs_scan(fs, &scan);
	plen = strlen(relpath);
	/* Live entries under a directory were all made after it. */
	for (j = idx + 1; t.type == FAMFS_LOG_MKDIR && j < scan.nvalid; j++) {
		struct famfs_log_entry c = fs->log->entries[j];
		const char *r;

		if ((c.type != FAMFS_LOG_FILE && c.type != FAMFS_LOG_MKDIR) ||
		    !is_live(fs, j))
			continue;
		r = c.type == FAMFS_LOG_FILE ? c.file.relpath : c.mkdir.relpath;
		if (famfs_relpath_len(r) < 0 || strncmp(r, relpath, plen) || r[plen] != '/')
			continue;
		if (n == cap) {
			uint64_t *nl;

			cap = cap ? cap * 2 : 64;
			nl = realloc(list, cap * sizeof(*list));
			if (!nl) {
				free(list);
				return famfs_fail(-ENOMEM, "out of memory");
			}
			list = nl;
		}
		list[n++] = j;
	}
	if (n && !(flags & FAMFS_RM_RECURSIVE)) {
		free(list);
		return famfs_fail(-ENOTEMPTY, "directory '%s' is not empty (%llu entries; use rm -r)",
				  relpath, (unsigned long long)n);
	}
	need = n + 1;
	room = fs->log->last_index + 1 - fs->log->next_index;
	if (need > room) {
		free(list);
		return famfs_fail(-ENOSPC,
				  "log full: deleting '%s' takes %llu log entries, %llu are free" FAMFS_LOG_FULL_HINT,
				  relpath, (unsigned long long)need,
				  (unsigned long long)room);
	}
	/* Deepest first: in reverse log order every child precedes its parent. */
	for (j = n; j-- > 0 && !rc;) {
		rc = rm_one(fs, list[j]);
		if (!rc && ndeleted)
			(*ndeleted)++;
	}
	if (!rc) {
		rc = rm_one(fs, idx);
		if (!rc && ndeleted)
			(*ndeleted)++;
	}
	free(list);
	/* Rebuild the live set and the allocator from the log when needed. */
	fs->live_built = false;
	famfs_alloc_free(fs->alloc);
	fs->alloc = NULL;
	return rc;
}
