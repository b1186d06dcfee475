// SPDX-License-Identifier: GPL-2.0
/*
 * A small streaming JSON writer. Strings from the media (paths) may hold any
 * byte, so everything is escaped: control characters as \uXXXX and bytes that
 * are not valid UTF-8 as \u00XX of the byte value, keeping the output valid.
 */
#include <string.h>

#include "cli.h"

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

void cli_json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			s++;
			continue;
		case '\\':
			fputs("\\\\", f);
			s++;
			continue;
		case '\n':
			fputs("\\n", f);
			s++;
			continue;
		case '\t':
			fputs("\\t", f);
			s++;
			continue;
		case '\r':
			fputs("\\r", f);
			s++;
			continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = cli_utf8_len(s);
		if (!n) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

void cli_json_init(struct cli_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void json_key(struct cli_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		cli_json_escape(j->f, key);
		fputc(':', j->f);
	}
}

static void json_open(struct cli_json *j, const char *key, char c)
{
	json_key(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < (int)(sizeof(j->need_comma) /
				 sizeof(j->need_comma[0])))
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct cli_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void cli_json_obj_begin(struct cli_json *j, const char *key)
{
	json_open(j, key, '{');
}

void cli_json_obj_end(struct cli_json *j)
{
	json_close(j, '}');
}

void cli_json_arr_begin(struct cli_json *j, const char *key)
{
	json_open(j, key, '[');
}

void cli_json_arr_end(struct cli_json *j)
{
	json_close(j, ']');
}

void cli_json_str(struct cli_json *j, const char *key, const char *val)
{
	json_key(j, key);
	cli_json_escape(j->f, val);
}

void cli_json_u64(struct cli_json *j, const char *key, uint64_t val)
{
	json_key(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void cli_json_bool(struct cli_json *j, const char *key, bool val)
{
	json_key(j, key);
	fputs(val ? "true" : "false", j->f);
}

void cli_json_finish(struct cli_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
