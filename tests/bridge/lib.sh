# lib.sh - what the bridge tests share (sourced): arguments, a DDS domain of
# their own, unique topic names, and a clean-up that stops every process the
# test started and removes every topic it made, pass or fail.
#   usage of a test: test_bridge_X.sh SLUICE BRIDGE_PEER LOOPBACK_XML
sluice=$1
peer=$2
config=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
tmp=$(mktemp -d) || exit 1
# Another domain per run, so tests running side by side never meet.
domain=$(($$ % 200 + 1))
tag="brt$$"
pids=""
fail=0

cleanup() {
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -f /dev/shm/*"$tag"*
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# bridge NAME ARGS...: starts a bridge (its stderr in $tmp/NAME.log); $last is its pid
bridge() {
	name=$1
	shift
	"$sluice" bridge --domain "$domain" --config "$config" --verbose "$@" \
		>"$tmp/$name.log" 2>&1 &
	last=$!
	pids="$pids $last"
}

# spawn LOG CMD...: runs CMD in the background, its output in $tmp/LOG;
# $last is its pid, killed at the end like every process here
spawn() {
	log=$1
	shift
	"$@" >"$tmp/$log" 2>&1 &
	last=$!
	pids="$pids $last"
}

# gated_stream N RATE: a checker of /$far$t expecting N messages in order
# ($check), and a publisher of N on /$t at RATE a second that starts when
# $tmp/go appears ($pub); returns once the far bridge has made /$far$t
gated_stream() {
	spawn check.log "$peer" check "/$far$t" "$1"
	check=$last
	spawn pub.log "$peer" pub "/$t" "$1" --rate "$2" --gate-file "$tmp/go"
	pub=$last
	for i in $(seq 100); do
		[ -e "/dev/shm/$far$t" ] && break
		sleep 0.1
	done
}

# stop PID NAME: SIGTERM, wait; its counters line is then in $tmp/NAME.log,
# and it must exit 0 (a sanitizer's report makes it fail)
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" || no "bridge $2 exited with status $?"
}

# counter NAME FIELD: a number from the bridge's counters line, e.g. "in", "duplicates", "type"
counter() {
	sed -n 's/.*counters\{0\}.*//; s/^sluice bridge: out \([0-9]*\).* in \([0-9]*\) (duplicates \([0-9]*\), own \([0-9]*\).*refused: type \([0-9]*\), hash \([0-9]*\), payload \([0-9]*\), size \([0-9]*\).*/out=\1 in=\2 duplicates=\3 own=\4 type=\5 hash=\6 payload=\7 size=\8/p' \
		"$tmp/$1.log" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

no() {
	echo "FAIL: $*"
	fail=1
}

show_logs() {
	for f in "$tmp"/*.log; do
		echo "--- $(basename "$f")"
		cat "$f"
	done
}
