#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# famfs rm on a mounted file system (delete feature, user/FORMAT-delete.md):
# the kernel drops the name (FAMFSIOC_DELETE), an open file keeps its memory
# pending (FAMFSIOC_PENDING) until it is closed, the host record says so, and
# an evicted host shuts its mount down (FAMFSIOC_SHUTDOWN). Needs root, the
# famfs module with the delete ioctls and a device (FAMFS_TEST_DEV or
# FAMFS_DEV); elsewhere it SKIPs. POSIX sh (busybox guests):
#   tools/testing/vm/famfsvm.py exec \
#       --extra user/tests/cli/18-delete-online.sh:/opt/18.sh \
#       --extra user/tests/cli/tap-online.sh:/opt/tap-online.sh -- /opt/18.sh

DEV=${FAMFS_TEST_DEV:-${FAMFS_DEV:-}}
MPT=${FAMFS_TEST_MPT:-/mnt/famfs-del}
if [ -n "${BUILD:-}" ]; then
	FAMFS=$BUILD/famfs MKFS=$BUILD/mkfs.famfs
else
	FAMFS=famfs MKFS=mkfs.famfs
fi
TAP_TITLE="famfs rm on a mount"
# shellcheck source=user/tests/cli/tap-online.sh
. "${TAP_ONLINE_LIB:-$(dirname "$0")/tap-online.sh}"

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -n "$DEV" ] && [ -e "$DEV" ] || skip_all "no famfs device (set FAMFS_TEST_DEV)"
[ -c "$DEV" ] && skip_all "a character dax device: 07-online.sh covers fsdev mode"
modprobe famfs >/dev/null 2>&1
grep -qw famfs /proc/filesystems || skip_all "famfs kernel module not available"

umount "$MPT" >/dev/null 2>&1
mkdir -p "$MPT"
t "mkfs.famfs -f --enable-delete" 0 "$MKFS" -f --enable-delete "$DEV" || finish
t "mount" 0 "$FAMFS" mount "$DEV" "$MPT" || finish
t "host list: this host claimed a slot at mount" 0 "$FAMFS" host list "$MPT"
tg "... mounted master, generation 1" " mounted master +1 "
t "mkdir + creat" 0 sh -c "'$FAMFS' mkdir -p '$MPT/d/e' && '$FAMFS' creat -s 4m -r -S 5 '$MPT/d/e/f' && '$FAMFS' creat -s 2m '$MPT/g'"
t "rm of a file on the mount" 0 "$FAMFS" rm -v "$MPT/g"
[ ! -e "$MPT/g" ] && ok "the name is gone from the mount" || bad "the name is gone from the mount"
t "host list after rm: the master's release mark passed the delete" 0 "$FAMFS" host list "$MPT"
tg "... released 5" " mounted master +1 +5 +5 "
t "fsck: nothing pending (nobody had it open)" 0 "$FAMFS" fsck "$MPT"
tg "... 0 pending" "1 deleted files, 0 pending"
# Hold d/e/f open while it is deleted: its memory stays pending.
exec 7<"$MPT/d/e/f"
t "rm -r of a tree with an open file" 0 "$FAMFS" rm -r "$MPT/d"
[ ! -e "$MPT/d" ] && ok "the tree is gone from the mount" || bad "the tree is gone from the mount"
head -c 16 <&7 >/dev/null && ok "the open file still reads" || bad "the open file still reads"
t "fsck shows the pending release" 0 "$FAMFS" fsck "$MPT"
tg "... pending, held by this host" "pending: +entry [0-9]+ deletes d/e/f"
t "a new file does not get the held memory" 0 "$FAMFS" creat -s 4m "$MPT/new1"
t "... fsck clean (no collision)" 0 "$FAMFS" fsck "$MPT"
exec 7<&-
t "logplay after the close updates the release mark" 0 "$FAMFS" logplay "$MPT"
t "fsck: nothing pending any more" 0 "$FAMFS" fsck "$MPT"
tg "... 0 pending" "0 pending release"
t "the path can be used again" 0 sh -c "'$FAMFS' mkdir '$MPT/d' && '$FAMFS' creat -s 4m -r -S 6 '$MPT/d/f'"
t "... and verifies" 0 "$FAMFS" verify -S 6 -f "$MPT/d/f"
t "rmdir of a non-empty directory: exit 2" 2 "$FAMFS" rmdir "$MPT/d"
t "rm of a missing file: exit 2" 2 "$FAMFS" rm "$MPT/nope"
# A second identity on this guest plays a client host that gets evicted.
echo 0b5e55ed-0000-4000-8000-00000000c1e7 > "$W/other"
t "another host identity replays (claims its slot)" 0 env FAMFS_SYSTEM_UUID_FILE="$W/other" "$FAMFS" logplay "$MPT"
t "host list shows two hosts" 0 "$FAMFS" host list "$MPT"
tg "... the client" "0b5e55ed-0000-4000-8000-00000000c1e7 mounted client"
t "evicting a live host without --force: exit 4" 4 "$FAMFS" host evict -p "$MPT" 0b5e55ed-0000-4000-8000-00000000c1e7
t "evict --force" 0 "$FAMFS" host evict --force -p "$MPT" 0b5e55ed-0000-4000-8000-00000000c1e7
t "the evicted host's logplay: shuts down, exit non-zero" 2 env FAMFS_SYSTEM_UUID_FILE="$W/other" "$FAMFS" logplay "$MPT"
tg "... says evicted and shut down" "evicted.*|shut down"
if cat "$MPT/d/f" >/dev/null 2>&1; then bad "I/O on the shut-down mount fails"; else ok "I/O on the shut-down mount fails"; fi
umount "$MPT" >/dev/null 2>&1
# A client mount writes its own slot (root may write .meta/.superblock
# on a client mount; every other mapped file stays read-only there).
t "a client mount of a delete file system registers" 0 env FAMFS_SYSTEM_UUID_FILE="$W/other" "$FAMFS" mount "$DEV" "$MPT"
t "... and is live again after its eviction" 0 env FAMFS_SYSTEM_UUID_FILE="$W/other" "$FAMFS" host list "$MPT"
tg "... in state mounted" "0b5e55ed-0000-4000-8000-00000000c1e7 mounted client"
if echo x 2>/dev/null >"$MPT/d/f"; then bad "a client's data files stay read-only"; else ok "a client's data files stay read-only"; fi
umount "$MPT" >/dev/null 2>&1
t "mount as the master again" 0 "$FAMFS" mount "$DEV" "$MPT"
t "final fsck clean" 0 "$FAMFS" fsck "$MPT"

# famfs umount marks the host LEFT (FORMAT-delete.md 2.2): it holds nothing.
t "plain umount(8)" 0 umount "$MPT"
t "host list offline" 0 "$FAMFS" host list --device "$DEV"
tg "... umount(8) leaves the master registered as mounted" " mounted master "
t "mount" 0 "$FAMFS" mount "$DEV" "$MPT"
t "the other host replays (registers, mounted)" 0 env FAMFS_SYSTEM_UUID_FILE="$W/other" "$FAMFS" logplay "$MPT"
t "creat + rm on the master" 0 sh -c "'$FAMFS' creat -s 2m '$MPT/gone' && '$FAMFS' rm '$MPT/gone'"
t "fsck: the other host holds the deleted memory" 0 "$FAMFS" fsck "$MPT"
tg "... 1 pending" ", 1 pending"
t "famfs umount as the other host" 0 env FAMFS_SYSTEM_UUID_FILE="$W/other" "$FAMFS" umount -v "$MPT"
tg "... says it left" "left the host table"
grep -q " $MPT famfs " /proc/mounts && bad "the mount is gone" || ok "the mount is gone"
t "host list offline: the other host left" 0 "$FAMFS" host list --device "$DEV"
tg "... state left" "0b5e55ed-0000-4000-8000-00000000c1e7 left +client"
t "fsck offline: nothing pending (a host that left holds nothing)" 0 "$FAMFS" fsck "$DEV"
tg "... 0 pending" ", 0 pending"
t "mount again" 0 "$FAMFS" mount "$DEV" "$MPT"
t "famfs umount as the master" 0 "$FAMFS" umount "$MPT"
t "host list: the master left too" 0 "$FAMFS" host list --device "$DEV"
tg "... state left" " left +master "
t "famfs umount of a path that is not a mount: exit 2" 2 "$FAMFS" umount "$MPT"
t "a new mount is live again" 0 "$FAMFS" mount "$DEV" "$MPT"
t "host list" 0 "$FAMFS" host list "$MPT"
tg "... mounted master" " mounted master "
exec 7<"$MPT/d/f"
t "famfs umount of a busy mount: exit 2" 2 "$FAMFS" umount "$MPT"
tg "... says why" "open or mapped"
exec 7<&-
t "host list: still mounted" 0 "$FAMFS" host list "$MPT"
tg "... mounted master" " mounted master "
t "final famfs umount" 0 "$FAMFS" umount "$MPT"
finish
