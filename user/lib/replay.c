// SPDX-License-Identifier: GPL-2.0
/*
 * Replay planning: turn the log into an ordered list of actions against
 * a namespace described by a lookup callback. Pure: no kernel, no file
 * system access, so every namespace rule (spec §6) is unit-testable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dircache.h"
#include "stats.h"
#include "famfs_priv.h"
#include "progress.h"

/* Names this plan creates or found: open addressing, keyed by relpath. */
struct name_set {
	uint64_t cap;		/* power of two */
	uint64_t used;
	struct name_slot {
		uint64_t act;	/* index into the plan + 1; 0 = empty */
		int kind;	/* FAMFS_LOOKUP_FILE or FAMFS_LOOKUP_DIR */
	} *slots;
};

struct planner {
	struct famfs_action *acts;
	size_t n, cap;
	struct name_set names;
	famfs_lookup_fn lookup;
	void *ctx;
	struct famfs_map_limits lim;	/* geometry only */
	struct famfs_units *owned;	/* memory of the files planned or found */
	/* Delete support (FAMFS_PLAN_DELETE). */
	bool deletes;
	bool canonical;		/* empty namespace: validate DELETE entries */
	uint32_t *nchild;	/* canonical: live entries under each action */
	const uint64_t *dead;	/* else: entries deleted by a valid DELETE */
	const uint64_t *valid;	/* else: valid DELETE entries */
	const struct famfs_action *cacts;	/* else: the canonical plan */
	const size_t *cpos;	/* else: log index -> canonical action + 1 */
};

static bool bit_get(const uint64_t *b, uint64_t i)
{
	return b && (b[i / 64] & (1ULL << (i % 64)));
}

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (len--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	/* Mix the high bits down: the table is indexed by the low bits. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static struct name_slot *find_slot(struct planner *pl, const char *name, size_t len)
{
	struct name_set *ns = &pl->names;
	uint64_t i = hash_str(name, len) & (ns->cap - 1);

	for (;; i = (i + 1) & (ns->cap - 1)) {
		struct name_slot *s = &ns->slots[i];
		const char *r;

		if (!s->act)
			return s;
		r = pl->acts[s->act - 1].relpath;
		if (strlen(r) == len && !memcmp(r, name, len))
			return s;
	}
}

static int grow_names(struct planner *pl)
{
	struct name_set old = pl->names;
	uint64_t i;

	pl->names.cap = old.cap ? old.cap * 2 : 1024;
	pl->names.used = 0;
	pl->names.slots = calloc(pl->names.cap, sizeof(*pl->names.slots));
	if (!pl->names.slots) {
		pl->names = old;
		return -ENOMEM;
	}
	for (i = 0; i < old.cap; i++) {
		const char *r;

		if (!old.slots[i].act)
			continue;
		r = pl->acts[old.slots[i].act - 1].relpath;
		*find_slot(pl, r, strlen(r)) = old.slots[i];
		pl->names.used++;
	}
	free(old.slots);
	return 0;
}

/* Record that action @idx makes its relpath exist with @kind. */
static int remember(struct planner *pl, size_t idx, int kind)
{
	const char *r = pl->acts[idx].relpath;
	struct name_slot *s;

	if ((pl->names.used + 1) * 2 > pl->names.cap && grow_names(pl))
		return -ENOMEM;
	s = find_slot(pl, r, strlen(r));
	if (!s->act)
		pl->names.used++;
	s->act = idx + 1;
	s->kind = kind;
	return 0;
}

/*
 * What is at @name (first @len bytes): planned names first, then lookup.
 * @planned (may be NULL) tells whether an earlier entry of this log made it.
 */
static int state_of(struct planner *pl, const char *name, size_t len,
		    bool *planned)
{
	char buf[FAMFS_MAX_PATHLEN];
	struct name_slot *s;
	int r;

	if (planned)
		*planned = false;
	if (pl->names.cap) {
		s = find_slot(pl, name, len);
		if (s->act) {
			if (planned)
				*planned = true;
			return s->kind;
		}
	}
	memcpy(buf, name, len);
	buf[len] = 0;
	r = pl->lookup(pl->ctx, buf);
	return r < 0 ? FAMFS_LOOKUP_ABSENT : r;
}

static struct famfs_action *new_action(struct planner *pl)
{
	struct famfs_action *a;

	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 64;

		/* The canonical child counts go with the actions. */
		if (pl->canonical) {
			uint32_t *nc = realloc(pl->nchild, cap * sizeof(*nc));

			if (!nc)
				return NULL;
			memset(nc + pl->cap, 0, (cap - pl->cap) * sizeof(*nc));
			pl->nchild = nc;
		}
		a = realloc(pl->acts, cap * sizeof(*a));
		if (!a)
			return NULL;
		pl->acts = a;
		pl->cap = cap;
	}
	a = &pl->acts[pl->n++];
	memset(a, 0, sizeof(*a));
	return a;
}

static void bad(struct famfs_action *a, int err, const char *why)
{
	a->type = FAMFS_ACT_BAD;
	a->err = err;
	snprintf(a->why, sizeof(a->why), "%s", why);
}

static bool maps_overlap(const struct famfs_log_fmap *a,
			 const struct famfs_log_fmap *b)
{
	const struct famfs_simple_extent *x = a->ext_type == FAMFS_EXT_SIMPLE ?
					      a->se : a->ie[0].strips;
	const struct famfs_simple_extent *y = b->ext_type == FAMFS_EXT_SIMPLE ?
					      b->se : b->ie[0].strips;
	uint64_t nx = a->ext_type == FAMFS_EXT_SIMPLE ? a->count : a->ie[0].nstrips;
	uint64_t ny = b->ext_type == FAMFS_EXT_SIMPLE ? b->count : b->ie[0].nstrips;
	uint64_t i, j;

	for (i = 0; i < nx; i++)
		for (j = 0; j < ny; j++)
			if (x[i].offset < y[j].offset + y[j].len &&
			    y[j].offset < x[i].offset + x[i].len)
				return true;
	return false;
}

/* Name the earlier planned file that owns part of @a's memory (bounded search). */
static void cross_linked(struct planner *pl, struct famfs_action *a)
{
	char why[160];
	size_t k, n = pl->n - 1, looked = 0;

	for (k = n; k-- > 0 && looked < 4096;) {
		const struct famfs_action *o = &pl->acts[k];

		if (o->type != FAMFS_ACT_CREATE)
			continue;
		looked++;
		if (maps_overlap(&o->fmap, &a->fmap)) {
			famfs_strfmt(why, sizeof(why),
				     "cross-linked: shares memory with entry %llu (%.80s); left unmapped",
				     (unsigned long long)o->index, o->relpath);
			bad(a, -EADDRINUSE, why);
			return;
		}
	}
	bad(a, -EADDRINUSE, "cross-linked: shares memory with another file; left unmapped");
}

static void plan_entry(struct planner *pl, const struct famfs_log_entry *e,
		       struct famfs_action *a)
{
	bool is_file = e->type == FAMFS_LOG_FILE;
	const char *field = is_file ? e->file.relpath : e->mkdir.relpath;
	int len = famfs_relpath_len(field), st, rc;
	const char *slash;
	bool planned;
	char why[160];

	a->is_dir = !is_file;
	if (len < 0) {
		memcpy(a->relpath, field, FAMFS_MAX_PATHLEN - 1);
		bad(a, -ENAMETOOLONG, "relpath not NUL-terminated within 80 bytes");
		return;
	}
	memcpy(a->relpath, field, len + 1);
	if (is_file) {
		a->mode = e->file.mode & 07777;
		a->uid = e->file.uid;
		a->gid = e->file.gid;
		a->size = e->file.size;
		a->fmap = e->file.fmap;
	} else {
		a->mode = e->mkdir.mode & 07777;
		a->uid = e->mkdir.uid;
		a->gid = e->mkdir.gid;
	}
	rc = famfs_relpath_check(a->relpath);
	if (rc) {
		bad(a, rc, famfs_errmsg());
		return;
	}
	if (is_file) {
		rc = famfs_map_check(&pl->lim, &e->file.fmap, e->file.size);
		if (rc) {
			snprintf(why, sizeof(why), "bad extent map: %s", famfs_errmsg());
			bad(a, rc, why);
			return;
		}
	}
	slash = strrchr(a->relpath, '/');
	if (slash) {
		st = state_of(pl, a->relpath, slash - a->relpath, NULL);
		if (st == FAMFS_LOOKUP_ABSENT) {
			bad(a, -ENOENT, "parent missing");
			return;
		}
		if (st != FAMFS_LOOKUP_DIR) {
			bad(a, -ENOTDIR, "parent is not a directory");
			return;
		}
	}
	st = state_of(pl, a->relpath, len, &planned);
	if (st == FAMFS_LOOKUP_ABSENT) {
		a->type = is_file ? FAMFS_ACT_CREATE : FAMFS_ACT_MKDIR;
		/* The first file keeps its memory; later ones are cross-linked. */
		if (is_file && famfs_units_overlap(pl->owned, &a->fmap))
			cross_linked(pl, a);
		else if (is_file)
			famfs_units_add(pl->owned, &a->fmap);
	} else if ((st == FAMFS_LOOKUP_DIR) == !is_file) {
		a->type = FAMFS_ACT_EXISTS;
		/* Already in the mount from an earlier replay: it owns its map. */
		if (is_file && !planned && !famfs_units_overlap(pl->owned, &a->fmap))
			famfs_units_add(pl->owned, &a->fmap);
	} else {
		bad(a, is_file ? -EISDIR : -ENOTDIR,
		    is_file ? "conflict: a directory exists where the log has a file" :
			      "conflict: a file exists where the log has a directory");
	}
}

/* The planned action of the directory holding @rel, or NULL (root). */
static struct famfs_action *parent_act(struct planner *pl, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	struct name_slot *s;

	if (!slash)
		return NULL;
	s = find_slot(pl, rel, slash - rel);
	return s->act ? &pl->acts[s->act - 1] : NULL;
}

/*
 * A DELETE entry on an empty namespace (FORMAT-delete.md section 3): the
 * target must be the live FILE or MKDIR of that name and index, a directory
 * must be empty. A valid one frees the name and (for a file) its memory.
 */
static void plan_delete_canonical(struct planner *pl, const struct famfs_log_entry *e,
				  struct famfs_action *a)
{
	const struct famfs_log_delete *d = &e->del;
	int len = famfs_relpath_len(d->relpath);
	struct famfs_action *t, *par;
	struct name_slot *s;
	char why[160];

	a->target = d->target;
	if (len < 0) {
		memcpy(a->relpath, d->relpath, FAMFS_MAX_PATHLEN - 1);
		bad(a, -ENAMETOOLONG, "delete: relpath not NUL-terminated within 80 bytes");
		return;
	}
	memcpy(a->relpath, d->relpath, len + 1);
	a->is_dir = d->target_type == FAMFS_LOG_MKDIR;
	if (!pl->deletes) {
		bad(a, -EOPNOTSUPP, "delete entry in a file system without the delete feature; ignored");
		return;
	}
	if (famfs_relpath_check(a->relpath)) {
		famfs_strfmt(why, sizeof(why), "delete: %s", famfs_errmsg());
		bad(a, -EINVAL, why);
		return;
	}
	if (d->flags || (d->target_type != FAMFS_LOG_FILE &&
			 d->target_type != FAMFS_LOG_MKDIR)) {
		famfs_strfmt(why, sizeof(why), "delete: bad target type %u or flags 0x%x",
			     d->target_type, d->flags);
		bad(a, -EINVAL, why);
		return;
	}
	if (d->target >= a->index) {
		famfs_strfmt(why, sizeof(why), "delete: target %llu is not an earlier entry",
			     (unsigned long long)d->target);
		bad(a, -EINVAL, why);
		return;
	}
	s = find_slot(pl, a->relpath, len);
	t = s->act ? &pl->acts[s->act - 1] : NULL;
	if (!t || t->index != d->target || s->kind == FAMFS_LOOKUP_ABSENT ||
	    (t->type != FAMFS_ACT_CREATE && t->type != FAMFS_ACT_MKDIR)) {
		famfs_strfmt(why, sizeof(why),
			     "delete: target entry %llu is not the live file or directory of that name",
			     (unsigned long long)d->target);
		bad(a, -ENOENT, why);
		return;
	}
	if ((t->type == FAMFS_ACT_MKDIR) != a->is_dir) {
		bad(a, -EINVAL, "delete: target type differs from the target entry's");
		return;
	}
	if (a->is_dir && pl->nchild[t - pl->acts]) {
		famfs_strfmt(why, sizeof(why),
			     "delete: directory still has %u entries not deleted before",
			     pl->nchild[t - pl->acts]);
		bad(a, -ENOTEMPTY, why);
		return;
	}
	a->type = FAMFS_ACT_DELETE;
	a->size = t->size;
	a->fmap = t->fmap;
	a->mode = t->mode;
	a->uid = t->uid;
	a->gid = t->gid;
	t->deleted = true;
	t->deleted_by = a->index;
	par = parent_act(pl, a->relpath);
	if (par && pl->nchild[par - pl->acts])
		pl->nchild[par - pl->acts]--;
	if (!a->is_dir)
		famfs_units_del(pl->owned, &a->fmap);
	/* The name is free now: remember it as absent. */
	s->act = (a - pl->acts) + 1;
	s->kind = FAMFS_LOOKUP_ABSENT;
}

/* A DELETE entry on a real namespace: what the canonical plan said. */
static int plan_delete_mount(struct planner *pl, const struct famfs_log_entry *e,
			     struct famfs_action *a, uint64_t i)
{
	const struct famfs_action *c = pl->cpos[i] ?
				       &pl->cacts[pl->cpos[i] - 1] : NULL;
	struct name_slot *s;

	(void)e;
	if (!c) {
		bad(a, -EINVAL, "delete: not planned");
		return 0;
	}
	*a = *c;
	if (a->type != FAMFS_ACT_DELETE)
		return 0;
	/* An incremental planner's table is not sized for the whole log. */
	if ((pl->names.used + 1) * 2 > pl->names.cap && grow_names(pl))
		return -ENOMEM;
	s = find_slot(pl, a->relpath, strlen(a->relpath));
	if (!s->act)
		pl->names.used++;
	s->act = (a - pl->acts) + 1;
	s->kind = FAMFS_LOOKUP_ABSENT;
	return 0;
}

int famfs_lookup_empty(void *ctx, const char *relpath)
{
	(void)ctx;
	(void)relpath;
	return FAMFS_LOOKUP_ABSENT;
}

unsigned int famfs_plan_flags(const struct famfs_superblock *sb)
{
	return famfs_sb_has_delete(sb) ? FAMFS_PLAN_DELETE : 0;
}

/* Plan entries [from, to) on top of what @pl planned before. */
static int plan_core(struct planner *pl, const struct famfs_log *log,
		     uint64_t from, uint64_t to)
{
	uint64_t i;

	for (i = from; i < to; i++) {
		/* Validate and use one private copy (shared memory may change). */
		struct famfs_log_entry copy = log->entries[i];
		const struct famfs_log_entry *e = &copy;
		struct famfs_action *a;

		famfs_progress_tick("plan", i, to);
		if (e->type == FAMFS_LOG_ADD_DAXDEV || e->type == FAMFS_LOG_INVALID)
			continue;
		if (e->type == FAMFS_LOG_DELETE && !pl->deletes)
			continue;	/* upstream ignores them too */
		/* Deleted by a valid DELETE: nothing to instantiate. */
		if (!pl->canonical && bit_get(pl->dead, i))
			continue;
		a = new_action(pl);
		if (!a)
			return -ENOMEM;
		a->index = i;
		if (e->type == FAMFS_LOG_DELETE) {
			if (pl->canonical)
				plan_delete_canonical(pl, e, a);
			else if (plan_delete_mount(pl, e, a, i))
				return -ENOMEM;
			continue;
		}
		if (e->type != FAMFS_LOG_FILE && e->type != FAMFS_LOG_MKDIR) {
			snprintf(a->why, sizeof(a->why), "unknown entry type %u", e->type);
			a->type = FAMFS_ACT_BAD;
			a->err = -EINVAL;
			continue;
		}
		/*
		 * What the log alone rejects stays rejected on any mount: a file
		 * cross-linked with a file deleted later must not get that
		 * memory here (the master may reuse it once released).
		 */
		if (!pl->canonical && pl->cpos && pl->cpos[i] &&
		    pl->cacts[pl->cpos[i] - 1].type == FAMFS_ACT_BAD) {
			*a = pl->cacts[pl->cpos[i] - 1];
			continue;
		}
		plan_entry(pl, e, a);
		if (a->type == FAMFS_ACT_CREATE || a->type == FAMFS_ACT_MKDIR) {
			struct famfs_action *par;

			if (remember(pl, pl->n - 1, a->type == FAMFS_ACT_MKDIR ?
				     FAMFS_LOOKUP_DIR : FAMFS_LOOKUP_FILE))
				return -ENOMEM;
			if (pl->nchild) {
				par = parent_act(pl, a->relpath);
				if (par)
					pl->nchild[par - pl->acts]++;
			}
		}
	}
	return 0;
}

/*
 * Fault in a large new allocation with one call instead of one page fault
 * per 4 KiB (a plan is ~700 bytes per entry; faults are dear in a VM).
 * Best effort: kernels before 5.14 lack MADV_POPULATE_WRITE.
 */
static void prefault(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(pg - 1);

	if (p && b > a)
		madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}

static int plan_run(const struct famfs_log *log, uint64_t log_len,
		    uint64_t dev_size, uint64_t nvalid, struct planner *pl,
		    struct famfs_action **acts, size_t *nacts)
{
	int rc;

	/* One allocation each, sized by the valid log: no regrowth, no rehash. */
	pl->cap = nvalid ? nvalid : 1;
	pl->acts = malloc(pl->cap * sizeof(*pl->acts));
	prefault(pl->acts, pl->cap * sizeof(*pl->acts));
	pl->names.cap = 1024;
	while (pl->names.cap < 2 * (nvalid + 1))
		pl->names.cap *= 2;
	pl->names.slots = calloc(pl->names.cap, sizeof(*pl->names.slots));
	if (pl->canonical)
		pl->nchild = calloc(pl->cap, sizeof(*pl->nchild));
	if (!pl->acts || !pl->names.slots || (pl->canonical && !pl->nchild)) {
		rc = -ENOMEM;
		goto out;
	}
	pl->lim.dev_size = dev_size;
	pl->lim.log_len = log_len;
	rc = famfs_units_new(&pl->owned, dev_size);
	if (rc) {
		free(pl->acts);
		free(pl->names.slots);
		free(pl->nchild);
		return famfs_fail_ctx(rc, "replay plan");
	}
	rc = plan_core(pl, log, 0, nvalid);
out:
	free(pl->names.slots);
	free(pl->nchild);
	famfs_units_free(pl->owned);
	if (rc) {
		free(pl->acts);
		return famfs_fail(-ENOMEM, "out of memory planning the log replay");
	}
	*acts = pl->acts;
	*nacts = pl->n;
	return 0;
}

static int plan_ex(const struct famfs_log *log, uint64_t log_len,
		   uint64_t dev_size, unsigned int flags,
		   famfs_lookup_fn lookup, void *ctx, uint64_t nvalid,
		   struct famfs_action **acts, size_t *nacts)
{
	struct famfs_log_scan scan = { .nvalid = nvalid };
	struct planner pl = { .lookup = lookup, .ctx = ctx };
	struct planner mp = { .lookup = lookup, .ctx = ctx };
	struct famfs_action *cacts;
	uint64_t *dead = NULL, *valid = NULL;
	size_t nc, k, *cpos = NULL;
	int rc;

	if (!acts || !nacts || !log || !lookup)
		return famfs_fail(-EINVAL, "replay plan: missing argument");
	*acts = NULL;
	*nacts = 0;
	rc = famfs_log_len_check(log_len);
	if (rc)
		return famfs_fail_ctx(rc, "replay plan");
	if (scan.nvalid > famfs_log_capacity(log_len))
		return famfs_fail(-EINVAL, "replay plan: %llu entries do not fit the log",
				  (unsigned long long)scan.nvalid);
	pl.deletes = flags & FAMFS_PLAN_DELETE;
	pl.canonical = pl.deletes;
	if (!pl.deletes || lookup == famfs_lookup_empty) {
		if (pl.deletes)
			pl.lookup = famfs_lookup_empty;
		return plan_run(log, log_len, dev_size, scan.nvalid, &pl, acts, nacts);
	}
	/* The log's own meaning first, on an empty namespace. */
	pl.lookup = famfs_lookup_empty;
	rc = plan_run(log, log_len, dev_size, scan.nvalid, &pl, &cacts, &nc);
	if (rc)
		return rc;
	dead = calloc(scan.nvalid / 64 + 1, sizeof(*dead));
	valid = calloc(scan.nvalid / 64 + 1, sizeof(*valid));
	cpos = calloc(scan.nvalid + 1, sizeof(*cpos));
	if (!dead || !valid || !cpos) {
		rc = famfs_fail(-ENOMEM, "out of memory planning the log replay");
		goto out;
	}
	for (k = 0; k < nc; k++) {
		cpos[cacts[k].index] = k + 1;
		if (cacts[k].type == FAMFS_ACT_DELETE)
			valid[cacts[k].index / 64] |= 1ULL << (cacts[k].index % 64);
		if (cacts[k].deleted)
			dead[cacts[k].index / 64] |= 1ULL << (cacts[k].index % 64);
	}
	mp.deletes = true;
	mp.canonical = false;
	mp.dead = dead;
	mp.valid = valid;
	mp.cacts = cacts;
	mp.cpos = cpos;
	rc = plan_run(log, log_len, dev_size, scan.nvalid, &mp, acts, nacts);
out:
	free(cacts);
	free(dead);
	free(valid);
	free(cpos);
	return rc;
}

/*
 * famfs_lookup_mount answers with one lstat per name; the directory cache
 * gives the same answers with a listing per directory (far fewer calls).
 */
int famfs_replay_plan_n(const struct famfs_log *log, uint64_t log_len,
			uint64_t dev_size, unsigned int flags,
			famfs_lookup_fn lookup, void *ctx, uint64_t nvalid,
			struct famfs_action **acts, size_t *nacts)
{
	uint64_t t0 = famfs_stats_now(), scan0 = famfs_stats_get(FAMFS_STAT_NS_SCAN);
	struct famfs_dircache *dc = NULL;
	int rc;

	if (lookup == famfs_lookup_mount && ctx && !famfs_dircache_new(ctx, &dc)) {
		lookup = famfs_dircache_lookup;
		ctx = dc;
	}
	rc = plan_ex(log, log_len, dev_size, flags, lookup, ctx, nvalid, acts,
		     nacts);
	famfs_stats_add(FAMFS_STAT_LOOKUP_CALLS, famfs_dircache_syscalls(dc));
	famfs_dircache_free(dc);
	/* Scans inside the plan count as scans. */
	famfs_stats_add(FAMFS_STAT_NS_PLAN, famfs_stats_now() - t0 -
			(famfs_stats_get(FAMFS_STAT_NS_SCAN) - scan0));
	return rc;
}

int famfs_replay_plan_ex(const struct famfs_log *log, uint64_t log_len,
			 uint64_t dev_size, unsigned int flags,
			 famfs_lookup_fn lookup, void *ctx,
			 struct famfs_action **acts, size_t *nacts)
{
	struct famfs_log_scan scan;
	int rc;

	if (!acts || !nacts || !log || !lookup)
		return famfs_fail(-EINVAL, "replay plan: missing argument");
	*acts = NULL;
	*nacts = 0;
	rc = famfs_log_len_check(log_len);
	if (rc)
		return famfs_fail_ctx(rc, "replay plan");
	rc = famfs_log_scan(log, log_len, &scan);
	if (rc)
		return rc;
	return famfs_replay_plan_n(log, log_len, dev_size, flags, lookup, ctx,
				   scan.nvalid, acts, nacts);
}

int famfs_replay_plan(const struct famfs_log *log, uint64_t log_len,
		      uint64_t dev_size, famfs_lookup_fn lookup, void *ctx,
		      struct famfs_action **acts, size_t *nacts)
{
	return famfs_replay_plan_ex(log, log_len, dev_size, 0, lookup, ctx,
				    acts, nacts);
}

/*
 * Incremental planning (famfs_planner_*): a follower plans only the
 * entries appended since its last look. Each planner pass keeps its
 * state (names, owned memory, child counts, actions) between feeds;
 * entries are planned in log order without looking ahead, so feeding
 * [0, a) then [a, b) gives what one plan of [0, b) gives for [a, b).
 * The one look-ahead of the two-pass delete plan, "deleted by a later
 * DELETE", only matters for a DELETE whose target was fed before: that
 * feed re-plans the mount pass from entry 0 (as a full plan would).
 */
struct famfs_planner {
	struct planner canon;	/* FAMFS_PLAN_DELETE: on an empty namespace */
	struct planner mount;	/* against the lookup (unused if canon is the plan) */
	bool deletes;		/* FAMFS_PLAN_DELETE */
	bool two_pass;		/* deletes on a namespace that is not empty */
	bool broken;		/* a feed failed half-way: state unusable */
	uint64_t fed;		/* entries [0, fed) are planned */
	uint64_t log_len, dev_size;
	famfs_lookup_fn lookup;
	void *ctx;
	/* Two-pass bookkeeping by log index, grown geometrically. */
	uint64_t idx_cap;
	uint64_t *dead, *valid;
	size_t *cpos;
	uint64_t nreplans;	/* mount passes re-planned from entry 0 */
};

static int pass_init(struct planner *pl, const struct famfs_planner *p,
		     bool canonical)
{
	memset(pl, 0, sizeof(*pl));
	pl->lookup = canonical ? famfs_lookup_empty : p->lookup;
	pl->ctx = p->ctx;
	pl->deletes = p->deletes;
	pl->canonical = canonical;
	pl->lim.dev_size = p->dev_size;
	pl->lim.log_len = p->log_len;
	pl->names.cap = 1024;
	pl->names.slots = calloc(pl->names.cap, sizeof(*pl->names.slots));
	if (!pl->names.slots)
		return -ENOMEM;
	return famfs_units_new(&pl->owned, p->dev_size);
}

static void pass_free(struct planner *pl)
{
	free(pl->acts);
	free(pl->names.slots);
	free(pl->nchild);
	famfs_units_free(pl->owned);
	memset(pl, 0, sizeof(*pl));
}

/* Room for log indices [0, n) in the two-pass bookkeeping. */
static int grow_index(struct famfs_planner *p, uint64_t n)
{
	uint64_t cap = p->idx_cap ? p->idx_cap : 1024, ow = p->idx_cap / 64, nw;
	uint64_t *d, *v;
	size_t *c;

	if (n <= p->idx_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	nw = cap / 64;
	d = realloc(p->dead, nw * sizeof(*d));
	if (d)
		p->dead = d;
	v = realloc(p->valid, nw * sizeof(*v));
	if (v)
		p->valid = v;
	c = realloc(p->cpos, cap * sizeof(*c));
	if (c)
		p->cpos = c;
	if (!d || !v || !c)
		return -ENOMEM;
	memset(d + ow, 0, (nw - ow) * sizeof(*d));
	memset(v + ow, 0, (nw - ow) * sizeof(*v));
	memset(c + p->idx_cap, 0, (cap - p->idx_cap) * sizeof(*c));
	p->idx_cap = cap;
	return 0;
}

struct famfs_planner *famfs_planner_new(uint64_t log_len, uint64_t dev_size,
					unsigned int flags,
					famfs_lookup_fn lookup, void *ctx)
{
	struct famfs_planner *p;

	if (!lookup || famfs_log_len_check(log_len)) {
		famfs_fail(-EINVAL, "planner: bad log length or no lookup");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		famfs_fail(-ENOMEM, "out of memory for the replay planner");
		return NULL;
	}
	p->log_len = log_len;
	p->dev_size = dev_size;
	p->lookup = lookup;
	p->ctx = ctx;
	p->deletes = flags & FAMFS_PLAN_DELETE;
	p->two_pass = p->deletes && lookup != famfs_lookup_empty;
	if ((p->deletes && pass_init(&p->canon, p, true)) ||
	    (!p->deletes && pass_init(&p->mount, p, false)) ||
	    (p->two_pass && pass_init(&p->mount, p, false))) {
		famfs_planner_free(p);
		famfs_fail(-ENOMEM, "out of memory for the replay planner");
		return NULL;
	}
	return p;
}

void famfs_planner_free(struct famfs_planner *p)
{
	if (!p)
		return;
	pass_free(&p->canon);
	pass_free(&p->mount);
	free(p->dead);
	free(p->valid);
	free(p->cpos);
	free(p);
}

void famfs_planner_set_lookup(struct famfs_planner *p, famfs_lookup_fn lookup,
			      void *ctx)
{
	if (!p || !lookup)
		return;
	p->lookup = lookup;
	p->ctx = ctx;
}

uint64_t famfs_planner_fed(const struct famfs_planner *p)
{
	return p ? p->fed : 0;
}

uint64_t famfs_planner_replans(const struct famfs_planner *p)
{
	return p ? p->nreplans : 0;
}

/* @rel is @name or lies under it. */
static bool same_or_under(const char *rel, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(rel, name, n) && (rel[n] == '\0' || rel[n] == '/');
}

/* The mount pass's action of log entry @index, or NULL (not planned). */
static struct famfs_action *mount_act(struct planner *pl, uint64_t index)
{
	size_t lo = 0, hi = pl->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pl->acts[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pl->n && pl->acts[lo].index == index ? &pl->acts[lo] : NULL;
}

/*
 * A valid DELETE @c (a new entry) removes file entry c->target, which the
 * mount pass planned at an earlier feed. A full plan would have skipped
 * the target. If nothing planned since leaned on it (a conflict, a
 * cross-link, a name at or under its path), skipping it now only returns
 * its memory: do that instead of re-planning from entry 0. True if done.
 */
static bool drop_fed(struct famfs_planner *p, const struct famfs_log *log,
		     uint64_t from, const struct famfs_action *c)
{
	struct planner *pl = &p->mount;
	struct famfs_action *t = mount_act(pl, c->target), *a;
	uint64_t j;

	if (c->is_dir || !t || t->type != FAMFS_ACT_CREATE || t->is_dir ||
	    strcmp(t->relpath, c->relpath))
		return false;
	for (a = t + 1; a < pl->acts + pl->n; a++)
		if (a->type == FAMFS_ACT_BAD || same_or_under(a->relpath, t->relpath))
			return false;
	/* New entries before the DELETE, planned with the target skipped. */
	for (j = from; j < c->index; j++) {
		const struct famfs_log_entry *e = &log->entries[j];
		const char *rel;

		if (e->type != FAMFS_LOG_FILE && e->type != FAMFS_LOG_MKDIR)
			continue;
		rel = e->type == FAMFS_LOG_FILE ? e->file.relpath : e->mkdir.relpath;
		if (famfs_relpath_len(rel) < 0 || same_or_under(rel, t->relpath))
			return false;
	}
	famfs_units_del(pl->owned, &t->fmap);
	/* Retired: later cross-link reports must not name it. */
	t->type = FAMFS_ACT_EXISTS;
	t->deleted = true;
	t->deleted_by = c->index;
	return true;
}

/*
 * The canonical pass of [from, to), then its bookkeeping for the mount
 * pass. *@replan: a valid DELETE removes an entry fed before, which the
 * mount pass has planned already.
 */
static int feed_canonical(struct famfs_planner *p, const struct famfs_log *log,
			  uint64_t from, uint64_t to, size_t *first, bool *replan)
{
	size_t k;
	int rc;

	*first = p->canon.n;
	rc = plan_core(&p->canon, log, from, to);
	if (rc || !p->two_pass)
		return rc;
	if (grow_index(p, to))
		return -ENOMEM;
	for (k = *first; k < p->canon.n; k++) {
		const struct famfs_action *c = &p->canon.acts[k];

		p->cpos[c->index] = k + 1;
		if (c->type != FAMFS_ACT_DELETE)
			continue;
		p->valid[c->index / 64] |= 1ULL << (c->index % 64);
		/* plan_delete_canonical checked target < index. */
		p->dead[c->target / 64] |= 1ULL << (c->target % 64);
		if (c->target < from && !*replan && !drop_fed(p, log, from, c))
			*replan = true;
	}
	return 0;
}

static int feed_mount(struct famfs_planner *p, const struct famfs_log *log,
		      uint64_t from, uint64_t to, bool replan, size_t *first)
{
	struct famfs_dircache *dc = NULL;
	struct planner *pl = &p->mount;
	int rc;

	if (replan) {
		pass_free(pl);
		rc = pass_init(pl, p, false);
		if (rc)
			return rc;
		from = 0;
		p->nreplans++;
	}
	*first = pl->n;
	pl->lookup = p->lookup;
	pl->ctx = p->ctx;
	/* A listing per directory instead of an lstat per name; per feed,
	 * since the mount changes between feeds. */
	if (p->lookup == famfs_lookup_mount && p->ctx &&
	    !famfs_dircache_new(p->ctx, &dc)) {
		pl->lookup = famfs_dircache_lookup;
		pl->ctx = dc;
	}
	/* The canonical arrays move as they grow: point at them each time. */
	if (p->two_pass) {
		pl->dead = p->dead;
		pl->valid = p->valid;
		pl->cacts = p->canon.acts;
		pl->cpos = p->cpos;
	}
	rc = plan_core(pl, log, from, to);
	famfs_stats_add(FAMFS_STAT_LOOKUP_CALLS, famfs_dircache_syscalls(dc));
	famfs_dircache_free(dc);
	return rc;
}

int famfs_planner_feed(struct famfs_planner *p, const struct famfs_log *log,
		       uint64_t to, struct famfs_action **acts, size_t *nacts)
{
	uint64_t t0 = famfs_stats_now(), from;
	const struct planner *res;
	size_t first = 0, k, n;
	bool replan = false;
	int rc;

	if (!p || !log || !acts || !nacts)
		return famfs_fail(-EINVAL, "planner feed: missing argument");
	*acts = NULL;
	*nacts = 0;
	if (p->broken)
		return famfs_fail(-EINVAL, "planner feed: an earlier feed failed; start a new planner");
	from = p->fed;
	if (to < from || to > famfs_log_capacity(p->log_len))
		return famfs_fail(-EINVAL, "planner feed: entry %llu is before %llu or past the log",
				  (unsigned long long)to, (unsigned long long)from);
	rc = 0;
	if (p->deletes)
		rc = feed_canonical(p, log, from, to, &first, &replan);
	if (!rc && (p->two_pass || !p->deletes))
		rc = feed_mount(p, log, from, to, replan, &first);
	if (rc) {
		p->broken = true;
		return famfs_fail(-ENOMEM, "out of memory planning the log replay");
	}
	res = p->deletes && !p->two_pass ? &p->canon : &p->mount;
	/* A re-plan from entry 0 returns only what is new. */
	while (first < res->n && res->acts[first].index < from)
		first++;
	n = res->n - first;
	*acts = malloc((n ? n : 1) * sizeof(**acts));
	if (!*acts) {
		p->broken = true;	/* fed, but the caller never saw it */
		return famfs_fail(-ENOMEM, "out of memory planning the log replay");
	}
	for (k = 0; k < n; k++)
		(*acts)[k] = res->acts[first + k];
	*nacts = n;
	p->fed = to;
	famfs_stats_add(FAMFS_STAT_NS_PLAN, famfs_stats_now() - t0);
	return 0;
}
