"""test_errors.py - failures arrive as exceptions that carry sluice's code
and sluice_errdetail()'s text."""
import errno

import pytest

import sluice


def test_missing_topic(topic):
    with pytest.raises(sluice.TopicNotFound) as e:
        sluice.Subscriber(topic)
    assert e.value.code == -errno.ENOENT and e.value.errno == errno.ENOENT
    assert topic in str(e.value) and topic in e.value.detail
    assert isinstance(e.value, FileNotFoundError)


def test_wrong_type(topic):
    with sluice.Publisher(topic, type="sluice.test.A"):
        with pytest.raises(sluice.SluiceError) as e:
            sluice.Subscriber(topic, type="sluice.test.B")
    assert e.value.code == -sluice.ETYPE and e.value.errno is None
    assert "sluice.test.A" in e.value.detail and "sluice.test.B" in e.value.detail


def test_second_publisher(topic):
    with sluice.Publisher(topic, type="raw"):
        with pytest.raises(sluice.SluiceError) as e:
            sluice.Publisher(topic, type="raw")
    assert e.value.code == -errno.EBUSY
    assert "publisher" in e.value.detail


def test_bad_json_names_the_field(topic, gps_bfbs):
    with sluice.Publisher(topic, type="sluice.msg.GpsFix", schema=gps_bfbs) as pub:
        with pytest.raises(sluice.SluiceError) as e:
            pub.publish({"header": {}, "satelites": 3})
        assert e.value.code == -4316
        assert 'unknown field "satelites"' in str(e.value)
        # the failed loan was given back: the next publish goes through
        assert pub.next_seq == 0
        pub.publish({"header": {"seq": 1}})
        assert pub.next_seq == 1


def test_too_big(topic):
    with sluice.Publisher(topic, type="raw", slot_size=64) as pub:
        with pytest.raises(sluice.SluiceError) as e:
            pub.publish(b"x" * 65)
    assert e.value.code == -sluice.ETOOBIG


def test_no_schema(topic):
    with sluice.Publisher(topic, type="raw") as pub, sluice.Subscriber(topic) as sub:
        with pytest.raises(sluice.SluiceError) as e:
            pub.publish({"a": 1})
        assert "no schema" in str(e.value)
        pub.publish(b"raw")
        msg = sub.take(timeout=1)
        with pytest.raises(sluice.SluiceError):
            msg.dict()


def test_bad_join(topic):
    with pytest.raises(ValueError):
        sluice.Subscriber(topic, join="newest")
