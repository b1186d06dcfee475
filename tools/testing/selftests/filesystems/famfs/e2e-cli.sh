#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# famfs end-to-end through the command line tools, in a test guest:
# mkfs.famfs, famfs mount, creat -r -S (several sizes, one interleaved),
# cp -r of a real tree, verify and cmp everything, umount, mount again (log
# replay rebuilds the namespace), verify again, fsck and check clean.
#
# Env: FAMFS_TEST_DEV (else FAMFS_DEV, else /dev/pmem0), FAMFS_TEST_MPT
# (/mnt/famfs), E2E_TREE (the tree to copy, default /opt/famfs-tests).
# Output: TAP, then "N passed, N failed, N skipped"; exit 1 on failure.
# POSIX sh: the guest has busybox, not bash.
# shellcheck disable=SC2317,SC2044 # checks run indirectly through t()

DEV=${FAMFS_TEST_DEV:-${FAMFS_DEV:-/dev/pmem0}}
MPT=${FAMFS_TEST_MPT:-/mnt/famfs}
TREE=${E2E_TREE:-/opt/famfs-tests}
LOG=${TMPDIR:-/tmp}/e2e-cli.$$.log

n=0 pass=0 fail=0 skip=0

finish() {
	echo "1..$n"
	echo "$pass passed, $fail failed, $skip skipped"
	rm -f "$LOG"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
	exit $?
}

# t NAME CMD...: run CMD, one TAP line; its output is shown on failure.
# (The checks below use their own variables: t's are prefixed t_.)
t() {
	t_name=$1
	shift
	n=$((n + 1))
	"$@" >"$LOG" 2>&1
	t_rc=$?
	if [ "$t_rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - $t_name"
		return 0
	fi
	fail=$((fail + 1))
	echo "not ok $n - $t_name (exit $t_rc)"
	sed 's/^/#   /' "$LOG" | tail -n 20
	return 1
}

skip_test() {
	n=$((n + 1))
	skip=$((skip + 1))
	echo "ok $n - $1 # SKIP $2"
}

for prog in famfs mkfs.famfs cmp; do
	if ! command -v "$prog" >/dev/null 2>&1; then
		skip_test e2e-cli "$prog is not on PATH"
		finish
	fi
done
if [ ! -e "$DEV" ]; then
	skip_test e2e-cli "device $DEV missing"
	finish
fi

# name size seed [creat options]: the seeded files
FILES="one 1 11
page 4096 12
au 2m 13
au-plus-one 2097153 14
odd 3145729 15
big 64m 16
il 30m 17 -N 3 -C 2m"

mounted() { grep -q " $MPT famfs " /proc/mounts; }
not_mounted() { ! grep -q " $MPT " /proc/mounts; }

creat_all() {
	while read -r name size seed opts; do
		# shellcheck disable=SC2086 # opts are several words
		famfs creat -r -S "$seed" -s "$size" $opts "$MPT/seeded/$name" ||
			{ echo "creat $name failed"; return 1; }
	done <<-LIST
	$FILES
	LIST
}

verify_all() {
	while read -r name size seed opts; do
		famfs verify -S "$seed" -f "$MPT/seeded/$name" ||
			{ echo "verify $name failed"; return 1; }
	done <<-LIST
	$FILES
	LIST
}

sizes_ok() {
	while read -r name size seed opts; do
		case $size in
		*m) want=$((${size%m} * 1048576)) ;;
		*) want=$size ;;
		esac
		got=$(stat -c %s "$MPT/seeded/$name")
		[ "$got" = "$want" ] ||
			{ echo "$name: size $got, want $want"; return 1; }
	done <<-LIST
	$FILES
	LIST
}

# every regular file of the tree, byte for byte, through read and mmap
cmp_tree() {
	count=0
	for f in $(cd "$TREE" && find . -type f); do
		cmp "$TREE/$f" "$MPT/copy/$(basename "$TREE")/$f" ||
			{ echo "$f differs"; return 1; }
		count=$((count + 1))
	done
	[ "$count" -gt 0 ] || { echo "no files compared"; return 1; }
	echo "$count files equal"
}

chkread_all() {
	for f in $(find "$MPT/seeded" "$MPT/copy" -type f); do
		famfs chkread "$f" || { echo "chkread $f failed"; return 1; }
	done
}

interleaved() {
	famfs getmap "$MPT/seeded/il" | grep -qi 'interleav\|strip'
}

modprobe famfs >/dev/null 2>&1
umount "$MPT" >/dev/null 2>&1
mkdir -p "$MPT"

t "mkfs.famfs -f $DEV" mkfs.famfs -f "$DEV" || finish
t "famfs mount" famfs mount "$DEV" "$MPT" || finish
t "mounted as famfs" mounted
mkdirs() { famfs mkdir -p "$MPT/seeded" && famfs mkdir "$MPT/copy"; }
t "famfs mkdir" mkdirs
t "creat -r -S of 7 files, one interleaved" creat_all
t "file sizes" sizes_ok
t "interleaved map (getmap)" interleaved
t "verify seeded files" verify_all
t "cp -r $TREE" famfs cp -r "$TREE" "$MPT/copy"
t "copied tree equal (cmp)" cmp_tree
t "chkread (read == mmap) every file" chkread_all
t "fsck (mounted) clean" famfs fsck "$MPT"
t "check clean" famfs check "$MPT"
t "umount" umount "$MPT"
t "not mounted after umount" not_mounted
t "fsck (device) clean" famfs fsck "$DEV"
t "famfs mount again (log replay)" famfs mount "$DEV" "$MPT" || finish
t "sizes after replay" sizes_ok
t "verify after replay" verify_all
t "copied tree equal after replay" cmp_tree
t "fsck after replay clean" famfs fsck "$MPT"
t "check after replay clean" famfs check "$MPT"
t "final umount" umount "$MPT"
finish
