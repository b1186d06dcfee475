// SPDX-License-Identifier: GPL-2.0
/*
 * A module that exports one symbol, so that kbuild records its CRC (a
 * #SYMVER line in .symvers_probe.o.cmd) after compiling it: the step that
 * a kill can separate from the compile.
 */
#include <linux/module.h>

int famfs_symvers_probe(int x);

int famfs_symvers_probe(int x)
{
	return x + 1;
}
EXPORT_SYMBOL_GPL(famfs_symvers_probe);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("famfs test: an exported symbol for kbuild-symvers.sh");
