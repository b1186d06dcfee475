// SPDX-License-Identifier: GPL-2.0
/* .meta/.alloc.cfg: default interleave parameters in YAML (spec §7). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "famfs_priv.h"

struct cfg_parser {
	yaml_parser_t p;
	yaml_event_t ev;
	bool have_ev;
};

/* Fetch the next event; returns its type or -1 (message set) on error. */
static int next_event(struct cfg_parser *c)
{
	if (c->have_ev)
		yaml_event_delete(&c->ev);
	c->have_ev = false;
	if (!yaml_parser_parse(&c->p, &c->ev)) {
		famfs_fail(-EINVAL, "alloc config: YAML error at line %zu: %s",
			   c->p.problem_mark.line + 1,
			   c->p.problem ? c->p.problem : "unknown");
		return -1;
	}
	c->have_ev = true;
	return c->ev.type;
}

static const char *scalar(const struct cfg_parser *c)
{
	return (const char *)c->ev.data.scalar.value;
}

static int parse_count(const char *key, const char *v, uint64_t max, uint64_t *out)
{
	unsigned long long n;
	char *end;

	if (!*v || *v < '0' || *v > '9')
		return famfs_fail(-EINVAL, "alloc config: %s: '%s' is not a number", key, v);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n > max)
		return famfs_fail(-EINVAL, "alloc config: %s: '%s' is not a number in 0..%llu",
				  key, v, (unsigned long long)max);
	*out = n;
	return 0;
}

static int parse_interleave(struct cfg_parser *c, struct famfs_interleave *il)
{
	char key[64];
	int t, rc;

	if (next_event(c) != YAML_MAPPING_START_EVENT)
		return famfs_fail(-EINVAL, "alloc config: interleaved_alloc must be a mapping");
	for (;;) {
		t = next_event(c);
		if (t == YAML_MAPPING_END_EVENT)
			return 0;
		if (t != YAML_SCALAR_EVENT)
			return t < 0 ? -EINVAL :
			       famfs_fail(-EINVAL, "alloc config: expected a key in interleaved_alloc");
		snprintf(key, sizeof(key), "%s", scalar(c));
		if (next_event(c) != YAML_SCALAR_EVENT)
			return famfs_fail(-EINVAL, "alloc config: %s needs a scalar value", key);
		if (!strcmp(key, "nbuckets"))
			rc = parse_count(key, scalar(c), 64, &il->nbuckets);
		else if (!strcmp(key, "nstrips"))
			rc = parse_count(key, scalar(c), FAMFS_MAX_STRIPS, &il->nstrips);
		else if (!strcmp(key, "chunk_size"))
			rc = famfs_parse_size(scalar(c), &il->chunk_size) ?
			     famfs_fail_ctx(-EINVAL, "alloc config: chunk_size") : 0;
		else
			rc = famfs_fail(-EINVAL, "alloc config: unknown key '%s'", key);
		if (rc)
			return rc;
	}
}

static int parse_doc(struct cfg_parser *c, struct famfs_interleave *il)
{
	bool seen = false;
	int t, rc;

	if (next_event(c) != YAML_STREAM_START_EVENT)
		return -EINVAL;
	t = next_event(c);
	if (t == YAML_STREAM_END_EVENT)
		return famfs_fail(-EINVAL, "alloc config: empty");
	if (t != YAML_DOCUMENT_START_EVENT)
		return -EINVAL;
	t = next_event(c);
	if (t != YAML_MAPPING_START_EVENT)
		return famfs_fail(-EINVAL, "alloc config: top level must be a mapping");
	for (;;) {
		t = next_event(c);
		if (t == YAML_MAPPING_END_EVENT)
			break;
		if (t != YAML_SCALAR_EVENT)
			return t < 0 ? -EINVAL : famfs_fail(-EINVAL, "alloc config: expected a key");
		if (strcmp(scalar(c), "interleaved_alloc"))
			return famfs_fail(-EINVAL, "alloc config: unknown key '%.60s'", scalar(c));
		rc = parse_interleave(c, il);
		if (rc)
			return rc;
		seen = true;
	}
	if (next_event(c) != YAML_DOCUMENT_END_EVENT)
		return famfs_fail(-EINVAL, "alloc config: unexpected content");
	if (next_event(c) != YAML_STREAM_END_EVENT)
		return famfs_fail(-EINVAL, "alloc config: only one YAML document allowed");
	if (!seen)
		return famfs_fail(-EINVAL, "alloc config: no interleaved_alloc section");
	return 0;
}

int famfs_alloc_cfg_parse(const char *yaml_text, size_t len,
			  struct famfs_interleave *il)
{
	struct famfs_interleave tmp;
	struct cfg_parser c;
	int rc;

	if (!il || (!yaml_text && len))
		return famfs_fail(-EINVAL, "alloc config: missing argument");
	tmp = *il;
	memset(&c, 0, sizeof(c));
	if (!yaml_parser_initialize(&c.p))
		return famfs_fail(-ENOMEM, "alloc config: cannot create YAML parser");
	yaml_parser_set_input_string(&c.p, (const unsigned char *)yaml_text, len);
	rc = parse_doc(&c, &tmp);
	if (c.have_ev)
		yaml_event_delete(&c.ev);
	yaml_parser_delete(&c.p);
	if (rc)
		return rc;
	rc = famfs_interleave_check(&tmp);
	if (rc)
		return famfs_fail_ctx(rc, "alloc config");
	*il = tmp;
	return 0;
}
