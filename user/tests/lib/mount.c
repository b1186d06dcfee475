// SPDX-License-Identifier: GPL-2.0
/*
 * Mount-side helpers that can run without the famfs kernel module: plan
 * application on an ordinary directory (directories are made; a file whose
 * map the kernel refuses is removed again), lookups, mount discovery.
 * Tests that need a mounted famfs print SKIP unless one is available.
 */
#include <fcntl.h>
#include <sys/stat.h>

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
	not_famfs();
	if (!famfs_fs_registered())
		skip("famfs kernel module not loaded on this host (online paths run in the VM suites)",
		     "online mount / logplay / creat");
	else
		skip("online tests live in the VM suites; this host has famfs but no test device",
		     "online mount / logplay / creat");
	return tap_done();
}
