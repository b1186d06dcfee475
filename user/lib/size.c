// SPDX-License-Identifier: GPL-2.0
/* Human size parsing ("2m", "1g") shared by the CLI and the alloc config. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "famfs_priv.h"

int famfs_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!out)
		return famfs_fail(-EINVAL, "parse size: no result");
	if (!s || !*s)
		return famfs_fail(-EINVAL, "empty size");
	if (!isdigit((unsigned char)*s))
		return famfs_fail(-EINVAL, "bad size '%s': must start with a digit", s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return famfs_fail(-EINVAL, "bad size '%s': out of range", s);
	switch (*end) {
	case 'k': case 'K':
		shift = 10; end++; break;
	case 'm': case 'M':
		shift = 20; end++; break;
	case 'g': case 'G':
		shift = 30; end++; break;
	case 't': case 'T':
		shift = 40; end++; break;
	default:
		break;
	}
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end)
		return famfs_fail(-EINVAL, "bad size '%s': unexpected '%s'", s, end);
	if (shift && v > (UINT64_MAX >> shift))
		return famfs_fail(-EINVAL, "bad size '%s': too large", s);
	*out = (uint64_t)v << shift;
	return 0;
}
