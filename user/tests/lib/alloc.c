// SPDX-License-Identifier: GPL-2.0
/* Allocator: placement, interleaving, stripe arithmetic, space, collisions. */
#include "test_util.h"

#define MiB FAMFS_MiB
#define GiB FAMFS_GiB

/* famfs_map_check() with an 8 MiB log and no cross-link check. */
static int fchk(const struct famfs_log_fmap *f, uint64_t size, uint64_t dev)
{
	struct famfs_map_limits lim = { .dev_size = dev, .log_len = 8 * MiB };

	return famfs_map_check(&lim, f, size);
}

static void contiguous(void)
{
	struct famfs_alloc_report r;
	struct famfs_log_fmap f, g;
	struct famfs_log_entry e;
	struct famfs_alloc *a;
	struct t_mem m;
	char name[16];
	int rc, n;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	is(famfs_alloc_build(&a, &m.sb, m.log, &r), 0, "bitmap of an empty fs");
	is(r.used_bytes, 10 * MiB, "superblock area + log are in use");
	is(famfs_alloc_free_bytes(a), 54 * MiB, "54 MiB free");
	is(famfs_alloc_contig(a, 1, &f), 0, "allocate 1 byte");
	ok(f.ext_type == FAMFS_EXT_SIMPLE && f.count == 1, "one simple extent");
	is(f.se[0].offset, 10 * MiB, "first file right after the log (2 MiB + 8 MiB)");
	is(f.se[0].len, 2 * MiB, "rounded up to one 2 MiB unit");
	is(famfs_alloc_contig(a, 5 * MiB, &g), 0, "allocate 5 MiB");
	ok(g.se[0].offset == 12 * MiB && g.se[0].len == 6 * MiB, "next fit: 12 MiB, 6 MiB long");
	famfs_alloc_release(a, &f);
	is(famfs_alloc_free_bytes(a), 48 * MiB, "release returns the unit (54 - 2 - 6 + 2)");
	famfs_alloc_free(a);

	/* Out of space: exactly (64 - 2 - 8) / 2 = 27 files of 2 MiB. */
	famfs_alloc_build(&a, &m.sb, m.log, NULL);
	for (n = 0; n < 100; n++) {
		rc = famfs_alloc_contig(a, 2 * MiB, &f);
		if (rc)
			break;
		snprintf(name, sizeof(name), "f%d", n);
		famfs_entry_file(&e, name, 2 * MiB, 0644, 0, 0, &f);
		famfs_log_append(m.log, m.sb.log_len, &e);
	}
	is(n, 27, "27 files of 2 MiB fit in a 64 MiB image with an 8 MiB log");
	is(rc, -ENOSPC, "the 28th -> ENOSPC");
	ok(strstr(famfs_errmsg(), "out of space") != NULL, "message: %s", famfs_errmsg());
	is(famfs_alloc_free_bytes(a), 0, "nothing free");
	famfs_alloc_free(a);
	famfs_alloc_build(&a, &m.sb, m.log, &r);
	ok(r.nfiles == 27 && r.ncollisions == 0 && r.nbad == 0, "rebuilt from the log: 27 files, no collisions");
	is(r.used_bytes, 64 * MiB, "rebuilt bitmap: everything used");
	is(famfs_alloc_contig(a, 1, &f), -ENOSPC, "rebuilt bitmap also refuses");
	famfs_alloc_free(a);
	t_mem_free(&m);

	/* Fragmentation message gives the largest free run. */
	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_file(&m, "a", 14 * MiB, 2 * MiB, 1);
	famfs_alloc_build(&a, &m.sb, m.log, NULL);
	is(famfs_alloc_contig(a, 50 * MiB, &f), -ENOSPC, "50 MiB does not fit in 54 MiB split by a file");
	ok(strstr(famfs_errmsg(), "largest free 50331648") != NULL, "largest free run reported: %s",
	   famfs_errmsg());
	is(famfs_alloc_contig(a, 48 * MiB, &f), 0, "48 MiB fits after the file");
	is(f.se[0].offset, 16 * MiB, "placed after the existing file");
	famfs_alloc_free(a);
	t_mem_free(&m);
}

static void collisions(void)
{
	struct famfs_alloc_report r;
	struct famfs_alloc *a;
	struct t_mem m;

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	t_add_file(&m, "a", 10 * MiB, 4 * MiB, 4 * MiB);
	t_add_file(&m, "b", 12 * MiB, 4 * MiB, 4 * MiB);	/* shares 12..14 */
	t_add_file(&m, "c", 4 * MiB, 2 * MiB, 1);		/* inside the log: bad */
	t_add_file(&m, "d", 0, 2 * MiB, 1);			/* offset 0: bad */
	t_add_file(&m, "e", 11 * MiB, 2 * MiB, 1);		/* unaligned: bad */
	t_add_file(&m, "f", 62 * MiB, 4 * MiB, 1);		/* beyond device: bad */
	t_add_file(&m, "g", 20 * MiB, 2 * MiB, 3 * MiB);	/* size > map: bad */
	is(famfs_alloc_build(&a, &m.sb, m.log, &r), 0, "bitmap built from a damaged log");
	is(r.nfiles, 2, "2 files with valid maps");
	is(r.nbad, 5, "inside the log, offset 0, unaligned, beyond device, size > map: 5 bad");
	is(r.ncollisions, 1, "1 unit claimed twice (b over a)");
	ok(strstr(r.first_problem, "entry 1 (b)") != NULL, "first problem names b: %s", r.first_problem);
	famfs_alloc_free(a);
	t_mem_free(&m);
}

static void interleaved(void)
{
	struct famfs_interleave il = { .nbuckets = 8, .nstrips = 4, .chunk_size = 2 * MiB };
	struct famfs_alloc_report r;
	struct famfs_log_fmap f;
	struct famfs_alloc *a;
	struct t_mem m;
	uint64_t i, j, avail, b[4], distinct = 1, dev;

	t_mem_init(&m, 8 * GiB, 8 * MiB);
	famfs_alloc_build(&a, &m.sb, m.log, NULL);
	is(famfs_alloc_interleaved(a, 16 * MiB, &il, &f), 0, "interleaved 16 MiB, 4 strips, 2 MiB chunks");
	ok(f.ext_type == FAMFS_EXT_INTERLEAVE && f.count == 1 && f.ie[0].nstrips == 4 &&
	   f.ie[0].chunk_size == 2 * MiB, "map header: 1 interleaved extent, 4 strips");
	for (i = 0; i < 4; i++) {
		b[i] = f.ie[0].strips[i].offset / GiB;
		if (f.ie[0].strips[i].len != 4 * MiB)
			distinct = 0;
		for (j = 0; j < i; j++)
			if (b[i] == b[j])
				distinct = 0;
	}
	ok(distinct, "strips of 2 stripes x 2 MiB each, in distinct 1 GiB buckets (%llu %llu %llu %llu)",
	   (unsigned long long)b[0], (unsigned long long)b[1], (unsigned long long)b[2],
	   (unsigned long long)b[3]);
	is(fchk(&f, 16 * MiB, 8 * GiB), 0, "interleaved map validates");
	is(famfs_fmap_bytes(&f), 16 * MiB, "allocated bytes 16 MiB");
	/* spec §5: offset 15 MiB -> chunk 7, strip 3, stripe 1 -> strips[3] + 3 MiB */
	dev = famfs_fmap_devoff(&f, 15 * MiB, &avail);
	is(dev, f.ie[0].strips[3].offset + 3 * MiB, "15 MiB -> strips[3].offset + 3 MiB");
	is(avail, 1 * MiB, "1 MiB left in that chunk");
	is(famfs_fmap_devoff(&f, 0, NULL), f.ie[0].strips[0].offset, "offset 0 -> strip 0");
	is(famfs_fmap_devoff(&f, 2 * MiB + 5, NULL), f.ie[0].strips[1].offset + 5, "2 MiB + 5 -> strip 1 + 5");
	is(famfs_fmap_devoff(&f, 8 * MiB, NULL), f.ie[0].strips[0].offset + 2 * MiB, "8 MiB -> strip 0, stripe 1");
	is(famfs_fmap_devoff(&f, 16 * MiB, NULL), UINT64_MAX, "16 MiB is beyond the map");

	il.nstrips = 0;
	is(famfs_alloc_interleaved(a, MiB, &il, &f), -EINVAL, "nstrips 0 -> EINVAL");
	il.nstrips = 17;
	is(famfs_alloc_interleaved(a, MiB, &il, &f), -EINVAL, "nstrips 17 -> EINVAL");
	il.nstrips = 4;
	il.chunk_size = 3 * MiB;
	is(famfs_alloc_interleaved(a, MiB, &il, &f), -EINVAL, "chunk 3 MiB -> EINVAL");
	il.chunk_size = MiB;
	is(famfs_alloc_interleaved(a, MiB, &il, &f), -EINVAL, "chunk 1 MiB -> EINVAL");
	il.chunk_size = 2 * MiB;
	il.nbuckets = 16;
	is(famfs_alloc_interleaved(a, MiB, &il, &f), -EINVAL, "16 buckets on 8 GiB (< 1 GiB each) -> EINVAL");
	il.nbuckets = 0;
	is(famfs_alloc_interleaved(a, 64 * MiB, &il, &f), 0, "default buckets (1 GiB each)");
	famfs_alloc_free(a);

	/* The log records interleaved maps and the bitmap rebuild honours them. */
	famfs_alloc_build(&a, &m.sb, m.log, NULL);
	il.nbuckets = 8;
	famfs_alloc_interleaved(a, 16 * MiB, &il, &f);
	{
		struct famfs_log_entry e;

		famfs_entry_file(&e, "striped", 16 * MiB, 0644, 0, 0, &f);
		famfs_log_append(m.log, m.sb.log_len, &e);
	}
	famfs_alloc_free(a);
	famfs_alloc_build(&a, &m.sb, m.log, &r);
	ok(r.nfiles == 1 && r.ncollisions == 0 && r.used_bytes == 10 * MiB + 16 * MiB,
	   "rebuilt bitmap has the 4 strips");
	famfs_alloc_free(a);
	t_mem_free(&m);

	t_mem_init(&m, 64 * MiB, 8 * MiB);
	famfs_alloc_build(&a, &m.sb, m.log, NULL);
	il.nbuckets = 0;
	is(famfs_alloc_interleaved(a, MiB, &il, &f), -EINVAL, "64 MiB device too small for 1 GiB buckets");
	ok(strstr(famfs_errmsg(), "too small") != NULL, "message: %s", famfs_errmsg());
	famfs_alloc_free(a);
	t_mem_free(&m);
}

static void fmap_checks(void)
{
	struct famfs_log_fmap f;

	memset(&f, 0, sizeof(f));
	f.count = 2;
	f.se[0].offset = 10 * MiB;
	f.se[0].len = 2 * MiB;
	f.se[1].offset = 20 * MiB;
	f.se[1].len = 4 * MiB;
	is(fchk(&f, 6 * MiB, 64 * MiB), 0, "two extents covering 6 MiB");
	is(famfs_fmap_devoff(&f, 3 * MiB, NULL), 21 * MiB, "offset 3 MiB -> second extent + 1 MiB");
	is(fchk(&f, 6 * MiB + 1, 64 * MiB), -EINVAL, "size beyond the map -> EINVAL");
	f.count = 17;
	is(fchk(&f, 1, 64 * MiB), -EINVAL, "17 extents -> EINVAL");
	f.count = 0;
	is(fchk(&f, 0, 64 * MiB), -EINVAL, "0 extents -> EINVAL");
	f.count = 1;
	f.se[0].offset = UINT64_MAX - MiB * 2 + 1;
	is(fchk(&f, 1, UINT64_MAX), -EINVAL, "unaligned huge offset -> EINVAL");
	f.se[0].offset = (UINT64_MAX / (2 * MiB)) * 2 * MiB;
	f.se[0].len = 4 * MiB;
	is(fchk(&f, 1, UINT64_MAX), -EINVAL, "offset + len overflow -> EINVAL");
	f.se[0].offset = 10 * MiB;
	f.se[0].devindex = 1;
	is(fchk(&f, 1, 64 * MiB), -EINVAL, "devindex 1 -> EINVAL");
	f.se[0].devindex = 0;
	f.ext_type = 7;
	is(fchk(&f, 1, 64 * MiB), -EINVAL, "unknown extent type -> EINVAL");
	memset(&f, 0, sizeof(f));
	f.ext_type = FAMFS_EXT_INTERLEAVE;
	f.count = 1;
	f.ie[0].nstrips = 2;
	f.ie[0].chunk_size = 0;
	is(fchk(&f, 1, 64 * MiB), -EINVAL, "interleave chunk 0 -> EINVAL (no division by zero)");
	is(famfs_fmap_devoff(&f, 1, NULL), UINT64_MAX, "devoff on chunk 0 map is safe");

	/* Never inside the superblock or the log: [0, 2 MiB + 8 MiB). */
	memset(&f, 0, sizeof(f));
	f.count = 1;
	f.se[0].len = 2 * MiB;
	f.se[0].offset = 2 * MiB;
	is(fchk(&f, 1, 64 * MiB), -EINVAL, "extent at the log header -> EINVAL");
	ok(strstr(famfs_errmsg(), "superblock and log") != NULL, "message: %s", famfs_errmsg());
	f.se[0].offset = 8 * MiB;
	is(fchk(&f, 1, 64 * MiB), -EINVAL, "extent in the last log unit -> EINVAL");
	f.se[0].offset = 10 * MiB;
	is(fchk(&f, 1, 64 * MiB), 0, "extent right after the log -> 0");
	{
		struct famfs_map_limits big = { .dev_size = 64 * MiB, .log_len = 16 * MiB };

		is(famfs_map_check(&big, &f, 1), -EINVAL, "the same extent inside a 16 MiB log -> EINVAL");
		big.log_len = 3 * MiB;
		is(famfs_map_check(&big, &f, 1), -EINVAL, "bad log length in the limits -> EINVAL");
		is(famfs_map_check(NULL, &f, 1), -EINVAL, "no limits -> EINVAL");
		is(famfs_map_check(&big, NULL, 1), -EINVAL, "no map -> EINVAL");
	}
	/* Two extents of one map on the same memory. */
	f.count = 2;
	f.se[1].offset = 10 * MiB;
	f.se[1].len = 4 * MiB;
	is(fchk(&f, 1, 64 * MiB), -EINVAL, "overlapping extents in one map -> EINVAL");
	f.se[1].offset = 12 * MiB;
	is(fchk(&f, 6 * MiB, 64 * MiB), 0, "adjacent extents -> 0");
	/* Strips on the same memory, and a chunk above the bound. */
	memset(&f, 0, sizeof(f));
	f.ext_type = FAMFS_EXT_INTERLEAVE;
	f.count = 1;
	f.ie[0].nstrips = 2;
	f.ie[0].chunk_size = 2 * MiB;
	f.ie[0].strips[0].offset = 10 * MiB;
	f.ie[0].strips[0].len = 2 * MiB;
	f.ie[0].strips[1].offset = 10 * MiB;
	f.ie[0].strips[1].len = 2 * MiB;
	is(fchk(&f, 1, 64 * MiB), -EINVAL, "two strips on the same memory -> EINVAL");
	f.ie[0].strips[1].offset = 20 * MiB;
	is(fchk(&f, 4 * MiB, 64 * MiB), 0, "two distinct strips -> 0");
	f.ie[0].chunk_size = 2 * GiB;
	f.ie[0].strips[0].len = f.ie[0].strips[1].len = 2 * GiB;
	f.ie[0].strips[1].offset = 4 * GiB;
	is(fchk(&f, 1, 8 * GiB), -EINVAL, "chunk above FAMFS_CHUNK_MAX -> EINVAL");
}

/* Overflow-checked allocation arithmetic (creat -N 4 -s 2^64-1, -C 4194304t). */
static void alloc_overflow(void)
{
	struct famfs_interleave il = { .nstrips = 4, .chunk_size = 2 * MiB };
	struct famfs_log_fmap f;
	struct famfs_alloc *a;
	struct t_mem m;

	t_mem_init(&m, 8 * GiB, 8 * MiB);
	famfs_alloc_build(&a, &m.sb, m.log, NULL);
	is(famfs_alloc_interleaved(a, UINT64_MAX, &il, &f), -ENOSPC,
	   "interleaved 2^64-1 bytes -> ENOSPC (no wrap)");
	is(famfs_alloc_contig(a, UINT64_MAX, &f), -ENOSPC, "contiguous 2^64-1 bytes -> ENOSPC");
	il.chunk_size = 4194304ULL << 40;	/* 2^62: 4 strips wrap to 0 */
	is(famfs_alloc_interleaved(a, MiB, &il, &f), -EINVAL, "chunk 2^62 -> EINVAL (no SIGFPE)");
	il.chunk_size = 2 * GiB;
	is(famfs_alloc_interleaved(a, MiB, &il, &f), -EINVAL, "chunk 2 GiB (above the bound) -> EINVAL");
	il.chunk_size = FAMFS_CHUNK_MAX;
	is(famfs_interleave_check(&il), 0, "chunk of exactly FAMFS_CHUNK_MAX is allowed");
	is(famfs_interleave_check(NULL), -EINVAL, "no parameters -> EINVAL");
	famfs_alloc_free(a);
	t_mem_free(&m);
}

static void cfg(void)
{
	struct famfs_interleave il = { 0 };
	const char *good = "interleaved_alloc:\n  nbuckets: 8\n  nstrips: 4\n  chunk_size: 2m\n";
	const char *bad[] = {
		"interleaved_alloc:\n  nstrips: 4\n  chunk_size: 3m\n",
		"interleaved_alloc:\n  nstrips: banana\n  chunk_size: 2m\n",
		"interleaved_alloc:\n  nstrips: 4\n  chunk_size: 2m\n  colour: red\n",
		"interleaved_alloc: [1, 2\n",
		"something_else: 1\n",
		"",
		"interleaved_alloc:\n  nstrips: 40\n  chunk_size: 2m\n",
		"interleaved_alloc:\n  nbuckets: 2\n  nstrips: 4\n  chunk_size: 2m\n",
		"interleaved_alloc:\n  nstrips: 4\n  chunk_size: 4194304t\n",
		"interleaved_alloc:\n  nstrips: 4\n  chunk_size: 2g\n",
	};
	size_t i;

	is(famfs_alloc_cfg_parse(good, strlen(good), &il), 0, "alloc config parsed");
	ok(il.nbuckets == 8 && il.nstrips == 4 && il.chunk_size == 2 * MiB, "nbuckets 8, nstrips 4, chunk 2 MiB");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct famfs_interleave x = { 0 };

		is(famfs_alloc_cfg_parse(bad[i], strlen(bad[i]), &x), -EINVAL,
		   "bad config %zu refused: %s", i, famfs_errmsg());
	}
}

int main(void)
{
	t_setup();
	contiguous();
	collisions();
	interleaved();
	fmap_checks();
	alloc_overflow();
	cfg();
	return tap_done();
}
