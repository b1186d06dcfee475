// SPDX-License-Identifier: GPL-2.0
/*
 * fsdev_test: kernel-side checks of a dax device in fsdev mode.
 *
 * direct_access is reached by file systems only through maps that famfs
 * validates, so its own bounds checks cannot be probed from user space.
 * Loading this module with devt=MAJOR:MINOR of a /dev/daxX.Y bound to
 * fsdev_dax runs the checks against that device, prints TAP-style lines to
 * the kernel log, and fails the load (-EINVAL) if any check fails. Test
 * builds only: it is not part of the kernel tree.
 *
 * Loading it with nospec_pfn=PFN instead does what the x86 machine-check
 * handler does to a page that raised an error after memory_failure()
 * handled it: set_mce_nospec() takes the page out of the kernel's 1:1 map.
 * A recovery write must map it again before it copies (MADV_HWPOISON, the
 * injection a guest can do, runs memory_failure() only).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dax.h>
#include <linux/kdev_t.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/pfn_t.h>

static char *devt = "";
module_param(devt, charp, 0444);
MODULE_PARM_DESC(devt, "MAJOR:MINOR of a dax device in fsdev mode");

static unsigned long nospec_pfn;
module_param(nospec_pfn, ulong, 0444);
MODULE_PARM_DESC(nospec_pfn,
		 "instead of the checks: set_mce_nospec() this pfn, as the x86 machine-check handler does");

static int fsdev_test_n, fsdev_test_failed;

/*
 * set_mce_nospec() is not exported; a test module may find it through a
 * kprobe on its symbol.
 */
static int fsdev_test_nospec(unsigned long pfn)
{
	struct kprobe kp = { .symbol_name = "set_mce_nospec" };
	int (*nospec)(unsigned long pfn);
	int rc;

	rc = register_kprobe(&kp);
	if (rc) {
		pr_err("set_mce_nospec not found: %d\n", rc);
		return rc;
	}
	nospec = (int (*)(unsigned long))(void *)kp.addr;
	unregister_kprobe(&kp);
	rc = nospec(pfn);
	pr_info("pfn %#lx taken out of the kernel 1:1 map (set_mce_nospec: %d)\n",
		pfn, rc);
	return rc;
}

static void fsdev_test_result(bool ok, const char *what, long got)
{
	fsdev_test_n++;
	if (!ok)
		fsdev_test_failed++;
	pr_info("%sok %d - %s (got %ld)\n", ok ? "" : "not ", fsdev_test_n,
		what, got);
}

static void fsdev_test_run(struct dax_device *dax_dev, u64 size)
{
	pgoff_t end = size >> PAGE_SHIFT;
	void *kaddr = NULL;
	pfn_t pfn = {};
	long rc;
	int id;

	id = dax_read_lock();

	rc = dax_direct_access(dax_dev, 0, LONG_MAX, DAX_ACCESS, &kaddr, &pfn);
	fsdev_test_result(rc > 0 && rc <= end && kaddr && pfn_t_devmap(pfn),
			  "pgoff 0: pages > 0, <= device, kaddr and devmap pfn", rc);

	kaddr = NULL;
	rc = dax_direct_access(dax_dev, end - 1, 8, DAX_ACCESS, &kaddr, NULL);
	fsdev_test_result(rc == 1 && kaddr, "last page: exactly 1 page", rc);

	rc = dax_direct_access(dax_dev, end, 1, DAX_ACCESS, &kaddr, &pfn);
	fsdev_test_result(rc == -ERANGE, "first page past the end: -ERANGE", rc);

	rc = dax_direct_access(dax_dev, end + 512, 1, DAX_ACCESS, NULL, NULL);
	fsdev_test_result(rc == -ERANGE, "2 MiB past the end: -ERANGE", rc);

	rc = dax_direct_access(dax_dev, ULONG_MAX, 1, DAX_ACCESS, NULL, NULL);
	fsdev_test_result(rc == -ERANGE, "pgoff ULONG_MAX: -ERANGE", rc);

	rc = dax_direct_access(dax_dev, 0, -1, DAX_ACCESS, NULL, NULL);
	fsdev_test_result(rc == -EINVAL, "negative page count: -EINVAL", rc);

	rc = dax_direct_access(dax_dev, end, 1, DAX_RECOVERY_WRITE, NULL, NULL);
	fsdev_test_result(rc == -ERANGE, "recovery mode past the end: -ERANGE",
			  rc);

	rc = dax_zero_page_range(dax_dev, end, 1);
	fsdev_test_result(rc == -ERANGE, "zero_page_range past the end: -ERANGE",
			  rc);

	dax_read_unlock(id);
}

static int __init fsdev_test_init(void)
{
	struct dax_device *dax_dev;
	unsigned int major, minor;
	u64 size;
	int rc;

	if (nospec_pfn)
		return fsdev_test_nospec(nospec_pfn);
	if (sscanf(devt, "%u:%u", &major, &minor) != 2) {
		pr_err("devt=MAJOR:MINOR required\n");
		return -EINVAL;
	}
	dax_dev = dax_dev_find(MKDEV(major, minor));
	if (!dax_dev) {
		pr_err("%s is not a dax device\n", devt);
		return -ENODEV;
	}
	/* Hold it like a file system would: unbind is refused meanwhile. */
	rc = fs_dax_get(dax_dev, THIS_MODULE, NULL);
	put_dax(dax_dev);
	if (rc) {
		pr_err("%s: fs_dax_get: %d (not in fsdev mode?)\n", devt, rc);
		return rc;
	}

	size = dax_dev_size(dax_dev);
	fsdev_test_result(size >= PAGE_SIZE && !(size & ~PAGE_MASK),
			  "device size is whole pages", size);
	rc = fs_dax_get(dax_dev, &fsdev_test_n, NULL);
	fsdev_test_result(rc == -EBUSY, "second holder: -EBUSY", rc);
	if (!rc)
		fs_put_dax(dax_dev, &fsdev_test_n);
	if (size >= PAGE_SIZE)
		fsdev_test_run(dax_dev, size);

	fs_put_dax(dax_dev, THIS_MODULE);
	pr_info("%d passed, %d failed\n", fsdev_test_n - fsdev_test_failed,
		fsdev_test_failed);
	return fsdev_test_failed ? -EINVAL : 0;
}

static void __exit fsdev_test_exit(void)
{
}

module_init(fsdev_test_init);
module_exit(fsdev_test_exit);
MODULE_DESCRIPTION("checks of dax direct_access on a device in fsdev mode");
MODULE_LICENSE("GPL");
