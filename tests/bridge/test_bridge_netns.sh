#!/bin/sh
# test_bridge_netns.sh - two "machines": two network namespaces the test
# makes, joined by a veth pair with addresses that exist only inside them
# (10.201.x.1 and .2/30).  A bridge in each, configured for its veth only
# (no multicast, the other end as the one peer); a lossless sluice.msg.Pose
# topic (the demo's pose type) crosses with none lost and in order.  The
# namespaces (and with them the veth pair) are removed on exit, pass or
# fail.  Skips (77) where namespaces cannot be made (not root, no ip).
. "$(dirname "$0")/lib.sh"
n=2000
na="sluice-$tag-a"
nb="sluice-$tag-b"
net=$(($$ % 250 + 1))

cleanup_ns() {
	ip netns del "$na" 2>/dev/null
	ip netns del "$nb" 2>/dev/null
	cleanup
}
trap cleanup_ns EXIT

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	echo "SKIP: network namespaces need root and iproute2"
	exit 77
fi
if ! ip netns add "$na" 2>"$tmp/ns.log" || ! ip netns add "$nb" 2>>"$tmp/ns.log"; then
	echo "SKIP: cannot make network namespaces here: $(cat "$tmp/ns.log")"
	exit 77
fi
# a veth pair, addresses only inside the namespaces, and a process in each
if ! { ip -n "$na" link add veth0 type veth peer name veth1 netns "$nb" &&
	ip -n "$na" addr add "10.201.$net.1/30" dev veth0 &&
	ip -n "$nb" addr add "10.201.$net.2/30" dev veth1 &&
	ip -n "$na" link set lo up && ip -n "$nb" link set lo up &&
	ip -n "$na" link set veth0 up && ip -n "$nb" link set veth1 up &&
	ip netns exec "$na" true && ip netns exec "$nb" true; } 2>"$tmp/ns.log"; then
	echo "SKIP: cannot set up a veth pair between namespaces here: $(cat "$tmp/ns.log")"
	exit 77
fi

# one Cyclone configuration per side: its veth, the other end as the peer
for side in a b; do
	if [ $side = a ]; then dev=veth0 addr=10.201.$net.2; else dev=veth1 addr=10.201.$net.1; fi
	sed -e "s|name=\"lo\"|name=\"$dev\"|" -e "s|Address=\"127.0.0.1\"|Address=\"$addr\"|" \
		"$config" >"$tmp/$side.xml"
done
grep -q veth0 "$tmp/a.xml" && grep -q "10.201.$net.1" "$tmp/b.xml" || no "configs not made"

t="$tag.pose"
far="far$tag."
ip netns exec "$na" "$sluice" bridge --domain "$domain" --config "$tmp/a.xml" --verbose \
	--out "$t" >"$tmp/a.log" 2>&1 &
pids="$pids $!"
ip netns exec "$nb" "$sluice" bridge --domain "$domain" --config "$tmp/b.xml" --verbose \
	--prefix "$far" --in "$t" >"$tmp/b.log" 2>&1 &
pids="$pids $!"
# /dev/shm is shared by both namespaces: the far side's topic has its prefix
ip netns exec "$nb" "$peer" check "/$far$t" $n >"$tmp/check.log" 2>&1 &
check=$!
pids="$pids $check"
ip netns exec "$na" "$peer" pub "/$t" $n --gate "/$far$t" >"$tmp/pub.log" 2>&1 ||
	no "publisher failed"
wait $check || no "the far namespace did not get all $n in order"
[ $fail = 0 ] || show_logs
[ $fail = 0 ] && echo "ok: $n poses crossed a veth pair between two namespaces, in order"
exit $fail
