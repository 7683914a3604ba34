#!/bin/bash
# tests/vm/test_vm_rig.sh — ctest's check of vm.sh itself: two guests, one
# where vm_rig_probe verifies arguments, --env, --file, --module (with a
# parameter; uinput, a KMS card, two ALSA cards) and --share (and writes a
# file the host then reads), one where the guest's time limit
# stops it and the status (143, SIGTERM) comes back; and the loud skip when
# qemu is missing.
# Usage: test_vm_rig.sh VM_SH CACHE PROBE WORKDIR
set -euo pipefail
vm=$1 cache=$2 probe=$3 work=$4
rm -rf "$work" && mkdir -p "$work/share" "$work/files"
echo host >"$work/share/from-host.txt"
echo relative >"$work/files/data.txt"
echo absolute >"$work/files/abs.txt"

# qemu missing: a skip (77) that says why, before any download.
set +e
msg=$(PATH=/nonexistent "$vm" --cache "$cache" -- "$probe" 2>&1)
st=$?
set -e
[ $st = 77 ] && [[ "$msg" == *"qemu-system-x86_64 is not installed"* ]] ||
	{ echo "FAIL: without qemu: status $st, '$msg'"; exit 1; }

set +e
"$vm" --cache "$cache" --workdir "$work/vm1" --module uinput \
	--module bochs --module 'snd-dummy pcm_devs=2' --module snd-aloop \
	--file "$work/files/data.txt=data.txt" \
	--file "$work/files/abs.txt=/etc/pvkit-probe/abs.txt" \
	--env "PVKIT_PROBE=x 'y' \$z" --share "$work/share" --timeout 30 \
	-- "$probe" check "a b" "it's" '$HOME' '' '*'
st=$?
set -e
[ $st = 77 ] && exit 77
[ $st = 0 ] || { echo "FAIL: the probe's checks failed (status $st)"; exit 1; }
[ "$(cat "$work/share/from-guest.txt" 2>/dev/null)" = guest ] ||
	{ echo "FAIL: the guest's file did not reach the host share"; exit 1; }

set +e
"$vm" --cache "$cache" --workdir "$work/vm2" --timeout 3 -- "$probe" sleep 120
st=$?
set -e
[ $st = 143 ] || { echo "FAIL: a guest past its limit gave status $st, expected 143"; exit 1; }
echo "vm_rig: PASS (arguments, env, files, modules, DRM, ALSA, 9p share, time limit, skip)"
