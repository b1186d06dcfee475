// SPDX-License-Identifier: GPL-2.0
/* Options shared by mkdir, creat and cp: ownership, mode, interleave. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "libfamfs.h"

int cli_attr_opt(int c, const char *arg, struct cli_attr *a)
{
	switch (c) {
	case 'm':
		a->mode_set = true;
		return cli_opt_mode(arg, &a->mode) ? 1 : -1;
	case 'u':
		a->uid_set = true;
		return cli_opt_u32("uid", arg, &a->uid) ? 1 : -1;
	case 'g':
		a->gid_set = true;
		return cli_opt_u32("gid", arg, &a->gid) ? 1 : -1;
	}
	return 0;
}

int cli_il_opt(int c, const char *arg, struct cli_il *o)
{
	switch (c) {
	case 'N':
		o->set = true;
		return cli_opt_u64("strip count", arg, &o->nstrips) ? 1 : -1;
	case 'B':
		o->set = true;
		return cli_opt_u64("bucket count", arg, &o->nbuckets) ? 1 : -1;
	case 'C':
		o->set = true;
		return cli_opt_size("chunk size", arg, &o->chunk) ? 1 : -1;
	}
	return 0;
}

/* Read <mpt>/.meta/.alloc.cfg if present. 1 found, 0 absent, <0 error. */
static int read_alloc_cfg(const char *mpt, struct famfs_interleave *il)
{
	char path[PATH_MAX], buf[4096];
	ssize_t n;
	int fd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", mpt,
			     FAMFS_META_CFG) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		cli_err("cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	n = read(fd, buf, sizeof(buf));
	rc = -errno;
	close(fd);
	if (n < 0) {
		cli_err("cannot read %s: %s", path, strerror(-rc));
		return rc;
	}
	if ((size_t)n == sizeof(buf)) {
		cli_err("%s is larger than %zu bytes", path, sizeof(buf) - 1);
		return -EFBIG;
	}
	rc = famfs_alloc_cfg_parse(buf, (size_t)n, il);
	if (rc) {
		cli_liberr(rc, "bad interleave defaults in %s (nothing created)", path);
		return rc;
	}
	return 1;
}

int cli_il_resolve(const struct cli_il *o, struct famfs_fs *fs,
		   struct famfs_interleave *il, bool *use_il)
{
	const char *mpt = fs ? famfs_fs_mountpoint(fs) : NULL;
	int rc;

	memset(il, 0, sizeof(*il));
	*use_il = false;
	if (mpt) {
		rc = read_alloc_cfg(mpt, il);
		if (rc < 0)
			return CLI_EXIT_FAIL;
		*use_il = rc == 1 && il->nstrips > 0;
	}
	if (!o->set)
		return CLI_EXIT_OK;
	if (o->nstrips)
		il->nstrips = o->nstrips;
	if (o->nbuckets)
		il->nbuckets = o->nbuckets;
	if (o->chunk)
		il->chunk_size = o->chunk;
	if (!il->nstrips) {
		cli_err("-B/-C need a strip count (-N NSTRIPS)");
		return CLI_EXIT_USAGE;
	}
	if (!il->chunk_size)
		il->chunk_size = FAMFS_ALLOC_UNIT;
	rc = famfs_interleave_check(il);
	if (rc) {
		cli_liberr(rc, "invalid interleave parameters");
		return CLI_EXIT_USAGE;
	}
	*use_il = true;
	return CLI_EXIT_OK;
}
