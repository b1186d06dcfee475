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
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
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

/* The page-aligned range holding [addr, addr + len), written back by msync. */
static void sync_pages(const void *addr, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t end = (uintptr_t)addr + len;
	uintptr_t pstart;

	if (pg <= 0)
		pg = 4096;
	pstart = (uintptr_t)addr & ~(uintptr_t)(pg - 1);
	/* Image files: push the pages to the file too. DAX: harmless. */
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
