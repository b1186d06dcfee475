// SPDX-License-Identifier: GPL-2.0
/* famfs check: every file in a mount must have a map (MAP_GET_V2 works). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static struct {
	bool verbose;
	unsigned long nfiles, ndirs, nbad;
	struct cli_json *j;	/* --json: problems (and files) go here */
} chk;

/* One problem (or, with -v, one good file) as text or a JSON object. */
static void report(const char *what, const char *path, const char *err,
		   uint64_t size)
{
	char p[CLI_SAFE_LEN];

	if (!chk.j) {
		cli_safe(path, p, sizeof(p));
		if (!strcmp(what, "ok"))
			printf("ok: %s (%llu bytes)\n", p,
			       (unsigned long long)size);
		else if (!strcmp(what, "no map"))
			printf("no map: %s (%s)\n", p, err);
		else if (err)
			printf("%s: %s: %s\n", what, p, err);
		else
			printf("%s: %s\n", what, p);
		return;
	}
	cli_json_obj_begin(chk.j, NULL);
	cli_json_str(chk.j, "path", path);
	cli_json_str(chk.j, "status", what);
	if (err)
		cli_json_str(chk.j, "error", err);
	if (!strcmp(what, "ok"))
		cli_json_u64(chk.j, "size", size);
	cli_json_obj_end(chk.j);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs check [-v] MOUNTPOINT\n"
		"\n"
		"Check that every file in the famfs mounted on MOUNTPOINT has an\n"
		"extent map in the kernel (MAP_GET_V2 succeeds on it) and list\n"
		"the ones that do not (e.g. created behind famfs's back).\n"
		"\n"
		"  -v, --verbose   list every file checked\n"
		"  -j, --json      JSON output: counts and the files without a map\n"
		"  -h, --help      this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"  (3 here means: files without a map were found)\n");
}

static int check_entry(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	struct famfs_ioc_get_fmap k;
	int fd, rc;

	(void)st;
	(void)ftw;
	if (flag == FTW_D) {
		chk.ndirs++;
		return 0;
	}
	if (flag == FTW_DNR || flag == FTW_NS) {
		report("unreadable", path, NULL, 0);
		chk.nbad++;
		return 0;
	}
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	chk.nfiles++;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		report("cannot open", path, strerror(errno), 0);
		chk.nbad++;
		return 0;
	}
	rc = famfs_kmap_get(fd, &k);
	close(fd);
	if (rc) {
		report("no map", path, strerror(-rc), 0);
		chk.nbad++;
	} else if (chk.verbose) {
		report("ok", path, NULL, k.iocmap.fioc_file_size);
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct famfs_fs *fs;
	struct cli_json json;
	const char *root;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vjh", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			chk.j = &json;
			break;
		case 'v':
			chk.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (argc - optind != 1) {
		cli_err("expected one MOUNTPOINT");
		return cli_usage_hint();
	}
	rc = famfs_fs_open(argv[optind], false, &fs);
	if (rc) {
		cli_liberr(rc, "%s is not a famfs mount", argv[optind]);
		return CLI_EXIT_FAIL;
	}
	root = famfs_fs_mountpoint(fs);
	if (chk.j) {
		cli_json_init(chk.j, stdout);
		cli_json_obj_begin(chk.j, NULL);
		cli_json_str(chk.j, "mountpoint", root);
		cli_json_arr_begin(chk.j, "files");
	}
	/* Physical walk, never leaving this file system. */
	rc = nftw(root, check_entry, 32, FTW_PHYS | FTW_MOUNT);
	if (rc)
		cli_err("walking %s: %s", argv[optind], strerror(errno));
	if (chk.j) {
		cli_json_arr_end(chk.j);
		cli_json_u64(chk.j, "checked", chk.nfiles);
		cli_json_u64(chk.j, "directories", chk.ndirs);
		cli_json_u64(chk.j, "without_map", chk.nbad);
		cli_json_bool(chk.j, "complete", rc == 0);
		cli_json_obj_end(chk.j);
		cli_json_finish(chk.j);
	}
	famfs_fs_close(fs);
	if (rc)
		return CLI_EXIT_FAIL;
	if (!chk.j)
		printf("%lu files, %lu directories checked, %lu without a map\n",
	       chk.nfiles, chk.ndirs, chk.nbad);
	return chk.nbad ? CLI_EXIT_CORRUPT : CLI_EXIT_OK;
}
