#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lib/flush.c (famfs_flush, famfs_invalidate) builds on its own, natively
# and for arm64, where it must use DC CVAC / DC CIVAC by the CTR_EL0 line
# size and end with DSB; the arm64 program runs under qemu-aarch64.
# Cross tools: scripts/install-deps.sh installs them (clang plus the arm64
# C library; gcc-aarch64-linux-gnu is used instead when it is there).
. "$(dirname "$0")/tap-lib.bash"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
WFLAGS=(-std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -I"$SRC/lib")
PROG=("$SRC/lib/flush.c" "$SRC/tests/flush/flush_main.c")

run "${CC:-cc}" "${WFLAGS[@]}" -o "$T/flush-native" "${PROG[@]}"
check $RC "flush.c builds alone, natively, with -Werror"
expect_rc_msg 0 "^flush ok: " "the native program flushes and invalidates a shared mapping" \
	"$T/flush-native" "$T"

# An arm64 cross compiler that can link a static program.
cross=()
probe() {
	printf 'int main(void){return 0;}\n' >"$T/probe.c"
	"$@" -static -o "$T/probe" "$T/probe.c" >/dev/null 2>&1
}
if [ -n "${CROSS_CC:-}" ]; then
	read -r -a cross <<<"$CROSS_CC"
elif command -v aarch64-linux-gnu-gcc >/dev/null && probe aarch64-linux-gnu-gcc; then
	cross=(aarch64-linux-gnu-gcc)
elif command -v clang >/dev/null && probe clang --target=aarch64-linux-gnu; then
	cross=(clang --target=aarch64-linux-gnu)
fi

if [ ${#cross[@]} -eq 0 ]; then
	why="no arm64 cross compiler (aarch64-linux-gnu-gcc, or clang with libc6-dev-arm64-cross and libgcc-12-dev-arm64-cross; see scripts/install-deps.sh)"
	skip "flush.c cross-builds for arm64 with -Werror" "$why"
	skip "the arm64 build uses DC CVAC, DC CIVAC, CTR_EL0 and DSB" "$why"
	skip "the arm64 program runs under qemu-aarch64" "$why"
	done_testing
fi

run "${cross[@]}" "${WFLAGS[@]}" -static -o "$T/flush-arm64" "${PROG[@]}"
{ [ "$RC" -eq 0 ] && LC_ALL=C readelf -h "$T/flush-arm64" | grep -q "Machine: *AArch64"; }
check $? "flush.c cross-builds for arm64 with -Werror (${cross[*]})"

objdump=""
for o in aarch64-linux-gnu-objdump llvm-objdump llvm-objdump-14; do
	command -v "$o" >/dev/null && { objdump=$o; break; }
done
if [ -n "$objdump" ] && [ -s "$T/flush-arm64" ]; then
	"${cross[@]}" "${WFLAGS[@]}" -c -o "$T/flush-arm64.o" "$SRC/lib/flush.c" 2>"$ERR"
	"$objdump" -d "$T/flush-arm64.o" >"$OUT" 2>>"$ERR"
	grep -Eiq "dc[[:space:]]+cvac" "$OUT" && grep -Eiq "dc[[:space:]]+civac" "$OUT" &&
		grep -Eiq "mrs[[:space:]].*ctr_el0" "$OUT" && grep -Eiq "dsb[[:space:]]+sy" "$OUT"
	check $? "the arm64 build uses DC CVAC, DC CIVAC, CTR_EL0 and DSB SY ($objdump)"
else
	skip "the arm64 build uses DC CVAC, DC CIVAC, CTR_EL0 and DSB" "no arm64 objdump (binutils-aarch64-linux-gnu)"
fi

qemu=""
for q in qemu-aarch64 qemu-aarch64-static; do
	command -v "$q" >/dev/null && { qemu=$q; break; }
done
if [ -z "$qemu" ]; then
	skip "the arm64 program runs under qemu-aarch64" "qemu-aarch64 not installed (qemu-user)"
elif [ ! -s "$T/flush-arm64" ]; then
	not_ok "the arm64 program runs under qemu-aarch64 (it did not build)"
else
	expect_rc_msg 0 "^flush ok: arm64, cache line [0-9]+ bytes" \
		"the arm64 program flushes and invalidates a shared mapping under $qemu" \
		"$qemu" "$T/flush-arm64" "$T"
	sed 's/^/# /' "$OUT"
fi

done_testing
