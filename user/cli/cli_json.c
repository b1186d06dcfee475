// SPDX-License-Identifier: GPL-2.0
/*
 * JSON output of the CLI, built with json-c (as ndctl does) and printed
 * pretty on a terminal, compact (one line) otherwise.
 *
 * The calls stream (begin/end, one value at a time) into a json-c tree that
 * cli_json_finish() prints. Strings from the media (paths) may hold any
 * byte, and json-c does not check UTF-8: every string goes through
 * json_sanitize() first. Valid UTF-8 is kept; each byte that is not part of
 * a valid UTF-8 sequence becomes the character U+0080..U+00FF of the same
 * value (the byte read as Latin-1), so the output is always valid JSON and
 * such a byte decodes exactly as the older writer's "\u00XX" did. json-c
 * escapes control characters, '"' and '\'.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

#define JSTACK (int)(sizeof(((struct cli_json *)0)->stack) / \
		     sizeof(((struct cli_json *)0)->stack[0]))

size_t cli_utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values above U+10FFFF. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *cli_json_sanitize(const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t len = strlen((const char *)s), o = 0, n;
	char *out = malloc(2 * len + 1);	/* a bad byte takes two */

	if (!out)
		return NULL;
	while (*s) {
		n = cli_utf8_len(s);
		if (n) {
			memcpy(out + o, s, n);
			o += n;
			s += n;
			continue;
		}
		out[o++] = (char)(0xc0 | (*s >> 6));
		out[o++] = (char)(0x80 | (*s & 0x3f));
		s++;
	}
	out[o] = '\0';
	return out;
}

static struct json_object *json_string(const char *s)
{
	char *clean = cli_json_sanitize(s);
	struct json_object *o;

	if (!clean)
		return NULL;
	o = json_object_new_string(clean);
	free(clean);
	return o;
}

void cli_json_init(struct cli_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* Attach @o under @key to the open container (or make it the root). */
static void json_put(struct cli_json *j, const char *key, struct json_object *o)
{
	struct json_object *parent;
	char *k;

	if (!o) {
		j->failed = true;
		return;
	}
	if (j->depth == 0) {
		if (j->root)
			json_object_put(j->root);
		j->root = o;
		return;
	}
	parent = j->stack[j->depth - 1];
	if (json_object_is_type(parent, json_type_array)) {
		if (json_object_array_add(parent, o))
			goto fail;
		return;
	}
	k = cli_json_sanitize(key ? key : "");
	if (!k || json_object_object_add(parent, k, o)) {
		free(k);
		goto fail;
	}
	free(k);
	return;
fail:
	json_object_put(o);
	j->failed = true;
}

static void json_open(struct cli_json *j, const char *key,
		      struct json_object *o)
{
	if (!o) {
		j->failed = true;
		return;
	}
	/* The container stays owned by its parent (or root): no extra ref. */
	json_put(j, key, o);
	if (j->depth < JSTACK)
		j->stack[j->depth++] = o;
	else
		j->failed = true;
}

static void json_close(struct cli_json *j)
{
	if (j->depth > 0)
		j->depth--;
}

void cli_json_obj_begin(struct cli_json *j, const char *key)
{
	json_open(j, key, json_object_new_object());
}

void cli_json_obj_end(struct cli_json *j)
{
	json_close(j);
}

void cli_json_arr_begin(struct cli_json *j, const char *key)
{
	json_open(j, key, json_object_new_array());
}

void cli_json_arr_end(struct cli_json *j)
{
	json_close(j);
}

void cli_json_str(struct cli_json *j, const char *key, const char *val)
{
	json_put(j, key, json_string(val));
}

void cli_json_u64(struct cli_json *j, const char *key, uint64_t val)
{
	json_put(j, key, json_object_new_uint64(val));
}

void cli_json_i64(struct cli_json *j, const char *key, int64_t val)
{
	json_put(j, key, json_object_new_int64(val));
}

void cli_json_double(struct cli_json *j, const char *key, double val)
{
	json_put(j, key, json_object_new_double(val));
}

void cli_json_bool(struct cli_json *j, const char *key, bool val)
{
	json_put(j, key, json_object_new_boolean(val));
}

void cli_json_null(struct cli_json *j, const char *key)
{
	struct json_object *parent;
	char *k;

	/* json-c represents null as a NULL object: json_put() would refuse it. */
	if (j->depth == 0) {
		j->failed = true;
		return;
	}
	parent = j->stack[j->depth - 1];
	if (json_object_is_type(parent, json_type_array)) {
		if (json_object_array_add(parent, NULL))
			j->failed = true;
		return;
	}
	k = cli_json_sanitize(key ? key : "");
	if (!k || json_object_object_add(parent, k, NULL))
		j->failed = true;
	free(k);
}

void cli_json_finish(struct cli_json *j)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text;

	/* Pretty for a person at a terminal; one line for programs. */
	if (!j->oneline && isatty(fileno(j->f)))
		flags |= JSON_C_TO_STRING_PRETTY;
	else
		flags |= JSON_C_TO_STRING_PLAIN;
	text = j->root ? json_object_to_json_string_ext(j->root, flags) : NULL;
	if (!text || j->failed)
		cli_err("out of memory while building the JSON output");
	if (text)
		fprintf(j->f, "%s\n", text);
	fflush(j->f);
	if (j->root)
		json_object_put(j->root);
	j->root = NULL;
	j->depth = 0;
	j->failed = false;
}
