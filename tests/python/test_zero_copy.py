"""test_zero_copy.py - Message.data is the slot itself: its address is the
one the library returned, the publisher's later writes show through it, a
view overwritten while held is reported torn, and lost messages are counted."""
import pytest

import sluice


def buffer_address(view):
    """The address of a buffer's first byte, as numpy sees it."""
    np = pytest.importorskip("numpy")
    return np.frombuffer(view, dtype=np.uint8).ctypes.data


def test_view_is_the_slot(topic):
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4) as pub, \
            sluice.Subscriber(topic) as sub:
        view = pub.loan(8)
        assert len(view) == 64 and not view.readonly
        assert buffer_address(view) == pub.loan_address != 0
        view[:5] = b"hello"
        pub.commit(0, 5)
        msg = sub.take(timeout=1)
        assert msg.data.readonly
        assert bytes(msg.data) == b"hello"
        assert buffer_address(msg.data) == msg.address != 0
        arr = msg.numpy()
        assert arr.ctypes.data == msg.address and not arr.flags.writeable
        msg.release()
        with pytest.raises(ValueError):
            msg.data


def test_overwrite_shows_through_and_is_torn(topic):
    """A lossy publisher that laps a held view writes into the very bytes
    the view shows (no copy was made), and release says torn."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4, lossy=True) as pub, \
            sluice.Subscriber(topic) as sub:
        pub.publish(b"first")
        msg = sub.take(timeout=1)
        assert bytes(msg.data) == b"first"
        for i in range(4):  # the ring holds 4: the 4th lands in msg's slot
            pub.publish(b"late%d" % i)
        assert bytes(msg.data) == b"late3"
        with pytest.raises(sluice.TornError) as e:
            with msg:
                pass
        assert e.value.code == -sluice.ETORN
        assert sub.torn == 1
        nxt = sub.take(timeout=1)
        # the ring holds seq 1..4: reading goes on with the next one
        assert (nxt.seq, nxt.lost_before, bytes(nxt.data)) == (1, 0, b"late0")


def test_lost_counts(topic):
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4, lossy=True) as pub, \
            sluice.Subscriber(topic) as sub:
        for i in range(10):
            pub.publish(b"%d" % i)
        msg = sub.take(timeout=1)
        assert (msg.seq, msg.lost_before, bytes(msg.data)) == (6, 6, b"6")
        assert [sub.take(0).bytes() for _ in range(3)] == [b"7", b"8", b"9"]
        assert sub.take(0) is None
        assert sub.stats()["lost"] == 6
        st = sluice.topic_stat(topic)
        assert st["published"] == 10 and st["subs"][0]["lost"] == 6


def test_bytes_copy_outlives_the_view(topic):
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4, lossy=True) as pub, \
            sluice.Subscriber(topic) as sub:
        pub.publish(b"keep me")
        msg = sub.take(timeout=1)
        assert msg.bytes() == b"keep me"
        assert not msg.held
        for i in range(8):
            pub.publish(b"x")
        assert bytes(msg.data) == b"keep me"


def test_iteration_until_publisher_closes(topic):
    pub = sluice.Publisher(topic, type="raw", slot_size=64, slots=8)
    sub = sluice.Subscriber(topic, join="oldest")
    for i in range(5):
        pub.publish(b"%d" % i)
    pub.close()
    assert [bytes(m.data) for m in sub] == [b"0", b"1", b"2", b"3", b"4"]
    with pytest.raises(sluice.PublisherGone) as e:
        sub.take(0)
    assert e.value.code == -sluice.EOWNERDEAD
    sub.close()


def test_numpy_fields_in_place(topic, pose_bfbs):
    """numpy views of a message's numeric fields lie in the slot itself."""
    np = pytest.importorskip("numpy")
    with sluice.Publisher(topic, type="sluice.msg.Pose", schema=pose_bfbs) as pub, \
            sluice.Subscriber(topic, type="sluice.msg.Pose") as sub:
        pub.publish({"header": {"seq": 3}, "position": {"x": 1, "y": 2, "z": 3}, "yaw": 0.5,
                     "covariance": {"m": list(range(36))}})
        msg = sub.take(timeout=1)
        pos = msg.numpy(field="position")
        assert pos.tolist() == [1.0, 2.0, 3.0] and pos.dtype == np.float64
        assert msg.address <= pos.ctypes.data < msg.address + len(msg)
        cov = msg.numpy(field="covariance.m").reshape(6, 6)
        assert cov[1].tolist() == [6, 7, 8, 9, 10, 11]
        assert msg.numpy(field="yaw").tolist() == [0.5]
        assert msg.numpy(field="header.seq").tolist() == [3]
        with pytest.raises(KeyError):
            msg.numpy(field="velocity")  # absent: its default applies
        with pytest.raises(KeyError):
            msg.numpy(field="nope")
