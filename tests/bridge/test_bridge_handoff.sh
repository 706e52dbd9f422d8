#!/bin/sh
# test_bridge_handoff.sh - how the far bridge takes samples in from DDS.
# 1. Messages one by one: the DDS listener forwards each on Cyclone's receive
#    thread, so the bridge's own threads ("sluice") do not wake per message:
#    their voluntary context switches (from /proc, a count, no timing) stay
#    far below one per message.
# 2. A slow local subscriber (1 ms a message) behind a burst: the local ring
#    fills, the listener hands the topic to the in thread, which waits for
#    room; every message still arrives once and in order.
. "$(dirname "$0")/lib.sh"
n=1000
t="$tag.pose"
far="far$tag."
bridge near --out "$t" --out "$t.b"
near=$last
bridge far --prefix "$far" --in "$t" --in "$t.b"
farb=$last

# the voluntary context switches of the far bridge's own threads
switches() {
	total=0
	for d in /proc/"$farb"/task/*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = sluice ] || continue
		v=$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "$d/status" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo $total
}

gated_stream $n 1000
sleep 0.2
s0=$(switches)
: >"$tmp/go"
wait $pub || no "publisher failed"
wait $check || no "the far side did not get all $n in order"
s1=$(switches)
echo "far bridge's own threads: $((s1 - s0)) voluntary context switches for $n messages"
[ $((s1 - s0)) -lt $((n / 4)) ] ||
	no "the far bridge's threads woke $((s1 - s0)) times for $n messages: a hand-off per message"

m=1000
spawn slow.log "$peer" check "/$far$t.b" $m --slow 1000 --timeout 60
slow=$last
"$peer" pub "/$t.b" $m --gate "/$far$t.b" >"$tmp/pubb.log" 2>&1 || no "second publisher failed"
wait $slow || no "the slow subscriber did not get all $m in order: $(cat "$tmp/slow.log")"
stop "$near" near
stop "$farb" far
[ "$(counter far in)" = $((n + m)) ] || no "far bridge took in $(counter far in), not $((n + m))"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: no wake-up per message; a slow subscriber got all $m in order"
exit $fail
