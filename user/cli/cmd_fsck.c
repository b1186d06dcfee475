// SPDX-License-Identifier: GPL-2.0
/*
 * famfs fsck: check an unmounted device or image, or a mounted famfs (via
 * its .meta files), and report capacity, usage, entries and every problem.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_fsck_ht.h"
#include "cmds.h"
#include "libfamfs.h"

/* fsck(8) exit codes, used with --repair, -n and -y. */
enum fsck_exit {
	FSCK_EXIT_OK = 0,		/* no errors */
	FSCK_EXIT_CORRECTED = 1,	/* errors corrected */
	FSCK_EXIT_UNCORRECTED = 4,	/* errors left uncorrected */
	FSCK_EXIT_ERROR = 8,		/* operational error */
	FSCK_EXIT_USAGE = 16,		/* usage or syntax error */
};

enum fsck_mode {
	FSCK_CHECK,		/* plain check: the famfs exit codes */
	FSCK_REPAIR_ASK,	/* --repair: ask on the terminal */
	FSCK_REPAIR_NO,		/* -n: report what repair would do */
	FSCK_REPAIR_YES,	/* -y: repair without asking */
};

struct fsck_opts {
	bool human, verbose, json;
	enum fsck_mode mode;
};

/* What repair found and did, for the text and JSON reports. */
struct repair_info {
	struct famfs_log_repair plan;
	const struct famfs_log *log;	/* entries as found (before apply) */
	bool done;
	uint64_t remaining;		/* problems repair cannot fix */
	uint64_t nempty;		/* all-zero slots in the dropped range */
	struct famfs_ht_repair ht;	/* host table (delete feature) */
	bool ht_done;
};

struct fsck_target {
	const char *path;
	struct famfs_dev dev;		/* offline */
	struct famfs_fs *fs;		/* mounted */
	const struct famfs_superblock *sb;
	const struct famfs_log *log;	/* NULL when the sb is unusable */
	uint64_t dev_size;
	const char *mpt;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs fsck [-h] [-v] [--json] [-M] DEVICE|PATH\n"
		"       famfs fsck --repair|-n|-y [-w SECONDS] [-h] [-v] [--json] DEVICE\n"
		"\n"
		"Check the famfs on DEVICE (an unmounted device or image file) or\n"
		"the mounted famfs holding PATH (through its .meta files): the\n"
		"superblock, the log header, every log entry (a torn or damaged\n"
		"entry is an error), extent maps, collisions (memory claimed by\n"
		"two files) and namespace conflicts. Prints capacity, used and\n"
		"free space, files, directories and the log state.\n"
		"\n"
		"  -h, --human        sizes as KiB/MiB/GiB\n"
		"  -v, --verbose      list every log entry\n"
		"  -j, --json         JSON output\n"
		"  -M, --set-daxmode  DEVICE is a /dev/daxX.Y in fsdev mode, not\n"
		"                     mounted: switch it to device_dax (raw access)\n"
		"                     first\n"
		"      --repair       repair the log of an unmounted DEVICE or image,\n"
		"                     asking first (needs a terminal): truncate it to\n"
		"                     its longest valid prefix, listing every entry\n"
		"                     dropped; file data is never touched\n"
		"  -n, --no           answer no: report what repair would do, change\n"
		"                     nothing\n"
		"  -y, --yes          repair without asking\n"
		"  -w, --lock-timeout SECONDS\n"
		"                     wait this long for the device's writer lock\n"
		"      --help         this text\n"
		"\n"
		"Exit codes of a check:\n"
		"  0  clean\n"
		"  1  usage error\n"
		"  2  could not check (cannot open, not famfs-capable)\n"
		"  3  corruption found: no or bad superblock, bad log header,\n"
		"     damaged or torn log entries, bad maps, collisions, conflicts\n"
		"  4  refused\n"
		"Exit codes with --repair, -n or -y (as fsck(8)):\n"
		"  0  no errors\n"
		"  1  errors corrected\n"
		"  4  errors left uncorrected (-n, answered no, or not repairable)\n"
		"  8  operational error (cannot open, mounted here, lock held,\n"
		"     no valid superblock, no terminal to ask)\n"
		"  16 usage error\n");
}

static int open_target(struct fsck_target *t)
{
	char mpt[4096];
	struct stat st;
	int fd, rc, famfs = 0;

	memset(&t->dev, 0, sizeof(t->dev));
	t->dev.fd = -1;
	if (stat(t->path, &st)) {
		cli_err("cannot access %s: %s", t->path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (S_ISREG(st.st_mode)) {
		/* A file inside a famfs mount, or an image file? */
		fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			famfs = famfs_is_famfs_fd(fd) == 1;
			close(fd);
		}
	} else if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
		/* A mounted device is read through its mount's .meta files. */
		if (famfs_path_mountpoint(t->path, mpt, sizeof(mpt)) == 1) {
			rc = famfs_fs_open(mpt, false, &t->fs);
			goto mounted;
		}
	} else if (S_ISDIR(st.st_mode)) {
		famfs = 1;
	}
	if (famfs) {
		rc = famfs_fs_open(t->path, false, &t->fs);
		goto mounted;
	}
	rc = famfs_dev_open(t->path, false, &t->dev);
	if (rc) {
		cli_liberr(rc, "cannot open %s", t->path);
		cli_dax_raw_hint(t->path, rc);
		return CLI_EXIT_FAIL;
	}
	t->dev_size = t->dev.size;
	t->sb = (const struct famfs_superblock *)t->dev.base;
	/* famfs_sb_check() proves the log lies inside the device. */
	if (famfs_sb_check(t->sb, t->dev.size) == 0)
		t->log = (const struct famfs_log *)(t->dev.base +
						    t->sb->log_offset);
	return CLI_EXIT_OK;
mounted:
	if (rc) {
		cli_liberr(rc, "cannot open the famfs mount of %s", t->path);
		return CLI_EXIT_FAIL;
	}
	t->sb = famfs_fs_sb(t->fs);
	t->log = famfs_fs_log(t->fs);
	t->dev_size = famfs_fs_dev_size(t->fs);
	t->mpt = famfs_fs_mountpoint(t->fs);
	return CLI_EXIT_OK;
}

static void close_target(struct fsck_target *t)
{
	if (t->fs)
		famfs_fs_close(t->fs);
	else
		famfs_dev_close(&t->dev);
}

/* A NUL-terminated copy of an on-media relpath field (maybe unterminated). */
static void relpath_copy(char *out, const char *field)
{
	memcpy(out, field, FAMFS_MAX_PATHLEN);
	out[FAMFS_MAX_PATHLEN] = '\0';
}

static const char *entry_type(uint32_t t)
{
	switch (t) {
	case FAMFS_LOG_FILE:
		return "file";
	case FAMFS_LOG_MKDIR:
		return "dir";
	case FAMFS_LOG_DELETE:
		return "delete";
	case FAMFS_LOG_ADD_DAXDEV:
		return "daxdev";
	case FAMFS_LOG_INVALID:
		return "invalid";
	}
	return "unknown";
}

/*
 * The plan's verdict for entry @idx (NULL: skipped type or beyond). The
 * plan is in log order and entries are listed in log order, so a cursor
 * walks it once: listing stays linear in the size of the log.
 */
static const struct famfs_action *act_for(const struct famfs_action *a,
					  size_t n, size_t *cursor, uint64_t idx)
{
	while (*cursor < n && a[*cursor].index < idx)
		(*cursor)++;
	return *cursor < n && a[*cursor].index == idx ? &a[*cursor] : NULL;
}

static uint64_t entries_to_list(const struct famfs_fsck_report *r)
{
	uint64_t n = r->scan.hdr_next_index;

	if (n > r->log_capacity)
		n = r->log_capacity;
	return n;
}

static void list_text(const struct fsck_target *t,
		      const struct famfs_fsck_report *r,
		      const struct famfs_action *acts, size_t nacts, bool human)
{
	const struct famfs_action *a;
	const struct famfs_log_entry *e;
	char path[FAMFS_MAX_PATHLEN + 1], buf[32], safe[CLI_SAFE_LEN];
	uint64_t i, n = entries_to_list(r);
	size_t cursor = 0;

	printf("entries:\n");
	for (i = 0; i < n; i++) {
		if (i >= r->scan.nvalid) {
			printf("  %6llu  DAMAGED (not replayed)\n",
			       (unsigned long long)i);
			continue;
		}
		e = &t->log->entries[i];
		a = act_for(acts, nacts, &cursor, i);
		if (e->type == FAMFS_LOG_FILE) {
			relpath_copy(path, e->file.relpath);
			printf("  %6llu  file  %-40s %s mode %04o uid %u gid %u",
			       (unsigned long long)i,
			       cli_safe(path, safe, sizeof(safe)),
			       cli_fmt_size(e->file.size, human, buf,
					    sizeof(buf)),
			       e->file.mode & 07777, e->file.uid, e->file.gid);
		} else if (e->type == FAMFS_LOG_MKDIR) {
			relpath_copy(path, e->mkdir.relpath);
			printf("  %6llu  dir   %-40s mode %04o uid %u gid %u",
			       (unsigned long long)i,
			       cli_safe(path, safe, sizeof(safe)),
			       e->mkdir.mode & 07777, e->mkdir.uid,
			       e->mkdir.gid);
		} else if (e->type == FAMFS_LOG_DELETE && a) {
			printf("  %6llu  delete %-39s entry %llu",
			       (unsigned long long)i,
			       cli_safe(a->relpath, safe, sizeof(safe)),
			       (unsigned long long)a->target);
		} else {
			printf("  %6llu  %s (skipped)", (unsigned long long)i,
			       entry_type(e->type));
		}
		if (a && a->deleted)
			printf("  (deleted by entry %llu)",
			       (unsigned long long)a->deleted_by);
		if (a && a->type == FAMFS_ACT_BAD)
			printf("  BAD: %s", cli_safe(a->why, safe, sizeof(safe)));
		putchar('\n');
	}
}

static void list_json(struct cli_json *j, const struct fsck_target *t,
		      const struct famfs_fsck_report *r,
		      const struct famfs_action *acts, size_t nacts)
{
	const struct famfs_action *a;
	const struct famfs_log_entry *e;
	char path[FAMFS_MAX_PATHLEN + 1];
	uint64_t i, n = entries_to_list(r);
	size_t cursor = 0;

	cli_json_arr_begin(j, "entries");
	for (i = 0; i < n; i++) {
		cli_json_obj_begin(j, NULL);
		cli_json_u64(j, "index", i);
		if (i >= r->scan.nvalid) {
			cli_json_str(j, "type", "damaged");
			cli_json_bool(j, "valid", false);
			cli_json_obj_end(j);
			continue;
		}
		e = &t->log->entries[i];
		a = act_for(acts, nacts, &cursor, i);
		cli_json_str(j, "type", entry_type(e->type));
		if (e->type == FAMFS_LOG_FILE) {
			relpath_copy(path, e->file.relpath);
			cli_json_str(j, "path", path);
			cli_json_u64(j, "size", e->file.size);
			cli_json_u64(j, "mode", e->file.mode & 07777);
			cli_json_u64(j, "uid", e->file.uid);
			cli_json_u64(j, "gid", e->file.gid);
		} else if (e->type == FAMFS_LOG_MKDIR) {
			relpath_copy(path, e->mkdir.relpath);
			cli_json_str(j, "path", path);
			cli_json_u64(j, "mode", e->mkdir.mode & 07777);
			cli_json_u64(j, "uid", e->mkdir.uid);
			cli_json_u64(j, "gid", e->mkdir.gid);
		} else if (e->type == FAMFS_LOG_DELETE && a) {
			cli_json_str(j, "path", a->relpath);
			cli_json_u64(j, "target", a->target);
		}
		if (a && a->deleted)
			cli_json_u64(j, "deleted_by", a->deleted_by);
		cli_json_bool(j, "valid", !(a && a->type == FAMFS_ACT_BAD));
		if (a && a->type == FAMFS_ACT_BAD)
			cli_json_str(j, "problem", a->why);
		cli_json_obj_end(j);
	}
	cli_json_arr_end(j);
}

static const char *sb_state(int err)
{
	switch (-err) {
	case 0:
		return "ok";
	case ENODATA:
		return "no famfs superblock";
	case EPROTONOSUPPORT:
		return "version not compatible";
	case EBADMSG:
		return "bad checksum";
	}
	return "invalid";
}

/* The host table of the target, or NULL (online mapping too short). */
static const void *target_ht(const struct fsck_target *t)
{
	if (!famfs_sb_has_delete(t->sb))
		return NULL;
	if (t->fs)
		return famfs_fs_ht(t->fs);
	return t->log ? t->dev.base + FAMFS_HT_OFFSET : NULL;
}

struct del_info {
	struct famfs_action *acts;	/* canonical plan */
	size_t n;
	struct famfs_ht_host *hosts;
	size_t nhosts;
	uint64_t floor;
	bool ht_ok;
};

static void del_info_load(const struct fsck_target *t,
			  const struct famfs_fsck_report *r, struct del_info *d)
{
	const void *ht = target_ht(t);

	memset(d, 0, sizeof(*d));
	d->floor = 0;
	if (!r->delete_enabled || r->sb_err || r->log_err)
		return;
	if (famfs_replay_plan_ex(t->log, t->sb->log_len, t->dev_size,
				 FAMFS_PLAN_DELETE, famfs_lookup_empty, NULL,
				 &d->acts, &d->n))
		d->acts = NULL, d->n = 0;
	if (ht && !famfs_ht_check(ht, t->sb)) {
		d->ht_ok = true;
		d->hosts = calloc(FAMFS_HT_NSLOTS, sizeof(*d->hosts));
		if (d->hosts)
			famfs_ht_hosts(ht, d->hosts, FAMFS_HT_NSLOTS, &d->nhosts);
		d->floor = famfs_ht_release_floor(ht);
	}
}

static void del_info_free(struct del_info *d)
{
	free(d->acts);
	free(d->hosts);
}

static bool pending(const struct del_info *d, const struct famfs_action *a)
{
	return a->type == FAMFS_ACT_DELETE && a->index >= d->floor;
}

/* Does host @h hold the memory of DELETE entry @idx? */
static bool holds(const struct famfs_ht_host *h, uint64_t idx)
{
	return h->holds && h->host.released <= idx;
}

static double ago(uint64_t t)
{
	uint64_t now = famfs_now_ns();

	return t && t <= now ? (double)(now - t) / 1e9 : 0;
}

static void delete_text(const struct famfs_fsck_report *r, const struct del_info *d,
			bool human)
{
	char b1[32], u[37], safe[CLI_SAFE_LEN];
	size_t i, k, npend = 0;

	printf("delete:       enabled; %llu deleted files, %llu pending release (%s held)\n",
	       (unsigned long long)r->alloc.ndeleted,
	       (unsigned long long)r->alloc.npending,
	       cli_fmt_size(r->alloc.pending_bytes, human, b1, sizeof(b1)));
	if (!r->ht_checked) {
		printf("host table:   not readable here (deleted memory counts as held)\n");
		return;
	}
	if (r->ht_err) {
		printf("host table:   DAMAGED (deleted memory counts as held)\n");
		return;
	}
	if (d->floor == UINT64_MAX)
		printf("host table:   ok, %zu hosts, no mounted host holds deleted memory\n",
		       d->nhosts);
	else
		printf("host table:   ok, %zu hosts, release floor %llu\n", d->nhosts,
		       (unsigned long long)d->floor);
	for (i = 0; i < d->nhosts; i++) {
		const struct famfs_ht_host *h = &d->hosts[i];

		uuid_unparse_lower(h->has_host ? h->host.host_uuid : h->fence.host_uuid, u);
		printf("host:         slot %u %s %s %s gen %llu replayed %llu released %llu heartbeat %.0fs ago%s\n",
		       h->slot, u,
		       !h->has_host ? "-" : h->host.state == FAMFS_HOST_MOUNTED ? "mounted" :
		       h->host.state == FAMFS_HOST_LEFT ? "left" : "free",
		       h->has_host ? (h->host.role ? "client" : "master") : "-",
		       (unsigned long long)h->host.mount_gen,
		       (unsigned long long)h->host.replayed,
		       (unsigned long long)h->host.released, ago(h->host.heartbeat),
		       h->evicted ? " EVICTED" : "");
		if (h->has_fence && h->fence.state == FAMFS_FENCE_EVICTED)
			printf("fenced:       %s generation %llu, %.0fs ago, at log index %llu\n",
			       u, (unsigned long long)h->fence.mount_gen,
			       ago(h->fence.evicted_at),
			       (unsigned long long)h->fence.log_index);
	}
	for (i = 0; i < d->n; i++) {
		const struct famfs_action *a = &d->acts[i];

		if (!pending(d, a) || a->is_dir)
			continue;
		npend++;
		printf("pending:      entry %llu deletes %s (entry %llu, %s); held by",
		       (unsigned long long)a->index,
		       cli_safe(a->relpath, safe, sizeof(safe)),
		       (unsigned long long)a->target,
		       cli_fmt_size(a->size, human, b1, sizeof(b1)));
		for (k = 0; k < d->nhosts; k++) {
			const struct famfs_ht_host *h = &d->hosts[k];

			if (!holds(h, a->index))
				continue;
			uuid_unparse_lower(h->host.host_uuid, u);
			printf(" %s (released %llu, mounted %.0fs ago, heartbeat %.0fs ago)",
			       u, (unsigned long long)h->host.released,
			       ago(h->host.mounted_at), ago(h->host.heartbeat));
		}
		putchar('\n');
	}
	(void)npend;
}

static void delete_json(struct cli_json *j, const struct famfs_fsck_report *r,
			const struct del_info *d)
{
	char u[37];
	size_t i, k;

	cli_json_obj_begin(j, "delete");
	cli_json_u64(j, "deleted_files", r->alloc.ndeleted);
	cli_json_u64(j, "pending_files", r->alloc.npending);
	cli_json_u64(j, "pending_bytes", r->alloc.pending_bytes);
	cli_json_str(j, "host_table", !r->ht_checked ? "unreadable" :
		     r->ht_err ? "damaged" : "ok");
	if (d->ht_ok && d->floor != UINT64_MAX)
		cli_json_u64(j, "release_floor", d->floor);
	else
		cli_json_null(j, "release_floor");
	cli_json_arr_begin(j, "hosts");
	for (i = 0; i < d->nhosts; i++) {
		const struct famfs_ht_host *h = &d->hosts[i];

		cli_json_obj_begin(j, NULL);
		cli_json_u64(j, "slot", h->slot);
		uuid_unparse_lower(h->has_host ? h->host.host_uuid : h->fence.host_uuid, u);
		cli_json_str(j, "uuid", u);
		if (h->has_host) {
			cli_json_str(j, "state", h->host.state == FAMFS_HOST_MOUNTED ? "mounted" :
				     h->host.state == FAMFS_HOST_LEFT ? "left" : "free");
			cli_json_str(j, "role", h->host.role ? "client" : "master");
			cli_json_u64(j, "mount_gen", h->host.mount_gen);
			cli_json_u64(j, "replayed", h->host.replayed);
			cli_json_u64(j, "released", h->host.released);
			cli_json_u64(j, "heartbeat_ns", h->host.heartbeat);
			cli_json_u64(j, "mounted_at_ns", h->host.mounted_at);
		}
		cli_json_bool(j, "evicted", h->evicted);
		if (h->has_fence && h->fence.state == FAMFS_FENCE_EVICTED) {
			cli_json_obj_begin(j, "fence");
			cli_json_u64(j, "mount_gen", h->fence.mount_gen);
			cli_json_u64(j, "evicted_at_ns", h->fence.evicted_at);
			cli_json_u64(j, "log_index", h->fence.log_index);
			cli_json_obj_end(j);
		}
		cli_json_obj_end(j);
	}
	cli_json_arr_end(j);
	cli_json_arr_begin(j, "pending");
	for (i = 0; i < d->n; i++) {
		const struct famfs_action *a = &d->acts[i];

		if (!pending(d, a) || a->is_dir)
			continue;
		cli_json_obj_begin(j, NULL);
		cli_json_u64(j, "index", a->index);
		cli_json_u64(j, "target", a->target);
		cli_json_str(j, "path", a->relpath);
		cli_json_u64(j, "size", a->size);
		cli_json_arr_begin(j, "held_by");
		for (k = 0; k < d->nhosts; k++) {
			const struct famfs_ht_host *h = &d->hosts[k];

			if (!holds(h, a->index))
				continue;
			uuid_unparse_lower(h->host.host_uuid, u);
			cli_json_str(j, NULL, u);
		}
		cli_json_arr_end(j);
		cli_json_obj_end(j);
	}
	cli_json_arr_end(j);
	cli_json_obj_end(j);
}

static void report_text(const struct fsck_target *t,
			const struct famfs_fsck_report *r, int verdict,
			const struct fsck_opts *o,
			const struct famfs_action *acts, size_t nacts)
{
	const struct famfs_alloc_report *al = &r->alloc;
	char b1[32], uuid[37], safe[CLI_SAFE_LEN];
	unsigned int i;

	printf("famfs fsck %s%s%s\n", t->path, t->mpt ? " (mounted on " : "",
	       t->mpt ? t->mpt : "");
	if (t->mpt)
		printf(")\n");
	printf("superblock:   %s\n", sb_state(r->sb_err));
	if (r->sb_err)
		goto problems;
	uuid_unparse(t->sb->system_uuid, uuid);
	if (famfs_sb_has_delete(t->sb))
		printf("version:      %llu + delete (0x%llx, on-media format %u.%u)\n",
		       (unsigned long long)(t->sb->version & FAMFS_VERSION_BASE_MASK),
		       (unsigned long long)t->sb->version, t->sb->omf_major,
		       t->sb->omf_minor);
	else
		printf("version:      %llu (on-media format %u.%u)\n",
		       (unsigned long long)t->sb->version, t->sb->omf_major,
		       t->sb->omf_minor);
	printf("master:       %s\n", uuid);
	uuid_unparse(t->sb->fs_uuid, uuid);
	printf("fs uuid:      %s\n", uuid);
	printf("this host:    %s\n", cli_host_role(t->sb));
	printf("capacity:     %s\n",
	       cli_fmt_size(al->size_bytes ? al->size_bytes : t->dev_size,
			    o->human, b1, sizeof(b1)));
	if (!r->log_err) {
		printf("used:         %s\n",
		       cli_fmt_size(al->used_bytes, o->human, b1, sizeof(b1)));
		printf("free:         %s\n",
		       cli_fmt_size(al->size_bytes - al->used_bytes, o->human,
				    b1, sizeof(b1)));
		printf("files:        %llu\n", (unsigned long long)al->nfiles);
		printf("directories:  %llu\n", (unsigned long long)al->ndirs);
		printf("bad entries:  %llu\n",
		       (unsigned long long)(r->nbad_entries));
		printf("collisions:   %llu\n",
		       (unsigned long long)al->ncollisions);
		printf("cross-linked: %llu\n",
		       (unsigned long long)r->ncrosslinked);
		printf("conflicts:    %llu\n",
		       (unsigned long long)r->nconflicts);
	}
	printf("log:          %s, %s, %llu of %llu entries used\n",
	       r->log_err ? "BAD HEADER" :
	       (r->scan.damaged ? "DAMAGED" : "ok"),
	       cli_fmt_size(t->sb->log_len, o->human, b1, sizeof(b1)),
	       (unsigned long long)r->scan.nvalid,
	       (unsigned long long)r->log_capacity);
	if (!r->log_err && r->scan.damaged)
		printf("log damage:   entry %llu: %s (header claims %llu); "
		       "the log is read in order, so entries %llu and later "
		       "cannot be read\n",
		       (unsigned long long)r->scan.bad_index,
		       cli_safe(r->scan.why, safe, sizeof(safe)),
		       (unsigned long long)r->scan.hdr_next_index,
		       (unsigned long long)r->scan.bad_index);
	if (r->delete_enabled && !r->log_err) {
		struct del_info d;

		del_info_load(t, r, &d);
		delete_text(r, &d, o->human);
		del_info_free(&d);
	}
	if (o->verbose && !r->log_err)
		list_text(t, r, acts, nacts, o->human);
problems:
	for (i = 0; i < r->nproblems && i < FAMFS_FSCK_MAX_PROBLEMS; i++)
		printf("problem:      %s\n",
		       cli_safe(r->problems[i], safe, sizeof(safe)));
	if (verdict)
		printf("result:       CORRUPT (%llu problem%s)\n",
		       (unsigned long long)(r->nerrors ? r->nerrors : 1),
		       r->nerrors == 1 ? "" : "s");
	else
		printf("result:       clean\n");
}

static void repair_json(struct cli_json *j, const struct repair_info *ri,
			const struct fsck_opts *o);

static void report_json(const struct fsck_target *t,
			const struct famfs_fsck_report *r, int verdict,
			const struct fsck_opts *o,
			const struct famfs_action *acts, size_t nacts,
			const struct repair_info *ri)
{
	const struct famfs_alloc_report *al = &r->alloc;
	struct cli_json j;
	char uuid[37];
	unsigned int i;

	cli_json_init(&j, stdout);
	cli_json_obj_begin(&j, NULL);
	cli_json_str(&j, "path", t->path);
	if (t->mpt)
		cli_json_str(&j, "mountpoint", t->mpt);
	cli_json_bool(&j, "clean", verdict == 0);
	cli_json_str(&j, "superblock", sb_state(r->sb_err));
	if (!r->sb_err) {
		uuid_unparse(t->sb->system_uuid, uuid);
		cli_json_u64(&j, "version", t->sb->version);
		cli_json_arr_begin(&j, "features");
		if (famfs_sb_has_delete(t->sb))
			cli_json_str(&j, NULL, "delete");
		cli_json_arr_end(&j);
		cli_json_str(&j, "master_uuid", uuid);
		uuid_unparse(t->sb->fs_uuid, uuid);
		cli_json_str(&j, "fs_uuid", uuid);
		cli_json_str(&j, "host_role", cli_host_role(t->sb));
		cli_json_u64(&j, "capacity", al->size_bytes ? al->size_bytes
							     : t->dev_size);
		cli_json_obj_begin(&j, "log");
		cli_json_bool(&j, "header_ok", r->log_err == 0);
		cli_json_u64(&j, "len", t->sb->log_len);
		cli_json_u64(&j, "capacity", r->log_capacity);
		if (!r->log_err) {
			cli_json_u64(&j, "valid_entries", r->scan.nvalid);
			cli_json_u64(&j, "header_next_index",
				     r->scan.hdr_next_index);
			cli_json_bool(&j, "damaged", r->scan.damaged);
			if (r->scan.damaged) {
				cli_json_u64(&j, "bad_index",
					     r->scan.bad_index);
				cli_json_str(&j, "why", r->scan.why);
			}
		}
		cli_json_obj_end(&j);
		if (!r->log_err) {
			cli_json_u64(&j, "used", al->used_bytes);
			cli_json_u64(&j, "free",
				     al->size_bytes - al->used_bytes);
			cli_json_u64(&j, "files", al->nfiles);
			cli_json_u64(&j, "directories", al->ndirs);
			cli_json_u64(&j, "bad_entries", r->nbad_entries);
			cli_json_u64(&j, "collisions", al->ncollisions);
			cli_json_u64(&j, "crosslinked", r->ncrosslinked);
			cli_json_u64(&j, "conflicts", r->nconflicts);
			if (r->delete_enabled) {
				struct del_info d;

				del_info_load(t, r, &d);
				delete_json(&j, r, &d);
				del_info_free(&d);
			}
		}
	}
	cli_json_u64(&j, "errors", r->nerrors);
	cli_json_arr_begin(&j, "problems");
	for (i = 0; i < r->nproblems && i < FAMFS_FSCK_MAX_PROBLEMS; i++)
		cli_json_str(&j, NULL, r->problems[i]);
	cli_json_arr_end(&j);
	if (o->verbose && !r->sb_err && !r->log_err)
		list_json(&j, t, r, acts, nacts);
	if (ri)
		repair_json(&j, ri, o);
	cli_json_obj_end(&j);
	cli_json_finish(&j);
}

/*
 * Progress of a large check: famfs_fsck() walks the valid entries five
 * times (scan; allocation: scan and walk; plan: scan and walk).
 */
#define FSCK_WALKS 5
#define FSCK_PROGRESS_MIN (FSCK_WALKS * 100000ULL)	/* 100k entries */

struct fsck_progress {
	struct cli_progress p;
	bool started;
	uint64_t last;		/* done in the current walk */
};

static void fsck_progress(void *arg, const char *phase, uint64_t done,
			  uint64_t total)
{
	struct fsck_progress *fp = arg;
	uint64_t delta;

	(void)phase;
	if (!fp->started) {
		cli_progress_start_count(&fp->p, "fsck", FSCK_WALKS * total,
					 "entries", FSCK_PROGRESS_MIN);
		fp->started = true;
	}
	if (done < fp->last)
		fp->last = 0;	/* the next walk began */
	delta = done - fp->last;
	fp->last = done;
	if (fp->p.done + delta > fp->p.total)
		fp->p.total = fp->p.done + delta;
	cli_progress_add(&fp->p, delta);
}

/* ------------------------------------------------------------------ */
/* --repair, -n, -y                                                    */

static bool entry_name(const struct famfs_log_entry *e, char *safe, size_t len)
{
	const char *field;

	if (e->type == FAMFS_LOG_FILE)
		field = e->file.relpath;
	else if (e->type == FAMFS_LOG_MKDIR)
		field = e->mkdir.relpath;
	else
		return false;
	if (!memchr(field, 0, FAMFS_MAX_PATHLEN) || !field[0])
		return false;
	cli_safe(field, safe, len);
	return true;
}

/* Why dropped entry @i goes: its own damage, or it follows the damage. */
static void drop_reason(const struct repair_info *ri, uint64_t i, char *why,
			size_t len)
{
	char w[160];

	if (famfs_log_entry_valid(&ri->log->entries[i], i, w, sizeof(w)))
		snprintf(why, len, "valid, but after the damaged entry %llu",
			 (unsigned long long)ri->plan.nvalid);
	else
		snprintf(why, len, "damaged: %s", w);
}

static void repair_plan_text(const struct repair_info *ri)
{
	const struct famfs_log_repair *p = &ri->plan;
	char safe[CLI_SAFE_LEN], w[CLI_SAFE_LEN], why[200];
	uint64_t i;

	printf("repair:       %s\n", cli_safe(p->why, safe, sizeof(safe)));
	if (p->header_rebuilt)
		printf("repair:       rebuild the log header from the superblock\n");
	printf("repair:       truncate the log to its %llu valid entries "
	       "(header next_index %llu, next_seqnum %llu -> %llu)\n",
	       (unsigned long long)p->nvalid,
	       (unsigned long long)p->old_next_index,
	       (unsigned long long)p->old_next_seqnum,
	       (unsigned long long)p->nvalid);
	for (i = p->nvalid; i < p->drop_end; i++) {
		const struct famfs_log_entry *e = &ri->log->entries[i];
		char type[32];

		if (famfs_log_entry_is_zero(e))
			continue;
		drop_reason(ri, i, why, sizeof(why));
		if (e->type <= FAMFS_LOG_INVALID)
			snprintf(type, sizeof(type), "%s", entry_type(e->type));
		else
			snprintf(type, sizeof(type), "unknown type %u", e->type);
		if (entry_name(e, safe, sizeof(safe)))
			printf("repair:       drop entry %llu: %s '%s' (%s)\n",
			       (unsigned long long)i, type, safe,
			       cli_safe(why, w, sizeof(w)));
		else
			printf("repair:       drop entry %llu: %s, name unreadable (%s)\n",
			       (unsigned long long)i, type,
			       cli_safe(why, w, sizeof(w)));
	}
	if (ri->nempty)
		printf("repair:       %llu empty slot%s in the dropped range "
		       "(never written)\n", (unsigned long long)ri->nempty,
		       ri->nempty == 1 ? "" : "s");
	printf("repair:       %llu entr%s to drop; file data is not touched\n",
	       (unsigned long long)p->ndropped, p->ndropped == 1 ? "y" : "ies");
}

static void repair_result_text(const struct repair_info *ri,
			       const struct fsck_opts *o)
{
	const struct famfs_log_repair *p = &ri->plan;

	if (!p->needed)
		printf("repair:       the log needs no repair (%llu valid entries)\n",
		       (unsigned long long)p->nvalid);
	else if (ri->done)
		printf("repair:       DONE: the log now holds %llu entries, %llu dropped\n",
		       (unsigned long long)p->nvalid,
		       (unsigned long long)p->ndropped);
	else
		printf("repair:       NOT DONE (%s)\n",
		       o->mode == FSCK_REPAIR_NO ? "-n: answer no" : "answered no");
}

static void repair_json(struct cli_json *j, const struct repair_info *ri,
			const struct fsck_opts *o)
{
	const struct famfs_log_repair *p = &ri->plan;
	char safe[CLI_SAFE_LEN], why[200];
	uint64_t i;

	cli_json_obj_begin(j, "repair");
	cli_json_str(j, "mode", o->mode == FSCK_REPAIR_NO ? "no" :
			o->mode == FSCK_REPAIR_YES ? "yes" : "ask");
	cli_json_bool(j, "needed", p->needed);
	cli_json_bool(j, "done", ri->done);
	cli_json_bool(j, "header_rebuilt", p->header_rebuilt);
	if (p->needed)
		cli_json_str(j, "why", p->why);
	cli_json_u64(j, "next_index_before", p->old_next_index);
	cli_json_u64(j, "next_seqnum_before", p->old_next_seqnum);
	cli_json_u64(j, "next_index_after", p->nvalid);
	cli_json_u64(j, "empty_slots", ri->nempty);
	cli_json_u64(j, "remaining_errors", ri->remaining);
	cli_json_arr_begin(j, "dropped");
	for (i = p->nvalid; i < p->drop_end; i++) {
		const struct famfs_log_entry *e = &ri->log->entries[i];
		char name[FAMFS_MAX_PATHLEN + 1];

		if (famfs_log_entry_is_zero(e))
			continue;
		cli_json_obj_begin(j, NULL);
		cli_json_u64(j, "index", i);
		cli_json_str(j, "type", entry_type(e->type));
		cli_json_u64(j, "type_value", e->type);
		if (entry_name(e, safe, sizeof(safe))) {
			/* JSON escapes by itself: the raw name. */
			relpath_copy(name, e->type == FAMFS_LOG_FILE ?
					   e->file.relpath : e->mkdir.relpath);
			cli_json_str(j, "path", name);
		}
		cli_json_bool(j, "valid", famfs_log_entry_valid(e, i, NULL, 0));
		drop_reason(ri, i, why, sizeof(why));
		cli_json_str(j, "why", why);
		cli_json_obj_end(j);
	}
	cli_json_arr_end(j);
	fsck_ht_json(j, &ri->ht, ri->ht_done);
	cli_json_obj_end(j);
}

/* Ask on the terminal; true for yes. */
static bool ask_yes(const struct famfs_log_repair *p)
{
	char line[32];

	fprintf(stderr, "Truncate the log to %llu entries, dropping %llu? [y/N] ",
		(unsigned long long)p->nvalid, (unsigned long long)p->ndropped);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static bool ask_yes_ht(void)
{
	char line[32];

	fprintf(stderr, "Repair the host table (slots that verify are kept)? [y/N] ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/*
 * Problems the log would still have once repaired: repair a private copy
 * (or, after a real repair, the log itself) and check it again.
 */
static uint64_t remaining_problems(const struct fsck_target *t,
				   const struct repair_info *ri,
				   struct famfs_fsck_report *after)
{
	struct famfs_log *copy;
	const void *ht = target_ht(t);
	int rc;

	/* A table repair would fix what it reports: leave it out until done. */
	if (ri->ht.needed && !ri->ht_done)
		ht = NULL;
	if (ri->done || !ri->plan.needed) {
		rc = famfs_fsck_ht(t->sb, t->log, t->log ? ht : NULL, t->dev_size, after);
		return rc < 0 ? 1 : after->nerrors;
	}
	if (t->sb->log_len > FAMFS_GiB)
		return 0;	/* too big to copy: unknown until repaired */
	copy = malloc(t->sb->log_len);
	if (!copy)
		return 0;
	memcpy(copy, t->log, t->sb->log_len);
	rc = famfs_log_repair_apply(t->sb, copy, &ri->plan);
	if (!rc)
		rc = famfs_fsck_ht(t->sb, copy, ht, t->dev_size, after);
	free(copy);
	return rc < 0 ? 1 : after->nerrors;
}

static int fsck_repair(struct fsck_target *t, const struct fsck_opts *o)
{
	struct famfs_fsck_report r, after;
	struct repair_info ri = { 0 };
	bool write = o->mode != FSCK_REPAIR_NO;
	char mpt[4096], safe[CLI_SAFE_LEN];
	struct stat st;
	unsigned int i;
	uint64_t k;
	int fd, rc, ret, verdict, famfs = 0;

	memset(&t->dev, 0, sizeof(t->dev));
	t->dev.fd = -1;
	if (stat(t->path, &st)) {
		cli_err("cannot access %s: %s", t->path, strerror(errno));
		return FSCK_EXIT_ERROR;
	}
	if (S_ISDIR(st.st_mode)) {
		famfs = 1;
	} else if (S_ISREG(st.st_mode)) {
		fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			famfs = famfs_is_famfs_fd(fd) == 1;
			close(fd);
		}
	}
	if (famfs || famfs_path_mountpoint(t->path, mpt, sizeof(mpt)) == 1) {
		if (write) {
			cli_err("%s is %s: repair works only offline; unmount "
				"the file system (on the master and on every "
				"host that writes to it), then run 'famfs fsck "
				"--repair' on the device", t->path,
				famfs ? "in a mounted famfs" : "mounted on this host");
			return FSCK_EXIT_ERROR;
		}
		/* -n changes nothing: look through the mount. */
		if (open_target(t))
			return FSCK_EXIT_ERROR;
	} else if (!write) {
		if (open_target(t))
			return FSCK_EXIT_ERROR;
	} else {
		if (o->mode == FSCK_REPAIR_ASK && !isatty(STDIN_FILENO)) {
			cli_err("--repair asks before changing anything and "
				"needs a terminal; use -y to repair or -n to "
				"only report");
			return FSCK_EXIT_ERROR;
		}
		rc = famfs_dev_open(t->path, true, &t->dev);
		if (rc) {
			cli_liberr(rc, "cannot open %s for repair", t->path);
			cli_dax_raw_hint(t->path, rc);
			return FSCK_EXIT_ERROR;
		}
		rc = famfs_dev_mountpoint(&t->dev, mpt, sizeof(mpt));
		if (rc) {
			if (rc > 0)
				cli_err("%s is mounted on %s: repair works only "
					"offline; unmount it first", t->path, mpt);
			else
				cli_liberr(rc, "%s", t->path);
			famfs_dev_close(&t->dev);
			return FSCK_EXIT_ERROR;
		}
		/* No offline writer may append while the log is cut. */
		rc = famfs_dev_lock(&t->dev, -1);
		if (rc) {
			cli_liberr(rc, "cannot repair %s", t->path);
			famfs_dev_close(&t->dev);
			return FSCK_EXIT_ERROR;
		}
		t->dev_size = t->dev.size;
		t->sb = (const struct famfs_superblock *)t->dev.base;
		if (famfs_sb_check(t->sb, t->dev.size) == 0)
			t->log = (const struct famfs_log *)(t->dev.base +
							    t->sb->log_offset);
	}
	rc = famfs_fsck_ht(t->sb, t->log, t->log ? target_ht(t) : NULL, t->dev_size, &r);
	if (rc < 0 || r.sb_err || !t->log) {
		if (rc >= 0) {
			if (o->json)
				report_json(t, &r, 1, o, NULL, 0, NULL);
			else
				report_text(t, &r, 1, o, NULL, 0);
		}
		cli_err("%s: no valid famfs superblock: nothing to repair from "
			"(mkfs.famfs makes a new file system)", t->path);
		close_target(t);
		return FSCK_EXIT_ERROR;
	}
	verdict = rc;
	ri.log = t->log;
	famfs_log_repair_plan(t->sb, t->log, &ri.plan);
	for (k = ri.plan.nvalid; k < ri.plan.drop_end; k++)
		if (famfs_log_entry_is_zero(&t->log->entries[k]))
			ri.nempty++;
	if (r.delete_enabled && target_ht(t))
		famfs_ht_repair_plan(target_ht(t), t->sb, &ri.ht);
	/* Show the state and the plan before anything changes. */
	if (!o->json) {
		report_text(t, &r, verdict, o, NULL, 0);
		if (ri.plan.needed)
			repair_plan_text(&ri);
		fsck_ht_plan_text(&ri.ht);
	}
	if (ri.plan.needed && o->mode != FSCK_REPAIR_NO) {
		if (o->mode == FSCK_REPAIR_YES || ask_yes(&ri.plan)) {
			rc = famfs_log_repair_apply(t->sb, (struct famfs_log *)t->log,
						    &ri.plan);
			if (rc) {
				cli_liberr(rc, "repair of %s failed", t->path);
				close_target(t);
				return FSCK_EXIT_ERROR;
			}
			ri.done = true;
		}
	}
	if (ri.ht.needed && o->mode != FSCK_REPAIR_NO &&
	    (o->mode == FSCK_REPAIR_YES || ask_yes_ht())) {
		/* Offline only (a mount was refused above): the device mapping. */
		rc = famfs_ht_repair_apply((void *)target_ht(t), t->sb, &ri.ht);
		if (rc) {
			cli_liberr(rc, "host table repair of %s failed", t->path);
			close_target(t);
			return FSCK_EXIT_ERROR;
		}
		ri.ht_done = true;
	}
	ri.remaining = remaining_problems(t, &ri, &after);
	if (o->json) {
		report_json(t, &r, verdict, o, NULL, 0, &ri);
	} else {
		repair_result_text(&ri, o);
		fsck_ht_result_text(&ri.ht, ri.ht_done, o->mode == FSCK_REPAIR_NO);
		if (ri.remaining) {
			printf("remaining:    %llu problem%s repair does not fix "
			       "(bad or cross-linked entries, collisions: replay "
			       "skips them)\n", (unsigned long long)ri.remaining,
			       ri.remaining == 1 ? "" : "s");
			for (i = 0; i < after.nproblems && i < FAMFS_FSCK_MAX_PROBLEMS; i++)
				printf("remaining:    %s\n",
				       cli_safe(after.problems[i], safe, sizeof(safe)));
		}
	}
	if (ri.remaining || (ri.plan.needed && !ri.done) ||
	    (ri.ht.needed && !ri.ht_done))
		ret = FSCK_EXIT_UNCORRECTED;
	else if (ri.done || ri.ht_done)
		ret = FSCK_EXIT_CORRECTED;
	else
		ret = FSCK_EXIT_OK;
	if (!o->json)
		printf("fsck:         %s\n",
		       ret == FSCK_EXIT_OK ? "no errors (exit 0)" :
		       ret == FSCK_EXIT_CORRECTED ? "errors corrected (exit 1)" :
		       "errors left uncorrected (exit 4)");
	close_target(t);
	return ret;
}

int cmd_fsck(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "human", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "set-daxmode", no_argument, NULL, 'M' },
		{ "repair", no_argument, NULL, 'R' },
		{ "no", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "lock-timeout", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	bool repair = false, no = false, yes = false, repair_opt = false;
	struct fsck_opts o = { 0 };
	struct fsck_target t = { 0 };
	struct famfs_fsck_report r;
	struct famfs_action *acts = NULL;
	struct fsck_progress fp = { 0 };
	size_t nacts = 0;
	bool daxmode = false;
	int c, rc, ret;

	optind = 1;
	/* A usage error of a repair run is exit 16, as for fsck(8). */
	for (c = 1; c < argc && strcmp(argv[c], "--"); c++)
		if (!strcmp(argv[c], "--repair") || !strcmp(argv[c], "--yes") ||
		    !strcmp(argv[c], "--no") ||
		    (argv[c][0] == '-' && argv[c][1] != '-' &&
		     strpbrk(argv[c], "ny")))
			repair_opt = true;
	while ((c = getopt_long(argc, argv, "hvjMnyw:", lopts, NULL)) != -1) {
		switch (c) {
		case 'M':
			daxmode = true;
			break;
		case 'R':
			repair = true;
			break;
		case 'n':
			no = true;
			break;
		case 'y':
			yes = true;
			break;
		case 'w':
			if (!cli_opt_lock_timeout(optarg)) {
				cli_usage_hint();
				return repair_opt ? FSCK_EXIT_USAGE : CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			o.human = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'H':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			cli_usage_hint();
			return repair_opt ? FSCK_EXIT_USAGE : CLI_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_err(optind == argc ? "missing DEVICE or PATH"
				       : "too many arguments");
		cli_usage_hint();
		return repair_opt ? FSCK_EXIT_USAGE : CLI_EXIT_USAGE;
	}
	if (no && yes) {
		cli_err("-n (answer no) and -y (answer yes) exclude each other");
		cli_usage_hint();
		return FSCK_EXIT_USAGE;
	}
	t.path = argv[optind];
	ret = daxmode ? cli_dax_prepare_raw("-M", t.path) : CLI_EXIT_OK;
	if (ret)
		return ret;
	if (repair || no || yes) {
		o.mode = no ? FSCK_REPAIR_NO : yes ? FSCK_REPAIR_YES :
						     FSCK_REPAIR_ASK;
		return fsck_repair(&t, &o);
	}
	ret = open_target(&t);
	if (ret)
		return ret;
	memset(&r, 0, sizeof(r));
	if (!o.json)
		famfs_set_progress(fsck_progress, &fp);
	rc = famfs_fsck_ht(t.sb, t.log, t.log ? target_ht(&t) : NULL, t.dev_size, &r);
	famfs_set_progress(NULL, NULL);
	if (fp.started) {
		fp.p.done = fp.p.total;	/* the last entries of each walk */
		cli_progress_end(&fp.p);
	}
	if (rc < 0) {
		cli_liberr(rc, "cannot check %s", t.path);
		close_target(&t);
		return CLI_EXIT_FAIL;
	}
	if (r.sb_err)
		rc = 1;
	/* Per-entry verdicts for -v (planning against an empty namespace). */
	if (o.verbose && !r.sb_err && !r.log_err &&
	    famfs_replay_plan_ex(t.log, t.sb->log_len, t.dev_size,
				 famfs_plan_flags(t.sb), famfs_lookup_empty, NULL,
				 &acts, &nacts)) {
		acts = NULL;
		nacts = 0;
	}
	if (o.json)
		report_json(&t, &r, rc, &o, acts, nacts, NULL);
	else
		report_text(&t, &r, rc, &o, acts, nacts);
	free(acts);
	close_target(&t);
	return rc ? CLI_EXIT_CORRUPT : CLI_EXIT_OK;
}
