// SPDX-License-Identifier: GPL-2.0
/*
 * famfs must serve 2 MiB-aligned mappings with PMD faults (kernel-abi.md §4).
 * The fs_dax tracepoints count faults, so the module needs no counters: map
 * a 1 GiB file whose device offset is 2 MiB aligned, touch one byte per
 * 4 KiB, and expect exactly 512 dax_pmd_fault_done events that installed a
 * PMD (NOPAGE) and no dax_pte_fault_done event at all.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

typedef struct famfs_ioc_simple_extent sext_t;

struct fault_counts {
	long pmd_nopage;	/* PMD installed */
	long pmd_fallback;	/* PMD refused, falls back to PTEs */
	long pmd_other;
	long pte;
};

static const char *const events[] = {
	"events/fs_dax/dax_pmd_fault_done", "events/fs_dax/dax_pte_fault_done",
};

/* Events this test turned on, to be turned off again by trace_stop(). */
static bool enabled_here[2];

/*
 * Turning an event on or off patches kernel text; the VM harness turns these
 * on at boot, so leave them as they were found.
 */
static int trace_event_enabled(const char *event)
{
	char path[256], buf[4] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/enable", ft_tracefs(), event);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] == '1';
}

static int trace_start(unsigned long ino)
{
	char filter[64], path[128];
	int rc;
	size_t i;

	ft_trace_write("tracing_on", "0");
	rc = ft_trace_write("trace", "");
	if (rc)
		return rc;
	snprintf(filter, sizeof(filter), "ino == %lu", ino);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/filter", events[i]);
		rc = ft_trace_write(path, filter);
		if (rc)
			return rc;
		rc = trace_event_enabled(events[i]);
		if (rc < 0)
			return rc;
		if (rc)
			continue;
		fprintf(stderr, "# %s was off: turning it on (patches kernel text)\n",
			events[i]);
		snprintf(path, sizeof(path), "%s/enable", events[i]);
		rc = ft_trace_write(path, "1");
		if (rc)
			return rc;
		enabled_here[i] = true;
	}
	return ft_trace_write("tracing_on", "1");
}

static void trace_stop(void)
{
	char path[128];
	size_t i;

	ft_trace_write("tracing_on", "0");
	for (i = 0; i < 2; i++) {
		if (enabled_here[i]) {
			snprintf(path, sizeof(path), "%s/enable", events[i]);
			ft_trace_write(path, "0");
			enabled_here[i] = false;
		}
		snprintf(path, sizeof(path), "%s/filter", events[i]);
		ft_trace_write(path, "0");
	}
}

static int trace_count(struct fault_counts *c)
{
	char path[256], *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/trace", ft_tracefs());
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#')
			continue;
		if (strstr(line, "dax_pte_fault_done:")) {
			c->pte++;
		} else if (strstr(line, "dax_pmd_fault_done:")) {
			if (strstr(line, "FALLBACK"))
				c->pmd_fallback++;
			else if (strstr(line, "NOPAGE"))
				c->pmd_nopage++;
			else
				c->pmd_other++;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

FIXTURE(pmd) {
	int fd;
	unsigned long ino;
};

FIXTURE_SETUP(pmd)
{
	char path[256];
	struct stat st;
	uint64_t devsize;
	int rc;

	self->fd = -1;
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	if (!ft_tracefs())
		SKIP(return, "no tracefs");
	snprintf(path, sizeof(path), "%s/%s/enable", ft_tracefs(), events[0]);
	if (access(path, W_OK))
		SKIP(return, "no fs_dax tracepoints (%s)", path);
	ASSERT_EQ(0, ft_dev_size(&devsize));
	if (devsize < 2 * FT_GIB)
		SKIP(return, "device is %llu MiB, the test needs 2 GiB",
		     (unsigned long long)(devsize >> 20));
	rc = ft_fresh_mount();
	ASSERT_EQ(0, rc) TH_LOG("mount %s: %s", ft_dev(), strerror(-rc));
	self->fd = ft_create("big");
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, fstat(self->fd, &st));
	self->ino = st.st_ino;
}

FIXTURE_TEARDOWN(pmd)
{
	trace_stop();
	if (self->fd >= 0)
		close(self->fd);
	ft_umount_all();
}

/* Map `len` bytes at device offset `devoff`, touch every 4 KiB, count. */
static void run_faults(struct __test_metadata *_metadata, int fd,
		       unsigned long ino, uint64_t devoff, uint64_t len,
		       bool write, struct fault_counts *c)
{
	sext_t e = { 0, devoff, len };
	volatile char *p;
	unsigned long sum = 0;
	uint64_t off;

	ASSERT_EQ(0, ft_map_v2_simple(fd, FAMFS_REG, len, &e, 1));
	p = mmap(NULL, len, PROT_READ | (write ? PROT_WRITE : 0), MAP_SHARED,
		 fd, 0);
	ASSERT_NE(MAP_FAILED, (void *)p);
	/* get_unmapped_area must hand out a PMD-aligned address */
	EXPECT_EQ(0, (uintptr_t)p & (FT_AU - 1))
		TH_LOG("mmap address %p is not 2 MiB aligned", (void *)p);
	ASSERT_EQ(0, trace_start(ino));
	for (off = 0; off < len; off += 4096) {
		if (write)
			p[off] = (char)off;
		else
			sum += p[off];
	}
	ft_trace_write("tracing_on", "0");
	ASSERT_EQ(0, trace_count(c));
	TH_LOG("%s: %ld PMD faults, %ld PMD fallbacks, %ld other, %ld PTE faults (sum %lu)",
	       write ? "write" : "read", c->pmd_nopage, c->pmd_fallback,
	       c->pmd_other, c->pte, sum);
	munmap((void *)p, len);
}

TEST_F_TIMEOUT(pmd, read_1g_512_pmd_faults_no_pte, 300)
{
	struct fault_counts c;

	run_faults(_metadata, self->fd, self->ino, FT_GIB, FT_GIB, false, &c);
	EXPECT_EQ(512, c.pmd_nopage);
	EXPECT_EQ(0, c.pmd_fallback);
	EXPECT_EQ(0, c.pte);
}

TEST_F_TIMEOUT(pmd, write_64m_32_pmd_faults_no_pte, 120)
{
	struct fault_counts c;

	run_faults(_metadata, self->fd, self->ino, FT_GIB + 2 * FT_MIB,
		   64 * FT_MIB, true, &c);
	EXPECT_EQ(32, c.pmd_nopage);
	EXPECT_EQ(0, c.pmd_fallback);
	EXPECT_EQ(0, c.pte);
}

TEST_HARNESS_MAIN
