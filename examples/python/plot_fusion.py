#!/usr/bin/python3
"""plot_fusion.py - the sensor-fusion demo's fused pose against the ground
truth and the GPS fixes, in the east-north plane, from its running topics.

    sluice run examples/sensor_fusion.yaml &
    PYTHONPATH=python examples/python/plot_fusion.py [--seconds 10] [--out fusion.png]

Reads /<pipeline>.pose, .truth and .gps (pipeline: --pipeline, default
sensor_fusion) for --seconds, then draws the three tracks: live in a window
when there is a display and no --out, else into a PNG with matplotlib's
Agg backend.  Positions are read in place through numpy views of each
message's fields; GPS fixes (latitude, longitude) are turned into metres
east and north of the demo's origin (--origin LAT,LON, gps_sim's default).
"""
import argparse
import math
import os
import sys
import time

import sluice

EARTH_M = 6378137.0  # WGS-84 equatorial radius; flat-earth is fine over 100 m


def open_topics(pipeline, wait_s):
    names = ["/%s.%s" % (pipeline, t) for t in ("pose", "truth", "gps")]
    end = time.monotonic() + wait_s
    while True:
        try:
            return [sluice.Subscriber(n) for n in names]
        except sluice.TopicNotFound:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--pipeline", default="sensor_fusion")
    ap.add_argument("--seconds", type=float, default=10.0, help="how long to collect")
    ap.add_argument("--out", help="write a PNG here (Agg) instead of showing a window")
    ap.add_argument("--origin", default="48.137154,11.576124",
                    help="LAT,LON of the local east-north origin (gps_sim's)")
    ap.add_argument("--wait", type=float, default=10.0,
                    help="seconds to wait for the pipeline's topics to appear")
    a = ap.parse_args()
    lat0, lon0 = (float(x) for x in a.origin.split(","))

    import matplotlib

    if a.out or not os.environ.get("DISPLAY"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        pose, truth, gps = open_topics(a.pipeline, a.wait)
    except sluice.SluiceError as e:
        sys.exit("plot_fusion.py: %s (is `sluice run examples/sensor_fusion.yaml` running?)"
                 % e)
    tracks = {id(pose): ([], []), id(truth): ([], []), id(gps): ([], [])}
    ws = sluice.WaitSet([pose, truth, gps])
    end = time.monotonic() + a.seconds
    k_lat = math.radians(1) * EARTH_M
    k_lon = k_lat * math.cos(math.radians(lat0))
    try:
        while time.monotonic() < end:
            sub = ws.wait(timeout=max(0.0, end - time.monotonic()))
            if sub is None:
                continue
            try:
                msg = sub.take(timeout=0)
            except sluice.PublisherGone:
                break
            if msg is None:
                continue
            xs, ys = tracks[id(sub)]
            with msg:
                p = msg.numpy(field="position")  # in the slot: Vec3 or GeoPoint
                if sub is gps:
                    x, y = (p[1] - lon0) * k_lon, (p[0] - lat0) * k_lat
                else:
                    x, y = p[0], p[1]
            xs.append(float(x))
            ys.append(float(y))
    except KeyboardInterrupt:
        pass
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(*tracks[id(truth)], "k-", lw=1, label="truth (%d)" % len(tracks[id(truth)][0]))
    ax.plot(*tracks[id(gps)], "r.", ms=4, label="GPS (%d)" % len(tracks[id(gps)][0]))
    ax.plot(*tracks[id(pose)], "b-", lw=1, alpha=0.7,
            label="fused pose (%d)" % len(tracks[id(pose)][0]))
    ax.set_xlabel("east, m")
    ax.set_ylabel("north, m")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_title("sluice sensor fusion: /%s.{pose,truth,gps}" % a.pipeline)
    ax.legend(loc="best")
    for s in (pose, truth, gps):
        s.close()
    if a.out or matplotlib.get_backend().lower() == "agg":
        out = a.out or "fusion.png"
        fig.savefig(out, dpi=100)
        print("plot_fusion.py: %s: %d poses, %d truths, %d fixes" % (
            out, len(tracks[id(pose)][0]), len(tracks[id(truth)][0]), len(tracks[id(gps)][0])))
    else:
        plt.show()


if __name__ == "__main__":
    main()
