#!/bin/sh
# test_record_bench.sh - `sluice-bench record --smoke --json -` runs briefly
# and prints on stdout a JSON array with a row per writer (sluice, the
# channel, sequential write, and @mcap/core unless node or the package is
# missing, then skipped with the reason), size and compression, plus the
# `sluice record` live row, which must have recorded every message it was
# sent with none lost (a lossless topic).  No figure is checked against a
# bound.
# usage: test_record_bench.sh SLUICE_BENCH SLUICE
set -u
BENCH=$1
SLUICE=$2
out=$(mktemp -d /tmp/sluice-test-recbench.XXXXXX)
trap 'rm -rf "$out"' EXIT INT TERM
"$BENCH" record --smoke --dir "$out" --sluice "$SLUICE" --json - >"$out/json" 2>"$out/err"
rc=$?
cat "$out/err"
[ "$rc" = 0 ] || { echo "FAIL: exit $rc"; exit 1; }
python3 - "$out/json" "$out/err" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read()
assert isinstance(rows, list) and rows, "not a non-empty array"
seen = {}
for r in rows:
    seen[(r["writer"], r.get("compression"), r.get("size"))] = r
for size in (64, 65536):
    for w, comps in (("sluice", ("none", "zstd")), ("mcap_core", ("none", "zstd")),
                     ("channel", ("",))):
        for c in comps:
            r = seen.get((w, c, size))
            assert r, ("row missing", w, c, size)
            if "skipped" in r:
                assert w == "mcap_core", ("only @mcap/core may be skipped", r)
                assert "record: @mcap/core rows skipped" in err, "no skip message"
                continue
            for k in ("seconds_median", "msgs_per_s", "mb_per_s"):
                assert r[k] > 0, (k, r)
            assert r["runs"] == 1, r
s = seen.get(("seqwrite", "", 65536))
assert s and s["mb_per_s"] > 0, ("seqwrite row", s)
live = [r for r in rows if r["writer"] == "sluice_record_live"]
assert len(live) == 1 and "skipped" not in live[0], live
l = live[0]
assert l["published"] == 50000, l
assert l["recorded"] == l["published"] and l["lost"] == 0, l
print("ok: %d rows" % len(rows))
PY
