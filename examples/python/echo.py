#!/usr/bin/python3
"""echo.py - prints a topic's messages as JSON lines from Python, decoded
through the binary schema the topic carries (like `sluice echo`).

    PYTHONPATH=python examples/python/echo.py imu [-n N] [--oldest]

A topic without a schema prints each message's sequence number and bytes
in hex.  Ends after N messages, on Ctrl-C, or when the publisher closes.
"""
import argparse
import json
import sys

import sluice


def main():
    ap = argparse.ArgumentParser(description="print a topic's messages as JSON lines")
    ap.add_argument("topic")
    ap.add_argument("-n", type=int, default=0, help="stop after N messages")
    ap.add_argument("--oldest", action="store_true",
                    help="start from the oldest message the topic still holds")
    a = ap.parse_args()
    try:
        sub = sluice.Subscriber(a.topic, join="oldest" if a.oldest else "next")
        schema = sluice.topic_schema(a.topic)
    except sluice.SluiceError as e:
        sys.exit("echo.py: %s" % e)
    count = 0
    try:
        for msg in sub:
            try:
                if schema:
                    line = json.dumps(msg.dict())  # a checked private copy
                else:
                    line = json.dumps({"seq": msg.seq, "hex": msg.bytes().hex()})
            except sluice.TornError:
                continue  # overwritten while read (lossy topic): skipped
            print(line, flush=True)
            count += 1
            if count == a.n:
                break
    except KeyboardInterrupt:
        pass
    finally:
        sub.close()


if __name__ == "__main__":
    main()
