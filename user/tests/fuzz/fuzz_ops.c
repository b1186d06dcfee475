// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: sequences of offline operations (mkdir, creat, interleaved
 * creat, write, read, reopen) on a fresh image, then fsck. Invariant:
 * whatever sequence of operations succeeded, fsck finds the image clean,
 * and bytes written read back unchanged.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libfamfs.h"

#define DEV_SIZE	(8ULL << 30)	/* sparse: room for 8 buckets of 1 GiB */

static int memfd = -1;
static char path[64];
static uuid_t me;
static struct famfs_superblock pristine_sb;
static struct famfs_log pristine_log;

static const char *const pool[] = {
	"a", "b", "c", "a/x", "a/y", "b/z", "a/x/deep", "c/d", "long/name/here/x",
};

static char uuidf[128];

static void drop_uuid_file(void)
{
	unlink(uuidf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(uuidf, sizeof(uuidf), "/tmp/famfs-fuzz-uuid.%d", (int)getpid());
	setenv(FAMFS_SYSTEM_UUID_ENV, uuidf, 1);
	if (famfs_system_uuid(me))
		abort();
	atexit(drop_uuid_file);
	memfd = memfd_create("famfs-fuzz", MFD_CLOEXEC);
	if (memfd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	/* Format once; each run restores the metadata (much cheaper). */
	{
		struct famfs_dev d;

		if (ftruncate(memfd, DEV_SIZE) || famfs_dev_open(path, true, &d) ||
		    famfs_mkfs(&d, 0, me, true))
			abort();
		memcpy(&pristine_sb, d.base, sizeof(pristine_sb));
		memcpy(&pristine_log, d.base + FAMFS_LOG_OFFSET, sizeof(pristine_log));
		famfs_dev_close(&d);
	}
	return 0;
}

/* Back to the freshly formatted state: superblock, header, used entries. */
static void reformat(void)
{
	struct famfs_log *log;
	struct famfs_dev d;
	uint64_t used;

	if (famfs_dev_open(path, true, &d))
		abort();
	log = (struct famfs_log *)(d.base + FAMFS_LOG_OFFSET);
	used = log->next_index <= log->last_index + 1 ? log->next_index : log->last_index + 1;
	memset(log->entries, 0, (used + 1) * sizeof(struct famfs_log_entry));
	memcpy(d.base, &pristine_sb, sizeof(pristine_sb));
	memcpy(log, &pristine_log, sizeof(pristine_log));
	famfs_dev_close(&d);
}

struct cursor {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct cursor *c, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes-- && c->n) {
		v = v << 8 | *c->p++;
		c->n--;
	}
	return v;
}

static void name(struct cursor *c, char *out, size_t len)
{
	uint8_t b = (uint8_t)take(c, 1);
	size_t k, i;

	if (b < 0xf0) {
		snprintf(out, len, "%s", pool[b % (sizeof(pool) / sizeof(pool[0]))]);
		return;
	}
	k = b - 0xef;			/* 1..16 raw bytes: maybe hostile */
	for (i = 0; i < k && i + 1 < len; i++)
		out[i] = (char)take(c, 1);
	out[i] = 0;
}

static void fsck_clean(void)
{
	struct famfs_fsck_report r;
	struct famfs_dev d;

	if (famfs_dev_open(path, false, &d))
		abort();
	if (famfs_fsck((void *)d.base, (void *)(d.base + FAMFS_LOG_OFFSET), d.size, &r)) {
		fprintf(stderr, "fsck not clean after successful operations: %s\n",
			r.nproblems ? r.problems[0] : "?");
		abort();
	}
	famfs_dev_close(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	struct famfs_fs *fs = NULL;
	uint8_t buf[4096], back[4096];
	char n[32];
	unsigned int ops = 0;

	reformat();
	if (famfs_fs_open_device(path, true, &fs))
		abort();
	while (c.n && ops++ < 64) {
		uint8_t op = (uint8_t)take(&c, 1);
		struct famfs_interleave il;
		uint64_t sz, off, len;

		name(&c, n, sizeof(n));
		switch (op % 7) {
		case 0:
			famfs_fs_mkdir(fs, n, 0755, 0, 0, op & 0x80);
			break;
		case 1:
			sz = take(&c, 2) << (op >> 4);	/* up to ~ 2 GiB */
			famfs_fs_creat(fs, n, sz, 0644, 0, 0, NULL, NULL, NULL);
			break;
		case 2:
			il.nstrips = take(&c, 1) % 18;
			il.nbuckets = take(&c, 1) % 70;
			il.chunk_size = (2ULL << 20) << (take(&c, 1) % 12);
			sz = take(&c, 3) << 8;
			famfs_fs_creat(fs, n, sz, 0644, 0, 0, &il, NULL, NULL);
			break;
		case 3:		/* hostile sizes */
			sz = take(&c, 8);
			famfs_fs_creat(fs, n, sz, 0644, 0, 0, NULL, NULL, NULL);
			il.nstrips = 1 + take(&c, 1) % 16;
			il.nbuckets = 0;
			il.chunk_size = take(&c, 8);
			famfs_fs_creat(fs, n, sz, 0644, 0, 0, &il, NULL, NULL);
			break;
		case 4:
			off = take(&c, 3);
			len = take(&c, 2) % sizeof(buf);
			memset(buf, op, len);
			if (famfs_fs_write(fs, n, off, buf, len) == 0) {
				if (famfs_fs_read(fs, n, off, back, len) ||
				    memcmp(buf, back, len))
					abort();	/* written bytes read back */
			}
			break;
		case 5:
			famfs_fs_read(fs, n, take(&c, 3), back, take(&c, 2) % sizeof(back));
			break;
		case 6:
			famfs_fs_close(fs);
			if (famfs_fs_open_device(path, true, &fs))
				abort();
			break;
		}
	}
	famfs_fs_close(fs);
	fsck_clean();
	return 0;
}
