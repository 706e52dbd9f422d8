"""test_roundtrip.py - messages C -> Python and Python -> C, on lossless
topics (JSON through the GpsFix schema, `sluice pub` / `sluice echo`) and
lossy ones (chan_pub / chan_sub's checked ticks)."""
import json
import os
import signal
import subprocess

import sluice
from conftest import stat_or_none, tick_check, tick_fill, wait_for

FIX = {"header": {"stamp_ns": 12345, "frame_id": "gps", "seq": 7}, "kind": "Fix3D",
       "position": {"lat_deg": 48.5, "lon_deg": 9.25, "alt_m": 310.0}, "satellites": 11}


def test_c_to_python_lossless_json(topic, bindir):
    pub = subprocess.Popen([os.path.join(bindir, "sluice"), "pub", topic, json.dumps(FIX),
                            "--type", "sluice.msg.GpsFix", "--schema",
                            os.path.join(os.environ.get("SLUICE_SRC_DIR", "."), "schemas",
                                         "gps.fbs"), "-n", "0", "--rate", "200"])
    try:
        wait_for(lambda: (stat_or_none(topic) or {}).get("publisher_alive"), what="sluice pub")
        with sluice.Subscriber(topic, type="sluice.msg.GpsFix") as sub:
            assert sluice.topic_stat(topic)["delivery"] == "lossless"
            seqs = []
            for _ in range(5):
                msg = sub.take(timeout=5)
                assert msg is not None
                assert msg.lost_before == 0
                assert msg.stamp_ns > 0
                seqs.append(msg.seq)
                assert msg.dict() == FIX
            assert seqs == list(range(seqs[0], seqs[0] + 5))
    finally:
        pub.send_signal(signal.SIGINT)
        assert pub.wait(10) == 0


def test_python_to_c_lossless_json(topic, bindir, gps_bfbs):
    with sluice.Publisher(topic, type="sluice.msg.GpsFix", schema=gps_bfbs) as pub:
        echo = subprocess.Popen([os.path.join(bindir, "sluice"), "echo", topic, "-n", "3"],
                                stdout=subprocess.PIPE, text=True)
        wait_for(lambda: sluice.topic_stat(topic)["subscribers"] == 1, what="sluice echo")
        sent = [dict(FIX, satellites=i + 1) for i in range(3)]  # 0, the default, is not stored
        for m in sent:
            pub.publish(m)
        out, _ = echo.communicate(timeout=10)
    assert echo.returncode == 0
    assert [json.loads(line) for line in out.splitlines()] == sent


def lapped(topic, seq):
    st = sluice.topic_stat(topic)
    return st["next_seq"] > seq + st["slot_count"] + 16 or not st["publisher_alive"]


def test_c_to_python_lossy_ticks(topic, bindir):
    """chan_pub never waits on a lossy topic; a slow Python reader is told
    exactly what it lost, and every message it keeps is intact."""
    n = 3000
    pub = subprocess.Popen([os.path.join(bindir, "chan_pub"), "--lossy", "--count", str(n),
                            "--rate", "3000", "--size", "256", "--keep", topic], stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: stat_or_none(topic), what="chan_pub's topic")
        sub = sluice.Subscriber(topic, type="sluice.example.Tick", join="oldest")
        assert sluice.topic_stat(topic)["delivery"] == "lossy"
        got = lost = torn = 0
        prev = None
        i = 0
        while True:
            try:
                msg = sub.take(timeout=5)
            except sluice.PublisherGone:
                break
            assert msg is not None
            i += 1
            try:
                with msg:
                    if i % 50 == 0:
                        # hold the view long enough to be lapped now and then
                        wait_for(lambda: lapped(topic, msg.seq),
                                 what="the publisher to lap us")
                    value = tick_check(msg.data)
            except sluice.TornError:
                torn += 1
                prev = msg.seq
                continue
            assert value == msg.seq, "intact message %d holds tick %d" % (msg.seq, value)
            if prev is not None:
                assert msg.seq == prev + 1 + msg.lost_before
            prev = msg.seq
            got += 1
            lost += msg.lost_before
        assert pub.wait(10) == 0
        assert got > 0 and got + lost + torn <= n
        assert torn > 0 or lost > 0  # it was lapped, and said so
        assert sub.stats()["lost"] >= lost
        sub.close()
    finally:
        if pub.poll() is None:
            pub.kill()
            pub.wait()


def test_python_to_c_lossless_ticks_in_place(topic, bindir):
    """Ticks built in the loaned slot by Python; chan_sub checks each one."""
    with sluice.Publisher(topic, type="sluice.example.Tick", slot_size=128, slots=16) as pub:
        sub = subprocess.Popen([os.path.join(bindir, "chan_sub"), topic],
                               stdout=subprocess.PIPE, text=True)
        wait_for(lambda: sluice.topic_stat(topic)["subscribers"] == 1, what="chan_sub")
        for n in range(500):
            view = pub.loan(128)
            tick_fill(view[:100], n)
            pub.commit(0, 100)
    out, _ = sub.communicate(timeout=20)
    assert sub.returncode == 0, out
    assert "read 500, lost 0" in out and "torn 0, bad 0" in out, out


def test_python_to_c_lossy(topic, bindir):
    with sluice.Publisher(topic, type="sluice.example.Tick", slot_size=64, slots=8,
                          lossy=True) as pub:
        sub = subprocess.Popen([os.path.join(bindir, "chan_sub"), topic],
                               stdout=subprocess.PIPE, text=True)
        wait_for(lambda: sluice.topic_stat(topic)["subscribers"] == 1, what="chan_sub")
        buf = bytearray(64)
        for n in range(2000):
            tick_fill(buf, n)
            pub.publish(buf)
    out, _ = sub.communicate(timeout=20)
    assert sub.returncode == 0, out
    assert "bad 0" in out, out
