#!/bin/sh
# Builds and runs the test suite three times: a plain optimised build, ASan+UBSan
# and TSan, each in its own folder, then prints one line "N passed, N failed".
# Usage: scripts/check.sh [jobs] [extra ctest args]
set -u
jobs=${1:-2}
extra=${2:-}
passed=0
failed=0
status=0

for flavour in plain address thread; do
	dir=build-$flavour
	san=$flavour
	[ "$flavour" = plain ] && san=
	echo "== $flavour build ($dir)"
	if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_SANITIZE="$san" >"$dir.log" 2>&1 ||
	   ! cmake --build "$dir" -j "$jobs" >>"$dir.log" 2>&1; then
		cat "$dir.log"
		echo "== $flavour: build failed"
		failed=$((failed + 1))
		status=1
		continue
	fi
	# ASan's leak checker needs ptrace-like access that some sandboxes refuse;
	# the tests free what they allocate, so keep it on where it works.
	out=$(cd "$dir" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		ctest --output-on-failure --timeout 900 $extra 2>&1)
	rc=$?
	echo "$out" | grep -Ev '^\s*$'
	line=$(echo "$out" | grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' | tail -n 1)
	if [ -z "$line" ]; then
		echo "== $flavour: ctest printed no summary (rc $rc)"
		failed=$((failed + 1))
		status=1
		continue
	fi
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
	t=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/')
	passed=$((passed + t - f))
	failed=$((failed + f))
	[ "$rc" -eq 0 ] || status=1
done

# The fuzz targets (fuzz/), a few seconds each: the verifier, schema,
# binary-schema and JSON parsers must survive whatever they are fed.
echo "== fuzz (${FUZZ_SECONDS:-5} s per target)"
if sh scripts/fuzz.sh "${FUZZ_SECONDS:-5}" >build-fuzz.log 2>&1; then
	echo "fuzz: passed"
	passed=$((passed + 1))
else
	tail -n 40 build-fuzz.log
	echo "fuzz: FAILED (log: build-fuzz.log)"
	failed=$((failed + 1))
	status=1
fi

echo "check: $passed passed, $failed failed"
exit $status
