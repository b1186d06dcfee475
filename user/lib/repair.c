// SPDX-License-Identifier: GPL-2.0
/*
 * Log repair for fsck: a torn or damaged log tail (a crash in the middle of
 * an append, a stray write) makes every later append refuse with "log
 * damaged; run fsck". Repair truncates the log to its longest valid prefix,
 * which is exactly what every reader already replays, so the namespace any
 * host sees does not change; only the header is made to agree and the
 * dropped slots are cleared.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "famfs_priv.h"

bool famfs_log_entry_is_zero(const struct famfs_log_entry *e)
{
	const uint64_t *w = (const uint64_t *)e;
	size_t i;

	for (i = 0; i < sizeof(*e) / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* Is the checked part of the header (magic, len, last_index, CRC) good? */
static bool header_fixed_ok(const struct famfs_log *log, uint64_t log_len,
			    char *why, size_t len)
{
	uint64_t last = famfs_log_capacity(log_len) - 1;

	if (log->magic != FAMFS_LOG_MAGIC) {
		snprintf(why, len, "log header: bad magic 0x%llx",
			 (unsigned long long)log->magic);
		return false;
	}
	if (log->crc != famfs_log_hdr_crc(log)) {
		snprintf(why, len, "log header: CRC mismatch (stored 0x%llx, computed 0x%llx)",
			 (unsigned long long)log->crc,
			 (unsigned long long)famfs_log_hdr_crc(log));
		return false;
	}
	if (log->len != log_len || log->last_index != last) {
		snprintf(why, len,
			 "log header: length %llu / last index %llu do not match the superblock's log of %llu bytes",
			 (unsigned long long)log->len,
			 (unsigned long long)log->last_index,
			 (unsigned long long)log_len);
		return false;
	}
	return true;
}

int famfs_log_repair_plan(const struct famfs_superblock *sb,
			  const struct famfs_log *log,
			  struct famfs_log_repair *r)
{
	uint64_t cap, limit, i;
	char why[160];

	if (!sb || !log || !r)
		return famfs_fail(-EINVAL, "repair plan: missing argument");
	memset(r, 0, sizeof(*r));
	if (famfs_log_len_check(sb->log_len))
		return famfs_fail(-EINVAL, "repair plan: bad log length in the superblock");
	cap = famfs_log_capacity(sb->log_len);
	r->old_next_index = log->next_index;
	r->old_next_seqnum = log->next_seqnum;
	if (!header_fixed_ok(log, sb->log_len, r->why, sizeof(r->why))) {
		/* Nothing in the header can be believed: scan the whole log. */
		r->header_rebuilt = true;
		limit = cap;
	} else if (log->next_index > cap) {
		snprintf(r->why, sizeof(r->why),
			 "log header: next_index %llu beyond the log's %llu entries",
			 (unsigned long long)log->next_index,
			 (unsigned long long)cap);
		r->header_count_bad = true;
		limit = cap;
	} else {
		limit = log->next_index;
		if (log->next_seqnum != log->next_index) {
			snprintf(r->why, sizeof(r->why),
				 "log header: next_seqnum %llu differs from next_index %llu",
				 (unsigned long long)log->next_seqnum,
				 (unsigned long long)log->next_index);
			r->header_count_bad = true;
		}
	}
	for (i = 0; i < limit; i++)
		if (!famfs_log_entry_valid(&log->entries[i], i, why, sizeof(why)))
			break;
	r->nvalid = i;
	if (i < limit && !r->why[0])
		snprintf(r->why, sizeof(r->why), "entry %llu: %s",
			 (unsigned long long)i, why);
	r->drop_end = limit;
	for (; i < limit; i++)
		if (!famfs_log_entry_is_zero(&log->entries[i]))
			r->ndropped++;
	r->needed = r->header_rebuilt || r->header_count_bad ||
		    r->nvalid != limit;
	return 0;
}

int famfs_log_repair_apply(const struct famfs_superblock *sb,
			   struct famfs_log *log,
			   const struct famfs_log_repair *r)
{
	uint64_t cap, i;

	if (!sb || !log || !r)
		return famfs_fail(-EINVAL, "repair: missing argument");
	if (famfs_log_len_check(sb->log_len))
		return famfs_fail(-EINVAL, "repair: bad log length in the superblock");
	cap = famfs_log_capacity(sb->log_len);
	if (r->nvalid > cap || r->drop_end > cap || r->nvalid > r->drop_end)
		return famfs_fail(-EINVAL, "repair: the plan does not fit this log");
	for (i = 0; i < r->nvalid; i++)
		if (!famfs_log_entry_valid(&log->entries[i], i, NULL, 0))
			return famfs_fail(-EINVAL,
					  "repair: entry %llu changed since the plan was made",
					  (unsigned long long)i);
	if (!r->needed)
		return 0;
	/*
	 * First the header: from now on every reader stops at nvalid, as it
	 * already did. next_index first: it is what readers bound the scan by.
	 */
	if (r->header_rebuilt) {
		struct famfs_log fresh;

		famfs_log_init(&fresh, sb->log_len);
		fresh.next_index = r->nvalid;
		fresh.next_seqnum = r->nvalid;
		memcpy(log, &fresh, sizeof(fresh));
	} else {
		log->next_index = r->nvalid;
		log->next_seqnum = r->nvalid;
	}
	famfs_flush(log, sizeof(*log));
	/* Then clear the dropped slots (metadata only, never file data). */
	for (i = r->nvalid; i < r->drop_end; i++) {
		struct famfs_log_entry *e = &log->entries[i];

		if (famfs_log_entry_is_zero(e))
			continue;
		memset(e, 0, sizeof(*e));
		famfs_flush(e, sizeof(*e));
	}
	return 0;
}
