// SPDX-License-Identifier: GPL-2.0
/*
 * famfs host list / famfs host evict: the host table of the delete feature
 * (user/FORMAT-delete.md section 2).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "libfamfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs host list [--json] [--device DEV] [PATH]\n"
		"       famfs host evict [--force] [--device DEV] [--path PATH] UUID\n"
		"\n"
		"The host table of a file system with the delete feature: one\n"
		"slot per host that mounted it, with its release mark (memory of\n"
		"deleted files is reused only when every mounted host released it).\n"
		"\n"
		"list    every used slot: host UUID, state, role, mount generation,\n"
		"        log entries replayed, release mark, heartbeat age, fence\n"
		"evict   fence the current mount of host UUID (master only): its\n"
		"        release mark no longer counts, and its mount is shut down\n"
		"        (I/O fails with EIO) when it sees the fence. Use it for a\n"
		"        host that is dead or hung. A host whose heartbeat is younger\n"
		"        than 60 s looks alive: evicting it needs --force. The master\n"
		"        cannot evict itself. A later mount by that host starts a new\n"
		"        generation and is live again.\n"
		"\n"
		"  -j, --json           list as JSON\n"
		"  -f, --force          evict even a host that looks alive\n"
		"  -D, --device DEV     the unmounted device or image DEV\n"
		"  -p, --path PATH      a path in the mount (default: .)\n"
		"  -h, --help           this text\n"
		"\n" CLI_EXIT_CODES_HELP);
}

static const char *state_name(uint32_t s)
{
	return s == FAMFS_HOST_MOUNTED ? "mounted" :
	       s == FAMFS_HOST_LEFT ? "left" : "free";
}

static double age_s(uint64_t now, uint64_t t)
{
	return t && t <= now ? (double)(now - t) / 1e9 : 0.0;
}

static int list(struct famfs_fs *fs, bool json)
{
	const void *ht = famfs_fs_ht(fs);
	struct famfs_ht_host *hosts;
	uint64_t now = famfs_now_ns(), floor;
	struct cli_json j;
	char u[37];
	size_t n, i;
	int rc;

	rc = famfs_ht_check(ht, famfs_fs_sb(fs));
	if (rc) {
		cli_liberr(rc, "cannot read the host table");
		return CLI_EXIT_CORRUPT;
	}
	hosts = calloc(FAMFS_HT_NSLOTS, sizeof(*hosts));
	if (!hosts) {
		cli_err("out of memory");
		return CLI_EXIT_FAIL;
	}
	famfs_ht_hosts(ht, hosts, FAMFS_HT_NSLOTS, &n);
	floor = famfs_ht_release_floor(ht);
	if (json) {
		cli_json_init(&j, stdout);
		cli_json_obj_begin(&j, NULL);
		if (floor == UINT64_MAX)
			cli_json_null(&j, "release_floor");
		else
			cli_json_u64(&j, "release_floor", floor);
		cli_json_arr_begin(&j, "hosts");
		for (i = 0; i < n; i++) {
			const struct famfs_ht_host *h = &hosts[i];

			cli_json_obj_begin(&j, NULL);
			cli_json_u64(&j, "slot", h->slot);
			uuid_unparse_lower(h->has_host ? h->host.host_uuid :
					   h->fence.host_uuid, u);
			cli_json_str(&j, "uuid", u);
			if (h->has_host) {
				cli_json_str(&j, "state", state_name(h->host.state));
				cli_json_str(&j, "role", h->host.role ? "client" : "master");
				cli_json_u64(&j, "mount_gen", h->host.mount_gen);
				cli_json_u64(&j, "replayed", h->host.replayed);
				cli_json_u64(&j, "released", h->host.released);
				cli_json_u64(&j, "heartbeat_ns", h->host.heartbeat);
				cli_json_double(&j, "heartbeat_age_s",
						age_s(now, h->host.heartbeat));
				cli_json_u64(&j, "mounted_at_ns", h->host.mounted_at);
			}
			cli_json_bool(&j, "evicted", h->evicted);
			/* Unreadable: holds everything until fsck --repair and an evict. */
			cli_json_bool(&j, "damaged", h->damaged);
			cli_json_bool(&j, "holds_memory", h->holds);
			if (h->has_fence && h->fence.state == FAMFS_FENCE_EVICTED) {
				cli_json_u64(&j, "evicted_gen", h->fence.mount_gen);
				cli_json_u64(&j, "evicted_at_ns", h->fence.evicted_at);
				cli_json_u64(&j, "evicted_log_index", h->fence.log_index);
			}
			cli_json_obj_end(&j);
		}
		cli_json_arr_end(&j);
		cli_json_obj_end(&j);
		cli_json_finish(&j);
	} else {
		printf("%-4s %-36s %-7s %-6s %4s %8s %8s %9s %s\n", "SLOT", "HOST",
		       "STATE", "ROLE", "GEN", "REPLAYED", "RELEASED", "HEARTBEAT",
		       "FENCE");
		for (i = 0; i < n; i++) {
			const struct famfs_ht_host *h = &hosts[i];
			char hb[32];

			uuid_unparse_lower(h->has_host ? h->host.host_uuid :
					   h->fence.host_uuid, u);
			snprintf(hb, sizeof(hb), "%.0fs ago",
				 age_s(now, h->host.heartbeat));
			printf("%-4u %-36s %-7s %-6s %4llu %8llu %8llu %9s %s\n",
			       h->slot, u,
			       h->has_host ? state_name(h->host.state) :
			       h->damaged ? "damaged" : "-",
			       h->has_host ? (h->host.role ? "client" : "master") : "-",
			       (unsigned long long)h->host.mount_gen,
			       (unsigned long long)h->host.replayed,
			       (unsigned long long)h->host.released,
			       h->has_host ? hb : "-",
			       h->evicted ? "EVICTED" :
			       (h->has_fence && h->fence.state == FAMFS_FENCE_EVICTED ?
				"evicted earlier generation" : "-"));
		}
		if (floor == UINT64_MAX)
			printf("release floor: none (no mounted host holds deleted memory)\n");
		else
			printf("release floor: %llu (DELETE entries below it are released on every host)\n",
			       (unsigned long long)floor);
	}
	free(hosts);
	return CLI_EXIT_OK;
}

int cmd_host(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'D' },
		{ "path", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL, *path = NULL, *sub;
	bool json = false, force = false;
	struct famfs_fence_rec f;
	struct famfs_fs *fs;
	uuid_t host;
	int c, rc, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jfD:p:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'f':
			force = true;
			break;
		case 'D':
			device = optarg;
			break;
		case 'p':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_hint();
		}
	}
	if (optind >= argc) {
		cli_err("missing subcommand (list or evict)");
		return cli_usage_hint();
	}
	sub = argv[optind++];
	if (!strcmp(sub, "list")) {
		if (optind < argc && !path)
			path = argv[optind++];
		if (optind < argc) {
			cli_err("too many arguments");
			return cli_usage_hint();
		}
		ret = cli_fs_open(device, path ? path : ".", false, &fs);
		if (ret)
			return ret;
		if (!famfs_sb_has_delete(famfs_fs_sb(fs))) {
			cli_err("the delete feature is not enabled on this file system: it has no host table (famfs rm --enable-delete enables it)");
			famfs_fs_close(fs);
			return CLI_EXIT_REFUSED;
		}
		ret = list(fs, json);
		famfs_fs_close(fs);
		return ret;
	}
	if (strcmp(sub, "evict")) {
		cli_err("unknown subcommand '%s' (expected list or evict)", sub);
		return cli_usage_hint();
	}
	if (optind >= argc) {
		cli_err("missing UUID");
		return cli_usage_hint();
	}
	if (optind + 1 < argc) {
		cli_err("too many arguments");
		return cli_usage_hint();
	}
	if (uuid_parse(argv[optind], host)) {
		char safe[CLI_SAFE_LEN];

		cli_err("'%s' is not a UUID", cli_safe(argv[optind], safe, sizeof(safe)));
		return cli_usage_hint();
	}
	ret = cli_fs_open(device, path ? path : ".", true, &fs);
	if (ret)
		return ret;
	rc = famfs_fs_evict(fs, host, force, &f);
	if (rc < 0) {
		cli_liberr(rc, "cannot evict %s", argv[optind]);
		ret = rc == -EBUSY || rc == -EOPNOTSUPP ? CLI_EXIT_REFUSED :
		      cli_exit_for(rc);
	} else if (rc == 1) {
		printf("host %s: generation %llu is already evicted\n", argv[optind],
		       (unsigned long long)f.mount_gen);
	} else {
		printf("host %s: generation %llu evicted at log index %llu\n",
		       argv[optind], (unsigned long long)f.mount_gen,
		       (unsigned long long)f.log_index);
	}
	famfs_fs_close(fs);
	return ret;
}
