// SPDX-License-Identifier: GPL-2.0
/*
 * Incremental planning and scanning (famfs_planner_*, famfs_log_scan_from):
 * fed in random chunks, a planner must give for each chunk exactly what a
 * full famfs_replay_plan_n() gives for the chunk's indices, on generated
 * logs with files, directories, cross-links, bad entries and DELETEs.
 */
#include "test_util.h"

#define MiB FAMFS_MiB
#define DEV_SIZE (256 * MiB)
#define LOG_LEN (8 * MiB)

static const char *const dirs[] = {
	"d0", "d1", "d2", "d0/e0", "d0/e1", "d1/e0", "d9/e0", "f0/e0",
};
/* Parents of generated file names; the last two never are directories. */
static const char *const parents[] = { "", "d0/", "d1/", "d0/e0/", "d2/", "d9/", "f0/" };

static uint64_t pick(struct famfs_prng *r, uint64_t n)
{
	return famfs_prng_next(r) % n;
}

/* A file name: a few parents, 40 names each (re-used names are common). */
static const char *file_name(struct famfs_prng *r, bool hostile, char *buf)
{
	snprintf(buf, 40, "%sf%u", parents[pick(r, hostile ? 7 : 5)],
		 (unsigned int)pick(r, 40));
	return buf;
}

static void add_file(struct t_mem *m, struct famfs_prng *r, const char *rel)
{
	/* 100 slots of 2 MiB, some maps 4 MiB: cross-links are common. */
	t_add_file(m, rel, 16 * MiB + pick(r, 100) * 2 * MiB,
		   pick(r, 4) ? 2 * MiB : 4 * MiB, 1 + pick(r, 2 * MiB));
}

/* A DELETE of an earlier entry: mostly well-formed, sometimes not. */
static void add_delete(struct t_mem *m, struct famfs_prng *r)
{
	uint64_t n = m->log->next_index, j = n ? pick(r, n) : 0;
	const struct famfs_log_entry *t = &m->log->entries[j];
	struct famfs_log_entry e;
	char buf[40];
	int tries;

	/* Mostly a FILE or MKDIR entry, and mostly a recent one. */
	for (tries = 0; tries < 8 && n && t->type != FAMFS_LOG_FILE &&
	     t->type != FAMFS_LOG_MKDIR; tries++) {
		j = n - 1 - pick(r, n < 30 ? n : 30);
		t = &m->log->entries[j];
	}

	memset(&e, 0, sizeof(e));
	e.type = FAMFS_LOG_DELETE;
	e.del.target = j;
	e.del.target_type = t->type == FAMFS_LOG_MKDIR ? FAMFS_LOG_MKDIR : FAMFS_LOG_FILE;
	snprintf(e.del.relpath, sizeof(e.del.relpath), "%s",
		 t->type == FAMFS_LOG_MKDIR ? t->mkdir.relpath :
		 t->type == FAMFS_LOG_FILE ? t->file.relpath : "f0");
	switch (pick(r, 10)) {
	case 0:
		e.del.target_type ^= FAMFS_LOG_FILE ^ FAMFS_LOG_MKDIR;
		break;
	case 1:
		e.del.flags = 1;
		break;
	case 2:
		e.del.target = n + pick(r, 3);	/* not an earlier entry */
		break;
	case 3:
		snprintf(e.del.relpath, sizeof(e.del.relpath), "%s", file_name(r, true, buf));
		break;
	default:
		break;
	}
	t_add_raw(m, &e);
}

/* Something a reader must reject without crashing. */
static void add_bad(struct t_mem *m, struct famfs_prng *r)
{
	struct famfs_log_entry e;
	char buf[40];

	memset(&e, 0, sizeof(e));
	switch (pick(r, 4)) {
	case 0:
		e.type = FAMFS_LOG_FILE;
		snprintf(e.file.relpath, sizeof(e.file.relpath), "../x");
		t_add_raw(m, &e);
		break;
	case 1:
		e.type = FAMFS_LOG_MKDIR;
		memset(e.mkdir.relpath, 'a', sizeof(e.mkdir.relpath));
		t_add_raw(m, &e);
		break;
	case 2:
		t_add_file(m, file_name(r, true, buf), 0, 2 * MiB, 1);	/* in the sb */
		break;
	default:
		e.type = 77;
		t_forge(m, &e);
		break;
	}
}

static void gen_log(struct t_mem *m, uint32_t seed, unsigned int n, bool hostile)
{
	struct famfs_prng r;
	char buf[40];

	famfs_prng_init(&r, seed);
	t_mem_init(m, DEV_SIZE, LOG_LEN);
	while (m->log->next_index < n) {
		uint64_t k = pick(&r, 20);

		if (k < 5)
			t_add_dir(m, dirs[pick(&r, hostile ? 8 : 6)]);
		else if (k < 13)
			add_file(m, &r, file_name(&r, hostile, buf));
		else if (k < 17)
			add_delete(m, &r);
		else if (hostile)
			add_bad(m, &r);
	}
}

/* A namespace that exists before the replay. */
static int some_names(void *ctx, const char *rel)
{
	(void)ctx;
	if (!strcmp(rel, "d0"))
		return FAMFS_LOOKUP_DIR;
	if (!strcmp(rel, "f1") || !strcmp(rel, "d0/f1") || !strcmp(rel, "d2"))
		return FAMFS_LOOKUP_FILE;
	return FAMFS_LOOKUP_ABSENT;
}

static bool same_action(const struct famfs_action *a, const struct famfs_action *b)
{
	return a->type == b->type && a->index == b->index && a->err == b->err &&
	       a->is_dir == b->is_dir && a->size == b->size &&
	       a->target == b->target && a->deleted == b->deleted &&
	       a->deleted_by == b->deleted_by &&
	       !strncmp(a->relpath, b->relpath, sizeof(a->relpath)) &&
	       !strncmp(a->why, b->why, sizeof(a->why)) &&
	       !memcmp(&a->fmap, &b->fmap, sizeof(a->fmap));
}

/*
 * The actions of the full plan of [0, to) with index in [from, to) against
 * the chunk the planner returned. Returns true if equal; else prints the
 * first difference.
 */
static bool chunk_matches(struct t_mem *m, unsigned int flags, famfs_lookup_fn fn,
			  void *ctx, uint64_t from, uint64_t to,
			  const struct famfs_action *got, size_t ngot)
{
	struct famfs_action *full = NULL;
	size_t nfull = 0, k, j = 0;
	bool same = true;

	if (famfs_replay_plan_n(m->log, m->sb.log_len, m->sb.dev_size, flags, fn,
				ctx, to, &full, &nfull))
		return false;
	for (k = 0; k < nfull && same; k++) {
		if (full[k].index < from || full[k].index >= to)
			continue;
		if (j >= ngot || !same_action(&full[k], &got[j])) {
			printf("# [%llu, %llu): full plan action for entry %llu (type %d '%s' %s) vs %s %llu (type %d '%s' %s)\n",
			       (unsigned long long)from, (unsigned long long)to,
			       (unsigned long long)full[k].index, full[k].type,
			       full[k].relpath, full[k].why, j < ngot ? "planner" : "nothing",
			       j < ngot ? (unsigned long long)got[j].index : 0ULL,
			       j < ngot ? (int)got[j].type : -1,
			       j < ngot ? got[j].relpath : "", j < ngot ? got[j].why : "");
			same = false;
		}
		j++;
	}
	if (same && j != ngot) {
		printf("# [%llu, %llu): planner gave %zu actions, full plan %zu\n",
		       (unsigned long long)from, (unsigned long long)to, ngot, j);
		same = false;
	}
	free(full);
	return same;
}

/* Feed the whole log in chunks of 1..maxchunk entries; compare each. */
static bool feed_matches(struct t_mem *m, uint32_t seed, unsigned int flags,
			 famfs_lookup_fn fn, unsigned int maxchunk,
			 unsigned int *nchunks, uint64_t *nreplans)
{
	struct famfs_planner *p = famfs_planner_new(m->sb.log_len, m->sb.dev_size,
						    flags, fn, NULL);
	uint64_t n = m->log->next_index, from = 0;
	struct famfs_prng r;
	bool same = p != NULL;

	famfs_prng_init(&r, seed ^ 0x5eed);
	*nchunks = 0;
	while (same && from < n) {
		uint64_t to = from + 1 + pick(&r, maxchunk);
		struct famfs_action *got = NULL;
		size_t ngot = 0;

		if (to > n)
			to = n;
		if (famfs_planner_feed(p, m->log, to, &got, &ngot)) {
			printf("# feed [%llu, %llu) failed: %s\n", (unsigned long long)from,
			       (unsigned long long)to, famfs_errmsg());
			same = false;
		} else {
			same = chunk_matches(m, flags, fn, NULL, from, to, got, ngot);
		}
		free(got);
		(*nchunks)++;
		from = to;
	}
	*nreplans = famfs_planner_replans(p);
	famfs_planner_free(p);
	return same;
}

static void equivalence(void)
{
	static const unsigned int chunks[] = { 1, 4, 40, 400 };
	uint64_t replans = 0, nr;
	unsigned int seed, f, l, nc = 0;

	for (seed = 1; seed <= 24; seed++) {
		struct t_mem m;

		gen_log(&m, seed, 150 + seed * 10, seed % 3 != 0);
		for (f = 0; f < 2; f++)
			for (l = 0; l < 2; l++) {
				unsigned int flags = f ? FAMFS_PLAN_DELETE : 0;
				famfs_lookup_fn fn = l ? some_names : famfs_lookup_empty;
				unsigned int mc = chunks[(seed + f + l) % 4];

				bool same = feed_matches(&m, seed, flags, fn, mc, &nc, &nr);

				ok(same, "seed %u, %s, %s namespace: %llu entries in %u chunks of <= %u plan as the full plan",
				   seed, f ? "delete" : "no delete", l ? "populated" : "empty",
				   (unsigned long long)m.log->next_index, nc, mc);
				replans += nr;
			}
		t_mem_free(&m);
	}
	ok(replans > 0, "some feeds re-planned the mount pass (a DELETE of an older entry): %llu",
	   (unsigned long long)replans);
}

/* A namespace with nothing in it, seen through a real lookup (two passes). */
static int nothing_there(void *ctx, const char *rel)
{
	(void)ctx;
	(void)rel;
	return FAMFS_LOOKUP_ABSENT;
}

static void add_delete_of(struct t_mem *m, uint64_t target, const char *rel)
{
	struct famfs_log_entry e;

	memset(&e, 0, sizeof(e));
	e.type = FAMFS_LOG_DELETE;
	e.del.target = target;
	e.del.target_type = FAMFS_LOG_FILE;
	snprintf(e.del.relpath, sizeof(e.del.relpath), "%s", rel);
	t_add_raw(m, &e);
}

/*
 * A log as a master writes it: unique memory, DELETEs of files fed long
 * ago, their names and memory used again afterwards. A follower must plan
 * these without re-planning from entry 0, and still as the full plan.
 */
static void master_deletes(void)
{
	struct live { uint64_t index; unsigned int slot; char name[40]; } live[40];
	unsigned int seed, i, nlive, nc, next, ok_all = 0;
	uint64_t nr, replans = 0, ndel = 0;

	for (seed = 1; seed <= 8; seed++) {
		bool used[100] = { false };
		struct famfs_prng r;
		struct t_mem m;

		famfs_prng_init(&r, seed * 7919);
		t_mem_init(&m, DEV_SIZE, LOG_LEN);
		t_add_dir(&m, "d0");
		t_add_dir(&m, "d1");
		nlive = 0;
		next = 0;
		for (i = 0; i < 400; i++) {
			struct live *l;
			unsigned int k, slot;

			if (nlive < 8 || (nlive < 40 && pick(&r, 3))) {
				for (slot = (unsigned int)pick(&r, 100);
				     used[slot]; slot = (slot + 1) % 100)
					;
				l = &live[nlive++];
				snprintf(l->name, sizeof(l->name), "d%u/g%u",
					 (unsigned int)pick(&r, 2), next++);
				l->slot = slot;
				l->index = m.log->next_index;
				used[slot] = true;
				t_add_file(&m, l->name, 16 * MiB + slot * 2 * MiB,
					   2 * MiB, 1 + pick(&r, 2 * MiB));
				continue;
			}
			k = (unsigned int)pick(&r, nlive);
			add_delete_of(&m, live[k].index, live[k].name);
			ndel++;
			if (pick(&r, 2)) {
				/* The same name and memory again, at once. */
				live[k].index = m.log->next_index;
				t_add_file(&m, live[k].name,
					   16 * MiB + live[k].slot * 2 * MiB,
					   2 * MiB, 1 + pick(&r, 2 * MiB));
				continue;
			}
			used[live[k].slot] = false;
			live[k] = live[--nlive];
		}
		if (feed_matches(&m, seed, FAMFS_PLAN_DELETE, nothing_there,
				 1 + seed % 4, &nc, &nr))
			ok_all++;
		replans += nr;
		t_mem_free(&m);
	}
	is(ok_all, 8, "8 master-written logs with %llu DELETEs plan as the full plan",
	   (unsigned long long)ndel);
	is(replans, 0, "no feed re-planned from entry 0 for them");
}

/* A follower's mount: what earlier chunks' actions made (linear, small). */
struct sim_mount {
	char names[512][FAMFS_MAX_PATHLEN];
	int kind[512];
	unsigned int n;
};

static int sim_lookup(void *ctx, const char *rel)
{
	struct sim_mount *s = ctx;
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], rel))
			return s->kind[i];
	return FAMFS_LOOKUP_ABSENT;
}

static void sim_apply(struct sim_mount *s, const struct famfs_action *a, size_t n)
{
	size_t k;
	unsigned int i;

	for (k = 0; k < n; k++) {
		bool add = a[k].type == FAMFS_ACT_CREATE || a[k].type == FAMFS_ACT_MKDIR;

		if (!add && a[k].type != FAMFS_ACT_DELETE)
			continue;
		for (i = 0; i < s->n && strcmp(s->names[i], a[k].relpath); i++)
			;
		if (add && i == s->n && s->n < 512) {
			memcpy(s->names[s->n], a[k].relpath, FAMFS_MAX_PATHLEN);
			s->kind[s->n++] = a[k].type == FAMFS_ACT_MKDIR ?
					  FAMFS_LOOKUP_DIR : FAMFS_LOOKUP_FILE;
		} else if (!add && i < s->n) {
			s->n--;
			memcpy(s->names[i], s->names[s->n], FAMFS_MAX_PATHLEN);
			s->kind[i] = s->kind[s->n];
		}
	}
}

static bool same_mount(const struct sim_mount *a, const struct sim_mount *b)
{
	unsigned int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (sim_lookup((void *)b, a->names[i]) != a->kind[i])
			return false;
	return true;
}

/*
 * A follower that polls the log in chunks of 1..maxchunk entries and
 * applies each chunk's actions: with the planner (@incremental), or as
 * logplay --follow did before it (the whole log re-planned against the
 * mount, the chunk's actions kept). Its final namespace must be the one
 * a fresh mount of the whole log gets.
 */
static bool follow_like_mount(struct t_mem *m, uint32_t seed, unsigned int flags,
			      unsigned int maxchunk, bool incremental)
{
	struct sim_mount *sim = calloc(1, sizeof(*sim)), *fresh = calloc(1, sizeof(*fresh));
	struct famfs_planner *p = famfs_planner_new(m->sb.log_len, m->sb.dev_size,
						    flags, sim_lookup, sim);
	uint64_t n = m->log->next_index, from = 0;
	struct famfs_action *all = NULL;
	size_t nall = 0;
	struct famfs_prng r;
	bool same = p && sim && fresh;

	famfs_prng_init(&r, seed ^ 0xf011);
	while (same && from < n) {
		uint64_t to = from + 1 + pick(&r, maxchunk);
		struct famfs_action *got = NULL, *keep;
		size_t ngot = 0, k, nkeep = 0;

		if (to > n)
			to = n;
		if (incremental) {
			same = !famfs_planner_feed(p, m->log, to, &got, &ngot);
		} else {
			same = !famfs_replay_plan_n(m->log, m->sb.log_len, m->sb.dev_size,
						    flags, sim_lookup, sim, to, &got, &ngot);
			for (k = 0, keep = got; k < ngot; k++)
				if (got[k].index >= from)
					keep[nkeep++] = got[k];
			ngot = nkeep;
		}
		sim_apply(sim, got, ngot);
		free(got);
		from = to;
	}
	/* A real mount's plan: a lookup on an empty directory (two passes). */
	if (same)
		same = !famfs_replay_plan_n(m->log, m->sb.log_len, m->sb.dev_size, flags,
					    sim_lookup, fresh, n, &all, &nall);
	sim_apply(fresh, all, nall);
	same = same && same_mount(sim, fresh);
	free(all);
	famfs_planner_free(p);
	free(sim);
	free(fresh);
	return same;
}

/*
 * Without DELETE entries a follower must end where a fresh mount does.
 * With them it is reported, not required: a DELETE of an entry fed before
 * re-plans from entry 0 against the mount as it is now, which is what
 * logplay --follow did on every poll (and it can differ: an entry BAD for
 * a missing parent then may plan differently after the parent came).
 */
static void follower(void)
{
	unsigned int seed, f, nnew[2] = { 0 }, nold[2] = { 0 }, nlogs = 0;

	for (seed = 1; seed <= 24; seed++) {
		struct t_mem m;

		gen_log(&m, seed, 150 + seed * 10, seed % 3 != 0);
		for (f = 0; f < 2; f++) {
			unsigned int flags = f ? FAMFS_PLAN_DELETE : 0;
			bool same = follow_like_mount(&m, seed, flags, 1 + seed % 7, true);

			if (!f)
				ok(same, "seed %u, no delete: a follower with the planner ends with a fresh mount's namespace",
				   seed);
			nnew[f] += same;
			nold[f] += follow_like_mount(&m, seed, flags, 1 + seed % 7, false);
		}
		nlogs++;
		t_mem_free(&m);
	}
	printf("# fresh mount's namespace reached on %u/%u (no delete), %u/%u (delete) logs with the planner; %u/%u, %u/%u re-planning the whole log each poll\n",
	       nnew[0], nlogs, nnew[1], nlogs, nold[0], nlogs, nold[1], nlogs);
}

static void feed_edges(void)
{
	struct famfs_action *a = NULL;
	struct famfs_planner *p;
	struct t_mem m;
	size_t n = 9;

	t_mem_init(&m, DEV_SIZE, LOG_LEN);
	t_add_dir(&m, "a");
	t_add_file(&m, "a/f", 16 * MiB, 2 * MiB, 1);
	p = famfs_planner_new(m.sb.log_len, m.sb.dev_size, 0, famfs_lookup_empty, NULL);
	ok(p != NULL, "planner made");
	is(famfs_planner_feed(p, m.log, 0, &a, &n), 0, "feeding nothing is fine");
	is(n, 0, "and gives nothing");
	free(a);
	is(famfs_planner_feed(p, m.log, 2, &a, &n), 0, "feed two entries");
	is(n, 2, "two actions");
	ok(n == 2 && a[1].type == FAMFS_ACT_CREATE, "the file is created");
	free(a);
	is(famfs_planner_feed(p, m.log, 1, &a, &n), -EINVAL, "feeding backwards is refused");
	is(famfs_planner_feed(p, m.log, FAMFS_LOG_NENTRIES(LOG_LEN) + 1, &a, &n), -EINVAL,
	   "feeding past the log is refused");
	is(famfs_planner_fed(p), 2, "still two entries fed");
	t_add_file(&m, "a/f", 16 * MiB, 2 * MiB, 1);
	is(famfs_planner_feed(p, m.log, 3, &a, &n), 0, "feed the same file again");
	ok(n == 1 && a[0].type == FAMFS_ACT_EXISTS && a[0].index == 2,
	   "the planner remembers it: EXISTS");
	free(a);
	famfs_planner_free(p);
	ok(famfs_planner_new(12345, DEV_SIZE, 0, famfs_lookup_empty, NULL) == NULL,
	   "a bad log length is refused");
	famfs_planner_free(NULL);
	t_mem_free(&m);
}

static bool same_scan(const struct famfs_log_scan *a, const struct famfs_log_scan *b)
{
	return a->nvalid == b->nvalid && a->damaged == b->damaged &&
	       a->bad_index == b->bad_index && a->hdr_next_index == b->hdr_next_index &&
	       !strcmp(a->why, b->why);
}

static void scan_from(void)
{
	struct famfs_log_scan full, part;
	struct t_mem m;
	unsigned int i;

	t_mem_init(&m, DEV_SIZE, LOG_LEN);
	for (i = 0; i < 10; i++)
		t_add_dir(&m, dirs[i % 6]);
	famfs_log_scan(m.log, m.sb.log_len, &full);
	is(famfs_log_scan_from(m.log, m.sb.log_len, 5, &part), 0, "scan from 5");
	ok(same_scan(&full, &part) && part.nvalid == 10 && !part.damaged,
	   "clean log: as a full scan (10 valid)");
	famfs_log_scan_from(m.log, m.sb.log_len, 10, &part);
	ok(same_scan(&full, &part), "from == next_index: as a full scan");
	famfs_log_scan_from(m.log, m.sb.log_len, 25, &part);
	ok(same_scan(&full, &part) && part.nvalid == 10,
	   "from > next_index: nvalid is next_index, as a full scan");

	m.log->entries[7].crc ^= 1;			/* bad entry in the new range */
	famfs_log_scan(m.log, m.sb.log_len, &full);
	famfs_log_scan_from(m.log, m.sb.log_len, 5, &part);
	ok(same_scan(&full, &part) && part.damaged && part.bad_index == 7 &&
	   part.nvalid == 7, "bad CRC at 7, scan from 5: damaged at 7 as a full scan");
	famfs_log_scan_from(m.log, m.sb.log_len, 7, &part);
	ok(same_scan(&full, &part), "from == nvalid (the bad entry): as a full scan");
	m.log->entries[7].crc ^= 1;

	/* Torn append: the header counts an entry never written. */
	m.log->next_index = m.log->next_seqnum = 11;
	famfs_log_scan(m.log, m.sb.log_len, &full);
	famfs_log_scan_from(m.log, m.sb.log_len, 10, &part);
	ok(same_scan(&full, &part) && part.damaged && part.bad_index == 10 &&
	   part.hdr_next_index == 11, "torn entry 10, scan from 10: damaged at 10");
	m.log->entries[8].seqnum = 3;			/* wrong seqnum */
	famfs_log_scan(m.log, m.sb.log_len, &full);
	famfs_log_scan_from(m.log, m.sb.log_len, 4, &part);
	ok(same_scan(&full, &part) && part.bad_index == 8, "wrong seqnum at 8: as a full scan");
	famfs_log_scan_from(m.log, m.sb.log_len, 9, &part);
	ok(part.nvalid == 10 && part.bad_index == 10,
	   "from past a bad entry: only [from, next) is looked at");
	is(famfs_log_scan_from(NULL, m.sb.log_len, 0, &part), -EINVAL, "no log: EINVAL");
	t_mem_free(&m);
}

int main(void)
{
	t_setup();
	scan_from();
	feed_edges();
	equivalence();
	master_deletes();
	follower();
	return tap_done();
}
