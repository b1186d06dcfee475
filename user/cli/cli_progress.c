// SPDX-License-Identifier: GPL-2.0
/*
 * Progress line for long copies, fills, verifies and checks: percentage,
 * amount done, rate and ETA. Shown only when stderr is a terminal, and
 * never when the command prints JSON (cli_progress_off). FAMFS_PROGRESS=
 * always draws it for any size and any stderr, =never never draws it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Smaller jobs finish before a progress line would help. */
#define PROGRESS_MIN_TOTAL (64ULL << 20)

bool cli_progress_off;

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1: FAMFS_PROGRESS=always, -1: =never, 0: unset or anything else. */
static int progress_env(void)
{
	const char *e = getenv("FAMFS_PROGRESS");

	if (e && !strcmp(e, "always"))
		return 1;
	if (e && !strcmp(e, "never"))
		return -1;
	return 0;
}

static void progress_draw(struct cli_progress *p, bool final)
{
	unsigned int pct = p->total ? (unsigned int)(p->done * 100 / p->total)
				    : 100;
	double el = now_sec() - p->start, rate, eta;
	char etabuf[32] = "";

	rate = el > 0 ? (double)p->done / el : 0;
	if (!final && rate > 0 && p->total > p->done) {
		eta = (double)(p->total - p->done) / rate;
		if (eta < 360000)
			snprintf(etabuf, sizeof(etabuf), " ETA %u:%02u:%02u",
				 (unsigned int)eta / 3600,
				 (unsigned int)eta / 60 % 60,
				 (unsigned int)eta % 60);
	} else if (final) {
		snprintf(etabuf, sizeof(etabuf), " in %.1f s", el);
	}
	/* \033[K: clear what a longer earlier line left behind. */
	if (p->unit)
		fprintf(stderr, "\r%s: %3u%% (%llu / %llu %s) %.0f %s/s%s\033[K",
			p->label, pct, (unsigned long long)p->done,
			(unsigned long long)p->total, p->unit, rate, p->unit,
			etabuf);
	else
		fprintf(stderr, "\r%s: %3u%% (%llu / %llu MiB) %.1f MiB/s%s\033[K",
			p->label, pct, (unsigned long long)(p->done >> 20),
			(unsigned long long)(p->total >> 20), rate / (1 << 20),
			etabuf);
	fflush(stderr);
}

void cli_progress_start_count(struct cli_progress *p, const char *label,
			      uint64_t total, const char *unit,
			      uint64_t min_total)
{
	int env = progress_env();

	cli_progress_start(p, label, total);
	p->unit = unit;
	p->min_total = env > 0 ? 0 : min_total;
}

void cli_progress_start(struct cli_progress *p, const char *label,
			uint64_t total)
{
	int env = progress_env();

	p->on = !cli_progress_off && env >= 0 &&
		(env > 0 || isatty(STDERR_FILENO));
	p->unit = NULL;
	p->min_total = env > 0 ? 0 : PROGRESS_MIN_TOTAL;
	p->label = label;
	p->total = total;
	p->done = 0;
	p->last = 0;
	p->start = now_sec();
	p->drawn = false;
}

void cli_progress_add(struct cli_progress *p, uint64_t n)
{
	double t;

	p->done += n;
	if (!p->on || p->total < p->min_total)
		return;
	t = now_sec();
	/* Redraw at most 10 times a second. */
	if (t - p->last < 0.1)
		return;
	p->last = t;
	p->drawn = true;
	progress_draw(p, false);
}

void cli_progress_end(struct cli_progress *p)
{
	if (!p->drawn)
		return;
	progress_draw(p, true);
	fputc('\n', stderr);
	p->drawn = false;
}
