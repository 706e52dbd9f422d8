#!/bin/sh
# test_bridge_burst.sh - a lossless topic published as fast as it goes (many
# rings in a row) crosses two bridges in order, and the sending bridge's DDS
# writer never times out (stalls 0): the far bridge's DDS reader holds more
# than a ring, so it does not refuse what the writer has in flight while the
# last batch is still being published locally (a refused sample is sent again
# only after a heartbeat, and the writer waits its whole max_blocking_time).
# Counts, no timing.
. "$(dirname "$0")/lib.sh"
n=20000
t="$tag.pose"
far="far$tag."
bridge near --out "$t"
near=$last
bridge far --prefix "$far" --in "$t"
farb=$last
"$peer" check "/$far$t" $n --timeout 100 >"$tmp/check.log" 2>&1 &
check=$!
pids="$pids $check"
"$peer" pub "/$t" $n --gate "/$far$t" >"$tmp/pub.log" 2>&1 || no "publisher failed"
wait $check || no "the far side did not get all $n in order"
stop "$near" near
stop "$farb" far
stalls=$(sed -n 's/^sluice bridge: out [0-9]* (stalls \([0-9]*\),.*/\1/p' "$tmp/near.log")
echo "near bridge: $n sent, DDS writer stalls: ${stalls:-?}"
[ "$(counter near out)" = "$n" ] || no "near bridge sent $(counter near out), not $n"
[ "$(counter far in)" = "$n" ] || no "far bridge took in $(counter far in), not $n"
[ "$stalls" = 0 ] || no "the DDS writer stalled $stalls times (its reader refused samples)"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: $n messages in a burst crossed in order, no writer stall"
exit $fail
