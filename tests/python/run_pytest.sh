#!/bin/sh
# run_pytest.sh PYTHON SANITIZE SRCDIR BUILDDIR - runs tests/python with
# pytest against the build tree's libsluice.so and programs.  Exit 77
# (skipped) in sanitizer builds and when pytest is missing; otherwise
# pytest's own status, so a failing Python test fails the CTest test.
py=$1 sanitize=$2 src=$3 build=$4
if [ -n "$sanitize" ]; then
	echo "test_python: SKIP: the $sanitize build's libsluice.so needs the sanitizer runtime," \
		"which $py is not built with (the plain build runs these tests)"
	exit 77
fi
if ! "$py" -c 'import pytest' 2>/dev/null; then
	echo "test_python: SKIP: $py has no pytest (Debian: apt-get install python3-pytest)"
	exit 77
fi
export SLUICE_LIB="$build/lib/libsluice.so" SLUICE_BIN_DIR="$build/bin" \
	SLUICE_BUILD_DIR="$build" SLUICE_SRC_DIR="$src" PYTHONPATH="$src/python" \
	PYTHONDONTWRITEBYTECODE=1
out=$(mktemp) || exit 1
# Where the build made the C extension sluice._fast: first the message-path
# tests through ctypes alone (SLUICE_PY_NO_EXT=1; the stage and example
# tests, the slow ones, use that path no differently), then everything
# with the extension.
rc2=0 ctypes_line=""
if ls "$build"/python/sluice/_fast*.so >/dev/null 2>&1; then
	echo "test_python: ctypes pass (SLUICE_PY_NO_EXT=1)"
	SLUICE_PY_NO_EXT=1 SLUICE_PY_EXPECT_EXT=0 "$py" -m pytest -p no:cacheprovider -q -rs \
		--ignore "$src/tests/python/test_stage.py" --ignore "$src/tests/python/test_examples.py" \
		"$src/tests/python" >"$out" 2>&1
	rc2=$?
	cat "$out"
	ctypes_line=$(grep -E '(passed|failed|error|skipped|deselected|no tests ran).* in [0-9.]+s' "$out" | tail -1 | tr -d '=' | sed 's/^ *//;s/ *$//')
	echo "test_python: sluice._fast pass"
	export SLUICE_PY_EXPECT_EXT=1
else
	echo "test_python: sluice._fast was not built (no Python development files): ctypes only"
	export SLUICE_PY_EXPECT_EXT=0
fi
# -p no:cacheprovider: nothing is written into the source tree.
"$py" -m pytest -p no:cacheprovider -q -rs "$src/tests/python" >"$out" 2>&1
rc=$?
[ $rc -eq 0 ] && rc=$rc2
cat "$out"
# pytest's closing line, last, where CTest's log shows it.
[ -n "$ctypes_line" ] && echo "test_python: ctypes only: $ctypes_line"
echo "test_python: pytest: $(grep -E '(passed|failed|error|skipped|deselected|no tests ran).* in [0-9.]+s' "$out" | tail -1 | tr -d '=' | sed 's/^ *//;s/ *$//')"
rm -f "$out"
exit $rc
