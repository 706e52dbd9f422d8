#!/bin/sh
# test_bridge_cli.sh - sluice bridge parses its options strictly: a bad or
# missing value, an unknown option, a name that cannot be a topic and an
# empty command line stop it with status 2 and a message naming the
# problem, before anything touches DDS.  Needs no DDS.
#   test_bridge_cli.sh SLUICE
set -u
sluice=$1
fail=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

expect() { # status pattern args...
	want=$1 pat=$2
	shift 2
	"$sluice" bridge "$@" >"$out" 2>&1
	got=$?
	if [ $got != "$want" ] || ! grep -q -- "$pat" "$out"; then
		echo "FAIL: sluice bridge $*: status $got (wanted $want), said: $(cat "$out")"
		fail=1
	fi
}

expect 2 "nothing to bridge"
expect 2 "unexpected argument \"--bogus\"" --all --bogus
expect 2 "unexpected argument \"extra\"" --all extra
expect 2 "--domain must be between 0 and 232" --all --domain 233
expect 2 "--domain wants a whole number" --all --domain 1x
expect 2 "--domain wants a whole number" --all --domain -1
expect 2 "--domain needs a value" --all --domain
expect 2 "--out needs a value" --out
expect 2 "--out wants a topic name" --out ""
expect 2 "--out wants a topic name" --out -x
expect 2 "--in wants a topic name" --in a/b
expect 2 "--prefix wants" --all --prefix a/b
expect 2 "--pipeline and --prefix do not go together" --all --pipeline x --prefix y
expect 2 "--pipeline needs a value" --all --pipeline
expect 0 "usage: sluice bridge" --help
# past parsing: a missing configuration file is a failure (1), named
expect 1 "nope.xml\|built without Cyclone DDS" --all --config /nonexistent/nope.xml
[ $fail = 0 ] && echo "ok: sluice bridge options"
exit $fail
