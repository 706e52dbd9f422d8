"""_channel.py - Publisher, Subscriber, Message and WaitSet over libsluice.

Messages are read in place: Message.data is a read-only memoryview of the
slot the C library handed out (no copy), valid until the message is
released.  Blocking calls wait in short slices so that Python gets to run
its signal handlers (Ctrl-C raises KeyboardInterrupt) between them.  The
message path calls the C extension sluice._fast where there is one
(_lib.fast), else ctypes; both behave the same.  With the extension, a
Subscriber's take (and iteration) is a _fast.Reader and a Publisher's
publish, loan and commit are a _fast.Writer's: set per instance in
__init__, they run no Python frame per message; the methods below are
the ctypes path (and publish() the extension's fallback for dicts and
JSON text).  publish_many() and take_many() move a batch per call.
"""
import ctypes
import json as _json
import struct
import time
import weakref

from . import _lib as L
from ._errors import SluiceError, TornError, PublisherGone, check, error

# sluice's own codes (sluice/error.h) a caller may want to compare with.
EOWNERDEAD = 4105
ETOOBIG = 4107
ETORN = 4200
EFBFULL = 4300
ETYPE = 4201
EEVICTED = 4202
_EAGAIN, _ETIMEDOUT, _ENOENT = 11, 110, 2

LOSSLESS, LOSSY = 1, 2
_SLICE_NS = 50_000_000  # longest single wait before Python checks signals
_SLICE_C = ctypes.c_int64(_SLICE_NS)
# The message path's calls: those that may wait drop the GIL, the others
# keep it (cheaper for a call this short).
_loan, _commit, _publish = L.sluice_pub_loan, L.gil_sluice_pub_commit, L.sluice_pub_publish
_take, _release = L.sluice_sub_take, L.gil_sluice_sub_release
_fast = L.fast  # None: ctypes only
_RETRY = (-_ETIMEDOUT, -_EAGAIN)

_py = ctypes.pythonapi
_py.PyMemoryView_FromMemory.restype = ctypes.py_object
_py.PyMemoryView_FromMemory.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]
_PyBUF_READ, _PyBUF_WRITE = 0x100, 0x200


def _view(addr, n, writable):
    """A memoryview of n bytes at addr, without a copy.  It keeps nothing
    alive: its owner releases it before the memory goes away."""
    return _py.PyMemoryView_FromMemory(addr, n, _PyBUF_WRITE if writable else _PyBUF_READ)


def _name(topic):
    """"imu" and "/imu" both name /imu, as the sluice command does."""
    if isinstance(topic, bytes):
        topic = topic.decode()
    return topic if topic.startswith("/") else "/" + topic


def _wait(call, timeout):
    """Calls call(slice_ns) until it returns something other than a
    timeout, in slices of at most _SLICE_NS so signals are handled between
    them.  timeout: seconds, None waits for ever, 0 does not wait.
    Returns call's last result (a timeout code when time ran out)."""
    if timeout is not None and timeout <= 0:
        return call(0)
    deadline = None if timeout is None else time.monotonic_ns() + int(timeout * 1e9)
    while True:
        left = _SLICE_NS if deadline is None else min(_SLICE_NS, deadline - time.monotonic_ns())
        rc = call(max(left, 0))
        if rc not in (-_ETIMEDOUT, -_EAGAIN):
            return rc
        if deadline is not None and time.monotonic_ns() >= deadline:
            return rc


def _failer(topic):
    """fail(rc) for sluice._fast's Reader and Writer: raises rc's error."""
    return lambda rc: check(rc, topic)


def _weak_method(obj, name):
    """obj.name(*args), holding obj weakly."""
    ref = weakref.ref(obj)

    def call(*args):
        o = ref()
        if o is None:
            raise ValueError("closed")
        return getattr(o, name)(*args)
    return call


def _stats_dict(st):
    return {
        "type": st.type_name.decode(errors="replace"),
        "schema_hash": st.schema_hash,
        "delivery": "lossy" if st.delivery == LOSSY else "lossless",
        "slot_size": st.slot_size,
        "slot_count": st.slot_count,
        "max_subscribers": st.max_subscribers,
        "published": st.published,
        "next_seq": st.next_seq,
        "last_publish_ns": st.last_publish_ns,
        "evicted": st.evicted,
        "publisher_pid": st.publisher_pid,
        "publisher_alive": bool(st.publisher_alive),
        "subscribers": st.subscribers,
        "schema_len": st.schema_len,
    }


def _sub_dict(s):
    return {"pid": s.pid, "alive": bool(s.alive), "cursor": s.cursor,
            "delivered": s.delivered, "lost": s.lost, "evicted": bool(s.evicted)}


def topic_stat(topic):
    """A topic's counters, read without joining it: a dict with the fields
    of struct sluice_topic_stats, plus "subs", one dict per subscriber."""
    st = L.TopicStats()
    subs = (L.SubStats * 1024)()
    check(L.sluice_topic_stat(_name(topic).encode(), st, subs, 1024), _name(topic))
    d = _stats_dict(st)
    d["topic"] = _name(topic)
    d["subs"] = [_sub_dict(subs[i]) for i in range(min(st.subscribers, 1024))]
    return d


def topics():
    """Every topic on this machine, as `sluice ls --json` lists them: topic,
    valid, type, delivery, publisher_pid, publisher_alive, subscribers,
    published, lost (summed over subscribers); a topic that cannot be read
    has valid False and "invalid" saying why."""
    names = []

    @L.LIST_FN
    def collect(name, arg):
        names.append(name.decode(errors="surrogateescape"))
        return 0

    check(L.sluice_topic_list(collect, None), "listing topics")
    out = []
    for n in sorted(names):
        try:
            s = topic_stat(n)
        except SluiceError as e:
            if e.code == -_ENOENT:
                continue  # gone since the directory was read
            out.append({"topic": n, "valid": False, "invalid": e.detail or str(e)})
            continue
        out.append({"topic": n, "valid": True, "type": s["type"], "delivery": s["delivery"],
                    "publisher_pid": s["publisher_pid"],
                    "publisher_alive": s["publisher_alive"], "subscribers": s["subscribers"],
                    "published": s["published"], "lost": sum(x["lost"] for x in s["subs"])})
    return out


def topic_schema(topic):
    """The binary schema (.bfbs) a topic carries, as bytes; None if none."""
    name = _name(topic).encode()
    st = L.TopicStats()
    check(L.sluice_topic_stat(name, st, None, 0), _name(topic))
    if not st.schema_len:
        return None
    buf = ctypes.create_string_buffer(st.schema_len)
    n = L.sluice_topic_schema(name, buf, st.schema_len)
    if n < 0:
        raise error(n, _name(topic))
    return buf.raw[:n]


def remove_topic(topic, force=False):
    """Removes a topic nobody uses any more (sluice_topic_reclaim); with
    force, removes its name even while it is used (sluice_shm_unlink:
    whoever has it mapped keeps reading and writing the old one)."""
    name = _name(topic).encode()
    if force:
        check(L.sluice_shm_unlink(name), _name(topic))
    else:
        check(L.sluice_topic_reclaim(name), _name(topic))


class _Schema:
    """A topic's binary schema and message type: JSON in and out."""

    def __init__(self, bfbs, type_name):
        self.bfbs = bfbs
        self.type = type_name.encode() if type_name else None
        check(L.sluice_fb_schema_verify(bfbs, len(bfbs)), "the topic's schema")
        self._scratch = ctypes.create_string_buffer(1 << 16)
        self._builder = L.FbBuilder()
        self._out = None

    def encode_into(self, addr, cap, text):
        """Encodes JSON text into [addr, addr + cap): (offset, length)."""
        b = self._builder
        end = (addr + cap) & ~(L.FB_MAX_ALIGN - 1)
        b.end, b.cap = end, end - addr
        L.sluice_fb_builder_reset(b)
        m = L.FbMsg()
        raw = text.encode()
        check(L.sluice_fb_json_parse(self.bfbs, len(self.bfbs), self.type, raw, len(raw),
                                     self._scratch, len(self._scratch), b, False, m),
              "encoding JSON")
        return m.offset, m.length

    def decode(self, data):
        """JSON text of a message held in bytes (a private copy: what is
        verified is what is read)."""
        n = len(data)
        keep, addr = L.aligned_buffer(n)
        ctypes.memmove(addr, data, n)
        cap = max(4096, 16 * n)
        while True:
            if self._out is None or len(self._out) < cap:
                self._out = ctypes.create_string_buffer(cap)
            w = ctypes.c_size_t()
            rc = L.sluice_fb_json_print_buffer(self.bfbs, len(self.bfbs), self.type, addr, n,
                                               None, self._out, len(self._out), w)
            if rc == -EFBFULL and cap < (256 << 20):
                cap *= 4
                continue
            check(rc, "decoding the message")
            return self._out.raw[:w.value].decode()


class Publisher:
    """The publisher of a topic, creating it if it does not exist.

    type: the message type name (default: an existing topic's, else
    "bytes"); schema: its binary schema, bytes or a path to a .bfbs file;
    lossy: the topic never makes the publisher wait (else lossless)."""

    def __init__(self, topic, type=None, schema=None, slot_size=0, slots=0, lossy=False,
                 max_subscribers=0, schema_hash=0):
        self.topic = _name(topic)
        if isinstance(schema, str):
            with open(schema, "rb") as f:
                schema = f.read()
        existing = None
        try:
            existing = topic_stat(self.topic)
        except SluiceError as e:
            if e.code != -_ENOENT:
                raise
        if type is None:
            type = existing["type"] if existing else "bytes"
        if existing and not schema_hash and existing["type"] == type:
            schema_hash = existing["schema_hash"]
        self._schema_bytes = schema
        o = L.TopicOpts()
        o.slot_size, o.slot_count, o.max_subscribers = slot_size, slots, max_subscribers
        o.delivery = LOSSY if lossy else LOSSLESS
        o.type_name = type.encode()
        o.schema_hash = schema_hash
        if schema:
            o.schema = ctypes.cast(ctypes.c_char_p(schema), ctypes.c_void_p)
            o.schema_len = len(schema)
        h = ctypes.c_void_p()
        check(L.sluice_pub_open(self.topic.encode(), o, h), self.topic)
        self._h = h.value
        self._hc = h  # prebuilt arguments for the message path
        self._p = ctypes.c_void_p()
        self._pref = ctypes.byref(self._p)
        self._views = {}
        self.type = type
        self.slot_size = L.sluice_pub_slot_size(self._h)
        self._loan = None
        self._loan_addr = 0
        self._schema = None
        self._writer = None
        if _fast is not None:
            # publish() in C for bytes, bytearray and memoryview (the rest
            # goes to the Python publish()): no Python frame per message
            # (nothing in it refers to self: dropping the Publisher closes it)
            w = self._writer = self.publish = _fast.Writer(
                self._h, self.slot_size, _failer(self.topic), _weak_method(self, "_publish"))
            self.loan, self.commit = w.loan, w.commit  # the loan's state is in w

    def _handle(self):
        if not self._h:
            raise ValueError("publisher is closed")
        return self._h

    @property
    def next_seq(self):
        """The sequence number the next commit will carry."""
        return L.sluice_pub_next_seq(self._handle())

    def loan(self, size=0, timeout=None):
        """Loans the next slot: a writable memoryview of slot_size bytes,
        the slot itself (build the message in place, then commit()).
        Lossless topics wait up to timeout seconds (None: for ever) for
        the slowest subscriber."""
        if not self._h:
            raise ValueError("publisher is closed")
        if timeout is None:
            # the message path: prebuilt ctypes arguments, one call when
            # there is room; Python handles signals between slices
            rc = _loan(self._hc, size, self._pref, _SLICE_C)
            while rc == -_ETIMEDOUT or rc == -_EAGAIN:
                rc = _loan(self._hc, size, self._pref, _SLICE_C)
        else:
            hc, pref = self._hc, self._pref
            rc = _wait(lambda ns: L.sluice_pub_loan(hc, size, pref, ns), timeout)
        if rc:
            check(rc, self.topic)
        addr = self._p.value
        if self._loan is not None:
            if self._loan_addr == addr:
                return self._loan
            self._loan.release()
        base = self._views.get(addr)
        if base is None:
            # kept per slot: a slice of a view costs far less than a new one
            base = self._views[addr] = _view(addr, self.slot_size, True)
        self._loan_addr = addr
        self._loan = view = base[:]
        return view

    @property
    def loan_address(self):
        """The address of the loaned slot (0 if none): loan()'s view is there."""
        w = self._writer
        return w.loan_address if w is not None else self._loan_addr

    def _drop_loan(self):
        """Ends the loan's view without committing."""
        if self._writer is not None:
            self._writer.drop_loan()
        elif self._loan is not None:
            self._loan.release()
            self._loan = None
            self._loan_addr = 0

    def commit(self, offset=0, length=None):
        """Publishes bytes [offset, offset + length) of the loaned slot;
        the view loan() gave is released (the slot is the subscribers' now)."""
        view = self._loan
        if view is None:
            raise ValueError("commit() without loan()")
        if length is None:
            length = self.slot_size - offset
        self._loan = None
        self._loan_addr = 0
        view.release()
        rc = _commit(self._hc, offset, length)
        if rc:
            check(rc, self.topic)

    def schema(self):
        if self._schema is None:
            bfbs = topic_schema(self.topic)
            if not bfbs:
                raise SluiceError(-22, "%s carries no schema: a dict cannot be encoded"
                                  % self.topic)
            self._schema = _Schema(bfbs, self.type)
        return self._schema

    def _publish(self, msg, timeout=None):
        return Publisher.publish(self, msg, timeout)

    def publish(self, msg, timeout=None):
        """Publishes msg: bytes (or anything with the buffer protocol) as
        they are, or a dict (or JSON text in a str) encoded through the
        topic's schema straight into the loaned slot.  (next_seq, read
        before, is the sequence number it gets.)"""
        if isinstance(msg, (dict, list, str)):
            text = msg if isinstance(msg, str) else _json.dumps(msg)
            s = self.schema()
            view = self.loan(0, timeout)
            del view
            try:
                off, n = s.encode_into(self.loan_address, self.slot_size, text)
            except BaseException:
                self._drop_loan()
                raise
            self.commit(off, n)
            return
        if not self._h:
            raise ValueError("publisher is closed")
        if _fast is not None:
            # any contiguous bytes-like object, copied once, into the slot
            if not isinstance(msg, (bytes, bytearray, memoryview)):
                msg = bytes(msg)
            h = self._h
            if timeout is None:
                rc = _fast.publish(h, msg, _SLICE_NS)
                while rc in _RETRY:
                    rc = _fast.publish(h, msg, _SLICE_NS)
            else:
                rc = _wait(lambda ns: _fast.publish(h, msg, ns), timeout)
            if rc:
                check(rc, self.topic)
            return
        if not isinstance(msg, bytes):
            msg = bytes(msg)
        if timeout is None:
            rc = _publish(self._hc, msg, len(msg), _SLICE_C)
            while rc == -_ETIMEDOUT or rc == -_EAGAIN:
                rc = _publish(self._hc, msg, len(msg), _SLICE_C)
        else:
            hc = self._hc
            rc = _wait(lambda ns: L.sluice_pub_publish(hc, msg, len(msg), ns), timeout)
        if rc:
            check(rc, self.topic)

    def publish_many(self, items, timeout=None):
        """Publishes every item of items (bytes-like objects; a list or
        tuple is used as it is, any other iterable is listed first) in
        order, each copied once into its slot: one call for the batch,
        where publish() costs one per message.  Returns how many were
        published: len(items), or fewer when timeout seconds (None: wait
        for ever; 0: do not wait) ran out while a lossless topic was full
        (the rest can be passed again).  Any other failure raises, with
        the count before the failing item in the exception's published."""
        if not self._h:
            raise ValueError("publisher is closed")
        if items.__class__ is not list and items.__class__ is not tuple:
            items = list(items)
        n = len(items)
        if _fast is not None:
            h = self._h
            call = lambda i, ns: _fast.publish_many(h, items, i, ns)  # noqa: E731
        else:
            call = self._publish_many_ctypes(items)
        i, rc = call(0, 0 if timeout is not None and timeout <= 0 else _SLICE_NS)
        deadline = None
        if timeout is not None and timeout > 0:
            deadline = time.monotonic_ns() + int(timeout * 1e9)
        while rc in _RETRY and i < n:
            if timeout is not None:
                left = 0 if deadline is None else deadline - time.monotonic_ns()
                if left <= 0:
                    return i
                i, rc = call(i, min(left, _SLICE_NS))
            else:
                i, rc = call(i, _SLICE_NS)
        if rc and rc not in _RETRY:
            e = error(rc, self.topic)
            e.published = i
            raise e
        return i

    def _publish_many_ctypes(self, items):
        """publish_many's loop through ctypes: call(start, ns) -> (next, rc),
        as _fast.publish_many."""
        hc = self._hc

        def call(i, ns):
            for j in range(i, len(items)):
                b = items[j]
                if not isinstance(b, bytes):
                    b = bytes(b)
                rc = L.gil_sluice_pub_publish(hc, b, len(b), 0)
                if rc in _RETRY and ns:
                    rc = L.sluice_pub_publish(hc, b, len(b), ns)
                if rc:
                    return j, rc
            return len(items), 0
        return call

    def close(self):
        if self._h:
            self._drop_loan()
            for v in self._views.values():
                try:
                    v.release()
                except BufferError:
                    pass
            self._views.clear()
            if self._writer is not None:
                self._writer.close()
            L.sluice_pub_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Message(object if _fast is None else _fast.MessageBase):
    """One message, read in place.  data is a read-only memoryview of the
    slot (zero copy), valid until release(); `with msg:` releases it at the
    end of the block and raises TornError if a lossy publisher overwrote
    the slot meanwhile (whatever was read must then be discarded)."""

    # with sluice._fast, MessageBase holds these fields in C
    __slots__ = () if _fast is not None else (
        "_sub", "_m", "_data", "_copy", "seq", "stamp_ns", "lost_before", "address", "len")

    def __init__(self, sub, fields):
        self._sub = sub
        self._m = sub._mref  # the subscriber's one struct sluice_msg, ours until released
        # the view, the slot's address in this process, its length, the header
        (self._data, self.address, self.len, self.seq, self.stamp_ns,
         self.lost_before) = fields
        self._copy = None

    def __len__(self):
        return self.len

    @property
    def held(self):
        """True until the view is released."""
        return self._m is not None

    if _fast is None:  # else MessageBase's, in C
        @property
        def data(self):
            if self._m is None:
                if self._copy is not None:
                    return memoryview(self._copy)
                raise ValueError("message %d was released: its view is gone" % self.seq)
            return self._data

    def release(self):
        """Ends the view; raises TornError if the slot was overwritten while
        it was held (lossy topics).  Releasing twice does nothing."""
        if self._m is None:
            return
        m, self._m = self._m, None
        sub = self._sub
        if sub._held is self:
            sub._held = None
        if _fast is not None:
            rc = _fast.release(sub._h, sub._maddr, self._data)
        else:
            try:
                self._data.release()
            except BufferError:
                pass  # a numpy array over it lives on: valid only until now, as documented
            rc = _release(sub._hc, m)
        if rc == 0:
            return
        if rc == -ETORN:
            sub.torn += 1
            raise TornError(rc, "message %d on %s was overwritten while it was read"
                            % (self.seq, sub.topic))
        check(rc, sub.topic)

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        try:
            self.release()
        except TornError:
            if et is None:
                raise
        return False

    def bytes(self):
        """The message's bytes, copied out; the view is released, and a
        torn copy raises TornError.  Later calls return the same copy."""
        if self._copy is None:
            if self._m is None:
                raise ValueError("message %d was released: its view is gone" % self.seq)
            c = self._data.tobytes()
            self.release()
            self._copy = c
        return self._copy

    def json(self):
        """The message as JSON text, decoded through the topic's schema from
        a private copy (see bytes())."""
        return self._sub.schema().decode(self.bytes())

    def dict(self):
        """The message as a dict, decoded through the topic's schema."""
        return _json.loads(self.json())

    def numpy(self, dtype="u1", field=None):
        """A numpy array over the message's bytes in the slot (zero copy,
        read-only, valid while the view is held).  field: a dotted path to
        a vector field of the message's table ("samples", "points.x"), whose
        elements the array then covers; dtype follows the schema then."""
        import numpy

        if field is None:
            return numpy.frombuffer(self.data, dtype=dtype)
        from ._reflect import vector_span

        off, count, dt = vector_span(self._sub.schema(), self.data, field)
        return numpy.frombuffer(self.data, dtype=dt, count=count, offset=off)

    def __repr__(self):
        return "<sluice.Message seq=%d len=%d lost_before=%d%s>" % (
            self.seq, self.len, self.lost_before, "" if self._m is not None else " released")


_JOINS = {"next": 0, "oldest": 1}


class Subscriber:
    """A subscriber of a topic.  type: the message type it expects (None
    accepts any); join: "next" (the first message published after joining)
    or "oldest" (the oldest one the topic still holds).

    Iterating yields messages until the publisher closes the topic; each
    step releases the previous message.  take() gives one at a time."""

    def __init__(self, topic, type=None, join="next", busy_poll=False, schema_hash=0):
        self.topic = _name(topic)
        if join not in _JOINS:
            raise ValueError('join must be "next" or "oldest", not %r' % (join,))
        o = L.SubOpts()
        o.type_name = type.encode() if type else None
        o.schema_hash = schema_hash
        o.join = _JOINS[join]
        o.flags = 1 if busy_poll else 0
        h = ctypes.c_void_p()
        check(L.sluice_sub_open(self.topic.encode(), o, h), self.topic)
        self._h = h.value
        self._hc = h  # prebuilt arguments for the message path
        self._held = None
        self._schema = None
        self._msg = L.Msg()
        self._mref = ctypes.byref(self._msg)
        self._maddr = ctypes.addressof(self._msg)
        # data, len, seq, stamp_ns, lost_before: struct sluice_msg's first fields
        self._unpack = struct.Struct("PNQQQ").unpack_from
        self._views = {}
        self.torn = 0  # views found torn when released
        self.batch_lost = 0  # take_many(): lost before the last batch's messages
        self.batch_seq = None  # take_many(): the last batch's last sequence number
        st = topic_stat(self.topic)
        self._slot_size = st["slot_size"]
        self.type = type or st["type"]
        self._core = None
        if _fast is not None:
            # take() in C (sluice._fast.Reader): no Python frame per message
            # (it holds self weakly: dropping the Subscriber closes it)
            self._core = self.take = _fast.Reader(self._h, self._maddr, Message,
                                                  weakref.ref(self), self._mref,
                                                  _failer(self.topic))

    def _handle(self):
        if not self._h:
            raise ValueError("subscriber is closed")
        return self._h

    def schema(self):
        if self._schema is None:
            bfbs = topic_schema(self.topic)
            if not bfbs:
                raise SluiceError(-22, "%s carries no schema: its messages are bytes only"
                                  % self.topic)
            self._schema = _Schema(bfbs, self.type)
        return self._schema

    def _drop_held(self):
        held = self._held if self._core is None else self._core.held
        self._held = None
        if held is not None:
            try:
                held.release()
            except TornError:
                pass  # counted in self.torn

    def take(self, timeout=None):
        """The next message, or None if none came within timeout seconds
        (None: wait for ever; 0: do not wait).  Releases a message still
        held from the previous take().  Raises PublisherGone when the topic
        has no live publisher and nothing is left to read."""
        if not self._h:
            raise ValueError("subscriber is closed")
        held = self._held
        if held is not None and held._m is not None:
            # Message.release() inlined: this is the message path
            self._held = None
            held._m = None
            try:
                held._data.release()
            except BufferError:
                pass
            rc = _release(self._hc, self._mref)
            if rc == -ETORN:
                self.torn += 1
            elif rc:
                check(rc, self.topic)
        if timeout is None:
            # the message path: prebuilt ctypes arguments, one call when a
            # message is there; Python handles signals between slices
            rc = _take(self._hc, self._mref, _SLICE_C)
            while rc == -_ETIMEDOUT or rc == -_EAGAIN:
                rc = _take(self._hc, self._mref, _SLICE_C)
        else:
            hc, mref = self._hc, self._mref
            rc = _wait(lambda ns: L.sluice_sub_take(hc, mref, ns), timeout)
        if rc:
            if rc == -_ETIMEDOUT or rc == -_EAGAIN:
                return None
            check(rc, self.topic)
        fields = self._unpack(self._msg)
        base = self._views.get(fields[0])
        if base is None or len(base) < fields[1]:
            base = self._slot_view(fields[0], fields[1])
        # a view of its own, so that releasing it leaves the slot's cached
        msg = self._held = Message(self, (base[:fields[1]],) + fields)
        return msg

    def take_many(self, max=64, timeout=None, meta=False):
        """Up to max messages in a list, oldest first, each copied into a
        bytes object and its slot released at once (no view is held, so
        the batch stays valid: lossy publishers cannot tear it).  Waits up
        to timeout seconds (None: for ever; 0: not at all) for the first
        one only, then takes what is already there.  An empty list: none
        came in time.  meta=True makes each item a tuple (data, seq,
        stamp_ns, lost_before).  After each call batch_lost is the number
        of messages lost before the batch's (lost_before summed, plus
        copies a lossy publisher overwrote while they were made, which are
        dropped) and batch_seq the last one's sequence number.  Releases a
        message still held from take().  Raises PublisherGone as take()
        does, once nothing is left to read."""
        if not self._h:
            raise ValueError("subscriber is closed")
        if max < 1:
            raise ValueError("max must be at least 1")
        self._drop_held()
        if _fast is not None:
            h, maddr = self._h, self._maddr
            call = lambda ns: _fast.take_many(h, maddr, max, ns, meta)  # noqa: E731
        else:
            call = lambda ns: self._take_many_ctypes(max, ns, meta)  # noqa: E731
        if timeout is None:
            r = call(_SLICE_NS)
            while r.__class__ is int and r in _RETRY:
                r = call(_SLICE_NS)
        else:
            r = _wait(call, timeout)
        if r.__class__ is int:
            self.batch_lost = 0
            if r in _RETRY:
                return []
            check(r, self.topic)
        items, self.batch_lost, seq = r
        if items:
            self.batch_seq = seq
        return items

    def _take_many_ctypes(self, max, ns, meta):
        """_fast.take_many through ctypes: (list, lost, last_seq) or a code."""
        hc, mref, m = self._hc, self._mref, self._msg
        out, lost, pending, last, rc = [], 0, 0, 0, 0
        while len(out) < max:
            rc = L.gil_sluice_sub_take(hc, mref, 0)
            if rc in _RETRY and ns and not out and not lost:
                rc = L.sluice_sub_take(hc, mref, ns)
            if rc:
                break
            b = ctypes.string_at(m.data, m.len) if m.len else b""
            rel = L.gil_sluice_sub_release(hc, mref)
            pending += m.lost_before
            lost += m.lost_before
            if rel == -ETORN:
                pending += 1
                lost += 1
                continue
            if rel:
                rc = rel
                break
            out.append((b, m.seq, m.stamp_ns, pending) if meta else b)
            pending = 0
            last = m.seq
        if not out and not lost and rc:
            return rc
        return out, lost, last

    def _slot_view(self, addr, n):
        """A read-only view of the slot at addr, kept for the next messages
        that land there: a memoryview over foreign memory costs far more to
        make than a slice of one."""
        if not addr:
            return memoryview(b"")
        if len(self._views) > 4096:
            self._views.clear()
        v = self._views[addr] = _view(addr, max(n, self._slot_size), False)
        return v

    def __iter__(self):
        if self._core is not None:
            return self._core  # an iterator in C, ending when the publisher is gone
        return self._iter()

    def _iter(self):
        while True:
            try:
                msg = self.take()
            except PublisherGone:
                return
            yield msg

    def stats(self):
        """This subscriber's counters: pid, alive, cursor, delivered, lost, evicted."""
        s = L.SubStats()
        L.sluice_sub_stats(self._handle(), s)
        return _sub_dict(s)

    def close(self):
        if self._h:
            self._drop_held()
            if self._core is not None:
                self._core.close()
            for v in self._views.values():
                try:
                    v.release()
                except BufferError:
                    pass
            self._views.clear()
            L.sluice_sub_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class WaitSet:
    """Waits on several subscribers at once (at most 64)."""

    def __init__(self, subs=()):
        h = ctypes.c_void_p()
        check(L.sluice_waitset_new(h), "waitset")
        self._h = h.value
        self._subs = []
        for s in subs:
            self.add(s)

    def add(self, sub):
        """Adds a subscriber; returns its index in the set."""
        check(L.sluice_waitset_add(self._h, sub._handle()), sub.topic)
        self._subs.append(sub)
        return len(self._subs) - 1

    def wait(self, timeout=None):
        """A subscriber that has a message, or None when timeout seconds
        passed first (None: wait for ever)."""
        h = self._h
        rc = _wait(lambda ns: L.sluice_waitset_wait(h, ns), timeout)
        if rc in (-_ETIMEDOUT, -_EAGAIN):
            return None
        check(rc, "waitset")
        return self._subs[rc]

    def close(self):
        if self._h:
            L.sluice_waitset_free(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
