#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# checkpatch.pl --strict on every source of the module. checkpatch ships in
# the kernel sources: take it from the newest /usr/src/linux-source-*.tar.xz
# (setup.sh installs linux-source-7.3), or from $CHECKPATCH.
# Usage: checkpatch.sh KMOD_DIR WORK_DIR
set -eu
kmod=$1
work=$2

# Not applicable here, each for a reason:
#  PREFER_KERNEL_TYPES, BIT_MACRO: emu/ and the uapi header are also
#    compiled in userspace (unit tests, the library), where neither the
#    kernel's u8..u64 nor BIT_ULL() exist;
#  LINUX_VERSION_CODE, CONSTANT_COMPARISON: compat.h's one floor, an #error
#    below 6.1 (everything above it is a feature probe);
#  EMBEDDED_FILENAME: svsm_diag.h includes the uapi <linux/svsm_diag.h>;
#  ALLOC_WITH_SIZEOF: kzalloc_obj() is 7.x only, and the module builds on 6.1;
#  SPLIT_STRING: the emulator's long strings are data it returns, not
#    messages anyone greps the source for.
ignore=PREFER_KERNEL_TYPES,BIT_MACRO,LINUX_VERSION_CODE,CONSTANT_COMPARISON,EMBEDDED_FILENAME
ignore=$ignore,ALLOC_WITH_SIZEOF,SPLIT_STRING

checkpatch=${CHECKPATCH:-}
if [ -z "$checkpatch" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1)
	if [ -z "$tarball" ]; then
		echo "no /usr/src/linux-source-*.tar.xz: install linux-source-7.3 (scripts/setup.sh)"
		exit 77
	fi
	top=$(basename "$tarball" .tar.xz)
	checkpatch=$work/$top/scripts/checkpatch.pl
	if [ ! -x "$checkpatch" ]; then
		mkdir -p "$work"
		tar -xf "$tarball" -C "$work" "$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
			"$top/scripts/const_structs.checkpatch"
	fi
fi

checkpatch=$(realpath -e "$checkpatch" 2>/dev/null) || {
	echo "FAIL: no checkpatch.pl at ${CHECKPATCH:-$work/.../scripts/checkpatch.pl}"
	exit 1
}

# Runs checkpatch on the files given and prints what it found; fails if it
# found something or did not run (a checkpatch that cannot start finds nothing).
run_checkpatch() {
	types=$1
	shift
	if report=$("$checkpatch" --strict --no-tree --terse --show-types --ignore "$types" -f "$@"); then
		return 0
	fi
	if [ -z "$report" ]; then
		echo "checkpatch.pl failed without a report: $checkpatch"
		return 1
	fi
	echo "$report" | grep -v '^total: 0 errors, 0 warnings, 0 checks'
	return 1
}

cd "$kmod"
files=$(find . -name '*.[ch]' ! -name '*.mod.c' ! -name 'svsm_diag_version.h' \
	! -path ./include/svsm_spec.h | sort)
# shellcheck disable=SC2086
out=$(run_checkpatch "$ignore" $files) || true
# svsm_spec.h's call and protocol tables are X-macros (one row per call, expanded
# by each user): an X-macro's body is a bare list, takes X at every row and
# leaves unused the columns a user does not need.
table_ignore=$ignore,COMPLEX_MACRO,MACRO_ARG_REUSE,MACRO_ARG_UNUSED
table=$(run_checkpatch "$table_ignore" include/svsm_spec.h) || true
out=$out${out:+
}$table
if [ -n "$out" ]; then
	echo "$out"
	echo "FAIL: checkpatch.pl --strict found the above in kmod/"
	exit 1
fi
echo "ok: checkpatch.pl --strict clean on $(($(echo "$files" | wc -l) + 1)) files of kmod/"
