// SPDX-License-Identifier: GPL-2.0
/*
 * Writing file data into famfs: through the contiguous mapping when there is
 * one (online mmap or the device mapping offline), else through the file
 * descriptor, else through famfs_fs_write() (offline interleaved files).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "libfamfs.h"

#define FILL_CHUNK (1U << 20)	/* a multiple of 4: keeps the stream intact */

int cli_dst_write(struct cli_dst *d, uint64_t off, const void *buf,
		  size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	if (off > d->size || len > d->size - off)
		return -EINVAL;
	if (d->map) {
		memcpy(d->map + off, buf, len);
		return 0;
	}
	if (d->fd >= 0) {
		while (len) {
			n = pwrite(d->fd, p, len, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			p += n;
			off += (uint64_t)n;
			len -= (size_t)n;
		}
		return 0;
	}
	if (d->staged)
		return famfs_fs_stage_io(d->fs, d->staged, off, (void *)buf,
					 len, true);
	return famfs_fs_write(d->fs, d->relpath, off, buf, len);
}

int cli_dst_fill_seeded(struct cli_dst *d, uint32_t seed,
			struct cli_progress *prog)
{
	struct famfs_prng p;
	uint64_t off;
	uint8_t *buf;
	size_t n;
	int rc = 0;

	famfs_prng_init(&p, seed);
	if (d->map) {
		/* In FILL_CHUNK steps (a multiple of 4): one stream. */
		for (off = 0; off < d->size; off += n) {
			n = d->size - off < FILL_CHUNK ? (size_t)(d->size - off)
						       : FILL_CHUNK;
			famfs_prng_fill(&p, d->map + off, n);
			if (prog)
				cli_progress_add(prog, n);
		}
		return 0;
	}
	buf = malloc(FILL_CHUNK);
	if (!buf)
		return -ENOMEM;
	for (off = 0; off < d->size && !rc; off += n) {
		n = d->size - off < FILL_CHUNK ? (size_t)(d->size - off)
					       : FILL_CHUNK;
		famfs_prng_fill(&p, buf, n);
		rc = cli_dst_write(d, off, buf, n);
		if (prog && !rc)
			cli_progress_add(prog, n);
	}
	free(buf);
	return rc;
}

void cli_dst_finish(struct cli_dst *d)
{
	if (d->map && d->size)
		famfs_flush(d->map, d->size);
	if (d->map && d->map_online)
		famfs_fs_unmap(d->fs, d->map, d->size);
	d->map = NULL;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

uint32_t cli_pick_seed(void)
{
	uint32_t s = 0;

	if (getrandom(&s, sizeof(s), 0) != sizeof(s))
		s = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	return s ? s : 1;
}
