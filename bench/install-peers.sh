#!/bin/sh
# Installs the R peers that `npm run bench:peers` compares the server with:
# Rserve, callr and IRkernel, from Debian's packages. apt-get runs only when
# one of them is missing, and needs root. The npm clients (rserve-client,
# zeromq) are devDependencies and come with `npm install`.
set -eu

PACKAGES="r-cran-rserve r-cran-callr r-cran-irkernel"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-peers: already installed:$(printf ' %s' $PACKAGES)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-peers: missing:$missing; run this script as root (apt-get install)" >&2
    exit 1
fi

echo "install-peers: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Other installs may hold the dpkg lock for a while: wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=300 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing
