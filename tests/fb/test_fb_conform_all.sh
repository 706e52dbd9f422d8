#!/bin/sh
# test_fb_conform_all.sh - every schema under tests/fb/schemas/ and every
# .fbs the project ships (schemas/, plugins/, examples/, tests/, fuzz seeds)
# goes through flatc 2.0.8 and sluicec: a schema flatc refuses, sluicec
# refuses too; one flatc accepts, sluicec accepts and writes a .bfbs equal
# by value to flatc's (both printed as JSON through reflection.fbs).
# usage: test_fb_conform_all.sh FLATC SLUICEC SOURCE_DIR JSON_EQUAL
set -u
flatc=$1 sluicec=$2 src=$3 json_equal=$4
refl=$src/tests/fb/schemas/reflection.fbs
fail=0 n=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

roots=
for r in tests schemas plugins examples fuzz/seeds; do
	[ -d "$src/$r" ] && roots="$roots $src/$r"
done
# shellcheck disable=SC2086
find $roots -name '*.fbs' -type f | sort >"$tmp/list"
while IFS= read -r fbs; do
	n=$((n + 1))
	stem=$(basename "$fbs" .fbs)
	rm -rf "$tmp/f" "$tmp/s" "$tmp/fj" "$tmp/sj"
	mkdir "$tmp/f" "$tmp/s" "$tmp/fj" "$tmp/sj"
	"$flatc" --binary --schema -o "$tmp/f" "$fbs" >"$tmp/ferr" 2>&1
	fr=$?
	"$sluicec" --bfbs -o "$tmp/s" "$fbs" >"$tmp/serr" 2>&1
	sr=$?
	if [ $fr -ne 0 ]; then
		if [ $sr -eq 0 ]; then
			echo "FAIL: $fbs: flatc refuses it, sluicec accepts it:"
			cat "$tmp/ferr"
			fail=1
		else
			echo "ok (refused by both): $fbs"
		fi
		continue
	fi
	if [ $sr -ne 0 ]; then
		echo "FAIL: $fbs: flatc accepts it, sluicec refuses it:"
		cat "$tmp/serr"
		fail=1
		continue
	fi
	if ! "$flatc" --json --strict-json -o "$tmp/fj" "$refl" -- "$tmp/f/$stem.bfbs" ||
		! "$flatc" --json --strict-json -o "$tmp/sj" "$refl" -- "$tmp/s/$stem.bfbs"; then
		echo "FAIL: $fbs: a .bfbs does not print"
		fail=1
		continue
	fi
	if /usr/bin/python3 "$json_equal" "$tmp/fj/$stem.json" "$tmp/sj/$stem.json"; then
		echo "ok (.bfbs equal): $fbs"
	else
		echo "FAIL: $fbs: the .bfbs differ (flatc's, then sluicec's, above)"
		fail=1
	fi
done <"$tmp/list"
[ $n -gt 0 ] || { echo "FAIL: no schemas found under$roots"; fail=1; }
echo "$n schemas"
exit $fail
