#!/bin/sh
# test_out_of_tree.sh CMAKE BUILD_DIR SDK_TEST_DIR WORK_DIR CC [CFLAGS] -
# sluice used from outside: installs BUILD_DIR with DESTDIR into WORK_DIR
# (checking nothing lands outside the prefix), moves nothing from the source
# tree onto any path, and against that prefix only (a) builds an application
# with find_package(sluice), (b) builds it with pkg-config, (c) builds a
# plugin with its own schema (sluice_fb_generate + sluice_add_plugin), runs
# it in a pipeline with the installed `sluice run` and reads its messages
# with the installed `sluice echo`. CFLAGS: the sanitizer flags of the build.
cmake=${1:?usage: test_out_of_tree.sh CMAKE BUILD_DIR SDK_TEST_DIR WORK_DIR CC [CFLAGS]}
build=${2:?}
here=${3:?}
work=${4:?}
cc=${5:?}
cflags=${6:-}
set -u
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $*"; }
rm -rf "$work" && mkdir -p "$work" || exit 2
topic=sdk$$
run_pid=""
cleanup() {
	[ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
	rm -f /dev/shm/sluice-sdk$$-a /dev/shm/sluice-sdk$$-b "/dev/shm/$topic".* 2>/dev/null
}
trap cleanup EXIT

# Install with DESTDIR: every file must land under DESTDIR/prefix.
step "install into $work/stage/opt/sluice"
DESTDIR="$work/stage" "$cmake" --install "$build" --prefix /opt/sluice >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; fail "cmake --install"; }
outside=$(cd "$work/stage" && find . ! -type d | grep -v '^\./opt/sluice/')
[ -z "$outside" ] || fail "installed outside the prefix: $outside"
# The prefix used from here on is the staged tree: a moved prefix.
P="$work/stage/opt/sluice"
for f in bin/sluice bin/sluicec bin/sluice-bench lib/libsluice.a lib/libsluice.so.0 \
	lib/pkgconfig/sluice.pc lib/cmake/sluice/sluiceConfig.cmake \
	lib/cmake/sluice/sluiceConfigVersion.cmake include/sluice/sluice.h include/sluice/version.h \
	lib/sluice/plugins/counter.so share/sluice/schemas/pose.fbs; do
	[ -e "$P/$f" ] || fail "$f is not installed"
done
"$P/bin/sluice" --version >/dev/null || fail "installed sluice --version"
# The installed programs look for plugins beside themselves, never in the build tree.
path=$("$P/bin/sluice" inspect 2>&1 | head -n 1)
case "$path" in *"$build/lib"*) fail "installed sluice searches the build tree: $path" ;; esac
case "$path" in *"$P/lib/sluice/plugins"*) ;; *) fail "installed sluice ignores $P: $path" ;; esac
"$P/bin/sluice" inspect counter >/dev/null 2>&1 || fail "installed sluice finds no installed plugin"

# Nothing else than the prefix: the compiler sees only what the prefix gives.
common="-DCMAKE_C_COMPILER=$cc -DCMAKE_PREFIX_PATH=$P -DCMAKE_EXPORT_COMPILE_COMMANDS=ON"

step "(a) find_package(sluice)"
"$cmake" -S "$here/app" -B "$work/app" $common "-DCMAKE_C_FLAGS=$cflags" \
	>"$work/app.log" 2>&1 || { cat "$work/app.log"; fail "configure app"; }
"$cmake" --build "$work/app" >>"$work/app.log" 2>&1 || { cat "$work/app.log"; fail "build app"; }
grep -q -- "-I$P/include\|-isystem $P/include" "$work/app/compile_commands.json" ||
	fail "the app is not compiled against $P/include"
grep -o -- "-I *[^ \"]*\|-isystem *[^ \"]*" "$work/app/compile_commands.json" | grep -v "$P/include" | grep -q . &&
	fail "the app has an include directory outside $P"
ldd "$work/app/pubsub" | grep -q "libsluice.so.0 => $P/lib/" || fail "pubsub does not use $P/lib"
"$work/app/pubsub" /sluice-sdk$$-a 200 || fail "pubsub (find_package)"

step "(b) pkg-config --cflags --libs sluice"
flags=$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs sluice) || fail "pkg-config"
echo "$cc $cflags -D_GNU_SOURCE pubsub.c $flags -Wl,-rpath,$P/lib"
# shellcheck disable=SC2086
"$cc" $cflags -D_GNU_SOURCE -o "$work/pubsub-pc" "$here/app/pubsub.c" $flags -Wl,-rpath,"$P/lib" ||
	fail "build with pkg-config"
"$work/pubsub-pc" /sluice-sdk$$-b 200 || fail "pubsub (pkg-config)"

step "(c) a plugin with its own schema, run by the installed sluice"
"$cmake" -S "$here/plugin" -B "$work/plugin" $common "-DCMAKE_C_FLAGS=$cflags" \
	>"$work/plugin.log" 2>&1 || { cat "$work/plugin.log"; fail "configure plugin"; }
"$cmake" --build "$work/plugin" >>"$work/plugin.log" 2>&1 || { cat "$work/plugin.log"; fail "build plugin"; }
grep -q "$P/bin/sluicec" "$work/plugin.log" "$work/plugin"/CMakeFiles/*.dir/build.make 2>/dev/null ||
	grep -rqs "$P/bin/sluicec" "$work/plugin/CMakeFiles" || fail "the schema was not compiled by $P/bin/sluicec"
[ -f "$work/plugin/plugins/greeter.so" ] || fail "no greeter.so"
SLUICE_PLUGIN_PATH="$work/plugin/plugins" "$P/bin/sluice" run "$here/plugin/greet.yaml" \
	--name "$topic" --quiet --duration 20 >"$work/run.log" 2>&1 &
run_pid=$!
timeout 20 "$P/bin/sluice" echo greet --pipeline "$topic" --wait -n 5 >"$work/echo.log" 2>&1 ||
	{ cat "$work/echo.log" "$work/run.log"; fail "sluice echo"; }
kill -INT "$run_pid"
wait "$run_pid"
rc=$?
run_pid=""
[ $rc = 0 ] || [ $rc = 130 ] || { cat "$work/run.log"; fail "sluice run exited $rc"; }
cat "$work/echo.log"
[ "$(grep -c '"text": *"hello [0-9]*"' "$work/echo.log")" = 5 ] || fail "echo did not print 5 greetings"

step "(d) an installed schema by name: sluice pub --schema pose"
# From a folder without pose.fbs: the installed sluice finds it in
# $P/share/sluice/schemas, relative to itself.
(cd "$work" && "$P/bin/sluice" pub "/$topic.pose" '{"header": {"seq": 7}, "yaw": 0.5}' \
	--type sluice.msg.Pose --schema pose) >"$work/pub.log" 2>&1 ||
	{ cat "$work/pub.log"; fail "sluice pub --schema pose"; }
"$P/bin/sluice" echo "/$topic.pose" --oldest -n 1 >"$work/echo-pose.log" 2>&1 ||
	{ cat "$work/echo-pose.log"; fail "sluice echo of the pose"; }
grep -q '"yaw": *0.5' "$work/echo-pose.log" || { cat "$work/echo-pose.log"; fail "echo shows no yaw 0.5"; }
cat "$work/echo-pose.log"
echo "out of tree: find_package, pkg-config and a plugin built against $P only"
