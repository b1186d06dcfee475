// SPDX-License-Identifier: GPL-2.0
/*
 * famfs on character /dev/daxX.Y devices.
 *
 * A character dax device serves a file system only while it is bound to the
 * fsdev_dax driver ("fsdev mode"). An administrator can switch it there
 * (`famfs mount --set-fsdev-mode`, or new_id in sysfs). Tools written for
 * kernels where device_dax itself served fs-dax mount a device that is still
 * bound to device_dax; for them famfs borrows the device in fsdev mode for
 * the life of the mount and gives it back to device_dax at unmount (module
 * parameter borrow_devdax, on by default).
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/dax.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/fs_context.h>
#include <linux/kdev_t.h>
#include <linux/moduleparam.h>

#include "famfs_internal.h"
#include "devdax.h"

/*
 * Built only with CONFIG_DEV_DAX_FSDEV (see Makefile): without it the dax core
 * lacks dax_dev_find()/fs_dax_get() and devdax.h provides refusing versions.
 */

static bool borrow_devdax = true;
module_param(borrow_devdax, bool, 0644);
MODULE_PARM_DESC(borrow_devdax,
		 "mount a device bound to device_dax by lending it to fsdev_dax until unmount (default Y)");

/* Hold @devt as fsi->sb's dax device if it is in fsdev mode. */
static int famfs_devdax_hold(struct famfs_fs_info *fsi, dev_t devt)
{
	struct dax_device *dax_dev;
	int rc;

	dax_dev = dax_dev_find(devt);
	if (!dax_dev)
		return -ENXIO;
	/* fs_dax_get() takes its own reference on success. */
	rc = fs_dax_get(dax_dev, fsi->sb, &famfs_dax_holder_ops);
	put_dax(dax_dev);
	if (!rc)
		fsi->dax_dev = dax_dev;
	return rc;
}

static int famfs_devdax_borrow(struct famfs_fs_info *fsi,
			       struct fs_context *fc, dev_t devt)
{
	const char *name = fsi->sb->s_id;
	struct device *loan;

	if (!borrow_devdax) {
		errorfc(fc,
			"%s: not in fsdev mode (famfs.borrow_devdax=0): switch it with famfs mount --set-fsdev-mode",
			name);
		return -ENODEV;
	}
	loan = dax_fsdev_borrow(devt);
	if (IS_ERR(loan)) {
		switch (PTR_ERR(loan)) {
		case -EBUSY:
			errorfc(fc,
				"%s: bound to device_dax and mapped by a process: close it, or switch the device with famfs mount --set-fsdev-mode",
				name);
			break;
		case -EOPNOTSUPP:
			errorfc(fc,
				"%s: this kernel has no fsdev_dax driver (CONFIG_DEV_DAX_FSDEV)",
				name);
			break;
		default:
			errorfc(fc,
				"%s: bound to neither device_dax nor fsdev_dax (kmem?); cannot mount it",
				name);
			break;
		}
		return PTR_ERR(loan);
	}
	fsi->dax_loan = loan;
	return 0;
}

/**
 * famfs_devdax_open() - take a character dax device for a mount
 * @fsi: the mount being set up; fsi->sb is the holder, fsi->devt the device
 * @fc:  the mount context, for messages
 *
 * Return: 0; -ENODEV if fsi->devt is no usable dax device; -EBUSY if another
 * holder has it or it is mapped raw; -EOPNOTSUPP without fsdev_dax; -EINVAL
 * if the device reports no usable size.
 */
int famfs_devdax_open(struct famfs_fs_info *fsi, struct fs_context *fc)
{
	const char *name = fsi->sb->s_id;
	u64 size;
	int rc;

	rc = famfs_devdax_hold(fsi, fsi->devt);
	if (rc == -ENODEV) {
		rc = famfs_devdax_borrow(fsi, fc, fsi->devt);
		if (rc)
			return rc;
		rc = famfs_devdax_hold(fsi, fsi->devt);
	}
	switch (rc) {
	case 0:
		break;
	case -ENXIO:
		errorfc(fc, "%s: not a dax device", name);
		return -ENODEV;
	case -EBUSY:
		errorfc(fc, "%s: held by another user", name);
		return rc;
	default:
		errorfc(fc, "%s: cannot hold the dax device (%d)", name, rc);
		return rc;
	}

	size = dax_dev_size(fsi->dax_dev);
	if (size < FAMFS_ALIGN) {
		errorfc(fc, "%s: no usable size (%llu bytes)", name, size);
		return -EINVAL;
	}
	fsi->dax_start_off = 0;
	fsi->dev_size = size;
	return 0;
}

/**
 * famfs_devdax_close() - release what famfs_devdax_open() took
 * @fsi: the mount being torn down, possibly partly set up
 *
 * A borrowed device goes back to device_dax only after the holder let go.
 */
void famfs_devdax_close(struct famfs_fs_info *fsi)
{
	if (fsi->dax_dev)
		fs_put_dax(fsi->dax_dev, fsi->sb);
	fsi->dax_dev = NULL;
	if (fsi->dax_loan)
		dax_fsdev_return(fsi->dax_loan);
	fsi->dax_loan = NULL;
}
