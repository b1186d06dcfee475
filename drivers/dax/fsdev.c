// SPDX-License-Identifier: GPL-2.0
/*
 * fsdev_dax: serve a dev_dax to a file system through fs/dax.
 *
 * device_dax gives user space a raw mapping of the memory: compound
 * MEMORY_DEVICE_GENERIC pages and a dax_device without operations. A file
 * system on a character dax device (famfs) needs the other personality:
 * order-0 MEMORY_DEVICE_FS_DAX pages whose mapping/index fs/dax owns,
 * dax_operations on the dax_device, and memory failures routed to the
 * holder. This driver provides that while a device is bound to it ("fsdev
 * mode"). The character device has no open/mmap in this mode: only the
 * file system maps the memory.
 *
 * The driver matches no device type: a device enters fsdev mode through
 * the dax bus's new_id (or bind after new_id), or when a file system
 * borrows it for a mount (dax_fsdev_borrow()). Unbinding while a file
 * system holds the device is allowed: kill_dev_dax() first tells the
 * holder with MF_MEM_PRE_REMOVE, as for any other device removal.
 *
 * Copyright (C) 2026 The famfs authors.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memremap.h>
#include <linux/module.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/pfn_t.h>
#include <linux/set_memory.h>
#include <linux/dax.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/xarray.h>
#include "dax-private.h"
#include "bus.h"

/**
 * struct fsdev_dax - state of a dev_dax while bound to fsdev_dax
 * @dev_dax: the bound device
 * @poison: device page offsets reported failed and not rewritten since
 * @pgoff: device page offset of each range of @pgmap
 * @pgmap: FS_DAX page map of every range of @dev_dax; last because its
 *	ranges[] array is flexible
 *
 * Poison is recorded here, not read back from PageHWPoison: the
 * memory-failure core also marks the head page of a PMD-mapped DAX entry
 * (mf_dax_kill_procs() marks the entry's page), which would fail I/O to a
 * healthy page for as long as the mount lives.
 *
 * @pgmap.ranges and @pgoff are the driver's own copy of the device's
 * ranges, taken at probe. After probe nothing here reads dev_dax->ranges:
 * the dax bus's "mapping" attribute may grow (krealloc) that array at any
 * time, under a lock the I/O and memory-failure paths cannot take.
 */
struct fsdev_dax {
	struct dev_dax *dev_dax;
	struct xarray poison;
	pgoff_t *pgoff;
	struct dev_pagemap pgmap;
};

static struct fsdev_dax *fsdev_of(struct dax_device *dax_dev)
{
	struct dev_dax *dev_dax = dax_get_private(dax_dev);

	return dev_dax ? dev_get_drvdata(&dev_dax->dev) : NULL;
}

/* Leading pages of [pgoff, pgoff + nr) without recorded poison. */
static long fsdev_clean_pages(struct fsdev_dax *fsdev, pgoff_t pgoff, long nr)
{
	unsigned long index = pgoff;

	if (nr <= 0 || !xa_find(&fsdev->poison, &index, pgoff + nr - 1,
				XA_PRESENT))
		return nr;
	return index - pgoff;
}

/**
 * fsdev_direct_access() - translate a device page offset to memory
 * @dax_dev: dax_device of a dev_dax bound to this driver
 * @pgoff: page offset from the start of the device
 * @nr_pages: pages the caller wants
 * @mode: DAX_ACCESS, or DAX_RECOVERY_WRITE to reach poisoned pages
 * @kaddr: if not NULL, receives the kernel address of @pgoff
 * @pfn: if not NULL, receives the pfn of @pgoff (a devmap pfn)
 *
 * Return: pages contiguous from @pgoff within its range (the dax core
 * clamps to @nr_pages), -ERANGE if @pgoff is beyond the device,
 * -EHWPOISON if the first page is poisoned in DAX_ACCESS mode, -ENXIO if
 * the device is going away.
 */
static long fsdev_direct_access(struct dax_device *dax_dev, pgoff_t pgoff,
				long nr_pages, enum dax_access_mode mode,
				void **kaddr, pfn_t *pfn)
{
	struct fsdev_dax *fsdev = fsdev_of(dax_dev);
	int i;

	if (!fsdev)
		return -ENXIO;

	for (i = 0; i < fsdev->pgmap.nr_range; i++) {
		const struct range *r = &fsdev->pgmap.ranges[i];
		unsigned long npages = PHYS_PFN(range_len(r));
		pgoff_t first = fsdev->pgoff[i];
		phys_addr_t phys;
		long avail, clean;

		if (pgoff < first || pgoff - first >= npages)
			continue;

		phys = r->start + PFN_PHYS(pgoff - first);
		avail = npages - (pgoff - first);
		if (mode == DAX_ACCESS) {
			long want = min(avail, nr_pages);

			clean = fsdev_clean_pages(fsdev, pgoff, want);
			if (want && !clean)
				return -EHWPOISON;
			if (clean < want)
				avail = clean;
		}
		if (kaddr)
			*kaddr = phys_to_virt(phys);
		if (pfn)
			*pfn = phys_to_pfn_t(phys, PFN_DEV | PFN_MAP);
		return avail;
	}
	return -ERANGE;
}

/**
 * fsdev_zero_page_range() - zero pages of the device
 * @dax_dev: dax_device of a dev_dax bound to this driver
 * @pgoff: first page
 * @nr_pages: number of pages; they must not cross a range boundary
 *
 * Return: 0, or the negative errno of the translation (-EIO if the pages
 * cross a range boundary).
 */
static int fsdev_zero_page_range(struct dax_device *dax_dev, pgoff_t pgoff,
				 size_t nr_pages)
{
	void *kaddr;
	long avail;

	if (nr_pages > LONG_MAX)
		return -EINVAL;
	avail = fsdev_direct_access(dax_dev, pgoff, nr_pages, DAX_ACCESS,
				    &kaddr, NULL);
	if (avail < 0)
		return avail;
	if (avail < nr_pages)
		return -EIO;
	memset(kaddr, 0, nr_pages << PAGE_SHIFT);
	/* Write the zeroes back to the memory (the write-cache flag is set). */
	dax_flush(dax_dev, kaddr, nr_pages << PAGE_SHIFT);
	/* ...and complete the write-back before the caller goes on. */
	wmb();
	return 0;
}

/**
 * fsdev_recovery_write() - write over possibly poisoned memory
 * @dax_dev: dax_device of a dev_dax bound to this driver
 * @pgoff: device page offset of the page that holds @addr
 * @addr: kernel address from a DAX_RECOVERY_WRITE direct_access
 * @bytes: bytes to copy from @iter
 * @iter: source of the data
 *
 * Memory has no media error list here: the poison records are the ones
 * fsdev_memory_failure() made. Where none of the pages written has one,
 * this is a plain write. Otherwise only whole pages can be recovered: a
 * write that does not start and end on page boundaries writes nothing
 * (the bad data would stay beside the new). For whole pages the kernel
 * 1:1 mapping is made present again (the x86 machine-check handler
 * unmaps a page that raised an error, so that nothing reads it
 * speculatively), the data is written and flushed, and each page fully
 * written loses its poison record and its HWPoison flag.
 *
 * Return: bytes copied; 0 if the write cannot recover the poisoned pages.
 */
static size_t fsdev_recovery_write(struct dax_device *dax_dev, pgoff_t pgoff,
				   void *addr, size_t bytes,
				   struct iov_iter *iter)
{
	struct fsdev_dax *fsdev = fsdev_of(dax_dev);
	size_t off = offset_in_page(addr);
	unsigned long pfn = PHYS_PFN(virt_to_phys(addr));
	unsigned long n, npages = PFN_UP(off + bytes);
	size_t done;
	int rc;

	if (!fsdev || !bytes)
		return 0;
	if (fsdev_clean_pages(fsdev, pgoff, npages) == npages)
		return _copy_from_iter_flushcache(addr, bytes, iter);

	if (off || !PAGE_ALIGNED(bytes)) {
		dev_dbg(&fsdev->dev_dax->dev,
			"poisoned page at offset %#llx: a recovery write must cover whole pages (page offset %#zx, %#zx bytes)\n",
			(u64)PFN_PHYS(pgoff), off, bytes);
		return 0;
	}

	for (n = 0; n < npages; n++) {
		rc = clear_mce_nospec(pfn + n);
		if (rc) {
			dev_dbg(&fsdev->dev_dax->dev,
				"cannot map the page at offset %#llx again: %d\n",
				(u64)PFN_PHYS(pgoff + n), rc);
			return 0;
		}
	}

	done = _copy_from_iter_flushcache(addr, bytes, iter);

	for (n = 0; n < PHYS_PFN(done); n++) {
		xa_erase(&fsdev->poison, pgoff + n);
		ClearPageHWPoison(pfn_to_page(pfn + n));
	}
	return done;
}

static const struct dax_operations fsdev_dax_ops = {
	.direct_access = fsdev_direct_access,
	.zero_page_range = fsdev_zero_page_range,
	.recovery_write = fsdev_recovery_write,
};

/**
 * fsdev_memory_failure() - report poisoned memory to the file system
 * @pgmap: page map of the bound device
 * @pfn: first failed pfn
 * @nr_pages: number of failed pages
 * @mf_flags: memory-failure flags, passed on to the holder
 *
 * Records the pages so later direct_access calls refuse them (and marks
 * them HWPoison), and forwards the failure as a device byte range to the
 * holder (a mounted famfs), which kills the processes mapping it.
 *
 * Return: the holder's result; -EOPNOTSUPP without a holder, so the
 * memory-failure core falls back to its generic handling; -ENXIO for a
 * pfn outside the device; -ENOMEM if the poison could not be recorded
 * (the holder is told all the same).
 */
static int fsdev_memory_failure(struct dev_pagemap *pgmap, unsigned long pfn,
				unsigned long nr_pages, int mf_flags)
{
	struct fsdev_dax *fsdev = container_of(pgmap, struct fsdev_dax, pgmap);
	struct dev_dax *dev_dax = fsdev->dev_dax;
	phys_addr_t phys = PFN_PHYS(pfn);
	int i;

	for (i = 0; i < pgmap->nr_range; i++) {
		const struct range *r = &pgmap->ranges[i];
		unsigned long n;
		u64 offset, len;
		int err = 0, rc;

		if (phys < r->start || phys > r->end)
			continue;

		offset = PFN_PHYS(fsdev->pgoff[i]) + (phys - r->start);
		len = min_t(u64, PFN_PHYS(nr_pages), r->end + 1 - phys);
		for (n = 0; n < PHYS_PFN(len); n++) {
			SetPageHWPoison(pfn_to_page(pfn + n));
			if (!err)
				err = xa_err(xa_store(&fsdev->poison,
						      PHYS_PFN(offset) + n,
						      xa_mk_value(1), GFP_KERNEL));
		}
		if (err)
			dev_err(&dev_dax->dev, "cannot record poison: %d\n", err);

		dev_warn_ratelimited(&dev_dax->dev,
				     "memory failure at offset %#llx, %llu bytes\n",
				     offset, len);
		rc = dax_holder_notify_failure(dev_dax->dax_dev, offset, len,
					       mf_flags);
		return err ? err : rc;
	}
	return -ENXIO;
}

static const struct dev_pagemap_ops fsdev_pagemap_ops = {
	.memory_failure = fsdev_memory_failure,
};

static void fsdev_dax_kill(void *data)
{
	struct dev_dax *dev_dax = data;

	/*
	 * kill_dev_dax() tells a holder still present (device deletion) to
	 * let go (MF_MEM_PRE_REMOVE) and waits out dax_read_lock() users;
	 * only then may the operations go away.
	 */
	kill_dev_dax(dev_dax);
	dax_write_cache(dev_dax->dax_dev, false);
	dax_set_ops(dev_dax->dax_dev, NULL, 0);
}

static void fsdev_dax_poison_free(void *data)
{
	xa_destroy(data);
}

static void fsdev_dax_module_put(void *unused)
{
	module_put(THIS_MODULE);
}

static int fsdev_dax_probe(struct dev_dax *dev_dax)
{
	unsigned long align = memremap_compat_align();
	struct device *dev = &dev_dax->dev;
	struct fsdev_dax *fsdev;
	u64 size = 0;
	void *addr;
	int i, rc;

	if (dev_dax->pgmap && pgmap_altmap(dev_dax->pgmap)) {
		dev_err(dev, "struct pages are stored in the device (map=dev); fsdev mode needs them in host memory (map=mem)\n");
		return -EOPNOTSUPP;
	}

	/* A device bound here cannot be pulled out by unloading the module. */
	__module_get(THIS_MODULE);
	rc = devm_add_action_or_reset(dev, fsdev_dax_module_put, NULL);
	if (rc)
		return rc;

	fsdev = devm_kzalloc(dev, struct_size(fsdev, pgmap.ranges,
					      dev_dax->nr_range - 1),
			     GFP_KERNEL);
	if (!fsdev)
		return -ENOMEM;
	fsdev->pgoff = devm_kcalloc(dev, dev_dax->nr_range,
				    sizeof(*fsdev->pgoff), GFP_KERNEL);
	if (!fsdev->pgoff)
		return -ENOMEM;
	fsdev->dev_dax = dev_dax;
	xa_init(&fsdev->poison);
	rc = devm_add_action_or_reset(dev, fsdev_dax_poison_free,
				      &fsdev->poison);
	if (rc)
		return rc;
	/* The dax operations find their state through the device. */
	dev_set_drvdata(dev, fsdev);

	for (i = 0; i < dev_dax->nr_range; i++) {
		const struct range *range = &dev_dax->ranges[i].range;

		if (!IS_ALIGNED(range->start | range_len(range), align)) {
			dev_err(dev, "range %d %#llx-%#llx is not %#lx aligned\n",
				i, range->start, range->end, align);
			return -EINVAL;
		}
		if (!devm_request_mem_region(dev, range->start,
					     range_len(range), dev_name(dev))) {
			dev_err(dev, "range %d %#llx-%#llx is busy\n",
				i, range->start, range->end);
			return -EBUSY;
		}
		fsdev->pgmap.ranges[i] = *range;
		fsdev->pgoff[i] = dev_dax->ranges[i].pgoff;
		size += range_len(range);
	}
	fsdev->pgmap.nr_range = dev_dax->nr_range;
	fsdev->pgmap.type = MEMORY_DEVICE_FS_DAX;
	fsdev->pgmap.ops = &fsdev_pagemap_ops;
	fsdev->pgmap.vmemmap_shift = 0;

	/*
	 * memremap initialises every struct page afresh (no mapping, index 0,
	 * the FS_DAX idle count of 1), whatever device_dax left behind.
	 */
	addr = devm_memremap_pages(dev, &fsdev->pgmap);
	if (IS_ERR(addr))
		return PTR_ERR(addr);

	rc = dax_set_ops(dev_dax->dax_dev, &fsdev_dax_ops, size);
	if (rc)
		return rc;
	/*
	 * The memory sits behind CPU caches that nothing else writes back:
	 * dax_flush() (fsync/msync of dirty mapped pages, zeroing) must
	 * write the cache lines back, so that other hosts see the data.
	 */
	dax_write_cache(dev_dax->dax_dev, true);
	run_dax(dev_dax->dax_dev);
	rc = devm_add_action_or_reset(dev, fsdev_dax_kill, dev_dax);
	if (rc)
		return rc;

	dev_info(dev, "fsdev mode: %llu bytes for file systems, raw mmap off\n",
		 size);
	return 0;
}

static struct dax_device_driver fsdev_dax_driver = {
	.probe = fsdev_dax_probe,
	.type = DAXDRV_FSDEV_TYPE,
};

static int __init fsdev_dax_init(void)
{
	return dax_driver_register(&fsdev_dax_driver);
}

static void __exit fsdev_dax_exit(void)
{
	dax_driver_unregister(&fsdev_dax_driver);
}

MODULE_AUTHOR("The famfs authors");
MODULE_DESCRIPTION("FSDEV DAX: file systems on character dax devices");
MODULE_LICENSE("GPL");
module_init(fsdev_dax_init);
module_exit(fsdev_dax_exit);
