#!/usr/bin/env bash
# A Debian root with Debian's own QGIS packages, for `make test-matrix` (run as root).
#
#   scripts/qgis_root.sh build SUITE             debootstrap SUITE (trixie, sid, ...) and install
#                                                scripts/debian-packages.txt in it (via ensure_deps.sh)
#   scripts/qgis_root.sh test SUITE [ARGS...]    the test suite in that root with its /usr/bin/python3
#                                                (ARGS go to pytest)
#   scripts/qgis_root.sh versions SUITE          the Debian versions of QGIS, Python, numpy, GDAL there
#
# Roots live in $SMD_ROOTS_DIR (default /var/tmp/smd-qgis-roots), never in the checkout.
# By default `build` starts from an empty folder, as CI must (nothing cached that a fresh machine
# would not have). SMD_REUSE_ROOTS=1 keeps a root completed by an earlier build instead (local
# development; packages added to the list since are installed into it).
#
# `build` exits 3 when the root or its packages cannot be installed (e.g. unstable's archive in
# transition), so callers can tell that apart from a failing test (exit 1 from `test`).
# Mounts are made in a private mount and PID namespace: they are undone by a trap, and the kernel
# drops them (and ends any process left, such as Xvfb) whatever happens to this script.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd -P)"
ROOTS="${SMD_ROOTS_DIR:-/var/tmp/smd-qgis-roots}"
MIRROR="${SMD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="$REPO/scripts/debian-packages.txt"
# The archive of a root may lag behind its signature dates (Valid-Until) on this machine's clock.
APT_OPTIONS="-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3"
CANNOT_INSTALL=3

die() { echo "qgis_root.sh: $*" >&2; exit 2; }
now() { date +%s; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mount): run it with sudo"
[ $# -ge 2 ] || die "usage: $0 build|test|versions SUITE [pytest args]"
command="$1" suite="$2"
shift 2
case "$suite" in *[!a-z0-9-]* | '') die "bad suite name '$suite'" ;; esac
root="$ROOTS/$suite"
ready="$root/.smd-root-ready"   # written last by build: holds the package list it installed

# Run a command in the root with a clean environment (HOME in the root's tmpfs /tmp).
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/tmp/home LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 \
    QT_QPA_PLATFORM=offscreen SMD_APT_OPTIONS="$APT_OPTIONS" "$@"
}

# Mounts for work inside the root; called only in the private namespace (see `enter`).
MOUNTED=()
mount_at() {  # mount_at TARGET MOUNT-ARGS...: mount and remember for unmount_all
  mkdir -p "$1"
  local target="$1"
  shift
  mount "$@" "$target"
  MOUNTED+=("$target")
}
bind_read_only() {  # bind_read_only PATH: the host's PATH at the same place in the root, read-only
  mount_at "$root$1" --bind "$1"
  mount -o remount,bind,ro "$root$1"
}
unmount_all() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || echo "could not unmount ${MOUNTED[i]}" >&2
  done
  MOUNTED=()
}
mount_all() {
  trap unmount_all EXIT
  trap 'exit 130' INT TERM
  mount_at "$root/proc" -t proc proc
  mount_at "$root/sys" -t sysfs -o ro sysfs
  mount_at "$root/dev" --bind /dev
  mount_at "$root/dev/pts" --bind /dev/pts
  mount_at "$root/dev/shm" -t tmpfs -o mode=1777 tmpfs
  mount_at "$root/tmp" -t tmpfs -o mode=1777 tmpfs
  mkdir -p "$root/tmp/home"
  # The checkout at its own path (so a worktree's .git pointer resolves), read-only: tests
  # in a root cannot change it.
  bind_read_only "$REPO"
  local git_common
  git_common="$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
  case "$git_common" in "" | "$REPO"/*) ;; *) bind_read_only "$git_common" ;; esac
}

# Run this script again in a private mount and PID namespace, for the steps that mount.
enter() {
  unshare --mount --propagation private --pid --fork --kill-child "$0" "$@"
}

install_packages() {  # inside the namespace
  mount_all
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"   # no services start in the root
  chmod 755 "$root/usr/sbin/policy-rc.d"
  in_root bash "$REPO/scripts/ensure_deps.sh"
  # Installed is not enough: unstable can ship packages that do not import together.
  in_root /usr/bin/python3 -c 'import qgis.core, osgeo.gdal, numpy, scipy, matplotlib, pytest'
  # make package runs git ls-files on the checkout, which may belong to another user.
  in_root git config --system --add safe.directory '*'
}

run_tests() {  # inside the namespace; pytest's own exit status
  mount_all
  [ $# -gt 0 ] || set -- tests
  rm -f "$root/var/tmp/smd-junit.xml"
  in_root bash -c 'cd "$0" && /usr/bin/python3 -P -m pytest -ra --junitxml=/var/tmp/smd-junit.xml "$@"' "$REPO" "$@"
}

versions() {
  local package
  echo "interpreter $(chroot "$root" /usr/bin/python3 -c 'import platform; print(platform.python_version())')"
  for package in qgis python3 python3-numpy python3-gdal python3-scipy libqt5core5t64 libqt5core5a; do
    chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' "$package" 2>/dev/null | awk 'NF == 2' || true
  done
}

build() {
  mkdir -p "$ROOTS"
  exec 9>"$ROOTS/$suite.lock"
  flock -n 9 || { echo "waiting for another build or run of the $suite root..."; flock 9; }
  rm -f "$root.times"
  if [ "${SMD_REUSE_ROOTS:-0}" = 1 ] && [ -f "$ready" ]; then
    if cmp -s "$ready" "$PACKAGES"; then
      echo "reusing $root (SMD_REUSE_ROOTS=1)"
      echo "debootstrap_seconds=0" >"$root.times"
      echo "install_seconds=0" >>"$root.times"
      return 0
    fi
    echo "reusing $root (SMD_REUSE_ROOTS=1); the package list changed: installing what is missing"
    local start
    start=$(now)
    rm -f "$ready"
    enter _install "$suite" || exit $CANNOT_INSTALL
    echo "debootstrap_seconds=0" >"$root.times"
    echo "install_seconds=$(($(now) - start))" >>"$root.times"
    cp "$PACKAGES" "$ready"
    return 0
  fi
  if [ -e "$root" ]; then
    # Never delete through a mount (a bind-mounted checkout would go with it).
    if awk -v r="$root" '$5 == r || index($5, r "/") == 1 {found=1} END {exit !found}' /proc/self/mountinfo; then
      die "something is still mounted under $root: unmount it first"
    fi
    echo "removing the earlier $root (fresh build; SMD_REUSE_ROOTS=1 keeps it)"
    rm -f "$ready"   # first: a removal cut short must not leave a root that looks complete
    rm -rf --one-file-system "$root"
  fi
  local start
  start=$(now)
  echo "debootstrap --variant=minbase $suite from $MIRROR"
  debootstrap --variant=minbase "$suite" "$root" "$MIRROR" || {
    echo "debootstrap of $suite failed"
    exit $CANNOT_INSTALL
  }
  local bootstrapped
  bootstrapped=$(now)
  echo "debootstrap_seconds=$((bootstrapped - start))" >"$root.times"
  echo "root made in $((bootstrapped - start)) s; installing scripts/debian-packages.txt"
  enter _install "$suite" || {
    echo "the packages of scripts/debian-packages.txt cannot be installed in $suite"
    exit $CANNOT_INSTALL
  }
  echo "install_seconds=$(($(now) - bootstrapped))" >>"$root.times"
  echo "packages installed in $(($(now) - bootstrapped)) s"
  versions
  cp "$PACKAGES" "$ready"
}

case "$command" in
  build) build ;;
  test)
    [ -f "$ready" ] || die "no complete root at $root: run '$0 build $suite' first"
    exec 9>"$ROOTS/$suite.lock"
    flock -s 9
    enter _test "$suite" "$@"
    ;;
  versions) versions ;;
  _install) install_packages ;;   # in the namespace (from build)
  _test) run_tests "$@" ;;        # in the namespace (from test)
  *) die "unknown command '$command'" ;;
esac
