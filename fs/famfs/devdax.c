// SPDX-License-Identifier: GPL-2.0
/*
 * famfs on character /dev/daxX.Y devices.
 *
 * Placeholder: a stock 6.12 kernel gives file systems no way to hold a
 * character dax device, so this needs the fsdev dax driver (drivers/dax).
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/errno.h>
#include <linux/printk.h>

#include "famfs_internal.h"
#include "devdax.h"

/**
 * famfs_devdax_open() - take a character dax device for a mount
 * @fsi:  the mount being set up
 * @devt: device number of the character dax device
 *
 * Return: -EOPNOTSUPP until the fsdev dax driver is available.
 */
int famfs_devdax_open(struct famfs_fs_info *fsi, dev_t devt)
{
	pr_err("character dax devices need the fsdev dax driver\n");
	return -EOPNOTSUPP;
}

/**
 * famfs_devdax_close() - release what famfs_devdax_open() took
 * @fsi: the mount being torn down
 */
void famfs_devdax_close(struct famfs_fs_info *fsi)
{
}
