# famfs top-level Makefile.
#   make            build user space (libfamfs, famfs, mkfs.famfs)
#   make check      install missing Debian packages, build, run every test suite
#   make demo       two emulated hosts share one memory: A formats and fills, B reads
#   make kernel     build (or reuse from cache) the minimal test kernel with famfs
#   make module KDIR=/lib/modules/$(uname -r)/build   out-of-tree fs/famfs
#   make module-install [KVER=...] [INSTALL_MOD_PATH=...]   famfs.ko + depmod
#   make install    programs, libfamfs, headers, man pages, units (PREFIX, DESTDIR)
#   make uninstall  the reverse (same PREFIX, DESTDIR)
#   make deb        Debian packages into build/debs (DEBDIR=...)
#   make kernel-deb Debian's 6.12 config + dax series + famfs as linux-image/
#                   linux-headers .debs (KDEB_DIR=...; hours on a small machine;
#                   run again, it resumes an interrupted build)

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
VERSION := $(shell cat VERSION)

.PHONY: all deps check check-user check-kasan demo kernel module module-clean \
	module-install install uninstall clean bench deb kernel-deb version

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

# modules_install puts famfs.ko under /lib/modules/$(KVER)/updates (kbuild's
# INSTALL_MOD_DIR for external modules is "extra"; updates/ wins over an
# in-tree famfs.ko). depmod -b honours INSTALL_MOD_PATH for staged installs.
module-install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/fs/famfs INSTALL_MOD_DIR=updates \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) \
		modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

module-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/fs/famfs clean

bench: all
	bash bench/run.sh

install: all
	$(MAKE) -C user install PREFIX=$(PREFIX)

uninstall:
	$(MAKE) -C user uninstall PREFIX=$(PREFIX)

version:
	@echo $(VERSION)

# Binary packages (famfs-tools, libfamfs1, libfamfs-dev, famfs-dkms) into
# $(DEBDIR), built by dpkg-buildpackage in a scratch copy of the tree.
DEBDIR ?= build/debs
deb:
	bash scripts/build-debs.sh $(DEBDIR)

KDEB_DIR ?= build/kernel-deb
kernel-deb:
	bash scripts/kernel/kernel-deb.sh --dir $(KDEB_DIR)

clean:
	$(MAKE) -C user clean
	rm -rf build/debs
