// SPDX-License-Identifier: GPL-2.0
/*
 * Mount-side helpers that can run without the famfs kernel module: plan
 * application on an ordinary directory (directories are made; a file whose
 * map the kernel refuses is removed again), lookups, mount discovery.
 * Tests that need a mounted famfs print SKIP unless one is available.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "dircache.h"
#include "test_util.h"

#define MiB FAMFS_MiB

static void apply_without_kernel(void)
{
	struct famfs_apply_stats st;
	struct famfs_action *acts;
	struct t_mem m;
	char root[300], p[400];
	struct stat sb;
	size_t n;
	int rc;

	snprintf(root, sizeof(root), "%s/root", t_dir);
	mkdir(root, 0755);
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_dir(&m, "d");
	t_add_dir(&m, "d/e");
	t_add_file(&m, "d/f", 10 * MiB, 2 * MiB, 1);
	t_add_file(&m, "/bad", 12 * MiB, 2 * MiB, 1);	/* refused by the builder */
	t_add_file(&m, "g", 0, 2 * MiB, 1);		/* offset 0: BAD */
	is(famfs_replay_plan(m.log, m.sb.log_len, m.sb.dev_size, famfs_lookup_mount, root,
			     &acts, &n), 0, "plan against an empty directory");
	is(n, 4, "4 actions (the absolute path never reached the log)");
	umask(022);
	rc = famfs_apply_plan(root, acts, n, false, &st);
	is(rc, -EIO, "apply reports failures with EIO");
	is(st.ndirs, 2, "2 directories made");
	is(st.nbad, 1, "1 bad entry reported");
	is(st.nerrors, 1, "1 file failed (no famfs kernel map on this fs)");
	snprintf(p, sizeof(p), "%s/d/e", root);
	ok(!stat(p, &sb) && S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0755, "d/e exists with mode 0755");
	snprintf(p, sizeof(p), "%s/d/f", root);
	ok(stat(p, &sb) && errno == ENOENT, "the half-made file d/f was removed");
	ok(strstr(st.first_error, "offset 0") || strstr(st.first_error, "MAP_CREATE"),
	   "first error: %s", st.first_error);
	is(famfs_lookup_mount(root, "d"), FAMFS_LOOKUP_DIR, "lookup_mount: d is a dir");
	is(famfs_lookup_mount(root, "nope"), FAMFS_LOOKUP_ABSENT, "lookup_mount: absent");
	free(acts);

	/* Replanning against the made directories: they now exist. */
	famfs_replay_plan(m.log, m.sb.log_len, m.sb.dev_size, famfs_lookup_mount, root, &acts, &n);
	ok(n >= 2 && acts[0].type == FAMFS_ACT_EXISTS && acts[1].type == FAMFS_ACT_EXISTS,
	   "second replay: directories EXIST (idempotent)");
	free(acts);
	t_mem_free(&m);
}

static void mk(const char *root, const char *rel, bool dir)
{
	char p[400];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (dir) {
		mkdir(p, 0755);
		return;
	}
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

/* The same question through lstat (a different function: no cache). */
static int plain_lookup(void *ctx, const char *rel)
{
	return famfs_lookup_mount(ctx, rel);
}

/*
 * The directory cache answers exactly as lstat does, for names in listed
 * and unlisted directories, under files, symlinks and absent parents.
 */
static void dircache_same_as_lstat(void)
{
	static const char *const ask[] = {
		"a", "a/x0", "a/x1", "a/x2", "a/x3", "a/x4", "a/x9", "a/f", "a/f/x",
		"a/sub", "a/sub/deep", "a/sub/none", "a/link", "a/link/x0",
		"b", "b/x", "nope", "nope/x", "nope/x/y", "top", "top/x", "a/x0",
		"a//x0", "./a", "a/../a", "a/", ".meta", "c", "c/d", "c/d/e",
	};
	struct famfs_dircache *dc;
	char root[300], rel[40], p[400], t[400];
	size_t i;
	int bad = 0, k;

	snprintf(root, sizeof(root), "%s/dc", t_dir);
	mkdir(root, 0755);
	mk(root, "a", true);
	for (k = 0; k < 8; k++) {
		snprintf(rel, sizeof(rel), "a/x%d", k);
		mk(root, rel, k % 2);
	}
	mk(root, "a/f", false);
	mk(root, "a/sub", true);
	mk(root, "a/sub/deep", true);
	mk(root, "top", false);
	mk(root, ".meta", true);
	mk(root, "c", true);
	mk(root, "c/d", true);
	snprintf(p, sizeof(p), "%s/a/link", root);
	snprintf(t, sizeof(t), "%s/a", root);
	ok(!symlink(t, p), "symlink a/link -> a");
	ok(!famfs_dircache_new(root, &dc), "dircache on a plain directory");
	for (i = 0; i < sizeof(ask) / sizeof(ask[0]); i++) {
		int want = famfs_lookup_mount(root, ask[i]);
		int got = famfs_dircache_lookup(dc, ask[i]);

		if (want != got) {
			printf("# %s: lstat says %d, the cache %d\n", ask[i], want, got);
			bad++;
		}
	}
	is(bad, 0, "%zu lookups: the cache answers as lstat does", i);
	ok(famfs_dircache_syscalls(dc) < i, "fewer system calls than lookups (%llu for %zu)",
	   (unsigned long long)famfs_dircache_syscalls(dc), i);
	famfs_dircache_free(dc);
}

/*
 * Planning against a populated mount gives the same plan through the cache
 * (famfs_lookup_mount) as through plain lstat, with far fewer calls.
 */
static void dircache_plan_same(void)
{
	struct famfs_action *a1, *a2;
	struct famfs_apply_stats st;
	struct t_mem m;
	char root[300], rel[40];
	size_t n1, n2, i;
	int g, k, diff = 0;

	snprintf(root, sizeof(root), "%s/plan", t_dir);
	mkdir(root, 0755);
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	for (g = 0; g < 6; g++) {
		snprintf(rel, sizeof(rel), "g%d", g);
		t_add_dir(&m, rel);
		for (k = 0; k < 9; k++) {
			snprintf(rel, sizeof(rel), "g%d/d%d", g, k);
			t_add_dir(&m, rel);
		}
	}
	t_add_dir(&m, "g0/d0/e");
	umask(022);
	ok(!famfs_replay_plan(m.log, m.sb.log_len, m.sb.dev_size, famfs_lookup_mount,
			      root, &a1, &n1), "plan the namespace");
	/* Make part of it (and a conflicting file), then plan again both ways. */
	famfs_apply_plan(root, a1, n1 / 2, false, &st);
	free(a1);
	mk(root, "g5", true);
	mk(root, "g5/d3", false);
	is(famfs_replay_plan(m.log, m.sb.log_len, m.sb.dev_size, famfs_lookup_mount,
			     root, &a1, &n1), 0, "replan through the cache");
	is(famfs_replay_plan(m.log, m.sb.log_len, m.sb.dev_size, plain_lookup,
			     root, &a2, &n2), 0, "replan through lstat");
	is(n1, n2, "same number of actions (%zu)", n1);
	for (i = 0; i < n1 && i < n2; i++)
		if (a1[i].type != a2[i].type || a1[i].index != a2[i].index)
			diff++;
	is(diff, 0, "same actions, in the same order");
	ok(n1 > 3 && a1[0].type == FAMFS_ACT_EXISTS && a1[n1 - 2].type == FAMFS_ACT_MKDIR,
	   "existing names EXIST, the rest is made");
	for (i = 0; i < n1; i++)
		if (!strcmp(a1[i].relpath, "g5/d3"))
			is(a1[i].type, FAMFS_ACT_BAD, "a file where the log has a directory is BAD");
	free(a1);
	free(a2);
	t_mem_free(&m);
}

/* Apply through a parent fd: names in many directories, errors named. */
static void apply_parent_fds(void)
{
	struct famfs_action acts[4];
	struct famfs_apply_stats st;
	char root[300], p[400];
	struct stat sb;

	snprintf(root, sizeof(root), "%s/pfd", t_dir);
	mkdir(root, 0755);
	memset(acts, 0, sizeof(acts));
	acts[0].type = acts[1].type = acts[2].type = acts[3].type = FAMFS_ACT_MKDIR;
	snprintf(acts[0].relpath, sizeof(acts[0].relpath), "p");
	snprintf(acts[1].relpath, sizeof(acts[1].relpath), "p/q");
	snprintf(acts[2].relpath, sizeof(acts[2].relpath), "p/q/r");
	snprintf(acts[3].relpath, sizeof(acts[3].relpath), "missing/s");
	acts[0].mode = acts[1].mode = 0755;
	acts[2].mode = 01777;	/* sticky: set explicitly */
	acts[3].mode = 0755;
	acts[0].uid = acts[1].uid = acts[2].uid = acts[3].uid = geteuid();
	acts[0].gid = acts[1].gid = acts[2].gid = acts[3].gid = getegid();
	umask(022);
	is(famfs_apply_plan(root, acts, 4, false, &st), -EIO, "one action fails");
	is(st.ndirs, 3, "3 directories made");
	is(st.nerrors, 1, "1 error");
	snprintf(p, sizeof(p), "%s/p/q/r", root);
	ok(!stat(p, &sb) && S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 01777,
	   "p/q/r made with mode 01777");
	ok(strstr(st.first_error, "missing/s") != NULL, "the error names the entry: %s",
	   st.first_error);
	/* Again: everything exists; mkdir of an existing dir fixes its mode. */
	snprintf(p, sizeof(p), "%s/p/q", root);
	chmod(p, 0700);
	famfs_apply_plan(root, acts, 3, false, &st);
	ok(!stat(p, &sb) && (sb.st_mode & 07777) == 0755, "an existing directory gets the logged mode");
}

static void not_famfs(void)
{
	struct famfs_ioc_get_fmap g;
	struct famfs_log_fmap f;
	struct famfs_fs *fs;
	char p[300];
	int fd;

	snprintf(p, sizeof(p), "%s/plain", t_dir);
	fd = open(p, O_CREAT | O_RDWR, 0644);
	is(famfs_is_famfs_fd(fd), 0, "an ext4/tmpfs file is not famfs");
	memset(&f, 0, sizeof(f));
	f.count = 1;
	f.se[0].offset = 10 * MiB;
	f.se[0].len = 2 * MiB;
	ok(famfs_kmap_v2(fd, FAMFS_REG, 1, &f) < 0, "MAP_CREATE_V2 on a non-famfs file fails: %s",
	   famfs_errmsg());
	ok(famfs_kmap_get(fd, &g) < 0, "MAP_GET_V2 on a non-famfs file fails");
	f.count = 0;
	is(famfs_kmap_v2(fd, FAMFS_REG, 1, &f), -EINVAL, "kmap_v2 with 0 extents refused before the ioctl");
	close(fd);
	is(famfs_fs_open(t_dir, false, &fs), -ENOENT, "fs_open outside a famfs mount -> ENOENT");
	ok(strstr(famfs_errmsg(), "not inside a famfs mount") != NULL, "message: %s", famfs_errmsg());
	is(famfs_mkmeta(p), -ENOENT, "mkmeta of an unmounted device -> ENOENT");
	is(famfs_mount(t_image("m.img", 64 * MiB), "/nonexistent-mpt", NULL, true), -ENODATA,
	   "dry-run mount of an unformatted image -> ENODATA");
}

static int famfs_fs_registered(void)
{
	char line[128];
	FILE *f = fopen("/proc/filesystems", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\tfamfs\n"))
			found = 1;
	fclose(f);
	return found;
}

int main(void)
{
	t_setup();
	apply_without_kernel();
	dircache_same_as_lstat();
	dircache_plan_same();
	apply_parent_fds();
	not_famfs();
	if (!famfs_fs_registered())
		skip("famfs kernel module not loaded on this host (online paths run in the VM suites)",
		     "online mount / logplay / creat");
	else
		skip("online tests live in the VM suites; this host has famfs but no test device",
		     "online mount / logplay / creat");
	return tap_done();
}
