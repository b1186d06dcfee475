/* SPDX-License-Identifier: GPL-2.0 */
/* fsck --repair of the host table: reports (cmd_fsck_ht.c). */
#ifndef FAMFS_CMD_FSCK_HT_H
#define FAMFS_CMD_FSCK_HT_H

#include <stdbool.h>

struct famfs_ht_repair;
struct cli_json;

void fsck_ht_plan_text(const struct famfs_ht_repair *p);
/* @no: -n was given (else the question was answered no). */
void fsck_ht_result_text(const struct famfs_ht_repair *p, bool done, bool no);
void fsck_ht_json(struct cli_json *j, const struct famfs_ht_repair *p, bool done);

#endif
