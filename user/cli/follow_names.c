// SPDX-License-Identifier: GPL-2.0
/* A string-keyed hash of lookup answers (chained; grows at load 1). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "follow_names.h"

struct fn_node {
	struct fn_node *next;
	int kind;
	char name[];
};

struct follow_names {
	struct fn_node **bucket;
	size_t nbuckets;	/* a power of two */
	size_t count;
};

static uint64_t fn_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct follow_names *follow_names_new(void)
{
	struct follow_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->nbuckets = 1024;
	n->bucket = calloc(n->nbuckets, sizeof(*n->bucket));
	if (!n->bucket) {
		free(n);
		return NULL;
	}
	return n;
}

void follow_names_clear(struct follow_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nbuckets; i++) {
		struct fn_node *p = n->bucket[i], *next;

		for (; p; p = next) {
			next = p->next;
			free(p);
		}
		n->bucket[i] = NULL;
	}
	n->count = 0;
}

void follow_names_free(struct follow_names *n)
{
	if (!n)
		return;
	follow_names_clear(n);
	free(n->bucket);
	free(n);
}

static struct fn_node **fn_find(const struct follow_names *n, const char *rel)
{
	struct fn_node **pp = &n->bucket[fn_hash(rel) & (n->nbuckets - 1)];

	while (*pp && strcmp((*pp)->name, rel))
		pp = &(*pp)->next;
	return pp;
}

int follow_names_get(const struct follow_names *n, const char *rel)
{
	struct fn_node **pp;

	if (!n || !rel)
		return -1;
	pp = fn_find(n, rel);
	return *pp ? (*pp)->kind : -1;
}

/* Double the buckets; on failure keep the old ones (only slower). */
static void fn_grow(struct follow_names *n)
{
	size_t nb = n->nbuckets * 2;
	struct fn_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < n->nbuckets; i++) {
		struct fn_node *p = n->bucket[i], *next;

		for (; p; p = next) {
			size_t h = fn_hash(p->name) & (nb - 1);

			next = p->next;
			p->next = b[h];
			b[h] = p;
		}
	}
	free(n->bucket);
	n->bucket = b;
	n->nbuckets = nb;
}

int follow_names_put(struct follow_names *n, const char *rel, int kind)
{
	struct fn_node **pp, *p;
	size_t len;

	if (!n || !rel)
		return -EINVAL;
	pp = fn_find(n, rel);
	if (*pp) {
		(*pp)->kind = kind;
		return 0;
	}
	len = strlen(rel);
	p = malloc(sizeof(*p) + len + 1);
	if (!p)
		return -ENOMEM;
	p->kind = kind;
	memcpy(p->name, rel, len + 1);
	p->next = NULL;
	*pp = p;
	if (++n->count > n->nbuckets)
		fn_grow(n);
	return 0;
}

void follow_names_forget(struct follow_names *n, const char *rel)
{
	struct fn_node **pp, *p;

	if (!n || !rel)
		return;
	pp = fn_find(n, rel);
	p = *pp;
	if (!p)
		return;
	*pp = p->next;
	free(p);
	n->count--;
}

size_t follow_names_count(const struct follow_names *n)
{
	return n ? n->count : 0;
}
