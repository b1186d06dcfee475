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

/* File types, the same in v1 and v2 maps. */
enum famfs_file_type {
	FAMFS_REG = 0,
	FAMFS_SUPERBLOCK = 1,
	FAMFS_LOG = 2,
};

/* v1 extent types. */
enum famfs_extent_type {
	SIMPLE_DAX_EXTENT = 0,
	INTERLEAVED_EXTENT = 1,
	INVALID_EXTENT_TYPE = 2,
};

/* v2 extent types. */
enum famfs_ioc_ext_type {
	FAMFS_IOC_EXT_SIMPLE = 0,
	FAMFS_IOC_EXT_INTERLEAVE = 1,
};

/* v1 extent: 16 bytes. */
struct famfs_extent {
	__u64 offset;
	__u64 len;
};

/* v1 map: 56 bytes. */
struct famfs_ioc_map {
	__u32 extent_type;
	__u32 file_type;
	__u64 file_size;
	__u64 ext_list_count;
	struct famfs_extent ext_list[FAMFS_MAX_EXTENTS];
};

/* v2 simple extent: 24 bytes. */
struct famfs_ioc_simple_extent {
	__u64 devindex;
	__u64 offset;
	__u64 len;
};

/* v2 interleaved extent: 32 bytes. */
struct famfs_ioc_interleaved_ext {
	__u64 ie_nstrips;
	__u64 ie_chunk_size;
	__u64 ie_nbytes;	/* bytes covered; tools pass the file size */
	union {		/* ie_nstrips simple extents */
		__u64 ie_strips_addr;
		struct famfs_ioc_simple_extent *ie_strips;
	};
};

/* v2 map for MAP_CREATE_V2: 32 bytes. */
struct famfs_ioc_fmap {
	__u64 fioc_file_size;
	__u32 fioc_file_type;	/* enum famfs_file_type */
	__u32 fioc_ext_type;	/* enum famfs_ioc_ext_type */
	union {
		__u32 fioc_nextents;	/* simple extents */
		__u32 fioc_niext;	/* interleaved extents */
	};
	__u32 fioc_reserved;	/* must be zero */
	union {		/* the simple or interleaved extents */
		__u64 fioc_extents;
		struct famfs_ioc_simple_extent *kse;
		struct famfs_ioc_interleaved_ext *kie;
	};
};

/* v2 map as returned by MAP_GET_V2: 448 bytes. */
struct famfs_ioc_get_fmap {
	struct famfs_ioc_fmap iocmap;
	union {
		struct famfs_ioc_simple_extent ikse[FAMFS_MAX_EXTENTS];
		struct {
			struct famfs_ioc_interleaved_ext ikie;
			struct famfs_ioc_simple_extent
				kie_strips[FAMFS_MAX_STRIPS];
		} ks;
		struct {	/* the same, as this project named it */
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

#endif /* _UAPI_LINUX_FAMFS_IOCTL_H */
