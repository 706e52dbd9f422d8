#!/bin/sh
# test_bridge_restart.sh - a bridge killed with SIGKILL mid-stream and
# started again resumes without duplicates: first the receiving bridge
# (which takes its dead predecessor's local topic over; the sender's
# TRANSIENT_LOCAL history resends the last ring, and what was published
# already is dropped by sequence), then the sending one (which starts from
# the oldest message of the local ring; the receiver drops the resent).
# The reader on the far side must see every header.seq at most once, in
# order, to the last one.  Losses are reported, not failed: a restart
# slower than the ring (64 messages at 100 Hz: 0.64 s) may lose some, and
# the DDS history depth is the ring by design (docs/bridge.md).
. "$(dirname "$0")/lib.sh"
n=300
t="$tag.pose"
far="far$tag."
bridge near --out "$t"
near=$last
bridge far --prefix "$far" --in "$t"
farb=$last
"$peer" check "/$far$t" $n --gaps --timeout 60 >"$tmp/check.out" 2>"$tmp/check.log" &
check=$!
pids="$pids $check"
"$peer" pub "/$t" $n --rate 100 --gate "/$far$t" >"$tmp/pub.log" 2>&1 &
pub=$!
pids="$pids $pub"
sleep 0.8
kill -KILL $farb
wait $farb 2>/dev/null
bridge far2 --prefix "$far" --in "$t"
farb=$last
sleep 0.8
kill -KILL $near
wait $near 2>/dev/null
bridge near2 --out "$t"
near=$last
wait $pub || no "publisher failed: $(cat "$tmp/pub.log")"
wait $check || no "the far side saw a duplicate or not the end: $(cat "$tmp/check.log")"
sleep 0.3
stop "$near" near
stop "$farb" far
cat "$tmp/check.out"
echo "restarted receiver dropped $(counter far2 duplicates) resent duplicates"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: both bridges restarted after SIGKILL, no duplicate reached the reader"
exit $fail
