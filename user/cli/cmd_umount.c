// SPDX-License-Identifier: GPL-2.0
/*
 * famfs umount PATH: unmount(2), then mark this host's slot in the host
 * table LEFT (user/FORMAT-delete.md 2.2), so memory deleted later is not
 * held for it. The slot is written only after the unmount succeeded, when
 * nothing on this host can map the memory any more, through the device
 * itself. A plain umount(8) leaves the slot MOUNTED: the host's next mount
 * or an eviction settles it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <mntent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs umount [-v] PATH\n"
		"\n"
		"Unmount the famfs mounted on PATH, then mark this host as left in\n"
		"the host table (delete feature): a host that left holds no deleted\n"
		"memory, so it no longer delays its reuse. umount(8) unmounts too,\n"
		"but leaves this host registered as mounted until it mounts again or\n"
		"is evicted. On a dax device in fsdev mode the device cannot be\n"
		"opened once unmounted: the host then stays registered (a warning).\n"
		"\n"
		"  -v, --verbose   say what was done\n"
		"  -h, --help      this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

/* The famfs mount on @mpt (a realpath) and its device, from /proc/self/mounts. */
static int mount_source(const char *mpt, char *dev, size_t len)
{
	struct mntent *m;
	int found = 0;
	FILE *f = setmntent("/proc/self/mounts", "r");

	if (!f)
		return -errno;
	while ((m = getmntent(f)))
		if (!strcmp(m->mnt_dir, mpt) && !strcmp(m->mnt_type, "famfs")) {
			snprintf(dev, len, "%s", m->mnt_fsname);
			found = 1;	/* the last one is the top mount */
		}
	endmntent(f);
	return found ? 0 : -ENOENT;
}

int cmd_umount(int argc, char **argv)
{
	char mpt[PATH_MAX], dev[PATH_MAX], safe[CLI_SAFE_LEN], sdev[CLI_SAFE_LEN];
	struct famfs_host_rec rec;
	bool verbose = false, have_rec;
	uuid_t fs_uuid, me;
	int rc;

	rc = cli_opts_verbose(argc, argv, usage, true, &verbose);
	if (rc >= 0)
		return rc;
	if (optind != argc - 1) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	cli_safe(argv[optind], safe, sizeof(safe));
	if (!realpath(argv[optind], mpt)) {
		cli_err("%s: %s", safe, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	cli_safe(mpt, safe, sizeof(safe));
	if (mount_source(mpt, dev, sizeof(dev))) {
		cli_err("%s is not a famfs mount point", safe);
		return CLI_EXIT_FAIL;
	}
	cli_safe(dev, sdev, sizeof(sdev));
	/* Which record is this mount's: read before the mount goes. */
	have_rec = famfs_host_mounted_rec(mpt, &rec, fs_uuid) == 0 &&
		   rec.state == FAMFS_HOST_MOUNTED &&
		   famfs_system_uuid_ex(me, false, NULL, NULL, 0) == 0;
	if (umount2(mpt, 0)) {
		rc = -errno;
		cli_err("cannot unmount %s: %s%s", safe, strerror(-rc),
			rc == -EBUSY ? " (files are open or mapped there; this host stays registered)" : "");
		return rc == -EPERM ? CLI_EXIT_REFUSED : CLI_EXIT_FAIL;
	}
	if (verbose)
		printf("unmounted %s (%s)\n", safe, sdev);
	if (!have_rec)
		return CLI_EXIT_OK;	/* not registered: nothing to mark */
	rc = famfs_host_leave_device(dev, fs_uuid, me, rec.mount_gen);
	if (rc < 0) {
		cli_warn("unmounted, but this host stays registered as mounted in the host table: %s; it holds deleted memory until it mounts again or is evicted",
			 cli_safe(famfs_errmsg(), safe, sizeof(safe)));
		return CLI_EXIT_OK;
	}
	if (verbose && rc == 0)
		printf("this host left the host table of %s (generation %llu)\n",
		       sdev, (unsigned long long)rec.mount_gen);
	else if (verbose)
		printf("host table of %s unchanged: %s\n", sdev,
		       cli_safe(famfs_errmsg(), safe, sizeof(safe)));
	return CLI_EXIT_OK;
}
