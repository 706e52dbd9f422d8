#!/bin/sh
# test_bridge_burst.sh - a lossless topic published as fast as it goes (many
# rings in a row) crosses two bridges, none lost, in order.  It also prints
# what the burst cost in DDS terms: how often the far bridge's DDS reader
# refused a sample for a full history (Cyclone's SAMPLE_REJECTED status,
# "history full" in the counters) and how often the near bridge's writer
# timed out (stalls, 100 ms each).  With a reader that held one ring and
# an in thread fed through a wait-set, this burst stalled the writer about
# 20 times; now none in a plain build.  They are printed, not checked: they
# depend on how fast the local subscriber is (a sanitizer build has a few),
# and no test here asserts on speed.
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
full=$(sed -n 's/^sluice bridge: out.*, history full \([0-9]*\)).*/\1/p' "$tmp/far.log")
echo "$n sent: far DDS reader's history full ${full:-?} times, near DDS writer stalls ${stalls:-?}"
[ "$(counter near out)" = "$n" ] || no "near bridge sent $(counter near out), not $n"
[ "$(counter far in)" = "$n" ] || no "far bridge took in $(counter far in), not $n"
[ -n "$full" ] || no "the far bridge's counters do not say how often its history was full"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: $n messages in a burst crossed in order"
exit $fail
