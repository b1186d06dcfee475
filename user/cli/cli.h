/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs command line: shared declarations of the CLI helpers (cli_*.c) and
 * the subcommand entry points (cmd_*.c).
 */
#ifndef FAMFS_CLI_H
#define FAMFS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit codes, identical for every program and subcommand (see famfs(8)). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_USAGE = 1,	/* bad arguments */
	CLI_EXIT_FAIL = 2,	/* the operation failed */
	CLI_EXIT_CORRUPT = 3,	/* fsck/check found corruption */
	CLI_EXIT_REFUSED = 4,	/* client host, device mounted, already formatted */
};

#define CLI_EXIT_CODES_HELP \
	"Exit codes:\n" \
	"  0  success\n" \
	"  1  usage error (bad option or argument)\n" \
	"  2  the operation failed\n" \
	"  3  corruption found\n" \
	"  4  refused (client host, device mounted here, already formatted)\n"

extern const char *cli_prog;	/* "famfs", "mkfs.famfs" or "mount.famfs" */

/* Messages on stderr, prefixed with the program (and subcommand) name. */
void cli_set_cmd(const char *cmd);
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "<what>: <library message or strerror>" for a negative errno. */
void cli_liberr(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Exit code for a failed library call: refusals map to 4, the rest to 2. */
int cli_exit_for(int err);
/* Print "Try '<prog> <cmd> --help'" and return CLI_EXIT_USAGE. */
int cli_usage_hint(void);

/* cli_parse.c: strict number parsing; all return 0 or -EINVAL/-ERANGE. */
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_u32(const char *s, uint32_t *out);
int cli_parse_mode(const char *s, uint32_t *out);	/* octal, <= 07777 */
/* Like cli_parse_* but print "invalid <what> 'arg'" on failure. */
bool cli_opt_size(const char *what, const char *s, uint64_t *out);
bool cli_opt_u64(const char *what, const char *s, uint64_t *out);
bool cli_opt_u32(const char *what, const char *s, uint32_t *out);
bool cli_opt_mode(const char *s, uint32_t *out);
/* -w, --lock-timeout SECONDS: set the process's writer-lock wait. */
bool cli_opt_lock_timeout(const char *s);
/*
 * The options of a command whose only ones are -v/--verbose and -h/--help:
 * sets *verbose; -h prints @usage on stdout. Returns -1 to go on with the
 * operands from optind, else the exit code: CLI_EXIT_OK after -h,
 * CLI_EXIT_USAGE after a bad option (getopt has named it), then @usage on
 * stderr when @usage_on_error, else the "Try ... --help" hint.
 */
int cli_opts_verbose(int argc, char **argv, void (*usage)(FILE *f),
		     bool usage_on_error, bool *verbose);
/* Human readable size ("1.5 GiB") into buf; exact bytes when !human. */
const char *cli_fmt_size(uint64_t bytes, bool human, char *buf, size_t len);

/*
 * cli_json.c: JSON output through json-c. Values are added in document
 * order (begin/end nest objects and arrays; @key is NULL inside arrays);
 * cli_json_finish() prints the document, pretty on a terminal and on one
 * line otherwise (always one line with @oneline: event streams), and
 * resets the writer for the next document. Strings may hold any byte.
 */
struct cli_json {
	FILE *f;
	bool oneline;		/* set after init: never pretty-print */
	bool failed;
	int depth;
	void *root;		/* struct json_object */
	void *stack[32];
};
void cli_json_init(struct cli_json *j, FILE *f);
void cli_json_obj_begin(struct cli_json *j, const char *key);
void cli_json_obj_end(struct cli_json *j);
void cli_json_arr_begin(struct cli_json *j, const char *key);
void cli_json_arr_end(struct cli_json *j);
void cli_json_str(struct cli_json *j, const char *key, const char *val);
void cli_json_u64(struct cli_json *j, const char *key, uint64_t val);
void cli_json_i64(struct cli_json *j, const char *key, int64_t val);
void cli_json_double(struct cli_json *j, const char *key, double val);
void cli_json_bool(struct cli_json *j, const char *key, bool val);
void cli_json_null(struct cli_json *j, const char *key);
void cli_json_finish(struct cli_json *j);	/* print, newline, reset */
/*
 * @s as valid UTF-8 (malloc'd): bytes outside valid UTF-8 sequences become
 * U+0080..U+00FF of the same value. NULL when out of memory.
 */
char *cli_json_sanitize(const char *s);
/* Length of the valid UTF-8 sequence at @s, or 0 if it is not valid. */
size_t cli_utf8_len(const unsigned char *s);

/*
 * cli_text.c: names read from shared memory may hold any byte; printed as
 * text they must not drive the terminal. Control bytes, backslashes and
 * invalid UTF-8 become \xNN. Returns @out.
 */
const char *cli_safe(const char *in, char *out, size_t len);
/* Buffer size that holds cli_safe() of any name or message field. */
#define CLI_SAFE_LEN (4 * 200 + 1)

/*
 * cli_progress.c: a progress line on stderr (percentage, rate, ETA), only
 * when stderr is a tty, for jobs of 64 MiB or more (FAMFS_PROGRESS=always:
 * any job, any stderr; =never: none).
 */
struct cli_progress {
	bool on;
	const char *label;
	uint64_t total;
	uint64_t done;
	double last;
	double start;
	bool drawn;
	const char *unit;	/* NULL: bytes, shown in MiB */
	uint64_t min_total;	/* smaller jobs show nothing */
};
/* Set by --json (and anything else that must keep stderr quiet). */
extern bool cli_progress_off;
void cli_progress_start(struct cli_progress *p, const char *label,
			uint64_t total);
/* Counting @unit ("entries") rather than bytes; shown from @min_total. */
void cli_progress_start_count(struct cli_progress *p, const char *label,
			      uint64_t total, const char *unit,
			      uint64_t min_total);
void cli_progress_add(struct cli_progress *p, uint64_t n);
void cli_progress_end(struct cli_progress *p);

/* cli_fs.c: opening a file system for a command (online or --device). */
struct famfs_fs;
struct famfs_interleave;

/*
 * Open the famfs that holds @path (a mounted path; need not exist yet), or
 * the unmounted @device when it is not NULL. With @write, clients are
 * refused with a clear message. Prints errors; returns an exit code.
 */
/*
 * Write this host's record (delete feature) after a replay of @replayed
 * entries; an evicted host shuts its mount down: CLI_EXIT_FAIL.
 */
int cli_host_update(const char *mpt, uint64_t replayed, uint64_t appended_from);

int cli_fs_open(const char *device, const char *path, bool write,
		struct famfs_fs **out);
/*
 * This host's role for the file system of @sb: "master" or "client" (also
 * when the host has no identity yet, which is never created here).
 */
const char *cli_host_role(const void *sb);
/* famfs_fs_relpath() with error printing; returns an exit code. */
int cli_fs_relpath(struct famfs_fs *fs, const char *path, char *rel,
		   size_t len);
/* What @rel is in the file system: 0 absent, 1 file, 2 directory. */
int cli_fs_kind(struct famfs_fs *fs, const char *rel);
/* Join a relpath and a name ("" is the root); -ENAMETOOLONG if too long. */
int cli_relpath_join(char *out, size_t len, const char *dir,
		     const char *name);

/* cli_attr.c: -m MODE -u UID -g GID and -N NSTRIPS -B NBUCKETS -C CHUNK. */
struct cli_attr {
	uint32_t mode, uid, gid;
	bool mode_set, uid_set, gid_set;
};

struct cli_il {
	uint64_t nstrips, nbuckets, chunk;
	bool set;
};

/* Return 1 if @c was one of the options (parsed), 0 if not, -1 on error. */
int cli_attr_opt(int c, const char *arg, struct cli_attr *a);
int cli_il_opt(int c, const char *arg, struct cli_il *o);
/*
 * The interleave to use: the options if given, else the .meta/.alloc.cfg of
 * a mounted fs, else none (*use_il = false). Returns an exit code.
 */
int cli_il_resolve(const struct cli_il *o, struct famfs_fs *fs,
		   struct famfs_interleave *il, bool *use_il);

/* cli_data.c: writing file data into famfs, whatever the access path. */
struct cli_dst {
	struct famfs_fs *fs;
	const char *relpath;
	uint8_t *map;		/* contiguous bytes, or NULL */
	bool map_online;	/* map came from famfs_fs_creat online */
	int fd;			/* online fd, or -1 */
	uint64_t size;
	struct famfs_staged *staged;	/* not logged yet (cp), or NULL */
};

int cli_dst_write(struct cli_dst *d, uint64_t off, const void *buf,
		  size_t len);
/*
 * Fill with the seeded stream (spec section 9), reporting to @prog (may be
 * NULL). Returns 0 or -errno.
 */
int cli_dst_fill_seeded(struct cli_dst *d, uint32_t seed,
			struct cli_progress *prog);
/* Flush CPU caches over written data, release the map and fd. */
void cli_dst_finish(struct cli_dst *d);
/* A seed for -r without -S: never 0. */
uint32_t cli_pick_seed(void);

/* cli_copy.c: the copy engine of "famfs cp" and "mkfs.famfs -d". */
struct cli_copy {
	struct famfs_fs *fs;
	struct cli_attr attr;
	const struct famfs_interleave *il;	/* NULL: contiguous */
	unsigned int threads;
	bool recursive;
	bool verbose;
	bool compare;		/* read each copy back and compare (cp -c) */
	/* results */
	uint64_t nfiles, ndirs, nreused, nbytes, nskipped, nerrors;
	bool fatal;		/* log full / out of space / refused: stop */
	int fatal_err;
	/* private */
	void *priv;
};

int cli_copy_init(struct cli_copy *c);
/* Copy regular file @src to @rel (file). */
int cli_copy_file(struct cli_copy *c, const char *src, const char *rel);
/* Copy the contents of directory @src into directory @rel ("" root). */
int cli_copy_dir_contents(struct cli_copy *c, const char *src,
			  const char *rel);
/* Finish pending copies; returns 0 or the first error. */
int cli_copy_finish(struct cli_copy *c);

/* cli_read.c: a famfs file's bytes, mounted (read(2)) or via --device. */
struct cli_src {
	const char *path;
	int fd;			/* mounted file, or -1 */
	struct famfs_fs *fs;	/* offline handle, or NULL */
	char rel[4096];
	uint64_t size;
};

/* Returns an exit code; prints errors. */
int cli_src_open(struct cli_src *s, const char *device, const char *path);
int cli_src_read(struct cli_src *s, uint64_t off, void *buf, size_t len);
void cli_src_close(struct cli_src *s);

/*
 * cli_daxmode.c: a character dax device in device_dax (raw mmap) or
 * fsdev_dax (mountable) mode, switched through /sys/bus/dax.
 */
/* "daxX.Y" of @dev; -ENOTTY if @dev is not a character dax device. */
int cli_dax_name(const char *dev, char *name, size_t len);
/* Driver @name is bound to ("" for none). */
int cli_dax_driver(const char *name, char *drv, size_t len);
/* Rebind @name; print what failed. 0 or -errno. */
int cli_dax_to_fsdev(const char *name);
int cli_dax_to_devdax(const char *name);
/*
 * -M/--set-daxmode of the commands that read a device raw (fsck, mkfs):
 * a /dev/daxX.Y in fsdev mode and not mounted is switched back to
 * device_dax; one already there, or mounted, is left alone. Prints what it does or why
 * not; returns an exit code (1 when @dev is not a character dax device).
 */
int cli_dax_prepare_raw(const char *opt, const char *dev);
/* After raw access to @dev failed with @err: explain fsdev mode if so. */
void cli_dax_raw_hint(const char *dev, int err);

#endif /* FAMFS_CLI_H */
