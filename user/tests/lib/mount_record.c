// SPDX-License-Identifier: GPL-2.0
/*
 * Mount records (fs UUID per mount, for detecting a re-format under a live
 * mount) and plan application racing another replayer. No kernel needed:
 * the record is keyed by st_dev of any directory.
 */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "test_util.h"

#define MiB FAMFS_MiB

static int count_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void records(void)
{
	char run[300], rec[400], text[64], want[40];
	uuid_t a, b;
	struct stat st;
	FILE *f;

	uuid_generate(a);
	uuid_generate(b);
	snprintf(run, sizeof(run), "%s/run/famfs/mounts", t_dir);
	setenv(FAMFS_RUN_DIR_ENV, run, 1);

	is(famfs_mount_record_check(t_dir, a), 0, "no record yet: check passes");
	is(famfs_mount_record_write(t_dir, a), 0, "record written (directories made)");
	stat(t_dir, &st);
	snprintf(rec, sizeof(rec), "%s/%u:%u", run, major(st.st_dev), minor(st.st_dev));
	f = fopen(rec, "r");
	ok(f && fgets(text, sizeof(text), f), "record file %s exists", rec);
	if (f)
		fclose(f);
	uuid_unparse(a, want);
	ok(!strncmp(text, want, 36) && text[36] == '\n', "record holds the fs uuid as text");
	is(count_entries(run), 1, "no temp file left behind");

	is(famfs_mount_record_check(t_dir, a), 0, "same fs uuid: check passes");
	is(famfs_mount_record_check(t_dir, b), -ESTALE, "different fs uuid: ESTALE");
	ok(strstr(famfs_errmsg(), "re-formatted") && strstr(famfs_errmsg(), want) &&
	   strstr(famfs_errmsg(), "unmount and mount again"), "message: %s", famfs_errmsg());

	is(famfs_mount_record_write(t_dir, b), 0, "rewriting the record (re-mount) replaces it");
	is(famfs_mount_record_check(t_dir, b), 0, "new fs uuid now passes");
	is(famfs_mount_record_check(t_dir, a), -ESTALE, "old fs uuid now stale");

	f = fopen(rec, "r");
	text[0] = 0;
	if (f && fgets(text, sizeof(text), f) && !fgets(text, sizeof(text), f))
		text[0] = 0;
	if (f)
		fclose(f);
	text[strcspn(text, "\n")] = 0;
	ok(!strncmp(text, "mnt_id ", 7) && strtoull(text + 7, NULL, 10) > 0,
	   "record holds the mount id: %s", text);

	/* a record left by an earlier mount (plain umount) is not evidence */
	f = fopen(rec, "w");
	fprintf(f, "%s\nmnt_id 18446744073709551000\n", want);
	fclose(f);
	is(famfs_mount_record_check(t_dir, b), 0,
	   "a record of another mount instance is ignored");
	ok(access(rec, F_OK) < 0 && errno == ENOENT, "and removed");

	/* the same mount with no id in its record (older tools) still counts */
	f = fopen(rec, "w");
	fprintf(f, "%s\n", want);
	fclose(f);
	is(famfs_mount_record_check(t_dir, b), -ESTALE, "a record without mount id still checks the uuid");

	f = fopen(rec, "w");
	fputs("garbage\n", f);
	fclose(f);
	is(famfs_mount_record_check(t_dir, a), 0, "an unparsable record is not taken as a re-format");

	setenv(FAMFS_RUN_DIR_ENV, "/proc/famfs-no-such-dir", 1);
	ok(famfs_mount_record_write(t_dir, a) < 0, "unwritable run dir fails: %s", famfs_errmsg());
	unsetenv(FAMFS_RUN_DIR_ENV);
}

/* A file made by a concurrent follower/logplay counts as existing, not an error. */
static void create_race(void)
{
	struct famfs_apply_stats st;
	struct famfs_action *acts;
	struct t_mem m;
	char root[300], p[400];
	size_t n;
	int fd;

	snprintf(root, sizeof(root), "%s/race", t_dir);
	mkdir(root, 0755);
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_file(&m, "f", 10 * MiB, 2 * MiB, 1);
	t_add_file(&m, "g", 12 * MiB, 2 * MiB, 1);
	is(famfs_replay_plan(m.log, m.sb.log_len, m.sb.dev_size, famfs_lookup_mount, root,
			     &acts, &n), 0, "plan against an empty directory");
	is(n, 2, "2 create actions");
	/* The other replayer wins the race for f; g becomes a directory. */
	snprintf(p, sizeof(p), "%s/f", root);
	fd = open(p, O_CREAT | O_EXCL | O_RDWR, 0644);
	close(fd);
	snprintf(p, sizeof(p), "%s/g", root);
	mkdir(p, 0755);
	famfs_apply_plan(root, acts, n, false, &st);
	is(st.nexisting, 1, "f created meanwhile counts as existing");
	is(st.nerrors, 1, "g being a directory is still an error");
	ok(strstr(st.first_error, "(g)") != NULL, "the error is about g: %s", st.first_error);
	free(acts);
	t_mem_free(&m);
}


/*
 * A client mount remembers how far it replayed the log; a log that got
 * shorter (fsck --repair truncated it), or whose last replayed entry
 * changed (truncated and written again), is refused like a re-format.
 */
static void log_records(void)
{
	char run[300], dir[320], text[256];
	struct t_mem m;
	uuid_t a;
	int i, fd;
	ssize_t n;

	snprintf(run, sizeof(run), "%s/run2", t_dir);
	setenv(FAMFS_RUN_DIR_ENV, run, 1);
	snprintf(dir, sizeof(dir), "%s/mnt-log", t_dir);
	mkdir(dir, 0755);
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	memcpy(a, m.sb.fs_uuid, sizeof(a));
	for (i = 0; i < 5; i++) {
		char name[16];

		snprintf(name, sizeof(name), "d%d", i);
		t_add_dir(&m, name);
	}
	is(famfs_mount_record_check_log(dir, m.log, m.sb.log_len), 0,
	   "no record: the log check passes");
	is(famfs_mount_record_write(dir, a), 0, "mount writes its record");
	is(famfs_mount_record_check_log(dir, m.log, m.sb.log_len), 0,
	   "a record without a log position: the check passes (older mounts)");
	is(famfs_mount_record_log(dir, a, m.log, 5), 0, "record: 5 entries replayed");
	is(famfs_mount_record_check(dir, a), 0, "the uuid check still reads the record");
	is(famfs_mount_record_log(dir, a, m.log, 3), 0, "a smaller position is ignored");
	is(famfs_mount_record_check_log(dir, m.log, m.sb.log_len), 0,
	   "same log: the check passes");
	t_add_dir(&m, "d5");
	is(famfs_mount_record_check_log(dir, m.log, m.sb.log_len), 0,
	   "a longer log (master appended): the check passes");

	/* fsck --repair truncated the log to 3 entries */
	m.log->next_index = m.log->next_seqnum = 3;
	memset(&m.log->entries[3], 0, 3 * sizeof(m.log->entries[0]));
	is(famfs_mount_record_check_log(dir, m.log, m.sb.log_len), -ESTALE,
	   "a log shorter than what was replayed: ESTALE");
	ok(strstr(famfs_errmsg(), "shorter than what this mount replayed") &&
	   strstr(famfs_errmsg(), "unmount and mount again"),
	   "message: %s", famfs_errmsg());

	/* ... then written again past the old end, with other entries */
	for (i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "other%d", i);
		t_add_dir(&m, name);
	}
	is(m.log->next_index, 7, "the log is longer again (7 entries)");
	is(famfs_mount_record_check_log(dir, m.log, m.sb.log_len), -ESTALE,
	   "truncated and regrown: the last replayed entry changed: ESTALE");
	ok(strstr(famfs_errmsg(), "entry 4 changed") != NULL, "message: %s", famfs_errmsg());

	/* a hostile header: the check refuses instead of trusting it */
	m.log->next_index = ~0ULL;
	is(famfs_mount_record_check_log(dir, m.log, m.sb.log_len), -ESTALE,
	   "an unreadable log header under a replayed mount: ESTALE");
	m.log->next_index = 7;

	/* a re-mount starts a new record: the new log is fine */
	is(famfs_mount_record_write(dir, a), 0, "re-mount rewrites the record");
	is(famfs_mount_record_check_log(dir, m.log, m.sb.log_len), 0,
	   "after the re-mount the shorter log is accepted");
	is(famfs_mount_record_log(dir, a, m.log, 7), 0, "record: 7 replayed");
	{
		struct stat st;
		char rec[400];

		stat(dir, &st);
		snprintf(rec, sizeof(rec), "%s/%u:%u", run, major(st.st_dev),
			 minor(st.st_dev));
		fd = open(rec, O_RDONLY);
		n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
		if (fd >= 0)
			close(fd);
		text[n > 0 ? n : 0] = 0;
		ok(strstr(text, "\nlog 7 0x") != NULL, "the record holds 'log 7 0x<crc>'");
	}
	t_mem_free(&m);
}

int main(void)
{
	t_setup();
	records();
	log_records();
	create_race();
	return tap_done();
}
