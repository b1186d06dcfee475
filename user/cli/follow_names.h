/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a follower knows about names in its mount: the answer of the last
 * lookup of each name, kept between polls so that a poll looks up only
 * the names its new log entries touch (logplay --follow).
 */
#ifndef FAMFS_FOLLOW_NAMES_H
#define FAMFS_FOLLOW_NAMES_H

#include <stddef.h>

struct follow_names;

/* A new, empty set; NULL when out of memory. */
struct follow_names *follow_names_new(void);
void follow_names_free(struct follow_names *n);

/* The remembered FAMFS_LOOKUP_* of @rel, or -1 if unknown. */
int follow_names_get(const struct follow_names *n, const char *rel);

/* Remember @kind for @rel; -ENOMEM leaves the set as it was. */
int follow_names_put(struct follow_names *n, const char *rel, int kind);

/* Forget @rel (nothing if unknown). */
void follow_names_forget(struct follow_names *n, const char *rel);

/* Forget everything. */
void follow_names_clear(struct follow_names *n);

/* Names remembered. */
size_t follow_names_count(const struct follow_names *n);

#endif
