#!/bin/sh
# test_ipc_iceoryx_large.sh - `sluice-bench ipc` carries iceoryx messages
# larger than RouDi's built-in 4 MiB chunks: it starts RouDi with a pool of
# its own for them (a temporary configuration file it removes again), so a
# 4 MiB message is run and checked byte by byte, not skipped. Skipped (77)
# without iox-roudi, or when a RouDi the bench did not start was running
# and has no pool that large (the loan fails with EMSGSIZE). No figure is
# checked.
set -u
BENCH=$1
command -v iox-roudi >/dev/null 2>&1 || { echo "SKIP: iox-roudi not installed"; exit 77; }
out=$(mktemp -d /tmp/sluice-test-ipc-iox.XXXXXX)
trap 'rm -rf "$out"' EXIT INT TERM
before=$(ls /tmp/sluice-bench-roudi-* 2>/dev/null | wc -l)
"$BENCH" ipc --smoke --no-stream --count 30 --transports iceoryx --sizes 4194304 \
	>"$out/txt" 2>&1
rc=$?
cat "$out/txt"
if [ $rc != 0 ] && grep -q 'Message too long' "$out/txt"; then
	echo "SKIP: a RouDi not started by the bench runs, without a pool for 4 MiB"
	exit 77
fi
fails=0
[ $rc = 0 ] || { echo "FAIL: exit $rc, wanted 0 (77: every run skipped)"; fails=1; }
grep -q 'iceoryx  *4194304 B ok' "$out/txt" || { echo "FAIL: no 4 MiB iceoryx run"; fails=1; }
after=$(ls /tmp/sluice-bench-roudi-* 2>/dev/null | wc -l)
[ "$after" -le "$before" ] || { echo "FAIL: RouDi configuration left in /tmp"; fails=1; }
exit $fails
