// SPDX-License-Identifier: GPL-2.0
/*
 * msync(MS_SYNC) and fsync must write CPU caches back to the memory
 * (kernel-abi.md §4): another host reads the memory, not this host's cache.
 *
 * Stores through a shared mapping leave dirty DAX entries; fsync writes each
 * one back with dax_flush() -> arch_wb_cache_pmem(addr, size), which does
 * nothing unless the dax device has its write-cache flag set. A kprobe event
 * on arch_wb_cache_pmem records the size of every write-back done by this
 * process: dirtying 2 MiB through a mapping must make msync/fsync write back
 * exactly 2 MiB (whatever the mix of PMD and PTE entries), a clean file none.
 * On pmem the write-back must also be fenced by a flush of the block device,
 * which reaches nvdimm_flush(); a character dax device has no such request
 * (its fence is a plain store fence, which cannot be traced).
 *
 * write(2) leaves no dirty entry: its bytes must go through the flushcache
 * copy (non-temporal stores; the dax_device is DAXDEV_NOCACHE on pmem and
 * on a dev_dax alike), or they would sit in this host's cache. A probe on
 * _copy_from_iter_flushcache counts them, and fsync must then end in the
 * fence, famfs_dev_fence(), that makes those stores visible.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

#define INSTANCE	"instances/famfs_flush"
#define FILE_LEN	(4 * FT_MIB)
#define DIRTY_LEN	(2 * FT_MIB)

static const char *const probes[] = {
	"p:famfs_flush/wb arch_wb_cache_pmem size=%si:u64",
	"p:famfs_flush/fence nvdimm_flush",
	"p:famfs_flush/nt _copy_from_iter_flushcache size=%si:u64",
	"p:famfs_flush/devfence famfs_dev_fence",
};

static const char *const probe_names[] = { "wb", "fence", "nt", "devfence" };

#define NPROBES ARRAY_SIZE(probes)
/* The first two are required; a kernel may refuse the others. */
#define NPROBES_REQUIRED 2

/* Per optional probe: 0, or why it could not be added (-errno). */
static int probe_err[NPROBES];

struct flush_counts {
	long wb_calls;
	unsigned long long wb_bytes;
	long fences;
	long nt_calls;
	unsigned long long nt_bytes;
	long dev_fences;
};

/* kprobe_events must be appended to: a truncating write drops all probes. */
static int trace_append(const char *rel, const char *val)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", ft_tracefs(), rel);
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static void probes_remove(void)
{
	char path[512];
	size_t i;

	ft_trace_write(INSTANCE "/events/famfs_flush/enable", "0");
	snprintf(path, sizeof(path), "%s/" INSTANCE, ft_tracefs());
	rmdir(path);
	for (i = 0; i < NPROBES; i++) {
		snprintf(path, sizeof(path), "-:famfs_flush/%s", probe_names[i]);
		trace_append("kprobe_events", path);
	}
}

static int probes_add(void)
{
	char path[512], filter[64];
	size_t i;
	int rc;

	probes_remove();
	for (i = 0; i < NPROBES; i++) {
		rc = trace_append("kprobe_events", probes[i]);
		/* Debian's 6.12 refuses one on _copy_from_iter_flushcache. */
		probe_err[i] = rc;
		if (rc && i < NPROBES_REQUIRED)
			return rc;
	}
	snprintf(path, sizeof(path), "%s/" INSTANCE, ft_tracefs());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	/* Only this process's calls: fsync runs in the caller's context. */
	snprintf(filter, sizeof(filter), "common_pid == %d", getpid());
	rc = ft_trace_write(INSTANCE "/events/famfs_flush/filter", filter);
	if (rc)
		return rc;
	return ft_trace_write(INSTANCE "/events/famfs_flush/enable", "1");
}

static int counts_read(struct flush_counts *c)
{
	char path[512], *line = NULL, *s;
	size_t cap = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/" INSTANCE "/trace", ft_tracefs());
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#')
			continue;
		s = strstr(line, "size=");
		if (strstr(line, " wb: ") && s) {
			c->wb_calls++;
			c->wb_bytes += strtoull(s + 5, NULL, 0);
		} else if (strstr(line, " nt: ") && s) {
			c->nt_calls++;
			c->nt_bytes += strtoull(s + 5, NULL, 0);
		} else if (strstr(line, " fence: ")) {
			c->fences++;
		} else if (strstr(line, " devfence: ")) {
			c->dev_fences++;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static int counts_clear(void)
{
	return ft_trace_write(INSTANCE "/trace", "");
}

FIXTURE(flush) {
	int fd;
	bool pmem;
	char *map;
};

FIXTURE_SETUP(flush)
{
	char path[512];
	struct stat st;
	int rc;

	self->fd = -1;
	self->map = MAP_FAILED;
	if (stat(ft_dev(), &st))
		SKIP(return, "test device %s missing", ft_dev());
	self->pmem = S_ISBLK(st.st_mode);
	if (!ft_tracefs())
		SKIP(return, "no tracefs");
	snprintf(path, sizeof(path), "%s/kprobe_events", ft_tracefs());
	if (access(path, W_OK))
		SKIP(return, "kernel without CONFIG_KPROBE_EVENTS");
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	rc = probes_add();
	ASSERT_EQ(0, rc) TH_LOG("kprobe events: %s", strerror(-rc));

	self->fd = ft_create_mapped("f", FILE_LEN, NULL);
	ASSERT_GE(self->fd, 0);
	self->map = mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
}

FIXTURE_TEARDOWN(flush)
{
	if (self->map != MAP_FAILED)
		munmap(self->map, FILE_LEN);
	if (self->fd >= 0)
		close(self->fd);
	probes_remove();
	ft_umount_all();
}

/* Store into every 4 KiB page of [off, off + len) of the mapping. */
static void dirty(char *map, uint64_t off, uint64_t len, char val)
{
	uint64_t i;

	for (i = 0; i < len; i += 4096)
		((volatile char *)map)[off + i] = val;
}

static void expect_counts(struct __test_metadata *_metadata, const char *what,
			  unsigned long long bytes, bool fence, bool pmem)
{
	struct flush_counts c;

	ASSERT_EQ(0, counts_read(&c));
	TH_LOG("%s: %ld write-backs, %llu bytes, %ld device flushes", what,
	       c.wb_calls, c.wb_bytes, c.fences);
	EXPECT_EQ(bytes, c.wb_bytes);
	if (pmem && fence)
		EXPECT_LE(1, c.fences);
	ASSERT_EQ(0, counts_clear());
}

TEST_F(flush, clean_file_fsync_writes_nothing_back)
{
	char buf[4096];
	uint64_t off;
	unsigned long sum = 0;

	/* Reads fault the mapping in, write(2) leaves no dirty entry. */
	for (off = 0; off < FILE_LEN; off += 4096)
		sum += ((volatile char *)self->map)[off];
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(0, ft_pwrite_all(self->fd, buf, sizeof(buf), 8192));
	ASSERT_EQ(0, counts_clear());
	ASSERT_EQ(0, fsync(self->fd));
	ASSERT_EQ(0, msync(self->map, FILE_LEN, MS_SYNC));
	expect_counts(_metadata, "clean", 0, false, self->pmem);
	TH_LOG("read sum %lu", sum);
}

TEST_F(flush, msync_writes_back_every_dirty_page)
{
	dirty(self->map, 0, DIRTY_LEN, 1);
	ASSERT_EQ(0, counts_clear());
	ASSERT_EQ(0, msync(self->map, DIRTY_LEN, MS_SYNC));
	expect_counts(_metadata, "msync after 2 MiB of stores", DIRTY_LEN,
		      true, self->pmem);
	/* Written back means clean: a second msync has nothing to do. */
	ASSERT_EQ(0, msync(self->map, FILE_LEN, MS_SYNC));
	expect_counts(_metadata, "second msync", 0, false, self->pmem);
}

TEST_F(flush, fsync_writes_back_every_dirty_page)
{
	dirty(self->map, DIRTY_LEN, DIRTY_LEN, 2);
	ASSERT_EQ(0, counts_clear());
	ASSERT_EQ(0, fsync(self->fd));
	expect_counts(_metadata, "fsync after 2 MiB of stores", DIRTY_LEN,
		      true, self->pmem);
	ASSERT_EQ(0, fdatasync(self->fd));
	expect_counts(_metadata, "second fdatasync", 0, false, self->pmem);
}

/* A mapping at a file offset that is not 2 MiB aligned gets PTE entries. */
TEST_F(flush, fsync_writes_back_dirty_ptes)
{
	char *p;

	p = mmap(NULL, DIRTY_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, 4096);
	ASSERT_NE(MAP_FAILED, p);
	dirty(p, 0, 64 * 4096, 3);
	ASSERT_EQ(0, counts_clear());
	ASSERT_EQ(0, fsync(self->fd));
	munmap(p, DIRTY_LEN);
	expect_counts(_metadata, "fsync after 64 PTE stores", 64 * 4096,
		      true, self->pmem);
}

/* write(2) of 1 MiB + 5 bytes at an odd offset. */
static void write_odd(struct __test_metadata *_metadata, int fd)
{
	const size_t len = FT_MIB + 5;
	char *buf;

	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xa5, len);
	ASSERT_EQ(0, ft_pwrite_all(fd, buf, len, 4096 + 3));
	free(buf);
}

/* Every byte of a write(2) through the flushcache copy, none left dirty. */
TEST_F(flush, write_stores_through_the_flushcache_copy)
{
	struct flush_counts c;

	if (probe_err[2])
		SKIP(return, "the kernel refuses a kprobe on _copy_from_iter_flushcache: %s",
		     strerror(-probe_err[2]));
	ASSERT_EQ(0, counts_clear());
	write_odd(_metadata, self->fd);
	ASSERT_EQ(0, counts_read(&c));
	TH_LOG("write(2) of %llu bytes: %ld flushcache copies, %llu bytes",
	       FT_MIB + 5ULL, c.nt_calls, c.nt_bytes);
	EXPECT_EQ(FT_MIB + 5, c.nt_bytes);
	EXPECT_EQ(0, c.wb_bytes);
	EXPECT_EQ(0, c.dev_fences);
}

/* fdatasync after write(2): nothing to write back, one device fence. */
TEST_F(flush, fdatasync_fences_write)
{
	struct flush_counts c;

	if (probe_err[3])
		SKIP(return, "the kernel refuses a kprobe on famfs_dev_fence: %s",
		     strerror(-probe_err[3]));
	write_odd(_metadata, self->fd);
	ASSERT_EQ(0, counts_clear());
	ASSERT_EQ(0, fdatasync(self->fd));
	ASSERT_EQ(0, counts_read(&c));
	TH_LOG("fdatasync: %llu bytes written back, %ld fences, %ld device flushes",
	       c.wb_bytes, c.dev_fences, c.fences);
	EXPECT_EQ(0, c.wb_bytes);
	EXPECT_EQ(1, c.dev_fences);
	if (self->pmem)
		EXPECT_LE(1, c.fences);
}

TEST_HARNESS_MAIN
