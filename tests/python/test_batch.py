"""test_batch.py - Publisher.publish_many() and Subscriber.take_many(): the
batch calls give the same messages, in the same order, with the same
sequence numbers and lost counts as one call per message, their copies
outlive the slots, and they fail the way publish() and take() do.  Run
with sluice._fast and with ctypes alone (run_pytest.sh runs both)."""
import multiprocessing as mp
import os
import time

import pytest

import sluice
from conftest import tick_mix


def test_values_and_order_over_many_laps(topic):
    """Batches of every size up to 17 through an 8-slot lossless ring:
    every message arrives once, in order, intact, with consecutive seqs."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=8) as pub, \
            sluice.Subscriber(topic) as sub:
        sent, got, seqs = 0, [], []
        start = pub.next_seq
        for k in range(1, 18):
            batch = [(sent + i).to_bytes(8, "little") * (1 + (sent + i) % 8) for i in range(k)]
            done = 0
            while done < k:
                done += pub.publish_many(batch[done:], timeout=0)  # up to the free slots
                for item in sub.take_many(5, timeout=0, meta=True):
                    got.append(item[0])
                    seqs.append(item[1])
                    assert item[3] == 0  # lost_before
                    assert item[2] > 0  # stamp_ns
            sent += k
        while len(got) < sent:
            items = sub.take_many(100, timeout=1)
            assert items
            got.extend(items)
            assert sub.batch_lost == 0
        assert got == [i.to_bytes(8, "little") * (1 + i % 8) for i in range(sent)]
        assert seqs == list(range(start, start + len(seqs)))
        assert sub.batch_seq == start + sent - 1
        assert sub.stats()["delivered"] == sent and sub.stats()["lost"] == 0


def test_bytes_like_items_and_iterables(topic):
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=16) as pub, \
            sluice.Subscriber(topic) as sub:
        assert pub.publish_many([b"a", bytearray(b"bb"), memoryview(b"xcccx")[1:4], b""]) == 4
        assert pub.publish_many(b"%d" % i for i in range(3)) == 3  # a generator
        assert pub.publish_many(()) == 0
        assert sub.take_many(100, timeout=1) == [b"a", b"bb", b"ccc", b"", b"0", b"1", b"2"]
        assert sub.take_many(100, timeout=0) == []


def test_max_and_wait_for_the_first_only(topic):
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=16) as pub, \
            sluice.Subscriber(topic) as sub:
        t0 = time.monotonic()
        assert sub.take_many(4, timeout=0.05) == []
        assert time.monotonic() - t0 >= 0.04
        pub.publish_many([b"%d" % i for i in range(10)])
        assert sub.take_many(4) == [b"0", b"1", b"2", b"3"]
        assert sub.take_many(4, timeout=0) == [b"4", b"5", b"6", b"7"]
        assert sub.take_many(4, timeout=0) == [b"8", b"9"]  # no wait for a full batch
        with pytest.raises(ValueError):
            sub.take_many(0)


def test_lossy_lost_counts(topic):
    """A lossy ring of 8 lapped by 20 messages: the batch holds the last 8,
    the first with lost_before 12, and batch_lost says 12."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=8, lossy=True) as pub, \
            sluice.Subscriber(topic) as sub:
        start = pub.next_seq
        assert pub.publish_many([bytes([i]) * 4 for i in range(20)]) == 20
        items = sub.take_many(100, timeout=1, meta=True)
        assert [(d[0], seq - start, lost) for d, seq, _, lost in items] == \
            [(12, 12, 12)] + [(i, i, 0) for i in range(13, 20)]
        assert sub.batch_lost == 12 and sub.batch_seq == start + 19
        # the batch without meta counts the same
        pub.publish_many([bytes([i]) for i in range(11)])
        assert sub.take_many(100, timeout=1) == [bytes([i]) for i in range(3, 11)]
        assert sub.batch_lost == 3
        assert sub.take_many(100, timeout=0) == [] and sub.batch_lost == 0
        assert sub.stats()["lost"] == 15


def test_copies_outlive_the_slots(topic):
    """take_many's items are copies: a lossy publisher that laps the ring
    afterwards changes none of them (a held view would show its writes)."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4, lossy=True) as pub, \
            sluice.Subscriber(topic) as sub:
        pub.publish_many([b"one", b"two"])
        items = sub.take_many(10, timeout=1)
        pub.publish_many([b"XXXXX"] * 8)
        assert items == [b"one", b"two"] and all(type(i) is bytes for i in items)


def test_releases_a_message_held_from_take(topic):
    """One view per subscriber: take_many() first releases the one take()
    left held, as take() does, and then its view is gone."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=8) as pub, \
            sluice.Subscriber(topic) as sub:
        pub.publish_many([b"a", b"b", b"c"])
        msg = sub.take(timeout=1)
        data = msg.data
        assert msg.held and bytes(data) == b"a"
        assert sub.take_many(10, timeout=1) == [b"b", b"c"]
        assert not msg.held
        with pytest.raises(ValueError):
            bytes(data)
        msg.release()  # twice does nothing
        pub.publish(b"d")
        assert bytes(sub.take(timeout=1).data) == b"d"  # take() after take_many()


def test_publish_many_full_ring_returns_the_count(topic):
    """A lossless ring with no room: publish_many stops when its timeout
    runs out and says how many went; the rest can be passed again."""
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=4) as pub, \
            sluice.Subscriber(topic) as sub:
        batch = [b"%d" % i for i in range(10)]
        assert pub.publish_many(batch, timeout=0) == 4
        t0 = time.monotonic()
        assert pub.publish_many(batch[4:], timeout=0.05) == 0
        assert time.monotonic() - t0 >= 0.04
        assert sub.take_many(3, timeout=0) == batch[:3]
        assert pub.publish_many(batch[4:], timeout=0) == 3
        rest = sub.take_many(10, timeout=0)
        assert pub.publish_many(batch[7:], timeout=1) == 3
        rest += sub.take_many(10, timeout=0)
        assert rest == batch[3:]


def test_publish_many_errors(topic):
    with sluice.Publisher(topic, type="raw", slot_size=64, slots=8) as pub, \
            sluice.Subscriber(topic) as sub:
        with pytest.raises(sluice.SluiceError) as e:
            pub.publish_many([b"ok", bytes(65), b"never"])
        assert e.value.code == -sluice.ETOOBIG and e.value.published == 1
        with pytest.raises(TypeError):
            pub.publish_many([b"ok2", "a str is no bytes"])
        with pytest.raises(TypeError):
            pub.publish_many(5)
        assert sub.take_many(10, timeout=1) == [b"ok", b"ok2"]
    with pytest.raises(ValueError):
        pub.publish_many([b"x"])  # closed
    with pytest.raises(ValueError):
        sub.take_many(1)


def test_publisher_gone_after_the_last_batch(topic):
    pub = sluice.Publisher(topic, type="raw", slot_size=64, slots=8)
    sub = sluice.Subscriber(topic)
    try:
        pub.publish_many([b"x", b"y"])
        pub.close()
        assert sub.take_many(10, timeout=1) == [b"x", b"y"]
        with pytest.raises(sluice.PublisherGone):
            sub.take_many(10, timeout=1)
    finally:
        sub.close()
        pub.close()


def _tick(n, size=1024):
    """conftest.tick_fill's bytes, made whole (its filler is the check word
    repeated, little-endian)."""
    check = tick_mix(n).to_bytes(8, "little")
    return n.to_bytes(8, "little") + check * (size // 8 - 1)


def _lossy_writer(topic, ready, n):
    with sluice.Publisher(topic, type="raw", slot_size=4096, slots=4, lossy=True) as pub:
        ready.set()
        batch = []
        for i in range(n):
            batch.append(_tick(i))
            if len(batch) == 16:
                pub.publish_many(batch)
                batch = []
        pub.publish_many(batch)
    os._exit(0)


def test_lossy_batches_never_hold_a_torn_copy(topic):
    """Another process laps a 4-slot lossy ring as fast as it can while
    take_many copies from it: every item is intact (a copy the publisher
    overwrote is dropped and counted), numbers only grow, and lost counts
    add up to the gaps."""
    n = 3000
    with sluice.Publisher(topic, type="raw", slot_size=4096, slots=4, lossy=True):
        pass  # the topic exists before the subscriber joins
    sub = sluice.Subscriber(topic, join="oldest")
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    child = ctx.Process(target=_lossy_writer, args=(topic, ready, n))
    child.start()
    try:
        assert ready.wait(10)
        prev, seen, lost = -1, 0, 0
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                items = sub.take_many(8, timeout=1, meta=True)
            except sluice.PublisherGone:
                break
            for data, seq, _, lost_before in items:
                k = int.from_bytes(data[:8], "little")
                assert data == _tick(k), "a torn copy was returned"
                assert k > prev and k - prev - 1 == lost_before
                prev = k
                seen += 1
            lost += sub.batch_lost
        assert seen > 0 and prev == n - 1
        assert seen + lost == n  # every message arrived or was counted lost
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()
        sub.close()
