/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs logplay --follow: keep a mount up to date with the shared log.
 *
 * Hook for cmd_logplay.c: before parsing its own options,
 *
 *	if (logplay_follow_requested(argc, argv))
 *		return logplay_follow_main(argc, argv);
 */
#ifndef FAMFS_LOGPLAY_FOLLOW_H
#define FAMFS_LOGPLAY_FOLLOW_H

#include <stdbool.h>

/* True if argv (the logplay subcommand's) contains --follow or -F. */
bool logplay_follow_requested(int argc, char **argv);

/*
 * famfs logplay --follow [-i MS] [-t SECONDS] [-q] MOUNTPOINT
 * Returns a CLI exit code (enum cli_exit).
 */
int logplay_follow_main(int argc, char **argv);

#endif /* FAMFS_LOGPLAY_FOLLOW_H */
