// SPDX-License-Identifier: GPL-2.0
/*
 * The mount sequence of the famfs user-space tools for kernels before 6.15
 * (their "v1" mode), issued system call by system call against a character
 * dax device that is still bound to device_dax:
 *
 *   1. open the device O_RDONLY, mmap its first 2 MiB read-only and shared,
 *      close the fd, check the superblock magic, munmap;
 *   2. mount(dev, mpt, "famfs", MS_NOATIME|MS_NOSUID|MS_NOEXEC|MS_NODEV, "");
 *   3. mkdir .meta (0755), create .meta/.superblock (0444), MAP_GET (fails
 *      on a new file), MAP_CREATE v1 of [0, 2 MiB) as FAMFS_SUPERBLOCK;
 *   4. mmap .meta/.superblock read-only for the log offset and length;
 *   5. create .meta/.log (0644 on the master) and MAP_CREATE v1 as FAMFS_LOG.
 *
 * The file replay (MAP_CREATE_V2 per file) is left to `famfs logplay`.
 * Usage: famfs_v1_mount_seq DEV MPT [--hold-raw]
 *   --hold-raw keeps the raw mapping across mount(2): the mount must then
 *   fail with EBUSY and the mapping must still read the superblock.
 * Prints one line per step; exit 0 when every step did what it should.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/famfs_ioctl.h>

#define SB_AREA		(2u << 20)
#define SB_MAGIC	0x87b282ffULL
#define SB_LOG_OFFSET	16	/* u64 log_offset in the superblock */
#define SB_LOG_LEN	24	/* u64 log_len */

static int fail(const char *step)
{
	printf("FAIL %s: %s\n", step, strerror(errno));
	return 1;
}

static uint64_t rd64(const void *p, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)p + off, sizeof(v));
	return v;
}

/* MAP_CREATE v1 of one simple extent, as the tools do for meta files. */
static int map_v1(int fd, enum famfs_file_type type, uint64_t off,
		  uint64_t len)
{
	struct famfs_ioc_map map;

	memset(&map, 0, sizeof(map));
	map.extent_type = SIMPLE_DAX_EXTENT;
	map.file_type = type;
	map.file_size = len;
	map.ext_list_count = 1;
	map.ext_list[0].offset = off;
	map.ext_list[0].len = len;
	return ioctl(fd, FAMFSIOC_MAP_CREATE, &map);
}

int main(int argc, char **argv)
{
	const unsigned long flags = MS_NOATIME | MS_NOSUID | MS_NOEXEC | MS_NODEV;
	struct famfs_ioc_map got;
	char sbp[4096], logp[4096], meta[4096];
	uint64_t log_off, log_len;
	int hold = argc > 3 && !strcmp(argv[3], "--hold-raw");
	void *raw, *sb;
	int fd, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DEV MPT [--hold-raw]\n", argv[0]);
		return 2;
	}
	if (strlen(argv[2]) > 1024) {
		fprintf(stderr, "mount point path too long\n");
		return 2;
	}
	snprintf(meta, sizeof(meta), "%.1024s/.meta", argv[2]);
	snprintf(sbp, sizeof(sbp), "%.1024s/.meta/.superblock", argv[2]);
	snprintf(logp, sizeof(logp), "%.1024s/.meta/.log", argv[2]);

	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail("open the raw device");
	raw = mmap(NULL, SB_AREA, PROT_READ, MAP_SHARED, fd, 0);
	if (raw == MAP_FAILED)
		return fail("mmap the raw superblock");
	close(fd);
	if (rd64(raw, 0) != SB_MAGIC) {
		printf("FAIL raw superblock magic %#llx\n",
		       (unsigned long long)rd64(raw, 0));
		return 1;
	}
	printf("ok raw superblock read through device_dax\n");
	if (!hold)
		munmap(raw, SB_AREA);

	rc = mount(argv[1], argv[2], "famfs", flags, "");
	if (hold) {
		if (!rc) {
			printf("FAIL mount succeeded under a raw mapping\n");
			umount(argv[2]);
			return 1;
		}
		if (errno != EBUSY)
			return fail("mount under a raw mapping (want EBUSY)");
		if (rd64(raw, 0) != SB_MAGIC) {
			printf("FAIL the raw mapping lost the superblock\n");
			return 1;
		}
		printf("ok mount refused (EBUSY) while the device is mapped raw; mapping intact\n");
		return 0;
	}
	if (rc)
		return fail("mount(2) of a device bound to device_dax");
	printf("ok mount(2) with the tools' flags and empty data\n");

	if (mkdir(meta, 0755) && errno != EEXIST)
		return fail("mkdir .meta");
	fd = open(sbp, O_RDWR | O_CREAT, 0444);
	if (fd < 0)
		return fail("create .meta/.superblock");
	memset(&got, 0, sizeof(got));
	if (!ioctl(fd, FAMFSIOC_MAP_GET, &got)) {
		printf("FAIL MAP_GET succeeded on a new file\n");
		return 1;
	}
	if (map_v1(fd, FAMFS_SUPERBLOCK, 0, SB_AREA))
		return fail("MAP_CREATE of .meta/.superblock");
	close(fd);
	fd = open(sbp, O_RDONLY);
	if (fd < 0)
		return fail("open .meta/.superblock");
	sb = mmap(NULL, SB_AREA, PROT_READ, MAP_SHARED, fd, 0);
	if (sb == MAP_FAILED)
		return fail("mmap .meta/.superblock");
	close(fd);
	log_off = rd64(sb, SB_LOG_OFFSET);
	log_len = rd64(sb, SB_LOG_LEN);
	if (rd64(sb, 0) != SB_MAGIC || log_off != SB_AREA) {
		printf("FAIL superblock through the mount: magic %#llx log at %#llx\n",
		       (unsigned long long)rd64(sb, 0),
		       (unsigned long long)log_off);
		return 1;
	}
	munmap(sb, SB_AREA);
	printf("ok .meta/.superblock mapped (log at %#llx, %llu bytes)\n",
	       (unsigned long long)log_off, (unsigned long long)log_len);

	fd = open(logp, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return fail("create .meta/.log");
	if (map_v1(fd, FAMFS_LOG, log_off, log_len))
		return fail("MAP_CREATE of .meta/.log");
	close(fd);
	printf("ok .meta/.log mapped\n");
	return 0;
}
