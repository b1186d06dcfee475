// SPDX-License-Identifier: GPL-2.0
/*
 * Deletion and shutdown (FAMFSIOC_DELETE, FAMFSIOC_PENDING,
 * FAMFSIOC_SHUTDOWN; Documentation/filesystems/famfs.rst, "Deletion and
 * shutdown"):
 *
 * - a deleted file that is open and mapped keeps reading the same bytes,
 *   its name is gone at once, its tag is pending and its memory claimed
 *   (MAP_CREATE over it: EADDRINUSE) until the last munmap and close;
 * - plain unlink/rmdir/rename stay EPERM; directories must be empty;
 *   flags must be zero; CAP_SYS_RAWIO is needed; root and .meta files stay;
 * - PENDING fills only the room given, sorted, and counts them all;
 * - SHUTDOWN makes I/O fail with EIO and faults SIGBUS, twice is fine;
 * - deleting while another thread faults and reads, bounded rounds;
 * - a lazy unmount with a deletion pending, then a new mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

#define FSIZE		(4 * FT_MIB)
#define NOBODY		65534
#define NONE_PENDING	(~0ULL)
#define RACE_ROUNDS	200

static int del(int fd, uint64_t tag, uint64_t flags)
{
	struct famfs_ioc_delete d = { .tag = tag, .flags = flags };

	return ioctl(fd, FAMFSIOC_DELETE, &d) ? -errno : 0;
}

/* PENDING with room for `room` tags; count and min_tag come back. */
static int pending(int fd, uint64_t *tags, uint32_t room, uint32_t *count,
		   uint64_t *min_tag)
{
	struct famfs_ioc_pending p = {
		.tags_addr = (uintptr_t)tags,
		.count = room,
		.min_tag = 12345,
	};

	if (ioctl(fd, FAMFSIOC_PENDING, &p))
		return -errno;
	*count = p.count;
	*min_tag = p.min_tag;
	return 0;
}

static int shut(int fd, uint32_t flags)
{
	return ioctl(fd, FAMFSIOC_SHUTDOWN, &flags) ? -errno : 0;
}

static int map_at(int fd, uint64_t devoff, uint64_t len)
{
	struct famfs_ioc_simple_extent e = { .offset = devoff, .len = len };

	return ft_map_v2_simple(fd, FAMFS_REG, len, &e, 1);
}

static sigjmp_buf jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(jmp, 1);
}

/* true if reading *p raised SIGBUS */
static bool load_sigbus(volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool hit = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(jmp, 1))
		hit = true;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return hit;
}

/* Drop one capability from the effective and permitted sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[cap / 32].effective &= ~(1U << (cap % 32));
	d[cap / 32].permitted &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

FIXTURE(del) {
	int fd;		/* "a": mapped, filled with salt 7 */
	int root;	/* the mount's root directory */
	uint64_t devoff;
	char *buf;
};

FIXTURE_SETUP(del)
{
	int rc;

	self->fd = -1;
	self->root = -1;
	self->buf = NULL;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	self->fd = ft_create_mapped("a", FSIZE, &self->devoff);
	ASSERT_GE(self->fd, 0);
	self->buf = malloc(FSIZE);
	ASSERT_NE(NULL, self->buf);
	ft_fill(self->buf, FSIZE, 0, 7);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, self->buf, FSIZE, 0));
	self->root = open(ft_mpt(), O_RDONLY | O_DIRECTORY);
	ASSERT_GE(self->root, 0);
}

FIXTURE_TEARDOWN(del)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->root >= 0)
		close(self->root);
	free(self->buf);
	ft_umount_all();
}

TEST_F_TIMEOUT(del, deleted_open_mapped_file_lives_until_released, 180)
{
	uint64_t tags[4] = { 0 }, min = 0;
	uint32_t count = 0;
	char *p;
	int fd2;

	p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, ft_check(p, FSIZE, 0, 7));
	ASSERT_EQ(0, pending(self->root, tags, 4, &count, &min));
	EXPECT_EQ(0, count);
	EXPECT_EQ(NONE_PENDING, min);

	ASSERT_EQ(0, del(self->fd, 77, 0));

	/* the name is gone */
	EXPECT_EQ(-1, open(ft_path("a"), O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
	/* the mapping and the fd still see the same bytes */
	EXPECT_EQ(-1, ft_check(p, FSIZE, 0, 7));
	memset(self->buf, 0, FSIZE);
	EXPECT_EQ(0, ft_pread_all(self->fd, self->buf, FSIZE, 0));
	EXPECT_EQ(-1, ft_check(self->buf, FSIZE, 0, 7));
	/* pending, on a file fd and on a directory fd */
	ASSERT_EQ(0, pending(self->fd, tags, 4, &count, &min));
	EXPECT_EQ(1, count);
	EXPECT_EQ(77, tags[0]);
	EXPECT_EQ(77, min);
	/* its memory is still taken on this host */
	fd2 = ft_create("b");
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(-EADDRINUSE, map_at(fd2, self->devoff, FSIZE));

	/* the fd alone still holds it */
	ASSERT_EQ(0, munmap(p, FSIZE));
	ASSERT_EQ(0, pending(self->root, tags, 4, &count, &min));
	EXPECT_EQ(1, count);
	EXPECT_EQ(77, min);
	EXPECT_EQ(-EADDRINUSE, map_at(fd2, self->devoff, FSIZE));

	/* the mapping alone still holds it */
	p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, pending(self->root, tags, 4, &count, &min));
	EXPECT_EQ(1, count);
	EXPECT_EQ(77, min);
	EXPECT_EQ(-1, ft_check(p, FSIZE, 0, 7));
	EXPECT_EQ(-EADDRINUSE, map_at(fd2, self->devoff, FSIZE));

	/* released: nothing pending, the memory can be mapped again */
	ASSERT_EQ(0, munmap(p, FSIZE));
	tags[0] = 0;
	ASSERT_EQ(0, pending(self->root, tags, 4, &count, &min));
	EXPECT_EQ(0, count);
	EXPECT_EQ(NONE_PENDING, min);
	EXPECT_EQ(0, tags[0]);
	EXPECT_EQ(0, map_at(fd2, self->devoff, FSIZE));
	/* and the new file has the old bytes: famfs does not clear memory */
	EXPECT_EQ(0, ft_pread_all(fd2, self->buf, FSIZE, 0));
	EXPECT_EQ(-1, ft_check(self->buf, FSIZE, 0, 7));
	close(fd2);
}

TEST_F(del, plain_unlink_rmdir_rename_stay_eperm)
{
	ASSERT_EQ(0, mkdir(ft_path("d"), 0755));
	EXPECT_EQ(-1, unlink(ft_path("a")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rmdir(ft_path("d")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(ft_path("a"), ft_path("a2")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(ft_path("d"), ft_path("d2")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, access(ft_path("a"), F_OK));
	EXPECT_EQ(0, access(ft_path("d"), F_OK));
}

TEST_F(del, directory_must_be_empty)
{
	uint64_t tags[4] = { 0 }, min = 0;
	uint32_t count = 0;
	int dfd, xfd;

	ASSERT_EQ(0, mkdir(ft_path("d"), 0755));
	xfd = ft_create_mapped("d/x", FT_AU, NULL);
	ASSERT_GE(xfd, 0);
	ASSERT_EQ(0, mkdir(ft_path("d/e"), 0755));
	dfd = open(ft_path("d"), O_RDONLY | O_DIRECTORY);
	ASSERT_GE(dfd, 0);
	/* NOP works on a directory (and so does the rest below) */
	EXPECT_EQ(0, ioctl(dfd, FAMFSIOC_NOP, 0));

	EXPECT_EQ(-ENOTEMPTY, del(dfd, 5, 0));
	EXPECT_EQ(0, del(xfd, 3, 0));
	EXPECT_EQ(-ENOTEMPTY, del(dfd, 5, 0));
	close(xfd);
	xfd = open(ft_path("d/e"), O_RDONLY | O_DIRECTORY);
	ASSERT_GE(xfd, 0);
	EXPECT_EQ(0, del(xfd, 4, 0));
	close(xfd);
	EXPECT_EQ(0, del(dfd, 5, 0));
	EXPECT_EQ(-1, access(ft_path("d"), F_OK));
	EXPECT_EQ(ENOENT, errno);
	/* the directory is open: its deletion is pending */
	ASSERT_EQ(0, pending(self->root, tags, 4, &count, &min));
	EXPECT_EQ(1, count);
	EXPECT_EQ(5, min);
	EXPECT_EQ(-ENOENT, del(dfd, 6, 0));
	close(dfd);
	ASSERT_EQ(0, pending(self->root, tags, 4, &count, &min));
	EXPECT_EQ(0, count);
	EXPECT_EQ(NONE_PENDING, min);
	/* the path is free again */
	EXPECT_EQ(0, mkdir(ft_path("d"), 0755));
}

TEST_F(del, nonzero_flags_einval)
{
	uint64_t min = 0;
	uint32_t count = 0;
	struct famfs_ioc_pending p = { .flags = 1 };

	EXPECT_EQ(-EINVAL, del(self->fd, 1, 1));
	EXPECT_EQ(-EINVAL, del(self->fd, 1, 1ULL << 63));
	EXPECT_EQ(-EINVAL, del(self->root, 1, 1));
	EXPECT_EQ(-1, ioctl(self->root, FAMFSIOC_PENDING, &p));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, shut(self->root, 1));
	EXPECT_EQ(-EINVAL, shut(self->fd, 0x80000000u));
	/* nothing happened */
	EXPECT_EQ(0, access(ft_path("a"), F_OK));
	ASSERT_EQ(0, pending(self->root, NULL, 0, &count, &min));
	EXPECT_EQ(0, count);
	EXPECT_EQ(0, ft_pread_all(self->fd, self->buf, 4096, 0));
}

TEST_F(del, map_ioctls_not_on_directories)
{
	struct famfs_ioc_map m;

	EXPECT_EQ(-1, ioctl(self->root, FAMFSIOC_MAP_GET, &m));
	EXPECT_EQ(ENOTTY, errno);
}

/* Child exit codes of capabilities_needed. */
enum { C_OK, C_CAP, C_DEL, C_SHUT, C_SETUID, C_OPEN, C_PEND };

TEST_F(del, capabilities_needed)
{
	uint64_t tags[2] = { 0 }, min = 0;
	uint32_t count = 0;
	int status, fd;
	pid_t pid;

	ASSERT_EQ(0, fchmod(self->fd, 0644));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (drop_cap(CAP_SYS_RAWIO))
			_exit(C_CAP);
		if (del(self->fd, 9, 0) != -EPERM ||
		    del(self->root, 9, 0) != -EPERM)
			_exit(C_DEL);
		if (drop_cap(CAP_SYS_ADMIN))
			_exit(C_CAP);
		if (shut(self->root, 0) != -EPERM)
			_exit(C_SHUT);
		/* PENDING needs nothing but an open file */
		if (setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(C_SETUID);
		fd = open(ft_path("a"), O_RDONLY);
		if (fd < 0)
			_exit(C_OPEN);
		if (pending(fd, tags, 2, &count, &min) || count ||
		    min != NONE_PENDING)
			_exit(C_PEND);
		if (del(fd, 9, 0) != -EPERM)
			_exit(C_DEL);
		_exit(C_OK);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(C_OK, WEXITSTATUS(status))
		TH_LOG("unprivileged check %d failed", WEXITSTATUS(status));
	/* nothing was deleted or shut down */
	EXPECT_EQ(0, access(ft_path("a"), F_OK));
	EXPECT_EQ(0, ft_pread_all(self->fd, self->buf, 4096, 0));
	/* and with the capability it works */
	EXPECT_EQ(0, del(self->fd, 9, 0));
}

TEST_F(del, root_and_meta_files_stay)
{
	struct famfs_ioc_simple_extent e = { .offset = 0, .len = FT_AU };
	int sb, log;

	EXPECT_EQ(-EPERM, del(self->root, 1, 0));
	sb = ft_create("superblock");
	ASSERT_GE(sb, 0);
	ASSERT_EQ(0, ft_map_v2_simple(sb, FAMFS_SUPERBLOCK, FT_AU, &e, 1));
	e.offset = ft_alloc(FT_AU);
	log = ft_create("log");
	ASSERT_GE(log, 0);
	ASSERT_EQ(0, ft_map_v2_simple(log, FAMFS_LOG, FT_AU, &e, 1));
	EXPECT_EQ(-EPERM, del(sb, 1, 0));
	EXPECT_EQ(-EPERM, del(log, 1, 0));
	EXPECT_EQ(0, access(ft_path("superblock"), F_OK));
	EXPECT_EQ(0, access(ft_path("log"), F_OK));
	close(sb);
	close(log);
}

TEST_F(del, second_delete_enoent)
{
	int fd2 = open(ft_path("a"), O_RDONLY);

	ASSERT_GE(fd2, 0);
	EXPECT_EQ(0, del(self->fd, 1, 0));
	EXPECT_EQ(-ENOENT, del(self->fd, 2, 0));
	EXPECT_EQ(-ENOENT, del(fd2, 3, 0));
	close(fd2);
}

TEST_F(del, unmapped_file_can_be_deleted)
{
	uint64_t min = 0;
	uint32_t count = 0;
	int fd = ft_create("empty");

	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, del(fd, 11, 0));
	ASSERT_EQ(0, pending(self->root, NULL, 0, &count, &min));
	EXPECT_EQ(1, count);
	EXPECT_EQ(11, min);
	close(fd);
	ASSERT_EQ(0, pending(self->root, NULL, 0, &count, &min));
	EXPECT_EQ(0, count);
}

TEST_F_TIMEOUT(del, pending_room_smaller_than_count, 180)
{
	static const uint64_t order[5] = { 50, 10, 40, 20, 30 };
	uint64_t tags[8] = { 0 }, min = 0;
	uint32_t count = 0;
	char name[16];
	int fds[5], i;

	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		fds[i] = ft_create_mapped(name, FT_AU, NULL);
		ASSERT_GE(fds[i], 0);
		ASSERT_EQ(0, del(fds[i], order[i], 0));
	}
	memset(tags, 0xee, sizeof(tags));
	ASSERT_EQ(0, pending(self->root, tags, 2, &count, &min));
	EXPECT_EQ(5, count);
	EXPECT_EQ(10, min);
	EXPECT_EQ(10, tags[0]);
	EXPECT_EQ(20, tags[1]);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, tags[2]) TH_LOG("wrote past the room");

	ASSERT_EQ(0, pending(self->root, NULL, 0, &count, &min));
	EXPECT_EQ(5, count);
	EXPECT_EQ(10, min);

	memset(tags, 0xee, sizeof(tags));
	ASSERT_EQ(0, pending(self->fd, tags, 8, &count, &min));
	EXPECT_EQ(5, count);
	for (i = 0; i < 5; i++)
		EXPECT_EQ((uint64_t)(i + 1) * 10, tags[i]);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, tags[5]);

	/* room but no buffer */
	EXPECT_EQ(-EINVAL, pending(self->root, NULL, 1, &count, &min));
	/* a bad buffer */
	EXPECT_EQ(-EFAULT, pending(self->root, (uint64_t *)8, 4, &count,
				   &min));

	/* release the smallest: the minimum moves up */
	close(fds[1]);
	ASSERT_EQ(0, pending(self->root, tags, 8, &count, &min));
	EXPECT_EQ(4, count);
	EXPECT_EQ(20, min);
	EXPECT_EQ(20, tags[0]);
	for (i = 0; i < 5; i++)
		if (i != 1)
			close(fds[i]);
	ASSERT_EQ(0, pending(self->root, tags, 8, &count, &min));
	EXPECT_EQ(0, count);
	EXPECT_EQ(NONE_PENDING, min);
}

TEST_F_TIMEOUT(del, client_mount_delete, 180)
{
	uint64_t min = 0;
	uint32_t count = 0;
	int fd;

	ASSERT_EQ(0, mount(ft_dev(), ft_mpt(), NULL, MS_REMOUNT, "client"));
	fd = open(ft_path("a"), O_RDONLY);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, del(fd, 21, 0));
	EXPECT_EQ(-1, access(ft_path("a"), F_OK));
	ASSERT_EQ(0, pending(fd, NULL, 0, &count, &min));
	EXPECT_EQ(1, count);
	EXPECT_EQ(21, min);
	EXPECT_EQ(0, ft_pread_all(fd, self->buf, FSIZE, 0));
	EXPECT_EQ(-1, ft_check(self->buf, FSIZE, 0, 7));
	close(fd);
}

TEST_F_TIMEOUT(del, shutdown_fails_io_and_faults, 180)
{
	char c = 0, *p;
	int fd2;

	p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_FALSE(load_sigbus(p + FT_MIB));
	ASSERT_EQ(-1, ft_check(p, FSIZE, 0, 7));

	ASSERT_EQ(0, shut(self->root, 0));

	EXPECT_EQ(-1, pread(self->fd, &c, 1, 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, pwrite(self->fd, &c, 1, 0));
	EXPECT_EQ(EIO, errno);
	/* a page that was mapped before faults again, and fails */
	EXPECT_TRUE(load_sigbus(p + FT_MIB));
	EXPECT_TRUE(load_sigbus(p + 3 * FT_MIB));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, FT_AU, PROT_READ, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(EIO, errno);
	fd2 = ft_create("new");
	if (fd2 >= 0) {
		EXPECT_EQ(-EIO, map_at(fd2, ft_alloc(FT_AU), FT_AU));
		close(fd2);
	}
	/* idempotent */
	EXPECT_EQ(0, shut(self->fd, 0));
	EXPECT_EQ(0, shut(self->root, 0));
	EXPECT_TRUE(load_sigbus(p));
	munmap(p, FSIZE);
	close(self->fd);
	self->fd = -1;
	close(self->root);
	self->root = -1;
	EXPECT_EQ(0, umount2(ft_mpt(), 0)) TH_LOG("umount: %s",
						  strerror(errno));
	/* a new mount is live */
	ASSERT_EQ(0, ft_mount_at(ft_mpt(), NULL));
	fd2 = ft_create_mapped("again", FT_AU, NULL);
	EXPECT_GE(fd2, 0);
	if (fd2 >= 0)
		close(fd2);
}

struct racer {
	int fd;			/* the reader's own open file */
	volatile char *p;	/* its mapping, FSIZE */
	volatile int stop;
	long bad;		/* first offset that read wrong bytes, or -1 */
	unsigned long rounds;
};

/* Fault and read until told to stop, then close: the last reference. */
static void *reader(void *arg)
{
	struct racer *r = arg;
	char b[64];
	uint64_t off = 0;
	long i;

	while (!r->stop || r->rounds < 4) {
		for (i = 0; i < 8; i++) {
			off = (off + 4096 * 37 + 64) % (FSIZE - sizeof(b));
			memcpy(b, (const char *)r->p + off, sizeof(b));
			if (r->bad < 0 && ft_check(b, sizeof(b), off, 7) != -1)
				r->bad = off;
		}
		if (pread(r->fd, b, sizeof(b), off) != sizeof(b) ||
		    ft_check(b, sizeof(b), off, 7) != -1)
			if (r->bad < 0)
				r->bad = off;
		r->rounds++;
	}
	munmap((void *)r->p, FSIZE);
	close(r->fd);
	return NULL;
}

TEST_F_TIMEOUT(del, delete_while_faulting, 600)
{
	uint64_t tags[2] = { 0 }, min = 0;
	struct racer r;
	pthread_t t;
	uint32_t count = 0;
	int i, fd;

	/* the fixture's file: its range is reused round after round */
	close(self->fd);
	self->fd = -1;
	fd = open(ft_path("a"), O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, del(fd, 1000, 0));
	close(fd);

	for (i = 0; i < RACE_ROUNDS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%d", i);
		fd = ft_create(name);
		ASSERT_GE(fd, 0);
		/* the previous round's file is released: its range is free */
		ASSERT_EQ(0, map_at(fd, self->devoff, FSIZE))
			TH_LOG("round %d: range still taken", i);
		memset(&r, 0, sizeof(r));
		r.bad = -1;
		r.fd = open(ft_path(name), O_RDONLY);
		ASSERT_GE(r.fd, 0);
		r.p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, r.fd, 0);
		ASSERT_NE(MAP_FAILED, r.p);
		ASSERT_EQ(0, pthread_create(&t, NULL, reader, &r));
		/* delete while the reader faults; vary the moment */
		if (i % 3)
			usleep((i * 97) % 500);
		ASSERT_EQ(0, del(fd, 2000 + i, 0));
		close(fd);
		ASSERT_EQ(0, pending(self->root, tags, 2, &count, &min));
		r.stop = 1;
		ASSERT_EQ(0, pthread_join(t, NULL));
		ASSERT_EQ(-1, r.bad) TH_LOG("round %d: wrong bytes at %ld",
					    i, r.bad);
		ASSERT_EQ(0, pending(self->root, tags, 2, &count, &min));
		ASSERT_EQ(0, count) TH_LOG("round %d: %u pending", i, count);
		ASSERT_EQ(NONE_PENDING, min);
	}
}

TEST_F_TIMEOUT(del, lazy_umount_with_pending_delete, 180)
{
	uint64_t tags[2] = { 0 }, min = 0;
	uint32_t count = 0;
	char *p;
	int fd;

	p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, del(self->fd, 42, 0));
	close(self->root);
	self->root = -1;
	ASSERT_EQ(0, umount2(ft_mpt(), MNT_DETACH));
	/* the detached mount still serves the deleted file */
	ASSERT_EQ(0, pending(self->fd, tags, 2, &count, &min));
	EXPECT_EQ(1, count);
	EXPECT_EQ(42, min);
	EXPECT_EQ(-1, ft_check(p, FSIZE, 0, 7));
	close(self->fd);
	self->fd = -1;
	/* the last reference: the inode, then the mount go */
	ASSERT_EQ(0, munmap(p, FSIZE));

	/* the device is free: a new mount works and has nothing pending */
	ASSERT_EQ(0, ft_mount_at(ft_mpt(), NULL));
	fd = open(ft_mpt(), O_RDONLY | O_DIRECTORY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pending(fd, tags, 2, &count, &min));
	EXPECT_EQ(0, count);
	EXPECT_EQ(NONE_PENDING, min);
	close(fd);
}

TEST_HARNESS_MAIN
