"""conftest.py - fixtures for the Python package's tests: unique topic
names removed after each test (even a failing one), the build's programs,
and the demo's GpsFix schema compiled to .bfbs by the build's sluicec."""
import os
import subprocess
import sys
import time

import pytest

SRC = os.environ.get("SLUICE_SRC_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                                     "..", "..")))
BIN = os.environ.get("SLUICE_BIN_DIR", os.path.join(SRC, "build", "bin"))
sys.path.insert(0, os.path.join(SRC, "python"))

import sluice  # noqa: E402

_count = [0]
_ETRUNCATED, _ENOTREADY = 4102, 4104  # sluice/error.h: a segment still being created


@pytest.fixture
def topic():
    """A topic name no other test or run uses; removed afterwards."""
    _count[0] += 1
    name = "/sluice-pytest-%d-%d-%d" % (os.getpid(), time.monotonic_ns() % 1000000, _count[0])
    yield name
    try:
        sluice.remove_topic(name, force=True)
    except sluice.SluiceError:
        pass


@pytest.fixture
def bindir():
    return BIN


def _bfbs(tmp_path_factory, name):
    out = tmp_path_factory.mktemp("bfbs")
    subprocess.run([os.path.join(BIN, "sluicec"), "--bfbs", "-o", str(out),
                    os.path.join(SRC, "schemas", name + ".fbs")], check=True)
    return str(out / (name + ".bfbs"))


@pytest.fixture(scope="session")
def gps_bfbs(tmp_path_factory):
    """Path of schemas/gps.fbs compiled to gps.bfbs."""
    return _bfbs(tmp_path_factory, "gps")


@pytest.fixture(scope="session")
def pose_bfbs(tmp_path_factory):
    return _bfbs(tmp_path_factory, "pose")


def wait_for(cond, timeout=10.0, what="condition"):
    """Polls cond() until it is true; fails the test after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.01)
    pytest.fail("timed out waiting for " + what)


def stat_or_none(name):
    """The topic's stats; None while it does not exist or is still being
    created (its segment not READY yet, or not yet its full size)."""
    try:
        return sluice.topic_stat(name)
    except sluice.TopicNotFound:
        return None
    except sluice.SluiceError as e:
        if e.code in (-_ENOTREADY, -_ETRUNCATED):
            return None
        raise


def tick_fill(buf, n):
    """chan_tick.h's tick_fill in Python: number, check word, filler."""
    check = tick_mix(n)
    buf[0:8] = n.to_bytes(8, "little")
    buf[8:16] = check.to_bytes(8, "little")
    for i in range(16, len(buf)):
        buf[i] = (check >> (8 * (i % 8))) & 0xFF


def tick_mix(n):
    m = (1 << 64) - 1
    n ^= n >> 33
    n = (n * 0xFF51AFD7ED558CCD) & m
    n ^= n >> 33
    return n


def tick_check(b):
    """The tick number in b, or -1 if any byte differs from tick_fill's."""
    if len(b) < 16:
        return -1
    n = int.from_bytes(b[0:8], "little")
    check = int.from_bytes(b[8:16], "little")
    if check != tick_mix(n):
        return -1
    for i in range(16, len(b)):
        if b[i] != (check >> (8 * (i % 8))) & 0xFF:
            return -1
    return n
