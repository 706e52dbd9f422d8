#!/bin/sh
# test_bridge_pipeline.sh - a pipeline file's bridge: section: sluice run
# starts `sluice bridge --pipeline NAME` beside the stages and supervises it.
# Pipeline "robot" counts (counter -> count, bridge out: [count]); pipeline
# "ground" writes what comes in (bridge in: [count] -> json_sink).  The
# ground bridge is killed with SIGKILL mid-run: sluice run restarts it, and
# the sink still gets every message once, in order.  sluice run --check
# refuses a bridge: that names no topic of the pipeline or takes in a topic
# a stage produces.
. "$(dirname "$0")/lib.sh"
export SLUICE_PLUGIN_PATH
SLUICE_PLUGIN_PATH=$(cd "$(dirname "$sluice")/../lib/sluice/plugins" && pwd) ||
	{ echo "SKIP: no plugins beside $sluice"; exit 77; }
robot="robot$tag"
ground="ground$tag"
cat >"$tmp/robot.yaml" <<YAML
topics:
  count: { type: sluice.Int64, slots: 64, slot_size: 64 }
stages:
  counter: { plugin: counter, outputs: { count: count } }
bridge: { out: [count], domain: $domain, config: $config }
YAML
cat >"$tmp/ground.yaml" <<YAML
topics:
  count: { type: sluice.Int64, slots: 64, slot_size: 64 }
stages:
  sink: { plugin: json_sink, params: { path: $tmp/out.jsonl, flush_ms: 50 }, inputs: { in: count } }
bridge: { in: [count], domain: $domain, config: $config }
YAML
"$sluice" run "$tmp/ground.yaml" --name "$ground" --duration 5 --quiet >"$tmp/ground.log" 2>&1 &
g=$!
pids="$pids $g"
sleep 0.5
"$sluice" run "$tmp/robot.yaml" --name "$robot" --duration 3 --quiet >"$tmp/robot.log" 2>&1 &
r=$!
pids="$pids $r"
sleep 1.5
# the ground pipeline's bridge, found by its unique pipeline name, killed by pid
gb=$(pgrep -f "sluice bridge --pipeline $ground " | head -n 1)
[ -n "$gb" ] && kill -KILL "$gb" || no "no bridge process for pipeline $ground"
wait $r || no "robot pipeline failed: $(cat "$tmp/robot.log")"
wait $g || no "ground pipeline failed: $(cat "$tmp/ground.log")"
sent=$(sed -n 's/^count  *\([0-9]*\) .*/\1/p' "$tmp/robot.log" | head -n 1)
[ -n "$sent" ] && [ "$sent" -gt 20 ] || no "robot published \"$sent\" messages"
# the sink's lines carry the local sequence: 0, 1, 2, ... each once
awk -F'"seq":' -v n="${sent:-0}" '
	{ split($2, a, ","); if (a[1] + 0 != NR - 1) { bad = 1 } }
	END { if (bad || NR != n) { print "sink wrote " NR " lines, wanted " n " in order"; exit 1 } }
' "$tmp/out.jsonl" || no "ground did not get every count once, in order"
grep -q "bridge" "$tmp/ground.log" || true
grep -qi "restart" "$tmp/ground.log" || no "sluice run did not say it restarts the bridge: $(cat "$tmp/ground.log")"

# --check: the bridge's topics must be the pipeline's, and one that comes in
# must not be produced here too
cat >"$tmp/bad1.yaml" <<YAML
topics:
  count: { type: sluice.Int64 }
stages:
  counter: { plugin: counter, outputs: { count: count } }
bridge: { out: [nosuch] }
YAML
cat >"$tmp/bad2.yaml" <<YAML
topics:
  count: { type: sluice.Int64 }
stages:
  counter: { plugin: counter, outputs: { count: count } }
bridge: { in: [count] }
YAML
"$sluice" run "$tmp/bad1.yaml" --check >"$tmp/bad1.log" 2>&1
[ $? = 2 ] && grep -q 'no topic "nosuch"' "$tmp/bad1.log" || no "bad1: $(cat "$tmp/bad1.log")"
"$sluice" run "$tmp/bad2.yaml" --check >"$tmp/bad2.log" 2>&1
[ $? = 2 ] && grep -q "produced by stage counter" "$tmp/bad2.log" || no "bad2: $(cat "$tmp/bad2.log")"
rm -f /dev/shm/"$robot".* /dev/shm/"$ground".*
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: $sent counts crossed between two pipelines' bridges, one restarted after SIGKILL"
exit $fail
