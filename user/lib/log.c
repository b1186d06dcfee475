// SPDX-License-Identifier: GPL-2.0
/* Log header, entry CRCs, scanning and appending (spec §3, §4). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "famfs_priv.h"
#include "progress.h"
#include "stats.h"

uint64_t famfs_log_hdr_crc(const struct famfs_log *log)
{
	if (!log)
		return 0;
	return crc32(crc32(0L, Z_NULL, 0), (const Bytef *)log,
		     FAMFS_LOG_HDR_CRC_LEN);
}

uint64_t famfs_log_entry_crc(const struct famfs_log_entry *e)
{
	if (!e)
		return 0;
	return crc32(crc32(0L, Z_NULL, 0), (const Bytef *)e,
		     FAMFS_LOG_ENTRY_CRC_LEN);
}

int famfs_log_check(const struct famfs_log *log, uint64_t log_len)
{
	uint64_t last;

	if (!log)
		return famfs_fail(-EINVAL, "no log header");
	if (log_len < sizeof(*log) + sizeof(struct famfs_log_entry))
		return famfs_fail(-EINVAL, "log length %llu too small",
				  (unsigned long long)log_len);
	last = famfs_log_capacity(log_len) - 1;
	if (log->magic != FAMFS_LOG_MAGIC)
		return famfs_fail(-EBADMSG, "bad log magic 0x%llx (expected 0x%llx)",
				  (unsigned long long)log->magic, FAMFS_LOG_MAGIC);
	if (log->crc != famfs_log_hdr_crc(log))
		return famfs_fail(-EBADMSG,
				  "log header CRC mismatch (stored 0x%llx, computed 0x%llx)",
				  (unsigned long long)log->crc,
				  (unsigned long long)famfs_log_hdr_crc(log));
	if (log->len != log_len)
		return famfs_fail(-EINVAL,
				  "log header length %llu differs from the superblock's %llu",
				  (unsigned long long)log->len,
				  (unsigned long long)log_len);
	if (log->last_index != last)
		return famfs_fail(-EINVAL,
				  "log last_index %llu wrong for a %llu-byte log (expected %llu)",
				  (unsigned long long)log->last_index,
				  (unsigned long long)log_len,
				  (unsigned long long)last);
	if (log->next_index > last + 1)
		return famfs_fail(-EINVAL,
				  "log next_index %llu beyond the last entry %llu",
				  (unsigned long long)log->next_index,
				  (unsigned long long)last);
	if (log->next_seqnum != log->next_index)
		return famfs_fail(-EINVAL,
				  "log next_seqnum %llu differs from next_index %llu",
				  (unsigned long long)log->next_seqnum,
				  (unsigned long long)log->next_index);
	return 0;
}

void famfs_log_init(struct famfs_log *log, uint64_t log_len)
{
	if (!log || famfs_log_len_check(log_len))
		return;
	memset(log, 0, sizeof(*log));
	log->magic = FAMFS_LOG_MAGIC;
	log->len = log_len;
	log->last_index = famfs_log_capacity(log_len) - 1;
	log->crc = famfs_log_hdr_crc(log);
	log->next_seqnum = 0;
	log->next_index = 0;
}

bool famfs_log_entry_valid(const struct famfs_log_entry *e, uint64_t index,
			   char *why, size_t len)
{
	uint64_t crc;

	if (e->seqnum != index) {
		if (why)
			snprintf(why, len, "seqnum %llu != index",
				 (unsigned long long)e->seqnum);
		return false;
	}
	crc = famfs_log_entry_crc(e);
	if (e->crc != crc) {
		if (why)
			snprintf(why, len,
				 "CRC mismatch (stored 0x%llx, computed 0x%llx)",
				 (unsigned long long)e->crc,
				 (unsigned long long)crc);
		return false;
	}
	return true;
}

int famfs_log_scan(const struct famfs_log *log, uint64_t log_len,
		   struct famfs_log_scan *s)
{
	return famfs_log_scan_from(log, log_len, 0, s);
}

int famfs_log_scan_from(const struct famfs_log *log, uint64_t log_len,
			uint64_t from, struct famfs_log_scan *s)
{
	uint64_t cap = famfs_log_capacity(log_len), n, i, t0 = famfs_stats_now();

	if (!log || !s)
		return famfs_fail(-EINVAL, "log scan: missing argument");
	memset(s, 0, sizeof(*s));
	if (log_len < sizeof(*log) + sizeof(struct famfs_log_entry) ||
	    log->last_index + 1 != cap)
		return famfs_fail(-EINVAL, "log header unusable for scanning");
	s->hdr_next_index = log->next_index;
	n = log->next_index < cap ? log->next_index : cap;
	/* Entries before @from are known valid: a header that shrank below
	 * them leaves a valid prefix of n, as a full scan would find. */
	for (i = from < n ? from : n; i < n; i++) {
		famfs_progress_tick("scan", i, n);
		/* Only the reason: every caller names bad_index. */
		if (!famfs_log_entry_valid(&log->entries[i], i, s->why,
					   sizeof(s->why)))
			break;
	}
	famfs_stats_add(FAMFS_STAT_CRC_CHECKED, i - (from < n ? from : n));
	s->nvalid = i;
	if (i < n) {
		s->damaged = true;
		s->bad_index = i;
	}
	famfs_stats_since(FAMFS_STAT_NS_SCAN, t0);
	return 0;
}

/*
 * Test hook for torn appends: with FAMFS_TEST_CRASH_AT=N in the
 * environment the process dies (exit 99, like a SIGKILL: nothing is
 * cleaned up) at the N-th crash point of its appends. Five points per
 * append: before it, half the entry written, the entry written before the
 * header, the header half updated, after it.
 */
static void crash_point(void)
{
	static long at = -2, n;

	if (at == -2) {
		const char *s = getenv("FAMFS_TEST_CRASH_AT");

		at = s && *s ? strtol(s, NULL, 10) : -1;
	}
	if (at > 0 && ++n == at)
		_exit(99);
}

int famfs_log_append(struct famfs_log *log, uint64_t log_len,
		     struct famfs_log_entry *e)
{
	struct famfs_map_limits lim = { .log_len = log_len };
	struct famfs_log_entry *slot;
	uint64_t idx;
	int rc;

	if (!log || !e)
		return famfs_fail(-EINVAL, "append: no log or no entry");
	rc = famfs_log_len_check(log_len);
	if (rc)
		return famfs_fail_ctx(rc, "cannot append to the log");
	rc = famfs_log_check(log, log_len);
	if (rc)
		return famfs_fail_ctx(rc, "cannot append to the log");
	if (e->type > FAMFS_LOG_INVALID)
		return famfs_fail(-EINVAL, "bad log entry type %u", e->type);
	/* Never log a name or a map that no reader could use. */
	if (e->type == FAMFS_LOG_FILE || e->type == FAMFS_LOG_MKDIR) {
		const char *name = e->type == FAMFS_LOG_FILE ? e->file.relpath :
							      e->mkdir.relpath;

		if (famfs_relpath_len(name) < 0)
			return famfs_fail(-ENAMETOOLONG, "append: relpath not NUL-terminated");
		rc = famfs_relpath_check(name);
		if (rc)
			return famfs_fail_ctx(rc, "cannot append to the log");
	}
	if (e->type == FAMFS_LOG_FILE) {
		rc = famfs_map_check(&lim, &e->file.fmap, e->file.size);
		if (rc)
			return famfs_fail_ctx(rc, "cannot append '%s' to the log",
					      e->file.relpath);
	}
	idx = log->next_index;
	if (idx > log->last_index)
		return famfs_fail(-ENOSPC, "log full (%llu entries)" FAMFS_LOG_FULL_HINT,
				  (unsigned long long)(log->last_index + 1));
	e->seqnum = idx;
	e->crc = famfs_log_entry_crc(e);
	slot = &log->entries[idx];
	crash_point();
	memcpy(slot, e, sizeof(*slot) / 2);
	crash_point();
	memcpy((uint8_t *)slot + sizeof(*slot) / 2, (uint8_t *)e + sizeof(*slot) / 2,
	       sizeof(*slot) - sizeof(*slot) / 2);
	famfs_flush(slot, sizeof(*slot));
	crash_point();
	/* The entry is durable before the header makes it visible. */
	log->next_seqnum = idx + 1;
	famfs_flush(log, sizeof(*log));
	crash_point();
	log->next_index = idx + 1;
	famfs_flush(log, sizeof(*log));
	crash_point();
	return 0;
}

int famfs_relpath_len(const char *field)
{
	const char *nul = memchr(field, 0, FAMFS_MAX_PATHLEN);

	return nul ? (int)(nul - field) : -1;
}

int famfs_relpath_check(const char *relpath)
{
	size_t len;
	const char *p, *c;

	if (!relpath)
		return famfs_fail(-EINVAL, "no path");
	len = strlen(relpath);
	if (len == 0)
		return famfs_fail(-EINVAL, "empty path");
	if (len > FAMFS_MAX_PATHLEN - 1)
		return famfs_fail(-ENAMETOOLONG,
				  "path '%.100s' is %zu bytes; famfs allows at most %d",
				  relpath, len, FAMFS_MAX_PATHLEN - 1);
	if (relpath[0] == '/')
		return famfs_fail(-EINVAL, "path '%s' is absolute; expected relative to the mount",
				  relpath);
	if (relpath[len - 1] == '/')
		return famfs_fail(-EINVAL, "path '%s' ends with '/'", relpath);
	for (p = relpath; *p; p = c + (*c ? 1 : 0)) {
		size_t n;

		c = strchrnul(p, '/');
		n = c - p;
		if (n == 0)
			return famfs_fail(-EINVAL, "path '%s' contains '//'", relpath);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return famfs_fail(-EINVAL,
					  "path '%s' has a '.' or '..' component", relpath);
		if (!*c)
			break;
	}
	return 0;
}

int famfs_entry_file(struct famfs_log_entry *e, const char *relpath,
		     uint64_t size, uint32_t mode, uint32_t uid, uint32_t gid,
		     const struct famfs_log_fmap *fmap)
{
	int rc;

	if (!e)
		return famfs_fail(-EINVAL, "no entry to fill");
	memset(e, 0, sizeof(*e));
	rc = famfs_relpath_check(relpath);
	if (rc)
		return rc;
	e->type = FAMFS_LOG_FILE;
	e->file.size = size;
	e->file.flags = FAMFS_FM_ALL_HOSTS_RW;
	e->file.uid = uid;
	e->file.gid = gid;
	e->file.mode = mode & 07777;
	memcpy(e->file.relpath, relpath, strlen(relpath) + 1);
	if (fmap)
		memcpy(&e->file.fmap, fmap, sizeof(*fmap));
	return 0;
}

int famfs_entry_mkdir(struct famfs_log_entry *e, const char *relpath,
		      uint32_t mode, uint32_t uid, uint32_t gid)
{
	int rc;

	if (!e)
		return famfs_fail(-EINVAL, "no entry to fill");
	memset(e, 0, sizeof(*e));
	rc = famfs_relpath_check(relpath);
	if (rc)
		return rc;
	e->type = FAMFS_LOG_MKDIR;
	e->mkdir.uid = uid;
	e->mkdir.gid = gid;
	e->mkdir.mode = mode & 07777;
	memcpy(e->mkdir.relpath, relpath, strlen(relpath) + 1);
	return 0;
}
