// SPDX-License-Identifier: GPL-2.0
/*
 * The copy engine of "famfs cp" and "mkfs.famfs -d".
 *
 * All files are created (allocated and logged) one after the other on one
 * file system handle: one lock and one allocation bitmap for the whole run.
 * Their data is then copied in batches, by -t worker threads when asked.
 * A destination that already exists with the same size is reused and its
 * data rewritten, so an interrupted copy can simply be run again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "libfamfs.h"

#define COPY_BATCH 64			/* files created before copying */
#define COPY_CHUNK (8U << 20)		/* bytes per read(2) */

struct copy_job {
	char *src;
	char rel[FAMFS_MAX_PATHLEN];
	struct cli_dst dst;
	int rc;
};

struct copy_priv {
	bool compare;
	struct copy_job jobs[COPY_BATCH];
	size_t njobs;
	size_t next;			/* next job a worker takes */
	pthread_mutex_t lock;
	struct cli_progress prog;
};

static bool copy_is_fatal(int err)
{
	return err == -ENOSPC || err == -EROFS || err == -EBUSY;
}

int cli_copy_init(struct cli_copy *c)
{
	struct copy_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	cli_progress_start(&p->prog, "copying", 0);
	p->compare = c->compare;
	c->priv = p;
	if (!c->threads)
		c->threads = 1;
	return 0;
}

static void copy_progress(struct copy_priv *p, uint64_t n)
{
	pthread_mutex_lock(&p->lock);
	cli_progress_add(&p->prog, n);
	pthread_mutex_unlock(&p->lock);
}

/* The destination's bytes at @off, for cp -c. */
static int dst_read(struct cli_dst *d, uint64_t off, uint8_t *buf, size_t len)
{
	ssize_t n;

	if (d->map) {
		memcpy(buf, d->map + off, len);
		return 0;
	}
	if (d->fd >= 0) {
		while (len) {
			n = pread(d->fd, buf, len, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			buf += n;
			off += (uint64_t)n;
			len -= (size_t)n;
		}
		return 0;
	}
	return famfs_fs_read(d->fs, d->relpath, off, buf, len);
}

/*
 * cp -c: read the source again and compare it with what famfs now holds.
 * Returns 0, -EILSEQ for a difference, or -errno (message printed).
 */
static int copy_job_compare(struct copy_job *j)
{
	struct cli_dst *d = &j->dst;
	uint8_t *a = malloc(COPY_CHUNK), *b = malloc(COPY_CHUNK);
	char safe[CLI_SAFE_LEN];
	uint64_t off = 0, i;
	size_t want;
	ssize_t n;
	int fd, rc = 0;

	fd = a && b ? open(j->src, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0) {
		rc = a && b ? -errno : -ENOMEM;
		cli_err("compare: cannot open %s: %s", j->src, strerror(-rc));
		free(a);
		free(b);
		return rc;
	}
	while (off < d->size && !rc) {
		want = d->size - off < COPY_CHUNK ? (size_t)(d->size - off)
						  : COPY_CHUNK;
		n = pread(fd, a, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			cli_err("compare: read %s: %s", j->src,
				n < 0 ? strerror(errno) : "unexpected end");
			break;
		}
		rc = dst_read(d, off, b, (size_t)n);
		if (rc) {
			cli_liberr(rc, "compare: read %s",
				   cli_safe(j->rel, safe, sizeof(safe)));
			break;
		}
		if (memcmp(a, b, (size_t)n)) {
			for (i = 0; a[i] == b[i]; i++)
				;
			cli_err("compare: %s and its copy %s differ at offset %llu",
				j->src, cli_safe(j->rel, safe, sizeof(safe)),
				(unsigned long long)(off + i));
			rc = -EILSEQ;
		}
		off += (uint64_t)n;
	}
	close(fd);
	free(a);
	free(b);
	return rc;
}

/* Copy the bytes of one job; returns 0 or -errno (message printed). */
static int copy_job_run(struct copy_priv *p, struct copy_job *j)
{
	struct cli_dst *d = &j->dst;
	uint8_t *buf = NULL;
	uint64_t off = 0;
	ssize_t n;
	size_t want;
	int fd, rc = 0;

	fd = open(j->src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		cli_err("cannot open %s: %s", j->src, strerror(errno));
		return rc;
	}
	if (!d->map) {
		buf = malloc(COPY_CHUNK);
		if (!buf) {
			close(fd);
			return -ENOMEM;
		}
	}
	while (off < d->size) {
		want = d->size - off < COPY_CHUNK ? (size_t)(d->size - off)
						  : COPY_CHUNK;
		/* With a mapping, read(2) lands directly in famfs memory. */
		n = read(fd, d->map ? d->map + off : buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			cli_err("read %s: %s", j->src, strerror(errno));
			break;
		}
		if (n == 0) {
			rc = -EIO;
			cli_err("%s shrank while being copied", j->src);
			break;
		}
		if (!d->map) {
			rc = cli_dst_write(d, off, buf, (size_t)n);
			if (rc) {
				cli_liberr(rc, "write %s", j->rel);
				break;
			}
		}
		off += (uint64_t)n;
		copy_progress(p, (uint64_t)n);
	}
	free(buf);
	close(fd);
	return rc;
}

static void *copy_worker(void *arg)
{
	struct copy_priv *p = arg;
	struct copy_job *j;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		j = p->next < p->njobs ? &p->jobs[p->next++] : NULL;
		pthread_mutex_unlock(&p->lock);
		if (!j)
			return NULL;
		j->rc = copy_job_run(p, j);
		if (!j->rc && p->compare)
			j->rc = copy_job_compare(j);
	}
}

/* Copy the data of every queued job, then release them. */
static int copy_flush_batch(struct cli_copy *c)
{
	struct copy_priv *p = c->priv;
	pthread_t tids[64];
	unsigned int nt = c->threads, started = 0, i;
	int first = 0;
	size_t k;

	if (nt > p->njobs)
		nt = (unsigned int)p->njobs;
	if (nt > sizeof(tids) / sizeof(tids[0]))
		nt = sizeof(tids) / sizeof(tids[0]);
	p->next = 0;
	if (nt > 1) {
		for (i = 0; i < nt; i++)
			if (pthread_create(&tids[i], NULL, copy_worker, p) == 0)
				started++;
		for (i = 0; i < started; i++)
			pthread_join(tids[i], NULL);
	}
	/* Without threads (or if none could start) copy right here. */
	copy_worker(p);
	for (k = 0; k < p->njobs; k++) {
		struct copy_job *j = &p->jobs[k];

		cli_dst_finish(&j->dst);
		if (j->rc) {
			c->nerrors++;
			if (!first)
				first = j->rc;
		} else {
			c->nbytes += j->dst.size;
			if (c->verbose)
				printf("%s -> %s\n", j->src, j->rel);
		}
		free(j->src);
	}
	p->njobs = 0;
	return first;
}

int cli_copy_file(struct cli_copy *c, const char *src, const char *rel)
{
	struct copy_priv *p = c->priv;
	struct copy_job *j;
	uint32_t mode, uid, gid;
	uint8_t *map = NULL;
	struct stat st;
	int fd = -1, rc;

	if (c->fatal)
		return c->fatal_err;
	if (stat(src, &st)) {
		rc = -errno;
		cli_err("cannot stat %s: %s", src, strerror(errno));
		c->nerrors++;
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_err("%s is not a regular file", src);
		c->nerrors++;
		return -EINVAL;
	}
	mode = c->attr.mode_set ? c->attr.mode : (st.st_mode & 07777);
	uid = c->attr.uid_set ? c->attr.uid : st.st_uid;
	gid = c->attr.gid_set ? c->attr.gid : st.st_gid;
	rc = famfs_fs_creat(c->fs, rel, (uint64_t)st.st_size, mode, uid, gid,
			    c->il, &fd, &map);
	if (rc < 0) {
		cli_liberr(rc, "cannot create %s", rel);
		c->nerrors++;
		if (copy_is_fatal(rc)) {
			c->fatal = true;
			c->fatal_err = rc;
		}
		return rc;
	}
	if (rc == 1)
		c->nreused++;
	else
		c->nfiles++;
	j = &p->jobs[p->njobs];
	memset(j, 0, sizeof(*j));
	j->src = strdup(src);
	snprintf(j->rel, sizeof(j->rel), "%s", rel);
	j->dst.fs = c->fs;
	j->dst.relpath = j->rel;
	j->dst.map = map;
	j->dst.map_online = map && famfs_fs_mountpoint(c->fs);
	j->dst.fd = fd;
	j->dst.size = (uint64_t)st.st_size;
	if (!j->src) {
		cli_dst_finish(&j->dst);
		c->nerrors++;
		return -ENOMEM;
	}
	p->njobs++;
	pthread_mutex_lock(&p->lock);
	p->prog.total += j->dst.size;
	pthread_mutex_unlock(&p->lock);
	if (p->njobs == COPY_BATCH)
		return copy_flush_batch(c);
	return 0;
}

static int copy_entry(struct cli_copy *c, const char *src, const char *rel,
		      const char *name)
{
	char s[PATH_MAX], r[PATH_MAX];
	struct stat st;
	int rc;

	if ((size_t)snprintf(s, sizeof(s), "%s/%s", src, name) >= sizeof(s)) {
		cli_err("source path too long: %s/%s", src, name);
		c->nerrors++;
		return -ENAMETOOLONG;
	}
	rc = cli_relpath_join(r, sizeof(r), rel, name);
	if (!rc)
		rc = famfs_relpath_check(r);
	if (rc) {
		cli_liberr(rc, "cannot copy %s to %s%s%s", s, rel,
			   rel[0] ? "/" : "", name);
		c->nerrors++;
		return rc;
	}
	if (lstat(s, &st)) {
		rc = -errno;
		cli_err("cannot stat %s: %s", s, strerror(errno));
		c->nerrors++;
		return rc;
	}
	if (S_ISREG(st.st_mode))
		return cli_copy_file(c, s, r);
	if (!S_ISDIR(st.st_mode)) {
		/* famfs holds only files and directories. */
		cli_warn("skipping %s: not a regular file or directory", s);
		c->nskipped++;
		return 0;
	}
	if (!c->recursive) {
		cli_warn("omitting directory %s (use -r)", s);
		c->nskipped++;
		return 0;
	}
	rc = famfs_fs_mkdir(c->fs, r, st.st_mode & 07777,
			    c->attr.uid_set ? c->attr.uid : st.st_uid,
			    c->attr.gid_set ? c->attr.gid : st.st_gid, true);
	if (rc) {
		cli_liberr(rc, "cannot create directory %s", r);
		c->nerrors++;
		if (copy_is_fatal(rc)) {
			c->fatal = true;
			c->fatal_err = rc;
		}
		return rc;
	}
	c->ndirs++;
	return cli_copy_dir_contents(c, s, r);
}

int cli_copy_dir_contents(struct cli_copy *c, const char *src,
			  const char *rel)
{
	struct dirent **names;
	int n, i, rc, first = 0;

	n = scandir(src, &names, NULL, alphasort);
	if (n < 0) {
		rc = -errno;
		cli_err("cannot read directory %s: %s", src, strerror(errno));
		c->nerrors++;
		return rc;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (!c->fatal && strcmp(name, ".") && strcmp(name, "..")) {
			rc = copy_entry(c, src, rel, name);
			if (rc && !first)
				first = rc;
		}
		free(names[i]);
	}
	free(names);
	return c->fatal ? c->fatal_err : first;
}

int cli_copy_finish(struct cli_copy *c)
{
	struct copy_priv *p = c->priv;
	int rc;

	if (!p)
		return 0;
	rc = copy_flush_batch(c);
	cli_progress_end(&p->prog);
	pthread_mutex_destroy(&p->lock);
	free(p);
	c->priv = NULL;
	return rc;
}
