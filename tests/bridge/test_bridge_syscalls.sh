#!/bin/sh
# test_bridge_syscalls.sh - what a forwarded message costs the sending
# bridge in system calls, counted with strace (no timing): messages that
# come one by one must not each make it look whether the local publisher is
# gone (a kill(pid, 0) and a /proc/PID/stat read), which an empty take does
# and the wait-set does only every 50 ms.  And a bridge with one topic to
# send waits on it with a take that sleeps at once, not with the wait-set
# (futex_waitv), which spins 20 us first: no futex_waitv per message.
# Skips where strace is missing or may not attach (ptrace restricted).
. "$(dirname "$0")/lib.sh"
n=1000
t="$tag.pose"
far="far$tag."
command -v strace >/dev/null 2>&1 || { echo "SKIP: no strace"; exit 77; }
bridge near --out "$t"
near=$last
bridge far --prefix "$far" --in "$t"
farb=$last
gated_stream $n 2000
strace -f -qq -c -e trace=openat,kill,futex_waitv -p "$near" -o "$tmp/strace.out" 2>"$tmp/strace.log" &
st=$!
sleep 0.5
if ! kill -0 "$st" 2>/dev/null; then
	echo "SKIP: strace cannot attach here: $(cat "$tmp/strace.log")"
	exit 77
fi
: >"$tmp/go"
wait $pub || no "publisher failed"
wait $check || no "the far side did not get all $n in order"
kill -INT "$st"
wait "$st"
stop "$near" near
stop "$farb" far
calls() { awk -v s="$1" '$NF == s { print $4 }' "$tmp/strace.out"; }
opens=$(calls openat)
kills=$(calls kill)
waitvs=$(calls futex_waitv)
echo "near bridge, $n messages one by one: openat ${opens:-0}, kill ${kills:-0}, futex_waitv ${waitvs:-0}"
# A few per second are its topic scan and peers file; one per message is not.
[ "${opens:-0}" -lt $((n / 10)) ] || no "openat ${opens} times for $n messages"
[ "${kills:-0}" -lt $((n / 10)) ] || no "kill ${kills} times for $n messages"
[ "${waitvs:-0}" -lt $((n / 10)) ] || no "futex_waitv ${waitvs} times for $n messages (the wait-set)"
[ $fail = 0 ] || { cat "$tmp/strace.out"; show_logs; }
[ $fail = 0 ] && echo "ok: $n messages forwarded without a liveness look or a wait-set sleep each"
exit $fail
