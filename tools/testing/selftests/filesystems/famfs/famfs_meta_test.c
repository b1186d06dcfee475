// SPDX-License-Identifier: GPL-2.0
/*
 * The meta files made by `famfs mount` (on-media-format.md §7): their v1
 * maps (MAP_GET + MAP_GETEXT, as the upstream tools read them), sizes,
 * modes, and their bytes, which must be the raw device bytes of the
 * superblock and the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

#define SB_MAGIC 0x87b282ffULL
#define LOG_MAGIC 0xbadcafef00dULL

FIXTURE(meta) {
	uint64_t log_len;
	char *buf, *raw;
};

FIXTURE_VARIANT(meta) {
	const char *loglen_opt;
	uint64_t log_len;
};

FIXTURE_VARIANT_ADD(meta, log8m) {
	.loglen_opt = "",
	.log_len = 8 * FT_MIB,
};

FIXTURE_VARIANT_ADD(meta, log16m) {
	.loglen_opt = "-l 16m",
	.log_len = 16 * FT_MIB,
};

FIXTURE_SETUP(meta)
{
	int rc;

	self->buf = NULL;
	self->raw = NULL;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	if (!ft_have_prog("famfs") || !ft_have_prog("mkfs.famfs"))
		SKIP(return, "famfs and mkfs.famfs are not on PATH");
	ASSERT_EQ(0, ft_load_module());
	ft_umount_all();
	rc = ft_sh("mkfs.famfs -f %s %s", variant->loglen_opt, ft_dev());
	ASSERT_EQ(0, rc) TH_LOG("mkfs.famfs exited %d", rc);
	mkdir(ft_mpt(), 0755);
	rc = ft_sh("famfs mount %s %s", ft_dev(), ft_mpt());
	ASSERT_EQ(0, rc) TH_LOG("famfs mount exited %d", rc);
	self->log_len = variant->log_len;
	self->buf = malloc(self->log_len);
	self->raw = malloc(self->log_len);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->raw);
}

FIXTURE_TEARDOWN(meta)
{
	free(self->buf);
	free(self->raw);
	ft_umount_all();
}

static void check_meta_map(struct __test_metadata *_metadata, const char *name,
			   uint32_t type, uint64_t off, uint64_t len,
			   mode_t mode)
{
	struct famfs_extent ext[FAMFS_IOC_MAX_EXTENTS];
	struct famfs_ioc_get_fmap g;
	struct famfs_ioc_map m;
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat(ft_path(name), &st)) TH_LOG("%s", name);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ((off_t)len, st.st_size);
	EXPECT_EQ(mode, st.st_mode & 07777) TH_LOG("%s mode %o", name,
						    st.st_mode & 07777);
	fd = open(ft_path(name), O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ft_get_v1(fd, &m));
	EXPECT_EQ(SIMPLE_DAX_EXTENT, m.extent_type);
	EXPECT_EQ(len, m.file_size);
	ASSERT_EQ(1, m.ext_list_count);
	ASSERT_EQ(0, ioctl(fd, FAMFSIOC_MAP_GETEXT, ext));
	EXPECT_EQ(off, ext[0].offset);
	EXPECT_EQ(len, ext[0].len);
	ASSERT_EQ(0, ft_get_v2(fd, &g));
	EXPECT_EQ(type, g.iocmap.fioc_file_type);
	close(fd);
}

/* The file's bytes by read(2) and mmap, and equal to the raw device. */
static void check_meta_bytes(struct __test_metadata *_metadata,
			     const char *name, uint64_t off, uint64_t len,
			     char *buf, char *raw)
{
	int fd, rc;
	char *p;

	fd = open(ft_path(name), O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ft_pread_all(fd, buf, len, 0));
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, buf, len)) TH_LOG("%s: mmap != read", name);
	munmap(p, len);
	close(fd);
	rc = ft_raw_read(off, raw, len);
	if (rc == -ENOTBLK) {
		TH_LOG("%s is not a block device: raw compare skipped", ft_dev());
		return;
	}
	ASSERT_EQ(0, rc) TH_LOG("raw read: %s", strerror(-rc));
	EXPECT_EQ(0, memcmp(raw, buf, len)) TH_LOG("%s != device bytes", name);
}

/*
 * Each case formats and mounts with the CLI: slow under TCG with a debug
 * kernel (lockdep, kmemleak), hence 120 s instead of the harness's 30 s.
 */
TEST_F_TIMEOUT(meta, superblock_map, 120)
{
	check_meta_map(_metadata, ".meta/.superblock", FAMFS_SUPERBLOCK, 0,
		       FT_AU, 0444);
}

TEST_F_TIMEOUT(meta, log_map, 120)
{
	check_meta_map(_metadata, ".meta/.log", FAMFS_LOG, FT_AU,
		       self->log_len, 0644);
}

TEST_F_TIMEOUT(meta, superblock_bytes, 120)
{
	uint64_t *sb = (uint64_t *)self->buf;

	check_meta_bytes(_metadata, ".meta/.superblock", 0, FT_AU, self->buf,
			 self->raw);
	EXPECT_EQ(SB_MAGIC, sb[0]);
	EXPECT_EQ(48, sb[1]);			/* version */
	EXPECT_EQ(FT_AU, sb[2]);		/* log_offset */
	EXPECT_EQ(self->log_len, sb[3]);	/* log_len */
}

TEST_F_TIMEOUT(meta, log_bytes, 120)
{
	uint64_t *hdr = (uint64_t *)self->buf;

	check_meta_bytes(_metadata, ".meta/.log", FT_AU, self->log_len,
			 self->buf, self->raw);
	EXPECT_EQ(LOG_MAGIC, hdr[0]);
	EXPECT_EQ(self->log_len, hdr[1]);
	EXPECT_EQ((self->log_len - 48) / 544 - 1, hdr[2]);	/* last_index */
}

TEST_F_TIMEOUT(meta, meta_maps_are_fixed, 120)
{
	struct famfs_extent e = { FT_AU, FT_AU };
	int fd = open(ft_path(".meta/.log"), O_RDWR);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EEXIST, ft_map_v1(fd, FAMFS_LOG, FT_AU, &e, 1));
	EXPECT_EQ(-1, ftruncate(fd, 0));
	EXPECT_EQ(EPERM, errno);
	close(fd);
}

TEST_HARNESS_MAIN
