#!/bin/sh
# test_fanout.sh - `sluice-bench fanout --smoke --json -` runs briefly and
# prints on stdout a JSON array with one object per (subscribers, size,
# mode) row that ran, each with the documented keys and sane values; poll
# rows that need more CPUs than the machine has are skipped with a message
# on stderr, not run.  No figure is checked against a bound.
set -u
BENCH=$1
out=$(mktemp -d /tmp/sluice-test-fanout.XXXXXX)
trap 'rm -rf "$out"' EXIT INT TERM
"$BENCH" fanout --smoke --interval-us 50 --json - >"$out/json" 2>"$out/err"
rc=$?
cat "$out/err"
[ "$rc" = 0 ] || { echo "FAIL: exit $rc"; exit 1; }
python3 - "$out/json" "$out/err" <<'PY'
import json, os, sys
rows = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read()
ncpu = os.cpu_count()
assert isinstance(rows, list) and rows, "not a non-empty array"
keys = ["subscribers", "size", "mode", "publish_ns_p50", "first_p50_ns",
        "last_p50_ns", "last_p99_ns", "last_p999_ns"]
seen = set()
for r in rows:
    for k in keys:
        assert k in r, "row lacks %s: %r" % (k, r)
    assert r["mode"] in ("sleep", "poll"), r
    assert r["subscribers"] in (1, 2), r
    assert r["size"] in (64, 65536), r
    for k in keys[3:]:
        assert isinstance(r[k], int) and r[k] > 0, (k, r)
    assert r["first_p50_ns"] <= r["last_p50_ns"] <= r["last_p99_ns"] <= r["last_p999_ns"], r
    seen.add((r["subscribers"], r["size"], r["mode"]))
for n in (1, 2):
    for size in (64, 65536):
        assert (n, size, "sleep") in seen, ("sleep row missing", n, size)
        if n + 1 <= ncpu:
            assert (n, size, "poll") in seen, ("poll row missing", n, size)
        else:
            assert (n, size, "poll") not in seen, ("poll ran without CPUs", n, size)
            assert "poll with %d subscriber" % n in err, "no skip message for %d" % n
print("ok: %d rows" % len(rows))
PY
