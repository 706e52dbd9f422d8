# json_equal.py A B [KEY...] - exits 0 when two JSON files are equal by
# value, leaving out the named keys at any depth: the
# same keys and values, floats within a relative 1e-6 (flatc prints floats
# with limited precision), and bare nan/inf (as flatc prints them) allowed.
import json
import math
import re
import sys


def load(path):
    with open(path) as f:
        text = f.read()
    text = re.sub(r'(?<=[\s:\[,])(-?)(inf|nan)\b',
                  lambda m: '"%s%s"' % (m.group(1), m.group(2)), text)
    return json.loads(text)


def num(x):
    if isinstance(x, str) and x in ("inf", "-inf", "nan"):
        return float(x)
    return x


IGNORE = set(sys.argv[3:])


def equal(a, b, path):
    a, b = num(a), num(b)
    if isinstance(a, dict) and isinstance(b, dict):
        a = {k: v for k, v in a.items() if k not in IGNORE}
        b = {k: v for k, v in b.items() if k not in IGNORE}
        if set(a) != set(b):
            print("%s: keys differ: %s vs %s" % (path, sorted(a), sorted(b)))
            return False
        return all(equal(a[k], b[k], path + "." + k) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            print("%s: lengths differ" % path)
            return False
        return all(equal(x, y, "%s[%d]" % (path, i)) for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, bool) or isinstance(b, bool):
        ok = a is b
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) or isinstance(b, float):
            if math.isnan(a) or math.isnan(b):
                ok = math.isnan(a) and math.isnan(b)
            else:
                ok = a == b or math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)
        else:
            ok = a == b
    else:
        ok = a == b
    if not ok:
        print("%s: %r vs %r" % (path, a, b))
    return ok


sys.exit(0 if equal(load(sys.argv[1]), load(sys.argv[2]), "$") else 1)
