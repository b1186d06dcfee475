// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - inodes and the in-memory namespace.
 *
 * The namespace lives only in memory, like ramfs: user space replays the log
 * to build it on every host. Dentries are pinned until umount or until a
 * DELETE entry of the log removes them (FAMFSIOC_DELETE, delete.c): what the
 * log made is never unlinked, removed or renamed otherwise.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/time.h>

#include "famfs_internal.h"

/**
 * famfs_get_inode() - make a new inode
 * @sb:   the famfs superblock
 * @dir:  parent directory, NULL for the root
 * @mode: file type and permissions (S_IFREG or S_IFDIR)
 *
 * Return: the inode, or NULL when out of memory.
 */
struct inode *famfs_get_inode(struct super_block *sb, const struct inode *dir,
			      umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;

	inode->i_ino = get_next_ino();
	inode_init_owner(&nop_mnt_idmap, inode, dir, mode);
	simple_inode_init_ts(inode);

	switch (mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &famfs_file_inode_operations;
		inode->i_fop = &famfs_file_operations;
		inode->i_mapping->a_ops = &famfs_dax_aops;
		inode->i_flags |= S_DAX;
		break;
	case S_IFDIR:
		inode->i_op = &famfs_dir_inode_operations;
		inode->i_fop = &famfs_dir_operations;
		/* "." counts as a link to the directory itself. */
		inc_nlink(inode);
		break;
	default:
		/* Callers only ask for regular files and directories. */
		iput(inode);
		return NULL;
	}
	return inode;
}

/* Shared by create and mkdir: make the inode and pin its dentry. */
static int famfs_mknod(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	struct inode *inode = famfs_get_inode(dir->i_sb, dir, mode);

	if (!inode)
		return -ENOMEM;

	d_instantiate(dentry, inode);
	dget(dentry);
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
	return 0;
}

/**
 * famfs_create() - create a regular file (inode operation)
 * @idmap:  idmap of the mount
 * @dir:    parent directory
 * @dentry: new name
 * @mode:   permissions
 * @excl:   O_EXCL was given (the VFS already handled it)
 *
 * The file has no memory and size 0 until MAP_CREATE. Not static: user space
 * detects the famfs module by this symbol in /proc/kallsyms.
 *
 * Return: 0 or -ENOMEM.
 */
int famfs_create(struct mnt_idmap *idmap, struct inode *dir,
		 struct dentry *dentry, umode_t mode, bool excl)
{
	return famfs_mknod(dir, dentry, (mode & ~S_IFMT) | S_IFREG);
}

/**
 * famfs_mkdir() - create a directory (inode operation)
 * @idmap:  idmap of the mount
 * @dir:    parent directory
 * @dentry: new name
 * @mode:   permissions
 *
 * Return: 0 or -ENOMEM.
 */
static int famfs_mkdir(struct mnt_idmap *idmap, struct inode *dir,
		       struct dentry *dentry, umode_t mode)
{
	int rc = famfs_mknod(dir, dentry, (mode & ~S_IFMT) | S_IFDIR);

	if (!rc)
		inc_nlink(dir);
	return rc;
}

/**
 * famfs_setattr() - change attributes of a regular file
 * @idmap:  idmap of the mount
 * @dentry: the file
 * @attr:   requested changes
 *
 * Mode, owner and times may change. The size is set once by MAP_CREATE:
 * truncate, ftruncate and O_TRUNC fail with -EPERM on a mapped file and leave
 * it intact. A file with no map has size 0 and may only be "truncated" to 0,
 * so O_TRUNC on a new file works.
 *
 * Return: 0, -EPERM, or the errno of setattr_prepare().
 */
static int famfs_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
			 struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int rc;

	rc = setattr_prepare(idmap, dentry, attr);
	if (rc)
		return rc;

	if (attr->ia_valid & ATTR_SIZE) {
		if (famfs_inode_fmap(inode) || attr->ia_size != i_size_read(inode))
			return -EPERM;
		attr->ia_valid &= ~ATTR_SIZE;
	}

	setattr_copy(idmap, inode, attr);
	return 0;
}

/*
 * The namespace is rebuilt from the log on every host: a local unlink,
 * rmdir or rename of what the log made would be undone by the next replay
 * while statfs and other hosts disagree meanwhile. Only files that have no
 * map yet (a create that failed half-way) may go, and what a DELETE entry
 * of the log removes (FAMFSIOC_DELETE, delete.c).
 */
static bool famfs_from_log(struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);

	return S_ISDIR(inode->i_mode) || famfs_inode_fmap(inode);
}

static int famfs_refuse(struct dentry *dentry, const char *op)
{
	pr_notice_ratelimited("%s: %s of \"%pd\" refused: files and directories leave the namespace only through the log\n",
			      dentry->d_sb->s_id, op, dentry);
	return -EPERM;
}

/**
 * famfs_unlink() - remove a file that has no map yet, or for FAMFSIOC_DELETE
 * @dir:    parent directory
 * @dentry: the file
 *
 * FAMFSIOC_DELETE calls vfs_unlink() with the file's delete_ok flag set
 * under @dir's lock, which unlink(2) also holds: it cannot see the flag.
 *
 * Return: 0, or -EPERM for a mapped file.
 */
static int famfs_unlink(struct inode *dir, struct dentry *dentry)
{
	if (famfs_from_log(dentry) && !famfs_i(d_inode(dentry))->delete_ok)
		return famfs_refuse(dentry, "unlink");
	return simple_unlink(dir, dentry);
}

/**
 * famfs_rmdir() - remove a directory for FAMFSIOC_DELETE only
 * @dir:    parent directory
 * @dentry: the directory
 *
 * Return: 0, -ENOTEMPTY, or -EPERM for rmdir(2).
 */
static int famfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	if (!famfs_i(d_inode(dentry))->delete_ok)
		return famfs_refuse(dentry, "rmdir");
	return simple_rmdir(dir, dentry);
}

/**
 * famfs_rename() - rename a file that has no map yet
 * @idmap:      idmap of the mount
 * @old_dir:    source directory
 * @old_dentry: source
 * @new_dir:    target directory
 * @new_dentry: target, possibly existing
 * @flags:      RENAME_* flags
 *
 * Return: 0, -EPERM if the source or an existing target came from the log,
 * or the errno of simple_rename().
 */
static int famfs_rename(struct mnt_idmap *idmap, struct inode *old_dir,
			struct dentry *old_dentry, struct inode *new_dir,
			struct dentry *new_dentry, unsigned int flags)
{
	if (famfs_from_log(old_dentry))
		return famfs_refuse(old_dentry, "rename");
	if (d_really_is_positive(new_dentry) && famfs_from_log(new_dentry))
		return famfs_refuse(new_dentry, "rename over");
	return simple_rename(idmap, old_dir, old_dentry, new_dir, new_dentry,
			     flags);
}

/**
 * famfs_walk_mapped_inodes() - call @fn on every live file with a map
 * @sb:  the mount
 * @fn:  called without spinlocks held, with a reference on the inode (so
 *       its map stays); it may sleep
 * @ctx: passed to @fn
 *
 * Files being created or freed are skipped.
 */
void famfs_walk_mapped_inodes(struct super_block *sb, famfs_inode_fn fn,
			      void *ctx)
{
	struct inode *inode, *toput = NULL;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		spin_lock(&inode->i_lock);
		if ((inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) ||
		    !S_ISREG(inode->i_mode) || !famfs_inode_fmap(inode)) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		__iget(inode);
		spin_unlock(&inode->i_lock);
		spin_unlock(&sb->s_inode_list_lock);

		fn(inode, ctx);
		iput(toput);
		toput = inode;
		cond_resched();

		spin_lock(&sb->s_inode_list_lock);
	}
	spin_unlock(&sb->s_inode_list_lock);
	iput(toput);
}

/**
 * famfs_evict_inode() - free a file's map when its inode goes away
 * @inode: the inode
 *
 * The memory itself stays allocated in the log; only the statfs count of
 * mapped bytes goes down, and another file may now map the memory. A file
 * removed by FAMFSIOC_DELETE leaves the pending set after that.
 */
void famfs_evict_inode(struct inode *inode)
{
	struct famfs_fmap *map = inode->i_private;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (map) {
		famfs_index_remove(famfs_sb(inode->i_sb), map);
		atomic64_sub(map->dev_bytes, &famfs_sb(inode->i_sb)->mapped_bytes);
		inode->i_private = NULL;
		kfree(map);
	}
	/* Only now is a deletion released: its ranges are free on this host. */
	famfs_pending_release(inode);
}

const struct inode_operations famfs_dir_inode_operations = {
	.create		= famfs_create,
	.lookup		= simple_lookup,
	.unlink		= famfs_unlink,
	.mkdir		= famfs_mkdir,
	.rmdir		= famfs_rmdir,
	.rename		= famfs_rename,
	.setattr	= simple_setattr,
	.getattr	= simple_getattr,
};

const struct inode_operations famfs_file_inode_operations = {
	.setattr	= famfs_setattr,
	.getattr	= simple_getattr,
};

/* simple_dir_operations plus the ioctls that work on directories. */
const struct file_operations famfs_dir_operations = {
	.open		= dcache_dir_open,
	.release	= dcache_dir_close,
	.llseek		= dcache_dir_lseek,
	.read		= generic_read_dir,
	.iterate_shared	= dcache_readdir,
	.fsync		= noop_fsync,
	.unlocked_ioctl	= famfs_dir_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
