#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# famfs CLI on a mounted file system (needs root, the famfs module and a
# pmem/dax device: FAMFS_TEST_DEV or FAMFS_DEV). Elsewhere it SKIPs.
# POSIX sh, so that it also runs in the busybox test guests:
#   tools/testing/vm/famfsvm.py exec --kernel stock \
#       --extra user/tests/cli/07-online.sh:/opt/07-online.sh \
#       --extra user/tests/cli/tap-online.sh:/opt/tap-online.sh -- /opt/07-online.sh
# Covers what the selftests' e2e-cli.sh does not: refusals while mounted,
# check finding map-less files, logplay (dry run, re-creating a removed file),
# mount.famfs, mkmeta, name limits, restartable cp, clone refused on a mount.

DEV=${FAMFS_TEST_DEV:-${FAMFS_DEV:-}}
MPT=${FAMFS_TEST_MPT:-/mnt/famfs-cli}
if [ -n "${BUILD:-}" ]; then
	FAMFS=$BUILD/famfs MKFS=$BUILD/mkfs.famfs MOUNTF=$BUILD/mount.famfs
else
	FAMFS=famfs MKFS=mkfs.famfs MOUNTF=mount.famfs
fi
TAP_TITLE="famfs CLI on a mount"
# shellcheck source=user/tests/cli/tap-online.sh
. "${TAP_ONLINE_LIB:-$(dirname "$0")/tap-online.sh}"
tap_cleanup() {
	[ -n "${DAXNAME:-}" ] && [ "${DAXDRV0:-}" != fsdev_dax ] || return 0
	echo "$DAXNAME" >/sys/bus/dax/drivers/fsdev_dax/remove_id 2>/dev/null
	echo "$DAXNAME" >/sys/bus/dax/drivers/fsdev_dax/unbind 2>/dev/null
	echo "$DAXNAME" >/sys/bus/dax/drivers/device_dax/bind 2>/dev/null
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -n "$DEV" ] && [ -e "$DEV" ] || skip_all "no famfs device (set FAMFS_TEST_DEV)"
modprobe famfs >/dev/null 2>&1
grep -qw famfs /proc/filesystems || skip_all "famfs kernel module not available"

umount "$MPT" >/dev/null 2>&1
mkdir -p "$MPT"
t "mkfs.famfs -f" 0 "$MKFS" -f "$DEV" || finish
# A character dax device is formatted raw (device_dax), then mounted in
# fsdev mode (drivers/dax/README).
DAXNAME=
case $DEV in
/dev/dax*)
	DAXNAME=${DEV#/dev/}
	modprobe fsdev_dax >/dev/null 2>&1
	if [ ! -d /sys/bus/dax/drivers/fsdev_dax ]; then
		echo "ok 2 - mount $DEV # SKIP no fsdev_dax driver"
		n=2
		finish
	fi
	# Leave the device in the mode it was found in (the devdax suite
	# runs this with the device already in fsdev mode).
	DAXDRV0=$(basename "$(readlink "/sys/bus/dax/devices/$DAXNAME/driver")")
	if [ "$DAXDRV0" != fsdev_dax ]; then
		echo "$DAXNAME" >/sys/bus/dax/drivers/device_dax/unbind 2>/dev/null
		echo "$DAXNAME" >/sys/bus/dax/drivers/fsdev_dax/new_id
	fi
	;;
esac
t "famfs mount" 0 "$FAMFS" mount "$DEV" "$MPT" || finish
t "a second mount is refused" 4 "$FAMFS" mount "$DEV" "$W"
t "mkfs.famfs of the mounted device is refused (exit 4)" 4 "$MKFS" -f "$DEV"
tg "mkfs names the mount point" "mounted on"
t "offline mkdir on the mounted device is refused (exit 4)" 4 "$FAMFS" mkdir --device "$DEV" x
tg "the refusal names the mount" "mounted on $MPT"
t "offline getmap on the mounted device is refused (exit 4)" 4 "$FAMFS" getmap --device "$DEV" x

t "mkdir -p" 0 "$FAMFS" mkdir -p "$MPT/a/b"
t "creat -r -S 3" 0 "$FAMFS" creat -s 5m -r -S 3 "$MPT/a/b/f"
t "verify" 0 "$FAMFS" verify -S 3 -f "$MPT/a/b/f"
t "verify, wrong seed: exit 3" 3 "$FAMFS" verify -S 4 -f "$MPT/a/b/f"
t "creat same size is a no-op" 0 "$FAMFS" creat -s 5m "$MPT/a/b/f"
t "creat other size fails" 2 "$FAMFS" creat -s 6m "$MPT/a/b/f"
t "getmap" 0 "$FAMFS" getmap "$MPT/a/b/f"
tg "getmap shows the 6 MiB extent" "len 0x600000"
t "getmap --json" 0 "$FAMFS" getmap --json "$MPT/a/b/f"

# A log append on a mount is written back by the CPU (clflush). An msync of
# the DAX meta files would make the kernel write back each dirty 2 MiB
# entry again, per append (3 per creat before the fix). An fsync of the
# log is the control: the entries the creats dirtied are still dirty in
# the kernel, and the trace sees their write-back.
TRC=/sys/kernel/tracing
[ -e "$TRC/trace" ] || mount -t tracefs nodev "$TRC" 2>/dev/null
WBI=$TRC/instances/famfs_online_wb
WBE=events/fs_dax/dax_writeback_range/enable
if mkdir "$WBI" 2>/dev/null && echo 1 >"$WBI/$WBE" 2>/dev/null; then
	for i in 1 2 3; do "$FAMFS" creat -s 4k "$MPT/wb$i" >/dev/null 2>&1; done
	nwb=$(grep -c 'dax_writeback_range:' "$WBI/trace")
	if [ "$nwb" = 0 ] && [ -f "$MPT/wb3" ]; then
		ok "3 creats on the mount: no kernel DAX write-back"
	else
		bad "3 creats on the mount: $nwb kernel DAX write-backs"
	fi
	dd if=/dev/null of="$MPT/.meta/.log" conv=notrunc,fsync 2>/dev/null
	nwb=$(grep -c 'dax_writeback_range:' "$WBI/trace")
	if [ "$nwb" -gt 0 ]; then
		ok "fsync of the log: the trace sees the kernel's DAX write-back"
	else
		bad "fsync of the log: no DAX write-back traced"
	fi
	echo 0 >"$WBI/$WBE"
	rmdir "$WBI"
else
	rmdir "$WBI" 2>/dev/null
	tap_skip "no kernel DAX write-back on creat" "no fs_dax tracepoints"
	tap_skip "fsync of the log traced" "no fs_dax tracepoints"
fi
tg "getmap --json output" '"ext_type":"simple"'

# creat -M holds no file descriptor per file until the end: 100 empty and
# 40 filled files under a limit of 32 descriptors.
t "mkdir for -M" 0 "$FAMFS" mkdir "$MPT/m"
i=0 margs= fargs=
while [ $i -lt 100 ]; do
	margs="$margs -M $MPT/m/e$i,4096"
	[ $i -lt 40 ] && fargs="$fargs -M $MPT/m/r$i,8192,$((i + 1))"
	i=$((i + 1))
done
t "creat -M of 100 files with 32 fds" 0 sh -c "ulimit -n 32 && $FAMFS creat $margs"
t "creat -M of 40 filled files with 32 fds" 0 sh -c "ulimit -n 32 && $FAMFS creat $fargs"
t "a filled -M file verifies" 0 "$FAMFS" verify -S 40 -f "$MPT/m/r39"

t "chkread" 0 "$FAMFS" chkread "$MPT/a/b/f"
t "flush" 0 "$FAMFS" flush "$MPT/a/b/f"
p80=a/$(printf '%078d' 0)
t "creat of an 80-byte relpath: exit 2" 2 "$FAMFS" creat -s 1m "$MPT/$p80"
tg "ENAMETOOLONG message" "too long"
if [ -e "$MPT/$p80" ]; then bad "no half-made file for the long name"; else ok "no half-made file for the long name"; fi

# cp, restartable
mkdir -p "$W/src/d"
head -c 3000000 /dev/urandom >"$W/src/d/x"
echo small >"$W/src/y"
t "cp -r" 0 "$FAMFS" cp -r "$W/src" "$MPT/a"
t "cp -r again (restart)" 0 "$FAMFS" cp -r "$W/src" "$MPT/a"
if cmp "$W/src/d/x" "$MPT/a/src/d/x" >"$W/log" 2>&1; then ok "copied bytes equal"; else bad "copied bytes equal"; fi

# cp writes a file under 2 MiB with write(2): the kernel's flushcache copy
# (non-temporal stores) must carry every byte, and an fsync must fence
# them (famfs_dev_fence) before the log names the file; without the fence
# another host may read the log entry before the data.
NTI=$TRC/instances/famfs_online_nt
KPE=$TRC/kprobe_events
mkdir -p "$W/nt"
head -c 5000 /dev/urandom >"$W/nt/n1"
head -c 70000 /dev/urandom >"$W/nt/n2"
head -c 1048575 /dev/urandom >"$W/nt/n3"
# Debian's 6.12 refuses a kprobe on _copy_from_iter_flushcache: each
# probe is added, and checked, on its own.
have_nt=0 have_fe=0
if [ -w "$KPE" ]; then
	echo 'p:famfs_cp/nt _copy_from_iter_flushcache size=%si:u64' >>"$KPE" 2>/dev/null && have_nt=1
	echo 'p:famfs_cp/fence famfs_dev_fence' >>"$KPE" 2>/dev/null && have_fe=1
fi
if [ $((have_nt + have_fe)) -gt 0 ] && mkdir "$NTI" 2>/dev/null &&
	echo 'comm == "famfs"' >"$NTI/events/famfs_cp/filter" &&
	echo 1 >"$NTI/events/famfs_cp/enable"; then
	t "cp of 3 small files" 0 "$FAMFS" cp "$W/nt/n1" "$W/nt/n2" "$W/nt/n3" "$MPT/a"
	echo 0 >"$NTI/events/famfs_cp/enable"
	ntb=$(sed -n 's/.* nt: .*size=\([0-9]*\).*/\1/p' "$NTI/trace" |
		awk '{ s += $1 } END { print s + 0 }')
	nfe=$(grep -c ' fence: ' "$NTI/trace")
	if [ $have_nt = 0 ]; then
		tap_skip "cp through the flushcache copy" "the kernel refuses a kprobe on _copy_from_iter_flushcache"
	elif [ "$ntb" = $((5000 + 70000 + 1048575)) ]; then
		ok "cp: all 1123575 bytes went through the flushcache copy"
	else
		bad "cp: $ntb bytes through the flushcache copy, want 1123575"
	fi
	if [ $have_fe = 0 ]; then
		tap_skip "cp fences its writes" "the kernel refuses a kprobe on famfs_dev_fence"
	elif [ "$nfe" -ge 3 ]; then
		ok "cp: $nfe device fences for 3 files written with write(2)"
	else
		bad "cp: $nfe device fences for 3 files written with write(2)"
	fi
else
	tap_skip "cp of 3 small files" "no kprobe events"
	tap_skip "cp through the flushcache copy" "no kprobe events"
	tap_skip "cp fences its writes" "no kprobe events"
	"$FAMFS" cp "$W/nt/n1" "$W/nt/n2" "$W/nt/n3" "$MPT/a" >/dev/null 2>&1
fi
if cmp "$W/nt/n3" "$MPT/a/n3" >"$W/log" 2>&1; then ok "small copy equal"; else bad "small copy equal"; fi
rmdir "$NTI" 2>/dev/null
echo '-:famfs_cp/nt' >>"$KPE" 2>/dev/null
echo '-:famfs_cp/fence' >>"$KPE" 2>/dev/null

# threads: data copied through online mappings by 4 workers
mkdir -p "$W/many"
i=0
while [ $i -lt 12 ]; do
	head -c $((i * 300000 + 1)) /dev/urandom >"$W/many/f$i"
	i=$((i + 1))
done
t "cp -r -t 4" 0 "$FAMFS" cp -r -t 4 "$W/many" "$MPT/many"
i=0 same=0
while [ $i -lt 12 ]; do
	cmp -s "$W/many/f$i" "$MPT/many/f$i" || same=1
	i=$((i + 1))
done
[ $same -eq 0 ] && ok "cp -t 4: every file equal" || bad "cp -t 4: every file equal"

# interleaved online
# A source that shrinks while it is copied (issue 12): an error, and no
# trace in the log or the mount. shrink_src (user/tests/cli/shrink_src.c,
# installed with the selftests) cuts the file at its first read.
if command -v shrink_src >/dev/null 2>&1; then
	t "cp of a source that shrinks mid-copy: exit 2" 2 shrink_src "$W/shrinking" 1073741824 1048576 "$FAMFS" cp "$W/shrinking" "$MPT/shrunk"
	tg "... says it shrank" "shrank while being copied"
	[ ! -e "$MPT/shrunk" ] && ok "... the partial file is gone from the mount" || bad "... the partial file is gone from the mount"
	t "... logplay -n: nothing to replay" 0 "$FAMFS" logplay -n "$MPT"
	t "... fsck clean" 0 "$FAMFS" fsck "$MPT"
	head -c 20000000 /dev/urandom >"$W/stable"
	t "... the name and memory serve a good copy" 0 "$FAMFS" cp "$W/stable" "$MPT/shrunk"
	if cmp "$W/stable" "$MPT/shrunk" >"$W/log" 2>&1; then ok "... which reads back equal"; else bad "... which reads back equal"; fi
else
	tap_skip "cp of a shrinking source" "no shrink_src helper"
fi

t "creat -N 2 -C 2m -r (interleaved)" 0 "$FAMFS" creat -N 2 -C 2m -s 9m -r -S 8 "$MPT/striped"
t "verify the interleaved file" 0 "$FAMFS" verify -S 8 -f "$MPT/striped"
t "getmap of the interleaved file" 0 "$FAMFS" getmap "$MPT/striped"
tg "getmap shows 2 strips" "interleaved, 2 strips"
t "chkread of the interleaved file" 0 "$FAMFS" chkread "$MPT/striped"

# check: a file created behind famfs's back has no map
t "check: all files mapped" 0 "$FAMFS" check "$MPT"
: >"$MPT/rogue"
t "check finds a file without a map: exit 3" 3 "$FAMFS" check "$MPT"
tg "check names it" "rogue"
rm -f "$MPT/rogue"

# logplay: nothing to do, then re-create a removed file from the log
t "logplay -n on an up-to-date mount" 0 "$FAMFS" logplay -n "$MPT"
if grep -q "would create" "$W/log"; then bad "dry run plans nothing"; else ok "dry run plans nothing"; fi
# What the log made is not removed locally (the next replay would undo it):
# rm, rmdir and mv fail with EPERM; the files stay intact.
t "rm of a mapped file is refused" 1 rm -f "$MPT/a/b/f"
tg "rm says why" "Operation not permitted"
t "rmdir of a directory is refused" 1 rmdir "$MPT/a/b"
t "mv of a mapped file is refused" 1 mv "$MPT/a/b/f" "$MPT/a/b/g"
t "the file is intact after the refusals" 0 "$FAMFS" verify -S 3 -f "$MPT/a/b/f"
t "logplay --client" 0 "$FAMFS" logplay --client "$MPT"
tg "it reports the client replay" "client"
t "fsck of the mount is clean" 0 "$FAMFS" fsck "$MPT"
t "fsck of the mounted device goes through the mount" 0 "$FAMFS" fsck "$DEV"
t "mkmeta with existing meta files" 0 "$FAMFS" mkmeta "$DEV"

# remount through mount.famfs (argv[0] dispatch): the log rebuilds everything
t "umount" 0 umount "$MPT"
t "mount.famfs DEV MPT" 0 "$MOUNTF" "$DEV" "$MPT"
t "verify after remount" 0 "$FAMFS" verify -S 3 -f "$MPT/a/b/f"
if cmp "$W/src/d/x" "$MPT/a/src/d/x" >"$W/log" 2>&1; then ok "copy intact after remount"; else bad "copy intact after remount"; fi
grep " $MPT famfs " /proc/mounts >"$W/log"
tg "a mount is nosuid by default" "[ ,]nosuid[ ,]"

# fstab-style options, as mount(8) hands them to the helper: VFS flags become
# mount attributes, fstab-only options are dropped, famfs's own reach it.
t "umount before the fstab options" 0 umount "$MPT"
t "mount.famfs -o rw,nodev,noexec,noatime,nofail,_netdev,x-systemd.requires=/,mode=0711" 0 \
	"$MOUNTF" "$DEV" "$MPT" -o rw,nodev,noexec,noatime,nofail,_netdev,x-systemd.requires=/,mode=0711
grep " $MPT famfs " /proc/mounts >"$W/log"
tg "the VFS flags are on the mount" "nosuid,nodev,noexec,noatime"
tg "famfs's own option reached the kernel" "mode=711"
t "umount after the fstab options" 0 umount "$MPT"
t "an unknown option is refused with the kernel's reason" 2 "$FAMFS" mount -o bogus_opt "$DEV" "$MPT"
tg "the reason names the option" "bogus_opt"
t "mount.famfs -o suid overrides the nosuid default" 0 "$MOUNTF" "$DEV" "$MPT" -o suid
grep " $MPT famfs " /proc/mounts >"$W/log"
if grep -q "nosuid" "$W/log"; then bad "suid: no nosuid on the mount"; else ok "suid: no nosuid on the mount"; fi

# clone is an offline tool: it never cross-links files in a mount
t "clone on a mount is refused (exit 1)" 1 "$FAMFS" clone "$MPT/a/b/f" "$MPT/a/clone"
t "fsck after the refused clone: clean" 0 "$FAMFS" fsck "$MPT"
finish
