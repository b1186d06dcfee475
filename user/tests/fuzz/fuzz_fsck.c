// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: fsck of an in-memory image (see fuzz_image.h for the input). */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_image.h"

static struct fuzz_image im;

/*
 * fsck --repair on the same image: the plan must fit the log, and after
 * it the log must be valid, hold exactly the planned prefix, need no
 * further repair and show no log damage to fsck.
 */
static void check_repair(void)
{
	struct famfs_log *log = (struct famfs_log *)fuzz_image_log(&im);
	uint64_t cap = FAMFS_LOG_NENTRIES(im.sb->log_len);
	struct famfs_log_repair p, again;
	struct famfs_fsck_report r;
	struct famfs_log_scan scan;

	if (famfs_log_repair_plan(im.sb, log, &p))
		abort();
	if (p.nvalid > p.drop_end || p.drop_end > cap || p.ndropped > p.drop_end - p.nvalid)
		abort();
	if (famfs_log_repair_apply(im.sb, log, &p))
		abort();
	if (famfs_log_check(log, im.sb->log_len) || famfs_log_scan(log, im.sb->log_len, &scan))
		abort();
	if (scan.damaged || scan.nvalid != p.nvalid || log->next_index != p.nvalid)
		abort();
	if (famfs_log_repair_plan(im.sb, log, &again) || again.needed)
		abort();
	if (famfs_fsck(im.sb, log, FUZZ_DEV_SIZE, &r) < 0 || r.log_err || r.scan.damaged)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct famfs_fsck_report r;
	int rc;

	fuzz_image_load(&im, data, size);
	rc = famfs_fsck(im.sb, fuzz_image_log(&im), FUZZ_DEV_SIZE, &r);
	if (rc < 0 && !r.sb_err)
		return 0;	/* could not check: reported, fine */
	if (rc == 0 && (r.nerrors || r.sb_err || r.log_err || r.scan.damaged ||
			r.alloc.ncollisions || r.ncrosslinked || r.nbad_entries))
		abort();	/* "clean" must mean clean */
	if (rc == 1 && !r.nerrors)
		abort();
	if (r.nproblems > FAMFS_FSCK_MAX_PROBLEMS)
		abort();
	if (rc == 0 && r.alloc.used_bytes > r.alloc.size_bytes)
		abort();
	if (!r.sb_err && fuzz_image_log(&im))
		check_repair();
	return 0;
}
