// SPDX-License-Identifier: GPL-2.0
/*
 * mount(2) of famfs through the new mount API (fsopen, fsconfig, fsmount,
 * move_mount), so that the kernel's reason for refusing a device (the
 * fs_context log: not a dax device, mapped raw, no fsdev_dax, ...) reaches
 * the user instead of only dmesg. Falls back to mount(2) where the API is
 * missing.
 */
#include <errno.h>
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

/* Apply "key[=value],..." from @data as fsconfig parameters. */
static int configure(int fsfd, const char *data)
{
	char opts[512], *tok, *save = NULL;

	if (strlen(data) >= sizeof(opts))
		return -E2BIG;
	strcpy(opts, data);
	for (tok = strtok_r(opts, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int rc;

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

int famfs_kernel_mount(const char *src, const char *root, const char *data)
{
	char why[1024] = "";
	int fsfd, mfd, rc;

	fsfd = fsopen("famfs", FSOPEN_CLOEXEC);
	if (fsfd < 0 && errno == ENOSYS) {
		if (mount(src, root, "famfs", 0, data) < 0)
			return famfs_fail(-errno, "mount %s on %s: %s", src, root,
					  strerror(errno));
		return 0;
	}
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
		rc = configure(fsfd, data);
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
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
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
