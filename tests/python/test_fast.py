"""test_fast.py - the message path through the C extension sluice._fast
and through ctypes behaves the same.  run_pytest.sh runs the whole suite
with the extension (where the build made it) and again with
SLUICE_PY_NO_EXT=1; SLUICE_PY_EXPECT_EXT says which of the two this is, so
a run that silently fell back to ctypes fails here."""
import os

import pytest

import sluice
from sluice import _lib


def test_the_expected_path_is_in_use():
    want = os.environ.get("SLUICE_PY_EXPECT_EXT")
    if want is None:
        pytest.skip("SLUICE_PY_EXPECT_EXT not set (run_pytest.sh sets it)")
    if want == "1":
        assert _lib.fast is not None, "the build made sluice._fast but the package did not load it"
    else:
        assert _lib.fast is None


def test_publish_bytes_like(topic):
    """publish() takes anything with the buffer protocol, not only bytes."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=8) as pub, \
            sluice.Subscriber(topic, join="oldest") as sub:
        pub.publish(b"one")
        pub.publish(bytearray(b"two"))
        pub.publish(memoryview(b"xthreex")[1:6])
        pub.publish(b"")
        got = []
        for _ in range(4):
            m = sub.take(timeout=1)  # releases the one before
            m.bytes()
            got.append(m)
        assert [m.bytes() for m in got] == [b"one", b"two", b"three", b""]
        assert [m.seq for m in got] == [got[0].seq + i for i in range(4)]
        assert all(m.lost_before == 0 for m in got)
        with pytest.raises(sluice.SluiceError) as e:
            pub.publish(bytes(65))
        assert e.value.code == -sluice.ETOOBIG


def test_loan_view_ends_at_commit(topic):
    """The loan's view is the slot; commit ends it, so the slot cannot be
    written after it belongs to the subscribers."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4) as pub, \
            sluice.Subscriber(topic) as sub:
        view = pub.loan(4)
        assert len(view) == 64 and pub.loan_address != 0
        view[:4] = b"abcd"
        pub.commit(0, 4)
        with pytest.raises(ValueError):
            view[0] = 1
        with pytest.raises(ValueError):
            pub.commit(0, 1)  # no loan any more
        msg = sub.take(timeout=1)
        assert msg.len == len(msg) == 4 and bytes(msg.data) == b"abcd"
        data = msg.data
        assert sub.take(timeout=0) is None  # releases msg
        assert not msg.held
        with pytest.raises(ValueError):
            bytes(data)


def test_take_timeout_and_publisher_gone(topic):
    pub = sluice.Publisher(topic, type="raw", slot_size=64, slots=4)
    sub = sluice.Subscriber(topic)
    try:
        assert sub.take(timeout=0) is None
        assert sub.take(timeout=0.05) is None
        pub.publish(b"last")
        pub.close()
        assert sub.take(timeout=1).bytes() == b"last"
        with pytest.raises(sluice.PublisherGone):
            sub.take(timeout=1)
    finally:
        sub.close()
        pub.close()


def test_many_messages_in_order(topic):
    """Enough messages to lap the ring many times, each checked."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=8) as pub, \
            sluice.Subscriber(topic) as sub:
        for i in range(2000):
            if i % 2:
                pub.publish(i.to_bytes(8, "little"))
            else:
                v = pub.loan(8)
                v[:8] = i.to_bytes(8, "little")
                pub.commit(0, 8)
            msg = sub.take(timeout=1)
            assert int.from_bytes(msg.data, "little") == i
        sub.take(timeout=0)
        st = sub.stats()
        assert st["delivered"] == 2000 and st["lost"] == 0


def test_extension_refuses_bad_arguments():
    fast = _lib.fast
    if fast is None:
        pytest.skip("no sluice._fast in this run")
    with pytest.raises(ValueError):
        fast.take(0, 0, 0, sluice.Message, None, None)
    with pytest.raises(TypeError):
        fast.take(1)
    with pytest.raises(TypeError):
        fast.take(1, 1, 0, int, None, None)  # not a Message class
    with pytest.raises(ValueError):
        fast.publish(0, b"x", 0)
    with pytest.raises(TypeError):
        fast.publish_many(1, iter([b"x"]), 0, 0)  # a list or tuple only
    with pytest.raises(ValueError):
        fast.publish_many(0, [b"x"], 0, 0)
    with pytest.raises(ValueError):
        fast.take_many(0, 0, 1, 0, False)
    with pytest.raises(TypeError):
        fast.take_many(1, 1)


def test_take_is_in_c_with_the_extension(topic):
    """With sluice._fast, Subscriber.take is a _fast.Reader (no Python
    frame per message) and iteration is the Reader itself."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4) as pub, \
            sluice.Subscriber(topic) as sub:
        if _lib.fast is None:
            pytest.skip("no sluice._fast in this run")
        assert isinstance(sub.take, _lib.fast.Reader)
        assert iter(sub) is sub.take
        with pytest.raises(TypeError):
            sub.take(1, 2)
        with pytest.raises(TypeError):
            sub.take(wait=1)
        with pytest.raises(TypeError):
            sub.take("soon")


def test_take_arguments_and_implicit_release(topic):
    """take(t), take(timeout=t), take(): the same; each take releases the
    message before, and one a lossy publisher lapped meanwhile counts in
    torn without raising."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4, lossy=True) as pub, \
            sluice.Subscriber(topic) as sub:
        assert sub.take(0) is None and sub.take(timeout=0.01) is None
        pub.publish(b"a")
        m = sub.take(1)
        assert m.held and bytes(m.data) == b"a" and len(m) == 1
        pub.publish(b"b")
        m2 = sub.take(timeout=1)
        assert not m.held and bytes(m2.data) == b"b"
        with pytest.raises(ValueError):
            m.data
        for i in range(4):  # laps m2's slot
            pub.publish(b"c%d" % i)
        m3 = sub.take()
        assert sub.torn == 1 and not m2.held
        assert bytes(m3.data) == b"c0" and m3.bytes() == b"c0"
        assert not m3.held and bytes(m3.data) == b"c0"  # a view of the copy now
    with pytest.raises(ValueError):
        sub.take(0)  # closed


def test_take_reuses_only_what_nobody_holds(topic):
    """take() refills the message before it when nothing else refers to
    it, and never one the caller still holds; a view the caller kept of a
    message the next take() released reads nothing, a torn release still
    counts."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4, lossy=True) as pub, \
            sluice.Subscriber(topic) as sub:
        for i in range(3):
            pub.publish(b"m%d" % i)
        kept = sub.take(1)
        view = kept.data
        nxt = sub.take(1)  # releases kept, which the caller still holds
        assert nxt is not kept and kept.seq + 1 == nxt.seq
        assert not kept.held and bytes(nxt.data) == b"m1"
        with pytest.raises(ValueError):
            view[0]  # released with its message
        with pytest.raises(ValueError):
            kept.data
        seq = nxt.seq
        del nxt
        last = sub.take(1)
        assert last.seq == seq + 1 and bytes(last.data) == b"m2" and last.held
        for i in range(4):  # laps last's slot; last is dropped, not held
            pub.publish(b"n%d" % i)
        del last
        again = sub.take(1)
        assert sub.torn == 1 and bytes(again.data) == b"n0" and again.held
        assert again.lost_before >= 0 and len(again) == 2


def test_iteration_ends_when_the_publisher_goes(topic):
    pub = sluice.Publisher(topic, type="raw", slot_size=64, slots=8)
    sub = sluice.Subscriber(topic)
    try:
        pub.publish_many([b"1", b"2", b"3"])
        pub.close()
        got = [bytes(m.data) for m in sub]
        assert got == [b"1", b"2", b"3"]
    finally:
        sub.close()
        pub.close()


def test_publish_in_c_and_its_fallback(topic):
    """With sluice._fast, Publisher.publish is a _fast.Writer for bytes,
    bytearray and memoryview; anything else takes the Python publish().
    A full lossless ring times out with the same error either way."""
    import array

    with sluice.Publisher(topic, type="raw", slot_size=64, slots=2) as pub, \
            sluice.Subscriber(topic) as sub:
        if _lib.fast is not None:
            assert isinstance(pub.publish, _lib.fast.Writer)
            with pytest.raises(TypeError):
                pub.publish()
            with pytest.raises(TypeError):
                pub.publish(b"x", wait=1)
        pub.publish(b"ab", timeout=1)
        pub.publish(array.array("B", b"cd"), 1)  # another buffer: the Python path
        with pytest.raises(sluice.SluiceError) as e:
            pub.publish(memoryview(b"ef"), timeout=0)
        assert e.value.code in (-11, -110)
        t0 = __import__("time").monotonic()
        with pytest.raises(sluice.SluiceError):
            pub.publish(bytearray(b"ef"), timeout=0.05)
        assert __import__("time").monotonic() - t0 >= 0.04
        assert sub.take_many(10, timeout=1) == [b"ab", b"cd"]
    with pytest.raises(ValueError):
        pub.publish(b"closed")


def test_loan_and_commit_arguments(topic):
    """loan()/commit() (in C with sluice._fast, as Writer methods): by
    position or name, the same view when loaned twice, the errors of a
    full ring and of a size over the slot."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=2) as pub, \
            sluice.Subscriber(topic) as sub:
        if _lib.fast is not None:
            assert pub.loan.__self__ is pub.publish  # the Writer's
            with pytest.raises(TypeError):
                pub.loan(1, 2, 3)
            with pytest.raises(TypeError):
                pub.commit(off=1)
        with pytest.raises(sluice.SluiceError) as e:
            pub.loan(65)
        assert e.value.code == -sluice.ETOOBIG and pub.loan_address == 0
        v = pub.loan(size=3, timeout=1)
        assert pub.loan(3) is v and pub.loan_address != 0
        v[:3] = b"xyz"
        pub.commit(offset=1, length=2)
        assert pub.loan_address == 0
        v = pub.loan(timeout=None)
        v[:5] = b"hello"
        pub.commit(0, length=None)  # the whole slot
        with pytest.raises(sluice.SluiceError):
            pub.loan(1, timeout=0)  # two slots, both unread
        got = sub.take_many(5, timeout=1)
        assert got[0] == b"yz" and len(got[1]) == 64 and got[1][:5] == b"hello"


def test_dropping_the_last_reference_closes_at_once(topic):
    """A Publisher or Subscriber nobody refers to any more is closed right
    away, not at the next garbage collection: on a lossless topic a
    subscriber left open would hold the publisher up.  (The C calls must
    hold their owner weakly for this.)"""
    import gc

    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4) as pub:
        gc.disable()
        try:
            sub = sluice.Subscriber(topic)
            assert sluice.topic_stat(topic)["subscribers"] == 1
            del sub
            assert sluice.topic_stat(topic)["subscribers"] == 0
            other = topic + "-pub"
            p2 = sluice.Publisher(other, type="raw", slot_size=64, slots=4)
            try:
                assert sluice.topic_stat(other)["publisher_alive"]
                del p2
                assert not sluice.topic_stat(other)["publisher_alive"]
            finally:
                sluice.remove_topic(other, force=True)
            if _lib.fast is not None:
                take = sluice.Subscriber(topic).take  # the Subscriber is gone, its take stays
                with pytest.raises(ValueError):
                    take(timeout=0)
        finally:
            gc.enable()
        pub.publish(b"x")
