// SPDX-License-Identifier: GPL-2.0
/* Terminal-safe rendering of names that come from the (shared) media. */
#include <string.h>

#include "cli.h"

const char *cli_safe(const char *in, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, n;

	if (!len)
		return out;
	while (*s) {
		n = (*s < 0x20 || *s == 0x7f || *s == '\\') ? 0
							    : cli_utf8_len(s);
		if (n) {
			if (o + n >= len)
				break;
			memcpy(out + o, s, n);
			o += n;
			s += n;
			continue;
		}
		if (o + 4 >= len)
			break;
		snprintf(out + o, len - o, "\\x%02x", *s);
		o += 4;
		s++;
	}
	out[o] = '\0';
	return out;
}
