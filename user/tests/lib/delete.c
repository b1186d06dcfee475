// SPDX-License-Identifier: GPL-2.0
/* DELETE entries in the replay plan and the allocator (FORMAT-delete.md §3, §4). */
#include "test_util.h"

#define MiB FAMFS_MiB

static struct famfs_action *acts;
static size_t nacts;

static int plan(struct t_mem *m, unsigned int flags, famfs_lookup_fn fn)
{
	free(acts);
	acts = NULL;
	return famfs_replay_plan_ex(m->log, m->sb.log_len, m->sb.dev_size, flags,
				    fn ? fn : famfs_lookup_empty, NULL, &acts, &nacts);
}

static int add_del(struct t_mem *m, uint64_t target, uint32_t type, const char *rel,
		   uint32_t flags)
{
	struct famfs_log_entry e;

	memset(&e, 0, sizeof(e));
	e.type = FAMFS_LOG_DELETE;
	e.del.target = target;
	e.del.target_type = type;
	e.del.flags = flags;
	snprintf(e.del.relpath, sizeof(e.del.relpath), "%s", rel);
	return t_add_raw(m, &e);
}

static const struct famfs_action *act_at(uint64_t idx)
{
	size_t i;

	for (i = 0; i < nacts; i++)
		if (acts[i].index == idx)
			return &acts[i];
	return NULL;
}

static bool is_type(uint64_t idx, enum famfs_act_type t)
{
	const struct famfs_action *a = act_at(idx);

	return a && a->type == t;
}

static void validity(void)
{
	struct t_mem m;
	const struct famfs_action *a;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_dir(&m, "d");				/* 0 */
	t_add_file(&m, "d/f", 10 * MiB, 2 * MiB, 100);	/* 1 */
	t_add_file(&m, "g", 12 * MiB, 2 * MiB, 100);	/* 2 */
	add_del(&m, 0, FAMFS_LOG_MKDIR, "d", 0);	/* 3: d not empty */
	add_del(&m, 1, FAMFS_LOG_MKDIR, "d/f", 0);	/* 4: wrong type */
	add_del(&m, 2, FAMFS_LOG_FILE, "d/f", 0);	/* 5: wrong name */
	add_del(&m, 9, FAMFS_LOG_FILE, "g", 0);		/* 6: later target */
	add_del(&m, 2, FAMFS_LOG_FILE, "g", 1);		/* 7: flags */
	add_del(&m, 1, FAMFS_LOG_FILE, "d/f", 0);	/* 8: valid */
	add_del(&m, 1, FAMFS_LOG_FILE, "d/f", 0);	/* 9: deleted already */
	add_del(&m, 0, FAMFS_LOG_MKDIR, "d", 0);	/* 10: valid (now empty) */
	t_add_file(&m, "d", 10 * MiB, 2 * MiB, 100);	/* 11: reuses name and memory */
	is(plan(&m, 0, NULL), 0, "plan without the feature");
	ok(!act_at(3) && !act_at(8), "without the feature DELETE entries are ignored");
	ok(is_type(11, FAMFS_ACT_BAD), "... so 'd' stays a directory: the file is a conflict");
	is(plan(&m, FAMFS_PLAN_DELETE, NULL), 0, "plan with the feature");
	ok(is_type(3, FAMFS_ACT_BAD) && act_at(3)->err == -ENOTEMPTY, "delete of a non-empty dir: BAD ENOTEMPTY");
	ok(is_type(4, FAMFS_ACT_BAD), "wrong target type: BAD");
	ok(is_type(5, FAMFS_ACT_BAD), "wrong relpath: BAD");
	ok(is_type(6, FAMFS_ACT_BAD), "target not earlier: BAD");
	ok(is_type(7, FAMFS_ACT_BAD), "non-zero flags: BAD");
	ok(is_type(8, FAMFS_ACT_DELETE), "valid file delete");
	ok(is_type(9, FAMFS_ACT_BAD), "second delete of the same entry: BAD");
	ok(is_type(10, FAMFS_ACT_DELETE), "directory delete once empty");
	a = act_at(1);
	ok(a && a->deleted && a->deleted_by == 8, "the file says who deleted it");
	ok(act_at(0) && act_at(0)->deleted_by == 10, "the dir too");
	ok(is_type(11, FAMFS_ACT_CREATE), "the path and the memory are free again: CREATE, not cross-linked");
	a = act_at(8);
	ok(a && a->target == 1 && !strcmp(a->relpath, "d/f") && a->fmap.se[0].offset == 10 * MiB,
	   "the DELETE action carries target, path and map");
	/* A mount that still has the old file: only the DELETE and the new file. */
	is(plan(&m, FAMFS_PLAN_DELETE, famfs_lookup_empty), 0, "mount plan");
	t_mem_free(&m);
}

/* A fake mount that has "d" (dir) and "d/f" (file) from an earlier replay. */
static int had(void *ctx, const char *rel)
{
	(void)ctx;
	if (!strcmp(rel, "d"))
		return FAMFS_LOOKUP_DIR;
	if (!strcmp(rel, "d/f"))
		return FAMFS_LOOKUP_FILE;
	return FAMFS_LOOKUP_ABSENT;
}

static void mount_plan(void)
{
	struct t_mem m;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_dir(&m, "d");				/* 0 */
	t_add_file(&m, "d/f", 10 * MiB, 2 * MiB, 100);	/* 1 */
	add_del(&m, 1, FAMFS_LOG_FILE, "d/f", 0);	/* 2 */
	t_add_file(&m, "d/f", 12 * MiB, 2 * MiB, 50);	/* 3 */
	is(plan(&m, FAMFS_PLAN_DELETE, had), 0, "plan on a mount that has the old d/f");
	ok(!act_at(1), "the deleted entry gets no action");
	ok(is_type(2, FAMFS_ACT_DELETE), "the DELETE removes what the mount has");
	ok(is_type(3, FAMFS_ACT_CREATE), "then the new d/f is created (not EXISTS)");
	ok(is_type(0, FAMFS_ACT_EXISTS), "the directory exists");
	t_mem_free(&m);

	/* B is cross-linked with A; A is deleted: B stays BAD on a mount too. */
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_file(&m, "a", 10 * MiB, 2 * MiB, 100);	/* 0 */
	t_add_file(&m, "b", 10 * MiB, 2 * MiB, 100);	/* 1: cross-linked */
	add_del(&m, 0, FAMFS_LOG_FILE, "a", 0);		/* 2 */
	is(plan(&m, FAMFS_PLAN_DELETE, NULL), 0, "plan: cross-linked file, owner deleted");
	ok(is_type(1, FAMFS_ACT_BAD), "on the log alone b is cross-linked");
	is(plan(&m, FAMFS_PLAN_DELETE, had), 0, "the same on a mount");
	ok(is_type(1, FAMFS_ACT_BAD), "on a mount b stays cross-linked (does not get a's memory)");
	t_mem_free(&m);
}

static void alloc(void)
{
	struct famfs_alloc_report r;
	struct famfs_alloc *a;
	struct t_mem m;
	static uint8_t area[FAMFS_SB_AREA_LEN];
	struct famfs_superblock *sb = (struct famfs_superblock *)area;
	struct famfs_host_rec h;
	uint32_t slot;
	uuid_t u;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_file(&m, "f", 10 * MiB, 4 * MiB, 100);	/* 0 */
	add_del(&m, 0, FAMFS_LOG_FILE, "f", 0);		/* 1 */
	m.sb.version = FAMFS_VERSION | FAMFS_FEAT_DELETE;
	m.sb.crc = famfs_sb_crc(&m.sb);
	memcpy(sb, &m.sb, sizeof(*sb));
	famfs_ht_init(area + FAMFS_HT_OFFSET, sb);
	is(famfs_alloc_build_ht(&a, &m.sb, m.log, NULL, &r), 0, "alloc without a table");
	is(r.npending, 1, "no table: the deleted file is pending");
	famfs_alloc_free(a);
	is(famfs_alloc_build_ht(&a, &m.sb, m.log, area + FAMFS_HT_OFFSET, &r), 0,
	   "alloc with an empty table");
	is(r.npending, 0, "no mounted host: released");
	is(r.ndeleted, 1, "one deleted file");
	famfs_alloc_free(a);
	memset(&h, 0, sizeof(h));
	h.state = FAMFS_HOST_MOUNTED;
	h.released = 1;
	uuid_generate(u);
	famfs_ht_claim(area + FAMFS_HT_OFFSET, u, &h, 0, &slot, NULL, NULL);
	famfs_alloc_build_ht(&a, &m.sb, m.log, area + FAMFS_HT_OFFSET, &r);
	is(r.npending, 1, "a host with released 1 holds DELETE entry 1");
	is(r.pending_bytes, 4 * MiB, "4 MiB pending");
	famfs_alloc_free(a);
	h.released = 2;
	famfs_ht_claim(area + FAMFS_HT_OFFSET, u, &h, 0, &slot, NULL, NULL);
	famfs_alloc_build_ht(&a, &m.sb, m.log, area + FAMFS_HT_OFFSET, &r);
	is(r.npending, 0, "released 2: free");
	famfs_alloc_free(a);
	t_mem_free(&m);
}

int main(void)
{
	t_setup();
	validity();
	mount_plan();
	alloc();
	free(acts);
	return tap_done();
}
