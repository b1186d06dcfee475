// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - the map ioctls (KABI 43).
 *
 * MAP_CREATE gives a file its memory once; everything in the argument comes
 * from user space and describes raw device memory, so every field is checked
 * before the map is installed. See kernel-abi.md section 3 for the table.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "famfs_internal.h"

/* Only the interleave limit of one extent per map is ours; the rest is ABI. */
#define FAMFS_IOC_MAX_INTERLEAVES	1

static bool famfs_file_type_valid(u32 type)
{
	return type == FAMFS_REG || type == FAMFS_SUPERBLOCK || type == FAMFS_LOG;
}

/*
 * One device range: 2 MiB aligned offset (0 only for the superblock file),
 * non-empty length that is a 2 MiB multiple unless @short_ok (then still a
 * page multiple: fs/dax maps whole pages), and entirely inside the device.
 */
static int famfs_check_extent(const struct famfs_fs_info *fsi, u32 file_type,
			      u64 offset, u64 len, bool short_ok)
{
	u64 end;

	if (!len || !IS_ALIGNED(offset, FAMFS_ALIGN) || !PAGE_ALIGNED(len))
		return -EINVAL;
	if (!short_ok && !IS_ALIGNED(len, FAMFS_ALIGN))
		return -EINVAL;
	if (offset == 0 && file_type != FAMFS_SUPERBLOCK)
		return -EINVAL;
	if (check_add_overflow(offset, len, &end) || end > fsi->dev_size)
		return -EINVAL;
	return 0;
}

/* Who may create a map: raw memory privilege, file open for writing. */
static int famfs_map_create_allowed(struct file *file)
{
	struct famfs_fs_info *fsi = famfs_sb(file_inode(file)->i_sb);

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (famfs_is_shut_down(fsi))
		return READ_ONCE(fsi->shutdown_err) ?: -EIO;
	return 0;
}

/*
 * Install a validated map; a file gets at most one, ever, and its memory
 * must not be any other live file's (-EADDRINUSE).
 */
static int famfs_install_fmap(struct file *file, struct famfs_fmap *map)
{
	struct inode *inode = file_inode(file);
	struct famfs_fs_info *fsi = famfs_sb(inode->i_sb);
	int rc = 0;

	rc = famfs_fmap_finish(map);
	if (rc)
		return rc;

	inode_lock(inode);
	if (famfs_is_shut_down(fsi))
		rc = READ_ONCE(fsi->shutdown_err) ?: -EIO;
	else if (inode->i_private)
		rc = -EEXIST;
	else
		rc = famfs_index_insert(fsi, inode, map);
	if (!rc) {
		i_size_write(inode, map->file_size);
		inode_set_bytes(inode, map->dev_bytes);
		inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
		atomic64_add(map->dev_bytes, &fsi->mapped_bytes);
		/* Lockless readers (faults, mmap) see a complete map. */
		smp_store_release(&inode->i_private, map);
	}
	inode_unlock(inode);
	return rc;
}

/**
 * famfs_ioc_map_create() - FAMFSIOC_MAP_CREATE: install a v1 map
 * @file: open regular file in a famfs mount
 * @argp: user pointer to struct famfs_ioc_map
 *
 * v1 maps are simple extents only; the last one may be shorter than 2 MiB.
 *
 * Return: 0 or a negative errno (see the validation table).
 */
static long famfs_ioc_map_create(struct file *file, void __user *argp)
{
	struct famfs_fs_info *fsi = famfs_sb(file_inode(file)->i_sb);
	struct famfs_ioc_map umap;
	struct famfs_fmap *map;
	u64 i;
	int rc;

	rc = famfs_map_create_allowed(file);
	if (rc)
		return rc;
	if (copy_from_user(&umap, argp, sizeof(umap)))
		return -EFAULT;

	if (!famfs_file_type_valid(umap.file_type) ||
	    umap.extent_type != SIMPLE_DAX_EXTENT || !umap.ext_list_count)
		return -EINVAL;
	if (umap.ext_list_count > FAMFS_IOC_MAX_EXTENTS)
		return -E2BIG;

	for (i = 0; i < umap.ext_list_count; i++) {
		rc = famfs_check_extent(fsi, umap.file_type,
					umap.ext_list[i].offset,
					umap.ext_list[i].len,
					i == umap.ext_list_count - 1);
		if (rc)
			return rc;
	}

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	map->file_type = umap.file_type;
	map->ext_type = FAMFS_IOC_EXT_SIMPLE;
	map->file_size = umap.file_size;
	map->next = umap.ext_list_count;
	for (i = 0; i < umap.ext_list_count; i++) {
		map->ext[i].offset = umap.ext_list[i].offset;
		map->ext[i].len = umap.ext_list[i].len;
	}

	rc = famfs_install_fmap(file, map);
	if (rc)
		kfree(map);
	return rc;
}

/* v2 simple extents: count checked, then one bounded copy. */
static int famfs_copy_simple(const struct famfs_fs_info *fsi,
			     const struct famfs_ioc_fmap *fmap,
			     struct famfs_fmap *map)
{
	struct famfs_ioc_simple_extent se[FAMFS_IOC_MAX_EXTENTS];
	u32 i, n = fmap->fioc_nextents;
	int rc;

	if (!n)
		return -EINVAL;
	if (n > FAMFS_IOC_MAX_EXTENTS)
		return -E2BIG;
	if (copy_from_user(se, u64_to_user_ptr(fmap->fioc_extents),
			   n * sizeof(se[0])))
		return -EFAULT;

	for (i = 0; i < n; i++) {
		if (se[i].devindex)
			return -EINVAL;
		rc = famfs_check_extent(fsi, map->file_type, se[i].offset,
					se[i].len, false);
		if (rc)
			return rc;
		map->ext[i].offset = se[i].offset;
		map->ext[i].len = se[i].len;
	}
	map->next = n;
	return 0;
}

/* v2 interleave: extent count, then the extent, then its strips. */
static int famfs_copy_interleave(const struct famfs_fs_info *fsi,
				 const struct famfs_ioc_fmap *fmap,
				 struct famfs_fmap *map)
{
	struct famfs_ioc_interleaved_ext ie;
	struct famfs_ioc_simple_extent *strips;
	u64 i;
	int rc = 0;

	if (!fmap->fioc_nextents)
		return -EINVAL;
	if (fmap->fioc_nextents > FAMFS_IOC_MAX_INTERLEAVES)
		return -E2BIG;
	if (copy_from_user(&ie, u64_to_user_ptr(fmap->fioc_extents), sizeof(ie)))
		return -EFAULT;

	if (!ie.ie_nstrips || ie.ie_nstrips > FAMFS_IOC_MAX_STRIPS)
		return -EINVAL;
	if (!ie.ie_chunk_size || (ie.ie_chunk_size & (ie.ie_chunk_size - 1)) ||
	    !IS_ALIGNED(ie.ie_chunk_size, FAMFS_ALIGN))
		return -EINVAL;

	strips = memdup_array_user(u64_to_user_ptr(ie.ie_strips_addr), ie.ie_nstrips,
				   sizeof(*strips));
	if (IS_ERR(strips))
		return PTR_ERR(strips);

	for (i = 0; i < ie.ie_nstrips; i++) {
		if (strips[i].devindex) {
			rc = -EINVAL;
			break;
		}
		rc = famfs_check_extent(fsi, map->file_type, strips[i].offset,
					strips[i].len, false);
		if (rc)
			break;
		map->ext[i].offset = strips[i].offset;
		map->ext[i].len = strips[i].len;
	}
	kfree(strips);
	if (rc)
		return rc;

	map->next = ie.ie_nstrips;
	map->chunk_size = ie.ie_chunk_size;
	map->ie_nbytes = ie.ie_nbytes;
	return 0;
}

/**
 * famfs_ioc_map_create_v2() - FAMFSIOC_MAP_CREATE_V2: install a v2 map
 * @file: open regular file in a famfs mount
 * @argp: user pointer to struct famfs_ioc_fmap
 *
 * The argument points at the extents, which point at the strips: each level
 * is copied with its count checked first. fioc_reserved must be zero, so
 * that it can be given a meaning later.
 *
 * Return: 0 or a negative errno (see the validation table).
 */
static long famfs_ioc_map_create_v2(struct file *file, void __user *argp)
{
	struct famfs_fs_info *fsi = famfs_sb(file_inode(file)->i_sb);
	struct famfs_ioc_fmap fmap;
	struct famfs_fmap *map;
	int rc;

	rc = famfs_map_create_allowed(file);
	if (rc)
		return rc;
	if (copy_from_user(&fmap, argp, sizeof(fmap)))
		return -EFAULT;
	if (fmap.fioc_reserved || !famfs_file_type_valid(fmap.fioc_file_type))
		return -EINVAL;

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	map->file_type = fmap.fioc_file_type;
	map->ext_type = fmap.fioc_ext_type;
	map->file_size = fmap.fioc_file_size;

	switch (fmap.fioc_ext_type) {
	case FAMFS_IOC_EXT_SIMPLE:
		rc = famfs_copy_simple(fsi, &fmap, map);
		break;
	case FAMFS_IOC_EXT_INTERLEAVE:
		rc = famfs_copy_interleave(fsi, &fmap, map);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (!rc)
		rc = famfs_install_fmap(file, map);
	if (rc)
		kfree(map);
	return rc;
}

/**
 * famfs_ioc_map_get() - FAMFSIOC_MAP_GET: report a map in v1 form
 * @file: open regular file in a famfs mount
 * @argp: user pointer to struct famfs_ioc_map
 *
 * For an interleaved file the "extents" reported are its strips.
 *
 * Return: 0, -EINVAL if the file has no map, or -EFAULT.
 */
static long famfs_ioc_map_get(struct file *file, void __user *argp)
{
	const struct famfs_fmap *map = famfs_inode_fmap(file_inode(file));
	struct famfs_ioc_map umap = {};
	u32 i;

	if (!map)
		return -EINVAL;

	umap.extent_type = map->ext_type == FAMFS_IOC_EXT_INTERLEAVE ?
			   INTERLEAVED_EXTENT : SIMPLE_DAX_EXTENT;
	umap.file_type = map->file_type;
	umap.file_size = map->file_size;
	umap.ext_list_count = map->next;
	for (i = 0; i < min_t(u32, map->next, FAMFS_IOC_MAX_EXTENTS); i++) {
		umap.ext_list[i].offset = map->ext[i].offset;
		umap.ext_list[i].len = map->ext[i].len;
	}
	if (copy_to_user(argp, &umap, sizeof(umap)))
		return -EFAULT;
	return 0;
}

/**
 * famfs_ioc_map_getext() - FAMFSIOC_MAP_GETEXT: copy out the extents
 * @file: open regular file in a famfs mount
 * @argp: user array with room for ext_list_count (from MAP_GET) extents
 *
 * Return: 0, -EINVAL if the file has no map, or -EFAULT.
 */
static long famfs_ioc_map_getext(struct file *file, void __user *argp)
{
	const struct famfs_fmap *map = famfs_inode_fmap(file_inode(file));
	struct famfs_extent ext[FAMFS_IOC_MAX_STRIPS] = {};
	u32 i;

	if (!map)
		return -EINVAL;

	for (i = 0; i < map->next; i++) {
		ext[i].offset = map->ext[i].offset;
		ext[i].len = map->ext[i].len;
	}
	if (copy_to_user(argp, ext, map->next * sizeof(ext[0])))
		return -EFAULT;
	return 0;
}

/**
 * famfs_ioc_map_get_v2() - FAMFSIOC_MAP_GET_V2: report a map in v2 form
 * @file: open regular file in a famfs mount
 * @argp: user pointer to struct famfs_ioc_get_fmap
 *
 * User pointers in the result are 0; the extents or strips are inline.
 *
 * Return: 0, -EINVAL if the file has no map, -ENOMEM or -EFAULT.
 */
static long famfs_ioc_map_get_v2(struct file *file, void __user *argp)
{
	const struct famfs_fmap *map = famfs_inode_fmap(file_inode(file));
	struct famfs_ioc_get_fmap *out;
	long rc = 0;
	u32 i;

	if (!map)
		return -EINVAL;

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	out->iocmap.fioc_file_size = map->file_size;
	out->iocmap.fioc_file_type = map->file_type;
	out->iocmap.fioc_ext_type = map->ext_type;

	if (map->ext_type == FAMFS_IOC_EXT_INTERLEAVE) {
		out->iocmap.fioc_nextents = 1;
		out->il.ie.ie_nstrips = map->next;
		out->il.ie.ie_chunk_size = map->chunk_size;
		out->il.ie.ie_nbytes = map->ie_nbytes;
		for (i = 0; i < map->next; i++) {
			out->il.ie_strips[i].offset = map->ext[i].offset;
			out->il.ie_strips[i].len = map->ext[i].len;
		}
	} else {
		out->iocmap.fioc_nextents = map->next;
		for (i = 0; i < map->next; i++) {
			out->ikse[i].offset = map->ext[i].offset;
			out->ikse[i].len = map->ext[i].len;
		}
	}

	if (copy_to_user(argp, out, sizeof(*out)))
		rc = -EFAULT;
	kfree(out);
	return rc;
}

/**
 * famfs_file_ioctl() - famfs ioctls on a regular file
 * @file: the open file
 * @cmd:  FAMFSIOC_*
 * @arg:  user pointer argument
 *
 * The map ioctls are for regular files only; everything else is shared
 * with directories (famfs_dir_ioctl()).
 *
 * Return: 0, a negative errno, or -ENOTTY for unknown commands.
 */
long famfs_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case FAMFSIOC_MAP_CREATE:
		return famfs_ioc_map_create(file, argp);
	case FAMFSIOC_MAP_GET:
		return famfs_ioc_map_get(file, argp);
	case FAMFSIOC_MAP_GETEXT:
		return famfs_ioc_map_getext(file, argp);
	case FAMFSIOC_MAP_CREATE_V2:
		return famfs_ioc_map_create_v2(file, argp);
	case FAMFSIOC_MAP_GET_V2:
		return famfs_ioc_map_get_v2(file, argp);
	default:
		return famfs_dir_ioctl(file, cmd, arg);
	}
}

/**
 * famfs_dir_ioctl() - famfs ioctls on a directory
 * @file: the open directory
 * @cmd:  FAMFSIOC_*
 * @arg:  user pointer argument
 *
 * NOP needs no privilege: tools use it to recognise a famfs file or mount
 * point. DELETE of the file or directory; PENDING and SHUTDOWN of the
 * mount (all three in delete.c). Regular files reach this through
 * famfs_file_ioctl().
 *
 * Return: 0, a negative errno, or -ENOTTY for other commands.
 */
long famfs_dir_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case FAMFSIOC_NOP:
		return 0;
	case FAMFSIOC_DELETE:
		return famfs_ioc_delete(file, argp);
	case FAMFSIOC_PENDING:
		return famfs_ioc_pending(file, argp);
	case FAMFSIOC_SHUTDOWN:
		return famfs_ioc_shutdown(file, argp);
	default:
		return -ENOTTY;
	}
}
