// SPDX-License-Identifier: GPL-2.0
/* Log append, capacity, scan of damaged/torn logs, relpath rules. */
#include "test_util.h"

static void fill(void)
{
	const uint64_t len = 8 * FAMFS_MiB;
	struct famfs_log_entry e;
	struct famfs_log_scan s;
	struct t_mem m;
	uint8_t *before;
	uint64_t i, n = 0;
	char name[32];
	int rc = 0;

	t_mem_init(&m, 64 * FAMFS_MiB, len);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "d%llu", (unsigned long long)i);
		rc = t_add_dir(&m, name);
		if (rc)
			break;
		n++;
	}
	is(n, 15420, "8 MiB log takes exactly 15420 entries");
	is(rc, -ENOSPC, "entry 15421 -> ENOSPC");
	ok(strstr(famfs_errmsg(), "log full (15420 entries)") != NULL, "message: %s", famfs_errmsg());
	ok(strstr(famfs_errmsg(), "mkfs.famfs -f -l LOGLEN") != NULL,
	   "log full says how to get a larger log (mkfs.famfs -l)");
	is(m.log->next_index, 15420, "next_index stays 15420");
	is(m.log->next_seqnum, 15420, "next_seqnum stays 15420");
	before = malloc(len);
	memcpy(before, m.log, len);
	famfs_entry_mkdir(&e, "one-more", 0755, 0, 0);
	is(famfs_log_append(m.log, len, &e), -ENOSPC, "append to a full log refused again");
	ok(!memcmp(before, m.log, len), "a refused append writes nothing");
	free(before);
	famfs_log_scan(m.log, len, &s);
	is(s.nvalid, 15420, "scan of the full log: all 15420 valid");
	ok(!s.damaged, "full log not damaged");
	is(m.log->entries[15419].seqnum, 15419, "last entry seqnum 15419");
	t_mem_free(&m);
}

static void damage(void)
{
	const uint64_t len = 8 * FAMFS_MiB;
	struct famfs_log_scan s;
	struct t_mem m;
	char name[32];
	int i;

	t_mem_init(&m, 64 * FAMFS_MiB, len);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		t_add_dir(&m, name);
	}
	famfs_log_scan(m.log, len, &s);
	ok(s.nvalid == 10 && !s.damaged, "10 good entries scan clean");

	m.log->entries[4].seqnum = 7;	/* seqnum damage; CRC recomputed */
	m.log->entries[4].crc = famfs_log_entry_crc(&m.log->entries[4]);
	famfs_log_scan(m.log, len, &s);
	ok(s.nvalid == 4 && s.damaged && s.bad_index == 4, "seqnum != index stops the scan at 4");
	ok(strstr(s.why, "seqnum") != NULL, "why: %s", s.why);
	m.log->entries[4].seqnum = 4;
	m.log->entries[4].crc = famfs_log_entry_crc(&m.log->entries[4]);

	m.log->entries[6].mkdir.relpath[0] ^= 1;	/* CRC damage */
	famfs_log_scan(m.log, len, &s);
	ok(s.nvalid == 6 && s.damaged && s.bad_index == 6, "bad CRC stops the scan at 6");
	ok(strstr(s.why, "CRC") != NULL, "why: %s", s.why);
	m.log->entries[6].mkdir.relpath[0] ^= 1;

	m.log->entries[7].pad = 1;	/* padding is covered by the CRC */
	famfs_log_scan(m.log, len, &s);
	ok(s.nvalid == 7 && s.damaged, "a changed padding byte is detected");
	m.log->entries[7].pad = 0;

	/* Torn append: header claims 11, entry 10 is garbage. */
	memset(&m.log->entries[10], 0x5a, sizeof(m.log->entries[10]));
	m.log->next_index = m.log->next_seqnum = 11;
	famfs_log_scan(m.log, len, &s);
	ok(s.nvalid == 10 && s.damaged && s.bad_index == 10 && s.hdr_next_index == 11,
	   "torn last entry: scan stops at 10, damage reported");
	is(famfs_log_check(m.log, len), 0, "the header itself is still valid (torn entry found by scan)");

	/* Entries past next_index are never read. */
	m.log->next_index = m.log->next_seqnum = 5;
	famfs_log_scan(m.log, len, &s);
	ok(s.nvalid == 5 && !s.damaged, "scan stops at next_index");
	t_mem_free(&m);
}

static void paths(void)
{
	struct famfs_log_entry e;
	char p80[81], p79[80];
	unsigned int i, zero = 1;
	uint8_t *b = (uint8_t *)&e;

	memset(p80, 'a', 80);
	p80[80] = 0;
	memset(p79, 'b', 79);
	p79[79] = 0;
	is(famfs_entry_file(&e, p80, 0, 0644, 0, 0, NULL), -ENAMETOOLONG, "80-byte path -> ENAMETOOLONG");
	is(famfs_entry_mkdir(&e, p80, 0755, 0, 0), -ENAMETOOLONG, "80-byte dir path -> ENAMETOOLONG");
	is(famfs_entry_file(&e, p79, 0, 0644, 0, 0, NULL), 0, "79-byte path accepted");
	ok(!memcmp(e.file.relpath, p79, 80), "79-byte path stored with its NUL");
	is(famfs_entry_file(&e, "", 0, 0644, 0, 0, NULL), -EINVAL, "empty path -> EINVAL");
	is(famfs_entry_file(&e, "/abs", 0, 0644, 0, 0, NULL), -EINVAL, "absolute path -> EINVAL");
	is(famfs_entry_file(&e, "a//b", 0, 0644, 0, 0, NULL), -EINVAL, "'//' -> EINVAL");
	is(famfs_entry_file(&e, "a/../b", 0, 0644, 0, 0, NULL), -EINVAL, "'..' component -> EINVAL");
	is(famfs_entry_file(&e, "./b", 0, 0644, 0, 0, NULL), -EINVAL, "'.' component -> EINVAL");
	is(famfs_entry_file(&e, "..", 0, 0644, 0, 0, NULL), -EINVAL, "'..' -> EINVAL");
	is(famfs_entry_file(&e, "a/", 0, 0644, 0, 0, NULL), -EINVAL, "trailing '/' -> EINVAL");
	is(famfs_entry_file(&e, "a/..b/.c", 0, 0644, 0, 0, NULL), 0, "'..b' and '.c' are ordinary names");

	memset(&e, 0xff, sizeof(e));
	is(famfs_entry_mkdir(&e, "dir", 0755, 1, 2), 0, "mkdir entry built");
	for (i = 16 + 12 + 4; i < sizeof(e); i++)
		if (b[i])
			zero = 0;
	ok(zero && e.pad == 0, "entry zeroed before filling (padding and unused body)");
	is(e.type, FAMFS_LOG_MKDIR, "mkdir type");
	ok(e.mkdir.uid == 1 && e.mkdir.gid == 2 && e.mkdir.mode == 0755, "mkdir uid/gid/mode");
	is(famfs_entry_file(&e, "f", 10, 0100644, 0, 0, NULL), 0, "file entry built");
	is(e.file.mode, 0644, "only permission bits stored");
	is(e.file.flags, 2, "flags 2 (all hosts read-write) like upstream");
}


/* fsck --repair: truncate to the longest valid prefix, header agrees. */
static void repair(void)
{
	struct famfs_log_repair r;
	struct famfs_log_scan scan;
	struct t_mem m;
	int i;

	t_mem_init(&m, 64 * FAMFS_MiB, 8 * FAMFS_MiB);
	for (i = 0; i < 6; i++) {
		char name[16];

		snprintf(name, sizeof(name), "d%d", i);
		t_add_dir(&m, name);
	}
	is(famfs_log_repair_plan(&m.sb, m.log, &r), 0, "plan on a clean log");
	ok(!r.needed && r.nvalid == 6, "clean log: nothing to do");

	m.log->entries[3].mkdir.mode ^= 1;	/* torn: CRC no longer matches */
	is(famfs_log_repair_plan(&m.sb, m.log, &r), 0, "plan on a torn entry 3");
	ok(r.needed && r.nvalid == 3 && r.drop_end == 6 && r.ndropped == 3,
	   "keep 3, drop [3, 6) (3 non-zero): nvalid %llu end %llu dropped %llu",
	   (unsigned long long)r.nvalid, (unsigned long long)r.drop_end,
	   (unsigned long long)r.ndropped);
	ok(strstr(r.why, "entry 3") && strstr(r.why, "CRC"), "why: %s", r.why);
	is(famfs_log_repair_apply(&m.sb, m.log, &r), 0, "apply");
	ok(m.log->next_index == 3 && m.log->next_seqnum == 3,
	   "header: next_index = next_seqnum = 3");
	is(famfs_log_check(m.log, m.sb.log_len), 0, "header valid after repair");
	famfs_log_scan(m.log, m.sb.log_len, &scan);
	ok(!scan.damaged && scan.nvalid == 3, "scan: 3 valid, not damaged");
	ok(famfs_log_entry_is_zero(&m.log->entries[3]) &&
	   famfs_log_entry_is_zero(&m.log->entries[5]), "dropped slots zeroed");
	is(t_add_dir(&m, "after"), 0, "appending works again after the repair");
	is(m.log->next_index, 4, "the new entry is entry 3");
	is(famfs_log_repair_plan(&m.sb, m.log, &r), 0, "plan again");
	ok(!r.needed, "nothing more to repair");

	/* garbage next_index: scan the whole log, keep every valid entry */
	m.log->next_index = 1ULL << 62;
	is(famfs_log_check(m.log, m.sb.log_len), -EINVAL, "garbage next_index: header refused");
	famfs_log_repair_plan(&m.sb, m.log, &r);
	ok(r.needed && r.header_count_bad && r.nvalid == 4 && r.ndropped == 0,
	   "garbage next_index: keep the 4 valid entries, nothing else to drop");
	famfs_log_repair_apply(&m.sb, m.log, &r);
	is(famfs_log_check(m.log, m.sb.log_len), 0, "header valid again");
	is(m.log->next_index, 4, "next_index 4");

	/* next_seqnum differing from next_index */
	m.log->next_seqnum = 9;
	famfs_log_repair_plan(&m.sb, m.log, &r);
	ok(r.needed && r.nvalid == 4, "next_seqnum 9 != next_index 4: repair needed");
	famfs_log_repair_apply(&m.sb, m.log, &r);
	is(m.log->next_seqnum, 4, "next_seqnum 4");

	/* the header's checked part is garbage: rebuilt from the superblock */
	memset(m.log, 0xa5, 48);
	famfs_log_repair_plan(&m.sb, m.log, &r);
	ok(r.needed && r.header_rebuilt && r.nvalid == 4,
	   "garbage header: rebuild it, keep the 4 valid entries");
	famfs_log_repair_apply(&m.sb, m.log, &r);
	is(famfs_log_check(m.log, m.sb.log_len), 0, "rebuilt header is valid");
	is(m.log->next_index, 4, "rebuilt header: next_index 4");

	/* garbage everywhere: nothing valid survives, every slot is cleared */
	for (i = 0; i < 100; i++)
		memset(&m.log->entries[i], i + 1, sizeof(m.log->entries[i]));
	memset(m.log, 0x5a, 48);
	famfs_log_repair_plan(&m.sb, m.log, &r);
	ok(r.needed && r.nvalid == 0 && r.ndropped == 100,
	   "all garbage: keep nothing, drop the 100 non-zero slots");
	famfs_log_repair_apply(&m.sb, m.log, &r);
	famfs_log_scan(m.log, m.sb.log_len, &scan);
	ok(famfs_log_check(m.log, m.sb.log_len) == 0 && scan.nvalid == 0 &&
	   !scan.damaged, "an empty, valid log");

	/* a stale plan is refused */
	t_add_dir(&m, "x");
	t_add_dir(&m, "y");
	famfs_log_repair_plan(&m.sb, m.log, &r);
	r.nvalid = 2;
	r.needed = true;
	m.log->entries[1].mkdir.mode ^= 1;
	is(famfs_log_repair_apply(&m.sb, m.log, &r), -EINVAL,
	   "apply refuses a plan the log no longer fits");
	t_mem_free(&m);
}

int main(void)
{
	t_setup();
	fill();
	repair();
	damage();
	paths();
	return tap_done();
}
