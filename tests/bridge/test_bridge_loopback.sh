#!/bin/sh
# test_bridge_loopback.sh - two bridges on one host, loopback only: a
# lossless topic crosses from one to the other with none lost and in order,
# and sluice echo decodes it on the far side with the schema that came over
# DDS.  Both bridges also take the topic in, in both directions, to show
# loops are cut: the sender ignores what it published itself, and the far
# bridge does not send back out the topic it made.
. "$(dirname "$0")/lib.sh"
n=3000
t="$tag.pose"
far="far$tag."
bridge near --out "$t" --in "$t"
near=$last
bridge far --prefix "$far" --in "$t" --out "$far$t"
farb=$last
"$peer" check "/$far$t" $n >"$tmp/check.log" 2>&1 &
check=$!
pids="$pids $check"
"$peer" pub "/$t" $n --gate "/$far$t" >"$tmp/pub.log" 2>&1 || no "publisher failed"
wait $check || no "the far side did not get all $n in order"
"$sluice" echo "/$far$t" --oldest -n 1 >"$tmp/echo.out" 2>"$tmp/echo.log"
grep -q '"seq": *[0-9]' "$tmp/echo.out" && grep -q '"frame_id": *"map"' "$tmp/echo.out" ||
	no "sluice echo did not decode the bridged topic: $(cat "$tmp/echo.out" "$tmp/echo.log")"
# sluice ls marks both ends while the bridges run
"$sluice" ls --window 0 --prefix "/$t" >"$tmp/ls.out" 2>&1
"$sluice" ls --window 0 --prefix "/$far$t" --json >"$tmp/ls.json" 2>&1
grep -q "to-dds" "$tmp/ls.out" || no "sluice ls does not say /$t goes to DDS: $(cat "$tmp/ls.out")"
grep -q '"bridged": "from-dds"' "$tmp/ls.json" ||
	no "sluice ls --json does not say /$far$t came from DDS: $(cat "$tmp/ls.json")"
sleep 0.3
stop "$near" near
stop "$farb" far
[ "$(counter near out)" = "$n" ] || no "near bridge sent $(counter near out), not $n"
[ "$(counter far in)" = "$n" ] || no "far bridge took in $(counter far in), not $n"
[ "$(counter near in)" = 0 ] || no "near bridge took its own topic back in"
[ "$(counter far out)" = 0 ] || no "far bridge sent the topic it made back out"
grep -q "not sent: its publisher is a bridge" "$tmp/far.log" || no "far bridge did not say why it does not send $far$t"
[ -e "/dev/shm/$far$far$t" ] && no "a topic went round twice"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: $n messages crossed in order, echo decoded them, no loop"
exit $fail
