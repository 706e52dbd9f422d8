"""python_bench.py - sluice-bench python: two Python processes exchanging
64 B and 4 KiB messages over sluice and over what Python users reach for
today: pyzmq PUSH/PULL over ipc://, a multiprocessing Queue and a
multiprocessing Pipe.  Run by `sluice-bench python` (bench/python.c),
which passes its arguments on; runs alone as well:

    python3 bench/python_bench.py [--sizes 64,4096] [--messages N]
        [--latency-messages N] [--interval-us US] [--methods LIST]
        [--runs R] [--batch B] [--json FILE|-]
    python3 bench/python_bench.py --overhead [--sizes ...] [--json FILE|-]

Per method and size, this process sends and a child process (forked with
multiprocessing) receives.  Throughput: N messages back to back, counted
from the first received to the last (msgs_per_s).  Latency: then paced
messages, each carrying time.monotonic_ns() at its send in its first 8
bytes; the receiver subtracts that from its own clock when the message
arrives (one way, p50/p99; the first 10% are warm-up and left out).
Every method's receiver blocks in its library's ordinary wait (sluice:
take(), zmq: recv(), Queue.get(), Connection.recv_bytes()) and reads
the stamp with the same struct.Struct.unpack_from(); every sender
builds a bytes object and sends it (sluice: publish(), which copies it
into the slot; --overhead measures loan + commit beside it).  With two CPUs or more
the sender runs on one CPU and the receiver on another.  --runs R repeats
everything R times and reports each figure's median.

Rows beside those four, each its own method (the four stay as they were):
  sluice-batch  Publisher.publish_many() of B messages (--batch, 64) and
                Subscriber.take_many(): one Python call per batch, each
                message copied into a bytes object;
  pyzmq-batch   pyzmq's batch idiom beside it: send_multipart() of the same
                B frames and recv_multipart();
  *-poll        a busy-polling receiver (sluice: Subscriber(busy_poll=True),
                the library spins instead of sleeping; pyzmq: a recv(NOBLOCK)
                loop; mp-pipe: a poll(0) loop), the sender as in the plain
                row: its latency has no sleeping wake-up in it, so compare
                poll rows with poll rows.
  eventfd       the floor for a receiver that sleeps: the stamp in a
                shared page and an eventfd (semaphore mode) write per
                message, a blocking eventfd read to receive it; no message
                body moves, so only its p50/p99 mean something: compare the
                sleeping rows' latency with it.
The batch rows' senders send one prebuilt list of B distinct messages
again and again (the throughput run needs no stamps), and their receivers
count the messages without reading them; in the latency run each paced
message is a batch of one, and the receiver reads every stamp.  So batch
rows measure the transport plus one Python call per batch, not Python
work per message: compare them with each other.

--overhead measures instead what Python adds per message above C, in one
process on one CPU, with no waiting: a 4096-slot lossless topic is
filled, then drained, round after round, and each call's time per
message is the median over the rounds.  Subscriber: _fast.drain() (take
and release in a C loop: the C subscriber) beside take(), take() plus
reading the stamp as the bench's receiver does, and take_many(256).
Publisher: publish_many() (a C loop over a list: the C publisher plus a
list item fetch) beside publish() and loan() + commit() (which writes the
8-byte stamp only, so at 4 KiB it copies less than the others).  Rows: method
"overhead", call, path (ext: sluice._fast, ctypes: SLUICE_PY_NO_EXT=1,
run in a child), size, ns_per_msg and above_c_ns."""
import argparse
import json
import mmap
import multiprocessing as mp
import os
import statistics
import struct
import sys
import time

METHODS = ["sluice", "pyzmq", "mp-queue", "mp-pipe", "sluice-batch", "pyzmq-batch",
           "sluice-poll", "pyzmq-poll", "mp-pipe-poll", "eventfd"]
NEEDS = {"sluice": "sluice", "pyzmq": "zmq"}  # method's first word -> module


# The CPUs allowed at start, before the sender pins itself (a receiver
# forked later inherits the sender's one CPU, not these).
CPUS = sorted(os.sched_getaffinity(0))


def pin(which):
    if len(CPUS) >= 2:
        os.sched_setaffinity(0, {CPUS[which]})


# Every method reads the stamp the same way, and the cheapest way Python
# has (a memoryview slice then int.from_bytes costs about 100 ns more).
STAMP = struct.Struct("<q")
stamp_of = STAMP.unpack_from


def percentile(sorted_vals, q):
    if not sorted_vals:
        return None
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


# --- receivers (child processes) -------------------------------------------

def recv_loop(get, n, m, results):
    """Receives n throughput messages then m latency messages through
    get() (which returns the message's first 8 bytes as an int, the send
    stamp) and reports (first, last, latencies).  Between the two it tells
    the sender (results) that the throughput run is drained, so that no
    paced message queues behind it."""
    pin(1)
    now = time.monotonic_ns
    get()
    first = now()
    for _ in range(n - 1):
        get()
    last = now()
    results.put("drained")
    lat = []
    for _ in range(m):
        stamp = get()
        lat.append(now() - stamp)
    results.put((first, last, lat, n - 1))


def recv_batch_loop(get_many, n, m, results):
    """recv_loop for batches: get_many() returns a list of messages.  The
    throughput run counts them (from the end of the first batch to the
    end of the one that makes n); the latency run reads every stamp."""
    pin(1)
    now = time.monotonic_ns
    got = len(get_many())
    while not got:
        got = len(get_many())
    first, counted = now(), n - got
    while got < n:
        got += len(get_many())
    last = now()
    results.put("drained")
    lat = []
    while len(lat) < m:
        batch = get_many()
        t = now()
        for b in batch:
            lat.append(t - stamp_of(b)[0])
    results.put((first, last, lat[:m], counted))


def recv_sluice(topic, n, m, ready, results, mode=""):
    import sluice

    sub = sluice.Subscriber(topic, busy_poll=(mode == "poll"))
    ready.set()
    if mode == "batch":
        take_many = sub.take_many
        recv_batch_loop(lambda: take_many(1024), n, m, results)
        sub.close()
        return
    take = sub.take

    def get():
        msg = take()
        return stamp_of(msg.data)[0]

    recv_loop(get, n, m, results)
    sub.close()


def recv_zmq(addr, n, m, ready, results, mode=""):
    import zmq

    ctx = zmq.Context()
    s = ctx.socket(zmq.PULL)
    s.connect(addr)
    ready.set()
    recv = s.recv
    if mode == "batch":
        recv_batch_loop(s.recv_multipart, n, m, results)
    elif mode == "poll":
        nb, again = zmq.NOBLOCK, zmq.Again

        def get():
            while True:
                try:
                    return stamp_of(recv(nb))[0]
                except again:
                    pass

        recv_loop(get, n, m, results)
    else:
        recv_loop(lambda: stamp_of(recv())[0], n, m, results)
    s.close(linger=0)
    ctx.term()


def recv_queue(q, n, m, ready, results):
    ready.set()
    get = q.get
    recv_loop(lambda: stamp_of(get())[0], n, m, results)


def recv_pipe(conn, n, m, ready, results, mode=""):
    ready.set()
    rb = conn.recv_bytes
    if mode == "poll":
        poll = conn.poll

        def get():
            while not poll(0):
                pass
            return stamp_of(rb())[0]

        recv_loop(get, n, m, results)
        return
    recv_loop(lambda: stamp_of(rb())[0], n, m, results)


def recv_eventfd(fd, mm, n, m, ready, results):
    ready.set()
    wait = os.eventfd_read

    def get():
        wait(fd)
        return stamp_of(mm)[0]

    recv_loop(get, n, m, results)


# --- senders (this process) ------------------------------------------------

def paced(send, size, m, interval_ns):
    """m messages, one every interval_ns, each stamped at its send."""
    now = time.monotonic_ns
    for _ in range(m):
        # sleeping, not spinning: a spinning sender would hold the GIL that
        # multiprocessing.Queue's feeder thread needs (the stamp is taken
        # after the wake-up, so the sender's own wake-up is not counted)
        time.sleep(interval_ns / 1e9)
        send(now())


def run_one(method, size, n, m, interval_ns, batch=64):
    ctx = mp.get_context("fork")
    ready, results = ctx.Event(), ctx.Queue()
    pad = bytes(max(size - 8, 0))
    cleanup = []
    base, _, mode = method.partition("-")
    if base == "mp":  # mp-queue, mp-pipe, mp-pipe-poll
        base, _, mode = method.partition("-")[2].partition("-")
        base = "mp-" + base
    send_many = None  # batch rows: sends a list of messages
    if base == "sluice":
        import sluice

        topic = "/sluice-bench-py-%d" % os.getpid()
        pub = sluice.Publisher(topic, type="sluice.bench.Bytes", slot_size=max(size, 64),
                               slots=256)
        cleanup.append(lambda: (pub.close(), sluice.remove_topic(topic, force=True)))
        child = ctx.Process(target=recv_sluice, args=(topic, n, m, ready, results, mode))
        publish = pub.publish

        def send(stamp):
            publish(stamp.to_bytes(8, "little") + pad)

        if mode == "batch":
            send_many = pub.publish_many
    elif base == "pyzmq":
        import zmq

        zctx = zmq.Context()
        s = zctx.socket(zmq.PUSH)
        path = "/tmp/sluice-bench-py-%d.ipc" % os.getpid()
        addr = "ipc://" + path
        s.bind(addr)
        cleanup.append(lambda: (s.close(linger=0), zctx.term(),
                                os.path.exists(path) and os.unlink(path)))
        child = ctx.Process(target=recv_zmq, args=(addr, n, m, ready, results, mode))
        zsend = s.send

        def send(stamp):
            zsend(stamp.to_bytes(8, "little") + pad)

        if mode == "batch":
            send_many = s.send_multipart
    elif method == "mp-queue":
        q = ctx.Queue()
        child = ctx.Process(target=recv_queue, args=(q, n, m, ready, results))
        put = q.put

        def send(stamp):
            put(stamp.to_bytes(8, "little") + pad)
    elif base == "mp-pipe":
        rx, tx = ctx.Pipe(duplex=False)
        child = ctx.Process(target=recv_pipe, args=(rx, n, m, ready, results, mode))
        sb = tx.send_bytes

        def send(stamp):
            sb(stamp.to_bytes(8, "little") + pad)
    elif method == "eventfd":
        # one stamp in shared memory, one token per message
        fd = os.eventfd(0, os.EFD_SEMAPHORE)
        mm = mmap.mmap(-1, 8)
        child = ctx.Process(target=recv_eventfd, args=(fd, mm, n, m, ready, results))
        cleanup.append(lambda: (mm.close(), os.close(fd)))
        pack_into, post = STAMP.pack_into, os.eventfd_write

        def send(stamp):
            pack_into(mm, 0, stamp)
            post(fd, 1)
    else:
        raise ValueError(method)
    try:
        child.start()
        if not ready.wait(30):
            raise RuntimeError("%s receiver did not start" % method)
        pin(0)
        now = time.monotonic_ns
        if send_many is None:
            for _ in range(n):
                send(now())
        else:
            msgs = [now().to_bytes(8, "little") + pad for _ in range(batch)]
            for _ in range(n // batch):
                send_many(msgs)
            if n % batch:
                send_many(msgs[:n % batch])
            send = lambda stamp: send_many([stamp.to_bytes(8, "little") + pad])  # noqa: E731
        if results.get(timeout=300) != "drained":
            raise RuntimeError("%s receiver out of step" % method)
        paced(send, size, m, interval_ns)
        first, last, lat, counted = results.get(timeout=300)
        child.join(30)
    finally:
        if child.is_alive():
            child.kill()
        for c in cleanup:
            c()
    lat = sorted(lat[m // 10:])
    return {"msgs_per_s": counted * 1e9 / max(last - first, 1),
            "p50_ns": percentile(lat, 0.50), "p99_ns": percentile(lat, 0.99)}


def overhead_rows(size, rounds=30, n=4096):
    """--overhead: one process, see the module's text."""
    import sluice
    from sluice import _lib

    fast = _lib.fast
    path = "ext" if fast is not None else "ctypes"
    pin(0)
    topic = "/sluice-bench-pyov-%d" % os.getpid()
    pub = sluice.Publisher(topic, type="sluice.bench.Bytes", slot_size=max(size, 64), slots=n)
    sub = sluice.Subscriber(topic)
    msgs = [i.to_bytes(8, "little") + bytes(size - 8) for i in range(n)]
    stamp = bytes(8)
    take, take_many, publish, loan, commit = (sub.take, sub.take_many, pub.publish, pub.loan,
                                              pub.commit)

    def fill():
        assert pub.publish_many(msgs, timeout=0) == n

    def drain():
        got = 0
        while got < n:
            got += len(take_many(256, timeout=0))

    def s_drain():
        assert fast.drain(sub._h, sub._maddr, n) == n

    def s_take():
        for _ in range(n):
            take()
        take(timeout=0)  # releases the last

    def s_take_read():
        for _ in range(n):
            stamp_of(take().data)[0]
        take(timeout=0)

    def p_publish():
        for b in msgs:
            publish(b)

    def p_loan():
        for _ in range(n):
            loan(size)[:8] = stamp
            commit(0, size)

    subs = [("drain (C)", s_drain)] if fast is not None else []
    subs += [("take", s_take), ("take+read", s_take_read), ("take_many(256)", drain)]
    pubs = [("publish_many", fill), ("publish", p_publish), ("loan+commit 8B", p_loan)]
    times = {}
    now = time.perf_counter_ns
    try:
        for _ in range(rounds):
            for name, fn in subs:
                fill()
                t = now()
                fn()
                times.setdefault(("sub", name), []).append((now() - t) / n)
            for name, fn in pubs:
                t = now()
                fn()
                times.setdefault(("pub", name), []).append((now() - t) / n)
                drain()
    finally:
        pub.close()
        sub.close()
        sluice.remove_topic(topic, force=True)
    rows = []
    for (side, name), v in times.items():
        rows.append({"method": "overhead", "side": side, "call": name, "path": path,
                     "size": size, "ns_per_msg": round(statistics.median(v), 1)})
    return rows


def overhead_main(a, sizes, out):
    rows = []
    for size in sizes:
        rows += overhead_rows(size)
    from sluice import _lib

    if _lib.fast is not None:
        import subprocess

        env = dict(os.environ, SLUICE_PY_NO_EXT="1")
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--overhead", "--sizes",
                            a.sizes, "--json", "-"], env=env, capture_output=True, text=True,
                           check=True)
        rows += json.loads(r.stdout)
    # C's own cost, from this process's rows (the extension's drain; the
    # publisher's C loop), for the ctypes rows too
    ref = {}
    for r in rows:
        if r["path"] == "ext" and r["call"] in ("drain (C)", "publish_many"):
            ref[(r["side"], r["size"])] = r["ns_per_msg"]
    for r in rows:
        c = ref.get((r["side"], r["size"]))
        r["above_c_ns"] = None if c is None else round(r["ns_per_msg"] - c, 1)
    print("%-4s %-14s %-7s %6s %10s %10s" % ("side", "call", "path", "size", "ns/msg",
                                           "above C"), file=out)
    for r in rows:
        print("%-4s %-14s %-7s %6d %10.1f %10s" % (
            r["side"], r["call"], r["path"], r["size"], r["ns_per_msg"],
            "-" if r["above_c_ns"] is None else "%.1f" % r["above_c_ns"]), file=out)
    return rows


def available(method):
    try:
        mod = NEEDS.get(method.split("-")[0])
        if mod:
            __import__(mod)
    except ImportError as e:
        return "not installed (%s)" % e
    return None


def main():
    ap = argparse.ArgumentParser(prog="sluice-bench python",
                                 description="sluice from Python beside pyzmq ipc:// and "
                                             "multiprocessing Queue and Pipe")
    ap.add_argument("--sizes", default="64,4096", help="message sizes in bytes (64,4096)")
    ap.add_argument("--messages", type=int, default=100000,
                    help="messages per throughput run (100000)")
    ap.add_argument("--latency-messages", type=int, default=2000,
                    help="paced messages per latency run (2000)")
    ap.add_argument("--interval-us", type=int, default=200,
                    help="gap between paced latency messages, us (200)")
    ap.add_argument("--methods", default=",".join(METHODS), help=",".join(METHODS))
    ap.add_argument("--runs", type=int, default=1, help="repeat R times, report medians (1)")
    ap.add_argument("--batch", type=int, default=64,
                    help="messages per call in the *-batch rows' throughput runs (64)")
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON (- : stdout)")
    ap.add_argument("--overhead", action="store_true",
                    help="measure Python's cost per message above C instead (one process)")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    methods = a.methods.split(",")
    for mth in methods:
        if mth not in METHODS:
            ap.error("unknown method %r (%s)" % (mth, ",".join(METHODS)))
    if min(sizes) < 8 or a.messages < 2 or a.latency_messages < 10 or a.runs < 1 or \
            a.batch < 1:
        ap.error("sizes >= 8, --messages >= 2, --latency-messages >= 10, --runs >= 1, "
                 "--batch >= 1")
    out = sys.stderr if a.json == "-" else sys.stdout
    if a.overhead:
        rows = overhead_main(a, sizes, out) if not os.environ.get("SLUICE_PY_NO_EXT") else \
            [r for size in sizes for r in overhead_rows(size)]
        write_json(a.json, rows)
        return 0
    rows = []
    print("sluice-bench python: %d + %d paced messages per row, %d run(s), python %s, "
          "%d CPUs" % (a.messages, a.latency_messages, a.runs, sys.version.split()[0],
                       len(CPUS)), file=out)
    print("%-12s %6s %12s %10s %10s" % ("method", "size", "msgs/s", "p50 ns", "p99 ns"),
          file=out)
    for size in sizes:
        for mth in methods:
            skip = available(mth)
            if skip:
                rows.append({"method": mth, "size": size, "msgs_per_s": None, "p50_ns": None,
                             "p99_ns": None, "skipped": skip})
                print("%-12s %6d skipped: %s" % (mth, size, skip), file=out)
                continue
            runs = [run_one(mth, size, a.messages, a.latency_messages, a.interval_us * 1000,
                            a.batch) for _ in range(a.runs)]
            row = {"method": mth, "size": size, "runs": a.runs}
            if mth.endswith("-batch"):
                row["batch"] = a.batch
            if mth.endswith("-poll"):
                row["receiver"] = "busy-poll"
            for k in ("msgs_per_s", "p50_ns", "p99_ns"):
                row[k] = statistics.median(r[k] for r in runs)
            row["msgs_per_s"] = round(row["msgs_per_s"])
            rows.append(row)
            print("%-12s %6d %12.0f %10.0f %10.0f" % (mth, size, row["msgs_per_s"],
                                                     row["p50_ns"], row["p99_ns"]),
                  file=out, flush=True)
    write_json(a.json, rows)
    return 0


def write_json(where, rows):
    if where:
        text = json.dumps(rows, indent=1) + "\n"
        if where == "-":
            sys.stdout.write(text)
        else:
            with open(where, "w") as f:
                f.write(text)


if __name__ == "__main__":
    sys.exit(main())
