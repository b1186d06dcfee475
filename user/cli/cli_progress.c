// SPDX-License-Identifier: GPL-2.0
/* Progress line for long copies; shown only when stderr is a terminal. */
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Smaller copies finish before a progress line would help. */
#define PROGRESS_MIN_TOTAL (64ULL << 20)

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_draw(struct cli_progress *p)
{
	unsigned int pct = p->total ? (unsigned int)(p->done * 100 / p->total)
				    : 100;

	fprintf(stderr, "\r%s: %3u%% (%llu / %llu MiB)", p->label, pct,
		(unsigned long long)(p->done >> 20),
		(unsigned long long)(p->total >> 20));
	fflush(stderr);
}

void cli_progress_start(struct cli_progress *p, const char *label,
			uint64_t total)
{
	p->on = isatty(STDERR_FILENO);
	p->label = label;
	p->total = total;
	p->done = 0;
	p->last = 0;
	p->drawn = false;
}

void cli_progress_add(struct cli_progress *p, uint64_t n)
{
	double t;

	p->done += n;
	if (!p->on || p->total < PROGRESS_MIN_TOTAL)
		return;
	t = now_sec();
	/* Redraw at most 10 times a second. */
	if (t - p->last < 0.1)
		return;
	p->last = t;
	p->drawn = true;
	progress_draw(p);
}

void cli_progress_end(struct cli_progress *p)
{
	if (!p->drawn)
		return;
	p->done = p->total;
	progress_draw(p);
	fputc('\n', stderr);
}
