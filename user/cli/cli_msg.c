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

/*
 * "<what>: <library message> (<strerror>)" without saying anything twice:
 * library messages often start with the path or the operation the caller
 * already names ("X: ...", "mount X on Y: ...") and often end with the
 * strerror text. Those leading parts are dropped, the strerror is added
 * only if the message lacks it, and a message that names @what itself
 * ("'f' is not in the log" for what = "f") replaces it.
 */
/*
 * Does @what already say the @n bytes at @head? A phrase ("mount X on Y")
 * anywhere in it, a bare word (a path) only at its end ("cannot open X"):
 * in "cannot mount X on Y" a bare "X" or "Y" says which one failed.
 */
static bool said_already(const char *what, const char *head, size_t n)
{
	size_t wl = strlen(what);

	if (memchr(head, ' ', n))
		return memmem(what, wl, head, n) != NULL;
	return wl >= n && !memcmp(what + wl - n, head, n) &&
	       (wl == n || what[wl - n - 1] == ' ');
}

void cli_liberr(int err, const char *fmt, ...)
{
	const char *msg = famfs_errmsg(), *colon;
	char what[1024], se[128], safe[4 * 512 + 1];
	bool alone = false;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(se, sizeof(se), "%s", strerror(err < 0 ? -err : err));
	/* Library messages quote names read from the media: escape them. */
	msg = cli_safe(msg, safe, sizeof(safe));
	while (msg && *msg && (colon = strstr(msg, ": ")) && colon > msg &&
	       said_already(what, msg, (size_t)(colon - msg)))
		msg = colon + 2;
	if (msg && !strcmp(msg, se))
		msg = "";
	if (msg && *msg && *what && strstr(msg, what))
		alone = true;
	cli_prefix();
	fputs("error: ", stderr);
	if (!alone)
		fputs(what, stderr);
	if (msg && *msg)
		fprintf(stderr, "%s%s", alone ? "" : ": ", msg);
	if (err && (!msg || !*msg))
		fprintf(stderr, "%s%s", alone ? "" : ": ", se);
	else if (err && !strstr(msg, se))
		fprintf(stderr, " (%s)", se);
	fputc('\n', stderr);
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
