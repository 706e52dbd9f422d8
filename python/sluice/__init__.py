"""sluice - publish and subscribe to sluice topics from Python, zero copy.

Python over libsluice.so with ctypes, from the standard library, so the
same files run on any python3, from the build tree (python/ on
PYTHONPATH; libsluice.so is found in build*/lib or through $SLUICE_LIB)
and from an install (`cmake --install` puts the package where the
prefix's python3 looks and records where libsluice.so lies relative to
it).  See _lib.py for the search order.  Where the build found Python's
development files it also made sluice._fast, a small C extension for the
per-message calls, which the package uses when it loads (else ctypes;
SLUICE_PY_NO_EXT=1 forces ctypes).

    import sluice
    with sluice.Subscriber("imu") as sub:
        for msg in sub:
            print(msg.seq, msg.dict())

A message's data is a read-only memoryview of the shared-memory slot
itself; dict()/json() decode a private copy through the binary schema the
topic carries, so no generated code is needed for any topic.
"""
from ._errors import SluiceError, TornError, PublisherGone, Evicted, TopicNotFound
from ._channel import (Publisher, Subscriber, Message, WaitSet, topics, topic_stat,
                       topic_schema, remove_topic, LOSSLESS, LOSSY, EOWNERDEAD, ETOOBIG,
                       ETORN, ETYPE, EEVICTED)
from . import _lib

library_path = _lib.path

__all__ = ["Publisher", "Subscriber", "Message", "WaitSet", "topics", "topic_stat",
           "topic_schema", "remove_topic", "SluiceError", "TornError", "PublisherGone",
           "Evicted", "TopicNotFound", "library_path"]
