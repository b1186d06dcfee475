// SPDX-License-Identifier: GPL-2.0
/*
 * The copy engine of "famfs cp" and "mkfs.famfs -d".
 *
 * All files are created (allocated and, on a mount, made in the kernel) one
 * after the other on one file system handle: one lock and one allocation
 * bitmap for the whole run. Their data is then copied in batches, by -t
 * worker threads when asked, and each file is logged only after its copy
 * succeeded with exactly the bytes decided (famfs_fs_stage_commit): a copy
 * that fails, or a source that shrinks or grows meanwhile, is taken out
 * again and never reaches the log. A destination that already exists with
 * the same size is reused and its data rewritten, so an interrupted copy
 * can simply be run again.
 *
 * Files whose st_size cannot be trusted (0, as in /proc; or on a pseudo
 * file system such as sysfs, which reports 4096 for any attribute) and
 * small files (at most COPY_CHUNK) are read to EOF first, at most
 * COPY_PREREAD_MAX bytes: their size is then what was actually read, and
 * the file is allocated and logged only after the read succeeded, so a
 * failed read logs nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cli.h"
#include "libfamfs.h"

#define COPY_BATCH 64			/* files created before copying */
#define COPY_CHUNK (8U << 20)		/* bytes per read(2) */
#define COPY_PREREAD_MAX (64U << 20)	/* a file of unknown size */

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
	if (d->staged && d->fd < 0)
		return famfs_fs_stage_io(d->fs, d->staged, off, buf, len, false);
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

/*
 * The copy has its decided size: the source must be at its end now. A file
 * that grew would be logged as a truncated copy of itself.
 */
static int source_at_eof(int fd, const char *src)
{
	uint8_t c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0) {
		cli_err("read %s: %s", src, strerror(errno));
		return -errno;
	}
	cli_err("%s grew while being copied", src);
	return -EIO;
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
	if (!rc)
		rc = source_at_eof(fd, j->src);
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

/*
 * After the copy of one new file (mapping and fd released): log it if the
 * copy succeeded, else take it out again. Returns the copy's result, or
 * the commit's error (message printed).
 */
static int copy_settle(struct cli_copy *c, struct cli_dst *d, const char *rel,
		       int rc)
{
	char safe[CLI_SAFE_LEN];
	struct famfs_staged *st = d->staged;

	if (!st)
		return rc;	/* an existing file, rewritten: logged before */
	d->staged = NULL;
	cli_safe(rel, safe, sizeof(safe));
	if (rc) {
		if (famfs_fs_stage_abort(c->fs, st))
			cli_liberr(-EIO, "%s", safe);
		cli_err("%s not created: its copy failed (nothing logged)", safe);
		c->nfiles--;
		return rc;
	}
	rc = famfs_fs_stage_commit(c->fs, st);
	if (rc) {
		cli_liberr(rc, "cannot log %s (not created)", safe);
		c->nfiles--;
		if (copy_is_fatal(rc)) {
			c->fatal = true;
			c->fatal_err = rc;
		}
	}
	return rc;
}

/* Copy the data of every queued job, then log or drop each of them. */
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
		j->rc = copy_settle(c, &j->dst, j->rel, j->rc);
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


/* File systems whose st_size says nothing about the bytes a read returns. */
static bool size_untrusted(int fd, const struct stat *st)
{
	static const unsigned long pseudo[] = {
		0x9fa0,		/* proc */
		0x62656572,	/* sysfs */
		0x64626720,	/* debugfs */
		0x74726163,	/* tracefs */
		0x73636673,	/* securityfs */
		0x62656570,	/* configfs */
		0x27e0eb,	/* cgroup */
		0x63677270,	/* cgroup2 */
		0xde5e81e4,	/* efivarfs */
		0x6165676c,	/* pstore */
		0xcafe4a11,	/* bpf */
	};
	struct statfs sfs;
	size_t i;

	if (st->st_size == 0)
		return true;
	if (fstatfs(fd, &sfs))
		return false;
	for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if ((unsigned long)sfs.f_type == pseudo[i])
			return true;
	return false;
}

/*
 * Read @fd to EOF into a fresh buffer of at most COPY_PREREAD_MAX bytes.
 * Returns 0 (*out, *len set; *out may be NULL for an empty file) or -errno
 * with the message printed.
 */
static int preread(int fd, const char *src, uint8_t **out, uint64_t *len)
{
	size_t cap = 0, n = 0;
	uint8_t *buf = NULL, *nb;
	ssize_t r;

	*out = NULL;
	*len = 0;
	for (;;) {
		if (n == cap) {
			if (cap >= COPY_PREREAD_MAX) {
				/* Full: is there more? One byte tells. */
				uint8_t c;

				do
					r = read(fd, &c, 1);
				while (r < 0 && errno == EINTR);
				if (r == 0)
					break;
				free(buf);
				if (r < 0) {
					cli_err("read %s: %s", src,
						strerror(errno));
					return -errno;
				}
				cli_err("%s: no usable size and more than %u MiB;"
					" not copied", src, COPY_PREREAD_MAX >> 20);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > COPY_PREREAD_MAX)
				cap = COPY_PREREAD_MAX;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				cli_err("out of memory reading %s", src);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			cli_err("read %s: %s", src, strerror(errno));
			free(buf);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Write a file read whole by preread() into its new destination. */
static int copy_buffered(struct cli_copy *c, const char *src, const char *rel,
			 const uint8_t *buf, struct cli_dst *d)
{
	struct copy_priv *p = c->priv;
	int rc = 0;

	if (d->size)
		rc = cli_dst_write(d, 0, buf, (size_t)d->size);
	/*
	 * write(2) stored with non-temporal stores; only the fence that ends
	 * fsync makes them visible to other hosts, and it must come before
	 * the log entry does.
	 */
	if (!rc && d->fd >= 0 && d->size && fdatasync(d->fd))
		rc = -errno;
	cli_dst_finish(d);
	if (rc)
		cli_liberr(rc, "write %s", rel);
	rc = copy_settle(c, d, rel, rc);
	if (rc) {
		c->nerrors++;
		return rc;
	}
	c->nbytes += d->size;
	pthread_mutex_lock(&p->lock);
	p->prog.total += d->size;
	cli_progress_add(&p->prog, d->size);
	pthread_mutex_unlock(&p->lock);
	if (c->verbose)
		printf("%s -> %s\n", src, rel);
	return 0;
}

static bool queued(const struct copy_priv *p, const char *rel)
{
	size_t k;

	for (k = 0; k < p->njobs; k++)
		if (!strcmp(p->jobs[k].rel, rel))
			return true;
	return false;
}

int cli_copy_file(struct cli_copy *c, const char *src, const char *rel)
{
	struct copy_priv *p = c->priv;
	struct famfs_staged *staged = NULL;
	struct copy_job *j;
	uint32_t mode, uid, gid;
	uint8_t *map = NULL, *buf = NULL;
	struct cli_dst d;
	uint64_t size;
	struct stat st;
	bool whole, by_write;
	int fd = -1, rc;

	if (c->fatal)
		return c->fatal_err;
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		cli_err("cannot open %s: %s", src, strerror(errno));
		if (fd >= 0)
			close(fd);
		c->nerrors++;
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		cli_err("%s is not a regular file", src);
		c->nerrors++;
		return -EINVAL;
	}
	/* Unknown size or small: the bytes read decide, before any logging. */
	whole = st.st_size <= COPY_CHUNK || size_untrusted(fd, &st);
	size = (uint64_t)st.st_size;
	if (whole) {
		rc = preread(fd, src, &buf, &size);
		if (rc) {
			close(fd);
			c->nerrors++;
			return rc;
		}
	}
	close(fd);
	fd = -1;
	mode = c->attr.mode_set ? c->attr.mode : (st.st_mode & 07777);
	uid = c->attr.uid_set ? c->attr.uid : st.st_uid;
	gid = c->attr.gid_set ? c->attr.gid : st.st_gid;
	/* A name queued in this batch must be logged before it is looked up. */
	if (queued(p, rel)) {
		rc = copy_flush_batch(c);
		if (c->fatal) {
			free(buf);
			return c->fatal_err;
		}
	}
	/*
	 * Online, a file under 2 MiB is written with write(2): through a
	 * mapping it would fault per 4 KiB page, then need a pass of cache
	 * write-backs; the kernel's flushcache copy writes each line back
	 * as it stores it (fdatasync fences). A larger file maps with 2 MiB
	 * faults, and read(2) into the mapping saves write(2)'s second copy.
	 */
	by_write = famfs_fs_mountpoint(c->fs) && size < FAMFS_ALLOC_UNIT;
	rc = famfs_fs_creat_staged(c->fs, rel, size, mode, uid, gid,
				   c->il, &staged, &fd, by_write ? NULL : &map);
	if (rc < 0) {
		free(buf);
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
	memset(&d, 0, sizeof(d));
	d.fs = c->fs;
	d.map = map;
	d.map_online = map && famfs_fs_mountpoint(c->fs);
	d.fd = fd;
	d.size = size;
	d.staged = staged;
	if (whole) {
		d.relpath = rel;
		rc = copy_buffered(c, src, rel, buf, &d);
		free(buf);
		return rc;
	}
	j = &p->jobs[p->njobs];
	memset(j, 0, sizeof(*j));
	j->src = strdup(src);
	snprintf(j->rel, sizeof(j->rel), "%s", rel);
	j->dst = d;
	j->dst.relpath = j->rel;
	if (!j->src) {
		cli_dst_finish(&j->dst);
		copy_settle(c, &j->dst, j->rel, -ENOMEM);
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
