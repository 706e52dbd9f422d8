#!/bin/sh
# cli_inspect.sh SLUICE TP_DIR - checks `sluice inspect` and the CLI's
# conventions: --help everywhere, errors on stderr with a non-zero status.
set -u
sluice=$1
dir=$2
fail=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

check() { # check DESCRIPTION FILE PATTERN (grep -E)
	if ! grep -Eq -- "$3" "$2"; then
		echo "FAIL: $1: no match for /$3/ in:"; sed 's/^/    /' "$2"; fail=1
	fi
}

"$sluice" inspect "$dir/accum.so" >"$out" 2>"$err" || { echo "FAIL: inspect accum exit $?"; fail=1; }
check "name" "$out" '^  Name +accum$'
check "version" "$out" '^  Version +1\.2\.3$'
check "summary" "$out" 'Summary +adds up its input'
check "inline state" "$out" 'State +[0-9]+ bytes, alignment 8, kept inline'
check "tick" "$out" 'Tick rate +50 Hz'
check "int param" "$out" '^  step +int +default: 1$'
check "param help" "$out" 'multiplier for each input value'
check "double param" "$out" '^  scale +double +default: 0\.5$'
check "required param" "$out" '^  start +int +required'
check "input port" "$out" '^  in +sluice\.test\.Int64 +values to add'
check "output port" "$out" '^  sum +sluice\.test\.Double'

"$sluice" inspect "$dir/accum_big.so" >"$out" 2>"$err"
check "heap state" "$out" 'alignment 64, kept on the heap'

SLUICE_PLUGIN_PATH=$dir "$sluice" inspect accum >"$out" 2>"$err" || { echo "FAIL: by name"; fail=1; }
check "by name" "$out" "Filename +$dir/accum.so"

SLUICE_PLUGIN_PATH=$dir "$sluice" inspect >"$out" 2>"$err" || { echo "FAIL: list exit"; fail=1; }
check "list path" "$out" "^Plugins on the search path $dir:"
check "list good" "$out" '^  accum_big +1\.2\.3 +adds up'
check "list refused" "$out" '^  puzzle01\.so +REFUSED .*sluice_param_decl\.default_value'
check "list count" "$out" '^[0-9]+ plugins, [0-9]+ files refused$'

if "$sluice" inspect "$dir/bad_magic.so" >"$out" 2>"$err"; then
	echo "FAIL: a refused plugin exits 0"; fail=1
fi
check "refusal on stderr" "$err" '^sluice inspect: .*bad_magic\.so: descriptor magic'
[ -s "$out" ] && { echo "FAIL: refusal wrote to stdout"; fail=1; }

if "$sluice" inspect a b >"$out" 2>"$err"; then echo "FAIL: two args exit 0"; fail=1; fi
check "usage error" "$err" 'at most one PLUGIN'
if "$sluice" nosuchcmd >"$out" 2>"$err"; then echo "FAIL: unknown command exit 0"; fail=1; fi
check "unknown command" "$err" "unknown command 'nosuchcmd'"

"$sluice" inspect --help >"$out" 2>"$err" || { echo "FAIL: --help exit"; fail=1; }
check "inspect --help" "$out" '^usage: sluice inspect \[PLUGIN\]'
"$sluice" --help >"$out" 2>"$err" || { echo "FAIL: sluice --help exit"; fail=1; }
check "command list" "$out" '^  inspect +show a plugin'

[ $fail -eq 0 ] && echo "all cli_inspect checks passed"
exit $fail
