"""gps_smooth.py - a pipeline stage in Python (sensor_fusion_python.yaml):
a moving average over the last `window` GPS fixes.

The runtime calls on_message(msg, ctx) for every message on an input:
msg.data is a read-only memoryview of the slot (zero copy, valid during
the call), msg.dict() decodes it through the topic's schema; ctx.publish
sends bytes, or a dict encoded through the output topic's schema, and
ctx.params holds the stage's params.  See sluice-pipeline(5)."""
import collections

fixes = None


def on_start(ctx):
    global fixes
    fixes = collections.deque(maxlen=int(ctx.params.get("window", 5)))


def on_message(msg, ctx):
    fix = msg.dict()
    pos = fix.get("position")
    if not pos:
        return  # no fix: nothing to average
    fixes.append((pos["lat_deg"], pos["lon_deg"], pos["alt_m"]))
    n = len(fixes)
    fix["position"] = {"lat_deg": sum(f[0] for f in fixes) / n,
                       "lon_deg": sum(f[1] for f in fixes) / n,
                       "alt_m": sum(f[2] for f in fixes) / n}
    ctx.publish("out", fix)
