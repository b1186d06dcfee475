// SPDX-License-Identifier: GPL-2.0
/*
 * fsck --repair of the host table (delete feature): the plan and result
 * reports. The repair itself is famfs_ht_repair_plan()/_apply().
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_fsck_ht.h"
#include "libfamfs.h"

void fsck_ht_plan_text(const struct famfs_ht_repair *p)
{
	char safe[CLI_SAFE_LEN], u[37];
	uuid_t unk;

	if (p->header_bad)
		printf("repair:       %s\n"
		       "repair:       rewrite the host table header (every slot kept)\n",
		       cli_safe(p->why, safe, sizeof(safe)));
	if (p->ndamaged) {
		famfs_ht_unknown_uuid(p->first_damaged, unk);
		uuid_unparse_lower(unk, u);
		printf("repair:       %u host table slot%s unreadable (first: slot %u):"
		       " each becomes an unknown host that holds all deleted memory"
		       " until evicted (famfs host evict %s, once its host is known"
		       " to be down or remounted)\n", p->ndamaged,
		       p->ndamaged == 1 ? "" : "s", p->first_damaged, u);
	}
	if (p->nfence_damaged)
		printf("repair:       clear %u unreadable fence record%s (those hosts"
		       " count as not evicted: evict them again if they are down)\n",
		       p->nfence_damaged, p->nfence_damaged == 1 ? "" : "s");
	if (p->ntorn)
		printf("host table:   %u torn record cop%s; the other copy is used"
		       " (no repair needed)\n", p->ntorn, p->ntorn == 1 ? "y" : "ies");
}

void fsck_ht_result_text(const struct famfs_ht_repair *p, bool done, bool no)
{
	if (!p->needed)
		return;
	if (done)
		printf("repair:       DONE: host table repaired; data and log untouched\n");
	else
		printf("repair:       host table NOT repaired (%s)\n",
		       no ? "-n: answer no" : "answered no");
}

void fsck_ht_json(struct cli_json *j, const struct famfs_ht_repair *p, bool done)
{
	cli_json_obj_begin(j, "host_table");
	cli_json_bool(j, "needed", p->needed);
	cli_json_bool(j, "done", done);
	cli_json_bool(j, "header_rewritten", p->header_bad);
	if (p->header_bad)
		cli_json_str(j, "why", p->why);
	cli_json_u64(j, "unreadable_slots", p->ndamaged);
	if (p->ndamaged)
		cli_json_u64(j, "first_unreadable_slot", p->first_damaged);
	cli_json_u64(j, "unreadable_fences", p->nfence_damaged);
	cli_json_u64(j, "torn_copies", p->ntorn);
	cli_json_obj_end(j);
}
