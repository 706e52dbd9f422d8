#!/bin/sh
# test_readme_stage.sh - README's "Write your own stage" works as written:
# its tick.fbs, ticker.c and ticks.yaml, taken from the README itself, are
# compiled with sluicec and the C compiler, checked, run with sluice run, and
# the messages read back with sluice echo are the ones the README shows.
# (The CMake route through the installed package is the out-of-tree test's.)
# usage: test_readme_stage.sh README SLUICE SLUICEC CC INCLUDE_DIR LIBSLUICE
set -u
readme=$1 sluice=$2 sluicec=$3 cc=$4 inc=$5 lib=$6
fail=0
tmp=$(mktemp -d) || exit 1
name=readme_ticks_$$
run=
cleanup()
{
	[ -n "$run" ] && kill "$run" 2>/dev/null && wait "$run" 2>/dev/null
	rm -rf "$tmp"
	rm -f "/dev/shm/$name.ticks" "/dev/shm/$name" 2>/dev/null
}
trap cleanup EXIT

# the fenced block that follows the paragraph starting with `FILE`
extract()
{
	awk -v m="\`$1\`" '
		index($0, m) == 1 { found = 1; next }
		found && !in_block && /^```/ { in_block = 1; next }
		in_block && /^```/ { exit }
		in_block { print }
	' "$readme" >"$tmp/$1"
	[ -s "$tmp/$1" ] || { echo "FAIL: no $1 in $readme"; exit 1; }
}
extract tick.fbs
extract ticker.c
extract ticks.yaml

mkdir "$tmp/plugins"
"$sluicec" -o "$tmp" "$tmp/tick.fbs" || { echo "FAIL: sluicec tick.fbs"; exit 1; }
"$cc" -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -I "$inc" -I "$tmp" \
	"$tmp/ticker.c" "$lib" -Wl,--exclude-libs,ALL -Wl,-rpath,"$(dirname "$lib")" \
	-o "$tmp/plugins/ticker.so" || { echo "FAIL: ticker.c does not build"; exit 1; }
export SLUICE_PLUGIN_PATH="$tmp/plugins"
"$sluice" inspect ticker >"$tmp/inspect" || { echo "FAIL: sluice inspect ticker"; fail=1; }
grep -q 'my.Tick' "$tmp/inspect" || { echo "FAIL: inspect shows no my.Tick port"; fail=1; }
"$sluice" run --check "$tmp/ticks.yaml" || { echo "FAIL: ticks.yaml is not valid"; exit 1; }

# run it under its own name, so that parallel tests never share the topic
"$sluice" run "$tmp/ticks.yaml" --name "$name" --duration 30 --quiet >"$tmp/run.out" 2>&1 &
run=$!
timeout 20 "$sluice" echo ticks --pipeline "$name" --wait --oldest -n 3 >"$tmp/echo" 2>"$tmp/echo.err" ||
	{ echo "FAIL: sluice echo:"; cat "$tmp/echo.err"; fail=1; }
kill -INT "$run" 2>/dev/null
wait "$run"
rc=$?
run=
[ $rc -eq 130 ] || { echo "FAIL: sluice run ended with $rc, wanted 130 (Ctrl-C):"; cat "$tmp/run.out"; fail=1; }
want='{"label": "hello","n": 1}
{"label": "hello","n": 2}
{"label": "hello","n": 3}'
[ "$(cat "$tmp/echo")" = "$want" ] || { echo "FAIL: echo printed:"; cat "$tmp/echo"; fail=1; }
grep -q 'ticking as "hello"' "$tmp/run.out" || { echo "FAIL: no log line from init2"; fail=1; }
[ $fail -eq 0 ] && echo "ok: README's ticker builds, runs and echoes as written"
exit $fail
