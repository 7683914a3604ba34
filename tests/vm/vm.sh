#!/bin/bash
# tests/vm/vm.sh — run one test program inside a throw-away QEMU guest, for
# tests that need real kernel devices (uinput/evdev, DRM/KMS, ALSA, 9p) that
# the build machine does not have.
#
# The guest is Debian's own kernel (package linux-image-amd64, fetched once
# with `apt-get download` into a cache and unpacked with `dpkg -x`) booted by
# qemu-system-x86_64 under TCG, with an initramfs made here: busybox-static,
# the kernel modules asked for (and what they depend on), the test program and
# every shared library it needs, the extra files asked for, and an init that
# loads the modules, runs the test under a timeout, prints its exit status on
# the serial console and powers the guest off.  The script's exit status is the
# test's.  See tests/vm/README.md.
#
# Usage: vm.sh [options] [--] PROGRAM [ARG...]
#   --module 'NAME [PARAM=VALUE...]'  load this kernel module (and its
#                         dependencies) before the test; a built-in module's
#                         parameters go on the kernel command line; repeatable
#   --file SRC[=DEST]     put a file or directory into the guest at DEST
#                         (default: the same absolute path as SRC); ELF files
#                         bring their shared libraries along; repeatable
#   --udev                run systemd-udevd with the host's rules (libinput
#                         ignores input devices udev has not tagged)
#   --share DIR           mount host DIR read-write at /mnt/host (9p/virtio)
#   --env NAME=VALUE      environment for the test; repeatable
#   --qemu ARG            one more argument for qemu; repeatable
#   --timeout SEC         the test's time limit inside the guest (default 60)
#   --mem MB              guest memory (default 512)
#   --cache DIR           kernel cache (default $PVKIT_VM_CACHE, else
#                         ${XDG_CACHE_HOME:-~/.cache}/pvkit-vm)
#   --workdir DIR         where the initramfs and console log are made
#                         (default: a temporary directory, removed at exit)
#   --fetch-only          only make sure the kernel is cached
#   -v, --verbose         show the kernel's messages on the console
#
# Exit status: the test's own; 77 (skip, with a message saying why) when qemu,
# the kernel or busybox-static cannot be had; 1 when the guest itself failed
# (no status reported, host-side timeout, a module that would not load); 2 for
# a usage error.
set -euo pipefail
export LC_ALL=C

SKIP=77
me=pvkit-vm

say() { printf '%s: %s\n' "$me" "$*" >&2; }
skip() { say "SKIP: $*"; exit $SKIP; }
fail() { say "FAIL: $*"; exit 1; }
usage() { sed -n '/^# Usage:/,/^# a usage error/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

modules=()
files=()
envs=()
qemu_extra=()
udev=0
share=""
timeout=60
mem=512
cache="${PVKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pvkit-vm}"
workdir=""
fetch_only=0
verbose=0

while [ $# -gt 0 ]; do
	case "$1" in
	--module) modules+=("$2"); shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--udev) udev=1; shift ;;
	--share) share="$2"; shift 2 ;;
	--env) envs+=("$2"); shift 2 ;;
	--qemu) qemu_extra+=("$2"); shift 2 ;;
	--timeout) timeout="$2"; shift 2 ;;
	--mem) mem="$2"; shift 2 ;;
	--cache) cache="$2"; shift 2 ;;
	--workdir) workdir="$2"; shift 2 ;;
	--fetch-only) fetch_only=1; shift ;;
	-v|--verbose) verbose=1; shift ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) say "unknown option $1"; usage ;;
	*) break ;;
	esac
done
[ $fetch_only = 1 ] || [ $# -ge 1 ] || usage
case "$timeout$mem" in *[!0-9]*) say "--timeout and --mem take numbers"; usage ;; esac

PATH="$PATH:/usr/sbin:/sbin"

# --- the kernel: Debian's linux-image-amd64, fetched once -------------------

# The package linux-image-amd64 only points at the current flavour's real
# package (linux-image-<abi>-amd64) with an exact version; prints "PKG VER".
apt_kernel_package() {
	apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends: \(linux-image-[0-9][^ ]*-amd64\) (= \([^)]*\)).*/\1 \2/p' |
		head -n 1
}

# A cached kernel newer than this many minutes is used without asking apt
# (asking costs seconds, and every VM test would ask).
RECHECK_MIN=${PVKIT_VM_RECHECK_MIN:-720}

# Leaves the unpacked kernel tree in $kroot and its version in $kver.
fetch_kernel() {
	local pkg="" ver="" dir="" tmp deb fresh
	mkdir -p "$cache" || skip "cannot create the kernel cache $cache"
	exec 9>"$cache/lock"
	flock 9
	# Fresh: apt was asked lately and a kernel is cached.
	fresh=$(find "$cache" -maxdepth 1 -name .checked -mmin -"$RECHECK_MIN" 2>/dev/null)
	ls "$cache"/linux-image-*/.complete >/dev/null 2>&1 || fresh=""
	[ -n "$fresh" ] || read -r pkg ver < <(apt_kernel_package || true) || true
	if [ -n "$pkg" ]; then
		dir="$cache/${pkg}_${ver}"
		if [ ! -e "$dir/.complete" ]; then
			say "fetching $pkg $ver into $cache (once)"
			tmp="$cache/.fetch.$$"
			rm -rf "$tmp" && mkdir -p "$tmp/root"
			if ! (cd "$tmp" && apt-get download "$pkg=$ver") >"$tmp/log" 2>&1; then
				cat "$tmp/log" >&2
				rm -rf "$tmp"
				say "apt-get download $pkg=$ver failed (no Debian mirror?)"
				pkg=""
			else
				deb=$(ls "$tmp"/*.deb)
				dpkg -x "$deb" "$tmp/root" || fail "dpkg -x $deb failed"
				rm -f "$deb"
				depmod -b "$tmp/root" "$(ls "$tmp/root/lib/modules")" ||
					fail "depmod -b on the unpacked kernel failed"
				rm -rf "$dir" && mv "$tmp/root" "$dir" && rm -rf "$tmp"
				touch "$dir/.complete"
				# Each kernel is 400 MB unpacked: keep only this one.
				for old in "$cache"/linux-image-*; do
					[ "$old" = "$dir" ] || rm -rf "$old"
				done
			fi
		fi
		[ -z "$pkg" ] || touch "$cache/.checked"
	fi
	if [ -z "$pkg" ]; then
		# Checked lately, or apt knows no kernel: a cached one will do.
		dir=$(ls -d "$cache"/linux-image-*/.complete 2>/dev/null |
			tail -n 1 || true)
		[ -n "$dir" ] || skip "no Debian kernel: apt-get cannot fetch linux-image-amd64 (run 'apt-get update'; a Debian mirror is needed once) and $cache has none"
		dir=${dir%/.complete}
		[ -n "$fresh" ] || say "apt offers no kernel; using the cached $(basename "$dir")"
	fi
	# Readers share the lock while they copy from the tree, so a newer
	# kernel's fetch in another run cannot delete it under them.
	flock -s 9
	kroot="$dir"
	kver=$(ls "$kroot/lib/modules")
	kernel="$kroot/boot/vmlinuz-$kver"
	[ -r "$kernel" ] || fail "no $kernel in the unpacked package"
}

command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86; scripts/deps.sh installs it)"
for t in apt-get apt-cache dpkg depmod modprobe flock cpio; do
	command -v "$t" >/dev/null || skip "$t is not installed"
done
fetch_kernel
[ $fetch_only = 0 ] || { say "kernel $kver cached in $kroot"; exit 0; }

busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
	skip "$busybox is missing or not static (Debian package busybox-static)"

# --- the initramfs -----------------------------------------------------------

if [ -z "$workdir" ]; then
	workdir=$(mktemp -d "${TMPDIR:-/tmp}/pvkit-vm.XXXXXX")
	trap 'rm -rf "$workdir"' EXIT
fi
root="$workdir/root"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc/pvkit-vm,proc,sys,dev,run,tmp,mnt/host,root,test}
mkdir -p "$root/usr"/{bin,sbin}

# Copy one file to the same path in the guest (following symlinks).
put() {
	local src="$1" dst="$root${2:-$1}"
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")"
	cp -L "$src" "$dst"
}

# Shared libraries and the dynamic loader an ELF file needs, at the paths the
# host's loader found them (which the guest's loader searches by default).
put_libs() {
	local out lib
	out=$(ldd "$1" 2>&1) || return 0 # static or not an ELF program
	for lib in $(printf '%s\n' "$out" |
		sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p'); do
		put "$lib"
	done
	case "$out" in *"not found"*) fail "ldd $1: $out" ;; esac
}

is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

# An extra file or directory; ELF files bring their libraries.
put_file() {
	local src="${1%%=*}" dst="${1#*=}" f
	[ "$dst" != "$1" ] || dst="$src"
	[ -e "$src" ] || fail "--file $src: no such file"
	case "$dst" in /*) ;; *) dst="/test/$dst" ;; esac
	mkdir -p "$(dirname "$root$dst")"
	cp -aL "$src" "$root$dst"
	if [ -d "$src" ]; then
		while IFS= read -r f; do
			if is_elf "$f"; then put_libs "$f"; fi
		done < <(find "$src" -type f)
	elif is_elf "$src"; then
		put_libs "$src"
	fi
}

cp "$busybox" "$root/bin/busybox"
for f in "${files[@]+"${files[@]}"}"; do put_file "$f"; done

prog="$1"
shift
[ -f "$prog" ] || fail "test program $prog not found"
cp -L "$prog" "$root/test/$(basename "$prog")"
put_libs "$prog"

# Modules: modprobe resolves each one's dependencies against the unpacked
# tree (ignoring the host's modprobe.d); the guest loads them in that order
# with insmod.  A depmod over the subset lets udevd's kmod and a test's own
# modprobe find them too.
[ -z "$share" ] || modules+=(virtio_pci 9pnet_virtio 9p)
: >"$root/etc/pvkit-vm/modules"
declare -A listed=()
cmdline_params=""
for spec in "${modules[@]+"${modules[@]}"}"; do
	name=${spec%% *}
	params=""
	[ "$name" = "$spec" ] || params=${spec#* }
	deps=$(modprobe -C /dev/null -d "$kroot" -S "$kver" --show-depends "$name" 2>&1) ||
		fail "kernel $kver has no module $name: $deps"
	if [ "$(printf '%s\n' "$deps" | tail -n 1 | cut -d' ' -f1)" = builtin ]; then
		# Built into the kernel: parameters go on its command line.
		for p in $params; do cmdline_params="$cmdline_params ${name//-/_}.$p"; done
		continue
	fi
	# The last line is the module itself, the ones before its dependencies.
	self=$(printf '%s\n' "$deps" | tail -n 1 | cut -d' ' -f2)
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		rel=${path#"$kroot"}
		rel=${rel%.ko*}.ko
		if [ -n "${listed[$rel]:-}" ]; then
			[ "$path" != "$self" ] || [ -z "$params" ] ||
				fail "--module '$spec': $name is already loaded before (as a dependency); name it first"
			continue
		fi
		mkdir -p "$(dirname "$root$rel")"
		case "$path" in
		*.ko.xz) xz -dc "$path" >"$root$rel" ;;
		*.ko.zst) zstd -qdc "$path" >"$root$rel" ;;
		*.ko.gz) gzip -dc "$path" >"$root$rel" ;;
		*) cp "$path" "$root$rel" ;;
		esac
		listed[$rel]=1
		if [ "$path" = "$self" ]; then
			echo "$rel $params"
		else
			echo "$rel"
		fi >>"$root/etc/pvkit-vm/modules"
	done <<<"$deps"
done
mkdir -p "$root/lib/modules/$kver"
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ ! -e "$kroot/lib/modules/$kver/$f" ] ||
		cp "$kroot/lib/modules/$kver/$f" "$root/lib/modules/$kver/"
done
depmod -b "$root" "$kver"

if [ $udev = 1 ]; then
	udevadm=$(command -v udevadm) ||
		skip "--udev: udevadm is not installed (Debian package udev)"
	put "$udevadm" /bin/udevadm
	put_libs "$udevadm"
	ln -s /bin/udevadm "$root/bin/systemd-udevd"
	mkdir -p "$root/usr/lib/udev" "$root/etc/udev"
	cp -a /usr/lib/udev/rules.d "$root/usr/lib/udev/"
fi
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\ninput:x:101:\nvideo:x:44:\naudio:x:29:\nrender:x:105:\nkvm:x:106:\n' \
	>"$root/etc/group"

# The test's command line and environment, quoted for the guest's shell.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
	printf 'PVKIT_VM_TIMEOUT=%s\n' "$timeout"
	printf 'PVKIT_VM_UDEV=%s\n' "$udev"
	printf 'PVKIT_VM_SHARE=%s\n' "$([ -n "$share" ] && echo 1 || echo 0)"
	for e in "${envs[@]+"${envs[@]}"}"; do
		printf 'export %s=%s\n' "${e%%=*}" "$(q "${e#*=}")"
	done
	printf 'set -- %s' "$(q "/test/$(basename "$prog")")"
	for a in "$@"; do printf ' %s' "$(q "$a")"; done
	printf '\n'
} >"$root/etc/pvkit-vm/config"
cp "$(dirname "$0")/init.sh" "$root/init"
chmod 755 "$root/init"

# The kernel opens /dev/console before /init runs, so the archive carries
# that node; cpio cannot add one without root, so a second tiny archive made
# here does (the kernel unpacks concatenated archives in turn).
newc() { # name mode rdevmajor rdevminor
	local name="$1" hdr
	hdr=$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$2" 0 0 1 0 0 0 0 "$3" "$4" $((${#name} + 1)) 0)
	printf '%s%s\0' "$hdr" "$name"
	# header (110) + name + NUL padded to a multiple of 4
	local n=$(((110 + ${#name} + 1) % 4))
	[ $n = 0 ] || head -c $((4 - n)) /dev/zero
}
initrd="$workdir/initramfs.cpio"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$initrd"
{
	newc dev/console $((0020000 | 0600)) 5 1
	newc TRAILER!!! 0 0 0
} >>"$initrd"
cp "$kernel" "$workdir/vmlinuz"
kernel="$workdir/vmlinuz"
exec 9>&- # done with the cached tree

# --- the guest -----------------------------------------------------------------

append="console=ttyS0 panic=-1 rdinit=/init$cmdline_params"
[ $verbose = 1 ] || append="$append quiet loglevel=3"
qemu=(qemu-system-x86_64 -accel "${PVKIT_VM_ACCEL:-tcg}" -m "$mem" -smp 1
	-nographic -no-reboot -nic none -kernel "$kernel" -initrd "$initrd"
	-append "$append")
if [ -n "$share" ]; then
	[ -d "$share" ] || fail "--share $share: not a directory"
	qemu+=(-virtfs "local,path=$share,mount_tag=pvkit,security_model=none,id=pvkit")
fi
qemu+=("${qemu_extra[@]+"${qemu_extra[@]}"}")

# Boot under TCG takes a few seconds; the margin covers slow machines.
host_limit=$((timeout + ${PVKIT_VM_BOOT_MARGIN:-90}))
log="$workdir/console.log"
say "booting $kver with $(basename "$prog") (initramfs $(($(stat -c %s "$initrd") / 1024)) KiB, limit ${host_limit}s)"
start=$EPOCHREALTIME
set +e
timeout -k 5 "$host_limit" "${qemu[@]}" </dev/null 2>&1 |
	sed -u 's/\r$//; s/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tee "$log"
qstatus=${PIPESTATUS[0]}
set -e
secs=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }")

[ "$qstatus" != 124 ] && [ "$qstatus" != 137 ] ||
	fail "the guest did not finish within ${host_limit}s (console log: $log)"
err=$(sed -n 's/^PVKIT-VM-ERROR: //p' "$log" | head -n 1)
[ -z "$err" ] || fail "in the guest: $err"
status=$(sed -n 's/^PVKIT-VM-EXIT: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
[ -n "$status" ] ||
	fail "the guest ended (qemu status $qstatus) without reporting the test's status: kernel panic or a boot failure? (console log: $log)"
if [ "$status" = 0 ]; then
	say "PASS: $(basename "$prog") exited 0 in the guest (${secs}s in all)"
elif [ "$status" = $SKIP ]; then
	say "SKIP: $(basename "$prog") skipped itself in the guest"
else
	say "FAIL: $(basename "$prog") exited $status in the guest (${secs}s in all)"
fi
exit "$status"
