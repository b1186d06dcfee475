// SPDX-License-Identifier: GPL-2.0
/*
 * famfs logplay: instantiate the log in a mount. Planning is pure
 * (famfs_replay_plan); applying creates what is missing and only adds.
 * "--follow" (keep replaying as the log grows) lives in
 * cmd_logplay_follow.c and is dispatched before option parsing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"
#include "logplay_follow.h"

struct logplay_opts {
	bool dry, client, verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs logplay [-n] [--client] [-v] MOUNTPOINT\n"
		"       famfs logplay --follow [-i MS] [-t SECONDS] [-q] MOUNTPOINT\n"
		"\n"
		"Replay the famfs log into the mount: create every logged directory\n"
		"and file that is missing (idempotent, only adds) and report log\n"
		"entries that are invalid or conflict with what exists.\n"
		"\n"
		"  -n, --dry-run   plan only: print what would be created\n"
		"  -c, --client    replay as a client: files read-only (a client\n"
		"                  host always does this)\n"
		"  -v, --verbose   also list entries that already exist\n"
		"  -F, --follow    keep following the log ('famfs logplay --follow\n"
		"                  --help' for its options)\n"
		"  -h, --help      this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"  (3 here means: the log holds invalid or conflicting entries;\n"
		"   4 also: the log is shorter than what this mount replayed,\n"
		"   e.g. after 'famfs fsck --repair': unmount and mount again)\n");
}

static void print_plan(const struct famfs_action *acts, size_t n,
		       const struct logplay_opts *o, uint64_t *nbad,
		       uint64_t *nxlink)
{
	const char *verb = o->dry ? "would create" : "create";
	char p[CLI_SAFE_LEN], w[CLI_SAFE_LEN];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct famfs_action *a = &acts[i];

		switch (a->type) {
		case FAMFS_ACT_MKDIR:
			printf("%s dir  %s\n", verb,
			       cli_safe(a->relpath, p, sizeof(p)));
			break;
		case FAMFS_ACT_CREATE:
			printf("%s file %s (%llu bytes)\n", verb,
			       cli_safe(a->relpath, p, sizeof(p)),
			       (unsigned long long)a->size);
			break;
		case FAMFS_ACT_EXISTS:
			if (o->verbose)
				printf("exists      %s\n",
				       cli_safe(a->relpath, p, sizeof(p)));
			break;
		case FAMFS_ACT_BAD:
			printf("bad entry %llu (%s): %s\n",
			       (unsigned long long)a->index,
			       cli_safe(a->relpath, p, sizeof(p)),
			       cli_safe(a->why, w, sizeof(w)));
			(*nbad)++;
			if (a->err == -EADDRINUSE)
				(*nxlink)++;
			break;
		}
	}
}

/* One replay pass over the whole valid log. Returns an exit code. */
static int logplay_once(const char *where, const struct logplay_opts *o)
{
	struct famfs_apply_stats st = { 0 };
	const struct famfs_superblock *sb;
	struct famfs_action *acts = NULL;
	struct famfs_log_scan scan;
	char w[CLI_SAFE_LEN];
	struct famfs_fs *fs;
	const char *root;
	uint64_t nbad = 0, nxlink = 0;
	size_t nacts = 0;
	bool client;
	int rc, ret = CLI_EXIT_OK;

	rc = famfs_fs_open(where, false, &fs);
	if (rc) {
		cli_liberr(rc, "%s is not a usable famfs mount", where);
		return cli_exit_for(rc);
	}
	sb = famfs_fs_sb(fs);
	root = famfs_fs_mountpoint(fs);
	client = o->client || !famfs_fs_is_master(fs);
	/* A log shorter than what this mount replayed: like a re-format. */
	rc = famfs_mount_record_check_log(root, famfs_fs_log(fs), sb->log_len);
	if (rc) {
		cli_liberr(rc, "refusing to replay into %s", root);
		ret = CLI_EXIT_REFUSED;
		goto out;
	}
	rc = famfs_log_scan(famfs_fs_log(fs), sb->log_len, &scan);
	if (rc) {
		cli_liberr(rc, "cannot scan the log");
		ret = CLI_EXIT_CORRUPT;
		goto out;
	}
	if (scan.damaged)
		cli_warn("log damaged at entry %llu (%s): replaying the %llu "
			 "valid entries before it",
			 (unsigned long long)scan.bad_index,
			 cli_safe(scan.why, w, sizeof(w)),
			 (unsigned long long)scan.nvalid);
	rc = famfs_replay_plan(famfs_fs_log(fs), sb->log_len,
			       famfs_fs_dev_size(fs), famfs_lookup_mount,
			       (void *)root, &acts, &nacts);
	if (rc) {
		cli_liberr(rc, "cannot plan the replay");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	print_plan(acts, nacts, o, &nbad, &nxlink);
	if (!o->dry) {
		rc = famfs_apply_plan(root, acts, nacts, client, &st);
		/* Remember how far this mount got (best effort). */
		famfs_mount_record_log(root, sb->fs_uuid, famfs_fs_log(fs),
				       scan.nvalid);
		printf("logplay: %llu directories and %llu files created, "
		       "%llu existing, %llu bad entries (%llu cross-linked, left "
		       "unmapped), %llu errors%s\n",
		       (unsigned long long)st.ndirs,
		       (unsigned long long)st.nfiles,
		       (unsigned long long)st.nexisting,
		       (unsigned long long)(nbad + st.ncrosslinked - nxlink),
		       (unsigned long long)st.ncrosslinked,
		       (unsigned long long)st.nerrors,
		       client ? " (client: read-only files)" : "");
		if (st.nerrors) {
			cli_err("%s", st.first_error[0] ? st.first_error
							: famfs_errmsg());
			ret = CLI_EXIT_FAIL;
		}
	}
	if (ret == CLI_EXIT_OK && (nbad || scan.damaged))
		ret = CLI_EXIT_CORRUPT;
out:
	free(acts);
	famfs_fs_close(fs);
	return ret;
}

int cmd_logplay(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "client", no_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct logplay_opts o = { 0 };
	int c;

	/* --follow has its own options and loop (cmd_logplay_follow.c). */
	if (logplay_follow_requested(argc, argv))
		return logplay_follow_main(argc, argv);
	optind = 1;
	while ((c = getopt_long(argc, argv, "ncvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry = true;
			break;
		case 'c':
			o.client = true;
			break;
		case 'v':
			o.verbose = true;
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
	return logplay_once(argv[optind], &o);
}
