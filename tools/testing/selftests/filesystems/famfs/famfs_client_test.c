// SPDX-License-Identifier: GPL-2.0
/*
 * Client mounts (kernel-abi.md §4): on a client only the master writes the
 * memory, so a mapped file is read-only for everyone, root included.
 *
 * - A remount that turns "client" on must take back the writable shared
 *   mappings made before it: the next store gets SIGBUS, loads still work.
 * - An unprivileged user who may open and read a file (checked first, so a
 *   path walk refused by the guest's directories cannot pass for famfs)
 *   gets EROFS from famfs for a write open, write(2) and a writable mmap,
 *   although the file mode would allow them.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

#define FSIZE	(4 * FT_MIB)
#define NOBODY	65534

static sigjmp_buf jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(jmp, 1);
}

/* true if the access raised SIGBUS */
static bool touch_sigbus(volatile char *p, bool write, char val)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool hit = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(jmp, 1))
		hit = true;
	else if (write)
		*p = val;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return hit;
}

FIXTURE(cl) {
	int fd;
	char buf[4096];
};

FIXTURE_SETUP(cl)
{
	char *p;
	int rc;

	self->fd = -1;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	self->fd = ft_create_mapped("m", FSIZE, NULL);
	ASSERT_GE(self->fd, 0);
	/* the file mode lets everyone write: only famfs refuses */
	ASSERT_EQ(0, fchmod(self->fd, 0666));
	p = malloc(FSIZE);
	ASSERT_NE(NULL, p);
	ft_fill(p, FSIZE, 0, 21);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, p, FSIZE, 0));
	free(p);
}

FIXTURE_TEARDOWN(cl)
{
	if (self->fd >= 0)
		close(self->fd);
	ft_umount_all();
}

static int remount_client(void)
{
	return mount(ft_dev(), ft_mpt(), NULL, MS_REMOUNT, "client") ? -errno : 0;
}

TEST_F(cl, remount_client_revokes_writable_mappings)
{
	char *p, *q;

	/* a PMD-mapped and a PTE-mapped writable mapping */
	p = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 3 * FT_MIB);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_FALSE(touch_sigbus(p, true, 'a'));
	ASSERT_FALSE(touch_sigbus(p + 2 * FT_MIB + 5, true, 'b'));
	ASSERT_FALSE(touch_sigbus(q + 4096, true, 'c'));

	ASSERT_EQ(0, remount_client());

	EXPECT_TRUE(touch_sigbus(p, true, 'x'))
		TH_LOG("store through a mapping made before the client remount");
	EXPECT_TRUE(touch_sigbus(p + 2 * FT_MIB + 5, true, 'y'));
	EXPECT_TRUE(touch_sigbus(q + 4096, true, 'z'));
	/* loads still work and see the stores made before, not the refused */
	EXPECT_FALSE(touch_sigbus(p, false, 0));
	EXPECT_EQ('a', p[0]);
	EXPECT_EQ('b', p[2 * FT_MIB + 5]);
	EXPECT_EQ('c', q[4096]);
	ASSERT_EQ(0, ft_pread_all(self->fd, self->buf, 1, 3 * FT_MIB + 4096));
	EXPECT_EQ('c', self->buf[0]);
	/* and nothing makes them writable again */
	EXPECT_EQ(-1, pwrite(self->fd, "w", 1, 0));
	EXPECT_EQ(EROFS, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, FT_AU, PROT_READ | PROT_WRITE,
				   MAP_SHARED, self->fd, 0));
	EXPECT_EQ(EROFS, errno);
	munmap(q, 8192);
	munmap(p, FSIZE);
}

/* Child exit codes of unprivileged_client_read_ok_write_erofs. */
enum { U_OK, U_SETUID, U_OPEN_RD, U_READ, U_DATA, U_OPEN_WR, U_WRITE,
       U_MMAP };

TEST_F(cl, unprivileged_client_read_ok_write_erofs)
{
	int status, fd, rc = U_OK;
	pid_t pid;
	void *p;

	ASSERT_EQ(0, remount_client());
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(U_SETUID);
		/* first: this user reaches the file and may read it */
		fd = open(ft_path("m"), O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "# nobody: open O_RDONLY: %s\n",
				strerror(errno));
			_exit(U_OPEN_RD);
		}
		if (ft_pread_all(fd, self->buf, sizeof(self->buf), FT_MIB))
			_exit(U_READ);
		if (ft_check(self->buf, sizeof(self->buf), FT_MIB, 21) != -1)
			_exit(U_DATA);
		/* then: famfs refuses to let it write, the mode would allow */
		p = mmap(NULL, FT_AU, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED || errno != EACCES)
			rc = U_MMAP;	/* O_RDONLY fd: the VFS refuses */
		close(fd);
		fd = open(ft_path("m"), O_RDWR);
		if (fd >= 0 || errno != EROFS) {
			fprintf(stderr, "# nobody: open O_RDWR: %s\n",
				fd >= 0 ? "success" : strerror(errno));
			_exit(U_OPEN_WR);
		}
		_exit(rc);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(U_OK, WEXITSTATUS(status))
		TH_LOG("unprivileged check %d failed", WEXITSTATUS(status));
	/* root is refused as well: a client never writes */
	EXPECT_EQ(-1, open(ft_path("m"), O_RDWR));
	EXPECT_EQ(EROFS, errno);
}

TEST_F(cl, unprivileged_master_read_ok_write_ok)
{
	int status, fd;
	pid_t pid;

	/* the control case: on the master the same user may write */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(U_SETUID);
		fd = open(ft_path("m"), O_RDONLY);
		if (fd < 0)
			_exit(U_OPEN_RD);
		if (ft_pread_all(fd, self->buf, sizeof(self->buf), 0))
			_exit(U_READ);
		close(fd);
		fd = open(ft_path("m"), O_RDWR);
		if (fd < 0)
			_exit(U_OPEN_WR);
		if (pwrite(fd, self->buf, 1, 0) != 1)
			_exit(U_WRITE);
		_exit(U_OK);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(U_OK, WEXITSTATUS(status))
		TH_LOG("unprivileged check %d failed", WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
