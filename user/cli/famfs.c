// SPDX-License-Identifier: GPL-2.0
/*
 * famfs: the command line front end. Dispatches to one cmd_<name>() per
 * subcommand; invoked as mount.famfs it behaves like "famfs mount".
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

/* The release, from the top-level VERSION file (user/Makefile). */
#ifndef FAMFS_CLI_VERSION
#define FAMFS_CLI_VERSION "unknown"
#endif

struct famfs_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct famfs_cmd cmds[] = {
	{ "mount", cmd_mount, "mount a famfs device and replay its log" },
	{ "umount", cmd_umount, "unmount, and leave the host table" },
	{ "fsck", cmd_fsck, "check a device, image or mounted famfs" },
	{ "check", cmd_check, "check that every file in a mount has a map" },
	{ "logplay", cmd_logplay, "replay the log into a mounted famfs" },
	{ "mkdir", cmd_mkdir, "create directories" },
	{ "creat", cmd_creat, "create and allocate files" },
	{ "rm", cmd_rm, "delete files and trees (delete feature)" },
	{ "rmdir", cmd_rmdir, "delete empty directories (delete feature)" },
	{ "host", cmd_host, "list or evict hosts (delete feature)" },
	{ "cp", cmd_cp, "copy files and trees into famfs" },
	{ "getmap", cmd_getmap, "print the extent map of files" },
	{ "verify", cmd_verify, "compare a file with a seeded stream" },
	{ "flush", cmd_flush, "flush CPU caches over files" },
	{ "chkread", cmd_chkread, "read a file by read(2) and mmap, compare" },
	{ "clone", cmd_clone, "log a second file with the same map (test)" },
	{ "mkmeta", cmd_mkmeta, "create the .meta files of a mount" },
	{ "cat", cmd_cat, "write a file's bytes to stdout" },
	{ "fsdev-mode", cmd_fsdev_mode, "bind dax devices to fsdev_dax (boot)" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: famfs [--version] [--help] COMMAND [ARGS]\n"
		"       famfs help COMMAND\n"
		"\n"
		"famfs: the shared-memory file system for fabric-attached and\n"
		"CXL memory. Commands:\n\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\n'famfs COMMAND --help' (or 'famfs help COMMAND') describes a\n"
		"command.\n"
		"mkdir, creat, cp, verify, getmap, cat and clone accept\n"
		"--device PATH to work on an unmounted device or image.\n\n"
		CLI_EXIT_CODES_HELP);
}

/*
 * Upstream famfs takes "-?" for help everywhere: make it --help, up to a
 * "--" (after which everything is an operand).
 */
static void help_aliases(int argc, char **argv)
{
	static char help[] = "--help";
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-?"))
			argv[i] = help;
	}
}

static const struct famfs_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(name, cmds[i].name) == 0)
			return &cmds[i];
	return NULL;
}

/*
 * Run a subcommand with argv[0] = "famfs CMD": getopt's own messages
 * ("invalid option -- 'x'") then carry the same prefix as ours.
 */
static int run_cmd(const struct famfs_cmd *c, int argc, char **argv)
{
	static char name[64];

	snprintf(name, sizeof(name), "famfs %s", c->name);
	argv[0] = name;
	cli_set_cmd(c->name);
	return c->run(argc, argv);
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const struct famfs_cmd *c;

	base = base ? base + 1 : (argc > 0 ? argv[0] : "famfs");
	help_aliases(argc, argv);
	if (strcmp(base, "mount.famfs") == 0) {
		cli_prog = "mount.famfs";
		argv[0] = (char *)cli_prog;
		if (argc == 2 && (!strcmp(argv[1], "-V") ||
				  !strcmp(argv[1], "--version"))) {
			printf("mount.famfs (famfs) %s\n", FAMFS_CLI_VERSION);
			return CLI_EXIT_OK;
		}
		return cmd_mount_famfs(argc, argv);
	}
	cli_prog = "famfs";
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") && argc > 2) {
		/* "famfs help CMD" is "famfs CMD --help". */
		static char help[] = "--help";
		char *hargv[3] = { argv[2], help, NULL };

		c = find_cmd(argv[2]);
		if (!c) {
			fprintf(stderr, "famfs: unknown command '%s'\n", argv[2]);
			fprintf(stderr, "Try 'famfs --help'.\n");
			return CLI_EXIT_USAGE;
		}
		if (argc > 3) {
			fprintf(stderr, "famfs help: too many arguments\n");
			fprintf(stderr, "Try 'famfs --help'.\n");
			return CLI_EXIT_USAGE;
		}
		return run_cmd(c, 2, hargv);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("famfs %s\n", FAMFS_CLI_VERSION);
		return CLI_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (c)
		return run_cmd(c, argc - 1, argv + 1);
	fprintf(stderr, "famfs: unknown command '%s'\n", argv[1]);
	fprintf(stderr, "Try 'famfs --help'.\n");
	return CLI_EXIT_USAGE;
}
