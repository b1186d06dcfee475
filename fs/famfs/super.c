// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - shared-memory file system for fabric-attached and CXL memory.
 *
 * Module setup, mount (fs_context), superblock operations and statfs.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/backing-dev.h>
#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>

#include "famfs_internal.h"

#define FAMFS_DEFAULT_MODE	0755

/* Read-only: user space checks it speaks the same ioctl ABI. */
static int fs_kabi_version = FAMFS_KABI_VERSION;
module_param(fs_kabi_version, int, 0444);
MODULE_PARM_DESC(fs_kabi_version, "famfs kernel ABI version (read only)");

/* Read-only: tells user space the "client" mount option exists. */
static bool client_mounts = true;
module_param(client_mounts, bool, 0444);
MODULE_PARM_DESC(client_mounts, "mount option client is supported (read only)");

/**
 * famfs_statfs() - report device size and memory taken by mapped files
 * @dentry: any dentry of the mount
 * @buf:    filled in; block size is PAGE_SIZE
 *
 * Return: 0.
 */
static int famfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	struct famfs_fs_info *fsi = famfs_sb(sb);
	u64 used = atomic64_read(&fsi->mapped_bytes);
	u64 size = fsi->dev_size;

	buf->f_type = FAMFS_STATFS_MAGIC_V1;
	buf->f_bsize = PAGE_SIZE;
	buf->f_frsize = PAGE_SIZE;
	buf->f_blocks = size >> PAGE_SHIFT;
	buf->f_bfree = used < size ? (size - used) >> PAGE_SHIFT : 0;
	buf->f_bavail = buf->f_bfree;
	buf->f_namelen = NAME_MAX;
	buf->f_fsid = u64_to_fsid(huge_encode_dev(fsi->devt));
	return 0;
}

/**
 * famfs_show_options() - list non-default mount options in /proc/mounts
 * @m:    output
 * @root: root of the mount
 *
 * Return: 0.
 */
static int famfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct famfs_fs_info *fsi = famfs_sb(root->d_sb);

	if (fsi->root_mode != FAMFS_DEFAULT_MODE)
		seq_printf(m, ",mode=%o", fsi->root_mode);
	if (READ_ONCE(fsi->client))
		seq_puts(m, ",client");
	return 0;
}

static struct kmem_cache *famfs_inode_cachep;

/**
 * famfs_alloc_inode() - allocate a famfs inode
 * @sb: the superblock
 *
 * Return: the VFS inode inside a new &struct famfs_inode_info, or NULL.
 */
static struct inode *famfs_alloc_inode(struct super_block *sb)
{
	struct famfs_inode_info *fi;

	fi = alloc_inode_sb(sb, famfs_inode_cachep, GFP_KERNEL);
	if (!fi)
		return NULL;
	fi->delete_ok = false;
	fi->deleted = false;
	fi->del_tag = 0;
	RB_CLEAR_NODE(&fi->pending);
	return &fi->vfs_inode;
}

/**
 * famfs_free_inode() - free a famfs inode after an RCU grace period
 * @inode: the inode, evicted
 */
static void famfs_free_inode(struct inode *inode)
{
	kmem_cache_free(famfs_inode_cachep, famfs_i(inode));
}

static void famfs_inode_init_once(void *p)
{
	struct famfs_inode_info *fi = p;

	inode_init_once(&fi->vfs_inode);
}

static const struct super_operations famfs_super_ops = {
	.alloc_inode	= famfs_alloc_inode,
	.free_inode	= famfs_free_inode,
	.statfs		= famfs_statfs,
	.drop_inode	= generic_delete_inode,
	.evict_inode	= famfs_evict_inode,
	.show_options	= famfs_show_options,
};

enum famfs_param {
	FAMFS_OPT_MODE,
	FAMFS_OPT_DAX,
	FAMFS_OPT_CLIENT,
};

static const struct constant_table famfs_dax_modes[] = {
	{ "always", 0 },
	{}
};

static const struct fs_parameter_spec famfs_fs_parameters[] = {
	fsparam_u32oct("mode", FAMFS_OPT_MODE),
	fsparam_enum("dax", FAMFS_OPT_DAX, famfs_dax_modes),
	fsparam_flag("client", FAMFS_OPT_CLIENT),
	{}
};

/* Mount options, parsed before the superblock exists. */
struct famfs_mount_opts {
	umode_t root_mode;
	bool mode_set;
	bool client;
};

/**
 * famfs_parse_param() - parse one mount option
 * @fc:    the mount context
 * @param: the option
 *
 * "mode=" sets the root directory mode; "dax=always" is accepted and ignored
 * (famfs is always DAX); "client" makes mapped files read-only. Unknown
 * options come back as -ENOPARAM and the VFS then reports them and fails
 * with -EINVAL.
 *
 * Return: 0 or a negative errno.
 */
static int famfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct famfs_mount_opts *opts = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, famfs_fs_parameters, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case FAMFS_OPT_MODE:
		if (result.uint_32 & ~S_IALLUGO)
			return invalfc(fc, "invalid mode %o", result.uint_32);
		opts->root_mode = result.uint_32;
		opts->mode_set = true;
		break;
	case FAMFS_OPT_DAX:
		break;
	case FAMFS_OPT_CLIENT:
		opts->client = true;
		break;
	}
	return 0;
}

/**
 * famfs_fill_super() - set up a new famfs superblock
 * @sb: the superblock, never shared between mounts
 * @fc: the mount context; fc->source names the device
 *
 * Return: 0 or a negative errno; kill_sb cleans up after a failure.
 */
static int famfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct famfs_mount_opts *opts = fc->fs_private;
	struct famfs_fs_info *fsi;
	struct inode *root;
	int rc;

	fsi = kzalloc(sizeof(*fsi), GFP_KERNEL);
	if (!fsi)
		return -ENOMEM;
	fsi->sb = sb;
	fsi->root_mode = opts->root_mode;
	fsi->client = opts->client;
	atomic64_set(&fsi->mapped_bytes, 0);
	INIT_LIST_HEAD(&fsi->dev_list);
	famfs_index_init(fsi);
	famfs_pending_init(fsi);
	sb->s_fs_info = fsi;

	sb->s_magic = FAMFS_STATFS_MAGIC_V1;
	sb->s_op = &famfs_super_ops;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_time_gran = 1;
	strscpy(sb->s_id, "famfs", sizeof(sb->s_id));

	/*
	 * A writeback-capable bdi: without BDI_CAP_WRITEBACK fsync and msync
	 * skip the mapping, and the dirty DAX entries that stores through
	 * shared mappings leave would never reach famfs_dax_writepages(),
	 * which writes their CPU cache lines back to the memory.
	 */
	rc = super_setup_bdi(sb);
	if (rc)
		return rc;

	rc = famfs_open_device(fsi, fc);
	if (rc)
		return rc;

	root = famfs_get_inode(sb, NULL, S_IFDIR | fsi->root_mode);
	if (!root)
		return -ENOMEM;
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	return 0;
}

/**
 * famfs_get_tree() - mount: make a new superblock for the named device
 * @fc: the mount context
 *
 * Each mount gets its own superblock; a device already mounted on this
 * host is refused in famfs_fill_super() with -EBUSY instead of shared.
 *
 * Return: 0 or a negative errno.
 */
static int famfs_get_tree(struct fs_context *fc)
{
	if (!fc->source)
		return invalfc(fc, "no device given");
	return get_tree_nodev(fc, famfs_fill_super);
}

static void famfs_revoke_one(struct inode *inode, void *unused)
{
	famfs_revoke_writable(inode);
}

/* A mount became a client: no mapped file may stay writable through mmap. */
static void famfs_revoke_all_writable(struct super_block *sb)
{
	famfs_walk_mapped_inodes(sb, famfs_revoke_one, NULL);
}

/**
 * famfs_reconfigure() - remount
 * @fc: the reconfiguration context
 *
 * "client" may be switched on (a host learns its role only after reading
 * the superblock through the mount) but never off: a remount without it
 * keeps it. Switching it on takes back writable shared mappings of mapped
 * files that processes made before: their next store gets SIGBUS. The root
 * mode cannot change.
 *
 * Return: 0 or -EINVAL.
 */
static int famfs_reconfigure(struct fs_context *fc)
{
	struct famfs_mount_opts *opts = fc->fs_private;
	struct super_block *sb = fc->root->d_sb;
	struct famfs_fs_info *fsi = famfs_sb(sb);

	if (opts->mode_set && opts->root_mode != fsi->root_mode)
		return invalfc(fc, "mode cannot be changed by remount");
	if (opts->client && !READ_ONCE(fsi->client)) {
		WRITE_ONCE(fsi->client, true);
		famfs_revoke_all_writable(sb);
	}
	return 0;
}

static void famfs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations famfs_context_ops = {
	.free		= famfs_free_fc,
	.parse_param	= famfs_parse_param,
	.get_tree	= famfs_get_tree,
	.reconfigure	= famfs_reconfigure,
};

/**
 * famfs_init_fs_context() - start a famfs mount
 * @fc: the new mount context
 *
 * Return: 0 or -ENOMEM.
 */
static int famfs_init_fs_context(struct fs_context *fc)
{
	struct famfs_mount_opts *opts;

	opts = kzalloc(sizeof(*opts), GFP_KERNEL);
	if (!opts)
		return -ENOMEM;
	opts->root_mode = FAMFS_DEFAULT_MODE;
	fc->fs_private = opts;
	fc->ops = &famfs_context_ops;
	return 0;
}

/**
 * famfs_kill_sb() - unmount: drop the namespace, then release the device
 * @sb: the superblock
 *
 * A memory failure handler may run at any time, with only the holder
 * pointer: the mount is marked dying and running handlers are waited for
 * before the inodes go, and again after the holder is released (a handler
 * that found the holder just before may still read @fsi) before @fsi is
 * freed.
 *
 * Also called after a failed famfs_fill_super(), with whatever it set up.
 */
static void famfs_kill_sb(struct super_block *sb)
{
	struct famfs_fs_info *fsi = famfs_sb(sb);

	if (fsi)
		famfs_failure_quiesce(fsi);
	kill_litter_super(sb);
	if (fsi) {
		famfs_close_device(fsi);
		famfs_failure_quiesce(NULL);
		famfs_index_destroy(fsi);
		famfs_pending_destroy(fsi);
		kfree(fsi);
	}
}

static struct file_system_type famfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "famfs",
	.init_fs_context	= famfs_init_fs_context,
	.parameters		= famfs_fs_parameters,
	.kill_sb		= famfs_kill_sb,
};
MODULE_ALIAS_FS("famfs");

static int __init famfs_init(void)
{
	int rc;

	if (!IS_ENABLED(CONFIG_DEV_DAX_FSDEV))
		pr_info("pmem only: this kernel has no fsdev_dax driver, so character dax devices cannot be mounted\n");
	famfs_inode_cachep = kmem_cache_create("famfs_inode_cache",
					       sizeof(struct famfs_inode_info),
					       0, SLAB_RECLAIM_ACCOUNT |
					       SLAB_ACCOUNT,
					       famfs_inode_init_once);
	if (!famfs_inode_cachep)
		return -ENOMEM;
	rc = register_filesystem(&famfs_fs_type);
	if (rc)
		kmem_cache_destroy(famfs_inode_cachep);
	return rc;
}

static void __exit famfs_exit(void)
{
	unregister_filesystem(&famfs_fs_type);
	/* Inodes are freed after an RCU grace period: wait for the last. */
	rcu_barrier();
	kmem_cache_destroy(famfs_inode_cachep);
}

module_init(famfs_init);
module_exit(famfs_exit);

MODULE_DESCRIPTION("famfs: shared-memory file system for fabric-attached and CXL memory");
MODULE_LICENSE("GPL");
MODULE_VERSION(FAMFS_MODULE_VERSION);
