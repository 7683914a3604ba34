#!/bin/sh
# scripts/deps.sh — make sure the Debian packages pvkit's build and tests use
# are installed.  Run as root it installs what is missing (adding the arm64,
# armhf and i386 architectures for the cross-arch test libraries); run as
# another user it prints the exact commands to run and exits 1.
#
# Usage: scripts/deps.sh [--check]   (--check: only report, never install)
set -eu

HOST_PKGS="gcc clang make cmake ninja-build pkg-config python3 libcmocka-dev libxen-dev
  libdpdk-dev libclang-rt-14-dev qemu-user-static libevent-dev libseccomp-dev
  xenstore-utils libsdl2-dev libinput-dev libudev-dev libevdev-dev
  libasound2-dev python3-numpy sox
  libpng-dev libdrm-dev xvfb imagemagick xdotool
  qemu-system-x86 busybox-static cpio kmod udev
  gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-i686-linux-gnu"
FOREIGN_ARCHS="arm64 armhf i386"
FOREIGN_PKGS="libcmocka-dev:arm64 libcmocka-dev:armhf libcmocka-dev:i386"

missing=""
for p in $HOST_PKGS $FOREIGN_PKGS; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

need_archs=""
for a in $FOREIGN_ARCHS; do
  dpkg --print-foreign-architectures | grep -qx "$a" || need_archs="$need_archs $a"
done

if [ "$(id -u)" != 0 ] || [ "${1:-}" = "--check" ]; then
  echo "pvkit: missing Debian packages:$missing" >&2
  echo "Install them as root with:" >&2
  for a in $need_archs; do echo "  dpkg --add-architecture $a" >&2; done
  echo "  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi

echo "pvkit: installing:$missing"
for a in $need_archs; do dpkg --add-architecture "$a"; done
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
