#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# This host's identity: mkfs.famfs and fsck print the file system uuid and
# this host's role; mkfs.famfs says when it creates the identity;
# /etc/famfs/system_uuid wins over upstream's /opt/famfs/system_uuid;
# formatting an image file creates no identity on the side. The default
# paths are redirected with FAMFS_TEST_ROOT (tests only).
. "$(dirname "$0")/tap-lib.bash"

ROOT="$T/root"
U_ETC=22222222-2222-4222-8222-222222222222
U_OPT=11111111-1111-4111-8111-111111111111
truncate -s 64M "$T/img"

# Run with the default identity paths under $ROOT.
rooted() {
	env -u FAMFS_SYSTEM_UUID_FILE FAMFS_TEST_ROOT="$ROOT" "$@"
}

# An image file, no identity anywhere: formatted, but nothing is created.
expect_rc_msg 0 "this host: client \(no identity\)" \
	"mkfs.famfs of an image without an identity: host is not its master" \
	rooted "$MKFS" "$T/img"
[ ! -e "$ROOT/etc/famfs/system_uuid" ] && [ ! -e "$ROOT/opt/famfs/system_uuid" ]
check $? "mkfs.famfs of an image created no host identity"
grep -q "FAMFS_SYSTEM_UUID_FILE" "$OUT"
check $? "... and says how to adopt the image's master uuid"
run rooted "$FAMFS" fsck "$T/img"
[ "$RC" -eq 0 ] && [ ! -e "$ROOT/etc/famfs/system_uuid" ]
check $? "fsck does not create an identity either"
grep -q "^this host: *client" "$OUT"
check $? "fsck: this host is a client of it"

# The identity is created (and said so) when FAMFS_SYSTEM_UUID_FILE names it.
export FAMFS_SYSTEM_UUID_FILE="$T/id/system_uuid"
expect_rc_msg 0 "created this host's identity $T/id/system_uuid" \
	"mkfs.famfs says when it creates this host's identity" "$MKFS" -f "$T/img"
ME=$(cat "$T/id/system_uuid" 2>/dev/null)
grep -q "master $ME" "$OUT" && grep -Eq "file system uuid [0-9a-f-]{36}; this host: master" "$OUT"
check $? "mkfs.famfs prints the fs uuid and this host's role (master)"
run "$MKFS" -f "$T/img"
! grep -q "created this host's identity" "$OUT"
check $? "mkfs.famfs does not claim to create an existing identity"
FS=$(od -An -tx1 -j48 -N16 "$T/img" | tr -d ' \n' |
	sed -E 's/(.{8})(.{4})(.{4})(.{4})(.{12})/\1-\2-\3-\4-\5/')
run "$FAMFS" fsck "$T/img"
grep -q "^fs uuid: *$FS" "$OUT" && grep -q "^this host: *master" "$OUT"
check $? "fsck prints the fs uuid and 'this host: master'"
run "$FAMFS" fsck --json "$T/img"
python3 - "$OUT" "$FS" "$ME" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (d["fs_uuid"] == sys.argv[2] and d["master_uuid"] == sys.argv[3]
              and d["host_role"] == "master"))
PY
check $? "fsck --json: fs_uuid, master_uuid, host_role"
FAMFS_SYSTEM_UUID_FILE="$OTHER_UUID_FILE" run "$FAMFS" fsck --json "$T/img"
grep -q '"host_role":"client"' "$OUT"
check $? "fsck --json on another host: host_role client"
unset FAMFS_SYSTEM_UUID_FILE

# Precedence: /etc/famfs/system_uuid over /opt/famfs/system_uuid.
mkdir -p "$ROOT/etc/famfs" "$ROOT/opt/famfs"
echo "$U_OPT" > "$ROOT/opt/famfs/system_uuid"
expect_rc_msg 0 "master $U_OPT" "only /opt/famfs/system_uuid: it is used (upstream's file)" \
	rooted "$MKFS" -f "$T/img"
echo "$U_ETC" > "$ROOT/etc/famfs/system_uuid"
expect_rc_msg 0 "master $U_ETC" "/etc/famfs/system_uuid takes precedence over /opt" \
	rooted "$MKFS" -f "$T/img"
run rooted "$FAMFS" fsck "$T/img"
grep -q "^this host: *master" "$OUT"
check $? "fsck with /etc and /opt identities: master by the /etc one"

# A refused format (already famfs) creates no identity.
rm -rf "$ROOT"
run rooted "$MKFS" "$T/img"
[ "$RC" -eq 4 ] && [ ! -e "$ROOT/etc/famfs/system_uuid" ]
check $? "a refused mkfs.famfs creates no identity"
# -d writes files as the master: the identity is created then.
mkdir -p "$T/src"; echo x > "$T/src/f"
expect_rc_msg 0 "created this host's identity $ROOT/etc/famfs/system_uuid" \
	"mkfs.famfs -d of an image creates the identity (under /etc)" \
	rooted "$MKFS" -f -d "$T/src" "$T/img"
[ -s "$ROOT/etc/famfs/system_uuid" ] && [ ! -e "$ROOT/opt/famfs/system_uuid" ]
check $? "the identity is created as /etc/famfs/system_uuid, not /opt"

done_testing
