#!/bin/sh
# test_bridge_ls_peers.sh - sluice ls shows a bridged topic's remote DDS
# peers.  Two bridges on loopback: near sends a topic out, far takes it in.
# ls on the near topic lists far's bridge (its pid and host) as a DDS reader;
# ls --json on the far topic lists near's bridge as the DDS writer.  Then a
# hostile peers file (garbage, control bytes, a huge line, a symlink) in its
# place makes ls show no peer, and ls still runs and lists the topic.
. "$(dirname "$0")/lib.sh"
t="$tag.pose"
far="far$tag."
host=$(hostname)
dir="/tmp/sluice-bridge-$(id -u)"
bridge near --out "$t"
near=$last
bridge far --prefix "$far" --in "$t"
farb=$last
"$peer" check "/$far$t" 50 >"$tmp/check.log" 2>&1 &
check=$!
pids="$pids $check"
"$peer" pub "/$t" 50 --gate "/$far$t" >"$tmp/pub.log" 2>&1 || no "publisher failed"
wait $check || no "the far side did not get all 50"
# the peers files are written twice a second: wait until both say something
i=0
while [ $i -lt 50 ] && ! { [ -s "$dir/$near.out" ] && [ -s "$dir/$farb.in" ]; }; do
	sleep 0.1
	i=$((i + 1))
done
"$sluice" ls --window 0 --prefix "/$t" >"$tmp/ls.out" 2>&1 || no "ls failed: $(cat "$tmp/ls.out")"
"$sluice" ls --window 0 --prefix "/$far$t" --json >"$tmp/ls.json" 2>&1 || no "ls --json failed"
grep -q "to   dds peer: sluice bridge pid $farb on $host, participant [0-9a-f]\{32\}" "$tmp/ls.out" ||
	no "sluice ls does not list the far bridge as a peer of /$t: $(cat "$tmp/ls.out")"
grep -q "\"dds_peers\": \[{\"direction\": \"in\", \"participant\": \"[0-9a-f]\{32\}\", \"bridge_pid\": $near, \"host\": \"$host\"}\]" "$tmp/ls.json" ||
	no "sluice ls --json does not list the near bridge as the writer of /$far$t: $(cat "$tmp/ls.json")"
# hostile files in place of near's: nothing shown from them, ls still works
printf '/%s 0123456789abcdef0123456789abcdef 7 ev\033[2Jil\n/%s zz 1 x\n/%s 0123456789abcdef0123456789abcdef -5 h\n' \
	"$t" "$t" "$t" >"$dir/$near.out"
head -c 3000 /dev/urandom >>"$dir/$near.out"
printf '/%s 0123456789abcdef0123456789abcdef 7 %s\n' "$t" "$(head -c 5000 /dev/zero | tr '\0' h)" >>"$dir/$near.out"
"$sluice" ls --window 0 --prefix "/$t" >"$tmp/ls2.out" 2>&1 || no "ls failed on a hostile peers file"
grep -q "to-dds" "$tmp/ls2.out" || no "ls lost the topic: $(cat "$tmp/ls2.out")"
grep -q "dds peer" "$tmp/ls2.out" && no "ls believed a hostile peers file: $(cat "$tmp/ls2.out")"
head -c 200000 /dev/zero | tr '\0' 'a' >>"$dir/$near.out"
"$sluice" ls --window 0 --prefix "/$t" >"$tmp/ls2.out" 2>&1 || no "ls failed on a huge peers file"
grep -q "dds peer" "$tmp/ls2.out" && no "ls believed a huge peers file: $(cat "$tmp/ls2.out")"
printf '/%s 0123456789abcdef0123456789abcdef 7 evil\n' "$t" >"$tmp/fake"
rm -f "$dir/$near.out"
ln -s "$tmp/fake" "$dir/$near.out"
"$sluice" ls --window 0 --prefix "/$t" >"$tmp/ls3.out" 2>&1 || no "ls failed on a symlinked peers file"
grep -q "evil" "$tmp/ls3.out" && no "ls followed a symlink: $(cat "$tmp/ls3.out")"
rm -f "$dir/$near.out"
stop "$near" near
stop "$farb" far
[ -e "$dir/$farb.in" ] && no "the far bridge left its peers file behind"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: ls shows each side's bridge as the other's DDS peer, and refuses hostile files"
exit $fail
