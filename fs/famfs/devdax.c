// SPDX-License-Identifier: GPL-2.0
/*
 * famfs on character /dev/daxX.Y devices.
 *
 * The device must be bound to the fsdev_dax driver ("fsdev mode"): only then
 * does its dax_device have the operations fs/dax needs and accept a holder.
 * Mode switching is an administrator's act in sysfs (drivers/dax/README.md);
 * famfs never switches a device itself.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/dax.h>
#include <linux/errno.h>
#include <linux/kdev_t.h>
#include <linux/printk.h>

#include "famfs_internal.h"
#include "devdax.h"

/*
 * Built only with CONFIG_DEV_DAX_FSDEV (see Makefile): without it the dax core
 * lacks dax_dev_find()/fs_dax_get() and devdax.h provides refusing versions.
 */

/**
 * famfs_devdax_open() - take a character dax device for a mount
 * @fsi:  the mount being set up; fsi->sb is the holder
 * @devt: device number of the character dax device
 *
 * Return: 0; -ENODEV if @devt is no dax device or it is not in fsdev mode;
 * -EBUSY if another holder (a mount, or an unbind in progress) has it;
 * -EINVAL if the device reports no usable size.
 */
int famfs_devdax_open(struct famfs_fs_info *fsi, dev_t devt)
{
	struct dax_device *dax_dev;
	u64 size;
	int rc;

	dax_dev = dax_dev_find(devt);
	if (!dax_dev) {
		pr_err("%u:%u is not a dax device\n", MAJOR(devt), MINOR(devt));
		return -ENODEV;
	}

	/* fs_dax_get() takes its own reference on success. */
	rc = fs_dax_get(dax_dev, fsi->sb, &famfs_dax_holder_ops);
	put_dax(dax_dev);
	if (rc == -ENODEV) {
		pr_err("dax device %u:%u is not in fsdev mode; switch it (as root) with: d=$(basename $(readlink /sys/dev/char/%u:%u)); echo $d > /sys/bus/dax/drivers/device_dax/unbind; echo $d > /sys/bus/dax/drivers/fsdev_dax/bind\n",
		       MAJOR(devt), MINOR(devt), MAJOR(devt), MINOR(devt));
		return rc;
	}
	if (rc == -EBUSY) {
		pr_err("dax device %u:%u is held by another user\n",
		       MAJOR(devt), MINOR(devt));
		return rc;
	}
	if (rc)
		return rc;

	size = dax_dev_size(dax_dev);
	if (size < FAMFS_ALIGN) {
		pr_err("dax device %u:%u has no usable size (%llu bytes)\n",
		       MAJOR(devt), MINOR(devt), size);
		fs_put_dax(dax_dev, fsi->sb);
		return -EINVAL;
	}

	fsi->dax_dev = dax_dev;
	fsi->dax_start_off = 0;
	fsi->dev_size = size;
	return 0;
}

/**
 * famfs_devdax_close() - release what famfs_devdax_open() took
 * @fsi: the mount being torn down
 */
void famfs_devdax_close(struct famfs_fs_info *fsi)
{
	fs_put_dax(fsi->dax_dev, fsi->sb);
	fsi->dax_dev = NULL;
}
