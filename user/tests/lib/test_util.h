/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers for the libfamfs unit tests (header-only). */
#ifndef FAMFS_TEST_UTIL_H
#define FAMFS_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libfamfs.h"
#include "tap.h"

static char t_dir[256];

static int t_rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void t_cleanup(void)
{
	if (t_dir[0])
		nftw(t_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private temp dir (removed at exit) with this host's system UUID file in it. */
static inline const char *t_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char uuidf[300];

	snprintf(t_dir, sizeof(t_dir), "%s/famfs-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(t_dir)) {
		perror("mkdtemp");
		exit(2);
	}
	atexit(t_cleanup);
	snprintf(uuidf, sizeof(uuidf), "%s/system_uuid", t_dir);
	setenv(FAMFS_SYSTEM_UUID_ENV, uuidf, 1);
	return t_dir;
}

/* Create a sparse image file of @size bytes; returns its path (static). */
static inline const char *t_image(const char *name, uint64_t size)
{
	static char path[4][320];
	static int k;
	char *p = path[k++ % 4];
	int fd;

	snprintf(p, 320, "%s/%s", t_dir, name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		perror(p);
		exit(2);
	}
	close(fd);
	return p;
}

/* An in-memory superblock + log (no device), for allocator/replay tests. */
struct t_mem {
	struct famfs_superblock sb;
	struct famfs_log *log;
};

static inline void t_mem_init(struct t_mem *m, uint64_t dev_size, uint64_t log_len)
{
	uuid_t u;

	uuid_generate(u);
	famfs_sb_init(&m->sb, dev_size, log_len, u, "mem");
	m->log = calloc(1, log_len);
	if (!m->log)
		exit(2);
	famfs_log_init(m->log, log_len);
}

static inline void t_mem_free(struct t_mem *m)
{
	free(m->log);
}

static inline void t_forge(struct t_mem *m, struct famfs_log_entry *e);

/*
 * Append a FILE entry with a one-extent map (CRC handled by the library).
 * A map the library refuses to log (inside the log, unaligned, ...) is
 * forged with a valid CRC instead, so readers can be tested on it.
 */
static inline int t_add_file(struct t_mem *m, const char *rel, uint64_t off,
			     uint64_t len, uint64_t size)
{
	struct famfs_log_fmap f;
	struct famfs_log_entry e;
	int rc;

	memset(&f, 0, sizeof(f));
	f.ext_type = FAMFS_EXT_SIMPLE;
	f.count = 1;
	f.se[0].offset = off;
	f.se[0].len = len;
	rc = famfs_entry_file(&e, rel, size, 0644, 0, 0, &f);
	if (rc)
		return rc;
	rc = famfs_log_append(m->log, m->sb.log_len, &e);
	if (rc == -EINVAL && m->log->next_index <= m->log->last_index) {
		t_forge(m, &e);
		rc = 0;
	}
	return rc;
}

static inline int t_add_dir(struct t_mem *m, const char *rel)
{
	struct famfs_log_entry e;
	int rc;

	rc = famfs_entry_mkdir(&e, rel, 0755, 0, 0);
	if (rc)
		return rc;
	return famfs_log_append(m->log, m->sb.log_len, &e);
}

/*
 * Append an arbitrary raw entry (after mutation), recomputing seqnum/CRC.
 * A FILE or MKDIR entry the library refuses to log (bad name or map) is
 * forged with a valid CRC instead; an unknown type stays refused.
 */
static inline int t_add_raw(struct t_mem *m, struct famfs_log_entry *e)
{
	int rc = famfs_log_append(m->log, m->sb.log_len, e);

	if ((rc == -EINVAL || rc == -ENAMETOOLONG) && e->type <= FAMFS_LOG_INVALID &&
	    m->log->next_index <= m->log->last_index) {
		t_forge(m, e);
		rc = 0;
	}
	return rc;
}

/* Write an entry the library would refuse (e.g. unknown type), valid CRC. */
static inline void t_forge(struct t_mem *m, struct famfs_log_entry *e)
{
	uint64_t i = m->log->next_index;

	e->seqnum = i;
	e->crc = famfs_log_entry_crc(e);
	m->log->entries[i] = *e;
	m->log->next_index = m->log->next_seqnum = i + 1;
}

#endif /* FAMFS_TEST_UTIL_H */
