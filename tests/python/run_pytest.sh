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
# -p no:cacheprovider: nothing is written into the source tree.
"$py" -m pytest -p no:cacheprovider -q -rs "$src/tests/python" >"$out" 2>&1
rc=$?
cat "$out"
# pytest's closing line, last, where CTest's log shows it.
echo "test_python: pytest: $(grep -E '(passed|failed|error|skipped|deselected|no tests ran).* in [0-9.]+s' "$out" | tail -1 | tr -d '=' | sed 's/^ *//;s/ *$//')"
rm -f "$out"
exit $rc
