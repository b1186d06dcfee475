// SPDX-License-Identifier: GPL-2.0
/*
 * Memory failures racing with unmount. A failure notification reaches famfs
 * with only the dax holder pointer, at any time: also while the last user of
 * a lazily unmounted famfs exits and the superblock is torn down. For a
 * bounded time, each round: mount, map a file, start a process that keeps
 * injecting a failure into one of its pages (hwpoison corrupt-pfn, from a
 * process that does not map famfs, so nothing holds the mount), start a
 * mapper that holds the last reference, umount -l, and let the mapper exit
 * (killed by the failure or by itself) while the injections go on. The
 * device must be mountable again every round, and the console must stay
 * clean (the harness fails the run on any oops, WARN or lockdep report).
 *
 * Every round poisons a fresh page near the end of the device, so this test
 * runs late in guest-tests.list, before famfs_memfail_test.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

#define CORRUPT_PFN	"/sys/kernel/debug/hwpoison/corrupt-pfn"
#define ROUNDS		24
#define SECONDS		60
#define FSIZE		FT_AU
#define POISON_OFF	8192


static volatile sig_atomic_t injected;

/* SIGTERM: exit 0 if at least one injection was accepted, else 5. */
static void poisoner_stop(int sig)
{
	(void)sig;
	_exit(injected ? 0 : 5);
}

/*
 * Injects a failure at `pfn` again and again until SIGTERM. Refusals are
 * expected (the mount is gone, the page already failed): they are shown
 * once each, the injections go on.
 */
static pid_t start_poisoner(uint64_t pfn)
{
	int fd, err, last_err = 0;
	char val[32];
	pid_t pid;

	pid = fork();
	if (pid)
		return pid;
	signal(SIGTERM, poisoner_stop);
	fd = open(CORRUPT_PFN, O_WRONLY);
	if (fd < 0)
		_exit(2);
	snprintf(val, sizeof(val), "0x%llx", (unsigned long long)pfn);
	for (;;) {
		if (write(fd, val, strlen(val)) >= 0) {
			injected = 1;
			continue;
		}
		err = errno;
		if (err != last_err)
			fprintf(stderr, "# corrupt-pfn %s: %s\n", val,
				strerror(err));
		last_err = err;
	}
}

/* Maps the file and touches it until the failure kills it (or 2 s). */
static pid_t start_mapper(const char *path, int *ready_rd)
{
	struct timespec t0, t;
	volatile char *p;
	int fd, ready[2];
	char c = 0;
	pid_t pid;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid) {
		close(ready[1]);
		*ready_rd = ready[0];
		return pid;
	}
	close(ready[0]);
	fd = open(path, O_RDWR);
	if (fd < 0)
		_exit(2);
	p = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		_exit(3);
	p[0] = 1;
	if (write(ready[1], &c, 1) != 1)
		_exit(4);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		c += p[POISON_OFF + 4096];
		p[4096] = c;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 2);
	_exit(0);
}

static int mount_retry(void)
{
	int i, rc = 0;

	for (i = 0; i < 50; i++) {
		rc = ft_mount_at(ft_mpt(), NULL);
		if (rc != -EBUSY)
			break;
		usleep(100000);
	}
	return rc;
}

FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(race)
{
	ft_umount_all();
}

TEST_F_TIMEOUT(race, failure_during_lazy_umount, 300)
{
	struct timespec t0, t;
	uint64_t devsize, base, pfn = 0;
	int round, rc, fd, ready, status, killed = 0, accepted = 0;
	pid_t poisoner, mapper;
	char c, *p;

	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	ft_sh("modprobe hwpoison_inject >/dev/null 2>&1");
	if (access(CORRUPT_PFN, W_OK))
		SKIP(return, "no %s (CONFIG_HWPOISON_INJECT)", CORRUPT_PFN);
	ASSERT_EQ(0, ft_dev_size(&devsize));
	devsize &= ~(FT_AU - 1);
	ASSERT_GE(devsize, FT_DATA_BASE + 256 * FT_MIB);
	/* a page of its own per round, far from the other tests' files */
	base = devsize - (ROUNDS + 1) * FT_AU;
	ASSERT_EQ(0, ft_fresh_mount());

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; round < ROUNDS; round++) {
		struct famfs_ioc_simple_extent e = {
			0, base + round * FT_AU, FT_AU,
		};

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > SECONDS)
			break;
		fd = ft_create("v");
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, ft_map_v2_simple(fd, FAMFS_REG, FSIZE, &e, 1));
		p = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		c = p[POISON_OFF];
		ASSERT_EQ(0, ft_addr_pfn(p + POISON_OFF, &pfn));
		munmap(p, FSIZE);
		close(fd);

		mapper = start_mapper(ft_path("v"), &ready);
		ASSERT_GT(mapper, 0);
		ASSERT_EQ(1, read(ready, &c, 1));
		close(ready);
		poisoner = start_poisoner(pfn);
		ASSERT_GT(poisoner, 0);
		/* vary where in the failure handling the teardown lands */
		usleep((round % 8) * 2000);
		ASSERT_EQ(0, umount2(ft_mpt(), MNT_DETACH));
		ASSERT_EQ(mapper, waitpid(mapper, &status, 0));
		if (WIFSIGNALED(status))
			killed++;
		else
			EXPECT_EQ(0, WEXITSTATUS(status));
		/* the failures go on after the superblock is gone */
		usleep(20000);
		kill(poisoner, SIGTERM);
		ASSERT_EQ(poisoner, waitpid(poisoner, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			accepted++;
		else
			EXPECT_EQ(5, WEXITSTATUS(status));

		rc = mount_retry();
		ASSERT_EQ(0, rc) TH_LOG("mount again in round %d: %s", round,
					strerror(-rc));
	}
	TH_LOG("%d rounds, injections accepted in %d, mapper killed in %d",
	       round, accepted, killed);
	EXPECT_GE(round, 4);
	/* the race was run: failures reached the mounts */
	EXPECT_GE(accepted, round / 2);
}

TEST_HARNESS_MAIN
