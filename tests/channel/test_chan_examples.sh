#!/bin/sh
# test_chan_examples.sh - the README's channel examples, as two processes:
# chan_sub started first, then chan_pub on the same topic.  Lossless: the
# subscriber joins while the publisher streams flat out (it starts polling
# for the topic first), and must read every message from where it joined,
# intact and in order, none lost (chan_sub exits 0 only then).  Repeated,
# because a join racing a fast publisher is what this guards.  Lossy: a
# subscriber holding each view 100 us while 20000 msgs/s arrive is lapped and told so, and never
# counts a damaged message.
#   test_chan_examples.sh DIR_WITH_chan_pub_AND_chan_sub
set -u
bin=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0

run() { # name pub-args... -- sub-args...
	name=$1
	shift
	pubargs=""
	while [ "$1" != "--" ]; do pubargs="$pubargs $1"; shift; done
	shift
	topic="/sluice-extest-$$-$name"
	"$bin/chan_sub" "$topic" "$@" >"$out/sub" 2>&1 &
	sub=$!
	sleep 0.05
	# shellcheck disable=SC2086
	if ! "$bin/chan_pub" "$topic" $pubargs >"$out/pub" 2>&1; then
		echo "$name: chan_pub failed:"; cat "$out/pub"; fail=1
	fi
	if ! wait "$sub"; then
		echo "$name: chan_sub failed:"; cat "$out/sub"; fail=1
	fi
	rm -f "/dev/shm$topic"
}

for i in 1 2 3 4 5 6; do
	run "lossless$i" --count 2000000 --
	grep -q "lost 0 .*torn 0, bad 0" "$out/sub" || { echo "lossless$i:"; cat "$out/sub"; fail=1; }
done
run lossy --lossy --count 20000 --rate 20000 -- --slow 100
if ! grep -q "bad 0" "$out/sub" || grep -q "lost 0 " "$out/sub"; then
	echo "lossy: expected losses and no damaged message:"; cat "$out/sub"; fail=1
fi
exit $fail
