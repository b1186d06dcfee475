#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs cp of files whose st_size is not their length (/proc: 0, sysfs:
# 4096): the size comes from the bytes read, and a file whose read fails is
# never logged (no half-made file in the log).
. "$(dirname "$0")/tap-lib.bash"

entries() {	# entries IMG: valid log entries
	"$FAMFS" fsck --json "$1" |
		python3 -c "import json,sys; print(json.load(sys.stdin)['log']['valid_entries'])"
}
size_of() {	# size_of IMG RELPATH: the logged size
	"$FAMFS" fsck -v --json "$1" | python3 -c "
import json,sys
e=[x for x in json.load(sys.stdin)['entries'] if x.get('path')=='$2']
print(e[0]['size'] if e else 'absent')"
}

new_image img 256M || exit 1
IMG="$T/img"

# /proc/self/status: st_size 0, about 1.4 KiB of text.
expect_rc 0 "cp /proc/self/status (st_size 0) exits 0" \
	"$FAMFS" cp --device "$IMG" /proc/self/status status
sz=$(size_of "$IMG" status)
[ "$sz" != absent ] && [ "$sz" -gt 100 ]
check $? "the copy of /proc/self/status is not empty (logged size $sz)"
"$FAMFS" cat --device "$IMG" status > "$T/status.out"
[ "$(wc -c < "$T/status.out")" = "$sz" ] && grep -q '^Name:' "$T/status.out" &&
	grep -q '^VmSize:\|^Pid:' "$T/status.out"
check $? "it reads back as a process status of exactly the logged size"
expect_rc 0 "cp /proc/cpuinfo exits 0" "$FAMFS" cp --device "$IMG" /proc/cpuinfo cpuinfo
"$FAMFS" cat --device "$IMG" cpuinfo | cmp -s - /proc/cpuinfo
check $? "cpuinfo arrived byte for byte (size $(size_of "$IMG" cpuinfo))"

# A read that fails: /proc/self/mem (st_size 0, EIO at offset 0).
n0=$(entries "$IMG")
expect_rc_msg 2 "mem" "cp /proc/self/mem fails" \
	"$FAMFS" cp --device "$IMG" /proc/self/mem mem
[ "$(entries "$IMG")" = "$n0" ] && [ "$(size_of "$IMG" mem)" = absent ]
check $? "the failed copy logged nothing"
expect_rc 0 "fsck is clean after the failed copy" "$FAMFS" fsck "$IMG"
expect_rc 0 "the name is free: a later copy to it works" \
	"$FAMFS" cp --device "$IMG" /proc/self/status mem

# sysfs: st_size 4096, a few bytes of text; the old code logged 4096 bytes
# and failed with "shrank".
THP=/sys/kernel/mm/transparent_hugepage
if [ -r "$THP/enabled" ]; then
	expect_rc 0 "cp of a sysfs attribute (st_size 4096) exits 0" \
		"$FAMFS" cp --device "$IMG" "$THP/enabled" thp
	"$FAMFS" cat --device "$IMG" thp | cmp -s - "$THP/enabled" &&
		[ "$(size_of "$IMG" thp)" = "$(wc -c < "$THP/enabled")" ]
	check $? "the sysfs copy has the attribute's real length ($(size_of "$IMG" thp))"
	# The directory walk (copy_entry, also mkfs.famfs -d) takes the same path.
	expect_rc 0 "cp -r of a sysfs directory" \
		"$FAMFS" cp -r --device "$IMG" "$THP/khugepaged" khp
	f=$THP/khugepaged/max_ptes_none
	"$FAMFS" cat --device "$IMG" khp/max_ptes_none | cmp -s - "$f"
	check $? "cp -r: khugepaged/max_ptes_none has its real content"
	new_image img2 64M -d "$THP/khugepaged" || true
	"$FAMFS" cat --device "$T/img2" max_ptes_none 2>/dev/null | cmp -s - "$f"
	check $? "mkfs.famfs -d of a sysfs directory copies real lengths"
else
	for i in 1 2 3 4 5; do skip "sysfs copy $i" "no $THP/enabled"; done
fi

# An ordinary empty file still copies as an empty file.
: > "$T/empty"
expect_rc 0 "cp of an empty regular file" "$FAMFS" cp --device "$IMG" "$T/empty" empty
[ "$(size_of "$IMG" empty)" = 0 ]
check $? "it is logged with size 0"
expect_rc 0 "fsck is clean at the end" "$FAMFS" fsck "$IMG"

done_testing
