/* SPDX-License-Identifier: GPL-2.0 */
/* Library-internal helpers shared by the libfamfs source files. */
#ifndef FAMFS_PRIV_H
#define FAMFS_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "libfamfs.h"

/*
 * Record a message for famfs_errmsg() and return @err (a negative errno),
 * so failure paths read "return famfs_fail(-EINVAL, "...", ...);".
 */
int famfs_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the current message with more context; returns @err. */
int famfs_fail_ctx(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* snprintf into a fixed buffer where truncating a message is acceptable. */
void famfs_strfmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline uint64_t famfs_round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static inline int famfs_is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* a + b without wrapping; returns nonzero on overflow. */
static inline int famfs_add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

/* Number of entries in a log of @log_len bytes (last_index + 1). */
static inline uint64_t famfs_log_capacity(uint64_t log_len)
{
	return FAMFS_LOG_NENTRIES(log_len);
}

/* Largest device a unit bitmap covers: 256 TiB (16 MiB of bitmap). */
#define FAMFS_UNITS_MAX_DEV	(1ULL << 48)

/*
 * The release floor of host table @ht for allocation: 0 (nothing known to
 * be released) when @ht is missing or fails its check.
 */
uint64_t famfs_alloc_floor(const struct famfs_superblock *sb, const void *ht);

/* famfs_alloc_build_ht() with a floor the caller read once (fs handles). */
int famfs_alloc_build_floor(struct famfs_alloc **out,
			    const struct famfs_superblock *sb,
			    const struct famfs_log *log, uint64_t floor,
			    struct famfs_alloc_report *rep);
/* famfs_alloc_build_floor() of the first @nvalid entries, found valid. */
int famfs_alloc_build_n(struct famfs_alloc **out,
			const struct famfs_superblock *sb,
			const struct famfs_log *log, uint64_t floor,
			uint64_t nvalid, struct famfs_alloc_report *rep);

/* Sets of 2 MiB units: the memory owned by live files (fmap.c). */
int famfs_units_new(struct famfs_units **out, uint64_t dev_size);
void famfs_units_free(struct famfs_units *u);
/* Units of a checked map already in the set. */
uint64_t famfs_units_overlap(const struct famfs_units *u,
			     const struct famfs_log_fmap *f);
void famfs_units_add(struct famfs_units *u, const struct famfs_log_fmap *f);
void famfs_units_del(struct famfs_units *u, const struct famfs_log_fmap *f);

/* Bytes of a relpath field actually used, or -1 if unterminated. */
int famfs_relpath_len(const char *field);

/*
 * Mount famfs from @src on @root with the option string @data (famfs
 * options, VFS flags and fstab-only options, split as mount(8) does),
 * through fsopen/fsconfig/fsmount so the kernel's reason for a refusal is
 * part of the error message. Always nosuid, and nodev when @client, unless
 * @data says suid or dev. Return: 0 or a negative errno (message reported).
 */
int famfs_kernel_mount(const char *src, const char *root, const char *data,
		       bool client);

/* Remount @root with "client" and make it nodev unless @data says dev. */
int famfs_mount_make_client(const char *root, const char *data);
/* Make the mount at @root read-only (MOUNT_ATTR_RDONLY), after set-up. */
int famfs_mount_set_rdonly(const char *root);

/* Appended to every "log full" message: how to get room for more entries. */
#define FAMFS_LOG_FULL_HINT \
	"; the log cannot grow: a larger one takes a new file system " \
	"(copy the files out, then mkfs.famfs -f -l LOGLEN, e.g. -l 256m " \
	"for 493447 entries)"

#endif /* FAMFS_PRIV_H */
