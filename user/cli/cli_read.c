// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a famfs file's bytes for verify and cat: read(2) on a mounted
 * file, or famfs_fs_read() through the log's map on an unmounted device.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "libfamfs.h"

int cli_src_open(struct cli_src *s, const char *device, const char *path)
{
	char safe[CLI_SAFE_LEN];
	struct famfs_log_entry e;
	struct stat st;
	int ret, rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->path = path;
	if (!device) {
		s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (s->fd < 0 || fstat(s->fd, &st)) {
			cli_err("cannot open %s: %s", path, strerror(errno));
			if (s->fd >= 0)
				close(s->fd);
			s->fd = -1;
			return CLI_EXIT_FAIL;
		}
		if (!S_ISREG(st.st_mode)) {
			cli_err("%s is not a regular file", path);
			close(s->fd);
			s->fd = -1;
			return CLI_EXIT_FAIL;
		}
		s->size = (uint64_t)st.st_size;
		return CLI_EXIT_OK;
	}
	ret = cli_fs_open(device, NULL, false, &s->fs);
	if (ret)
		return ret;
	ret = cli_fs_relpath(s->fs, path, s->rel, sizeof(s->rel));
	if (ret)
		goto fail;
	rc = famfs_fs_lookup(s->fs, s->rel, &e);
	if (rc) {
		cli_liberr(rc, "%s", cli_safe(path, safe, sizeof(safe)));
		ret = CLI_EXIT_FAIL;
		goto fail;
	}
	if (e.type != FAMFS_LOG_FILE) {
		cli_err("%s is a directory", cli_safe(path, safe, sizeof(safe)));
		ret = CLI_EXIT_FAIL;
		goto fail;
	}
	s->size = e.file.size;
	return CLI_EXIT_OK;
fail:
	famfs_fs_close(s->fs);
	s->fs = NULL;
	return ret;
}

int cli_src_read(struct cli_src *s, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	if (s->fs)
		return famfs_fs_read(s->fs, s->rel, off, buf, len);
	while (len) {
		n = pread(s->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* shorter than its size */
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

void cli_src_close(struct cli_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->fs)
		famfs_fs_close(s->fs);
	s->fs = NULL;
}
