// SPDX-License-Identifier: GPL-2.0
/*
 * mkfs.famfs: format a device or image (superblock + empty log), kill a
 * superblock, or format and populate from a directory in one step.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "libfamfs.h"

/* The release, from the top-level VERSION file (user/Makefile). */
#ifndef FAMFS_CLI_VERSION
#define FAMFS_CLI_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mkfs.famfs [-f] [-k] [-l LOGLEN] [-d DIR] [-w SECONDS] [-M] [-v]\n"
		"                  [--enable-delete] DEVICE\n"
		"       mkfs.famfs --version\n"
		"\n"
		"Format DEVICE (/dev/daxX.Y, /dev/pmemN or an image file) as famfs:\n"
		"a superblock at offset 0 and an empty log at 2 MiB. This host\n"
		"becomes the master (its system uuid is recorded).\n"
		"\n"
		"  -f, --force         format even if DEVICE holds a famfs file\n"
		"                      system (possibly another master's)\n"
		"  -k, --kill          with -f: only zero the superblock magic\n"
		"  -l, --loglen LEN    log length: a power of two >= 8m (k/m/g/t\n"
		"                      units, also KiB, MiB, GiB; default 8m =\n"
		"                      15420 entries)\n"
		"  -d, --directory DIR populate from DIR (files and directories,\n"
		"                      offline, like mke2fs -d)\n"
		"  -w, --lock-timeout SECONDS\n"
		"                      wait this long for an offline writer (famfs\n"
		"                      creat/cp/mkdir --device) to release the\n"
		"                      device (default: $FAMFS_LOCK_TIMEOUT, else 60)\n"
		"  -M, --set-daxmode   DEVICE is a /dev/daxX.Y in fsdev mode, not\n"
		"                      mounted: switch it to device_dax (raw\n"
		"                      access) first\n"
		"      --enable-delete enable the delete feature (famfs rm): the\n"
		"                      host table at 1 MiB and superblock version\n"
		"                      48 | 1<<32, which famfs tools without delete\n"
		"                      support refuse\n"
		"  -v, --verbose       say what is done\n"
		"  -V, --version       print the famfs release and exit\n"
		"  -h, --help          this text\n"
		"\n"
		"Refused (exit 4): a device that is mounted on this host, one\n"
		"that already holds famfs without -f, or one whose writer lock\n"
		"another process still holds after the timeout.\n"
		"\n" CLI_EXIT_CODES_HELP);
}

/* The superblock currently on the device, as text for messages. */
static bool has_famfs_magic(const struct famfs_dev *d)
{
	const struct famfs_superblock *sb = (const void *)d->base;

	return sb->magic == FAMFS_SB_MAGIC;
}

static int refuse_existing(const struct famfs_dev *d)
{
	const struct famfs_superblock *sb = (const void *)d->base;
	char master[37];
	uuid_t me;
	int rc = famfs_sb_check(sb, d->size);

	if (rc) {
		cli_err("%s holds a damaged famfs superblock (%s); use -f to "
			"format anyway", d->path, famfs_errmsg());
		return CLI_EXIT_REFUSED;
	}
	uuid_unparse(sb->system_uuid, master);
	/* Only look: a refusal must not create this host's identity. */
	if (famfs_system_uuid_ex(me, false, NULL, NULL, 0) == 0 &&
	    !famfs_sb_is_master(sb, me))
		cli_err("%s is already formatted by another master (system "
			"uuid %s); use -f to format anyway", d->path, master);
	else
		cli_err("%s is already formatted (famfs, master %s); use -f "
			"to format anyway", d->path, master);
	return CLI_EXIT_REFUSED;
}

static int populate(const char *device, const char *dir, unsigned int *nf,
		    unsigned int *nd)
{
	struct cli_copy c = { 0 };
	struct famfs_fs *fs;
	int rc, ret;

	ret = cli_fs_open(device, NULL, true, &fs);
	if (ret)
		return ret;
	c.fs = fs;
	c.recursive = true;
	c.threads = 1;
	rc = cli_copy_init(&c);
	if (!rc) {
		cli_copy_dir_contents(&c, dir, "");
		rc = cli_copy_finish(&c);
	}
	famfs_fs_close(fs);
	*nf = (unsigned int)(c.nfiles + c.nreused);
	*nd = (unsigned int)c.ndirs;
	if (rc || c.nerrors) {
		cli_err("populating from %s: %llu errors", dir,
			(unsigned long long)c.nerrors);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "kill", no_argument, NULL, 'k' },
		{ "loglen", required_argument, NULL, 'l' },
		{ "directory", required_argument, NULL, 'd' },
		{ "set-daxmode", no_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "lock-timeout", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "enable-delete", no_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false, kill = false, daxmode = false, verbose = false;
	bool enable_delete = false;
	uint64_t log_len = FAMFS_LOG_LEN_DEFAULT;
	const char *dir = NULL, *device;
	struct famfs_dev d;
	char mpt[4096], buf[32], uuid[37], fsuuid[37], idpath[4096];
	bool image, env_id, created = false, have_id = true;
	unsigned int nf = 0, nd = 0;
	uuid_t me;
	int c, rc, ret;

	cli_prog = "mkfs.famfs";
	argv[0] = (char *)cli_prog;	/* getopt's messages: "mkfs.famfs: ..." */
	for (c = 1; c < argc && strcmp(argv[c], "--"); c++)
		if (!strcmp(argv[c], "-?"))
			argv[c] = (char *)"--help";	/* upstream's help option */
	while ((c = getopt_long(argc, argv, "fkl:d:w:MvhV", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'k':
			kill = true;
			break;
		case 'E':
			enable_delete = true;
			break;
		case 'l':
			if (!cli_opt_size("log length", optarg, &log_len))
				return cli_usage_hint();
			if (famfs_log_len_check(log_len)) {
				cli_err("invalid log length '%s': it must be a "
					"power of two of at least 8 MiB", optarg);
				return cli_usage_hint();
			}
			break;
		case 'd':
			dir = optarg;
			break;
		case 'M':
			daxmode = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'w':
			if (!cli_opt_lock_timeout(optarg))
				return cli_usage_hint();
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("mkfs.famfs (famfs) %s\n", FAMFS_CLI_VERSION);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (optind != argc - 1) {
		cli_err(optind == argc ? "missing DEVICE" : "too many arguments");
		return cli_usage_hint();
	}
	device = argv[optind];
	if (kill && enable_delete) {
		cli_err("--enable-delete makes no sense with -k");
		return cli_usage_hint();
	}
	if (kill && !force) {
		cli_err("-k (kill the superblock) requires -f");
		return cli_usage_hint();
	}
	if (kill && dir) {
		cli_err("-k and -d cannot be combined");
		return cli_usage_hint();
	}
	if (dir && access(dir, R_OK | X_OK)) {
		cli_err("cannot read directory %s: %s", dir, strerror(errno));
		return CLI_EXIT_USAGE;
	}

	rc = famfs_path_mountpoint(device, mpt, sizeof(mpt));
	if (rc == 1) {
		cli_err("%s is mounted on %s; unmount it first", device, mpt);
		return CLI_EXIT_REFUSED;
	}
	if (daxmode) {
		ret = cli_dax_prepare_raw("-M", device);
		if (ret)
			return ret;
	}
	rc = famfs_dev_open(device, true, &d);
	if (rc) {
		cli_liberr(rc, "cannot open %s", device);
		cli_dax_raw_hint(device, rc);
		return CLI_EXIT_FAIL;
	}
	ret = CLI_EXIT_OK;
	if (famfs_dev_mountpoint(&d, mpt, sizeof(mpt)) == 1) {
		cli_err("%s is mounted on %s; unmount it first", device, mpt);
		ret = CLI_EXIT_REFUSED;
		goto out;
	}
	if (kill) {
		rc = famfs_kill_sb(&d);
		if (rc) {
			cli_liberr(rc, "cannot kill the superblock of %s",
				   device);
			ret = cli_exit_for(rc);
		} else {
			printf("mkfs.famfs: superblock of %s killed\n", device);
		}
		goto out;
	}
	if (has_famfs_magic(&d) && !force) {
		ret = refuse_existing(&d);
		goto out;
	}
	if (FAMFS_LOG_OFFSET + log_len + FAMFS_ALLOC_UNIT > d.size) {
		cli_err("log length %s does not fit in %s (%llu bytes): need "
			"room for the superblock, the log and one 2 MiB unit",
			cli_fmt_size(log_len, true, buf, sizeof(buf)), device,
			(unsigned long long)d.size);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	/*
	 * This host becomes the master. Its identity is created if missing,
	 * except for an image file formatted with the system-wide identity
	 * files: that must not turn the host into a famfs host on the side
	 * (-d, which writes files as the master, does create it).
	 */
	image = d.kind == FAMFS_DEV_IMAGE;
	env_id = getenv(FAMFS_SYSTEM_UUID_ENV) && *getenv(FAMFS_SYSTEM_UUID_ENV);
	rc = famfs_system_uuid_ex(me, !image || env_id || dir, &created,
				  idpath, sizeof(idpath));
	if (rc == -ENOENT && image) {
		have_id = false;
		uuid_generate(me);
	} else if (rc) {
		cli_liberr(rc, "cannot read this host's system uuid");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	uuid_unparse(me, uuid);
	if (verbose)
		printf("mkfs.famfs: this host's identity: %s\n",
		       have_id ? idpath : "none");
	rc = famfs_mkfs(&d, log_len, me, force);
	if (rc) {
		cli_liberr(rc, "cannot format %s", device);
		ret = rc == -EEXIST ? CLI_EXIT_REFUSED : cli_exit_for(rc);
		goto out;
	}
	if (enable_delete) {
		rc = famfs_ht_enable((struct famfs_superblock *)d.base, d.size);
		if (rc) {
			cli_liberr(rc, "cannot enable the delete feature on %s", device);
			ret = CLI_EXIT_FAIL;
			goto out;
		}
		printf("mkfs.famfs: delete feature enabled (host table at 1 MiB)\n");
	}
	if (created)
		printf("mkfs.famfs: created this host's identity %s (system "
		       "uuid %s)\n", idpath, uuid);
	uuid_unparse(((const struct famfs_superblock *)d.base)->fs_uuid, fsuuid);
	printf("mkfs.famfs: formatted %s: %s, log %s (%llu entries), "
	       "master %s\n", device, cli_fmt_size(d.size, true, mpt, 32),
	       cli_fmt_size(log_len, true, buf, sizeof(buf)),
	       (unsigned long long)FAMFS_LOG_NENTRIES(log_len), uuid);
	printf("mkfs.famfs: file system uuid %s; this host: %s\n", fsuuid,
	       have_id ? "master" : "client (no identity)");
	if (!have_id)
		printf("mkfs.famfs: %s is an image file and this host has no "
		       "identity (%s): none was created; the master uuid %s is "
		       "new. To act as its master, put that uuid in a file and "
		       "set FAMFS_SYSTEM_UUID_FILE to it.\n", device, idpath,
		       uuid);
out:
	famfs_dev_close(&d);
	if (ret == CLI_EXIT_OK && dir) {
		ret = populate(device, dir, &nf, &nd);
		if (ret == CLI_EXIT_OK)
			printf("mkfs.famfs: populated from %s: %u files, %u "
			       "directories\n", dir, nf, nd);
	}
	return ret;
}
