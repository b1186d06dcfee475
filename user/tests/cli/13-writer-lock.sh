#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The offline writer lock: concurrent "famfs creat --device" processes wait
# for each other instead of failing, in line (blocked in flock(2), served
# in the order they came) and for as long as the lock keeps changing hands
# (2000 of them with the default timeout); mkfs.famfs (-f, -k) takes the
# same lock, so it waits for a running writer or refuses clearly after the
# timeout, leaving the device untouched. FAMFS_LOCK_TIMEOUT and
# mkfs.famfs --lock-timeout set the wait.
. "$(dirname "$0")/tap-lib.bash"

fs_uuid() { python3 -c "import sys,uuid; f=open(sys.argv[1],'rb'); f.seek(48); print(uuid.UUID(bytes=f.read(16)))" "$1"; }

# Many writers at once, all with the default timeout: every one must get
# its turn. 2000 (300 under the sanitizers: each run costs far more there);
# FAMFS_TEST_LOCK_WRITERS overrides. Each file takes a 2 MiB allocation unit.
if [[ $BUILD == *build-san ]]; then N=300; else N=2000; fi
N=${FAMFS_TEST_LOCK_WRITERS:-$N}
new_image img $((N * 2 + 1024))M || exit 1
IMG="$T/img"
t0=$(now_ms)
for i in $(seq 1 $N); do
	env -u FAMFS_LOCK_TIMEOUT "$FAMFS" creat --device "$IMG" -s 4k "f$i" \
		>/dev/null 2>"$T/c$i.err" &
done
wait_jobs
t1=$(now_ms)
echo "# $N concurrent creats took $((t1 - t0)) ms"
[ $FAILS -eq 0 ]
check $? "$N concurrent offline creats with the default lock timeout all exit 0 ($FAILS failed)"
[ $FAILS -eq 0 ] || cat "$T"/c*.err | sort | uniq -c | head -5 | sed 's/^/# /'
rm -f "$T"/c*.err
expect_rc_msg 0 "result: +clean" "fsck after the concurrent creats is clean" "$FAMFS" fsck "$IMG"
grep -q "files: *$N\$" "$OUT"
check $? "fsck counts all $N files"

# A few at once fit in the default timeout.
for i in $(seq 1 8); do
	"$FAMFS" mkdir --device "$IMG" "d$i" >/dev/null 2>&1 &
done
wait_jobs
[ $FAILS -eq 0 ]
check $? "8 concurrent mkdirs succeed with the default timeout ($FAILS failed)"

# Waiters queue in the kernel (no polling) and get the lock in the order
# they came: q1 first, q5 last, whatever the scheduler does.
hold_lock "$IMG"
check $? "a stand-in writer holds the lock"
queued=0
for i in 1 2 3 4 5; do
	"$FAMFS" creat --device "$IMG" -s 4k "q$i" >/dev/null 2>&1 &
	flock_listed $! "->" && queued=$((queued + 1))
done
[ $queued -eq 5 ]
check $? "5 waiting writers are blocked in flock(2), one after the other ($queued of 5 seen)"
release_lock
wait_jobs
[ $FAILS -eq 0 ]
check $? "the 5 queued writers all succeed ($FAILS failed)"
order=$("$FAMFS" fsck -v "$IMG" | awk '$2 == "file" && $3 ~ /^q[0-9]$/ { printf "%s ", $3 }')
[ "$order" = "q1 q2 q3 q4 q5 " ]
check $? "they got the lock in the order they asked for it (log order: $order)"

# The timeout bounds one holder, not the queue: with FAMFS_LOCK_TIMEOUT=3
# a writer behind four writers of 1 s each (4 s in all) waits on, as the
# lock keeps changing hands.
hold_lock "$IMG"
queued=0
for i in 1 2 3 4; do
	flock -o "$IMG" sleep 1 &
	flock_listed $! "->" && queued=$((queued + 1))
done
t0=$(now_ms)
FAMFS_LOCK_TIMEOUT=3 "$FAMFS" creat --device "$IMG" -s 4k behind >/dev/null 2>"$T/behind.err" &
w=$!
flock_listed $w "->" && queued=$((queued + 1))
release_lock
wait $w
rc=$?
t1=$(now_ms)
wait_jobs
[ $queued -eq 5 ] && [ $rc -eq 0 ] && [ $((t1 - t0)) -ge 3500 ]
check $? "FAMFS_LOCK_TIMEOUT=3 behind 4 s of changing holders: waits on, exit $rc after $((t1 - t0)) ms"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/behind.err"

# A writer waits for the lock (held here by flock(1), as a writer holds it).
hold_lock "$IMG"
check $? "a stand-in writer holds the lock"
(sleep 1; echo >"$T/gate") &
t0=$(now_ms)
expect_rc 0 "creat waits for a held lock, then succeeds" "$FAMFS" creat --device "$IMG" -s 2m waited
t1=$(now_ms)
[ $((t1 - t0)) -ge 800 ]
check $? "creat really waited for the lock ($((t1 - t0)) ms)"
wait "$HOLDER"

# ... and gives up after FAMFS_LOCK_TIMEOUT with a clear message (exit 4).
hold_lock "$IMG"
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
hold_lock "$IMG"
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
flock_listed $writer
FAMFS_LOCK_TIMEOUT=120 "$MKFS" -f "$IMG" >/dev/null 2>"$T/mkfs.err"
mrc=$?
wait $writer
wrc=$?
[ $mrc -eq 0 ] && [ $wrc -eq 0 ] && [ "$(fsck_field "$IMG" files)" = 0 ]
check $? "mkfs.famfs -f during a bulk creat: waits, then an empty log (files $(fsck_field "$IMG" files))"
expect_rc 0 "fsck after mkfs.famfs -f during a writer is clean" "$FAMFS" fsck "$IMG"

done_testing
