#!/bin/sh
# Installs the Debian packages of the named groups (build, check, bench) that
# are missing, from deps/debian-packages.txt.  Asks dpkg once, so it costs
# nothing when everything is already there.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
list="$here/deps/debian-packages.txt"
[ $# -gt 0 ] || set -- build

# The check group also needs the Node packages the tests read recordings
# with (package.json, pinned by package-lock.json): npm ci when missing.
node_packages() {
	case " $* " in *" check "*) ;; *) return 0 ;; esac
	[ -f "$here/package-lock.json" ] || return 0
	[ -f "$here/node_modules/@mcap/core/package.json" ] && return 0
	# Debian's nodejs comes without npm (its own package); a nodejs that
	# bundles npm conflicts with that package, so it is installed only here.
	if ! command -v npm >/dev/null; then
		echo "deps: installing npm" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm \
			>/dev/null || echo "deps: npm could not be installed" >&2
	fi
	echo "deps: npm ci (node_modules for the tests)" >&2
	# Without them the MCAP cross-check says it is skipped; the rest runs.
	(cd "$here" && npm ci --no-audit --no-fund >/dev/null) ||
		echo "deps: npm ci failed: the @mcap/core cross-check will be skipped" >&2
}

want=$(awk -v groups=" $* " '
	/^[[:space:]]*(#|$)/ { next }
	{ for (i = 2; i <= NF; i++) if (index(groups, " " $i " ")) { print $1; break } }
' "$list")
[ -n "$want" ] || { node_packages "$@"; exit; }

# dpkg-query prints one status line per known package; unknown ones go to stderr.
have=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $want 2>/dev/null | awk '$2 == "ii" { print $1 }')
missing=$(for p in $want; do echo "$have" | grep -qx "$p" || echo "$p"; done)
[ -n "$missing" ] || { node_packages "$@"; exit; }

echo "deps: installing $(echo $missing)" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install them with: apt-get install $(echo $missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
node_packages "$@"
