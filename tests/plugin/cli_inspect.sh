#!/bin/sh
# cli_inspect.sh SLUICE TP_DIR - checks `sluice inspect` and the CLI's
# conventions: --help everywhere, errors on stderr with a non-zero status.
set -u
sluice=$1
dir=$2
fail=0
out=$(mktemp) err=$(mktemp)
ww=
trap 'rm -rf "$out" "$err" ${ww:+"$ww"}' EXIT

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
check "abi major.minor" "$out" '^  ABI +1\.1 '
check "callbacks" "$out" '^  Callbacks +init, on_tick'

# A plugin built against the frozen 1.0 header: its minor, and no init2 read
# past its shorter descriptor.
"$sluice" inspect "$dir/old_v1_0.so" >"$out" 2>"$err" || { echo "FAIL: inspect old_v1_0 exit $?"; fail=1; }
check "minor 0" "$out" '^  ABI +1\.0 '

"$sluice" inspect "$dir/accum_big.so" >"$out" 2>"$err"
check "heap state" "$out" 'alignment 64, kept on the heap'

SLUICE_PLUGIN_PATH=$dir "$sluice" inspect accum >"$out" 2>"$err" || { echo "FAIL: by name"; fail=1; }
check "by name" "$out" "Filename +$dir/accum.so"

# The listing loads nothing that is not a plugin (the marker library's
# constructor would write $marker) and survives a plugin whose constructor
# aborts or crashes.
marker=$(mktemp -u)
SLUICE_TEST_MARKER=$marker SLUICE_PLUGIN_PATH=$dir "$sluice" inspect >"$out" 2>"$err" ||
	{ echo "FAIL: list exit $?"; sed 's/^/    /' "$err"; fail=1; }
[ -e "$marker" ] && { echo "FAIL: a non-plugin's constructor ran during the listing"; fail=1; }
rm -f "$marker"
check "non-plugin skipped" "$out" '^  notplugin_marker\.so +SKIPPED .*no exported symbol sluice_plugin_entry.*not loaded'
check "abort reported" "$out" '^  ctor_abort\.so +BROKEN .*killed the scanner'
check "crash reported" "$out" '^  ctor_segv\.so +BROKEN '
check "listing goes on" "$out" '^  readers +0\.1\.0'
check "broken counted" "$out" ', 2 broken .*, 2 not plugins \(not loaded\)$'
if "$sluice" inspect "$dir/ctor_abort.so" >"$out" 2>"$err"; then
	echo "FAIL: a broken plugin exits 0"; fail=1
fi
check "broken on stderr" "$err" '^sluice inspect: broken plugin: .*ctor_abort\.so: loading it killed'

SLUICE_PLUGIN_PATH=$dir "$sluice" inspect >"$out" 2>"$err" || { echo "FAIL: list exit"; fail=1; }
check "list path" "$out" "^Plugins on the search path $dir:"
check "list good" "$out" '^  accum_big +1\.2\.3 +adds up'
check "list refused" "$out" '^  puzzle01\.so +REFUSED .*sluice_param_decl\.default_value'
check "list count" "$out" '^[0-9]+ plugins, [0-9]+ files refused'

# Others who can write a plugin directory or file can run code as whoever
# runs sluice: warned about on stderr, the listing itself unchanged.
ww=$(mktemp -d)
cp "$dir/accum.so" "$ww/accum.so"
chmod 0777 "$ww"
chmod 0666 "$ww/accum.so"
SLUICE_PLUGIN_PATH=$ww "$sluice" inspect >"$out" 2>"$err" || { echo "FAIL: ww list exit"; fail=1; }
check "ww listed" "$out" '^  accum +1\.2\.3'
check "ww dir warned" "$err" "^sluice inspect: warning: $ww: plugin directory is world-writable \\(mode 0777\\)"
check "ww file warned" "$err" "^sluice inspect: warning: $ww/accum.so: plugin file is world-writable \\(mode 0666\\)"
chmod 0775 "$ww"
chmod 0644 "$ww/accum.so"
"$sluice" inspect "$ww/accum.so" >"$out" 2>"$err" || { echo "FAIL: ww inspect exit"; fail=1; }
check "gw dir warned" "$err" "^sluice inspect: warning: $ww: plugin directory is group-writable \\(mode 0775\\)"
grep -q "plugin file" "$err" && { echo "FAIL: a 0644 file warned about"; fail=1; }
chmod 0755 "$ww"
SLUICE_PLUGIN_PATH=$ww "$sluice" inspect >"$out" 2>"$err"
grep -q "$ww" "$err" && { echo "FAIL: a 0755 directory warned about"; sed 's/^/    /' "$err"; fail=1; }
rm -rf "$ww"

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
