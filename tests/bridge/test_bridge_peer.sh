#!/bin/sh
# test_bridge_peer.sh - the bridge against a plain DDS program (bridge_peer's
# dds-read and dds-write: Cyclone's C API and the envelope IDL, no sluice
# bridge on that end).  The peer reads, in order, every envelope the bridge
# publishes for a local topic, with the schema the bridge announced; and
# what the peer publishes the bridge turns into a local topic that a local
# subscriber reads in full and sluice echo decodes.
. "$(dirname "$0")/lib.sh"
n=500
# names with no byte the mapping escapes, so the DDS name reads plainly
out="$tag.out"
in="$tag.in"
bridge b --out "$out" --in "$in"
b=$last
"$peer" dds-read "sluice/$tag/out" $n "$config" "$domain" --ready "$tmp/ready" \
	>"$tmp/read.out" 2>"$tmp/read.log" &
reader=$!
pids="$pids $reader"
# the peer may join late for DDS (a writer that finds it after writing
# more than a ring sends it only the last ring): the rest waits until the
# first message has reached it
"$peer" pub "/$out" $n --gate-file "$tmp/ready" >"$tmp/pub.log" 2>&1 || no "local publisher failed"
wait $reader || no "the DDS peer did not read all $n: $(cat "$tmp/read.log")"
grep -q "schema sluice/$tag/out: sluice.msg.Pose" "$tmp/read.out" || no "no schema seen by the peer"

"$peer" check "/$in" $n >"$tmp/check.log" 2>&1 &
check=$!
pids="$pids $check"
"$peer" dds-write "sluice/$tag/in" $n "$config" "$domain" --gate "/$in" >"$tmp/write.out" 2>"$tmp/write.log" ||
	no "the DDS peer could not write: $(cat "$tmp/write.log")"
wait $check || no "the local topic did not get all $n from the DDS peer"
"$sluice" echo "/$in" --oldest -n 1 >"$tmp/echo.out" 2>"$tmp/echo.log"
grep -q '"frame_id": *"map"' "$tmp/echo.out" || no "sluice echo did not decode it"
stop "$b" b
[ "$(counter b out)" = "$n" ] || no "bridge sent $(counter b out), not $n"
[ "$(counter b in)" = "$n" ] || no "bridge took in $(counter b in), not $n"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: a plain DDS peer read $n and wrote $n through the bridge"
exit $fail
