// SPDX-License-Identifier: GPL-2.0
/*
 * Written the way the famfs user-space tools use <linux/famfs_ioctl.h>:
 * their member, constant and type names, pointers assigned directly. It
 * must compile against our header and see upstream's byte layout (KABI 43).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/famfs_ioctl.h>

#define LAYOUT(expr) _Static_assert(expr, #expr)

/* The layout the tools and the kernel agree on, on every ABI. */
LAYOUT(sizeof(struct famfs_extent) == 16);
LAYOUT(sizeof(struct famfs_ioc_map) == 56);
LAYOUT(offsetof(struct famfs_ioc_map, ext_list) == 24);
LAYOUT(sizeof(struct famfs_ioc_simple_extent) == 24);
LAYOUT(sizeof(struct famfs_ioc_interleaved_ext) == 32);
LAYOUT(offsetof(struct famfs_ioc_interleaved_ext, ie_strips) == 24);
LAYOUT(sizeof(struct famfs_ioc_fmap) == 32);
LAYOUT(offsetof(struct famfs_ioc_fmap, fioc_nextents) == 16);
LAYOUT(offsetof(struct famfs_ioc_fmap, fioc_niext) == 16);
LAYOUT(offsetof(struct famfs_ioc_fmap, kse) == 24);
LAYOUT(offsetof(struct famfs_ioc_fmap, kie) == 24);
LAYOUT(sizeof(struct famfs_ioc_get_fmap) == 448);
LAYOUT(offsetof(struct famfs_ioc_get_fmap, ikse) == 32);
LAYOUT(offsetof(struct famfs_ioc_get_fmap, ks.ikie) == 32);
LAYOUT(offsetof(struct famfs_ioc_get_fmap, ks.kie_strips) == 64);
LAYOUT(FAMFS_KABI_VERSION == 43);
LAYOUT(FAMFS_MAX_EXTENTS == 2 && FAMFS_MAX_STRIPS == 16);
LAYOUT(FAMFS_IOC_MAX_INTERLEAVED_EXTENTS == 1);
LAYOUT(SIMPLE_DAX_EXTENT == 0 && INTERLEAVED_EXTENT == 1 &&
       INVALID_EXTENT_TYPE == 2);
LAYOUT(FAMFS_REG == 0 && FAMFS_SUPERBLOCK == 1 && FAMFS_LOG == 2);
LAYOUT(FAMFS_IOC_EXT_SIMPLE == 0 && FAMFS_IOC_EXT_INTERLEAVE == 1);

static int n;
static int failed;

static void check(int cond, const char *what)
{
	n++;
	if (!cond)
		failed = 1;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

int main(void)
{
	struct famfs_ioc_simple_extent strips[FAMFS_MAX_STRIPS];
	struct famfs_ioc_simple_extent ext[FAMFS_MAX_EXTENTS];
	struct famfs_ioc_interleaved_ext ie;
	struct famfs_ioc_get_fmap got;
	struct famfs_ioc_fmap fmap;
	struct famfs_ioc_map map;
	enum famfs_extent_type et = SIMPLE_DAX_EXTENT;
	enum famfs_file_type ft = FAMFS_REG;
	unsigned long cmds[] = {
		FAMFSIOC_MAP_CREATE, FAMFSIOC_MAP_GET, FAMFSIOC_MAP_GETEXT,
		FAMFSIOC_NOP, FAMFSIOC_MAP_CREATE_V2, FAMFSIOC_MAP_GET_V2,
	};
	unsigned long want[] = {
		0x40387550, 0x80387551, 0x80107552, 0x7553, 0x40207554,
		0x81c07555,
	};
	size_t i;
	int same = 1;

	memset(&map, 0, sizeof(map));
	map.extent_type = et;
	map.file_type = FAMFS_SUPERBLOCK;
	map.file_size = 2 << 20;
	map.ext_list_count = 1;
	map.ext_list[0].offset = 0;
	map.ext_list[0].len = 2 << 20;
	check(map.file_type == FAMFS_SUPERBLOCK, "v1 map with upstream member names");

	memset(&fmap, 0, sizeof(fmap));
	memset(ext, 0, sizeof(ext));
	fmap.fioc_file_size = 4 << 20;
	fmap.fioc_file_type = ft;
	fmap.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
	fmap.fioc_nextents = 1;
	fmap.kse = ext;
	check(fmap.fioc_extents == (unsigned long)(void *)ext,
	      "kse is the user pointer the kernel reads");

	memset(&ie, 0, sizeof(ie));
	ie.ie_nstrips = 4;
	ie.ie_chunk_size = 2 << 20;
	ie.ie_nbytes = 8 << 20;
	ie.ie_strips = strips;
	fmap.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
	fmap.fioc_niext = 1;
	fmap.kie = &ie;
	check(fmap.fioc_nextents == 1 &&
	      ie.ie_strips_addr == (unsigned long)(void *)strips &&
	      fmap.fioc_extents == (unsigned long)(void *)&ie,
	      "interleaved map: fioc_niext, kie and ie_strips");

	memset(&got, 0, sizeof(got));
	got.ks.ikie.ie_nstrips = 3;
	got.ks.kie_strips[2].offset = 6 << 20;
	check(got.il.ie.ie_nstrips == 3 && got.il.ie_strips[2].offset == 6 << 20,
	      "MAP_GET_V2 reply: ks.ikie and ks.kie_strips (our il alias agrees)");
	got.ikse[1].len = 7;
	check(got.ikse[1].len == 7, "MAP_GET_V2 reply: ikse");

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		same &= cmds[i] == want[i];
	check(same, "ioctl numbers are KABI 43's");
	check(FAMFS_STATFS_MAGIC_V1 == 0x87b282fe, "statfs magic 0x87b282fe");
	printf("1..%d\n", n);
	return failed;
}
