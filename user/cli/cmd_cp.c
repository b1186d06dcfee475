// SPDX-License-Identifier: GPL-2.0
/*
 * famfs cp: copy files and trees into famfs. The whole run uses one file
 * system handle (one lock, one allocation bitmap), see cli_copy.c.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs cp [-r] [-t THREADS] [-c] [-v] [-m MODE] [-u UID] [-g GID]\n"
		"                [-N NSTRIPS [-B NBUCKETS] [-C CHUNK]] [--device DEV]\n"
		"                SRC... DEST\n"
		"\n"
		"Copy files (and with -r directory trees) into famfs. With several\n"
		"SRC, or a directory DEST, the copies go into DEST. A destination\n"
		"file that exists with the same size is reused and rewritten, so an\n"
		"interrupted copy can be run again; a different size is an error.\n"
		"Large copies show progress when stderr is a terminal.\n"
		"\n"
		"  -r, --recursive       copy directories and their contents\n"
		"  -t, --threads N, --threadct N\n"
		"                        copy file data with N threads (1..64)\n"
		"  -c, --compare         read every copy back and compare it with\n"
		"                        its source (a difference is an error)\n"
		"  -v, --verbose         print each file copied\n"
		"  -m, --mode MODE       octal mode of new files (default: the source's)\n"
		"  -u, --uid UID         owner (default: the source's)\n"
		"  -g, --gid GID         group (default: the source's)\n"
		"  -N, --nstrips N       interleave files over N strips (1..16)\n"
		"  -B, --nbuckets N      split the device into N buckets (<= 64)\n"
		"  -C, --chunksize SIZE  interleave chunk (power of two, 2m multiple,\n"
		"                        at most 1g)\n"
		"  -D, --device DEV      copy into the unmounted device or image DEV;\n"
		"                        DEST is then relative to the root (/ is the root)\n"
		"  -j, --json            print the summary as JSON (no progress)\n"
		"  -h, --help            this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

/* Last component of @path without trailing slashes. */
static void base_name(const char *path, char *out, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(out, len, "%s", basename(tmp));
}

static void print_json(const struct cli_copy *c)
{
	struct cli_json j;

	cli_json_init(&j, stdout);
	cli_json_obj_begin(&j, NULL);
	cli_json_u64(&j, "files", c->nfiles + c->nreused);
	cli_json_u64(&j, "reused", c->nreused);
	cli_json_u64(&j, "directories", c->ndirs);
	cli_json_u64(&j, "bytes", c->nbytes);
	cli_json_u64(&j, "skipped", c->nskipped);
	cli_json_u64(&j, "errors", c->nerrors);
	cli_json_bool(&j, "stopped", c->fatal);
	cli_json_obj_end(&j);
	cli_json_finish(&j);
}

static int copy_src(struct cli_copy *c, const char *src, const char *dest,
		    bool into)
{
	char name[NAME_MAX + 1], rel[PATH_MAX];
	struct stat st;
	int rc, kind;

	if (stat(src, &st)) {
		cli_err("cannot stat %s: %s", src, strerror(errno));
		c->nerrors++;
		return -errno;
	}
	if (into) {
		base_name(src, name, sizeof(name));
		if (!strcmp(name, "/") || !strcmp(name, ".") ||
		    !strcmp(name, "..")) {
			cli_err("cannot copy %s: no usable name; copy its "
				"contents with %s/* instead", src, src);
			c->nerrors++;
			return -EINVAL;
		}
		rc = cli_relpath_join(rel, sizeof(rel), dest, name);
		if (rc) {
			c->nerrors++;
			return rc;
		}
	} else {
		snprintf(rel, sizeof(rel), "%s", dest);
	}
	if (S_ISREG(st.st_mode)) {
		rc = famfs_relpath_check(rel);
		if (rc) {
			cli_liberr(rc, "cannot copy %s to %s", src, rel);
			c->nerrors++;
			return rc;
		}
		return cli_copy_file(c, src, rel);
	}
	if (!S_ISDIR(st.st_mode)) {
		cli_err("%s is not a regular file or directory", src);
		c->nerrors++;
		return -EINVAL;
	}
	if (!c->recursive) {
		cli_err("%s is a directory (use -r)", src);
		c->nerrors++;
		return -EISDIR;
	}
	kind = cli_fs_kind(c->fs, rel);
	if (kind == FAMFS_LOOKUP_FILE) {
		cli_err("cannot copy directory %s over file %s", src, rel);
		c->nerrors++;
		return -ENOTDIR;
	}
	if (kind == FAMFS_LOOKUP_ABSENT) {
		rc = famfs_fs_mkdir(c->fs, rel, st.st_mode & 07777,
				    c->attr.uid_set ? c->attr.uid : st.st_uid,
				    c->attr.gid_set ? c->attr.gid : st.st_gid,
				    false);
		if (rc) {
			cli_liberr(rc, "cannot create directory %s", rel);
			c->nerrors++;
			if (rc == -ENOSPC || rc == -EROFS) {
				c->fatal = true;
				c->fatal_err = rc;
			}
			return rc;
		}
		c->ndirs++;
	}
	return cli_copy_dir_contents(c, src, rel);
}

int cmd_cp(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "threadct", required_argument, NULL, 't' },	/* upstream */
		{ "compare", no_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "nstrips", required_argument, NULL, 'N' },
		{ "nbuckets", required_argument, NULL, 'B' },
		{ "chunksize", required_argument, NULL, 'C' },
		{ "device", required_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_copy c = { 0 };
	struct cli_il ilo = { 0 };
	struct famfs_interleave il;
	const char *device = NULL, *dest;
	char rel[4096];
	struct famfs_fs *fs;
	uint32_t threads = 1;
	bool use_il, into, json = false;
	int i, nsrc, ch, rc, ret, kind;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "rt:cvm:u:g:N:B:C:D:jh", lopts,
				 NULL)) != -1) {
		if (cli_attr_opt(ch, optarg, &c.attr) < 0 ||
		    cli_il_opt(ch, optarg, &ilo) < 0)
			return cli_usage_hint();
		switch (ch) {
		case 'r':
			c.recursive = true;
			break;
		case 't':
			if (!cli_opt_u32("thread count", optarg, &threads))
				return cli_usage_hint();
			if (threads < 1 || threads > 64) {
				cli_err("thread count must be 1..64, not %u",
					threads);
				return cli_usage_hint();
			}
			break;
		case 'v':
			c.verbose = true;
			break;
		case 'c':
			c.compare = true;
			break;
		case 'D':
			device = optarg;
			break;
		case 'j':
			json = true;
			cli_progress_off = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'm': case 'u': case 'g': case 'N': case 'B': case 'C':
			break;
		default:
			return cli_usage_hint();
		}
	}
	nsrc = argc - optind - 1;
	if (nsrc < 1) {
		cli_err(nsrc < 0 ? "missing SRC and DEST" : "missing DEST");
		return cli_usage_hint();
	}
	dest = argv[argc - 1];
	if (json)
		c.verbose = false;	/* stdout holds only the JSON */
	ret = cli_fs_open(device, dest, true, &fs);
	if (ret)
		return ret;
	c.fs = fs;
	c.threads = threads;
	ret = cli_il_resolve(&ilo, fs, &il, &use_il);
	if (ret)
		goto out;
	c.il = use_il ? &il : NULL;
	/* Offline, "/" (or "") names the root itself. */
	if (device && dest[strspn(dest, "/")] == '\0')
		rel[0] = '\0';
	else if (cli_fs_relpath(fs, dest, rel, sizeof(rel))) {
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	kind = cli_fs_kind(fs, rel);
	if (nsrc > 1 && kind != FAMFS_LOOKUP_DIR) {
		cli_err("target %s is not a directory", dest);
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	into = kind == FAMFS_LOOKUP_DIR;
	rc = cli_copy_init(&c);
	if (rc) {
		cli_err("out of memory");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	for (i = optind; i < argc - 1 && !c.fatal; i++)
		copy_src(&c, argv[i], rel, into);
	cli_copy_finish(&c);
	if (json)
		print_json(&c);
	else if (c.verbose || c.nerrors)
		printf("famfs cp: %llu files (%llu reused), %llu directories, "
		       "%llu bytes, %llu skipped, %llu errors\n",
		       (unsigned long long)(c.nfiles + c.nreused),
		       (unsigned long long)c.nreused,
		       (unsigned long long)c.ndirs,
		       (unsigned long long)c.nbytes,
		       (unsigned long long)c.nskipped,
		       (unsigned long long)c.nerrors);
	if (c.fatal)
		ret = cli_exit_for(c.fatal_err);
	else if (c.nerrors)
		ret = CLI_EXIT_FAIL;
out:
	famfs_fs_close(fs);
	return ret;
}
