// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation bitmap of 2 MiB units, rebuilt from the log (spec §6), and the
 * contiguous and interleaved allocators (spec §5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "famfs_priv.h"
#include "progress.h"

/* Largest device the bitmap accepts. */
#define FAMFS_ALLOC_MAX_DEV	FAMFS_UNITS_MAX_DEV
#define FAMFS_MAX_BUCKETS	64

struct famfs_alloc {
	uint64_t nunits;
	uint64_t first_data;	/* first unit after the log */
	uint64_t hint;		/* next-fit start for contiguous allocations */
	uint64_t bucket_hint;	/* first bucket tried for interleaving */
	uint64_t nused;
	uint64_t *bits;
};

static bool test_bit(const struct famfs_alloc *a, uint64_t u)
{
	return a->bits[u / 64] & (1ULL << (u % 64));
}

/* Set a bit; returns true if it was already set. */
static bool set_bit(struct famfs_alloc *a, uint64_t u)
{
	bool was = test_bit(a, u);

	a->bits[u / 64] |= 1ULL << (u % 64);
	if (!was)
		a->nused++;
	return was;
}

static void clear_bit(struct famfs_alloc *a, uint64_t u)
{
	if (test_bit(a, u))
		a->nused--;
	a->bits[u / 64] &= ~(1ULL << (u % 64));
}

/* Mark a checked extent; returns the number of units already in use. */
static uint64_t mark(struct famfs_alloc *a, uint64_t off, uint64_t len)
{
	uint64_t u, n = 0;

	for (u = off / FAMFS_ALLOC_UNIT; u < (off + len) / FAMFS_ALLOC_UNIT; u++)
		n += set_bit(a, u);
	return n;
}

static void problem(struct famfs_alloc_report *rep, const char *msg)
{
	if (rep && !rep->first_problem[0])
		snprintf(rep->first_problem, sizeof(rep->first_problem), "%s", msg);
}

static uint64_t mark_fmap(struct famfs_alloc *a, const struct famfs_log_fmap *f)
{
	uint64_t n = 0;
	unsigned int i;

	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		for (i = 0; i < f->count; i++)
			n += mark(a, f->se[i].offset, f->se[i].len);
	} else {
		for (i = 0; i < f->ie[0].nstrips; i++)
			n += mark(a, f->ie[0].strips[i].offset, f->ie[0].strips[i].len);
	}
	return n;
}

/*
 * Delete feature: per log index, the index of the valid DELETE entry that
 * removes it, or UINT64_MAX. NULL *@out without deletes.
 */
static int deleted_by(const struct famfs_superblock *sb, const struct famfs_log *log,
		      uint64_t nvalid, uint64_t **out)
{
	struct famfs_action *acts;
	uint64_t *d;
	size_t n, i;
	int rc;

	*out = NULL;
	if (!famfs_sb_has_delete(sb))
		return 0;
	rc = famfs_replay_plan_ex(log, sb->log_len, sb->dev_size, FAMFS_PLAN_DELETE,
				  famfs_lookup_empty, NULL, &acts, &n);
	if (rc)
		return rc;
	d = malloc((nvalid ? nvalid : 1) * sizeof(*d));
	if (!d) {
		free(acts);
		return famfs_fail(-ENOMEM, "out of memory");
	}
	for (i = 0; i < nvalid; i++)
		d[i] = UINT64_MAX;
	for (i = 0; i < n; i++)
		if (acts[i].deleted && acts[i].index < nvalid)
			d[acts[i].index] = acts[i].deleted_by;
	free(acts);
	*out = d;
	return 0;
}

int famfs_alloc_build(struct famfs_alloc **out,
		      const struct famfs_superblock *sb,
		      const struct famfs_log *log,
		      struct famfs_alloc_report *rep)
{
	return famfs_alloc_build_ht(out, sb, log, NULL, rep);
}

uint64_t famfs_alloc_floor(const struct famfs_superblock *sb, const void *ht)
{
	/* A damaged table proves nothing: keep all deleted memory. */
	if (!sb || !ht || famfs_ht_check(ht, sb))
		return 0;
	return famfs_ht_release_floor(ht);
}

int famfs_alloc_build_ht(struct famfs_alloc **out,
			 const struct famfs_superblock *sb,
			 const struct famfs_log *log, const void *ht,
			 struct famfs_alloc_report *rep)
{
	return famfs_alloc_build_floor(out, sb, log, famfs_alloc_floor(sb, ht), rep);
}

int famfs_alloc_build_floor(struct famfs_alloc **out,
			    const struct famfs_superblock *sb,
			    const struct famfs_log *log, uint64_t floor,
			    struct famfs_alloc_report *rep)
{
	struct famfs_log_scan scan;
	int rc;

	if (!out || !sb || !log)
		return famfs_fail(-EINVAL, "alloc build: missing argument");
	*out = NULL;
	if (famfs_log_len_check(sb->log_len))
		return famfs_fail_ctx(-EINVAL, "alloc build");
	rc = famfs_log_scan(log, sb->log_len, &scan);
	if (rc)
		return rc;
	return famfs_alloc_build_n(out, sb, log, floor, scan.nvalid, rep);
}

int famfs_alloc_build_n(struct famfs_alloc **out,
			const struct famfs_superblock *sb,
			const struct famfs_log *log, uint64_t floor,
			uint64_t nvalid, struct famfs_alloc_report *rep)
{
	uint64_t *dby = NULL, *pending = NULL, npend = 0;
	struct famfs_map_limits lim;
	struct famfs_alloc *a;
	uint64_t meta_end, i;
	char msg[200];
	int rc;

	if (!out || !sb || !log)
		return famfs_fail(-EINVAL, "alloc build: missing argument");
	*out = NULL;
	if (famfs_log_len_check(sb->log_len))
		return famfs_fail_ctx(-EINVAL, "alloc build");
	if (rep)
		memset(rep, 0, sizeof(*rep));
	meta_end = FAMFS_LOG_OFFSET + sb->log_len;
	if (sb->dev_size % FAMFS_ALLOC_UNIT || sb->dev_size <= meta_end ||
	    sb->dev_size > FAMFS_ALLOC_MAX_DEV || sb->log_len % FAMFS_ALLOC_UNIT)
		return famfs_fail(-EINVAL,
				  "superblock dev_size %llu unusable for allocation (log ends at %llu)",
				  (unsigned long long)sb->dev_size,
				  (unsigned long long)meta_end);
	if (nvalid > famfs_log_capacity(sb->log_len))
		return famfs_fail(-EINVAL, "alloc build: %llu entries in a log of %llu",
				  (unsigned long long)nvalid,
				  (unsigned long long)famfs_log_capacity(sb->log_len));
	rc = deleted_by(sb, log, nvalid, &dby);
	if (rc)
		return rc;
	if (dby)
		pending = malloc((nvalid ? nvalid : 1) * sizeof(*pending));
	a = calloc(1, sizeof(*a));
	if (!a || (dby && !pending)) {
		free(a);
		free(dby);
		free(pending);
		return famfs_fail(-ENOMEM, "out of memory");
	}
	a->nunits = sb->dev_size / FAMFS_ALLOC_UNIT;
	a->bits = calloc((a->nunits + 63) / 64, sizeof(uint64_t));
	if (!a->bits) {
		free(a);
		free(dby);
		free(pending);
		return famfs_fail(-ENOMEM, "out of memory for the allocation bitmap");
	}
	lim = (struct famfs_map_limits){ .dev_size = sb->dev_size,
					 .log_len = sb->log_len };
	a->first_data = meta_end / FAMFS_ALLOC_UNIT;
	a->hint = a->first_data;
	mark(a, 0, meta_end);
	for (i = 0; i < nvalid; i++) {
		/* Work on a copy: the shared memory may change under us. */
		struct famfs_log_entry copy = log->entries[i];
		const struct famfs_log_entry *e = &copy;
		uint64_t n;

		famfs_progress_tick("alloc", i, nvalid);
		if (e->type == FAMFS_LOG_MKDIR) {
			if (rep && !(dby && dby[i] != UINT64_MAX))
				rep->ndirs++;
			continue;
		}
		if (e->type != FAMFS_LOG_FILE)
			continue;
		if (dby && dby[i] != UINT64_MAX) {
			/* Deleted: free once every host released it. */
			if (rep)
				rep->ndeleted++;
			if (dby[i] >= floor)
				pending[npend++] = i;
			continue;
		}
		if (famfs_map_check(&lim, &e->file.fmap, e->file.size)) {
			if (rep) {
				rep->nbad++;
				snprintf(msg, sizeof(msg), "entry %llu: %s",
					 (unsigned long long)i, famfs_errmsg());
				problem(rep, msg);
			}
			continue;
		}
		n = mark_fmap(a, &e->file.fmap);
		if (rep) {
			rep->nfiles++;
			if (n) {
				rep->ncollisions += n;
				snprintf(msg, sizeof(msg),
					 "entry %llu (%.80s): %llu allocation units already in use (cross-linked)",
					 (unsigned long long)i, e->file.relpath,
					 (unsigned long long)n);
				problem(rep, msg);
			}
		}
	}
	/*
	 * Memory still held by a host stays used. Not a collision if a live
	 * file has it: that file was allocated after the release (a host that
	 * mounted later never held the deleted file).
	 */
	for (i = 0; i < npend; i++) {
		struct famfs_log_entry copy = log->entries[pending[i]];
		uint64_t before = a->nused;

		if (famfs_map_check(&lim, &copy.file.fmap, copy.file.size))
			continue;
		mark_fmap(a, &copy.file.fmap);
		if (rep) {
			rep->npending++;
			rep->pending_bytes += (a->nused - before) * FAMFS_ALLOC_UNIT;
		}
	}
	if (rep) {
		rep->used_bytes = a->nused * FAMFS_ALLOC_UNIT;
		rep->size_bytes = a->nunits * FAMFS_ALLOC_UNIT;
		rep->release_floor = dby ? floor : UINT64_MAX;
	}
	free(dby);
	free(pending);
	*out = a;
	return 0;
}

void famfs_alloc_free(struct famfs_alloc *a)
{
	if (!a)
		return;
	free(a->bits);
	free(a);
}

uint64_t famfs_alloc_free_bytes(const struct famfs_alloc *a)
{
	if (!a)
		return 0;
	return (a->nunits - a->nused) * FAMFS_ALLOC_UNIT;
}

/* First free run of @n units in [lo, hi); returns the start or UINT64_MAX. */
static uint64_t find_run(const struct famfs_alloc *a, uint64_t lo, uint64_t hi,
			 uint64_t n)
{
	uint64_t u, run = 0;

	for (u = lo; u < hi; u++) {
		if (test_bit(a, u)) {
			run = 0;
			continue;
		}
		if (++run == n)
			return u + 1 - n;
	}
	return UINT64_MAX;
}

static uint64_t largest_run(const struct famfs_alloc *a)
{
	uint64_t u, run = 0, best = 0;

	for (u = 0; u < a->nunits; u++) {
		run = test_bit(a, u) ? 0 : run + 1;
		if (run > best)
			best = run;
	}
	return best;
}

/* 2 MiB units holding @size bytes (at least one); no overflow. */
static uint64_t units_for(uint64_t size)
{
	uint64_t n = size / FAMFS_ALLOC_UNIT + (size % FAMFS_ALLOC_UNIT != 0);

	return n ? n : 1;
}

int famfs_alloc_contig(struct famfs_alloc *a, uint64_t size,
		       struct famfs_log_fmap *out)
{
	uint64_t n, start, u;

	if (!a || !out)
		return famfs_fail(-EINVAL, "alloc: missing argument");
	if (size > a->nunits * FAMFS_ALLOC_UNIT)
		return famfs_fail(-ENOSPC, "out of space: need %llu bytes, device has %llu",
				  (unsigned long long)size,
				  (unsigned long long)(a->nunits * FAMFS_ALLOC_UNIT));
	n = units_for(size);
	start = find_run(a, a->hint, a->nunits, n);
	if (start == UINT64_MAX)
		start = find_run(a, a->first_data, a->nunits, n);
	if (start == UINT64_MAX)
		return famfs_fail(-ENOSPC, "out of space: need %llu bytes, largest free %llu",
				  (unsigned long long)(n * FAMFS_ALLOC_UNIT),
				  (unsigned long long)(largest_run(a) * FAMFS_ALLOC_UNIT));
	for (u = start; u < start + n; u++)
		set_bit(a, u);
	a->hint = start + n < a->nunits ? start + n : a->first_data;
	memset(out, 0, sizeof(*out));
	out->ext_type = FAMFS_EXT_SIMPLE;
	out->count = 1;
	out->se[0].devindex = 0;
	out->se[0].offset = start * FAMFS_ALLOC_UNIT;
	out->se[0].len = n * FAMFS_ALLOC_UNIT;
	return 0;
}

int famfs_interleave_check(const struct famfs_interleave *il)
{
	if (!il)
		return famfs_fail(-EINVAL, "no interleave parameters");
	if (il->nstrips < 1 || il->nstrips > FAMFS_MAX_STRIPS)
		return famfs_fail(-EINVAL, "nstrips %llu out of range (1..%d)",
				  (unsigned long long)il->nstrips, FAMFS_MAX_STRIPS);
	if (!famfs_is_pow2(il->chunk_size) || il->chunk_size % FAMFS_ALLOC_UNIT ||
	    il->chunk_size > FAMFS_CHUNK_MAX)
		return famfs_fail(-EINVAL,
				  "chunk size %llu must be a power of two, a multiple of 2 MiB and at most %llu (1 GiB)",
				  (unsigned long long)il->chunk_size,
				  (unsigned long long)FAMFS_CHUNK_MAX);
	if (il->nbuckets > FAMFS_MAX_BUCKETS)
		return famfs_fail(-EINVAL, "nbuckets %llu out of range (at most %d)",
				  (unsigned long long)il->nbuckets, FAMFS_MAX_BUCKETS);
	if (il->nbuckets && il->nbuckets < il->nstrips)
		return famfs_fail(-EINVAL,
				  "nbuckets %llu is smaller than nstrips %llu: strips need distinct buckets",
				  (unsigned long long)il->nbuckets,
				  (unsigned long long)il->nstrips);
	return 0;
}

int famfs_alloc_interleaved(struct famfs_alloc *a, uint64_t size,
			    const struct famfs_interleave *il,
			    struct famfs_log_fmap *out)
{
	uint64_t dev = a->nunits * FAMFS_ALLOC_UNIT;
	uint64_t nb, bunits, stripe_bytes, nstripes, sunits;
	uint64_t b = 0, tried, got = 0, u, start;
	struct famfs_interleaved_ext *ie;
	int rc;

	if (!a || !out)
		return famfs_fail(-EINVAL, "alloc: missing argument");
	rc = famfs_interleave_check(il);
	if (rc)
		return rc;
	nb = il->nbuckets;
	if (!nb)
		nb = dev / FAMFS_GiB < FAMFS_MAX_BUCKETS ? dev / FAMFS_GiB :
							     FAMFS_MAX_BUCKETS;
	if (nb < il->nstrips || dev / nb < FAMFS_GiB)
		return famfs_fail(-EINVAL,
				  "device of %llu bytes is too small for %llu strips in %llu buckets of at least 1 GiB",
				  (unsigned long long)dev, (unsigned long long)il->nstrips,
				  (unsigned long long)(nb > il->nstrips ? nb : il->nstrips));
	bunits = a->nunits / nb;
	/* Every product below is overflow-checked: sizes may be hostile. */
	if (__builtin_mul_overflow(il->nstrips, il->chunk_size, &stripe_bytes) ||
	    !stripe_bytes)
		return famfs_fail(-EINVAL, "%llu strips of %llu bytes overflow",
				  (unsigned long long)il->nstrips,
				  (unsigned long long)il->chunk_size);
	nstripes = size / stripe_bytes + (size % stripe_bytes != 0);
	if (!nstripes)
		nstripes = 1;
	if (nstripes > dev / il->chunk_size ||
	    __builtin_mul_overflow(nstripes, il->chunk_size, &sunits))
		return famfs_fail(-ENOSPC, "out of space: need %llu bytes",
				  (unsigned long long)size);
	sunits /= FAMFS_ALLOC_UNIT;
	memset(out, 0, sizeof(*out));
	out->ext_type = FAMFS_EXT_INTERLEAVE;
	out->count = 1;
	ie = &out->ie[0];
	ie->nstrips = il->nstrips;
	ie->chunk_size = il->chunk_size;
	for (tried = 0; tried < nb && got < il->nstrips; tried++) {
		b = (a->bucket_hint + tried) % nb;
		start = find_run(a, b * bunits, (b + 1) * bunits, sunits);
		if (start == UINT64_MAX)
			continue;
		for (u = start; u < start + sunits; u++)
			set_bit(a, u);
		ie->strips[got].devindex = 0;
		ie->strips[got].offset = start * FAMFS_ALLOC_UNIT;
		ie->strips[got].len = sunits * FAMFS_ALLOC_UNIT;
		got++;
	}
	if (got < il->nstrips) {
		ie->nstrips = got;
		famfs_alloc_release(a, out);
		memset(out, 0, sizeof(*out));
		return famfs_fail(-ENOSPC,
				  "out of space: only %llu of %llu buckets have %llu free contiguous bytes",
				  (unsigned long long)got,
				  (unsigned long long)il->nstrips,
				  (unsigned long long)(sunits * FAMFS_ALLOC_UNIT));
	}
	a->bucket_hint = (b + 1) % nb;
	return 0;
}

/*
 * Mark a map this process holds but has not logged yet (a staged create)
 * in a bitmap rebuilt from the log, so it is not handed out twice.
 */
int famfs_alloc_claim(struct famfs_alloc *a, const struct famfs_log_fmap *f)
{
	const struct famfs_simple_extent *se;
	uint64_t end, cap;
	unsigned int i, n;

	if (!a || !f)
		return famfs_fail(-EINVAL, "alloc claim: missing argument");
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		se = f->se;
		n = f->count;
		if (n > FAMFS_MAX_SIMPLE_EXT)
			return famfs_fail(-EINVAL, "alloc claim: bad map");
	} else {
		se = f->ie[0].strips;
		n = f->ie[0].nstrips;
		if (f->ext_type != FAMFS_EXT_INTERLEAVE || n > FAMFS_MAX_STRIPS)
			return famfs_fail(-EINVAL, "alloc claim: bad map");
	}
	cap = a->nunits * FAMFS_ALLOC_UNIT;
	for (i = 0; i < n; i++)
		if (famfs_add_overflows(se[i].offset, se[i].len, &end) || end > cap)
			return famfs_fail(-EINVAL, "alloc claim: map beyond the device");
	if (mark_fmap(a, f))
		return famfs_fail(-EADDRINUSE, "a staged map overlaps memory in use");
	return 0;
}

void famfs_alloc_release(struct famfs_alloc *a, const struct famfs_log_fmap *f)
{
	const struct famfs_simple_extent *se;
	unsigned int i, n;
	uint64_t u, end;

	if (!a || !f)
		return;
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		se = f->se;
		n = f->count < FAMFS_MAX_SIMPLE_EXT ? f->count : FAMFS_MAX_SIMPLE_EXT;
	} else {
		se = f->ie[0].strips;
		n = f->ie[0].nstrips < FAMFS_MAX_STRIPS ? f->ie[0].nstrips : FAMFS_MAX_STRIPS;
	}
	for (i = 0; i < n; i++) {
		if (famfs_add_overflows(se[i].offset, se[i].len, &end))
			end = UINT64_MAX;
		for (u = se[i].offset / FAMFS_ALLOC_UNIT;
		     u < end / FAMFS_ALLOC_UNIT && u < a->nunits; u++)
			if (u >= a->first_data)
				clear_bit(a, u);
	}
}
