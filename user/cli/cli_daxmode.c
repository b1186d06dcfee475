// SPDX-License-Identifier: GPL-2.0
/*
 * Switching a character dax device between device_dax (raw mmap) and
 * fsdev_dax (the file-system personality famfs mounts) through sysfs, and
 * explaining why raw access fails in fsdev mode. See drivers/dax/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "libfamfs.h"

/* FAMFS_SYSFS_ROOT points the tests at a fake sysfs tree; default /sys. */
static const char *sysfs_root(void)
{
	const char *r = getenv("FAMFS_SYSFS_ROOT");

	return r && *r ? r : "/sys";
}

/* Last path component of the symlink @link into @out; -errno on failure. */
static int link_base(const char *link, char *out, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(out, base);
	return 0;
}

int cli_dax_name(const char *dev, char *name, size_t len)
{
	char p[PATH_MAX], subsys[64];
	struct stat st;

	if (stat(dev, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	snprintf(p, sizeof(p), "%s/dev/char/%u:%u/subsystem", sysfs_root(),
		 major(st.st_rdev), minor(st.st_rdev));
	if (link_base(p, subsys, sizeof(subsys)) || strcmp(subsys, "dax"))
		return -ENOTTY;
	snprintf(p, sizeof(p), "%s/dev/char/%u:%u", sysfs_root(),
		 major(st.st_rdev), minor(st.st_rdev));
	return link_base(p, name, len);
}

int cli_dax_driver(const char *name, char *drv, size_t len)
{
	char p[PATH_MAX];
	int rc;

	snprintf(p, sizeof(p), "%s/bus/dax/devices/%s/driver", sysfs_root(),
		 name);
	rc = link_base(p, drv, len);
	if (rc == -ENOENT && len) {
		drv[0] = '\0';	/* bound to no driver */
		return 0;
	}
	return rc;
}

static int sysfs_write(const char *drv, const char *file, const char *name)
{
	char p[PATH_MAX];
	size_t n = strlen(name);
	int fd, rc = 0;

	snprintf(p, sizeof(p), "%s/bus/dax/drivers/%s/%s", sysfs_root(), drv,
		 file);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		cli_err("cannot open %s: %s", p, strerror(errno));
		return rc;
	}
	if (write(fd, name, n) != (ssize_t)n) {
		rc = -errno;
		cli_err("echo %s > %s: %s", name, p, strerror(errno));
	}
	close(fd);
	return rc;
}

/* modprobe @mod unless its driver directory already exists. */
static int load_driver(const char *mod)
{
	char p[PATH_MAX];
	struct stat st;
	pid_t pid;
	int status;

	snprintf(p, sizeof(p), "%s/bus/dax/drivers/%s", sysfs_root(), mod);
	if (!stat(p, &st))
		return 0;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("modprobe", "modprobe", mod, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || stat(p, &st)) {
		cli_err("modprobe %s failed: %s is missing (is CONFIG_DEV_DAX_FSDEV set?)",
			mod, p);
		return -ENODEV;
	}
	return 0;
}

/* Is @name bound to driver @want? 0 yes, -EIO no (message), or -errno. */
static int bound_to(const char *name, const char *want, bool quiet)
{
	char drv[64];
	int rc;

	rc = cli_dax_driver(name, drv, sizeof(drv));
	if (!rc && strcmp(drv, want))
		rc = -EIO;
	if (rc && !quiet)
		cli_err("%s: bound to '%s' after binding to %s", name,
			rc == -EIO ? drv : "?", want);
	return rc;
}

/*
 * Move @name from driver @from to driver @to and check it arrived, with the
 * dax bus's own mechanisms as daxctl uses them: fsdev_dax matches no device
 * type, so it takes a device only by id (new_id, which also binds an unbound
 * device); leaving fsdev mode removes the id again, so that no later probe
 * puts the device back in fsdev mode.
 */
static int rebind(const char *name, const char *from, const char *to)
{
	bool to_fsdev = !strcmp(to, "fsdev_dax");
	int rc;

	rc = load_driver(to);
	if (rc)
		return rc;
	if (!strcmp(from, "fsdev_dax")) {
		rc = sysfs_write(from, "remove_id", name);
		if (rc)
			return rc;
	}
	rc = sysfs_write(from, "unbind", name);
	if (rc)
		return rc;
	if (to_fsdev) {
		rc = sysfs_write(to, "new_id", name);
		if (!rc && bound_to(name, to, true))
			rc = sysfs_write(to, "bind", name);
	} else {
		rc = sysfs_write(to, "bind", name);
	}
	if (!rc)
		rc = bound_to(name, to, false);
	if (rc) {
		char drv[64];

		/* Do not leave the device without a driver. */
		if (to_fsdev)
			sysfs_write(to, "remove_id", name);
		if (!cli_dax_driver(name, drv, sizeof(drv)) && !drv[0])
			sysfs_write(from, "bind", name);
		return rc;
	}
	return 0;
}

int cli_dax_to_fsdev(const char *name)
{
	return rebind(name, "device_dax", "fsdev_dax");
}

int cli_dax_to_devdax(const char *name)
{
	return rebind(name, "fsdev_dax", "device_dax");
}

void cli_dax_raw_hint(const char *dev, int err)
{
	char name[64], drv[64];

	if (err != -ENXIO || cli_dax_name(dev, name, sizeof(name)) ||
	    cli_dax_driver(name, drv, sizeof(drv)) || strcmp(drv, "fsdev_dax"))
		return;
	fprintf(stderr,
		"%s is in fsdev mode (bound to fsdev_dax): raw access is refused; "
		"unmount it, then: echo %s > /sys/bus/dax/drivers/fsdev_dax/remove_id; "
		"echo %s > /sys/bus/dax/drivers/fsdev_dax/unbind; "
		"echo %s > /sys/bus/dax/drivers/device_dax/bind\n",
		dev, name, name, name);
}

int cli_dax_prepare_raw(const char *opt, const char *dev)
{
	char name[64], drv[64], where[4096];
	int rc;

	rc = cli_dax_name(dev, name, sizeof(name));
	if (rc == -ENOTTY) {
		cli_err("%s: %s is not a character dax device (/dev/daxX.Y): "
			"there is no mode to set", opt, dev);
		return CLI_EXIT_USAGE;
	}
	if (!rc)
		rc = cli_dax_driver(name, drv, sizeof(drv));
	if (rc) {
		cli_err("%s: cannot read the dax bus state of %s in sysfs: %s",
			opt, dev, strerror(-rc));
		return CLI_EXIT_FAIL;
	}
	if (!strcmp(drv, "device_dax"))
		return CLI_EXIT_OK;	/* raw access works already */
	if (strcmp(drv, "fsdev_dax")) {
		cli_err("%s: %s (%s) is bound to '%s', not fsdev_dax or "
			"device_dax: not switching it", opt, dev, name, drv);
		return CLI_EXIT_FAIL;
	}
	if (famfs_path_mountpoint(dev, where, sizeof(where)) == 1) {
		/* fsck goes through the mount; mkfs refuses it by itself. */
		printf("%s (%s) is mounted on %s: left in fsdev mode\n", dev,
		       name, where);
		return CLI_EXIT_OK;
	}
	if (cli_dax_to_devdax(name))
		return CLI_EXIT_FAIL;
	printf("%s (%s): switched to device_dax for raw access\n", dev, name);
	return CLI_EXIT_OK;
}
