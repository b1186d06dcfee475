// SPDX-License-Identifier: GPL-2.0
/* famfs_set_progress(): the walks of fsck report every entry, per thread. */
#include "test_util.h"

#define MiB FAMFS_MiB
#define NDIRS 10000

struct seen {
	unsigned int calls, walks;
	uint64_t last, total, max_done;
	bool over;
	char phases[64];
};

static void cb(void *arg, const char *phase, uint64_t done, uint64_t total)
{
	struct seen *s = arg;

	if (done == 0 || done < s->last) {
		s->walks++;
		if (strlen(s->phases) + strlen(phase) + 2 < sizeof(s->phases)) {
			strcat(s->phases, phase);
			strcat(s->phases, " ");
		}
	}
	if (done > total)
		s->over = true;
	s->calls++;
	s->last = done;
	s->total = total;
	if (done > s->max_done)
		s->max_done = done;
}

int main(void)
{
	struct famfs_fsck_report r;
	struct seen s;
	struct t_mem m;
	char name[32];
	int i, rc = 0;

	t_setup();
	t_mem_init(&m, 1024 * MiB, 8 * MiB);
	for (i = 0; i < NDIRS && !rc; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		rc = t_add_dir(&m, name);
	}
	ok(rc == 0, "a log of %d directories", NDIRS);

	memset(&s, 0, sizeof(s));
	rc = famfs_fsck(&m.sb, m.log, m.sb.dev_size, &r);
	ok(rc == 0 && s.calls == 0, "no callback set: fsck clean, nothing called");

	famfs_set_progress(cb, &s);
	rc = famfs_fsck(&m.sb, m.log, m.sb.dev_size, &r);
	famfs_set_progress(NULL, NULL);
	ok(rc == 0, "fsck with a callback is still clean");
	ok(s.walks == 5 && !strcmp(s.phases, "scan scan alloc scan plan "),
	   "five walks: scan, alloc (scan + walk), plan (scan + walk) (got %u: %s)",
	   s.walks, s.phases);
	ok(s.total == NDIRS && s.max_done < NDIRS && s.max_done >= NDIRS - 4096,
	   "each walk covers the %d entries (total %llu, last done %llu)", NDIRS,
	   (unsigned long long)s.total, (unsigned long long)s.max_done);
	ok(!s.over, "done never exceeds total");
	ok(s.calls >= 5 * (NDIRS / 4096) && s.calls <= 5 * (NDIRS / 4096 + 2),
	   "throttled: a call every 4096 entries (%u calls)", s.calls);

	memset(&s, 0, sizeof(s));
	rc = famfs_fsck(&m.sb, m.log, m.sb.dev_size, &r);
	ok(rc == 0 && s.calls == 0, "famfs_set_progress(NULL) turns it off");
	t_mem_free(&m);
	return tap_done();
}
