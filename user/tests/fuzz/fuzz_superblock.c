// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: superblock parsing and validation (spec §2). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libfamfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct famfs_superblock sb;
	uint8_t flags = size ? data[0] : 0;
	uint64_t dev;
	int rc;

	memset(&sb, 0, sizeof(sb));
	if (size) {
		data++;
		size--;
	}
	memcpy(&sb, data, size < sizeof(sb) ? size : sizeof(sb));
	if (flags & 1)
		sb.crc = famfs_sb_crc(&sb);
	dev = flags & 2 ? sb.dev_size : 64ULL << 20;
	rc = famfs_sb_check(&sb, dev);
	if (rc == 0) {
		/* A valid superblock keeps the log inside the device. */
		if (sb.log_offset != FAMFS_LOG_OFFSET || famfs_log_len_check(sb.log_len) ||
		    (dev && sb.log_offset + sb.log_len > dev))
			abort();
	} else if (rc >= 0 || !famfs_errmsg()[0]) {
		abort();	/* failures are negative and say why */
	}
	famfs_sb_check(&sb, 0);
	return 0;
}
