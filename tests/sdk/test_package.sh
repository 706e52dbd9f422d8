#!/bin/sh
# test_package.sh CMAKE CPACK SOURCE_DIR CC - the Debian packages that
# `make package` makes: configures a Release build for prefix /usr in a
# temporary directory, runs CPack's DEB generator there, and checks that
# lintian reports no error on any .deb, that dpkg-deb --contents of the
# packages together is exactly what `cmake --install` of the same build puts
# into a DESTDIR (besides the copyright and changelog.Debian.gz each package
# adds, and man pages being .gz), that no packaged ELF file has a RUNPATH,
# that the packages depend on libsluice0 of their own version, that the
# packaged sluice runs with the packaged library and finds its plugins, and
# that a program links with the packaged libsluice.a through sluice.pc.
# Skips (77) when lintian or dpkg-dev is missing. Removes all it made.
cmake=${1:?usage: test_package.sh CMAKE CPACK SOURCE_DIR CC}
cpack=${2:?}
src=${3:?}
cc=${4:?}
set -u
export LC_ALL=C
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $*"; }

for t in lintian dpkg-deb dpkg-shlibdeps file readelf pkg-config; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "SKIP: $t is not installed (sh scripts/deps.sh build check installs lintian, dpkg-dev, file)"
		exit 77
	}
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-package.XXXXXX") || exit 2
topic=/sluice-pkg$$
trap 'rm -rf "$tmp"; rm -f "/dev/shm$topic"' EXIT
trap 'exit 1' HUP INT TERM
b="$tmp/build"
jobs=$(nproc 2>/dev/null || echo 2)

step "configure and build (Release, prefix /usr) in $b"
start=$(date +%s)
"$cmake" -S "$src" -B "$b" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	"-DCMAKE_C_COMPILER=$cc" >"$tmp/build.log" 2>&1 &&
	"$cmake" --build "$b" -j "$jobs" >>"$tmp/build.log" 2>&1 ||
	{ tail -n 40 "$tmp/build.log"; fail "build"; }
echo "built in $(($(date +%s) - start)) s"

step "cpack -G DEB"
(cd "$b" && "$cpack" -G DEB -B "$tmp/debs") >"$tmp/cpack.log" 2>&1 ||
	{ cat "$tmp/cpack.log"; fail "cpack"; }
ls "$tmp"/debs/*.deb >/dev/null 2>&1 || fail "cpack made no .deb"
for d in "$tmp"/debs/*.deb; do
	echo "$(basename "$d") $(wc -c <"$d") bytes"
done
ver=$(dpkg-deb -f "$(ls "$tmp"/debs/libsluice0_*.deb 2>/dev/null | head -n 1)" Version 2>/dev/null) ||
	fail "no libsluice0 package"
for p in libsluice0 libsluice-dev sluice-tools sluice-bench python3-sluice; do
	[ -f "$tmp/debs/${p}_${ver}_$(dpkg --print-architecture).deb" ] || fail "no $p package"
done

step "lintian"
# lintian warns when run as root; that line is no finding.
lintian "$tmp"/debs/*.deb >"$tmp/lintian.log" 2>&1
grep -v '^running with root privileges' "$tmp/lintian.log"
grep -q '^E:' "$tmp/lintian.log" && fail "lintian reports errors"
echo "lintian: no errors ($(grep -c '^W:' "$tmp/lintian.log") warnings)"

step "contents against cmake --install"
DESTDIR="$tmp/stage" "$cmake" --install "$b" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "cmake --install"; }
(cd "$tmp/stage" && find . ! -type d | sed 's|^\./||' | sort) >"$tmp/installed"
: >"$tmp/packaged"
for d in "$tmp"/debs/*.deb; do
	p=$(dpkg-deb -f "$d" Package)
	# a symbolic link is listed as "path -> target": the path is field 6
	dpkg-deb --contents "$d" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./||' >"$tmp/files.$p"
	for f in copyright changelog.Debian.gz; do
		grep -qx "usr/share/doc/$p/$f" "$tmp/files.$p" || fail "$p lacks usr/share/doc/$p/$f"
	done
	grep -v "^usr/share/doc/$p/\(copyright\|changelog\.Debian\.gz\)\$" "$tmp/files.$p" |
		sed 's|^\(usr/share/man/man[1-9]/.*\)\.gz$|\1|' >>"$tmp/packaged"
	echo "$p: $(wc -l <"$tmp/files.$p") files"
done
dup=$(sort "$tmp/packaged" | uniq -d)
[ -z "$dup" ] || fail "in more than one package: $dup"
sort -o "$tmp/packaged" "$tmp/packaged"
[ "$(wc -l <"$tmp/installed")" -gt 20 ] || fail "cmake --install installed almost nothing"
diff=$(comm -3 "$tmp/installed" "$tmp/packaged")
if [ -n "$diff" ]; then
	comm -23 "$tmp/installed" "$tmp/packaged" | sed 's/^/installed, not packaged: /'
	comm -13 "$tmp/installed" "$tmp/packaged" | sed 's/^/packaged, not installed: /'
	fail "the packages do not hold what cmake --install installs"
fi
echo "the packages hold the $(wc -l <"$tmp/installed") installed files"

step "packaged ELF files, dependencies, the packaged programs"
for d in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$d" "$tmp/root" || fail "dpkg-deb -x $d"
done
find "$tmp/root" -type f | while read -r f; do
	readelf -h "$f" >/dev/null 2>&1 || continue
	rp=$(readelf -d "$f" 2>/dev/null | grep -E '\((RPATH|RUNPATH)\)')
	[ -z "$rp" ] || echo "${f#"$tmp/root"} has $rp"
done >"$tmp/rpaths"
[ -s "$tmp/rpaths" ] && { cat "$tmp/rpaths"; fail "packaged files with a RUNPATH"; }
for p in libsluice-dev sluice-tools sluice-bench python3-sluice; do
	dep=$(dpkg-deb -f "$tmp/debs/${p}_${ver}_"*.deb Depends)
	echo "$p: Depends: $dep"
	case ", $dep," in *", libsluice0 (= $ver),"*) ;; *) fail "$p does not depend on libsluice0 (= $ver)" ;; esac
done
dep=$(dpkg-deb -f "$tmp/debs/libsluice0_${ver}_"*.deb Depends)
echo "libsluice0: Depends: $dep"
for lib in libyaml libzstd liblz4; do
	case "$dep" in *"$lib"*) ;; *) fail "libsluice0 does not depend on $lib" ;; esac
done
libdir=$(cd "$tmp/root" && dirname "$(find usr/lib -name 'libsluice.so.0' | head -n 1)")
[ -n "$libdir" ] && [ "$libdir" != . ] || fail "no libsluice.so.0 in the packages"
grep -q "^libdir=\${prefix}/$(echo "$libdir" | sed 's|^usr/||')\$" "$tmp/root/$libdir/pkgconfig/sluice.pc" ||
	fail "sluice.pc's libdir is not /$libdir"
[ -f "$tmp/root/$libdir/cmake/sluice/sluiceConfig.cmake" ] || fail "no CMake package in /$libdir/cmake"
LD_LIBRARY_PATH="$tmp/root/$libdir" "$tmp/root/usr/bin/sluice" --version || fail "packaged sluice --version"
LD_LIBRARY_PATH="$tmp/root/$libdir" "$tmp/root/usr/bin/sluice" inspect counter >/dev/null 2>&1 ||
	fail "the packaged sluice does not find the packaged plugin counter"
# libsluice-dev's static library and sluice.pc (Requires.private) link a
# program that runs: tests/sdk/app/pubsub.c, a publisher and a subscriber.
flags=$(PKG_CONFIG_PATH="$tmp/root/$libdir/pkgconfig" pkg-config --static --cflags --libs sluice) ||
	fail "pkg-config --static sluice (the packaged sluice.pc)"
static=""
for w in $flags; do
	[ "$w" = -lsluice ] && w="$tmp/root/$libdir/libsluice.a"
	static="$static $w"
done
echo "cc pubsub.c$static"
# shellcheck disable=SC2086
"$cc" -D_GNU_SOURCE -o "$tmp/pubsub" "$src/tests/sdk/app/pubsub.c" $static ||
	fail "linking against the packaged libsluice.a"
ldd "$tmp/pubsub" | grep -q libsluice && fail "pubsub links libsluice.so, not libsluice.a"
"$tmp/pubsub" "$topic" 100 || fail "pubsub linked with the packaged libsluice.a"
echo "package: $(ls "$tmp"/debs/*.deb | wc -l) packages, lintian clean, contents = install"
