#!/bin/sh
# Install the Debian packages named on the command line that are missing.
# As root it runs apt-get; otherwise it prints the command to run.
# With --optional, a package that cannot be installed is only reported.
optional=0
if [ "$1" = "--optional" ]; then optional=1; shift; fi
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "memledger: missing Debian packages:$missing" >&2
	echo "memledger: run: sudo apt-get install -y$missing" >&2
	[ $optional = 1 ] && exit 0
	exit 1
fi
echo "memledger: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
	apt-get update >/dev/null 2>&1
	if ! apt-get install -y --no-install-recommends $missing >&2; then
		echo "memledger: apt-get could not install:$missing" >&2
		[ $optional = 1 ] && exit 0
		exit 1
	fi
fi
