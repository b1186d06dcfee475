// SPDX-License-Identifier: GPL-2.0
/* Offline file system handles on an image, roles, fsck. */
#include <sys/stat.h>

#include "test_util.h"
#include "stats.h"

#define MiB FAMFS_MiB

static const char *img;

static void format(uint64_t size)
{
	struct famfs_dev d;
	uuid_t me;

	img = t_image("fs.img", size);
	famfs_system_uuid(me);
	if (famfs_dev_open(img, true, &d) || famfs_mkfs(&d, 0, me, true)) {
		printf("# setup failed: %s\n", famfs_errmsg());
		exit(2);
	}
	famfs_dev_close(&d);
}

static void offline_basic(void)
{
	struct famfs_fs *fs, *fs2;
	struct famfs_log_entry e;
	struct famfs_prng p;
	uint8_t *map, buf[4096];
	int fd, rc;

	format(64 * MiB);
	is(famfs_fs_open_device(img, true, &fs), 0, "open the image for writing");
	ok(famfs_fs_is_master(fs), "the formatting host is the master");
	ok(famfs_fs_mountpoint(fs) == NULL, "offline handle has no mount point");
	famfs_set_lock_timeout_ms(0);
	is(famfs_fs_open_device(img, true, &fs2), -EBUSY, "a second writer is refused (lock held, no wait)");
	famfs_set_lock_timeout_ms(-1);
	ok(strstr(famfs_errmsg(), "in use by another famfs writer") != NULL,
	   "the refusal says the device is in use by another writer");
	is(famfs_parse_lock_timeout("5"), 5000, "lock timeout '5' is 5000 ms");
	is(famfs_parse_lock_timeout("0.25"), 250, "lock timeout '0.25' is 250 ms");
	is(famfs_parse_lock_timeout("0"), 0, "lock timeout '0' is no wait");
	is(famfs_parse_lock_timeout("-1"), -1, "a negative lock timeout is refused");
	is(famfs_parse_lock_timeout("5s"), -1, "a lock timeout with garbage is refused");
	is(famfs_parse_lock_timeout(""), -1, "an empty lock timeout is refused");
	setenv(FAMFS_LOCK_TIMEOUT_ENV, "1.5", 1);
	is(famfs_lock_timeout_ms(), 1500, "FAMFS_LOCK_TIMEOUT=1.5 gives 1500 ms");
	famfs_set_lock_timeout_ms(300);
	is(famfs_lock_timeout_ms(), 300, "the process override wins over the environment");
	famfs_set_lock_timeout_ms(-1);
	setenv(FAMFS_LOCK_TIMEOUT_ENV, "junk", 1);
	is(famfs_lock_timeout_ms(), FAMFS_LOCK_TIMEOUT_DEFAULT_MS, "garbage in FAMFS_LOCK_TIMEOUT: the default");
	unsetenv(FAMFS_LOCK_TIMEOUT_ENV);
	is(famfs_fs_mkdir(fs, "dir", 0755, 0, 0, false), 0, "mkdir dir");
	is(famfs_fs_mkdir(fs, "dir", 0755, 0, 0, false), -EEXIST, "mkdir dir again -> EEXIST");
	is(famfs_fs_mkdir(fs, "dir", 0755, 0, 0, true), 0, "mkdir -p of an existing dir is fine");
	is(famfs_fs_mkdir(fs, "p/q/r", 0700, 0, 0, true), 0, "mkdir -p p/q/r");
	is(famfs_fs_mkdir(fs, "x/y", 0755, 0, 0, false), -ENOENT, "mkdir without parent -> ENOENT");
	rc = famfs_fs_creat(fs, "dir/data", 3 * MiB + 5, 0640, 1000, 1000, NULL, &fd, &map);
	is(rc, 0, "creat dir/data (3 MiB + 5)");
	is(fd, -1, "offline: no fd");
	ok(map != NULL, "offline: pointer into the device");
	if (map) {
		famfs_prng_init(&p, 1);
		famfs_prng_fill(&p, map, 3 * MiB + 5);
		famfs_flush(map, 3 * MiB + 5);
	}
	is(famfs_fs_creat(fs, "dir/data", 3 * MiB + 5, 0640, 0, 0, NULL, NULL, NULL), 1,
	   "re-creat with the same size returns the existing file (1)");
	is(famfs_fs_creat(fs, "dir/data", 4 * MiB, 0640, 0, 0, NULL, NULL, NULL), -EEXIST,
	   "re-creat with another size -> EEXIST");
	is(famfs_fs_creat(fs, "dir", 1, 0640, 0, 0, NULL, NULL, NULL), -EEXIST, "creat over a dir -> EEXIST");
	is(famfs_fs_creat(fs, "nodir/f", 1, 0640, 0, 0, NULL, NULL, NULL), -ENOENT, "creat without parent -> ENOENT");
	is(famfs_fs_creat(fs, "dir/data/f", 1, 0640, 0, 0, NULL, NULL, NULL), -ENOTDIR, "creat under a file -> ENOTDIR");
	is(famfs_fs_creat(fs, "/abs", 1, 0640, 0, 0, NULL, NULL, NULL), -EINVAL, "absolute relpath -> EINVAL");
	memset(buf, 0x77, sizeof(buf));
	is(famfs_fs_creat(fs, "small", 100, 0644, 0, 0, NULL, NULL, NULL), 0, "creat small");
	is(famfs_fs_write(fs, "small", 50, buf, 50), 0, "write the last 50 bytes");
	is(famfs_fs_write(fs, "small", 51, buf, 50), -EINVAL, "write beyond the size -> EINVAL");
	famfs_fs_close(fs);

	is(famfs_fs_open_device(img, false, &fs), 0, "reopen read-only");
	is(famfs_fs_lookup(fs, "dir/data", &e), 0, "dir/data is in the log");
	ok(e.type == FAMFS_LOG_FILE && e.file.size == 3 * MiB + 5 && e.file.mode == 0640 &&
	   e.file.uid == 1000, "entry has size, mode, owner");
	is(e.file.fmap.se[0].offset, 10 * MiB, "first file placed right after the log");
	is(famfs_fs_lookup(fs, "p/q", &e), 0, "p/q (mkdir -p) is in the log");
	is(e.type, FAMFS_LOG_MKDIR, "p/q is a directory");
	{
		static uint8_t got[3 * MiB + 5];

		is(famfs_fs_read(fs, "dir/data", 0, got, sizeof(got)), 0, "read dir/data back");
		famfs_prng_init(&p, 1);
		is(famfs_prng_verify(&p, got, sizeof(got)), sizeof(got), "data verifies with seed 1");
	}
	is(famfs_fs_read(fs, "small", 50, buf, 50), 0, "read small");
	ok(buf[0] == 0x77 && buf[49] == 0x77, "written bytes read back");
	is(famfs_fs_mkdir(fs, "ro", 0755, 0, 0, false), -EBADF, "read-only handle cannot mkdir");
	is(famfs_fs_lookup(fs, "nope", &e), -ENOENT, "missing name -> ENOENT");
	famfs_fs_close(fs);
}

static void relpaths(void)
{
	struct famfs_fs *fs;
	char rel[128];

	is(famfs_fs_open_device(img, false, &fs), 0, "open for relpath checks");
	ok(!famfs_fs_relpath(fs, "/a/b", rel, sizeof(rel)) && !strcmp(rel, "a/b"), "offline '/a/b' -> 'a/b'");
	ok(!famfs_fs_relpath(fs, "/", rel, sizeof(rel)) && !rel[0], "offline '/' -> root ''");
	is(famfs_fs_relpath(fs, "a/../b", rel, sizeof(rel)), -EINVAL, "offline '..' refused");
	famfs_fs_close(fs);
}

static void interleaved_offline(void)
{
	struct famfs_interleave il = { .nbuckets = 4, .nstrips = 4, .chunk_size = 2 * MiB };
	static uint8_t data[20 * MiB], back[20 * MiB];
	struct famfs_log_entry e;
	struct famfs_fs *fs;
	struct famfs_prng p;
	uint8_t *map;

	format(4 * FAMFS_GiB);
	is(famfs_fs_open_device(img, true, &fs), 0, "open a 4 GiB sparse image");
	is(famfs_fs_creat(fs, "striped", sizeof(data), 0644, 0, 0, &il, NULL, &map), 0,
	   "creat an interleaved file (4 strips, 2 MiB chunks)");
	ok(map == NULL, "interleaved offline: no flat pointer");
	famfs_prng_init(&p, 42);
	famfs_prng_fill(&p, data, sizeof(data));
	is(famfs_fs_write(fs, "striped", 0, data, sizeof(data)), 0, "write 20 MiB through the stripes");
	famfs_fs_close(fs);
	is(famfs_fs_open_device(img, false, &fs), 0, "reopen");
	famfs_fs_lookup(fs, "striped", &e);
	is(e.file.fmap.ext_type, FAMFS_EXT_INTERLEAVE, "logged as interleaved");
	is(famfs_fs_read(fs, "striped", 0, back, sizeof(back)), 0, "read it back");
	ok(!memcmp(data, back, sizeof(data)), "data round-trips through the stripe arithmetic");
	{
		/* spec §5 example, checked on the device bytes themselves */
		const struct famfs_dev *d = NULL;
		struct famfs_dev raw;
		uint64_t off = 15 * MiB;

		(void)d;
		famfs_dev_open(img, false, &raw);
		ok(!memcmp(raw.base + e.file.fmap.ie[0].strips[3].offset + 3 * MiB, data + off, 4096),
		   "file offset 15 MiB is at strips[3].offset + 3 MiB on the device");
		famfs_dev_close(&raw);
	}
	famfs_fs_close(fs);
}

static void client_and_full(void)
{
	struct famfs_fs *fs;
	uint8_t *hdr_before;
	char uuidf[300], other[300], name[32];
	const struct famfs_log *log;
	int i, rc = 0;
	FILE *f;

	format(64 * MiB);
	/* Another host: a different system uuid file. */
	snprintf(uuidf, sizeof(uuidf), "%s", getenv(FAMFS_SYSTEM_UUID_ENV));
	snprintf(other, sizeof(other), "%s/other_uuid", t_dir);
	f = fopen(other, "w");
	fprintf(f, "11111111-2222-3333-4444-555555555555\n");
	fclose(f);
	setenv(FAMFS_SYSTEM_UUID_ENV, other, 1);
	is(famfs_fs_open_device(img, true, &fs), 0, "a client can open the image");
	ok(!famfs_fs_is_master(fs), "and is not the master");
	is(famfs_fs_mkdir(fs, "d", 0755, 0, 0, false), -EROFS, "client mkdir -> EROFS");
	is(famfs_fs_creat(fs, "f", 1, 0644, 0, 0, NULL, NULL, NULL), -EROFS, "client creat -> EROFS");
	ok(strstr(famfs_errmsg(), "only the master") != NULL, "message: %s", famfs_errmsg());
	famfs_fs_close(fs);
	setenv(FAMFS_SYSTEM_UUID_ENV, uuidf, 1);

	/* Fill the log with directories, then one more of each kind. */
	is(famfs_fs_open_device(img, true, &fs), 0, "master opens");
	for (i = 0; i < 16000; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		rc = famfs_fs_mkdir(fs, name, 0755, 0, 0, false);
		if (rc)
			break;
	}
	is(i, 15420, "15420 directories fill the 8 MiB log");
	is(rc, -ENOSPC, "then ENOSPC");
	log = famfs_fs_log(fs);
	hdr_before = malloc(48 + 544);
	memcpy(hdr_before, log, 48);
	is(famfs_fs_creat(fs, "late", 1, 0644, 0, 0, NULL, NULL, NULL), -ENOSPC, "creat on a full log -> ENOSPC");
	ok(strstr(famfs_errmsg(), "log full") != NULL, "message: %s", famfs_errmsg());
	ok(!memcmp(hdr_before, log, 48), "log header unchanged");
	free(hdr_before);
	famfs_fs_close(fs);
}

static void out_of_space(void)
{
	struct famfs_fsck_report r;
	struct famfs_log before;
	struct famfs_fs *fs;
	char name[16];
	int i, rc = 0;

	format(64 * MiB);
	famfs_fs_open_device(img, true, &fs);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		memcpy(&before, famfs_fs_log(fs), sizeof(before));
		rc = famfs_fs_creat(fs, name, 2 * MiB, 0644, 0, 0, NULL, NULL, NULL);
		if (rc)
			break;
	}
	is(i, 27, "27 files of 2 MiB fit on a 64 MiB image");
	is(rc, -ENOSPC, "the 28th -> ENOSPC");
	ok(strstr(famfs_errmsg(), "out of space") != NULL, "message: %s", famfs_errmsg());
	ok(!memcmp(&before, famfs_fs_log(fs), sizeof(before)), "log header unchanged by the failure");
	is(famfs_fs_mkdir(fs, "still-works", 0755, 0, 0, false), 0, "the log still accepts entries");
	famfs_fs_close(fs);
	{
		struct famfs_dev d;

		famfs_dev_open(img, false, &d);
		is(famfs_fsck((void *)d.base, (void *)(d.base + FAMFS_LOG_OFFSET), d.size, &r), 0,
		   "fsck clean after ENOSPC (%llu files)", (unsigned long long)r.alloc.nfiles);
		famfs_dev_close(&d);
	}
}

static void roles(void)
{
	char path[300];
	uuid_t a, b;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sub/dir/uuid", t_dir);
	setenv(FAMFS_SYSTEM_UUID_ENV, path, 1);
	is(famfs_system_uuid(a), 0, "uuid file created with its directories");
	is(famfs_system_uuid(b), 0, "and read back");
	ok(!uuid_compare(a, b) && !uuid_is_null(a), "stable, non-null uuid");
	f = fopen(path, "w");
	fprintf(f, "not-a-uuid\n");
	fclose(f);
	is(famfs_system_uuid(a), -EINVAL, "malformed uuid file -> EINVAL");
	ok(strstr(famfs_errmsg(), "malformed") != NULL, "message: %s", famfs_errmsg());
	f = fopen(path, "w");
	fprintf(f, "123e4567-e89b-12d3-a456-426614174000");
	fclose(f);
	is(famfs_system_uuid(a), 0, "uuid without newline accepted");
	snprintf(path, sizeof(path), "%s/system_uuid", t_dir);
	setenv(FAMFS_SYSTEM_UUID_ENV, path, 1);
}

static void fsck(void)
{
	struct famfs_fsck_report r;
	struct famfs_fs *fs;
	struct famfs_dev d;
	struct famfs_log *log;
	int rc;

	format(64 * MiB);
	famfs_fs_open_device(img, true, &fs);
	famfs_fs_mkdir(fs, "d", 0755, 0, 0, false);
	famfs_fs_creat(fs, "d/a", 4 * MiB, 0644, 0, 0, NULL, NULL, NULL);
	famfs_fs_close(fs);
	famfs_dev_open(img, true, &d);
	log = (struct famfs_log *)(d.base + FAMFS_LOG_OFFSET);
	rc = famfs_fsck((void *)d.base, log, d.size, &r);
	is(rc, 0, "fsck of a clean fs -> 0");
	ok(r.alloc.nfiles == 1 && r.alloc.ndirs == 1 && r.nerrors == 0 && r.scan.nvalid == 2,
	   "report: 1 file, 1 dir, 2 entries, no errors");
	famfs_dev_close(&d);

	famfs_fs_open_device(img, true, &fs);
	is(famfs_fs_clone(fs, "d/a", "d/b"), 0, "clone d/a to d/b (cross-link)");
	famfs_fs_close(fs);
	famfs_dev_open(img, true, &d);
	log = (struct famfs_log *)(d.base + FAMFS_LOG_OFFSET);
	rc = famfs_fsck((void *)d.base, log, d.size, &r);
	is(rc, 1, "fsck finds the cross-link");
	is(r.alloc.ncollisions, 2, "2 allocation units collide");
	ok(r.nproblems > 0 && strstr(r.problems[0], "d/b"), "problem names d/b: %s", r.problems[0]);

	log->entries[2].file.size ^= 1;		/* damage the last entry */
	rc = famfs_fsck((void *)d.base, log, d.size, &r);
	ok(rc == 1 && r.scan.damaged && r.scan.nvalid == 2, "torn entry reported by fsck");
	log->entries[2].file.size ^= 1;

	((struct famfs_superblock *)d.base)->magic = 0;
	rc = famfs_fsck((void *)d.base, log, d.size, &r);
	ok(rc == 1 && r.sb_err == -ENODATA, "bad superblock reported");
	famfs_dev_close(&d);
	is(famfs_fs_open_device(img, false, &fs), -ENODATA, "opening a killed fs -> ENODATA");
}

/* Point extent 0 of FILE entry @i at @off, with a valid CRC. */
/* Two-phase create (cp): nothing reaches the log before the commit. */
static void staged(void)
{
	struct famfs_staged *a, *b, *c;
	struct famfs_log_entry e;
	struct famfs_fs *fs;
	uint64_t n0;
	uint8_t *map, buf[64];

	format(64 * MiB);
	if (famfs_fs_open_device(img, true, &fs)) {
		ok(0, "staged: open");
		return;
	}
	n0 = famfs_fs_log(fs)->next_index;
	is(famfs_fs_creat_staged(fs, "a", 4 * MiB, 0644, 0, 0, NULL, &a, NULL, &map), 0,
	   "stage a");
	ok(map != NULL, "... with its bytes mapped");
	is(famfs_fs_creat_staged(fs, "a", 4 * MiB, 0644, 0, 0, NULL, &b, NULL, NULL), -EEXIST,
	   "staging the same name again: EEXIST");
	is(famfs_fs_creat_staged(fs, "b", 2 * MiB, 0644, 0, 0, NULL, &b, NULL, NULL), 0,
	   "stage b");
	ok(famfs_fs_log(fs)->next_index == n0, "nothing logged yet");
	is(famfs_fs_lookup(fs, "a", &e), -ENOENT, "a is not in the log");
	memset(buf, 0x5a, sizeof(buf));
	is(famfs_fs_stage_io(fs, b, 100, buf, sizeof(buf), true), 0, "write b by its map");
	is(famfs_fs_stage_io(fs, b, 2 * MiB - 10, buf, sizeof(buf), true), -EINVAL,
	   "staged I/O beyond the size: EINVAL");
	is(famfs_fs_stage_abort(fs, a), 0, "abort a");
	is(famfs_fs_stage_commit(fs, b), 0, "commit b");
	ok(famfs_fs_log(fs)->next_index == n0 + 1, "one entry logged");
	is(famfs_fs_lookup(fs, "b", &e), 0, "b is in the log");
	memset(buf, 0, sizeof(buf));
	is(famfs_fs_read(fs, "b", 100, buf, sizeof(buf)), 0, "read b back");
	ok(buf[0] == 0x5a && buf[63] == 0x5a, "... the staged write is there");
	is(famfs_fs_creat_staged(fs, "c", 4 * MiB, 0644, 0, 0, NULL, &c, NULL, NULL), 0,
	   "stage c (a's memory is free again)");
	famfs_fs_close(fs);	/* aborts c */
	is(famfs_fs_open_device(img, false, &fs), 0, "reopen");
	is(famfs_fs_lookup(fs, "c", &e), -ENOENT, "closing the handle dropped c");
	famfs_fs_close(fs);
	is(famfs_fs_creat_staged(NULL, "x", 1, 0, 0, 0, NULL, &c, NULL, NULL), -EINVAL,
	   "no handle: EINVAL");
	is(famfs_fs_stage_commit(NULL, NULL), -EINVAL, "commit without arguments: EINVAL");
}

static void set_extent(uint64_t i, uint64_t off)
{
	struct famfs_log *log;
	struct famfs_dev d;

	famfs_dev_open(img, true, &d);
	log = (struct famfs_log *)(d.base + FAMFS_LOG_OFFSET);
	log->entries[i].file.fmap.se[0].offset = off;
	log->entries[i].crc = famfs_log_entry_crc(&log->entries[i]);
	famfs_dev_close(&d);
}

/* Maps are trusted only after famfs_map_check() and the live-file check. */
static void trusted_maps(void)
{
	char longname[200], buf[16];
	struct famfs_log_entry e;
	struct famfs_fs *fs;
	uint8_t *map;
	uint64_t next;

	format(64 * MiB);
	famfs_fs_open_device(img, true, &fs);
	famfs_fs_creat(fs, "victim", 2 * MiB, 0644, 0, 0, NULL, NULL, NULL);
	famfs_fs_creat(fs, "owner", 2 * MiB, 0644, 0, 0, NULL, NULL, NULL);
	is(famfs_fs_clone(fs, "owner", "xl"), 0, "clone owner -> xl (offline)");
	famfs_fs_close(fs);
	set_extent(0, FAMFS_LOG_OFFSET);	/* victim's bytes over the log header */

	famfs_fs_open_device(img, true, &fs);
	next = famfs_fs_log(fs)->next_index;
	is(famfs_fs_creat(fs, "victim", 2 * MiB, 0644, 0, 0, NULL, NULL, &map), -EINVAL,
	   "reusing an entry whose map is in the log -> EINVAL");
	ok(strstr(famfs_errmsg(), "superblock and log") != NULL, "message: %s", famfs_errmsg());
	is(famfs_fs_write(fs, "victim", 0, "x", 1), -EINVAL, "write to it -> EINVAL");
	is(famfs_fs_read(fs, "victim", 0, buf, 1), -EINVAL, "read of it -> EINVAL");
	is(famfs_fs_clone(fs, "victim", "v2"), -EINVAL, "clone of it -> EINVAL");
	is(famfs_fs_creat(fs, "xl", 2 * MiB, 0644, 0, 0, NULL, NULL, &map), -EADDRINUSE,
	   "reusing a cross-linked entry -> EADDRINUSE");
	is(famfs_fs_write(fs, "xl", 0, "x", 1), -EADDRINUSE, "write to a cross-linked file");
	is(famfs_fs_read(fs, "xl", 0, buf, 1), -EADDRINUSE, "read of a cross-linked file");
	is(famfs_fs_write(fs, "owner", 0, "x", 1), 0, "the first owner is usable");
	is(famfs_fs_creat(fs, "owner", 2 * MiB, 0644, 0, 0, NULL, NULL, &map), 1,
	   "the first owner can be reused");
	ok(famfs_log_check(famfs_fs_log(fs), famfs_fs_sb(fs)->log_len) == 0 &&
	   famfs_fs_log(fs)->next_index == next, "the log header is intact, nothing appended");

	/* Every entry point checks its own arguments (no overflow, no crash). */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	is(famfs_fs_clone(fs, longname, "c"), -ENAMETOOLONG, "clone of a 199-byte source name");
	memset(longname, 'n', 80);
	longname[80] = 0;
	is(famfs_fs_clone(fs, longname, "c"), -ENAMETOOLONG, "clone of an 80-byte source name");
	is(famfs_fs_clone(fs, "owner", longname), -ENAMETOOLONG, "clone to an 80-byte name");
	is(famfs_fs_clone(NULL, "a", "b"), -EINVAL, "clone without a handle");
	is(famfs_fs_clone(fs, NULL, "b"), -EINVAL, "clone without a source");
	is(famfs_fs_read(fs, longname, 0, buf, 1), -ENAMETOOLONG, "read of an 80-byte name");
	is(famfs_fs_write(fs, longname, 0, buf, 1), -ENAMETOOLONG, "write of an 80-byte name");
	is(famfs_fs_lookup(fs, longname, &e), -ENAMETOOLONG, "lookup of an 80-byte name");
	is(famfs_fs_lookup(fs, NULL, &e), -EINVAL, "lookup without a name");
	is(famfs_fs_mkdir(fs, NULL, 0755, 0, 0, false), -EINVAL, "mkdir without a name");
	is(famfs_fs_creat(fs, NULL, 1, 0644, 0, 0, NULL, NULL, NULL), -EINVAL,
	   "creat without a name");
	is(famfs_fs_creat(NULL, "n", 1, 0644, 0, 0, NULL, NULL, NULL), -EINVAL,
	   "creat without a handle");
	is(famfs_log_append(NULL, 8 * MiB, &e), -EINVAL, "append without a log");
	is(famfs_relpath_check(NULL), -EINVAL, "relpath check of NULL");
	famfs_fs_close(fs);
	famfs_fs_close(NULL);
	is(famfs_fs_open_device(NULL, false, &fs), -EINVAL, "open of no device");
	is(famfs_fs_open(NULL, false, &fs), -EINVAL, "open of no path");
}

/* Random damage to superblock, log header and entries; fix CRCs sometimes. */
static void fuzz_fsck(void)
{
	const uint64_t meta = FAMFS_LOG_OFFSET + 8 * MiB;
	struct famfs_fsck_report r;
	struct famfs_dev d;
	uint8_t *pristine, *buf;
	uint64_t i, found = 0, clean = 0;
	struct famfs_superblock *sb;
	struct famfs_log *log;
	struct famfs_fs *fs;
	char name[16];

	format(64 * MiB);
	famfs_fs_open_device(img, true, &fs);
	famfs_fs_mkdir(fs, "d", 0755, 0, 0, false);
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "d/f%llu", (unsigned long long)i);
		famfs_fs_creat(fs, name, (i + 1) * MiB, 0644, 0, 0, NULL, NULL, NULL);
	}
	famfs_fs_close(fs);
	famfs_dev_open(img, false, &d);
	pristine = malloc(meta);
	buf = malloc(meta);
	memcpy(pristine, d.base, meta);
	famfs_dev_close(&d);
	sb = (void *)buf;
	log = (void *)(buf + FAMFS_LOG_OFFSET);
	srandom(4242);
	for (i = 0; i < 600; i++) {
		int k, nflips = 1 + random() % 8;

		memcpy(buf, pristine, meta);
		for (k = 0; k < nflips; k++) {
			uint64_t where;

			switch (random() % 3) {
			case 0:
				where = random() % sizeof(*sb);
				break;
			case 1:
				where = FAMFS_LOG_OFFSET + random() % sizeof(*log);
				break;
			default:
				where = FAMFS_LOG_OFFSET + sizeof(*log) +
					random() % (14 * sizeof(struct famfs_log_entry));
				break;
			}
			buf[where] ^= 1u << (random() % 8);
		}
		if (random() % 2) {
			sb->crc = famfs_sb_crc(sb);
			log->crc = famfs_log_hdr_crc(log);
			for (k = 0; k < 13; k++)
				log->entries[k].crc = famfs_log_entry_crc(&log->entries[k]);
		}
		if (famfs_fsck(sb, log, 64 * MiB, &r))
			found++;
		else
			clean++;
	}
	ok(found > 300, "600 randomly damaged images: fsck ran safely, %llu flagged, %llu clean",
	   (unsigned long long)found, (unsigned long long)clean);
	memcpy(buf, pristine, meta);
	is(famfs_fsck(sb, log, 64 * MiB, &r), 0, "the undamaged copy is clean");
	free(pristine);
	free(buf);
}

/*
 * One handle checks each log entry's CRC once: names, the live set, the
 * allocator and the write check share the scan (a creat on a long log was
 * four full CRC passes).
 */
static void scan_once(void)
{
	struct famfs_fs *fs;
	uint64_t before, checked;
	char name[32];
	int i, fd;

	format(64 * MiB);
	if (!ok(famfs_fs_open_device(img, true, &fs) == 0, "open for the scan test"))
		return;
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "d%03d", i);
		famfs_fs_mkdir(fs, name, 0755, 0, 0, false);
	}
	famfs_fs_close(fs);
	before = famfs_stats_get(FAMFS_STAT_CRC_CHECKED);
	is(famfs_fs_open_device(img, true, &fs), 0, "reopen a log of 300 entries");
	is(famfs_fs_creat(fs, "d000/f", 4096, 0644, 0, 0, NULL, NULL, NULL), 0,
	   "creat a file");
	is(famfs_fs_mkdir(fs, "d001/sub", 0755, 0, 0, false), 0, "mkdir");
	is(famfs_fs_creat(fs, "d001/sub/g", 4096, 0644, 0, 0, NULL, NULL, NULL), 0,
	   "creat another");
	checked = famfs_stats_get(FAMFS_STAT_CRC_CHECKED) - before;
	famfs_fs_close(fs);
	ok(checked >= 300 && checked <= 303,
	   "the handle checked %llu entry CRCs for 300 entries and 3 appends (each once)",
	   (unsigned long long)checked);
	/* A new handle checks again: damage made meanwhile is found. */
	fd = open(img, O_RDWR);
	if (fd >= 0) {
		uint8_t b = 0x5a;
		off_t at = FAMFS_LOG_OFFSET + sizeof(struct famfs_log) +
			   150 * sizeof(struct famfs_log_entry) +
			   offsetof(struct famfs_log_entry, mkdir.relpath) + 1;

		ok(pwrite(fd, &b, 1, at) == 1, "damage entry 150 on the device");
		close(fd);
	}
	is(famfs_fs_open_device(img, true, &fs), 0, "reopen the damaged log");
	is(famfs_fs_creat(fs, "d002/f", 4096, 0644, 0, 0, NULL, NULL, NULL),
	   -EBADMSG, "a new handle finds the damage and refuses to write");
	famfs_fs_close(fs);
}

int main(void)
{
	t_setup();
	roles();
	offline_basic();
	relpaths();
	interleaved_offline();
	client_and_full();
	out_of_space();
	staged();
	fsck();
	trusted_maps();
	fuzz_fsck();
	scan_once();
	return tap_done();
}
