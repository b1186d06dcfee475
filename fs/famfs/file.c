// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - regular file operations: read/write/mmap straight to device memory.
 *
 * Every byte of a famfs file lives at a fixed place in the device, set once by
 * MAP_CREATE. There is no page cache, no allocation and no size change here:
 * reads stop at EOF, writes are clamped to EOF, and a write starting at or
 * past EOF fails with -EFBIG because the file cannot grow.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/dax.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/huge_mm.h>
#include <linux/iomap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/uio.h>
#include <linux/writeback.h>

#include "famfs_internal.h"

/* I/O needs a map and a live mount; the caller holds the inode lock. */
static int famfs_io_allowed(struct inode *inode)
{
	if (famfs_is_shut_down(famfs_sb(inode->i_sb)) || !famfs_inode_fmap(inode))
		return -EIO;
	return 0;
}

/**
 * famfs_file_read_iter() - read from a file's device memory
 * @iocb: the I/O control block
 * @to:   destination
 *
 * Under IOCB_NOWAIT the inode lock is only tried.
 *
 * Return: bytes read, 0 at or past EOF, -EIO without a map or after
 * shutdown, -EAGAIN if IOCB_NOWAIT and the inode is locked.
 */
static ssize_t famfs_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;
	loff_t size;

	if (!iov_iter_count(to))
		return 0;

	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (!inode_trylock_shared(inode))
			return -EAGAIN;
	} else {
		inode_lock_shared(inode);
	}

	ret = famfs_io_allowed(inode);
	if (ret)
		goto out;
	size = i_size_read(inode);
	if (iocb->ki_pos >= size)
		goto out;
	iov_iter_truncate(to, size - iocb->ki_pos);
	ret = dax_iomap_rw(iocb, to, &famfs_iomap_ops);
out:
	inode_unlock_shared(inode);
	file_accessed(iocb->ki_filp);
	return ret;
}

/**
 * famfs_file_write_iter() - write to a file's device memory
 * @iocb: the I/O control block
 * @from: source
 *
 * The write is clamped to EOF (short write); one that starts at or past EOF,
 * including every O_APPEND write, fails with -EFBIG. Under IOCB_NOWAIT the
 * inode lock is only tried.
 *
 * Return: bytes written or a negative errno.
 */
static ssize_t famfs_file_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;
	loff_t size;

	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (!inode_trylock(inode))
			return -EAGAIN;
	} else {
		inode_lock(inode);
	}

	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	ret = famfs_io_allowed(inode);
	if (ret)
		goto out;
	if (famfs_client_readonly(inode)) {
		ret = -EROFS;
		goto out;
	}
	size = i_size_read(inode);
	if (iocb->ki_pos >= size) {
		ret = -EFBIG;
		goto out;
	}
	iov_iter_truncate(from, size - iocb->ki_pos);
	/*
	 * Also under IOCB_NOWAIT: famfs inodes live in memory only, updating
	 * their times (or dropping suid bits) never waits.
	 */
	ret = file_modified(iocb->ki_filp);
	if (ret)
		goto out;
	ret = dax_iomap_rw(iocb, from, &famfs_iomap_ops);
out:
	inode_unlock(inode);
	return ret;
}

/*
 * One fault path for PTE and PMD faults and for write notifications. Maps
 * never change while a file is open. The invalidate lock (shared) orders a
 * write fault against a remount to "client", which revokes writable
 * mappings under it exclusively (famfs_revoke_writable()): a fault either
 * sees the client flag or installs its entry before the revocation zaps it.
 */
static vm_fault_t famfs_dax_fault(struct vm_fault *vmf, unsigned int order)
{
	struct file *file = vmf->vma->vm_file;
	struct inode *inode = file_inode(file);
	bool write = (vmf->flags & FAULT_FLAG_WRITE) &&
		     (vmf->vma->vm_flags & VM_SHARED);
	vm_fault_t ret;

	if (write && famfs_client_readonly(inode))
		return VM_FAULT_SIGBUS;
	if (write) {
		sb_start_pagefault(inode->i_sb);
		file_update_time(file);
	}
	filemap_invalidate_lock_shared(inode->i_mapping);
	if (write && famfs_client_readonly(inode))
		ret = VM_FAULT_SIGBUS;
	else
		ret = dax_iomap_fault(vmf, order, NULL, NULL, &famfs_iomap_ops);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	if (write)
		sb_end_pagefault(inode->i_sb);
	return ret;
}

/**
 * famfs_filemap_fault() - PTE fault on a famfs mapping
 * @vmf: fault description
 *
 * Return: VM_FAULT_* code; VM_FAULT_SIGBUS where the file has no memory.
 */
static vm_fault_t famfs_filemap_fault(struct vm_fault *vmf)
{
	return famfs_dax_fault(vmf, 0);
}

/**
 * famfs_filemap_huge_fault() - PMD/PUD fault on a famfs mapping
 * @vmf:   fault description
 * @order: page order of the fault
 *
 * Return: VM_FAULT_* code; VM_FAULT_FALLBACK makes the mm retry with PTEs.
 */
static vm_fault_t famfs_filemap_huge_fault(struct vm_fault *vmf,
					   unsigned int order)
{
	return famfs_dax_fault(vmf, order);
}

/**
 * famfs_filemap_mkwrite() - first write to a page mapped read-only
 * @vmf: fault description
 *
 * Used for both page_mkwrite and pfn_mkwrite.
 *
 * Return: VM_FAULT_* code.
 */
static vm_fault_t famfs_filemap_mkwrite(struct vm_fault *vmf)
{
	return famfs_dax_fault(vmf, 0);
}

static const struct vm_operations_struct famfs_vm_ops = {
	.fault		= famfs_filemap_fault,
	.huge_fault	= famfs_filemap_huge_fault,
	.page_mkwrite	= famfs_filemap_mkwrite,
	.pfn_mkwrite	= famfs_filemap_mkwrite,
};

/**
 * famfs_file_mmap() - set up a mapping of a famfs file
 * @file: the file
 * @vma:  the new mapping
 *
 * Faults go to fs/dax; VM_HUGEPAGE lets aligned ranges use PMDs.
 *
 * Return: 0, or -EIO if the file has no map or the mount is shut down.
 */
static int famfs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct inode *inode = file_inode(file);

	/* The inode lock would invert with mmap_lock: the map is read locklessly. */
	if (famfs_is_shut_down(famfs_sb(inode->i_sb)) || !famfs_inode_fmap(inode))
		return -EIO;
	if (famfs_client_readonly(inode) && (vma->vm_flags & VM_SHARED)) {
		if (vma->vm_flags & VM_WRITE)
			return -EROFS;
		/* mprotect() must not make it writable later either. */
		vm_flags_clear(vma, VM_MAYWRITE);
	}

	file_accessed(file);
	vma->vm_ops = &famfs_vm_ops;
	vm_flags_set(vma, VM_HUGEPAGE);
	return 0;
}

/**
 * famfs_file_open() - open a famfs regular file
 * @inode: the file's inode
 * @file:  the new open file
 *
 * DAX I/O never goes through a cache, so O_DIRECT is the same I/O path.
 * RWF_NOWAIT (IOCB_NOWAIT) I/O is supported: the only sleeping lock on the
 * path is the inode lock, which is then only tried (-EAGAIN), and the map
 * lookup never blocks. On a client mount a file with a map cannot be
 * opened for writing.
 *
 * Return: 0, -EROFS, or the errno of generic_file_open().
 */
static int famfs_file_open(struct inode *inode, struct file *file)
{
	if ((file->f_mode & FMODE_WRITE) && famfs_client_readonly(inode))
		return -EROFS;
	file->f_mode |= FMODE_CAN_ODIRECT | FMODE_NOWAIT;
	return generic_file_open(inode, file);
}

/**
 * famfs_file_fsync() - make a file range's stores reach the memory
 * @file:     the file
 * @start:    first byte
 * @end:      last byte
 * @datasync: unused: there is no metadata to persist
 *
 * Another host reads the memory, not this host's CPU caches. Stores through
 * a shared mapping leave dirty DAX entries: writing them back
 * (famfs_dax_writepages()) writes the cache lines of every dirty page back.
 * read/write(2) already used non-temporal stores. Both are only ordered and
 * complete after the device fence, famfs_dev_fence(), which ends every fsync
 * and msync(MS_SYNC).
 *
 * Return: 0 or the writeback or flush error.
 */
static int famfs_file_fsync(struct file *file, loff_t start, loff_t end,
			    int datasync)
{
	int rc;

	rc = file_write_and_wait_range(file, start, end);
	if (rc)
		return rc;
	return famfs_dev_fence(famfs_sb(file_inode(file)->i_sb));
}

/**
 * famfs_file_fallocate() - refuse space changes
 * @file:   the file
 * @mode:   FALLOC_FL_* flags
 * @offset: start of the range
 * @len:    length of the range
 *
 * Memory is only given by MAP_CREATE; a file's size and map never change.
 *
 * Return: -EPERM.
 */
static long famfs_file_fallocate(struct file *file, int mode, loff_t offset,
				 loff_t len)
{
	return -EPERM;
}

const struct file_operations famfs_file_operations = {
	.owner			= THIS_MODULE,
	.open			= famfs_file_open,
	.llseek			= generic_file_llseek,
	.read_iter		= famfs_file_read_iter,
	.write_iter		= famfs_file_write_iter,
	.mmap			= famfs_file_mmap,
	.get_unmapped_area	= thp_get_unmapped_area,
	.unlocked_ioctl		= famfs_file_ioctl,
	.compat_ioctl		= compat_ptr_ioctl,
	.fsync			= famfs_file_fsync,
	.fallocate		= famfs_file_fallocate,
	.splice_read		= copy_splice_read,
	.splice_write		= iter_file_splice_write,
	/* I/O goes straight to memory: RWF_NOWAIT writes need no O_DIRECT. */
	.fop_flags		= FOP_BUFFER_RASYNC | FOP_BUFFER_WASYNC,
};

/**
 * famfs_dax_writepages() - flush CPU caches for dirty DAX entries
 * @mapping: the file's mapping
 * @wbc:     writeback control
 *
 * Return: 0 or the error of dax_writeback_mapping_range().
 */
static int famfs_dax_writepages(struct address_space *mapping,
				struct writeback_control *wbc)
{
	struct famfs_fs_info *fsi = famfs_sb(mapping->host->i_sb);

	return dax_writeback_mapping_range(mapping, fsi->dax_dev, wbc);
}

/**
 * famfs_revoke_writable() - take back the writable mappings of a file
 * @inode: a file of a mount that has just become a client
 *
 * The caller has set the client flag, so new write faults fail. Page table
 * entries installed before still allow stores: zap them (private COW
 * copies stay), so the next store faults and gets SIGBUS. Stores made
 * until now are written back to the memory.
 */
void famfs_revoke_writable(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;

	if (!mapping_writably_mapped(mapping))
		return;
	filemap_invalidate_lock(mapping);
	unmap_mapping_range(mapping, 0, 0, 0);
	filemap_invalidate_unlock(mapping);
	if (filemap_write_and_wait(mapping))
		pr_warn("%s: ino %lu: write-back before client remount failed\n",
			inode->i_sb->s_id, inode->i_ino);
}

const struct address_space_operations famfs_dax_aops = {
	.writepages	= famfs_dax_writepages,
	.dirty_folio	= noop_dirty_folio,
};
