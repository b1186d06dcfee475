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
# shellcheck disable=SC2317,SC2044 # checks run indirectly through tc()

DEV=${FAMFS_TEST_DEV:-${FAMFS_DEV:-/dev/pmem0}}
MPT=${FAMFS_TEST_MPT:-/mnt/famfs}
TREE=${E2E_TREE:-/opt/famfs-tests}
# tap-online.sh (installed next to this script; in the source tree it is
# user/tests/cli/tap-online.sh): tc NAME CMD... runs a check, one TAP line.
TAP_LIB=$(dirname "$0")/tap-online.sh
[ -f "$TAP_LIB" ] || TAP_LIB=$(dirname "$0")/../../../../../user/tests/cli/tap-online.sh
# shellcheck source=user/tests/cli/tap-online.sh
. "${TAP_ONLINE_LIB:-$TAP_LIB}"

end_tests() {
	tap_summary
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit $?
}

for prog in famfs mkfs.famfs cmp; do
	if ! command -v "$prog" >/dev/null 2>&1; then
		tap_skip e2e-cli "$prog is not on PATH"
		end_tests
	fi
done
if [ ! -e "$DEV" ]; then
	tap_skip e2e-cli "device $DEV missing"
	end_tests
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

tc "mkfs.famfs -f $DEV" mkfs.famfs -f "$DEV" || end_tests
tc "famfs mount" famfs mount "$DEV" "$MPT" || end_tests
tc "mounted as famfs" mounted
mkdirs() { famfs mkdir -p "$MPT/seeded" && famfs mkdir "$MPT/copy"; }
tc "famfs mkdir" mkdirs
tc "creat -r -S of 7 files, one interleaved" creat_all
tc "file sizes" sizes_ok
tc "interleaved map (getmap)" interleaved
tc "verify seeded files" verify_all
tc "cp -r $TREE" famfs cp -r "$TREE" "$MPT/copy"
tc "copied tree equal (cmp)" cmp_tree
tc "chkread (read == mmap) every file" chkread_all
tc "fsck (mounted) clean" famfs fsck "$MPT"
tc "check clean" famfs check "$MPT"
tc "umount" umount "$MPT"
tc "not mounted after umount" not_mounted
tc "fsck (device) clean" famfs fsck "$DEV"
tc "famfs mount again (log replay)" famfs mount "$DEV" "$MPT" || end_tests
tc "sizes after replay" sizes_ok
tc "verify after replay" verify_all
tc "copied tree equal after replay" cmp_tree
tc "fsck after replay clean" famfs fsck "$MPT"
tc "check after replay clean" famfs check "$MPT"
tc "final umount" umount "$MPT"
end_tests
