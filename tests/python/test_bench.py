"""test_bench.py - `sluice-bench python` runs and its --json - output has
the documented shape (no figure is asserted: speed is not a unit test's)."""
import json
import os
import subprocess

import pytest


def test_bench_python_json(bindir):
    exe = os.path.join(bindir, "sluice-bench")
    if not os.path.exists(exe):
        pytest.skip("sluice-bench is not built")
    out = subprocess.run([exe, "python", "--messages", "2000", "--latency-messages", "50",
                          "--interval-us", "50", "--batch", "16", "--json", "-"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    methods = ("sluice", "pyzmq", "mp-queue", "mp-pipe", "sluice-batch", "pyzmq-batch",
               "sluice-poll", "pyzmq-poll", "mp-pipe-poll", "eventfd")
    assert [(r["method"], r["size"]) for r in rows] == \
        [(m, s) for s in (64, 4096) for m in methods]
    for r in rows:
        if r.get("skipped"):
            assert r["method"].startswith("pyzmq")  # the one optional peer
            continue
        assert r["msgs_per_s"] > 0 and 0 < r["p50_ns"] <= r["p99_ns"], r
        assert ("batch" in r) == r["method"].endswith("-batch")
        assert (r.get("receiver") == "busy-poll") == r["method"].endswith("-poll")
    assert "msgs/s" in out.stderr  # the table goes to stderr when JSON is on stdout
