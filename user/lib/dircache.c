// SPDX-License-Identifier: GPL-2.0
/*
 * Lookups under a mount root for replay planning, with few system calls.
 *
 * Planning asks "what is at NAME?" once per log entry. An lstat per name
 * costs one system call each, which under emulation (TCG) dominates a
 * replay. Here a directory that is asked about several times is read once
 * with getdents64 and answered from memory; a name whose parent is absent
 * or not a directory is absent without asking the kernel at all (a fresh
 * mount is answered by one listing of its root). Answers are the same as
 * lstat's: a directory, anything else that exists (a "file"), or absent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dircache.h"
#include "famfs_priv.h"

/* Internal kind of a symbolic link: a "file" to callers, like lstat says. */
#define DC_LINK		3
/* Lookups in one directory before it is listed instead (a listing is ~3 calls). */
#define LIST_AFTER	3
#define ARENA_CHUNK	(64 * 1024)
#define DENTS_BUF	(64 * 1024)

struct dc_node {
	uint32_t len;		/* of name */
	uint8_t kind;		/* FAMFS_LOOKUP_* */
	bool listed;		/* children all known */
	uint16_t asked;		/* lookups of children before listing */
	char name[];		/* relpath, NUL-terminated */
};

struct dc_chunk {
	struct dc_chunk *next;
	size_t used;
	char mem[ARENA_CHUNK];
};

struct famfs_dircache {
	int rootfd;
	struct dc_node *root;	/* relpath "" */
	char *buf;		/* getdents64 buffer */
	struct dc_node **slots;	/* open addressing, power-of-two cap */
	uint64_t cap, used;
	struct dc_chunk *chunks;
	uint64_t syscalls;
};

static uint64_t hash_rel(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (len--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	return h;
}

static struct dc_node **slot_of(struct famfs_dircache *dc, const char *rel,
				size_t len)
{
	uint64_t i = hash_rel(rel, len) & (dc->cap - 1);

	for (;; i = (i + 1) & (dc->cap - 1)) {
		struct dc_node *n = dc->slots[i];

		if (!n || (n->len == len && !memcmp(n->name, rel, len)))
			return &dc->slots[i];
	}
}

static int grow(struct famfs_dircache *dc)
{
	struct dc_node **old = dc->slots;
	uint64_t oldcap = dc->cap, i;

	dc->cap = oldcap ? oldcap * 2 : 4096;
	dc->slots = calloc(dc->cap, sizeof(*dc->slots));
	if (!dc->slots) {
		dc->slots = old;
		dc->cap = oldcap;
		return -ENOMEM;
	}
	for (i = 0; i < oldcap; i++)
		if (old[i])
			*slot_of(dc, old[i]->name, old[i]->len) = old[i];
	free(old);
	return 0;
}

static void *arena_alloc(struct famfs_dircache *dc, size_t size)
{
	struct dc_chunk *c = dc->chunks;

	size = (size + 7) & ~(size_t)7;
	if (size > ARENA_CHUNK)
		return NULL;
	if (!c || c->used + size > ARENA_CHUNK) {
		c = malloc(sizeof(*c));
		if (!c)
			return NULL;
		c->next = dc->chunks;
		c->used = 0;
		dc->chunks = c;
	}
	c->used += size;
	return c->mem + c->used - size;
}

/* The node for @rel (first @len bytes), or NULL. */
static struct dc_node *find(struct famfs_dircache *dc, const char *rel,
			    size_t len)
{
	return dc->cap ? *slot_of(dc, rel, len) : NULL;
}

/* Set what is at @rel; NULL if out of memory. */
static struct dc_node *put(struct famfs_dircache *dc, const char *rel,
			   size_t len, int kind)
{
	struct dc_node **s, *n;

	if ((dc->used + 1) * 2 > dc->cap && grow(dc))
		return NULL;
	s = slot_of(dc, rel, len);
	if (!*s) {
		n = arena_alloc(dc, sizeof(*n) + len + 1);
		if (!n)
			return NULL;
		memset(n, 0, sizeof(*n));
		n->len = len;
		memcpy(n->name, rel, len);
		n->name[len] = 0;
		*s = n;
		dc->used++;
	}
	(*s)->kind = kind;
	return *s;
}

static int kind_of_mode(mode_t m)
{
	if (S_ISLNK(m))
		return DC_LINK;
	return S_ISDIR(m) ? FAMFS_LOOKUP_DIR : FAMFS_LOOKUP_FILE;
}

/* lstat @rel (first @len bytes) relative to the root. */
static int stat_kind(struct famfs_dircache *dc, const char *rel, size_t len)
{
	char buf[PATH_MAX];
	struct stat st;

	if (len >= sizeof(buf))
		return FAMFS_LOOKUP_ABSENT;
	memcpy(buf, rel, len);
	buf[len] = 0;
	dc->syscalls++;
	if (fstatat(dc->rootfd, buf, &st, AT_SYMLINK_NOFOLLOW))
		return FAMFS_LOOKUP_ABSENT;
	return kind_of_mode(st.st_mode);
}

/* Record one listed child of @dir; 0 or -ENOMEM. */
static int put_child(struct famfs_dircache *dc, int fd, const struct dc_node *dir,
		     const struct dirent64 *d)
{
	char rel[PATH_MAX];
	size_t nlen = strlen(d->d_name);
	size_t off = dir->len ? dir->len + 1 : 0;
	struct stat st;
	int kind = FAMFS_LOOKUP_FILE;

	if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
		return 0;
	if (off + nlen >= sizeof(rel))
		return 0;	/* longer than any name a log can hold */
	if (dir->len) {
		memcpy(rel, dir->name, dir->len);
		rel[dir->len] = '/';
	}
	memcpy(rel + off, d->d_name, nlen);
	if (d->d_type == DT_DIR) {
		kind = FAMFS_LOOKUP_DIR;
	} else if (d->d_type == DT_LNK) {
		kind = DC_LINK;
	} else if (d->d_type == DT_UNKNOWN) {
		dc->syscalls++;
		if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW))
			return 0;	/* gone meanwhile */
		kind = kind_of_mode(st.st_mode);
	}
	return put(dc, rel, off + nlen, kind) ? 0 : -ENOMEM;
}

/* Read every child of directory @dir once. 0, or <0: not listed. */
static int list_dir(struct famfs_dircache *dc, struct dc_node *dir)
{
	ssize_t got;
	int fd, rc = 0;

	if (!dc->buf)
		dc->buf = malloc(DENTS_BUF);
	if (!dc->buf)
		return -ENOMEM;
	dc->syscalls += 2;	/* open, close */
	fd = openat(dc->rootfd, dir->len ? dir->name : ".",
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t off;

		dc->syscalls++;
		got = getdents64(fd, dc->buf, DENTS_BUF);
		if (got <= 0)
			break;
		for (off = 0; off < got && !rc;) {
			const struct dirent64 *d = (const void *)(dc->buf + off);

			rc = put_child(dc, fd, dir, d);
			off += d->d_reclen;
		}
		if (rc)
			break;
	}
	if (got < 0 && !rc)
		rc = -errno;
	close(fd);
	if (!rc)
		dir->listed = true;
	return rc;
}

/* Does @rel (first @len bytes) have an empty, "." or ".." component? */
static bool odd_path(const char *rel, size_t len)
{
	size_t i = 0, start;

	if (!len || rel[0] == '/' || rel[len - 1] == '/')
		return true;
	while (i < len) {
		start = i;
		while (i < len && rel[i] != '/')
			i++;
		if (i == start || (i - start == 1 && rel[start] == '.') ||
		    (i - start == 2 && rel[start] == '.' && rel[start + 1] == '.'))
			return true;
		i++;
	}
	return false;
}

static int lookup_len(struct famfs_dircache *dc, const char *rel, size_t len)
{
	struct dc_node *par, *n;
	size_t plen = len;
	int kind;

	while (plen && rel[plen - 1] != '/')
		plen--;
	if (plen) {
		plen--;	/* drop the slash */
		kind = lookup_len(dc, rel, plen);
		/* lstat follows links before the last component: so do we. */
		if (kind == DC_LINK)
			return stat_kind(dc, rel, len);
		if (kind != FAMFS_LOOKUP_DIR)
			return FAMFS_LOOKUP_ABSENT;
		par = find(dc, rel, plen);
		if (!par)
			return stat_kind(dc, rel, len);	/* out of memory before */
	} else {
		par = dc->root;
	}
	n = find(dc, rel, len);
	if (par->listed)
		return n ? n->kind : FAMFS_LOOKUP_ABSENT;
	if (n)
		return n->kind;
	if (++par->asked >= LIST_AFTER && !list_dir(dc, par)) {
		n = find(dc, rel, len);
		return n ? n->kind : FAMFS_LOOKUP_ABSENT;
	}
	kind = stat_kind(dc, rel, len);
	put(dc, rel, len, kind);	/* out of memory: just not cached */
	return kind;
}

int famfs_dircache_lookup(void *ctx, const char *relpath)
{
	struct famfs_dircache *dc = ctx;
	size_t len;
	int kind;

	if (!dc || !relpath)
		return -EINVAL;
	len = strlen(relpath);
	if (len >= PATH_MAX)
		return FAMFS_LOOKUP_ABSENT;
	/* Only plain relative paths are cached; the rest asks the kernel. */
	if (odd_path(relpath, len))
		kind = stat_kind(dc, relpath, len);
	else
		kind = lookup_len(dc, relpath, len);
	return kind == DC_LINK ? FAMFS_LOOKUP_FILE : kind;
}

int famfs_dircache_new(const char *root, struct famfs_dircache **out)
{
	struct famfs_dircache *dc;

	*out = NULL;
	dc = calloc(1, sizeof(*dc));
	if (!dc)
		return -ENOMEM;
	dc->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dc->rootfd < 0) {
		int rc = -errno;

		free(dc);
		return rc;
	}
	dc->root = arena_alloc(dc, sizeof(*dc->root) + 1);
	if (!dc->root) {
		famfs_dircache_free(dc);
		return -ENOMEM;
	}
	memset(dc->root, 0, sizeof(*dc->root) + 1);
	dc->root->kind = FAMFS_LOOKUP_DIR;
	*out = dc;
	return 0;
}

void famfs_dircache_free(struct famfs_dircache *dc)
{
	struct dc_chunk *c, *next;

	if (!dc)
		return;
	for (c = dc->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(dc->slots);
	free(dc->buf);
	close(dc->rootfd);
	free(dc);
}

uint64_t famfs_dircache_syscalls(const struct famfs_dircache *dc)
{
	return dc ? dc->syscalls : 0;
}
