#!/bin/sh
# make demo: the main job.  The seed's section 6 as a running pipeline:
# simulated IMU (1 kHz) and GPS (10 Hz) -> EKF fusion -> pose, monitored
# against ground truth, every stage its own process over shared-memory
# topics, for about 10 seconds, ending with the summary.
# SLUICE_DEMO_RECORD=1 also records every topic to build/demo.mcap
# (examples/sensor_fusion_record.yaml); examples/fusion_replay.yaml replays it.
set -eu
bin=${1:-build/bin}
if [ "${SLUICE_DEMO_RECORD:-0}" != 1 ]; then
	exec "$bin/sluice" run examples/sensor_fusion.yaml --duration "${SLUICE_DEMO_SECONDS:-10}" \
		--summary build/demo-summary.json
fi
mkdir -p build
"$bin/sluice" run examples/sensor_fusion_record.yaml --duration "${SLUICE_DEMO_SECONDS:-10}" \
	--summary build/demo-summary.json
"$bin/sluice" info build/demo.mcap
echo "replay it: $bin/sluice run examples/fusion_replay.yaml"
