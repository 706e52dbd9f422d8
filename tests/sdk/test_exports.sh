#!/bin/sh
# test_exports.sh CC LIBSLUICE_SO INCLUDE_DIR... - libsluice.so exports
# exactly the functions the public headers declare: `nm -D --defined-only`
# against every sluice_*( declared in include/sluice/*.h (after the
# preprocessor, so macro-made functions count), static inline ones excluded.
# Both directions: nothing private leaks, nothing declared is missing.
cc=${1:?usage: test_exports.sh CC LIBSLUICE_SO INCLUDE_DIR...}
so=${2:?usage: test_exports.sh CC LIBSLUICE_SO INCLUDE_DIR...}
shift 2
export LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-exports.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
incs=""
for d in "$@"; do incs="$incs -I$d"; done
# Every public header, each one included (not only through sluice.h).
for d in "$@"; do
	for h in "$d"/sluice/*.h; do
		[ -f "$h" ] && echo "#include \"sluice/$(basename "$h")\""
	done
done | sort -u >"$tmp/all.c"
# shellcheck disable=SC2086
$cc -E -P -D_GNU_SOURCE $incs "$tmp/all.c" >"$tmp/all.i" || exit 2
perl -0777 -ne '
	my (%all, %skip);
	$all{$1} = 1 while /\b(sluice_\w+)\s*\(/g;
	# static (inline) definitions and typedefs of function types
	$skip{$1} = 1 while /\bstatic\b[^;(){}]*?\b(sluice_\w+)\s*\(/g;
	$skip{$1} = 1 while /\btypedef\b[^;]*?\b(sluice_\w+)\s*\(/g;
	print "$_\n" for grep { !$skip{$_} } keys %all;
' "$tmp/all.i" | sort >"$tmp/declared"
nm -D --defined-only "$so" | awk '$2 ~ /^[TtWwDdBbRriV]$/ { sub(/@.*/, "", $3); print $3 }' |
	sort >"$tmp/exported"
ndecl=$(wc -l <"$tmp/declared")
nexp=$(wc -l <"$tmp/exported")
[ "$ndecl" -gt 50 ] || { echo "only $ndecl declarations found: the extraction is broken"; exit 1; }
bad=0
comm -13 "$tmp/declared" "$tmp/exported" | sed 's/^/exported but not declared in a public header: /' |
	grep . && bad=1
comm -23 "$tmp/declared" "$tmp/exported" | sed 's/^/declared but not exported: /' | grep . && bad=1
[ $bad = 0 ] && echo "libsluice.so exports exactly the $nexp functions the public headers declare"
exit $bad
