// SPDX-License-Identifier: GPL-2.0
/* Replay planning on crafted logs (spec §6 namespace rules). */
#include "test_util.h"

#define MiB FAMFS_MiB

static struct famfs_action *acts;
static size_t nacts;

static int plan(struct t_mem *m, famfs_lookup_fn fn, void *ctx)
{
	free(acts);
	acts = NULL;
	return famfs_replay_plan(m->log, m->sb.log_len, m->sb.dev_size,
				 fn ? fn : famfs_lookup_empty, ctx, &acts, &nacts);
}

/* A fake namespace: "have" is a dir, "have/f" and "plainfile" are files. */
static int fake_lookup(void *ctx, const char *rel)
{
	(void)ctx;
	if (!strcmp(rel, "have"))
		return FAMFS_LOOKUP_DIR;
	if (!strcmp(rel, "have/f") || !strcmp(rel, "plainfile"))
		return FAMFS_LOOKUP_FILE;
	return FAMFS_LOOKUP_ABSENT;
}

static const char *tname(enum famfs_act_type t)
{
	static const char *n[] = { "MKDIR", "CREATE", "EXISTS", "BAD" };

	return (unsigned int)t < 4 ? n[t] : "?";
}

static void expect(size_t i, enum famfs_act_type t, const char *what)
{
	ok(i < nacts && acts[i].type == t, "%s: action %zu is %s (got %s%s%s)", what, i,
	   tname(t), i < nacts ? tname(acts[i].type) : "none",
	   i < nacts && acts[i].why[0] ? ": " : "", i < nacts ? acts[i].why : "");
}

static void basic(void)
{
	struct t_mem m;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_dir(&m, "a");
	t_add_dir(&m, "a/b");
	t_add_file(&m, "a/b/f", 10 * MiB, 2 * MiB, 100);
	t_add_file(&m, "top", 12 * MiB, 2 * MiB, 2 * MiB);
	is(plan(&m, NULL, NULL), 0, "plan of a clean log");
	is(nacts, 4, "4 actions");
	expect(0, FAMFS_ACT_MKDIR, "parent first");
	expect(1, FAMFS_ACT_MKDIR, "nested dir");
	expect(2, FAMFS_ACT_CREATE, "file in nested dir");
	expect(3, FAMFS_ACT_CREATE, "top-level file");
	ok(nacts == 4 && acts[2].size == 100 && acts[2].fmap.se[0].offset == 10 * MiB &&
	   !strcmp(acts[2].relpath, "a/b/f") && acts[2].mode == 0644 && acts[2].index == 2,
	   "create action carries path, size, mode, map and log index");
	t_add_file(&m, "top", 12 * MiB, 2 * MiB, 2 * MiB);
	plan(&m, NULL, NULL);
	expect(4, FAMFS_ACT_EXISTS, "same file twice");
	t_add_dir(&m, "a");
	plan(&m, NULL, NULL);
	expect(5, FAMFS_ACT_EXISTS, "same dir twice");
	t_mem_free(&m);
}

static void conflicts(void)
{
	struct famfs_log_entry e;
	struct t_mem m;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_file(&m, "x/child", 10 * MiB, 2 * MiB, 1);	/* 0: before its parent */
	t_add_dir(&m, "x");					/* 1 */
	t_add_file(&m, "x", 12 * MiB, 2 * MiB, 1);		/* 2: file over dir */
	t_add_file(&m, "f", 14 * MiB, 2 * MiB, 1);		/* 3 */
	t_add_dir(&m, "f");					/* 4: dir over file */
	t_add_file(&m, "f/g", 16 * MiB, 2 * MiB, 1);		/* 5: parent is a file */
	t_add_file(&m, "zero", 0, 2 * MiB, 1);			/* 6: offset 0 */
	t_add_file(&m, "far", 62 * MiB, 4 * MiB, 1);		/* 7: beyond device */
	t_add_file(&m, "inlog", 4 * MiB, 2 * MiB, 1);		/* 8: inside the log */
	famfs_entry_file(&e, "tmp", 1, 0644, 0, 0, NULL);	/* 9: absolute path */
	e.file.fmap.count = 1;
	e.file.fmap.se[0].offset = 18 * MiB;
	e.file.fmap.se[0].len = 2 * MiB;
	memcpy(e.file.relpath, "/abs", 5);
	t_add_raw(&m, &e);
	e.file.relpath[0] = 0;					/* 10: empty */
	t_add_raw(&m, &e);
	memset(e.file.relpath, 'q', 80);			/* 11: unterminated */
	t_add_raw(&m, &e);
	memcpy(e.file.relpath, "a/../b", 7);			/* 12: dot-dot */
	t_add_raw(&m, &e);
	e.type = FAMFS_LOG_ADD_DAXDEV;				/* skipped */
	t_add_raw(&m, &e);
	e.type = FAMFS_LOG_INVALID;				/* skipped */
	t_add_raw(&m, &e);
	e.type = 99;						/* 13: unknown type */
	is(t_add_raw(&m, &e), -EINVAL, "the library refuses to log an unknown type");
	t_forge(&m, &e);

	is(plan(&m, NULL, NULL), 0, "plan of a hostile log");
	is(nacts, 14, "ADD_DAXDEV and INVALID entries produce no action");
	expect(0, FAMFS_ACT_BAD, "child before parent");
	ok(nacts > 0 && strstr(acts[0].why, "parent missing"), "why: parent missing");
	expect(1, FAMFS_ACT_MKDIR, "the parent itself is fine");
	expect(2, FAMFS_ACT_BAD, "file over a dir");
	ok(nacts > 2 && strstr(acts[2].why, "conflict"), "why: %s", nacts > 2 ? acts[2].why : "");
	expect(3, FAMFS_ACT_CREATE, "plain file");
	expect(4, FAMFS_ACT_BAD, "dir over a file");
	expect(5, FAMFS_ACT_BAD, "parent is a file");
	expect(6, FAMFS_ACT_BAD, "extent at offset 0");
	ok(nacts > 6 && strstr(acts[6].why, "offset 0"), "why: %s", nacts > 6 ? acts[6].why : "");
	expect(7, FAMFS_ACT_BAD, "extent beyond the device");
	expect(8, FAMFS_ACT_BAD, "extent inside the log");
	expect(9, FAMFS_ACT_BAD, "absolute path");
	expect(10, FAMFS_ACT_BAD, "empty path");
	expect(11, FAMFS_ACT_BAD, "unterminated path");
	ok(nacts > 11 && acts[11].err == -ENAMETOOLONG && strlen(acts[11].relpath) < 80,
	   "unterminated path: ENAMETOOLONG, copied safely");
	expect(12, FAMFS_ACT_BAD, "dot-dot path");
	expect(13, FAMFS_ACT_BAD, "unknown entry type");
	t_mem_free(&m);
}

static void with_namespace(void)
{
	struct t_mem m;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_dir(&m, "have");
	t_add_file(&m, "have/f", 10 * MiB, 2 * MiB, 1);
	t_add_file(&m, "have/g", 12 * MiB, 2 * MiB, 1);
	t_add_dir(&m, "plainfile");
	is(plan(&m, fake_lookup, NULL), 0, "plan against an existing namespace");
	expect(0, FAMFS_ACT_EXISTS, "existing dir");
	expect(1, FAMFS_ACT_EXISTS, "existing file (idempotent replay)");
	expect(2, FAMFS_ACT_CREATE, "new file in an existing dir");
	expect(3, FAMFS_ACT_BAD, "log dir where a file exists");
	t_mem_free(&m);
}

/* Cross-linked files: the first keeps its memory, later ones are refused. */
static void crosslinks(void)
{
	struct famfs_log_entry e;
	struct t_mem m;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_file(&m, "a", 10 * MiB, 4 * MiB, 1);		/* 0: owns 10..14 */
	t_add_file(&m, "b", 12 * MiB, 2 * MiB, 1);		/* 1: inside a */
	t_add_file(&m, "x", 30 * MiB, 2 * MiB, 1);		/* 2: owns 30..32 */
	t_add_file(&m, "y", 30 * MiB, 4 * MiB, 1);		/* 3: over x */
	t_add_file(&m, "z", 32 * MiB, 2 * MiB, 1);		/* 4: only over y */
	t_add_file(&m, "a", 10 * MiB, 4 * MiB, 1);		/* 5: a logged twice */
	t_add_file(&m, "nodir/f", 40 * MiB, 2 * MiB, 1);	/* 6: parent missing */
	t_add_file(&m, "w", 40 * MiB, 2 * MiB, 1);		/* 7: 6 never mapped */
	famfs_entry_file(&e, "self", 1, 0644, 0, 0, NULL);	/* 8: extents overlap */
	e.file.fmap.count = 2;
	e.file.fmap.se[0].offset = 50 * MiB;
	e.file.fmap.se[0].len = 4 * MiB;
	e.file.fmap.se[1].offset = 52 * MiB;
	e.file.fmap.se[1].len = 2 * MiB;
	is(t_add_raw(&m, &e), 0, "a self-overlapping map is only forged, never logged");
	t_add_file(&m, "v", 52 * MiB, 2 * MiB, 1);		/* 9: 8 never mapped */
	t_add_file(&m, "\033[31mred", 12 * MiB, 2 * MiB, 1);	/* 10: over a */

	is(plan(&m, NULL, NULL), 0, "plan of a cross-linked log");
	is(nacts, 11, "one action per entry");
	expect(0, FAMFS_ACT_CREATE, "the first file keeps its memory");
	expect(1, FAMFS_ACT_BAD, "a later file on that memory");
	ok(nacts > 1 && acts[1].err == -EADDRINUSE && strstr(acts[1].why, "cross-linked") &&
	   strstr(acts[1].why, "entry 0 (a)"), "cross-linked, names entry 0 (a): %s",
	   nacts > 1 ? acts[1].why : "");
	expect(2, FAMFS_ACT_CREATE, "x");
	expect(3, FAMFS_ACT_BAD, "y over x");
	expect(4, FAMFS_ACT_CREATE, "z overlaps only the unmapped y (as the kernel sees it)");
	expect(5, FAMFS_ACT_EXISTS, "the same file logged twice is not a cross-link");
	expect(6, FAMFS_ACT_BAD, "parent missing");
	expect(7, FAMFS_ACT_CREATE, "memory of a never-mapped entry is free to a later file");
	expect(8, FAMFS_ACT_BAD, "overlapping extents in one map");
	ok(nacts > 8 && acts[8].err == -EINVAL && strstr(acts[8].why, "overlap"),
	   "self-overlap: EINVAL: %s", nacts > 8 ? acts[8].why : "");
	expect(9, FAMFS_ACT_CREATE, "memory of the self-overlapping entry is free");
	expect(10, FAMFS_ACT_BAD, "a hostile name over a");
	ok(nacts > 10 && acts[10].err == -EADDRINUSE, "hostile name: cross-linked");

	/* Files already in the mount own their memory too. */
	t_mem_free(&m);
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_dir(&m, "have");
	t_add_file(&m, "have/f", 10 * MiB, 2 * MiB, 1);		/* exists in the mount */
	t_add_file(&m, "n", 10 * MiB, 2 * MiB, 1);		/* new, over have/f */
	is(plan(&m, fake_lookup, NULL), 0, "plan against a namespace");
	expect(1, FAMFS_ACT_EXISTS, "have/f exists");
	expect(2, FAMFS_ACT_BAD, "a new file over an existing file's memory");
	ok(nacts > 2 && acts[2].err == -EADDRINUSE, "cross-linked with the existing file");
	t_mem_free(&m);

	/* Arguments. */
	free(acts);
	acts = NULL;
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	is(famfs_replay_plan(NULL, m.sb.log_len, m.sb.dev_size, famfs_lookup_empty, NULL,
			     &acts, &nacts), -EINVAL, "no log -> EINVAL");
	is(famfs_replay_plan(m.log, m.sb.log_len, m.sb.dev_size, NULL, NULL, &acts, &nacts),
	   -EINVAL, "no lookup -> EINVAL");
	is(famfs_replay_plan(m.log, 3 * MiB, m.sb.dev_size, famfs_lookup_empty, NULL,
			     &acts, &nacts), -EINVAL, "bad log length -> EINVAL");
	t_mem_free(&m);
}

static void torn(void)
{
	struct t_mem m;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_dir(&m, "a");
	t_add_dir(&m, "b");
	t_add_dir(&m, "c");
	m.log->entries[2].mkdir.relpath[0] = 'z';	/* CRC now wrong */
	plan(&m, NULL, NULL);
	is(nacts, 2, "torn entry and everything after it are not replayed");
	t_mem_free(&m);
}

static void fuzz(void)
{
	struct t_mem m;
	uint64_t i, bad = 0, good = 0;
	size_t k;

	srandom(777);
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	for (i = 0; i < 3000; i++) {
		struct famfs_log_entry e;
		uint8_t *p = (uint8_t *)&e;

		for (k = 0; k < sizeof(e); k++)
			p[k] = random();
		e.type = random() % 8;
		if (random() % 2) {
			e.file.fmap.ext_type = random() % 3;
			e.file.fmap.count = random() % 3;
			e.file.fmap.ie[0].nstrips = random() % 20;
		}
		if (random() % 2)
			e.file.relpath[random() % 80] = 0;
		t_forge(&m, &e);
	}
	plan(&m, NULL, NULL);
	for (k = 0; k < nacts; k++)
		*(acts[k].type == FAMFS_ACT_BAD ? &bad : &good) += 1;
	ok(nacts > 0 && bad > 0, "3000 random entries planned without a crash (%llu bad, %llu other)",
	   (unsigned long long)bad, (unsigned long long)good);
	t_mem_free(&m);
}

int main(void)
{
	t_setup();
	basic();
	conflicts();
	with_namespace();
	crosslinks();
	torn();
	fuzz();
	free(acts);
	return tap_done();
}
