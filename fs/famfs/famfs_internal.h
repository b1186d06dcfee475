/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs - shared-memory file system for fabric-attached and CXL memory.
 *
 * Definitions shared by the files of the famfs module.
 */
#ifndef _FS_FAMFS_INTERNAL_H
#define _FS_FAMFS_INTERNAL_H

#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/list.h>
#include <linux/maple_tree.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/famfs_ioctl.h>

struct dax_device;
struct dax_holder_operations;
struct fs_context;

/* Alignment every extent offset and length must honour: one PMD. */
#define FAMFS_ALIGN		SZ_2M

/**
 * struct famfs_fs_info - per-mount state, sb->s_fs_info
 * @sb:            the superblock; also the dax holder
 * @dax_dev:       dax device the memory comes from
 * @bdev_file:     exclusively opened pmem block device; NULL for character dax
 * @dax_loan:      character dax device lent to fsdev_dax for this mount
 *                 (it was bound to device_dax); given back at unmount
 * @dax_start_off: byte offset of the device inside @dax_dev (pmem partitions)
 * @dev_size:      usable bytes of the device; every map must fit below it
 * @devt:          device number the mount was made from
 * @root_mode:     mode of the root directory (mount option mode=)
 * @client:        mounted with "client": mapped files are read-only for
 *                 everyone, root included (only the master writes the memory)
 * @dying:         set when unmount starts: failure handlers leave the mount
 *                 alone (failure.c)
 * @shutdown:      set once on a memory failure or device removal; I/O then fails
 * @shutdown_err:  errno that ioctls return after @shutdown (-EHWPOISON/-ENODEV)
 * @mapped_bytes:  device bytes covered by the maps of live inodes (statfs)
 * @dev_list:      entry in the list of devices mounted on this host
 * @index_lock:    serialises changes of @ext_index
 * @ext_index:     device pages of every live map -> its inode
 *                 (extent_index.c): no two files share memory
 * @pending_lock:  protects @pending and @npending (delete.c)
 * @pending:       inodes removed by FAMFSIOC_DELETE and not evicted yet,
 *                 sorted by tag
 * @npending:      number of inodes in @pending
 */
struct famfs_fs_info {
	struct super_block *sb;
	struct dax_device *dax_dev;
	struct file *bdev_file;
	struct device *dax_loan;
	u64 dax_start_off;
	u64 dev_size;
	dev_t devt;
	umode_t root_mode;
	bool client;
	bool dying;
	bool shutdown;
	int shutdown_err;
	atomic64_t mapped_bytes;
	struct list_head dev_list;
	struct mutex index_lock;	/* makes a map's insert all or nothing */
	struct maple_tree ext_index;
	struct mutex pending_lock;	/* the deletions not released yet */
	struct rb_root pending;
	u32 npending;
};

/**
 * struct famfs_inode_info - a famfs inode
 * @vfs_inode: the VFS inode
 * @delete_ok: set by FAMFSIOC_DELETE, under the parent directory's lock,
 *             for its own vfs_unlink() or vfs_rmdir(): the only removal of
 *             a file or directory from the log that famfs accepts
 * @deleted:   FAMFSIOC_DELETE removed the name; the inode is in the
 *             mount's pending set until it is evicted
 * @del_tag:   the release tag FAMFSIOC_DELETE was given
 * @pending:   node in &famfs_fs_info.pending while @deleted
 */
struct famfs_inode_info {
	struct inode vfs_inode;
	bool delete_ok;
	bool deleted;
	u64 del_tag;
	struct rb_node pending;
};

static inline struct famfs_inode_info *famfs_i(struct inode *inode)
{
	return container_of(inode, struct famfs_inode_info, vfs_inode);
}

static inline struct famfs_fs_info *famfs_sb(const struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline bool famfs_is_shut_down(const struct famfs_fs_info *fsi)
{
	return READ_ONCE(fsi->shutdown);
}

/**
 * struct famfs_dev_extent - one contiguous range of device memory
 * @offset: byte offset in the device
 * @len:    length in bytes
 */
struct famfs_dev_extent {
	u64 offset;
	u64 len;
};

/**
 * struct famfs_fmap - the immutable memory map of one file
 * @file_type:   FAMFS_REG, FAMFS_SUPERBLOCK or FAMFS_LOG
 * @ext_type:    FAMFS_IOC_EXT_SIMPLE or FAMFS_IOC_EXT_INTERLEAVE
 * @next:        number of simple extents, or number of strips
 * @file_size:   i_size given at creation
 * @covered:     file bytes [0, @covered) that resolve to device memory
 * @dev_bytes:   device bytes the extents or strips occupy
 * @chunk_size:  interleave chunk size (a power of two), 0 for simple maps
 * @chunk_shift: log2(@chunk_size)
 * @ie_nbytes:   interleave nbytes as given by user space (reported back)
 * @ext:         simple extents in file order, or the strips
 *
 * Published once with smp_store_release() in inode->i_private and never
 * changed until the inode is evicted, so readers need no lock.
 */
struct famfs_fmap {
	u32 file_type;
	u32 ext_type;
	u32 next;
	u64 file_size;
	u64 covered;
	u64 dev_bytes;
	u64 chunk_size;
	unsigned int chunk_shift;
	u64 ie_nbytes;
	struct famfs_dev_extent ext[FAMFS_IOC_MAX_STRIPS];
};

static inline const struct famfs_fmap *famfs_inode_fmap(const struct inode *inode)
{
	/* Pairs with smp_store_release() in famfs_install_fmap(). */
	return smp_load_acquire((struct famfs_fmap **)&inode->i_private);
}

/*
 * On a client mount a file that has memory is never written: other hosts
 * read the same bytes and only the master may change them. Files without a
 * map stay writable so that log replay can give them one. The superblock
 * meta file is the exception: each host writes its own slot of the host
 * table there (user space's format; its mode keeps it to root).
 */
static inline bool famfs_client_readonly(const struct inode *inode)
{
	const struct famfs_fmap *map;

	if (!READ_ONCE(famfs_sb(inode->i_sb)->client))
		return false;
	map = famfs_inode_fmap(inode);
	return map && map->file_type != FAMFS_SUPERBLOCK;
}

/* fmap.c */
int famfs_fmap_resolve(const struct famfs_fmap *map, u64 pos, u64 *dev_off,
		       u64 *len);
typedef void (*famfs_file_range_fn)(void *ctx, u64 file_off, u64 len);
void famfs_fmap_dev_to_file(const struct famfs_fmap *map, u64 dev_off,
			    u64 dev_len, famfs_file_range_fn fn, void *ctx);
int famfs_fmap_finish(struct famfs_fmap *map);

/* extent_index.c */
void famfs_index_init(struct famfs_fs_info *fsi);
void famfs_index_destroy(struct famfs_fs_info *fsi);
int famfs_index_insert(struct famfs_fs_info *fsi, struct inode *inode,
		       const struct famfs_fmap *map);
void famfs_index_remove(struct famfs_fs_info *fsi, const struct famfs_fmap *map);

/* inode.c */
/* What famfs_walk_mapped_inodes() calls for every mapped file. */
typedef void (*famfs_inode_fn)(struct inode *inode, void *ctx);
void famfs_walk_mapped_inodes(struct super_block *sb, famfs_inode_fn fn,
			      void *ctx);
extern const struct inode_operations famfs_dir_inode_operations;
extern const struct inode_operations famfs_file_inode_operations;
extern const struct file_operations famfs_dir_operations;
struct inode *famfs_get_inode(struct super_block *sb, const struct inode *dir,
			      umode_t mode);
int famfs_create(struct mnt_idmap *idmap, struct inode *dir,
		 struct dentry *dentry, umode_t mode, bool excl);
void famfs_evict_inode(struct inode *inode);

/* file.c */
extern const struct file_operations famfs_file_operations;
extern const struct address_space_operations famfs_dax_aops;
void famfs_revoke_writable(struct inode *inode);

/* iomap.c */
extern const struct iomap_ops famfs_iomap_ops;

/* delete.c */
void famfs_pending_init(struct famfs_fs_info *fsi);
void famfs_pending_destroy(struct famfs_fs_info *fsi);
void famfs_pending_release(struct inode *inode);
long famfs_ioc_delete(struct file *file, void __user *argp);
long famfs_ioc_pending(struct file *file, void __user *argp);
long famfs_ioc_shutdown(struct file *file, void __user *argp);

/* ioctl.c */
long famfs_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long famfs_dir_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* dev.c */
int famfs_open_device(struct famfs_fs_info *fsi, struct fs_context *fc);
void famfs_close_device(struct famfs_fs_info *fsi);
int famfs_dev_fence(struct famfs_fs_info *fsi);

/* failure.c */
extern const struct dax_holder_operations famfs_dax_holder_ops;
void famfs_shutdown(struct famfs_fs_info *fsi, int err);
void famfs_shutdown_request(struct famfs_fs_info *fsi);
void famfs_failure_quiesce(struct famfs_fs_info *fsi);

#endif /* _FS_FAMFS_INTERNAL_H */
