#!/bin/bash
# test_completion.sh - the bash completion for sluice completes subcommands
# (from the list sluice --help prints, so the script cannot fall behind),
# options, topic names from /dev/shm and plugin names.
# usage: test_completion.sh COMPLETION_SCRIPT SLUICE
set -u
script=$1 sluice=$2
fail=0
topic=sluice-compl-test.$$.$RANDOM
plugdir=$(mktemp -d) || exit 1
trap 'rm -f "/dev/shm/$topic"; rm -rf "$plugdir"' EXIT

# shellcheck source=/dev/null
. "$script" || { echo "FAIL: cannot source $script"; exit 1; }

# complete WORDS... : COMPREPLY for the last word, one per line, sorted
complete_words()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_sluice
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

expect()
{
	local want=$1 got
	shift
	got=$(complete_words "$@" | tr '\n' ' ')
	if [[ " $got" != *" $want "* ]]; then
		echo "FAIL: '$*<TAB>' gave [$got], wanted $want"
		fail=1
	fi
}

expect_only()
{
	local want=$1 got
	shift
	got=$(complete_words "$@" | tr '\n' ' ')
	if [[ $got != "$want " ]]; then
		echo "FAIL: '$*<TAB>' gave [$got], wanted only $want"
		fail=1
	fi
}

expect_only echo sluice e
expect_only inspect sluice ins
# every subcommand sluice --help lists is completed
cmds=$("$sluice" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
[[ -n $cmds ]] || { echo "FAIL: no commands in sluice --help"; fail=1; }
for c in $cmds; do
	expect "$c" sluice ""
done
# options of a subcommand, checked against its --help
for c in $cmds; do
	for o in $("$sluice" "$c" --help | grep -o -- '^  *--[a-z-]*' | tr -d ' '); do
		expect "$o" sluice "$c" "${o:0:3}"
	done
done
expect_only --oldest sluice echo --o
# a topic in /dev/shm for echo, hz and pub, but not as a second argument
: >"/dev/shm/$topic"
expect "/$topic" sluice echo "/sluice-compl-test.$$"
expect "/$topic" sluice hz ""
expect "/$topic" sluice pub -n 3 ""
expect_only "" sluice echo /x "/sluice-compl"
# plugin names for inspect, from $SLUICE_PLUGIN_PATH (names only: nothing is
# loaded, so an empty file stands for a plugin)
: >"$plugdir/my_stage.so"
: >"$plugdir/notes.txt"
export SLUICE_PLUGIN_PATH=$plugdir
expect_only my_stage sluice inspect my
expect_only "" sluice inspect note
[[ $fail == 0 ]] && echo "ok: completion"
exit $fail
