// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: sizes, numbers, modes and paths as given on the command line
 * or found on the media, and the escaping of names for the terminal and
 * for JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "libfamfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, safe[CLI_SAFE_LEN];
	uint64_t v = 0;
	uint32_t w;
	int rc;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (famfs_parse_size(s, &v) == 0 && size && (s[0] < '0' || s[0] > '9'))
		abort();
	cli_parse_u64(s, &v);
	cli_parse_u32(s, &w);
	if (cli_parse_mode(s, &w) == 0 && w > 07777)
		abort();
	rc = famfs_relpath_check(s);
	if (rc == 0) {
		/* An accepted relpath fits the on-media field, relative, clean. */
		if (strlen(s) >= FAMFS_MAX_PATHLEN || s[0] == '/' || strstr(s, "//"))
			abort();
		{
			struct famfs_log_entry e;

			if (famfs_entry_file(&e, s, 0, 0644, 0, 0, NULL) ||
			    strcmp(e.file.relpath, s))
				abort();
		}
	} else if (rc != -EINVAL && rc != -ENAMETOOLONG) {
		abort();
	}
	cli_safe(s, safe, sizeof(safe));
	if (strlen(safe) >= sizeof(safe))
		abort();
	{
		/* JSON strings: always valid UTF-8 after sanitising. */
		char *u = cli_json_sanitize(s);
		const unsigned char *p = (const unsigned char *)u;
		size_t n;

		while (p && *p) {
			n = cli_utf8_len(p);
			if (!n)
				abort();
			p += n;
		}
		free(u);
	}
	free(s);
	return 0;
}
