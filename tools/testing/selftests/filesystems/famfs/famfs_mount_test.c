// SPDX-License-Identifier: GPL-2.0
/*
 * famfs mount and module tests: mount/umount, one mount per device (EBUSY),
 * /proc/mounts source, mount options, user namespaces refused, the KABI
 * module parameter, the famfs_create kallsyms probe, rmmod + modprobe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "famfs_test_util.h"
#include "kselftest_harness.h"

#define MPT2 "/mnt/famfs-second"

FIXTURE(mnt) {
	int unused;
};

FIXTURE_SETUP(mnt)
{
	int rc = ft_load_module();

	if (rc)
		SKIP(return, "famfs module not available: %s", strerror(-rc));
	if (access(ft_dev(), F_OK))
		SKIP(return, "test device %s missing", ft_dev());
	ft_umount_all();
	umount2(MPT2, 0);
	if (ft_have_prog("mkfs.famfs"))
		ft_sh("mkfs.famfs -f %s >/dev/null 2>&1", ft_dev());
}

FIXTURE_TEARDOWN(mnt)
{
	umount2(MPT2, 0);
	ft_umount_all();
}

/* Return the /proc/mounts line for `mpt` split into source and fstype. */
static int find_mount(const char *mpt, char *src, char *type, char *opts)
{
	char s[512], m[512], t[64], o[512];
	FILE *f = fopen("/proc/mounts", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%511s %511s %63s %511s %*d %*d", s, m, t, o) == 4) {
		if (strcmp(m, mpt))
			continue;
		found = 1;	/* the last one is the top mount */
		strcpy(src, s);
		strcpy(type, t);
		if (opts)
			strcpy(opts, o);
	}
	fclose(f);
	return found;
}

TEST_F(mnt, mount_nop_umount)
{
	int fd;

	ASSERT_EQ(0, ft_mount_at(ft_mpt(), NULL));
	fd = ft_create("probe");
	ASSERT_GE(fd, 0);
	/* the upstream tools' "is this famfs?" probe */
	EXPECT_EQ(0, ioctl(fd, FAMFSIOC_NOP));
	close(fd);
	ASSERT_EQ(0, umount2(ft_mpt(), 0));
	EXPECT_NE(0, access(ft_path("probe"), F_OK));
}

TEST_F(mnt, second_mount_ebusy)
{
	ASSERT_EQ(0, ft_mount_at(ft_mpt(), NULL));
	mkdir(MPT2, 0755);
	EXPECT_EQ(-1, mount(ft_dev(), MPT2, "famfs", 0, NULL));
	EXPECT_EQ(EBUSY, errno);
	/* the same mount point twice is the same device twice */
	EXPECT_EQ(-1, mount(ft_dev(), ft_mpt(), "famfs", 0, NULL));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, umount2(ft_mpt(), 0));
	/* after umount the device is free again */
	ASSERT_EQ(0, ft_mount_at(MPT2, NULL));
	ASSERT_EQ(0, umount2(MPT2, 0));
}

TEST_F(mnt, proc_mounts_source)
{
	char src[512], type[64], opts[512];

	ASSERT_EQ(0, ft_mount_at(ft_mpt(), NULL));
	ASSERT_TRUE(find_mount(ft_mpt(), src, type, opts));
	EXPECT_STREQ(ft_dev(), src);
	EXPECT_STREQ("famfs", type);
}

TEST_F(mnt, mount_options)
{
	struct stat st;

	ASSERT_EQ(0, ft_mount_at(ft_mpt(), "mode=0700"));
	ASSERT_EQ(0, stat(ft_mpt(), &st));
	EXPECT_EQ(0700U, st.st_mode & 07777);
	ASSERT_EQ(0, umount2(ft_mpt(), 0));

	ASSERT_EQ(0, ft_mount_at(ft_mpt(), "dax=always"));
	ASSERT_EQ(0, stat(ft_mpt(), &st));
	EXPECT_EQ(0755U, st.st_mode & 07777);
	ASSERT_EQ(0, umount2(ft_mpt(), 0));

	EXPECT_EQ(-EINVAL, ft_mount_at(ft_mpt(), "no_such_option=1"));
	EXPECT_EQ(-EINVAL, ft_mount_at(ft_mpt(), "mode=notoctal"));
}

TEST_F(mnt, bad_sources_refused)
{
	char tmp[] = "/tmp/famfs-notadev.XXXXXX";
	int fd;

	mkdir(ft_mpt(), 0755);
	EXPECT_EQ(-1, mount("/dev/does-not-exist", ft_mpt(), "famfs", 0, NULL));
	EXPECT_EQ(ENOENT, errno);
	fd = mkstemp(tmp);
	ASSERT_GE(fd, 0);
	close(fd);
	/* a regular file is not a memory device */
	EXPECT_EQ(-1, mount(tmp, ft_mpt(), "famfs", 0, NULL));
	EXPECT_NE(0, errno);
	unlink(tmp);
	/* /dev/null is a char device but not a dax device */
	EXPECT_EQ(-1, mount("/dev/null", ft_mpt(), "famfs", 0, NULL));
	EXPECT_NE(0, errno);
}

TEST_F(mnt, userns_mount_refused)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			_exit(errno == EINVAL || errno == ENOSPC ? 100 : 101);
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		if (!mount(ft_dev(), ft_mpt(), "famfs", 0, NULL))
			_exit(0);
		_exit(errno == EPERM ? 1 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100)
		SKIP(return, "kernel has no user namespaces (CONFIG_USER_NS)");
	EXPECT_NE(101, WEXITSTATUS(status)) TH_LOG("unshare failed");
	EXPECT_NE(0, WEXITSTATUS(status)) TH_LOG("mounted in a user namespace");
	EXPECT_EQ(1, WEXITSTATUS(status)) TH_LOG("refused, but not with EPERM");
}

TEST_F(mnt, kabi_param_43)
{
	const char *dir = "/sys/module/famfs/parameters";
	char path[512], val[32] = "";
	struct dirent *de;
	struct stat st;
	int found = 0;
	FILE *f;
	DIR *d;

	d = opendir(dir);
	ASSERT_NE(NULL, d) TH_LOG("%s missing", dir);
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, "kabi"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(val, sizeof(val), f));
		fclose(f);
		EXPECT_STREQ("43\n", val) TH_LOG("%s", path);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0U, st.st_mode & 0222) TH_LOG("%s is writable", path);
		found++;
	}
	closedir(d);
	EXPECT_EQ(1, found) TH_LOG("want exactly one *kabi* parameter");
}

TEST_F(mnt, kallsyms_famfs_create)
{
	char addr[32], type[8], name[256], mod[64];
	int found = 0, n;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	ASSERT_NE(NULL, f);
	while ((n = fscanf(f, "%31s %7s %255s", addr, type, name)) == 3) {
		int c = fgetc(f);

		mod[0] = 0;
		if (c == '\t' || c == ' ') {
			if (fscanf(f, "%63s", mod) != 1)
				break;
			c = fgetc(f);
		}
		if (!strcmp(name, "famfs_create") && !strcmp(mod, "[famfs]"))
			found = 1;
	}
	fclose(f);
	EXPECT_TRUE(found) TH_LOG("no 'famfs_create [famfs]' in /proc/kallsyms");
}

TEST_F(mnt, rmmod_modprobe)
{
	int fd;

	if (access("/sys/module/famfs/initstate", F_OK))
		SKIP(return, "famfs is built in, not a module");
	ASSERT_EQ(0, ft_mount_at(ft_mpt(), NULL));
	/* a mounted fs pins the module */
	EXPECT_NE(0, syscall(SYS_delete_module, "famfs", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	ASSERT_EQ(0, umount2(ft_mpt(), 0));
	ASSERT_EQ(0, syscall(SYS_delete_module, "famfs", O_NONBLOCK))
		TH_LOG("rmmod famfs: %s", strerror(errno));
	EXPECT_NE(0, access("/sys/module/famfs", F_OK));
	ASSERT_EQ(0, ft_sh("modprobe famfs"));
	ASSERT_EQ(0, ft_mount_at(ft_mpt(), NULL));
	fd = ft_create("after-reload");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, ioctl(fd, FAMFSIOC_NOP));
	close(fd);
}

TEST_HARNESS_MAIN
