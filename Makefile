# famfs top-level Makefile.
#   make            build user space (libfamfs, famfs, mkfs.famfs)
#   make check      install missing Debian packages, build, run every test suite
#   make demo       two emulated hosts share one memory: A formats and fills, B reads
#   make kernel     build (or reuse from cache) the minimal test kernel with famfs
#   make module KDIR=/lib/modules/$(uname -r)/build   out-of-tree fs/famfs
#   make install    binaries and man pages

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local

.PHONY: all deps check check-user check-kasan demo kernel module module-clean \
	install clean bench

all:
	$(MAKE) -C user

deps:
	bash scripts/install-deps.sh

check: deps
	$(MAKE) all
	bash scripts/run-suites.sh

check-user: all
	bash scripts/run-suites.sh user

check-kasan: deps
	KASAN=1 bash scripts/run-suites.sh vm

demo: deps
	$(MAKE) all
	bash tools/testing/multihost/demo.sh

kernel:
	KASAN=$(KASAN) bash scripts/kernel/build-kernel.sh

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/fs/famfs \
		EXTRA_CFLAGS=-I$(CURDIR)/include/uapi modules

module-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/fs/famfs clean

bench: all
	bash bench/run.sh

install: all
	$(MAKE) -C user install PREFIX=$(PREFIX)

clean:
	$(MAKE) -C user clean
