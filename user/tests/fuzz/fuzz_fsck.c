// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: fsck of an in-memory image (see fuzz_image.h for the input). */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_image.h"

static struct fuzz_image im;

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
	return 0;
}
