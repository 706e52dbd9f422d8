#!/bin/sh
# make chaos: the chaos test of tests/runtime/test_chaos.sh for minutes, not
# seconds: random SIGKILL and SIGSTOP of the demo pipeline's stages, its
# supervisor and tools, invariants checked after each epoch.
#   sh scripts/chaos.sh [SECONDS] [SEED]     (default 180 s, seed from the clock)
# CHAOS_SEED=N replays a run's choices; the seed is printed first.
set -eu
bin=${SLUICE_BUILD:-build}
secs=${1:-${CHAOS_SECONDS:-180}}
[ -x "$bin/bin/sluice" ] && [ -x "$bin/tests/chaos_sub" ] || {
	echo "chaos: build first (make build, or cmake --build $bin --target chaos_sub)" >&2
	exit 2
}
exec sh tests/runtime/test_chaos.sh "$bin/bin/sluice" "$bin/tests/chaos_sub" \
	examples/sensor_fusion.yaml "$secs" ${2:+"$2"}
