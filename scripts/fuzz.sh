#!/bin/sh
# fuzz.sh SECONDS - builds the messages part's libFuzzer targets (fuzz/)
# with clang and runs each for SECONDS (default 10). Corpora grow in
# $FUZZ_OUT (default build-fuzz/); crashes are left there too.
set -eu

secs=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz}
cc=${CC:-clang}
mkdir -p "$out/gen" "$out/corpus-verify" "$out/corpus-schema" "$out/corpus-bfbs" \
	"$out/corpus-json"

# sluice/version.h as CMake configures it (from the project() version).
ver=$(sed -n 's/^project(sluice VERSION \([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' "$root/CMakeLists.txt")
mkdir -p "$out/gen/sluice"
echo "$ver" | { IFS=. read -r vmaj vmin vpat
	sed -e "s/@PROJECT_VERSION_MAJOR@/$vmaj/" -e "s/@PROJECT_VERSION_MINOR@/$vmin/" \
		-e "s/@PROJECT_VERSION_PATCH@/$vpat/" -e "s/@PROJECT_VERSION@/$ver/" \
		"$root/include/sluice/version.h.in" >"$out/gen/sluice/version.h"; }
inc="-I$root/include -I$root/src -I$root/tools/sluicec -I$out/gen"
core="$root/tools/sluicec/util.c $root/tools/sluicec/lex.c $root/tools/sluicec/parse.c
      $root/tools/sluicec/check.c $root/tools/sluicec/gen_c.c $root/tools/sluicec/bfbs.c
      $root/tools/sluicec/convert.c"
runtime="$root/src/fb/builder.c $root/src/fb/verify.c $root/src/fb/reflect.c $root/src/fb/json.c
         $root/src/fb/json_parse.c
         $root/src/common/error.c $root/src/common/version.c"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror"
san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

# A plain sluicec to generate the verifier the first target uses.
# shellcheck disable=SC2086
$cc $cflags $inc "$root/tools/sluicec/main.c" $core $runtime -lm -o "$out/sluicec"
"$out/sluicec" -o "$out/gen" "$root/tests/fb/schemas/zoo.fbs"
"$out/sluicec" -o "$out/gen" "$root/tests/fb/schemas/zoo_common.fbs"

# shellcheck disable=SC2086
$cc $cflags $san $inc -DZOO_FBS="\"$root/tests/fb/schemas/zoo.fbs\"" \
	"$root/fuzz/fuzz_verify.c" $core $runtime -lm -o "$out/fuzz_verify"
# shellcheck disable=SC2086
$cc $cflags $san $inc "$root/fuzz/fuzz_schema.c" $core $runtime -lm -o "$out/fuzz_schema"
# shellcheck disable=SC2086
$cc $cflags $san $inc "$root/fuzz/fuzz_bfbs.c" $runtime -lm -o "$out/fuzz_bfbs"
# shellcheck disable=SC2086
$cc $cflags $san $inc "$root/fuzz/fuzz_json.c" $runtime -lm -o "$out/fuzz_json"
"$out/sluicec" --bfbs -o "$out/corpus-bfbs" "$root/tests/fb/schemas/zoo.fbs"
# The channel against a scribbling writer (tests/channel/chan_scribble.h).
# shellcheck disable=SC2086
$cc $cflags $san -I$root/include -I$root/src -I$root/tests/channel -I$out/gen \
	"$root/fuzz/fuzz_chan_scribble.c" "$root"/src/channel/*.c "$root"/src/shm/*.c \
	"$root"/src/common/*.c -lm -lpthread -o "$out/fuzz_chan_scribble"
mkdir -p "$out/corpus-chan"

# The runtime's pipeline loader and checker, with libyaml; the checker
# loads real plugins (the runtime and loader tests' own, built here) from
# $out/plugins only.
mkdir -p "$out/plugins" "$out/corpus-yaml" "$out/corpus-pipeline"
pipeline="$root/src/runtime/parse.c $root/src/runtime/check.c $root/src/runtime/pystage.c
          $root/src/plugin/search.c
          $root/src/plugin/loader.c $root/src/plugin/elfsym.c $root/src/plugin/validate.c
          $root/src/plugin/params.c $root/src/plugin/stage.c $root/src/erase/erase.c $runtime
          $root/src/record/pipeline/tap_check.c $root/src/record/mcap_read.c
          $root/src/record/buf.c $root/src/record/compress.c $root/src/record/crc32.c"
pdirs="-DSLUICE_PLUGIN_BUILD_DIR=\"\" -DSLUICE_PLUGIN_INSTALL_DIR=\"$out/plugins\""
for p in source relay sink; do
	# shellcheck disable=SC2086
	$cc $cflags -fPIC -shared -fvisibility=hidden -I"$root/include" \
		-DT_$(echo "$p" | tr a-z A-Z) "$root/tests/runtime/t_plugins.c" -o "$out/plugins/t_$p.so"
done
$cc $cflags -fPIC -shared -fvisibility=hidden -I"$root/include" -DACCUM_NAME='"accum"' \
	"$root/tests/plugin/plugins/accum.c" -o "$out/plugins/accum.so"
# shellcheck disable=SC2086
$cc $cflags $san $inc $pdirs "$root/fuzz/fuzz_yaml.c" $pipeline -lyaml -ldl -lzstd -llz4 -lz \
	-o "$out/fuzz_yaml"
# shellcheck disable=SC2086
$cc $cflags $san $inc $pdirs "$root/fuzz/fuzz_pipeline.c" $pipeline -lyaml -ldl \
	-lzstd -llz4 -lz -o "$out/fuzz_pipeline"

cd "$out"
echo "fuzz_verify for ${secs}s"
./fuzz_verify -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	corpus-verify "$root/fuzz/seeds/verify"
echo "fuzz_schema for ${secs}s"
./fuzz_schema -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-dict="$root/fuzz/schema.dict" corpus-schema "$root/fuzz/seeds/schema"
echo "fuzz_bfbs for ${secs}s"
./fuzz_bfbs -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 corpus-bfbs
echo "fuzz_yaml for ${secs}s"
./fuzz_yaml -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-dict="$root/fuzz/yaml.dict" corpus-yaml "$root/fuzz/seeds/yaml"
echo "fuzz_pipeline for ${secs}s"
./fuzz_pipeline -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-dict="$root/fuzz/yaml.dict" corpus-pipeline "$root/fuzz/seeds/yaml"
echo "fuzz_json for ${secs}s"
./fuzz_json -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 corpus-json \
	"$root/fuzz/seeds/json"

# The segment header validator (src/shm): random bytes as a mapped segment.
mkdir -p "$out/corpus-segment"
shm="$root/src/shm/segment.c $root/src/shm/layout.c $root/src/shm/proc.c $root/src/common/error.c $root/src/common/clock.c"
# shellcheck disable=SC2086
$cc $cflags $san -I"$root/include" -I"$root/src" "$root/fuzz/fuzz_segment.c" $shm \
	-o "$out/fuzz_segment"
echo "fuzz_segment for ${secs}s"
"$out/fuzz_segment" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	"$out/corpus-segment"
echo "fuzz_chan_scribble for ${secs}s"
./fuzz_chan_scribble -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 corpus-chan \
	"$root/fuzz/seeds/chan_scribble"

# The MCAP reader (src/record): any bytes as a recording, whole and cut off.
mkdir -p "$out/corpus-mcap"
# shellcheck disable=SC2086
$cc $cflags $san -I"$root/include" -I"$root/src" "$root/fuzz/fuzz_mcap.c" "$root"/src/record/*.c \
	"$root/src/common/error.c" -lzstd -llz4 -lz -o "$out/fuzz_mcap"
echo "fuzz_mcap for ${secs}s"
"$out/fuzz_mcap" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 "$out/corpus-mcap"
