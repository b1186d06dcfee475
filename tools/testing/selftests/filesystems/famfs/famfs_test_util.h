/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the famfs kselftests: which device and mount point to
 * use, mounting, issuing the map ioctls, reading the raw device.
 *
 * Every helper returns 0 or a negative errno so tests can assert the exact
 * error the kernel gave.
 */
#ifndef FAMFS_TEST_UTIL_H
#define FAMFS_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/famfs_ioctl.h>

#define FT_MIB (1ULL << 20)
#define FT_GIB (1ULL << 30)
#define FT_AU (2 * FT_MIB)	/* allocation unit and PMD size */

/*
 * Tests place their files from here on. mkfs puts the superblock at 0 and
 * the log at 2 MiB (8 MiB by default); 64 MiB clears any log length the
 * tests format with.
 */
#define FT_DATA_BASE (64 * FT_MIB)

/*
 * $FAMFS_TEST_DEV, else $FAMFS_DEV (the guest's device), else /dev/pmem0;
 * $FAMFS_TEST_MPT, else /mnt/famfs.
 */
const char *ft_dev(void);
const char *ft_mpt(void);

/* Size of the test device in bytes (block or dax char device). */
int ft_dev_size(uint64_t *size);

/* true if `prog` is an executable found on $PATH. */
bool ft_have_prog(const char *prog);

/* Run a shell command quietly; returns its exit status or -errno. */
int ft_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Load the module if the famfs file system type is not registered yet. */
int ft_load_module(void);

/* Unmount whatever sits on the mount point (repeatedly), ignore errors. */
void ft_umount_all(void);

/*
 * Fresh file system: unmount, format with mkfs.famfs -f when it is on
 * $PATH (the kernel tests do not depend on it), then mount(2) the device.
 */
int ft_fresh_mount(void);

/* mount(2) famfs from ft_dev() on `mpt` with `opts` (may be NULL). */
int ft_mount_at(const char *mpt, const char *opts);

/* Build "<mpt>/<name>" into a static buffer (one of four rotating). */
const char *ft_path(const char *name);

/* Create (O_CREAT|O_RDWR) a file in the mount; returns fd or -errno. */
int ft_create(const char *name);

/* Bump allocator for device space: 2 MiB-aligned, from FT_DATA_BASE. */
void ft_alloc_reset(void);
uint64_t ft_alloc(uint64_t len);

/* The map ioctls; each returns 0 or -errno. */
int ft_map_v1(int fd, uint32_t file_type, uint64_t file_size,
	      const struct famfs_extent *ext, uint64_t count);
int ft_map_v2_simple(int fd, uint32_t file_type, uint64_t file_size,
		     const struct famfs_ioc_simple_extent *ext, uint32_t count);
int ft_map_v2_interleave(int fd, uint64_t file_size, uint64_t nstrips,
			 uint64_t chunk,
			 const struct famfs_ioc_simple_extent *strips,
			 uint64_t nbytes);
int ft_get_v1(int fd, struct famfs_ioc_map *map);
int ft_get_v2(int fd, struct famfs_ioc_get_fmap *map);

/* One simple 2 MiB-rounded extent from the allocator; returns fd or -errno. */
int ft_create_mapped(const char *name, uint64_t size, uint64_t *devoff);

/*
 * Read device bytes [off, off+len) bypassing the page cache (O_DIRECT on the
 * block device; the mount holds it exclusively but a plain read-only open
 * is allowed). -ENOTBLK for a dax char device, which cannot be read(2).
 */
int ft_raw_read(uint64_t off, void *buf, size_t len);

/* Fill with / check a pattern that encodes the file offset and a salt. */
void ft_fill(void *buf, size_t len, uint64_t file_off, uint32_t salt);
/* Returns the index of the first mismatch, or -1 when all bytes match. */
long ft_check(const void *buf, size_t len, uint64_t file_off, uint32_t salt);

/* Device offset of a file offset in an interleaved map (spec §5). */
uint64_t ft_interleave_devoff(const struct famfs_ioc_simple_extent *strips,
			      uint64_t nstrips, uint64_t chunk, uint64_t off);

/* Write all / read all with pwrite/pread loops; 0 or -errno. */
int ft_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int ft_pread_all(int fd, void *buf, size_t len, uint64_t off);

/* tracefs mount point, or NULL when tracing is not available. */
const char *ft_tracefs(void);
/* Write a string into a tracefs file relative to ft_tracefs(). */
int ft_trace_write(const char *rel, const char *val);

/*
 * Physical frame of a mapped address, from /proc/self/pagemap (needs root
 * for the frame numbers). 0, -ENOENT if not present, or -errno.
 */
int ft_addr_pfn(void *addr, uint64_t *pfn);

#endif /* FAMFS_TEST_UTIL_H */
