#!/usr/bin/python3
"""plot_fusion.py - the sensor-fusion demo's fused pose against the ground
truth and the GPS fixes, in the east-north plane, live from its topics.

    sluice run examples/sensor_fusion.yaml &
    PYTHONPATH=python examples/python/plot_fusion.py [--seconds 10] [--out fusion.png]

Reads /<pipeline>.pose, .truth and .gps (pipeline: --pipeline, default
sensor_fusion) and redraws the three tracks every --refresh seconds while
they come: in a window when there is a display and no --out, else into a
PNG with matplotlib's Agg backend, rewritten in place at each refresh (a
viewer that reloads it shows it live).  It stops after --seconds (0: when
the pipeline ends, or at Ctrl-C) and draws once more.  Positions are read
in place through numpy views of each message's fields; GPS fixes
(latitude, longitude) are turned into metres east and north of the
demo's origin (--origin LAT,LON, gps_sim's default).
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


class Plot:
    """The figure: three lines whose data grow; draw() shows the new data
    in the window or rewrites the PNG (written beside it, then renamed, so
    a reader never sees half a file)."""

    def __init__(self, plt, pipeline, out):
        self.plt, self.out = plt, out
        self.fig, self.ax = plt.subplots(figsize=(8, 5))
        ax = self.ax
        self.tracks = {"truth": ([], []), "gps": ([], []), "pose": ([], [])}
        self.lines = {"truth": ax.plot([], [], "k-", lw=1)[0],
                      "gps": ax.plot([], [], "r.", ms=4)[0],
                      "pose": ax.plot([], [], "b-", lw=1, alpha=0.7)[0]}
        ax.set_xlabel("east, m")
        ax.set_ylabel("north, m")
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_title("sluice sensor fusion: /%s.{pose,truth,gps}" % pipeline)
        if not out:
            plt.ion()
            plt.show(block=False)

    def add(self, which, x, y):
        xs, ys = self.tracks[which]
        xs.append(x)
        ys.append(y)

    def count(self, which):
        return len(self.tracks[which][0])

    def draw(self):
        labels = {"truth": "truth", "gps": "GPS", "pose": "fused pose"}
        for k, line in self.lines.items():
            line.set_data(*self.tracks[k])
            line.set_label("%s (%d)" % (labels[k], self.count(k)))
        self.ax.relim()
        self.ax.autoscale_view()
        self.ax.legend(loc="best")
        if self.out:
            tmp = self.out + ".part.png"
            self.fig.savefig(tmp, dpi=100)
            os.replace(tmp, self.out)
        else:
            self.fig.canvas.draw_idle()
            self.fig.canvas.flush_events()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--pipeline", default="sensor_fusion")
    ap.add_argument("--seconds", type=float, default=10.0,
                    help="how long to plot (0: until the pipeline ends or Ctrl-C)")
    ap.add_argument("--refresh", type=float, default=0.5, help="seconds between redraws")
    ap.add_argument("--out", help="write a PNG here (Agg) instead of showing a window")
    ap.add_argument("--origin", default="48.137154,11.576124",
                    help="LAT,LON of the local east-north origin (gps_sim's)")
    ap.add_argument("--wait", type=float, default=10.0,
                    help="seconds to wait for the pipeline's topics to appear")
    a = ap.parse_args()
    if a.seconds < 0 or a.refresh <= 0:
        ap.error("--seconds must be >= 0 and --refresh > 0")
    lat0, lon0 = (float(x) for x in a.origin.split(","))

    import matplotlib

    if a.out or not os.environ.get("DISPLAY"):
        matplotlib.use("Agg")
        a.out = a.out or "fusion.png"
    import matplotlib.pyplot as plt

    try:
        pose, truth, gps = open_topics(a.pipeline, a.wait)
    except sluice.SluiceError as e:
        sys.exit("plot_fusion.py: %s (is `sluice run examples/sensor_fusion.yaml` running?)"
                 % e)
    which = {id(pose): "pose", id(truth): "truth", id(gps): "gps"}
    plot = Plot(plt, a.pipeline, a.out)
    ws = sluice.WaitSet([pose, truth, gps])
    now = time.monotonic
    end = now() + a.seconds if a.seconds else float("inf")
    next_draw = now() + a.refresh
    k_lat = math.radians(1) * EARTH_M
    k_lon = k_lat * math.cos(math.radians(lat0))
    try:
        while now() < end:
            sub = ws.wait(timeout=max(0.0, min(end, next_draw) - now()))
            if now() >= next_draw:
                plot.draw()
                next_draw = now() + a.refresh
            if sub is None:
                continue
            try:
                msg = sub.take(timeout=0)
            except sluice.PublisherGone:
                break
            if msg is None:
                continue
            with msg:
                p = msg.numpy(field="position")  # in the slot: Vec3 or GeoPoint
                if sub is gps:
                    x, y = (p[1] - lon0) * k_lon, (p[0] - lat0) * k_lat
                else:
                    x, y = p[0], p[1]
            plot.add(which[id(sub)], float(x), float(y))
    except KeyboardInterrupt:
        pass
    for s in (pose, truth, gps):
        s.close()
    plot.draw()
    if a.out:
        print("plot_fusion.py: %s: %d poses, %d truths, %d fixes" % (
            a.out, plot.count("pose"), plot.count("truth"), plot.count("gps")))
    else:
        plt.ioff()
        plt.show()


if __name__ == "__main__":
    main()
