// SPDX-License-Identifier: GPL-2.0
/*
 * One release floor per handle: a host that releases memory while a
 * handle is open must not make the allocator hand out memory that the
 * handle's live set still counts as owned by the deleted file (the
 * spurious "cross-linked" creates the churn benchmark found).
 */
#include "test_util.h"

#define MiB FAMFS_MiB

static const char *img;
static uint64_t aoff;	/* where a lived */
static uuid_t other = { 0x5a, 0x5a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

static void setup(void)
{
	struct famfs_host_rec rec;
	struct famfs_fs *fs;
	struct famfs_dev d;
	uint32_t slot;
	uuid_t me;

	img = t_image("floor.img", 64 * MiB);
	famfs_system_uuid(me);
	if (famfs_dev_open(img, true, &d) || famfs_mkfs(&d, 0, me, true)) {
		printf("# setup failed: %s\n", famfs_errmsg());
		exit(2);
	}
	famfs_dev_close(&d);
	if (famfs_fs_open_device(img, true, &fs) || famfs_fs_enable_delete(fs) ||
	    famfs_fs_creat(fs, "a", 8 * MiB, 0644, 0, 0, NULL, NULL, NULL) < 0) {
		printf("# setup failed: %s\n", famfs_errmsg());
		exit(2);
	}
	{
		struct famfs_log_entry a;

		is(famfs_fs_lookup(fs, "a", &a), 0, "a is in the log");
		aoff = a.file.fmap.se[0].offset;
	}
	/* Another host is mounted and has released nothing yet. */
	memset(&rec, 0, sizeof(rec));
	rec.state = FAMFS_HOST_MOUNTED;
	rec.role = FAMFS_HOST_CLIENT;
	is(famfs_ht_claim(famfs_fs_ht(fs), other, &rec, 0, &slot, NULL, NULL), 0,
	   "a client host takes a slot");
	is(famfs_fs_rm(fs, "a", 0, NULL), 0, "rm a: its memory is pending release");
	famfs_fs_close(fs);
}

static void release_while_open(void)
{
	struct famfs_log_entry a, b;
	struct famfs_host_rec rec;
	struct famfs_fs *fs;
	uint8_t buf[4096];
	uint32_t slot;

	is(famfs_fs_open_device(img, true, &fs), 0, "open the image again");
	/* Build the live set now, with the client holding a. */
	is(famfs_fs_lookup(fs, "a", &a), -ENOENT, "a is gone from the namespace");
	is(famfs_ht_find(famfs_fs_ht(fs), other, &slot), 0, "find the client's slot");
	is(famfs_host_rec_read(famfs_ht_slot(famfs_fs_ht(fs), slot), &rec), 0,
	   "read its record");
	rec.released = famfs_fs_log(fs)->next_index;
	is(famfs_host_rec_write(famfs_ht_slot(famfs_fs_ht(fs), slot), &rec), 0,
	   "the client releases a while the handle is open");
	is(famfs_fs_creat(fs, "b", 8 * MiB, 0644, 0, 0, NULL, NULL, NULL), 0,
	   "creat b succeeds");
	memset(buf, 0xb5, sizeof(buf));
	is(famfs_fs_write(fs, "b", 0, buf, sizeof(buf)), 0,
	   "b can be written (its memory is not 'cross-linked')");
	is(famfs_fs_lookup(fs, "b", &b), 0, "b is in the log");
	ok(b.file.fmap.se[0].offset != aoff,
	   "b did not get a's memory in the handle that saw it held");
	famfs_fs_close(fs);

	is(famfs_fs_open_device(img, true, &fs), 0, "a fresh handle");
	is(famfs_fs_creat(fs, "c", 8 * MiB, 0644, 0, 0, NULL, NULL, NULL), 0,
	   "creat c");
	is(famfs_fs_lookup(fs, "c", &b), 0, "c is in the log");
	is(b.file.fmap.se[0].offset, aoff, "a fresh handle reuses a's released memory");
	is(famfs_fs_write(fs, "c", 0, buf, sizeof(buf)), 0, "c can be written");
	famfs_fs_close(fs);
}

int main(void)
{
	t_setup();
	setup();
	release_while_open();
	return tap_done();
}
