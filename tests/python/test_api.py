"""test_api.py - WaitSet, topics() and topic_stat(), Ctrl-C during a
blocking take(), and the package as `cmake --install` lays it out."""
import os
import signal
import subprocess
import sys
import time

import pytest

import sluice
from conftest import SRC


def test_waitset(topic):
    a, b = topic + "-a", topic + "-b"
    try:
        with sluice.Publisher(a, type="raw") as pa, sluice.Publisher(b, type="raw") as pb, \
                sluice.Subscriber(a) as sa, sluice.Subscriber(b) as sb, \
                sluice.WaitSet([sa, sb]) as ws:
            assert ws.wait(timeout=0.05) is None
            pb.publish(b"to b")
            assert ws.wait(timeout=1) is sb
            assert bytes(sb.take(0).data) == b"to b"
            pa.publish(b"to a")
            assert ws.wait(timeout=1) is sa
    finally:
        for t in (a, b):
            try:
                sluice.remove_topic(t, force=True)
            except sluice.SluiceError:
                pass


def test_topics_and_stat(topic):
    with sluice.Publisher(topic, type="sluice.test.T", slot_size=256, slots=8, lossy=True) as p, \
            sluice.Subscriber(topic):
        p.publish(b"1")
        rows = [r for r in sluice.topics() if r["topic"] == topic]
        assert rows == [{"topic": topic, "valid": True, "type": "sluice.test.T",
                         "delivery": "lossy", "publisher_pid": os.getpid(),
                         "publisher_alive": True, "subscribers": 1, "published": 1,
                         "lost": 0}]
        st = sluice.topic_stat(topic)
        assert (st["slot_size"], st["slot_count"], st["next_seq"]) == (256, 8, 1)
        assert st["subs"][0]["pid"] == os.getpid() and st["subs"][0]["alive"]
        # the same topic named without its slash
        assert sluice.topic_stat(topic[1:])["published"] == 1


CHILD = r"""
import sys, sluice
sub = sluice.Subscriber(sys.argv[1])
print("ready", flush=True)
try:
    sub.take()  # no timeout: only a signal ends it
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
"""


def test_ctrl_c_interrupts_take(topic):
    with sluice.Publisher(topic, type="raw"):
        child = subprocess.Popen([sys.executable, "-c", CHILD, topic], stdout=subprocess.PIPE,
                                 text=True)
        try:
            assert child.stdout.readline() == "ready\n"
            time.sleep(0.2)  # inside take() by now
            child.send_signal(signal.SIGINT)
            assert child.wait(5) == 3
            assert child.stdout.read() == "interrupted\n"
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()


def test_installed_package(tmp_path, topic):
    """`cmake --install` puts the package where the prefix's python3 looks
    and the installed package loads the installed libsluice.so."""
    build = os.environ.get("SLUICE_BUILD_DIR")
    if not build:
        pytest.skip("SLUICE_BUILD_DIR is not set (run through CTest)")
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--prefix", str(prefix)], check=True,
                   stdout=subprocess.DEVNULL)
    found = list(prefix.glob("lib/python3*/*-packages/sluice/__init__.py"))
    assert len(found) == 1, found
    site = found[0].parent.parent
    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("SLUICE_LIB", None)
    out = subprocess.run([sys.executable, "-c",
                          "import sluice, sys; p = sluice.Publisher(sys.argv[1]); "
                          "print(sluice.library_path)", topic],
                         env=env, cwd=str(tmp_path), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert os.path.realpath(out.stdout.strip()).startswith(str(prefix)), out.stdout
    assert str(SRC) not in out.stdout
