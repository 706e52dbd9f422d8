"""test_examples.py - examples/python run against the C tools."""
import json
import os
import signal
import subprocess
import sys

import sluice
from conftest import SRC, stat_or_none, wait_for

FIX = {"header": {"seq": 5, "frame_id": "gps"}, "satellites": 9}


def test_echo_py(topic, bindir, gps_bfbs):
    with sluice.Publisher(topic, type="sluice.msg.GpsFix", schema=gps_bfbs) as pub:
        echo = subprocess.Popen([sys.executable, os.path.join(SRC, "examples", "python",
                                                              "echo.py"), topic, "-n", "2"],
                                stdout=subprocess.PIPE, text=True)
        wait_for(lambda: sluice.topic_stat(topic)["subscribers"] == 1, what="echo.py")
        pub.publish(FIX)
        pub.publish(dict(FIX, satellites=10))
        out, _ = echo.communicate(timeout=10)
    assert echo.returncode == 0
    assert [json.loads(x) for x in out.splitlines()] == [FIX, dict(FIX, satellites=10)]


def test_echo_py_matches_sluice_echo(topic, bindir):
    """The same messages printed by echo.py and by `sluice echo`."""
    pub = subprocess.Popen([os.path.join(bindir, "sluice"), "pub", topic, json.dumps(FIX),
                            "--type", "sluice.msg.GpsFix", "--schema",
                            os.path.join(SRC, "schemas", "gps.fbs"), "-n", "0", "--rate", "100"])
    try:
        wait_for(lambda: (stat_or_none(topic) or {}).get("publisher_alive"), what="sluice pub")
        py = subprocess.run([sys.executable, os.path.join(SRC, "examples", "python", "echo.py"),
                             topic, "-n", "3"], capture_output=True, text=True, timeout=10)
        c = subprocess.run([os.path.join(bindir, "sluice"), "echo", topic, "-n", "3"],
                           capture_output=True, text=True, timeout=10)
    finally:
        pub.send_signal(signal.SIGINT)
        pub.wait(10)
    assert py.returncode == 0 and c.returncode == 0, py.stderr + c.stderr
    assert [json.loads(x) for x in py.stdout.splitlines()] == \
        [json.loads(x) for x in c.stdout.splitlines()] == [FIX] * 3


def test_plot_fusion_png(tmp_path, bindir):
    """The demo pipeline runs; plot_fusion.py draws its topics into a PNG,
    rewritten while they come (live), then once more at the end."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        import pytest

        pytest.skip("matplotlib is not installed (Debian: python3-matplotlib)")
    name = "pyplot%d" % os.getpid()
    png = tmp_path / "fusion.png"
    (tmp_path / "build").mkdir()  # json_sink writes build/pose.jsonl
    run = subprocess.Popen([os.path.join(bindir, "sluice"), "run",
                            os.path.join(SRC, "examples", "sensor_fusion.yaml"), "--duration",
                            "8", "--quiet", "--name", name], cwd=str(tmp_path),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        plot = subprocess.Popen([sys.executable, os.path.join(SRC, "examples", "python",
                                                              "plot_fusion.py"),
                                 "--pipeline", name, "--seconds", "5", "--refresh", "0.3",
                                 "--out", str(png)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, MPLCONFIGDIR=str(tmp_path)))
        try:
            # live: the PNG is there, and rewritten, before the plot ends
            wait_for(lambda: png.exists(), timeout=30, what="the first redraw")
            first = png.stat().st_mtime_ns
            wait_for(lambda: png.stat().st_mtime_ns != first, timeout=30,
                     what="a second redraw")
            assert plot.poll() is None, "the plot ended before it redrew"
            out, err = plot.communicate(timeout=60)
        finally:
            if plot.poll() is None:
                plot.kill()
    finally:
        log, _ = run.communicate(timeout=30)
    assert plot.returncode == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "fusion.png.part.png").exists()
    counts = [int(w) for w in out.replace(",", " ").split() if w.isdigit()]
    assert len(counts) == 3 and counts[1] > 0 and counts[2] > 0, out  # truths, fixes
    assert run.returncode == 0, log
