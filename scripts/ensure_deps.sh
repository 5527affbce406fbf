#!/usr/bin/env bash
# Install what the plugin's demo and tests need on Debian (12, 13 or unstable), only when missing:
# the packages of scripts/debian-packages.txt. The Debian roots of `make test-matrix` are set up by
# running this same script inside them. SMD_APT_OPTIONS adds options to apt-get (the roots use it).
set -euo pipefail
list="$(dirname "$0")/debian-packages.txt"
missing=()
for package in $(sed -e 's/#.*//' "$list"); do
  dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null | grep -q '^ii' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # shellcheck disable=SC2086  # SMD_APT_OPTIONS holds several words
  $SUDO apt-get ${SMD_APT_OPTIONS:-} update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get ${SMD_APT_OPTIONS:-} install -y -q --no-install-recommends \
    "${missing[@]}"
fi
