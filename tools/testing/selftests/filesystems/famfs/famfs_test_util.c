// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the famfs kselftests (see famfs_test_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

#include "famfs_test_util.h"

const char *ft_dev(void)
{
	const char *d = getenv("FAMFS_TEST_DEV");

	if (!d || !*d)
		d = getenv("FAMFS_DEV");	/* set by the test guest's /init */
	return (d && *d) ? d : "/dev/pmem0";
}

const char *ft_mpt(void)
{
	const char *m = getenv("FAMFS_TEST_MPT");

	return (m && *m) ? m : "/mnt/famfs";
}

static int read_sysfs_u64(const char *path, uint64_t *val)
{
	unsigned long long v;
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return -EINVAL;
	*val = v;
	return 0;
}

int ft_dev_size(uint64_t *size)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc = 0;

	if (stat(ft_dev(), &st))
		return -errno;
	if (S_ISCHR(st.st_mode)) {
		snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/size",
			 major(st.st_rdev), minor(st.st_rdev));
		return read_sysfs_u64(path, size);
	}
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	fd = open(ft_dev(), O_RDONLY);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKGETSIZE64, size))
		rc = -errno;
	close(fd);
	return rc;
}

bool ft_have_prog(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	const char *p, *end;

	if (!path)
		path = "/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, prog);
		if (!access(buf, X_OK))
			return true;
	}
	return false;
}

int ft_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	st = system(cmd);
	if (st < 0)
		return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static bool famfs_registered(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "nodev\tfamfs\n") || !strcmp(line, "\tfamfs\n");
	fclose(f);
	return found;
}

int ft_load_module(void)
{
	if (famfs_registered())
		return 0;
	ft_sh("modprobe famfs >/dev/null 2>&1");
	return famfs_registered() ? 0 : -ENODEV;
}

void ft_umount_all(void)
{
	int i;

	for (i = 0; i < 8; i++)
		if (umount2(ft_mpt(), 0))
			break;
}

int ft_mount_at(const char *mpt, const char *opts)
{
	mkdir(mpt, 0755);
	if (mount(ft_dev(), mpt, "famfs", 0, opts))
		return -errno;
	return 0;
}

int ft_fresh_mount(void)
{
	int rc;

	rc = ft_load_module();
	if (rc)
		return rc;
	ft_umount_all();
	ft_alloc_reset();
	if (ft_have_prog("mkfs.famfs")) {
		rc = ft_sh("mkfs.famfs -f %s >/dev/null 2>&1", ft_dev());
		if (rc)
			fprintf(stderr, "# warning: mkfs.famfs -f %s exited %d\n",
				ft_dev(), rc);
	}
	return ft_mount_at(ft_mpt(), NULL);
}

const char *ft_path(const char *name)
{
	static char bufs[4][PATH_MAX];
	static unsigned int next;
	char *b = bufs[next++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", ft_mpt(), name);
	return b;
}

int ft_create(const char *name)
{
	int fd = open(ft_path(name), O_CREAT | O_RDWR, 0644);

	return fd < 0 ? -errno : fd;
}

static uint64_t alloc_next = FT_DATA_BASE;

void ft_alloc_reset(void)
{
	alloc_next = FT_DATA_BASE;
}

uint64_t ft_alloc(uint64_t len)
{
	uint64_t off = alloc_next;

	alloc_next += (len + FT_AU - 1) & ~(FT_AU - 1);
	return off;
}

static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int ft_map_v1(int fd, uint32_t file_type, uint64_t file_size,
	      const struct famfs_extent *ext, uint64_t count)
{
	struct famfs_ioc_map m;
	uint64_t i;

	memset(&m, 0, sizeof(m));
	m.extent_type = SIMPLE_DAX_EXTENT;
	m.file_type = file_type;
	m.file_size = file_size;
	m.ext_list_count = count;
	for (i = 0; i < count && i < FAMFS_IOC_MAX_EXTENTS; i++)
		m.ext_list[i] = ext[i];
	return do_ioctl(fd, FAMFSIOC_MAP_CREATE, &m);
}

int ft_map_v2_simple(int fd, uint32_t file_type, uint64_t file_size,
		     const struct famfs_ioc_simple_extent *ext, uint32_t count)
{
	struct famfs_ioc_fmap m;

	memset(&m, 0, sizeof(m));
	m.fioc_file_size = file_size;
	m.fioc_file_type = file_type;
	m.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
	m.fioc_nextents = count;
	m.fioc_extents = (uintptr_t)ext;
	return do_ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &m);
}

int ft_map_v2_interleave(int fd, uint64_t file_size, uint64_t nstrips,
			 uint64_t chunk,
			 const struct famfs_ioc_simple_extent *strips,
			 uint64_t nbytes)
{
	struct famfs_ioc_interleaved_ext ie;
	struct famfs_ioc_fmap m;

	memset(&ie, 0, sizeof(ie));
	ie.ie_nstrips = nstrips;
	ie.ie_chunk_size = chunk;
	ie.ie_nbytes = nbytes;
	ie.ie_strips_addr = (uintptr_t)strips;
	memset(&m, 0, sizeof(m));
	m.fioc_file_size = file_size;
	m.fioc_file_type = FAMFS_REG;
	m.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
	m.fioc_nextents = 1;
	m.fioc_extents = (uintptr_t)&ie;
	return do_ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &m);
}

int ft_get_v1(int fd, struct famfs_ioc_map *map)
{
	memset(map, 0, sizeof(*map));
	return do_ioctl(fd, FAMFSIOC_MAP_GET, map);
}

int ft_get_v2(int fd, struct famfs_ioc_get_fmap *map)
{
	memset(map, 0, sizeof(*map));
	return do_ioctl(fd, FAMFSIOC_MAP_GET_V2, map);
}

int ft_create_mapped(const char *name, uint64_t size, uint64_t *devoff)
{
	struct famfs_ioc_simple_extent e;
	int fd, rc;

	fd = ft_create(name);
	if (fd < 0)
		return fd;
	e.devindex = 0;
	e.len = (size + FT_AU - 1) & ~(FT_AU - 1);
	e.offset = ft_alloc(e.len);
	rc = ft_map_v2_simple(fd, FAMFS_REG, size, &e, 1);
	if (rc) {
		close(fd);
		return rc;
	}
	if (devoff)
		*devoff = e.offset;
	return fd;
}

int ft_raw_read(uint64_t off, void *buf, size_t len)
{
	const uint64_t blk = 4096;
	uint64_t start = off & ~(blk - 1);
	size_t span = ((off + len + blk - 1) & ~(blk - 1)) - start;
	struct stat st;
	void *bounce;
	int fd, rc;

	if (stat(ft_dev(), &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	if (posix_memalign(&bounce, blk, span))
		return -ENOMEM;
	fd = open(ft_dev(), O_RDONLY | O_DIRECT);
	if (fd < 0) {
		rc = -errno;
		free(bounce);
		return rc;
	}
	rc = ft_pread_all(fd, bounce, span, start);
	if (!rc)
		memcpy(buf, (char *)bounce + (off - start), len);
	close(fd);
	free(bounce);
	return rc;
}

static uint8_t pattern_byte(uint64_t off, uint32_t salt)
{
	uint64_t w = ((off >> 3) + 1) * 0x9e3779b97f4a7c15ULL;

	w ^= (uint64_t)salt * 0xbf58476d1ce4e5b9ULL;
	w ^= w >> 29;
	return (uint8_t)(w >> ((off & 7) * 8));
}

void ft_fill(void *buf, size_t len, uint64_t file_off, uint32_t salt)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(file_off + i, salt);
}

long ft_check(const void *buf, size_t len, uint64_t file_off, uint32_t salt)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern_byte(file_off + i, salt))
			return (long)i;
	return -1;
}

uint64_t ft_interleave_devoff(const struct famfs_ioc_simple_extent *strips,
			      uint64_t nstrips, uint64_t chunk, uint64_t off)
{
	uint64_t c = off / chunk;

	return strips[c % nstrips].offset + (c / nstrips) * chunk + off % chunk;
}

int ft_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, off);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

int ft_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = pread(fd, p, len, off);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

const char *ft_tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/trace", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	mount("nodev", dirs[0], "tracefs", 0, NULL);
	return access("/sys/kernel/tracing/trace", F_OK) ? NULL : dirs[0];
}

int ft_trace_write(const char *rel, const char *val)
{
	char path[PATH_MAX];
	const char *t = ft_tracefs();
	ssize_t n;
	int fd;

	if (!t)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", t, rel);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

int ft_addr_pfn(void *addr, uint64_t *pfn)
{
	uint64_t ent;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, &ent, 8, ((uintptr_t)addr / 4096) * 8) != 8)
		rc = -EIO;
	else if (!(ent & (1ULL << 63)) || !(ent & ((1ULL << 55) - 1)))
		rc = -ENOENT;
	else
		*pfn = ent & ((1ULL << 55) - 1);
	close(fd);
	return rc;
}
