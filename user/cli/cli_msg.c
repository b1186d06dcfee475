// SPDX-License-Identifier: GPL-2.0
/* Error and warning messages of the famfs command line programs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "libfamfs.h"

const char *cli_prog = "famfs";
static const char *cli_cmd;

void cli_set_cmd(const char *cmd)
{
	cli_cmd = cmd;
}

static void cli_prefix(void)
{
	if (cli_cmd)
		fprintf(stderr, "%s %s: ", cli_prog, cli_cmd);
	else
		fprintf(stderr, "%s: ", cli_prog);
}

void cli_err(const char *fmt, ...)
{
	va_list ap;

	cli_prefix();
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	cli_prefix();
	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_liberr(int err, const char *fmt, ...)
{
	const char *msg = famfs_errmsg();
	va_list ap;

	cli_prefix();
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* The library message is more precise than strerror when it has one. */
	if (msg && *msg && err)
		fprintf(stderr, ": %s (%s)\n", msg, strerror(err < 0 ? -err : err));
	else if (msg && *msg)
		fprintf(stderr, ": %s\n", msg);
	else
		fprintf(stderr, ": %s\n", strerror(err < 0 ? -err : err));
}

int cli_exit_for(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return CLI_EXIT_OK;
	case EROFS:	/* client host */
	case EBUSY:	/* device mounted on this host */
		return CLI_EXIT_REFUSED;
	default:
		return CLI_EXIT_FAIL;
	}
}

int cli_usage_hint(void)
{
	if (cli_cmd)
		fprintf(stderr, "Try '%s %s --help'.\n", cli_prog, cli_cmd);
	else
		fprintf(stderr, "Try '%s --help'.\n", cli_prog);
	return CLI_EXIT_USAGE;
}
