// SPDX-License-Identifier: GPL-2.0
/* fsck: superblock, log header, entries, allocation, namespace. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "famfs_priv.h"

static __attribute__((format(printf, 2, 3)))
void report(struct famfs_fsck_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nproblems >= FAMFS_FSCK_MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(r->problems[r->nproblems++], sizeof(r->problems[0]), fmt, ap);
	va_end(ap);
}

static void check_namespace(const struct famfs_superblock *sb,
			    const struct famfs_log *log, uint64_t dev_size,
			    struct famfs_fsck_report *r)
{
	struct famfs_action *acts;
	size_t n, i;

	if (famfs_replay_plan_ex(log, sb->log_len, dev_size, famfs_plan_flags(sb),
				 famfs_lookup_empty, NULL, &acts, &n)) {
		report(r, "replay planning failed: %s", famfs_errmsg());
		r->nerrors++;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct famfs_action *a = &acts[i];

		if (a->type != FAMFS_ACT_BAD)
			continue;
		if (a->err == -EADDRINUSE) {
			/* Its units are already counted as collisions. */
			r->ncrosslinked++;
			report(r, "entry %llu (%.80s): %s", (unsigned long long)a->index,
			       a->relpath, a->why);
			continue;
		}
		r->nbad_entries++;
		r->nerrors++;
		if (a->err == -EISDIR || a->err == -ENOTDIR || a->err == -ENOENT)
			r->nconflicts++;
		report(r, "entry %llu (%.80s): %s", (unsigned long long)a->index,
		       a->relpath, a->why);
	}
	free(acts);
}

int famfs_fsck(const struct famfs_superblock *sb, const struct famfs_log *log,
	       uint64_t dev_size, struct famfs_fsck_report *r)
{
	return famfs_fsck_ht(sb, log, NULL, dev_size, r);
}

/* Slots nobody can read: their hosts count as holding everything. */
static void check_slots(const void *ht, struct famfs_fsck_report *r)
{
	struct famfs_ht_copies c;
	uint32_t i;

	for (i = 0; i < FAMFS_HT_NSLOTS; i++) {
		famfs_ht_slot_copies(famfs_ht_slot(ht, i), &c);
		if (!c.host_ok && c.host_bad) {
			report(r, "host table slot %u: both copies of its host record are damaged; an unknown host that holds all deleted memory (fsck --repair names it, famfs host evict frees it)",
			       i);
			r->nerrors++;
		}
		if (!c.fence_ok && c.fence_bad) {
			report(r, "host table slot %u: both copies of its fence record are damaged (fsck --repair clears it)",
			       i);
			r->nerrors++;
		}
	}
}

int famfs_fsck_ht(const struct famfs_superblock *sb, const struct famfs_log *log,
		  const void *ht, uint64_t dev_size, struct famfs_fsck_report *r)
{
	struct famfs_alloc *a;
	uint64_t size;

	if (!r)
		return famfs_fail(-EINVAL, "fsck: no report");
	memset(r, 0, sizeof(*r));
	if (!sb)
		return famfs_fail(-EINVAL, "fsck: no superblock to check");
	r->sb_err = famfs_sb_check(sb, dev_size);
	if (r->sb_err) {
		report(r, "superblock: %s", famfs_errmsg());
		r->nerrors++;
		return 1;
	}
	size = dev_size ? dev_size : sb->dev_size;
	if (sb->dev_size > size || sb->dev_size <= FAMFS_LOG_OFFSET + sb->log_len) {
		report(r, "superblock: dev_size %llu does not fit the device (%llu bytes)",
		       (unsigned long long)sb->dev_size, (unsigned long long)size);
		r->nerrors++;
		return 1;
	}
	if (!log)
		return famfs_fail(-EINVAL, "fsck: no log to check");
	r->log_capacity = famfs_log_capacity(sb->log_len);
	r->log_err = famfs_log_check(log, sb->log_len);
	if (r->log_err) {
		report(r, "log header: %s", famfs_errmsg());
		r->nerrors++;
		return 1;
	}
	famfs_log_scan(log, sb->log_len, &r->scan);
	if (!famfs_sb_has_delete(sb)) {
		uint64_t i;

		/* Replay ignores them, as upstream does; fsck says so. */
		for (i = 0; i < r->scan.nvalid; i++)
			if (log->entries[i].type == FAMFS_LOG_DELETE) {
				report(r, "entry %llu: DELETE entry in a file system without the delete feature (ignored by replay)",
				       (unsigned long long)i);
				r->nerrors++;
			}
	}
	if (r->scan.damaged) {
		report(r, "log: header claims %llu entries but only %llu are valid: %s",
		       (unsigned long long)r->scan.hdr_next_index,
		       (unsigned long long)r->scan.nvalid, r->scan.why);
		r->nerrors++;
	}
	r->delete_enabled = famfs_sb_has_delete(sb);
	if (r->delete_enabled && ht) {
		r->ht_checked = true;
		r->ht_err = famfs_ht_check(ht, sb);
		if (r->ht_err) {
			report(r, "%s", famfs_errmsg());
			r->nerrors++;
			ht = NULL;	/* nothing it says can be believed */
		} else {
			check_slots(ht, r);
		}
	}
	if (famfs_alloc_build_ht(&a, sb, log, ht, &r->alloc)) {
		report(r, "allocation: %s", famfs_errmsg());
		r->nerrors++;
		return 1;
	}
	famfs_alloc_free(a);
	if (r->alloc.ncollisions) {
		report(r, "allocation: %llu allocation units used by more than one file; %s",
		       (unsigned long long)r->alloc.ncollisions, r->alloc.first_problem);
		r->nerrors += r->alloc.ncollisions;
	}
	/* Bad maps are counted once, by the namespace check below. */
	check_namespace(sb, log, sb->dev_size, r);
	return r->nerrors ? 1 : 0;
}
