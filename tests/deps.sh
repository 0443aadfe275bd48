#!/bin/sh
# deps.sh PKG...: install the Debian packages fwc needs that are missing.
# As root it runs apt-get; otherwise it prints the exact command to run.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all packages present"; exit 0; }
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# package lists may be missing on a fresh machine
	apt-get update -qq || exit 1
	$cmd || exit 1
else
	echo "deps: missing:$missing" >&2
	echo "deps: run as root: $cmd" >&2
	exit 1
fi
