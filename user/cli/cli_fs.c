// SPDX-License-Identifier: GPL-2.0
/* Opening the file system a command works on: a mount or a --device. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "libfamfs.h"

/* The nearest existing ancestor of @path (the path may not exist yet). */
static void existing_ancestor(const char *path, char *out, size_t len)
{
	struct stat st;
	char *slash;

	snprintf(out, len, "%s", path);
	for (;;) {
		if (stat(out, &st) == 0)
			return;
		slash = strrchr(out, '/');
		if (!slash) {
			snprintf(out, len, ".");
			return;
		}
		if (slash == out) {
			snprintf(out, len, "/");
			return;
		}
		*slash = '\0';
	}
}

static void refuse_client(const struct famfs_fs *fs)
{
	char me[37] = "?", master[37];
	uuid_t u;

	if (famfs_system_uuid(u) == 0)
		uuid_unparse(u, me);
	uuid_unparse(famfs_fs_sb(fs)->system_uuid, master);
	cli_err("this host (system uuid %s) is a client: only the master "
		"(system uuid %s) can modify this file system", me, master);
}

int cli_fs_open(const char *device, const char *path, bool write,
		struct famfs_fs **out)
{
	char where[PATH_MAX];
	int rc;

	*out = NULL;
	if (device) {
		/*
		 * Check before opening: a mounted fsdev device cannot even be
		 * mapped, and a mounted pmem device read through its block
		 * device would show stale bytes. The mount is the way in.
		 */
		if (famfs_path_mountpoint(device, where, sizeof(where)) == 1) {
			cli_err("%s is mounted on %s: work through the mount, "
				"not --device", device, where);
			return CLI_EXIT_REFUSED;
		}
		rc = famfs_fs_open_device(device, write, out);
		if (rc) {
			cli_liberr(rc, "cannot open %s", device);
			cli_dax_raw_hint(device, rc);
			return cli_exit_for(rc);
		}
	} else {
		existing_ancestor(path ? path : ".", where, sizeof(where));
		rc = famfs_fs_open(where, write, out);
		if (rc) {
			cli_liberr(rc, "%s is not in a usable famfs mount",
				   path ? path : ".");
			if (rc == -EROFS || rc == -EBUSY)
				return CLI_EXIT_REFUSED;
			return CLI_EXIT_FAIL;
		}
	}
	if (write && !famfs_fs_is_master(*out)) {
		refuse_client(*out);
		famfs_fs_close(*out);
		*out = NULL;
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

/*
 * The last existing ancestor resolved, and its path in the mount: many
 * files of one command (creat -M, cp) share a directory, and resolving it
 * costs a readlink(2) per component.
 */
static struct {
	const struct famfs_fs *fs;
	char mpt[PATH_MAX];	/* with @fs: a handle reopened at one address */
	char prefix[PATH_MAX];
	char rel[PATH_MAX];
} last_dir;

static int resolve_dir(struct famfs_fs *fs, const char *prefix, char *rel,
		       size_t len)
{
	const char *mpt = famfs_fs_mountpoint(fs);
	int rc;

	if (last_dir.fs == fs && mpt && !strcmp(last_dir.mpt, mpt) &&
	    !strcmp(last_dir.prefix, prefix) && strlen(last_dir.rel) < len) {
		strcpy(rel, last_dir.rel);
		return 0;
	}
	rc = famfs_fs_relpath(fs, prefix, rel, len);
	if (!rc && mpt && strlen(mpt) < sizeof(last_dir.mpt) &&
	    strlen(prefix) < sizeof(last_dir.prefix) &&
	    strlen(rel) < sizeof(last_dir.rel)) {
		last_dir.fs = fs;
		strcpy(last_dir.mpt, mpt);
		strcpy(last_dir.prefix, prefix);
		strcpy(last_dir.rel, rel);
	}
	return rc;
}

/*
 * Online, a new path may have several missing components (mkdir -p): find
 * its deepest existing ancestor, which the library can resolve, and append
 * the rest, skipping empty components ("a//b" is "a/b").
 */
static int relpath_missing_tail(struct famfs_fs *fs, const char *path,
				char *rel, size_t len)
{
	char prefix[PATH_MAX], rest[PATH_MAX] = "", tmp[PATH_MAX];
	char full[PATH_MAX], *slash, *comp, *save;
	struct stat st;
	size_t n;
	int rc;

	/* The caller bounded @path, so every piece below fits PATH_MAX. */
	strcpy(prefix, path);
	while (stat(prefix, &st)) {
		slash = strrchr(prefix, '/');
		comp = slash ? slash + 1 : prefix;
		n = strlen(comp);
		if (n + 1 + strlen(rest) >= sizeof(tmp))
			return famfs_relpath_check(path);	/* too long */
		memcpy(tmp, comp, n);
		if (rest[0])
			tmp[n++] = '/';
		strcpy(tmp + n, rest);
		strcpy(rest, tmp);
		if (!slash) {
			strcpy(prefix, ".");
			break;
		}
		if (slash == prefix) {
			strcpy(prefix, "/");
			break;
		}
		*slash = '\0';
	}
	/* A path that exists is resolved whole (it may be a symlink). */
	rc = rest[0] ? resolve_dir(fs, prefix, full, sizeof(full)) :
		       famfs_fs_relpath(fs, prefix, full, sizeof(full));
	if (rc)
		return rc;
	for (comp = strtok_r(rest, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		n = strlen(full);
		if (n + 1 + strlen(comp) >= sizeof(full))
			break;	/* far too long: the check below says so */
		snprintf(full + n, sizeof(full) - n, "%s%s", n ? "/" : "",
			 comp);
	}
	/* Refuses more than 79 bytes with ENAMETOOLONG and a message. */
	rc = full[0] ? famfs_relpath_check(full) : 0;
	if (rc)
		return rc;
	if (strlen(full) >= len)
		return -ENAMETOOLONG;
	strcpy(rel, full);
	return 0;
}

int cli_fs_relpath(struct famfs_fs *fs, const char *path, char *rel,
		   size_t len)
{
	char clean[PATH_MAX];
	size_t n;
	int rc;

	/* "dir/" means "dir", as for mkdir(1) and cp(1). */
	if (strlen(path) >= sizeof(clean)) {
		cli_err("path too long: %s", path);
		return CLI_EXIT_FAIL;
	}
	strcpy(clean, path);
	n = strlen(clean);
	while (n > 1 && clean[n - 1] == '/')
		clean[--n] = '\0';
	if (famfs_fs_mountpoint(fs))
		rc = relpath_missing_tail(fs, clean, rel, len);
	else
		rc = famfs_fs_relpath(fs, clean, rel, len);
	if (rc) {
		cli_liberr(rc, "%s", path);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int cli_fs_kind(struct famfs_fs *fs, const char *rel)
{
	const char *mpt = famfs_fs_mountpoint(fs);
	struct famfs_log_entry e;
	char full[PATH_MAX];
	struct stat st;

	if (!rel[0])
		return FAMFS_LOOKUP_DIR;
	if (mpt) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", mpt, rel) >=
		    sizeof(full))
			return FAMFS_LOOKUP_ABSENT;
		if (lstat(full, &st))
			return FAMFS_LOOKUP_ABSENT;
		return S_ISDIR(st.st_mode) ? FAMFS_LOOKUP_DIR
					   : FAMFS_LOOKUP_FILE;
	}
	if (famfs_fs_lookup(fs, rel, &e))
		return FAMFS_LOOKUP_ABSENT;
	return e.type == FAMFS_LOG_MKDIR ? FAMFS_LOOKUP_DIR
					 : FAMFS_LOOKUP_FILE;
}

int cli_relpath_join(char *out, size_t len, const char *dir,
		     const char *name)
{
	int n;

	if (!dir[0])
		n = snprintf(out, len, "%s", name);
	else
		n = snprintf(out, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

const char *cli_host_role(const void *sb)
{
	uuid_t me;

	if (famfs_system_uuid_ex(me, false, NULL, NULL, 0))
		return "client";
	return famfs_sb_is_master(sb, me) ? "master" : "client";
}

int cli_host_update(const char *mpt, uint64_t replayed, uint64_t appended_from)
{
	struct famfs_host_status hs;
	char safe[CLI_SAFE_LEN];
	int rc;

	rc = famfs_host_update(mpt, FAMFS_HOST_UPDATE, replayed, appended_from, &hs);
	if (rc == -ESHUTDOWN) {
		cli_err("%s", cli_safe(famfs_errmsg(), safe, sizeof(safe)));
		rc = famfs_shutdown_mount(mpt);
		if (rc)
			cli_liberr(rc, "cannot shut the mount down");
		else
			cli_err("%s is shut down: I/O on it fails with EIO; unmount it, and mount again to rejoin",
				cli_safe(mpt, safe, sizeof(safe)));
		return CLI_EXIT_FAIL;
	}
	if (rc && hs.enabled)
		cli_warn("cannot update this host's record in the host table (deleted memory stays held until it is): %s",
			 cli_safe(famfs_errmsg(), safe, sizeof(safe)));
	return CLI_EXIT_OK;
}
