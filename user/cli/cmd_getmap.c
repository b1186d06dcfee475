// SPDX-License-Identifier: GPL-2.0
/*
 * famfs getmap: print the extent map of files, from the kernel
 * (MAP_GET_V2) for mounted files or from the log with --device.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

struct fileinfo {
	uint64_t size;
	uint32_t file_type;
	struct famfs_log_fmap fmap;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs getmap [-q] [-c] [-v] [--json] [--device DEV] FILE...\n"
		"\n"
		"Print the extent map of each FILE: simple extents (offset,\n"
		"length) or, for interleaved files, the chunk size and strips.\n"
		"Mounted files are asked from the kernel (MAP_GET_V2); with\n"
		"--device the map is read from the log of an unmounted device.\n"
		"\n"
		"  -j, --json         JSON output (an array, one object per file)\n"
		"  -D, --device DEV   read maps from the log of DEV\n"
		"  -q, --quiet        print nothing: the exit status says whether\n"
		"                     every FILE is a famfs file with a map\n"
		"  -c, --continue     go on after a FILE that fails (upstream's\n"
		"                     -c; getmap always does)\n"
		"  -v, --verbose      end with a count of files and failures\n"
		"  -h, --help         this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

/* Copy a kernel map into the log format, bounding every count. */
static int from_kernel(const struct famfs_ioc_get_fmap *k, struct fileinfo *fi)
{
	const struct famfs_ioc_fmap *m = &k->iocmap;
	uint32_t i;

	memset(fi, 0, sizeof(*fi));
	fi->size = m->fioc_file_size;
	fi->file_type = m->fioc_file_type;
	if (m->fioc_ext_type == FAMFS_IOC_EXT_SIMPLE) {
		if (m->fioc_nextents > FAMFS_IOC_MAX_EXTENTS)
			return -EINVAL;
		fi->fmap.ext_type = FAMFS_EXT_SIMPLE;
		fi->fmap.count = m->fioc_nextents;
		for (i = 0; i < m->fioc_nextents; i++) {
			fi->fmap.se[i].devindex = k->ikse[i].devindex;
			fi->fmap.se[i].offset = k->ikse[i].offset;
			fi->fmap.se[i].len = k->ikse[i].len;
		}
		return 0;
	}
	if (m->fioc_ext_type != FAMFS_IOC_EXT_INTERLEAVE ||
	    k->il.ie.ie_nstrips > FAMFS_IOC_MAX_STRIPS)
		return -EINVAL;
	fi->fmap.ext_type = FAMFS_EXT_INTERLEAVE;
	fi->fmap.count = 1;
	fi->fmap.ie[0].nstrips = k->il.ie.ie_nstrips;
	fi->fmap.ie[0].chunk_size = k->il.ie.ie_chunk_size;
	for (i = 0; i < k->il.ie.ie_nstrips; i++) {
		fi->fmap.ie[0].strips[i].devindex = k->il.ie_strips[i].devindex;
		fi->fmap.ie[0].strips[i].offset = k->il.ie_strips[i].offset;
		fi->fmap.ie[0].strips[i].len = k->il.ie_strips[i].len;
	}
	return 0;
}

static int get_online(const char *path, struct fileinfo *fi)
{
	struct famfs_ioc_get_fmap k;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		cli_err("cannot open %s: %s", path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	memset(&k, 0, sizeof(k));
	rc = famfs_kmap_get(fd, &k);
	if (rc) {
		struct statfs sfs;
		bool famfs = !fstatfs(fd, &sfs) &&
			     (unsigned long)sfs.f_type == FAMFS_STATFS_MAGIC_V1;

		close(fd);
		if (!famfs)
			cli_err("%s is not a famfs file: it is not in a famfs "
				"file system (use --device DEV for an unmounted "
				"device or image)", path);
		else
			cli_liberr(rc, "%s is in famfs but has no map", path);
		return CLI_EXIT_FAIL;
	}
	close(fd);
	if (from_kernel(&k, fi)) {
		cli_err("%s: the kernel returned an invalid map", path);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int get_offline(struct famfs_fs *fs, const char *path,
		       struct fileinfo *fi)
{
	struct famfs_log_entry e;
	char rel[4096];
	int rc;

	if (cli_fs_relpath(fs, path, rel, sizeof(rel)))
		return CLI_EXIT_FAIL;
	rc = famfs_fs_lookup(fs, rel, &e);
	if (rc) {
		char safe[CLI_SAFE_LEN];

		cli_liberr(rc, "%s", cli_safe(path, safe, sizeof(safe)));
		return CLI_EXIT_FAIL;
	}
	if (e.type != FAMFS_LOG_FILE) {
		cli_err("%s is a directory", path);
		return CLI_EXIT_FAIL;
	}
	memset(fi, 0, sizeof(*fi));
	fi->size = e.file.size;
	fi->file_type = FAMFS_REG;
	fi->fmap = e.file.fmap;
	/* The log may hold garbage: never print past the array bounds. */
	if ((fi->fmap.ext_type == FAMFS_EXT_SIMPLE &&
	     fi->fmap.count > FAMFS_MAX_SIMPLE_EXT) ||
	    (fi->fmap.ext_type == FAMFS_EXT_INTERLEAVE &&
	     fi->fmap.ie[0].nstrips > FAMFS_MAX_STRIPS) ||
	    fi->fmap.ext_type > FAMFS_EXT_INTERLEAVE) {
		cli_err("%s: its log entry holds an invalid map", path);
		return CLI_EXIT_CORRUPT;
	}
	return CLI_EXIT_OK;
}

static const char *type_name(uint32_t t)
{
	switch (t) {
	case FAMFS_REG:
		return "regular";
	case FAMFS_SUPERBLOCK:
		return "superblock";
	case FAMFS_LOG:
		return "log";
	}
	return "unknown";
}

static void json_extent(struct cli_json *j, const struct famfs_simple_extent *e)
{
	cli_json_obj_begin(j, NULL);
	cli_json_u64(j, "devindex", e->devindex);
	cli_json_u64(j, "offset", e->offset);
	cli_json_u64(j, "len", e->len);
	cli_json_obj_end(j);
}

static void print_json(struct cli_json *j, const char *path,
		       const struct fileinfo *fi)
{
	const struct famfs_log_fmap *f = &fi->fmap;
	uint64_t i;

	cli_json_obj_begin(j, NULL);
	cli_json_str(j, "path", path);
	cli_json_u64(j, "size", fi->size);
	cli_json_str(j, "file_type", type_name(fi->file_type));
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		cli_json_str(j, "ext_type", "simple");
		cli_json_arr_begin(j, "extents");
		for (i = 0; i < f->count; i++)
			json_extent(j, &f->se[i]);
		cli_json_arr_end(j);
	} else {
		cli_json_str(j, "ext_type", "interleaved");
		cli_json_u64(j, "nstrips", f->ie[0].nstrips);
		cli_json_u64(j, "chunk_size", f->ie[0].chunk_size);
		cli_json_arr_begin(j, "strips");
		for (i = 0; i < f->ie[0].nstrips; i++)
			json_extent(j, &f->ie[0].strips[i]);
		cli_json_arr_end(j);
	}
	cli_json_obj_end(j);
}

static void print_text(const char *path, const struct fileinfo *fi)
{
	const struct famfs_log_fmap *f = &fi->fmap;
	const struct famfs_simple_extent *e;
	uint64_t i;

	char safe[CLI_SAFE_LEN];

	printf("%s: size %llu, %s file\n", cli_safe(path, safe, sizeof(safe)),
	       (unsigned long long)fi->size, type_name(fi->file_type));
	if (f->ext_type == FAMFS_EXT_SIMPLE) {
		printf("  simple, %u extent%s\n", f->count,
		       f->count == 1 ? "" : "s");
		for (i = 0; i < f->count; i++) {
			e = &f->se[i];
			printf("  extent %llu: devindex %llu offset 0x%llx "
			       "len 0x%llx\n", (unsigned long long)i,
			       (unsigned long long)e->devindex,
			       (unsigned long long)e->offset,
			       (unsigned long long)e->len);
		}
		return;
	}
	printf("  interleaved, %llu strips, chunk 0x%llx\n",
	       (unsigned long long)f->ie[0].nstrips,
	       (unsigned long long)f->ie[0].chunk_size);
	for (i = 0; i < f->ie[0].nstrips; i++) {
		e = &f->ie[0].strips[i];
		printf("  strip %llu: devindex %llu offset 0x%llx len 0x%llx\n",
		       (unsigned long long)i, (unsigned long long)e->devindex,
		       (unsigned long long)e->offset,
		       (unsigned long long)e->len);
	}
}

int cmd_getmap(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'D' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "continue", no_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL;
	struct famfs_fs *fs = NULL;
	struct fileinfo fi;
	struct cli_json j;
	bool json = false, quiet = false, verbose = false;
	int c, i, rc, ret = CLI_EXIT_OK, nbad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jD:qcvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'D':
			device = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'c':
			break;	/* upstream: continue on error; always so here */
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (optind >= argc) {
		cli_err("missing FILE");
		return cli_usage_hint();
	}
	if (quiet) {
		/* -q: the exit status only; no message of ours or the library's. */
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			fflush(stderr);
			dup2(null, STDERR_FILENO);
			close(null);
		}
		json = false;
	}
	if (device) {
		ret = cli_fs_open(device, NULL, false, &fs);
		if (ret)
			return ret;
	}
	cli_json_init(&j, stdout);
	if (json)
		cli_json_arr_begin(&j, NULL);
	for (i = optind; i < argc; i++) {
		rc = fs ? get_offline(fs, argv[i], &fi)
			: get_online(argv[i], &fi);
		if (rc) {
			if (ret == CLI_EXIT_OK || rc == CLI_EXIT_CORRUPT)
				ret = rc;
			nbad++;
			continue;
		}
		if (quiet)
			continue;
		if (json)
			print_json(&j, argv[i], &fi);
		else
			print_text(argv[i], &fi);
	}
	if (json) {
		cli_json_arr_end(&j);
		cli_json_finish(&j);
	}
	if (verbose && !quiet)
		fprintf(json ? stderr : stdout, "%d files, %d mapped, %d failed\n",
			argc - optind, argc - optind - nbad, nbad);
	if (fs)
		famfs_fs_close(fs);
	return ret;
}
