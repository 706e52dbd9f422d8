"""test_stage.py - Python stages in pipelines (`python: FILE`): run by
`sluice run` between C stages, killed and restarted by the supervisor,
exceptions counted as failures, and the pipeline file's errors."""
import json
import os
import signal
import struct
import subprocess
import time

import pytest

import sluice
from conftest import BIN, SRC, wait_for

BUILD = os.environ.get("SLUICE_BUILD_DIR", os.path.dirname(BIN))
PLUGIN = os.path.join(BUILD, "lib", "sluice", "plugins", "python_stage.so")
pytestmark = pytest.mark.skipif(not os.path.exists(PLUGIN),
                                reason="python_stage.so not built (python3-embed missing: "
                                       "Debian libpython3-dev)")

TRIPLE = '''import struct

def on_message(msg, ctx):
    assert msg.port == "in" and len(msg.data) == 8 and msg.data.readonly
    (n,) = struct.unpack("=q", msg.data)
    ctx.publish("out", struct.pack("=qq", n, n * ctx.params["factor"]))
'''


def pipeline(tmp_path, stage, extra="", sink=True):
    """A counter (C) -> Python stage -> json_sink (C) pipeline file."""
    (tmp_path / "stages").mkdir(exist_ok=True)
    (tmp_path / "stages" / "triple.py").write_text(stage)
    text = ("topics:\n"
            "  count: { type: sluice.Int64, slots: 64, slot_size: 64 }\n"
            "  tripled: { type: sluice.Int64Pair, slots: 64, slot_size: 64 }\n"
            "stages:\n"
            "  src: { plugin: counter, outputs: { count: count } }\n"
            "  py: { python: stages/triple.py, params: { factor: 3 }, inputs: { in: count },"
            " outputs: { out: tripled }%s }\n" % extra)
    if sink:
        text += ("  sink: { plugin: json_sink, params: { path: %s }, inputs: { in: tripled } }\n"
                 % (tmp_path / "sink.jsonl"))
    f = tmp_path / "p.yaml"
    f.write_text(text)
    return str(f)


def run(args, **kw):
    return subprocess.Popen([os.path.join(BIN, "sluice"), "run"] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kw)


def name():
    return "pyst%d_%d" % (os.getpid(), time.monotonic_ns() % 100000)


def stage_pid(sup, stage):
    """The supervisor's child process running stage (named after it)."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            with open("/proc/%s/comm" % d) as f:
                comm = f.read().strip()
        except OSError:
            continue
        ppid = int(st.rsplit(")", 1)[1].split()[1])
        if ppid == sup and comm == stage:
            return int(d)
    return None


def take_values(sub, count):
    out = []
    while len(out) < count:
        m = sub.take(timeout=5)
        with m:
            out.append(struct.unpack("=qq", m.data))
    return out


@pytest.mark.parametrize("mode", [[], ["--threads"]])
def test_c_python_c(tmp_path, mode):
    """counter -> Python (n, 3n) -> json_sink: every value, in order, and the
    stage's counters and latency in the summary like any stage's; as its
    own process, and as a thread of the supervisor."""
    nm = name()
    p = run([pipeline(tmp_path, TRIPLE), "--duration", "3", "--quiet", "--name", nm,
             "--summary", str(tmp_path / "s.json")] + mode)
    try:
        wait_for(lambda: os.path.exists("/dev/shm/%s.tripled" % nm), what="the topic")
        with sluice.Subscriber("/%s.tripled" % nm, join="oldest") as sub:
            vals = take_values(sub, 10)
    finally:
        out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out
    first = vals[0][0]
    assert vals == [(first + i, 3 * (first + i)) for i in range(10)]
    s = json.load(open(tmp_path / "s.json"))
    py = [x for x in s["stages"] if x["name"] == "py"][0]
    assert py["plugin"] == "python_stage" and py["ended"] == "cleanly"
    assert py["restarts"] == 0 and py["messages"] >= 10
    t = [x for x in s["topics"] if x["name"] == "tripled"][0]
    assert t["published"] == py["messages"] and t["latency_p50_ns"] > 0
    lines = open(tmp_path / "sink.jsonl").read().splitlines()
    assert len(lines) == t["published"]


def test_killed_and_restarted(tmp_path):
    """SIGKILL the Python stage's process: the supervisor restarts it and
    the values go on (restart: on-failure); the summary counts it."""
    nm = name()
    p = run([pipeline(tmp_path, TRIPLE, ", restart: on-failure"), "--duration", "5", "--quiet",
             "--name", nm, "--summary", str(tmp_path / "s.json")])
    try:
        wait_for(lambda: os.path.exists("/dev/shm/%s.tripled" % nm), what="the topic")
        with sluice.Subscriber("/%s.tripled" % nm, join="oldest") as sub:
            before = take_values(sub, 3)
            pid = wait_for(lambda: stage_pid(p.pid, "py"), what="the stage's process")
            os.kill(pid, signal.SIGKILL)
            again = wait_for(lambda: (stage_pid(p.pid, "py") or pid) != pid and
                             stage_pid(p.pid, "py"), what="a new process for the stage")
            after = take_values(sub, 12)
    finally:
        out, _ = p.communicate(timeout=30)
    assert again != pid
    # Values keep coming from the restarted process, each still (n, 3n).
    assert all(b == 3 * a for a, b in before + after)
    assert after[-1][0] > before[-1][0]
    s = json.load(open(tmp_path / "s.json"))
    py = [x for x in s["stages"] if x["name"] == "py"][0]
    assert py["restarts"] == 1, out
    # killed, then restarted and stopped cleanly at --duration
    assert p.returncode == 0, out


WHERE = '''import struct

def on_message(msg, ctx):
    import numpy
    a = numpy.frombuffer(msg.data, dtype="u1")
    addr = a.__array_interface__["data"][0]
    del a  # the view is released when the call returns
    where = ""
    with open("/proc/self/maps") as f:
        for line in f:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if lo <= addr < hi:
                where = line.split()[-1]
    (n,) = struct.unpack("=q", msg.data)
    ctx.publish("out", struct.pack("=qq", n, where == ctx.params["seg"]))
'''


def test_zero_copy(tmp_path):
    """msg.data lies in the input topic's shared memory itself: no copy."""
    pytest.importorskip("numpy")
    nm = name()
    f = pipeline(tmp_path, WHERE, sink=False)
    text = open(f).read().replace("params: { factor: 3 }",
                                  "params: { seg: /dev/shm/%s.count }" % nm)
    open(f, "w").write(text)
    p = run([f, "--duration", "2", "--quiet", "--name", nm])
    try:
        wait_for(lambda: os.path.exists("/dev/shm/%s.tripled" % nm), what="the topic")
        with sluice.Subscriber("/%s.tripled" % nm, join="oldest") as sub:
            vals = take_values(sub, 5)
    finally:
        out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out
    assert [v[1] for v in vals] == [1] * 5, vals


ADD = '''import struct

def on_message(msg, ctx):
    n, m = struct.unpack("=qq", msg.data)
    ctx.publish(0, struct.pack("=qq", n, m + ctx.params["plus"]))
'''


def test_two_python_stages_threads(tmp_path):
    """Two Python stages in one process (--threads) share the interpreter:
    counter -> py (n, 3n) -> py2 (n, 3n + 1)."""
    f = pipeline(tmp_path, TRIPLE, sink=False)
    (tmp_path / "add.py").write_text(ADD)
    with open(f, "a") as fh:
        fh.write("  py2: { python: add.py, params: { plus: 1 }, inputs: { x: tripled },"
                 " outputs: { y: plus1 } }\n")
    text = open(f).read().replace("stages:\n", "  plus1: { type: sluice.Int64Pair }\nstages:\n")
    open(f, "w").write(text)
    nm = name()
    p = run([f, "--duration", "3", "--quiet", "--threads", "--name", nm])
    try:
        wait_for(lambda: os.path.exists("/dev/shm/%s.plus1" % nm), what="the topic")
        with sluice.Subscriber("/%s.plus1" % nm, join="oldest") as sub:
            vals = take_values(sub, 10)
    finally:
        out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out
    first = vals[0][0]
    assert vals == [(first + i, 3 * (first + i) + 1) for i in range(10)]


BAD = '''def on_message(msg, ctx):
    if msg.seq == 2:
        raise ValueError("seq two is bad")
    ctx.publish("out", bytes(16))
'''


def test_exception_is_a_failure(tmp_path):
    """An exception in on_message is the stage's error return: reported with
    its traceback, the stage fails (exit 1) and its restarts are counted."""
    nm = name()
    p = run([pipeline(tmp_path, BAD, ", restart: never"), "--duration", "3", "--name", nm,
             "--summary", str(tmp_path / "s.json")])
    out, _ = p.communicate(timeout=20)
    assert p.returncode == 1, out
    assert "ValueError: seq two is bad" in out and "triple.py\", line 3" in out
    s = json.load(open(tmp_path / "s.json"))
    py = [x for x in s["stages"] if x["name"] == "py"][0]
    assert py["ended"] == "failed" and py["messages"] == 3


TICK = '''import struct

def on_start(ctx):
    ctx.n = 0
    print("tick source", ctx.name, "started")

def on_tick(ctx):
    ctx.n += 1
    ctx.publish("out", struct.pack("=qq", ctx.n, ctx.n * ctx.params["factor"]))
'''


def test_ticking_python_source(tmp_path):
    """A Python stage with tick_hz and no inputs is a source; what it
    prints is not lost with its process."""
    f = tmp_path / "t.yaml"
    (tmp_path / "tick.py").write_text(TICK)
    f.write_text("topics:\n  out: { type: sluice.Int64Pair, slots: 64, slot_size: 64 }\n"
                 "stages:\n  tk: { python: tick.py, tick_hz: 50, params: { factor: 2 },"
                 " outputs: { out: out } }\n")
    nm = name()
    p = run([str(f), "--duration", "3", "--quiet", "--name", nm])
    try:
        wait_for(lambda: os.path.exists("/dev/shm/%s.out" % nm), what="the topic")
        with sluice.Subscriber("/%s.out" % nm, join="oldest") as sub:
            vals = take_values(sub, 5)
    finally:
        out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out
    assert vals == [(i, 2 * i) for i in range(1, 6)]
    # print() reaches the run's output: flushed when the stage stops
    assert "tick source tk started" in out, out


@pytest.mark.parametrize("stage,where,text", [
    ("{ python: nothere.py, inputs: { in: count } }", "7:17",
     "python file \"%s/nothere.py\": No such file or directory"),
    ("{ plugin: counter, python: stages/triple.py, inputs: { in: count } }", "7:34",
     "stage py has both plugin: and python:"),
    ("{ plugin: counter, tick_hz: 5 }", "7:35", "tick_hz is a key of python: stages"),
    ("{ python: stages/triple.py, tick_hz: fast, inputs: { in: count } }", "7:44",
     "tick_hz must be a rate in Hz"),
    ("{ python: stages/triple.py, outputs: { out: count2 } }", "7:3",
     "python stage py has no inputs and no tick_hz"),
    ("{ python: stages/triple.py, inputs: { in: nope } }", "7:49", "unknown topic \"nope\""),
    ("{ python: '', inputs: { in: count } }", "7:17", "python must be a non-empty value"),
])
def test_bad_python_key(tmp_path, stage, where, text):
    """Strict errors, at the file, line and column of the offending item."""
    (tmp_path / "stages").mkdir()
    (tmp_path / "stages" / "triple.py").write_text(TRIPLE)
    f = tmp_path / "bad.yaml"
    f.write_text("topics:\n"
                 "  count: { type: sluice.Int64 }\n"
                 "  count2: { type: sluice.Int64 }\n"
                 "stages:\n"
                 "  src: { plugin: counter, outputs: { count: count } }\n"
                 "  sink: { plugin: json_sink, params: { path: /dev/null }, inputs: { in: count } }\n"
                 "  py: %s\n" % stage)
    r = subprocess.run([os.path.join(BIN, "sluice"), "run", "--check", str(f)],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "%s:%s: " % (f, where) in r.stderr, r.stderr
    assert (text % tmp_path if "%s" in text else text) in r.stderr, r.stderr


def test_demo_python_variant(tmp_path):
    """examples/sensor_fusion_python.yaml: the demo with a Python stage that
    averages the last 5 GPS fixes through the topic's schema (dict in,
    dict out); checked against the raw fixes read beside it."""
    (tmp_path / "build").mkdir()
    nm = name()
    p = run([os.path.join(SRC, "examples", "sensor_fusion_python.yaml"), "--duration", "3",
             "--quiet", "--name", nm, "--summary", str(tmp_path / "s.json")], cwd=str(tmp_path))
    raw = {}
    try:
        wait_for(lambda: os.path.exists("/dev/shm/%s.gps" % nm), what="the gps topic")
        with sluice.Subscriber("/%s.gps" % nm, join="oldest") as sub:
            while len(raw) < 10:
                with sub.take(timeout=5) as m:
                    d = m.dict()
                raw[d["header"]["seq"]] = d["position"]
    finally:
        out, _ = p.communicate(timeout=30)
    assert p.returncode == 0, out
    smooth = [json.loads(x) for x in open(tmp_path / "build" / "gps_smooth.jsonl")]
    s = json.load(open(tmp_path / "s.json"))
    gs = [x for x in s["stages"] if x["name"] == "gps_smooth"][0]
    assert gs["ended"] == "cleanly" and gs["restarts"] == 0
    assert len(smooth) >= 10 and len(smooth) == gs["messages"]
    assert [m["header"]["seq"] for m in smooth] == list(range(len(smooth)))
    checked = 0
    for m in smooth:
        k = m["header"]["seq"]
        window = [raw.get(j) for j in range(max(0, k - 4), k + 1)]
        if None in window:
            continue  # a fix this test's subscriber did not see
        for f in ("lat_deg", "lon_deg", "alt_m"):
            assert m["position"][f] == pytest.approx(sum(w[f] for w in window) / len(window),
                                                     rel=1e-12)
        checked += 1
    assert checked >= 5
