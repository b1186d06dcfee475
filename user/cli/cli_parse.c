// SPDX-License-Identifier: GPL-2.0
/*
 * Strict parsing of sizes, numbers and modes given on the command line, and
 * the options shared by several commands.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "libfamfs.h"

/*
 * Digits only (decimal, or 0x hex), no sign, no spaces, no empty string.
 * With base 0 a leading zero before a digit ("010") is refused: it would be
 * octal to strtoull and 10 to the user.
 */
static int parse_number(const char *s, uint64_t *out, char **end, int base)
{
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	if (base == 0 && s[0] == '0' && isdigit((unsigned char)s[1]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end == s)
		return -EINVAL;
	*out = v;
	return 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	int rc = parse_number(s, out, &end, 0);

	if (rc)
		return rc;
	return *end ? -EINVAL : 0;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int rc = cli_parse_u64(s, &v);

	if (rc)
		return rc;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_mode(const char *s, uint32_t *out)
{
	uint64_t v;
	char *end;
	int rc = parse_number(s, &v, &end, 8);

	if (rc)
		return rc;
	if (*end || v > 07777)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

bool cli_opt_size(const char *what, const char *s, uint64_t *out)
{
	/* Sizes follow the library's rules (4096, 4k, 2m, 1g, 1t, 8MiB). */
	const char *why, *q;

	if (famfs_parse_size(s, out) == 0)
		return true;
	/* The library says "bad size 'S': reason": keep only the reason. */
	why = famfs_errmsg();
	q = strstr(why, "': ");
	if (!strncmp(why, "bad size '", 10) && q)
		why = q + 3;
	cli_err("invalid %s '%s': %s (expected a size like 4096, 0x1000, 4k, "
		"2m, 1g, 8MiB, 1.5GiB)", what, s, why);
	return false;
}

bool cli_opt_u64(const char *what, const char *s, uint64_t *out)
{
	if (cli_parse_u64(s, out) == 0)
		return true;
	cli_err("invalid %s '%s' (expected a non-negative decimal integer, or "
		"0x hex)", what, s);
	return false;
}

bool cli_opt_u32(const char *what, const char *s, uint32_t *out)
{
	if (cli_parse_u32(s, out) == 0)
		return true;
	cli_err("invalid %s '%s' (expected a decimal integer 0..4294967295, "
		"or 0x hex)", what, s);
	return false;
}

bool cli_opt_mode(const char *s, uint32_t *out)
{
	if (cli_parse_mode(s, out) == 0)
		return true;
	cli_err("invalid mode '%s' (expected octal 0..07777)", s);
	return false;
}

bool cli_opt_lock_timeout(const char *s)
{
	int ms = famfs_parse_lock_timeout(s);

	if (ms < 0) {
		cli_err("invalid lock timeout '%s' (seconds, e.g. 5 or 0.5)",
			s);
		return false;
	}
	famfs_set_lock_timeout_ms(ms);
	return true;
}

int cli_opts_verbose(int argc, char **argv, void (*usage)(FILE *f),
		     bool usage_on_error, bool *verbose)
{
	static const struct option lopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			*verbose = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			if (!usage_on_error)
				return cli_usage_hint();
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	return -1;
}

const char *cli_fmt_size(uint64_t bytes, bool human, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	if (!human) {
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}
