/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * famfs - shared-memory file system for fabric-attached and CXL memory.
 *
 * ioctl ABI (KABI 43) shared by the kernel module and user space.
 * Layouts are fixed: see Documentation/filesystems/famfs.rst.
 * Member and constant names are those of the famfs user-space tools, so
 * their sources build against this header. User pointers sit in unions with
 * a __u64 (our *_addr names), so the layout is the same for every ABI; a
 * 32-bit caller must zero the upper half (memset the struct first).
 */
#ifndef _UAPI_LINUX_FAMFS_IOCTL_H
#define _UAPI_LINUX_FAMFS_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FAMFS_KABI_VERSION 43

/*
 * statfs f_type of a mount of this module. The famfs tools also accept the
 * on-media superblock magic 0x87b282ff here (older modules reported it);
 * they call that one FAMFS_SUPER_MAGIC, so this header leaves the name to
 * them.
 */
#define FAMFS_STATFS_MAGIC_V1 0x87b282fe

/* Kernel limits on the number of extents in one map (upstream's names). */
#define FAMFS_MAX_EXTENTS 2
#define FAMFS_MAX_STRIPS 16
#define FAMFS_IOC_MAX_INTERLEAVED_EXTENTS 1
/* The same limits under the names this project used first. */
#define FAMFS_IOC_MAX_EXTENTS FAMFS_MAX_EXTENTS
#define FAMFS_IOC_MAX_STRIPS FAMFS_MAX_STRIPS

/**
 * enum famfs_file_type - what a map is for, the same in v1 and v2 maps
 * @FAMFS_REG: a regular file
 * @FAMFS_SUPERBLOCK: the superblock meta file, the only map that may start
 *	at device offset 0
 * @FAMFS_LOG: the log meta file
 */
enum famfs_file_type {
	FAMFS_REG = 0,
	FAMFS_SUPERBLOCK = 1,
	FAMFS_LOG = 2,
};

/**
 * enum famfs_extent_type - extent types of a v1 map
 * @SIMPLE_DAX_EXTENT: a list of contiguous device ranges
 * @INTERLEAVED_EXTENT: not accepted in a v1 map
 * @INVALID_EXTENT_TYPE: never accepted
 */
enum famfs_extent_type {
	SIMPLE_DAX_EXTENT = 0,
	INTERLEAVED_EXTENT = 1,
	INVALID_EXTENT_TYPE = 2,
};

/**
 * enum famfs_ioc_ext_type - extent types of a v2 map
 * @FAMFS_IOC_EXT_SIMPLE: &struct famfs_ioc_fmap.kse lists simple extents
 * @FAMFS_IOC_EXT_INTERLEAVE: &struct famfs_ioc_fmap.kie lists interleaved
 *	extents
 */
enum famfs_ioc_ext_type {
	FAMFS_IOC_EXT_SIMPLE = 0,
	FAMFS_IOC_EXT_INTERLEAVE = 1,
};

/**
 * struct famfs_extent - one device range of a v1 map (16 bytes)
 * @offset: byte offset in the device, 2 MiB aligned
 * @len: length in bytes, 2 MiB aligned except for a last extent, which
 *	must still be a multiple of the page size
 */
struct famfs_extent {
	__u64 offset;
	__u64 len;
};

/**
 * struct famfs_ioc_map - a v1 map, for %FAMFSIOC_MAP_CREATE (56 bytes)
 * @extent_type: %SIMPLE_DAX_EXTENT
 * @file_type: &enum famfs_file_type
 * @file_size: file size in bytes, at most what the extents cover
 * @ext_list_count: number of extents used in @ext_list (1 or 2)
 * @ext_list: the extents, in file order
 */
struct famfs_ioc_map {
	__u32 extent_type;
	__u32 file_type;
	__u64 file_size;
	__u64 ext_list_count;
	struct famfs_extent ext_list[FAMFS_MAX_EXTENTS];
};

/**
 * struct famfs_ioc_simple_extent - one device range of a v2 map (24 bytes)
 * @devindex: index of the device; 0, the only device of a mount
 * @offset: byte offset in the device, 2 MiB aligned
 * @len: length in bytes, 2 MiB aligned
 */
struct famfs_ioc_simple_extent {
	__u64 devindex;
	__u64 offset;
	__u64 len;
};

/**
 * struct famfs_ioc_interleaved_ext - striped memory of a v2 map (32 bytes)
 * @ie_nstrips: number of strips, 1 to %FAMFS_MAX_STRIPS
 * @ie_chunk_size: bytes written to one strip before the next, a power of
 *	two and a multiple of 2 MiB
 * @ie_nbytes: bytes covered; the tools pass the file size
 * @ie_strips_addr: user address of @ie_nstrips simple extents, as a __u64
 * @ie_strips: the same address, as a pointer
 *
 * File offset o lies in chunk o / @ie_chunk_size, which is chunk
 * (o / @ie_chunk_size) / @ie_nstrips of strip
 * (o / @ie_chunk_size) % @ie_nstrips.
 */
struct famfs_ioc_interleaved_ext {
	__u64 ie_nstrips;
	__u64 ie_chunk_size;
	__u64 ie_nbytes;
	union {
		__u64 ie_strips_addr;
		struct famfs_ioc_simple_extent *ie_strips;
	};
};

/**
 * struct famfs_ioc_fmap - a v2 map, for %FAMFSIOC_MAP_CREATE_V2 (32 bytes)
 * @fioc_file_size: file size in bytes, at most what the extents cover
 * @fioc_file_type: &enum famfs_file_type
 * @fioc_ext_type: &enum famfs_ioc_ext_type
 * @fioc_nextents: number of simple extents, 1 to %FAMFS_MAX_EXTENTS
 * @fioc_niext: number of interleaved extents, 1 to
 *	%FAMFS_IOC_MAX_INTERLEAVED_EXTENTS
 * @fioc_reserved: must be zero (-EINVAL otherwise)
 * @fioc_extents: user address of the extents, as a __u64
 * @kse: the same address, as simple extents
 * @kie: the same address, as interleaved extents
 */
struct famfs_ioc_fmap {
	__u64 fioc_file_size;
	__u32 fioc_file_type;
	__u32 fioc_ext_type;
	union {
		__u32 fioc_nextents;
		__u32 fioc_niext;
	};
	__u32 fioc_reserved;
	union {
		__u64 fioc_extents;
		struct famfs_ioc_simple_extent *kse;
		struct famfs_ioc_interleaved_ext *kie;
	};
};

/**
 * struct famfs_ioc_get_fmap - a v2 map as %FAMFSIOC_MAP_GET_V2 returns it
 *	(448 bytes)
 * @iocmap: the map header; its extent address is zero
 * @ikse: the simple extents, for %FAMFS_IOC_EXT_SIMPLE
 * @ks: the interleaved extent, for %FAMFS_IOC_EXT_INTERLEAVE
 * @ks.ikie: the interleaved extent; its strip address is zero
 * @ks.kie_strips: its strips
 * @il: @ks under the names this project used first
 * @il.ie: the interleaved extent
 * @il.ie_strips: its strips
 */
struct famfs_ioc_get_fmap {
	struct famfs_ioc_fmap iocmap;
	union {
		struct famfs_ioc_simple_extent ikse[FAMFS_MAX_EXTENTS];
		struct {
			struct famfs_ioc_interleaved_ext ikie;
			struct famfs_ioc_simple_extent
				kie_strips[FAMFS_MAX_STRIPS];
		} ks;
		struct {
			struct famfs_ioc_interleaved_ext ie;
			struct famfs_ioc_simple_extent
				ie_strips[FAMFS_MAX_STRIPS];
		} il;
	};
};

#define FAMFSIOC_MAGIC 'u'

#define FAMFSIOC_MAP_CREATE	_IOW(FAMFSIOC_MAGIC, 0x50, struct famfs_ioc_map)
#define FAMFSIOC_MAP_GET	_IOR(FAMFSIOC_MAGIC, 0x51, struct famfs_ioc_map)
#define FAMFSIOC_MAP_GETEXT	_IOR(FAMFSIOC_MAGIC, 0x52, struct famfs_extent)
#define FAMFSIOC_NOP		_IO(FAMFSIOC_MAGIC, 0x53)
#define FAMFSIOC_MAP_CREATE_V2	_IOW(FAMFSIOC_MAGIC, 0x54, struct famfs_ioc_fmap)
#define FAMFSIOC_MAP_GET_V2	_IOR(FAMFSIOC_MAGIC, 0x55, struct famfs_ioc_get_fmap)

/**
 * struct famfs_ioc_delete - argument of %FAMFSIOC_DELETE (16 bytes)
 * @tag: release tag of this deletion, reported by %FAMFSIOC_PENDING until
 *	the last reference to the file's memory on this host is gone. The
 *	famfs tools pass the index of the log's DELETE entry.
 * @flags: must be zero
 */
struct famfs_ioc_delete {
	__u64 tag;
	__u64 flags;
};

/**
 * struct famfs_ioc_pending - argument of %FAMFSIOC_PENDING (24 bytes)
 * @tags_addr: user address of an array of @count __u64, or 0 with @count 0
 * @count: in: room in @tags_addr; out: number of deletions still pending
 *	on this host (may exceed the room; only the room is filled, with the
 *	smallest tags in ascending order)
 * @flags: must be zero
 * @min_tag: out: the smallest pending tag, or ~0ULL when none is pending
 */
struct famfs_ioc_pending {
	__u64 tags_addr;
	__u32 count;
	__u32 flags;
	__u64 min_tag;
};

/*
 * Extensions of this project (not in the famfs tools' KABI 43). Numbers
 * start at 0x70, clear of the tools' own 0x50-0x5f range.
 *
 * FAMFSIOC_DELETE: on an open file or directory of the mount, remove it from
 *	the namespace (a directory must be empty). CAP_SYS_RAWIO. Open handles
 *	and mappings keep the memory until they go away. Errors: EPERM (no
 *	CAP_SYS_RAWIO; the root directory; a superblock or log file), EINVAL
 *	(flags), ENOTEMPTY, ENOENT (already deleted).
 * FAMFSIOC_PENDING: on any file of the mount, list the deletions whose
 *	memory is still referenced on this host: a deletion is released when
 *	the inode is evicted (no open file, no mapping left). No privilege.
 *	Errors: EINVAL (flags, or a count with no tags_addr), EFAULT.
 * FAMFSIOC_SHUTDOWN: on any file of the mount, fail all further I/O and
 *	faults with EIO (the host was fenced); existing mappings are zapped,
 *	so their next access gets SIGBUS. Idempotent. CAP_SYS_ADMIN. Argument:
 *	__u32 flags, must be zero (EINVAL).
 */
#define FAMFSIOC_DELETE		_IOW(FAMFSIOC_MAGIC, 0x70, struct famfs_ioc_delete)
#define FAMFSIOC_PENDING	_IOWR(FAMFSIOC_MAGIC, 0x71, struct famfs_ioc_pending)
#define FAMFSIOC_SHUTDOWN	_IOW(FAMFSIOC_MAGIC, 0x72, __u32)

#endif /* _UAPI_LINUX_FAMFS_IOCTL_H */
