#!/bin/sh
# test_public_headers.sh ROOT - tools/, bench/, plugins/, examples/ and
# python/ use only public headers (DESIGN.md): no #include of a header that
# lives under src/ (a file's own folder is its own business).
root=${1:?usage: test_public_headers.sh SOURCE_ROOT}
cd "$root" || exit 2
# Files allowed a private header, as "file:header" words (none today).
allowed=""
bad=0
for dir in tools bench plugins examples python; do
	[ -d "$dir" ] || continue
	find "$dir" -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.cpp' \) |
	while read -r f; do
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "$f" |
		while read -r inc; do
			[ -f "$(dirname "$f")/$inc" ] && continue # its own folder
			[ -f "src/$inc" ] || continue
			case " $allowed " in *" $f:$inc "*)
				echo "known exception: $f includes src/$inc"; continue ;;
			esac
			echo "$f includes src/$inc, a private header"
			echo x
		done
	done
done >"${TMPDIR:-/tmp}/sluice-public-headers.$$"
out="${TMPDIR:-/tmp}/sluice-public-headers.$$"
grep -v '^x$' "$out"
grep -q '^x$' "$out" && bad=1
rm -f "$out"
[ $bad = 0 ] && echo "tools, bench, plugins, examples: public headers only"
exit $bad
