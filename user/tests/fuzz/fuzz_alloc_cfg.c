// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: .meta/.alloc.cfg parsing. Accepted values are always usable. */
#include <stdint.h>
#include <stdlib.h>

#include "libfamfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct famfs_interleave il = { 0 }, before;
	int rc;

	before = il;
	rc = famfs_alloc_cfg_parse((const char *)data, size, &il);
	if (rc == 0) {
		if (famfs_interleave_check(&il))
			abort();
		if (il.chunk_size > FAMFS_CHUNK_MAX || il.nstrips * il.chunk_size == 0)
			abort();
	} else if (il.nstrips != before.nstrips || il.nbuckets != before.nbuckets ||
		   il.chunk_size != before.chunk_size) {
		abort();	/* a refused config changes nothing */
	}
	return 0;
}
