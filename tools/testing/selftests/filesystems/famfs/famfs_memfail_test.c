// SPDX-License-Identifier: GPL-2.0
/*
 * Memory failure in a mapped famfs file (kernel-abi.md §3, §4): poison one
 * page (madvise(MADV_HWPOISON), or the hwpoison debugfs corrupt-pfn file).
 * The mount must shut down for I/O instead of ignoring the notification:
 * processes that map the failed range get SIGBUS, later I/O and new maps
 * fail with EIO / ENODEV / EHWPOISON, umount still works, no oops (the
 * harness checks the console). Run this LAST: it ends the mount.
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

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef EHWPOISON
#define EHWPOISON 133
#endif

#define FSIZE (4 * FT_MIB)
#define POISON_OFF (2 * FT_MIB + 8192)

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_count;
static volatile int bus_code;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_count++;
	bus_code = si->si_code;
	siglongjmp(bus_jmp, 1);
}

static void catch_sigbus(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus,
				.sa_flags = SA_SIGINFO };

	sigaction(SIGBUS, &sa, NULL);
}

/* Read one byte; true when that raised SIGBUS. */
static bool touch_sigbus(volatile char *p)
{
	if (sigsetjmp(bus_jmp, 1))
		return true;
	(void)*p;
	return false;
}


/* Inject a failure at `addr`; 0 when the kernel accepted it. */
static int inject(void *addr, const char **how)
{
	const char *cpfn = "/sys/kernel/debug/hwpoison/corrupt-pfn";
	char val[32];
	uint64_t pfn = 0;
	int fd, rc;

	*how = "madvise(MADV_HWPOISON)";
	if (sigsetjmp(bus_jmp, 1))
		return 0;	/* action-required SIGBUS: accepted */
	if (!madvise(addr, 4096, MADV_HWPOISON))
		return 0;
	rc = -errno;
	if (rc != -EINVAL && rc != -ENOSYS && rc != -EOPNOTSUPP)
		return rc;
	*how = "hwpoison corrupt-pfn";
	ft_sh("modprobe hwpoison_inject >/dev/null 2>&1");
	rc = ft_addr_pfn(addr, &pfn);
	if (rc)
		return rc;
	fd = open(cpfn, O_WRONLY);
	if (fd < 0)
		return -ENOSYS;
	snprintf(val, sizeof(val), "0x%llx", (unsigned long long)pfn);
	rc = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

FIXTURE(mf) {
	int fd;
};

FIXTURE_SETUP(mf)
{
	char *buf;
	int rc;

	self->fd = -1;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	self->fd = ft_create_mapped("victim", FSIZE, NULL);
	ASSERT_GE(self->fd, 0);
	buf = malloc(FSIZE);
	ASSERT_NE(NULL, buf);
	ft_fill(buf, FSIZE, 0, 21);
	ASSERT_EQ(0, ft_pwrite_all(self->fd, buf, FSIZE, 0));
	free(buf);
}

FIXTURE_TEARDOWN(mf)
{
	if (self->fd >= 0)
		close(self->fd);
	ft_umount_all();
}

/* A second process that maps the file, then touches the failed page. */
static pid_t start_mapper(int fd, int *go_wr, int *ready_rd)
{
	int go[2], ready[2];
	volatile char *p;
	unsigned long sum = 0;
	char c;
	pid_t pid;
	uint64_t off;

	if (pipe(go) || pipe(ready))
		return -1;
	pid = fork();
	if (pid)
		goto parent;
	close(go[1]);
	close(ready[0]);
	catch_sigbus();
	p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (off = 0; off < FSIZE; off += 4096)
		sum += p[off];
	c = (char)sum;
	if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
		_exit(4);
	_exit(touch_sigbus(p + POISON_OFF) ? 0 : 1);
parent:
	close(go[0]);
	close(ready[1]);
	*go_wr = go[1];
	*ready_rd = ready[0];
	return pid;
}

TEST_F_TIMEOUT(mf, poison_shuts_mount_down, 120)
{
	int go, ready, status, rc, fd2;
	const char *how;
	char c = 0, *p;
	ssize_t n;
	pid_t pid;

	catch_sigbus();
	p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_FALSE(touch_sigbus(p + POISON_OFF));
	pid = start_mapper(self->fd, &go, &ready);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(ready, &c, 1));

	bus_count = 0;
	rc = inject(p + POISON_OFF, &how);
	if (rc == -ENOSYS || rc == -EPERM) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		SKIP(return, "cannot inject memory failures (%s: %s): needs CONFIG_MEMORY_FAILURE",
		     how, strerror(-rc));
	}
	EXPECT_EQ(0, rc) TH_LOG("%s: %s", how, strerror(-rc));
	TH_LOG("injected with %s, SIGBUS during injection: %d (si_code %d)",
	       how, (int)bus_count, bus_code);

	/* the other process mapping the failed range gets SIGBUS */
	ASSERT_EQ(1, write(go, &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("mapper: no SIGBUS on the failed page (status 0x%x)",
		       status);

	/* so does this one, now or on its next access */
	EXPECT_TRUE(bus_count > 0 || touch_sigbus(p + POISON_OFF));
	munmap(p, FSIZE);

	/* I/O on the shut-down mount fails, even far from the failure */
	n = pread(self->fd, &c, 1, 0);
	EXPECT_EQ(-1, n);
	EXPECT_TRUE(errno == EIO || errno == ENODEV || errno == EHWPOISON)
		TH_LOG("read after failure: %s", strerror(errno));
	n = pwrite(self->fd, &c, 1, 0);
	EXPECT_EQ(-1, n);
	EXPECT_TRUE(errno == EIO || errno == ENODEV || errno == EHWPOISON)
		TH_LOG("write after failure: %s", strerror(errno));

	/* table row: device failed -> ENODEV / EHWPOISON for new maps */
	fd2 = ft_create("after");
	if (fd2 >= 0) {
		struct famfs_extent e = { ft_alloc(FT_AU), FT_AU };

		rc = ft_map_v1(fd2, FAMFS_REG, FT_AU, &e, 1);
		EXPECT_TRUE(rc == -ENODEV || rc == -EHWPOISON)
			TH_LOG("MAP_CREATE after failure: %s",
			       rc ? strerror(-rc) : "success");
		close(fd2);
	}

	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, umount2(ft_mpt(), 0)) TH_LOG("umount: %s", strerror(errno));
}

TEST_HARNESS_MAIN
