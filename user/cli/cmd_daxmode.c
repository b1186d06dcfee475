// SPDX-License-Identifier: GPL-2.0
/*
 * famfs fsdev-mode: put character dax devices in fsdev mode (bound to
 * fsdev_dax, what famfs mounts) or back in device_dax mode, without
 * mounting. The same sysfs steps as "famfs mount --set-fsdev-mode"
 * (cli_daxmode.c); this is what the boot-time unit famfs-fsdev@.service runs
 * for the devices listed in /etc/famfs/fsdev.conf.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

#define FSDEV_MAX_LISTED 256

struct fsdev_list {
	char *names[FSDEV_MAX_LISTED];	/* as listed: daxX.Y or a path */
	int n;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs fsdev-mode [-d] [-c FILE] [DEVICE...]\n"
		"\n"
		"Bind each character dax DEVICE (/dev/daxX.Y or daxX.Y) to fsdev_dax,\n"
		"the driver famfs mounts, through sysfs (modprobe fsdev_dax, unbind\n"
		"from device_dax, bind to fsdev_dax). A device already in that mode\n"
		"is left as it is. Nothing is mounted.\n"
		"\n"
		"  -d, --devdax        the reverse: back to device_dax (raw mmap);\n"
		"                      refused while the device is mounted\n"
		"  -c, --config FILE   the devices listed in FILE (one per line, '#'\n"
		"                      comments; e.g. /etc/famfs/fsdev.conf). With\n"
		"                      DEVICE arguments: only those that FILE lists,\n"
		"                      the others are left alone. A missing FILE\n"
		"                      lists nothing.\n"
		"  -v, --verbose       name each device before switching it\n"
		"  -h, --help          this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

/* "daxX.Y" of "/dev/daxX.Y", "daxX.Y" or any path ending in it. */
static const char *dev_base(const char *dev)
{
	const char *b = strrchr(dev, '/');

	return b ? b + 1 : dev;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int read_list(const char *file, struct fsdev_list *l)
{
	char line[PATH_MAX], *p, *hash;
	unsigned int lineno = 0;
	FILE *f;

	f = fopen(file, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;	/* no configuration: nothing listed */
		cli_err("cannot read %s: %s", file, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		p = trim(line);
		if (!*p)
			continue;
		if (strncmp(dev_base(p), "dax", 3) || strpbrk(p, " \t")) {
			cli_err("%s:%u: '%s' is not a dax device (daxX.Y or /dev/daxX.Y)",
				file, lineno, p);
			fclose(f);
			return CLI_EXIT_USAGE;
		}
		if (l->n == FSDEV_MAX_LISTED) {
			cli_err("%s: more than %d devices", file,
				FSDEV_MAX_LISTED);
			fclose(f);
			return CLI_EXIT_USAGE;
		}
		l->names[l->n] = strdup(p);
		if (!l->names[l->n]) {
			fclose(f);
			return CLI_EXIT_FAIL;
		}
		l->n++;
	}
	fclose(f);
	return 0;
}

static bool listed(const struct fsdev_list *l, const char *dev)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(dev_base(l->names[i]), dev_base(dev)))
			return true;
	return false;
}

static int set_mode(const char *arg, bool devdax)
{
	const char *want = devdax ? "device_dax" : "fsdev_dax";
	const char *from = devdax ? "fsdev_dax" : "device_dax";
	char path[PATH_MAX], name[64], drv[64], mpt[PATH_MAX];
	int rc;

	if (strchr(arg, '/'))
		snprintf(path, sizeof(path), "%s", arg);
	else
		snprintf(path, sizeof(path), "/dev/%s", arg);
	rc = cli_dax_name(path, name, sizeof(name));
	if (rc == -ENOTTY) {
		cli_err("%s is not a character dax device (/dev/daxX.Y)", path);
		return CLI_EXIT_USAGE;
	}
	if (!rc)
		rc = cli_dax_driver(name, drv, sizeof(drv));
	if (rc) {
		cli_err("%s: cannot read its dax bus state in sysfs: %s", path,
			strerror(-rc));
		return CLI_EXIT_FAIL;
	}
	if (!strcmp(drv, want)) {
		printf("%s (%s): already bound to %s\n", path, name, want);
		return CLI_EXIT_OK;
	}
	if (strcmp(drv, from)) {
		cli_err("%s (%s) is bound to '%s', not %s: not switching it",
			path, name, drv[0] ? drv : "no driver", from);
		return CLI_EXIT_FAIL;
	}
	if (devdax && famfs_path_mountpoint(path, mpt, sizeof(mpt)) == 1) {
		cli_err("%s is mounted on %s: unmount it first", path, mpt);
		return CLI_EXIT_REFUSED;
	}
	rc = devdax ? cli_dax_to_devdax(name) : cli_dax_to_fsdev(name);
	if (rc) {
		cli_err("cannot bind %s (%s) to %s", path, name, want);
		return CLI_EXIT_FAIL;
	}
	printf("%s (%s): bound to %s\n", path, name, want);
	return CLI_EXIT_OK;
}

int cmd_fsdev_mode(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "devdax", no_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fsdev_list l = { .n = 0 };
	const char *config = NULL;
	bool devdax = false, verbose = false;
	int c, i, rc, ret = CLI_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "dc:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			devdax = true;
			break;
		case 'c':
			config = optarg;
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
	if (!config && optind == argc) {
		cli_err("missing DEVICE (or --config FILE)");
		return cli_usage_hint();
	}
	if (config) {
		ret = read_list(config, &l);
		if (ret)
			goto out;
	}
	if (optind == argc) {
		if (!l.n)
			printf("%s lists no device: nothing to do\n", config);
		for (i = 0; i < l.n; i++) {
			if (verbose)
				printf("%s: to %s\n", l.names[i],
				       devdax ? "device_dax" : "fsdev_dax");
			rc = set_mode(l.names[i], devdax);
			if (rc > ret)
				ret = rc;
		}
		goto out;
	}
	for (i = optind; i < argc; i++) {
		if (config && !listed(&l, argv[i])) {
			printf("%s: not listed in %s, left alone\n", argv[i],
			       config);
			continue;
		}
		if (verbose)
			printf("%s: to %s\n", argv[i],
			       devdax ? "device_dax" : "fsdev_dax");
		rc = set_mode(argv[i], devdax);
		if (rc > ret)
			ret = rc;
	}
out:
	for (i = 0; i < l.n; i++)
		free(l.names[i]);
	return ret;
}
