#!/bin/sh
# test_bridge_refuse.sh - envelopes that are not what their topic announced
# are refused and counted, never published locally: a plain DDS peer writes
# 200 good poses and, before every tenth, one with another type name, one
# with another schema hash and one whose payload is cut in half.  The local
# topic gets exactly the 200 good ones, in order; the bridge counts 20 of
# each kind refused.
. "$(dirname "$0")/lib.sh"
n=200
in="$tag.in"
bridge b --in "$in"
b=$last
"$peer" check "/$in" $n >"$tmp/check.log" 2>&1 &
check=$!
pids="$pids $check"
"$peer" dds-write "sluice/$tag/in" $n "$config" "$domain" --bad --gate "/$in" \
	>"$tmp/write.out" 2>"$tmp/write.log" || no "the DDS peer could not write: $(cat "$tmp/write.log")"
wait $check || no "the local topic did not get exactly the $n good ones in order"
stop "$b" b
[ "$(counter b in)" = "$n" ] || no "bridge published $(counter b in), not $n"
[ "$(counter b type)" = 20 ] || no "wrong type: $(counter b type) refused, not 20"
[ "$(counter b hash)" = 20 ] || no "wrong schema hash: $(counter b hash) refused, not 20"
[ "$(counter b payload)" = 20 ] || no "truncated payload: $(counter b payload) refused, not 20"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: 60 bad envelopes refused and counted, $n good ones published"
exit $fail
