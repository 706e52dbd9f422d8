#!/bin/sh
# Installs the Debian packages of the named groups (build, check, bench) that
# are missing, from deps/debian-packages.txt.  Asks dpkg once, so it costs
# nothing when everything is already there.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
list="$here/deps/debian-packages.txt"
[ $# -gt 0 ] || set -- build

want=$(awk -v groups=" $* " '
	/^[[:space:]]*(#|$)/ { next }
	{ for (i = 2; i <= NF; i++) if (index(groups, " " $i " ")) { print $1; break } }
' "$list")
[ -n "$want" ] || exit 0

# dpkg-query prints one status line per known package; unknown ones go to stderr.
have=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $want 2>/dev/null | awk '$2 == "ii" { print $1 }')
missing=$(for p in $want; do echo "$have" | grep -qx "$p" || echo "$p"; done)
[ -n "$missing" ] || exit 0

echo "deps: installing $(echo $missing)" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install them with: apt-get install $(echo $missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
