// SPDX-License-Identifier: GPL-2.0
/*
 * famfs logplay --follow: keep a mount up to date with the shared log.
 *
 * The master appends to the log in shared memory; nothing tells the other
 * hosts. A follower polls the one cache line that changes on every append,
 * the log header's next_index, and replays only the entries it has not
 * handled yet. A poll is a cache-line invalidate plus two loads, so polling
 * every 100 ms costs nothing measurable; files already instantiated are
 * never looked at or mapped again. A replay CRC-checks and plans only the
 * new entries (famfs_log_scan_from, a famfs_planner kept between polls),
 * so its cost does not grow with the log.
 *
 * There is no cache coherence between hosts: before reading metadata the
 * follower invalidates the lines it is about to read (clflush on a line
 * this host never wrote only drops it), so it sees what the master flushed.
 *
 * Before every replay the follower also checks the live superblock's fs
 * UUID against the one the mount was made from: if the memory was
 * re-formatted, the new log's extents mean nothing to this mount and
 * mapping them would expose unrelated data, so it stops with an error.
 */
#ifndef _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include "cli.h"
#include "libfamfs.h"
#include "follow_names.h"
#include "logplay_follow.h"

#define FOLLOW_INTERVAL_MS_DEFAULT 100
/*
 * Metadata caught mid-update is retried for this long before giving up:
 * a log header between its two stores, briefly; a superblock that mkfs is
 * rewriting (zeroed first, valid again after the whole log is cleared),
 * longer.
 */
#define FOLLOW_LOG_GRACE_MS 2000
#define FOLLOW_SB_GRACE_MS 10000
/*
 * Heartbeat of this host's record when nothing changed: evict treats a
 * host whose heartbeat is under 60 s old as alive.
 */
#define FOLLOW_HEARTBEAT_NS (10 * 1000000000ULL)

struct follower {
	struct famfs_fs *fs;
	const char *root;
	const struct famfs_superblock *sb;	/* live, in shared memory */
	const struct famfs_log *log;		/* live, in shared memory */
	uint64_t log_len;
	uint64_t dev_size;
	uint8_t fs_uuid[16];	/* the file system this mount was made of */
	uint64_t seen;		/* entries [0, seen) are handled */
	uint64_t seen_crc;	/* stored CRC of entry seen - 1 */
	/*
	 * The mount's root, for FAMFSIOC_PENDING at every poll. The meta
	 * file maps keep the mount busy already; an fd held open saves an
	 * open and a close per poll.
	 */
	int root_fd;
	uint64_t hb_ns;		/* last host record write (delete feature) */
	uint64_t hb_seen;	/* seen at that write */
	uint64_t hb_min;	/* this host's smallest pending tag then */
	uint32_t hb_npend;	/* and its number of pending deletions */
	bool client;
	bool quiet;
	struct cli_json *j;	/* --json: one object per event and line */
	unsigned long polls, replays, ndirs, nfiles, nbad, nerrors;
	unsigned int bad_ms;	/* how long the metadata has looked odd */
	/*
	 * Lookup answers kept between polls (NULL: look everything up).
	 * Only the master's log and this follower change a famfs namespace
	 * (unlink and rename are refused), so a poll needs fresh answers
	 * only for the names its new entries touch.
	 */
	struct follow_names *names;
	/*
	 * The plan of entries [0, seen), kept so that a poll plans only the
	 * new entries (NULL: plan the whole log again). Made with
	 * plan_flags; rebuilt whenever names is cleared.
	 */
	struct famfs_planner *planner;
	unsigned int plan_flags;
	unsigned long nplans_full;	/* replays that planned from entry 0 */
	unsigned long nreplans;		/* of them, for a DELETE of an older entry */
	char why[200];		/* what looked odd */
};

static volatile sig_atomic_t follow_stop;

static void follow_on_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

bool logplay_follow_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--follow") || !strcmp(argv[i], "-F"))
			return true;
	}
	return false;
}

static void follow_usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs logplay --follow [-i MS] [-t SECONDS] [-c] [-q] MOUNTPOINT\n"
		"\n"
		"Replay the log once, then keep watching it: every MS milliseconds\n"
		"(default %d) read the log header's next_index and instantiate the\n"
		"entries appended since the last look. Files already present are\n"
		"never mapped again. On a client host new files are read-only.\n"
		"Stops on SIGINT/SIGTERM, after SECONDS if -t is given, or with an\n"
		"error if the memory was re-formatted under the mount.\n"
		"\n"
		"  -F, --follow          follow the log (required)\n"
		"  -i, --interval MS     poll interval, 1..10000 ms\n"
		"  -t, --timeout SECONDS stop after this long (0: never)\n"
		"  -c, --client          replay as a client (read-only files) even on\n"
		"                        the master\n"
		"  -q, --quiet           do not print each new file and directory\n"
		"  -j, --json            events as JSON, one object per line\n"
		"  -h, --help            this text\n"
		"\n" CLI_EXIT_CODES_HELP
		"  (4 also when the file system was re-formatted under the mount, or\n"
		"   its log got shorter than what the mount replayed)\n",
		FOLLOW_INTERVAL_MS_DEFAULT);
}

/* Drop this host's cached copy of shared metadata before reading it. */
static void follow_invalidate(const void *addr, size_t len)
{
	famfs_invalidate(addr, len);
}

static double follow_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t follow_next_index(const struct follower *f)
{
	follow_invalidate(f->log, sizeof(*f->log));
	return __atomic_load_n(&f->log->next_index, __ATOMIC_ACQUIRE);
}

/*
 * Is the live superblock still the one of this mount? Returns 0 if so,
 * -ESTALE if it holds another file system, -EAGAIN if it is unreadable
 * (mkfs may be writing it right now; the caller retries for a while).
 */
static int follow_check_sb(struct follower *f)
{
	struct famfs_superblock sb;
	char was[37], now[37];
	int rc;

	follow_invalidate(f->sb, sizeof(*f->sb));
	memcpy(&sb, f->sb, sizeof(sb));
	rc = famfs_sb_check(&sb, 0);
	if (rc)
		return -EAGAIN;
	if (memcmp(sb.fs_uuid, f->fs_uuid, sizeof(sb.fs_uuid)) == 0)
		return 0;
	uuid_unparse(f->fs_uuid, was);
	uuid_unparse(sb.fs_uuid, now);
	cli_err("file system was re-formatted: mounted fs uuid %s, the memory now holds %s; refusing to replay (unmount and mount again)",
		was, now);
	return -ESTALE;
}

/* --json: begin one event line (finished by follow_event_end). */
static void follow_event(const struct follower *f, const char *event)
{
	cli_json_obj_begin(f->j, NULL);
	cli_json_str(f->j, "event", event);
	cli_json_double(f->j, "time", follow_now());
}

static void follow_event_end(const struct follower *f)
{
	cli_json_obj_end(f->j);
	cli_json_finish(f->j);
}

/* --json: a log entry that was not replayed. */
static void follow_print_bad(const struct follower *f,
			     const struct famfs_action *a)
{
	if (!f->j)
		return;
	follow_event(f, "bad");
	cli_json_u64(f->j, "index", a->index);
	cli_json_str(f->j, "path", a->relpath);
	cli_json_str(f->j, "why", a->why);
	follow_event_end(f);
}

static void follow_print(const struct follower *f, const struct famfs_action *a)
{
	char p[CLI_SAFE_LEN];

	if (f->quiet)
		return;
	if (f->j) {
		follow_event(f, a->type == FAMFS_ACT_DELETE ? "delete" :
			     a->type == FAMFS_ACT_MKDIR ? "dir" : "file");
		cli_json_u64(f->j, "index", a->index);
		cli_json_str(f->j, "path", a->relpath);
		if (a->type == FAMFS_ACT_DELETE)
			cli_json_u64(f->j, "target", a->target);
		else if (a->type != FAMFS_ACT_MKDIR)
			cli_json_u64(f->j, "size", a->size);
		follow_event_end(f);
		return;
	}
	if (a->type == FAMFS_ACT_DELETE)
		printf("%.3f -%s %s\n", follow_now(), a->is_dir ? "dir " : "file",
		       cli_safe(a->relpath, p, sizeof(p)));
	else if (a->type == FAMFS_ACT_MKDIR)
		printf("%.3f +dir  %s\n", follow_now(), cli_safe(a->relpath, p, sizeof(p)));
	else
		printf("%.3f +file %s (%" PRIu64 " bytes)\n", follow_now(),
		       cli_safe(a->relpath, p, sizeof(p)), a->size);
}

/*
 * Instantiate the entries in [f->seen, end of the valid log). Entries
 * before f->seen were handled by an earlier pass and are skipped without
 * a look; EXISTS actions (someone else replayed them) are not re-mapped.
 */
/* The name entry @i creates or deletes, or NULL. */
static const char *follow_entry_name(const struct famfs_log_entry *e)
{
	switch (e->type) {
	case FAMFS_LOG_FILE:
		return e->file.relpath;
	case FAMFS_LOG_MKDIR:
		return e->mkdir.relpath;
	case FAMFS_LOG_DELETE:
		return e->del.relpath;
	default:
		return NULL;
	}
}

/*
 * Drop what is known about the names entries [from, to) touch. A relpath
 * field without its NUL is BAD to the planner and looked up by nobody.
 */
static void follow_forget(struct follower *f, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++) {
		const char *rel = follow_entry_name(&f->log->entries[i]);
		char buf[FAMFS_MAX_PATHLEN];

		if (!rel || !memchr(rel, 0, FAMFS_MAX_PATHLEN))
			continue;
		/* Copy: the shared memory may change under us. */
		memcpy(buf, rel, sizeof(buf));
		buf[sizeof(buf) - 1] = 0;
		follow_names_forget(f->names, buf);
	}
}

static int follow_lookup(void *ctx, const char *rel)
{
	struct follower *f = ctx;
	int kind = follow_names_get(f->names, rel);

	if (kind >= 0)
		return kind;
	kind = famfs_lookup_mount((void *)f->root, rel);
	if (kind >= 0 && follow_names_put(f->names, rel, kind))
		follow_names_clear(f->names);	/* out of memory: stay correct */
	return kind;
}

/*
 * Remember what the mount holds after a replay that applied cleanly:
 * actions from index @from on, in log order (a later DELETE undoes an
 * earlier CREATE). Entries below @seen were not applied: a CREATE there
 * means the lookup found nothing.
 */
static void follow_learn(struct follower *f, const struct famfs_action *acts,
			 size_t nacts, uint64_t from, uint64_t seen)
{
	for (size_t i = 0; i < nacts && f->names; i++) {
		const struct famfs_action *a = &acts[i];
		int kind;

		if (a->index < from)
			continue;
		switch (a->type) {
		case FAMFS_ACT_EXISTS:
			kind = a->is_dir ? FAMFS_LOOKUP_DIR : FAMFS_LOOKUP_FILE;
			break;
		case FAMFS_ACT_MKDIR:
			kind = a->index < seen ? FAMFS_LOOKUP_ABSENT : FAMFS_LOOKUP_DIR;
			break;
		case FAMFS_ACT_CREATE:
			kind = a->index < seen ? FAMFS_LOOKUP_ABSENT : FAMFS_LOOKUP_FILE;
			break;
		case FAMFS_ACT_DELETE:
			kind = FAMFS_LOOKUP_ABSENT;
			break;
		default:
			/* BAD: unknown; a later lookup asks the mount. */
			follow_names_forget(f->names, a->relpath);
			continue;
		}
		if (follow_names_put(f->names, a->relpath, kind)) {
			follow_names_clear(f->names);
			return;
		}
	}
}

/*
 * Where the scan may start: entries before f->seen were valid and the
 * log is append-only, unless entry seen - 1 changed (the poll refuses to
 * go on then; scanning all is the cheap way to stay exact until it does).
 */
static uint64_t follow_scan_from(const struct follower *f)
{
	const struct famfs_log_entry *e;

	if (!f->seen)
		return 0;
	e = &f->log->entries[f->seen - 1];
	if (e->crc != f->seen_crc ||
	    !famfs_log_entry_valid(e, f->seen - 1, NULL, 0))
		return 0;
	return f->seen;
}

static void follow_drop_planner(struct follower *f)
{
	f->nreplans += famfs_planner_replans(f->planner);
	f->nplans_full += famfs_planner_replans(f->planner);
	famfs_planner_free(f->planner);
	f->planner = NULL;
}

/*
 * Plan entries [f->seen, nvalid): fed to the kept planner when it holds
 * exactly [0, seen) and the lookup cache is good; otherwise a new planner
 * plans the whole log (its actions before f->seen are skipped).
 */
static int follow_plan(struct follower *f, bool cached, uint64_t nvalid,
		       struct famfs_action **acts, size_t *nacts)
{
	unsigned int flags = famfs_plan_flags(f->sb);
	int rc;

	if (f->planner && cached && flags == f->plan_flags &&
	    famfs_planner_fed(f->planner) == f->seen) {
		rc = famfs_planner_feed(f->planner, f->log, nvalid, acts, nacts);
		if (rc)
			follow_drop_planner(f);
		return rc;
	}
	follow_drop_planner(f);
	f->nplans_full++;
	f->plan_flags = flags;
	/* Whole log: one listing per directory (not a cached lookup per name). */
	f->planner = famfs_planner_new(f->log_len, f->dev_size, flags,
				       famfs_lookup_mount, (void *)f->root);
	if (!f->planner)
		return -ENOMEM;
	rc = famfs_planner_feed(f->planner, f->log, nvalid, acts, nacts);
	if (rc) {
		follow_drop_planner(f);
		return rc;
	}
	/* Later feeds: only the new names, through the cache. */
	if (f->names)
		famfs_planner_set_lookup(f->planner, follow_lookup, f);
	return 0;
}

static int follow_replay(struct follower *f, uint64_t next_index)
{
	bool cached;
	struct famfs_action *acts = NULL, *todo;
	struct famfs_apply_stats st;
	struct famfs_log_scan scan;
	size_t nacts = 0, ntodo = 0;
	char p[CLI_SAFE_LEN], w[CLI_SAFE_LEN];
	int rc;

	uint64_t nmax = FAMFS_LOG_NENTRIES(f->log_len);

	/*
	 * next_index comes from shared memory and may be garbage: bound it
	 * before it sizes anything. Entries before f->seen never change
	 * (the log is append-only; a re-format changes the fs uuid), so
	 * only the header and the new entries are invalidated.
	 */
	if (next_index > nmax)
		next_index = nmax;
	follow_invalidate(f->log, sizeof(*f->log));
	if (next_index > f->seen)
		follow_invalidate(&f->log->entries[f->seen],
				  (next_index - f->seen) *
				  sizeof(struct famfs_log_entry));
	rc = famfs_log_check(f->log, f->log_len);
	if (!rc)
		rc = famfs_log_scan_from(f->log, f->log_len, follow_scan_from(f),
					 &scan);
	if (rc) {
		/* Header caught between its two stores, or damaged. */
		snprintf(f->why, sizeof(f->why), "log header: %s",
			 famfs_errmsg());
		return -EAGAIN;
	}
	if (scan.nvalid <= f->seen) {
		/* The new entry is not visible yet, or it is torn. */
		snprintf(f->why, sizeof(f->why), "log entry %" PRIu64 ": %s",
			 scan.bad_index, scan.why);
		return -EAGAIN;
	}

	/* The first poll lists the mount; later ones look up only new names. */
	cached = f->names && follow_names_count(f->names);
	if (cached)
		follow_forget(f, f->seen, scan.nvalid);
	rc = follow_plan(f, cached, scan.nvalid, &acts, &nacts);
	if (rc) {
		cli_liberr(rc, "planning the replay");
		return rc;
	}
	todo = calloc(nacts ? nacts : 1, sizeof(*todo));
	if (!todo) {
		free(acts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nacts; i++) {
		const struct famfs_action *a = &acts[i];

		if (a->index < f->seen || a->index >= scan.nvalid)
			continue;
		if (a->type == FAMFS_ACT_BAD) {
			cli_warn("log entry %" PRIu64 " (%s) not replayed: %s",
				 a->index, cli_safe(a->relpath, p, sizeof(p)),
				 cli_safe(a->why, w, sizeof(w)));
			follow_print_bad(f, a);
			f->nbad++;
			continue;
		}
		if (a->type == FAMFS_ACT_EXISTS)
			continue;
		todo[ntodo++] = *a;
	}
	memset(&st, 0, sizeof(st));
	rc = ntodo ? famfs_apply_plan(f->root, todo, ntodo, f->client, &st) : 0;
	for (size_t i = 0; i < ntodo; i++)
		follow_print(f, &todo[i]);
	fflush(stdout);
	f->ndirs += st.ndirs;
	f->nfiles += st.nfiles;
	f->nerrors += st.nerrors;
	f->nbad += st.nbad;	/* e.g. cross-linked: the kernel said EADDRINUSE */
	if (rc)
		cli_warn("replay: %s", cli_safe(st.first_error[0] ? st.first_error :
						 famfs_errmsg(), w, sizeof(w)));
	if (rc || st.nerrors) {
		follow_names_clear(f->names);	/* the mount is not what was planned */
		follow_drop_planner(f);
	} else {
		follow_learn(f, acts, nacts, cached ? f->seen : 0, f->seen);
	}
	f->replays++;
	f->seen = scan.nvalid;
	f->seen_crc = f->log->entries[f->seen - 1].crc;
	/* Remember how far this mount got (best effort). */
	famfs_mount_record_log(f->root, f->fs_uuid, f->log, f->seen);
	if (scan.damaged && scan.nvalid < next_index)
		cli_warn("log entry %" PRIu64 " is not valid yet (%s); waiting",
			 scan.bad_index, scan.why);
	free(todo);
	free(acts);
	return 0;
}

/* One poll. 0: fine, keep going; >0: exit code to stop with. */
static int follow_poll(struct follower *f, unsigned int interval_ms)
{
	unsigned int limit_ms;
	uint64_t next;
	int rc, sb_rc;

	f->polls++;
	rc = sb_rc = follow_check_sb(f);
	if (rc == -ESTALE)
		return CLI_EXIT_REFUSED;
	/*
	 * Heartbeat and release mark (delete enabled or not: enabling it
	 * must find this host), at most once a second and after every
	 * replay; an evicted host shuts its mount down.
	 */
	if (rc == 0) {
		uint64_t now = famfs_now_ns(), min = f->hb_min;
		uint32_t npend = f->hb_npend;

		/* A release (last close/unmap of a deleted file) is written at once. */
		if (f->root_fd < 0)
			f->root_fd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f->root_fd >= 0 && famfs_kpending(f->root_fd, &min, &npend)) {
			min = f->hb_min;
			npend = f->hb_npend;
		}
		if (now - f->hb_ns >= FOLLOW_HEARTBEAT_NS || f->hb_seen != f->seen ||
		    min != f->hb_min || npend != f->hb_npend) {
			f->hb_ns = now;
			f->hb_seen = f->seen;
			f->hb_min = min;
			f->hb_npend = npend;
			if (cli_host_update(f->root, f->seen, UINT64_MAX))
				return CLI_EXIT_FAIL;
		}
	}
	if (rc == 0) {
		next = follow_next_index(f);
		if (f->seen && next >= f->seen)
			follow_invalidate(&f->log->entries[f->seen - 1],
					  sizeof(struct famfs_log_entry));
		if (f->seen && next >= f->seen &&
		    f->log->entries[f->seen - 1].crc != f->seen_crc) {
			/* Truncated, then written again past where we were. */
			cli_err("log entry %" PRIu64 " changed since this mount replayed it (the log was truncated, e.g. by 'famfs fsck --repair', and written again); refusing to replay (unmount and mount again)",
				f->seen - 1);
			return CLI_EXIT_REFUSED;
		}
		if (next == f->seen) {
			f->bad_ms = 0;
			return 0;
		}
		if (next < f->seen) {
			/*
			 * mkfs may have reset the log before it rewrote the
			 * superblock: wait for the new fs uuid to show up.
			 */
			rc = -ERANGE;
		} else {
			rc = follow_replay(f, next);
			if (rc == 0) {
				f->bad_ms = 0;
				return 0;
			}
			if (rc != -EAGAIN)
				return CLI_EXIT_FAIL;
		}
	}
	/* Metadata caught mid-update: allow it to settle, then give up. */
	limit_ms = sb_rc == -EAGAIN ? FOLLOW_SB_GRACE_MS : FOLLOW_LOG_GRACE_MS;
	if (f->bad_ms == 0 && sb_rc == -EAGAIN)
		cli_warn("superblock unreadable (being re-formatted?): waiting up to %u ms",
			 limit_ms);
	f->bad_ms += interval_ms;
	if (f->bad_ms >= limit_ms) {
		if (rc == -ERANGE) {
			cli_err("the log is shorter than what this mount replayed (next_index %" PRIu64
				" < %" PRIu64 " replayed) with the same file system uuid: truncated, e.g. by 'famfs fsck --repair'; refusing to replay (unmount and mount again)",
				follow_next_index(f), f->seen);
			return CLI_EXIT_REFUSED;
		} else {
			char w[4 * 512 + 1];

			cli_err("%s for more than %u ms: %s",
				sb_rc == -EAGAIN ? "superblock unreadable" :
				"log not consistent", limit_ms,
				cli_safe(sb_rc == -EAGAIN ? famfs_errmsg() : f->why,
					 w, sizeof(w)));
		}
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static int follow_parse(int argc, char **argv, unsigned int *interval_ms,
			unsigned int *timeout_s, bool *quiet, bool *client,
			bool *json)
{
	static const struct option lopts[] = {
		{ "follow", no_argument, NULL, 'F' },
		{ "interval", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "client", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+Fi:t:qcjh", lopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			break;
		case 'i':
			if (!cli_opt_u32("interval", optarg, &v))
				return cli_usage_hint();
			if (v < 1 || v > 10000) {
				cli_err("interval must be 1..10000 ms, not %u", v);
				return cli_usage_hint();
			}
			*interval_ms = v;
			break;
		case 't':
			if (!cli_opt_u32("timeout", optarg, &v))
				return cli_usage_hint();
			*timeout_s = v;
			break;
		case 'q':
			*quiet = true;
			break;
		case 'c':
			*client = true;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			follow_usage(stdout);
			return -1;
		default:
			return cli_usage_hint();
		}
	}
	if (optind != argc - 1) {
		cli_err("expected one mount point");
		return cli_usage_hint();
	}
	return 0;
}

int logplay_follow_main(int argc, char **argv)
{
	unsigned int interval_ms = FOLLOW_INTERVAL_MS_DEFAULT, timeout_s = 0;
	struct follower f = { .root_fd = -1 };
	struct cli_json json;
	bool force_client = false, want_json = false;
	struct sigaction sa = { 0 };
	struct timespec nap;
	double deadline;
	int rc, exit_code = CLI_EXIT_OK;

	rc = follow_parse(argc, argv, &interval_ms, &timeout_s, &f.quiet,
			  &force_client, &want_json);
	if (rc < 0)
		return CLI_EXIT_OK;	/* --help */
	if (rc > 0)
		return rc;

	rc = famfs_fs_open(argv[optind], false, &f.fs);
	if (rc) {
		cli_liberr(rc, "%s", argv[optind]);
		return cli_exit_for(rc);
	}
	f.root = famfs_fs_mountpoint(f.fs);
	f.sb = famfs_fs_sb(f.fs);
	f.log = famfs_fs_log(f.fs);
	f.log_len = f.sb->log_len;
	f.dev_size = famfs_fs_dev_size(f.fs);
	f.client = force_client || !famfs_fs_is_master(f.fs);
	f.names = follow_names_new();	/* NULL: every poll looks up all */
	/*
	 * famfs_fs_open() checked the superblock; its fs UUID is the one the
	 * mount holds unless the memory was re-formatted before we started,
	 * which the first replay below (like any logplay) must not paper
	 * over: the mount's own record wins when there is one.
	 */
	memcpy(f.fs_uuid, f.sb->fs_uuid, sizeof(f.fs_uuid));
	rc = famfs_mount_record_check_log(f.root, f.log, f.log_len);
	if (rc) {
		cli_liberr(rc, "refusing to follow %s", f.root);
		famfs_fs_close(f.fs);
		return CLI_EXIT_REFUSED;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	sa.sa_handler = follow_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (want_json) {
		cli_json_init(&json, stdout);
		json.oneline = true;	/* a stream: one event per line */
		f.j = &json;
	}
	if (!f.quiet && f.j) {
		follow_event(&f, "start");
		cli_json_str(f.j, "mountpoint", f.root);
		cli_json_str(f.j, "role", f.client ? "client" : "master");
		cli_json_u64(f.j, "interval_ms", interval_ms);
		follow_event_end(&f);
	} else if (!f.quiet) {
		printf("following %s (%s, polling every %u ms)\n", f.root,
		       f.client ? "client" : "master", interval_ms);
	}
	deadline = timeout_s ? follow_now() + timeout_s : 0;
	nap.tv_sec = interval_ms / 1000;
	nap.tv_nsec = (long)(interval_ms % 1000) * 1000000L;
	while (!follow_stop) {
		rc = follow_poll(&f, interval_ms);
		if (rc) {
			exit_code = rc;
			break;
		}
		if (deadline && follow_now() >= deadline)
			break;
		nanosleep(&nap, NULL);	/* a signal cuts it short */
	}
	if (exit_code == CLI_EXIT_OK && f.nerrors)
		exit_code = CLI_EXIT_FAIL;
	if (!f.quiet && f.j) {
		follow_event(&f, "stop");
		cli_json_u64(f.j, "polls", f.polls);
		cli_json_u64(f.j, "replays", f.replays);
		cli_json_u64(f.j, "directories", f.ndirs);
		cli_json_u64(f.j, "files", f.nfiles);
		cli_json_u64(f.j, "bad_entries", f.nbad);
		cli_json_u64(f.j, "errors", f.nerrors);
		cli_json_u64(f.j, "exit", (uint64_t)exit_code);
		follow_event_end(&f);
	} else if (!f.quiet) {
		printf("follow: stopped after %lu polls, %lu replays: %lu dirs, %lu files added, %lu bad entries, %lu errors\n",
		       f.polls, f.replays, f.ndirs, f.nfiles, f.nbad, f.nerrors);
	}
	follow_drop_planner(&f);
	if (getenv("FAMFS_REPLAY_STATS"))
		fprintf(stderr, "follow: %lu replays, %lu planned from entry 0 (%lu for a DELETE of an older entry)\n",
			f.replays, f.nplans_full, f.nreplans);
	follow_names_free(f.names);
	if (f.root_fd >= 0)
		close(f.root_fd);
	famfs_fs_close(f.fs);
	return exit_code;
}
