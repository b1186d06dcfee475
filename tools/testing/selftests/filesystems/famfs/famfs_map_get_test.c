// SPDX-License-Identifier: GPL-2.0
/*
 * Map round trips: what MAP_CREATE / MAP_CREATE_V2 installed comes back
 * unchanged through MAP_GET + MAP_GETEXT (v1) and MAP_GET_V2, for simple
 * maps of one and two extents and for a 4-strip interleaved map.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

typedef struct famfs_ioc_simple_extent sext_t;

FIXTURE(rt) {
	int fd;
};

FIXTURE_SETUP(rt)
{
	int rc;

	self->fd = -1;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	self->fd = ft_create("f");
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(rt)
{
	if (self->fd >= 0)
		close(self->fd);
	ft_umount_all();
}

static uint64_t st_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? (uint64_t)-1 : (uint64_t)st.st_size;
}

/* v1 view of a simple map: MAP_GET then MAP_GETEXT. */
static void check_v1(struct __test_metadata *_metadata, int fd,
		     uint64_t size, const struct famfs_extent *want, int n)
{
	struct famfs_extent ext[FAMFS_IOC_MAX_EXTENTS + 1];
	struct famfs_ioc_map m;
	int i;

	ASSERT_EQ(0, ft_get_v1(fd, &m));
	EXPECT_EQ(SIMPLE_DAX_EXTENT, m.extent_type);
	EXPECT_EQ(size, m.file_size);
	ASSERT_EQ((uint64_t)n, m.ext_list_count);
	memset(ext, 0xa5, sizeof(ext));
	ASSERT_EQ(0, ioctl(fd, FAMFSIOC_MAP_GETEXT, ext));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(want[i].offset, ext[i].offset) TH_LOG("extent %d", i);
		EXPECT_EQ(want[i].len, ext[i].len) TH_LOG("extent %d", i);
	}
	/* GETEXT copies exactly ext_list_count extents, nothing more */
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, ext[n].offset);
}

/* v2 view of a simple map. */
static void check_v2(struct __test_metadata *_metadata, int fd,
		     uint64_t size, uint32_t type, const sext_t *want, int n)
{
	struct famfs_ioc_get_fmap g;
	int i;

	ASSERT_EQ(0, ft_get_v2(fd, &g));
	EXPECT_EQ(size, g.iocmap.fioc_file_size);
	EXPECT_EQ(type, g.iocmap.fioc_file_type);
	EXPECT_EQ(FAMFS_IOC_EXT_SIMPLE, g.iocmap.fioc_ext_type);
	ASSERT_EQ((uint32_t)n, g.iocmap.fioc_nextents);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, g.ikse[i].devindex);
		EXPECT_EQ(want[i].offset, g.ikse[i].offset) TH_LOG("extent %d", i);
		EXPECT_EQ(want[i].len, g.ikse[i].len) TH_LOG("extent %d", i);
	}
}

TEST_F(rt, v1_simple_one_extent)
{
	struct famfs_extent e = { ft_alloc(8 * FT_MIB), 8 * FT_MIB };
	sext_t s = { 0, e.offset, e.len };

	ASSERT_EQ(0, ft_map_v1(self->fd, FAMFS_REG, 7 * FT_MIB + 5, &e, 1));
	EXPECT_EQ(7 * FT_MIB + 5, st_size(self->fd));
	check_v1(_metadata, self->fd, 7 * FT_MIB + 5, &e, 1);
	check_v2(_metadata, self->fd, 7 * FT_MIB + 5, FAMFS_REG, &s, 1);
}

TEST_F(rt, v1_simple_two_extents)
{
	struct famfs_extent e[2];
	sext_t s[2];

	e[1].offset = ft_alloc(4 * FT_MIB);	/* second extent lower on purpose */
	e[1].len = FT_MIB;
	e[0].offset = ft_alloc(4 * FT_MIB);
	e[0].len = 4 * FT_MIB;
	s[0] = (sext_t){ 0, e[0].offset, e[0].len };
	s[1] = (sext_t){ 0, e[1].offset, e[1].len };
	ASSERT_EQ(0, ft_map_v1(self->fd, FAMFS_REG, 5 * FT_MIB, e, 2));
	EXPECT_EQ(5 * FT_MIB, st_size(self->fd));
	check_v1(_metadata, self->fd, 5 * FT_MIB, e, 2);
	check_v2(_metadata, self->fd, 5 * FT_MIB, FAMFS_REG, s, 2);
}

TEST_F(rt, v2_simple_one_extent)
{
	sext_t s = { 0, ft_alloc(2 * FT_MIB), 2 * FT_MIB };
	struct famfs_extent e = { s.offset, s.len };

	ASSERT_EQ(0, ft_map_v2_simple(self->fd, FAMFS_REG, 4097, &s, 1));
	EXPECT_EQ(4097, st_size(self->fd));
	check_v2(_metadata, self->fd, 4097, FAMFS_REG, &s, 1);
	check_v1(_metadata, self->fd, 4097, &e, 1);
}

TEST_F(rt, v2_simple_two_extents)
{
	sext_t s[2];
	struct famfs_extent e[2];

	s[0] = (sext_t){ 0, ft_alloc(6 * FT_MIB), 6 * FT_MIB };
	ft_alloc(FT_AU);	/* a gap between the extents */
	s[1] = (sext_t){ 0, ft_alloc(2 * FT_MIB), 2 * FT_MIB };
	e[0] = (struct famfs_extent){ s[0].offset, s[0].len };
	e[1] = (struct famfs_extent){ s[1].offset, s[1].len };
	ASSERT_EQ(0, ft_map_v2_simple(self->fd, FAMFS_REG, 8 * FT_MIB, s, 2));
	EXPECT_EQ(8 * FT_MIB, st_size(self->fd));
	check_v2(_metadata, self->fd, 8 * FT_MIB, FAMFS_REG, s, 2);
	check_v1(_metadata, self->fd, 8 * FT_MIB, e, 2);
}

TEST_F(rt, v2_interleaved_four_strips)
{
	const uint64_t chunk = 4 * FT_MIB, size = 40 * FT_MIB;
	struct famfs_ioc_get_fmap g;
	sext_t st[4];
	int i;

	/* 4 strips of 3 chunks each: 48 MiB covers a 40 MiB file */
	for (i = 0; i < 4; i++)
		st[i] = (sext_t){ 0, ft_alloc(3 * chunk + FT_AU), 3 * chunk };
	ASSERT_EQ(0, ft_map_v2_interleave(self->fd, size, 4, chunk, st, size));
	EXPECT_EQ(size, st_size(self->fd));
	ASSERT_EQ(0, ft_get_v2(self->fd, &g));
	EXPECT_EQ(size, g.iocmap.fioc_file_size);
	EXPECT_EQ(FAMFS_REG, g.iocmap.fioc_file_type);
	EXPECT_EQ(FAMFS_IOC_EXT_INTERLEAVE, g.iocmap.fioc_ext_type);
	EXPECT_EQ(1, g.iocmap.fioc_nextents);
	EXPECT_EQ(4, g.il.ie.ie_nstrips);
	EXPECT_EQ(chunk, g.il.ie.ie_chunk_size);
	EXPECT_EQ(size, g.il.ie.ie_nbytes);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, g.il.ie_strips[i].devindex);
		EXPECT_EQ(st[i].offset, g.il.ie_strips[i].offset) TH_LOG("strip %d", i);
		EXPECT_EQ(st[i].len, g.il.ie_strips[i].len) TH_LOG("strip %d", i);
	}
	for (i = 4; i < FAMFS_IOC_MAX_STRIPS; i++)
		EXPECT_EQ(0, g.il.ie_strips[i].len) TH_LOG("strip %d", i);
}

TEST_F(rt, v2_interleaved_sixteen_strips)
{
	const uint64_t size = 16 * FT_AU;
	struct famfs_ioc_get_fmap g;
	sext_t st[16];
	int i;

	for (i = 0; i < 16; i++)
		st[i] = (sext_t){ 0, ft_alloc(FT_AU), FT_AU };
	ASSERT_EQ(0, ft_map_v2_interleave(self->fd, size, 16, FT_AU, st, size));
	ASSERT_EQ(0, ft_get_v2(self->fd, &g));
	EXPECT_EQ(16, g.il.ie.ie_nstrips);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(st[i].offset, g.il.ie_strips[i].offset) TH_LOG("strip %d", i);
}

TEST_F(rt, v1_meta_file_types)
{
	struct famfs_extent sb = { 0, FT_AU };
	struct famfs_extent log = { FT_AU, 8 * FT_MIB };
	struct famfs_ioc_get_fmap g;
	int fd2;

	ASSERT_EQ(0, ft_map_v1(self->fd, FAMFS_SUPERBLOCK, FT_AU, &sb, 1));
	check_v1(_metadata, self->fd, FT_AU, &sb, 1);
	ASSERT_EQ(0, ft_get_v2(self->fd, &g));
	EXPECT_EQ(FAMFS_SUPERBLOCK, g.iocmap.fioc_file_type);
	fd2 = ft_create("log");
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, ft_map_v1(fd2, FAMFS_LOG, 8 * FT_MIB, &log, 1));
	check_v1(_metadata, fd2, 8 * FT_MIB, &log, 1);
	ASSERT_EQ(0, ft_get_v2(fd2, &g));
	EXPECT_EQ(FAMFS_LOG, g.iocmap.fioc_file_type);
	close(fd2);
}

TEST_F(rt, map_visible_through_other_fds)
{
	sext_t s = { 0, ft_alloc(FT_AU), FT_AU };
	struct famfs_ioc_get_fmap g;
	struct stat st;
	int ro;

	ASSERT_EQ(0, ft_map_v2_simple(self->fd, FAMFS_REG, 1000, &s, 1));
	ASSERT_EQ(0, stat(ft_path("f"), &st));
	EXPECT_EQ(1000, st.st_size);
	/* reading a map needs no write access */
	ro = open(ft_path("f"), O_RDONLY);
	ASSERT_GE(ro, 0);
	ASSERT_EQ(0, ft_get_v2(ro, &g));
	EXPECT_EQ(s.offset, g.ikse[0].offset);
	close(ro);
}

TEST_HARNESS_MAIN
