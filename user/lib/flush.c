// SPDX-License-Identifier: GPL-2.0
/*
 * CPU cache maintenance over shared memory (famfs_flush, famfs_invalidate).
 *
 * Hosts that share CXL or fabric memory are not cache coherent with each
 * other: a host's stores sit in its caches until written back, and its
 * loads may hit lines cached before another host changed the memory.
 *
 * - famfs_flush(): after writing (log entries, superblock, file data), write
 *   the lines back to memory. x86_64: clflush (write back and invalidate)
 *   then sfence. arm64: DC CVAC (clean to the point of coherency) then
 *   DSB SY.
 * - famfs_invalidate(): before reading what another host wrote (a
 *   follower polling the log), drop this host's copy. x86_64: clflush, the
 *   same instruction. arm64: DC CIVAC (clean and invalidate: user space
 *   has no plain invalidate, and cleaning first never loses a local store)
 *   then DSB SY.
 *
 * This file depends only on the C library so that it can be built alone,
 * for instance cross-compiled for arm64 by user/tests/cli/12-flush-arch.sh.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flush.h"

#if defined(__aarch64__)
/*
 * Smallest data cache line of this CPU: CTR_EL0.DminLine (bits 19:16) is
 * log2 of the line size in 4-byte words. Linux lets EL0 read CTR_EL0 (or
 * emulates the read). Read once; every CPU of a system reports the
 * system-wide safe minimum.
 */
static size_t dcache_line(void)
{
	static size_t line;
	uint64_t ctr;

	if (!line) {
		__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
		line = (size_t)4 << ((ctr >> 16) & 0xf);
	}
	return line;
}

size_t famfs_cache_line_size(void)
{
	return dcache_line();
}
#elif defined(__x86_64__)
size_t famfs_cache_line_size(void)
{
	return 64;
}
#else
size_t famfs_cache_line_size(void)
{
	return 64;
}
#endif

#if defined(__x86_64__)
/* clflush (write back and invalidate) every 64-byte line of [addr, end). */
static void clflush_range(const void *addr, uintptr_t end)
{
	uintptr_t p;

	for (p = (uintptr_t)addr & ~(uintptr_t)63; p < end; p += 64)
		__builtin_ia32_clflush((const void *)p);
	__builtin_ia32_sfence();
}
#endif

/*
 * Mappings of DAX files (famfs_flush_note_map()). Their stores reach the
 * memory by the CPU write-back above alone; an msync would make the kernel
 * write back every dirty DAX entry in the range again, a whole 2 MiB for a
 * PMD mapping, for each 544-byte log entry. A full table only costs that.
 */
#define DAX_MAPS_MAX 64
static struct {
	uintptr_t start, end;
} dax_maps[DAX_MAPS_MAX];
static pthread_mutex_t dax_maps_lock = PTHREAD_MUTEX_INITIALIZER;

void famfs_flush_note_map(int fd, const void *addr, size_t len)
{
	struct statx stx;
	int i;

	if (!addr || !len ||
	    statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) ||
	    !(stx.stx_attributes_mask & STATX_ATTR_DAX) ||
	    !(stx.stx_attributes & STATX_ATTR_DAX))
		return;
	pthread_mutex_lock(&dax_maps_lock);
	for (i = 0; i < DAX_MAPS_MAX; i++) {
		if (!dax_maps[i].end) {
			dax_maps[i].start = (uintptr_t)addr;
			dax_maps[i].end = (uintptr_t)addr + len;
			break;
		}
	}
	pthread_mutex_unlock(&dax_maps_lock);
}

void famfs_flush_forget_map(const void *addr)
{
	int i;

	pthread_mutex_lock(&dax_maps_lock);
	for (i = 0; i < DAX_MAPS_MAX; i++)
		if (dax_maps[i].end && dax_maps[i].start == (uintptr_t)addr)
			dax_maps[i].end = 0;
	pthread_mutex_unlock(&dax_maps_lock);
}

static bool in_dax_map(uintptr_t start, uintptr_t end)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&dax_maps_lock);
	for (i = 0; i < DAX_MAPS_MAX && !found; i++)
		found = dax_maps[i].end && start >= dax_maps[i].start &&
			end <= dax_maps[i].end;
	pthread_mutex_unlock(&dax_maps_lock);
	return found;
}

/* The page-aligned range holding [addr, addr + len), written back by msync. */
static void sync_pages(const void *addr, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t end = (uintptr_t)addr + len;
	uintptr_t pstart;

	if (in_dax_map((uintptr_t)addr, end))
		return;
	if (pg <= 0)
		pg = 4096;
	pstart = (uintptr_t)addr & ~(uintptr_t)(pg - 1);
	/* Image files and block devices: push the pages to the file too. */
	msync((void *)pstart, end - pstart, MS_SYNC);
}

void famfs_flush(const void *addr, size_t len)
{
	uintptr_t end = (uintptr_t)addr + len;

	if (!len || !addr)
		return;
#if defined(__x86_64__)
	clflush_range(addr, end);
#elif defined(__aarch64__)
	{
		size_t line = dcache_line();
		uintptr_t p;

		for (p = (uintptr_t)addr & ~(uintptr_t)(line - 1); p < end;
		     p += line)
			__asm__ volatile("dc cvac, %0" : : "r"(p) : "memory");
		__asm__ volatile("dsb sy" : : : "memory");
	}
#else
	(void)end;
	__sync_synchronize();
#endif
	sync_pages(addr, len);
}

void famfs_invalidate(const void *addr, size_t len)
{
	uintptr_t end = (uintptr_t)addr + len;

	if (!len || !addr)
		return;
#if defined(__x86_64__)
	/* clflush also drops the line: the same code as famfs_flush. */
	clflush_range(addr, end);
#elif defined(__aarch64__)
	{
		size_t line = dcache_line();
		uintptr_t p;

		/* Order earlier loads and stores before the maintenance. */
		__asm__ volatile("dsb sy" : : : "memory");
		for (p = (uintptr_t)addr & ~(uintptr_t)(line - 1); p < end;
		     p += line)
			__asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
		/* Complete it before any later load reads the memory. */
		__asm__ volatile("dsb sy" : : : "memory");
	}
#else
	(void)end;
	__sync_synchronize();
#endif
}
