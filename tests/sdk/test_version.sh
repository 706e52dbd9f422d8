#!/bin/sh
# test_version.sh VERSION PROGRAM... - every program answers --version with
# the project() version, the library's version, the plugin ABI and the
# segment and channel protocol versions, and exits 0.
ver=${1:?usage: test_version.sh VERSION PROGRAM...}
shift
bad=0
for p in "$@"; do
	out=$("$p" --version) || { echo "$p --version: exit status $?"; bad=1; continue; }
	name=$(basename "$p")
	for want in "^$name $ver\$" "^library $ver\$" "^plugin ABI [0-9][0-9]*\.[0-9][0-9]*\$" \
		"^segment ABI [0-9][0-9]*, channel protocol [0-9][0-9]*\$"; do
		echo "$out" | grep -q "$want" || { echo "$p --version lacks /$want/:"; echo "$out"; bad=1; }
	done
done
[ $bad = 0 ] && echo "--version: $* say $ver"
exit $bad
