# SPDX-License-Identifier: GPL-2.0
# Sourced by build-kernel.sh and kernel-deb.sh: how fs/famfs joins a
# linux-source-6.12 tree (the series in drivers/dax/patches carries the
# dax side; fs/famfs is not a patch because it is developed here).

# famfs_kbuild_hook SRC: source fs/famfs/Kconfig from fs/Kconfig and build
# fs/famfs from fs/Makefile. Idempotent; returns non-zero if it failed.
famfs_kbuild_hook() {
	local src=$1
	grep -qxF 'source "fs/famfs/Kconfig"' "$src/fs/Kconfig" ||
		sed -i '\|^source "fs/ext4/Kconfig"$|a source "fs/famfs/Kconfig"' "$src/fs/Kconfig"
	grep -qxF 'obj-$(CONFIG_FAMFS)		+= famfs/' "$src/fs/Makefile" ||
		echo 'obj-$(CONFIG_FAMFS)		+= famfs/' >>"$src/fs/Makefile"
	grep -qxF 'source "fs/famfs/Kconfig"' "$src/fs/Kconfig"
}

# famfs_kbuild_unhook SRC: the reverse.
famfs_kbuild_unhook() {
	local src=$1
	sed -i '\|^source "fs/famfs/Kconfig"$|d' "$src/fs/Kconfig"
	sed -i '\|^obj-$(CONFIG_FAMFS)[[:space:]]*+= famfs/$|d' "$src/fs/Makefile"
}
