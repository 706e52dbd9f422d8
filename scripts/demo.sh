#!/bin/sh
# make demo: the main job.  The seed's section 6 as a running pipeline:
# simulated IMU (1 kHz) and GPS (10 Hz) -> EKF fusion -> pose, monitored
# against ground truth, every stage its own process over shared-memory
# topics, for about 10 seconds, ending with the summary.
set -eu
bin=${1:-build/bin}
exec "$bin/sluice" run examples/sensor_fusion.yaml --duration "${SLUICE_DEMO_SECONDS:-10}" \
	--summary build/demo-summary.json
