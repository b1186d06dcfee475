// SPDX-License-Identifier: GPL-2.0
/*
 * fsdev_mapper: a process that maps a famfs file, for the device removal
 * and memory failure checks of the devdax suite (40-vm-devdax).
 *
 *   fsdev_mapper hold FILE [SECONDS]
 *	map FILE (shared, read-write), write every page, print "mapped N",
 *	then read every page every 20 ms until a SIGBUS arrives or SECONDS
 *	(default 300) pass. On SIGBUS print "sigbus code=C" (C is si_code:
 *	4 BUS_MCEERR_AR, 5 BUS_MCEERR_AO, 2 BUS_ADRERR), then touch the
 *	mapping once more and print "refault sigbus code=C" or "refault
 *	readable". Exit 0 after a SIGBUS, 3 on timeout, 1 on errors.
 *
 *   fsdev_mapper poison FILE OFFSET
 *	map FILE, read the page at OFFSET, madvise(MADV_HWPOISON) it.
 *	Prints "poisoned" (and "sigbus code=C" if the kill reached us) or
 *	the madvise error. Exit 0 once madvise succeeded.
 *
 * Output is line buffered so a caller can poll it while we run.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

#define PAGE 4096UL

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_code = -1;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	siglongjmp(bus_jmp, 1);
}

static int fail(const char *what, const char *path)
{
	printf("error: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static char *map_file(const char *path, size_t *len)
{
	struct stat st;
	char *p;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &st)) {
		fail("open", path);
		return NULL;
	}
	*len = st.st_size & ~(PAGE - 1);
	if (!*len) {
		printf("error: %s is smaller than a page\n", path);
		close(fd);
		return NULL;
	}
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fail("mmap", path);
		return NULL;
	}
	return p;
}

/* Read one byte of every page; the sum keeps the loads. */
static unsigned long read_pages(volatile char *p, size_t len)
{
	unsigned long sum = 0;
	size_t off;

	for (off = 0; off < len; off += PAGE)
		sum += p[off];
	return sum;
}

static int hold(const char *path, int seconds)
{
	volatile char *p;
	time_t end;
	size_t len, off;

	p = map_file(path, &len);
	if (!p)
		return 1;
	end = time(NULL) + seconds;
	if (sigsetjmp(bus_jmp, 1) == 0) {
		for (off = 0; off < len; off += PAGE)
			p[off] = (char)(off / PAGE);
		printf("mapped %zu\n", len);
		while (time(NULL) < end) {
			read_pages(p, len);
			usleep(20000);
		}
		printf("timeout: no SIGBUS in %d s\n", seconds);
		return 3;
	}
	printf("sigbus code=%d\n", (int)bus_code);

	bus_code = -1;
	if (sigsetjmp(bus_jmp, 1) == 0) {
		read_pages(p, PAGE);
		printf("refault readable\n");
	} else {
		printf("refault sigbus code=%d\n", (int)bus_code);
	}
	return 0;
}

static int poison(const char *path, const char *offset)
{
	volatile char *p;
	size_t len, off;

	off = strtoul(offset, NULL, 0) & ~(PAGE - 1);
	p = map_file(path, &len);
	if (!p)
		return 1;
	if (off >= len) {
		printf("error: offset %zu is past the mapping (%zu)\n", off, len);
		return 1;
	}
	/* famfs kills the mappers of the page: that includes us. */
	if (sigsetjmp(bus_jmp, 1) == 0) {
		(void)p[off];
		if (madvise((char *)p + off, PAGE, MADV_HWPOISON))
			return fail("madvise(MADV_HWPOISON)", path);
		printf("poisoned\n");
	} else {
		printf("poisoned\nsigbus code=%d\n", (int)bus_code);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus,
				.sa_flags = SA_SIGINFO | SA_NODEFER };

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGBUS, &sa, NULL);
	if (argc >= 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2], argc > 3 ? atoi(argv[3]) : 300);
	if (argc == 4 && !strcmp(argv[1], "poison"))
		return poison(argv[2], argv[3]);
	fputs("usage: fsdev_mapper hold FILE [SECONDS]\n"
	      "       fsdev_mapper poison FILE OFFSET\n", stderr);
	return 2;
}
