// SPDX-License-Identifier: GPL-2.0
/*
 * famfs data integrity: bytes written with write(2) come back through mmap
 * and sit at the mapped device offsets; bytes stored through mmap come back
 * through read(2); interleaved files place every chunk where the on-media
 * spec §5 formula says.
 *
 * The device is read with O_DIRECT (the mount holds it exclusively, a plain
 * read-only open is still allowed). A dax char device cannot be read(2), so
 * there an "alias" file mapped onto the same device range stands in for it,
 * in a fresh mount: two live files of one mount never share memory. So every
 * case checks the device last, after closing and unmapping its files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

typedef struct famfs_ioc_simple_extent sext_t;

FIXTURE(data) {
	int fd;
	char *buf;
	char *buf2;
};

#define BUFSZ (64 * FT_MIB)

FIXTURE_SETUP(data)
{
	int rc;

	self->fd = -1;
	self->buf = NULL;
	self->buf2 = NULL;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	self->buf = malloc(BUFSZ);
	self->buf2 = malloc(BUFSZ);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->buf2);
	self->fd = ft_create("f");
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(data)
{
	if (self->fd >= 0)
		close(self->fd);
	free(self->buf);
	free(self->buf2);
	ft_umount_all();
}

/*
 * Device bytes, via O_DIRECT or, for a char device, via an alias file in a
 * fresh mount (the kernel keeps nothing; the caller has closed its files).
 */
static int dev_read(uint64_t off, void *buf, size_t len)
{
	uint64_t start = off & ~(FT_AU - 1);
	uint64_t end = (off + len + FT_AU - 1) & ~(FT_AU - 1);
	sext_t e = { 0, start, end - start };
	int fd, rc;

	rc = ft_raw_read(off, buf, len);
	if (rc != -ENOTBLK)
		return rc;
	if (umount2(ft_mpt(), 0))
		return -errno;
	rc = ft_mount_at(ft_mpt(), NULL);
	if (rc)
		return rc;
	fd = ft_create("alias");
	if (fd < 0)
		return fd;
	rc = ft_map_v2_simple(fd, FAMFS_REG, e.len, &e, 1);
	if (!rc)
		rc = ft_pread_all(fd, buf, len, off - start);
	close(fd);
	return rc;
}

/* Compare device bytes [devoff, +len) with the pattern at file_off. */
static long dev_check(uint64_t devoff, size_t len, uint64_t file_off,
		      uint32_t salt, char *scratch)
{
	int rc = dev_read(devoff, scratch, len);

	if (rc)
		return -2;	/* device read failed */
	return ft_check(scratch, len, file_off, salt);
}

/* Tens of MiB per case: 120 s for TCG with a debug kernel. */
TEST_F_TIMEOUT(data, write_then_mmap_and_device, 120)
{
	const uint64_t size = 5 * FT_MIB + 123;
	sext_t e[2];
	long bad;
	char *p;

	e[1] = (sext_t){ 0, ft_alloc(2 * FT_MIB), 2 * FT_MIB };
	e[0] = (sext_t){ 0, ft_alloc(4 * FT_MIB), 4 * FT_MIB };
	ASSERT_EQ(0, ft_map_v2_simple(self->fd, FAMFS_REG, size, e, 2));

	ft_fill(self->buf, size, 0, 1);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, self->buf, size, 0));

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	bad = ft_check(p, size, 0, 1);
	EXPECT_EQ(-1, bad) TH_LOG("mmap differs at file offset %ld", bad);
	munmap(p, size);

	/* small reads across the extent boundary and at EOF */
	ASSERT_EQ(0, ft_pread_all(self->fd, self->buf2, 8192,
				  4 * FT_MIB - 4096));
	EXPECT_EQ(-1, ft_check(self->buf2, 8192, 4 * FT_MIB - 4096, 1));
	EXPECT_EQ(100, pread(self->fd, self->buf2, 4096, size - 100));
	EXPECT_EQ(-1, ft_check(self->buf2, 100, size - 100, 1));
	close(self->fd);
	self->fd = -1;

	/* extent 0 holds [0, 4M), extent 1 holds [4M, size) */
	bad = dev_check(e[0].offset, 4 * FT_MIB, 0, 1, self->buf2);
	EXPECT_EQ(-1, bad) TH_LOG("extent 0 on the device differs at %ld", bad);
	bad = dev_check(e[1].offset, size - 4 * FT_MIB, 4 * FT_MIB, 1,
			self->buf2);
	EXPECT_EQ(-1, bad) TH_LOG("extent 1 on the device differs at %ld", bad);
}

TEST_F_TIMEOUT(data, mmap_store_then_read, 120)
{
	const uint64_t size = 6 * FT_MIB;
	sext_t e[2];
	long bad;
	char *p;

	e[0] = (sext_t){ 0, ft_alloc(2 * FT_MIB), 2 * FT_MIB };
	ft_alloc(FT_AU);
	e[1] = (sext_t){ 0, ft_alloc(4 * FT_MIB), 4 * FT_MIB };
	ASSERT_EQ(0, ft_map_v2_simple(self->fd, FAMFS_REG, size, e, 2));

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ft_fill(p, size, 0, 2);
	EXPECT_EQ(0, msync(p, size, MS_SYNC));

	ASSERT_EQ(0, ft_pread_all(self->fd, self->buf, size, 0));
	bad = ft_check(self->buf, size, 0, 2);
	EXPECT_EQ(-1, bad) TH_LOG("read(2) differs at file offset %ld", bad);

	/* a write(2) is visible in the live mapping */
	ft_fill(self->buf, 4096, 5 * FT_MIB, 9);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, self->buf, 4096, 5 * FT_MIB));
	EXPECT_EQ(-1, ft_check(p + 5 * FT_MIB, 4096, 5 * FT_MIB, 9));
	/* put the store pattern back for the device check */
	ft_fill(p + 5 * FT_MIB, 4096, 5 * FT_MIB, 2);
	EXPECT_EQ(0, msync(p, size, MS_SYNC));
	munmap(p, size);
	close(self->fd);
	self->fd = -1;

	bad = dev_check(e[0].offset, 2 * FT_MIB, 0, 2, self->buf2);
	EXPECT_EQ(-1, bad) TH_LOG("extent 0 on the device differs at %ld", bad);
	bad = dev_check(e[1].offset, 4 * FT_MIB, 2 * FT_MIB, 2, self->buf2);
	EXPECT_EQ(-1, bad) TH_LOG("extent 1 on the device differs at %ld", bad);
}

TEST_F_TIMEOUT(data, two_fds_two_files_share_nothing, 120)
{
	uint64_t off1, off2;
	int fd2;

	ASSERT_EQ(0, close(self->fd));
	self->fd = ft_create_mapped("a", 2 * FT_MIB, &off1);
	ASSERT_GE(self->fd, 0);
	fd2 = ft_create_mapped("b", 2 * FT_MIB, &off2);
	ASSERT_GE(fd2, 0);
	ft_fill(self->buf, 2 * FT_MIB, 0, 11);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, self->buf, 2 * FT_MIB, 0));
	ft_fill(self->buf, 2 * FT_MIB, 0, 12);
	ASSERT_EQ(0, ft_pwrite_all(fd2, self->buf, 2 * FT_MIB, 0));
	ASSERT_EQ(0, ft_pread_all(self->fd, self->buf2, 2 * FT_MIB, 0));
	EXPECT_EQ(-1, ft_check(self->buf2, 2 * FT_MIB, 0, 11));
	ASSERT_EQ(0, ft_pread_all(fd2, self->buf2, 2 * FT_MIB, 0));
	EXPECT_EQ(-1, ft_check(self->buf2, 2 * FT_MIB, 0, 12));
	close(fd2);
}

/* Check `n` file offsets of an interleaved file against the device. */
static void check_interleave(struct __test_metadata *_metadata,
			     const sext_t *strips, uint64_t nstrips,
			     uint64_t chunk, uint64_t size, uint32_t salt,
			     const uint64_t *offs, int n, char *scratch)
{
	uint64_t len, devoff;
	long bad;
	int i;

	for (i = 0; i < n; i++) {
		len = size - offs[i] < 4096 ? size - offs[i] : 4096;
		/* stay inside one chunk */
		if (offs[i] % chunk + len > chunk)
			len = chunk - offs[i] % chunk;
		devoff = ft_interleave_devoff(strips, nstrips, chunk, offs[i]);
		bad = dev_check(devoff, len, offs[i], salt, scratch);
		EXPECT_EQ(-1, bad)
			TH_LOG("file offset 0x%llx (device 0x%llx): byte %ld differs",
			       (unsigned long long)offs[i],
			       (unsigned long long)devoff, bad);
	}
}

TEST_F_TIMEOUT(data, interleave_4x2m_offsets, 120)
{
	const uint64_t chunk = 2 * FT_MIB, size = 32 * FT_MIB;
	const uint64_t offs[] = {
		0, 1, 2 * FT_MIB - 1, 2 * FT_MIB, 3 * FT_MIB + 17, 7 * FT_MIB,
		8 * FT_MIB, 15 * FT_MIB, 15 * FT_MIB + 4095, 17 * FT_MIB + 5,
		25 * FT_MIB, 31 * FT_MIB, 32 * FT_MIB - 1,
	};
	sext_t st[4];
	long bad;
	char *p;
	int i;

	for (i = 0; i < 4; i++)
		st[i] = (sext_t){ 0, ft_alloc(8 * FT_MIB + FT_AU), 8 * FT_MIB };
	/* the spec's worked example: 15 MiB -> strip 3, stripe 1, +3 MiB */
	ASSERT_EQ(st[3].offset + 3 * FT_MIB,
		  ft_interleave_devoff(st, 4, chunk, 15 * FT_MIB));
	ASSERT_EQ(0, ft_map_v2_interleave(self->fd, size, 4, chunk, st, size));

	ft_fill(self->buf, size, 0, 3);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, self->buf, size, 0));

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	bad = ft_check(p, size, 0, 3);
	EXPECT_EQ(-1, bad) TH_LOG("mmap differs at file offset %ld", bad);
	munmap(p, size);
	close(self->fd);
	self->fd = -1;

	check_interleave(_metadata, st, 4, chunk, size, 3, offs,
			 ARRAY_SIZE(offs), self->buf2);
}

TEST_F_TIMEOUT(data, interleave_3x4m_mmap_store, 120)
{
	const uint64_t chunk = 4 * FT_MIB, size = 30 * FT_MIB + 4096;
	const uint64_t offs[] = {
		0, 4 * FT_MIB - 2, 4 * FT_MIB, 9 * FT_MIB, 12 * FT_MIB,
		13 * FT_MIB + 77, 23 * FT_MIB, 24 * FT_MIB, 29 * FT_MIB,
		30 * FT_MIB, size - 1,
	};
	sext_t st[3];
	long bad;
	char *p;
	int i;

	/* strips in descending device order: the kernel must not sort them */
	for (i = 2; i >= 0; i--)
		st[i] = (sext_t){ 0, ft_alloc(12 * FT_MIB), 12 * FT_MIB };
	ASSERT_EQ(0, ft_map_v2_interleave(self->fd, size, 3, chunk, st, size));

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ft_fill(p, size, 0, 4);
	EXPECT_EQ(0, msync(p, size, MS_SYNC));
	munmap(p, size);

	ASSERT_EQ(0, ft_pread_all(self->fd, self->buf, size, 0));
	bad = ft_check(self->buf, size, 0, 4);
	EXPECT_EQ(-1, bad) TH_LOG("read(2) differs at file offset %ld", bad);
	close(self->fd);
	self->fd = -1;

	check_interleave(_metadata, st, 3, chunk, size, 4, offs,
			 ARRAY_SIZE(offs), self->buf2);
}

TEST_F_TIMEOUT(data, data_survives_remount_remap, 120)
{
	sext_t e = { 0, ft_alloc(4 * FT_MIB), 4 * FT_MIB };
	int fd;

	ASSERT_EQ(0, ft_map_v2_simple(self->fd, FAMFS_REG, 4 * FT_MIB, &e, 1));
	ft_fill(self->buf, 4 * FT_MIB, 0, 5);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, self->buf, 4 * FT_MIB, 0));
	close(self->fd);
	self->fd = -1;
	/* the kernel keeps nothing: a new mount and the same map see the bytes */
	ASSERT_EQ(0, umount2(ft_mpt(), 0));
	ASSERT_EQ(0, ft_mount_at(ft_mpt(), NULL));
	fd = ft_create("again");
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ft_map_v2_simple(fd, FAMFS_REG, 4 * FT_MIB, &e, 1));
	ASSERT_EQ(0, ft_pread_all(fd, self->buf2, 4 * FT_MIB, 0));
	EXPECT_EQ(-1, ft_check(self->buf2, 4 * FT_MIB, 0, 5));
	close(fd);
}

TEST_HARNESS_MAIN
