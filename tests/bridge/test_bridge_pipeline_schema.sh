#!/bin/sh
# test_bridge_pipeline_schema.sh - a topic a pipeline's bridge: in: takes
# from DDS carries the binary schema the far side announced, as one that
# `sluice bridge --in` makes does: sluice echo decodes it on the far side.
# Pipeline "robot" sends imu_sim's truth (sluice.msg.Pose) out; pipeline
# "ground" takes it in and writes it to a json_sink; sluice echo on ground's
# topic prints JSON fields, not hex.
. "$(dirname "$0")/lib.sh"
export SLUICE_PLUGIN_PATH
SLUICE_PLUGIN_PATH=$(cd "$(dirname "$sluice")/../lib/sluice/plugins" && pwd) ||
	{ echo "SKIP: no plugins beside $sluice"; exit 77; }
robot="robot$tag"
ground="ground$tag"
cat >"$tmp/robot.yaml" <<YAML
topics:
  truth: { type: sluice.msg.Pose, slots: 64, slot_size: 1024 }
  imu: { type: sluice.msg.Imu, slots: 64, slot_size: 1024, delivery: lossy }
stages:
  imu: { plugin: imu_sim, outputs: { imu: imu, truth: truth } }
bridge: { out: [truth], domain: $domain, config: $config }
YAML
cat >"$tmp/ground.yaml" <<YAML
topics:
  truth: { type: sluice.msg.Pose, slots: 64, slot_size: 1024 }
stages:
  sink: { plugin: json_sink, params: { path: $tmp/out.jsonl, flush_ms: 50 }, inputs: { in: truth } }
bridge: { in: [truth], domain: $domain, config: $config }
YAML
"$sluice" run "$tmp/robot.yaml" --name "$robot" --duration 6 --quiet >"$tmp/robot.log" 2>&1 &
r=$!
pids="$pids $r"
sleep 1
"$sluice" run "$tmp/ground.yaml" --name "$ground" --duration 3 --quiet >"$tmp/ground.log" 2>&1 &
g=$!
pids="$pids $g"
# wait for the ground topic to have messages, then decode one
i=0
while [ $i -lt 50 ]; do
	"$sluice" echo "/$ground.truth" --oldest -n 1 >"$tmp/echo.out" 2>"$tmp/echo.log" && break
	sleep 0.1
	i=$((i + 1))
done
grep -q '"position"' "$tmp/echo.out" ||
	no "sluice echo did not decode ground's bridged topic: $(cat "$tmp/echo.out" "$tmp/echo.log")"
wait $g || no "ground pipeline failed: $(cat "$tmp/ground.log")"
kill -INT $r 2>/dev/null
wait $r
[ -s "$tmp/out.jsonl" ] || no "the ground sink wrote nothing"
rm -f /dev/shm/"$robot".* /dev/shm/"$ground".*
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: ground's bridged topic carries the schema; echo decoded: $(head -c 200 "$tmp/echo.out")"
exit $fail
