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
