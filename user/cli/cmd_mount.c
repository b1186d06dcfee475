// SPDX-License-Identifier: GPL-2.0
/*
 * famfs mount / mount.famfs: mount a famfs device, create the .meta files
 * and replay the log (all in famfs_mount()).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs mount [-r|-w] [-v] [-L] [-o OPTIONS] [--dry-run]\n"
		"                   [-M|--set-fsdev-mode] DEVICE MOUNTPOINT\n"
		"       mount.famfs DEVICE MOUNTPOINT [-o OPTIONS]\n"
		"\n"
		"Check the superblock and log of DEVICE (/dev/pmemN or\n"
		"/dev/daxX.Y), mount it on MOUNTPOINT (dax=always), create .meta/\n"
		"(.superblock, .log) and replay the log: every logged directory\n"
		"and file appears. On a client host files are read-only. If a\n"
		"step after mount(2) fails, the file system is unmounted again.\n"
		"\n"
		"  -r, --read-only    mount read-only (as mount(8) -r, -o ro): the\n"
		"                     mount point is made read-only once the log is\n"
		"                     replayed\n"
		"  -w, --rw           mount read-write (the default; -o rw)\n"
		"  -o, --options OPTS extra mount options (e.g. mode=0700)\n"
		"      --dry-run, --dryrun\n"
		"                     only validate DEVICE (superblock, log); mount\n"
		"                     nothing\n"
		"  -M, --set-fsdev-mode, --set-daxmode\n"
		"                     DEVICE is a /dev/daxX.Y bound to device_dax:\n"
		"                     check it raw, switch it to fsdev_dax (modprobe\n"
		"                     fsdev_dax, unbind, bind), then mount; if the\n"
		"                     mount fails, switch it back to device_dax.\n"
		"                     Already in fsdev mode: just mount. With\n"
		"                     --dry-run: check only, switch nothing\n"
		"  -L, --load-module  run 'modprobe famfs' first if the famfs file\n"
		"                     system type is not registered\n"
		"  -j, --json         print the outcome and replay counts as JSON\n"
		"  -v, --verbose      say what is done\n"
		"  -h, -?, --help     this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"mount.famfs exits with mount(8)'s codes instead: 0 success,\n"
		"1 usage or permission error, 2 system error, 32 mount failure.\n");
}

static bool mount_json;	/* --json */

/* --json: the outcome of a mount (or dry run) and its replay counts. */
static void print_json(const char *dev, const char *mpt, bool dry,
		       const struct famfs_apply_stats *st)
{
	struct cli_json j;

	if (!mount_json)
		return;
	cli_json_init(&j, stdout);
	cli_json_obj_begin(&j, NULL);
	cli_json_str(&j, "device", dev);
	cli_json_str(&j, "mountpoint", mpt);
	cli_json_bool(&j, "dry_run", dry);
	cli_json_bool(&j, "mounted", !dry);
	if (!dry) {
		/* A dry run replays nothing: no counts. */
		cli_json_obj_begin(&j, "replay");
		cli_json_u64(&j, "directories", st->ndirs);
		cli_json_u64(&j, "files", st->nfiles);
		cli_json_u64(&j, "existing", st->nexisting);
		cli_json_u64(&j, "bad_entries", st->nbad);
		cli_json_u64(&j, "crosslinked", st->ncrosslinked);
		cli_json_u64(&j, "errors", st->nerrors);
		cli_json_obj_end(&j);
	}
	cli_json_obj_end(&j);
	cli_json_finish(&j);
}

/*
 * Mounted, but some log entries were not replayed (invalid, conflicting or
 * cross-linked): name every one of them, escaped, from a fresh plan of the
 * mount (the files that were created now simply exist).
 */
static void report_skipped(const char *mpt, const struct famfs_apply_stats *st)
{
	struct famfs_action *acts = NULL;
	char p[CLI_SAFE_LEN], w[CLI_SAFE_LEN];
	struct famfs_fs *fs;
	size_t n = 0, i;

	cli_warn("%s is mounted, but %llu log entries were not replayed "
		 "(%llu cross-linked, %llu failed); the other files are usable. "
		 "Run 'famfs fsck %s'.", mpt, (unsigned long long)st->nbad,
		 (unsigned long long)st->ncrosslinked,
		 (unsigned long long)st->nerrors, mpt);
	if (famfs_fs_open(mpt, false, &fs))
		return;
	if (!famfs_replay_plan_ex(famfs_fs_log(fs), famfs_fs_sb(fs)->log_len,
				  famfs_fs_dev_size(fs), famfs_plan_flags(famfs_fs_sb(fs)),
				  famfs_lookup_mount, (void *)famfs_fs_mountpoint(fs),
				  &acts, &n)) {
		for (i = 0; i < n; i++)
			if (acts[i].type == FAMFS_ACT_BAD)
				cli_warn("log entry %llu (%s) not replayed: %s",
					 (unsigned long long)acts[i].index,
					 cli_safe(acts[i].relpath, p, sizeof(p)),
					 cli_safe(acts[i].why, w, sizeof(w)));
	}
	free(acts);
	famfs_fs_close(fs);
}

static bool verbose;
static int last_err;	/* errno of the last failed mount, for mount.famfs */

/* Does the option string end up read-only ("ro"; the last of ro/rw wins)? */
static bool opts_ro(const char *opts)
{
	const char *p = opts;
	bool ro = false;
	size_t n;

	while (p && *p) {
		n = strcspn(p, ",");
		if (n == 2 && (!strncmp(p, "ro", 2) || !strncmp(p, "rw", 2)))
			ro = p[1] == 'o';
		p += n;
		if (*p)
			p++;
	}
	return ro;
}

/* Is the option @name in the comma-separated @opts? */
static bool opts_has(const char *opts, const char *name)
{
	size_t len = strlen(name), n;
	const char *p = opts;

	while (p && *p) {
		n = strcspn(p, ",");
		if (n == len && !strncmp(p, name, len))
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* A new mount of a host the master had evicted: say so, it matters. */
static void report_eviction(const struct famfs_apply_stats *st)
{
	time_t t = (time_t)(st->evicted_at / 1000000000ULL);
	char when[64];

	if (!st->was_evicted)
		return;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	cli_warn("this host had been evicted by the master (mount generation %llu, at %s); this new mount is a new generation and live again",
		 (unsigned long long)st->evicted_gen, when);
}

/*
 * A mount whose log holds bad or cross-linked entries stays mounted: like
 * fsck, "famfs mount" then exits 3 (corruption found). mount.famfs, run by
 * mount(8) which takes any non-zero status for a failed mount, exits 0
 * after the same warnings.
 */
static int do_mount_ex(const char *dev, const char *mpt, const char *opts,
		       bool dry, bool helper)
{
	struct famfs_apply_stats st;
	int rc;

	/* mount(8) nofail: a device that does not exist is not an error. */
	if (opts_has(opts, "nofail") && access(dev, F_OK) && errno == ENOENT) {
		if (verbose)
			printf("%s: %s does not exist: nothing mounted (nofail)\n",
			       cli_prog, dev);
		return CLI_EXIT_OK;
	}
	memset(&st, 0, sizeof(st));
	rc = famfs_mount_ex(dev, mpt, opts, dry, &st);
	last_err = rc;
	report_eviction(&st);
	if (rc == -EIO && !dry && (st.nbad || st.nerrors)) {
		report_skipped(mpt, &st);
		print_json(dev, mpt, dry, &st);
		return helper ? CLI_EXIT_OK : CLI_EXIT_CORRUPT;
	}
	if (rc) {
		cli_liberr(rc, "cannot mount %s on %s", dev, mpt);
		return cli_exit_for(rc);
	}
	if (mount_json)
		print_json(dev, mpt, dry, &st);
	else if (dry)
		printf("%s: famfs superblock and log are valid (not mounted)\n",
		       dev);
	else if (verbose)
		printf("%s: mounted %s on %s%s: %llu files, %llu directories "
		       "replayed\n", cli_prog, dev, mpt,
		       opts_ro(opts) ? " read-only" : "",
		       (unsigned long long)st.nfiles,
		       (unsigned long long)st.ndirs);
	return CLI_EXIT_OK;
}

static int do_mount(const char *dev, const char *mpt, const char *opts,
		    bool dry)
{
	return do_mount_ex(dev, mpt, opts, dry, false);
}

/* After a failed mount in fsdev mode: back to device_dax, say how it went. */
static void switch_back(const char *dev, const char *mpt, const char *name)
{
	char where[4096];

	if (famfs_path_mountpoint(dev, where, sizeof(where)) == 1) {
		cli_warn("%s stays in fsdev mode: it is mounted on %s", dev,
			 where);
		return;
	}
	if (cli_dax_to_devdax(name))
		cli_err("%s (%s) could not be switched back and stays in fsdev mode (fsdev_dax)",
			dev, name);
	else
		cli_warn("mount of %s on %s failed; %s switched back to device_dax",
			 dev, mpt, name);
}

/* --set-fsdev-mode: validate raw in device_dax mode, switch, mount. */
static int mount_fsdev(const char *dev, const char *mpt, const char *opts,
		       bool dry)
{
	char name[64], drv[64];
	int rc;

	rc = cli_dax_name(dev, name, sizeof(name));
	if (rc == -ENOTTY) {
		cli_err("--set-fsdev-mode: %s is not a character dax device (/dev/daxX.Y)",
			dev);
		return CLI_EXIT_USAGE;
	}
	if (!rc)
		rc = cli_dax_driver(name, drv, sizeof(drv));
	if (rc) {
		cli_err("%s: cannot read its dax bus state in sysfs: %s", dev,
			strerror(-rc));
		return CLI_EXIT_FAIL;
	}
	if (!strcmp(drv, "fsdev_dax"))
		return do_mount(dev, mpt, opts, dry);	/* nothing to switch */
	if (strcmp(drv, "device_dax")) {
		cli_err("%s (%s) is bound to '%s', not device_dax: not switching it",
			dev, name, drv);
		return CLI_EXIT_FAIL;
	}
	/* Raw mmap works only now: check superblock and log before switching. */
	rc = famfs_mount(dev, mpt, opts, true);
	if (rc) {
		cli_liberr(rc, "%s left in device_dax mode", dev);
		return cli_exit_for(rc);
	}
	if (dry) {
		if (mount_json)
			print_json(dev, mpt, dry, NULL);
		else
			printf("%s: famfs superblock and log are valid (not switched, not mounted)\n",
			       dev);
		return CLI_EXIT_OK;
	}
	if (cli_dax_to_fsdev(name)) {
		cli_err("cannot switch %s (%s) to fsdev mode; not mounted", dev,
			name);
		return CLI_EXIT_FAIL;
	}
	{
		struct famfs_apply_stats st;

		memset(&st, 0, sizeof(st));
		rc = famfs_mount_ex(dev, mpt, opts, false, &st);
		report_eviction(&st);
		if (rc == -EIO && (st.nbad || st.nerrors)) {
			report_skipped(mpt, &st);
			print_json(dev, mpt, false, &st);
			return CLI_EXIT_CORRUPT;
		}
		if (!rc)
			print_json(dev, mpt, false, &st);
	}
	if (rc) {
		cli_liberr(rc, "cannot mount %s on %s", dev, mpt);
		switch_back(dev, mpt, name);
		return cli_exit_for(rc);
	}
	return CLI_EXIT_OK;
}

/* Is the famfs file system type registered (module loaded or built in)? */
static bool famfs_registered(void)
{
	char line[128];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "\tfamfs\n") || !strcmp(line, "nodev\tfamfs\n");
	fclose(f);
	return found;
}

/* -L: "modprobe famfs" unless the file system type is already there. */
static int load_module(void)
{
	int status;
	pid_t pid;

	if (famfs_registered())
		return CLI_EXIT_OK;
	if (verbose)
		printf("%s: running modprobe famfs\n", cli_prog);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cli_err("--load-module: cannot fork: %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (pid == 0) {
		execlp("modprobe", "modprobe", "famfs", (char *)NULL);
		fprintf(stderr, "%s: cannot run modprobe: %s\n", cli_prog,
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		cli_err("--load-module: 'modprobe famfs' failed (%s %d)",
			WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status)
					  : WTERMSIG(status));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

enum { OPT_DRY_RUN = 0x100 };

int cmd_mount(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "set-fsdev-mode", no_argument, NULL, 'M' },
		{ "set-daxmode", no_argument, NULL, 'M' },	/* upstream */
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "dryrun", no_argument, NULL, OPT_DRY_RUN },	/* upstream */
		{ "read-only", no_argument, NULL, 'r' },
		{ "rw", no_argument, NULL, 'w' },
		{ "options", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "load-module", no_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opts = NULL;
	char all[1024];
	bool dry = false, fsdev = false, load = false;
	int c, ro = -1, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "rwo:MLvjh", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			mount_json = true;
			break;
		case 'M':
			fsdev = true;
			break;
		case OPT_DRY_RUN:
			dry = true;
			break;
		case 'r':
			ro = 1;
			break;
		case 'w':
			ro = 0;
			break;
		case 'o':
			opts = optarg;
			break;
		case 'L':
			load = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (argc - optind != 2) {
		cli_err("expected DEVICE and MOUNTPOINT");
		return cli_usage_hint();
	}
	/* -r / -w are -o ro / -o rw, after the other options: they win. */
	if (ro >= 0) {
		if ((size_t)snprintf(all, sizeof(all), "%s%s%s", opts ? opts : "",
				     opts && *opts ? "," : "",
				     ro ? "ro" : "rw") >= sizeof(all)) {
			cli_err("mount options too long");
			return cli_usage_hint();
		}
		opts = all;
	}
	if (load && !dry) {
		ret = load_module();
		if (ret)
			return ret;
	}
	if (fsdev)
		return mount_fsdev(argv[optind], argv[optind + 1], opts, dry);
	return do_mount(argv[optind], argv[optind + 1], opts, dry);
}

/* mount(8) "RETURN CODES" for mount.famfs. */
enum {
	MOUNT_EX_SUCCESS = 0,
	MOUNT_EX_USAGE = 1,	/* incorrect invocation or permissions */
	MOUNT_EX_SYSERR = 2,	/* out of memory, cannot fork, ... */
	MOUNT_EX_FAIL = 32,	/* mount failure */
};

static int helper_exit(int ret)
{
	int e = last_err < 0 ? -last_err : last_err;

	if (ret == CLI_EXIT_OK)
		return MOUNT_EX_SUCCESS;
	if (ret == CLI_EXIT_USAGE || e == EPERM || e == EACCES)
		return MOUNT_EX_USAGE;
	if (e == ENOMEM)
		return MOUNT_EX_SYSERR;
	return MOUNT_EX_FAIL;
}

/*
 * mount(8) runs helpers as "mount.famfs SPEC DIR [-sfnv] [-N NS] [-o OPTS]
 * [-t TYPE]": -f (fake) maps to a dry run, -v to verbose, -s -n are
 * accepted. Exit codes are mount(8)'s (helper_exit()).
 */
int cmd_mount_famfs(int argc, char **argv)
{
	const char *opts = NULL, *pos[2];
	bool dry = false;
	int c, npos = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return MOUNT_EX_SUCCESS;
	}
	optind = 1;
	/* Leading '-': positional arguments may come before the options. */
	while ((c = getopt(argc, argv, "-sfnvo:t:N:h")) != -1) {
		switch (c) {
		case 1:
			if (npos == 2) {
				cli_err("too many arguments");
				cli_usage_hint();
				return MOUNT_EX_USAGE;
			}
			pos[npos++] = optarg;
			break;
		case 'f':
			dry = true;
			break;
		case 'o':
			opts = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 's': case 'n': case 't': case 'N':
			break;
		case 'h':
			usage(stdout);
			return MOUNT_EX_SUCCESS;
		default:
			cli_usage_hint();
			return MOUNT_EX_USAGE;
		}
	}
	if (npos != 2) {
		cli_err("expected DEVICE and MOUNTPOINT");
		cli_usage_hint();
		return MOUNT_EX_USAGE;
	}
	return helper_exit(do_mount_ex(pos[0], pos[1], opts, dry, true));
}
