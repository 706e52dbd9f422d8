#!/bin/sh
# test_man.sh - every manual page renders without a warning (man-db and
# groff both asked for all of them), and sluice(1) has a section for every
# subcommand that sluice --help lists, so the page cannot fall behind.
# usage: test_man.sh SLUICE PAGE...
set -u
sluice=$1
shift
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C.UTF-8 MANWIDTH=80

for page in "$@"; do
	if [ ! -s "$page" ]; then
		echo "FAIL: $page is missing or empty"
		fail=1
		continue
	fi
	# groff: -ww all warnings, -z no output; man: its own checks too
	groff -man -ww -z "$page" >"$tmp/groff" 2>&1
	if [ $? -ne 0 ] || [ -s "$tmp/groff" ]; then
		echo "FAIL: groff warns about $page:"
		cat "$tmp/groff"
		fail=1
	fi
	if command -v man >/dev/null 2>&1; then
		man --warnings -l "$page" >"$tmp/out" 2>"$tmp/man"
		if [ $? -ne 0 ] || [ -s "$tmp/man" ] || [ ! -s "$tmp/out" ]; then
			echo "FAIL: man warns about $page:"
			cat "$tmp/man"
			fail=1
		fi
	fi
done

# sluice.1: a ".SS CMD" section for each command of sluice --help
for page in "$@"; do
	case $page in */sluice.1) main=$page ;; esac
done
cmds=$("$sluice" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
if [ -z "$cmds" ]; then
	echo "FAIL: no commands found in sluice --help"
	fail=1
fi
for c in $cmds; do
	if ! grep -qx "\.SS $c" "${main:-/dev/null}"; then
		echo "FAIL: sluice(1) has no section for \"sluice $c\""
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "ok: $# pages render cleanly; sluice(1) covers:" $cmds
exit $fail
