// SPDX-License-Identifier: GPL-2.0
/* Kernel map ioctls (kernel-abi §2): give a file its memory. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "famfs_priv.h"

int famfs_kmap_v2(int fd, uint32_t file_type, uint64_t size,
		  const struct famfs_log_fmap *fmap)
{
	struct famfs_ioc_simple_extent se[FAMFS_MAX_SIMPLE_EXT];
	struct famfs_ioc_simple_extent strips[FAMFS_MAX_STRIPS];
	struct famfs_ioc_interleaved_ext ie;
	struct famfs_ioc_fmap m;
	unsigned int i;

	if (!fmap)
		return famfs_fail(-EINVAL, "map create: no map");
	memset(&m, 0, sizeof(m));
	m.fioc_file_size = size;
	m.fioc_file_type = file_type;
	if (fmap->ext_type == FAMFS_EXT_SIMPLE) {
		if (fmap->count == 0 || fmap->count > FAMFS_MAX_SIMPLE_EXT)
			return famfs_fail(-EINVAL, "bad extent count %u", fmap->count);
		for (i = 0; i < fmap->count; i++) {
			se[i].devindex = fmap->se[i].devindex;
			se[i].offset = fmap->se[i].offset;
			se[i].len = fmap->se[i].len;
		}
		m.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
		m.fioc_nextents = fmap->count;
		m.fioc_extents = (uintptr_t)se;
	} else if (fmap->ext_type == FAMFS_EXT_INTERLEAVE) {
		const struct famfs_interleaved_ext *le = &fmap->ie[0];

		if (fmap->count != 1 || le->nstrips == 0 || le->nstrips > FAMFS_MAX_STRIPS)
			return famfs_fail(-EINVAL, "bad interleaved map");
		for (i = 0; i < le->nstrips; i++) {
			strips[i].devindex = le->strips[i].devindex;
			strips[i].offset = le->strips[i].offset;
			strips[i].len = le->strips[i].len;
		}
		ie.ie_nstrips = le->nstrips;
		ie.ie_chunk_size = le->chunk_size;
		ie.ie_nbytes = size;
		ie.ie_strips = strips;
		m.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
		m.fioc_nextents = 1;
		m.fioc_extents = (uintptr_t)&ie;
	} else {
		return famfs_fail(-EINVAL, "unknown extent type %u", fmap->ext_type);
	}
	if (ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &m) < 0)
		return famfs_fail(-errno, "FAMFSIOC_MAP_CREATE_V2: %s", strerror(errno));
	return 0;
}

int famfs_kmap_v1(int fd, uint32_t file_type, uint64_t size, uint64_t off,
		  uint64_t len)
{
	struct famfs_ioc_map m;

	memset(&m, 0, sizeof(m));
	m.extent_type = SIMPLE_DAX_EXTENT;
	m.file_type = file_type;
	m.file_size = size;
	m.ext_list_count = 1;
	m.ext_list[0].offset = off;
	m.ext_list[0].len = len;
	if (ioctl(fd, FAMFSIOC_MAP_CREATE, &m) < 0)
		return famfs_fail(-errno, "FAMFSIOC_MAP_CREATE: %s", strerror(errno));
	return 0;
}

int famfs_kmap_get(int fd, struct famfs_ioc_get_fmap *out)
{
	if (!out)
		return famfs_fail(-EINVAL, "map get: no result");
	memset(out, 0, sizeof(*out));
	if (ioctl(fd, FAMFSIOC_MAP_GET_V2, out) < 0)
		return famfs_fail(-errno, "FAMFSIOC_MAP_GET_V2: %s", strerror(errno));
	return 0;
}

int famfs_is_famfs_fd(int fd)
{
	return ioctl(fd, FAMFSIOC_NOP) == 0;
}
