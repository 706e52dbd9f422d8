#!/bin/sh
# test_chaos.sh - chaos on the running demo pipeline: random SIGKILL and
# SIGSTOP/SIGCONT of its stages, its supervisor (`sluice run`), the tools
# (`sluice echo`, `sluice hz`) and the test's own subscribers, with the
# invariants checked after each epoch:
#   - lossless topics: no gap, no duplicate, no loss for each subscriber that
#     survived (chaos_sub checks every sequence number);
#   - lossy topic: each message comes after exactly the losses it reports,
#     so delivered + lost = published over what a subscriber saw, and the
#     topic's own count of it agrees;
#   - nothing of the pipeline left in /dev/shm after `sluice clean`;
#   - no process of the pipeline left (stages, supervisor, tools).
#
#   test_chaos.sh SLUICE CHAOS_SUB PIPELINE.yaml [SECONDS] [SEED]
#
# The randomness is seeded (SEED, else $CHAOS_SEED, else the clock) and the
# seed is printed: `CHAOS_SEED=N` replays the same choices (the timing of a
# loaded machine still varies). The pipeline is a copy of PIPELINE.yaml under
# a name unique to this run (--name), with the truth topic made lossy and the
# sources and fusion restarted on failure. Everything is removed on exit,
# failure or not. make check runs 30 s of chaos; scripts/chaos.sh minutes.
set -u
SLUICE=$1
SUB=$2
YAML=$3
SECS=${4:-40}
SEED=${5:-${CHAOS_SEED:-$(date +%s)}}
tag="chaos$$x"
work=$(mktemp -d /tmp/sluice-chaos.XXXXXX) || exit 1
fails=0
echo "chaos: seed $SEED, $SECS s, names $tag* (replay: CHAOS_SEED=$SEED)"

# every process this script started, and what it is: "pid kind name"
procs="$work/procs"
: >"$procs"

alive() { kill -0 "$1" 2>/dev/null; }
# processes whose command line names this run (the pipeline's stages are
# forks of `sluice run ... --name NAME`, the tools and subscribers name topics)
ours() {
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" = $$ ] && continue
		tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -q -- "$tag" && echo "$p"
	done
}
cleanup() {
	for p in $(ours); do
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	sleep 0.2
	timeout 20 "$SLUICE" clean >/dev/null 2>&1
	rm -f /dev/shm/"$tag"* 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "chaos: interrupted"; exit 1' INT TERM

# Seeded LCG: R in [0, 2^31); rnd N gives [0, N).
R=$((SEED % 2147483648))
rnd() {
	R=$(((R * 1103515245 + 12345) % 2147483648))
	X=$(((R >> 8) % $1))
}

bad() {
	echo "chaos: INVARIANT BROKEN (epoch $epoch, seed $SEED): $*"
	fails=$((fails + 1))
}

# the pipeline: the demo's graph, its sink writing here, truth lossy with
# few slots (a stopped subscriber is lapped), stages restarted on failure
sed -e "s#build/pose.jsonl#$work/pose.jsonl#" \
	-e 's#^\(  truth: .*slots: \)256\(.*delivery: \)lossless#\116\2lossy#' \
	-e 's#^\(  imu_sim: .*\) }$#\1, restart: on-failure }#' \
	-e 's#^\(  gps_sim: .*\) }$#\1, restart: on-failure }#' \
	"$YAML" >"$work/pipeline.yaml"
grep -q 'delivery: lossy' "$work/pipeline.yaml" || { echo "chaos: cannot adapt $YAML"; exit 1; }
topics="imu gps truth pose"

stage_pids() { pgrep -P "$1" 2>/dev/null; }
kind_pids() { awk -v k="$1" '$2 == k { print $1 }' "$procs"; }
pick() { # one of the words given, at random
	n=$#
	[ "$n" = 0 ] && return 1
	rnd "$n"
	shift "$X"
	P=$1
}
start_tool() {
	case $1 in
	echo) "$SLUICE" echo "/$name.gps" >/dev/null 2>>"$work/tools.err" & ;;
	hz) "$SLUICE" hz "/$name.imu" >/dev/null 2>>"$work/tools.err" & ;;
	esac
	echo "$! tool $1" >>"$procs"
}
stop_a_while() { # pid: SIGSTOP, 50-400 ms, SIGCONT
	rnd 8
	kill -STOP "$1" 2>/dev/null || return
	sleep "0.$((X + 1))5"
	kill -CONT "$1" 2>/dev/null
}

end=$(($(date +%s) + SECS))
epoch=0
actions=0
lossy_lost=0
while [ "$(date +%s)" -lt "$end" ]; do
	epoch=$((epoch + 1))
	name="${tag}e$epoch"
	: >"$procs"
	"$SLUICE" run "$work/pipeline.yaml" --name "$name" --quiet \
		>"$work/$name.run" 2>&1 &
	sup=$!
	for i in $(seq 100); do
		[ -e "/dev/shm/$name.pose" ] && break
		sleep 0.1
	done
	[ -e "/dev/shm/$name.pose" ] || { bad "pipeline $name did not start"; cat "$work/$name.run"; break; }
	for t in $topics; do
		for i in 1 2; do
			"$SUB" "/$name.$t" "$work/$name.$t.$i.res" &
			echo "$! sub $t.$i" >>"$procs"
		done
	done
	start_tool echo
	start_tool hz
	# an epoch: 6-13 s of chaos, or until the supervisor is killed
	rnd 8
	ep_end=$(($(date +%s) + 6 + X))
	[ "$ep_end" -gt "$end" ] && ep_end=$end
	ep_start=$(date +%s)
	sup_killed=0
	while [ "$(date +%s)" -lt "$ep_end" ] && [ $sup_killed = 0 ]; do
		rnd 5
		sleep "0.$((X + 2))"
		rnd 100
		a=$X
		actions=$((actions + 1))
		if [ $a -lt 27 ]; then
			pick $(stage_pids $sup) || continue
			echo "  kill -KILL stage $P"
			kill -KILL "$P" 2>/dev/null
		elif [ $a -lt 43 ]; then
			pick $(stage_pids $sup) || continue
			echo "  stop stage $P"
			stop_a_while "$P"
		elif [ $a -lt 50 ]; then
			echo "  stop supervisor $sup"
			stop_a_while "$sup"
		elif [ $a -lt 58 ]; then
			pick $(kind_pids sub) || continue
			echo "  stop subscriber $P"
			stop_a_while "$P"
		elif [ $a -lt 64 ]; then
			# long enough for the lossy topic to lap it (16 slots, 100 Hz)
			pick $(awk '$2 == "sub" && $3 ~ /^truth/ { print $1 }' "$procs") || continue
			echo "  stop lossy subscriber $P"
			kill -STOP "$P" 2>/dev/null
			sleep 0.6
			kill -CONT "$P" 2>/dev/null
		elif [ $a -lt 74 ]; then
			pick $(kind_pids tool) || continue
			k=$(awk -v p="$P" '$1 == p { print $3 }' "$procs")
			echo "  kill -KILL tool $k $P, start another"
			kill -KILL "$P" 2>/dev/null
			wait "$P" 2>/dev/null
			awk -v p="$P" '$1 != p' "$procs" >"$procs.new" && mv "$procs.new" "$procs"
			start_tool "$k"
		elif [ $a -lt 80 ]; then
			pick $(kind_pids tool) || continue
			echo "  stop tool $P"
			stop_a_while "$P"
		elif [ $a -lt 86 ]; then
			# a subscriber killed is no survivor: its result is not
			# checked; each topic keeps one
			pick $(awk '$2 == "sub" { n[substr($3, 1, index($3, ".") - 1)]++; p[NR] = $1; t[NR] = substr($3, 1, index($3, ".") - 1) }
				END { for (i = 1; i <= NR; i++) if ((i in p) && n[t[i]] > 1) print p[i] }' "$procs") || continue
			echo "  kill -KILL subscriber $P"
			kill -KILL "$P" 2>/dev/null
			wait "$P" 2>/dev/null
			awk -v p="$P" '{ if ($1 == p) $2 = "killed"; print }' "$procs" >"$procs.new" &&
				mv "$procs.new" "$procs"
		elif [ $a -lt 91 ] && [ $(($(date +%s) - ep_start)) -ge 3 ]; then
			echo "  kill -KILL supervisor $sup"
			kill -KILL "$sup" 2>/dev/null
			sup_killed=1
		fi
	done

	# end of the epoch: stop the pipeline as a user would
	for p in $sup $(stage_pids $sup); do kill -CONT "$p" 2>/dev/null; done
	if [ $sup_killed = 0 ]; then
		kill -INT "$sup" 2>/dev/null
		for i in $(seq 150); do alive "$sup" || break; sleep 0.1; done
		if alive "$sup"; then
			bad "sluice run did not stop within 15 s of SIGINT"
			kill -KILL "$sup"
		fi
	fi
	wait "$sup" 2>/dev/null
	echo "  sluice run ended: status $? ($([ $sup_killed = 1 ] && echo killed || echo SIGINT))"
	# its stages go with it (PDEATHSIG), at once or after their drain
	for i in $(seq 50); do
		left=$(for p in $(ours); do grep -q "^$p " "$procs" || echo "$p"; done)
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -n "$left" ] && bad "processes of the pipeline outlived sluice run by 5 s: $left"
	# the subscribers report, the tools end on SIGTERM
	for p in $(kind_pids sub) $(kind_pids tool); do kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
	for p in $(kind_pids sub) $(kind_pids tool); do
		for i in $(seq 50); do alive "$p" || break; sleep 0.1; done
		if alive "$p"; then
			bad "$(awk -v p="$p" '$1 == p { print $2, $3 }' "$procs") (pid $p) ignored SIGTERM for 5 s"
			kill -KILL "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
		st=$?
		# a subscriber says 1 with its result; anything else is a crash
		if [ $st -gt 1 ] && grep -q "^$p sub " "$procs"; then
			bad "subscriber (pid $p) exited with status $st"
		fi
	done
	seen=0
	for t in $topics; do
		for i in 1 2; do
			pid=$(awk -v k="$t.$i" '$3 == k && $2 == "sub" { print $1 }' "$procs")
			[ -z "$pid" ] && continue # killed by the chaos
			res="$work/$name.$t.$i.res"
			if [ ! -s "$res" ]; then
				bad "subscriber $t.$i (pid $pid) left no result"
				continue
			fi
			echo "  $(cat "$res")"
			grep -q 'violation=none' "$res" || bad "subscriber of $t: $(cat "$res")"
			d=$(sed -n 's/.* delivered=\([0-9]*\) .*/\1/p' "$res")
			l=$(sed -n 's/.* lost=\([0-9]*\) .*/\1/p' "$res")
			td=$(sed -n 's/.* topic_delivered=\([0-9]*\) .*/\1/p' "$res")
			tl=$(sed -n 's/.* topic_lost=\([0-9]*\) .*/\1/p' "$res")
			[ "$t" != truth ] && seen=$((seen + d))
			[ "$t" = truth ] && lossy_lost=$((lossy_lost + l))
			# the topic counts what a subscriber lost before its first
			# message too, so it may say more lost, never fewer
			if [ -n "$td" ] && { [ "$td" != "$d" ] || [ "$tl" -lt "$l" ]; }; then
				bad "subscriber of $t: the topic counts delivered $td lost $tl, the subscriber got $d and saw $l lost"
			fi
		done
	done
	[ $seen -gt 0 ] || bad "no message of a lossless topic reached a subscriber: nothing was tested"
	# what is left of the pipeline, `sluice clean` removes
	if ! timeout 20 "$SLUICE" clean >"$work/clean.out" 2>&1; then
		bad "sluice clean failed or hung (killed after 20 s): $(cat "$work/clean.out")"
	fi
	left=$(ls /dev/shm | grep "^$name\." | tr '\n' ' ')
	[ -n "$left" ] && bad "left in /dev/shm after sluice clean: $left ($(cat "$work/clean.out"))"
	rm -f /dev/shm/"$name".* 2>/dev/null
	# a sanitizer build's reports (stages, supervisor, tools) are findings too
	for f in "$work/$name.run" "$work/tools.err"; do
		grep -q 'Sanitizer\|runtime error:' "$f" 2>/dev/null &&
			bad "sanitizer report in $(basename "$f"): $(grep -m3 'Sanitizer\|runtime error:' "$f")"
	done
	cat "$work/tools.err" >>"$work/tools.all" 2>/dev/null
	: >"$work/tools.err"
	left=$(ours)
	[ -n "$left" ] && bad "processes left: $(for p in $left; do tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline"; echo; done)"
done
echo "chaos: the lossy topic's subscribers lost $lossy_lost messages, each one counted"
echo "chaos: $epoch epochs, $actions actions, seed $SEED: $([ $fails = 0 ] && echo "all invariants held" || echo "$fails broken")"
[ -s "$work/tools.all" ] && sed 's/^/  tools: /' "$work/tools.all" | sort | uniq -c | head -20
[ $fails = 0 ]
