#!/bin/sh
# test_python_stage.sh - a `python: FILE` stage in every build (plain, ASan,
# TSan), in process mode: gps_sim (C) -> Python (dict in, dict out through
# the topic's schema) -> json_sink (C), the Python stage's process killed
# with SIGKILL once and restarted by the supervisor; every value checked,
# none lost.
# (tests/python/test_stage.py has the rest; it needs a Python that can load
# the build's libsluice.so, so the sanitizer builds skip it.)
#
#   test_python_stage.sh SLUICE PLUGIN_DIR
#
# Exit 77 (skipped) when the python_stage plugin was not built (no
# python3-embed: Debian's libpython3-dev). Process mode only: in --threads
# mode LeakSanitizer reports the interpreter, which is never finalised, at
# the supervisor's exit. Everything it makes is removed on exit.
set -u
SLUICE=$1
PLUGINS=$2
if [ ! -f "$PLUGINS/python_stage.so" ]; then
	echo "test_python_stage: SKIP: $PLUGINS/python_stage.so not built (python3-embed missing:" \
		"Debian libpython3-dev)"
	exit 77
fi
if ! command -v python3 >/dev/null; then
	echo "test_python_stage: SKIP: no python3 to read the results with"
	exit 77
fi
tag="pystage$$"
work=$(mktemp -d /tmp/sluice-pystage.XXXXXX) || exit 1
sup=
cleanup() {
	[ -n "$sup" ] && kill -KILL "$sup" 2>/dev/null
	"$SLUICE" clean "$tag" >/dev/null 2>&1
	rm -f /dev/shm/"$tag".* 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir "$work/stages"
cat >"$work/stages/sats.py" <<'EOF'
def on_message(msg, ctx):
    fix = msg.dict()
    fix["satellites"] = fix["satellites"] + ctx.params["plus"]
    ctx.publish("out", fix)
EOF
cat >"$work/p.yaml" <<EOF
topics:
  gps:  { type: sluice.msg.GpsFix, slots: 64, slot_size: 1024 }
  gps2: { type: sluice.msg.GpsFix, slots: 64, slot_size: 1024 }
stages:
  gps_sim: { plugin: gps_sim, params: { seed: 2 }, outputs: { fix: gps } }
  py:   { python: stages/sats.py, params: { plus: 100 }, inputs: { in: gps },
          outputs: { out: gps2 }, restart: on-failure }
  sink: { plugin: json_sink, params: { path: $work/out.jsonl }, inputs: { in: gps2 } }
EOF

"$SLUICE" run "$work/p.yaml" --name "$tag" --duration 6 --quiet --summary "$work/s.json" \
	>"$work/run.log" 2>&1 &
sup=$!

# The Python stage's process: the supervisor's child named after the stage.
stage_pid() {
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = py ] || continue
		ppid=$(sed 's/.*) //' "$d/stat" 2>/dev/null | cut -d' ' -f2)
		[ "$ppid" = "$sup" ] && echo "${d#/proc/}" && return
	done
}

pid=
i=0
while [ $i -lt 100 ] && [ -z "$pid" ]; do
	# a few messages through it first
	[ -s "$work/out.jsonl" ] && pid=$(stage_pid)
	sleep 0.05
	i=$((i + 1))
done
if [ -z "$pid" ]; then
	echo "test_python_stage: FAIL: the Python stage never ran"
	cat "$work/run.log"
	exit 1
fi
sleep 1
kill -KILL "$pid"
echo "killed the Python stage's process $pid"
wait "$sup"
rc=$?
sup=
cat "$work/run.log"
if [ $rc -ne 0 ]; then
	echo "test_python_stage: FAIL: sluice run exited $rc"
	exit 1
fi
if grep -q "Sanitizer" "$work/run.log"; then
	echo "test_python_stage: FAIL: a sanitizer reported (above)"
	exit 1
fi
python3 - "$work/s.json" "$work/out.jsonl" <<'EOF'
import json, sys

s = json.load(open(sys.argv[1]))
py = [x for x in s["stages"] if x["name"] == "py"][0]
topics = {t["name"]: t for t in s["topics"]}
lines = [json.loads(x) for x in open(sys.argv[2])]
print("py: restarts %d, messages %d, ended %s; gps2 published %d; sink %d lines" %
      (py["restarts"], py["messages"], py["ended"], topics["gps2"]["published"], len(lines)))
assert py["restarts"] == 1, "the supervisor restarted the killed stage once"
assert py["ended"] == "cleanly"
assert py["plugin"] == "python_stage"
assert len(lines) == topics["gps2"]["published"] > 30
assert all(m["type"] == "sluice.msg.GpsFix" and m["satellites"] == 109 for m in lines)
# gps_sim's sequence numbers: none lost, in order within each of the two
# processes. The restarted one joins its input at the oldest message still
# there (as a restarted C stage does), so it may take again what the
# killed one had: at least once across a crash.
seqs = [m["header"]["seq"] for m in lines]
assert sorted(set(seqs)) == list(range(topics["gps"]["published"])), "every fix, none lost"
back = [i for i in range(1, len(seqs)) if seqs[i] <= seqs[i - 1]]
assert len(back) <= 1, "in order but for the one restart: %s" % back
print("test_python_stage: ok")
EOF
