#!/bin/sh
# test_umbrella.sh CC VERSION INCLUDE_DIR... - <sluice/sluice.h> is
# "everything public in one include": it reaches every public header
# (the generated sluice/version.h included), and a program that includes
# only it sees SLUICE_VERSION_MAJOR/MINOR/PATCH equal to the project's
# version and can call sluice_version().
cc=${1:?usage: test_umbrella.sh CC VERSION INCLUDE_DIR...}
ver=${2:?usage: test_umbrella.sh CC VERSION INCLUDE_DIR...}
shift 2
export LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-umbrella.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
incs=""
for d in "$@"; do incs="$incs -I$d"; done
bad=0

echo '#include <sluice/sluice.h>' >"$tmp/one.c"
# shellcheck disable=SC2086
$cc -std=c11 -D_GNU_SOURCE $incs -E -H "$tmp/one.c" -o /dev/null 2>"$tmp/tree" ||
	{ cat "$tmp/tree"; exit 2; }
for d in "$@"; do
	for h in "$d"/sluice/*.h; do
		[ -f "$h" ] || continue
		b=$(basename "$h")
		[ "$b" = sluice.h ] && continue
		grep -q "/sluice/$b\$" "$tmp/tree" ||
			{ echo "sluice/sluice.h does not include sluice/$b"; bad=1; }
	done
done

major=${ver%%.*}
rest=${ver#*.}
minor=${rest%%.*}
patch=${rest#*.}
cat >"$tmp/ver.c" <<EOC
#include <sluice/sluice.h>
_Static_assert(SLUICE_VERSION_MAJOR == $major, "SLUICE_VERSION_MAJOR");
_Static_assert(SLUICE_VERSION_MINOR == $minor, "SLUICE_VERSION_MINOR");
_Static_assert(SLUICE_VERSION_PATCH == $patch, "SLUICE_VERSION_PATCH");
const char *(*version_fn)(void) = sluice_version;
EOC
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE $incs -c "$tmp/ver.c" -o "$tmp/ver.o" ||
	{ echo "a program including only sluice/sluice.h does not see the version macros"; bad=1; }
[ $bad = 0 ] && echo "sluice/sluice.h reaches every public header; SLUICE_VERSION_* = $ver"
exit $bad
