#!/bin/sh
# test_pipeline_bench.sh - `sluice-bench pipeline --smoke --json -` runs the
# floor and the three modes briefly and prints on stdout a JSON array whose
# rows have the documented keys and ordered percentiles; the rt row either
# ran (with its floor-rt row beside it) or is skipped with the reason (what
# this process may not do, or a sanitizer build).  No figure is checked
# against a bound.
set -u
BENCH=$1
out=$(mktemp -d /tmp/sluice-test-pipeline.XXXXXX)
trap 'rm -rf "$out"' EXIT INT TERM
"$BENCH" pipeline --smoke --size 512 --json - >"$out/json" 2>"$out/err"
rc=$?
cat "$out/err"
[ "$rc" = 0 ] || { echo "FAIL: exit $rc"; exit 1; }
python3 - "$out/json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list) and rows, "not a non-empty array"
by = {r["mode"]: r for r in rows}
for m in ("floor", "default", "spin", "rt"):
    assert m in by, "no %s row" % m
keys = ["messages", "p50_ns", "p99_ns", "p999_ns", "max_ns", "cpu_pct"]
for r in rows:
    assert r["size"] == 512 and r["round"] == 0, r
    if "skipped" in r:
        assert r["mode"] == "rt", ("only rt may be skipped", r)
        assert any(w in r["skipped"] for w in ("not permitted", "cannot", "sanitizer")), r
        continue
    for k in keys:
        assert k in r, "row lacks %s: %r" % (k, r)
    assert r["messages"] > 100, r
    assert 0 < r["p50_ns"] <= r["p99_ns"] <= r["p999_ns"] <= r["max_ns"], r
    assert set(r["cpu_pct"]) == {"source", "process", "sink"}, r
    assert all(v >= 0 for v in r["cpu_pct"].values()), r
    if r["mode"] != "floor":
        assert r["p99_vs_floor"] > 0, r
assert by["spin"]["spin_us"] == 1000, by["spin"]
if "skipped" not in by["rt"]:
    assert "floor-rt" in by, "rt ran without its floor"
print("ok: %d rows%s" % (len(rows), "; rt skipped: " + by["rt"]["skipped"]
                         if "skipped" in by["rt"] else ""))
PY
