#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# include/uapi/linux/famfs_ioctl.h speaks the famfs tools' names: a program
# written against them compiles warning-free and sees KABI 43's layout, on
# x86_64 and (with gcc-multilib) on i386. famfs.h-style on-media magic must
# stay the tools' own: the header must not define FAMFS_SUPER_MAGIC.
. "$(dirname "$0")/tap-lib.bash"

here=$(cd "$(dirname "$0")/.." && pwd)
inc=$(cd "$here/../../include/uapi" && pwd)
src=$here/uapi/upstream_names.c
CC=${CC:-cc}

for abi in 64 32; do
	bin=$T/upstream_names.$abi
	if ! "$CC" -m$abi -std=gnu11 -Wall -Wextra -Werror -I"$inc" -o "$bin" \
		"$src" >"$OUT" 2>"$ERR"; then
		if [ $abi = 32 ] && grep -q "gnu/stubs-32.h\|libc-header-start.h\|cannot find -lgcc\|skipping incompatible" "$ERR"; then
			skip "a program using upstream's names builds for i386" "no 32-bit libc (gcc-multilib)"
			continue
		fi
		cat "$ERR"
		check 1 "a program using upstream's names builds for -m$abi"
		continue
	fi
	ok "a program using upstream's names builds for -m$abi"
	"$bin" >"$OUT" 2>&1
	rc=$?
	if [ $rc = 126 ] && grep -q "Exec format error" "$OUT"; then
		skip "its run-time checks hold for -m$abi" \
			"this kernel cannot run i386 programs (the layout asserts passed at build time)"
		continue
	fi
	sed 's/^/# /' "$OUT"
	check $rc "its layout and ioctl numbers hold for -m$abi"
done

printf '#include <linux/famfs_ioctl.h>\n#define FAMFS_SUPER_MAGIC 0x87b282ff\nint main(void) { return FAMFS_SUPER_MAGIC == 0; }\n' >"$T/magic.c"
"$CC" -std=gnu11 -Wall -Werror -I"$inc" -o "$T/magic" "$T/magic.c" 2>"$ERR"
check $? "the tools' own FAMFS_SUPER_MAGIC (on-media 0x87b282ff) does not clash"
done_testing
