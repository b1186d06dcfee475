// SPDX-License-Identifier: GPL-2.0
/*
 * famfs file semantics (kernel-abi.md §4): a mapped file's size cannot be
 * changed (truncate, ftruncate, O_TRUNC, fallocate -> EPERM, file still
 * usable); a file without a map fails I/O with EIO and faults with SIGBUS;
 * O_DIRECT and RWF_NOWAIT work; I/O is clamped to the file size; statfs
 * reports the device and the mapped bytes; the in-memory namespace works.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

typedef struct famfs_ioc_simple_extent sext_t;

FIXTURE(sem) {
	int fd;		/* "m": mapped, 3 MiB + 100 in a 4 MiB extent */
	uint64_t size;
	char buf[2 * 65536];
};

FIXTURE_SETUP(sem)
{
	char *p;
	int rc;

	self->fd = -1;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	self->size = 3 * FT_MIB + 100;
	self->fd = ft_create_mapped("m", self->size, NULL);
	ASSERT_GE(self->fd, 0) TH_LOG("map: %s", strerror(-self->fd));
	p = malloc(self->size);
	ASSERT_NE(NULL, p);
	ft_fill(p, self->size, 0, 7);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, p, self->size, 0));
	free(p);
}

FIXTURE_TEARDOWN(sem)
{
	if (self->fd >= 0)
		close(self->fd);
	ft_umount_all();
}

/* The mapped file still has its size and its bytes, and takes writes. */
#define EXPECT_INTACT() do { \
	struct stat __st; \
	ASSERT_EQ(0, fstat(self->fd, &__st)); \
	EXPECT_EQ((off_t)self->size, __st.st_size); \
	ASSERT_EQ(0, ft_pread_all(self->fd, self->buf, 65536, FT_MIB)); \
	EXPECT_EQ(-1, ft_check(self->buf, 65536, FT_MIB, 7)); \
	ASSERT_EQ(0, ft_pwrite_all(self->fd, self->buf, 65536, FT_MIB)); \
} while (0)

TEST_F(sem, truncate_eperm)
{
	EXPECT_EQ(-1, truncate(ft_path("m"), 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, truncate(ft_path("m"), 8 * FT_MIB));
	EXPECT_EQ(EPERM, errno);
	EXPECT_INTACT();
}

TEST_F(sem, ftruncate_eperm)
{
	EXPECT_EQ(-1, ftruncate(self->fd, FT_MIB));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ftruncate(self->fd, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ftruncate(self->fd, self->size + 1));
	EXPECT_EQ(EPERM, errno);
	EXPECT_INTACT();
}

TEST_F(sem, open_trunc_eperm)
{
	int fd = open(ft_path("m"), O_RDWR | O_TRUNC);

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	if (fd >= 0)
		close(fd);
	fd = open(ft_path("m"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	if (fd >= 0)
		close(fd);
	EXPECT_INTACT();
}

TEST_F(sem, open_trunc_unmapped_empty_ok)
{
	int fd = open(ft_path("empty"), O_RDWR | O_CREAT | O_TRUNC, 0644);

	ASSERT_GE(fd, 0);
	close(fd);
	fd = open(ft_path("empty"), O_RDWR | O_TRUNC);
	EXPECT_GE(fd, 0) TH_LOG("O_TRUNC on an empty unmapped file: %s",
				strerror(errno));
	if (fd >= 0)
		close(fd);
}

TEST_F(sem, fallocate_eperm)
{
	int fd;

	EXPECT_EQ(-1, fallocate(self->fd, 0, 0, 8 * FT_MIB));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(self->fd, FALLOC_FL_KEEP_SIZE, 0, FT_MIB));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(self->fd, FALLOC_FL_PUNCH_HOLE |
				FALLOC_FL_KEEP_SIZE, 0, FT_MIB));
	EXPECT_EQ(EPERM, errno);
	EXPECT_INTACT();
	/* an unmapped file cannot get memory that way either */
	fd = ft_create("nomap");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, fallocate(fd, 0, 0, FT_MIB));
	close(fd);
}

TEST_F(sem, unmapped_io_eio)
{
	struct stat st;
	char c = 'x';
	int fd;

	fd = ft_create("nomap");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, write(fd, &c, 1));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, pwrite(fd, &c, 1, 4096));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, pread(fd, &c, 1, 0));
	EXPECT_EQ(EIO, errno);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(0, st.st_size);
	close(fd);
}

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_seen;

static void on_sigbus(int sig)
{
	(void)sig;
	bus_seen = 1;
	siglongjmp(bus_jmp, 1);
}

/* Touch one byte; returns true when the access raised SIGBUS. */
static bool touch_sigbus(volatile char *p, bool write)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool bus = false;

	sigaction(SIGBUS, &sa, &old);
	bus_seen = 0;
	if (!sigsetjmp(bus_jmp, 1)) {
		if (write)
			*p = 1;
		else
			(void)*p;
	} else {
		bus = true;
	}
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

TEST_F(sem, unmapped_mmap_sigbus_or_eio)
{
	char *p;
	int fd;

	fd = ft_create("nomap");
	ASSERT_GE(fd, 0);
	p = mmap(NULL, FT_AU, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		EXPECT_EQ(EIO, errno);
	} else {
		EXPECT_TRUE(touch_sigbus(p, false));
		EXPECT_TRUE(touch_sigbus(p + 4096, true));
		munmap(p, FT_AU);
	}
	close(fd);
}

TEST_F(sem, mmap_past_eof_sigbus)
{
	char *p = mmap(NULL, 4 * FT_MIB, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	/* the page holding EOF is readable, the next page is not: no growth */
	EXPECT_FALSE(touch_sigbus(p + self->size - 1, false));
	EXPECT_TRUE(touch_sigbus(p + ((self->size + 4095) & ~4095ULL), false));
	EXPECT_TRUE(touch_sigbus(p + 4 * FT_MIB - 1, true));
	munmap(p, 4 * FT_MIB);
	EXPECT_INTACT();
}

TEST_F(sem, odirect_read_write)
{
	void *al;
	int fd;

	fd = open(ft_path("m"), O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0) TH_LOG("O_DIRECT open: %s", strerror(errno));
	ASSERT_EQ(0, posix_memalign(&al, 4096, 65536));
	ASSERT_EQ(65536, pread(fd, al, 65536, 2 * FT_MIB - 32768));
	EXPECT_EQ(-1, ft_check(al, 65536, 2 * FT_MIB - 32768, 7));
	ft_fill(al, 4096, 8192, 7);
	EXPECT_EQ(4096, pwrite(fd, al, 4096, 8192));
	/* unaligned O_DIRECT is fine too: DAX I/O is direct anyway */
	EXPECT_EQ(100, pread(fd, (char *)al + 1, 100, 13));
	EXPECT_EQ(-1, ft_check((char *)al + 1, 100, 13, 7));
	free(al);
	close(fd);
	EXPECT_INTACT();
}

TEST_F(sem, io_clamped_to_size)
{
	struct stat st;
	int fd;

	/* a write across EOF stops at EOF */
	ft_fill(self->buf, 8192, self->size - 4096, 7);
	EXPECT_EQ(4096, pwrite(self->fd, self->buf, 8192, self->size - 4096));
	/* writes at or past EOF (still inside the extent) add nothing */
	EXPECT_GE(0, pwrite(self->fd, self->buf, 10, self->size));
	EXPECT_GE(0, pwrite(self->fd, self->buf, 10, self->size + FT_MIB / 2));
	fd = open(ft_path("m"), O_WRONLY | O_APPEND);
	ASSERT_GE(fd, 0);
	EXPECT_GE(0, write(fd, self->buf, 10));
	close(fd);
	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_EQ((off_t)self->size, st.st_size);
	/* reads stop at EOF */
	EXPECT_EQ(100, pread(self->fd, self->buf, 8192, self->size - 100));
	EXPECT_EQ(0, pread(self->fd, self->buf, 8192, self->size));
	EXPECT_EQ(0, pread(self->fd, self->buf, 10, self->size + FT_MIB / 2));
	EXPECT_INTACT();
}

/* RWF_NOWAIT: supported (not EOPNOTSUPP), same bytes, same clamping. */
TEST_F(sem, nowait_read_write)
{
	struct iovec iov = { self->buf, 8192 };
	ssize_t n;

	n = preadv2(self->fd, &iov, 1, FT_MIB, RWF_NOWAIT);
	ASSERT_EQ(8192, n) TH_LOG("preadv2(RWF_NOWAIT): %s",
				  n < 0 ? strerror(errno) : "short");
	EXPECT_EQ(-1, ft_check(self->buf, 8192, FT_MIB, 7));
	ft_fill(self->buf, 8192, 2 * FT_MIB, 7);
	n = pwritev2(self->fd, &iov, 1, 2 * FT_MIB, RWF_NOWAIT);
	ASSERT_EQ(8192, n) TH_LOG("pwritev2(RWF_NOWAIT): %s",
				  n < 0 ? strerror(errno) : "short");
	/* clamped at EOF exactly like the blocking calls */
	EXPECT_EQ(100, preadv2(self->fd, &iov, 1, self->size - 100, RWF_NOWAIT));
	EXPECT_EQ(0, preadv2(self->fd, &iov, 1, self->size, RWF_NOWAIT));
	EXPECT_EQ(-1, pwritev2(self->fd, &iov, 1, self->size, RWF_NOWAIT));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_INTACT();
}

TEST_F(sem, statfs_sizes)
{
	uint64_t devsize, used0, used1, used2;
	sext_t st[4];
	struct statfs s;
	int fd, i;

	ASSERT_EQ(0, ft_dev_size(&devsize));
	ASSERT_EQ(0, statfs(ft_mpt(), &s));
	EXPECT_EQ((unsigned long)FAMFS_STATFS_MAGIC_V1, (unsigned long)s.f_type);
	ASSERT_GT(s.f_bsize, 0);
	EXPECT_EQ(devsize / s.f_bsize, (uint64_t)s.f_blocks);
	EXPECT_LE(s.f_bavail, s.f_bfree);
	EXPECT_GT(s.f_namelen, 0);
	used0 = (s.f_blocks - s.f_bfree) * s.f_bsize;
	/* the fixture's 4 MiB extent is counted */
	EXPECT_GE(used0, 4 * FT_MIB);

	/* a 5 MiB file in a 6 MiB extent covers 6 MiB */
	fd = ft_create_mapped("six", 5 * FT_MIB, NULL);
	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, statfs(ft_mpt(), &s));
	used1 = (s.f_blocks - s.f_bfree) * s.f_bsize;
	EXPECT_EQ(6 * FT_MIB, used1 - used0);

	fd = ft_create("il");
	ASSERT_GE(fd, 0);
	for (i = 0; i < 4; i++)
		st[i] = (sext_t){ 0, ft_alloc(FT_AU), FT_AU };
	ASSERT_EQ(0, ft_map_v2_interleave(fd, 7 * FT_MIB, 4, FT_AU, st,
					  7 * FT_MIB));
	close(fd);
	ASSERT_EQ(0, statfs(ft_mpt(), &s));
	used2 = (s.f_blocks - s.f_bfree) * s.f_bsize;
	EXPECT_EQ(8 * FT_MIB, used2 - used1);
}

TEST_F(sem, namespace_ops)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, mkdir(ft_path("d"), 0750));
	ASSERT_EQ(0, stat(ft_path("d"), &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0750U, st.st_mode & 07777);
	fd = ft_create_mapped("d/file", FT_MIB, NULL);
	ASSERT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(-1, rmdir(ft_path("d")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, mkdir(ft_path("d"), 0755));
	EXPECT_EQ(EEXIST, errno);
	/* metadata changes that leave the size alone are allowed */
	EXPECT_EQ(0, chmod(ft_path("d/file"), 0600));
	EXPECT_EQ(0, chown(ft_path("d/file"), 1234, 5678));
	EXPECT_EQ(0, utimes(ft_path("d/file"), NULL));
	ASSERT_EQ(0, stat(ft_path("d/file"), &st));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(1234U, st.st_uid);
	EXPECT_EQ((off_t)FT_MIB, st.st_size);
	EXPECT_INTACT();
}

/*
 * What the log made (mapped files, directories) is not removed or renamed
 * locally: the next replay would undo it (spec §4). A file without a map,
 * left by a create that failed half-way, can still be cleaned up.
 */
TEST_F(sem, namespace_changes_refused)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, mkdir(ft_path("e"), 0755));
	fd = ft_create_mapped("e/file", FT_MIB, NULL);
	ASSERT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(-1, unlink(ft_path("e/file")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(ft_path("e/file"), ft_path("e/moved")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(ft_path("e"), ft_path("e2")));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, mkdir(ft_path("empty"), 0755));
	EXPECT_EQ(-1, rmdir(ft_path("empty")));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, stat(ft_path("e/file"), &st));
	EXPECT_EQ((off_t)FT_MIB, st.st_size);

	/* an unmapped file may go, and may not be renamed over a mapped one */
	fd = open(ft_path("e/unmapped"), O_RDWR | O_CREAT, 0644);
	ASSERT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(-1, rename(ft_path("e/unmapped"), ft_path("e/file")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, rename(ft_path("e/unmapped"), ft_path("e/unmapped2")));
	EXPECT_EQ(0, unlink(ft_path("e/unmapped2")));
	EXPECT_NE(0, stat(ft_path("e/unmapped2"), &st));
	EXPECT_INTACT();
}

TEST_HARNESS_MAIN
