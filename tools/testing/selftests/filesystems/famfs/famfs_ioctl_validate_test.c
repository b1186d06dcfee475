// SPDX-License-Identifier: GPL-2.0
/*
 * The famfs map ioctl validation table (kernel-abi.md §3), one test case per
 * row and per ioctl version it applies to. Every refused map must leave the
 * file without a map (no half-made file), and a valid map must still work
 * afterwards. The memory-failure row lives in famfs_memfail_test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

typedef struct famfs_ioc_simple_extent sext_t;

FIXTURE(val) {
	int fd;
	uint64_t devsize;	/* rounded down to 2 MiB */
	uint64_t good;		/* a valid 2 MiB-aligned 32 MiB region */
	sext_t strips[17];	/* 17 valid 2 MiB strips */
};

FIXTURE_SETUP(val)
{
	int rc, i;

	self->fd = -1;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	ASSERT_EQ(0, ft_dev_size(&self->devsize));
	self->devsize &= ~(FT_AU - 1);
	ASSERT_GE(self->devsize, FT_DATA_BASE + 128 * FT_MIB);
	self->good = ft_alloc(32 * FT_MIB);
	for (i = 0; i < 17; i++) {
		self->strips[i].devindex = 0;
		self->strips[i].offset = ft_alloc(FT_AU);
		self->strips[i].len = FT_AU;
	}
	self->fd = ft_create("f");
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(val)
{
	if (self->fd >= 0)
		close(self->fd);
	ft_umount_all();
}

#define EXPECT_RC(want, rc) \
	EXPECT_EQ(-(want), (rc)) TH_LOG("want %s, got %s", strerror(want), \
					 (rc) ? strerror(-(rc)) : "success")

#define EXPECT_RC2(a, b, rc) \
	EXPECT_TRUE((rc) == -(a) || (rc) == -(b)) \
		TH_LOG("want %s or %s, got %s", strerror(a), strerror(b), \
		       (rc) ? strerror(-(rc)) : "success")

/* A refused map leaves the file exactly as it was: no map, size 0. */
#define EXPECT_UNMAPPED(fd) do { \
	struct famfs_ioc_map __m; \
	struct stat __st; \
	EXPECT_EQ(-EINVAL, ft_get_v1(fd, &__m)); \
	ASSERT_EQ(0, fstat(fd, &__st)); \
	EXPECT_EQ(0, __st.st_size); \
} while (0)

/* ...and a valid map still succeeds on it afterwards. */
#define EXPECT_MAPPABLE(fd) do { \
	struct famfs_extent __e = { self->good, 4 * FT_MIB }; \
	EXPECT_EQ(0, ft_map_v1(fd, FAMFS_REG, 4 * FT_MIB, &__e, 1)); \
} while (0)

static int v1_one(int fd, uint32_t type, uint64_t size, uint64_t off,
		  uint64_t len)
{
	struct famfs_extent e = { off, len };

	return ft_map_v1(fd, type, size, &e, 1);
}

static int v2_one(int fd, uint32_t type, uint64_t size, uint64_t devindex,
		  uint64_t off, uint64_t len)
{
	sext_t e = { devindex, off, len };

	return ft_map_v2_simple(fd, type, size, &e, 1);
}

/* 4 strips of the fixture with one strip replaced. */
static int v2il_bad_strip(int fd, const sext_t *strips, sext_t bad,
			  uint64_t chunk)
{
	sext_t s[4];

	memcpy(s, strips, sizeof(s));
	s[2] = bad;
	return ft_map_v2_interleave(fd, 4 * FT_AU, 4, chunk, s, 4 * FT_AU);
}

/* ---- row: caller lacks CAP_SYS_RAWIO -> EPERM ---- */

enum which_map { MAP_V1, MAP_V2, MAP_V2IL };

static int do_map(enum which_map w, int fd, uint64_t good, const sext_t *s)
{
	switch (w) {
	case MAP_V1:
		return v1_one(fd, FAMFS_REG, FT_AU, good, FT_AU);
	case MAP_V2:
		return v2_one(fd, FAMFS_REG, FT_AU, 0, good, FT_AU);
	default:
		return ft_map_v2_interleave(fd, 4 * FT_AU, 4, FT_AU, s,
					    4 * FT_AU);
	}
}

static int drop_rawio(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_SYS_RAWIO)].effective &= ~CAP_TO_MASK(CAP_SYS_RAWIO);
	data[CAP_TO_INDEX(CAP_SYS_RAWIO)].permitted &= ~CAP_TO_MASK(CAP_SYS_RAWIO);
	data[CAP_TO_INDEX(CAP_SYS_RAWIO)].inheritable &= ~CAP_TO_MASK(CAP_SYS_RAWIO);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/*
 * As nobody: first show the user reaches the file and may read it (open by
 * path, MAP_GET of a mapped file "r", bytes), so that a refusal below is
 * famfs's and not a directory's on the way. 0 or the failing step (> 200).
 */
static int nobody_can_read(void)
{
	struct famfs_ioc_map m;
	char c;
	int fd;

	fd = open(ft_path("f"), O_RDONLY);
	if (fd < 0)
		return 201;
	close(fd);
	fd = open(ft_path("r"), O_RDONLY);
	if (fd < 0)
		return 202;
	if (ft_get_v1(fd, &m) || m.file_size != FT_AU)
		return 203;
	if (pread(fd, &c, 1, 0) != 1)
		return 204;
	close(fd);
	return 0;
}

/*
 * Run the map in a child without CAP_SYS_RAWIO (or as nobody); -errno,
 * -ECANCELED if the privileges could not be dropped, -EACCES if nobody
 * could not read the files first.
 */
static int map_unprivileged(enum which_map w, int fd, uint64_t good,
			    const sext_t *s, bool setuid_nobody)
{
	int status, rc;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setuid_nobody)
			rc = setresuid(65534, 65534, 65534) ? -errno : 0;
		else
			rc = drop_rawio();
		if (rc)
			_exit(200);
		if (setuid_nobody) {
			rc = nobody_can_read();
			if (rc)
				_exit(rc);
		}
		_exit(-do_map(w, fd, good, s));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	if (WEXITSTATUS(status) == 200)
		return -ECANCELED;
	if (WEXITSTATUS(status) > 200) {
		fprintf(stderr, "# nobody cannot read: step %d\n",
			WEXITSTATUS(status));
		return -EACCES;
	}
	return -WEXITSTATUS(status);
}

TEST_F(val, v1_no_rawio_eperm)
{
	EXPECT_RC(EPERM, map_unprivileged(MAP_V1, self->fd, self->good,
					  self->strips, false));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v2_no_rawio_eperm)
{
	EXPECT_RC(EPERM, map_unprivileged(MAP_V2, self->fd, self->good,
					  self->strips, false));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v2il_no_rawio_eperm)
{
	EXPECT_RC(EPERM, map_unprivileged(MAP_V2IL, self->fd, self->good,
					  self->strips, false));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v2_unprivileged_uid_eperm)
{
	int r = ft_create_mapped("r", FT_AU, NULL);

	ASSERT_GE(r, 0);
	close(r);
	EXPECT_RC(EPERM, map_unprivileged(MAP_V2, self->fd, self->good,
					  self->strips, true));
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: file not opened for write -> EBADF ---- */

TEST_F(val, v1_rdonly_ebadf)
{
	int ro = open(ft_path("f"), O_RDONLY);

	ASSERT_GE(ro, 0);
	EXPECT_RC(EBADF, do_map(MAP_V1, ro, self->good, self->strips));
	close(ro);
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v2_rdonly_ebadf)
{
	int ro = open(ft_path("f"), O_RDONLY);

	ASSERT_GE(ro, 0);
	EXPECT_RC(EBADF, do_map(MAP_V2, ro, self->good, self->strips));
	EXPECT_RC(EBADF, do_map(MAP_V2IL, ro, self->good, self->strips));
	close(ro);
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: count 0 or above the limit -> EINVAL / E2BIG ---- */

TEST_F(val, v1_count_zero_einval)
{
	EXPECT_RC(EINVAL, ft_map_v1(self->fd, FAMFS_REG, 0, NULL, 0));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2_count_zero_einval)
{
	sext_t e = { 0, self->good, FT_AU };

	EXPECT_RC(EINVAL, ft_map_v2_simple(self->fd, FAMFS_REG, 0, &e, 0));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_count_zero_einval)
{
	struct famfs_ioc_interleaved_ext ie = {
		4, FT_AU, 4 * FT_AU, { (uintptr_t)self->strips },
	};
	struct famfs_ioc_fmap m = {
		.fioc_file_size = FT_AU, .fioc_file_type = FAMFS_REG,
		.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE, .fioc_nextents = 0,
		.fioc_extents = (uintptr_t)&ie,
	};
	int rc = ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &m) ? -errno : 0;

	EXPECT_RC(EINVAL, rc);
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v1_count_over_limit)
{
	struct famfs_ioc_map m = {
		.extent_type = SIMPLE_DAX_EXTENT, .file_type = FAMFS_REG,
		.file_size = FT_AU, .ext_list_count = 3,
		.ext_list = { { self->good, FT_AU }, { self->good + FT_AU, FT_AU } },
	};
	int rc = ioctl(self->fd, FAMFSIOC_MAP_CREATE, &m) ? -errno : 0;

	EXPECT_RC2(EINVAL, E2BIG, rc);
	m.ext_list_count = 1ULL << 40;
	rc = ioctl(self->fd, FAMFSIOC_MAP_CREATE, &m) ? -errno : 0;
	EXPECT_RC2(EINVAL, E2BIG, rc);
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v2_count_over_limit)
{
	sext_t e[3] = {
		{ 0, self->good, FT_AU }, { 0, self->good + FT_AU, FT_AU },
		{ 0, self->good + 2 * FT_AU, FT_AU },
	};

	EXPECT_RC2(EINVAL, E2BIG,
		   ft_map_v2_simple(self->fd, FAMFS_REG, FT_AU, e, 3));
	/*
	 * The pointer is garbage past 3 entries: the count must be
	 * refused before anything is copied (no EFAULT).
	 */
	EXPECT_RC2(EINVAL, E2BIG,
		   ft_map_v2_simple(self->fd, FAMFS_REG, FT_AU, e, 0xffffffffU));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v2il_count_over_limit)
{
	/* MAP_GET_V2 can return one interleaved extent: more is over the limit */
	struct famfs_ioc_interleaved_ext ie[2] = {
		{ 2, FT_AU, 2 * FT_AU, { (uintptr_t)&self->strips[0] } },
		{ 2, FT_AU, 2 * FT_AU, { (uintptr_t)&self->strips[2] } },
	};
	struct famfs_ioc_fmap m = {
		.fioc_file_size = 2 * FT_AU, .fioc_file_type = FAMFS_REG,
		.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE, .fioc_nextents = 2,
		.fioc_extents = (uintptr_t)ie,
	};
	int rc = ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &m) ? -errno : 0;

	EXPECT_RC2(EINVAL, E2BIG, rc);
	m.fioc_nextents = 0xffffffffU;
	rc = ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &m) ? -errno : 0;
	EXPECT_RC2(EINVAL, E2BIG, rc);
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: offset or length not a multiple of 2 MiB -> EINVAL ---- */

TEST_F(val, v1_unaligned_offset_einval)
{
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, FT_AU,
				 self->good + 4096, FT_AU));
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, FT_AU,
				 self->good + FT_MIB, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2_unaligned_offset_einval)
{
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_AU, 0,
				 self->good + 4096, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_unaligned_strip_offset_einval)
{
	sext_t bad = { 0, self->strips[2].offset + 4096, FT_AU };

	EXPECT_RC(EINVAL, v2il_bad_strip(self->fd, self->strips, bad, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v1_unaligned_length_einval)
{
	/* a length that is not last must be a 2 MiB multiple */
	struct famfs_extent e[2] = {
		{ self->good, FT_AU + 4096 }, { self->good + 4 * FT_AU, FT_AU },
	};

	EXPECT_RC(EINVAL, ft_map_v1(self->fd, FAMFS_REG, 2 * FT_AU, e, 2));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v1_short_last_length_ok)
{
	struct famfs_extent e[2] = {
		{ self->good, FT_AU }, { self->good + 4 * FT_AU, FT_MIB },
	};
	struct stat st;

	EXPECT_RC(0, ft_map_v1(self->fd, FAMFS_REG, 3 * FT_MIB, e, 2));
	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_EQ(3 * FT_MIB, (uint64_t)st.st_size);
}

TEST_F(val, v2_unaligned_length_einval)
{
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_MIB, 0,
				 self->good, FT_MIB));
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_AU, 0,
				 self->good, FT_AU + 4096));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_unaligned_strip_length_einval)
{
	sext_t bad = { 0, self->strips[2].offset, FT_AU + 4096 };

	EXPECT_RC(EINVAL, v2il_bad_strip(self->fd, self->strips, bad, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, zero_length_einval)
{
	struct famfs_extent e[2] = {
		{ self->good, 0 }, { self->good + 4 * FT_AU, FT_AU },
	};

	EXPECT_RC(EINVAL, ft_map_v1(self->fd, FAMFS_REG, FT_AU, e, 2));
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, 0, self->good, 0));
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, 0, 0, self->good, 0));
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: offset 0 on anything but the superblock -> EINVAL ---- */

TEST_F(val, v1_offset_zero_reg_einval)
{
	struct famfs_extent e[2] = {
		{ self->good, FT_AU }, { 0, FT_AU },
	};

	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, FT_AU, 0, FT_AU));
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_LOG, FT_AU, 0, FT_AU));
	EXPECT_RC(EINVAL, ft_map_v1(self->fd, FAMFS_REG, 2 * FT_AU, e, 2));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2_offset_zero_reg_einval)
{
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_AU, 0, 0, FT_AU));
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_LOG, FT_AU, 0, 0, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_offset_zero_strip_einval)
{
	sext_t bad = { 0, 0, FT_AU };

	EXPECT_RC(EINVAL, v2il_bad_strip(self->fd, self->strips, bad, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v1_offset_zero_superblock_ok)
{
	EXPECT_RC(0, v1_one(self->fd, FAMFS_SUPERBLOCK, FT_AU, 0, FT_AU));
}

TEST_F(val, v2_offset_zero_superblock_ok)
{
	EXPECT_RC(0, v2_one(self->fd, FAMFS_SUPERBLOCK, FT_AU, 0, 0, FT_AU));
}

/* ---- row: offset + len beyond the device, or overflowing -> EINVAL ---- */

#define HUGE_OFF 0xffffffffffe00000ULL	/* 2 MiB aligned, wraps with +4 MiB */

TEST_F(val, v1_beyond_device_einval)
{
	uint64_t end = self->devsize;

	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, FT_AU, end, FT_AU));
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, 2 * FT_AU,
				 end - FT_AU, 2 * FT_AU));
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, FT_AU, 64 * FT_GIB * 1024,
				 FT_AU));
	EXPECT_UNMAPPED(self->fd);
	/* the last 2 MiB of the device is fine */
	EXPECT_RC(0, v1_one(self->fd, FAMFS_REG, FT_AU, end - FT_AU, FT_AU));
}

TEST_F(val, v1_overflow_einval)
{
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, FT_AU, HUGE_OFF,
				 2 * FT_AU));
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, FT_AU, self->good,
				 HUGE_OFF));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2_beyond_device_einval)
{
	uint64_t end = self->devsize;

	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_AU, 0, end, FT_AU));
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_AU, 0,
				 end - FT_AU, 2 * FT_AU));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_RC(0, v2_one(self->fd, FAMFS_REG, FT_AU, 0, end - FT_AU, FT_AU));
}

TEST_F(val, v2_overflow_einval)
{
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_AU, 0, HUGE_OFF,
				 2 * FT_AU));
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_AU, 0, self->good,
				 HUGE_OFF));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_strip_beyond_device_einval)
{
	sext_t past = { 0, self->devsize, FT_AU };
	sext_t wrap = { 0, HUGE_OFF, 2 * FT_AU };

	EXPECT_RC(EINVAL, v2il_bad_strip(self->fd, self->strips, past, FT_AU));
	EXPECT_RC(EINVAL, v2il_bad_strip(self->fd, self->strips, wrap, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: devindex other than 0 -> EINVAL ---- */

TEST_F(val, v2_devindex_nonzero_einval)
{
	EXPECT_RC(EINVAL, v2_one(self->fd, FAMFS_REG, FT_AU, 1,
				 self->good, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_strip_devindex_nonzero_einval)
{
	sext_t bad = self->strips[2];

	bad.devindex = 1;
	EXPECT_RC(EINVAL, v2il_bad_strip(self->fd, self->strips, bad, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: interleave nstrips 0 / > 16, bad chunk sizes -> EINVAL ---- */

TEST_F(val, v2il_nstrips_zero_einval)
{
	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, FT_AU, 0, FT_AU,
					       self->strips, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_nstrips_17_einval)
{
	/* 17 valid strips are really there: the count alone is wrong */
	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, 17 * FT_AU, 17, FT_AU,
					       self->strips, 17 * FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_nstrips_16_ok)
{
	EXPECT_RC(0, ft_map_v2_interleave(self->fd, 16 * FT_AU, 16, FT_AU,
					  self->strips, 16 * FT_AU));
}

TEST_F(val, v2il_chunk_zero_einval)
{
	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, 4 * FT_AU, 4, 0,
					       self->strips, 4 * FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_chunk_not_power_of_two_einval)
{
	sext_t s[2] = {
		{ 0, self->good, 12 * FT_MIB }, { 0, self->good + 12 * FT_MIB, 12 * FT_MIB },
	};

	/* 6 MiB is a 2 MiB multiple but not a power of two */
	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, 24 * FT_MIB, 2,
					       6 * FT_MIB, s, 24 * FT_MIB));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2il_chunk_not_2m_multiple_einval)
{
	/* powers of two below 2 MiB */
	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, 4 * FT_AU, 4, FT_MIB,
					       self->strips, 4 * FT_AU));
	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, 4 * FT_AU, 4, 4096,
					       self->strips, 4 * FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: file_size larger than the bytes the map covers -> EINVAL ---- */

TEST_F(val, v1_size_beyond_map_einval)
{
	struct famfs_extent e[2] = {
		{ self->good, FT_AU }, { self->good + 4 * FT_AU, FT_MIB },
	};

	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, FT_AU + 1, self->good,
				 FT_AU));
	EXPECT_RC(EINVAL, ft_map_v1(self->fd, FAMFS_REG, 3 * FT_MIB + 1, e, 2));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_RC(0, v1_one(self->fd, FAMFS_REG, FT_AU, self->good, FT_AU));
}

TEST_F(val, v2_size_beyond_map_einval)
{
	sext_t e[2] = {
		{ 0, self->good, FT_AU }, { 0, self->good + 4 * FT_AU, FT_AU },
	};

	EXPECT_RC(EINVAL, ft_map_v2_simple(self->fd, FAMFS_REG, 2 * FT_AU + 1,
					   e, 2));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_RC(0, ft_map_v2_simple(self->fd, FAMFS_REG, 2 * FT_AU, e, 2));
}

TEST_F(val, v2il_size_beyond_map_einval)
{
	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, 4 * FT_AU + 1, 4,
					       FT_AU, self->strips,
					       4 * FT_AU + 1));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_RC(0, ft_map_v2_interleave(self->fd, 4 * FT_AU, 4, FT_AU,
					  self->strips, 4 * FT_AU));
}

/* ---- row: v1 short last length not a page multiple -> EINVAL ---- */

TEST_F(val, v1_short_last_not_page_multiple_einval)
{
	struct famfs_extent e[2] = {
		{ self->good, FT_AU }, { self->good + 4 * FT_AU, FT_MIB + 1 },
	};

	EXPECT_RC(EINVAL, ft_map_v1(self->fd, FAMFS_REG, FT_AU + 1, e, 2));
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, 1000, self->good, 1000));
	EXPECT_RC(EINVAL, v1_one(self->fd, FAMFS_REG, 4095, self->good, 4095));
	EXPECT_UNMAPPED(self->fd);
	/* one page is a page multiple */
	EXPECT_RC(0, v1_one(self->fd, FAMFS_REG, 4000, self->good, 4096));
}

/* ---- row: two extents or strips of one map overlap -> EINVAL ---- */

TEST_F(val, v1_identical_extents_einval)
{
	struct famfs_extent e[2] = {
		{ self->good, FT_AU }, { self->good, FT_AU },
	};

	EXPECT_RC(EINVAL, ft_map_v1(self->fd, FAMFS_REG, 2 * FT_AU, e, 2));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v1_overlapping_extents_einval)
{
	/* the short last extent lies inside the first one */
	struct famfs_extent e[2] = {
		{ self->good, 4 * FT_AU }, { self->good + 2 * FT_AU, FT_MIB },
	};

	EXPECT_RC(EINVAL, ft_map_v1(self->fd, FAMFS_REG, 4 * FT_AU, e, 2));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, v2_identical_extents_einval)
{
	sext_t e[2] = { { 0, self->good, FT_AU }, { 0, self->good, FT_AU } };

	EXPECT_RC(EINVAL, ft_map_v2_simple(self->fd, FAMFS_REG, 2 * FT_AU, e, 2));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v2_overlapping_extents_einval)
{
	sext_t e[2] = {
		{ 0, self->good + 2 * FT_AU, 2 * FT_AU },
		{ 0, self->good, 3 * FT_AU },
	};

	EXPECT_RC(EINVAL, ft_map_v2_simple(self->fd, FAMFS_REG, 5 * FT_AU, e, 2));
	EXPECT_UNMAPPED(self->fd);
	/* adjacent is not overlapping */
	e[1].len = 2 * FT_AU;
	EXPECT_RC(0, ft_map_v2_simple(self->fd, FAMFS_REG, 4 * FT_AU, e, 2));
}

TEST_F(val, v2il_identical_strips_einval)
{
	sext_t s[4];

	memcpy(s, self->strips, sizeof(s));
	s[3] = s[1];
	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, 4 * FT_AU, 4, FT_AU, s,
					       4 * FT_AU));
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
}

TEST_F(val, v2il_overlapping_strips_einval)
{
	sext_t s[2] = {
		{ 0, self->good, 4 * FT_AU }, { 0, self->good + 3 * FT_AU, 4 * FT_AU },
	};

	EXPECT_RC(EINVAL, ft_map_v2_interleave(self->fd, 8 * FT_AU, 2, FT_AU, s,
					       8 * FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: overlap with another live file's map -> EADDRINUSE ---- */

/* "f" holds [good, good + 4 MiB); g is a second file. */
static int second_file(struct __test_metadata *_metadata, int fd,
		       uint64_t good)
{
	int g;

	EXPECT_EQ(0, v2_one(fd, FAMFS_REG, 2 * FT_AU, 0, good, 2 * FT_AU));
	g = ft_create("g");
	EXPECT_GE(g, 0);
	return g;
}

TEST_F(val, v1_overlap_other_file_eaddrinuse)
{
	struct famfs_extent e[2] = {
		{ self->good + 8 * FT_AU, FT_AU }, { self->good + FT_AU, FT_MIB },
	};
	int g = second_file(_metadata, self->fd, self->good);

	ASSERT_GE(g, 0);
	/* same range, a range inside it, one that straddles its end */
	EXPECT_RC(EADDRINUSE, v1_one(g, FAMFS_REG, 2 * FT_AU, self->good,
				     2 * FT_AU));
	EXPECT_RC(EADDRINUSE, v1_one(g, FAMFS_REG, 4096, self->good + FT_AU,
				     4096));
	EXPECT_RC(EADDRINUSE, v1_one(g, FAMFS_REG, 2 * FT_AU,
				     self->good + FT_AU, 2 * FT_AU));
	/* only the second, short extent overlaps */
	EXPECT_RC(EADDRINUSE, ft_map_v1(g, FAMFS_REG, FT_AU + FT_MIB, e, 2));
	EXPECT_UNMAPPED(g);
	/* the refused maps claimed nothing: their free parts still map */
	EXPECT_RC(0, v1_one(g, FAMFS_REG, FT_AU, self->good + 8 * FT_AU, FT_AU));
	close(g);
}

TEST_F(val, v2_overlap_other_file_eaddrinuse)
{
	sext_t e[2] = {
		{ 0, self->good + 8 * FT_AU, FT_AU }, { 0, self->good, FT_AU },
	};
	int g = second_file(_metadata, self->fd, self->good);

	ASSERT_GE(g, 0);
	EXPECT_RC(EADDRINUSE, v2_one(g, FAMFS_REG, 2 * FT_AU, 0, self->good,
				     2 * FT_AU));
	EXPECT_RC(EADDRINUSE, v2_one(g, FAMFS_REG, 2 * FT_AU, 0,
				     self->good - FT_AU, 2 * FT_AU));
	EXPECT_RC(EADDRINUSE, ft_map_v2_simple(g, FAMFS_REG, 2 * FT_AU, e, 2));
	EXPECT_UNMAPPED(g);
	/* adjacent on both sides is free */
	e[1].offset = self->good + 2 * FT_AU;
	EXPECT_RC(0, ft_map_v2_simple(g, FAMFS_REG, 2 * FT_AU, e, 2));
	close(g);
}

TEST_F(val, v2il_overlap_other_file_eaddrinuse)
{
	sext_t s[4];
	int g = second_file(_metadata, self->fd, self->good);

	ASSERT_GE(g, 0);
	memcpy(s, self->strips, sizeof(s));
	s[3] = (sext_t){ 0, self->good + FT_AU, FT_AU };
	EXPECT_RC(EADDRINUSE, ft_map_v2_interleave(g, 4 * FT_AU, 4, FT_AU, s,
						   4 * FT_AU));
	EXPECT_UNMAPPED(g);
	/* and the other way round: a simple map over a live strip */
	EXPECT_RC(0, ft_map_v2_interleave(g, 4 * FT_AU, 4, FT_AU, self->strips,
					  4 * FT_AU));
	close(g);
	g = ft_create("h");
	ASSERT_GE(g, 0);
	EXPECT_RC(EADDRINUSE, v2_one(g, FAMFS_REG, FT_AU, 0,
				     self->strips[2].offset, FT_AU));
	close(g);
}

TEST_F(val, overlap_range_reusable_after_evict)
{
	int g = second_file(_metadata, self->fd, self->good);

	ASSERT_GE(g, 0);
	EXPECT_RC(EADDRINUSE, v2_one(g, FAMFS_REG, FT_AU, 0, self->good, FT_AU));
	/*
	 * an open file keeps its memory even when its name is gone; famfs
	 * refuses unlink(2) of a mapped file, the log's way is DELETE
	 */
	if (unlink(ft_path("f"))) {
		struct famfs_ioc_delete d = { .tag = 1 };

		ASSERT_EQ(EPERM, errno);
		ASSERT_EQ(0, ioctl(self->fd, FAMFSIOC_DELETE, &d) ? -errno : 0);
	}
	EXPECT_EQ(-1, access(ft_path("f"), F_OK));
	EXPECT_RC(EADDRINUSE, v2_one(g, FAMFS_REG, FT_AU, 0, self->good, FT_AU));
	/* the last close evicts the inode and frees the range */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_RC(0, v2_one(g, FAMFS_REG, FT_AU, 0, self->good, FT_AU));
	close(g);
}

/* ---- reserved fields must be zero -> EINVAL ---- */

TEST_F(val, v2_reserved_nonzero_einval)
{
	sext_t e = { 0, self->good, FT_AU };
	struct famfs_ioc_fmap f = {
		.fioc_file_size = FT_AU, .fioc_file_type = FAMFS_REG,
		.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE, .fioc_nextents = 1,
		.fioc_reserved = 1, .fioc_extents = (uintptr_t)&e,
	};

	EXPECT_RC(EINVAL, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &f) ? -errno : 0);
	f.fioc_reserved = 0x80000000u;
	EXPECT_RC(EINVAL, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &f) ? -errno : 0);
	EXPECT_UNMAPPED(self->fd);
	f.fioc_reserved = 0;
	EXPECT_RC(0, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &f) ? -errno : 0);
}

TEST_F(val, v2il_reserved_nonzero_einval)
{
	struct famfs_ioc_interleaved_ext ie = {
		4, FT_AU, 4 * FT_AU, { (uintptr_t)self->strips },
	};
	struct famfs_ioc_fmap f = {
		.fioc_file_size = 4 * FT_AU, .fioc_file_type = FAMFS_REG,
		.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE, .fioc_nextents = 1,
		.fioc_reserved = 2, .fioc_extents = (uintptr_t)&ie,
	};

	EXPECT_RC(EINVAL, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &f) ? -errno : 0);
	EXPECT_UNMAPPED(self->fd);
}

/* ---- row: map already set on this file -> EEXIST ---- */

TEST_F(val, v1_map_twice_eexist)
{
	struct famfs_ioc_map m;

	ASSERT_EQ(0, v1_one(self->fd, FAMFS_REG, FT_AU, self->good, FT_AU));
	EXPECT_RC(EEXIST, v1_one(self->fd, FAMFS_REG, 2 * FT_AU,
				 self->good + 4 * FT_AU, 2 * FT_AU));
	EXPECT_RC(EEXIST, v2_one(self->fd, FAMFS_REG, 2 * FT_AU, 0,
				 self->good + 4 * FT_AU, 2 * FT_AU));
	/* the first map is untouched */
	ASSERT_EQ(0, ft_get_v1(self->fd, &m));
	EXPECT_EQ(FT_AU, m.file_size);
	EXPECT_EQ(1, m.ext_list_count);
}

TEST_F(val, v2_map_twice_eexist)
{
	struct famfs_ioc_get_fmap g;

	ASSERT_EQ(0, v2_one(self->fd, FAMFS_REG, FT_AU, 0, self->good, FT_AU));
	EXPECT_RC(EEXIST, v2_one(self->fd, FAMFS_REG, FT_AU, 0,
				 self->good + 4 * FT_AU, FT_AU));
	EXPECT_RC(EEXIST, ft_map_v2_interleave(self->fd, 4 * FT_AU, 4, FT_AU,
					       self->strips, 4 * FT_AU));
	EXPECT_RC(EEXIST, v1_one(self->fd, FAMFS_REG, FT_AU,
				 self->good + 4 * FT_AU, FT_AU));
	ASSERT_EQ(0, ft_get_v2(self->fd, &g));
	EXPECT_EQ(self->good, g.ikse[0].offset);
}

TEST_F(val, v2il_map_twice_eexist)
{
	ASSERT_EQ(0, ft_map_v2_interleave(self->fd, 4 * FT_AU, 4, FT_AU,
					  self->strips, 4 * FT_AU));
	EXPECT_RC(EEXIST, ft_map_v2_interleave(self->fd, 4 * FT_AU, 4, FT_AU,
					       self->strips, 4 * FT_AU));
}

TEST_F(val, racing_maps_one_wins)
{
	struct famfs_ioc_get_fmap g;
	int i, status, won = 0, lost = 0, other = 0;
	pid_t pid[8];

	/* 8 processes map the same file at once, each its own extent */
	for (i = 0; i < 8; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0)
			_exit(-v2_one(self->fd, FAMFS_REG, FT_AU, 0,
				      self->good + i * FT_AU, FT_AU));
	}
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			won++;
		else if (WEXITSTATUS(status) == EEXIST)
			lost++;
		else
			other++;
	}
	EXPECT_EQ(1, won);
	EXPECT_EQ(7, lost);
	EXPECT_EQ(0, other);
	ASSERT_EQ(0, ft_get_v2(self->fd, &g));
	EXPECT_EQ(1, g.iocmap.fioc_nextents);
	EXPECT_EQ(0, (g.ikse[0].offset - self->good) % FT_AU);
	EXPECT_GT(self->good + 8 * FT_AU, g.ikse[0].offset);
}

/* ---- arguments the table implies: types, pointers, unknown commands ---- */

TEST_F(val, bad_types_einval)
{
	struct famfs_ioc_map m = {
		.extent_type = INVALID_EXTENT_TYPE, .file_type = FAMFS_REG,
		.file_size = FT_AU, .ext_list_count = 1,
		.ext_list = { { self->good, FT_AU } },
	};
	sext_t e = { 0, self->good, FT_AU };
	struct famfs_ioc_fmap f = {
		.fioc_file_size = FT_AU, .fioc_file_type = FAMFS_REG,
		.fioc_ext_type = 7, .fioc_nextents = 1,
		.fioc_extents = (uintptr_t)&e,
	};

	EXPECT_RC(EINVAL, ioctl(self->fd, FAMFSIOC_MAP_CREATE, &m) ? -errno : 0);
	EXPECT_RC(EINVAL, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &f) ? -errno : 0);
	EXPECT_RC(EINVAL, v1_one(self->fd, 3, FT_AU, self->good, FT_AU));
	EXPECT_RC(EINVAL, v2_one(self->fd, 77, FT_AU, 0, self->good, FT_AU));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, bad_pointers_efault)
{
	struct famfs_ioc_interleaved_ext ie = { 4, FT_AU, 4 * FT_AU, { 16 } };
	struct famfs_ioc_fmap f = {
		.fioc_file_size = FT_AU, .fioc_file_type = FAMFS_REG,
		.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE, .fioc_nextents = 1,
		.fioc_extents = 16,
	};

	EXPECT_RC(EFAULT, ioctl(self->fd, FAMFSIOC_MAP_CREATE, (void *)16) ? -errno : 0);
	EXPECT_RC(EFAULT, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, (void *)16) ? -errno : 0);
	EXPECT_RC(EFAULT, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &f) ? -errno : 0);
	f.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
	EXPECT_RC(EFAULT, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &f) ? -errno : 0);
	f.fioc_extents = (uintptr_t)&ie;	/* strips pointer is bad */
	EXPECT_RC(EFAULT, ioctl(self->fd, FAMFSIOC_MAP_CREATE_V2, &f) ? -errno : 0);
	EXPECT_UNMAPPED(self->fd);
	EXPECT_MAPPABLE(self->fd);
	EXPECT_RC(EFAULT, ioctl(self->fd, FAMFSIOC_MAP_GET_V2, (void *)16) ? -errno : 0);
	EXPECT_RC(EFAULT, ioctl(self->fd, FAMFSIOC_MAP_GET, (void *)16) ? -errno : 0);
}

TEST_F(val, get_unmapped_einval)
{
	struct famfs_extent ext[2];
	struct famfs_ioc_get_fmap g;

	EXPECT_RC(EINVAL, ioctl(self->fd, FAMFSIOC_MAP_GETEXT, ext) ? -errno : 0);
	EXPECT_NE(0, ft_get_v2(self->fd, &g));
	EXPECT_UNMAPPED(self->fd);
}

TEST_F(val, unknown_ioctl_enotty)
{
	EXPECT_RC(ENOTTY, ioctl(self->fd, _IO('u', 0x56)) ? -errno : 0);
	EXPECT_RC(ENOTTY, ioctl(self->fd, _IO('u', 0x4f)) ? -errno : 0);
	/* right number, wrong size: a different command */
	EXPECT_RC(ENOTTY, ioctl(self->fd, _IOW('u', 0x50, int), 0) ? -errno : 0);
	EXPECT_RC(ENOTTY, ioctl(self->fd, _IO('x', 0x53)) ? -errno : 0);
	EXPECT_EQ(0, ioctl(self->fd, FAMFSIOC_NOP));
	EXPECT_UNMAPPED(self->fd);
}

TEST_HARNESS_MAIN
