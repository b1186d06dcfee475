// SPDX-License-Identifier: GPL-2.0
/*
 * Human size parsing ("2m", "1g", "8 MiB", "1.5GiB") shared by the CLI and
 * the alloc config. Numbers are decimal, or hex with an explicit 0x; a
 * leading 0 before another digit ("010") is refused instead of silently
 * meaning octal. A decimal fraction is allowed before a unit when the result
 * is a whole number of bytes ("1.5k", the "64.0 MiB" the tools print).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "famfs_priv.h"

/* k/m/g/t then nothing, "b" or "ib" (either case): the shift, 0 if none. */
static int unit_shift(const char *u, const char **end)
{
	static const char units[] = "kmgt";
	const char *p = *u ? strchr(units, tolower((unsigned char)*u)) : NULL;
	int shift;

	if (!p) {
		*end = u;
		return 0;
	}
	shift = 10 * (int)(p - units + 1);
	u++;
	if (tolower((unsigned char)u[0]) == 'i' && tolower((unsigned char)u[1]) == 'b')
		u += 2;
	else if (tolower((unsigned char)u[0]) == 'b')
		u++;
	*end = u;
	return shift;
}

int famfs_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v, frac = 0, scale = 1;
	const char *p;
	unsigned int nfrac = 0;
	bool hex, space;
	char *end;
	int shift;

	if (!out)
		return famfs_fail(-EINVAL, "parse size: no result");
	if (!s || !*s)
		return famfs_fail(-EINVAL, "empty size");
	if (!isdigit((unsigned char)*s))
		return famfs_fail(-EINVAL, "bad size '%s': must start with a digit", s);
	hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return famfs_fail(-EINVAL,
				  "bad size '%s': leading zero (sizes are decimal, or hex with 0x; never octal)",
				  s);
	errno = 0;
	v = strtoull(s, &end, hex ? 16 : 10);
	if (errno)
		return famfs_fail(-EINVAL, "bad size '%s': out of range", s);
	if (hex && end == s + 1)	/* "0x" with no digit: strtoull stops at x */
		return famfs_fail(-EINVAL, "bad size '%s': no hex digits", s);
	p = end;
	if (!hex && *p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, nfrac++) {
			if (nfrac >= 9)
				return famfs_fail(-EINVAL, "bad size '%s': too many decimals", s);
			frac = frac * 10 + (unsigned long long)(*p - '0');
			scale *= 10;
		}
		if (!nfrac)
			return famfs_fail(-EINVAL, "bad size '%s': no digit after '.'", s);
	}
	space = *p == ' ';
	if (space)	/* "8 MiB", as the tools print sizes */
		p++;
	shift = unit_shift(p, &p);
	if (*p)
		return famfs_fail(-EINVAL,
				  "bad size '%s': unexpected '%s' (units: k, m, g, t, optionally followed by B or iB)",
				  s, p);
	if ((space || nfrac) && !shift)
		return famfs_fail(-EINVAL, "bad size '%s': %s needs a unit", s,
				  nfrac ? "a fraction" : "a space");
	if (shift && v > (UINT64_MAX >> shift))
		return famfs_fail(-EINVAL, "bad size '%s': too large", s);
	v <<= shift;
	if (nfrac) {
		/* frac/scale of one unit, which must come out in whole bytes */
		unsigned __int128 f = (unsigned __int128)frac << shift;

		if (f % scale)
			return famfs_fail(-EINVAL, "bad size '%s': not a whole number of bytes", s);
		f /= scale;
		if (v > UINT64_MAX - (unsigned long long)f)
			return famfs_fail(-EINVAL, "bad size '%s': too large", s);
		v += (unsigned long long)f;
	}
	*out = (uint64_t)v;
	return 0;
}
