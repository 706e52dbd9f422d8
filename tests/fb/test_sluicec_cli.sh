#!/bin/sh
# test_sluicec_cli.sh - sluicec's command line: --gen-all writes the header
# of every schema the given one includes (directly or not, through -I, in a
# cycle), each the same as sluicec writes for that schema alone, and they
# compile together; a file that cannot be written or read is named with the
# reason (strerror), not only "cannot write".
# usage: test_sluicec_cli.sh SLUICEC CC INCLUDE_DIR SCHEMA_DIR
set -u
sluicec=$1 cc=$2 inc=$3 schemas=$4
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

no() { echo "FAIL: $*"; fail=1; }

# 1. zoo.fbs includes zoo_common.fbs: without --gen-all only zoo's header
mkdir "$tmp/one" "$tmp/all" "$tmp/each"
"$sluicec" -o "$tmp/one" "$schemas/zoo.fbs" || no "sluicec zoo.fbs"
[ "$(ls "$tmp/one")" = zoo_sluice.h ] || no "without --gen-all: $(ls "$tmp/one")"
"$sluicec" --gen-all -o "$tmp/all" "$schemas/zoo.fbs" || no "sluicec --gen-all zoo.fbs"
"$sluicec" -o "$tmp/each" "$schemas/zoo.fbs" && "$sluicec" -o "$tmp/each" "$schemas/zoo_common.fbs"
for h in zoo_sluice.h zoo_common_sluice.h; do
	cmp -s "$tmp/all/$h" "$tmp/each/$h" || no "--gen-all's $h differs from sluicec's for its schema"
done
printf '#include "zoo_sluice.h"\nint main(void) { return 0; }\n' >"$tmp/use.c"
"$cc" -std=c11 -Wall -Werror -fsyntax-only -I "$inc" -I "$tmp/all" "$tmp/use.c" ||
	no "zoo_sluice.h from --gen-all does not compile"

# 2. a chain through -I with a cycle: a -> b -> c (found with -I) -> b
mkdir "$tmp/s" "$tmp/s/lib" "$tmp/chain"
cat >"$tmp/s/a.fbs" <<'S'
include "b.fbs";
namespace t;
table A { b: B; }
root_type A;
S
cat >"$tmp/s/b.fbs" <<'S'
include "c.fbs";
namespace t;
table B { c: C; }
S
cat >"$tmp/s/lib/c.fbs" <<'S'
include "b.fbs";
namespace t;
struct C { x: int; }
S
# c.fbs includes b.fbs, which is not beside it: found through -I too
"$sluicec" --gen-includes -I "$tmp/s/lib" -I "$tmp/s" -o "$tmp/chain" "$tmp/s/a.fbs" ||
	no "sluicec --gen-includes a.fbs"
[ "$(ls "$tmp/chain" | tr '\n' ' ')" = "a_sluice.h b_sluice.h c_sluice.h " ] ||
	no "chain: $(ls "$tmp/chain" | tr '\n' ' ')"
printf '#include "a_sluice.h"\nint main(void) { return 0; }\n' >"$tmp/usea.c"
"$cc" -std=c11 -Wall -Werror -fsyntax-only -I "$inc" -I "$tmp/chain" "$tmp/usea.c" ||
	no "a_sluice.h from --gen-includes does not compile"

# 2b. two schemas that include each other and both use the other's tables
# (as monster_test.fbs's include_test1/2 do): each header compiles alone,
# whichever is included first
mkdir "$tmp/cyc" "$tmp/cycout"
cat >"$tmp/cyc/p.fbs" <<'S'
include "q.fbs";
namespace cyc.p;
enum Mood : byte { Calm, Busy }
table P { q: cyc.q.Q; m: Mood; }
S
cat >"$tmp/cyc/q.fbs" <<'S'
include "p.fbs";
namespace cyc.q;
table Q { p: cyc.p.P; n: int; }
root_type Q;
S
"$sluicec" --gen-all -o "$tmp/cycout" "$tmp/cyc/q.fbs" || no "sluicec --gen-all q.fbs"
for h in p q; do
	printf '#include "%s_sluice.h"
int main(void) { return 0; }
' "$h" >"$tmp/use$h.c"
	"$cc" -std=c11 -Wall -Werror -fsyntax-only -I "$inc" -I "$tmp/cycout" "$tmp/use$h.c" ||
		no "$h_sluice.h of an include cycle does not compile alone"
done

# 3. why a file cannot be written or read
says()
{
	want=$1
	shift
	"$sluicec" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] || no "sluicec $*: exit $rc, wanted 1"
	grep -q "$want" "$tmp/err" || no "sluicec $*: said \"$(cat "$tmp/err")\", wanted \"$want\""
}
says "$tmp/none/zoo_sluice.h: error: cannot write: No such file or directory" \
	-o "$tmp/none" "$schemas/zoo.fbs"
says "zoo_sluice.h: error: cannot write: No such file or directory" \
	--gen-all -o "$tmp/none" "$schemas/zoo.fbs"
says "/dev/null/zoo.bfbs: error: cannot write: Not a directory" --bfbs -o /dev/null "$schemas/zoo.fbs"
cp "$schemas/../zoo.json" "$tmp/d.json"
says "$tmp/none/d.bin: error: cannot write: No such file or directory" \
	-b -o "$tmp/none" "$schemas/zoo.fbs" "$tmp/d.json"
says "$tmp/none.bin: error: cannot read: No such file or directory" \
	--json "$schemas/zoo.fbs" "$tmp/none.bin"
[ $fail -eq 0 ] && echo "ok: sluicec --gen-all and its error messages"
exit $fail
