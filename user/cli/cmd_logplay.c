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
	struct cli_json *j;	/* --json */
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
		"  -n, --dry-run, --dryrun\n"
		"                  plan only: print what would be created\n"
		"  -c, --client    replay as a client: files read-only (a client\n"
		"                  host always does this)\n"
		"  -v, --verbose   also list entries that already exist\n"
		"  -j, --json      JSON output: the plan and the counts (with\n"
		"                  --follow: one JSON object per event and line)\n"
		"  -F, --follow    keep following the log ('famfs logplay --follow\n"
		"                  --help' for its options)\n"
		"  -M, --set-daxmode\n"
		"                  upstream's device mode switch: refused, a\n"
		"                  mounted famfs has nothing to switch\n"
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

		if (o->j) {
			/* Every action, existing ones included. */
			static const char *const name[] = {
				[FAMFS_ACT_MKDIR] = "mkdir",
				[FAMFS_ACT_CREATE] = "create",
				[FAMFS_ACT_EXISTS] = "exists",
				[FAMFS_ACT_BAD] = "bad",
				[FAMFS_ACT_DELETE] = "delete",
			};

			cli_json_obj_begin(o->j, NULL);
			cli_json_u64(o->j, "index", a->index);
			cli_json_str(o->j, "action",
				     (size_t)a->type < sizeof(name) / sizeof(name[0]) &&
				     name[a->type] ? name[a->type] : "unknown");
			cli_json_str(o->j, "path", a->relpath);
			if (a->type == FAMFS_ACT_CREATE)
				cli_json_u64(o->j, "size", a->size);
			if (a->type == FAMFS_ACT_BAD) {
				cli_json_str(o->j, "why", a->why);
				cli_json_bool(o->j, "crosslinked",
					      a->err == -EADDRINUSE);
			}
			cli_json_obj_end(o->j);
			if (a->type == FAMFS_ACT_BAD) {
				(*nbad)++;
				if (a->err == -EADDRINUSE)
					(*nxlink)++;
			}
			continue;
		}
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
		case FAMFS_ACT_DELETE:
			if (o->verbose)
				printf("%s %s %s (entry %llu)\n",
				       o->dry ? "would delete" : "delete",
				       a->is_dir ? "dir " : "file",
				       cli_safe(a->relpath, p, sizeof(p)),
				       (unsigned long long)a->target);
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
	rc = famfs_log_scan(famfs_fs_log(fs), sb->log_len, &scan);
	if (rc) {
		cli_liberr(rc, "cannot scan the log");
		ret = CLI_EXIT_CORRUPT;
		goto out;
	}
	/* A log shorter than what this mount replayed: like a re-format. */
	rc = famfs_mount_record_check_scan(root, famfs_fs_log(fs), &scan);
	if (rc) {
		cli_liberr(rc, "refusing to replay into %s", root);
		ret = CLI_EXIT_REFUSED;
		goto out;
	}
	if (scan.damaged)
		cli_warn("log damaged at entry %llu (%s): it and every later "
			 "entry cannot be read; replaying the %llu valid "
			 "entries before it (run 'famfs fsck')",
			 (unsigned long long)scan.bad_index,
			 cli_safe(scan.why, w, sizeof(w)),
			 (unsigned long long)scan.nvalid);
	rc = famfs_replay_plan_n(famfs_fs_log(fs), sb->log_len,
				 famfs_fs_dev_size(fs), famfs_plan_flags(sb),
				 famfs_lookup_mount, (void *)root, scan.nvalid,
				 &acts, &nacts);
	if (rc) {
		cli_liberr(rc, "cannot plan the replay");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	if (o->j) {
		cli_json_init(o->j, stdout);
		cli_json_obj_begin(o->j, NULL);
		cli_json_str(o->j, "mountpoint", root);
		cli_json_bool(o->j, "dry_run", o->dry);
		cli_json_bool(o->j, "client", client);
		cli_json_obj_begin(o->j, "log");
		cli_json_u64(o->j, "valid_entries", scan.nvalid);
		cli_json_bool(o->j, "damaged", scan.damaged);
		if (scan.damaged) {
			cli_json_u64(o->j, "bad_index", scan.bad_index);
			cli_json_str(o->j, "why", scan.why);
		}
		cli_json_obj_end(o->j);
		cli_json_arr_begin(o->j, "actions");
	}
	print_plan(acts, nacts, o, &nbad, &nxlink);
	if (o->j)
		cli_json_arr_end(o->j);
	if (!o->dry) {
		rc = famfs_apply_plan(root, acts, nacts, client, &st);
		/* Remember how far this mount got (best effort). */
		famfs_mount_record_log(root, sb->fs_uuid, famfs_fs_log(fs),
				       scan.nvalid);
		if (cli_host_update(root, scan.nvalid, UINT64_MAX))
			ret = CLI_EXIT_FAIL;
		if (o->j) {
			cli_json_obj_begin(o->j, "replay");
			cli_json_u64(o->j, "directories", st.ndirs);
			cli_json_u64(o->j, "files", st.nfiles);
			cli_json_u64(o->j, "existing", st.nexisting);
			cli_json_u64(o->j, "bad_entries",
				     nbad + st.ncrosslinked - nxlink);
			cli_json_u64(o->j, "crosslinked", st.ncrosslinked);
			cli_json_u64(o->j, "errors", st.nerrors);
			cli_json_obj_end(o->j);
		} else {
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
		}
		if (st.nerrors) {
			char e[sizeof(st.first_error) * 4 + 512 * 4];

			cli_err("%s", cli_safe(st.first_error[0] ? st.first_error
							 : famfs_errmsg(),
					       e, sizeof(e)));
			ret = CLI_EXIT_FAIL;
		}
	}
	if (ret == CLI_EXIT_OK && (nbad || scan.damaged))
		ret = CLI_EXIT_CORRUPT;
	if (o->j) {
		cli_json_u64(o->j, "exit", (uint64_t)ret);
		cli_json_obj_end(o->j);
		cli_json_finish(o->j);
	}
out:
	free(acts);
	famfs_fs_close(fs);
	famfs_stats_report("logplay");
	return ret;
}

int cmd_logplay(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "dryrun", no_argument, NULL, 'n' },	/* upstream */
		{ "set-daxmode", no_argument, NULL, 'M' },
		{ "client", no_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct logplay_opts o = { 0 };
	struct cli_json json;
	int c;

	/* --follow has its own options and loop (cmd_logplay_follow.c). */
	if (logplay_follow_requested(argc, argv))
		return logplay_follow_main(argc, argv);
	optind = 1;
	while ((c = getopt_long(argc, argv, "ncvjMh", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.j = &json;
			break;
		case 'n':
			o.dry = true;
			break;
		case 'c':
			o.client = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'M':
			cli_err("-M/--set-daxmode: logplay replays into a mounted "
				"famfs, whose device is already in the mode it "
				"needs; there is nothing to switch (set the mode "
				"when mounting: famfs mount -M)");
			return CLI_EXIT_USAGE;
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
