// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - deletion and shutdown ioctls (extensions 0x70-0x72).
 *
 * The log is the namespace: a file leaves it only when user space replays a
 * DELETE entry and issues FAMFSIOC_DELETE with the entry's index as tag.
 * The name goes at once (a real vfs_unlink() or vfs_rmdir()); the inode,
 * its map and its claim on the device ranges stay until the last open file
 * and mapping are gone and the inode is evicted. Until then the tag is in
 * the mount's pending set, which FAMFSIOC_PENDING reports: user space
 * publishes the smallest pending tag as this host's release mark, and only
 * memory below every host's mark is reused.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "famfs_internal.h"

/**
 * famfs_pending_init() - set up the empty pending set of a new mount
 * @fsi: the mount
 */
void famfs_pending_init(struct famfs_fs_info *fsi)
{
	mutex_init(&fsi->pending_lock);
	fsi->pending = RB_ROOT;
	fsi->npending = 0;
}

/**
 * famfs_pending_destroy() - check the pending set is empty at unmount
 * @fsi: the mount; every inode has been evicted
 *
 * The set's nodes live in the inodes, and eviction takes each one out, so
 * nothing is left to free. A leftover node would point at a freed inode.
 */
void famfs_pending_destroy(struct famfs_fs_info *fsi)
{
	WARN_ON_ONCE(!RB_EMPTY_ROOT(&fsi->pending) || fsi->npending);
}

/* Order of the set: by tag, equal tags by inode address. */
static bool famfs_pending_less(struct rb_node *a, const struct rb_node *b)
{
	const struct famfs_inode_info *fa, *fb;

	fa = rb_entry(a, struct famfs_inode_info, pending);
	fb = rb_entry(b, struct famfs_inode_info, pending);
	if (fa->del_tag != fb->del_tag)
		return fa->del_tag < fb->del_tag;
	return fa < fb;
}

/* A deletion happened: its tag is pending until the inode is evicted. */
static void famfs_pending_add(struct inode *inode, u64 tag)
{
	struct famfs_fs_info *fsi = famfs_sb(inode->i_sb);
	struct famfs_inode_info *fi = famfs_i(inode);

	mutex_lock(&fsi->pending_lock);
	fi->del_tag = tag;
	fi->deleted = true;
	rb_add(&fi->pending, &fsi->pending, famfs_pending_less);
	fsi->npending++;
	mutex_unlock(&fsi->pending_lock);
}

/**
 * famfs_pending_release() - the inode of a deletion is being evicted
 * @inode: the inode; its ranges have left the extent index
 *
 * Called from famfs_evict_inode() for every inode. Once the tag is gone
 * from the set, FAMFSIOC_PENDING no longer reports it, and user space may
 * advance this host's release mark past it.
 */
void famfs_pending_release(struct inode *inode)
{
	struct famfs_fs_info *fsi = famfs_sb(inode->i_sb);
	struct famfs_inode_info *fi = famfs_i(inode);

	if (!fi->deleted)
		return;
	mutex_lock(&fsi->pending_lock);
	rb_erase(&fi->pending, &fsi->pending);
	fsi->npending--;
	fi->deleted = false;
	mutex_unlock(&fsi->pending_lock);
}

/* The superblock and log files of .meta are the file system itself. */
static bool famfs_is_meta(struct inode *inode)
{
	const struct famfs_fmap *map = famfs_inode_fmap(inode);

	return map && map->file_type != FAMFS_REG;
}

/*
 * Remove the name of @dentry under its parent's lock, exactly as unlink(2)
 * or rmdir(2) would (permission checks, fsnotify, d_delete()), with famfs
 * told that this removal is the ioctl's, and enter @tag in the pending set
 * before the lock is dropped: a second delete of the same file sees it.
 */
static int famfs_delete_dentry(struct file *file, struct dentry *dentry,
			       u64 tag)
{
	struct inode *inode = d_inode(dentry);
	struct famfs_inode_info *fi = famfs_i(inode);
	struct dentry *parent = dget_parent(dentry);
	struct inode *dir = d_inode(parent);
	int rc;

	/*
	 * A reference of our own, as the lookup of unlink(2) holds one:
	 * d_delete() then only unhashes the dentry, which stays positive for
	 * the open file. With the file's reference alone it would turn the
	 * dentry negative under the open file and leak the inode.
	 */
	dget(dentry);
	inode_lock_nested(dir, I_MUTEX_PARENT);
	/* A rename (of an unmapped file) or an earlier delete got here first. */
	if (d_unhashed(dentry) || dentry->d_parent != parent || fi->deleted) {
		rc = -ENOENT;
		goto out;
	}
	fi->delete_ok = true;
	if (S_ISDIR(inode->i_mode))
		rc = vfs_rmdir(file_mnt_idmap(file), dir, dentry);
	else
		rc = vfs_unlink(file_mnt_idmap(file), dir, dentry, NULL);
	fi->delete_ok = false;
	if (!rc)
		famfs_pending_add(inode, tag);
out:
	inode_unlock(dir);
	dput(dentry);
	dput(parent);
	return rc;
}

/**
 * famfs_ioc_delete() - FAMFSIOC_DELETE: remove a file or directory
 * @file: open regular file or directory of a famfs mount
 * @argp: user pointer to struct famfs_ioc_delete
 *
 * Needs CAP_SYS_RAWIO, as the memory of the file may be given to another
 * file afterwards. Open files and mappings of the deleted file keep working
 * and keep reading the same memory; its device ranges stay claimed (a
 * MAP_CREATE over them fails with -EADDRINUSE) and @tag stays in the
 * pending set until the inode is evicted. Works on client mounts too.
 *
 * Return: 0; -EPERM without CAP_SYS_RAWIO, or for the root directory and
 * the .meta superblock and log files; -EINVAL if flags is not zero;
 * -ENOTEMPTY for a directory that has entries; -ENOENT if the name is
 * already gone; -EFAULT; -EROFS or another errno of mnt_want_write_file(),
 * vfs_unlink() or vfs_rmdir().
 */
long famfs_ioc_delete(struct file *file, void __user *argp)
{
	struct dentry *dentry = file->f_path.dentry;
	struct inode *inode = file_inode(file);
	struct famfs_ioc_delete arg;
	int rc;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return -EINVAL;
	if (IS_ROOT(dentry) || famfs_is_meta(inode))
		return -EPERM;

	rc = mnt_want_write_file(file);
	if (rc)
		return rc;
	rc = famfs_delete_dentry(file, dentry, arg.tag);
	mnt_drop_write_file(file);
	return rc;
}

/**
 * famfs_ioc_pending() - FAMFSIOC_PENDING: list deletions not released yet
 * @file: any open file or directory of a famfs mount
 * @argp: user pointer to struct famfs_ioc_pending
 *
 * A deletion is released when its inode has been evicted: no open file and
 * no mapping of it is left on this host, and its device ranges have left
 * the extent index. Tags are returned in ascending order; count returns
 * the number pending (it may exceed the room given, then only the room is
 * filled) and min_tag the smallest, or ~0ULL when none is pending.
 *
 * The set is read in one pass under its lock into a kernel buffer, so the
 * count, min_tag and the tags returned are one consistent snapshot.
 *
 * Return: 0, -EINVAL if flags is not zero, -EFAULT or -ENOMEM.
 */
long famfs_ioc_pending(struct file *file, void __user *argp)
{
	struct famfs_fs_info *fsi = famfs_sb(file_inode(file)->i_sb);
	struct famfs_ioc_pending arg;
	struct famfs_inode_info *fi;
	struct rb_node *node;
	u64 *tags = NULL;
	u32 room, want, n = 0;
	long rc = 0;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || (arg.count && !arg.tags_addr))
		return -EINVAL;

	/*
	 * Size the buffer by the set outside the lock (it may sleep), then
	 * retry in the rare case the set grew past it meanwhile.
	 */
	for (;;) {
		room = min(arg.count, READ_ONCE(fsi->npending));
		if (room) {
			tags = kvmalloc_array(room, sizeof(*tags), GFP_KERNEL);
			if (!tags)
				return -ENOMEM;
		}
		mutex_lock(&fsi->pending_lock);
		want = min(arg.count, fsi->npending);
		if (want <= room)
			break;
		mutex_unlock(&fsi->pending_lock);
		kvfree(tags);
		tags = NULL;
	}
	arg.min_tag = ~0ULL;
	for (node = rb_first(&fsi->pending); node; node = rb_next(node)) {
		fi = rb_entry(node, struct famfs_inode_info, pending);
		if (!n)
			arg.min_tag = fi->del_tag;
		if (n >= want)
			break;
		tags[n++] = fi->del_tag;
	}
	arg.count = fsi->npending;
	mutex_unlock(&fsi->pending_lock);

	if (n && copy_to_user(u64_to_user_ptr(arg.tags_addr), tags,
			      array_size(n, sizeof(*tags))))
		rc = -EFAULT;
	else if (copy_to_user(argp, &arg, sizeof(arg)))
		rc = -EFAULT;
	kvfree(tags);
	return rc;
}

/**
 * famfs_ioc_shutdown() - FAMFSIOC_SHUTDOWN: shut the mount down
 * @file: any open file or directory of a famfs mount
 * @argp: user pointer to a __u32 flags word, which must be zero
 *
 * See famfs_shutdown_request(). Idempotent.
 *
 * Return: 0, -EPERM without CAP_SYS_ADMIN, -EINVAL for nonzero flags, or
 * -EFAULT.
 */
long famfs_ioc_shutdown(struct file *file, void __user *argp)
{
	struct famfs_fs_info *fsi = famfs_sb(file_inode(file)->i_sb);
	u32 flags;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(flags, (u32 __user *)argp))
		return -EFAULT;
	if (flags)
		return -EINVAL;
	famfs_shutdown_request(fsi);
	return 0;
}
