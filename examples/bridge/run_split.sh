#!/bin/sh
# run_split.sh - the sensor-fusion demo split across two "machines": two
# network namespaces joined by a veth pair (10.202.0.1 and .2, addresses
# that exist only inside them), robot.yaml in one, ground.yaml in the other,
# each with a Cyclone DDS configuration for its veth and the other end as
# its one peer.  Needs root (ip netns).  Everything it made is removed when
# it ends.
#   sudo sh examples/bridge/run_split.sh [SECONDS]   (from the build's parent,
#   with sluice and the plugins built in ./build, or set SLUICE and
#   SLUICE_PLUGIN_PATH)
set -u
secs=${1:-15}
here=$(cd "$(dirname "$0")" && pwd)
sluice=${SLUICE:-$here/../../build/bin/sluice}
export SLUICE_PLUGIN_PATH=${SLUICE_PLUGIN_PATH:-$here/../../build/lib/sluice/plugins}
tmp=$(mktemp -d) || exit 1
a=sluice-robot-$$
b=sluice-ground-$$

cleanup() {
	ip netns del "$a" 2>/dev/null
	ip netns del "$b" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$a" && ip netns add "$b" &&
	ip -n "$a" link add veth0 type veth peer name veth1 netns "$b" &&
	ip -n "$a" addr add 10.202.0.1/30 dev veth0 && ip -n "$b" addr add 10.202.0.2/30 dev veth1 &&
	ip -n "$a" link set lo up && ip -n "$b" link set lo up &&
	ip -n "$a" link set veth0 up && ip -n "$b" link set veth1 up ||
	{ echo "run_split.sh: cannot make the namespaces (root needed)" >&2; exit 1; }

# per side: a Cyclone DDS configuration (its veth, no multicast, the other
# end as its one peer) and the pipeline file pointing at it
for side in robot ground; do
	if [ $side = robot ]; then dev=veth0 peer=10.202.0.2; else dev=veth1 peer=10.202.0.1; fi
	cat >"$tmp/$side.xml" <<XML
<CycloneDDS xmlns="https://cdds.io/config"><Domain Id="any"><General>
<Interfaces><NetworkInterface name="$dev"/></Interfaces><AllowMulticast>false</AllowMulticast>
</General><Discovery><ParticipantIndex>auto</ParticipantIndex>
<Peers><Peer Address="$peer"/></Peers></Discovery></Domain></CycloneDDS>
XML
	sed "s|^bridge: { \(.*\) }|bridge: { \1, config: $tmp/$side.xml }|" "$here/$side.yaml" \
		>"$tmp/$side.yaml"
done
cd "$tmp"
# the receiving side first, so that it sees the robot from its first pose
ip netns exec "$b" "$sluice" run "$tmp/ground.yaml" --duration $((secs + 2)) --quiet &
g=$!
sleep 1
ip netns exec "$a" "$sluice" run "$tmp/robot.yaml" --duration "$secs" --quiet
wait $g
