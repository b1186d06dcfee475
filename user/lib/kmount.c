// SPDX-License-Identifier: GPL-2.0
/*
 * mount(2) of famfs through the new mount API (fsopen, fsconfig, fsmount,
 * move_mount), so that the kernel's reason for refusing a device (the
 * fs_context log: not a dax device, mapped raw, no fsdev_dax, ...) reaches
 * the user instead of only dmesg. Options are split as mount(8) does:
 * VFS attributes (nosuid, noatime, ...) become mount attributes, fstab-only
 * ones (nofail, _netdev, x-*) are dropped, the rest goes to the kernel.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "famfs_priv.h"

/* Collect the context's messages ("e famfs: ...") into @buf, "; "-joined. */
static void context_messages(int fsfd, char *buf, size_t len)
{
	char msg[1024];
	size_t used = 0;
	ssize_t n;

	buf[0] = '\0';
	while ((n = read(fsfd, msg, sizeof(msg) - 1)) > 0) {
		const char *text = msg;

		msg[n] = '\0';
		if (n > 2 && msg[1] == ' ')
			text += 2;	/* drop the "e " / "w " / "i " tag */
		if (used + 3 + strlen(text) >= len)
			break;
		used += snprintf(buf + used, len - used, "%s%s",
				 used ? "; " : "", text);
	}
}

/* Mount-point attributes (fsmount/mount_setattr) named in an option string. */
static const struct {
	const char *name;
	uint64_t set, clr;
} vfs_attrs[] = {
	{ "nosuid", MOUNT_ATTR_NOSUID, 0 },
	{ "suid", 0, MOUNT_ATTR_NOSUID },
	{ "nodev", MOUNT_ATTR_NODEV, 0 },
	{ "dev", 0, MOUNT_ATTR_NODEV },
	{ "noexec", MOUNT_ATTR_NOEXEC, 0 },
	{ "exec", 0, MOUNT_ATTR_NOEXEC },
	{ "noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
	{ "relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
	{ "strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
	{ "nodiratime", MOUNT_ATTR_NODIRATIME, 0 },
	{ "diratime", 0, MOUNT_ATTR_NODIRATIME },
};

/* Options for mount(8) and fstab only: never sent to the kernel. */
static bool userspace_only(const char *opt)
{
	static const char *const names[] = {
		"defaults", "auto", "noauto", "nofail", "_netdev", "user",
		"nouser", "users", "owner", "group", "loop",
	};
	size_t i;

	if (!strncmp(opt, "x-", 2) || !strncmp(opt, "comment=", 8))
		return true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(opt, names[i]))
			return true;
	return false;
}

/*
 * Split an option string as mount(8) would: VFS attributes into @set and
 * @clr, user-space options dropped, the rest (famfs's own, and the
 * superblock flags ro/rw/sync/... that the VFS parses) sent by fsconfig when
 * @fsfd >= 0.
 */
static int split_options(int fsfd, const char *data, uint64_t *set,
			 uint64_t *clr)
{
	char opts[512], *tok, *save = NULL;

	if (strlen(data) >= sizeof(opts))
		return -E2BIG;
	strcpy(opts, data);
	for (tok = strtok_r(opts, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq;
		size_t i;
		int rc;

		for (i = 0; i < sizeof(vfs_attrs) / sizeof(vfs_attrs[0]); i++)
			if (!strcmp(tok, vfs_attrs[i].name))
				break;
		if (i < sizeof(vfs_attrs) / sizeof(vfs_attrs[0])) {
			*clr |= vfs_attrs[i].clr;
			*set = (*set & ~vfs_attrs[i].clr) | vfs_attrs[i].set;
			continue;
		}
		if (userspace_only(tok) || fsfd < 0)
			continue;
		eq = strchr(tok, '=');
		if (eq) {
			*eq = '\0';
			rc = fsconfig(fsfd, FSCONFIG_SET_STRING, tok, eq + 1, 0);
		} else {
			rc = fsconfig(fsfd, FSCONFIG_SET_FLAG, tok, NULL, 0);
		}
		if (rc < 0)
			return -errno;
	}
	return 0;
}

/*
 * Media-borne setuid files and device nodes must gain nothing on a host:
 * every mount is nosuid, a client's nodev too, unless the options say
 * "suid" or "dev" explicitly.
 */
static uint64_t safe_defaults(uint64_t set, uint64_t clr, bool client)
{
	if (!(clr & MOUNT_ATTR_NOSUID))
		set |= MOUNT_ATTR_NOSUID;
	if (client && !(clr & MOUNT_ATTR_NODEV))
		set |= MOUNT_ATTR_NODEV;
	return set;
}

int famfs_mount_make_client(const char *root, const char *data)
{
	struct mount_attr attr = { 0 };
	uint64_t set = 0, clr = 0;

	if (mount(NULL, root, NULL, MS_REMOUNT, "client") < 0)
		return famfs_fail(-errno, "remount %s as client: %s", root,
				  strerror(errno));
	if (data && split_options(-1, data, &set, &clr))
		return famfs_fail(-EINVAL, "mount options too long");
	attr.attr_set = safe_defaults(set, clr, true) & ~set & MOUNT_ATTR_NODEV;
	if (attr.attr_set && mount_setattr(AT_FDCWD, root, 0, &attr, sizeof(attr)) < 0)
		return famfs_fail(-errno, "make %s nodev: %s", root, strerror(errno));
	return 0;
}

int famfs_mount_set_rdonly(const char *root)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	if (mount_setattr(AT_FDCWD, root, 0, &attr, sizeof(attr)) < 0)
		return famfs_fail(-errno, "make %s read-only: %s", root,
				  strerror(errno));
	return 0;
}

int famfs_kernel_mount(const char *src, const char *root, const char *data,
		       bool client)
{
	uint64_t set = 0, clr = 0;
	char why[1024] = "";
	int fsfd, mfd, rc;

	fsfd = fsopen("famfs", FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		rc = -errno;
		if (rc == -ENODEV)
			return famfs_fail(rc, "mount %s on %s: the famfs kernel module is not loaded (modprobe famfs)",
					  src, root);
		return famfs_fail(rc, "mount %s on %s: %s", src, root,
				  strerror(-rc));
	}
	rc = fsconfig(fsfd, FSCONFIG_SET_STRING, "source", src, 0) < 0 ? -errno : 0;
	if (!rc)
		rc = split_options(fsfd, data, &set, &clr);
	if (!rc && fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		rc = -errno;
	if (rc) {
		context_messages(fsfd, why, sizeof(why));
		close(fsfd);
		if (why[0])
			return famfs_fail(rc, "mount %s on %s: %s (%s)", src, root,
					  why, strerror(-rc));
		return famfs_fail(rc, "mount %s on %s: %s", src, root,
				  strerror(-rc));
	}
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, safe_defaults(set, clr, client));
	rc = mfd < 0 ? -errno : 0;
	close(fsfd);
	if (!rc && move_mount(mfd, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		rc = -errno;
	if (mfd >= 0)
		close(mfd);
	if (rc)
		return famfs_fail(rc, "mount %s on %s: %s", src, root,
				  strerror(-rc));
	return 0;
}
