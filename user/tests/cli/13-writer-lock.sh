#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The offline writer lock: concurrent "famfs creat --device" processes wait
# for each other instead of failing; mkfs.famfs (-f, -k) takes the same
# lock, so it waits for a running writer or refuses clearly after the
# timeout, leaving the device untouched. FAMFS_LOCK_TIMEOUT and
# mkfs.famfs --lock-timeout set the wait.
. "$(dirname "$0")/tap-lib.bash"

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# hold_lock: take the writer lock as a writer does (flock(1) on the image)
# and keep it until release_lock; sets HOLDER.
mkfifo "$T/gate"
hold_lock() {
	flock -o "$IMG" sh -c 'read -r _ < "$0"' "$T/gate" &
	HOLDER=$!
	local i
	for i in $(seq 1 100); do
		grep -q "FLOCK.* $HOLDER " /proc/locks && return 0
		sleep 0.05
	done
	return 1
}
release_lock() {
	echo >"$T/gate"
	wait "$HOLDER"
}
fs_uuid() { python3 -c "import sys,uuid; f=open(sys.argv[1],'rb'); f.seek(48); print(uuid.UUID(bytes=f.read(16)))" "$1"; }

new_image img 512M || exit 1
IMG="$T/img"

# Many writers at once: every one must get its turn.
N=100
for i in $(seq 1 $N); do
	FAMFS_LOCK_TIMEOUT=120 "$FAMFS" creat --device "$IMG" -s 2m "f$i" \
		>/dev/null 2>"$T/c$i.err" &
done
fails=0
for job in $(jobs -p); do
	wait "$job" || fails=$((fails + 1))
done
[ $fails -eq 0 ]
check $? "$N concurrent offline creats all succeed ($fails failed)"
[ $fails -eq 0 ] || cat "$T"/c*.err | sort | uniq -c | head -5 | sed 's/^/# /'
expect_rc_msg 0 "result: +clean" "fsck after the concurrent creats is clean" "$FAMFS" fsck "$IMG"
grep -q "files: *$N\$" "$OUT"
check $? "fsck counts all $N files"

# A few at once fit in the default timeout.
for i in $(seq 1 8); do
	"$FAMFS" mkdir --device "$IMG" "d$i" >/dev/null 2>&1 &
done
fails=0
for job in $(jobs -p); do
	wait "$job" || fails=$((fails + 1))
done
[ $fails -eq 0 ]
check $? "8 concurrent mkdirs succeed with the default timeout ($fails failed)"

# A writer waits for the lock (held here by flock(1), as a writer holds it).
hold_lock
check $? "a stand-in writer holds the lock"
(sleep 1; echo >"$T/gate") &
t0=$(now_ms)
expect_rc 0 "creat waits for a held lock, then succeeds" "$FAMFS" creat --device "$IMG" -s 2m waited
t1=$(now_ms)
[ $((t1 - t0)) -ge 800 ]
check $? "creat really waited for the lock ($((t1 - t0)) ms)"
wait "$HOLDER"

# ... and gives up after FAMFS_LOCK_TIMEOUT with a clear message (exit 4).
hold_lock
t0=$(now_ms)
FAMFS_LOCK_TIMEOUT=0.5 expect_rc_msg 4 "in use by another famfs writer \\(pid $HOLDER\\).*0\\.5 s" \
	"creat gives up after FAMFS_LOCK_TIMEOUT=0.5: exit 4, names the holder's pid" \
	"$FAMFS" creat --device "$IMG" -s 2m late
t1=$(now_ms)
[ $((t1 - t0)) -ge 450 ] && kill -0 "$HOLDER"
check $? "creat waited the timeout ($((t1 - t0)) ms) and gave up while the lock was held"
FAMFS_LOCK_TIMEOUT=0 expect_rc 4 "FAMFS_LOCK_TIMEOUT=0: no wait, exit 4" \
	"$FAMFS" mkdir --device "$IMG" late

# mkfs.famfs -f takes the lock: refuses while a writer holds it ...
before=$(fs_uuid "$IMG")
expect_rc_msg 4 "in use by another famfs writer" \
	"mkfs.famfs -f refuses while a writer holds the lock (exit 4)" \
	"$MKFS" -f --lock-timeout 0.5 "$IMG"
[ "$(fs_uuid "$IMG")" = "$before" ]
check $? "the refused mkfs.famfs -f left the file system as it was"
expect_rc_msg 4 "in use by another famfs writer" \
	"mkfs.famfs -f -k refuses too (exit 4)" \
	"$MKFS" -f -k --lock-timeout 0.2 "$IMG"
expect_rc 1 "mkfs.famfs --lock-timeout rejects garbage" "$MKFS" -f --lock-timeout soon "$IMG"
kill -0 "$HOLDER"
check $? "the lock was held throughout"
release_lock
expect_rc 0 "fsck after the refused mkfs runs is clean" "$FAMFS" fsck "$IMG"

# ... and waits for the writer, then formats (after it, not under it).
hold_lock
(sleep 1; echo >"$T/gate") &
t0=$(now_ms)
expect_rc 0 "mkfs.famfs -f waits for a held lock, then formats" "$MKFS" -f "$IMG"
t1=$(now_ms)
[ $((t1 - t0)) -ge 800 ]
check $? "mkfs.famfs -f really waited ($((t1 - t0)) ms)"
wait "$HOLDER"
[ "$(fs_uuid "$IMG")" != "$before" ] && [ "$(fsck_field "$IMG" files)" = 0 ]
check $? "the new file system is empty, with a new uuid"

# A real writer appending many files while mkfs.famfs -f runs: mkfs waits
# for it, so the new log holds none of its entries and fsck is clean.
"$FAMFS" creat --device "$IMG" $(for i in $(seq 1 200); do echo "-M m$i,2m"; done) \
	>/dev/null 2>"$T/bulk.err" &
writer=$!
for i in $(seq 1 200); do
	grep -q "FLOCK.* $writer " /proc/locks && break
	sleep 0.02
done
FAMFS_LOCK_TIMEOUT=120 "$MKFS" -f "$IMG" >/dev/null 2>"$T/mkfs.err"
mrc=$?
wait $writer
wrc=$?
[ $mrc -eq 0 ] && [ $wrc -eq 0 ] && [ "$(fsck_field "$IMG" files)" = 0 ]
check $? "mkfs.famfs -f during a bulk creat: waits, then an empty log (files $(fsck_field "$IMG" files))"
expect_rc 0 "fsck after mkfs.famfs -f during a writer is clean" "$FAMFS" fsck "$IMG"

done_testing
